"""Every mismatch the fuzzer ever found is a fixture (fixtures/fuzz/<framework>/fuzz_NNN.py,
minimized, with the truth the fixture recorders wrote beside it): modelint must equal
the framework on it or say inexact. Static: reads the recorded ``.oracle.json`` only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, analyze
from tests.fuzz.differential import judge
from tests.fuzz.known_open import KNOWN_OPEN

FILES = sorted(p for p in (FIXTURES / "fuzz").glob("*/fuzz_*.py") if p.with_name(p.stem + ".oracle.json").exists())


def _truth(framework: str, entry: dict) -> dict:
    """A recorder's model entry in the shape ``judge`` reads."""
    truth = {k: entry[k] for k in ("total", "trainable", "non_trainable")}
    if framework == "torch":
        names = [m["name"] for m in entry["modules"]]
        truth["modules"] = [dict(m, leaf=not any(n.startswith(m["name"] + ".") for n in names))
                            for m in entry["modules"]]
    else:
        truth["layers"] = entry["layers"]
    return truth


def test_every_fuzz_fixture_has_recorded_truth():
    sources = sorted((FIXTURES / "fuzz").glob("*/fuzz_*.py"))
    assert sources == FILES, "record each fixture with tests/oracle/record_torch.py / record_keras.py"
    for name, bug in KNOWN_OPEN.items():
        assert (FIXTURES / "fuzz" / bug.fixture).exists(), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fuzz_fixture_is_exact_or_says_inexact(path: Path, request):
    if path.stem in KNOWN_OPEN:  # still runs: XPASS says the fix landed and the entry can go
        request.node.add_marker(pytest.mark.xfail(reason=KNOWN_OPEN[path.stem].what, strict=False))
    framework = path.parent.name
    recorded = json.loads(path.with_name(path.stem + ".oracle.json").read_text())
    models = {m.name: m for m in analyze(path).models}
    checked = 0
    for entry in recorded["models"]:
        if entry.get("total") is None:
            continue
        v = judge(framework, models.get(entry["name"]), _truth(framework, entry), layer_params=framework != "torch")
        assert not v.mismatch, (entry["name"], v.problems)
        checked += 1
    assert checked, "no model with recorded truth"
