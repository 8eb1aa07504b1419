# boohere.com/id/detail/80041.html (SO "Why binary_crossentropy and categorical_crossentropy give different performances for the same problem?"; Keras 1 arguments renamed)
from keras.models import Sequential
from keras.layers import Embedding, Dropout, Conv1D, MaxPooling1D, Flatten, Dense, Activation

class_id_index = {"sports": 0, "politics": 1, "tech": 2, "health": 3, "arts": 4}

model = Sequential()
model.add(Embedding(20000, 100, input_length=200))
model.add(Dropout(0.25))
model.add(Conv1D(filters=32, kernel_size=4, padding='valid', activation='relu'))
model.add(MaxPooling1D(pool_size=2))
model.add(Flatten())
model.add(Dense(256))
model.add(Dropout(0.25))
model.add(Activation('relu'))
model.add(Dense(len(class_id_index)))
model.add(Activation('softmax'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])  # BUG
model.build((None, 200))
