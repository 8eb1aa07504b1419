"""Shape-preserving ops: ``activation`` (attr ``activation``: the function's
name as the frontend normalized it), ``softmax`` (``axis``), ``dropout`` (and
noise layers, ``rate``), ``identity`` (Identity, contiguous, Masking, Rescaling,
UnitNormalization...), and ``prelu``, the one with parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, RANK_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, norm_dim, unknown_result
from modelint.analyzer.shapes import Shape, format_shape, is_known, known_prod


@op("activation", "dropout", "identity")
def same_shape(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """The output has the input's shape; no parameters."""
    return OpResult((first(inputs),), 0, 0)


@op("softmax")
def softmax(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Softmax/LogSoftmax over ``axis`` (None = torch's implicit choice)."""
    x = first(inputs)
    axis = attrs.get("axis")
    if x is not None and isinstance(axis, int) and norm_dim(axis, max(len(x), 1)) is None:
        return OpResult((x,), 0, 0, (Issue(
            RANK_MISMATCH,
            f"{cls(attrs)} over dim {axis}, but the input {format_shape(x)} has {len(x)} dimensions",
            {"expected": f"dim in [-{len(x)}, {len(x)})", "actual": axis, "shape": x},
        ),))
    return OpResult((x,), 0, 0)


@op("prelu")
def prelu(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """PReLU. torch: ``num_parameters`` slopes (1, or one per channel, dim 1 —
    dim 0 for a 1-D input). Keras (``num_parameters`` None): one slope per
    element of ``input[1:]``, except that ``shared_axes`` (1-based, counting the
    batch as 0) share one."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("num_parameters", "shared_axes"))
    if reason:
        return unknown_result(reason)
    x = first(inputs)
    declared = attrs.get("num_parameters")
    if declared is not None:
        issues: tuple[Issue, ...] = ()
        if x is not None and declared > 1 and len(x) >= 1:
            channel = x[1] if len(x) >= 2 else x[0]
            if is_known(channel) and channel != declared:
                issues = (Issue(
                    FEATURE_MISMATCH,
                    f"{name} expects {declared} channels, but the input has {channel}",
                    {"expected": declared, "actual": channel, "slot": "channels"},
                ),)
        return OpResult((x,), declared, 0, issues)
    if x is None:
        return OpResult((None,), None, None, (), f"{name}: the slope shape follows the input, which is unknown")
    shared = attrs.get("shared_axes") or ()
    shared = set(shared if isinstance(shared, (tuple, list)) else (shared,))
    dims = [1 if i in shared or (i - len(x)) in shared else d for i, d in enumerate(x) if i > 0]
    count = known_prod(dims)
    if count is None:
        return OpResult((x,), None, None, (), f"{name}: the slope shape {format_shape(tuple(dims))} is not known")
    return OpResult((x,), count, 0)
