"""What users read: ``full`` (source line, caret span, help), ``concise``,
``--statistics``, and the exit codes (``--exit-zero``, ``--fail-on``), plus rule
selection by code, prefix and name on the command line."""

from __future__ import annotations

import pytest

from tests.cli._helpers import BUGGY, CLEAN, run_cli, write


def test_full_output_shows_source_caret_and_help(tmp_path, capsys):
    write(tmp_path, "m.py", BUGGY)
    run = run_cli(capsys, tmp_path, "--select", "ML204", "m.py")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("m.py:7:5: ML204 [missing-nonlinearity] dense_1 (Dense) follows dense (Dense, line 6)")
    assert lines[1:5] == [
        "  |",
        "7 |     layers.Dense(64),",
        "  |     ^^^^^^^^^^^^^^^^ ML204",
        "  |",
    ]
    assert lines[5].startswith("  = help: Add an activation to dense")
    assert lines[-1] == "Found 1 finding (1 warning)."


def test_full_is_the_default_and_fixable_hint(tmp_path, capsys):
    write(tmp_path, "m.py", BUGGY.replace("layers.Dropout(1.5)", "layers.Conv2D(4, 1)")
          .replace("keras.Input((64,))", "keras.Input((8, 8, 3))").replace('layers.Dense(10, activation="softmax")',
                                                                            "layers.Dense(10)"))
    run = run_cli(capsys, tmp_path, "--select", "ML101", "m.py")
    assert "(fixable with --fix)" in run.out and "[*] 1 fixable with the `--fix` option." in run.out


def test_concise_is_one_line_per_finding(tmp_path, capsys):
    write(tmp_path, "m.py", BUGGY)
    run = run_cli(capsys, tmp_path, "--output-format", "concise", "--extend-select", "ML204", "m.py")
    assert run.out.splitlines() == [
        line for line in run.out.splitlines() if line.startswith("m.py:")
    ]
    assert [line.split(" ")[1] for line in run.out.splitlines()] == ["ML204", "ML305", "ML201"]
    assert run_cli(capsys, tmp_path, "--format", "concise", "--extend-select", "ML204", "m.py").out == run.out


def test_statistics(tmp_path, capsys):
    write(tmp_path, "a.py", BUGGY)
    write(tmp_path, "b.py", BUGGY)
    run = run_cli(capsys, tmp_path, "--output-format", "concise", "--statistics", "--select", "ML2", ".")
    stats = [line.split("\t") for line in run.out.splitlines() if "\t" in line]
    assert [(int(n), code, name) for n, code, name in stats] == [
        (2, "ML201", "softmax-into-logits-loss"), (2, "ML204", "missing-nonlinearity")]


def test_clean_file_exits_0(tmp_path, capsys):
    write(tmp_path, "m.py", CLEAN)
    run = run_cli(capsys, tmp_path, "m.py")
    assert run.code == 0 and run.out == "All checks passed!\n"


@pytest.mark.parametrize("argv,code", [
    ((), 1),
    (("--exit-zero",), 0),
    (("--fail-on", "error", "--select", "ML3"), 0),  # only a warning
    (("--fail-on", "error"), 1),                     # ML201 is an error
    (("--fail-on", "warning", "--select", "ML3"), 1),
    (("--select", "ML999"), 2),                      # a usage error
    (("--exit-zero", "--select", "ML999"), 2),       # --exit-zero never hides exit 2
    (("--ignore", "no-such-rule"), 2),
    (("--input-shape", "Net=0,3"), 2),
    (("--input-shape", ","), 2),
])
def test_exit_codes(tmp_path, capsys, argv, code):
    write(tmp_path, "m.py", BUGGY)
    run = run_cli(capsys, tmp_path, *argv, "m.py")
    assert run.code == code, run.err
    if code == 2:
        assert len(run.err.strip().splitlines()) == 1 and run.err.startswith("modelint: error:")


def test_fail_on_info_counts_info_findings(tmp_path, capsys):
    write(tmp_path, "m.py", CLEAN)
    write(tmp_path, "pyproject.toml", "[tool.modelint.expect-params]\nmodel = 9610\n")
    assert run_cli(capsys, tmp_path, "--fail-on", "info", "m.py").code == 0
    big = CLEAN.replace("keras.Input((64,))", "keras.Input((4096,))").replace("Dense(128", "Dense(1024")
    write(tmp_path, "big.py", big)
    run = run_cli(capsys, tmp_path, "--fail-on", "info", "--select", "ML401", "big.py")
    assert run.code == 1 and "ML401" in run.out
    assert run_cli(capsys, tmp_path, "--select", "ML401", "big.py").code == 0  # info does not fail by default


@pytest.mark.parametrize("selector", ["ML201", "ML20", "ML2", "softmax-into-logits-loss"])
def test_select_by_code_prefix_and_name(tmp_path, capsys, selector):
    write(tmp_path, "m.py", BUGGY)
    codes = {c for c, _ in run_cli(capsys, tmp_path, "--output-format", "json", "--select", selector, "m.py").codes()}
    assert "ML201" in codes and "ML305" not in codes
    ignored = {c for c, _ in run_cli(capsys, tmp_path, "--output-format", "json", "--ignore", selector,
                                     "m.py").codes()}
    assert "ML201" not in ignored and "ML305" in ignored


def test_specific_select_beats_prefix_ignore(tmp_path, capsys):
    write(tmp_path, "m.py", BUGGY)
    codes = run_cli(capsys, tmp_path, "--output-format", "json", "--ignore", "ML2", "--extend-select", "ML201",
                    "m.py").codes()
    assert sorted(codes) == [("ML201", 11), ("ML305", 8)]
