"""Differential fuzzing of the trust invariant: a model modelint marks ``exact`` has the
framework's total, trainable / non-trainable split, per-layer parameters and per-layer
output shapes. Random valid models (tests/fuzz/generator.py) are built in real torch /
Keras (one oracle subprocess for all of them) and analysed by modelint in-process.

Deterministic: a fixed list of seeds, and hypothesis with ``derandomize=True`` (its
failures shrink to a small model, printed as source). ``benchmarks/fuzz.py`` runs the
same check on thousands of models.
"""

from __future__ import annotations

import ast
import importlib.util

import pytest

from tests.fuzz.differential import Oracle, compare
from tests.fuzz.generator import Case, RandomChooser, ReplayChooser, case_for_seed, case_from, models
from tests.fuzz.known_open import known_open
from tests.fuzz.minimize import shrink

SEEDS = range(250)


@pytest.fixture(scope="module")
def oracle():
    # Only the oracle subprocess imports the frameworks (seconds each): check they exist.
    missing = [m for m in ("torch", "keras") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the oracle needs {', '.join(missing)}")
    with Oracle() as o:
        yield o


def _report(case: Case, v) -> str:
    detail = v.problems or [v.crash or v.oracle_error or "?"]
    return "\n".join(["", f"{case.style}: {'; '.join(detail[:4])}", case.source])


# --------------------------------------------------------------------------- with the frameworks


@pytest.mark.oracle
def test_seeded_models_are_exact_or_say_inexact(oracle):
    cases = [case_for_seed(s) for s in SEEDS]
    refused, broken, exact = [], [], 0
    for seed, (case, v) in zip(SEEDS, oracle.judged(cases)):
        if v.oracle_error:
            refused.append(f"seed {seed}, {case.style}: {v.oracle_error}\n{case.source}")
        elif v.crash or (v.mismatch and not known_open(case.source)):
            broken.append(f"\nseed {seed}" + _report(case, v))
        exact += v.exact
    assert not refused, "the generator wrote a model the framework refuses:\n" + refused[0]
    assert not broken, (f"{len(broken)} model(s) marked exact but wrong, or modelint crashed (shrink it with "
                        "`python -m tests.fuzz.minimize SEED` into fixtures/fuzz/ and, while it is open, list it "
                        "in tests/fuzz/known_open.py):" + broken[0])
    # A fuzzer that sees only inexact models proves nothing.
    assert exact >= len(cases) // 2, f"only {exact} of {len(cases)} generated models are exact"


@pytest.mark.oracle
@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_hypothesis_models_are_exact_or_say_inexact(oracle, framework):
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=60, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(models(framework))
    def check(case: Case) -> None:
        [truth] = oracle.run([case])
        v = compare(case, truth)
        assert not v.oracle_error, f"generator wrote an invalid model: {v.oracle_error}\n{case.source}"
        assert not v.crash, _report(case, v)
        assert not v.mismatch or known_open(case.source), _report(case, v)

    check()


# --------------------------------------------------------------------------- without them


def test_generation_is_reproducible_and_parses():
    for seed in range(300):
        case = case_for_seed(seed)
        assert case == case_for_seed(seed)
        ast.parse(case.source)
        assert case.target.split(".")[-1] in case.source


def test_both_frameworks_and_every_style_are_generated():
    styles = {case_for_seed(s).style for s in range(400)}
    assert {"torch-sequential", "torch-class", "torch-class_var", "torch-class_args", "keras-sequential",
            "keras-sequential_add", "keras-functional", "keras-subclassed"} <= styles


_TORCH = Case("torch", "import torch\nimport torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU())\n"
                       "y = model(torch.randn(2, 4))\n", "model", "var", "torch-sequential", (2, 4))
_TORCH_TRUTH = {"error": None, "total": 15, "trainable": 15, "non_trainable": 0, "output": [[2, 3]],
                "modules": [{"name": "0", "op": "Linear", "leaf": True, "params": 15, "output_shapes": [[[2, 3]]]},
                            {"name": "1", "op": "ReLU", "leaf": True, "params": 0, "output_shapes": [[[2, 3]]]}]}
_KERAS = Case("keras", "import keras\n\nmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])\n",
              "model", "var", "keras-sequential")
_KERAS_TRUTH = {"error": None, "total": 15, "trainable": 15, "non_trainable": 0,
                "layers": [{"name": "dense", "op": "Dense", "output_shape": [None, 3], "params": 15,
                            "trainable_params": 15}]}
_TAMPER = {
    "total": lambda t: t.update(total=16, trainable=16),
    "split": lambda t: t.update(trainable=14, non_trainable=1),
    "layer-params": lambda t: (t["modules"][0] if "modules" in t else t["layers"][0]).update(params=14),
    "layer-shape": lambda t: (t["modules"][0].update(output_shapes=[[[2, 4]]]) if "modules" in t
                              else t["layers"][0].update(output_shape=[None, 4])),
    "missing-layer": lambda t: (t["modules"] if "modules" in t else t["layers"]).append(
        {"name": "extra", "op": "Linear", "leaf": True, "params": 4, "output_shapes": [[[2, 1]]]} if "modules" in t
        else {"name": "extra", "op": "Dense", "output_shape": [None, 1], "params": 4, "trainable_params": 4}),
}


@pytest.mark.parametrize("case, truth", [(_TORCH, _TORCH_TRUTH), (_KERAS, _KERAS_TRUTH)], ids=["torch", "keras"])
def test_the_comparison_accepts_the_truth(case, truth):
    v = compare(case, truth)
    assert v.exact and not v.problems, v


@pytest.mark.parametrize("tamper", sorted(_TAMPER))
@pytest.mark.parametrize("case, truth", [(_TORCH, _TORCH_TRUTH), (_KERAS, _KERAS_TRUTH)], ids=["torch", "keras"])
def test_the_comparison_has_teeth(case, truth, tamper):
    """Each kind of wrong number the fuzzer must catch, planted in a true record."""
    import copy

    truth = copy.deepcopy(truth)
    _TAMPER[tamper](truth)
    v = compare(case, truth)
    assert v.mismatch, v


def test_replayed_decisions_regenerate_the_case():
    for seed in range(100):
        chooser = RandomChooser(seed)
        case = case_from(chooser)
        assert case_from(ReplayChooser(chooser.decisions)) == case == case_for_seed(seed)


def test_minimizer_keeps_the_failure_and_shrinks_the_model():
    """A stand-in failure (the model has an LSTM) shrinks to a smaller model that has one."""
    seed = next(s for s in range(1000) if "nn.LSTM(" in case_for_seed(s, "torch").source
                and len(case_for_seed(s, "torch").source.splitlines()) > 30)
    chooser = RandomChooser(seed)
    big = case_from(chooser, "torch")
    small, decisions = shrink(chooser.decisions, "torch", lambda c: "nn.LSTM(" in c.source)
    assert "nn.LSTM(" in small.source
    assert len(small.source) < len(big.source)
    assert sum(decisions) < sum(chooser.decisions)
