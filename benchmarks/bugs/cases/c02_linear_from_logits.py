# p-rodriguez.me/machine-learning/advanced_learning/module-2/multiclass/softmax-lab (the preferred organisation: linear output, from_logits=True)
import tensorflow as tf
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense

preferred_model = Sequential([
    Dense(25, activation='relu', input_shape=(2,)),
    Dense(15, activation='relu'),
    Dense(4, activation='linear'),
])
preferred_model.compile(
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=tf.keras.optimizers.Adam(0.001),
)
