# kouhan.cn/en/article/00042451 "Input 0 is incompatible with layer conv2d_1: expected ndim=4, found ndim=5" (training images of shape (26721, 32, 32, 1)) [reconstructed around the lines the thread quotes]
from keras.models import Sequential
from keras.layers import Convolution2D, MaxPooling2D, Flatten, Dense

model = Sequential()
model.add(Convolution2D(32, (3, 3), activation='relu', input_shape=(26721, 32, 32, 1)))  # BUG
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(10, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
