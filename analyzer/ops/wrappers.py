"""Layers wrapping another layer: ``time_distributed`` (Keras TimeDistributed).
(Keras Bidirectional lives with the recurrent ops.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.ops._common import cls, first, min_rank_issue, unknown_result
from modelint.analyzer.ops._cost import Cost, dim, unknown_cost
from modelint.analyzer.ops.recurrent import inner_cost, inner_layer
from modelint.analyzer.shapes import Shape


@op("time_distributed")
def time_distributed(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Apply ``attrs["layer"]`` (a bound layer) to every step of axis 1: the inner
    layer sees ``(N, *rest)`` and each of its outputs ``(N, *o)`` becomes
    ``(N, T, *o)``. Parameters: the inner layer's, once."""
    found = inner_layer(attrs)
    x = first(inputs)
    if isinstance(found, str):
        return unknown_result(found)
    fn, inner = found
    if x is not None and len(x) < 3:
        result = fn(inner, [None])
        return OpResult((None,) * len(result.outputs), result.trainable, result.non_trainable,
                        (min_rank_issue(cls(attrs), x, 3),), result.unknown)
    step = None if x is None else (x[0],) + x[2:]
    result = fn(inner, [step])
    outputs = tuple(
        None if x is None or o is None or len(o) < 1 else (o[0], x[1]) + o[1:] for o in result.outputs
    )
    return OpResult(outputs, result.trainable, result.non_trainable, result.issues, result.unknown,
                    result.constraints)


@macs("time_distributed")
def time_distributed_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                          outputs: Sequence[Shape | None]) -> Cost:
    """The inner layer's cost on one step ``(N, *rest)``, times the ``T`` steps."""
    x = first(inputs)
    if x is None or len(x) < 3:
        return unknown_cost(f"{cls(attrs)}: input shape unknown")
    return inner_cost(attrs, [(x[0],) + x[2:]]).times(dim(x[1]))
