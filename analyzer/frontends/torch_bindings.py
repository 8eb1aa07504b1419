"""torch.nn modules, functions and tensor methods → canonical ops.

Each entry is data: the op key, the parameter order and defaults (read from
torch 2.13's ``inspect.signature``; ``device``/``dtype`` keep their position
but no default; ``"*name"`` marks keyword-only parameters), renames onto the
canonical attribute names and torch's fixed conventions (channels-first,
unbatched inputs accepted, two bias vectors per RNN gate, BatchNorm statistics
as buffers).

Functions and tensor methods (``TORCH_FUNCTIONS``) list their tensor
parameters (``input``, ``other``, ``tensors``) too, so that positions line up:
the frontend binds the whole call and then moves the tensor-valued attributes
into the node's inputs. A tensor method's receiver is input 0 and is not in its
signature. Methods in ``VARARGS`` take their sizes as ``*args``
(``x.view(n, -1)``): the frontend packs several positionals into the one
attribute named there. ``operator.getitem`` binds ``index`` as a tuple of
canonical items (int, ``slice``, None, Ellipsis; see the ``getitem`` op).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from modelint.analyzer.frontends.bindings import Binding

# Where no class is a torch module: Python's standard library and the data, vision and
# runtime libraries a model file uses beside torch. An outside class called in code is
# taken for a submodule (``self.enc = Encoder()``, an ``Encoder`` of the user's own
# package), never one of these: ``np.random.RandomState(0)``, ``Path(root)``,
# ``onnxruntime.InferenceSession(f)`` in a function are no models.
NOT_MODULE_LIBRARIES: frozenset[str] = frozenset(sys.stdlib_module_names) | {
    "numpy", "scipy", "pandas", "sklearn", "PIL", "cv2", "matplotlib", "tqdm", "h5py", "yaml",
    "onnx", "onnxruntime", "tensorboard", "wandb", "requests", "pytest", "absl",
    "jax", "jaxlib", "flax", "optax", "orbax", "grain", "openvino", "tensorrt",
}

REQUIRED: Any = object()  # a parameter without a default
_SKIP: Any = object()  # a parameter that only keeps its position (device, dtype...)

# nn.Module constructors, in order, with their torch 2.13 defaults.
_TORCH: dict[str, tuple[tuple[str, Any], ...]] = {
    'Linear': (('in_features', REQUIRED), ('out_features', REQUIRED), ('bias', True), ('device', _SKIP), ('dtype', _SKIP),),
    'Bilinear': (('in1_features', REQUIRED), ('in2_features', REQUIRED), ('out_features', REQUIRED), ('bias', True),),
    'LazyLinear': (('out_features', REQUIRED), ('bias', True),),
    'Conv1d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'Conv2d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'Conv3d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'LazyConv1d': (('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'LazyConv2d': (('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'LazyConv3d': (('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('dilation', 1), ('groups', 1), ('bias', True), ('padding_mode', 'zeros'),),
    'ConvTranspose1d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('output_padding', 0), ('groups', 1), ('bias', True), ('dilation', 1), ('padding_mode', 'zeros'),),
    'ConvTranspose2d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('output_padding', 0), ('groups', 1), ('bias', True), ('dilation', 1), ('padding_mode', 'zeros'),),
    'ConvTranspose3d': (('in_channels', REQUIRED), ('out_channels', REQUIRED), ('kernel_size', REQUIRED), ('stride', 1), ('padding', 0), ('output_padding', 0), ('groups', 1), ('bias', True), ('dilation', 1), ('padding_mode', 'zeros'),),
    'MaxPool1d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('dilation', 1), ('return_indices', False), ('ceil_mode', False),),
    'MaxPool2d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('dilation', 1), ('return_indices', False), ('ceil_mode', False),),
    'MaxPool3d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('dilation', 1), ('return_indices', False), ('ceil_mode', False),),
    'AvgPool1d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('ceil_mode', False), ('count_include_pad', True),),
    'AvgPool2d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('ceil_mode', False), ('count_include_pad', True), ('divisor_override', None),),
    'AvgPool3d': (('kernel_size', REQUIRED), ('stride', None), ('padding', 0), ('ceil_mode', False), ('count_include_pad', True), ('divisor_override', None),),
    'AdaptiveAvgPool1d': (('output_size', REQUIRED),),
    'AdaptiveAvgPool2d': (('output_size', REQUIRED),),
    'AdaptiveAvgPool3d': (('output_size', REQUIRED),),
    'AdaptiveMaxPool1d': (('output_size', REQUIRED), ('return_indices', False),),
    'AdaptiveMaxPool2d': (('output_size', REQUIRED), ('return_indices', False),),
    'AdaptiveMaxPool3d': (('output_size', REQUIRED), ('return_indices', False),),
    'BatchNorm1d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', True), ('track_running_stats', True), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'BatchNorm2d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', True), ('track_running_stats', True), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'BatchNorm3d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', True), ('track_running_stats', True), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'LayerNorm': (('normalized_shape', REQUIRED), ('eps', 1e-05), ('elementwise_affine', True), ('bias', True),),
    'RMSNorm': (('normalized_shape', REQUIRED), ('eps', None), ('elementwise_affine', True),),
    'GroupNorm': (('num_groups', REQUIRED), ('num_channels', REQUIRED), ('eps', 1e-05), ('affine', True), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'InstanceNorm1d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', False), ('track_running_stats', False), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'InstanceNorm2d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', False), ('track_running_stats', False), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'InstanceNorm3d': (('num_features', REQUIRED), ('eps', 1e-05), ('momentum', 0.1), ('affine', False), ('track_running_stats', False), ('device', _SKIP), ('dtype', _SKIP), ('*bias', True),),
    'LocalResponseNorm': (('size', REQUIRED), ('alpha', 0.0001), ('beta', 0.75), ('k', 1.0),),
    'Dropout': (('p', 0.5),),
    'Dropout1d': (('p', 0.5),),
    'Dropout2d': (('p', 0.5),),
    'Dropout3d': (('p', 0.5),),
    'AlphaDropout': (('p', 0.5),),
    'ReLU': (),
    'ReLU6': (),
    'LeakyReLU': (('negative_slope', 0.01),),
    'PReLU': (('num_parameters', 1), ('init', 0.25),),
    'GELU': (('approximate', 'none'),),
    'SiLU': (),
    'Mish': (),
    'Sigmoid': (),
    'Tanh': (),
    'Hardswish': (),
    'Hardsigmoid': (),
    'ELU': (('alpha', 1.0),),
    'SELU': (),
    'Softmax': (('dim', None),),
    'LogSoftmax': (('dim', None),),
    'Softplus': (('beta', 1.0), ('threshold', 20.0),),
    'Flatten': (('start_dim', 1), ('end_dim', -1),),
    'Unflatten': (('dim', REQUIRED), ('unflattened_size', REQUIRED),),
    'Identity': (),
    'Embedding': (('num_embeddings', REQUIRED), ('embedding_dim', REQUIRED), ('padding_idx', None), ('max_norm', None), ('norm_type', 2.0), ('scale_grad_by_freq', False),),
    'EmbeddingBag': (('num_embeddings', REQUIRED), ('embedding_dim', REQUIRED), ('max_norm', None), ('norm_type', 2.0), ('scale_grad_by_freq', False), ('mode', 'mean'), ('sparse', _SKIP), ('_weight', _SKIP), ('include_last_offset', False), ('padding_idx', None),),
    'RNNCell': (('input_size', REQUIRED), ('hidden_size', REQUIRED), ('bias', True), ('nonlinearity', 'tanh'),),
    'LSTMCell': (('input_size', REQUIRED), ('hidden_size', REQUIRED), ('bias', True),),
    'GRUCell': (('input_size', REQUIRED), ('hidden_size', REQUIRED), ('bias', True),),
    'MultiheadAttention': (('embed_dim', REQUIRED), ('num_heads', REQUIRED), ('dropout', 0.0), ('bias', True), ('add_bias_kv', False), ('add_zero_attn', False), ('kdim', None), ('vdim', None), ('batch_first', False),),
    'TransformerEncoderLayer': (('d_model', REQUIRED), ('nhead', REQUIRED), ('dim_feedforward', 2048), ('dropout', 0.1), ('activation', 'relu'), ('layer_norm_eps', 1e-05), ('batch_first', False), ('norm_first', False), ('bias', True),),
    'TransformerDecoderLayer': (('d_model', REQUIRED), ('nhead', REQUIRED), ('dim_feedforward', 2048), ('dropout', 0.1), ('activation', 'relu'), ('layer_norm_eps', 1e-05), ('batch_first', False), ('norm_first', False), ('bias', True),),
    'TransformerEncoder': (('encoder_layer', REQUIRED), ('num_layers', REQUIRED), ('norm', None), ('enable_nested_tensor', True), ('mask_check', True),),
    'TransformerDecoder': (('decoder_layer', REQUIRED), ('num_layers', REQUIRED), ('norm', None),),
    'Transformer': (('d_model', 512), ('nhead', 8), ('num_encoder_layers', 6), ('num_decoder_layers', 6), ('dim_feedforward', 2048), ('dropout', 0.1), ('activation', 'relu'), ('custom_encoder', None), ('custom_decoder', None), ('layer_norm_eps', 1e-05), ('batch_first', False), ('norm_first', False), ('bias', True),),
    'Upsample': (('size', None), ('scale_factor', None), ('mode', 'nearest'), ('align_corners', None), ('recompute_scale_factor', None),),
    'UpsamplingNearest2d': (('size', None), ('scale_factor', None),),
    'UpsamplingBilinear2d': (('size', None), ('scale_factor', None),),
    'PixelShuffle': (('upscale_factor', REQUIRED),),
    'PixelUnshuffle': (('downscale_factor', REQUIRED),),
    'ZeroPad1d': (('padding', REQUIRED),),
    'ZeroPad2d': (('padding', REQUIRED),),
    'ZeroPad3d': (('padding', REQUIRED),),
    'ConstantPad1d': (('padding', REQUIRED), ('value', REQUIRED),),
    'ConstantPad2d': (('padding', REQUIRED), ('value', REQUIRED),),
    'ConstantPad3d': (('padding', REQUIRED), ('value', REQUIRED),),
    'ReflectionPad1d': (('padding', REQUIRED),),
    'ReflectionPad2d': (('padding', REQUIRED),),
    'ReflectionPad3d': (('padding', REQUIRED),),
    'ReplicationPad1d': (('padding', REQUIRED),),
    'ReplicationPad2d': (('padding', REQUIRED),),
    'ReplicationPad3d': (('padding', REQUIRED),),
}

# RNN/LSTM/GRU declare ``*args, **kwargs``; their order (RNNBase) is spelled out here.
_TORCH["RNN"] = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("num_layers", 1), ("nonlinearity", "tanh"),
                 ("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False),
                 ("device", _SKIP), ("dtype", _SKIP))
_TORCH["LSTM"] = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("num_layers", 1), ("bias", True),
                  ("batch_first", False), ("dropout", 0.0), ("bidirectional", False), ("proj_size", 0),
                  ("device", _SKIP), ("dtype", _SKIP))
_TORCH["GRU"] = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("num_layers", 1), ("bias", True),
                 ("batch_first", False), ("dropout", 0.0), ("bidirectional", False),
                 ("device", _SKIP), ("dtype", _SKIP))


def _make(params: tuple[tuple[str, Any], ...], kind: str, rename: Mapping[str, str] | None,
          fixed: Mapping[str, Any]) -> Binding:
    return Binding(
        kind=kind,
        signature=tuple(p for p, _ in params if not p.startswith("*")),
        defaults=MappingProxyType({p.lstrip("*"): d for p, d in params if d is not REQUIRED and d is not _SKIP}),
        rename=MappingProxyType(dict(rename or {})),
        fixed=MappingProxyType(dict(fixed)),
    )


def _m(name: str, kind: str, rename: Mapping[str, str] | None = None, **fixed: Any) -> Binding:
    return _make(_TORCH[name], kind, rename, fixed)


_CONV = {"out_channels": "filters", "stride": "strides", "bias": "use_bias"}
_POOL = {"kernel_size": "pool_size", "stride": "strides"}
_EMB = {"num_embeddings": "input_dim", "embedding_dim": "output_dim"}
_RNN = {"hidden_size": "units", "bias": "use_bias"}
_TORCH_RNN = {"bias_vectors": 2, "ranks": (2, 3), "return_sequences": True, "return_state": True,
              "stacked_states": True}
_ACTIVATIONS = {
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "GELU": "gelu", "SiLU": "silu", "Mish": "mish",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Hardswish": "hardswish", "Hardsigmoid": "hardsigmoid", "ELU": "elu",
    "SELU": "selu", "Softplus": "softplus",
}
_PADS = ("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad")

TORCH_MODULES: Mapping[str, Binding] = MappingProxyType({
    "Linear": _m("Linear", "dense", {"out_features": "units", "bias": "use_bias"}, min_rank=1),
    "LazyLinear": _m("LazyLinear", "dense", {"out_features": "units", "bias": "use_bias"}, min_rank=1),
    "Bilinear": _m("Bilinear", "bilinear", {"bias": "use_bias"}),
    **{f"Conv{n}d": _m(f"Conv{n}d", "conv", _CONV, rank=n, channels_last=False, allow_unbatched=True)
       for n in (1, 2, 3)},
    **{f"LazyConv{n}d": _m(f"LazyConv{n}d", "conv", _CONV, rank=n, channels_last=False, allow_unbatched=True)
       for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _m(f"ConvTranspose{n}d", "conv_transpose", _CONV, rank=n, channels_last=False,
                                allow_unbatched=True) for n in (1, 2, 3)},
    **{f"{k}Pool{n}d": _m(f"{k}Pool{n}d", "pool", _POOL, rank=n, channels_last=False, allow_unbatched=True)
       for k in ("Max", "Avg") for n in (1, 2, 3)},
    **{f"Adaptive{k}Pool{n}d": _m(f"Adaptive{k}Pool{n}d", "adaptive_pool", rank=n, allow_unbatched=True)
       for k in ("Max", "Avg") for n in (1, 2, 3)},
    "BatchNorm1d": _m("BatchNorm1d", "batch_norm", axis=1, ranks=(2, 3), stats_are_params=False),
    "BatchNorm2d": _m("BatchNorm2d", "batch_norm", axis=1, ranks=(4,), stats_are_params=False),
    "BatchNorm3d": _m("BatchNorm3d", "batch_norm", axis=1, ranks=(5,), stats_are_params=False),
    **{f"InstanceNorm{n}d": _m(f"InstanceNorm{n}d", "instance_norm", axis=-(n + 1), ranks=(n + 1, n + 2),
                               stats_are_params=False) for n in (1, 2, 3)},
    "LayerNorm": _m("LayerNorm", "layer_norm"),
    "RMSNorm": _m("RMSNorm", "layer_norm", center=False),
    "GroupNorm": _m("GroupNorm", "group_norm", {"num_groups": "groups"}, axis=1),
    "LocalResponseNorm": _m("LocalResponseNorm", "local_response_norm"),
    **{name: _m(name, "dropout") for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")},
    **{name: _m(name, "activation", activation=act) for name, act in _ACTIVATIONS.items()},
    "PReLU": _m("PReLU", "prelu"),
    "Softmax": _m("Softmax", "softmax", {"dim": "axis"}, activation="softmax"),
    "LogSoftmax": _m("LogSoftmax", "softmax", {"dim": "axis"}, activation="log_softmax"),
    "Flatten": _m("Flatten", "flatten"),
    "Unflatten": _m("Unflatten", "unflatten", {"unflattened_size": "sizes"}),
    "Identity": _m("Identity", "identity"),
    "Embedding": _m("Embedding", "embedding", _EMB),
    "EmbeddingBag": _m("EmbeddingBag", "embedding_bag", _EMB),
    "RNN": _m("RNN", "rnn", _RNN, cell="rnn", **_TORCH_RNN),
    "LSTM": _m("LSTM", "rnn", _RNN, cell="lstm", **_TORCH_RNN),
    "GRU": _m("GRU", "rnn", _RNN, cell="gru", **_TORCH_RNN),
    "RNNCell": _m("RNNCell", "rnn_cell", _RNN, cell="rnn", bias_vectors=2),
    "LSTMCell": _m("LSTMCell", "rnn_cell", _RNN, cell="lstm", bias_vectors=2),
    "GRUCell": _m("GRUCell", "rnn_cell", _RNN, cell="gru", bias_vectors=2),
    "MultiheadAttention": _m("MultiheadAttention", "torch_mha"),
    "TransformerEncoderLayer": _m("TransformerEncoderLayer", "transformer_encoder_layer"),
    "TransformerDecoderLayer": _m("TransformerDecoderLayer", "transformer_decoder_layer"),
    "TransformerEncoder": _m("TransformerEncoder", "transformer_stack", {"encoder_layer": "layer"}),
    "TransformerDecoder": _m("TransformerDecoder", "transformer_stack", {"decoder_layer": "layer"}),
    "Transformer": _m("Transformer", "transformer"),
    "Upsample": _m("Upsample", "upsample", channels_last=False),
    "UpsamplingNearest2d": _m("UpsamplingNearest2d", "upsample", rank=2, channels_last=False),
    "UpsamplingBilinear2d": _m("UpsamplingBilinear2d", "upsample", rank=2, channels_last=False),
    "PixelShuffle": _m("PixelShuffle", "pixel_shuffle", {"upscale_factor": "factor"}),
    "PixelUnshuffle": _m("PixelUnshuffle", "pixel_unshuffle", {"downscale_factor": "factor"}, inverse=True),
    **{f"{p}{n}d": _m(f"{p}{n}d", "pad", rank=n, channels_last=False, pad_order="last_first",
                      allow_unbatched=True) for p in _PADS for n in (1, 2, 3)},
})


def _f(kind: str, params: tuple[tuple[str, Any], ...], rename: Mapping[str, str] | None = None,
       **fixed: Any) -> Binding:
    return _make(params, kind, rename, fixed)


_IN = ("input", REQUIRED)
_INPLACE = ("inplace", False)
_F = "torch.nn.functional."
_SOFTMAX = (_IN, ("dim", None), ("_stacklevel", 3), ("dtype", None))
_REDUCE = (("dim", None), ("keepdim", False), ("*dtype", None))
_MAXPOOL = (("kernel_size", REQUIRED), ("stride", None), ("padding", 0), ("dilation", 1), ("ceil_mode", False),
            ("return_indices", False))
_AVGPOOL = (("kernel_size", REQUIRED), ("stride", None), ("padding", 0), ("ceil_mode", False),
            ("count_include_pad", True), ("divisor_override", None))
_ACT_FUNCTIONS = {
    "relu": (_IN, _INPLACE), "relu6": (_IN, _INPLACE), "silu": (_IN, _INPLACE), "mish": (_IN, _INPLACE),
    "hardswish": (_IN, _INPLACE), "hardsigmoid": (_IN, _INPLACE), "selu": (_IN, _INPLACE),
    "gelu": (_IN, ("approximate", "none")), "sigmoid": (_IN,), "tanh": (_IN,),
    "leaky_relu": (_IN, ("negative_slope", 0.01), _INPLACE), "elu": (_IN, ("alpha", 1.0), _INPLACE),
    "softplus": (_IN, ("beta", 1.0), ("threshold", 20.0)),
}
_BINARY = (_IN, ("other", REQUIRED))

TORCH_FUNCTIONS: Mapping[str, Binding] = MappingProxyType({
    # torch.nn.functional
    **{_F + name: _f("activation", params, activation=name) for name, params in _ACT_FUNCTIONS.items()},
    _F + "softmax": _f("softmax", _SOFTMAX, {"dim": "axis"}, activation="softmax"),
    _F + "log_softmax": _f("softmax", _SOFTMAX, {"dim": "axis"}, activation="log_softmax"),
    **{_F + name: _f("dropout", (_IN, ("p", 0.5), ("training", True), _INPLACE))
       for name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout")},
    **{f"{_F}max_pool{n}d": _f("pool", (_IN,) + _MAXPOOL, _POOL, rank=n, channels_last=False,
                               allow_unbatched=True) for n in (1, 2, 3)},
    **{f"{_F}avg_pool{n}d": _f("pool", (_IN,) + _AVGPOOL, _POOL, rank=n, channels_last=False,
                               allow_unbatched=True) for n in (1, 2, 3)},
    **{f"{_F}adaptive_avg_pool{n}d": _f("adaptive_pool", (_IN, ("output_size", REQUIRED)), rank=n,
                                        allow_unbatched=True) for n in (1, 2, 3)},
    **{f"{_F}adaptive_max_pool{n}d": _f("adaptive_pool", (_IN, ("output_size", REQUIRED), ("return_indices", False)),
                                        rank=n, allow_unbatched=True) for n in (1, 2, 3)},
    _F + "interpolate": _f("upsample", (_IN, ("size", None), ("scale_factor", None), ("mode", "nearest"),
                                        ("align_corners", None), ("recompute_scale_factor", None),
                                        ("antialias", False)), channels_last=False),
    _F + "pad": _f("pad", (_IN, ("pad", REQUIRED), ("mode", "constant"), ("value", None)), {"pad": "padding"},
                   pad_order="last_first"),
    _F + "layer_norm": _f("identity", (_IN, ("normalized_shape", REQUIRED), ("weight", None), ("bias", None),
                                       ("eps", 1e-05))),
    _F + "normalize": _f("identity", (_IN, ("p", 2.0), ("dim", 1), ("eps", 1e-12), ("out", None))),
    _F + "pixel_shuffle": _f("pixel_shuffle", (_IN, ("upscale_factor", REQUIRED)), {"upscale_factor": "factor"}),
    # torch
    "torch.flatten": _f("flatten", (_IN, ("start_dim", 0), ("end_dim", -1))),
    **{f"torch.{name}": _f("concat", (("tensors", REQUIRED), ("dim", 0)), {"dim": "axis"}, axis_name="dim")
       for name in ("cat", "concat", "concatenate")},
    "torch.stack": _f("stack", (("tensors", REQUIRED), ("dim", 0)), {"dim": "axis"}, axis_name="dim"),
    "torch.relu": _f("activation", (_IN,), activation="relu"),
    "torch.sigmoid": _f("activation", (_IN,), activation="sigmoid"),
    "torch.tanh": _f("activation", (_IN,), activation="tanh"),
    "torch.softmax": _f("softmax", (_IN, ("dim", None), ("dtype", None)), {"dim": "axis"}, activation="softmax"),
    "torch.log_softmax": _f("softmax", (_IN, ("dim", None), ("dtype", None)), {"dim": "axis"},
                            activation="log_softmax"),
    "torch.mean": _f("reduce", (_IN,) + _REDUCE, reduction="mean"),
    "torch.sum": _f("reduce", (_IN,) + _REDUCE, reduction="sum"),
    "torch.amax": _f("reduce", (_IN, ("dim", ()), ("keepdim", False)), reduction="amax"),
    "torch.transpose": _f("transpose", (_IN, ("dim0", REQUIRED), ("dim1", REQUIRED))),
    "torch.permute": _f("permute", (_IN, ("dims", REQUIRED))),
    "torch.squeeze": _f("squeeze", (_IN, ("dim", None))),
    "torch.unsqueeze": _f("unsqueeze", (_IN, ("dim", REQUIRED))),
    "torch.reshape": _f("reshape", (_IN, ("shape", REQUIRED))),
    **{f"torch.{name}": _f("broadcast", _BINARY + (("*alpha", 1),)) for name in ("add", "sub")},
    **{f"torch.{name}": _f("broadcast", _BINARY) for name in ("mul", "div", "maximum", "minimum")},
    # Python operators on tensors
    **{f"operator.{name}": _f("broadcast", _BINARY) for name in ("add", "sub", "mul", "truediv")},
    "operator.getitem": _f("getitem", (_IN, ("index", REQUIRED))),
    "operator.matmul": _f("matmul", _BINARY),
    # matrix products and attention (shapes and MACs in analyzer/ops/tensor.py, attention.py)
    **{f"torch.{name}": _f("matmul", (_IN, ("mat2", REQUIRED))) for name in ("mm", "bmm")},
    "torch.matmul": _f("matmul", _BINARY),
    "Tensor.matmul": _f("matmul", (("other", REQUIRED),)),
    _F + "scaled_dot_product_attention": _f("sdpa", (("query", REQUIRED), ("key", REQUIRED), ("value", REQUIRED),
                                                     ("attn_mask", None), ("dropout_p", 0.0), ("is_causal", False),
                                                     ("scale", None), ("enable_gqa", False))),
    # tensor methods (the receiver is input 0)
    "Tensor.view": _f("reshape", (("shape", REQUIRED),)),
    "Tensor.reshape": _f("reshape", (("shape", REQUIRED),)),
    "Tensor.flatten": _f("flatten", (("start_dim", 0), ("end_dim", -1))),
    "Tensor.unflatten": _f("unflatten", (("dim", REQUIRED), ("sizes", REQUIRED))),
    "Tensor.permute": _f("permute", (("dims", REQUIRED),)),
    "Tensor.transpose": _f("transpose", (("dim0", REQUIRED), ("dim1", REQUIRED))),
    "Tensor.squeeze": _f("squeeze", (("dim", None),)),
    "Tensor.unsqueeze": _f("unsqueeze", (("dim", REQUIRED),)),
    "Tensor.mean": _f("reduce", _REDUCE, reduction="mean"),
    "Tensor.sum": _f("reduce", _REDUCE, reduction="sum"),
    "Tensor.amax": _f("reduce", (("dim", ()), ("keepdim", False)), reduction="amax"),
    "Tensor.contiguous": _f("identity", (("memory_format", None),)),
    "Tensor.relu": _f("activation", (), activation="relu"),
    "Tensor.sigmoid": _f("activation", (), activation="sigmoid"),
    "Tensor.tanh": _f("activation", (), activation="tanh"),
    "Tensor.softmax": _f("softmax", (("dim", REQUIRED), ("dtype", None)), {"dim": "axis"}, activation="softmax"),
    "Tensor.log_softmax": _f("softmax", (("dim", REQUIRED), ("dtype", None)), {"dim": "axis"},
                             activation="log_softmax"),
    **{f"Tensor.{name}": _f("broadcast", (("other", REQUIRED),)) for name in ("add", "sub", "mul", "div")},
    # elementwise functions that keep the shape
    **{f"torch.{name}": _f("identity", (_IN,)) for name in ("abs", "exp", "log", "sqrt", "neg", "square")},
    **{f"Tensor.{name}": _f("identity", ()) for name in ("abs", "exp", "log", "sqrt", "neg", "square")},
    "torch.clamp": _f("identity", (_IN, ("min", None), ("max", None))),
    "Tensor.clamp": _f("identity", (("min", None), ("max", None))),
    "Tensor.pow": _f("identity", (("exponent", REQUIRED),)),
})

# Tensor methods taking their sizes as *args: several positionals pack into this attribute.
VARARGS: Mapping[str, str] = MappingProxyType({
    "Tensor.view": "shape", "Tensor.reshape": "shape", "Tensor.permute": "dims",
})

# Arguments (torch's names) that are sizes: a symbolic value (``nn.Linear(dim_in,
# dim_hidden)``, issue 9) is kept there and the op computes with it. Anywhere else (a
# flag, a probability, an axis, a stride or a layer count) a symbol is unknown: bool()
# of an expression would pass for True, and an op needs those as numbers.
SIZE_ARGS = frozenset({
    "in_features", "out_features", "in1_features", "in2_features", "in_channels", "out_channels",
    "kernel_size", "padding", "dilation", "output_padding", "num_features", "normalized_shape",
    "num_channels", "num_groups", "num_embeddings", "embedding_dim", "input_size", "hidden_size", "embed_dim", "kdim",
    "vdim", "d_model", "dim_feedforward", "output_size", "size", "upscale_factor", "downscale_factor",
    "num_parameters", "unflattened_size", "shape", "sizes", "pad", "groups",
})
