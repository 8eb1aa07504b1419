"""Which input sizes a model accepts ("which inputs fit", issue 9).

A model whose input shape has named symbols (``(N, 1, H, W)``) is valid only for some
values of them: every spatial size must stay ≥ 1, a ``Linear(9216)`` after a flatten
pins a product of sizes, a ``view`` must keep the element count. The ops record each
such requirement on their layer (``Layer.constraints``); :func:`input_fit` gathers
them, solves them with :func:`analyzer.symbolic.solve`, and says the answer in words
for the summary, the JSON (``input_constraints``) and the rules (ML104 / ML106 fire as
errors when no input size fits).

Soundness: ``fits`` is True only with a proof — a size found that satisfies every
constraint, checked, and nothing in the model left unknown that could hide more
constraints (an unresolved layer, an anonymous dimension). False only with a proof:
an op found a conflict that holds for every size (its Issue), the solver found the
set empty (monotone constraints by bisection; the others shifted to their least
sizes, or split into residue classes of their floor divisions, ``x = P·k + r``,
where they become polynomials), a coefficient gcd that does not divide the pinned
value, or a monotone constraint already past its value at the least sizes the others
allow. None otherwise — never a guess.

Cost: a model whose input has no symbol returns None before anything is imported, so
files without symbols never load analyzer/symbolic; the answer is computed once per
model and kept on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from modelint.analyzer.shapes import Shape, format_count, format_shape, is_expr

if TYPE_CHECKING:
    from modelint.analyzer.graph import Layer, ModelGraph
    from modelint.analyzer.symbolic import Constraint, Solution

_CACHE_KEY = "input_fit"
_DIAGONAL = "\x00t"  # the one symbol every coupled input size becomes in the witness search
_NO_FIT = False  # cached "the input has no symbol"; picklable: results cross processes (-j, the cache)
_SCAN = 64  # values of one coupled symbol tried when the diagonal finds no example
_K = "\x00k"  # the residue-class index symbol
_MAX_PERIOD = 64  # residue classes tried for floor divisions (a 6-deep chain of pools by 2)


class FitConstraint:
    """One requirement and the layer it comes from (``where``: ``fc1 (Linear)``).
    (Plain slotted classes here, not dataclasses: every JSON and summary run imports
    this module, and a dataclass costs about a millisecond of import.)"""

    __slots__ = ("constraint", "layer", "where")

    def __init__(self, constraint: "Constraint", layer: str, where: str) -> None:
        self.constraint = constraint
        self.layer = layer  # the layer id (JSON ``layer``; rules anchor findings on it)
        self.where = where

    def __repr__(self) -> str:
        return f"FitConstraint({self.constraint!r}, {self.layer!r}, {self.where!r})"

    @property
    def relation(self) -> str:
        """``>=`` (a size must stay ≥ 1) or ``==`` (a layer pins the value)."""
        return ">=" if self.constraint.kind == "positive" else "=="

    def text(self) -> str:
        """For people: ``fc1 (Linear) needs 64·((H - 4) // 2)·((W - 4) // 2) = 9,216``."""
        return f"{self.where} needs {constraint_text(self.constraint)}"


class Fit:
    """The input sizes for which every layer of a model is valid.

    ``fits``: True (some input size satisfies every constraint, proven), False (none
    does: the model can never run), None (not decided; ``undecided`` says why).
    ``solution.ranges`` gives each symbol constrained on its own a closed range (``hi``
    None = unbounded); ``solution.residual`` the constraints coupling several symbols
    or left by the monotone solver. ``example`` is one assignment that satisfies every
    constraint, when one was found; ``conflict`` names the layers that rule every size
    out when ``fits`` is False, ``culprit`` the constraint to report it on, or
    ``issue`` the op conflict (layer id, Issue) that holds for every size."""

    __slots__ = ("fits", "inputs", "constraints", "solution", "example", "conflict", "symbols", "culprit",
                 "undecided", "issue")

    def __init__(self, fits: bool | None, inputs: tuple[Shape | None, ...], constraints: tuple[FitConstraint, ...],
                 solution: "Solution", example: Mapping[str, int] | None = None, conflict: str | None = None,
                 symbols: tuple[str, ...] = (), culprit: FitConstraint | None = None, undecided: str | None = None,
                 issue: tuple[str, Any] | None = None) -> None:
        self.fits, self.inputs, self.constraints, self.solution = fits, inputs, constraints, solution
        self.example, self.conflict, self.symbols, self.culprit = example, conflict, symbols, culprit
        self.undecided, self.issue = undecided, issue

    def __repr__(self) -> str:
        return f"Fit(fits={self.fits!r}, {self.describe()!r})"

    @property
    def ranges(self) -> Mapping[str, tuple[int, int | None]]:
        return self.solution.ranges

    @property
    def residual(self) -> tuple["Constraint", ...]:
        return self.solution.residual

    def describe(self) -> str:
        """In words: ``accepts (N, 1, 28, 28) only``, ``H, W ≥ 63``,
        ``no input size fits: fc1 (Linear) needs …``, ``every input size fits``; when
        not decided, ``needs H, W ≥ 16; not decided whether that is enough: <why>``."""
        if self.fits is False:
            return f"no input size fits: {self.conflict or 'the layers exclude every size'}"
        ranges = dict(self.solution.ranges)
        pinned = {name: lo for name, (lo, hi) in ranges.items() if lo == hi}
        input_pinned = {name: v for name, v in pinned.items() if name in self.symbols}
        parts = _range_parts({n: r for n, r in ranges.items() if n not in input_pinned})
        residual = [constraint_text(c) for c in self.solution.residual]
        if residual and self.example:
            coupled = sorted(set().union(*(c.expr.symbols() for c in self.solution.residual)))
            residual[-1] += f" (e.g. {_example_text({n: self.example[n] for n in coupled if n in self.example})})"
        parts += residual
        if input_pinned:
            shapes = " and ".join(format_shape(_subs_shape(s, input_pinned)) for s in self.inputs)
            text = f"{shapes} only" if not parts else f"{shapes} with {'; '.join(parts)}"
        else:
            text = "; ".join(parts)
        if self.fits:
            return f"accepts {text}" if input_pinned else (text or "every input size fits")
        # Undecided: what was found is necessary, not proven enough.
        why = self.undecided or "the solver could not settle it"
        return f"needs {text}; not decided whether that is enough: {why}" if text else f"not decided: {why}"


def input_fit(model: "ModelGraph") -> Fit | None:
    """The input sizes ``model`` accepts, or None when its input shape has no symbol.
    Computed once per model (kept in ``model.extra``); never raises."""
    cached = model.extra.get(_CACHE_KEY)
    if cached is not None:
        return cached if isinstance(cached, Fit) else None
    shapes = tuple(model.shape_of(ref) for ref in model.inputs)
    if not any(is_expr(d) for s in shapes if s for d in s):
        model.extra[_CACHE_KEY] = _NO_FIT
        return None
    try:
        fit = _compute(model, shapes)
    except Exception:  # noqa: BLE001 — the solver on a pathological model: undecided, not a crash
        fit = None
    if fit is None:
        from modelint.analyzer.symbolic import Solution

        fit = Fit(None, shapes, (), Solution({}), symbols=_input_symbols(shapes),
                  undecided="the constraints could not be solved")
    model.extra[_CACHE_KEY] = fit
    return fit


# -- computing ----------------------------------------------------------------------


def _input_symbols(shapes: Sequence[Shape | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for shape in shapes:
        for d in shape or ():
            if is_expr(d):
                for name in sorted(d.symbols()):
                    seen.setdefault(name, None)
    return tuple(seen)


def _where(layer: "Layer") -> str:
    return layer.name if layer.name == layer.op else f"{layer.name} ({layer.op})"


def collect(model: "ModelGraph") -> list[FitConstraint]:
    """Every layer's constraints, plus ``size ≥ 1`` for each symbolic output size not
    already known positive, in topological order, each once (the first layer keeps it)."""
    from modelint.analyzer.symbolic import Constraint, decide

    out: dict[Any, FitConstraint] = {}
    checked: set[Any] = set()
    for layer in model.layers():
        where = _where(layer)
        for c in layer.constraints:
            out.setdefault(c, FitConstraint(c, layer.id, where))
        for shape in layer.outputs:
            for d in shape or ():
                if not is_expr(d) or d in checked:
                    continue
                checked.add(d)
                c = Constraint(d, "positive", 1, f"{layer.op} output size")
                if c not in out and not _implied_positive(d, out) and decide(c) is not True:
                    out[c] = FitConstraint(c, layer.id, where)
    return list(out.values())


def _implied_positive(d: Any, known: Mapping[Any, FitConstraint]) -> bool:
    """A product ``64·((H - 4) // 2)·((W - 4) // 2)`` with a positive coefficient is ≥ 1
    once each factor is, and each factor's ``≥ 1`` is already required: saying it
    again would only lengthen the answer."""
    from modelint.analyzer.symbolic import Constraint, Expr, FloorDiv

    if len(d.terms) != 1:
        return False
    mono, coef = d.terms[0]
    if coef < 1 or not mono:
        return False
    for atom, _ in mono:
        if isinstance(atom, FloorDiv) and Constraint(Expr({((atom, 1),): 1}), "positive") not in known:
            return False
    return True


def _compute(model: "ModelGraph", shapes: tuple[Shape | None, ...]) -> Fit:
    """Op conflicts first (an Issue holds for every size: nothing fits), then the
    constraints, solved; then whether what was found is all there is."""
    from modelint.analyzer.symbolic import Solution

    found = collect(model)
    constraints = [f.constraint for f in found]
    symbols = _input_symbols(shapes)
    for layer in model.layers():
        if layer.applied and layer.issues:  # a conflict for every size: the framework always raises
            issue = layer.issues[0]
            return Fit(False, shapes, tuple(found), Solution({}, impossible=True),
                       conflict=f"{_where(layer)}: {issue.message}", symbols=symbols, issue=(layer.id, issue))
    solution = _solve(constraints)
    if solution.impossible:
        text, culprit = _conflict(found)
        return Fit(False, shapes, tuple(found), solution, conflict=text, symbols=symbols, culprit=culprit)
    blocking = _residual_impossible(found, solution)
    if blocking is not None:
        impossible = Solution(solution.ranges, solution.residual, impossible=True)
        return Fit(False, shapes, tuple(found), impossible, conflict=blocking[0], symbols=symbols,
                   culprit=blocking[1])
    example = _witness(constraints, solution)
    gap = _incomplete(model)
    if example is None:
        gap = gap or "no size satisfying every constraint was found"
    return Fit(None if gap else True, shapes, tuple(found), solution, example=example, symbols=symbols,
               undecided=gap)


def _incomplete(model: "ModelGraph") -> str | None:
    """Why the constraints found may not be all of them: a layer left unknown (its
    own requirements, and those of every layer after it, were never seen), a shape
    with an anonymous dimension, or an unresolved part of the model. Then a size that
    meets every constraint found is not proven to fit."""
    from modelint.analyzer.passes.infer import PER_EXAMPLE_BATCH

    if model.unresolved:
        return "part of the model is unresolved (ML403)"
    skip_batch = model.framework in PER_EXAMPLE_BATCH
    for layer in model.layers():
        if not layer.applied:
            continue
        if layer.unknown is not None:
            return f"{_where(layer)} is not resolved"
        if layer.kind == "composite" and not layer.attrs.get("inner_checked"):
            # A custom layer or a nested model: one row whose inner layers' own
            # requirements (a lookup table's length, a reshape) are not collected here.
            return f"the requirements inside {_where(layer)} are not collected"
        for port, shape in enumerate(layer.outputs):
            if shape is None:
                if port == 0:
                    return f"the output shape of {_where(layer)} is unknown"
                continue
            if any(d is None for d in shape[1 if skip_batch else 0:]):
                return f"an output size of {_where(layer)} is unknown"
    return None


def _shifted(expr: Any, lows: Mapping[str, int]) -> Any:
    """``expr`` with each symbol ``s`` replaced by ``s + (low - 1)``: the same set of
    sizes counted from 1 again. ``32·H·W - 64·H - 64·W + 128`` on ``H, W ≥ 3`` is not
    monotone, shifted it is ``32·H·W``, which the solver decides."""
    from modelint.analyzer.symbolic import Expr

    moves = {n: Expr.symbol(n) + (lo - 1) for n, lo in lows.items() if lo > 1 and n in expr.symbols()}
    return expr.subs(moves) if moves else expr


def _solve(constraints: Sequence["Constraint"], rounds: int = 3) -> "Solution":
    """``symbolic.solve``, then the constraints it left coupled or non-monotone solved
    again with their symbols shifted to the least values already proven (an expanded
    ``(H - 2)·(W - 2)`` becomes monotone again), a few rounds while that narrows."""
    from modelint.analyzer.symbolic import Constraint, NotFoldable, Solution, decide, solve

    solution = solve(constraints)
    for _ in range(rounds):
        if solution.impossible or not solution.residual:
            return solution
        lows = {n: lo for n, (lo, _) in solution.ranges.items()}
        originals: dict[Any, Any] = {}
        shifted: list[Constraint] = []
        try:
            for c in solution.residual:
                e = _shifted(c.expr, lows)
                if isinstance(e, int):
                    if not (e >= 1 if c.kind == "positive" else e == c.value):
                        return Solution(solution.ranges, solution.residual, impossible=True)
                    continue
                moved = Constraint(e, c.kind, c.value, c.why)
                if c.kind == "positive" and decide(moved) is True:
                    continue  # ≥ 1 on every size the other constraints allow
                originals[moved] = c
                shifted.append(moved)
        except NotFoldable:
            return solution
        again = solve(shifted)
        if again.impossible:
            return Solution(solution.ranges, solution.residual, impossible=True)
        ranges = dict(solution.ranges)
        for name, (lo, hi) in again.ranges.items():
            off = lows.get(name, 1) - 1
            old_lo, old_hi = ranges.get(name, (1, None))
            new_lo = max(old_lo, lo + off)
            new_hi = old_hi if hi is None else (hi + off if old_hi is None else min(old_hi, hi + off))
            if new_hi is not None and new_lo > new_hi:
                return Solution(ranges, solution.residual, impossible=True)
            ranges[name] = (new_lo, new_hi)
        residual = tuple(originals[c] for c in again.residual)
        progressed = ranges != dict(solution.ranges) or len(residual) < len(solution.residual)
        solution = Solution(ranges, residual)
        if not progressed:
            break
    if solution.impossible or not solution.residual:
        return solution
    by_symbol: dict[str, list[Constraint]] = {}
    for c in solution.residual:
        names = c.expr.symbols()
        if len(names) == 1:
            by_symbol.setdefault(next(iter(names)), []).append(c)
    for name, group in by_symbol.items():
        lo, hi = solution.ranges.get(name, (1, None))
        decided, least = _least_on_one(group, name, lo, hi)
        if decided and least is None:
            return Solution(solution.ranges, solution.residual, impossible=True)
    return solution


def _period(expr: Any) -> int:
    """A period ``P`` such that substituting ``x = P·k + r`` leaves no floor division:
    the product of the divisors along each nesting, their lcm across atoms."""
    from math import lcm

    from modelint.analyzer.symbolic import FloorDiv

    period = 1
    for mono, _ in expr.terms:
        for atom, _ in mono:
            if isinstance(atom, FloorDiv):
                period = lcm(period, atom.den * _period(atom.num))
    return period


def _has_floor(expr: Any) -> bool:
    from modelint.analyzer.symbolic import FloorDiv

    return any(isinstance(atom, FloorDiv) for mono, _ in expr.terms for atom, _ in mono)


def _least_on_one(constraints: Sequence["Constraint"], name: str, lo: int = 1,
                  hi: int | None = None) -> tuple[bool, int | None]:
    """Exactly, for constraints over the one symbol ``name`` that the monotone solver
    leaves (``2·((H - 4) // 2) - H = 4``, ``2·(H // 2) = H``): the least value in
    ``[lo, hi]`` meeting them all. Each residue class ``x = P·k + r`` of the period
    ``P`` of their floor divisions turns them into polynomials in ``k`` without one,
    which the solver settles. ``(True, least)`` — ``least`` None when no value meets
    them — or ``(False, None)`` when that is out of reach (a period over
    ``_MAX_PERIOD``, a polynomial the solver cannot settle)."""
    from math import lcm

    from modelint.analyzer.symbolic import SEARCH_LIMIT, Constraint, Expr, NotFoldable

    period = 1
    for c in constraints:
        period = lcm(period, _period(c.expr))
    if period > _MAX_PERIOD:
        return False, None
    top = SEARCH_LIMIT if hi is None else min(hi, SEARCH_LIMIT)
    k = Expr.symbol(_K)
    best: int | None = None
    for base in range(lo, min(lo + period, top + 1)):  # x = base + P·(k - 1), k ≥ 1
        reduced: list[Constraint] | None = []
        try:
            for c in constraints:
                e = c.expr.subs({name: k * period + (base - period)})
                if isinstance(e, int):
                    if not (e >= 1 if c.kind == "positive" else e == c.value):
                        reduced = None
                        break
                    continue
                if _has_floor(e):
                    return False, None
                reduced.append(Constraint(e, c.kind, c.value, c.why))
        except NotFoldable:
            return False, None
        if reduced is None:
            continue
        k_lo, k_hi = 1, (top - base) // period + 1
        if reduced:
            on_k = _solve(reduced)
            if on_k.impossible:
                continue
            if on_k.residual:
                return False, None
            span = on_k.ranges.get(_K, (1, None))
            k_lo = max(k_lo, span[0])
            k_hi = k_hi if span[1] is None else min(k_hi, span[1])
        if k_lo <= k_hi:
            x = base + period * (k_lo - 1)
            best = x if best is None else min(best, x)
    return True, best


def _lows(solution: "Solution", names: set[str]) -> dict[str, int]:
    return {n: solution.ranges[n][0] if n in solution.ranges else 1 for n in names}


def _residual_impossible(found: Sequence[FitConstraint], solution: "Solution") -> tuple[str, FitConstraint] | None:
    """Why a coupled ``expr == value`` can never hold, if it provably cannot: the
    coefficients of its sizes share a factor that does not divide what the value
    leaves (``32·H·W - 64·H - 64·W + 128 = 100``: 32 does not divide -28; every
    atom is an integer), or the expression is monotone from the least sizes the
    other constraints allow and already past the value there."""
    from math import gcd

    from modelint.analyzer.symbolic import NotFoldable, _atoms_nonnegative_at

    residual = set(solution.residual)
    lows_all = {n: lo for n, (lo, _) in solution.ranges.items()}
    for f in found:
        c = f.constraint
        if c not in residual or c.kind != "equals":
            continue
        g = 0
        for mono, coef in c.expr.terms:
            if mono:
                g = gcd(g, coef)
        if g > 1 and (c.value - c.expr.constant()) % g:
            return f"{f.text()}, which no integer size meets ({g} does not divide {c.value - c.expr.constant()})", f
        try:
            e = _shifted(c.expr, lows_all)
        except NotFoldable:
            continue
        if isinstance(e, int) or not e.monotone():
            continue
        ones = dict.fromkeys(e.symbols(), 1)
        least = e.subs(ones)
        if isinstance(least, int) and _atoms_nonnegative_at(e, ones) and least > c.value:
            return f"{f.text()}, which no size the other layers allow meets", f
    return None


def _witness(constraints: Sequence["Constraint"], solution: "Solution") -> dict[str, int] | None:
    """One assignment meeting every constraint: each symbol at the least value of its
    range; the symbols coupled by residual constraints all equal (the square input
    people mean by ``H, W``) at the least value that meets them, else the first of
    them stepped through its first ``_SCAN`` values with the rest equal. Checked
    against every constraint before it is returned: a proof, never a guess."""
    names: set[str] = set()
    for c in constraints:
        names |= c.expr.symbols()
    values = _lows(solution, names)
    for coupled in _components(solution.residual):
        relevant = [c for c in constraints if c.expr.symbols() & set(coupled)]
        found = _diagonal(relevant, values, coupled)
        if found is None and len(coupled) >= 2:
            first, rest = coupled[0], coupled[1:]
            hi = solution.ranges.get(first, (1, None))[1]
            stop = values[first] + _SCAN if hi is None else min(hi + 1, values[first] + _SCAN)
            for h in range(values[first], stop):
                found = _diagonal(relevant, {**values, first: h}, rest)
                if found is not None:
                    found[first] = h
                    break
        if found is None:
            return None
        values.update(found)
    if all(c.holds(values) is True for c in constraints):
        return values
    return None


def _components(residual: Sequence["Constraint"]) -> list[list[str]]:
    """The symbols of the residual constraints, grouped by the constraints that couple
    them (``C = in_channels`` apart from ``H·W = 30``): each group gets its own example."""
    groups: list[set[str]] = []
    for c in residual:
        names = set(c.expr.symbols())
        touching = [g for g in groups if g & names]
        for g in touching:
            names |= g
            groups.remove(g)
        groups.append(names)
    return sorted(sorted(g) for g in groups)


def _diagonal(constraints: Sequence["Constraint"], values: Mapping[str, int],
              coupled: Sequence[str]) -> dict[str, int] | None:
    """The least common value of the ``coupled`` symbols (the others at ``values``)
    meeting ``constraints``, solved exactly on one symbol; None when there is none or
    the solver cannot settle it."""
    from modelint.analyzer.symbolic import Constraint, Expr, NotFoldable

    t = Expr.symbol(_DIAGONAL)
    bound = {**values, **dict.fromkeys(coupled, t)}
    reduced: list[Constraint] = []
    try:
        for c in constraints:
            e = c.expr.subs(bound)
            if isinstance(e, int):  # settled: C - W = 0 on C = W
                if not (e >= 1 if c.kind == "positive" else e == c.value):
                    return None
                continue
            reduced.append(Constraint(e, c.kind, c.value, c.why))
    except NotFoldable:
        return None
    lo = max(values[n] for n in coupled)
    if reduced:
        on_t = _solve([*reduced, *_at_least(t, lo)])
        if on_t.impossible:
            return None
        t_lo, t_hi = on_t.ranges.get(_DIAGONAL, (1, None))
        lo = max(lo, t_lo)
        if t_hi is not None and lo > t_hi:
            return None
        if on_t.residual:  # settle what the monotone solver left, class by class
            decided, least = _least_on_one(reduced, _DIAGONAL, lo, t_hi)
            if least is None:
                return None
            lo = least
    return dict.fromkeys(coupled, lo)


def _at_least(t: Any, lo: int) -> list["Constraint"]:
    """``t ≥ lo`` as a constraint the solver reads (``t - (lo - 1) ≥ 1``)."""
    from modelint.analyzer.symbolic import Constraint

    return [Constraint(t - (lo - 1), "positive")] if lo > 1 else []


def _conflict(found: Sequence[FitConstraint]) -> tuple[str, FitConstraint | None]:
    """Which layers rule every size out: a constraint impossible on its own, else the
    first one that empties the set with the one before it that it contradicts."""
    cs = [f.constraint for f in found]
    solve = _solve
    for f in found:
        if solve([f.constraint]).impossible:
            return f.text(), f
    lo, hi = 1, len(cs)  # the shortest prefix that is already impossible (monotone in its length)
    while lo < hi:
        mid = (lo + hi) // 2
        if solve(cs[:mid]).impossible:
            hi = mid
        else:
            lo = mid + 1
    if not found:
        return "the layers exclude every size", None
    last = found[lo - 1]
    for f in found[:lo - 1]:
        if solve([f.constraint, last.constraint]).impossible:
            return f"{last.text()}, but {f.text()}", last
    return f"{last.text()}, which the layers before it exclude", last


# -- words --------------------------------------------------------------------------


def constraint_text(c: "Constraint") -> str:
    """``64·((H - 4) // 2)·((W - 4) // 2) = 9,216``, ``H - 4 ≥ 1``, and an equality of
    two sizes as people say it: ``C = in_channels`` (not ``C - in_channels = 0``)."""
    from modelint.analyzer.symbolic import Expr

    if c.kind == "positive":
        return f"{format_count(c.expr)} ≥ 1"
    left = {m: coef for m, coef in c.expr.terms if m and coef > 0}
    right = {m: -coef for m, coef in c.expr.terms if m and coef < 0}
    if left and len(right) == 1:  # 2·((H - 4) // 2) = H + 4, C = in_channels
        rest = c.value - c.expr.constant()
        if rest:
            right[()] = rest
        return f"{format_count(Expr(left).simplified())} = {format_count(Expr(right).simplified())}"
    return f"{format_count(c.expr)} = {c.value:,}"


def _subs_shape(shape: Shape | None, values: Mapping[str, int]) -> Shape | None:
    if shape is None:
        return None
    return tuple(d.subs(values) if is_expr(d) else d for d in shape)


def _range_parts(ranges: Mapping[str, tuple[int, int | None]]) -> list[str]:
    """``H, W ≥ 63`` / ``28 ≤ H ≤ 29`` / ``C = 3``: symbols with the same range together."""
    groups: dict[tuple[int, int | None], list[str]] = {}
    for name, span in ranges.items():
        groups.setdefault(span, []).append(name)
    parts = []
    for (lo, hi), names in groups.items():
        if lo <= 1 and hi is None:
            continue  # "≥ 1" says nothing: every size is
        who = ", ".join(names)
        if hi is None:
            parts.append(f"{who} ≥ {lo}")
        elif lo == hi:
            parts.append(f"{' = '.join(names)} = {lo}")
        else:
            parts.append(f"{lo} ≤ {who} ≤ {hi}")
    return parts


def _example_text(values: Mapping[str, int]) -> str:
    by_value: dict[int, list[str]] = {}
    for name, v in values.items():
        by_value.setdefault(v, []).append(name)
    return ", ".join(f"{' = '.join(names)} = {v}" for v, names in by_value.items())
