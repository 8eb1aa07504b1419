"""``# noqa`` / ``# modelint: disable=`` / ``disable-file=``, and ML404 for the ones
that suppress nothing — end to end through the CLI."""

from __future__ import annotations

import pytest

from tests.cli._helpers import BUGGY, run_cli, write

# BUGGY: ML204 on line 7 (opt-in: these tests enable it), ML305 on line 8, ML201 on line 11.
LINE7 = "    layers.Dense(64),"
LINE8 = "    layers.Dropout(1.5),"


def _with(comment_line: str, comment: str, text: str = BUGGY) -> str:
    return text.replace(comment_line, f"{comment_line}  {comment}", 1)


def _codes(capsys, root, *argv):
    return run_cli(capsys, root, "--output-format", "json", "--extend-select", "ML204", *argv, "m.py").codes()


@pytest.mark.parametrize("comment", [
    "# noqa: ML204",
    "# noqa:ML204",
    "# noqa: missing-nonlinearity",
    "# noqa: ML20",
    "# noqa",
    "# modelint: disable=ML204",
    "# modelint: disable=missing-nonlinearity",
    "# modelint:disable=ML2",
])
def test_line_suppressions(tmp_path, capsys, comment):
    write(tmp_path, "m.py", _with(LINE7, comment))
    assert _codes(capsys, tmp_path) == [("ML305", 8), ("ML201", 11)]


@pytest.mark.parametrize("comment", ["# noqa: ML305, ML204", "# noqa: ML204,suspicious-hyperparameter",
                                     "# modelint: disable=ML305, missing-nonlinearity"])
def test_several_codes_in_one_comment(tmp_path, capsys, comment):
    joined = BUGGY.replace(f"{LINE7}\n{LINE8}", f"{LINE7} {LINE8.strip()}  {comment}")
    write(tmp_path, "m.py", joined)
    assert _codes(capsys, tmp_path) == [("ML201", 10)]


def test_suppression_only_applies_to_its_line(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE8, "# noqa: ML305"))
    assert _codes(capsys, tmp_path) == [("ML204", 7), ("ML201", 11)]


def test_disable_file_anywhere(tmp_path, capsys):
    write(tmp_path, "m.py", "# modelint: disable-file=ML305, ML201\n" + BUGGY)
    assert _codes(capsys, tmp_path) == [("ML204", 8)]
    write(tmp_path, "m.py", BUGGY + "# modelint: disable-file=ML2\n")
    assert _codes(capsys, tmp_path) == [("ML305", 8)]


def test_unused_noqa_is_reported(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE7, "# noqa: ML204, ML101"))
    run = run_cli(capsys, tmp_path, "--output-format", "concise", "m.py")
    assert "m.py:7:" in run.out and "ML404" in run.out and "unused suppression of ML101" in run.out
    assert "ML204" not in run.out.split("ML404")[0].splitlines()[-1]


def test_unused_bare_noqa_and_disable(tmp_path, capsys):
    text = BUGGY.replace("import keras\n", "import keras  # noqa\n", 1)
    text = _with("    layers.Dense(128),", "# modelint: disable=ML305", text)
    write(tmp_path, "m.py", text)
    codes = _codes(capsys, tmp_path)
    assert ("ML404", 1) in codes and ("ML404", 6) in codes


def test_unused_file_level_disable(tmp_path, capsys):
    write(tmp_path, "m.py", "# modelint: disable-file=ML101\n" + BUGGY)
    assert ("ML404", 1) in _codes(capsys, tmp_path)


def test_other_tools_codes_are_not_judged(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE7, "# noqa: E501, ML204"))
    assert _codes(capsys, tmp_path) == [("ML305", 8), ("ML201", 11)]
    write(tmp_path, "m.py", _with(LINE7, "# noqa: E501") + "")
    assert ("ML204", 7) in _codes(capsys, tmp_path)


def test_unknown_code_in_suppression(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE8, "# noqa: ML305, ML999"))
    run = run_cli(capsys, tmp_path, "--output-format", "concise", "m.py")
    assert "ML404" in run.out and "names no rule: ML999" in run.out


def test_suppression_of_a_rule_not_selected_is_not_unused(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE7, "# noqa: ML204"))
    assert _codes(capsys, tmp_path, "--select", "ML201,ML404") == [("ML201", 11)]


def test_ml404_can_be_ignored_and_suppressed(tmp_path, capsys):
    write(tmp_path, "m.py", _with(LINE7, "# noqa: ML204, ML101"))
    assert ("ML404", 7) not in _codes(capsys, tmp_path, "--ignore", "unused-suppression")
    write(tmp_path, "m.py", _with(LINE7, "# noqa: ML204, ML101, ML404"))
    assert ("ML404", 7) not in _codes(capsys, tmp_path)


def test_per_file_ignores_do_not_make_noqa_unused(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint.per-file-ignores]\n"m.py" = ["ML204"]\n')
    write(tmp_path, "m.py", _with(LINE7, "# noqa: ML204"))
    assert _codes(capsys, tmp_path) == [("ML305", 8), ("ML201", 11)]
