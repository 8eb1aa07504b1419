# geek-tips.imtqy.com/articles/557592 "binary_crossentropy with softmax activation in the output layer ... if you have only 1 node output, it will always be 1.0" (reconstructed from the answer)
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(32, activation='relu', input_dim=20))
model.add(Dense(1, activation='softmax'))  # BUG
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
