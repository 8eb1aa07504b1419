"""Merging several tensors: ``broadcast`` (elementwise add/sub/mul/div/avg/
max/min, Keras merge layers and Python's binary operators), ``concat`` and
``stack``. No parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import op
from modelint.analyzer.ops._base import MERGE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, dims_sum, find_unknown, norm_dim
from modelint.analyzer.shapes import Dim, Shape, format_shape, is_known


def _incompatible(text: str, shapes: Sequence[Shape], **data: Any) -> Issue:
    shown = " and ".join(format_shape(s) for s in shapes)
    return Issue(MERGE_MISMATCH, f"{text} got incompatible shapes {shown}",
                 {"expected": "compatible shapes", "actual": tuple(shapes), **data})


def _broadcast_dim(a: Dim, b: Dim) -> tuple[Dim, bool]:
    """One broadcast axis: (result, compatible). Keras' rule: an unknown size
    against anything but an equal symbol is unknown."""
    if a == b:
        return a, True
    if a == 1:
        return b, True
    if b == 1:
        return a, True
    if is_known(a) and is_known(b):
        return None, False
    return None, True


def broadcast_shapes(shapes: Sequence[Shape]) -> tuple[Shape, bool]:
    rank = max(len(s) for s in shapes)
    out: Shape = ()
    ok = True
    for i in range(rank):
        dim: Dim = 1
        for s in shapes:
            j = len(s) - rank + i
            if j >= 0:
                dim, fits = _broadcast_dim(dim, s[j])
                ok = ok and fits
        out += (dim,)
    return out, ok


@op("broadcast")
def broadcast(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Elementwise op over inputs broadcast numpy-style (scalars are ``()``).
    attrs: ``class_name`` only (``Add``, ``+``, ``torch.add``...)."""
    if not inputs or any(s is None for s in inputs):
        return OpResult((None,), 0, 0)
    shapes: list[Shape] = list(inputs)  # type: ignore[arg-type]
    out, ok = broadcast_shapes(shapes)
    if ok:
        return OpResult((out,), 0, 0)
    return OpResult((None,), 0, 0, (_incompatible(cls(attrs), shapes),))


@op("concat")
def concat(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Join along ``axis`` (Keras Concatenate -1, torch.cat dim 0): every other
    dim must agree (an unknown one takes the first input's value, as Keras does).
    ``axis_name`` (``"axis"``/``"dim"``) only words the message."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("axis",))
    if reason or not inputs or any(s is None for s in inputs):
        return OpResult((None,), 0, 0, (), reason)
    shapes: list[Shape] = list(inputs)  # type: ignore[arg-type]
    axis_value = attrs.get("axis", 0)
    text = f"{name} along {attrs.get('axis_name', 'axis')} {axis_value}"
    rank = len(shapes[0])
    axis = norm_dim(axis_value, rank)
    if axis is None or any(len(s) != rank for s in shapes):
        return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    out = list(shapes[0])
    for i in range(rank):
        if i == axis:
            out[i] = dims_sum([s[i] for s in shapes])
            continue
        known = {s[i] for s in shapes if is_known(s[i])}
        if len(known) > 1:
            return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    return OpResult((tuple(out),), 0, 0)


@op("stack")
def stack(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """torch.stack: equal shapes, a new dim of size ``len(inputs)`` at ``axis``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("axis",))
    if reason or not inputs or any(s is None for s in inputs):
        return OpResult((None,), 0, 0, (), reason)
    shapes: list[Shape] = list(inputs)  # type: ignore[arg-type]
    axis_value = attrs.get("axis", 0)
    text = f"{name} along {attrs.get('axis_name', 'dim')} {axis_value}"
    rank = len(shapes[0])
    axis = norm_dim(axis_value, rank + 1)
    if axis is None or any(len(s) != rank for s in shapes):
        return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    for i in range(rank):
        if len({s[i] for s in shapes if is_known(s[i])}) > 1:
            return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    base = shapes[0]
    return OpResult((base[:axis] + (len(shapes),) + base[axis:],), 0, 0)
