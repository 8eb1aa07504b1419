# stackguides.com/questions/46620813/keras-lstm-model-not-learning-binary-sequence ("stuck with constant accuracy ... acc: 0.4992")
from keras.models import Sequential
from keras.layers import LSTM, Dense

LSTM_net = Sequential()
LSTM_net.add(LSTM(1, input_shape=(3, 1)))
LSTM_net.add(Dense(1, activation="softmax"))  # BUG
LSTM_net.compile(optimizer="adagrad", loss="binary_crossentropy", metrics=["accuracy"])
