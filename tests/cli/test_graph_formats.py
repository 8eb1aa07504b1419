"""``--output-format dot`` and ``mermaid`` checked by the real tools.

DOT: every fixture's output is rendered to SVG by Graphviz's own ``dot``.
Mermaid: every fixture's output is parsed by Mermaid's own parser
(``mermaid.parse`` under Node, installed in tests/cli/mermaid: ``npm ci --prefix
tests/cli/mermaid``, as .ci/run does); a syntax error fails the test. Without the
tools the tests skip, unless ``MODELINT_REQUIRE_GRAPH_TOOLS`` is set (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from modelint.analyzer.cli import main
from tests.conftest import FIXTURES, REPO

MERMAID_DIR = Path(__file__).parent / "mermaid"
CHECK = MERMAID_DIR / "check.mjs"
SOURCES = sorted([*FIXTURES.glob("keras/*.py"), *FIXTURES.glob("torch/*.py"), *FIXTURES.glob("notebooks/*.ipynb")])


def _tool_missing(reason: str) -> None:
    if os.environ.get("MODELINT_REQUIRE_GRAPH_TOOLS"):
        pytest.fail(f"{reason} (MODELINT_REQUIRE_GRAPH_TOOLS is set)")
    pytest.skip(reason)


def _dot() -> str:
    found = shutil.which("dot")
    if found is None:
        _tool_missing("Graphviz `dot` is not installed (apt-get install graphviz)")
    return found  # type: ignore[return-value]


def _node() -> str:
    found = shutil.which("node")
    if found is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir():
        _tool_missing("node or the Mermaid parser is missing (npm ci --prefix tests/cli/mermaid)")
    return found  # type: ignore[return-value]


def _render(fmt: str, *paths: Path) -> str:
    """The CLI's output, in-process, as a user's run prints it."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--output-format", fmt, "--exit-zero", *map(str, paths)])
    assert code == 0
    return out.getvalue()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_dot_renders_to_svg(path):
    dot = _dot()
    text = _render("dot", path)
    proc = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    assert proc.stdout.lstrip().startswith("<?xml") and "</svg>" in proc.stdout


@cache
def _mermaid_results(tmp: str) -> dict[str, str]:
    """Parse every fixture's Mermaid output in one Node process: file → "ok" or the error."""
    node = _node()
    files = []
    for path in SOURCES:
        target = Path(tmp) / (_id(path).replace("/", "__") + ".mmd")
        target.write_text(_render("mermaid", path))
        files.append(target)
    proc = subprocess.run([node, str(CHECK), *map(str, files)], capture_output=True, text=True, timeout=600,
                          cwd=MERMAID_DIR)
    results = {str(f): "missing from the parser's output" for f in files}
    for line in proc.stdout.splitlines():
        if line.startswith("ok "):
            results[line.split()[1]] = "ok"
    for line in proc.stderr.splitlines():
        if line.startswith("syntax error in "):
            name, _, message = line[len("syntax error in "):].partition(": ")
            results[name] = message
    return {Path(k).stem: v for k, v in results.items()}


@pytest.fixture(scope="module")
def mermaid_results(tmp_path_factory):
    return _mermaid_results(str(tmp_path_factory.mktemp("mermaid")))


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_mermaid_parses(path, mermaid_results):
    assert mermaid_results[_id(path).replace("/", "__")] == "ok"


def test_mermaid_parser_rejects_a_syntax_error(tmp_path):
    """The checker is a real parser: a broken document fails."""
    node = _node()
    bad = tmp_path / "bad.mmd"
    bad.write_text('flowchart TD\n    a["x"] -->|"y"| b[["z"\n')
    proc = subprocess.run([node, str(CHECK), str(bad)], capture_output=True, text=True, timeout=120, cwd=MERMAID_DIR)
    assert proc.returncode == 1 and "syntax error" in proc.stderr


_SHARED = '''import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.norm = nn.BatchNorm2d(3)


class Net(nn.Module):
    """Quotes " and <angles> | pipes in a docstring are not in the picture."""

    def __init__(self):
        super().__init__()
        self.block = Block()
        self.act = nn.ReLU()
        self.head = nn.Linear(3 * 8 * 8, 10)

    def forward(self, x):
        x = self.act(self.block.norm(self.block.conv(x)))
        x = self.act(x)
        return self.head(x)


model = Net()
out = model(torch.randn(1, 3, 8, 8))
'''


def test_picture_structure(tmp_path):
    """Shared module drawn once with two incoming tensors; nested module a cluster;
    the finding (ML101: Linear on a 4-D tensor) highlighted on its layer."""
    path = tmp_path / "net.py"
    path.write_text(_SHARED)
    dot = _render("dot", path)
    # Models: the classes Block and Net, the variable model; look at Net's cluster.
    cluster = next(line for line in dot.splitlines() if 'label="Net (Net, torch)' in line)
    index = dot.splitlines().index(cluster) - 1
    prefix = '"' + dot.splitlines()[index].split('"')[1].removeprefix("cluster_") + ":"
    act_nodes = [line for line in dot.splitlines() if 'label="act\\nReLU' in line and prefix in line]
    assert len(act_nodes) == 1 and "applied 2×" in act_nodes[0]
    act_id = act_nodes[0].split()[0]
    assert sum(1 for line in dot.splitlines() if f"-> {act_id} " in line) == 2
    assert f'subgraph "cluster_{prefix[1:]}block"' in dot and 'label="block"' in dot
    head = next(line for line in dot.splitlines() if 'label="head\\nLinear' in line and prefix in line)
    assert "ML101" in head and 'fillcolor="#ffd6d6"' in head
    assert "MACs" in head
    mermaid = _render("mermaid", path)
    assert mermaid.startswith("flowchart TD\n")
    assert "classDef error" in mermaid and "subgraph" in mermaid


def test_dot_svg_example_in_docs_is_current():
    """docs/graph-example.svg: the rendered DOT of fixtures/torch/siamese_shared_weights.py."""
    svg = REPO / "docs" / "graph-example.svg"
    assert svg.exists() and "<svg" in svg.read_text()
