"""Normalization: ``batch_norm`` (also instance norm), ``layer_norm`` (also RMS
norm), ``group_norm``, ``local_response_norm``. All keep the input's shape.

Affine flags (each defaults to True; all that apply must hold): ``scale`` /
``center`` (Keras), ``affine`` / ``elementwise_affine`` / ``bias`` (torch). A
per-feature scale exists when ``scale ∧ affine ∧ elementwise_affine``, a shift
when additionally ``center ∧ bias``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import (
    cls,
    dims_prod,
    find_unknown,
    first,
    flag,
    min_rank_issue,
    norm_dim,
    rank_issue,
    sizes_match,
    unknown_result,
)
from modelint.analyzer.ops._cost import Cost, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.shapes import Dim, Shape, format_dim, format_shape, is_size

_AFFINE = ("scale", "center", "affine", "elementwise_affine", "bias")


def _gamma_beta(attrs: Mapping[str, Any]) -> int:
    """How many per-feature trainable vectors (0, 1 or 2) the layer holds."""
    affine = flag(attrs, "affine", True) and flag(attrs, "elementwise_affine", True)
    gamma = affine and flag(attrs, "scale", True)
    beta = affine and flag(attrs, "center", True) and flag(attrs, "bias", True)
    return int(gamma) + int(beta)


def _axes(axis: Any, rank: int) -> list[int] | None:
    items = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    out = [norm_dim(a, rank) for a in items]
    return None if any(a is None for a in out) else out  # type: ignore[return-value]


def _size_prod(dims: Any) -> Dim:
    """Product of ints and expressions; None as soon as one is unknown or a name."""
    dims = tuple(dims)
    return dims_prod(dims) if all(is_size(d) for d in dims) else None


def _features_issue(name: str, expected: Any, actual: Any, what: str = "features") -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {format_dim(expected)} {what}, but the input has {format_dim(actual)}",
        {"expected": expected, "actual": actual, "slot": what},
    )


@op("batch_norm", "instance_norm")
def batch_norm(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """BatchNorm*/BatchNormalization and InstanceNorm*.

    attrs: ``num_features`` (declared, torch; None → read from the input);
    ``axis`` (the feature axis: Keras -1, torch BatchNorm 1, InstanceNormNd
    -(N+1)); ``ranks`` (accepted input ranks, None = any); the affine flags;
    ``track_running_stats``; ``stats_are_params`` (Keras counts moving mean and
    variance as non-trainable params; torch keeps them as buffers). A mismatch
    with the declared count is an issue when the layer holds per-feature tensors.
    """
    name = cls(attrs)
    reason = find_unknown(attrs, ("num_features", "axis") + _AFFINE + ("track_running_stats", "stats_are_params"))
    if reason:
        return unknown_result(reason)
    declared = attrs.get("num_features")
    x = first(inputs)
    issues: list[Issue] = []
    actual: Dim = None
    if x is not None:
        ranks = attrs.get("ranks")
        if ranks is not None and len(x) not in ranks:
            issues.append(rank_issue(name, x, ranks))
        else:
            axes = _axes(attrs.get("axis", -1), len(x))
            if axes is None:
                issues.append(min_rank_issue(name, x, 2))
            else:
                actual = _size_prod(x[a] for a in axes)
    vectors = _gamma_beta(attrs)
    stats = flag(attrs, "track_running_stats", True)
    constraints: list[Any] = []
    if declared is not None and (vectors or stats) and not sizes_match(declared, actual, f"{name} num_features",
                                                                       constraints):
        issues.append(_features_issue(name, declared, actual))
    features = declared if declared is not None else actual
    out = x
    if features is None:
        return OpResult((out,), None, None, tuple(issues),
                        f"{name}: the number of features is unknown (input {format_shape(x)})", tuple(constraints))
    buffers = 2 * features if stats and flag(attrs, "stats_are_params", False) else 0
    return OpResult((out,), vectors * features, buffers, tuple(issues), None, tuple(constraints))


@op("layer_norm")
def layer_norm(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """LayerNorm/RMSNorm (torch: ``normalized_shape`` = the trailing dims) and
    LayerNormalization (Keras: ``axis``, one parameter per element of those axes)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("normalized_shape", "axis") + _AFFINE)
    if reason:
        return unknown_result(reason)
    x = first(inputs)
    issues: list[Issue] = []
    declared = attrs.get("normalized_shape")
    vectors = _gamma_beta(attrs)
    constraints: list[Any] = []
    if declared is not None:
        target = tuple(declared) if isinstance(declared, (tuple, list)) else (declared,)
        if x is not None:
            tail = tuple(x[-len(target):]) if len(x) >= len(target) else tuple(x)
            found: list[Any] = []
            if len(x) < len(target) or not all(
                    [sizes_match(b, a, f"{name} normalized_shape", found) for a, b in zip(tail, target)]):
                issues.append(Issue(
                    FEATURE_MISMATCH,
                    f"{name} expects normalized_shape {format_shape(target)}, but the input ends with "
                    f"{format_shape(tail)}",
                    {"expected": target, "actual": tail, "slot": "normalized_shape"},
                ))
            else:
                constraints.extend(found)
        count = _size_prod(target)
        if count is None:
            return OpResult((x,), None, None, tuple(issues),
                            f"{name}: normalized_shape {format_shape(target)} is not known")
        return OpResult((x,), vectors * count, 0, tuple(issues), None, tuple(constraints))
    if x is None:
        return OpResult((None,), None, None, (), f"{name}: the normalized axes' sizes are unknown (input unknown)")
    axes = _axes(attrs.get("axis", -1), len(x))
    if axes is None:
        issues.append(min_rank_issue(name, x, 1))
        return OpResult((None,), None, None, tuple(issues), f"{name}: axis {attrs.get('axis')} is out of range")
    count = _size_prod(x[a] for a in axes)
    if count is None:
        return OpResult((x,), None, None, (), f"{name}: the normalized axes of {format_shape(x)} are not known")
    return OpResult((x,), vectors * count, 0, ())


@op("group_norm")
def group_norm(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """GroupNorm (torch: ``num_groups``, ``num_channels``, channel axis 1) and
    GroupNormalization (Keras: ``groups``, ``axis`` -1): one scale and shift per channel."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("groups", "num_channels", "axis") + _AFFINE)
    if reason:
        return unknown_result(reason)
    x = first(inputs)
    issues: list[Issue] = []
    declared = attrs.get("num_channels")
    groups = attrs.get("groups")
    actual: Dim = None
    if x is not None:
        ranks = attrs.get("ranks")
        axis = norm_dim(attrs.get("axis", -1), len(x))
        if (ranks is not None and len(x) not in ranks) or axis is None:
            issues.append(min_rank_issue(name, x, 2))
        else:
            actual = x[axis]
    constraints: list[Any] = []
    if declared is not None and not sizes_match(declared, actual, f"{name} num_channels", constraints):
        issues.append(_features_issue(name, declared, actual, "channels"))
    channels = declared if declared is not None else (actual if is_size(actual) else None)
    if isinstance(channels, int) and isinstance(groups, int) and groups > 0 and channels % groups:
        issues.append(Issue(
            FEATURE_MISMATCH,
            f"{name} splits {channels} channels into {groups} groups, which does not divide them",
            {"expected": f"multiple of {groups}", "actual": channels, "slot": "groups"},
        ))
    if channels is None:
        return OpResult((x,), None, None, tuple(issues),
                        f"{name}: the number of channels is unknown ({format_dim(actual)})", tuple(constraints))
    return OpResult((x,), _gamma_beta(attrs) * channels, 0, tuple(issues), None, tuple(constraints))


@macs("batch_norm", "instance_norm", "layer_norm", "group_norm")
def norm_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """One MAC per output element: normalisation and affine fold into ``x·a + b``
    (statistics are not counted); FLOPs = 2 × MACs."""
    return matmul_like(numel(first(outputs)))


@op("local_response_norm")
def local_response_norm(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """LocalResponseNorm: shape-preserving, no parameters (needs ≥ 3-D input)."""
    x = first(inputs)
    if x is not None and len(x) < 3:
        return OpResult((x,), 0, 0, (min_rank_issue(cls(attrs), x, 3),))
    return OpResult((x,), 0, 0)


@macs("local_response_norm")
def local_response_norm_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                             outputs: Sequence[Shape | None]) -> Cost:
    """A sum of ``size`` squares per element (``size`` MACs), then the scaling."""
    size = attrs.get("size")
    if not isinstance(size, int):
        return unknown_cost(f"{cls(attrs)}: size unknown")
    return matmul_like(mul(numel(first(outputs)), size))
