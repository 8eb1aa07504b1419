"""Convolutions: ``conv``, ``conv_transpose``, ``depthwise_conv``, ``separable_conv``.

Common attrs: ``rank`` (number of spatial axes: 1, 2, 3), ``channels_last`` (or a
Keras ``data_format``), ``kernel_size``, ``strides``, ``padding`` (``"valid"``,
``"same"``, ``"causal"``, an int or per-axis ints/pairs), ``dilation``,
``use_bias``, ``allow_unbatched`` (torch accepts ``(C, *spatial)``).
``conv``/``conv_transpose`` also ``filters`` (out channels), ``in_channels``
(declared, torch; None → read from the input), ``groups``, and for transposed
``output_padding``. Depthwise/separable read ``depth_multiplier`` (and
separable ``filters``). The arithmetic is written on channels-first shapes; a
channels-last input is permuted there and back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from math import prod
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, NON_POSITIVE_SIZE, Issue, OpResult
from modelint.analyzer.ops._common import (
    Padding,
    as_tuple,
    channels_last,
    cls,
    find_unknown,
    first,
    flag,
    from_channels_first,
    rank_issue,
    size_positive,
    sizes_match,
    spatial_padding,
    to_channels_first,
    transposed_out,
    unknown_result,
    window_out,
)
from modelint.analyzer.ops._cost import Cost, Poly, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.shapes import Dim, Shape, factor_string, format_dim, is_known, is_size

_GEOMETRY = ("rank", "kernel_size", "strides", "padding", "dilation", "data_format", "channels_last")


def _compact(values: Sequence[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else f"({', '.join(map(str, values))})"


def size_issue(name: str, spatial: Sequence[Dim], kernel: Sequence[int], stride: Sequence[int],
               out: Sequence[Dim]) -> Issue | None:
    """``MaxPool2d leaves a spatial size of 0 (input 1 × 1, kernel 2, stride 2)``."""
    bad = [d for d in out if is_known(d) and d <= 0]  # type: ignore[operator]
    if not bad:
        return None
    return Issue(
        NON_POSITIVE_SIZE,
        f"{name} leaves a spatial size of {bad[0]} (input {factor_string(spatial)}, "
        f"kernel {_compact(kernel)}, stride {_compact(stride)})",
        {"expected": ">0", "actual": tuple(out), "input": tuple(spatial),
         "kernel": tuple(kernel), "stride": tuple(stride)},
    )


_AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_word(rank: int, axis: int) -> str:
    """``height`` for axis 0 of a 2-D window: how a constraint says which size."""
    words = _AXES.get(rank)
    return words[axis] if words else f"spatial axis {axis}"


def spatial_constraints(name: str, spatial: Sequence[Dim], constraints: list[Any]) -> None:
    """Every expression output size must stay ≥ 1 (``(H - 4) // 2 ≥ 1``)."""
    for axis, size in enumerate(spatial):
        size_positive(size, f"{name} output {axis_word(len(spatial), axis)}", constraints)


class Geometry:
    """Per-axis kernel, stride, dilation and padding of a windowed op."""

    __slots__ = ("rank", "kernel", "stride", "dilation", "padding")

    def __init__(self, rank: int, kernel: tuple[int, ...], stride: tuple[int, ...],
                 dilation: tuple[int, ...], padding: list[Padding]) -> None:
        self.rank, self.kernel, self.stride = rank, kernel, stride
        self.dilation, self.padding = dilation, padding


def geometry(attrs: Mapping[str, Any], kernel_key: str = "kernel_size") -> Geometry | str:
    """Read the window attributes; a string says what did not fit."""
    name = cls(attrs)
    rank = attrs.get("rank")
    if not isinstance(rank, int):
        return f"{name}: the number of spatial axes is not known"
    kernel = as_tuple(attrs.get(kernel_key), rank)
    stride_value = attrs.get("strides")
    stride = kernel if stride_value is None else as_tuple(stride_value, rank)
    dilation = as_tuple(attrs.get("dilation", 1) or 1, rank)
    if kernel is None or stride is None or dilation is None:
        return f"{name}: kernel/stride/dilation do not fit {rank} spatial axes"
    padding = spatial_padding(attrs.get("padding", "valid"), rank, kernel, dilation)
    if padding is None:
        return f"{name}: padding {attrs.get('padding')!r} is not understood"
    return Geometry(rank, kernel, stride, dilation, padding)


def split_input(name: str, x: Shape | None, rank: int, last: bool, unbatched: bool,
                issues: list[Issue]) -> Shape | None:
    """The input permuted to channels-first, or None (rank unknown or wrong)."""
    if x is None:
        return None
    ranks = (rank + 1, rank + 2) if unbatched else (rank + 2,)
    if len(x) not in ranks:
        issues.append(rank_issue(name, x, ranks))
        return None
    return to_channels_first(x, last, rank)


def _channels_issue(name: str, expected: int, actual: int) -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {expected} input channels, but the input has {actual}",
        {"expected": expected, "actual": actual, "slot": "channels"},
    )


def _conv_like(
    attrs: Mapping[str, Any],
    inputs: Sequence[Shape | None],
    param_keys: Sequence[str],
    params: Callable[[int, Geometry], int],
    out_channels: Callable[[Dim], Dim],
    spatial_fn: Callable[[Dim, int, Geometry], Dim],
) -> OpResult:
    """Shared skeleton: geometry, rank check, channel check, params from the
    (declared or observed) input channel count, outputs on channels-first."""
    name = cls(attrs)
    reason = find_unknown(attrs, param_keys, required=[k for k in ("filters", "kernel_size") if k in param_keys])
    if reason:
        return unknown_result(reason)
    geo = geometry(attrs)
    if isinstance(geo, str):
        return unknown_result(geo)
    shape_reason = find_unknown(attrs, _GEOMETRY + ("output_padding",))
    last = channels_last(attrs)
    issues: list[Issue] = []
    cf = split_input(name, first(inputs), geo.rank, last, flag(attrs, "allow_unbatched", False), issues)
    actual: Dim = cf[-geo.rank - 1] if cf is not None else None
    declared = attrs.get("in_channels")
    constraints: list[Any] = []
    if declared is not None and not sizes_match(declared, actual, f"{name} in_channels", constraints):
        issues.append(_channels_issue(name, declared, actual))  # type: ignore[arg-type]
    channels = declared if declared is not None else (actual if is_size(actual) else None)

    out: Shape | None = None
    if cf is not None and shape_reason is None:
        spatial_in = cf[-geo.rank:]
        spatial = tuple(spatial_fn(size, axis, geo) for axis, size in enumerate(spatial_in))
        problem = size_issue(name, spatial_in, geo.kernel, geo.stride, spatial)
        if problem:
            issues.append(problem)
            spatial = tuple(None if is_known(d) and d <= 0 else d for d in spatial)  # type: ignore[operator]
        spatial_constraints(name, spatial, constraints)
        oc = out_channels(channels if channels is not None else actual)
        out = from_channels_first(cf[: -geo.rank - 1] + (oc,) + spatial, last, geo.rank)

    unknown = shape_reason if cf is not None else None
    if channels is None:
        why = "its input is unknown" if cf is None else f"the input has {format_dim(actual)} channels"
        return OpResult((out,), None, None, tuple(issues), f"{name}: kernel size unknown, {why}",
                        tuple(constraints))
    return OpResult((out,), params(channels, geo), 0, tuple(issues), unknown, tuple(constraints))


def _window_axis(size: Dim, axis: int, geo: Geometry) -> Dim:
    return window_out(size, geo.kernel[axis], geo.stride[axis], geo.padding[axis], geo.dilation[axis])


@op("conv")
def conv(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Conv1d/2d/3d, Conv1D/2D/3D: kernel ``out × in/groups × prod(kernel)`` + ``out`` bias."""
    filters = attrs.get("filters")

    def params(channels: int, geo: Geometry) -> int:
        groups = attrs.get("groups", 1) or 1
        bias = flag(attrs, "use_bias", True)
        return filters * (channels // groups) * prod(geo.kernel) + (filters if bias else 0)

    return _conv_like(attrs, inputs, ("filters", "in_channels", "kernel_size", "groups", "use_bias", "rank"),
                      params, lambda _c: filters, _window_axis)


def _cost_geometry(attrs: Mapping[str, Any], kernel_key: str = "kernel_size") -> Geometry | str:
    reason = find_unknown(attrs, _GEOMETRY + (kernel_key, "filters", "groups", "in_channels", "depth_multiplier"))
    return reason if reason else geometry(attrs, kernel_key)


def _groups(attrs: Mapping[str, Any]) -> Any:
    """``groups``; ONNX nodes keep their own attribute name, ``group``."""
    return attrs.get("groups", attrs.get("group", 1)) or 1


def _input_channels(attrs: Mapping[str, Any], x: Shape | None, rank: int) -> Dim:
    declared = attrs.get("in_channels")
    if is_size(declared):
        return declared
    if x is None or len(x) < rank + 1:
        return None
    return to_channels_first(x, channels_last(attrs), rank)[-rank - 1]


@macs("conv")
def conv_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Each output element is a dot product of ``in/groups × prod(kernel)`` terms;
    dilation and padding change which inputs it reads, not how many (padded zeros
    are multiplied too, as every framework does)."""
    geo = _cost_geometry(attrs)
    if isinstance(geo, str):
        return unknown_cost(geo)
    channels = _input_channels(attrs, first(inputs), geo.rank)
    groups = _groups(attrs)
    if not is_size(channels) or not isinstance(groups, int):
        return unknown_cost(f"{cls(attrs)}: input channels unknown")
    return matmul_like(mul(numel(first(outputs)), Poly.of(channels // groups * prod(geo.kernel))))  # type: ignore[operator]


@op("conv_transpose")
def conv_transpose(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """ConvTranspose / ConvNDTranspose: weight ``in × out/groups × prod(kernel)`` +
    ``out`` bias; output length from :func:`transposed_out`."""
    filters = attrs.get("filters")
    output_padding = attrs.get("output_padding")

    def params(channels: int, geo: Geometry) -> int:
        groups = attrs.get("groups", 1) or 1
        bias = flag(attrs, "use_bias", True)
        return channels * (filters // groups) * prod(geo.kernel) + (filters if bias else 0)

    def spatial(size: Dim, axis: int, geo: Geometry) -> Dim:
        extra = None if output_padding is None else as_tuple(output_padding, geo.rank)
        return transposed_out(size, geo.kernel[axis], geo.stride[axis], geo.padding[axis],
                              geo.dilation[axis], None if extra is None else extra[axis])

    return _conv_like(attrs, inputs, ("filters", "in_channels", "kernel_size", "groups", "use_bias", "rank"),
                      params, lambda _c: filters, spatial)


@macs("conv_transpose")
def conv_transpose_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                        outputs: Sequence[Shape | None]) -> Cost:
    """Every input element is scattered through ``out/groups × prod(kernel)``
    weights: ``numel(input) × out/groups × prod(kernel)`` (torch counts it so)."""
    geo = _cost_geometry(attrs)
    if isinstance(geo, str):
        return unknown_cost(geo)
    filters = attrs.get("filters")
    groups = _groups(attrs)
    if not isinstance(filters, int) or not isinstance(groups, int):
        return unknown_cost(f"{cls(attrs)}: filters unknown")
    return matmul_like(mul(numel(first(inputs)), filters // groups * prod(geo.kernel)))


def _multiplied(attrs: Mapping[str, Any]) -> Callable[[Dim], Dim]:
    multiplier = attrs.get("depth_multiplier", 1) or 1
    return lambda c: c * multiplier if is_size(c) else None


@op("depthwise_conv")
def depthwise_conv(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """DepthwiseConv1D/2D: ``in × multiplier`` filters of ``prod(kernel)`` each, plus bias."""

    def params(channels: int, geo: Geometry) -> int:
        multiplier = attrs.get("depth_multiplier", 1) or 1
        bias = flag(attrs, "use_bias", True)
        return channels * multiplier * (prod(geo.kernel) + (1 if bias else 0))

    return _conv_like(attrs, inputs, ("depth_multiplier", "kernel_size", "use_bias", "rank"),
                      params, _multiplied(attrs), _window_axis)


@macs("depthwise_conv")
def depthwise_conv_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                        outputs: Sequence[Shape | None]) -> Cost:
    """Each output element reads one input channel: ``prod(kernel)`` MACs."""
    geo = _cost_geometry(attrs)
    if isinstance(geo, str):
        return unknown_cost(geo)
    return matmul_like(mul(numel(first(outputs)), prod(geo.kernel)))


def _positions(attrs: Mapping[str, Any], shape: Shape | None, rank: int) -> Shape | None:
    """A conv output without its channel axis: batch and spatial positions."""
    if shape is None or len(shape) < rank + 1:
        return None
    cf = to_channels_first(shape, channels_last(attrs), rank)
    return cf[: -rank - 1] + cf[-rank:]


@op("separable_conv")
def separable_conv(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """SeparableConv1D/2D: depthwise ``in × multiplier × prod(kernel)`` + pointwise
    ``in × multiplier × filters`` + ``filters`` bias."""
    filters = attrs.get("filters")

    def params(channels: int, geo: Geometry) -> int:
        multiplier = attrs.get("depth_multiplier", 1) or 1
        bias = flag(attrs, "use_bias", True)
        inner = channels * multiplier
        return inner * prod(geo.kernel) + inner * filters + (filters if bias else 0)

    return _conv_like(attrs, inputs, ("filters", "depth_multiplier", "kernel_size", "use_bias", "rank"),
                      params, lambda _c: filters, _window_axis)


@macs("separable_conv")
def separable_conv_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                        outputs: Sequence[Shape | None]) -> Cost:
    """Per output position: depthwise ``in × multiplier × prod(kernel)`` plus
    pointwise ``in × multiplier × filters``."""
    geo = _cost_geometry(attrs)
    if isinstance(geo, str):
        return unknown_cost(geo)
    channels = _input_channels(attrs, first(inputs), geo.rank)
    filters = attrs.get("filters")
    multiplier = attrs.get("depth_multiplier", 1) or 1
    if not is_known(channels) or not isinstance(filters, int) or not isinstance(multiplier, int):
        return unknown_cost(f"{cls(attrs)}: input channels unknown")
    inner = channels * multiplier  # type: ignore[operator]
    return matmul_like(mul(numel(_positions(attrs, first(outputs), geo.rank)), inner * prod(geo.kernel) + inner * filters))
