"""Every op's shape, parameter and MACs formula on symbols: running an op on symbolic
sizes and then substituting values gives what the op gives on those values, over
every layer whose numbers the real frameworks produced (test_framework_numbers);
mismatches are Issues only when they hold for every value, else constraints; and
expressions that blow up end as unknown with a reason, in bounded time."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from modelint.analyzer.ops import get_macs, get_op
from modelint.analyzer.ops._base import FEATURE_MISMATCH, MERGE_MISMATCH, NON_POSITIVE_SIZE, RESHAPE_MISMATCH
from modelint.analyzer.ops._cost import Poly
from modelint.analyzer.shapes import format_shape, is_expr, same_dim, to_json
from modelint.analyzer.symbolic import Constraint, Expr, solve
from tests.ops.conftest import bound
from tests.ops.test_framework_numbers import KERAS_CASES, TORCH_CASES

from modelint.analyzer.frontends.keras_bindings import KERAS_LAYERS
from modelint.analyzer.frontends.torch_bindings import TORCH_MODULES

N, C, H, W = (Expr.symbol(s) for s in ("N", "C", "H", "W"))


# --------------------------------------------------------------------------- helpers


def _value(v: Any, values: dict[str, int]) -> Any:
    return v.subs(values) if is_expr(v) else v


def _shape(shape: Any, values: dict[str, int]) -> Any:
    return None if shape is None else tuple(_value(d, values) for d in shape)


def _poly(count: Poly | None, values: dict[str, int]) -> int | None:
    """A MACs count at ``values``; a floor-division factor is named by its own text
    (ours, ``((H - 4) // 2)``), evaluated with Python's ``//``."""
    if count is None:
        return None
    total = 0
    for mono, coef in count.terms.items():
        term = coef
        for name in mono:
            term *= values[name] if name in values else eval(name, {"__builtins__": {}}, dict(values))  # noqa: S307
        total += term
    return total


def _run(table: Any, name: str, args: Any, kwargs: Any, inputs: Any) -> tuple[Any, Any, Any]:
    layer = bound(table, name, args, kwargs)
    fn = get_op(layer["kind"])
    result = fn(layer["attrs"], list(inputs))
    cost_fn = get_macs(layer["kind"])
    cost = cost_fn(layer["attrs"], list(inputs), list(result.outputs)) if cost_fn else None
    return layer, result, cost


def _symbolize(shapes: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """Every known dimension of every input becomes a symbol ``s{input}_{axis}``."""
    values: dict[str, int] = {}
    out = []
    for i, shape in enumerate(shapes):
        dims = []
        for j, d in enumerate(shape):
            if isinstance(d, int):
                values[f"s{i}_{j}"] = d
                dims.append(Expr.symbol(f"s{i}_{j}"))
            else:
                dims.append(d)
        out.append(tuple(dims))
    return out, values


def _check_agrees(table: Any, name: str, args: Any, kwargs: Any, inputs: Any, values: dict[str, int],
                  concrete_inputs: Any, concrete_args: Any = None) -> bool:
    """Symbolic then substituted == concrete, for everything the symbolic run
    resolved; True when the symbolic run resolved every output and count."""
    concrete_args = args if concrete_args is None else concrete_args
    _, concrete, concrete_cost = _run(table, name, concrete_args, kwargs, concrete_inputs)
    _, symbolic, symbolic_cost = _run(table, name, args, kwargs, inputs)
    complete = True
    for got, want in zip(symbolic.outputs, concrete.outputs):
        if got is None:
            complete = False
            assert symbolic.unknown or symbolic.issues or want is None, (name, "unknown without a reason")
            continue
        shape = _shape(got, values)
        # A dim the symbolic run left unknown (None) must be one it cannot decide.
        assert all(a == b or a is None for a, b in zip(shape, want)) and len(shape) == len(want), (name, got, want)
        complete = complete and None not in shape or None in want
    for attr in ("trainable", "non_trainable"):
        got, want = getattr(symbolic, attr), getattr(concrete, attr)
        if got is None:
            complete = False
            continue
        assert _value(got, values) == want, (name, attr, got, want)
    # An Issue on symbols must hold for the values too; constraints hold wherever
    # the concrete layer is valid.
    assert {i.kind for i in symbolic.issues} <= {i.kind for i in concrete.issues}, (name, symbolic.issues)
    if not concrete.issues:
        for c in symbolic.constraints:
            assert c.holds(values), (name, str(c), values)
    if symbolic_cost is not None and concrete_cost is not None and symbolic_cost.known:
        assert _poly(symbolic_cost.macs, values) == _poly(concrete_cost.macs, {}), (name, symbolic_cost)
        assert _poly(symbolic_cost.flops, values) == _poly(concrete_cost.flops, {}), (name, symbolic_cost)
    return complete


# --------------------------------------------------------------------------- property


CASES = [("keras", KERAS_LAYERS, c[0], c[1], c[2], c[3]) for c in KERAS_CASES] + \
        [("torch", TORCH_MODULES, c[0], c[1], c[2], c[3]) for c in TORCH_CASES]


@pytest.mark.parametrize(("framework", "table", "name", "args", "kwargs", "inputs"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_symbolic_inputs_then_values_equal_the_concrete_run(framework, table, name, args, kwargs, inputs):
    symbolic_inputs, values = _symbolize(inputs)
    _check_agrees(table, name, args, kwargs, symbolic_inputs, values, inputs)


def test_most_layers_resolve_on_symbolic_inputs():
    """The property above must not pass by giving up: most layers keep every size."""
    resolved = sum(
        _check_agrees(table, name, args, kwargs, *_symbolize(inputs), inputs)
        for _, table, name, args, kwargs, inputs in CASES
    )
    assert resolved >= 0.8 * len(CASES), (resolved, len(CASES))


SIZE_ARGS = [  # (framework table, class, args with a size to make symbolic at `slot`, kwargs, input, slot)
    (TORCH_MODULES, "Linear", [20, 30], {}, [(4, 20)], 0),
    (TORCH_MODULES, "Linear", [20, 30], {}, [(4, 20)], 1),
    (TORCH_MODULES, "Conv2d", [3, 8, 3], {"padding": 1}, [(2, 3, 16, 16)], 1),
    (TORCH_MODULES, "Conv2d", [3, 8, 3], {}, [(2, 3, 16, 16)], 0),
    (TORCH_MODULES, "Conv2d", [3, 8, 3], {}, [(2, 3, 16, 16)], 2),  # a symbolic kernel size
    (TORCH_MODULES, "Conv2d", [3, 8, 3], {"padding": "same"}, [(2, 3, 16, 16)], 2),
    (TORCH_MODULES, "MaxPool2d", [3], {"stride": 2}, [(2, 3, 16, 16)], 0),
    (TORCH_MODULES, "Bilinear", [5, 6, 7], {}, [(4, 5), (4, 6)], 2),
    (TORCH_MODULES, "LSTM", [10, 20], {"num_layers": 2, "bidirectional": True}, [(5, 3, 10)], 1),
    (TORCH_MODULES, "GRU", [10, 20], {"proj_size": 0}, [(5, 3, 10)], 0),
    (TORCH_MODULES, "Embedding", [1000, 64], {}, [(4, 12)], 0),
    (TORCH_MODULES, "Embedding", [1000, 64], {}, [(4, 12)], 1),
    (TORCH_MODULES, "BatchNorm2d", [16], {}, [(2, 16, 8, 8)], 0),
    (TORCH_MODULES, "LayerNorm", [32], {}, [(2, 5, 32)], 0),
    (TORCH_MODULES, "MultiheadAttention", [32, 4], {}, [(10, 2, 32), (12, 2, 32), (12, 2, 32)], 0),
    (KERAS_LAYERS, "Dense", [64], {}, [(None, 20)], 0),
    (KERAS_LAYERS, "Conv2D", [32, 3], {}, [(None, 28, 28, 3)], 0),
    (KERAS_LAYERS, "LSTM", [16], {"return_sequences": True}, [(None, 7, 8)], 0),
    (KERAS_LAYERS, "Embedding", [500, 16], {}, [(None, 10)], 1),
]


@pytest.mark.parametrize(("table", "name", "args", "kwargs", "inputs", "slot"), SIZE_ARGS)
def test_symbolic_size_attributes_then_values_equal_the_concrete_run(table, name, args, kwargs, inputs, slot):
    values = {"k": args[slot]}
    symbolic_args = list(args)
    symbolic_args[slot] = Expr.symbol("k")
    assert _check_agrees(table, name, symbolic_args, kwargs, inputs, values, inputs, args)
    # and with the inputs symbolic as well
    symbolic_inputs, more = _symbolize(inputs)
    _check_agrees(table, name, symbolic_args, kwargs, symbolic_inputs, {**values, **more}, inputs, args)


@pytest.mark.parametrize("h", [5, 6, 7, 8, 9, 16, 33])
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation", "ceil_mode"),
                         list(itertools.product([1, 2, 3], [1, 2, 3], [0, 1], [1, 2], [False, True])))
def test_window_arithmetic_on_symbols_matches_ints(h, kernel, stride, padding, dilation, ceil_mode):
    if padding > kernel // 2:  # torch's own limit for pooling pads
        return
    attrs = bound(TORCH_MODULES, "MaxPool2d", [kernel], {"stride": stride, "padding": padding,
                                                          "dilation": dilation, "ceil_mode": ceil_mode})["attrs"]
    concrete = get_op("pool")(attrs, [(1, 2, h, h)])
    symbolic = get_op("pool")(attrs, [(1, 2, H, h)])
    if symbolic.outputs[0] is None:
        assert symbolic.unknown and "ceil_mode" in symbolic.unknown  # the one case left undecided
        return
    got = _shape(symbolic.outputs[0], {"H": h})
    want = concrete.outputs[0]
    if concrete.issues:  # size ≤ 0: the symbolic run states a constraint the value breaks
        assert not all(c.holds({"H": h}) for c in symbolic.constraints)
    else:
        assert got == want
        assert all(c.holds({"H": h}) for c in symbolic.constraints)


# --------------------------------------------------------------------------- the issue's examples


def _torch(name, args, inputs, **kwargs):
    return _run(TORCH_MODULES, name, args, kwargs, inputs)[1]


def test_mnist_net_shape_and_the_input_it_pins():
    x = (N, 1, H, W)
    for name, args in (("Conv2d", [1, 32, 3]), ("Conv2d", [32, 64, 3]), ("MaxPool2d", [2])):
        r = _torch(name, args, [x])
        x = r.outputs[0]
    assert format_shape(x) == "(N, 64, (H - 4) // 2, (W - 4) // 2)"
    assert to_json(x) == ["N", 64, "(H - 4) // 2", "(W - 4) // 2"]
    assert [str(c) for c in r.constraints] == ["(H - 4) // 2 ≥ 1", "(W - 4) // 2 ≥ 1"]
    flat = _torch("Flatten", [], [x]).outputs[0]
    fc = _torch("Linear", [9216, 128], [flat])
    assert fc.issues == () and fc.outputs == ((N, 128),) and fc.trainable == 9216 * 128 + 128
    (pin,) = fc.constraints
    assert pin.kind == "equals" and pin.value == 9216 and "Linear" in pin.why
    assert solve([pin.__class__(pin.expr.subs({"W": H}), "equals", 9216)]).ranges["H"] == (28, 29)


def test_mlp_parameter_formula_is_the_sum_of_its_linear_formulas():
    dim_in, dim_hidden, dim_out = (Expr.symbol(s) for s in ("dim_in", "dim_hidden", "dim_out"))
    first = _torch("Linear", [dim_in, dim_hidden], [(N, dim_in)])
    second = _torch("Linear", [dim_hidden, dim_out], list(first.outputs))
    assert first.issues == second.issues == () and first.constraints == second.constraints == ()
    total = first.trainable + second.trainable
    assert total == dim_in * dim_hidden + dim_hidden * dim_out + dim_hidden + dim_out
    assert total.subs({"dim_in": 784, "dim_hidden": 256, "dim_out": 10}) == 784 * 256 + 256 + 256 * 10 + 10


def test_keras_conv2d_on_unknown_channels():
    r = _run(KERAS_LAYERS, "Conv2D", [32, 3], {}, [(None, 28, 28, C)])[1]
    assert r.trainable == 9 * C * 32 + 32 and r.trainable.pretty() == "288·C + 32"
    assert r.outputs == ((None, 26, 26, 32),) and r.unknown is None


# --------------------------------------------------------------------------- issues vs constraints


def test_feature_mismatch_only_when_it_holds_for_every_value():
    # two different ints: an Issue, as before
    assert _torch("Linear", [10, 5], [(N, 11)]).issues[0].kind == FEATURE_MISMATCH
    # equal symbols with different constants: differs for every value
    r = _torch("Linear", [C, 5], [(N, C + 1)])
    assert [i.kind for i in r.issues] == [FEATURE_MISMATCH] and r.constraints == ()
    assert "expects C input features, but the input has C + 1" in r.issues[0].message
    # a monotone size already past the pinned value at its least point
    r = _torch("Linear", [3, 5], [(N, 4 * H)])
    assert [i.kind for i in r.issues] == [FEATURE_MISMATCH]
    # no value of H makes 64·((H - 4) // 2)² equal 9215
    r = _torch("Linear", [9215, 5], [(N, 64 * ((H - 4) // 2) * ((H - 4) // 2))])
    assert [i.kind for i in r.issues] == [FEATURE_MISMATCH]
    # holds for some values only: a constraint, no Issue
    r = _torch("Linear", [9216, 5], [(N, 64 * H)])
    assert r.issues == () and [str(c) for c in r.constraints] == ["64·H = 9216"]
    r = _torch("Conv2d", [C, 8, 3], [(N, W, 16, 16)])  # in_channels C meets W channels
    (c,) = r.constraints
    assert r.issues == () and c.kind == "equals" and c.holds({"C": 5, "W": 5}) and not c.holds({"C": 5, "W": 6})


def test_non_positive_size_only_for_a_size_that_is_never_positive():
    r = _torch("Conv2d", [3, 8, 5], [(1, 3, 2, 2)])
    assert [i.kind for i in r.issues] == [NON_POSITIVE_SIZE]
    r = _torch("Conv2d", [3, 8, 5], [(1, 3, H, H)])
    assert r.issues == () and {str(c) for c in r.constraints} == {"H - 4 ≥ 1"}
    r = _torch("Conv2d", [3, 8, 5], [(1, 3, H + 4, H + 4)])  # always ≥ 1: nothing to say
    assert r.issues == () and r.constraints == ()
    assert _torch("ZeroPad2d", [1], [(1, 3, H, W)]).constraints == ()


def test_merge_and_reshape_mismatches_on_symbols():
    cat = get_op("concat")
    r = cat({"class_name": "cat", "axis": 1}, [(N, 8, H), (N, 4, H + 1)])
    assert [i.kind for i in r.issues] == [MERGE_MISMATCH]
    r = cat({"class_name": "cat", "axis": 1}, [(N, 8, H), (N, 4, W)])
    assert r.issues == () and r.outputs == ((N, 12, H),) and len(r.constraints) == 1
    add = get_op("broadcast")
    assert add({"class_name": "+"}, [(N, 3), (N, H)]).outputs == ((N, 3),)
    reshape = get_op("reshape")
    r = reshape({"class_name": "view", "shape": (N, -1)}, [(N, 64, H, W)])
    assert r.outputs == ((N, 64 * H * W),) and r.issues == ()
    r = reshape({"class_name": "view", "shape": (N, 128)}, [(N, 64, H)])
    assert r.issues == () and [str(c) for c in r.constraints] == ["64·H = 128"]
    r = reshape({"class_name": "view", "shape": (N, 100)}, [(N, 64, H)])  # 64·H is never 100
    assert [i.kind for i in r.issues] == [RESHAPE_MISMATCH]
    r = reshape({"class_name": "view", "shape": (N, 7)}, [(N, 2 * H)])  # 2·H is never 7
    assert [i.kind for i in r.issues] == [RESHAPE_MISMATCH]
    assert same_dim(H + 1, H) is False and same_dim(H, H) is True and same_dim(H, W) is None
    assert same_dim(3, 3) is True and same_dim("N", "N") is True and same_dim(None, 3) is None


# --------------------------------------------------------------------------- bad input


def test_ten_thousand_reshapes_stay_bounded():
    flatten, reshape = get_op("flatten"), get_op("reshape")
    start = time.perf_counter()
    x = (N, C, H, W)
    for _ in range(10_000):
        flat = flatten({"class_name": "flatten", "start_dim": 1, "end_dim": -1}, [x]).outputs[0]
        x = reshape({"class_name": "view", "shape": (N, C, H, -1)}, [flat]).outputs[0]
    assert x == (N, C, H, W)
    # growing instead of cancelling: the size bounds stop it with a reason
    y: Any = (Expr.symbol("a") + 1, Expr.symbol("b") + 1)
    r = None
    for i in range(60):
        r = reshape({"class_name": "view", "shape": (-1,)}, [y + (Expr.symbol(f"s{i}") + 1,)])
        if r.outputs[0] is None:
            break
        y = (r.outputs[0][0], Expr.symbol("b") + 1)
    assert r is not None and r.outputs == (None,)
    assert "more than 64 terms" in r.unknown or "degree exceeds" in r.unknown
    assert time.perf_counter() - start < 20


def test_division_by_a_symbol_and_symbolic_powers_end_as_unknown_with_a_reason():
    reshape = get_op("reshape")
    r = reshape({"class_name": "view", "shape": (H, -1)}, [(N, 64)])  # 64·N / H: may not divide
    assert r.outputs == (None,) and "not divisible" in r.unknown
    r = reshape({"class_name": "view", "shape": (-1, 3)}, [(N, 64, H)])  # 64·N·H / 3
    assert r.outputs == (None,) and "not divisible" in r.unknown
    r = reshape({"class_name": "view", "shape": (-1, H + 1)}, [(N, H)])  # by a sum of terms
    assert r.outputs == (None,) and r.unknown
    # a kernel whose size is a symbolic power never reaches an op: the power refuses
    from modelint.analyzer.symbolic import NotFoldable, power
    with pytest.raises(NotFoldable, match="symbolic exponent"):
        power(H, W)
    # an op whose arithmetic leaves the expression form reports why, never raises
    conv = bound(TORCH_MODULES, "MaxPool2d", [3], {"stride": 3, "padding": 1, "ceil_mode": True})["attrs"]
    r = get_op("pool")(conv, [(1, 2, H, H)])
    assert r.outputs == (None,) and "ceil_mode" in r.unknown


def test_constraint_class_is_the_symbolic_one():
    r = _torch("Conv2d", [3, 8, 5], [(1, 3, H, H)])
    assert all(isinstance(c, Constraint) for c in r.constraints)


def test_decide_is_a_proof_over_sizes():
    from modelint.analyzer.symbolic import decide

    assert decide(Constraint(H + 4, "positive")) is True          # ≥ 5 for every H ≥ 1
    assert decide(Constraint(2 * H - 1, "positive")) is True
    assert decide(Constraint(H - 4, "positive")) is None          # only from H = 5
    assert decide(Constraint(H * W - 1, "positive")) is None
    assert decide(Constraint(4 * H, "equals", 3)) is False        # already past 3 at H = 1
    assert decide(Constraint(2 * H, "equals", 7)) is False        # odd: no H fits
    assert decide(Constraint(2 * H, "equals", 8)) is None         # H = 4 fits
    assert decide(Constraint(H * W, "equals", 12)) is None
    # equal constraints from different layers are one constraint
    assert Constraint(H - 4, "positive", why="a") == Constraint(H - 4, "positive", why="b")
    assert len({Constraint(H - 4, "positive", why="a"), Constraint(H - 4, "positive", why="b")}) == 1


FAMILY = [H, 2 * H, H + 3, (H - 4) // 2, 64 * ((H - 4) // 2), 3 * H * H, ((H - 2) // 2 - 2) // 2 * 16]


@pytest.mark.parametrize("size", FAMILY, ids=[str(e) for e in FAMILY])
def test_issue_iff_every_value_mismatches_and_constraint_iff_some(size):
    """Linear(d) on a last axis ``size``: an Issue exactly when no valid H fits
    (checked over H = 10..400, where every intermediate size is ≥ 1), else a
    constraint that holds exactly at the H where the concrete layer has no issue."""
    for declared in (*range(1, 41), 64, 96, 100, 128, 1024, 9216, 9215):
        r = _torch("Linear", [declared, 3], [(N, size)])
        fits = [h for h in range(10, 401) if size.subs({"H": h}) == declared]
        if r.issues:
            assert not fits, (size, declared, fits)
            assert r.constraints == ()
        else:
            assert fits or r.constraints, (size, declared)
            for h in range(10, 401):
                ok = all(c.holds({"H": h}) for c in r.constraints)
                assert ok == (h in fits), (size, declared, h)
