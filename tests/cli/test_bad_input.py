"""Bad input in a folder: each bad file gives one finding (or a one-line error) for
itself, every other file is still analysed, the exit code is the documented one, and
nothing hangs. Each case is generated under tmp_path and kept fast."""

from __future__ import annotations

import os
import sys
import time

import pytest

from modelint.analyzer.cli import main
from tests.conftest import checked_report

MODEL = '''import keras
from keras import layers

model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3), layers.Dense(10)])
'''


def write_bad(folder, name: str) -> None:
    """Write one bad file named ``name`` into ``folder``."""
    path = folder / name
    if name == "generated_50mb.py":
        line = b"VALUE_%07d = %07d  # generated\n"
        block = b"".join(line % (i, i) for i in range(1000))
        with path.open("wb") as handle:
            for _ in range(50_000_000 // len(block) + 1):
                handle.write(block)
    elif name == "statements_100k.py":
        path.write_text("import torch\nimport torch.nn as nn\n" + "".join(f"print({i})\n" for i in range(100_000)))
    elif name == "binary.py":
        path.write_bytes(bytes(range(256)) * 64)
    elif name == "latin1.py":
        path.write_bytes("# caf\xe9\nimport keras\nx = 'd\xe9j\xe0'\n".encode("latin-1"))
    elif name == "loop":  # a folder that contains itself, and two files pointing at each other
        os.symlink(folder, folder / "loop")
        os.symlink(folder / "ping.py", folder / "pong.py")
        os.symlink(folder / "pong.py", folder / "ping.py")
    elif name == "dangling.py":
        os.symlink(folder / "missing.py", path)
    elif name == "unreadable.py":
        path.write_text(MODEL)
        path.chmod(0)
    elif name == "fifo.py":
        os.mkfifo(path)


CASES = {
    # name: (files it produces, what the finding for them says)
    "generated_50mb.py": (["generated_50mb.py"], "larger than"),
    "statements_100k.py": (["statements_100k.py"], "top-level statements can build a model"),
    "binary.py": (["binary.py"], "binary"),
    "latin1.py": (["latin1.py"], "not UTF-8"),
    "loop": (["ping.py", "pong.py"], "cannot read file"),
    "dangling.py": (["dangling.py"], "cannot read file"),
    "unreadable.py": (["unreadable.py"], "cannot read file"),
    "fifo.py": (["fifo.py"], "not a regular file"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_is_one_finding_and_the_others_are_analysed(case, tmp_path, monkeypatch, capsys):
    if case == "unreadable.py" and os.geteuid() == 0:
        pytest.skip("root reads a file whatever its mode")
    if case in ("loop", "dangling.py", "fifo.py") and sys.platform == "win32":
        pytest.skip("symlinks and FIFOs")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "model.py").write_text(MODEL)
    (folder / "plain.py").write_text("import os\n")
    write_bad(folder, case)
    started = time.perf_counter()
    code = main(["--output-format", "json", "--no-cache", "-j", "1", "src"])
    elapsed = time.perf_counter() - started
    report = checked_report(capsys.readouterr().out)
    files = {f["path"].rsplit("/", 1)[-1]: f for f in report["files"]}
    bad_names, says = CASES[case]
    assert set(files) == {"model.py", "plain.py", *bad_names}
    assert [d["code"] for d in files["model.py"]["diagnostics"]][:1] == ["ML101"]  # still analysed
    for name in bad_names:
        diags = files[name]["diagnostics"]
        assert [d["code"] for d in diags] == ["ML902"] and says in diags[0]["message"]
        assert "\n" not in diags[0]["message"]
    assert code == 1
    assert elapsed < 60, f"{case} took {elapsed:.0f} s"


def test_bad_files_in_parallel_workers_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "src"
    folder.mkdir()
    for i in range(6):
        (folder / f"model{i}.py").write_text(MODEL)
    for case in ("binary.py", "latin1.py", "loop", "dangling.py"):
        write_bad(folder, case)
    code = main(["--output-format", "json", "--no-cache", "-j", "2", "src"])
    report = checked_report(capsys.readouterr().out)
    codes = {f["path"].rsplit("/", 1)[-1]: [d["code"] for d in f["diagnostics"]][:1] for f in report["files"]}
    assert codes == {**{f"model{i}.py": ["ML101"] for i in range(6)},
                     **{n: ["ML902"] for n in ("binary.py", "latin1.py", "ping.py", "pong.py", "dangling.py")}}
    assert code == 1


def test_a_symlink_loop_named_on_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    os.symlink(tmp_path / "b.py", tmp_path / "a.py")
    os.symlink(tmp_path / "a.py", tmp_path / "b.py")
    code = main(["--output-format", "concise", "--no-cache", "a.py"])
    out = capsys.readouterr().out
    assert code == 1 and "a.py:1:1: ML902" in out and "cannot read file" in out
