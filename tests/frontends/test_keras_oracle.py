"""Every Keras fixture, statically, against what real Keras 3 recorded for it
(tests/oracle/record_keras.py wrote the ``.oracle.json`` beside each fixture)."""

from __future__ import annotations

import pytest

from modelint.analyzer.reporters.json import report
from tests.conftest import analyze, fixture_files, oracle_for

FIXTURES = [p for p in fixture_files("keras") if oracle_for(p) is not None]


def _has_unmodelled_layer(model) -> bool:
    return any(layer.kind == "unknown" for layer in model.layers())


def _by_name(models):
    return {m.name: m for m in models}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_totals_and_layers_match_keras(path):
    truth = oracle_for(path)
    result = analyze(path)
    ours = _by_name(result.models)
    checked = 0
    for expected in truth["models"]:
        if expected.get("total") is None:
            continue
        assert expected["name"] in ours, f"model {expected['name']} not found; have {sorted(ours)}"
        model = ours[expected["name"]]
        trainable, non_trainable, exact = model.totals()
        if _has_unmodelled_layer(model):
            # A Lambda / custom layer is kept unknown on purpose: totals are then a
            # lower bound, never a guess.
            assert not exact and trainable + non_trainable <= expected["total"]
        else:
            assert exact, [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]
            assert (trainable + non_trainable, trainable, non_trainable) == (
                expected["total"], expected["trainable"], expected["non_trainable"])
        layers = {}
        for layer in model.layers():
            layers.setdefault(layer.name, layer)
        if model.extra.get("built_without_weights"):
            checked += 1
            continue  # Keras 3 creates no weights on build() alone: only totals are comparable
        for row in expected["layers"]:
            if row["params"] is None and row["output_shape"] is None:
                continue
            assert row["name"] in layers, f"layer {row['name']} missing from {model.name}: {sorted(layers)}"
            layer = layers[row["name"]]
            assert layer.op == row["op"]
            if layer.params is None and not exact:
                continue  # downstream of an unmodelled layer
            if row["params"] is not None:
                assert layer.params == row["params"], row["name"]
                assert layer.trainable == row["trainable_params"], row["name"]
            if row.get("output_shape") is not None and (exact or layer.output_shape is not None):
                assert list(layer.output_shape or ()) == row["output_shape"], row["name"]
            if row.get("output_shapes"):
                assert [list(s) if s is not None else None for s in layer.outputs] == row["output_shapes"], row["name"]
        checked += 1
    assert checked or not truth["models"], "no model with recorded truth"


@pytest.mark.parametrize("path", fixture_files("keras"), ids=lambda p: p.stem)
def test_report_matches_schema(path, report_validator):
    report_validator.validate(report([analyze(path)]))
