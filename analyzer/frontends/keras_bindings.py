"""Keras 3 layer classes → canonical ops.

Each entry is data: the op key, the constructor's positional order and
defaults (read from Keras 3.15's ``inspect.signature``; initializers,
regularizers, constraints and seeds keep their position but no default), the
renames onto canonical attribute names and the fixed Keras conventions
(channels-last, one bias vector per RNN gate, BatchNormalization's moving
statistics counted as non-trainable parameters). Wrapper layers
(Bidirectional, TimeDistributed, RNN) receive the wrapped layer's bound form as
``attrs["layer"]`` / ``attrs["cell"]``: ``{"class_name", "kind", "attrs"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from modelint.analyzer.frontends.bindings import Binding

REQUIRED: Any = object()  # a parameter without a default
_SKIP: Any = object()  # a parameter that only keeps its position (initializers...)

# Constructor parameters in order, with their Keras 3 defaults ("*name": keyword-only).
_KERAS: dict[str, tuple[tuple[str, Any], ...]] = {
    'Dense': (('units', REQUIRED), ('activation', None), ('use_bias', True),),
    'Conv1D': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', 1), ('padding', 'valid'), ('data_format', None), ('dilation_rate', 1), ('groups', 1), ('activation', None), ('use_bias', True),),
    'Conv2D': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', (1, 1)), ('padding', 'valid'), ('data_format', None), ('dilation_rate', (1, 1)), ('groups', 1), ('activation', None), ('use_bias', True),),
    'Conv3D': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', (1, 1, 1)), ('padding', 'valid'), ('data_format', None), ('dilation_rate', (1, 1, 1)), ('groups', 1), ('activation', None), ('use_bias', True),),
    'Conv1DTranspose': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', 1), ('padding', 'valid'), ('output_padding', None), ('data_format', None), ('dilation_rate', 1), ('activation', None), ('use_bias', True),),
    'Conv2DTranspose': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', (1, 1)), ('padding', 'valid'), ('output_padding', None), ('data_format', None), ('dilation_rate', (1, 1)), ('activation', None), ('use_bias', True),),
    'Conv3DTranspose': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', (1, 1, 1)), ('padding', 'valid'), ('data_format', None), ('output_padding', None), ('dilation_rate', (1, 1, 1)), ('activation', None), ('use_bias', True),),
    'SeparableConv1D': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', 1), ('padding', 'valid'), ('data_format', None), ('dilation_rate', 1), ('depth_multiplier', 1), ('activation', None), ('use_bias', True),),
    'SeparableConv2D': (('filters', REQUIRED), ('kernel_size', REQUIRED), ('strides', (1, 1)), ('padding', 'valid'), ('data_format', None), ('dilation_rate', (1, 1)), ('depth_multiplier', 1), ('activation', None), ('use_bias', True),),
    'DepthwiseConv1D': (('kernel_size', REQUIRED), ('strides', 1), ('padding', 'valid'), ('depth_multiplier', 1), ('data_format', None), ('dilation_rate', 1), ('activation', None), ('use_bias', True),),
    'DepthwiseConv2D': (('kernel_size', REQUIRED), ('strides', (1, 1)), ('padding', 'valid'), ('depth_multiplier', 1), ('data_format', None), ('dilation_rate', (1, 1)), ('activation', None), ('use_bias', True),),
    'MaxPooling1D': (('pool_size', 2), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'MaxPooling2D': (('pool_size', (2, 2)), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'MaxPooling3D': (('pool_size', (2, 2, 2)), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'AveragePooling1D': (('pool_size', REQUIRED), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'AveragePooling2D': (('pool_size', REQUIRED), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'AveragePooling3D': (('pool_size', REQUIRED), ('strides', None), ('padding', 'valid'), ('data_format', None),),
    'GlobalAveragePooling1D': (('data_format', None), ('keepdims', False),),
    'GlobalAveragePooling2D': (('data_format', None), ('keepdims', False),),
    'GlobalAveragePooling3D': (('data_format', None), ('keepdims', False),),
    'GlobalMaxPooling1D': (('data_format', None), ('keepdims', False),),
    'GlobalMaxPooling2D': (('data_format', None), ('keepdims', False),),
    'GlobalMaxPooling3D': (('data_format', None), ('keepdims', False),),
    'BatchNormalization': (('axis', -1), ('momentum', 0.99), ('epsilon', 0.001), ('center', True), ('scale', True), ('beta_initializer', _SKIP), ('gamma_initializer', _SKIP), ('moving_mean_initializer', _SKIP), ('moving_variance_initializer', _SKIP), ('beta_regularizer', _SKIP), ('gamma_regularizer', _SKIP), ('beta_constraint', _SKIP), ('gamma_constraint', _SKIP), ('renorm', False), ('renorm_clipping', None), ('renorm_momentum', 0.99), ('synchronized', False),),
    'LayerNormalization': (('axis', -1), ('epsilon', 0.001), ('center', True), ('scale', True),),
    'GroupNormalization': (('groups', 32), ('axis', -1), ('epsilon', 0.001), ('center', True), ('scale', True),),
    'UnitNormalization': (('axis', -1),),
    'LSTM': (('units', REQUIRED), ('activation', 'tanh'), ('recurrent_activation', 'sigmoid'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('unit_forget_bias', True), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('activity_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0), ('seed', _SKIP), ('return_sequences', False), ('return_state', False), ('go_backwards', False), ('stateful', False), ('unroll', False),),
    'GRU': (('units', REQUIRED), ('activation', 'tanh'), ('recurrent_activation', 'sigmoid'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('activity_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0), ('seed', _SKIP), ('return_sequences', False), ('return_state', False), ('go_backwards', False), ('stateful', False), ('unroll', False), ('reset_after', True),),
    'SimpleRNN': (('units', REQUIRED), ('activation', 'tanh'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('activity_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0), ('return_sequences', False), ('return_state', False), ('go_backwards', False), ('stateful', False), ('unroll', False),),
    'LSTMCell': (('units', REQUIRED), ('activation', 'tanh'), ('recurrent_activation', 'sigmoid'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('unit_forget_bias', True), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0),),
    'GRUCell': (('units', REQUIRED), ('activation', 'tanh'), ('recurrent_activation', 'sigmoid'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0), ('reset_after', True),),
    'SimpleRNNCell': (('units', REQUIRED), ('activation', 'tanh'), ('use_bias', True), ('kernel_initializer', _SKIP), ('recurrent_initializer', _SKIP), ('bias_initializer', _SKIP), ('kernel_regularizer', _SKIP), ('recurrent_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('recurrent_constraint', _SKIP), ('bias_constraint', _SKIP), ('dropout', 0.0), ('recurrent_dropout', 0.0),),
    'RNN': (('cell', REQUIRED), ('return_sequences', False), ('return_state', False), ('go_backwards', False), ('stateful', False), ('unroll', False), ('zero_output_for_mask', False),),
    'Bidirectional': (('layer', REQUIRED), ('merge_mode', 'concat'), ('weights', _SKIP), ('backward_layer', None),),
    'TimeDistributed': (('layer', REQUIRED),),
    'MultiHeadAttention': (('num_heads', REQUIRED), ('key_dim', REQUIRED), ('value_dim', None), ('dropout', 0.0), ('use_bias', True), ('output_shape', None), ('attention_axes', None), ('sliding_window', _SKIP), ('flash_attention', _SKIP), ('kernel_initializer', _SKIP), ('bias_initializer', _SKIP), ('kernel_regularizer', _SKIP), ('bias_regularizer', _SKIP), ('activity_regularizer', _SKIP), ('kernel_constraint', _SKIP), ('bias_constraint', _SKIP), ('use_gate', False),),
    'Embedding': (('input_dim', REQUIRED), ('output_dim', REQUIRED), ('embeddings_initializer', _SKIP), ('embeddings_regularizer', _SKIP), ('embeddings_constraint', _SKIP), ('mask_zero', False),),
    'Flatten': (('data_format', None),),
    'Reshape': (('target_shape', REQUIRED),),
    'Permute': (('dims', REQUIRED),),
    'RepeatVector': (('n', REQUIRED),),
    'Add': (),
    'Subtract': (),
    'Multiply': (),
    'Average': (),
    'Maximum': (),
    'Minimum': (),
    'Concatenate': (('axis', -1),),
    'Activation': (('activation', REQUIRED),),
    'ReLU': (('max_value', None), ('negative_slope', 0.0), ('threshold', 0.0),),
    'LeakyReLU': (('negative_slope', 0.3),),
    'PReLU': (('alpha_initializer', _SKIP), ('alpha_regularizer', _SKIP), ('alpha_constraint', _SKIP), ('shared_axes', None),),
    'ELU': (('alpha', 1.0),),
    'Softmax': (('axis', -1),),
    'Dropout': (('rate', REQUIRED), ('noise_shape', None),),
    'SpatialDropout1D': (('rate', REQUIRED),),
    'SpatialDropout2D': (('rate', REQUIRED), ('data_format', None),),
    'SpatialDropout3D': (('rate', REQUIRED), ('data_format', None),),
    'GaussianNoise': (('stddev', REQUIRED),),
    'GaussianDropout': (('rate', REQUIRED),),
    'AlphaDropout': (('rate', REQUIRED), ('noise_shape', None),),
    'ActivityRegularization': (('l1', 0.0), ('l2', 0.0),),
    'Identity': (),
    'Masking': (('mask_value', 0.0),),
    'UpSampling1D': (('size', 2),),
    'UpSampling2D': (('size', (2, 2)), ('data_format', None), ('interpolation', 'nearest'),),
    'UpSampling3D': (('size', (2, 2, 2)), ('data_format', None),),
    'ZeroPadding1D': (('padding', 1), ('data_format', None),),
    'ZeroPadding2D': (('padding', (1, 1)), ('data_format', None),),
    'ZeroPadding3D': (('padding', ((1, 1), (1, 1), (1, 1))), ('data_format', None),),
    'Cropping1D': (('cropping', (1, 1)),),
    'Cropping2D': (('cropping', ((0, 0), (0, 0))), ('data_format', None),),
    'Cropping3D': (('cropping', ((1, 1), (1, 1), (1, 1))), ('data_format', None),),
    'Resizing': (('height', REQUIRED), ('width', REQUIRED), ('interpolation', 'bilinear'), ('crop_to_aspect_ratio', False), ('pad_to_aspect_ratio', False), ('fill_mode', 'constant'), ('fill_value', 0.0), ('antialias', False), ('data_format', None),),
    'Rescaling': (('scale', REQUIRED), ('offset', 0.0),),
    'CenterCrop': (('height', REQUIRED), ('width', REQUIRED), ('data_format', None),),
    'InputLayer': (('shape', None), ('batch_size', None), ('dtype', _SKIP), ('sparse', _SKIP), ('ragged', _SKIP), ('batch_shape', None),),
    'Normalization': (('axis', -1), ('mean', None), ('variance', None), ('invert', False),),
    'RandomFlip': (('mode', 'horizontal_and_vertical'), ('seed', _SKIP), ('data_format', None),),
    'RandomRotation': (('factor', REQUIRED), ('fill_mode', 'reflect'), ('interpolation', 'bilinear'), ('seed', _SKIP), ('fill_value', 0.0), ('data_format', None),),
    'RandomZoom': (('height_factor', REQUIRED), ('width_factor', None), ('fill_mode', 'reflect'), ('interpolation', 'bilinear'), ('seed', _SKIP), ('fill_value', 0.0), ('data_format', None),),
    'RandomTranslation': (('height_factor', REQUIRED), ('width_factor', REQUIRED), ('fill_mode', 'reflect'), ('interpolation', 'bilinear'), ('seed', _SKIP), ('fill_value', 0.0), ('data_format', None),),
    'RandomContrast': (('factor', REQUIRED), ('value_range', (0, 255)), ('seed', _SKIP),),
    'RandomBrightness': (('factor', REQUIRED), ('value_range', (0, 255)), ('seed', _SKIP),),
}

def _binding(name: str, kind: str, rename: Mapping[str, str] | None = None, **fixed: Any) -> Binding:
    params = _KERAS[name]
    return Binding(
        kind=kind,
        signature=tuple(p for p, _ in params if not p.startswith("*")),
        defaults=MappingProxyType({p.lstrip("*"): d for p, d in params if d is not REQUIRED and d is not _SKIP}),
        rename=MappingProxyType(dict(rename or {})),
        fixed=MappingProxyType(fixed),
    )


_CONV_RENAME = {"dilation_rate": "dilation"}
_CL = {"channels_last": True}

_TABLE: dict[str, Binding] = {
    "Dense": _binding("Dense", "dense", min_rank=2),
    "InputLayer": _binding("InputLayer", "input"),
    # convolutions
    **{f"Conv{n}D": _binding(f"Conv{n}D", "conv", _CONV_RENAME, rank=n, **_CL) for n in (1, 2, 3)},
    **{f"Conv{n}DTranspose": _binding(f"Conv{n}DTranspose", "conv_transpose", _CONV_RENAME, rank=n, **_CL)
       for n in (1, 2, 3)},
    **{f"SeparableConv{n}D": _binding(f"SeparableConv{n}D", "separable_conv", _CONV_RENAME, rank=n, **_CL)
       for n in (1, 2)},
    **{f"DepthwiseConv{n}D": _binding(f"DepthwiseConv{n}D", "depthwise_conv", _CONV_RENAME, rank=n, **_CL)
       for n in (1, 2)},
    # pooling
    **{f"{kind}Pooling{n}D": _binding(f"{kind}Pooling{n}D", "pool", rank=n, **_CL)
       for kind in ("Max", "Average") for n in (1, 2, 3)},
    **{f"Global{kind}Pooling{n}D": _binding(f"Global{kind}Pooling{n}D", "global_pool", rank=n, **_CL)
       for kind in ("Max", "Average") for n in (1, 2, 3)},
    # normalization
    "BatchNormalization": _binding("BatchNormalization", "batch_norm", stats_are_params=True),
    "LayerNormalization": _binding("LayerNormalization", "layer_norm"),
    "GroupNormalization": _binding("GroupNormalization", "group_norm"),
    "UnitNormalization": _binding("UnitNormalization", "identity"),
    # recurrent
    "LSTM": _binding("LSTM", "rnn", cell="lstm", bias_vectors=1, batch_first=True, ranks=(3,)),
    "GRU": _binding("GRU", "rnn", cell="gru", bias_vectors=1, batch_first=True, ranks=(3,)),
    "SimpleRNN": _binding("SimpleRNN", "rnn", cell="rnn", bias_vectors=1, batch_first=True, ranks=(3,)),
    "LSTMCell": _binding("LSTMCell", "rnn_cell", cell="lstm", bias_vectors=1, ranks=(2,)),
    "GRUCell": _binding("GRUCell", "rnn_cell", cell="gru", bias_vectors=1, ranks=(2,)),
    "SimpleRNNCell": _binding("SimpleRNNCell", "rnn_cell", cell="rnn", bias_vectors=1, ranks=(2,)),
    "RNN": _binding("RNN", "rnn_layer"),
    "Bidirectional": _binding("Bidirectional", "bidirectional"),
    "TimeDistributed": _binding("TimeDistributed", "time_distributed"),
    # attention, embedding
    "MultiHeadAttention": _binding("MultiHeadAttention", "keras_mha"),
    "Embedding": _binding("Embedding", "embedding"),
    # reshaping
    "Flatten": _binding("Flatten", "flatten", start_dim=1, end_dim=-1),
    "Reshape": _binding("Reshape", "reshape", {"target_shape": "shape"}, batch_dims=1),
    "Permute": _binding("Permute", "permute", batch_dims=1),
    "RepeatVector": _binding("RepeatVector", "repeat_vector"),
    # merging
    **{name: _binding(name, "broadcast") for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")},
    "Concatenate": _binding("Concatenate", "concat", axis_name="axis"),
    # activations
    "Activation": _binding("Activation", "activation"),
    "ReLU": _binding("ReLU", "activation", activation="relu"),
    "LeakyReLU": _binding("LeakyReLU", "activation", activation="leaky_relu"),
    "ELU": _binding("ELU", "activation", activation="elu"),
    "PReLU": _binding("PReLU", "prelu"),
    "Softmax": _binding("Softmax", "softmax", activation="softmax"),
    # regularization and no-ops
    **{name: _binding(name, "dropout") for name in (
        "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
        "GaussianNoise", "GaussianDropout", "AlphaDropout")},
    **{name: _binding(name, "identity") for name in ("ActivityRegularization", "Identity", "Masking", "Rescaling")},
    # resizing and padding
    **{f"UpSampling{n}D": _binding(f"UpSampling{n}D", "upsample", {"size": "scale_factor"}, rank=n, **_CL)
       for n in (1, 2, 3)},
    **{f"ZeroPadding{n}D": _binding(f"ZeroPadding{n}D", "pad", rank=n, pad_order="axis_pairs", **_CL)
       for n in (1, 2, 3)},
    **{f"Cropping{n}D": _binding(f"Cropping{n}D", "pad", {"cropping": "padding"}, rank=n,
                                  pad_order="axis_pairs", sign=-1, **_CL) for n in (1, 2, 3)},
    "Resizing": _binding("Resizing", "resizing", **_CL),
    # preprocessing held by the model: statistics as non-trainable weights; random
    # augmentations keep the shape (and are identities at inference)
    "Normalization": _binding("Normalization", "keras_normalization"),
    **{name: _binding(name, "identity") for name in (
        "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness")},
    "CenterCrop": _binding("CenterCrop", "resizing", **_CL),
}

# Keras' older spellings that Keras 3 still exports.
_ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose",
    "SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}

KERAS_LAYERS: Mapping[str, Binding] = MappingProxyType(
    {**_TABLE, **{alias: _TABLE[target] for alias, target in _ALIASES.items()}}
)
