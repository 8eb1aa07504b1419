# github.com/keras-team/keras/issues/160 "Stacking multiple LSTM layers yields an error" (Keras 0.x LSTM(input_dim, output_dim) signature modernised)
from keras.models import Sequential
from keras.layers import Dense, Dropout, Activation, Embedding, LSTM

nb_chars = 26  # a..z
nb_nodes = 50

model = Sequential()
model.add(Embedding(nb_chars, nb_chars))
model.add(LSTM(nb_nodes, activation='sigmoid', recurrent_activation='hard_sigmoid'))  # BUG
model.add(Dropout(0.5))
model.add(LSTM(nb_nodes, activation='sigmoid', recurrent_activation='hard_sigmoid'))
model.add(Dropout(0.5))
model.add(Dense(nb_chars))
model.add(Activation('sigmoid'))
model.add(Dropout(0.5))
model.compile(loss='binary_crossentropy', optimizer='rmsprop')
model.build((None, 30))
