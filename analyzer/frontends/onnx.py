"""ONNX frontend: a ``.onnx`` file becomes one ModelGraph, its weights never read.

Layers are the graph's nodes (``op`` = op type, ``name`` = node name or a generated
``OpType_N``; nodes of If/Loop/Scan bodies get hierarchical names such as
``If_0/then/Add_3``); edges follow tensor names. Shapes come from
``onnx.shape_inference`` with data propagation (symbolic dims keep their names),
parameter counts from initializer dims: each initializer is counted once, on the
first node that reads it, floating-point ones as weights (BatchNormalization's
running statistics as non-trainable) and integer constants as non-trainable.

Findings this frontend prepares for the generic rules: conflicts inference reports
become ``Issue``s on the node (ML102 / ML105 / ML106), nodes whose outputs nobody
reads and initializers nobody consumes are layers with ``applied=False`` (ML301).
A file that cannot be analysed raises :class:`ModelFileError` (or anything a hostile
protobuf provokes); the engine turns it into one ML902 finding, never a traceback.
This module returns a graph and never imports the engine: the engine runs the rules.

``onnx`` is imported lazily: the CLI must start fast on Python-only runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.frontends._onnx_bindings import (
    MERGE_KINDS,
    RESHAPE_KINDS,
    STATISTIC_SLOTS,
    canonical_attrs,
    kind_of,
)
from modelint.analyzer.frontends._onnx_load import (
    TOKEN,
    Inference,
    ModelFileError,
    OpChecker,
    Weight,
    check_versions,
    infer,
    normalize_domain,
    read_model,
    shape_of,
    skeleton,
    untoken,
    validate,
    weights_of,
)
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef, Unresolved
from modelint.analyzer.ops._base import FEATURE_MISMATCH, MERGE_MISMATCH, RESHAPE_MISMATCH, Issue
from modelint.analyzer.shapes import format_shape, is_known

FRAMEWORK = "onnx"
FILE_SPAN = Span(1, 1, 1, 1)
_BRANCH_NAMES = {"then_branch": "then", "else_branch": "else"}


def build_model(path: Path) -> ModelGraph:
    """Read, validate, infer and translate; raises :class:`ModelFileError`."""
    proto = read_model(path)
    check_versions(proto)
    weights = weights_of(proto.graph)
    skel = skeleton(proto)
    del proto  # the weights' memory can go now: everything below reads the skeleton
    builder = _Builder(skel, weights)
    graph = builder.build(path)
    validate(skel, builder.token_names)
    builder.annotate(graph, infer(skel))
    return graph


@dataclass(slots=True)
class _Scope:
    """Tensors visible in one graph: produced by a layer (a ref), or defined with
    no layer behind them (an initializer, a body's unbound formal input: None)."""

    defs: dict[str, TensorRef | None] = field(default_factory=dict)
    weights: dict[str, Weight] = field(default_factory=dict)
    later: frozenset[str] = frozenset()  # outputs of nodes further down (unsorted graphs)


@dataclass(slots=True)
class _NodeRecord:
    layer: Layer
    node: Any
    token: int


class _Builder:
    """Walks the skeleton once, main graph then bodies, and builds the ModelGraph."""

    def __init__(self, skel: Any, weights: dict[str, Weight]) -> None:
        self.skel = skel
        self.main_weights = weights
        self.ops = OpChecker(skel)
        self.generated: Counter[str] = Counter()
        self.ids: set[str] = set()
        self.records: list[_NodeRecord] = []
        self.token_names: dict[int, str] = {}
        self.consumed: set[str] = set()
        self.graph_outputs: set[str] = set()
        self.counted: set[int] = set()  # id() of Weight records already counted
        self.totals = {"float": 0, "integer": 0}
        self.all_weights: list[tuple[str, Weight]] = []
        self.weight_dims: dict[str, tuple[int, ...]] = {}

    # -- walking ----------------------------------------------------------------------
    def build(self, path: Path) -> ModelGraph:
        g = self.skel.graph
        model = ModelGraph(name=g.name or path.stem, class_name="ONNX", framework=FRAMEWORK, line=1,
                           span=FILE_SPAN)
        self.model = model
        scope = _Scope(weights=dict(self.main_weights))
        for info in g.input:
            if info.name in scope.weights:
                continue  # an old exporter's weight listed as an input
            layer = self._add(Layer(self._unique(info.name), info.name, "Input", "input",
                                    {"shape": shape_of(info.type)}, None, info.name, FRAMEWORK,
                                    outputs=(shape_of(info.type),), trainable=0, non_trainable=0))
            scope.defs[info.name] = TensorRef(layer.id)
            model.inputs.append(TensorRef(layer.id))
        self._walk(g, "", [scope])
        model.outputs = [r for r in (self._lookup(o.name, [scope]) for o in g.output) if isinstance(r, TensorRef)]
        self._mark_unused()
        model.extra["onnx_params"] = dict(self.totals)
        model.extra["producer"] = " ".join(p for p in (self.skel.producer_name, self.skel.producer_version) if p)
        model.extra["opsets"] = {e.domain or "ai.onnx": e.version for e in self.skel.opset_import}
        return model

    def _walk(self, graph: Any, prefix: str, scopes: list[_Scope],
              formal: list[TensorRef | None] | None = None) -> None:
        scope = scopes[-1]
        if formal is not None:  # a body: its own initializers and formal inputs
            scope.weights.update(weights_of(graph))
            for i, info in enumerate(graph.input):
                scope.defs[info.name] = formal[i] if i < len(formal) else None
        for name, weight in scope.weights.items():
            self.all_weights.append((name, weight))
            self.weight_dims.setdefault(name, weight.dims)
        scope.later = frozenset(o for n in graph.node for o in n.output if o)
        self.graph_outputs.update(o.name for o in graph.output)
        for node in graph.node:
            self._node(node, prefix, scopes)

    def _node(self, node: Any, prefix: str, scopes: list[_Scope]) -> None:
        op_type = node.op_type
        generated = f"{op_type}_{self.generated[op_type]}"
        self.generated[op_type] += 1
        name = prefix + (node.name or generated)
        layer_id = self._unique(name)
        self.ops.check(node, layer_id)
        refs, weights = self._inputs(node, layer_id, scopes)
        attrs = _node_attrs(node)
        weight_dims = [w.dims if w is not None else None for w in weights]
        kind = kind_of(op_type, normalize_domain(node.domain), [w is not None for w in weights])
        attrs.update(canonical_attrs(op_type, kind, attrs, weight_dims, [bool(i) for i in node.input]))
        if node.domain not in ("", "ai.onnx"):
            attrs["domain"] = node.domain
        trainable, non_trainable = self._count(op_type, weights)
        layer = self._add(Layer(layer_id, name, op_type, kind, attrs, None, layer_id, FRAMEWORK,
                                trainable=trainable, non_trainable=non_trainable))
        token = len(self.records)
        self.records.append(_NodeRecord(layer, node, token))
        self.token_names[token] = layer_id
        node.name = f"{TOKEN}{token}"
        for slot, ref in enumerate(refs):
            if ref is not None:
                self.model.connect(ref, layer_id, slot)
        self._bodies(node, layer, refs, scopes)
        for port, out in enumerate(node.output):
            if out:
                scopes[-1].defs[out] = TensorRef(layer_id, port)

    def _inputs(self, node: Any, label: str,
                scopes: list[_Scope]) -> tuple[list[TensorRef | None], list[Weight | None]]:
        refs: list[TensorRef | None] = []
        weights: list[Weight | None] = []
        for tensor in node.input:
            ref, weight = None, None
            if tensor:
                self.consumed.add(tensor)
                weight = self._weight(tensor, scopes)
                if weight is None:
                    ref = self._lookup(tensor, scopes, label, node.op_type)
            refs.append(ref)
            weights.append(weight)
        return refs, weights

    def _bodies(self, node: Any, layer: Layer, refs: list[TensorRef | None], scopes: list[_Scope]) -> None:
        """Walk If/Loop/Scan bodies; each body's outputs feed the node itself."""
        slot = len(node.input)
        for attr in node.attribute:
            bodies = [attr.g] if attr.HasField("g") else list(attr.graphs)
            for i, body in enumerate(bodies):
                label = _BRANCH_NAMES.get(attr.name, attr.name) + (f"_{i}" if len(bodies) > 1 else "")
                formal = _formal_inputs(node.op_type, refs)
                inner = scopes + [_Scope()]
                self._walk(body, f"{layer.id}/{label}/", inner, formal)
                for out in body.output:
                    ref = self._lookup(out.name, inner, layer.id, node.op_type)
                    if isinstance(ref, TensorRef):
                        self.model.connect(ref, layer.id, slot)
                    slot += 1

    def _weight(self, tensor: str, scopes: list[_Scope]) -> Weight | None:
        for scope in reversed(scopes):
            if tensor in scope.defs:
                return None
            if tensor in scope.weights:
                return scope.weights[tensor]
        return None

    def _lookup(self, tensor: str, scopes: list[_Scope], label: str | None = None,
                op_type: str = "") -> TensorRef | None:
        for scope in reversed(scopes):
            if tensor in scope.defs:
                return scope.defs[tensor]
            if tensor in scope.weights:
                return None
        if label is None:
            return None
        if any(tensor in scope.later for scope in scopes):
            raise ModelFileError(f"graph is not topologically sorted: node {label} ({op_type}) reads tensor "
                                 f"'{tensor}' before the node that produces it")
        raise ModelFileError(f"node {label} ({op_type}) reads tensor '{tensor}', which no node, graph input "
                             f"or initializer defines")

    # -- counting -------------------------------------------------------------------
    def _count(self, op_type: str, weights: list[Weight | None]) -> tuple[int, int]:
        """Elements of the initializers this node is the first to read."""
        trainable = non_trainable = 0
        statistics = STATISTIC_SLOTS.get(op_type, frozenset())
        for slot, weight in enumerate(weights):
            if weight is None or id(weight) in self.counted:
                continue
            self.counted.add(id(weight))
            n = weight.elements
            if weight.is_float:
                self.totals["float"] += n
                if slot in statistics:
                    non_trainable += n
                else:
                    trainable += n
            else:
                self.totals["integer"] += n
                non_trainable += n
        return trainable, non_trainable

    def _mark_unused(self) -> None:
        """Nodes none of whose outputs is read or returned; initializers nobody reads."""
        used = self.consumed | self.graph_outputs
        unused_nodes = []
        for record in self.records:
            outputs = [o for o in record.node.output if o]
            if outputs and not any(o in used for o in outputs):
                layer = record.layer
                layer.applied = False
                names = ", ".join(f"'{o}'" for o in outputs)
                layer.attrs["unused_reason"] = (
                    f"is never used: no node reads its output{'s' if len(outputs) > 1 else ''} {names} and "
                    f"{'they are' if len(outputs) > 1 else 'it is'} not a graph output" + _still_stored(layer))
                layer.attrs["unused_fix"] = f"Remove node {layer.name}, or feed its output where it was meant to go"
                unused_nodes.append(layer.id)
        unused_weights = []
        for name, weight in self.all_weights:
            if name in used or id(weight) in self.counted:
                continue
            trainable, non_trainable = self._count("", [weight])
            layer = self._add(Layer(self._unique(name), name, "Initializer", "constant", {"dims": weight.dims},
                                    None, name, FRAMEWORK, outputs=(weight.dims,), trainable=trainable,
                                    non_trainable=non_trainable, applied=False))
            layer.attrs["unused_reason"] = "is never used: no node reads this initializer" + _still_stored(layer)
            layer.attrs["unused_fix"] = f"Remove initializer {name} from the graph"
            unused_weights.append(layer.id)
        self.model.extra["unused_nodes"] = unused_nodes
        # Every reader of every tensor is in the file: an unread node is known to be
        # unused (ML301 reports layers with applied=False only when this holds).
        self.model.extra["forward_followed"] = True
        self.model.extra["unused_initializers"] = unused_weights

    # -- shapes and conflicts -------------------------------------------------------
    def annotate(self, model: ModelGraph, inference: Inference) -> None:
        shapes = inference.shapes
        for record in self.records:
            layer, node = record.layer, record.node
            layer.outputs = tuple(shapes.get(o) if o else None for o in node.output) or (None,)
            inputs = [(shapes[t] if t in shapes else self.weight_dims.get(t)) if t else None for t in node.input]
            issues = [self._conflict(layer, inputs, untoken(reason, self.token_names))
                      for reason in inference.conflicts.get(record.token, [])]
            extra = _channel_issue(layer, node, inputs)
            if extra is not None and not issues:
                issues.append(extra)
            layer.issues = tuple(issues)
        for failure in inference.failures:
            model.unresolved.append(Unresolved(f"shape inference failed: {untoken(failure, self.token_names)}",
                                               FILE_SPAN))

    @staticmethod
    def _conflict(layer: Layer, inputs: list, reason: str) -> Issue:
        kind = (MERGE_MISMATCH if layer.kind in MERGE_KINDS
                else RESHAPE_MISMATCH if layer.kind in RESHAPE_KINDS else FEATURE_MISMATCH)
        shown = ", ".join(format_shape(s) for s in inputs) or "none"
        message = f"{layer.name} ({layer.op}): {reason} (input shapes {shown})"
        return Issue(kind, message, {"reason": reason, "inputs": tuple(inputs), "source": "onnx.shape_inference"})

    # -- helpers --------------------------------------------------------------------
    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.ids:
            candidate = f"{name}_{n}"
            n += 1
        self.ids.add(candidate)
        return candidate

    def _add(self, layer: Layer) -> Layer:
        return self.model.add_layer(layer)


def _still_stored(layer: Layer) -> str:
    return f"; its {layer.params:,} parameters are still stored in the file" if layer.params else ""


def _formal_inputs(op_type: str, refs: list[TensorRef | None]) -> list[TensorRef | None]:
    """Loop's body reads (iteration, condition, carried...) bound to the Loop's own
    (M, condition, initial...) — the iteration number has no producer; Scan binds
    by position. If's branches take no inputs."""
    if op_type == "Loop":
        return [None] + refs[1:]
    if op_type == "Scan":
        return list(refs)
    return []


def _node_attrs(node: Any) -> dict[str, Any]:
    """The node's scalar and list attributes as Python values (tensors and graphs left out)."""
    from onnx import AttributeProto, helper

    out: dict[str, Any] = {}
    for attr in node.attribute:
        if attr.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS, AttributeProto.TENSOR,
                         AttributeProto.TENSORS, AttributeProto.SPARSE_TENSOR, AttributeProto.SPARSE_TENSORS,
                         AttributeProto.TYPE_PROTO, AttributeProto.TYPE_PROTOS):
            continue
        value = helper.get_attribute_value(attr)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, list):
            value = tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value)
        out[attr.name] = value
    return out


def _channel_issue(layer: Layer, node: Any, inputs: list) -> Issue | None:
    """ONNX inference does not compare a Conv's input channels with its weight's
    ``C / group``: a model that every runtime rejects. Checked here (ML102)."""
    if node.op_type != "Conv" or len(inputs) < 2:
        return None
    x, w = inputs[0], inputs[1]
    if x is None or w is None or len(x) < 3 or len(w) < 3 or not is_known(x[1]) or not is_known(w[1]):
        return None
    group = layer.attrs.get("group", 1)
    expected = w[1] * group
    if x[1] == expected:
        return None
    per_group = f"{w[1]} × {group} groups = " if group != 1 else ""
    message = (f"{layer.name} (Conv) expects {per_group}{expected} input channels (weight "
               f"{format_shape(w)}), but its input {format_shape(x)} has {x[1]}")
    return Issue(FEATURE_MISMATCH, message, {"expected": expected, "actual": x[1], "slot": 0})
