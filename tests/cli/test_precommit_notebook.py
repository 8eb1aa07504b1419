"""The pre-commit hook runs on Jupyter notebooks, through the real ``pre-commit try-repo``
(the same throw-away snapshot of this checkout as tests/cli/test_precommit.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.cli.test_precommit import _git, _tools_available, _try_repo, hook_repo  # noqa: F401 — fixture
from tests.conftest import REPO

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

CELLS = [
    "import keras\nfrom keras import layers",
    "stack = [\n    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n]",
    "model = keras.Sequential(stack)",
]


def _notebook(path, cells):
    nb = new_notebook()
    nb.cells = [new_markdown_cell("# Model"), *(new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def test_hook_manifest_routes_notebooks():
    _tools_available()
    from identify.identify import tags_from_filename
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    for name, wanted in (("analysis.ipynb", True), ("nbs/Exploration 2.ipynb", True), ("notes.ipynb.bak", False)):
        tags = tags_from_filename(name) | {"file"}
        typed = set(hook["types"]) <= tags and (not hook["types_or"] or bool(set(hook["types_or"]) & tags))
        assert (typed and re.search(hook["files"], name) is not None) is wanted, name


@pytest.mark.slow
def test_try_repo_reports_a_notebook_cell_then_passes_once_fixed(hook_repo, tmp_path):  # noqa: F811
    project = tmp_path / "project"
    _notebook(project / "nbs" / "demo.ipynb", CELLS)
    _notebook(project / "scratch" / "old.ipynb", CELLS)  # excluded below, yet passed by --all-files
    (project / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML1", "ML9"]\nexclude = ["scratch"]\n')
    _git(project.parent, "init", "-q", str(project))
    _git(project, "add", "-A")
    home = tmp_path / "pre-commit-home"

    failing = _try_repo(project, hook_repo, home)
    out = failing.stdout + failing.stderr
    assert failing.returncode == 1, out
    assert "nbs/demo.ipynb:cell 3:4:5: ML101 [dense-on-unflattened]" in out
    assert "scratch/old.ipynb" not in out

    fixed = subprocess.run([sys.executable, "-m", "modelint.analyzer", "--fix", "nbs/demo.ipynb"],
                           cwd=project, capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    nbformat.validate(nbformat.read(str(project / "nbs" / "demo.ipynb"), as_version=4))
    _git(project, "add", "-A")
    passing = _try_repo(project, hook_repo, home)
    out = passing.stdout + passing.stderr
    assert passing.returncode == 0, out
    assert "ML101" not in out and "Passed" in out
