# techfeed.net/es/456718 "Why does a binary Keras CNN always predict 1?" (Keras 1 arguments renamed to Keras 2+)
from keras.models import Sequential
from keras.layers import Conv1D, BatchNormalization, LeakyReLU, Dropout, Flatten, Dense, Activation

model = Sequential()
model.add(Conv1D(input_shape=(10, 4), filters=16, kernel_size=4, padding='same'))
model.add(BatchNormalization())
model.add(LeakyReLU())
model.add(Dropout(0.2))
model.add(Conv1D(filters=8, kernel_size=4, padding='same'))
model.add(BatchNormalization())
model.add(LeakyReLU())
model.add(Dropout(0.2))
model.add(Flatten())
model.add(Dense(64))
model.add(BatchNormalization())
model.add(LeakyReLU())
model.add(Dense(1))
model.add(Activation('softmax'))  # BUG
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
