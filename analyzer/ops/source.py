"""Graph inputs: ``input`` (Keras InputLayer / keras.Input)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.ops._common import find_unknown, unknown_result
from modelint.analyzer.ops._cost import Cost, FREE
from modelint.analyzer.shapes import Shape


@op("input")
def input_layer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """The declared tensor: ``batch_shape`` as given, else ``(batch_size,) + shape``
    (``batch_size`` None = Keras' unknown batch). No parameters."""
    reason = find_unknown(attrs, ("shape", "batch_size", "batch_shape"))
    if reason:
        return unknown_result(reason)
    if attrs.get("batch_shape") is not None:
        return OpResult((tuple(attrs["batch_shape"]),), 0, 0)
    shape = attrs.get("shape")
    if shape is None:
        return OpResult((None,), 0, 0, (), "InputLayer: no shape given")
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return OpResult(((attrs.get("batch_size"),) + shape,), 0, 0)


@macs("input", "constant", "parameter")
def source_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Model inputs, constants and bare parameters compute nothing."""
    return FREE
