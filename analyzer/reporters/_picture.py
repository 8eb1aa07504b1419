"""What the graph pictures (DOT, Mermaid) draw, independent of their syntax.

A node is a parameter-owning object, not an application: a module applied at
three places is drawn once with every incoming and outgoing tensor (its label
lists each application's output shape). Nested module paths (``features.0``,
``block1.conv``) become nested clusters. A finding attached to a layer (a rule's
``on_layer``, or a finding on the line of exactly one layer) highlights it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from modelint.analyzer.context import FileResult
from modelint.analyzer.diagnostics import Diagnostic
from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.ops._cost import Poly
from modelint.analyzer.reporters.json import visible_layers
from modelint.analyzer.shapes import format_count, format_shape

_MAX_SHAPES = 3  # output shapes listed on a shared node before "…"


@dataclass(slots=True)
class Node:
    key: str  # unique within the model (the owner)
    name: str
    op: str
    shapes: list[str] = field(default_factory=list)
    params: object = None  # an int, a formula (``Expr``) or None when unknown
    macs: str | None = None
    findings: list[Diagnostic] = field(default_factory=list)

    def lines(self) -> list[str]:
        shown = self.shapes[:_MAX_SHAPES] + (["…"] if len(self.shapes) > _MAX_SHAPES else [])
        facts = f"params {format_count(self.params)}"
        if self.macs is not None:
            facts += f" · MACs {self.macs}"
        out = [self.name, self.op, *shown, facts]
        if len(self.shapes) > 1:
            out.insert(2, f"applied {len(self.shapes)}×")
        out += [f"{d.code} {d.name}" for d in self.findings]
        return out

    @property
    def severity(self) -> str | None:
        ranks = [d.severity.rank for d in self.findings]
        if not ranks:
            return None
        return ("info", "warning", "error")[max(ranks)]


@dataclass(slots=True)
class Cluster:
    name: str
    path: str
    nodes: list[str] = field(default_factory=list)
    children: dict[str, "Cluster"] = field(default_factory=dict)


@dataclass(slots=True)
class Picture:
    """One model: nodes by key, edges ``(src, dst, tensor shape)``, the cluster tree."""

    title: str
    nodes: dict[str, Node]
    edges: list[tuple[str, str, str]]
    root: Cluster


def _module_path(name: str, framework: str) -> list[str]:
    """Enclosing modules of a layer: every dotted prefix of its name (torch module
    paths; Keras names hold no dots)."""
    parts = name.split(".")
    return parts[:-1] if len(parts) > 1 else []


def _attach(model: ModelGraph, diagnostics: Sequence[Diagnostic], nodes: dict[str, Node],
            owner_of: dict[str, str]) -> None:
    by_line: dict[int, list[str]] = {}
    for layer_id, key in owner_of.items():
        span = model.layer(layer_id).span
        if span is not None:
            by_line.setdefault(span.line, [])
            if key not in by_line[span.line]:
                by_line[span.line].append(key)
    for d in diagnostics:
        if d.model is not None and d.model != model.name:
            continue
        key = owner_of.get(str(d.extra.get("layer")))
        if key is None:
            candidates = by_line.get(d.span.line, [])
            key = candidates[0] if len(candidates) == 1 else None
        if key is not None and d not in nodes[key].findings:
            nodes[key].findings.append(d)


def picture(model: ModelGraph, diagnostics: Sequence[Diagnostic], path: str) -> Picture:
    model.costs()
    layers = visible_layers(model)
    nodes: dict[str, Node] = {}
    owner_of: dict[str, str] = {}
    work: dict[str, Poly | None] = {}
    for layer in layers:
        key = layer.owner or layer.id
        owner_of[layer.id] = key
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = Node(key, layer.name, layer.op, params=layer.params)
        node.shapes.append(format_shape(layer.output_shape) if layer.applied else "never applied")
        before = work.get(key, Poly.of(0))  # every application's MACs, summed
        work[key] = None if before is None or layer.macs is None else before + layer.macs
    for key, count in work.items():
        nodes[key].macs = None if count is None else count.format().replace("+ -", "- ")
    edges: dict[tuple[str, str, str], None] = {}
    for link in model.links():
        src, dst = owner_of.get(link.src), owner_of.get(link.dst)
        if src is None or dst is None:
            continue
        outs = model.layer(link.src).outputs
        shape = format_shape(outs[link.port] if link.port < len(outs) else None)
        edges.setdefault((src, dst, shape), None)
    _attach(model, diagnostics, nodes, owner_of)
    root = Cluster("", "")
    for key, node in nodes.items():
        cluster = root
        for part in _module_path(node.name, model.framework):
            child = cluster.children.get(part)
            if child is None:
                child = cluster.children[part] = Cluster(part, f"{cluster.path}.{part}".lstrip("."))
            cluster = child
        cluster.nodes.append(key)
    title = f"{model.name} ({model.class_name}, {model.framework}) {path}:{model.line}"
    return Picture(title, nodes, list(edges), root)


def pictures(results: Sequence[FileResult]) -> list[Picture]:
    return [picture(m, r.diagnostics, r.path) for r in results for m in r.models]
