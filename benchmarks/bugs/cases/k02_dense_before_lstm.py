# techfeed.net/pt/443267 "Add dense layer before LSTM layer in keras" (ValueError at model.add(LSTM(32)): expected ndim=3)
from keras.models import Sequential
from keras.layers import Dense, LSTM, Dropout

model = Sequential()
model.add(Dense(5, input_shape=(1,)))
model.add(Dense(10))
model.add(LSTM(32))  # BUG
model.add(Dropout(0.3))
model.add(Dense(5))
model.add(Dense(1))
model.compile(loss='mean_squared_error', optimizer='adam')
