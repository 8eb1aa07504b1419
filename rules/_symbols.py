"""Counts and sizes that may be symbolic (``Expr``, analyzer/symbolic.py), as rules read
them: a rule states a fact about a symbolic value only when it holds for every value
of the symbols (``decide`` or :func:`refuted` proves it), never from a guess (and prints
one with ``shapes.format_count``, never with ``{:,}``, which an ``Expr`` does not
support).

This module never imports analyzer/symbolic before a value is symbolic (``is_expr``
looks it up in ``sys.modules``): files without symbols pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.shapes import format_shape, is_expr, is_known


def param_total(model: ModelGraph) -> tuple[Any, bool]:
    """(total, exact): the model's parameter count as an ``int`` or an ``Expr`` over its
    symbols (unknown layers count 0 and make it inexact, a lower bound), added up here
    so that a sum too large for an expression ends as ``(None, False)`` — unknown,
    never an exception in a rule."""
    total: Any = 0
    exact = not model.unresolved
    for layer in model.layers():
        if layer.shared:
            continue
        if layer.trainable is None or layer.non_trainable is None:
            exact = False
            continue
        try:
            total = total + layer.trainable + layer.non_trainable
        except ArithmeticError:  # symbolic.NotFoldable: past the expression's size bounds
            return None, False
    return total, exact


def _decide(expr: Any, kind: str, value: int = 1) -> bool | None:
    from modelint.analyzer.symbolic import Constraint, Expr, decide

    return decide(Constraint(Expr.lift(expr), kind, value))


def never_equal(value: Any, target: int) -> bool:
    """``value`` differs from ``target`` for every value of its symbols (ints: ``!=``)."""
    if is_known(value):
        return value != target
    if not is_expr(value):
        return False
    try:
        return _decide(value, "equals", target) is False
    except ArithmeticError:
        return False


def always_greater(value: Any, bound: int) -> bool:
    """``value > bound`` for every value of its symbols (ints: ``>``)."""
    if is_known(value):
        return value > bound
    if not is_expr(value):
        return False
    try:
        return _decide(value - bound, "positive") is True
    except ArithmeticError:
        return False


# -- proofs that a constraint holds for no value ---------------------------------------
# ``symbolic.decide`` proves monotone cases. Two more arguments refute a constraint for
# every integer value of its symbols (sizes ≥ 1), which the rules use to report what the
# ops could only record as a constraint:
#   * divisibility: in ``64·a·b = 9217`` every non-constant term is a multiple of 64
#     (floor-division atoms are integers), 9217 is not;
#   * remainders: ``x // d`` is ``(x − r) / d`` for one ``r`` in ``[0, d − 1]``; after
#     that substitution the symbols often cancel exactly (``H − 2·((H − 4) // 2)`` is
#     ``4 + r``), and bounds on what remains (symbols ≥ 1, ``r`` in its range) exclude
#     the pinned value.

_MAX_POLY_TERMS = 256
_INF = float("inf")


def _gcd_refutes(expr: Any, value: int) -> bool:
    from math import gcd

    g = 0
    for mono, coef in expr.terms:
        if mono:
            g = gcd(g, coef)
    return g > 1 and (value - expr.constant()) % g != 0


def _poly_mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            powers = dict(ma)
            for var, p in mb:
                powers[var] = powers.get(var, 0) + p
            mono = tuple(sorted(powers.items()))
            out[mono] = out.get(mono, 0) + ca * cb
            if len(out) > _MAX_POLY_TERMS:
                raise ArithmeticError("too many terms")
    return {m: c for m, c in out.items() if c}


def _to_poly(expr: Any, remainders: dict, bounds: dict) -> dict:
    """``expr`` as a polynomial with rational coefficients over its symbols and one
    remainder variable per floor-division atom (``bounds`` gets each variable's range)."""
    from fractions import Fraction

    from modelint.analyzer.symbolic import FloorDiv

    total: dict = {}
    for mono, coef in expr.terms:
        term: dict = {(): Fraction(coef)}
        for atom, power in mono:
            if isinstance(atom, FloorDiv):
                if atom not in remainders:
                    remainders[atom] = f"#r{len(remainders)}"
                r = remainders[atom]
                bounds[r] = (0, atom.den - 1)
                base = _to_poly(atom.num, remainders, bounds)
                base[((r, 1),)] = base.get(((r, 1),), 0) - 1
                base = {m: c / atom.den for m, c in base.items() if c}
            else:
                bounds.setdefault(atom.name, (1, _INF))
                base = {((atom.name, 1),): Fraction(1)}
            for _ in range(power):
                term = _poly_mul(term, base)
        for m, c in term.items():
            total[m] = total.get(m, 0) + c
    return {m: c for m, c in total.items() if c}


def _interval(poly: dict, bounds: dict) -> tuple[Any, Any]:
    """Bounds of the polynomial's value, term by term (every variable ≥ 0), in exact
    rationals (an unbounded side is ``±inf``): a proof must not rest on rounding."""
    lo_sum: Any = 0
    hi_sum: Any = 0
    for mono, coef in poly.items():
        lo: Any = 1
        hi: Any = 1
        for var, p in mono:
            vlo, vhi = bounds[var]
            lo, hi = lo * vlo ** p, hi * vhi ** p
        if hi == _INF:
            t_lo, t_hi = (coef * lo, _INF) if coef > 0 else (-_INF, coef * lo)
        else:
            t_lo, t_hi = sorted((coef * lo, coef * hi))
        lo_sum += t_lo
        hi_sum += t_hi
    return lo_sum, hi_sum


def refuted(constraint: Any) -> bool:
    """A proof that ``constraint`` (a ``symbolic.Constraint``) holds for no value of its
    symbols: ``decide``'s, or one of the two arguments above. False = not proven."""
    from modelint.analyzer.symbolic import decide

    try:
        if decide(constraint) is False:
            return True
        expr = constraint.expr
        if constraint.kind == "equals" and _gcd_refutes(expr, constraint.value):
            return True
        bounds: dict = {}
        poly = _to_poly(expr, {}, bounds)
        lo, hi = _interval(poly, bounds)
    except (ArithmeticError, OverflowError, RecursionError):
        return False
    if constraint.kind == "equals":
        return not lo <= constraint.value <= hi
    return hi < 1


# -- what no input size (or no constructor argument) can satisfy ---------------------

_RESHAPE_KINDS = frozenset({"reshape", "flatten", "unflatten"})
_MERGE_KINDS = frozenset({"concat", "stack", "broadcast"})


def _issue_kind(layer: Any, constraint: Any) -> str:
    """The op issue (and so the rule) a constraint of ``layer`` would have been, had
    the op proven it false: a size ≥ 1 is ML104's, a pinned element count of a
    reshape ML106's, a merge's ML105's, any other pinned size (``in_features``,
    ``in_channels``, ``num_features``) ML102's."""
    from modelint.analyzer.ops._base import FEATURE_MISMATCH, MERGE_MISMATCH, NON_POSITIVE_SIZE, RESHAPE_MISMATCH

    if constraint.kind == "positive":
        return NON_POSITIVE_SIZE
    if layer.kind in _RESHAPE_KINDS:
        return RESHAPE_MISMATCH
    if layer.kind in _MERGE_KINDS:
        return MERGE_MISMATCH
    return FEATURE_MISMATCH


def _names(constraint: Any) -> str:
    return ", ".join(sorted(constraint.expr.symbols()))


def refuted_constraints(model: ModelGraph, kind: str) -> Iterator[tuple[Any, Any, str]]:
    """(layer, constraint, message) for each layer whose op recorded a constraint of
    issue ``kind`` that :func:`refuted` proves holds for no value of its symbols —
    what the op would have reported had ``decide`` proven it. A layer whose op
    already reported an issue of that kind is skipped (never reported twice)."""
    from modelint.analyzer.ops._base import MERGE_MISMATCH, RESHAPE_MISMATCH

    for layer in model.layers():
        if not layer.constraints or any(getattr(i, "kind", None) == kind for i in layer.issues):
            continue
        for c in layer.constraints:
            if _issue_kind(layer, c) != kind or not refuted(c):
                continue
            if c.kind == "positive":
                text = f"{c.why} is {c.expr.pretty()}, less than 1 for every value of {_names(c)}"
            elif kind == MERGE_MISMATCH:
                text = f"{c.why}: the inputs' sizes differ for every value of {_names(c)}"
            elif kind == RESHAPE_MISMATCH and layer.output_shape is not None:
                text = (f"{layer.op} to {format_shape(layer.output_shape)} cannot hold its input's elements for "
                        f"any value of {_names(c)}: {c} has no solution")
            else:
                text = f"{c.why}: {c} holds for no value of {_names(c)}"
            yield layer, c, f"{layer.op}: {text}" if not c.why.startswith(layer.op) else text
            break


def no_fit(model: ModelGraph, kind: str) -> Iterator[tuple[Any, str]]:
    """(layer, message) when no input size satisfies every layer of ``model`` together
    (``fit.input_fit``: ``fits`` is False, with a proof) and the constraint it blames
    is of issue ``kind``: ML104 for a size that must stay ≥ 1, ML106 for a pinned size
    (an element count, a ``Linear`` after a flatten). Nothing when a constraint is
    already impossible on its own (:func:`refuted_constraints` reports that one)."""
    from modelint.analyzer.ops._base import NON_POSITIVE_SIZE, RESHAPE_MISMATCH

    if kind not in (NON_POSITIVE_SIZE, RESHAPE_MISMATCH) or not any(l.constraints for l in model.layers()):
        return
    from modelint.analyzer.fit import input_fit

    fit = input_fit(model)
    if fit is None or fit.fits is True:
        return
    if fit.fits is False and fit.culprit is not None:
        culprit, conflict = fit.culprit, fit.conflict or fit.culprit.text()
    else:
        # Undecided by the solver: two heads pinning products of H and W may still be
        # proven incompatible by their factors' divisors.
        pair = coupled_conflict(fit)
        if pair is None:
            return
        earlier, culprit = pair
        conflict = (f"{culprit.text()}, which no input size meets" if earlier is culprit
                    else f"{culprit.text()}, but {earlier.text()}")
    blamed = NON_POSITIVE_SIZE if culprit.constraint.kind == "positive" else RESHAPE_MISMATCH
    if blamed != kind or culprit.layer not in model:
        return
    for layer in model.layers():
        for c in layer.constraints:
            if refuted(c):
                return  # said at that layer, by the rule of its kind
    layer = model.layer(culprit.layer)
    yield layer, f"no input size fits the model: {conflict}"


def sizes_differ(a: Any, b: Any) -> bool:
    """``a`` and ``b`` (ints or expressions) differ for every value of their symbols."""
    from modelint.analyzer.shapes import is_size

    if not (is_size(a) and is_size(b)):
        return False
    try:
        diff = a - b
    except ArithmeticError:
        return False
    if isinstance(diff, int):
        return diff != 0
    from modelint.analyzer.symbolic import Constraint, Expr

    rest = diff.constant()
    return refuted(Constraint(Expr.lift(diff - rest), "equals", -rest))


# -- products of one-symbol factors (the flatten of an H × W map, pinned by a Linear) --

_MAX_DIVISORS = 512
_MAX_PINNED = 10 ** 10  # factored by trial division up to its square root: bounded time
_MAX_BOXES = 4096


def _factors(expr: Any) -> tuple[int, list[tuple[str, Any]]] | None:
    """``64·((H - 4) // 2)·((W - 4) // 2)`` as (64, [("H", (H - 4) // 2), ("W", ...)]):
    one term, each factor over one symbol of its own; None for any other form."""
    from modelint.analyzer.symbolic import Expr

    if len(expr.terms) != 1:
        return None
    mono, coef = expr.terms[0]
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for atom, power in mono:
        factor = Expr({((atom, 1),): 1})
        names = factor.symbols()
        if power != 1 or len(names) != 1 or names & seen or not factor.monotone():
            return None
        seen |= names
        out.append((next(iter(names)), factor))
    return coef, out


def _divisor_tuples(n: int, k: int) -> list[tuple[int, ...]]:
    """Every way to write ``n ≥ 1`` as an ordered product of ``k`` positive factors."""
    if n > _MAX_PINNED:
        raise ArithmeticError("too large to factor here")
    if k == 1:
        return [(n,)]
    divisors = [d for d in range(1, int(n ** 0.5) + 1) if n % d == 0]
    divisors = sorted(set(divisors + [n // d for d in divisors]))
    out: list[tuple[int, ...]] = []
    for d in divisors:
        for rest in _divisor_tuples(n // d, k - 1):
            out.append((d, *rest))
            if len(out) > _MAX_DIVISORS:
                raise ArithmeticError("too many factorizations")
    return out


def _meet(a: tuple[int, int | None], b: tuple[int, int | None]) -> tuple[int, int | None] | None:
    lo = max(a[0], b[0])
    hi = a[1] if b[1] is None else (b[1] if a[1] is None else min(a[1], b[1]))
    return None if hi is not None and lo > hi else (lo, hi)


def _boxes(constraint: Any, ranges: dict) -> list[dict] | None:
    """The sizes meeting ``coef·Π factor(s) = value`` within ``ranges``, as a union of
    boxes (symbol → closed range); None when the constraint has not that form or a
    factor cannot be shown ≥ 1 on its range (then negative factors could pair up)."""
    from modelint.analyzer.symbolic import Constraint, solve

    form = _factors(constraint.expr) if constraint.kind == "equals" else None
    if form is None:
        return None
    coef, factors = form
    if coef <= 0 or constraint.value <= 0 or constraint.value % coef:
        return [] if coef > 0 and constraint.value > 0 else None
    for name, factor in factors:
        low = ranges.get(name, (1, None))[0]
        least = factor.subs({name: low})
        if not isinstance(least, int) or least < 1:
            return None
    boxes: list[dict] = []
    per_factor: dict[tuple[int, int], tuple[int, int | None] | None] = {}
    for values in _divisor_tuples(constraint.value // coef, len(factors)):
        box: dict = {}
        for i, ((name, factor), v) in enumerate(zip(factors, values)):
            if (i, v) not in per_factor:
                sol = solve([Constraint(factor, "equals", v)])
                span = None if sol.impossible or name not in sol.ranges else sol.ranges[name]
                per_factor[(i, v)] = None if span is None else _meet(span, ranges.get(name, (1, None)))
            span = per_factor[(i, v)]
            if span is None:
                break
            box[name] = span
        else:
            boxes.append(box)
    return boxes


def _intersect(a: list[dict], b: list[dict]) -> list[dict]:
    out: list[dict] = []
    for x in a:
        for y in b:
            box = dict(x)
            for name, span in y.items():
                met = _meet(box[name], span) if name in box else span
                if met is None:
                    break
                box[name] = met
            else:
                out.append(box)
                if len(out) > _MAX_BOXES:
                    raise ArithmeticError("too many boxes")
    return out


def coupled_conflict(fit: Any) -> tuple[Any, Any] | None:
    """For a fit the solver left undecided: two constraints that pin products of
    one-symbol factors (two heads after flattens of an ``H × W`` map) that no sizes
    meet together, as (earlier, later) ``FitConstraint``s; None when none is proven.
    Each is solved exactly as a union of boxes over its factors' divisors (bounded)."""
    if fit is None or fit.fits is not None or not fit.residual:
        return None
    ranges = dict(fit.ranges)
    residual = set(fit.residual)
    pinned: list[tuple[Any, list[dict]]] = []
    try:
        for f in fit.constraints:
            if f.constraint not in residual:
                continue
            boxes = _boxes(f.constraint, ranges)
            if boxes is not None:
                pinned.append((f, boxes))
        for j, (later, b) in enumerate(pinned):
            if not b:
                return later, later
            for earlier, a in pinned[:j]:
                if not _intersect(a, b):
                    return earlier, later
    except (ArithmeticError, RecursionError):
        return None
    return None
