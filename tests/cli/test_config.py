"""``[tool.modelint]`` / ``modelint.toml`` end to end through ``modelint.analyzer.cli.main``:
the closest config per file, every key, CLI overrides, and exit 2 on bad config."""

from __future__ import annotations


import pytest

from tests.cli._helpers import BUGGY, CLEAN, run_cli, write
from tests.conftest import checked_report

ALL_BUGGY = [("ML204", 7), ("ML305", 8), ("ML201", 11)]
DEFAULT_BUGGY = [("ML305", 8), ("ML201", 11)]  # ML204 is advice: opt-in
TORCH_NET = '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8 * 30 * 30, 10)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
'''


def _json(capsys, root, *argv):
    return run_cli(capsys, root, "--output-format", "json", *argv)


def test_no_config_reports_every_defect(tmp_path, capsys):
    write(tmp_path, "m.py", BUGGY)
    run = _json(capsys, tmp_path, "m.py")
    assert run.code == 1
    assert sorted(run.codes()) == sorted(DEFAULT_BUGGY)
    assert sorted(_json(capsys, tmp_path, "--select", "ALL", "m.py").codes()) == sorted(ALL_BUGGY)
    assert sorted(_json(capsys, tmp_path, "--extend-select", "ML204", "m.py").codes()) == sorted(ALL_BUGGY)


@pytest.mark.parametrize("table,expected", [
    ('select = ["ML3"]', [("ML305", 8)]),
    ('select = ["ML2"]', [("ML204", 7), ("ML201", 11)]),
    ('select = ["ML201", "suspicious-hyperparameter"]', [("ML305", 8), ("ML201", 11)]),
    ('ignore = ["missing-nonlinearity", "ML3"]', [("ML201", 11)]),
    ('select = ["ML3"]\nextend-select = ["ML204"]', [("ML204", 7), ("ML305", 8)]),
    ('select = ["ALL"]\nignore = ["ML2"]', [("ML305", 8)]),
])
def test_select_ignore_extend_select(tmp_path, capsys, table, expected):
    write(tmp_path, "pyproject.toml", f"[tool.modelint]\n{table}\n")
    write(tmp_path, "m.py", BUGGY)
    assert sorted(_json(capsys, tmp_path, "m.py").codes()) == sorted(expected)


def test_per_file_ignores(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nextend-select = ["ML204"]\n'
          '[tool.modelint.per-file-ignores]\n"legacy/*.py" = ["ML305", "softmax-into-logits-loss"]\n')
    write(tmp_path, "legacy/old.py", BUGGY)
    write(tmp_path, "new.py", BUGGY)
    report = _json(capsys, tmp_path, ".")
    files = {f["path"]: [d["code"] for d in f["diagnostics"]] for f in checked_report(report.out)["files"]}
    assert files["legacy/old.py"] == ["ML204"]
    assert sorted(files["new.py"]) == ["ML201", "ML204", "ML305"]


def test_exclude(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nexclude = ["generated"]\n')
    write(tmp_path, "generated/m.py", BUGGY)
    write(tmp_path, "ok.py", CLEAN)
    run = run_cli(capsys, tmp_path, "--output-format", "concise", ".")
    assert run.code == 0 and "generated" not in run.out


def test_fail_on_from_config(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nfail-on = "error"\nselect = ["ML3"]\n')
    write(tmp_path, "m.py", BUGGY)
    run = run_cli(capsys, tmp_path, "m.py")
    assert run.code == 0 and "ML305" in run.out  # a warning is reported but does not fail
    assert run_cli(capsys, tmp_path, "--fail-on", "warning", "m.py").code == 1


def test_input_shape_per_model_name(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint.input-shape]\nNet = "1,3,32,32"\n')
    write(tmp_path, "net.py", TORCH_NET)
    run = _json(capsys, tmp_path, "net.py")
    model = checked_report(run.out)["files"][0]["models"][0]
    assert model["input_shape"] == [1, 3, 32, 32]
    assert model["layers"][-1]["output_shape"] == [1, 10]


def test_expect_params(tmp_path, capsys):
    write(tmp_path, "modelint.toml", "[expect-params]\nmodel = 62378344\n")  # CLEAN has 9,610
    write(tmp_path, "m.py", CLEAN)
    run = run_cli(capsys, tmp_path, "--output-format", "concise", "m.py")
    assert run.code == 1
    assert "ML402" in run.out and "9,610" in run.out and "62,378,344" in run.out


def test_closest_config_wins(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nselect = ["ML3"]\n')
    write(tmp_path, "sub/modelint.toml", 'select = ["ML2"]\n')
    write(tmp_path, "nested/pyproject.toml", '[project]\nname = "x"\n')  # no [tool.modelint]: keep walking
    for rel in ("top.py", "sub/m.py", "nested/m.py"):
        write(tmp_path, rel, BUGGY)
    files = {f["path"]: [d["code"] for d in f["diagnostics"]]
             for f in checked_report(_json(capsys, tmp_path, ".").out)["files"]}
    assert files == {"top.py": ["ML305"], "sub/m.py": ["ML204", "ML201"], "nested/m.py": ["ML305"]}


def test_cli_flags_override_config(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nselect = ["ML3"]\nfail-on = "error"\n')
    write(tmp_path, "m.py", BUGGY)
    assert _json(capsys, tmp_path, "--select", "ML204", "m.py").codes() == [("ML204", 7)]
    assert _json(capsys, tmp_path, "--ignore", "ML305", "m.py").codes() == []
    assert run_cli(capsys, tmp_path, "--fail-on", "warning", "m.py").code == 1


def test_explicit_config_file(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[tool.modelint]\nselect = ["ML3"]\n')
    write(tmp_path, "other.toml", '[tool.modelint]\nselect = ["ML201"]\n')
    write(tmp_path, "m.py", BUGGY)
    assert _json(capsys, tmp_path, "--config", "other.toml", "m.py").codes() == [("ML201", 11)]


@pytest.mark.parametrize("name,text,needle", [
    ("pyproject.toml", "[tool.modelint]\nselct = [\"ML1\"]\n", "selct"),
    ("pyproject.toml", "[tool.modelint]\nfail-on = \"fatal\"\n", "fail-on"),
    ("pyproject.toml", "[tool.modelint]\nselect = \"ML7\"\n", "select"),
    ("pyproject.toml", "[tool.modelint]\nselect = [1]\n", "select"),
    ("pyproject.toml", "[tool.modelint]\ninput-shape = 5\n", "input-shape"),
    ("pyproject.toml", "[tool.modelint.input-shape]\nNet = \"1,0\"\n", "input-shape.Net"),
    ("pyproject.toml", "[tool.modelint.expect-params]\nmodel = \"62M\"\n", "expect-params"),
    ("pyproject.toml", "[tool.modelint.per-file-ignores]\n\"*.py\" = [\"ML777\"]\n", "per-file-ignores"),
    ("modelint.toml", "exclude = 3\n", "exclude"),
    ("modelint.toml", "select = [\n", "invalid TOML"),
])
def test_bad_config_exits_2_naming_key_and_file(tmp_path, capsys, name, text, needle):
    write(tmp_path, name, text)
    write(tmp_path, "m.py", BUGGY)
    run = run_cli(capsys, tmp_path, "--exit-zero", "m.py")  # --exit-zero never hides exit 2
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0] and name in lines[0]
