"""Every PyTorch fixture with recorded truth (any directory under fixtures/, the
real-world corpus fixtures/real/ included), statically, against what real torch 2.13
recorded for it (tests/oracle/record_torch.py wrote the ``.oracle.json`` beside each
fixture, listing the models of docs/models.md)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, analyze, fixture_files, oracle_for, oracle_fixtures
from tests.conftest import fixture_id as _id




FIXTURES = oracle_fixtures("torch")
_EXPECT = re.compile(r"#\s*expect:\s*((?:ML\d{3}[\s,]*)+)")


def _leaves(model):
    """Module name → its application nodes (leaf modules only, not functions or parameters)."""
    out: dict[str, list] = {}
    for layer in model.layers():
        if layer.attrs.get("functional") or layer.kind in ("input", "parameter"):
            continue
        out.setdefault(layer.name, []).append(layer)
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_models_are_the_oracles_models(path):
    """Same list of models as docs/models.md, by name; class too where torch knows it."""
    truth = oracle_for(path)
    ours = {m.name: m.class_name for m in analyze(path).models}
    assert sorted(ours) == sorted(m["name"] for m in truth["models"])
    for m in truth["models"]:
        if m["class"] is not None:
            assert ours[m["name"]] == m["class"], m["name"]


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_no_wrong_total_is_marked_exact(path):
    """The trust invariant: a model modelint reports is equal to torch or not exact."""
    truth = {m["name"]: m for m in oracle_for(path)["models"]}
    for model in analyze(path).models:
        trainable, non_trainable, exact = model.totals()
        expected = truth.get(model.name)
        if not exact or expected is None:
            continue
        assert expected["total"] is not None, f"{model.name}: torch could not build it ({expected['error']}), we claim exact"
        assert (trainable + non_trainable, trainable, non_trainable) == (
            expected["total"], expected["trainable"], expected["non_trainable"]), model.name


# Known gaps, each honest (the model is reported inexact with an ML403, the trust
# invariant above holds): strict, so a gap that closes fails here until removed.
KNOWN_GAPS = {
    "real/torch/pytorch_examples_gcn": "the class count is `labels.max().item() + 1` on the data",
    "real/torch/pytorch_examples_gat": "the class count is `labels.max().item() + 1` on the data",
}


def _ties_weights(rows: list[dict], total: int) -> bool:
    """torch counts a tied weight (``decoder.weight = embed.weight``) in every module that
    holds it, once in the total: per-module rows then add up to more than the total."""
    names = [r["name"] for r in rows]
    leaves = [r for r in rows if not any(n.startswith(r["name"] + ".") for n in names)]
    return sum(r["params"] or 0 for r in leaves) > total


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_GAPS[_id(p)], strict=True)) if _id(p) in KNOWN_GAPS else p
    for p in FIXTURES], ids=_id)
def test_totals_params_and_shapes_match_torch(path):
    truth = oracle_for(path)
    models = {m.name: m for m in analyze(path).models}
    for expected in truth["models"]:
        assert expected["name"] in models, f"model {expected['name']} not found; have {sorted(models)}"
        model = models[expected["name"]]
        trainable, non_trainable, exact = model.totals()
        if expected["total"] is None:
            assert not exact, f"{model.name}: torch could not build it, we claim exact totals"
            continue
        reasons = [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]
        assert (trainable + non_trainable, trainable, non_trainable) == (
            expected["total"], expected["trainable"], expected["non_trainable"]), (model.name, reasons)
        leaves = _leaves(model)
        tied = _ties_weights(expected["modules"], expected["total"])
        for row in expected["modules"]:
            nodes = leaves.get(row["name"])
            if not nodes:
                continue  # a container in torch, or inlined: its leaves are compared instead
            if not tied:  # a tied weight is counted once, at its first module
                assert nodes[0].params == row["params"], (model.name, row["name"])
            calls = [n for n in nodes if n.applied]
            for call, shapes in zip(calls, row["output_shapes"]):
                got = [list(s) if s is not None else None for s in call.outputs]
                assert got[: len(shapes)] == shapes, (model.name, row["name"])


def _expected_codes(path) -> set[tuple[int, str]]:
    out = set()
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            out.update((lineno, code) for code in re.findall(r"ML\d{3}", m.group(1)))
    return out


BUGGY = [p for p in fixture_files("torch") if _expected_codes(p)]


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_expected_findings_are_reported(path):
    from modelint.analyzer.rule import all_rules

    from modelint.analyzer.engine import Options
    from modelint.analyzer.selection import Selection

    known = {r.code for r in all_rules()}
    expected = {code for _, code in _expected_codes(path)}
    # The default selection, plus any opt-in advice rule the fixture expects (ML204, ML302).
    result = analyze(path, Options(selection=Selection(extend_select=tuple(sorted(expected)))))
    found = {(d.span.line, d.code) for d in result.diagnostics}
    missing = {(line, code) for line, code in _expected_codes(path) if code in known} - found
    assert not missing, [(d.span.line, d.code, d.message) for d in result.diagnostics]


def test_analysing_every_torch_fixture_never_imports_torch():
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelint.analyzer.engine import Options, analyze_path\n"
        f"for p in {[str(p) for p in sorted(set(fixture_files('torch')) | set(FIXTURES))]!r}:\n"
        "    analyze_path(Path(p), Options())\n"
        "bad = [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize("path", sorted(set(fixture_files("torch")) | set(FIXTURES)), ids=_id)
def test_report_matches_schema(path, report_validator):
    from modelint.analyzer.reporters.json import report

    report_validator.validate(report([analyze(path)]))
