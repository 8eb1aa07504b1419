"""The results cache (``.modelint_cache/``) and ``--jobs``: a warm run gives the cold
run's output without analysing anything, a changed file or setting is analysed again,
a corrupt or foreign entry is ignored and rewritten, and any number of processes gives
the same output in the same order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from modelint.analyzer import engine
from modelint.analyzer.cache import CACHE_DIR
from modelint.analyzer.cli import main
from tests.conftest import FIXTURES

MODEL = '''import keras
from keras import layers

model = keras.Sequential([
    keras.Input((8, 8, 3)),
    layers.Conv2D(4, 3),
    layers.Dense(10),
])
'''
PLAIN = "import os\n\n\ndef where():\n    return os.getcwd()\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with a model file and two plain files; the run's cwd, with the cache's
    signing key kept in the test's own folder, and a counter of analysed files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "proj"
    root.mkdir()
    (root / "model.py").write_text(MODEL)
    (root / "a.py").write_text(PLAIN)
    (root / "b.py").write_text(PLAIN.replace("where", "here"))
    monkeypatch.chdir(root)
    analysed: list[str] = []
    real = engine.analyze_path

    def counting(path, options, display_path=None):
        analysed.append(Path(path).name)
        return real(path, options, display_path)

    monkeypatch.setattr(engine, "analyze_path", counting)
    return root, analysed


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(["--output-format", "concise", "-j", "1", *args, "."])
    return code, capsys.readouterr().out


def entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / CACHE_DIR).rglob("*") if p.is_file() and p.parent.parent.name.startswith("v"))


def test_warm_run_analyses_nothing_and_prints_the_same(project, capsys):
    root, analysed = project
    cold = run(capsys)
    assert sorted(analysed) == ["a.py", "b.py", "model.py"] and "ML101" in cold[1]
    assert (root / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    analysed.clear()
    assert run(capsys) == cold
    assert analysed == []


def test_only_the_changed_file_is_analysed_again(project, capsys):
    root, analysed = project
    run(capsys)
    analysed.clear()
    (root / "a.py").write_text(PLAIN + "X = 1\n")
    os.utime(root / "b.py")  # touched, content unchanged: hashed, not analysed
    stat = (root / "b.py").stat()
    os.utime(root / "b.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    run(capsys)
    assert analysed == ["a.py"]
    analysed.clear()
    run(capsys)
    assert analysed == []  # b.py's new stat was recorded


def test_a_setting_that_changes_the_result_is_part_of_the_key(project, capsys):
    _, analysed = project
    run(capsys)
    analysed.clear()
    code, out = run(capsys, "--ignore", "ML101")
    assert "ML101" not in out and analysed
    analysed.clear()
    code, out = run(capsys)
    assert "ML101" in out and analysed == []  # the first setting's entries are still there


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "empty"])
def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(project, capsys, damage):
    root, analysed = project
    cold = run(capsys)
    stored = entries(root)
    assert len(stored) == 3
    for entry in stored:
        blob = entry.read_bytes()
        if damage == "garbage":
            entry.write_bytes(os.urandom(200))
        elif damage == "truncated":
            entry.write_bytes(blob[: len(blob) // 2])
        elif damage == "foreign":  # a well-formed entry signed with another key
            entry.write_bytes(blob[:17] + bytes(32) + blob[49:])
        else:
            entry.write_bytes(b"")
    analysed.clear()
    assert run(capsys) == cold
    assert sorted(analysed) == ["a.py", "b.py", "model.py"]
    analysed.clear()
    assert run(capsys) == cold and analysed == []  # rewritten, trusted again


def test_no_cache_neither_reads_nor_writes(project, capsys):
    root, analysed = project
    run(capsys, "--no-cache")
    assert not (root / CACHE_DIR).exists()
    run(capsys)
    analysed.clear()
    run(capsys, "--no-cache")
    assert sorted(analysed) == ["a.py", "b.py", "model.py"]


def test_clean_removes_the_cache(project, capsys):
    root, _ = project
    run(capsys)
    assert (root / CACHE_DIR).is_dir()
    assert main(["clean"]) == 0
    assert not (root / CACHE_DIR).exists()
    assert main(["clean"]) == 0  # nothing to remove is not an error


def test_jobs_give_the_same_output_in_the_same_order(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    shutil.copytree(FIXTURES, tmp_path / "fixtures", ignore=shutil.ignore_patterns("*.onnx"))
    monkeypatch.chdir(tmp_path)
    outputs = []
    for jobs in ("1", "2", "3"):
        code = main(["--output-format", "json", "--no-cache", "-j", jobs, "fixtures"])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0][1].count('"path"') > 10
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_bad_number_of_jobs_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-j", value, "x.py"])
    assert exc.value.code == 2 and "--jobs" in capsys.readouterr().err
