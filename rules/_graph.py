"""Graph questions several rules ask, answered once."""

from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.graph import Layer, ModelGraph

# Ops whose output keeps spatial axes (a conv/pool feature map).
SPATIAL_KINDS = frozenset({
    "conv", "conv_transpose", "depthwise_conv", "separable_conv", "pool", "adaptive_pool",
    "upsample", "zero_pad", "pad", "crop", "pixel_shuffle", "resize", "interpolate",
})
# Ops that pass a tensor through without changing what its axes mean.
PASS_THROUGH_KINDS = frozenset({
    "activation", "dropout", "noise", "identity", "batch_norm", "instance_norm", "group_norm",
    "local_response_norm", "layer_norm", "softmax", "prelu", "rescaling",
})
DENSE_KINDS = frozenset({"dense"})


def upstream(model: ModelGraph, layer: Layer, limit: int = 64) -> Iterator[Layer]:
    """The chain of first inputs above ``layer``, nearest first: the path the
    incoming tensor took (bounded, so a malformed graph cannot loop)."""
    preds = model.predecessors(layer.id)
    for _ in range(limit):
        if not preds:
            return
        yield preds[0]
        preds = model.predecessors(preds[0].id)


def spatial_source(model: ModelGraph, layer: Layer) -> Layer | None:
    """The conv/pool layer whose feature map reaches ``layer``'s first input through
    shape-preserving layers only, else None."""
    for src in upstream(model, layer):
        if src.kind in SPATIAL_KINDS:
            return src
        if src.kind not in PASS_THROUGH_KINDS:
            return None
    return None


def issues_of(model: ModelGraph, kind: str):
    """Every (layer, issue) whose op found a shape conflict of ``kind``."""
    for layer in model.layers():
        for issue in layer.issues:
            if getattr(issue, "kind", None) == kind:
                yield layer, issue


def is_functional(layer: Layer) -> bool:
    """A tensor function or operator (``F.relu``, ``+``), not a layer object."""
    return bool(layer.attrs.get("functional"))


def defined_line(layer: Layer) -> int | None:
    """Where the layer object was built (a torch module's constructor), else its span."""
    span = layer.attrs.get("init_span") or layer.span
    return span.line if span is not None else None


def producer(model: ModelGraph, layer: Layer) -> Layer | None:
    """The nearest layer object upstream of ``layer``'s first input, stepping over
    functions and shape-preserving layers: where the incoming tensor was made."""
    for src in upstream(model, layer):
        if src.kind in ("input", "parameter"):
            return None
        if not is_functional(src) and src.kind not in PASS_THROUGH_KINDS:
            return src
    return None


def flatten_source(model: ModelGraph, layer: Layer) -> tuple[Layer, tuple] | None:
    """The flatten/view feeding ``layer`` through shape-preserving layers, with the
    dims it merged into the last axis; None if the input was not flattened."""
    for src in upstream(model, layer):
        if src.kind in ("flatten", "reshape"):
            before = model.predecessors(src.id)
            shape = before[0].output_shape if before else None
            if shape is None or len(shape) < 2:
                return None
            if src.kind == "flatten":
                start = src.attrs.get("start_dim", 1)
                start = start % len(shape) if isinstance(start, int) else 1
                return src, tuple(shape[start:])
            return src, tuple(shape[1:])
        if src.kind not in PASS_THROUGH_KINDS:
            return None
    return None


def report_issues(rule, model: ModelGraph, ctx, kind: str):
    """One finding per op issue of ``kind``, at the layer's application (the call
    in ``forward`` for a torch module called by name, the layer for Keras)."""
    for layer, issue in issues_of(model, kind):
        origin = producer(model, layer)
        text = issue.message
        if origin is not None and origin.id != layer.id:
            line = defined_line(origin)
            text += f" (input from {origin.name}" + (f" at line {line})" if line is not None else ")")
        yield rule.on_layer(ctx, model, layer, text)


def width_source(model: ModelGraph, layer: Layer) -> Layer | None:
    """The Dense/Linear layer whose output reaches ``layer``'s first input through
    shape-preserving layers only, else None: its ``units`` is the width of that
    input's last axis whatever the rank, even when the shapes are unknown."""
    for src in upstream(model, layer):
        if src.kind in DENSE_KINDS:
            return src
        if src.kind not in PASS_THROUGH_KINDS:
            return None
    return None
