"""The tape: every layer application a file's code makes, in the order it makes them.

Models are cut out of it afterwards (a functional model is the ancestors of its
outputs; a Sequential the chain it built), so one layer object may appear in
several models and is counted once in each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef
from modelint.analyzer.passes.infer import annotate
from modelint.analyzer.shapes import is_expr, is_size


class Tape:
    def __init__(self, framework: str) -> None:
        self.framework = framework
        self.graph = ModelGraph("<tape>", "", framework, 0)
        self._count = 0

    def add(self, name: str, op: str, kind: str, attrs: dict[str, Any], span: Span | None,
            owner: str, inputs: Sequence[TensorRef | None], applied: bool = True) -> Layer:
        node_id = f"n{self._count}"
        self._count += 1
        layer = Layer(node_id, name, op, kind, attrs, span, owner, self.framework, applied=applied)
        self.graph.add_layer(layer)
        shapes = []
        for slot, ref in enumerate(inputs):
            if ref is not None and ref.node in self.graph:
                self.graph.connect(ref, node_id, slot)
                shapes.append(self.graph.shape_of(ref))
            else:
                shapes.append(None)
        annotate(layer, shapes)
        if kind == "embedding" and inputs and inputs[0] is not None and inputs[0].node in self.graph:
            _bound_indices(layer, self.graph.layer(inputs[0].node).attrs.get("values_below"))
        return layer

    def since(self, start: int) -> list[Layer]:
        """The layers added from the ``start``-th on (``start`` read from ``size``)."""
        return [self.graph.layer(f"n{i}") for i in range(start, self._count) if f"n{i}" in self.graph]

    @property
    def size(self) -> int:
        return self._count

    def ancestors(self, outputs: Iterable[TensorRef]) -> list[str]:
        return self.graph.ancestors([r.node for r in outputs])

    def extract(self, name: str, class_name: str, span: Span | None, nodes: Sequence[str],
                inputs: Sequence[TensorRef], outputs: Sequence[TensorRef]) -> ModelGraph:
        """A model over ``nodes`` (tape order kept). Display ids are layer names,
        made unique; the first application of each owner carries its parameters."""
        model = ModelGraph(name, class_name, self.framework, span.line if span else 1, span=span)
        keep = set(nodes)
        rename: dict[str, str] = {}
        used: dict[str, int] = {}
        owners: set[str] = set()
        for node in nodes:
            src = self.graph.layer(node)
            n = used.get(src.name, 0)
            used[src.name] = n + 1
            new_id = src.name if n == 0 else f"{src.name}:{n}"
            rename[node] = new_id
            layer = Layer(new_id, src.name, src.op, src.kind, src.attrs, src.span, src.owner,
                          src.framework, src.outputs, src.trainable, src.non_trainable, src.issues,
                          src.unknown, shared=src.owner in owners, applied=src.applied,
                          constraints=src.constraints)
            owners.add(src.owner)
            model.add_layer(layer)
        for link in self.graph.links():
            if link.src in keep and link.dst in keep:
                model.connect(TensorRef(rename[link.src], link.port), rename[link.dst], link.slot)
        model.inputs = [TensorRef(rename[r.node], r.port) for r in inputs if r.node in rename]
        model.outputs = [TensorRef(rename[r.node], r.port) for r in outputs if r.node in rename]
        return model


def _bound_indices(layer: Layer, below: Any) -> None:
    """An Embedding looked up with ``arange(n)`` (positions ``0 … n - 1``, the keras.io
    ``TokenAndPositionEmbedding``) needs ``n ≤ input_dim`` rows, or the lookup fails
    for every input longer than its table: over symbols, a constraint on the input."""
    rows = layer.attrs.get("input_dim")
    if not (is_expr(below) or is_expr(rows)) or not (is_size(below) and is_size(rows)):
        return
    from modelint.analyzer.ops._common import size_positive

    constraints = list(layer.constraints)
    size_positive(rows - below + 1, f"{layer.op} looked up with positions 0 … n - 1 needs n ≤ input_dim",
                  constraints)
    layer.constraints = tuple(constraints)
