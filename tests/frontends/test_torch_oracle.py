"""Every PyTorch fixture, statically, against what real torch 2.13 recorded for it
(tests/oracle/record_torch.py wrote the ``.oracle.json`` beside each fixture)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, analyze, fixture_files, oracle_for

FIXTURES = [p for p in fixture_files("torch") if oracle_for(p) is not None]
_EXPECT = re.compile(r"#\s*expect:\s*((?:ML\d{3}[\s,]*)+)")


def _leaves(model):
    """Module name → its application nodes (leaf modules only, not functions or parameters)."""
    out: dict[str, list] = {}
    for layer in model.layers():
        if layer.attrs.get("functional") or layer.kind in ("input", "parameter"):
            continue
        out.setdefault(layer.name, []).append(layer)
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_models_are_the_oracles_models(path):
    truth = oracle_for(path)
    ours = [(m.name, m.class_name) for m in analyze(path).models]
    assert sorted(ours) == sorted((m["name"], m["class"]) for m in truth["models"])


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_totals_params_and_shapes_match_torch(path):
    truth = oracle_for(path)
    models = {m.name: m for m in analyze(path).models}
    for expected in truth["models"]:
        model = models[expected["name"]]
        trainable, non_trainable, exact = model.totals()
        if expected["total"] is None:
            assert not exact, f"{model.name}: torch could not build it, we claim exact totals"
            continue
        reasons = [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]
        assert (trainable + non_trainable, trainable, non_trainable) == (
            expected["total"], expected["trainable"], expected["non_trainable"]), (model.name, reasons)
        leaves = _leaves(model)
        for row in expected["modules"]:
            nodes = leaves.get(row["name"])
            if not nodes:
                continue  # a container in torch, or inlined: its leaves are compared instead
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

    known = {r.code for r in all_rules()}
    result = analyze(path)
    found = {(d.span.line, d.code) for d in result.diagnostics}
    missing = {(line, code) for line, code in _expected_codes(path) if code in known} - found
    assert not missing, [(d.span.line, d.code, d.message) for d in result.diagnostics]


def test_analysing_every_torch_fixture_never_imports_torch():
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelint.analyzer.engine import Options, analyze_path\n"
        f"for p in sorted(Path({str(REPO / 'fixtures' / 'torch')!r}).glob('*.py')):\n"
        "    analyze_path(p, Options())\n"
        "bad = [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.parametrize("path", fixture_files("torch"), ids=lambda p: p.stem)
def test_report_matches_schema(path, report_validator):
    from modelint.analyzer.reporters.json import report

    report_validator.validate(report([analyze(path)]))
