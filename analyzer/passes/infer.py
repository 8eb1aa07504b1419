"""Annotate a layer with its output shapes and parameter counts from the ops registry.

Frontends call :func:`annotate` as they add each node (the graph is built in
topological order, so the inputs are already annotated); the evaluator can then read
``x.shape[-1]`` or ``x.size(0)`` while it folds the rest of the model.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelint.analyzer.graph import Layer
from modelint.analyzer.ops import get_op
from modelint.analyzer.ops._base import OpResult, Unknown
from modelint.analyzer.shapes import Shape

UNKNOWN = "unknown"


def annotate(layer: Layer, inputs: Sequence[Shape | None]) -> Layer:
    """Run the layer's op (kind ``unknown`` is a layer nobody can count: a Lambda,
    a custom class); never raises. ``attrs["trainable"] is False`` (Keras'
    ``trainable=False``, torch's ``requires_grad_(False)``) moves every parameter to
    non-trainable, as both frameworks count it."""
    if layer.kind == UNKNOWN:
        reason = layer.attrs.get("reason") or f"{layer.op} is not a known layer"
        result = OpResult(outputs=(None,), trainable=None, non_trainable=None, unknown=reason)
    else:
        fn = get_op(layer.kind)
        if fn is None:
            result = OpResult(outputs=(None,), trainable=None, non_trainable=None,
                              unknown=f"no formula for op `{layer.kind}`")
        else:
            try:
                result = fn(layer.attrs, list(inputs))
            except Exception as exc:  # noqa: BLE001 — an op bug must not crash a user's run
                result = OpResult(outputs=(None,), trainable=None, non_trainable=None,
                                  unknown=f"{layer.op}: internal error in op `{layer.kind}` ({type(exc).__name__}: {exc})")
    trainable, non_trainable = result.trainable, result.non_trainable
    frozen = layer.attrs.get("trainable")
    if frozen is False and trainable is not None and non_trainable is not None:
        trainable, non_trainable = 0, trainable + non_trainable
    elif isinstance(frozen, Unknown):
        trainable = non_trainable = None
    layer.outputs = tuple(result.outputs) or (None,)
    layer.trainable = trainable
    layer.non_trainable = non_trainable
    layer.issues = tuple(result.issues)
    layer.unknown = result.unknown
    return layer
