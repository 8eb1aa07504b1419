# openillumi.com/keras-conv2d-negative-dim-error-fix: X_train reshaped to (N, 1, img_rows, img_cols) for a channels_last Conv2D ("Negative dimension size caused by subtracting 3 from 1 for 'Conv2D'")
from keras.models import Sequential
from keras.layers import Conv2D, MaxPooling2D, Dropout, Flatten, Dense

img_rows, img_cols = 28, 28
num_classes = 10

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=(1, img_rows, img_cols)))  # BUG
model.add(Conv2D(64, (3, 3), activation='relu'))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(128, activation='relu'))
model.add(Dense(num_classes, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adadelta', metrics=['accuracy'])
