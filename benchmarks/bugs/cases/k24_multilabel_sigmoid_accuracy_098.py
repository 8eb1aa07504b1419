# stackguides.com/questions/55660172 (SO): 3 labels, Dense(3, activation="sigmoid"), binary_crossentropy, "0.98 for accuracy, according to Keras" but sklearn accuracy_score 0.1 [reconstructed around the lines the thread quotes]
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()
model.add(Dense(16, activation='relu', input_shape=(8,)))
model.add(Dense(3, activation="sigmoid"))
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])  # BUG
