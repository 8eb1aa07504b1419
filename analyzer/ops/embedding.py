"""Lookup tables: ``embedding`` and torch's ``embedding_bag``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, rank_issue, unknown_result
from modelint.analyzer.ops._cost import Cost, FREE, flops_only, mul, numel, unknown_cost
from modelint.analyzer.shapes import Shape, is_size


@op("embedding")
def embedding(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Embedding: indices ``(*)`` → ``(*, output_dim)``; table ``input_dim × output_dim``.
    attrs: ``input_dim`` (torch num_embeddings), ``output_dim`` (embedding_dim)."""
    reason = find_unknown(attrs, (), required=("input_dim", "output_dim"))
    if reason:
        return unknown_result(reason)
    x = first(inputs)
    out = None if x is None else x + (attrs["output_dim"],)
    return OpResult((out,), attrs["input_dim"] * attrs["output_dim"], 0)


@macs("embedding")
def embedding_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    """A table lookup: free."""
    return FREE


@op("embedding_bag")
def embedding_bag(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """EmbeddingBag ``(input[, offsets])``: a 2-D input ``(B, L)`` gives ``(B, dim)``;
    a 1-D input with 1-D ``offsets`` of length ``n`` gives ``n`` bags (``n - 1``
    with ``include_last_offset``). attrs as ``embedding`` plus ``include_last_offset``."""
    reason = find_unknown(attrs, (), required=("input_dim", "output_dim"))
    if reason:
        return unknown_result(reason)
    dim = attrs["output_dim"]
    params = attrs["input_dim"] * dim
    x = first(inputs)
    offsets = inputs[1] if len(inputs) > 1 else None
    if x is None:
        return OpResult((None,), params, 0)
    if len(x) == 2:
        return OpResult(((x[0], dim),), params, 0)
    if len(x) == 1:
        if offsets is None or len(offsets) != 1:
            return OpResult((None,), params, 0, (), f"{cls(attrs)}: the number of bags (offsets) is unknown")
        bags = offsets[0]
        if attrs.get("include_last_offset") is True:
            bags = bags - 1 if is_size(bags) else None  # type: ignore[operator]
        return OpResult(((bags, dim),), params, 0)
    return OpResult((None,), params, 0, (rank_issue(cls(attrs), x, (1, 2)),))


@macs("embedding_bag")
def embedding_bag_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                       outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP per gathered element (its reduction into the bag)."""
    dim = attrs.get("output_dim")
    if not isinstance(dim, int):
        return unknown_cost(f"{cls(attrs)}: embedding_dim unknown")
    return flops_only(mul(numel(first(inputs)), dim))
