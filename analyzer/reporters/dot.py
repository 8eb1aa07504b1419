"""``--output-format dot``: every model as a Graphviz graph.

``modelint --output-format dot model.py | dot -Tsvg > model.svg``. Layers are
boxes (name, op, output shape, parameters, MACs), tensors are edges labelled with
their shape, nested modules are clusters, a module applied at several places is
one box, and a layer with a finding is filled by its severity. One ``digraph``
for the whole run (a cluster per model), so a single ``dot`` call renders it.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelint.analyzer.context import FileResult
from modelint.analyzer.reporters._picture import Cluster, Picture, pictures

_FILL = {None: "#f7f7f7", "info": "#dbe9ff", "warning": "#fff1c2", "error": "#ffd6d6"}
_PEN = {None: "#555555", "info": "#2b6cb0", "warning": "#b7791f", "error": "#c53030"}


def quote(text: str) -> str:
    """A DOT double-quoted string; ``\\n`` line breaks are added by the caller."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _label(lines: list[str]) -> str:
    return quote("\x00".join(lines)).replace("\x00", "\\n")


def _cluster(pic: Picture, cluster: Cluster, prefix: str, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    for key in cluster.nodes:
        node = pic.nodes[key]
        sev = node.severity
        attrs = [f"label={_label(node.lines())}", f'fillcolor="{_FILL[sev]}"', f'color="{_PEN[sev]}"']
        if node.findings:
            attrs.append("penwidth=2")
            attrs.append(f"tooltip={quote(' | '.join(f'{d.code}: {d.message}' for d in node.findings))}")
        out.append(f"{pad}{quote(prefix + key)} [{', '.join(attrs)}];")
    for child in cluster.children.values():
        cid = quote(f"cluster_{prefix}{child.path}")
        out.append(f"{pad}subgraph {cid} {{")
        out.append(f'{pad}  label={quote(child.name)}; style="rounded,dashed"; color="#999999";')
        _cluster(pic, child, prefix, depth + 1, out)
        out.append(f"{pad}}}")


def render(results: Sequence[FileResult]) -> str:
    # newrank: rank nodes globally, not per cluster (per-cluster ranking fails
    # with "trouble in init_rank" on DenseNet-style graphs whose edges cross clusters).
    out = ["digraph modelint {", "  rankdir=TB; newrank=true; compound=true; fontname=\"Helvetica\";",
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=8, color="#666666"];']
    for index, pic in enumerate(pictures(results)):
        prefix = f"m{index}:"
        out.append(f"  subgraph {quote(f'cluster_m{index}')} {{")
        out.append(f'    label={quote(pic.title)}; style="rounded"; color="#333333";')
        _cluster(pic, pic.root, prefix, 2, out)
        out.append("  }")
        for src, dst, shape in pic.edges:
            out.append(f"  {quote(prefix + src)} -> {quote(prefix + dst)} [label={quote(shape)}];")
    out.append("}")
    return "\n".join(out) + "\n"
