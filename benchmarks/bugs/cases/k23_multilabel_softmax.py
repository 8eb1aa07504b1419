# techfeed.net/es/450747 (SO "How does Keras handle multilabel classification?"): multi-hot targets with softmax + categorical_crossentropy
from keras.models import Sequential
from keras.layers import Dense, Dropout
from keras.optimizers import SGD

n_features, n_labels = 300, 11

model = Sequential()
model.add(Dense(5000, activation='relu', input_dim=n_features))
model.add(Dropout(0.1))
model.add(Dense(600, activation='relu'))
model.add(Dropout(0.1))
model.add(Dense(n_labels, activation='softmax'))  # BUG
sgd = SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=sgd, metrics=['accuracy', ])
