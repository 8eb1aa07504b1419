"""Dense / Linear (acts on the last axis) and torch's Bilinear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, flag, min_rank_issue, unknown_result
from modelint.analyzer.shapes import Shape, format_dim, is_known


def _features_issue(name: str, expected: int, actual: int, slot: str = "input") -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {expected} input features, but the {slot} has {actual}",
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
    units: int = attrs["units"]
    declared = attrs.get("in_features")
    bias = flag(attrs, "use_bias", True)
    x = first(inputs)
    issues: list[Issue] = []
    out: Shape | None = None
    actual = None
    if x is not None:
        minimum = attrs.get("min_rank", 1)
        if len(x) < minimum:
            issues.append(min_rank_issue(name, x, minimum))
        else:
            actual = x[-1]
            out = x[:-1] + (units,)
    if declared is not None and is_known(actual) and actual != declared:
        issues.append(_features_issue(name, declared, actual))  # type: ignore[arg-type]
    features = declared if declared is not None else (actual if is_known(actual) else None)
    if features is None:
        why = "its input is unknown" if x is None else f"the input's last axis is {format_dim(actual)}"
        return OpResult((out,), None, None, tuple(issues), f"{name}: kernel size unknown, {why}")
    return OpResult((out,), features * units + (units if bias else 0), 0, tuple(issues))


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
    out: Shape | None = None
    for slot, declared, x in (("first input", in1, inputs[0] if inputs else None),
                              ("second input", in2, inputs[1] if len(inputs) > 1 else None)):
        if x is None:
            continue
        if len(x) < 1:
            issues.append(min_rank_issue(name, x, 1))
            continue
        if is_known(x[-1]) and x[-1] != declared:
            issues.append(_features_issue(name, declared, x[-1], slot))  # type: ignore[arg-type]
    x1 = first(inputs)
    if x1 is not None and len(x1) >= 1:
        out = x1[:-1] + (units,)
    bias = flag(attrs, "use_bias", True)
    return OpResult((out,), units * in1 * in2 + (units if bias else 0), 0, tuple(issues))
