# codehunter.cc/a/python/how-does-keras-handle-multilabel-classification (answer: sigmoid + binary_crossentropy, evaluated with predict)
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout
from tensorflow.keras.optimizers import SGD

n_features, n_labels = 300, 11

model = Sequential()
model.add(Dense(5000, activation='relu', input_dim=n_features))
model.add(Dropout(0.1))
model.add(Dense(600, activation='relu'))
model.add(Dropout(0.1))
model.add(Dense(n_labels, activation='sigmoid'))
sgd = SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
model.compile(loss='binary_crossentropy', optimizer=sgd)
