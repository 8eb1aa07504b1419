"""``--output-format mermaid``: every model as a Mermaid flowchart.

Mermaid renders in GitHub Markdown (a ```` ```mermaid ```` block), PR comments and
many editors. The same picture as the DOT output: layers as nodes (name, op,
output shape, parameters, MACs), tensors as edges labelled with their shape,
nested modules as subgraphs, shared modules once, findings highlighted with a
class per severity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from modelint.analyzer.context import FileResult
from modelint.analyzer.reporters._picture import Cluster, Picture, pictures

_CLASSES = {
    "error": "fill:#ffd6d6,stroke:#c53030,stroke-width:2px",
    "warning": "fill:#fff1c2,stroke:#b7791f,stroke-width:2px",
    "info": "fill:#dbe9ff,stroke:#2b6cb0,stroke-width:2px",
}


def text(value: str) -> str:
    """Text inside a Mermaid ``"..."`` label: quotes and the characters Mermaid
    reads as markup become entity codes."""
    return (value.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;").replace("\n", " "))


class _Ids:
    """Mermaid ids: letters, digits and underscores, unique per run."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __call__(self, key: str) -> str:
        found = self.ids.get(key)
        if found is None:
            base = re.sub(r"\W", "_", key)
            found = self.ids[key] = f"n{len(self.ids)}_{base}"[:60]
        return found


def _cluster(pic: Picture, cluster: Cluster, prefix: str, ids: _Ids, depth: int, out: list[str],
             classes: dict[str, list[str]]) -> None:
    pad = "    " * depth
    for key in cluster.nodes:
        node = pic.nodes[key]
        node_id = ids(prefix + key)
        out.append(f'{pad}{node_id}["{"<br/>".join(text(line) for line in node.lines())}"]')
        if node.severity is not None:
            classes.setdefault(node.severity, []).append(node_id)
    for child in cluster.children.values():
        out.append(f'{pad}subgraph {ids(prefix + "cluster:" + child.path)}["{text(child.name)}"]')
        _cluster(pic, child, prefix, ids, depth + 1, out, classes)
        out.append(f"{pad}end")


def render(results: Sequence[FileResult]) -> str:
    out = ["flowchart TD"]
    ids = _Ids()
    classes: dict[str, list[str]] = {}
    for index, pic in enumerate(pictures(results)):
        prefix = f"m{index}:"
        out.append(f'    subgraph {ids(prefix + "model")}["{text(pic.title)}"]')
        _cluster(pic, pic.root, prefix, ids, 2, out, classes)
        out.append("    end")
        for src, dst, shape in pic.edges:
            out.append(f'    {ids(prefix + src)} -->|"{text(shape)}"| {ids(prefix + dst)}')
    for severity, style in _CLASSES.items():
        if severity in classes:
            out.append(f"    classDef {severity} {style}")
            out.append(f"    class {','.join(classes[severity])} {severity}")
    return "\n".join(out) + "\n"
