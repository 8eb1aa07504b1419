"""The framework-agnostic model graph every frontend produces and every rule reads.

Nodes are layer *applications*; edges are tensors. A parameter-owning object
(a Keras layer, a torch module) applied twice is two nodes sharing one ``owner``
key, and its parameters are counted once, on its first application.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.shapes import Shape


@dataclass(slots=True)
class Layer:
    """One node. ``op`` is the framework's class name (``Conv2D``, ``Linear``, an
    ONNX op type); ``kind`` the canonical op of the registry that counts it."""

    id: str
    name: str
    op: str
    kind: str
    attrs: dict[str, Any]
    span: Span | None
    owner: str
    framework: str
    # Annotations written by the inference pass.
    outputs: tuple[Shape | None, ...] = ()
    trainable: int | None = None
    non_trainable: int | None = None
    issues: tuple[Any, ...] = ()
    unknown: str | None = None
    shared: bool = False  # a later application of an owner counted elsewhere
    applied: bool = True  # False: built but never called (still owns parameters)

    @property
    def output_shape(self) -> Shape | None:
        return self.outputs[0] if self.outputs else None

    @property
    def params(self) -> int | None:
        if self.trainable is None or self.non_trainable is None:
            return None
        return self.trainable + self.non_trainable


@dataclass(frozen=True, slots=True)
class TensorRef:
    """Output ``port`` of node ``node``."""

    node: str
    port: int = 0


@dataclass(slots=True)
class Unresolved:
    """Something the frontend saw but could not resolve; becomes an ML403 finding."""

    reason: str
    span: Span | None
    layer: str | None = None


@dataclass(slots=True)
class ModelGraph:
    """A model: its DAG plus what the report needs around it."""

    name: str
    class_name: str
    framework: str
    line: int
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)
    inputs: list[TensorRef] = field(default_factory=list)
    outputs: list[TensorRef] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # Parameters a framework's own counter would not see (torch modules kept in a
    # plain list): reported beside the total, never inside it.
    unregistered_params: int = 0
    span: Span | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- building -------------------------------------------------------------
    def add_layer(self, layer: Layer) -> Layer:
        self.graph.add_node(layer.id, layer=layer)
        return layer

    def connect(self, src: TensorRef, dst: str, slot: int) -> None:
        """Tensor ``src`` feeds input ``slot`` of node ``dst``.

        A node may read the same tensor twice (``x * x``), so the slots are kept
        as a list on the one edge networkx allows between two nodes."""
        if self.graph.has_edge(src.node, dst):
            self.graph.edges[src.node, dst]["links"].append((src.port, slot))
        else:
            self.graph.add_edge(src.node, dst, links=[(src.port, slot)])

    # -- reading --------------------------------------------------------------
    def layer(self, node_id: str) -> Layer:
        return self.graph.nodes[node_id]["layer"]

    def layers(self) -> Iterator[Layer]:
        """Layers in a deterministic topological order (creation order breaks ties)."""
        order = {n: i for i, n in enumerate(self.graph.nodes)}
        for node_id in nx.lexicographical_topological_sort(self.graph, key=order.__getitem__):
            yield self.layer(node_id)

    def input_refs(self, node_id: str) -> list[TensorRef | None]:
        """The tensors feeding ``node_id``, by slot."""
        slots: dict[int, TensorRef] = {}
        for src, _, data in self.graph.in_edges(node_id, data=True):
            for port, slot in data["links"]:
                slots[slot] = TensorRef(src, port)
        if not slots:
            return []
        return [slots.get(i) for i in range(max(slots) + 1)]

    def predecessors(self, node_id: str) -> list[Layer]:
        return [self.layer(r.node) for r in self.input_refs(node_id) if r is not None]

    def successors(self, node_id: str) -> list[Layer]:
        return [self.layer(n) for n in self.graph.successors(node_id)]

    def shape_of(self, ref: TensorRef) -> Shape | None:
        outs = self.layer(ref.node).outputs
        return outs[ref.port] if ref.port < len(outs) else None

    # -- totals ---------------------------------------------------------------
    def totals(self) -> tuple[int, int, bool]:
        """(trainable, non_trainable, exact). Unknown layers count as 0 and make
        the totals inexact: they are then lower bounds."""
        trainable = non_trainable = 0
        exact = not self.unresolved
        for layer in self.layers():
            if layer.shared:
                continue
            if layer.trainable is None or layer.non_trainable is None:
                exact = False
            trainable += layer.trainable or 0
            non_trainable += layer.non_trainable or 0
        return trainable, non_trainable, exact
