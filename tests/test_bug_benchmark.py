"""The real-world bug benchmark (benchmarks/bugs/) is well-formed and its scorer runs.

Fast on purpose: no framework is imported here. The failures themselves are confirmed by
``benchmarks/bugs/oracle.py`` (which runs torch / Keras) and recorded in
``oracle_results.json``; this test checks that every case has such a record.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from tests.conftest import REPO

BENCH = REPO / "benchmarks" / "bugs"
CATEGORIES = {
    "softmax-into-logits-loss", "activation-loss", "output-head", "recurrent", "flatten-reshape",
    "size-mismatch", "kernel-too-large", "containers", "unused-module", "input-shape",
}


def _score_module():
    spec = importlib.util.spec_from_file_location("bug_benchmark_score", BENCH / "score.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def score():
    return _score_module()


@pytest.fixture(scope="module")
def cases(score):
    return score.load_cases()


def test_benchmark_size(cases):
    bugs = [c for c in cases if c["kind"] == "bug"]
    correct = [c for c in cases if c["kind"] == "correct"]
    assert len(bugs) >= 60 and len(correct) >= 20
    torch_bugs = sum(c["framework"] == "torch" for c in bugs)
    assert 0.35 <= torch_bugs / len(bugs) <= 0.65  # about half each
    counterparts = [c for c in correct if c.get("counterpart")]
    assert len(counterparts) >= 20


def test_every_case_is_well_formed(cases):
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))
    by_id = {c["id"]: c for c in cases}
    for case in cases:
        path = BENCH / case["file"]
        assert path.is_file(), case["id"]
        assert case["framework"] in ("torch", "keras") and case["kind"] in ("bug", "correct")
        assert case["category"] in CATEGORIES, case["id"]
        assert case["provenance"] and "oracle" in case and case["oracle"]["check"]
        text = path.read_text()
        compile(text, str(path), "exec")  # every case is valid Python
        assert text.splitlines()[0].startswith("# "), f"{case['id']}: the first line names the source"
        if case["kind"] == "bug":
            marked = [i + 1 for i, line in enumerate(text.splitlines()) if line.rstrip().endswith("# BUG")]
            assert marked == [case["defect_line"]], case["id"]
            assert case["expected"] and all(re.fullmatch(r"ML\d{3}", code) for code in case["expected"])
        else:
            assert "# BUG" not in text, case["id"]
            if "counterpart" in case:
                assert by_id[case["counterpart"]]["kind"] == "bug"
                assert by_id[case["counterpart"]]["framework"] == case["framework"]


def test_every_case_has_a_confirmed_oracle_record(cases):
    record = json.loads((BENCH / "oracle_results.json").read_text())
    assert {"torch", "keras"} <= set(record["versions"])
    for case in cases:
        rec = record["cases"].get(case["id"])
        assert rec is not None, f"{case['id']}: run benchmarks/bugs/oracle.py"
        assert rec["confirmed"] is True and rec["check"] == case["oracle"]["check"], case["id"]
        assert rec["observed"]


def test_scorer_runs_on_a_few_cases(score, cases):
    picked = {"t01_androidkt_linear_1050", "t01_androidkt_linear_1050_fixed",
              "k01_stacked_lstm_no_return_sequences", "t11_plain_list_layers_fixed"}
    subset = [c for c in cases if c["id"] in picked]
    assert len(subset) == 4
    results = score.run_modelint(subset)
    assert results["t01_androidkt_linear_1050"].hit is True
    assert results["k01_stacked_lstm_no_return_sequences"].hit is True
    assert results["t01_androidkt_linear_1050_fixed"].false_alarm is False
    # Two Linear layers in a row are advice (ML204, opt-in), not a defect: no false alarm.
    assert results["t11_plain_list_layers_fixed"].false_alarm is False
    table = score.tables(subset, results, None)
    assert "| **all** | **2 (1 / 1)** | **2/2 (100 %)** |" in table
    assert "| all | 2 (2 / 0) | 0 / 2 |" in table


def test_scorer_window_counts_only_the_expected_kind(score):
    case = {"id": "x", "file": "cases/t01_androidkt_linear_1050.py", "framework": "torch", "kind": "bug",
            "category": "size-mismatch", "defect_line": 19, "expected": ["ML999"]}
    assert score.run_modelint([case])["x"].hit is False  # a finding of another kind is not a hit
