"""Tensor functions that custom layers call inside ``call()``: ``matmul``
(``keras.ops.matmul``, ``tf.matmul``, ``x @ w``). No parameters: the weights a
custom layer multiplies by are counted where it creates them (``add_weight``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import sizes_match
from modelint.analyzer.ops._cost import Cost, dim, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.ops.merge import broadcast_shapes
from modelint.analyzer.shapes import Shape, format_dim, format_shape


@op("matmul", parameter_free=True)
def matmul(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """numpy's matmul: ``(..., n, k) @ (..., k, m) → (..., n, m)``, leading axes
    broadcast; a 1-D operand gains (and then loses) a unit axis. An unknown
    operand gives an unknown shape; sizes that disagree are a feature mismatch."""
    if len(inputs) < 2 or inputs[0] is None or inputs[1] is None:
        return OpResult((None,), 0, 0)
    a, b = tuple(inputs[0]), tuple(inputs[1])
    if not a or not b:
        return OpResult((None,), 0, 0)
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    k_a, k_b = a2[-1], b2[-2]
    constraints: list[Any] = []
    if not sizes_match(k_a, k_b, "matmul inner size", constraints):
        return OpResult((None,), 0, 0, (Issue(
            FEATURE_MISMATCH,
            f"matmul of {format_shape(a)} and {format_shape(b)}: inner sizes {format_dim(k_a)} and "
            f"{format_dim(k_b)} differ",
            {"expected": k_a, "actual": k_b, "slot": "inner"},
        ),))
    batch, ok = broadcast_shapes([a2[:-2], b2[:-2]]) if (a2[:-2] or b2[:-2]) else ((), True)
    if not ok:
        return OpResult((None,), 0, 0)
    out = batch + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return OpResult((out,), 0, 0, (), None, tuple(constraints))


# ``onnx.MatMul``: the ONNX frontend's kind for a MatMul of two activations (its
# shapes come from onnx.shape_inference; the count is this formula).
@macs("matmul", "onnx.MatMul")
def matmul_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """``k`` MACs per output element, ``k`` the shared inner size."""
    a = inputs[0] if inputs else None
    if not a:
        return unknown_cost("matmul: the left operand's shape is unknown")
    return matmul_like(mul(numel(outputs[0] if outputs else None), dim(a[-1])))
