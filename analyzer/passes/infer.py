"""Annotate a layer with its output shapes and parameter counts from the ops registry.

Frontends call :func:`annotate` as they add each node (the graph is built in
topological order, so the inputs are already annotated); the evaluator can then read
``x.shape[-1]`` or ``x.size(0)`` while it folds the rest of the model.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelint.analyzer.graph import Layer
from modelint.analyzer.ops import get_macs, get_op
from modelint.analyzer.ops._base import OpResult, Unknown
from modelint.analyzer.ops._cost import FREE, Cost, Poly, numel, unknown_cost
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
    layer.constraints = tuple(result.constraints)
    return layer


# Frameworks whose every tensor carries the batch on axis 0, ``None`` when the model
# leaves it open (a Keras model is built for any batch). Compute and activation
# figures of such models are per example: that axis counts as 1. Elsewhere a
# ``None`` dimension is unknown and so is every count that needs it.
PER_EXAMPLE_BATCH = frozenset({"keras"})

# Ops whose output is a view of (or the same storage as) their input, or no
# computed tensor at all: they add no activation memory.
NO_ACTIVATION = frozenset({"input", "constant", "identity", "reshape", "flatten", "unflatten",
                           "squeeze", "unsqueeze", "getitem", "permute", "transpose"})
BYTES_PER_ELEMENT = 4  # float32: Keras' and torch's default dtype


def per_example(shapes: Sequence[Shape | None]) -> list[Shape | None]:
    """Shapes with a leading `None` (the open batch axis) counted as one example."""
    return [(1,) + s[1:] if s and s[0] is None else s for s in shapes]


def count_cost(layer: Layer, inputs: Sequence[Shape | None]) -> Cost:
    """MACs and FLOPs of one application of ``layer`` from its op's MACs formula
    over the shapes already inferred (a formula, not a second pass); never raises.
    A layer built but never applied costs nothing."""
    if not layer.applied:
        return FREE
    if layer.kind == UNKNOWN:
        return unknown_cost(layer.attrs.get("reason") or f"{layer.op} is not a known layer")
    fn = get_macs(layer.kind)
    if fn is None:
        return unknown_cost(f"{layer.op}: no MACs formula for op `{layer.kind}`")
    outputs: Sequence[Shape | None] = layer.outputs
    if layer.framework in PER_EXAMPLE_BATCH:
        inputs, outputs = per_example(inputs), per_example(outputs)
    try:
        cost = fn(layer.attrs, list(inputs), list(outputs))
    except Exception as exc:  # noqa: BLE001 — a formula bug must not crash a user's run
        return unknown_cost(f"{layer.op}: internal error in the MACs of `{layer.kind}` "
                            f"({type(exc).__name__}: {exc})")
    if cost.reason is None and not cost.known:
        return Cost(cost.macs, cost.flops, f"{layer.op}: a shape its MACs need is unknown")
    return cost


def activation_elements(layer: Layer) -> Poly | None:
    """Elements of the outputs this application keeps for the backward pass (a
    ``Poly``; None when a shape is unknown). Views and inputs keep nothing new."""
    if not layer.applied or layer.kind in NO_ACTIVATION:
        return Poly.of(0)
    outputs = per_example(layer.outputs) if layer.framework in PER_EXAMPLE_BATCH else layer.outputs
    total: Poly | None = Poly.of(0)
    for port, shape in enumerate(outputs):
        if shape is None and port > 0 and layer.unknown is None:
            continue  # an optional output the call does not produce (need_weights=False)
        n = numel(shape)
        if n is None or total is None:
            return None
        total = total + n
    return total


def activation_total(model: object) -> Poly | None:
    """Elements of every application's kept outputs in ``model`` (a ModelGraph);
    None as soon as one is unknown."""
    total: Poly | None = Poly.of(0)
    for layer in model.layers():  # type: ignore[attr-defined]
        elements = activation_elements(layer)
        if elements is None or total is None:
            return None
        total = total + elements
    return total
