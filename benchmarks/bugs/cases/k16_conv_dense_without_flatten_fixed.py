# stackoverflow.com/questions/44972799 (stackoom.com/en/question/32hTj) "Error when checking target: expected dense_2 to have 4 dimensions, but got array with shape (100, 10)" -- the working version from the question (Flatten between conv and dense)
import keras
from keras.models import Model
from keras.layers import Dense, Flatten, Input
from keras.layers import Conv2D
from keras.optimizers import SGD

input_layer = Input(shape=(100, 100, 3))
x = Conv2D(32, (3, 3), activation='relu')(input_layer)
x = Flatten()(x)
x = Dense(256, activation='relu')(x)
x = Dense(10, activation='softmax')(x)
model = Model(inputs=[input_layer], outputs=[x])
sgd = SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=sgd)
