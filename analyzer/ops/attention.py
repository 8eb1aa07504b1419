"""Attention: Keras ``keras_mha`` (MultiHeadAttention), torch ``torch_mha``
(nn.MultiheadAttention), and torch's transformer stacks:
``transformer_encoder_layer``, ``transformer_decoder_layer``,
``transformer_encoder``/``transformer_decoder`` (``num_layers`` copies of a
layer plus an optional final norm) and ``transformer`` (nn.Transformer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, flag, rank_issue, sizes_match, unknown_result
from modelint.analyzer.ops._cost import Cost, Count, Poly, add, dim, matmul_like, mul, numel, product, unknown_cost
from modelint.analyzer.ops.recurrent import inner_cost, inner_layer
from modelint.analyzer.shapes import Dim, Shape, format_dim, is_size


def _embed_issue(name: str, expected: Any, actual: Dim, slot: str) -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects {slot} of size {format_dim(expected)}, but got {format_dim(actual)}",
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
    if not all(is_size(d) for d in dims + list(out_dims)):
        return OpResult(tuple(outputs), None, None, (),
                        f"{name}: the query/key/value sizes are unknown, so its kernels are too")
    dq, dk, dv = dims  # type: ignore[misc]
    out: Any = 1
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


@macs("keras_mha")
def keras_mha_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    """Projections (query, key, value, output) plus the attention products
    ``QKᵀ`` (``heads × Tq × Tk × key_dim``) and ``AV`` (``heads × Tq × Tk ×
    value_dim``) per example; softmax adds 3 FLOPs per score."""
    name = cls(attrs)
    if attrs.get("attention_axes") is not None or attrs.get("use_gate") is True:
        return unknown_cost(f"{name}: attention_axes / use_gate have no MACs formula")
    reason = find_unknown(attrs, ("value_dim", "output_shape"), required=("num_heads", "key_dim"))
    query = first(inputs)
    value = inputs[1] if len(inputs) > 1 else None
    key = inputs[2] if len(inputs) > 2 and inputs[2] is not None else value
    if reason or query is None or key is None or value is None or min(len(query), len(key), len(value)) < 3:
        return unknown_cost(reason or f"{name}: query/key/value shapes unknown")
    heads, key_dim = attrs["num_heads"], attrs["key_dim"]
    value_dim = attrs.get("value_dim") or key_dim
    out = first(outputs)
    out_size = None if out is None or len(out) < len(query) else product(out[len(query) - 1:])
    rows_q, rows_k, rows_v = numel(query[:-1]), numel(key[:-1]), numel(value[:-1])
    projections = add(mul(rows_q, product([query[-1], heads * key_dim])),
                      mul(rows_k, product([key[-1], heads * key_dim])),
                      mul(rows_v, product([value[-1], heads * value_dim])),
                      mul(mul(rows_q, out_size), heads * value_dim))
    scores = mul(product([query[0], heads]), mul(product(query[1:-1]), product(key[1:-1])))
    return _attention_cost(projections, scores, key_dim + value_dim)


def _attention_cost(projections: Count, scores: Count, depth: int | Count) -> Cost:
    """Projections + ``scores × depth`` product MACs; FLOPs 2 × MACs + 3 per score."""
    products = mul(scores, depth)
    total = add(projections, products)
    if total is None:
        return unknown_cost("a shape the attention depends on is unknown")
    return Cost(total, add(mul(total, 2), mul(scores, 3)))


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
    constraints: list[Any] = []
    outputs: list[Shape | None] = [None, None]
    if query is not None:
        if len(query) not in (2, 3):
            issues.append(rank_issue(name, query, (2, 3)))
        else:
            if not sizes_match(embed, query[-1], f"{name} embed_dim", constraints):
                issues.append(_embed_issue(name, embed, query[-1], "query embed_dim"))
            outputs[0] = query[:-1] + (embed,)
            if key is not None and len(key) == len(query) and flag(attrs, "need_weights", True):
                batch_first = flag(attrs, "batch_first", False)
                seq = 1 if (batch_first and len(query) == 3) else 0
                lq, ls = query[seq], key[seq]
                extra = int(flag(attrs, "add_bias_kv", False)) + int(flag(attrs, "add_zero_attn", False))
                if extra:
                    ls = ls + extra if is_size(ls) else None  # bias_k/v and the zero row lengthen the keys
                batch: Shape = () if len(query) == 2 else (query[0 if batch_first else 1],)
                middle: Shape = () if flag(attrs, "average_attn_weights", True) else (heads,)
                outputs[1] = batch + middle + (lq, ls)
    return OpResult(tuple(outputs), params, 0, tuple(issues), None, tuple(constraints))


def torch_mha_cost(embed: int, heads: int, kdim: int, vdim: int, extra_keys: int,
                   query: Shape | None, key: Shape | None, batch_first: bool) -> Cost:
    """nn.MultiheadAttention: the four projections (``L·E·E``, ``S·kdim·E``,
    ``S·vdim·E``, ``L·E·E`` per sequence) and the products ``QKᵀ``, ``AV``
    (``L × S' × E`` each, ``S' = S`` + bias_kv/zero_attn rows)."""
    if query is None or key is None or len(query) not in (2, 3) or len(key) != len(query):
        return unknown_cost("nn.MultiheadAttention: query/key shapes unknown")
    seq = 1 if batch_first and len(query) == 3 else 0
    batch: Dim = 1 if len(query) == 2 else query[0 if batch_first else 1]
    length, source = query[seq], key[seq]
    rows_q, rows_k = product([batch, length]), product([batch, source])
    projections = add(mul(rows_q, 2 * embed * embed), mul(rows_k, (kdim + vdim) * embed))
    keys = dim(source)
    scores = product([batch, heads, length, None if keys is None else keys + extra_keys])
    return _attention_cost(projections, scores, embed // heads * 2)


@macs("torch_mha")
def torch_mha_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    """See :func:`torch_mha_cost`; on the issue's ``MultiheadAttention(64, 4)``
    over 65 tokens: 1,064,960 projection MACs + 540,800 product MACs."""
    reason = find_unknown(attrs, ("add_bias_kv", "add_zero_attn", "kdim", "vdim", "batch_first"),
                          required=("embed_dim", "num_heads"))
    if reason:
        return unknown_cost(reason)
    embed = attrs["embed_dim"]
    extra = int(flag(attrs, "add_bias_kv", False)) + int(flag(attrs, "add_zero_attn", False))
    return torch_mha_cost(embed, attrs["num_heads"], attrs.get("kdim") or embed, attrs.get("vdim") or embed, extra,
                          first(inputs), inputs[1] if len(inputs) > 1 else None, flag(attrs, "batch_first", False))


@op("sdpa")
def sdpa(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """``F.scaled_dot_product_attention(q, k, v)``: ``(..., L, E)``, ``(..., S, E)``,
    ``(..., S, Ev)`` → ``(..., L, Ev)``; no parameters."""
    q = first(inputs)
    v = inputs[2] if len(inputs) > 2 else None
    if q is None or v is None or len(q) < 2 or len(v) < 2:
        return OpResult((None,), 0, 0)
    constraints: list[Any] = []
    k = inputs[1] if len(inputs) > 1 else None
    if k and not sizes_match(q[-1], k[-1], f"{cls(attrs)} key size", constraints):
        return OpResult((None,), 0, 0, (_embed_issue(cls(attrs), q[-1], k[-1], "key size"),))
    return OpResult((q[:-1] + (v[-1],),), 0, 0, (), None, tuple(constraints))


@macs("sdpa")
def sdpa_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """``QKᵀ`` (``L × S × E``) and ``AV`` (``L × S × Ev``) per batch and head;
    softmax 3 FLOPs per score."""
    q = first(inputs)
    k = inputs[1] if len(inputs) > 1 else None
    v = inputs[2] if len(inputs) > 2 else None
    if q is None or k is None or v is None or min(len(q), len(k), len(v)) < 2:
        return unknown_cost("scaled_dot_product_attention: q/k/v shapes unknown")
    scores = mul(numel(q[:-1]), dim(k[-2]))
    return _attention_cost(Poly.of(0), scores, add(dim(q[-1]), dim(v[-1])))


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


def _check_model_dim(name: str, x: Shape | None, d: Any, issues: list[Issue],
                     constraints: list[Any]) -> Shape | None:
    if x is None:
        return None
    if len(x) not in (2, 3):
        issues.append(rank_issue(name, x, (2, 3)))
        return None
    if not sizes_match(d, x[-1], f"{name} d_model", constraints):
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
    constraints: list[Any] = []
    out = _check_model_dim(cls(attrs), first(inputs), attrs["d_model"], issues, constraints)
    return OpResult((out,), encoder_layer_params(attrs), 0, tuple(issues), None, tuple(constraints))


def _tokens(x: Shape | None) -> Count:
    return None if x is None or len(x) not in (2, 3) else numel(x[:-1])


def _block_cost(attrs: Mapping[str, Any], x: Shape | None, memory: Shape | None) -> Cost:
    """One encoder (``memory`` None) or decoder layer over ``x``: self-attention,
    cross-attention over ``memory`` (decoder), the feed-forward pair ``2·d·ff``
    per token, 2 (3) LayerNorms, the activation and the residual additions."""
    d, heads = attrs["d_model"], attrs["nhead"]
    ff = attrs.get("dim_feedforward") or 2048
    batch_first = flag(attrs, "batch_first", False)
    tokens = _tokens(x)
    cost = torch_mha_cost(d, heads, d, d, 0, x, x, batch_first)
    blocks = 2
    if memory is not None:
        cost = cost + torch_mha_cost(d, heads, d, d, 0, x, memory, batch_first)
        blocks = 3
    cost = cost + matmul_like(mul(tokens, 2 * d * ff))  # linear1, linear2
    cost = cost + matmul_like(mul(tokens, blocks * d))  # LayerNorms, one MAC per element
    cost = cost + Cost(Poly.of(0), add(mul(tokens, ff), mul(tokens, blocks * d)))  # activation, residuals
    return cost if cost.known else unknown_cost(f"{cls(attrs)}: a shape is unknown")


@macs("transformer_encoder_layer")
def transformer_encoder_layer_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                                   outputs: Sequence[Shape | None]) -> Cost:
    reason = find_unknown(attrs, _LAYER_KEYS + ("batch_first",), required=("d_model", "nhead"))
    return unknown_cost(reason) if reason else _block_cost(attrs, first(inputs), None)


@op("transformer_decoder_layer")
def transformer_decoder_layer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """nn.TransformerDecoderLayer ``(tgt, memory)``: self- and cross-attention,
    the feed-forward pair and three LayerNorms. Output: ``tgt``'s shape."""
    reason = find_unknown(attrs, _LAYER_KEYS, required=("d_model", "nhead"))
    if reason:
        return unknown_result(reason)
    issues: list[Issue] = []
    constraints: list[Any] = []
    out = _check_model_dim(cls(attrs), first(inputs), attrs["d_model"], issues, constraints)
    return OpResult((out,), decoder_layer_params(attrs), 0, tuple(issues), None, tuple(constraints))


@macs("transformer_decoder_layer")
def transformer_decoder_layer_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                                   outputs: Sequence[Shape | None]) -> Cost:
    reason = find_unknown(attrs, _LAYER_KEYS + ("batch_first",), required=("d_model", "nhead"))
    if reason:
        return unknown_cost(reason)
    memory = inputs[1] if len(inputs) > 1 else None
    if memory is None:
        return unknown_cost(f"{cls(attrs)}: the memory's shape is unknown")
    return _block_cost(attrs, first(inputs), memory)


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
            return OpResult(one.outputs, None, None, one.issues, found_norm, one.constraints)
        normed = found_norm[0](found_norm[1], one.outputs[:1])
        trainable = None if trainable is None or normed.trainable is None else trainable + normed.trainable
        unknown = unknown or normed.unknown
    return OpResult(one.outputs[:1], trainable, None if trainable is None else 0, one.issues, unknown,
                    one.constraints)


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
    constraints: list[Any] = []
    _check_model_dim(name, first(inputs), d, issues, constraints)
    tgt = _check_model_dim(name, inputs[1] if len(inputs) > 1 else None, d, issues, constraints)
    return OpResult((tgt,), params, 0, tuple(issues), None, tuple(constraints))


@macs("transformer_stack")
def transformer_stack_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                           outputs: Sequence[Shape | None]) -> Cost:
    """``num_layers`` applications of the layer, then the optional final norm."""
    layers = attrs.get("num_layers")
    if not isinstance(layers, int):
        return unknown_cost(f"{cls(attrs)}: num_layers unknown")
    cost = inner_cost(attrs, inputs).times(layers)
    if attrs.get("norm") is not None:
        cost = cost + inner_cost(attrs, inputs[:1], "norm")
    return cost


@macs("transformer")
def transformer_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                     outputs: Sequence[Shape | None]) -> Cost:
    """The encoder stack over ``src`` and its LayerNorm, the decoder stack over
    ``tgt`` with the encoder's output (``src``'s shape) as memory, and its norm."""
    reason = find_unknown(attrs, _LAYER_KEYS + ("batch_first", "num_encoder_layers", "num_decoder_layers"),
                          required=("d_model", "nhead", "num_encoder_layers", "num_decoder_layers"))
    if reason or attrs.get("custom_encoder") is not None or attrs.get("custom_decoder") is not None:
        return unknown_cost(reason or f"{cls(attrs)}: a custom encoder/decoder is not counted")
    src = first(inputs)
    tgt = inputs[1] if len(inputs) > 1 else None
    d = attrs["d_model"]
    cost = (_block_cost(attrs, src, None).times(attrs["num_encoder_layers"])
            + matmul_like(mul(_tokens(src), d))
            + _block_cost(attrs, tgt, src).times(attrs["num_decoder_layers"])
            + matmul_like(mul(_tokens(tgt), d)))
    return cost if cost.known else unknown_cost(f"{cls(attrs)}: a shape is unknown")
