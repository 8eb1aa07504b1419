# stackoverflow.com/questions/40331510/how-to-stack-multiple-lstm-in-keras "Input 0 is incompatible with layer lstm_28: expected ndim=3, found ndim=2"
from keras.models import Sequential
from keras.layers import LSTM, Dense

time_steps, vector_size = 8, 16

model = Sequential()
model.add(LSTM(100, input_shape=(time_steps, vector_size)))  # BUG
model.add(LSTM(100))
