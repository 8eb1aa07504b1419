"""A nested model applied as one layer (Keras shows it as one row).

The frontend has already run the nested model's own layers through this registry;
the op only hands on its outputs and totals, so a wrapper such as TimeDistributed
can treat it like any inner layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.shapes import Shape


@op("composite")
def composite(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    if "outputs" not in attrs:
        return OpResult(outputs=(None,), trainable=None, non_trainable=None,
                        unknown=f"{attrs.get('class_name', 'nested model')}: not resolved")
    return OpResult(outputs=tuple(attrs["outputs"]), trainable=attrs.get("trainable"),
                    non_trainable=attrs.get("non_trainable"), unknown=attrs.get("reason"))
