"""Attention: Keras ``keras_mha`` (MultiHeadAttention), torch ``torch_mha``
(nn.MultiheadAttention), and torch's transformer stacks:
``transformer_encoder_layer``, ``transformer_decoder_layer``,
``transformer_encoder``/``transformer_decoder`` (``num_layers`` copies of a
layer plus an optional final norm) and ``transformer`` (nn.Transformer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, flag, rank_issue, unknown_result
from modelint.analyzer.ops.recurrent import inner_layer
from modelint.analyzer.shapes import Dim, Shape, format_dim, is_known


def _embed_issue(name: str, expected: int, actual: Dim, slot: str) -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {slot} of size {expected}, but got {format_dim(actual)}",
        {"expected": expected, "actual": actual, "slot": slot},
    )


@op("keras_mha")
def keras_mha(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras MultiHeadAttention called as ``(query, value[, key])``.

    attrs: ``num_heads``, ``key_dim``, ``value_dim`` (None = key_dim),
    ``use_bias``, ``output_shape`` (None = the query's last axis; an int or a
    tuple replacing it), ``return_attention_scores`` (a call argument; adds
    ``(N, heads, T, S)``). Parameters: query/key projections ``d × heads ×
    key_dim`` (+ bias), value ``d × heads × value_dim`` (+ bias), output
    ``heads × value_dim × out`` (+ out bias).
    """
    name = cls(attrs)
    scores = attrs.get("return_attention_scores") is True
    ports = 2 if scores else 1
    reason = find_unknown(attrs, ("value_dim", "use_bias", "output_shape"), required=("num_heads", "key_dim"))
    if reason:
        return unknown_result(reason, ports)
    heads, key_dim = attrs["num_heads"], attrs["key_dim"]
    value_dim = attrs.get("value_dim") or key_dim
    bias = flag(attrs, "use_bias", True)
    query = first(inputs)
    value = inputs[1] if len(inputs) > 1 else None
    key = inputs[2] if len(inputs) > 2 and inputs[2] is not None else value
    dims = [s[-1] if s is not None and len(s) else None for s in (query, key, value)]
    wanted = attrs.get("output_shape")
    out_dims: tuple[Dim, ...] = (
        (dims[0],) if wanted is None else tuple(wanted) if isinstance(wanted, (tuple, list)) else (wanted,)
    )
    outputs: list[Shape | None] = [None] * ports
    if query is not None:
        outputs[0] = query[:-1] + out_dims
        if scores and value is not None and len(query) == 3 and len(value) == 3:
            outputs[1] = (query[0], heads, query[1], value[1])
    if not all(is_known(d) for d in dims + list(out_dims)):
        return OpResult(tuple(outputs), None, None, (),
                        f"{name}: the query/key/value sizes are unknown, so its kernels are too")
    dq, dk, dv = dims  # type: ignore[misc]
    out = 1
    for d in out_dims:
        out *= d  # type: ignore[operator]
    b = 1 if bias else 0
    params = (
        dq * heads * key_dim + b * heads * key_dim
        + dk * heads * key_dim + b * heads * key_dim
        + dv * heads * value_dim + b * heads * value_dim
        + heads * value_dim * out + b * out
    )
    return OpResult(tuple(outputs), params, 0)


def mha_params(embed: int, kdim: int, vdim: int, bias: bool, bias_kv: bool) -> int:
    """nn.MultiheadAttention: ``in_proj_weight`` 3E×E (or q/k/v E×E, E×kdim,
    E×vdim), ``in_proj_bias`` 3E, ``out_proj`` E×E + E, ``bias_k``/``bias_v`` E each."""
    total = embed * embed + embed * kdim + embed * vdim + embed * embed
    if bias:
        total += 3 * embed + embed
    if bias_kv:
        total += 2 * embed
    return total


@op("torch_mha")
def torch_mha(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.MultiheadAttention called as ``(query, key, value)``.

    attrs: ``embed_dim``, ``num_heads``, ``bias``, ``add_bias_kv`` (and
    ``add_zero_attn``: each adds one key position), ``kdim``, ``vdim``, ``batch_first``; call arguments ``need_weights`` (default True) and
    ``average_attn_weights`` (default True). Outputs ``attn_output`` (the query's
    shape with E last) and ``attn_weights`` ``(N, L, S)`` (``(N, heads, L, S)``
    when not averaged; None when not needed).
    """
    name = cls(attrs)
    reason = find_unknown(attrs, ("bias", "add_bias_kv", "kdim", "vdim"), required=("embed_dim", "num_heads"))
    if reason:
        return unknown_result(reason, 2)
    embed, heads = attrs["embed_dim"], attrs["num_heads"]
    kdim, vdim = attrs.get("kdim") or embed, attrs.get("vdim") or embed
    params = mha_params(embed, kdim, vdim, flag(attrs, "bias", True), flag(attrs, "add_bias_kv", False))
    query = first(inputs)
    key = inputs[1] if len(inputs) > 1 else None
    issues: list[Issue] = []
    outputs: list[Shape | None] = [None, None]
    if query is not None:
        if len(query) not in (2, 3):
            issues.append(rank_issue(name, query, (2, 3)))
        else:
            if is_known(query[-1]) and query[-1] != embed:
                issues.append(_embed_issue(name, embed, query[-1], "query embed_dim"))
            outputs[0] = query[:-1] + (embed,)
            if key is not None and len(key) == len(query) and flag(attrs, "need_weights", True):
                batch_first = flag(attrs, "batch_first", False)
                seq = 1 if (batch_first and len(query) == 3) else 0
                lq, ls = query[seq], key[seq]
                extra = int(flag(attrs, "add_bias_kv", False)) + int(flag(attrs, "add_zero_attn", False))
                if extra:
                    ls = ls + extra if is_known(ls) else None  # bias_k/v and the zero row lengthen the keys
                batch: Shape = () if len(query) == 2 else (query[0 if batch_first else 1],)
                middle: Shape = () if flag(attrs, "average_attn_weights", True) else (heads,)
                outputs[1] = batch + middle + (lq, ls)
    return OpResult(tuple(outputs), params, 0, tuple(issues))


def _layer_norm(d: int, bias: bool) -> int:
    return d * (2 if bias else 1)


def encoder_layer_params(attrs: Mapping[str, Any]) -> int:
    d, ff = attrs["d_model"], attrs.get("dim_feedforward") or 2048
    bias = flag(attrs, "bias", True)
    b = 1 if bias else 0
    return (mha_params(d, d, d, bias, False) + d * ff + b * ff + ff * d + b * d
            + 2 * _layer_norm(d, bias))


def decoder_layer_params(attrs: Mapping[str, Any]) -> int:
    d = attrs["d_model"]
    bias = flag(attrs, "bias", True)
    return encoder_layer_params(attrs) + mha_params(d, d, d, bias, False) + _layer_norm(d, bias)


_LAYER_KEYS = ("d_model", "nhead", "dim_feedforward", "bias")


def _check_model_dim(name: str, x: Shape | None, d: int, issues: list[Issue]) -> Shape | None:
    if x is None:
        return None
    if len(x) not in (2, 3):
        issues.append(rank_issue(name, x, (2, 3)))
        return None
    if is_known(x[-1]) and x[-1] != d:
        issues.append(_embed_issue(name, d, x[-1], "d_model"))
    return x


@op("transformer_encoder_layer")
def transformer_encoder_layer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.TransformerEncoderLayer: self-attention, ``linear1`` d×ff, ``linear2``
    ff×d, two LayerNorms (``bias`` switches every bias off). Output: the input's
    shape. attrs: ``d_model``, ``nhead``, ``dim_feedforward`` (2048), ``bias``."""
    reason = find_unknown(attrs, _LAYER_KEYS, required=("d_model", "nhead"))
    if reason:
        return unknown_result(reason)
    issues: list[Issue] = []
    out = _check_model_dim(cls(attrs), first(inputs), attrs["d_model"], issues)
    return OpResult((out,), encoder_layer_params(attrs), 0, tuple(issues))


@op("transformer_decoder_layer")
def transformer_decoder_layer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.TransformerDecoderLayer ``(tgt, memory)``: self- and cross-attention,
    the feed-forward pair and three LayerNorms. Output: ``tgt``'s shape."""
    reason = find_unknown(attrs, _LAYER_KEYS, required=("d_model", "nhead"))
    if reason:
        return unknown_result(reason)
    issues: list[Issue] = []
    out = _check_model_dim(cls(attrs), first(inputs), attrs["d_model"], issues)
    return OpResult((out,), decoder_layer_params(attrs), 0, tuple(issues))


@op("transformer_stack")
def transformer_stack(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.TransformerEncoder / nn.TransformerDecoder: ``num_layers`` deep copies of
    ``attrs["layer"]`` (the passed layer itself is not registered) plus the
    optional ``attrs["norm"]`` (a bound layer, or None)."""
    found = inner_layer(attrs)
    if isinstance(found, str):
        return unknown_result(found)
    reason = find_unknown(attrs, (), required=("num_layers",))
    if reason:
        return unknown_result(reason)
    fn, inner = found
    one = fn(inner, inputs)
    trainable = None if one.trainable is None else one.trainable * attrs["num_layers"]
    unknown = one.unknown
    norm = attrs.get("norm")
    if norm is not None:
        found_norm = inner_layer(attrs, "norm")
        if isinstance(found_norm, str):
            return OpResult(one.outputs, None, None, one.issues, found_norm)
        normed = found_norm[0](found_norm[1], one.outputs[:1])
        trainable = None if trainable is None or normed.trainable is None else trainable + normed.trainable
        unknown = unknown or normed.unknown
    return OpResult(one.outputs[:1], trainable, None if trainable is None else 0, one.issues, unknown)


@op("transformer")
def transformer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.Transformer ``(src, tgt)``: ``num_encoder_layers`` encoder layers and a
    final LayerNorm, ``num_decoder_layers`` decoder layers and a final LayerNorm
    (both LayerNorms with ``bias``). Output: ``tgt``'s shape."""
    keys = _LAYER_KEYS + ("num_encoder_layers", "num_decoder_layers", "custom_encoder", "custom_decoder")
    reason = find_unknown(attrs, keys, required=("d_model", "nhead", "num_encoder_layers", "num_decoder_layers"))
    if reason:
        return unknown_result(reason)
    name = cls(attrs)
    if attrs.get("custom_encoder") is not None or attrs.get("custom_decoder") is not None:
        return unknown_result(f"{name}: a custom encoder/decoder is not counted")
    d = attrs["d_model"]
    bias = flag(attrs, "bias", True)
    params = (attrs["num_encoder_layers"] * encoder_layer_params(attrs) + _layer_norm(d, bias)
              + attrs["num_decoder_layers"] * decoder_layer_params(attrs) + _layer_norm(d, bias))
    issues: list[Issue] = []
    _check_model_dim(name, first(inputs), d, issues)
    tgt = _check_model_dim(name, inputs[1] if len(inputs) > 1 else None, d, issues)
    return OpResult((tgt,), params, 0, tuple(issues))
