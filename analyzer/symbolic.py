"""Integer expressions over named symbols, for shapes and parameter counts that depend on
values the file leaves open (a constructor's ``dim_in``, an input's ``H``).

Why our own type and not symengine or sympy: the shapes and counts of real models need
only integer polynomials and floor division by a constant (conv / pool arithmetic,
flatten products, ``dim_in·dim_hidden + dim_hidden``). That fits in one small module
that imports in about half a millisecond (no dataclasses: each cost ≈ 1 ms of
import), where symengine costs ≈ 100 ms and sympy ≈ 440 ms on this machine (measured
in ``benchmarks/symbolic_bench.py``) — more than a whole model file's analysis. Files
without symbols never import it: analyzer/shapes and the ops test for an ``Expr``
through ``sys.modules`` and import this module only with one in hand.

Canonical form: a polynomial with integer coefficients whose atoms are symbols and
``FloorDiv(polynomial, d)`` with a constant ``d ≥ 2``. Equal expressions compare equal
and hash alike, so rules can test "same symbol" by ``==``. Every operation that would
leave this form (division by a symbol, a symbolic exponent) or grow past the size
bounds raises ``NotFoldable`` with a reason, which the caller turns into *unknown*:
bounded time and memory, never a guess.

``decide(constraint)`` says whether a constraint holds for every size, for none, or
only for some: the ops report a mismatch as an Issue only in the second case, and
record the constraint in the third.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Union

MAX_TERMS = 64
MAX_DEGREE = 12
MAX_POWER = 8
SEARCH_LIMIT = 1 << 20  # largest input size "which inputs fit" searches


class NotFoldable(ArithmeticError):
    """The result has no exact integer-expression form here; ``str(exc)`` says why."""


# The atoms are plain slotted classes, not dataclasses: a frozen dataclass costs
# about a millisecond of import each (its methods are generated with exec) and
# builds its instances through object.__setattr__; atoms are built on every product.


class Symbol:
    """A named size (``H``, ``dim_in``). Immutable."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("Symbol", self.name))

    def __repr__(self) -> str:
        return f"Symbol({self.name!r})"

    def __str__(self) -> str:
        return self.name


class FloorDiv:
    """``num // den`` with a constant ``den ≥ 2``, kept whole. Immutable."""

    __slots__ = ("num", "den")

    def __init__(self, num: "Expr", den: int) -> None:
        self.num, self.den = num, den

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FloorDiv) and other.den == self.den and other.num == self.num

    def __hash__(self) -> int:
        return hash(("FloorDiv", self.num, self.den))

    def __repr__(self) -> str:
        return f"FloorDiv({self.num!r}, {self.den})"

    def __str__(self) -> str:
        return f"({self.num}) // {self.den}" if len(self.num.terms) > 1 else f"{self.num} // {self.den}"


Atom = Union[Symbol, FloorDiv]
Monomial = tuple[tuple[Atom, int], ...]  # sorted (atom, power) pairs; () is the constant
Value = Union[int, "Expr"]


def _atom_key(atom: Atom) -> tuple:
    if isinstance(atom, Symbol):
        return (0, atom.name)
    return (1, str(atom.num), atom.den)


def _mono_key(mono: Monomial) -> tuple:
    return (-sum(p for _, p in mono), tuple((_atom_key(a), -p) for a, p in mono))


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers: dict[Atom, int] = dict(a)
    for atom, p in b:
        powers[atom] = powers.get(atom, 0) + p
    if sum(powers.values()) > MAX_DEGREE:
        raise NotFoldable(f"expression degree exceeds {MAX_DEGREE}")
    return tuple(sorted(powers.items(), key=lambda ap: _atom_key(ap[0])))


class Expr:
    """An integer polynomial over symbols and floor-division atoms (immutable)."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: Mapping[Monomial, int]) -> None:
        kept = {m: c for m, c in terms.items() if c}
        if len(kept) > MAX_TERMS:
            raise NotFoldable(f"expression has more than {MAX_TERMS} terms")
        self.terms: tuple[tuple[Monomial, int], ...] = tuple(
            sorted(kept.items(), key=lambda mc: _mono_key(mc[0])))
        self._hash = hash(self.terms)

    # -- construction ------------------------------------------------------------
    @staticmethod
    def symbol(name: str) -> "Expr":
        return Expr({((Symbol(name), 1),): 1})

    @staticmethod
    def lift(value: Value) -> "Expr":
        if isinstance(value, Expr):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"not an integer expression: {value!r}")
        return Expr({(): value})

    def simplified(self) -> Value:
        """An ``int`` when the expression is constant, else itself."""
        if not self.terms:
            return 0
        if len(self.terms) == 1 and self.terms[0][0] == ():
            return self.terms[0][1]
        return self

    # -- queries -----------------------------------------------------------------
    def symbols(self) -> set[str]:
        out: set[str] = set()
        for mono, _ in self.terms:
            for atom, _ in mono:
                if isinstance(atom, Symbol):
                    out.add(atom.name)
                else:
                    out |= atom.num.symbols()
        return out

    def constant(self) -> int:
        return dict(self.terms).get((), 0)

    def subs(self, values: Mapping[str, Value]) -> Value:
        """Replace symbols by integers or expressions; an ``int`` once all are bound."""
        total: Value = 0
        for mono, coef in self.terms:
            term: Value = coef
            for atom, power in mono:
                if isinstance(atom, Symbol):
                    bound = values.get(atom.name)  # no default: building the symbol costs more than the lookup
                    base: Value = Expr.symbol(atom.name) if bound is None else bound
                else:
                    base = floordiv(atom.num.subs(values), atom.den)
                for _ in range(power):
                    term = mul(term, base)
            total = add(total, term)
        return total

    def monotone(self) -> bool:
        """Non-decreasing in every symbol wherever its floor-division atoms are ≥ 0
        (sizes are, on every valid input): every coefficient of a non-constant monomial
        is positive and every floor-division atom is monotone itself."""
        for mono, coef in self.terms:
            if mono and coef < 0:
                return False
            for atom, _ in mono:
                if isinstance(atom, FloorDiv) and not atom.num.monotone():
                    return False
        return True

    # -- display -----------------------------------------------------------------
    def __str__(self) -> str:
        return self.format("*")

    def pretty(self) -> str:
        """For people: ``9·C·32 + 32`` style products."""
        return self.format("·")

    def format(self, times: str) -> str:
        parts: list[str] = []
        for mono, coef in self.terms:
            factors = []
            alone = len(mono) == 1 and mono[0][1] == 1 and abs(coef) == 1
            for atom, power in mono:
                # ``//`` binds like ``*``: a floor division stands bare only alone.
                text = str(atom) if isinstance(atom, Symbol) or alone else f"({atom})"
                if power <= 3:
                    factors.extend([text] * power)
                else:
                    factors.append(f"{text}**{power}")
            mag = abs(coef)
            if mono and mag == 1:
                body = times.join(factors)
            else:
                body = times.join([str(mag), *factors]) if mono else str(mag)
            parts.append(("- " if coef < 0 else "+ ") + body)
        if not parts:
            return "0"
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else "-" + text[2:]

    def __repr__(self) -> str:
        return f"Expr({self})"

    # -- arithmetic --------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Expr):
            return self.terms == other.terms
        if isinstance(other, int) and not isinstance(other, bool):
            value = self.simplified()  # itself unless constant: never recurse
            return isinstance(value, int) and value == other
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple:
        # Rebuilt from its terms, never with the cached hash: string hashes differ
        # between processes (a result from a --jobs worker or from the cache).
        return (Expr, (dict(self.terms),))

    def __add__(self, other: Value) -> Value:
        return add(self, other)

    __radd__ = __add__

    def __sub__(self, other: Value) -> Value:
        return add(self, mul(other, -1))

    def __rsub__(self, other: Value) -> Value:
        return add(other, mul(self, -1))

    def __mul__(self, other: Value) -> Value:
        return mul(self, other)

    __rmul__ = __mul__

    def __neg__(self) -> Value:
        return mul(self, -1)

    def __floordiv__(self, other: Value) -> Value:
        return floordiv(self, other)

    def __rfloordiv__(self, other: Value) -> Value:
        return floordiv(other, self)

    def __mod__(self, other: Value) -> Value:
        return add(self, mul(floordiv(self, other), mul(other, -1)))

    def __pow__(self, other: Value) -> Value:
        return power(self, other)


def is_symbolic(value: object) -> bool:
    return isinstance(value, Expr)


def add(a: Value, b: Value) -> Value:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    out: dict[Monomial, int] = dict(Expr.lift(a).terms)
    for mono, coef in Expr.lift(b).terms:
        out[mono] = out.get(mono, 0) + coef
    return Expr(out).simplified()


def mul(a: Value, b: Value) -> Value:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    out: dict[Monomial, int] = {}
    for ma, ca in Expr.lift(a).terms:
        for mb, cb in Expr.lift(b).terms:
            mono = _mono_mul(ma, mb)
            out[mono] = out.get(mono, 0) + ca * cb
    return Expr(out).simplified()


def floordiv(a: Value, b: Value) -> Value:
    """``a // b`` as Python computes it. By a constant it always has a form (splitting
    off the part the divisor divides exactly); by an expression only when the division
    is exact term by term (``C*H*W // (H*W)``); otherwise ``NotFoldable``."""
    if isinstance(b, Expr):
        b = b.simplified()
    if isinstance(b, Expr):
        return _exact_quotient(Expr.lift(a), b)
    if b == 0:
        raise NotFoldable("division by zero")
    if isinstance(a, int):
        return a // b
    if b < 0:
        return floordiv(mul(a, -1), -b)
    if b == 1:
        return a
    whole: dict[Monomial, int] = {}
    rest: dict[Monomial, int] = {}
    for mono, coef in a.terms:
        q, r = divmod(coef, b)
        if q:
            whole[mono] = q
        if r:
            rest[mono] = r
    rest_expr = Expr(rest).simplified()
    if isinstance(rest_expr, int):  # (4H + 3) // 2 = 2H + 1
        return add(Expr(whole).simplified(), rest_expr // b)
    # Otherwise the numerator stays whole, as people write it ((H - 4) // 2): the atom
    # is then monotone in H, and products of sizes stay monotone for the solver.
    return Expr({((FloorDiv(a, b), 1),): 1})


def _exact_quotient(a: Expr, b: Expr) -> Value:
    if len(b.terms) != 1:
        raise NotFoldable(f"division by the expression {b}")
    (bmono, bcoef), = b.terms
    bpow = dict(bmono)
    out: dict[Monomial, int] = {}
    for mono, coef in a.terms:
        powers = dict(mono)
        if coef % bcoef or any(powers.get(atom, 0) < p for atom, p in bpow.items()):
            raise NotFoldable(f"{a} is not divisible by {b} for every value of its symbols")
        for atom, p in bpow.items():
            powers[atom] -= p
        rest = tuple(sorted(((k, v) for k, v in powers.items() if v), key=lambda ap: _atom_key(ap[0])))
        out[rest] = coef // bcoef
    return Expr(out).simplified()


def power(a: Value, exponent: Value) -> Value:
    if isinstance(exponent, Expr):
        raise NotFoldable("a symbolic exponent")
    if exponent < 0 or exponent > MAX_POWER:
        raise NotFoldable(f"exponent {exponent} outside 0..{MAX_POWER}")
    result: Value = 1
    for _ in range(exponent):
        result = mul(result, a)
    return result


def product(values: Iterable[Value]) -> Value:
    result: Value = 1
    for v in values:
        result = mul(result, v)
    return result


# -- "which inputs fit" --------------------------------------------------------------

class Constraint:
    """``expr >= 1`` (``kind="positive"``: a size must stay ≥ 1) or ``expr == value``
    (``kind="equals"``: a layer pins it, as ``Linear(9216, …)`` after a flatten).
    ``why`` names the layer and the size (``Conv2d output height``). Immutable;
    equal constraints compare and hash alike (``why`` aside)."""

    __slots__ = ("expr", "kind", "value", "why")

    def __init__(self, expr: Expr, kind: str, value: int = 1, why: str = "") -> None:
        self.expr, self.kind, self.value, self.why = expr, kind, value, why

    def _key(self) -> tuple:
        return (self.expr, self.kind, self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Constraint) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Constraint({self.expr!r}, {self.kind!r}, {self.value!r}, why={self.why!r})"

    def holds(self, values: Mapping[str, int]) -> bool | None:
        v = self.expr.subs(values)
        if not isinstance(v, int):
            return None
        return v >= 1 if self.kind == "positive" else v == self.value

    def __str__(self) -> str:
        return f"{self.expr.pretty()} ≥ 1" if self.kind == "positive" else f"{self.expr.pretty()} = {self.value}"


class Solution:
    """Per symbol the set of values that satisfy every constraint, as closed ranges
    (``hi`` None = unbounded); ``residual`` keeps what couples several symbols;
    ``impossible`` when no value of the symbols fits."""

    __slots__ = ("ranges", "residual", "impossible")

    def __init__(self, ranges: Mapping[str, tuple[int, int | None]], residual: tuple[Constraint, ...] = (),
                 impossible: bool = False) -> None:
        self.ranges, self.residual, self.impossible = ranges, residual, impossible

    def __repr__(self) -> str:
        return f"Solution({dict(self.ranges)!r}, {self.residual!r}, impossible={self.impossible})"

    def describe(self) -> str:
        if self.impossible:
            return "no input size fits"
        parts = []
        for name, (lo, hi) in sorted(self.ranges.items()):
            parts.append(_span_text(name, lo, hi))
        parts.extend(str(c) for c in self.residual)
        return "; ".join(parts) if parts else "every input size fits"


def _span_text(name: str, lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{name} ≥ {lo}"
    return f"{name} = {lo}" if lo == hi else f"{lo} ≤ {name} ≤ {hi}"


def _first(pred, lo: int, hi: int) -> int | None:
    """The least x in [lo, hi] with pred(x), for a predicate false-then-true."""
    if not pred(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _atoms_nonnegative_from(expr: Expr, name: str, low: int) -> int:
    """The least value of ``name`` from which every floor-division atom of ``expr`` is
    ≥ 0: below it some intermediate size is negative, which a positivity constraint of
    the same model already excludes, and products of sizes stop being monotone."""
    start = low
    for mono, _ in expr.terms:
        for atom, _ in mono:
            if isinstance(atom, FloorDiv):
                num = atom.num
                first = _first(lambda x, _e=num: _e.subs({name: x}) >= 0, low, SEARCH_LIMIT)  # type: ignore[operator]
                start = max(start, SEARCH_LIMIT if first is None else first,
                            _atoms_nonnegative_from(num, name, low))
    return start


def _atoms_nonnegative_at(expr: Expr, values: Mapping[str, int]) -> bool:
    for mono, _ in expr.terms:
        for atom, _ in mono:
            if isinstance(atom, FloorDiv):
                v = atom.num.subs(values)
                if not isinstance(v, int) or v < 0 or not _atoms_nonnegative_at(atom.num, values):
                    return False
    return True


def decide(c: Constraint) -> bool | None:
    """Whether ``c`` holds for every value of its symbols (True), for none (False),
    or only for some (None), over sizes: every symbol ≥ 1 and every floor-division
    atom's numerator ≥ 0 (below that an intermediate size is already negative).

    A proof, never a guess: True only for a monotone expression that fits at its
    least point; False for a monotone expression already past the pinned value
    there, or (one symbol) when the exact search finds no fitting value while the
    expression at the search limit has passed the value, so no larger one can fit.
    """
    names = c.expr.symbols()
    if not names:
        return c.holds({})
    ones = dict.fromkeys(names, 1)
    least = c.expr.subs(ones)
    monotone = c.expr.monotone() and isinstance(least, int) and _atoms_nonnegative_at(c.expr, ones)
    if c.kind == "positive":
        return True if monotone and least >= 1 else None  # type: ignore[operator]
    if monotone and least > c.value:  # type: ignore[operator]
        return False
    if len(names) == 1 and c.expr.monotone():
        (name,) = names
        top = c.expr.subs({name: SEARCH_LIMIT})
        if isinstance(top, int) and top > c.value and solve([c]).impossible:
            return False
    return None


def solve(constraints: Iterable[Constraint], low: int = 1) -> Solution:
    """Solve the one-symbol, monotone constraints exactly by bisection over
    ``[low, SEARCH_LIMIT]`` (every shape formula here is non-decreasing in its input
    sizes); constraints over several symbols are kept as they are."""
    ranges: dict[str, tuple[int, int | None]] = {}
    residual: list[Constraint] = []
    for c in constraints:
        names = c.expr.symbols()
        if not names:
            if not c.holds({}):
                return Solution({}, impossible=True)
            continue
        if len(names) != 1 or not c.expr.monotone():
            residual.append(c)
            continue
        (name,) = names
        start = max(low, _atoms_nonnegative_from(c.expr, name, low))

        def at(x: int, _c=c, _n=name) -> int:
            return _c.expr.subs({_n: x})  # type: ignore[return-value]

        if c.kind == "positive":
            first = _first(lambda x: at(x) >= 1, start, SEARCH_LIMIT)
            span = None if first is None else (first, None)
        else:
            first = _first(lambda x: at(x) >= c.value, start, SEARCH_LIMIT)
            if first is None or at(first) != c.value:
                span = None
            else:
                last = _first(lambda x: at(x) > c.value, first, SEARCH_LIMIT)
                span = (first, None if last is None else last - 1)
        if span is None:
            return Solution({}, impossible=True)
        lo, hi = ranges.get(name, (low, None))
        lo = max(lo, span[0])
        hi = span[1] if hi is None else (hi if span[1] is None else min(hi, span[1]))
        if hi is not None and lo > hi:
            return Solution({}, impossible=True)
        ranges[name] = (lo, hi)
    return Solution(ranges, tuple(residual))
