"""The trust invariant, across the whole fixture corpus: ``"exact": true`` is a promise.

For every fixture with a recorded ``.oracle.json`` (the framework's own count, written
by tests/oracle/record_*.py), every model modelint reports under the oracle's name is
either equal to the framework's total and trainable split, or not marked exact. A
model the framework could not build (total ``null``) is never exact. A wrong number
marked exact is the worst outcome the project knows; this test is where it is caught.
Which models are listed is the oracle-comparison tests' business, not this one's."""

from __future__ import annotations

import os

import pytest

from tests.conftest import FIXTURES, analyze, oracle_for

os.environ.setdefault("KERAS_BACKEND", "torch")

CORPUS = sorted(p for p in FIXTURES.rglob("*.py") if oracle_for(p) is not None)


def _wrong_exact(path) -> list[str]:
    truth = oracle_for(path)
    ours = {m.name: m for m in analyze(path).models}
    wrong = []
    for expected in truth["models"]:
        model = ours.get(expected["name"])
        if model is None:
            continue
        trainable, non_trainable, exact = model.totals()
        if not exact:
            continue
        if expected.get("total") is None:
            wrong.append(f"{model.name}: the framework could not build it ({expected.get('error')}), "
                         f"modelint claims exactly {trainable + non_trainable:,}")
            continue
        got = (trainable + non_trainable, trainable, non_trainable)
        want = (expected["total"], expected["trainable"], expected["non_trainable"])
        if got != want:
            wrong.append(f"{model.name}: modelint says exactly {got} (total, trainable, non-trainable), "
                         f"the framework {want}")
    return wrong


def test_the_corpus_is_not_empty():
    assert len(CORPUS) > 50
    assert any(p.name == "reach_vgg_cfg_builder.py" for p in CORPUS)  # the wrong-exact case


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_exact_totals_equal_the_framework(path):
    assert _wrong_exact(path) == []
