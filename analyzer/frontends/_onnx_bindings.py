"""ONNX op type → canonical op kind, and the attributes rules read.

The ONNX frontend never runs a formula of the ops registry (shapes come from
``onnx.shape_inference``, parameters from initializer dims), so a kind here only
tells rules what a node *is*: a ``conv`` is a convolution whichever framework
exported it. Ops without a canonical counterpart keep ``onnx.<OpType>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_ACTIVATIONS = {
    "Relu": "relu", "LeakyRelu": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Elu": "elu",
    "Selu": "selu", "Celu": "celu", "Softplus": "softplus", "Softsign": "softsign",
    "HardSigmoid": "hard_sigmoid", "HardSwish": "hard_swish", "Gelu": "gelu", "Mish": "mish",
    "ThresholdedRelu": "thresholded_relu", "Swish": "swish",
}

KINDS: Mapping[str, str] = {
    "Conv": "conv", "ConvInteger": "conv", "QLinearConv": "conv",
    "ConvTranspose": "conv_transpose",
    "Gemm": "dense",
    "MaxPool": "pool", "AveragePool": "pool", "LpPool": "pool",
    "GlobalAveragePool": "global_pool", "GlobalMaxPool": "global_pool", "GlobalLpPool": "global_pool",
    "Flatten": "flatten",
    "Reshape": "reshape", "Squeeze": "reshape", "Unsqueeze": "reshape",
    "Transpose": "permute",
    "Concat": "concat",
    **{name: "broadcast" for name in ("Add", "Sub", "Mul", "Div", "Sum", "Mean", "Max", "Min", "Pow")},
    **{name: "activation" for name in _ACTIVATIONS},
    "Softmax": "softmax", "LogSoftmax": "softmax",
    "PRelu": "prelu",
    "Dropout": "dropout",
    "Identity": "identity",
    "BatchNormalization": "batch_norm",
    "InstanceNormalization": "instance_norm",
    "LayerNormalization": "layer_norm", "RMSNormalization": "layer_norm",
    "GroupNormalization": "group_norm",
    "LRN": "local_response_norm",
    "LSTM": "rnn", "GRU": "rnn", "RNN": "rnn",
    "Pad": "pad",
    "Resize": "resize", "Upsample": "resize",
    "Constant": "constant",
}

# Issue kinds by canonical kind: which rule reports a conflict inference found.
MERGE_KINDS = frozenset({"concat", "broadcast"})
RESHAPE_KINDS = frozenset({"reshape", "flatten"})

# BatchNormalization's running mean and variance (inputs 3 and 4) are statistics,
# not trained weights: counted as non-trainable, as Keras counts them.
STATISTIC_SLOTS: Mapping[str, frozenset[int]] = {"BatchNormalization": frozenset({3, 4})}

# Loop and Scan bind their body's formal inputs to their own inputs by position.
POSITIONAL_BODIES = frozenset({"Loop", "Scan"})


def kind_of(op_type: str, domain: str, weight_inputs: Sequence[bool]) -> str:
    """The canonical kind; a MatMul by an initializer is a dense layer without bias,
    a Gather from a float initializer an embedding lookup."""
    if domain not in ("", "ai.onnx"):
        return f"onnx.{op_type}"
    if op_type == "MatMul" and len(weight_inputs) > 1 and weight_inputs[1]:
        return "dense"
    if op_type == "Gather" and weight_inputs and weight_inputs[0]:
        return "embedding"
    return KINDS.get(op_type, f"onnx.{op_type}")


def canonical_attrs(op_type: str, kind: str, attrs: dict[str, Any], weight_dims: Sequence[tuple[int, ...] | None],
                    present: Sequence[bool]) -> dict[str, Any]:
    """The attributes rules share with the source frontends (``channels_last``,
    ``use_bias``, ``filters``, ``units``, ``activation``), derived from the
    node's own attributes and its initializers' dims."""
    out: dict[str, Any] = {}
    weight = weight_dims[1] if len(weight_dims) > 1 else None
    if kind in ("conv", "conv_transpose", "pool", "global_pool"):
        out["channels_last"] = False
    if kind in ("conv", "conv_transpose"):
        out["use_bias"] = len(present) > 2 and present[2]
        if weight is not None and len(weight) >= 3:
            out["rank"] = len(weight) - 2
            out["kernel_size"] = tuple(weight[2:])
            group = attrs.get("group", 1)
            out["filters"] = weight[0] if kind == "conv" else weight[1] * group
    elif kind == "dense":
        out["use_bias"] = op_type == "Gemm" and len(present) > 2 and present[2]
        if weight is not None and len(weight) == 2:
            out["units"] = weight[0] if attrs.get("transB", 0) else weight[1]
    elif kind == "activation":
        out["activation"] = _ACTIVATIONS[op_type]
    elif kind == "softmax":
        out["activation"] = "log_softmax" if op_type == "LogSoftmax" else "softmax"
    elif kind == "embedding" and weight_dims and weight_dims[0] is not None and len(weight_dims[0]) == 2:
        out["input_dim"], out["output_dim"] = weight_dims[0]
    elif kind == "rnn":
        out["cell"] = op_type.lower()
    return out
