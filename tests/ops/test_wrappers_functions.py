"""Wrappers, stacks, functional ops and tensor methods. Expected numbers were
checked against Keras 3.15 (torch backend) and torch 2.13 and are literals."""

from __future__ import annotations



def total(result):
    return result.trainable + result.non_trainable


def test_bidirectional_lstm_concat(keras, keras_layer):
    inner = keras_layer("LSTM", [32], {"return_sequences": True})
    result = keras("Bidirectional", [inner], {}, [(None, 20, 16)])
    assert result.outputs == ((None, 20, 64),)
    assert total(result) == 12544


def test_bidirectional_gru_sum(keras, keras_layer):
    inner = keras_layer("GRU", [8])
    result = keras("Bidirectional", [inner], {"merge_mode": "sum"}, [(None, 20, 16)])
    assert result.outputs == ((None, 8),)
    assert total(result) == 1248


def test_bidirectional_return_state(keras, keras_layer):
    inner = keras_layer("LSTM", [8], {"return_state": True})
    result = keras("Bidirectional", [inner], {}, [(None, 20, 16)])
    assert result.outputs == ((None, 16), (None, 8), (None, 8), (None, 8), (None, 8))
    assert total(result) == 1600


def test_time_distributed(keras, keras_layer):
    dense = keras_layer("Dense", [5])
    result = keras("TimeDistributed", [dense], {}, [(None, 20, 16)])
    assert result.outputs == ((None, 20, 5),) and total(result) == 85
    conv = keras_layer("Conv2D", [4, 3])
    result = keras("TimeDistributed", [conv], {}, [(None, 10, 28, 28, 1)])
    assert result.outputs == ((None, 10, 26, 26, 4),) and total(result) == 40


def test_keras_rnn_of_cell(keras, keras_layer):
    cell = keras_layer("LSTMCell", [12])
    result = keras("RNN", [cell], {"return_sequences": True}, [(None, 20, 16)])
    assert result.outputs == ((None, 20, 12),) and total(result) == 1392


def test_transformer_encoder_stack_with_norm(torch, torch_layer):
    layer = torch_layer("TransformerEncoderLayer", [32, 4])
    norm = torch_layer("LayerNorm", [32])
    result = torch("TransformerEncoder", [layer, 3], {"norm": norm}, [(10, 2, 32)])
    assert result.outputs == ((10, 2, 32),) and total(result) == 412576


def test_transformer_decoder_stack(torch, torch_layer):
    layer = torch_layer("TransformerDecoderLayer", [32, 4], {"dim_feedforward": 64})
    result = torch("TransformerDecoder", [layer, 2], {}, [(10, 2, 32), (12, 2, 32)])
    assert result.outputs == ((10, 2, 32),) and total(result) == 25664


def test_functional_pool_interpolate_pad(torchf):
    x = (2, 3, 17, 17)
    assert torchf("torch.nn.functional.max_pool2d", [None, 3, 2, 1], {"ceil_mode": True}, [x]).outputs == (
        (2, 3, 9, 9),)
    assert torchf("torch.nn.functional.interpolate", [None], {"scale_factor": 0.5}, [x]).outputs == ((2, 3, 8, 8),)
    assert torchf("torch.nn.functional.pad", [None, (1, 1)], {}, [x]).outputs == ((2, 3, 17, 19),)
    assert torchf("torch.nn.functional.pad", [None, (1, 2, 3, 4, 5, 6)], {}, [x]).outputs == ((2, 14, 24, 20),)


def test_view_flatten_and_friends(torchf):
    x = (2, 3, 17, 17)
    assert torchf("Tensor.view", [(2, -1)], {}, [x]).outputs == ((2, 867),)
    assert torchf("Tensor.view", [(None, -1)], {}, [(None, 3, 17, 17)]).outputs == ((None, 867),)
    assert torchf("torch.flatten", [None], {}, [x]).outputs == ((1734,),)
    assert torchf("torch.flatten", [None, 1], {}, [x]).outputs == ((2, 867),)
    assert torchf("Tensor.flatten", [1], {}, [("N", 3, 17, 17)]).outputs == (("N", 867),)
    assert torchf("Tensor.permute", [(0, 2, 3, 1)], {}, [x]).outputs == ((2, 17, 17, 3),)
    assert torchf("Tensor.transpose", [1, 3], {}, [x]).outputs == ((2, 17, 17, 3),)
    assert torchf("Tensor.squeeze", [], {}, [(2, 1, 17, 17)]).outputs == ((2, 17, 17),)
    assert torchf("Tensor.unsqueeze", [-1], {}, [x]).outputs == ((2, 3, 17, 17, 1),)
    assert torchf("Tensor.mean", [(2, 3)], {}, [x]).outputs == ((2, 3),)
    assert torchf("Tensor.mean", [1], {"keepdim": True}, [x]).outputs == ((2, 1, 17, 17),)
    assert torchf("Tensor.sum", [], {}, [x]).outputs == ((),)


def test_getitem(torchf):
    x = (2, 3, 17, 17)
    full = slice(None, None, None)
    assert torchf("operator.getitem", [None, (full, -1)], {}, [x]).outputs == ((2, 17, 17),)
    assert torchf("operator.getitem", [None, (Ellipsis, None, slice(2, 10, 3))], {}, [x]).outputs == (
        (2, 3, 17, 1, 3),)
    assert torchf("operator.getitem", [None, (0, full, slice(1, None))], {}, [x]).outputs == ((3, 16, 17),)
    assert torchf("operator.getitem", [None, (full, -1, full)], {}, [(None, 20, 64)]).outputs == ((None, 64),)


def test_cat_stack_broadcast(torchf):
    x = (2, 3, 17, 17)
    assert torchf("torch.cat", [None, 1], {}, [x, x]).outputs == ((2, 6, 17, 17),)
    assert torchf("torch.stack", [None, -1], {}, [x, x]).outputs == ((2, 3, 17, 17, 2),)
    assert torchf("operator.add", [None, None], {}, [(4, 1, 3), (5, 1)]).outputs == ((4, 5, 3),)
    assert torchf("operator.mul", [None, None], {}, [(None, 8), ()]).outputs == ((None, 8),)


def test_keras_reshape_excludes_batch(keras, keras_layer):
    assert keras("Reshape", [(16, 4)], {}, [(None, 4, 4, 4)]).outputs == ((None, 16, 4),)


def test_input_layer(keras, keras_layer):
    assert keras("InputLayer", [], {"shape": (227, 227, 3)}, []).outputs == ((None, 227, 227, 3),)
    assert keras("InputLayer", [], {"batch_shape": (8, 10)}, []).outputs == ((8, 10),)


ALEXNET = [
    ("Conv2D", [96, 11], {"strides": 4, "activation": "relu"}),
    ("MaxPooling2D", [], {"pool_size": (3, 3), "strides": (2, 2)}),
    ("Conv2D", [256, 5], {"activation": "relu", "padding": "same"}),
    ("MaxPooling2D", [], {"pool_size": (3, 3), "strides": (2, 2)}),
    ("Conv2D", [384, 3], {"activation": "relu", "padding": "same"}),
    ("Conv2D", [384, 3], {"activation": "relu", "padding": "same"}),
    ("Conv2D", [256, 3], {"activation": "relu", "padding": "same"}),
    ("Dense", [4096], {"activation": "relu"}),
    ("Dense", [4096], {"activation": "relu"}),
    ("Dense", [1000], {"activation": "softmax"}),
]


def _chain(keras, layers):
    shape, count = (None, 227, 227, 3), 0
    for name, args, kwargs in layers:
        result = keras(name, args, kwargs, [shape])
        assert result.issues == ()
        shape, count = result.outputs[0], count + total(result)
    return shape, count


def test_alexnet_without_flatten(keras):
    assert _chain(keras, ALEXNET) == ((None, 13, 13, 1000), 25678184)


def test_alexnet_with_flatten(keras):
    layers = ALEXNET[:7] + [ALEXNET[1], ("Flatten", [], {})] + ALEXNET[7:]  # fixtures/keras/alexnet_flatten.py
    assert _chain(keras, layers) == ((None, 1000), 62378344)
