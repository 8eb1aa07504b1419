# datascience.stackexchange.com/questions/91069 "The sum of multi-class prediction is not 1 using tensorflow and keras?" -- the answer: softmax
import tensorflow as tf

vocab_size = 5000

model = tf.keras.Sequential([
    tf.keras.layers.Embedding(vocab_size, 50, trainable=False),
    tf.keras.layers.LSTM(128),
    tf.keras.layers.Dense(4, activation='softmax')])
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=[tf.keras.metrics.categorical_accuracy])  # tf.metrics is tf.keras.metrics
model.build((None, 40))
