"""Tensor shapes as plain tuples.

A dimension is an ``int`` when it is known, a ``str`` when it is symbolic and named
(ONNX ``batch``, a user's ``N``) and ``None`` when it is unknown or dynamic — Keras
prints that as ``None``. A whole shape is ``None`` when not even its rank is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from math import prod
from typing import Union

Dim = Union[int, str, None]
Shape = tuple[Dim, ...]


def is_known(dim: Dim) -> bool:
    return isinstance(dim, int) and not isinstance(dim, bool)


def known_prod(dims: Iterable[Dim]) -> int | None:
    """Product of dims, or None as soon as one of them is not a known int."""
    dims = tuple(dims)
    if not all(is_known(d) for d in dims):
        return None
    return prod(dims)  # type: ignore[arg-type]


def format_dim(dim: Dim) -> str:
    return "None" if dim is None else str(dim)


def format_shape(shape: Shape | None) -> str:
    """Keras' spelling: ``(None, 13, 13, 256)``; ``?`` when the rank is unknown."""
    if shape is None:
        return "?"
    inner = ", ".join(format_dim(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def to_json(shape: Shape | None) -> list[int | str | None] | None:
    return None if shape is None else list(shape)


def same_dim(a: Dim, b: Dim) -> bool | None:
    """True/False when both dims are known ints, None when it cannot be decided."""
    if is_known(a) and is_known(b):
        return a == b
    if isinstance(a, str) and a == b:
        return True
    return None


def normalize_axis(axis: int, rank: int) -> int | None:
    """A Python-style axis (negative counts from the end) in [0, rank), else None."""
    if -rank <= axis < rank:
        return axis % rank
    return None


def factor_string(dims: Sequence[Dim]) -> str:
    return " × ".join(format_dim(d) for d in dims)
