"""JSON contract version 2 end to end: symbols, parameter formulas that evaluate to the
framework's count, input constraints, the summary's formulas and ``Accepts:`` line,
and the superset promise (a v2 report minus its v2 fields is a valid v1 report)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modelint.analyzer.cli import main
from tests.conftest import FIXTURES, REPO, checked_report

V1_SCHEMA = REPO / "analyzer" / "schemas" / "report-v1.json"
SIGNAL = FIXTURES / "keras" / "sym_sequential_no_input.py"

MLP = '''import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, dim_in, dim_hidden, dim_out):
        super().__init__()
        self.hidden = nn.Linear(dim_in, dim_hidden)
        self.out = nn.Linear(dim_hidden, dim_out)

    def forward(self, x):
        return self.out(self.hidden(x).relu())
'''

PLAIN = '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
'''


def _json(capsys, *args: str) -> dict:
    main(["--output-format", "json", "--exit-zero", "--no-cache", *args])
    return checked_report(capsys.readouterr().out)


def _model(report: dict, name: str) -> dict:
    return next(m for f in report["files"] for m in f["models"] if m["name"] == name)


def _eval(expr: str, values: dict[str, int]) -> int:
    """A formula as the contract promises: Python arithmetic over the bound symbols."""
    value = eval(expr, {"__builtins__": {}}, dict(values))  # noqa: S307 — our own report's formula
    assert isinstance(value, int), (expr, value)
    return value


def test_parameter_formula_evaluates_to_the_count(tmp_path, capsys):
    (tmp_path / "mlp.py").write_text(MLP)
    report = _json(capsys, str(tmp_path / "mlp.py"))
    assert report["version"] == 2
    model = _model(report, "MLP")
    names = [s["name"] for s in model["symbols"]]
    assert names == ["dim_in", "dim_hidden", "dim_out"]
    first = model["symbols"][0]
    assert first["kind"] == "parameter" and "dim_in" in first["description"] and first["line"] == 5
    params = model["params"]
    assert params["exact"] is False and params["formula_exact"] is True
    for dim_in, dim_hidden, dim_out in ((784, 200, 10), (3, 5, 7), (1, 1, 1)):
        values = {"dim_in": dim_in, "dim_hidden": dim_hidden, "dim_out": dim_out}
        # nn.Linear(i, o) owns i·o weights and o biases: what torch counts.
        want = dim_in * dim_hidden + dim_hidden + dim_hidden * dim_out + dim_out
        assert _eval(params["formula"], values) == want
        assert _eval(params["trainable_formula"], values) == want
        assert _eval(params["non_trainable_formula"], values) == 0
    hidden = next(l for l in model["layers"] if l["name"] == "hidden")
    assert hidden["params"] is None and hidden["trainable_params"] is None
    assert _eval(hidden["params_formula"], {"dim_in": 3, "dim_hidden": 5}) == 20


def test_symbolic_input_reports_its_constraints(capsys):
    model = _model(_json(capsys, str(SIGNAL)), "signal")
    assert model["input_shape"] == [None, "L", "C"]
    assert [(s["name"], s["kind"]) for s in model["symbols"]] == [("L", "input"), ("C", "input")]
    fit = model["input_constraints"]
    assert fit["fits"] is True and fit["text"] == "L ≥ 3" and fit["ranges"] == {"L": [3, None]}
    layer_ids = {l["id"] for l in model["layers"]}
    for c in fit["constraints"]:
        assert c["layer"] in layer_ids and c["relation"] in ("==", ">=")
        # the range is exactly where every constraint holds
        for size in (2, 3, 50):
            holds = _eval(c["expr"], {"L": size}) >= c["value"] if c["relation"] == ">=" else None
            assert holds is None or holds == (size >= 3)
    params = model["params"]
    assert _eval(params["formula"], {"C": 3}) == params["total"] + _eval(
        next(l for l in model["layers"] if "params_formula" in l)["params_formula"], {"C": 3})


def test_a_model_without_symbols_is_a_v1_model(tmp_path, capsys):
    (tmp_path / "net.py").write_text(PLAIN)
    model = _model(_json(capsys, str(tmp_path / "net.py")), "Net")
    assert model["symbols"] == [] and model["input_constraints"] is None
    assert model["params"] == {"total": 10, "trainable": 10, "non_trainable": 0, "exact": True}
    assert all("params_formula" not in l for l in model["layers"])


def _dims(report: dict) -> list[str]:
    out = []
    for f in report["files"]:
        for m in f["models"]:
            shapes = [l["output_shape"] for l in m["layers"]]
            shapes += [s for l in m["layers"] for s in l.get("output_shapes", [])]
            out += [d for s in shapes if s for d in s if isinstance(d, str)]
    return out


def test_every_symbolic_dimension_is_python(capsys):
    report = _json(capsys, str(SIGNAL), str(FIXTURES / "keras" / "subclassed_build_only.py"))
    dims = _dims(report)
    assert dims, "the fixtures have symbolic dimensions"
    for dim in dims:
        names = {n for n in ("N", "C", "H", "W", "L") if n in dim}
        assert isinstance(_eval(dim, dict.fromkeys(names, 64)), int), dim


def _strip_v2(report: dict) -> dict:
    v1 = copy.deepcopy(report)
    v1["version"] = 1
    for f in v1["files"]:
        for m in f["models"]:
            m.pop("symbols")
            m.pop("input_constraints")
            for key in ("formula", "trainable_formula", "non_trainable_formula", "formula_exact"):
                m["params"].pop(key, None)
            for layer in m["layers"]:
                layer.pop("params_formula", None)
    return v1


V1_SAMPLES = [SIGNAL, FIXTURES / "keras" / "subclassed_build_only.py", FIXTURES / "keras" / "alexnet_no_flatten.py",
              FIXTURES / "real" / "torch" / "shaoxiongji_federated_main_nn.py", FIXTURES / "torch" / "resnet.py"]


@pytest.mark.parametrize("path", V1_SAMPLES, ids=lambda p: p.stem)
def test_v2_is_a_superset_of_v1(path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    report = _json(capsys, str(path))
    validator = jsonschema.Draft202012Validator(json.loads(V1_SCHEMA.read_text()))
    errors = [e.message for e in validator.iter_errors(_strip_v2(report))]
    assert errors == []


def test_summary_shows_formulas_and_what_fits(capsys):
    main(["--summary", "--exit-zero", "--no-cache", str(SIGNAL)])
    out = capsys.readouterr().out
    block = out[out.index('Model: "signal"'):]
    block = block[:block.index("\n\n")] if "\n\n" in block else block
    conv = next(line for line in block.splitlines() if line.startswith("conv1d (Conv1D)"))
    assert "448·C + 64" in conv
    assert "Total params: 448·C + 12,737 (a formula over C; 12,673 (49.50 KB) in the layers of known size)" in block
    assert "Non-trainable params: 128 (512 B)" in block
    assert "Accepts: L ≥ 3" in block


def test_summary_of_a_model_without_symbols_is_unchanged(tmp_path, capsys):
    (tmp_path / "net.py").write_text(PLAIN)
    main(["--summary", "--exit-zero", "--no-cache", str(tmp_path / "net.py")])
    out = capsys.readouterr().out
    assert "Total params: 10 (40 B)" in out and "Accepts:" not in out and "formula" not in out


def _walk(value: Any) -> list[Any]:
    out = [value]
    if isinstance(value, dict):
        for v in value.values():
            out += _walk(v)
    elif isinstance(value, list):
        for v in value:
            out += _walk(v)
    return out


def test_the_schema_documents_every_v2_field():
    schema = json.loads((REPO / "analyzer" / "schemas" / "report-v2.json").read_text())
    text = json.dumps(schema)
    for field in ("symbols", "input_constraints", "formula", "trainable_formula", "non_trainable_formula",
                  "formula_exact", "params_formula"):
        assert f'"{field}"' in text, field
    assert schema["properties"]["version"] == {"const": 2}
    assert Path(V1_SCHEMA).exists()  # kept as history
    assert all(not isinstance(v, float) for v in _walk(schema))


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_pictures_label_a_symbolic_layer_with_its_formula(fmt, capsys):
    """tests/cli/test_graph_formats.py renders every fixture (these included) with
    Graphviz and Mermaid's parser; here: the formula is what the label says."""
    assert main(["--output-format", fmt, "--exit-zero", "--no-cache", str(SIGNAL)]) == 0
    out = capsys.readouterr().out
    assert "params 448·C + 64" in out and "(None, (L - 1) // 2, 64)" in out
