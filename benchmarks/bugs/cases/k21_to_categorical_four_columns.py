# whosebug.com/question/3634840 (SO "Keras Dense Layer Output - Shape Error"): classes 1,2,3 one-hot encoded by to_categorical into 4 columns, Dense(3) head [reconstructed around the lines the thread quotes]
import numpy as np
from keras.models import Sequential
from keras.layers import Embedding, LSTM, Dense
from keras.utils import to_categorical

y_train = np.array([1, 2, 3, 1, 2, 3])
y_train = to_categorical(y_train)

model = Sequential()
model.add(Embedding(5000, 64, input_length=50))
model.add(LSTM(64))
model.add((Dense(3, activation='softmax')))  # BUG
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
model.build((None, 50))
