"""Rules on symbolic shapes and counts (issue 9, item 4).

The graphs here are built by the real frontends and re-annotated through the real ops
with symbols (tests/rules/_symbolic.py): a file's input sizes become ``N, C, H, W`` /
Keras' ``(None, H, W, C)``, and, in the second variant, every size argument of every
layer (``units``, ``filters``, ``in_features``...) becomes a symbol of its own, as a
constructor argument without a value does.

* Every rule runs on every fixture made symbolic without an exception.
* Soundness: a finding on the symbolic graph is a proof for every value of the symbols,
  so it holds for the fixture's own values too: the symbolic run's warnings and errors
  are a subset of the concrete run's (same line, same code).
* The bugs that do not depend on the sizes are still found on symbols: rank errors,
  channel / feature mismatches between known or equal-symbol sizes, merges and reshapes
  that differ for every value, and a model no input size fits (ML104 / ML106).
* :func:`rules._symbols.refuted` never refutes a constraint some small value meets.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.engine import Options
from modelint.analyzer.fit import input_fit
from modelint.analyzer.selection import Selection
from modelint.analyzer.shapes import format_shape
from modelint.analyzer.symbolic import Constraint, Expr
from modelint.rules._symbols import always_greater, never_equal, refuted
from tests.conftest import FIXTURES, analyze, analyze_text, fixture_id
from tests.rules._symbolic import analyze_symbolic

ALL = Options(selection=Selection(("ALL",)))
_SMALL = sorted(p for d in ("torch", "keras") for p in (FIXTURES / d).glob("*.py"))
_LARGE = sorted(p for d in ("real", "fuzz") for p in (FIXTURES / d).rglob("*.py"))
FILES = _SMALL + [pytest.param(p, marks=pytest.mark.slow) for p in _LARGE]


def _findings(result) -> dict[tuple[int, str], str]:
    return {(d.span.line, d.code): d.message for d in result.diagnostics if d.severity.rank >= Severity.WARNING.rank}


# --------------------------------------------------------------------------- every rule, every fixture


@pytest.mark.parametrize("attrs", [False, True], ids=["symbolic-inputs", "symbolic-inputs-and-sizes"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: fixture_id(p) if isinstance(p, Path) else str(p))
def test_rules_on_symbolic_graphs_never_crash_and_only_prove(monkeypatch, path: Path, attrs: bool):
    options = Options(selection=Selection(("ALL",)), expect_params={"model": 7, "Net": 7},
                      expect_macs={"model": 7}, max_macs={"model": 7})
    concrete = _findings(analyze(path, options))
    symbolic = _findings(analyze_symbolic(monkeypatch, path, options=options, attrs=attrs))
    # ML402/ML405 compare with the budgets given above, not with anything the fixture states.
    extra = {k: m for k, m in symbolic.items() if k not in concrete and k[1] not in ("ML402", "ML405")}
    assert not extra, extra


# --------------------------------------------------------------------------- bugs that do not depend on sizes

_TORCH_CNN = """import torch
import torch.nn as nn
import torch.nn.functional as F


# modelint: input-shape=(2, 3, 32, 32)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3)
        self.conv2 = nn.Conv2d({c2_in}, 32, 3)
        self.fc = nn.Linear({fc_in}, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        {flatten}
        return self.fc(x)
"""


def _codes(result) -> set[str]:
    return {d.code for d in result.diagnostics}


def _torch(monkeypatch, **kw):
    values = {"c2_in": 16, "fc_in": 32 * 28 * 28, "flatten": "x = torch.flatten(x, 1)", **kw}
    return analyze_symbolic(monkeypatch, _TORCH_CNN.format(**values), options=ALL)


def test_the_symbolic_graph_is_symbolic(monkeypatch):
    result = _torch(monkeypatch)
    (model,) = result.models
    assert format_shape(model.layer("conv2").output_shape) == "(N, 32, H - 4, W - 4)"


def test_dense_on_a_symbolic_feature_map_is_ml101(monkeypatch):
    result = _torch(monkeypatch, flatten="", fc_in=32)
    (d,) = [d for d in result.diagnostics if d.code == "ML101"]
    assert "(N, 32, H - 4, W - 4)" in d.message
    assert "ML101" not in _codes(_torch(monkeypatch))


def test_conv_after_flatten_on_symbols_is_ml103(monkeypatch):
    source = _TORCH_CNN.format(c2_in=16, fc_in=10, flatten="").replace(
        "x = F.relu(self.conv1(x))", "x = torch.flatten(F.relu(self.conv1(x)), 1)")
    result = analyze_symbolic(monkeypatch, source, options=ALL)
    assert "ML103" in _codes(result)


def test_lstm_after_lstm_without_return_sequences_on_symbols_is_ml103(monkeypatch):
    source = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20, 8)),\n"
              "    layers.LSTM(16{rs}),\n    layers.LSTM(16),\n])\n")
    result = analyze_symbolic(monkeypatch, source.format(rs=""), options=ALL, attrs=True)
    assert format_shape(result.models[0].layer("lstm").output_shape) == "(None, lstm_units)"
    assert "ML103" in _codes(result)
    assert "ML103" not in _codes(analyze_symbolic(monkeypatch, source.format(rs=", return_sequences=True"),
                                                  options=ALL, attrs=True))


def test_channel_mismatch_between_known_sizes_on_symbolic_input_is_ml102(monkeypatch):
    result = _torch(monkeypatch, c2_in=32)
    assert any(d.code == "ML102" and "32" in d.message for d in result.diagnostics)
    assert "ML102" not in _codes(_torch(monkeypatch))


def test_feature_mismatch_between_equal_symbols_is_ml102(monkeypatch):
    """``Linear(d, hidden)`` then ``Linear(2 * hidden, ...)``: never equal, whatever hidden is;
    ``Linear(hidden, ...)`` is always right."""
    source = ("import torch.nn as nn\n\n\n# modelint: input-shape=(4, 20)\nclass MLP(nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(20, 64)\n"
              "        self.fc2 = nn.Linear(64, 10)\n\n    def forward(self, x):\n"
              "        return self.fc2(self.fc1(x).relu())\n")
    hidden = Expr.symbol("hidden")
    wrong = analyze_symbolic(monkeypatch, source, options=ALL, inputs=False,
                             sizes={"fc1": {"units": hidden}, "fc2": {"in_features": 2 * hidden}})
    (d,) = [d for d in wrong.diagnostics if d.code == "ML102"]
    assert d.span.line == 9 and "hidden" in d.message
    right = analyze_symbolic(monkeypatch, source, options=ALL, inputs=False,
                             sizes={"fc1": {"units": hidden}, "fc2": {"in_features": hidden}})
    assert "ML102" not in _codes(right)
    # A size that only some values fit is a constraint, not a finding.
    maybe = analyze_symbolic(monkeypatch, source, options=ALL, inputs=False,
                             sizes={"fc1": {"units": hidden}, "fc2": {"in_features": Expr.symbol("other")}})
    assert "ML102" not in _codes(maybe)
    assert maybe.models[0].layer("fc2").constraints


def test_concat_of_sizes_that_differ_for_every_value_is_ml105(monkeypatch):
    path = FIXTURES / "torch" / "bug_cat_incompatible.py"
    result = analyze_symbolic(monkeypatch, path, options=ALL)
    (d,) = [d for d in result.diagnostics if d.code == "ML105"]
    assert d.span.line == 21 and "every value of H" in d.message and "(N, 16, H - 4, W - 4)" in d.message


def test_reshape_that_cannot_hold_the_elements_for_any_size_is_ml106(monkeypatch):
    """16 channels times any spatial size is a multiple of 16; 10 × 10 × 3 = 300 is not."""
    source = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28, 3)),\n"
              "    layers.Conv2D(16, 3),\n    layers.Reshape(({target})),\n])\n")
    result = analyze_symbolic(monkeypatch, source.format(target="10, 10, 3"), options=ALL)
    (d,) = [d for d in result.diagnostics if d.code == "ML106"]
    assert d.span.line == 7 and "H" in d.message and "W" in d.message
    # 26 × 26 × 16 = 10816 = 104 × 104 on the concrete input; on symbols only H = W = 28 fits:
    # a constraint, not a finding.
    assert "ML106" not in _codes(analyze_symbolic(monkeypatch, source.format(target="104, 104"), options=ALL))


_TWO_BRANCHES = """import torch
import torch.nn as nn


# modelint: input-shape=(2, 4, {length})
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.short = nn.Conv1d(4, 8, 3)
        self.head = nn.Linear(8, 8)
        self.long = nn.Conv1d(4, 8, {kernel})

    def forward(self, x):
        a = self.head(self.short(x))
        b = self.long(x)
        return a.sum() + b.sum()
"""


def test_no_input_size_fits_is_ml104_at_the_layer_it_breaks(monkeypatch):
    """The head pins L - 2 = 8 (L = 10); the long branch needs L ≥ 15: every L breaks one.
    With a kernel of 11 (L ≥ 11), no L fits either; with 9, L = 10 does."""
    bad = analyze_symbolic(monkeypatch, _TWO_BRANCHES.format(length=10, kernel=15), options=ALL)
    fit = input_fit(bad.models[0])
    assert fit is not None and fit.fits is False
    (d,) = [d for d in bad.diagnostics if d.code in ("ML104", "ML106")]
    assert d.code == "ML104" and "no input size fits" in d.message and "L" in d.message
    good = analyze_symbolic(monkeypatch, _TWO_BRANCHES.format(length=10, kernel=9), options=ALL)
    assert input_fit(good.models[0]).fits is True
    assert not {"ML104", "ML106"} & _codes(good)


def test_a_size_some_inputs_fit_is_not_a_finding(monkeypatch):
    """MNIST's Linear(9216) after a flatten pins H, W: a constraint (the summary's
    "accepts"), never an error."""
    result = analyze_symbolic(monkeypatch, FIXTURES / "torch" / "mnist_net.py", options=ALL)
    assert not {"ML102", "ML104", "ML106"} & _codes(result)


def test_expect_params_on_a_formula(monkeypatch):
    source = ("import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.fc1 = nn.Linear(20, 64)\n        self.fc2 = nn.Linear(64, 10)\n\n"
              "    def forward(self, x):\n        return self.fc2(self.fc1(x).relu())\n")
    h = Expr.symbol("hidden")
    sizes = {"fc1": {"units": h}, "fc2": {"in_features": h}}  # 20h + h + 10h + 10 = 31h + 10

    def codes(expected: int) -> set[str]:
        options = Options(selection=Selection(("ALL",)), expect_params={"MLP": expected})
        return _codes(analyze_symbolic(monkeypatch, source, options=options, inputs=False, sizes=sizes))

    assert "ML402" not in codes(31 * 64 + 10)  # hidden = 64
    assert "ML402" in codes(31 * 64 + 11)  # 31·hidden + 10 is never that
    assert "ML402" in codes(20)  # smaller than the least value, 41


# --------------------------------------------------------------------------- the proofs themselves


def test_refuted_examples():
    H, W, h = (Expr.symbol(s) for s in ("H", "W", "hidden"))
    assert refuted(Constraint(H - 2 * ((H - 4) // 2), "equals", -4))  # 4 + (H - 4) % 2 ∈ {4, 5}
    assert refuted(Constraint(-h, "equals", 0))
    assert refuted(Constraint(64 * ((H - 4) // 2) * ((W - 4) // 2), "equals", 9217))  # 64 ∤ 9217
    assert not refuted(Constraint(64 * ((H - 4) // 2) * ((W - 4) // 2), "equals", 9216))
    assert refuted(Constraint(H - 2 * (H // 2) - 1, "positive"))  # H % 2 - 1 ≤ 0
    assert not refuted(Constraint((H - 4) // 2, "positive"))
    assert never_equal(31 * h + 10, 1995) and not never_equal(31 * h + 10, 1994)
    assert always_greater(31 * h + 10, 40) and not always_greater(31 * h + 10, 41)


def _random_expr(rng: random.Random, names: list[str], depth: int = 0):
    pick = rng.random()
    if depth > 2 or pick < 0.3:
        return Expr.symbol(rng.choice(names)) if rng.random() < 0.7 else rng.randint(-6, 6)
    a, b = _random_expr(rng, names, depth + 1), _random_expr(rng, names, depth + 1)
    if pick < 0.55:
        return a + b
    if pick < 0.7:
        return a - b
    if pick < 0.85:
        return a * b
    return a // rng.randint(2, 4)


def test_refuted_is_sound_on_random_constraints():
    """Whenever ``refuted`` says no value fits, none of 1..24 (per symbol) does."""
    rng = random.Random(9)
    proven = 0
    for _ in range(3000):
        expr = _random_expr(rng, ["a", "b"])
        if not isinstance(expr, Expr):
            continue
        kind = rng.choice(["equals", "positive"])
        c = Constraint(expr, kind, rng.randint(-5, 40) if kind == "equals" else 1)
        if not refuted(c):
            continue
        proven += 1
        names = sorted(expr.symbols())
        for a in range(1, 25):
            for b in range(1, 25) if len(names) > 1 else (1,):
                values = dict(zip(names, (a, b)))
                assert not c.holds(values), (str(c), values)
    assert proven > 100


_AUX_NET = """import torch
import torch.nn as nn
import torch.nn.functional as F


class AuxNet(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.aux = nn.Linear(32 * {aux}, num_classes)
        self.head = nn.Linear(64 * {head}, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        aux = self.aux(torch.flatten(x, 1))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.head(torch.flatten(x, 1)), aux
"""


def _aux_net_fits(aux: int, head: int) -> bool:
    """Brute force over H, W in 1..400 (every solution of aux lies there: a ≤ aux)."""
    def sizes(h: int) -> tuple[int, int] | None:
        a = (h - 2) // 2
        b = (a - 2) // 2
        return (a, b) if h - 2 >= 1 and a >= 1 and a - 2 >= 1 and b >= 1 else None

    valid = {h: s for h in range(1, 401) if (s := sizes(h)) is not None}
    return any(ah * aw == aux and bh * bw == head
               for (ah, bh) in valid.values() for (aw, bw) in valid.values())


@pytest.mark.parametrize(("aux", "head"), [(169, 25), (169, 36), (169, 30), (169, 11), (169, 6), (144, 25),
                                           (144, 24), (13, 1), (26, 6), (338, 12), (30, 4)])
def test_two_heads_pinning_h_and_w_are_ml106_exactly_when_no_size_fits(aux: int, head: int):
    """The flatten of an H × W map pinned by two Linears: a product of one-symbol
    factors each; ML106 exactly when brute force finds no H, W (sound and, for this
    form, complete)."""
    result = analyze_text(_AUX_NET.format(aux=aux, head=head), "aux.py", ALL)
    fits = _aux_net_fits(aux, head)
    assert ("ML106" in _codes(result)) == (not fits), (aux, head, [d.message for d in result.diagnostics])
    if fits:
        assert input_fit(result.models[0]).fits is not False


def test_proofs_stay_bounded_on_huge_values():
    """Large pinned values and deep expressions end as "not proven" (or a proof), quickly."""
    import time

    from modelint.rules._symbols import _boxes

    H, W = Expr.symbol("H"), Expr.symbol("W")
    start = time.perf_counter()
    big = Constraint(64 * ((H - 4) // 2) * ((W - 4) // 2), "equals", 64 * (10 ** 17 + 3))
    with pytest.raises(ArithmeticError):  # coupled_conflict turns it into "not proven"
        _boxes(big, {"H": (6, None), "W": (6, None)})
    deep = H
    for _ in range(40):
        deep = (deep - 1) // 2
    assert refuted(Constraint(deep, "positive")) is False
    assert refuted(Constraint(deep * deep * 64, "equals", 64 * (10 ** 17 + 3))) is False
    assert time.perf_counter() - start < 5
