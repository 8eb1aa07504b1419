"""Pooling: ``pool`` (max/avg, windowed), ``global_pool``, ``adaptive_pool``.

No parameters. Max and average pooling share a shape, so they share the op;
the framework class name stays in ``class_name``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import prod
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import Issue, OpResult
from modelint.analyzer.ops._common import (
    as_tuple,
    channels_last,
    cls,
    find_unknown,
    first,
    flag,
    from_channels_first,
    window_out,
)
from modelint.analyzer.ops._cost import Cost, flops_only, mul, numel, product, unknown_cost
from modelint.analyzer.ops.conv import geometry, size_issue, spatial_constraints, split_input
from modelint.analyzer.shapes import Shape, is_known


def _shape_only(outputs: tuple[Shape | None, ...], issues: list[Issue], unknown: str | None = None,
                constraints: Sequence[Any] = ()) -> OpResult:
    return OpResult(outputs, 0, 0, tuple(issues), unknown, tuple(constraints))


@op("pool", parameter_free=True)
def pool(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """MaxPool/AvgPool, MaxPooling/AveragePooling.

    attrs: ``rank``, ``channels_last``, ``pool_size``, ``strides`` (None = pool
    size), ``padding`` (``"valid"``/``"same"`` or torch's symmetric ints),
    ``dilation``, ``ceil_mode``, ``allow_unbatched``, ``return_indices`` (a second
    output of the same shape).
    """
    name = cls(attrs)
    ports = 2 if attrs.get("return_indices") is True else 1
    reason = find_unknown(attrs, ("rank", "pool_size", "strides", "padding", "dilation", "ceil_mode",
                                  "data_format", "channels_last"))
    if reason:
        return _shape_only((None,) * ports, [], reason)
    geo = geometry(attrs, kernel_key="pool_size")
    if isinstance(geo, str):
        return _shape_only((None,) * ports, [], geo)
    last = channels_last(attrs)
    issues: list[Issue] = []
    cf = split_input(name, first(inputs), geo.rank, last, flag(attrs, "allow_unbatched", False), issues)
    if cf is None:
        return _shape_only((None,) * ports, issues)
    ceil_mode = flag(attrs, "ceil_mode", False)
    spatial_in = cf[-geo.rank:]
    spatial = tuple(
        window_out(size, geo.kernel[i], geo.stride[i], geo.padding[i], geo.dilation[i], ceil_mode)
        for i, size in enumerate(spatial_in)
    )
    problem = size_issue(name, spatial_in, geo.kernel, geo.stride, spatial)
    if problem:
        issues.append(problem)
        spatial = tuple(None if is_known(d) and d <= 0 else d for d in spatial)  # type: ignore[operator]
    constraints: list[Any] = []
    spatial_constraints(name, spatial, constraints)
    out = from_channels_first(cf[: -geo.rank] + spatial, last, geo.rank)
    return _shape_only((out,) * ports, issues, None, constraints)


@macs("pool")
def pool_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP (a comparison or an addition) per window element of each
    output: ``numel(output) × prod(pool_size)``."""
    key = "pool_size" if "pool_size" in attrs else "kernel_shape"  # ONNX keeps its own name
    reason = find_unknown(attrs, ("rank", key))
    kernel = attrs.get(key)
    rank = attrs.get("rank") if isinstance(attrs.get("rank"), int) else (
        len(kernel) if isinstance(kernel, (tuple, list)) else None)
    window = None if reason or rank is None else as_tuple(kernel, rank)
    if window is None or not all(isinstance(k, int) for k in window):
        return unknown_cost(reason or f"{cls(attrs)}: pool size unknown")
    return flops_only(mul(numel(first(outputs)), prod(window)))


@op("global_pool", parameter_free=True)
def global_pool(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """GlobalAverage/MaxPooling1D/2D/3D: ``(N, *spatial, C) → (N, C)``, or with
    ``keepdims`` every spatial axis kept as 1. attrs: ``rank``, ``channels_last``,
    ``keepdims``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("keepdims", "data_format", "channels_last"), required=("rank",))
    if reason:
        return _shape_only((None,), [], reason)
    rank = attrs["rank"]
    last = channels_last(attrs)
    issues: list[Issue] = []
    cf = split_input(name, first(inputs), rank, last, False, issues)
    if cf is None:
        return _shape_only((None,), issues)
    if flag(attrs, "keepdims", False):
        out = from_channels_first(cf[:-rank] + (1,) * rank, last, rank)
    else:
        out = cf[:-rank]
    return _shape_only((out,), issues)


@macs("global_pool")
def global_pool_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                     outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per input element."""
    return flops_only(numel(first(inputs)))


@op("adaptive_pool", parameter_free=True)
def adaptive_pool(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """AdaptiveAvg/MaxPool1d/2d/3d: spatial axes become ``output_size`` (an int or
    a tuple whose None entries keep the input's size). attrs: ``rank``,
    ``output_size``, ``return_indices``; torch accepts unbatched input."""
    name = cls(attrs)
    ports = 2 if attrs.get("return_indices") is True else 1
    reason = find_unknown(attrs, (), required=("rank", "output_size"))
    if reason:
        return _shape_only((None,) * ports, [], reason)
    rank = attrs["rank"]
    sizes = as_tuple(attrs.get("output_size"), rank)
    if sizes is None:
        return _shape_only((None,) * ports, [], f"{name}: output_size does not fit {rank} spatial axes")
    issues: list[Issue] = []
    cf = split_input(name, first(inputs), rank, False, flag(attrs, "allow_unbatched", True), issues)
    if cf is None:
        return _shape_only((None,) * ports, issues)
    spatial = tuple(cf[-rank + i] if s is None else s for i, s in enumerate(sizes))
    return _shape_only((cf[:-rank] + spatial,) * ports, issues)


def _adaptive_reads(size: int, out: int) -> int:
    """Elements read along one axis: torch's windows ``[⌊i·size/out⌋, ⌈(i+1)·size/out⌉)``."""
    return sum(-(-((i + 1) * size) // out) - (i * size) // out for i in range(out))


@macs("adaptive_pool")
def adaptive_pool_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                       outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per element of every (possibly overlapping) window."""
    x, y = first(inputs), first(outputs)
    rank = attrs.get("rank")
    if x is None or y is None or not isinstance(rank, int) or len(x) < rank + 1 or len(y) != len(x):
        return unknown_cost(f"{cls(attrs)}: a shape is unknown")
    reads: list[Any] = list(x[:-rank])
    for size, out in zip(x[-rank:], y[-rank:]):
        if not (is_known(size) and is_known(out) and out > 0):  # type: ignore[operator]
            return unknown_cost(f"{cls(attrs)}: a spatial size is unknown")
        reads.append(_adaptive_reads(size, out))  # type: ignore[arg-type]
    return flops_only(product(reads))
