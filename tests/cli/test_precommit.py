"""The pre-commit hook, through the real ``pre-commit try-repo``.

``try-repo`` installs the hook from a repository into its own virtualenv (from PyPI:
libcst, onnx, pygls … — this needs the network and takes a while, so each test session
builds one snapshot and the scenarios share two ``try-repo`` runs). ``try-repo`` only
sees committed and tracked-modified files, so the snapshot is a throw-away git
repository holding the checkout's current working tree (tracked and untracked, minus
what .gitignore excludes): the hook under test is exactly the code on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BUGGY = (
    "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
    "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n])\n"
)
FIXED = BUGGY.replace("    layers.Dense(", "    layers.Flatten(),\n    layers.Dense(")
GIT_ID = ["-c", "user.name=modelint tests", "-c", "user.email=tests@example.invalid", "-c", "commit.gpgsign=false"]


def _tools_available() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout


def _checkout_files() -> list[str]:
    if (REPO / ".git").exists():
        listed = _git(REPO, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        return [f for f in listed.split("\0") if f and (REPO / f).is_file()]
    return [p.relative_to(REPO).as_posix() for p in REPO.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".git" not in p.parts]


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """A committed snapshot of this checkout's working tree."""
    _tools_available()
    snapshot = tmp_path_factory.mktemp("hook-repo") / "modelint"
    for rel in _checkout_files():
        target = snapshot / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, target)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    _git(snapshot.parent, "init", "-q", str(snapshot))
    _git(snapshot, "add", "-A")
    _git(snapshot, "commit", "-q", "-m", "snapshot of the working tree under test")
    return snapshot


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "legacy").mkdir()
    (root / "models" / "net.py").write_text(BUGGY)
    (root / "legacy" / "old_net.py").write_text(BUGGY)  # excluded below, yet passed by --all-files
    (root / "README.txt").write_text("not a model\n")
    # Shape and file rules only: rules added later must not change what this test asserts.
    (root / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML1", "ML9"]\nexclude = ["legacy"]\n')
    _git(root.parent, "init", "-q", str(root))
    _git(root, "add", "-A")
    return root


def _try_repo(project: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "modelint", "--all-files",
         "--color", "never", "--verbose"],
        cwd=project, env=env, capture_output=True, text=True, timeout=1200,
    )


def test_hook_manifest_routes_py_and_onnx_files():
    """pre-commit ANDs ``files`` and ``types``: both suffixes must survive both filters."""
    _tools_available()
    from identify.identify import tags_from_filename
    from pre_commit.clientlib import load_manifest
    import re

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "modelint" and hook["language"] == "python"
    assert hook["entry"].split() == ["modelint", "--force-exclude"]
    for name, wanted in (("m.py", True), ("model.onnx", True), ("README.md", False), ("x.onnx.txt", False)):
        tags = tags_from_filename(name) | {"file"}
        typed = set(hook["types"]) <= tags and (not hook["types_or"] or bool(set(hook["types_or"]) & tags))
        named = re.search(hook["files"], name) is not None
        assert (typed and named) is wanted, name


def test_try_repo_fails_on_ml101_then_passes_once_fixed(hook_repo, tmp_path):
    project = _project(tmp_path / "project")
    home = tmp_path / "pre-commit-home"

    failing = _try_repo(project, hook_repo, home)
    out = failing.stdout + failing.stderr
    assert failing.returncode == 1, out
    assert "modelint" in out and "Failed" in out
    assert "models/net.py:7:5: ML101 [dense-on-unflattened]" in out
    assert "legacy/old_net.py" not in out  # excluded in pyproject.toml, skipped despite being passed

    (project / "models" / "net.py").write_text(FIXED)
    passing = _try_repo(project, hook_repo, home)
    out = passing.stdout + passing.stderr
    assert passing.returncode == 0, out
    assert "ML101" not in out and "Passed" in out
    # The excluded file is still buggy: only --force-exclude keeps it out of the run.
    cli = [sys.executable, "-m", "modelint.analyzer", "--output-format", "concise"]
    plain = subprocess.run([*cli, "legacy/old_net.py"], cwd=project, capture_output=True, text=True)
    assert plain.returncode == 1 and "ML101" in plain.stdout
    forced = subprocess.run([*cli, "--force-exclude", "legacy/old_net.py"], cwd=project, capture_output=True, text=True)
    assert forced.returncode == 0 and forced.stdout == ""
