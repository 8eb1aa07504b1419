# newbe.dev/error-when-checking-target-expected-dense-1-to-have-3-dimensions-but-got-array-with-shape-118-1
from keras.models import Sequential
from keras.layers import LSTM, Dense

model = Sequential()
model.add(LSTM(512, input_shape=(45, 2), return_sequences=True))
model.add(LSTM(512, return_sequences=True))  # BUG
model.add((Dense(1)))
model.compile(loss='mean_squared_error', optimizer='adam')
