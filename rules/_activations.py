"""What a model's output is made of, asked by the loss/activation and layout rules.

"Final activation" is read from the graph the frontends emit, whatever the
spelling: a Dense/Conv ``activation`` attribute (Keras), an ``Activation`` /
``Softmax`` / ``ReLU`` layer, a torch ``nn.Sigmoid`` module or an
``F.softmax`` / ``log_softmax`` / ``torch.sigmoid`` call node. Layers that do not
change what the values mean (dropout, identity, flatten, reshape) are looked
through.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef
from modelint.analyzer.shapes import is_known

# Layers whose ``activation`` attribute says what their output is.
LINEAR_KINDS = frozenset({"dense", "conv", "conv_transpose", "depthwise_conv", "separable_conv"})
# Looked through when asking "what produced this output?": they keep the values' meaning.
# (Not "identity": frontends map F.normalize / UnitNormalization there, which are not.)
TRANSPARENT_KINDS = frozenset({"dropout", "flatten", "reshape"})
# Names a frontend may give the identity activation.
LINEAR_NAMES = frozenset({None, "linear", "identity"})


@dataclass(frozen=True, slots=True)
class FinalActivation:
    """``name``: "linear", "softmax", "log_softmax", "sigmoid", "relu", ... ;
    ``layer``: the node that applies it; ``units``: the size of the axis the
    activation acts on (softmax) or of the last axis, when known."""

    name: str
    layer: Layer
    units: int | None


def activation_name(layer: Layer) -> str | None:
    """The activation ``layer`` applies as a lowercase name; "linear" for a
    Dense/Conv without one; None when the layer is not an activation or its
    activation is not a static name (then rules stay silent)."""
    if layer.kind in LINEAR_KINDS:
        act = layer.attrs.get("activation")
        if act in LINEAR_NAMES:
            return "linear"
        return act.lower() if isinstance(act, str) else None
    if layer.kind in ("activation", "softmax"):
        act = layer.attrs.get("activation")
        if act is None and layer.kind == "softmax":
            return "softmax"
        if isinstance(act, str):
            return "linear" if act.lower() in ("linear", "identity") else act.lower()
    return None


def through_transparent(model: ModelGraph, layer: Layer) -> Layer:
    """The first layer at or before ``layer`` that is not a transparent one."""
    seen = 0
    while layer.kind in TRANSPARENT_KINDS and seen < 64:
        preds = model.predecessors(layer.id)
        if len(preds) != 1:
            return layer
        layer, seen = preds[0], seen + 1
    return layer


def declared_units(layer: Layer) -> int | None:
    """A Dense/Linear layer's output width as its constructor states it."""
    for key in ("units", "out_features"):
        value = layer.attrs.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def activation_axis_size(layer: Layer, name: str) -> int | None:
    """The size of the axis the activation normalizes over (softmax: its
    ``axis``/``dim``; torch's implicit dim when None), else of the last axis."""
    shape = layer.output_shape
    if shape is None or not shape:
        # The input shape is unknown (a base model or an argument modelint cannot
        # resolve), but a Dense/Linear's last axis is its own width whatever comes in.
        return declared_units(layer) if layer.kind == "dense" else None
    axis = layer.attrs.get("axis", -1) if layer.kind == "softmax" else -1
    if axis is None:  # torch's legacy implicit dim: 0 for ranks 0, 1, 3, else 1
        axis = 0 if len(shape) in (0, 1, 3) else 1
    if not isinstance(axis, int) or not -len(shape) <= axis < len(shape):
        return None
    dim = shape[axis]
    return dim if is_known(dim) else None


def final_activation(model: ModelGraph, ref: TensorRef) -> FinalActivation | None:
    """What the output ``ref`` of ``model`` is: None when it is not known."""
    if ref.node not in model:
        return None
    layer = through_transparent(model, model.layer(ref.node))
    name = activation_name(layer)
    if name is None:
        return None
    return FinalActivation(name, layer, activation_axis_size(layer, name))


def output_refs_for(model: ModelGraph, output: str | None) -> list[TensorRef]:
    """The model outputs a loss applies to: all of them (None), the ``i``-th
    (a list of losses) or the one whose layer is named ``output`` (a dict)."""
    if output is None:
        return list(model.outputs)
    if output.isdigit() and int(output) < len(model.outputs):
        return [model.outputs[int(output)]]
    return [r for r in model.outputs if r.node in model and model.layer(r.node).name == output]


def loss_pairs(model: ModelGraph):
    """(loss use, final activation) for every loss recorded on ``model`` and every
    output it applies to whose final activation is known."""
    for use in model.extra.get("losses") or ():
        if use.expects is None:
            continue
        for ref in output_refs_for(model, use.output):
            final = final_activation(model, ref)
            if final is not None:
                yield use, final


def describe(layer: Layer) -> str:
    """``dense_1 (Dense, line 9)``: how messages name a layer."""
    where = f", line {layer.span.line}" if layer.span is not None else ""
    return f"{layer.name} ({layer.op}{where})"


def output_site(final: FinalActivation) -> Span | None:
    """Where the loss/activation rules report: the line that makes the output what it
    is (the softmax call, the ``nn.Softmax`` constructor, the Dense with
    ``activation="softmax"``) — the line the fix changes in most reports. The loss's
    own line goes in the message (:func:`loss_site`)."""
    return construction_span(final.layer)


def loss_site(use) -> str:
    """`` (loss at line 48)`` when the loss's position is known, else empty."""
    return f" (loss at line {use.span.line})" if getattr(use, "span", None) is not None else ""


def loss_label(use, framework: str) -> str:
    """The loss as users wrote it: ``CrossEntropyLoss``, ``F.nll_loss``,
    ``"binary_crossentropy"``, ``SparseCategoricalCrossentropy(from_logits=True)``."""
    if use.from_logits:
        return f"{use.name}(from_logits=True)"
    if use.name[:1].islower():
        return f"F.{use.name}" if framework == "torch" else f'"{use.name}"'
    return use.name


def placement_span(model: ModelGraph, layer: Layer) -> Span | None:
    """Where a layer's *position* in the network is written: the call in
    ``forward`` when the module is called on its own there (torch's
    ``call_span``), else where it is built (a Keras layer, an ``nn.Sequential``
    entry, whose call span is the whole container's)."""
    call = layer.attrs.get("call_span")
    if isinstance(call, Span):
        shared = sum(1 for other in model.layers() if other.attrs.get("call_span") == call)
        if shared == 1:
            return call
    return layer.span or model.span


def construction_span(layer: Layer) -> Span | None:
    """Where a layer is built (its hyperparameters): torch's ``init_span`` when
    the module is applied elsewhere, else the layer's own span."""
    init = layer.attrs.get("init_span")
    return init if isinstance(init, Span) else layer.span
