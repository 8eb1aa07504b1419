"""Recurrent layers: ``rnn`` (LSTM/GRU/SimpleRNN, torch RNN/LSTM/GRU), ``rnn_cell``
(torch RNNCell/LSTMCell/GRUCell), ``rnn_layer`` (Keras ``RNN(cell)``) and
``bidirectional`` (Keras' wrapper).

Parameters of one layer in one direction, with ``G`` gates (LSTM 4, GRU 3, RNN
1), hidden size ``H``, recurrent size ``R`` (``proj_size`` or ``H``) and input
size ``I``: ``G·H·(I + R) + V·G·H + R·H·[proj]``, where ``V`` is the number of
bias vectors per gate (``bias_vectors``: Keras 1, torch 2; Keras GRU's
``reset_after`` adds the recurrent one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import get_macs, get_op, macs, op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import cls, find_unknown, first, flag, rank_issue, sizes_match, unknown_result
from modelint.analyzer.ops._cost import Cost, Poly, matmul_like, mul, numel, unknown_cost
from modelint.analyzer.shapes import Dim, Shape, format_dim, is_size

GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_PARAM_KEYS = ("cell", "units", "input_size", "num_layers", "bidirectional", "use_bias",
               "bias_vectors", "reset_after", "proj_size")


def _bias_vectors(attrs: Mapping[str, Any]) -> int:
    if not flag(attrs, "use_bias", True):
        return 0
    return (attrs.get("bias_vectors") or 1) + (1 if attrs.get("reset_after") is True else 0)


def recurrent_params(attrs: Mapping[str, Any], input_size: Any) -> Any:
    """Parameters of every layer and direction of a (stacked) recurrent layer: the
    first layer reads ``input_size``, the ``L - 1`` others ``directions × R``
    (closed form, so ``num_layers`` may be a symbol too)."""
    gates = GATES[attrs["cell"]]
    hidden = attrs["units"]
    proj = attrs.get("proj_size") or 0
    recurrent = proj or hidden
    directions = 2 if flag(attrs, "bidirectional", False) else 1
    vectors = _bias_vectors(attrs)
    layers = attrs.get("num_layers") or 1

    def one(size: Any) -> Any:
        return gates * hidden * (size + recurrent) + vectors * gates * hidden + proj * hidden

    return directions * (one(input_size) + (layers - 1) * one(directions * recurrent))


def _input_issue(name: str, declared: Any, actual: Any) -> Issue:
    return Issue(
        FEATURE_MISMATCH,
        f"{name} expects input_size {format_dim(declared)}, but the input has {format_dim(actual)}",
        {"expected": declared, "actual": actual, "slot": "input_size"},
    )


@op("rnn")
def rnn(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """A recurrent layer over a sequence.

    attrs: ``cell`` (``"lstm"``/``"gru"``/``"rnn"``), ``units``, ``input_size``
    (declared, torch; None → the input's last axis), ``num_layers``,
    ``bidirectional``, ``use_bias``, ``bias_vectors``, ``reset_after``,
    ``proj_size``, ``batch_first``, ``ranks`` (Keras (3,), torch (2, 3): 2 =
    unbatched), ``return_sequences``, ``return_state`` and ``stacked_states``.

    Outputs: Keras (``stacked_states`` False): ``output[, h[, c]]`` with states
    ``(N, units)``. torch (``stacked_states``, sequences and states always
    returned): ``(out, h_n[, c_n])`` with ``h_n`` ``(layers·dirs, N, H_out)``
    whatever ``batch_first`` says and ``c_n`` ``(layers·dirs, N, hidden)``.
    """
    name = cls(attrs)
    cell = attrs.get("cell")
    stacked = flag(attrs, "stacked_states", False)
    return_state = flag(attrs, "return_state", False)
    state_count = 2 if cell == "lstm" else 1
    ports = 1 + (state_count if return_state else 0)
    reason = find_unknown(attrs, _PARAM_KEYS)
    if reason or cell not in GATES:
        return unknown_result(reason or f"{name}: unknown recurrent cell {cell!r}", ports)
    shape_reason = find_unknown(attrs, ("batch_first", "return_sequences", "return_state"))
    hidden: int = attrs["units"]
    out_size: int = attrs.get("proj_size") or hidden
    directions = 2 if flag(attrs, "bidirectional", False) else 1
    layers = attrs.get("num_layers") or 1
    declared = attrs.get("input_size")

    x = first(inputs)
    issues: list[Issue] = []
    outputs: list[Shape | None] = [None] * ports
    actual: Dim = None
    ranks = tuple(attrs.get("ranks") or (3,))
    if x is not None and len(x) not in ranks:
        issues.append(rank_issue(name, x, ranks))
    elif x is not None and shape_reason is None:
        actual = x[-1]
        batched = len(x) == 3
        batch: Shape = ()
        if batched:
            batch_axis = 0 if flag(attrs, "batch_first", True) else 1
            batch = (x[batch_axis],)
        seq = x[:-1] + (directions * out_size,)
        last = batch + (directions * out_size,)
        outputs[0] = seq if flag(attrs, "return_sequences", False) else last
        if return_state:
            if stacked:
                lead = (layers * directions,)
                states = [lead + batch + (out_size,), lead + batch + (hidden,)]
            else:
                states = [batch + (out_size,), batch + (hidden,)]
            outputs[1:] = states[:state_count]
    constraints: list[Any] = []
    if declared is not None and not sizes_match(declared, actual, f"{name} input_size", constraints):
        issues.append(_input_issue(name, declared, actual))
    size = declared if declared is not None else (actual if is_size(actual) else None)
    if size is None:
        return OpResult(tuple(outputs), None, None, tuple(issues),
                        f"{name}: input size unknown, so its kernels are too", tuple(constraints))
    return OpResult(tuple(outputs), recurrent_params(attrs, size), 0, tuple(issues), shape_reason,
                    tuple(constraints))


def recurrent_step_macs(attrs: Mapping[str, Any], input_size: Any) -> Any:
    """MACs of one time step of one sequence through every layer and direction:
    ``G·H·(I + R)`` gate products (input and recurrent) plus ``R·H`` for a
    projection. Gate nonlinearities and elementwise products are not counted."""
    gates = GATES[attrs["cell"]]
    hidden = attrs["units"]
    proj = attrs.get("proj_size") or 0
    recurrent = proj or hidden
    directions = 2 if flag(attrs, "bidirectional", False) else 1
    layers = attrs.get("num_layers") or 1

    def one(size: Any) -> Any:
        return gates * hidden * (size + recurrent) + proj * hidden

    return directions * (one(input_size) + (layers - 1) * one(directions * recurrent))


@macs("rnn")
def rnn_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Per time step × sequence length × batch: :func:`recurrent_step_macs`."""
    reason = find_unknown(attrs, _PARAM_KEYS + ("batch_first",))
    x = first(inputs)
    if reason or attrs.get("cell") not in GATES or x is None or len(x) not in (2, 3):
        return unknown_cost(reason or f"{cls(attrs)}: input shape unknown")
    declared = attrs.get("input_size")
    size = declared if is_size(declared) else x[-1]
    if not is_size(size):
        return unknown_cost(f"{cls(attrs)}: input size unknown")
    sequences = numel(x[:-1])  # batch × time (or time alone, unbatched)
    return matmul_like(mul(sequences, Poly.of(recurrent_step_macs(attrs, size))))


@op("rnn_cell")
def rnn_cell(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """torch RNNCell/LSTMCell/GRUCell: one step, input ``(N, I)`` or ``(I,)``.
    Outputs ``h`` (and ``c`` for LSTM), shape ``(N, hidden)``. Same attrs as ``rnn``."""
    name = cls(attrs)
    cell = attrs.get("cell")
    ports = 2 if cell == "lstm" else 1
    reason = find_unknown(attrs, _PARAM_KEYS)
    if reason or cell not in GATES:
        return unknown_result(reason or f"{name}: unknown recurrent cell {cell!r}", ports)
    hidden: int = attrs["units"]
    declared = attrs.get("input_size")
    x = first(inputs)
    issues: list[Issue] = []
    out: Shape | None = None
    actual: Dim = None
    ranks = tuple(attrs.get("ranks") or (1, 2))
    if x is not None and len(x) not in ranks:
        issues.append(rank_issue(name, x, ranks))
    elif x is not None:
        actual = x[-1]
        out = x[:-1] + (hidden,)
    constraints: list[Any] = []
    if declared is not None and not sizes_match(declared, actual, f"{name} input_size", constraints):
        issues.append(_input_issue(name, declared, actual))
    size = declared if declared is not None else (actual if is_size(actual) else None)
    params = None if size is None else recurrent_params({**attrs, "num_layers": 1, "bidirectional": False}, size)
    return OpResult((out,) * ports, params, None if params is None else 0, tuple(issues),
                    None if params is not None else f"{name}: input size unknown", tuple(constraints))


@macs("rnn_cell")
def rnn_cell_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """One step for every row of the input."""
    reason = find_unknown(attrs, _PARAM_KEYS)
    x = first(inputs)
    if reason or attrs.get("cell") not in GATES or x is None or len(x) not in (1, 2):
        return unknown_cost(reason or f"{cls(attrs)}: input shape unknown")
    declared = attrs.get("input_size")
    size = declared if is_size(declared) else x[-1]
    if not is_size(size):
        return unknown_cost(f"{cls(attrs)}: input size unknown")
    one = {**attrs, "num_layers": 1, "bidirectional": False}
    return matmul_like(mul(numel(x[:-1]), Poly.of(recurrent_step_macs(one, size))))


def inner_cost(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], key: str = "layer") -> Cost:
    """The cost of a wrapped layer (``attrs[key]``, bound by the frontend) applied to
    ``inputs``: its op gives the outputs, its MACs formula the cost."""
    found = inner_layer(attrs, key)
    if isinstance(found, str):
        return unknown_cost(found)
    fn, inner = found
    formula = get_macs(attrs[key].get("kind", ""))
    if formula is None:
        return unknown_cost(f"{cls(attrs)}: the wrapped layer has no MACs formula")
    return formula(inner, inputs, fn(inner, inputs).outputs)


def inner_layer(attrs: Mapping[str, Any], key: str = "layer") -> tuple[Any, dict[str, Any]] | str:
    """The op and attrs of a wrapped layer (``attrs[key]`` = ``{"class_name",
    "kind", "attrs"}`` as the frontend binds it), or why it is not available."""
    layer = attrs.get(key)
    if not isinstance(layer, Mapping):
        return f"{cls(attrs)}: the wrapped layer `{key}` could not be resolved"
    fn = get_op(layer.get("kind", ""))
    if fn is None:
        return f"{cls(attrs)}: the wrapped layer {layer.get('class_name')!r} has no known op"
    inner = dict(layer.get("attrs") or {})
    inner.setdefault("class_name", layer.get("class_name"))
    return fn, inner


@op("rnn_layer")
def rnn_layer(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras ``RNN(cell, return_sequences, return_state)``: the cell's attrs
    (``attrs["cell"]``, a bound layer) run as a whole ``rnn`` over the sequence."""
    cell = attrs.get("cell")
    if not isinstance(cell, Mapping) or not isinstance(cell.get("attrs"), Mapping):
        return unknown_result(f"{cls(attrs)}: the cell could not be resolved")
    merged = {**cell["attrs"], "return_sequences": attrs.get("return_sequences", False),
              "return_state": attrs.get("return_state", False), "ranks": (3,),
              "batch_first": True, "class_name": cls(attrs)}
    return rnn(merged, inputs)


@macs("rnn_layer")
def rnn_layer_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                   outputs: Sequence[Shape | None]) -> Cost:
    cell = attrs.get("cell")
    if not isinstance(cell, Mapping) or not isinstance(cell.get("attrs"), Mapping):
        return unknown_cost(f"{cls(attrs)}: the cell could not be resolved")
    return rnn_macs({**cell["attrs"], "batch_first": True, "class_name": cls(attrs)}, inputs, outputs)


def _merge(mode: Any, forward: Shape | None, backward: Shape | None) -> Shape | None:
    if forward is None:
        return None
    if mode == "concat":
        last = forward[-1]
        return forward[:-1] + ((last * 2) if is_size(last) else None,)
    return forward


@op("bidirectional")
def bidirectional(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras Bidirectional: the wrapped recurrent layer (``attrs["layer"]``) runs
    forwards and backwards (a copy, or ``backward_layer``); parameters of both.
    ``merge_mode`` ``"concat"`` doubles the last axis, ``"sum"``/``"mul"``/``"ave"``
    keep it, None returns both outputs. With ``return_state`` the forward then
    the backward states follow."""
    mode = attrs.get("merge_mode", "concat")
    found = inner_layer(attrs)
    if isinstance(found, str):
        return unknown_result(found)
    fn, inner = found
    forward = fn(inner, inputs)
    backward = forward
    back = attrs.get("backward_layer")
    if isinstance(back, Mapping):
        found_back = inner_layer(attrs, "backward_layer")
        if isinstance(found_back, str):
            return unknown_result(found_back)
        backward = found_back[0](found_back[1], inputs)
    y_f, y_b = forward.outputs[0], backward.outputs[0]
    merged: tuple[Shape | None, ...] = (y_f, y_b) if mode is None else (_merge(mode, y_f, y_b),)
    outputs = merged + forward.outputs[1:] + backward.outputs[1:]

    def add(a: int | None, b: int | None) -> int | None:
        return None if a is None or b is None else a + b

    return OpResult(outputs, add(forward.trainable, backward.trainable),
                    add(forward.non_trainable, backward.non_trainable),
                    forward.issues, forward.unknown or backward.unknown, forward.constraints)


@macs("bidirectional")
def bidirectional_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                       outputs: Sequence[Shape | None]) -> Cost:
    """The forward and the backward layer over the same input; merging (concat,
    sum...) is not counted."""
    forward = inner_cost(attrs, inputs)
    backward = inner_cost(attrs, inputs, "backward_layer") if isinstance(attrs.get("backward_layer"), Mapping) \
        else forward
    return forward + backward
