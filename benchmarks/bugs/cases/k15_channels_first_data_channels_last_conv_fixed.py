# ogeek.cn/qa/?qa=619240 (SO): Convolution2D with input_shape=(1, 28, 28) under the default channels_last ("Negative dimension size caused by subtracting 3 from 1") -- the answer: data_format='channels_first' [reconstructed around the lines the thread quotes]
from keras.models import Sequential
from keras.layers import Convolution2D, MaxPooling2D, Flatten, Dense

model = Sequential()
model.add(Convolution2D(32, (3, 3), activation='relu', input_shape=(1, 28, 28), data_format='channels_first'))
model.add(Convolution2D(32, (3, 3), activation='relu', data_format='channels_first'))
model.add(MaxPooling2D(pool_size=(2, 2), data_format='channels_first'))
model.add(Flatten())
model.add(Dense(10, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
