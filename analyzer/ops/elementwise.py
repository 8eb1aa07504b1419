"""Shape-preserving ops: ``activation`` (attr ``activation``: the function's
name as the frontend normalized it), ``softmax`` (``axis``), ``dropout`` (and
noise layers, ``rate``), ``identity`` (Identity, contiguous, Masking, Rescaling,
UnitNormalization...), and ``prelu``, the one with parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, RANK_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, dims_prod, find_unknown, first, norm_dim, sizes_match, unknown_result
from modelint.analyzer.ops._cost import Cost, FREE, flops_only, mul, numel
from modelint.analyzer.shapes import Shape, format_dim, format_shape, is_known, is_size


@op("activation", "dropout", "identity", parameter_free=True)
def same_shape(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """The output has the input's shape; no parameters."""
    return OpResult((first(inputs),), 0, 0)


@macs("activation")
def activation_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                    outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per output element (``linear`` is free)."""
    if attrs.get("activation") in ("linear", None):
        return FREE
    return flops_only(numel(first(outputs)))


@macs("dropout", "identity")
def free_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Nothing computed at inference (dropout is the identity there)."""
    return FREE


@op("softmax", parameter_free=True)
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


@macs("softmax")
def softmax_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; three FLOPs per element (exp, the sum, the division)."""
    return flops_only(mul(numel(first(outputs)), 3))


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
        constraints: list[Any] = []
        # One shared slope (declared 1) fits any input; a symbolic count is one per channel.
        if x is not None and not (is_known(declared) and declared <= 1) and len(x) >= 1:
            channel = x[1] if len(x) >= 2 else x[0]
            if not sizes_match(declared, channel, f"{name} num_parameters", constraints):
                issues = (Issue(
                    FEATURE_MISMATCH,
                    f"{name} expects {format_dim(declared)} channels, but the input has {format_dim(channel)}",
                    {"expected": declared, "actual": channel, "slot": "channels"},
                ),)
        return OpResult((x,), declared, 0, issues, None, tuple(constraints))
    if x is None:
        return OpResult((None,), None, None, (), f"{name}: the slope shape follows the input, which is unknown")
    shared = attrs.get("shared_axes") or ()
    shared = set(shared if isinstance(shared, (tuple, list)) else (shared,))
    dims = [1 if i in shared or (i - len(x)) in shared else d for i, d in enumerate(x) if i > 0]
    count = dims_prod(dims) if all(is_size(d) for d in dims) else None
    if count is None:
        return OpResult((x,), None, None, (), f"{name}: the slope shape {format_shape(tuple(dims))} is not known")
    return OpResult((x,), count, 0)


@macs("prelu")
def prelu_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per element (the slope multiply)."""
    return flops_only(numel(first(outputs)))
