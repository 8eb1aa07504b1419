# pullrequest.ru/13403374 (SO "predicting only one class"): VGG16 base + Dense(1, activation='softmax')
from keras.applications import VGG16
from keras.layers import GlobalAveragePooling2D, Dense
from keras.models import Model

base_model = VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
x = base_model.output
x = GlobalAveragePooling2D()(x)
x = Dense(1024, activation='relu')(x)
x = Dense(1024, activation='relu')(x)
x = Dense(512, activation='relu')(x)
preds = Dense(1, activation='softmax')(x)  # BUG
vgg = Model(inputs=base_model.input, outputs=preds)
vgg.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
