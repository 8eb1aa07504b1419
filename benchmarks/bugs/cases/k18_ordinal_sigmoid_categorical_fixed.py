# stackoverflow.org.cn/questions/42638260 (SO): five one-hot classes, Dense(5, activation='sigmoid') with categorical_crossentropy ("you should use softmax instead of sigmoid") -- the answer [reconstructed around the lines the thread quotes]
from keras.layers import Input, Dense
from keras.models import Model

main_input = Input(shape=(100,))
x = Dense(64, activation='relu')(main_input)
main_output = Dense(5, activation='softmax', name='main_output')(x)
model = Model(inputs=main_input, outputs=main_output)
model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['mean_squared_error'], loss_weights=[0.2])
