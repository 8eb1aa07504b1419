"""Tensor shapes as plain tuples.

A dimension is an ``int`` when it is known; an ``Expr`` (analyzer/symbolic.py) when it
is a size over named symbols (``H - 4``, ``64*C``); a ``str`` when it is symbolic and
named by the source (ONNX ``batch``, a user's ``N``); ``None`` when it is unknown or
dynamic — Keras prints that as ``None``. A whole shape is ``None`` when not even its
rank is known.

This module never imports analyzer/symbolic: an ``Expr`` can exist only once that
module is loaded, so the test for one looks it up in ``sys.modules`` and a file
without symbols pays nothing for them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from math import prod
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from modelint.analyzer.symbolic import Expr

Dim = Union[int, "Expr", str, None]
Shape = tuple[Dim, ...]

_SYMBOLIC = "modelint.analyzer.symbolic"


def is_known(dim: Dim) -> bool:
    """A concrete ``int`` (an ``Expr`` is a size, but not a known one)."""
    return isinstance(dim, int) and not isinstance(dim, bool)


def is_expr(value: object) -> bool:
    """An integer expression over named symbols (never true before one was built)."""
    module = sys.modules.get(_SYMBOLIC)
    return module is not None and isinstance(value, module.Expr)


def is_size(dim: Dim) -> bool:
    """A size arithmetic can work on: a concrete ``int`` or an ``Expr``."""
    if isinstance(dim, int):
        return not isinstance(dim, bool)
    return is_expr(dim)


def known_prod(dims: Iterable[Dim]) -> int | None:
    """Product of dims, or None as soon as one of them is not a known int."""
    dims = tuple(dims)
    if not all(is_known(d) for d in dims):
        return None
    return prod(dims)  # type: ignore[arg-type]


def format_dim(dim: Dim) -> str:
    """``None``, ``13``, ``batch`` or an expression's text, ``(H - 4) // 2``."""
    return "None" if dim is None else str(dim)


def format_shape(shape: Shape | None) -> str:
    """Keras' spelling: ``(None, 13, 13, 256)``; ``?`` when the rank is unknown."""
    if shape is None:
        return "?"
    inner = ", ".join(format_dim(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def to_json(shape: Shape | None) -> list[int | str | None] | None:
    """A JSON list: ints, ``null``, names, and expressions as their text."""
    if shape is None:
        return None
    return [d if d is None or isinstance(d, (int, str)) else str(d) for d in shape]


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True/False when the dims are equal / differ for every value of their symbols
    (two known ints; sizes whose difference is a constant), None when it cannot be
    decided."""
    if is_known(a) and is_known(b):
        return a == b
    if isinstance(a, str) and a == b:
        return True
    if is_size(a) and is_size(b):
        diff = a - b  # type: ignore[operator]
        return diff == 0 if isinstance(diff, int) else None
    return None


def normalize_axis(axis: int, rank: int) -> int | None:
    """A Python-style axis (negative counts from the end) in [0, rank), else None."""
    if -rank <= axis < rank:
        return axis % rank
    return None


def format_count(count: object) -> str:
    """A parameter count for people: ``1,052,672``; a formula over symbols in its
    pretty form with grouped digits, ``9,216·dim_out + dim_out``; ``?`` when unknown.
    Never ``{:,}`` on an ``Expr`` (it has no such format)."""
    if isinstance(count, int) and not isinstance(count, bool):
        return f"{count:,}"
    if is_expr(count):
        import re

        text = count.pretty()  # type: ignore[attr-defined]
        return re.sub(r"(?<![\w.[])\d{4,}(?![\w.\]])", lambda m: f"{int(m.group(0)):,}", text)
    return "?"


def factor_string(dims: Sequence[Dim]) -> str:
    return " × ".join(format_dim(d) for d in dims)
