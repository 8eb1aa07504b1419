"""Merging several tensors: ``broadcast`` (elementwise add/sub/mul/div/avg/
max/min, Keras merge layers and Python's binary operators), ``concat`` and
``stack``. No parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import MERGE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, dims_sum, find_unknown, norm_dim, sizes_match
from modelint.analyzer.ops._cost import Cost, FREE, flops_only, mul, numel
from modelint.analyzer.shapes import Dim, Shape, format_shape, is_expr, is_known


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
    # An expression against a known size other than 1 can only be 1 or that size,
    # and both broadcast to it.
    if is_expr(a) and is_known(b):
        return b, True
    if is_expr(b) and is_known(a):
        return a, True
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


@op("broadcast", parameter_free=True)
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


@macs("broadcast")
def broadcast_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per output element for each operand after the first."""
    return flops_only(mul(numel(outputs[0] if outputs else None), max(len(inputs) - 1, 1)))


@op("concat", parameter_free=True)
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
    constraints: list[Any] = []
    for i in range(rank):
        if i == axis:
            out[i] = dims_sum([s[i] for s in shapes])
            continue
        if not _agree(f"{text}: dim {i}", [s[i] for s in shapes], constraints):
            return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    return OpResult((tuple(out),), 0, 0, (), None, tuple(constraints))


def _agree(why: str, dims: Sequence[Dim], constraints: list[Any]) -> bool:
    """False when two of ``dims`` differ for every value of their symbols; pairs
    equal only for some values add a constraint."""
    sizes = list(dict.fromkeys(d for d in dims if d is not None and not isinstance(d, str)))
    if len({d for d in sizes if is_known(d)}) > 1:
        return False
    found: list[Any] = []
    if not all(sizes_match(a, b, why, found) for i, a in enumerate(sizes) for b in sizes[i + 1:]):
        return False
    constraints.extend(found)
    return True


@op("stack", parameter_free=True)
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
    constraints: list[Any] = []
    for i in range(rank):
        if not _agree(f"{text}: dim {i}", [s[i] for s in shapes], constraints):
            return OpResult((None,), 0, 0, (_incompatible(text, shapes, axis=axis_value),))
    base = shapes[0]
    return OpResult((base[:axis] + (len(shapes),) + base[axis:],), 0, 0, (), None, tuple(constraints))


@macs("concat", "stack")
def copy_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Data movement only."""
    return FREE
