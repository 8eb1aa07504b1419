"""The framework-agnostic model graph every frontend produces and every rule reads.

Nodes are layer *applications*; edges are tensors. A parameter-owning object
(a Keras layer, a torch module) applied twice is two nodes sharing one ``owner``
key, and its parameters are counted once, on its first application.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.shapes import Shape

if TYPE_CHECKING:
    import networkx as nx


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
    # Parameter counts: an int, an ``Expr`` over the model's symbols (a formula), or
    # None when unknown.
    trainable: Any = None
    non_trainable: Any = None
    issues: tuple[Any, ...] = ()
    unknown: str | None = None
    shared: bool = False  # a later application of an owner counted elsewhere
    applied: bool = True  # False: built but never called (still owns parameters)
    # MACs/FLOPs of this application (an ops ``Cost``), filled on first use by
    # :meth:`ModelGraph.costs` from the same shapes; None = not yet computed.
    cost: Any = None
    # What this layer needs of the input's symbols to be valid (``symbolic.Constraint``:
    # a spatial size >= 1, ``in_features`` pinning a flattened size), from its op.
    constraints: tuple[Any, ...] = ()

    @property
    def macs(self) -> Any:
        """The MACs count (a ``Poly``), or None when unknown or not yet computed."""
        return None if self.cost is None else self.cost.macs

    @property
    def flops(self) -> Any:
        return None if self.cost is None else self.cost.flops

    @property
    def output_shape(self) -> Shape | None:
        return self.outputs[0] if self.outputs else None

    @property
    def params(self) -> Any:
        """trainable + non_trainable: an int, an ``Expr`` when either is a formula, or
        None when unknown."""
        if self.trainable is None or self.non_trainable is None:
            return None
        try:
            return self.trainable + self.non_trainable
        except ArithmeticError:  # symbolic.NotFoldable: the sum outgrows the expression bounds
            return None


@dataclass(frozen=True, slots=True)
class SymbolOrigin:
    """Where a named symbol of a model's shapes or counts comes from, for the report:
    ``kind`` is ``parameter`` (a constructor or builder argument without a value),
    ``input`` (an input dimension: ``N``, ``H``, ``W``, ``C``, ``L`` or a name given
    with ``--input-shape``) or ``config`` (an attribute of a parameter, ``cfg.hidden``);
    ``description`` says it in words."""

    name: str
    kind: str
    description: str
    span: Span | None = None


class FormulaTotals:
    """A model's parameter counts when some layer's count is a formula: each an
    ``int`` or an ``Expr`` (analyzer/symbolic); ``exact``: every layer resolved, so
    the formulas equal the framework's counts for every value of the symbols. A plain
    slotted class, not a dataclass: this module is imported by every run, and a
    dataclass costs about a millisecond of import."""

    __slots__ = ("trainable", "non_trainable", "total", "exact")

    def __init__(self, trainable: Any, non_trainable: Any, total: Any, exact: bool) -> None:
        self.trainable, self.non_trainable, self.total, self.exact = trainable, non_trainable, total, exact

    def __repr__(self) -> str:
        return (f"FormulaTotals(trainable={self.trainable!r}, non_trainable={self.non_trainable!r}, "
                f"total={self.total!r}, exact={self.exact!r})")


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


@dataclass(frozen=True, slots=True)
class Link:
    """Output ``port`` of ``src`` feeds input ``slot`` of ``dst``."""

    src: str
    port: int
    dst: str
    slot: int


@dataclass(slots=True)
class ModelGraph:
    """A model: its DAG plus what the report needs around it.

    The DAG is kept in two small adjacency maps, so analysing a file never pays
    for importing networkx (it costs more than parsing a model file); ``graph``
    gives the same DAG as a ``networkx.DiGraph`` for rules and users that want
    networkx's algorithms."""

    name: str
    class_name: str
    framework: str
    line: int
    inputs: list[TensorRef] = field(default_factory=list)
    outputs: list[TensorRef] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # Parameters a framework's own counter would not see (torch modules kept in a
    # plain list): reported beside the total, never inside it.
    unregistered_params: int = 0
    span: Span | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Named symbols the model's shapes and counts use, by name (empty: none).
    symbols: dict[str, SymbolOrigin] = field(default_factory=dict)
    _nodes: dict[str, Layer] = field(default_factory=dict)
    _in: dict[str, list[Link]] = field(default_factory=dict)
    _out: dict[str, list[Link]] = field(default_factory=dict)
    _order: list[str] | None = None  # topological order, cached until the DAG changes

    # -- building -------------------------------------------------------------
    def add_layer(self, layer: Layer) -> Layer:
        self._nodes[layer.id] = layer
        self._order = None
        self._in.setdefault(layer.id, [])
        self._out.setdefault(layer.id, [])
        return layer

    def connect(self, src: TensorRef, dst: str, slot: int) -> None:
        """Tensor ``src`` feeds input ``slot`` of node ``dst`` (a node may read one
        tensor twice: ``x * x``)."""
        link = Link(src.node, src.port, dst, slot)
        self._order = None
        self._in[dst].append(link)
        self._out[src.node].append(link)

    # -- reading --------------------------------------------------------------
    def __contains__(self, node_id: str) -> bool:
        return node_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def node_ids(self) -> list[str]:
        """Node ids in creation order."""
        return list(self._nodes)

    def layer(self, node_id: str) -> Layer:
        return self._nodes[node_id]

    def links(self) -> Iterator[Link]:
        for links in self._in.values():
            yield from links

    def edges(self) -> list[tuple[str, str]]:
        """Distinct (src, dst) pairs in creation order."""
        seen: dict[tuple[str, str], None] = {}
        for node_id in self._nodes:
            for link in self._out[node_id]:
                seen.setdefault((link.src, link.dst), None)
        return list(seen)

    def layers(self) -> Iterator[Layer]:
        """Layers in topological order; creation order breaks ties."""
        if self._order is None:
            self._order = self._topological_order()
        return (self._nodes[n] for n in self._order)

    def _topological_order(self) -> list[str]:
        out: list[str] = []
        order = {n: i for i, n in enumerate(self._nodes)}
        indegree = {n: len({l.src for l in self._in[n]}) for n in self._nodes}
        ready = [(order[n], n) for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        while ready:
            _, node_id = heapq.heappop(ready)
            out.append(node_id)
            for dst in dict.fromkeys(l.dst for l in self._out[node_id]):
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    heapq.heappush(ready, (order[dst], dst))
        return out

    def input_refs(self, node_id: str) -> list[TensorRef | None]:
        """The tensors feeding ``node_id``, by slot."""
        slots = {link.slot: TensorRef(link.src, link.port) for link in self._in[node_id]}
        if not slots:
            return []
        return [slots.get(i) for i in range(max(slots) + 1)]

    def predecessors(self, node_id: str) -> list[Layer]:
        return [self.layer(r.node) for r in self.input_refs(node_id) if r is not None]

    def successors(self, node_id: str) -> list[Layer]:
        return [self._nodes[n] for n in dict.fromkeys(l.dst for l in self._out[node_id])]

    def ancestors(self, node_ids: Iterator[str] | list[str]) -> list[str]:
        """The given nodes and everything upstream, in creation order."""
        seen: set[str] = set()
        stack = list(node_ids)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(l.src for l in self._in[node])
        return [n for n in self._nodes if n in seen]

    def shape_of(self, ref: TensorRef) -> Shape | None:
        outs = self.layer(ref.node).outputs
        return outs[ref.port] if ref.port < len(outs) else None

    @property
    def graph(self) -> "nx.DiGraph":
        """The DAG as a networkx DiGraph (node attribute ``layer``; edge attribute
        ``links`` = [(port, slot)]), built on demand."""
        import networkx as nx

        g = nx.DiGraph()
        for node_id, layer in self._nodes.items():
            g.add_node(node_id, layer=layer)
        for link in self.links():
            if g.has_edge(link.src, link.dst):
                g.edges[link.src, link.dst]["links"].append((link.port, link.slot))
            else:
                g.add_edge(link.src, link.dst, links=[(link.port, link.slot)])
        return g

    # -- totals ---------------------------------------------------------------
    def totals(self) -> tuple[int, int, bool]:
        """(trainable, non_trainable, exact) as integers. Unknown layers and layers
        whose count is a formula over symbols (``dim_in·dim_hidden + dim_hidden``)
        count as 0 and make the totals inexact: they are then lower bounds (a count is
        never negative), so every consumer of integers keeps the v1 meaning;
        :meth:`formula_totals` gives the formula.

        ``exact`` promises the framework's own count, so it is also False when the
        framework cannot count this model even though every layer is an integer: a
        required constructor or builder argument is missing (``extra["missing_args"]``:
        torch cannot instantiate the class), or a Keras model has no input shape (its
        input dimensions are symbols: Keras leaves an unbuilt model uncounted)."""
        trainable = non_trainable = 0
        exact = not self.unresolved and not self.extra.get("missing_args") and not self._unbuilt()
        for layer in self._nodes.values():
            if layer.shared:
                continue
            t, nt = layer.trainable, layer.non_trainable
            if not isinstance(t, int) or not isinstance(nt, int):
                exact = False
            trainable += t if isinstance(t, int) else 0
            non_trainable += nt if isinstance(nt, int) else 0
        return trainable, non_trainable, exact

    def _unbuilt(self) -> bool:
        return self.framework == "keras" and any(o.kind == "input" for o in self.symbols.values())

    def formula_totals(self) -> "FormulaTotals | None":
        """The totals as formulas over the model's symbols, or None when every count is
        an integer (then :meth:`totals` says everything) or the sum outgrows the
        expression bounds (``symbolic.MAX_TERMS``: no formula rather than a wrong one).
        Unknown layers count as 0; ``exact`` is True only when every layer resolved to
        an integer or a formula and nothing is unresolved, so the formula is the
        framework's count for every value of the symbols. Never imports
        analyzer/symbolic for a model without symbols."""
        counts = [(l.trainable, l.non_trainable) for l in self._nodes.values() if not l.shared]
        if all(isinstance(t, int) or t is None for pair in counts for t in pair):
            return None
        from modelint.analyzer.symbolic import NotFoldable, add

        trainable: Any = 0
        non_trainable: Any = 0
        exact = not self.unresolved
        try:
            for t, nt in counts:
                if t is None or nt is None:
                    exact = False
                trainable = add(trainable, 0 if t is None else t)
                non_trainable = add(non_trainable, 0 if nt is None else nt)
            return FormulaTotals(trainable, non_trainable, add(trainable, non_trainable), exact)
        except NotFoldable:  # past the expression bounds: no formula, the integer totals stand
            return None

    # -- compute and memory -----------------------------------------------------
    def costs(self) -> list[Layer]:
        """Every layer in topological order with ``cost`` filled: each application
        is counted (a shared module applied twice costs twice). A formula per layer
        over the shapes already inferred, computed once and kept on the layer."""
        from modelint.analyzer.passes.infer import count_cost

        layers = list(self.layers())
        for layer in layers:
            if layer.cost is None:
                inputs = [None if r is None else self.shape_of(r) for r in self.input_refs(layer.id)]
                layer.cost = count_cost(layer, inputs)
        return layers

    def cost_totals(self) -> tuple[Any, Any, bool]:
        """(MACs, FLOPs, exact) over every applied layer. Unknown layers count as 0
        and make the totals inexact (lower bounds), as for parameters."""
        from modelint.analyzer.ops._cost import Poly

        macs, flops = Poly.of(0), Poly.of(0)
        layers = self.costs()
        # A model none of whose layers is ever applied (a module without forward)
        # computes nothing we can name: its zero is not an exact figure.
        exact = not self.unresolved and any(l.applied and l.kind != "input" for l in layers)
        for layer in layers:
            if layer.cost.macs is None or layer.cost.flops is None:
                exact = False
                continue
            macs = macs + layer.cost.macs
            flops = flops + layer.cost.flops
        return macs, flops, exact
