"""Spatial resizing without parameters: ``upsample`` (UpSampling, Upsample,
interpolate), ``pixel_shuffle``/``pixel_unshuffle``, ``pad`` (padding and, with
``sign`` -1, cropping) and ``resizing`` (Keras Resizing/CenterCrop)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import floor
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, NON_POSITIVE_SIZE, Issue, OpResult
from modelint.analyzer.ops._common import (
    as_tuple,
    channels_last,
    cls,
    dim_mul,
    exact_div,
    find_unknown,
    first,
    flag,
    from_channels_first,
    rank_issue,
    size_positive,
)
from modelint.analyzer.ops._cost import Cost, FREE, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.ops.conv import split_input
from modelint.analyzer.shapes import Dim, Shape, format_shape, is_expr, is_known


def _result(out: Shape | None, issues: Sequence[Issue] = (), unknown: str | None = None,
            constraints: Sequence[Any] = ()) -> OpResult:
    return OpResult((out,), 0, 0, tuple(issues), unknown, tuple(constraints))


def _scaled(d: Dim, f: Any) -> Dim:
    """``floor(d × f)``: ints exactly; an expression times a whole factor; a named
    dim only through a factor 1."""
    if is_known(d):
        return floor(d * f)  # type: ignore[operator]
    if is_expr(d) and isinstance(f, (int, float)) and not isinstance(f, bool) and float(f).is_integer():
        return d * int(f)  # type: ignore[operator]
    return d if f == 1 else None


def _spatial_rank(attrs: Mapping[str, Any], x: Shape) -> int:
    rank = attrs.get("rank")
    return rank if isinstance(rank, int) else len(x) - 2


@op("upsample")
def upsample(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Spatial axes become ``size`` (torch) or ``floor(in × scale_factor)``.
    attrs: ``rank`` (Keras 1/2/3; None → the input's rank - 2), ``channels_last``,
    ``size``, ``scale_factor`` (Keras' ``size`` is a factor and binds here)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("rank", "size", "scale_factor", "data_format"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    rank = _spatial_rank(attrs, x)
    if rank < 1:
        return _result(None, (rank_issue(name, x, (3, 4, 5)),))
    issues: list[Issue] = []
    last = channels_last(attrs)
    cf = split_input(name, x, rank, last, flag(attrs, "allow_unbatched", False), issues)
    if cf is None:
        return _result(None, issues)
    size, scale = attrs.get("size"), attrs.get("scale_factor")
    spatial_in = cf[-rank:]
    if size is not None:
        spatial = as_tuple(size, rank)
    elif scale is not None:
        factors = as_tuple(scale, rank)
        spatial = None if factors is None else tuple(_scaled(d, f) for d, f in zip(spatial_in, factors))
    else:
        return _result(None, (), f"{name}: neither size nor scale_factor is given")
    if spatial is None:
        return _result(None, (), f"{name}: size/scale_factor does not fit {rank} spatial axes")
    return _result(from_channels_first(cf[:-rank] + tuple(spatial), last, rank))


# MACs per output element of an interpolation with ``rank`` spatial axes: nearest
# copies; (bi/tri)linear weighs 2 neighbours per axis, cubic 4.
_NEIGHBOURS = {"nearest": 0, "nearest-exact": 0, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 4,
               "cubic": 4, "lanczos3": 6, "lanczos5": 10}


def interpolation_cost(mode: Any, rank: int, out: Shape | None) -> Cost:
    neighbours = _NEIGHBOURS.get(mode) if isinstance(mode, str) else None
    if neighbours is None:
        return unknown_cost(f"interpolation {mode!r}: no MACs formula")
    if neighbours == 0:
        return FREE
    return matmul_like(mul(numel(out), neighbours**rank))


@macs("upsample")
def upsample_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Nearest: free; linear modes: ``2^rank`` MACs per output element."""
    out = first(outputs)
    mode = attrs.get("mode", attrs.get("interpolation", "nearest"))
    rank = attrs.get("rank")
    if not isinstance(rank, int):
        rank = len(out) - 2 if out is not None else 0
    return interpolation_cost(mode, rank, out)


@op("pixel_shuffle", "pixel_unshuffle")
def pixel_shuffle(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """PixelShuffle(r): ``(*, C·r², H, W) → (*, C, H·r, W·r)``; PixelUnshuffle(r)
    the inverse. attrs: ``factor`` and ``inverse`` (True for unshuffle)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("factor",))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    if len(x) < 3:
        return _result(None, (rank_issue(name, x, (3, 4)),))
    r = attrs["factor"]
    *lead, c, h, w = x
    if attrs.get("inverse") is True:
        ok = all(not is_known(d) or d % r == 0 for d in (h, w))  # type: ignore[operator]
        out = (*lead, dim_mul(c, r * r), _div(h, r), _div(w, r))
        what, need = f"spatial size {h} × {w}", f"divisible by {r}"
    else:
        ok = not is_known(c) or c % (r * r) == 0  # type: ignore[operator]
        out = (*lead, _div(c, r * r), dim_mul(h, r), dim_mul(w, r))
        what, need = f"{c} channels", f"divisible by {r * r}"
    if not ok:
        return _result(None, (Issue(FEATURE_MISMATCH, f"{name} needs {need}, but the input has {what}",
                                    {"expected": need, "actual": x}),))
    return _result(tuple(out))


@macs("pixel_shuffle", "pixel_unshuffle")
def pixel_shuffle_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                       outputs: Sequence[Shape | None]) -> Cost:
    """A permutation: free."""
    return FREE


def _div(d: Dim, r: int) -> Dim:
    """``d / r`` where it divides (an expression: for every value), else None."""
    if is_known(d):
        return d // r  # type: ignore[operator]
    if is_expr(d):
        try:
            return exact_div(d, r)
        except ArithmeticError:
            return None
    return None


def _pairs(padding: Any, rank: int, order: str) -> list[tuple[int, int]] | None:
    """Per spatial axis (first to last) ``(before, after)``.

    ``order`` ``"last_first"`` (torch: an int, or a flat tuple ``(left, right,
    top, bottom, ...)`` starting at the last axis; F.pad may cover fewer axes)
    or ``"axis_pairs"`` (Keras: an int, one int per axis, or one pair per axis)."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return [(padding, padding)] * rank
    if not isinstance(padding, (tuple, list)):
        return None
    items = list(padding)
    if order == "last_first":
        if len(items) % 2 or len(items) > 2 * rank:
            return None
        pairs = [(items[i], items[i + 1]) for i in range(0, len(items), 2)]
        return [(0, 0)] * (rank - len(pairs)) + pairs[::-1]
    if rank == 1 and len(items) == 2 and all(isinstance(i, int) for i in items):
        return [(items[0], items[1])]
    if len(items) != rank:
        return None
    out = []
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            out.append((item[0], item[1]))
        elif isinstance(item, int):
            out.append((item, item))
        else:
            return None
    return out


@op("pad")
def pad(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Zero/constant/reflect/replicate padding (``sign`` 1) and cropping (``sign``
    -1): each spatial size grows by ``sign × (before + after)``. attrs:
    ``padding``, ``pad_order`` (see :func:`_pairs`), ``rank`` (None: F.pad's
    ``len(pad) // 2`` trailing axes), ``channels_last``, ``allow_unbatched``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("padding", "rank", "data_format"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    padding = attrs.get("padding")
    rank = attrs.get("rank")
    if not isinstance(rank, int):
        rank = len(padding) // 2 if isinstance(padding, (tuple, list)) else 1
        if rank > len(x):
            return _result(None, (rank_issue(name, x, tuple(range(rank, rank + 2))),))
        last, lead, spatial_in = False, x[: len(x) - rank], x[len(x) - rank :]
        cf = lead + spatial_in
    else:
        issues: list[Issue] = []
        last = channels_last(attrs)
        cf = split_input(name, x, rank, last, flag(attrs, "allow_unbatched", False), issues)
        if cf is None:
            return _result(None, issues)
    pairs = _pairs(padding, rank, attrs.get("pad_order", "last_first"))
    if pairs is None:
        return _result(None, (), f"{name}: padding {padding!r} does not fit {rank} spatial axes")
    sign = attrs.get("sign", 1)
    spatial = tuple(
        (d + sign * (a + b)) if is_known(d) or is_expr(d) else (d if a == b == 0 else None)
        for d, (a, b) in zip(cf[-rank:], pairs)
    )
    if any(is_known(d) and d <= 0 for d in spatial):  # type: ignore[operator]
        return _result(None, (Issue(
            NON_POSITIVE_SIZE,
            f"{name} leaves a spatial size of {min(d for d in spatial if is_known(d))} "  # type: ignore[type-var]
            f"(input {format_shape(cf[-rank:])}, {padding!r})",
            {"expected": ">0", "actual": spatial},
        ),))
    constraints: list[Any] = []
    for axis, d in enumerate(spatial):
        size_positive(d, f"{name} output spatial axis {axis}", constraints)
    return _result(from_channels_first(cf[:-rank] + spatial, last, rank), (), None, constraints)


@macs("pad")
def pad_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Padding and cropping copy: free."""
    return FREE


@op("resizing")
def resizing(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras Resizing/CenterCrop: ``(N, H, W, C) → (N, height, width, C)``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("height", "width", "data_format"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    issues: list[Issue] = []
    last = channels_last(attrs)
    cf = split_input(name, x, 2, last, True, issues)
    if cf is None:
        return _result(None, issues)
    return _result(from_channels_first(cf[:-2] + (attrs["height"], attrs["width"]), last, 2))


@macs("resizing")
def resizing_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Keras Resizing interpolates 2 spatial axes (``interpolation``); CenterCrop
    (no interpolation) copies."""
    if "interpolation" not in attrs:
        return FREE
    return interpolation_cost(attrs.get("interpolation"), 2, first(outputs))
