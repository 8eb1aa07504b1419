"""Dense / Linear (acts on the last axis) and torch's Bilinear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import (
    cls,
    find_unknown,
    first,
    flag,
    min_rank_issue,
    sizes_match,
    unknown_result,
)
from modelint.analyzer.ops._cost import Cost, Poly, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.shapes import Shape, format_dim, is_size


def _features_issue(name: str, expected: Any, actual: Any, slot: str = "input") -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {format_dim(expected)} input features, but the {slot} has {format_dim(actual)}",
        {"expected": expected, "actual": actual, "slot": slot},
    )


@op("dense")
def dense(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """``x[..., in] → x[..., units]``; kernel ``in × units`` plus ``units`` biases.

    attrs: ``units``; ``in_features`` (declared, torch) or None (taken from the
    input's last axis, Keras / LazyLinear); ``use_bias``; ``min_rank`` (Keras 2,
    torch 1).
    """
    name = cls(attrs)
    reason = find_unknown(attrs, ("units", "in_features", "use_bias"), required=("units",))
    if reason:
        return unknown_result(reason)
    units = attrs["units"]
    declared = attrs.get("in_features")
    bias = flag(attrs, "use_bias", True)
    x = first(inputs)
    issues: list[Issue] = []
    constraints: list[Any] = []
    out: Shape | None = None
    actual = None
    if x is not None:
        minimum = attrs.get("min_rank", 1)
        if len(x) < minimum:
            issues.append(min_rank_issue(name, x, minimum))
        else:
            actual = x[-1]
            out = x[:-1] + (units,)
    if declared is not None and not sizes_match(declared, actual, f"{name} in_features", constraints):
        issues.append(_features_issue(name, declared, actual))
    features = declared if declared is not None else (actual if is_size(actual) else None)
    if features is None:
        why = "its input is unknown" if x is None else f"the input's last axis is {format_dim(actual)}"
        return OpResult((out,), None, None, tuple(issues), f"{name}: kernel size unknown, {why}", tuple(constraints))
    return OpResult((out,), features * units + (units if bias else 0), 0, tuple(issues), None, tuple(constraints))


@macs("dense")
def dense_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """``in × units`` per output row: ``numel(output) × in`` (bias not counted)."""
    declared = attrs.get("in_features")
    x = first(inputs)
    features = declared if is_size(declared) else (x[-1] if x else None)
    if not is_size(features):
        return unknown_cost(f"{cls(attrs)}: input features unknown")
    return matmul_like(mul(numel(first(outputs)), Poly.of(features)))  # type: ignore[arg-type]


@op("bilinear")
def bilinear(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """torch Bilinear: ``(x1[..., in1], x2[..., in2]) → [..., out]``;
    weight ``out × in1 × in2`` plus ``out`` biases.

    attrs: ``in1_features``, ``in2_features``, ``out_features``, ``use_bias``.
    """
    name = cls(attrs)
    reason = find_unknown(attrs, ("use_bias",), required=("in1_features", "in2_features", "out_features"))
    if reason:
        return unknown_result(reason)
    in1, in2, units = attrs["in1_features"], attrs["in2_features"], attrs["out_features"]
    issues: list[Issue] = []
    constraints: list[Any] = []
    out: Shape | None = None
    for slot, declared, x in (("first input", in1, inputs[0] if inputs else None),
                              ("second input", in2, inputs[1] if len(inputs) > 1 else None)):
        if x is None:
            continue
        if len(x) < 1:
            issues.append(min_rank_issue(name, x, 1))
            continue
        if not sizes_match(declared, x[-1], f"{name} {slot} features", constraints):
            issues.append(_features_issue(name, declared, x[-1], slot))
    x1 = first(inputs)
    if x1 is not None and len(x1) >= 1:
        out = x1[:-1] + (units,)
    bias = flag(attrs, "use_bias", True)
    return OpResult((out,), units * in1 * in2 + (units if bias else 0), 0, tuple(issues), None, tuple(constraints))


@macs("bilinear")
def bilinear_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """``y_k = x1ᵀ W_k x2``: ``W_k x2`` (in1 × in2) then a dot with x1 (in1) per
    output element."""
    in1, in2 = attrs.get("in1_features"), attrs.get("in2_features")
    if not isinstance(in1, int) or not isinstance(in2, int):
        return unknown_cost(f"{cls(attrs)}: feature sizes unknown")
    return matmul_like(mul(numel(first(outputs)), in1 * in2 + in1))
