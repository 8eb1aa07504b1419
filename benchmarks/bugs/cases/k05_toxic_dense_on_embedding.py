# stackoverflow.com/questions/50686217/keras-how-is-accuracy-calculated-for-multi-label-classification ("99.11% accuracy after 3 epochs")
from keras.models import Sequential
from keras.layers import Embedding, Dense

classes = ['threat', 'severe_toxic', 'obscene', 'insult', 'identity_hate', 'toxic']

model = Sequential()
model.add(Embedding(10000, 128, input_length=250))
model.add(Dense(100, activation='relu'))  # BUG
model.add(Dense(len(classes), activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.build((None, 250))
