# datascience.stackexchange.com/questions/77834/evaluating-a-multi-label-classification-model ("accuracy ~0.0931 ... is using the accuracy metric the best fit?")
from keras.models import Sequential
from keras.layers import Dense

n_cols = 21

model = Sequential()
model.add(Dense(128, activation='relu', input_shape=(n_cols,)))
model.add(Dense(64, activation='relu'))
model.add(Dense(26, activation='sigmoid'))  # Sigmoid for multi-label classification
model.compile(loss='binary_crossentropy', optimizer='RMSprop', metrics=['accuracy'])  # BUG
