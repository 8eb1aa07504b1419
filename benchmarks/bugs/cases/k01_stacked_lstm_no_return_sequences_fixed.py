# stackoverflow.com/questions/40331510/how-to-stack-multiple-lstm-in-keras -- the accepted answer
from keras.models import Sequential
from keras.layers import LSTM, Dense

timesteps, data_dim = 8, 16

# expected input data shape: (batch_size, timesteps, data_dim)
model = Sequential()
model.add(LSTM(32, return_sequences=True, input_shape=(timesteps, data_dim)))
model.add(LSTM(32, return_sequences=True))
model.add(LSTM(32))
model.add(Dense(10, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
