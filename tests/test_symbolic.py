"""The integer-expression type behind symbolic shapes and counts: canonical forms,
Python's floor-division semantics on every value, bounded growth, and the
"which inputs fit" solver checked against brute force."""

from __future__ import annotations

import itertools
import time

import pytest

from modelint.analyzer.symbolic import (
    Constraint, Expr, NotFoldable, floordiv, power, product, solve)

H, W, C = Expr.symbol("H"), Expr.symbol("W"), Expr.symbol("C")


def test_constants_fold_to_plain_ints():
    assert (H - H) == 0 and isinstance((H - H), int)
    assert isinstance(H * 0 + 3, int)
    assert (H + 1) - 1 == H


def test_canonical_form_makes_equal_expressions_equal():
    assert (H + W) * 2 == 2 * W + H * 2
    assert hash((H + 1) * (W + 1)) == hash(W * H + H + W + 1)
    assert H * W != H + W


def test_conv_arithmetic_prints_as_people_write_it():
    out = (H + 2 * 0 - 1 * (5 - 1) - 1) // 1 + 1  # Conv2d(k=5), no padding
    assert out == H - 4
    assert str(floordiv(H - 4, 2)) == "(H - 4) // 2"
    assert Expr.lift(9 * C * 32 + 32).pretty() == "288·C + 32"


@pytest.mark.parametrize("d", [2, 3, 7])
def test_floordiv_agrees_with_python_on_every_value(d):
    exprs = [H - 4, 3 * H + 5, 2 * H * W - 7, floordiv(H - 1, 2) * 3 + W]
    for e in exprs:
        q = floordiv(e, d)
        for h, w in itertools.product(range(-6, 12), range(1, 5)):
            assert q.subs({"H": h, "W": w}) == e.subs({"H": h, "W": w}) // d, (e, d, h, w)


def test_splitting_off_what_the_divisor_divides():
    assert floordiv(4 * H + 2, 2) == 2 * H + 1
    assert floordiv(4 * H + 3, 2) == 2 * H + 1
    assert str(floordiv(3 * H + 3, 2)) == "(3*H + 3) // 2"


def test_exact_division_by_an_expression_and_the_rest_refused():
    assert floordiv(C * H * W, H * W) == C
    with pytest.raises(NotFoldable, match="not divisible"):
        floordiv(C * H + 1, H)
    with pytest.raises(NotFoldable):
        floordiv(H, H + 1)
    with pytest.raises(NotFoldable, match="zero"):
        floordiv(H, 0)


def test_symbolic_exponent_and_blow_up_are_refused_in_bounded_time():
    with pytest.raises(NotFoldable, match="symbolic exponent"):
        power(H, W)
    start = time.perf_counter()
    with pytest.raises(NotFoldable):
        product(Expr.symbol(f"s{i}") + 1 for i in range(40))  # 2**40 terms
    e = H
    for _ in range(10_000):  # a loop of reshapes: flatten then unflatten
        e = floordiv(e * 4, 4)
    assert e == H
    assert time.perf_counter() - start < 5


def test_subs_with_expressions_and_symbols_listed():
    e = floordiv(H - 4, 2) * W
    assert e.symbols() == {"H", "W"}
    assert e.subs({"H": 28}) == 12 * W
    assert e.subs({"H": 28, "W": 3}) == 36


def _brute(constraints, name, top=300):
    return [x for x in range(1, top) if all(c.holds({name: x}) for c in constraints)]


def test_which_inputs_fit_matches_brute_force_for_a_mnist_net():
    # Conv(3) → Conv(3) → MaxPool(2) → flatten 64·s·s → Linear(9216): H = 28 or 29
    s = floordiv(H - 4, 2)
    cs = [Constraint(H - 2, "positive"), Constraint(H - 4, "positive"), Constraint(s, "positive"),
          Constraint(64 * s * s, "equals", 9216)]
    sol = solve(cs)
    assert not sol.impossible
    assert sol.ranges["H"] == (28, 29)
    assert _brute(cs, "H") == [28, 29]
    assert sol.describe() == "28 ≤ H ≤ 29"


def test_lower_bounds_and_impossible_models():
    cs = [Constraint(floordiv(H - 10, 4) + 1, "positive")]
    assert solve(cs).ranges["H"] == (10, None) and _brute(cs, "H")[0] == 10
    assert solve([Constraint(2 * H, "equals", 7)]).impossible
    assert solve([Constraint(H - 3, "positive"), Constraint(H, "equals", 2)]).impossible


def test_several_symbols_are_kept_as_a_constraint():
    c = Constraint(64 * floordiv(H - 4, 2) * floordiv(W - 4, 2), "equals", 9216)
    sol = solve([c])
    assert sol.residual == (c,)
    assert "64·((H - 4) // 2)·((W - 4) // 2) = 9216" in sol.describe()


def test_an_expression_from_another_process_hashes_as_a_fresh_one():
    """Results come back from --jobs workers and from the cache pickled; string hashes
    differ between processes, so a cached hash would make equal expressions miss each
    other in sets and dicts."""
    import subprocess
    import sys

    code = ("import pickle, sys; from modelint.analyzer.symbolic import Expr; "
            "sys.stdout.buffer.write(pickle.dumps((Expr.symbol('H') - 4) // 2))")
    data = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    import pickle

    from modelint.analyzer.symbolic import Expr

    loaded = pickle.loads(data)
    fresh = (Expr.symbol("H") - 4) // 2
    assert loaded == fresh and hash(loaded) == hash(fresh) and loaded in {fresh}
