"""A nested model applied as one layer (Keras shows it as one row).

The frontend has already run the nested model's own layers through this registry;
the op only hands on its outputs and totals, so a wrapper such as TimeDistributed
can treat it like any inner layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.ops._cost import Cost, unknown_cost
from modelint.analyzer.shapes import Shape


@op("composite")
def composite(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    if "outputs" not in attrs:
        return OpResult(outputs=(None,), trainable=None, non_trainable=None,
                        unknown=f"{attrs.get('class_name', 'nested model')}: not resolved")
    # ``constraints``: what the layers inside require of the input's symbols (a
    # custom layer's call() followed by the frontend), handed on to this row.
    return OpResult(outputs=tuple(attrs["outputs"]), trainable=attrs.get("trainable"),
                    non_trainable=attrs.get("non_trainable"), unknown=attrs.get("reason"),
                    constraints=tuple(attrs.get("constraints") or ()))


@macs("composite")
def composite_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    """The nested model's own cost, when the frontend handed it on (``macs`` and
    ``flops`` attrs, ``Poly`` counts); otherwise unknown, never a guess."""
    if attrs.get("macs") is None or attrs.get("flops") is None:
        return unknown_cost(f"{attrs.get('class_name', 'nested model')}: the nested model's MACs are not known here")
    return Cost(attrs["macs"], attrs["flops"])
