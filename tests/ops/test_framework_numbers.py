"""Exact shapes and parameter counts, one layer at a time, through the binding
tables. Every expected number below was produced by the real framework
(Keras 3.15 with the torch backend, torch 2.13) and written here literally.
(test generated from a one-off oracle run; the frameworks are not imported here)."""

from __future__ import annotations

import pytest



def params(result):
    if result.trainable is None or result.non_trainable is None:
        return None
    return result.trainable + result.non_trainable

# (class, args, kwargs, input shapes, output shapes, total params, trainable params)
KERAS_CASES = [
    ('Conv2D', [96, 11], {'strides': 4}, [(None, 227, 227, 3)], [(None, 55, 55, 96)], 34944, 34944),
    ('Conv2D', [64, 3], {'padding': 'same', 'strides': 2}, [(None, 31, 31, 3)], [(None, 16, 16, 64)], 1792, 1792),
    ('Conv2D', [8, 3], {'dilation_rate': 2, 'use_bias': False}, [(None, 32, 32, 4)], [(None, 28, 28, 8)], 288, 288),
    ('Conv2D', [8, 3], {'groups': 2}, [(None, 32, 32, 4)], [(None, 30, 30, 8)], 152, 152),
    ('Conv1D', [16, 5], {'padding': 'causal', 'dilation_rate': 2}, [(None, 100, 8)], [(None, 100, 16)], 656, 656),
    ('Conv3D', [4, 3], {'strides': 2}, [(None, 9, 9, 9, 2)], [(None, 4, 4, 4, 4)], 220, 220),
    ('Conv2D', [8, 3], {'data_format': 'channels_first'}, [(None, 4, 32, 32)], [(None, 8, 30, 30)], 296, 296),
    ('Conv2DTranspose', [16, 3], {'strides': 2}, [(None, 8, 8, 32)], [(None, 17, 17, 16)], 4624, 4624),
    ('Conv2DTranspose', [16, 4], {'strides': 2, 'padding': 'same'}, [(None, 8, 8, 32)], [(None, 16, 16, 16)], 8208, 8208),
    ('Conv2DTranspose', [16, 3], {'strides': 2, 'padding': 'same', 'output_padding': 1}, [(None, 8, 8, 32)], [(None, 16, 16, 16)], 4624, 4624),
    ('Conv1DTranspose', [16, 5], {'strides': 3}, [(None, 10, 4)], [(None, 32, 16)], 336, 336),
    ('SeparableConv2D', [64, 3], {'depth_multiplier': 2}, [(None, 32, 32, 16)], [(None, 30, 30, 64)], 2400, 2400),
    ('DepthwiseConv2D', [3], {'depth_multiplier': 3, 'padding': 'same'}, [(None, 32, 32, 16)], [(None, 32, 32, 48)], 480, 480),
    ('MaxPooling2D', [3], {'strides': 2}, [(None, 55, 55, 96)], [(None, 27, 27, 96)], 0, 0),
    ('MaxPooling2D', [], {'padding': 'same'}, [(None, 7, 7, 8)], [(None, 4, 4, 8)], 0, 0),
    ('AveragePooling1D', [3], {'strides': 2, 'padding': 'same'}, [(None, 10, 4)], [(None, 5, 4)], 0, 0),
    ('GlobalAveragePooling2D', [], {}, [(None, 7, 7, 512)], [(None, 512)], 0, 0),
    ('GlobalMaxPooling1D', [], {'keepdims': True}, [(None, 10, 4)], [(None, 1, 4)], 0, 0),
    ('Dense', [4096], {}, [(None, 13, 13, 256)], [(None, 13, 13, 4096)], 1052672, 1052672),
    ('Dense', [10], {'use_bias': False}, [(None, 128)], [(None, 10)], 1280, 1280),
    ('BatchNormalization', [], {}, [(None, 32, 32, 64)], [(None, 32, 32, 64)], 256, 128),
    ('BatchNormalization', [], {'center': False}, [(None, 32, 32, 64)], [(None, 32, 32, 64)], 192, 64),
    ('LayerNormalization', [], {}, [(None, 10, 64)], [(None, 10, 64)], 128, 128),
    ('LayerNormalization', [], {'axis': [1, 2], 'scale': False}, [(None, 10, 64)], [(None, 10, 64)], 640, 640),
    ('GroupNormalization', [], {'groups': 4}, [(None, 8, 8, 32)], [(None, 8, 8, 32)], 64, 64),
    ('LSTM', [64], {}, [(None, 20, 100)], [(None, 64)], 42240, 42240),
    ('LSTM', [64], {'return_sequences': True, 'return_state': True}, [(None, 20, 100)], [(None, 20, 64), (None, 64), (None, 64)], 42240, 42240),
    ('GRU', [32], {}, [(None, 20, 16)], [(None, 32)], 4800, 4800),
    ('GRU', [32], {'reset_after': False}, [(None, 20, 16)], [(None, 32)], 4704, 4704),
    ('SimpleRNN', [32], {'return_sequences': True}, [(None, 20, 16)], [(None, 20, 32)], 1568, 1568),
    ('Embedding', [1000, 64], {}, [(None, 20)], [(None, 20, 64)], 64000, 64000),
    ('Flatten', [], {}, [(None, 13, 13, 256)], [(None, 43264)], 0, 0),
    ('Reshape', [(-1, 8)], {}, [(None, 4, 4, 4)], [(None, 8, 8)], 0, 0),
    ('Permute', [(2, 1)], {}, [(None, 10, 64)], [(None, 64, 10)], 0, 0),
    ('RepeatVector', [5], {}, [(None, 32)], [(None, 5, 32)], 0, 0),
    ('PReLU', [], {}, [(None, 8, 8, 3)], [(None, 8, 8, 3)], 192, 192),
    ('PReLU', [], {'shared_axes': [1, 2]}, [(None, 8, 8, 3)], [(None, 8, 8, 3)], 3, 3),
    ('UpSampling2D', [], {'size': (2, 3)}, [(None, 8, 8, 3)], [(None, 16, 24, 3)], 0, 0),
    ('ZeroPadding2D', [((1, 2), (3, 4))], {}, [(None, 8, 8, 3)], [(None, 11, 15, 3)], 0, 0),
    ('ZeroPadding2D', [], {}, [(None, 8, 8, 3)], [(None, 10, 10, 3)], 0, 0),
    ('Cropping2D', [((1, 2), (3, 4))], {}, [(None, 28, 28, 3)], [(None, 25, 21, 3)], 0, 0),
    ('Cropping1D', [], {}, [(None, 10, 3)], [(None, 8, 3)], 0, 0),
    ('MultiHeadAttention', [4, 16], {}, [(None, 10, 32), (None, 12, 24)], [(None, 10, 32)], 7392, 7392),
    ('MultiHeadAttention', [2, 8], {'value_dim': 4, 'output_shape': 7, 'use_bias': False}, [(None, 10, 32), (None, 12, 24)], [(None, 10, 7)], 1144, 1144),
    ('Resizing', [20, 30], {}, [(None, 8, 8, 3)], [(None, 20, 30, 3)], 0, 0),
    ('Concatenate', [], {}, [(None, 8, 8, 3), (None, 8, 8, 5)], [(None, 8, 8, 8)], 0, 0),
    ('Add', [], {}, [(None, 8, 1, 3), (None, 8, 4, 3)], [(None, 8, 4, 3)], 0, 0),
    ('Conv3DTranspose', [4, 3], {'strides': 2, 'padding': 'same'}, [(None, 5, 5, 5, 2)], [(None, 10, 10, 10, 4)], 220, 220),
    ('LSTM', [16], {'return_state': True}, [(None, 20, 8)], [(None, 16), (None, 16), (None, 16)], 1600, 1600),
    ('GRU', [16], {'return_sequences': True, 'return_state': True}, [(None, 20, 8)], [(None, 20, 16), (None, 16)], 1248, 1248),
    ('Softmax', [], {}, [(None, 10)], [(None, 10)], 0, 0),
    ('Dropout', [0.5], {}, [(None, 10)], [(None, 10)], 0, 0),
    ('SeparableConv1D', [8, 3], {'padding': 'same', 'use_bias': False}, [(None, 20, 4)], [(None, 20, 8)], 44, 44),
    ('DepthwiseConv1D', [3], {}, [(None, 20, 4)], [(None, 18, 4)], 16, 16),
    ('UpSampling1D', [3], {}, [(None, 20, 4)], [(None, 60, 4)], 0, 0),
    ('ZeroPadding1D', [(1, 2)], {}, [(None, 20, 4)], [(None, 23, 4)], 0, 0),
    ('ZeroPadding3D', [2], {}, [(None, 4, 4, 4, 1)], [(None, 8, 8, 8, 1)], 0, 0),
    ('Maximum', [], {}, [(None, 4), (None, 4)], [(None, 4)], 0, 0),
    ('Concatenate', [1], {}, [(None, 2, 3), (None, 5, 3)], [(None, 7, 3)], 0, 0),
]

# (class, args, kwargs, input shapes, output shapes, total params) — torch counts parameters only
TORCH_CASES = [
    ('Linear', [9216, 4096], {}, [(1, 9216)], [(1, 4096)], 37752832),
    ('Linear', [10, 5], {'bias': False}, [(2, 3, 10)], [(2, 3, 5)], 50),
    ('Bilinear', [4, 5, 6], {}, [(2, 4), (2, 5)], [(2, 6)], 126),
    ('Conv2d', [3, 64, 11], {'stride': 4, 'padding': 2}, [(1, 3, 224, 224)], [(1, 64, 55, 55)], 23296),
    ('Conv2d', [3, 8, 3], {'padding': 'same', 'dilation': 2, 'groups': 1, 'bias': False}, [(3, 20, 20)], [(8, 20, 20)], 216),
    ('Conv2d', [4, 8, (3, 5)], {'stride': (2, 1), 'padding': (1, 2), 'groups': 2}, [(1, 4, 17, 17)], [(1, 8, 9, 17)], 248),
    ('Conv1d', [4, 8, 3], {'stride': 2}, [(1, 4, 50)], [(1, 8, 24)], 104),
    ('Conv3d', [2, 4, 3], {'padding': 1}, [(1, 2, 8, 8, 8)], [(1, 4, 8, 8, 8)], 220),
    ('ConvTranspose2d', [16, 8, 3], {'stride': 2, 'padding': 1, 'output_padding': 1}, [(1, 16, 10, 10)], [(1, 8, 20, 20)], 1160),
    ('ConvTranspose2d', [16, 8, 4], {'stride': 2, 'groups': 4, 'dilation': 2}, [(1, 16, 10, 10)], [(1, 8, 25, 25)], 520),
    ('MaxPool2d', [3, 2], {}, [(1, 64, 55, 55)], [(1, 64, 27, 27)], 0),
    ('MaxPool2d', [3, 2], {'ceil_mode': True}, [(1, 64, 56, 56)], [(1, 64, 28, 28)], 0),
    ('MaxPool2d', [2, 2], {'ceil_mode': True, 'padding': 1}, [(1, 64, 5, 5)], [(1, 64, 3, 3)], 0),
    ('MaxPool2d', [3, 3], {'ceil_mode': True}, [(1, 4, 7, 7)], [(1, 4, 3, 3)], 0),
    ('AvgPool2d', [3, 2, 1], {'ceil_mode': True}, [(1, 4, 6, 6)], [(1, 4, 4, 4)], 0),
    ('MaxPool1d', [2], {}, [(3, 9)], [(3, 4)], 0),
    ('AdaptiveAvgPool2d', [(6, 6)], {}, [(1, 256, 13, 13)], [(1, 256, 6, 6)], 0),
    ('AdaptiveAvgPool2d', [(None, 2)], {}, [(1, 256, 13, 13)], [(1, 256, 13, 2)], 0),
    ('BatchNorm2d', [64], {}, [(2, 64, 8, 8)], [(2, 64, 8, 8)], 128),
    ('BatchNorm1d', [64], {'affine': False}, [(2, 64)], [(2, 64)], 0),
    ('BatchNorm2d', [64], {'bias': False}, [(2, 64, 8, 8)], [(2, 64, 8, 8)], 64),
    ('InstanceNorm2d', [64], {'affine': True}, [(2, 64, 8, 8)], [(2, 64, 8, 8)], 128),
    ('LayerNorm', [512], {}, [(2, 10, 512)], [(2, 10, 512)], 1024),
    ('LayerNorm', [(10, 512)], {'bias': False}, [(2, 10, 512)], [(2, 10, 512)], 5120),
    ('RMSNorm', [512], {}, [(2, 10, 512)], [(2, 10, 512)], 512),
    ('GroupNorm', [4, 32], {}, [(2, 32, 8, 8)], [(2, 32, 8, 8)], 64),
    ('LocalResponseNorm', [5], {}, [(1, 96, 55, 55)], [(1, 96, 55, 55)], 0),
    ('PReLU', [], {}, [(2, 8, 4)], [(2, 8, 4)], 1),
    ('PReLU', [8], {}, [(2, 8, 4)], [(2, 8, 4)], 8),
    ('Embedding', [1000, 64], {}, [(2, 20)], [(2, 20, 64)], 64000),
    ('EmbeddingBag', [1000, 64], {}, [(2, 20)], [(2, 64)], 64000),
    ('LSTM', [10, 20], {'num_layers': 2, 'bidirectional': True}, [(5, 3, 10)], [(5, 3, 40), (4, 3, 20), (4, 3, 20)], 15040),
    ('LSTM', [10, 20], {'batch_first': True, 'proj_size': 5, 'num_layers': 3}, [(3, 5, 10)], [(3, 5, 5), (3, 3, 5), (3, 3, 20)], 3580),
    ('LSTM', [10, 20], {}, [(5, 10)], [(5, 20), (1, 20), (1, 20)], 2560),
    ('GRU', [16, 32], {'num_layers': 2, 'batch_first': True, 'bias': False}, [(4, 7, 16)], [(4, 7, 32), (2, 4, 32)], 10752),
    ('RNN', [16, 32], {'bidirectional': True}, [(7, 4, 16)], [(7, 4, 64), (2, 4, 32)], 3200),
    ('LSTMCell', [10, 20], {}, [(3, 10)], [(3, 20), (3, 20)], 2560),
    ('GRUCell', [10, 20], {'bias': False}, [(3, 10)], [(3, 20)], 1800),
    ('MultiheadAttention', [32, 4], {}, [(10, 2, 32), (12, 2, 32), (12, 2, 32)], [(10, 2, 32), (2, 10, 12)], 4224),
    ('MultiheadAttention', [32, 4], {'kdim': 16, 'vdim': 24, 'add_bias_kv': True, 'batch_first': True}, [(2, 10, 32), (2, 12, 16), (2, 12, 24)], [(2, 10, 32), (2, 10, 13)], 3520),
    ('MultiheadAttention', [32, 4], {'bias': False}, [(10, 32), (12, 32), (12, 32)], [(10, 32), (10, 12)], 4096),
    ('TransformerEncoderLayer', [32, 4], {}, [(10, 2, 32)], [(10, 2, 32)], 137504),
    ('TransformerEncoderLayer', [32, 4], {'dim_feedforward': 64, 'bias': False, 'norm_first': True}, [(10, 2, 32)], [(10, 2, 32)], 8256),
    ('TransformerDecoderLayer', [32, 4], {}, [(10, 2, 32), (12, 2, 32)], [(10, 2, 32)], 141792),
    ('Transformer', [], {'d_model': 32, 'nhead': 4, 'num_encoder_layers': 2, 'num_decoder_layers': 3, 'dim_feedforward': 64}, [(10, 2, 32), (12, 2, 32)], [(12, 2, 32)], 55712),
    ('Upsample', [], {'scale_factor': 2}, [(1, 3, 8, 8)], [(1, 3, 16, 16)], 0),
    ('Upsample', [], {'scale_factor': 1.5}, [(1, 3, 7, 9)], [(1, 3, 10, 13)], 0),
    ('Upsample', [(5, 6, 7)], {}, [(1, 3, 8, 8, 8)], [(1, 3, 5, 6, 7)], 0),
    ('PixelShuffle', [2], {}, [(1, 12, 8, 8)], [(1, 3, 16, 16)], 0),
    ('PixelUnshuffle', [2], {}, [(1, 3, 8, 8)], [(1, 12, 4, 4)], 0),
    ('ZeroPad2d', [(1, 2, 3, 4)], {}, [(1, 3, 8, 8)], [(1, 3, 15, 11)], 0),
    ('ReflectionPad1d', [2], {}, [(1, 3, 8)], [(1, 3, 12)], 0),
    ('ConstantPad3d', [1, 0.0], {}, [(1, 3, 4, 4, 4)], [(1, 3, 6, 6, 6)], 0),
    ('Flatten', [], {}, [(2, 16, 5, 5)], [(2, 400)], 0),
    ('Unflatten', [1, (2, -1)], {}, [(2, 16, 5)], [(2, 2, 8, 5)], 0),
    ('Conv2d', [3, 8, 3], {'padding': 'valid'}, [(1, 3, 10, 10)], [(1, 8, 8, 8)], 224),
    ('MaxPool2d', [2], {'return_indices': True}, [(1, 3, 10, 10)], [(1, 3, 5, 5), (1, 3, 5, 5)], 0),
    ('AdaptiveMaxPool1d', [4], {'return_indices': True}, [(1, 3, 10)], [(1, 3, 4), (1, 3, 4)], 0),
    ('GRU', [16, 32], {}, [(7, 16)], [(7, 32), (1, 32)], 4800),
    ('RNNCell', [16, 32], {}, [(16,)], [(32,)], 1600),
    ('MultiheadAttention', [32, 4], {'add_zero_attn': True}, [(10, 2, 32), (12, 2, 32), (12, 2, 32)], [(10, 2, 32), (2, 10, 13)], 4224),
    ('ConvTranspose1d', [4, 2, 5], {'stride': 3, 'padding': 1}, [(4, 9)], [(2, 27)], 42),
    ('InstanceNorm1d', [8], {}, [(8, 20)], [(8, 20)], 0),
    ('Softmax', [1], {}, [(2, 5)], [(2, 5)], 0),
    ('Identity', [], {}, [(2, 5)], [(2, 5)], 0),
    ('Upsample', [], {'size': 10, 'mode': 'nearest'}, [(1, 3, 7)], [(1, 3, 10)], 0),
    ('UpsamplingBilinear2d', [], {'scale_factor': 2}, [(1, 3, 7, 7)], [(1, 3, 14, 14)], 0),
    ('ReplicationPad3d', [(1, 0, 2, 0, 3, 0)], {}, [(1, 2, 4, 4, 4)], [(1, 2, 7, 6, 5)], 0),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "inputs", "outputs", "total", "trainable"), KERAS_CASES)
def test_keras_layer(keras, name, args, kwargs, inputs, outputs, total, trainable):
    result = keras(name, args, kwargs, inputs)
    assert list(result.outputs) == outputs
    assert params(result) == total
    assert result.trainable == trainable
    assert result.issues == ()


@pytest.mark.parametrize(("name", "args", "kwargs", "inputs", "outputs", "total"), TORCH_CASES)
def test_torch_module(torch, name, args, kwargs, inputs, outputs, total):
    result = torch(name, args, kwargs, inputs)
    assert list(result.outputs) == outputs
    assert params(result) == total
    assert result.non_trainable == 0
    assert result.issues == ()
