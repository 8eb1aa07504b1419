"""Compute cost of one layer application: MACs and FLOPs as exact counts.

A count is a :class:`Poly` — a polynomial with integer coefficients over the
named symbols of the shapes (``N``, ``H``, ONNX ``batch``) — so a model whose
batch is symbolic gets ``"1204224*N"`` instead of a guess. An unknown dimension
(``None``) makes the whole count unknown (``None``): never a guess.

Conventions (docs/flops.md states them for users):

- one MAC = one multiply + one add; matmul-like ops (conv, linear, matmul,
  attention products, recurrent gate products) cost ``FLOPs = 2 × MACs``; bias
  additions are not counted (as torch's ``FlopCounterMode`` and fvcore);
- a normalisation costs one MAC per output element (the folded scale-and-shift
  ``x·a + b``), ``FLOPs = 2 × MACs``; statistics are not counted;
- elementwise ops, pooling, softmax and reductions have no MACs, only FLOPs
  (one per output element for elementwise ops, one per window element for
  pooling, three per element for softmax: exp, sum, divide);
- data movement (reshape, permute, concat, pad, indexing, embedding lookups,
  dropout at inference) costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from modelint.analyzer.symbolic import Expr

from modelint.analyzer.shapes import Dim, Shape, is_expr, is_known

Monomial = tuple[str, ...]  # sorted symbol names; () is the constant term


class Poly:
    """An integer polynomial over symbol names; immutable."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Monomial, int] | None = None) -> None:
        self.terms: dict[Monomial, int] = {m: c for m, c in (terms or {}).items() if c}

    @staticmethod
    def of(value: "int | str | Poly | Expr") -> "Poly":
        if isinstance(value, Poly):
            return value
        if isinstance(value, str):
            return Poly({(value,): 1})
        if is_expr(value):
            return _from_expr(value)
        return Poly({(): int(value)})

    def __add__(self, other: "int | Poly") -> "Poly":
        other = Poly.of(other)
        out = dict(self.terms)
        for m, c in other.terms.items():
            out[m] = out.get(m, 0) + c
        return Poly(out)

    __radd__ = __add__

    def __mul__(self, other: "int | Poly") -> "Poly":
        other = Poly.of(other)
        out: dict[Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                m = tuple(sorted(m1 + m2))
                out[m] = out.get(m, 0) + c1 * c2
        return Poly(out)

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (int, str, Poly)):
            return self.terms == Poly.of(other).terms
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    @property
    def constant(self) -> int | None:
        """The value when no symbol is left, else None."""
        if not self.terms:
            return 0
        if list(self.terms) == [()]:
            return self.terms[()]
        return None

    def to_json(self) -> int | str:
        """An int when constant, else ``"1204224*N + 64"`` (highest degree first)."""
        value = self.constant
        if value is not None:
            return value
        parts = []
        for m in sorted(self.terms, key=lambda m: (-len(m), m)):
            c = self.terms[m]
            factors = ([] if c == 1 and m else [str(c)]) + list(m)
            parts.append("*".join(factors))
        return " + ".join(parts).replace("+ -", "- ")

    def format(self) -> str:
        """For tables: ``1,204,224`` or ``1,204,224·N``."""
        value = self.constant
        if value is not None:
            return f"{value:,}"
        parts = []
        for m in sorted(self.terms, key=lambda m: (-len(m), m)):
            c = self.terms[m]
            parts.append("·".join(([] if c == 1 and m else [f"{c:,}"]) + list(m)))
        return " + ".join(parts)

    def __repr__(self) -> str:
        return f"Poly({self.to_json()!r})"


Count = Poly | None


def _from_expr(expr: Any) -> Poly:
    """An integer expression (analyzer/symbolic) as a count: each symbol is a name,
    and each floor-division atom an opaque factor named by its text,
    ``((H - 4) // 2)``, so the count stays exact and prints as people write it."""
    terms: dict[Monomial, int] = {}
    for mono, coef in expr.terms:
        names: list[str] = []
        for atom, power in mono:
            text = str(atom)
            names.extend([text if " " not in text else f"({text})"] * power)
        key = tuple(sorted(names))
        terms[key] = terms.get(key, 0) + coef
    return Poly(terms)


def dim(d: Dim) -> Count:
    """A dimension as a count: ints and named symbols; None (unknown) stays None."""
    if is_known(d):
        return Poly.of(d)  # type: ignore[arg-type]
    if isinstance(d, str) and d:
        return Poly.of(d)
    if is_expr(d):
        return _from_expr(d)
    return None


def product(dims: Iterable[Dim | int | Poly]) -> Count:
    """The product of dims (None as soon as one is unknown)."""
    out = Poly.of(1)
    for d in dims:
        p = d if isinstance(d, Poly) else dim(d)
        if p is None:
            return None
        out = out * p
    return out


def numel(shape: Shape | None) -> Count:
    return None if shape is None else product(shape)


def add(*counts: Count) -> Count:
    total = Poly.of(0)
    for c in counts:
        if c is None:
            return None
        total = total + c
    return total


def mul(count: Count, factor: "int | Poly | None") -> Count:
    if count is None or factor is None:
        return None
    return count * factor


@dataclass(frozen=True, slots=True)
class Cost:
    """MACs and FLOPs of one layer application; None = unknown, with ``reason``."""

    macs: Count
    flops: Count
    reason: str | None = None

    @property
    def known(self) -> bool:
        return self.macs is not None and self.flops is not None

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(add(self.macs, other.macs), add(self.flops, other.flops), self.reason or other.reason)

    def times(self, factor: "int | Poly | None") -> "Cost":
        return Cost(mul(self.macs, factor), mul(self.flops, factor), self.reason)


FREE = Cost(Poly.of(0), Poly.of(0))


def matmul_like(macs: Count, reason: str | None = None) -> Cost:
    """Multiply-accumulate work: FLOPs = 2 × MACs."""
    if macs is None:
        return Cost(None, None, reason or "a shape it depends on is unknown")
    return Cost(macs, macs * 2)


def flops_only(flops: Count, reason: str | None = None) -> Cost:
    """Work that is not multiply-accumulate (comparisons, exp, elementwise)."""
    if flops is None:
        return Cost(None, None, reason or "a shape it depends on is unknown")
    return Cost(Poly.of(0), flops)


def unknown_cost(reason: str) -> Cost:
    return Cost(None, None, reason)


MacsFunction = Callable[[Mapping[str, Any], Sequence[Shape | None], Sequence[Shape | None]], Cost]
"""``(attrs, input shapes, output shapes) → Cost``: the op's MACs formula."""


def total(costs: Iterable[Cost]) -> Cost:
    out = FREE
    for c in costs:
        out = out + c
    return out
