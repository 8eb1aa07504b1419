# example-a.com/answer/66908204 (SO "Can I use MSE as loss function and label encoding in classification problem?") -- with the classification loss the answer points to
from keras import models, layers

network = models.Sequential()
network.add(layers.Dense(512, activation='relu', input_shape=(28 * 28,)))
network.add(layers.Dense(10, activation='softmax'))
network.compile(optimizer='rmsprop',
                loss='categorical_crossentropy',
                metrics=['accuracy'])
