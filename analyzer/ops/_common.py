"""Helpers shared by the op families: unknown attributes, tuples, layout, rank
checks, dimension arithmetic and the one window formula used by conv and pool.

Not an op module (leading underscore): the registry does not import it by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from modelint.analyzer.ops._base import (
    RANK_MISMATCH,
    Issue,
    OpResult,
    Unknown,
)
from modelint.analyzer.shapes import Dim, Shape, format_shape, is_expr, is_known, is_size

if TYPE_CHECKING:
    from modelint.analyzer.symbolic import Constraint

Padding = str | tuple[int, int]  # "valid" | "same" | (before, after)


# --------------------------------------------------------------------------- attrs


def cls(attrs: Mapping[str, Any]) -> str:
    """The framework class name the messages speak of."""
    name = attrs.get("class_name")
    return name if isinstance(name, str) else "layer"


def first(inputs: Sequence[Shape | None]) -> Shape | None:
    return inputs[0] if inputs else None


def _unknown_inside(value: Any) -> str | None:
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, (tuple, list)):
        for item in value:
            reason = _unknown_inside(item)
            if reason is not None:
                return reason
    return None


def find_unknown(attrs: Mapping[str, Any], names: Sequence[str], required: Sequence[str] = ()) -> str | None:
    """A reason naming the first of ``names`` whose value is (or holds) an
    Unknown, or the first of ``required`` that is missing (None)."""
    for name in required:
        if attrs.get(name) is None:
            return f"{cls(attrs)}: `{name}` is missing"
    for name in names:
        reason = _unknown_inside(attrs.get(name))
        if reason is not None:
            return f"{cls(attrs)}: `{name}` could not be resolved ({reason})"
    return None


def unknown_result(reason: str, ports: int = 1) -> OpResult:
    """Nothing known: every output and both parameter counts are unknown."""
    return OpResult(outputs=(None,) * ports, trainable=None, non_trainable=None, unknown=reason)


def as_tuple(value: Any, rank: int) -> tuple[Any, ...] | None:
    """``3`` → ``(3, 3)`` for rank 2; a sequence of the right length as a tuple;
    a one-element sequence repeated; None when it does not fit the rank."""
    if isinstance(value, (tuple, list)):
        if len(value) == rank:
            return tuple(value)
        if len(value) == 1:
            return tuple(value) * rank
        return None
    return (value,) * rank


def channels_last(attrs: Mapping[str, Any]) -> bool:
    """The layout: ``data_format`` (when the call gave one) wins over the
    binding's fixed ``channels_last`` convention."""
    fmt = attrs.get("data_format")
    if fmt == "channels_first":
        return False
    if fmt == "channels_last":
        return True
    return bool(attrs.get("channels_last", False))


def flag(attrs: Mapping[str, Any], name: str, default: bool) -> bool:
    value = attrs.get(name, default)
    return default if value is None else bool(value)


# --------------------------------------------------------------------------- layout


def to_channels_first(shape: Shape, last: bool, spatial: int) -> Shape:
    """Move the channel axis of a channels-last shape in front of its ``spatial``
    trailing spatial axes (leading batch axes stay where they are)."""
    if not last:
        return shape
    c = len(shape) - spatial - 1
    return shape[:c] + (shape[-1],) + shape[c:-1]


def from_channels_first(shape: Shape, last: bool, spatial: int) -> Shape:
    if not last:
        return shape
    c = len(shape) - spatial - 1
    return shape[:c] + shape[c + 1 :] + (shape[c],)


# --------------------------------------------------------------------------- issues


def _ranks_text(ranks: Sequence[int]) -> str:
    return " or ".join(f"{r}-D" for r in ranks)


def rank_issue(name: str, shape: Shape, ranks: Sequence[int]) -> Issue:
    """``Conv2d expects a 3-D or 4-D input, but got a 2-D tensor (1, 9216)``."""
    return Issue(
        RANK_MISMATCH,
        f"{name} expects a {_ranks_text(ranks)} input, but got a {len(shape)}-D tensor "
        f"{format_shape(shape)}",
        {"expected": tuple(ranks), "actual": len(shape), "shape": shape},
    )


def min_rank_issue(name: str, shape: Shape, minimum: int) -> Issue:
    return Issue(
        RANK_MISMATCH,
        f"{name} expects an input of at least {minimum} dimension{'s' if minimum > 1 else ''}, "
        f"but got a {len(shape)}-D tensor {format_shape(shape)}",
        {"expected": f">={minimum}", "actual": len(shape), "shape": shape},
    )


# --------------------------------------------------------------------------- dims


def dim_mul(a: Dim, b: Dim) -> Dim:
    """Product of two dims: ints and expressions multiply (``64*C``); a named
    (``str``) dim survives only a factor 1; anything else unknown is None."""
    if is_size(a) and is_size(b):
        return a * b  # type: ignore[operator]
    if b == 1:
        return a
    if a == 1:
        return b
    return None


def dims_prod(dims: Sequence[Dim]) -> Dim:
    """Product of dims; a single symbolic dim times known ones equal to 1 stays
    symbolic, anything else unknown is None."""
    result: Dim = 1
    for d in dims:
        result = dim_mul(result, d)
    return result


def dims_sum(dims: Sequence[Dim]) -> Dim:
    if all(is_size(d) for d in dims):
        return sum(dims)  # type: ignore[arg-type]
    return None


# --------------------------------------------------------------------------- symbols
# Only reached with an ``Expr`` in hand, so analyzer/symbolic is already loaded then.


def sizes_match(expected: Dim, actual: Dim, why: str, constraints: list["Constraint"]) -> bool:
    """False when ``actual`` differs from ``expected`` for every value of their
    symbols — the op reports an Issue. When they agree only for some values, the
    pinning is appended to ``constraints`` (``64*s*s = 9216``) and the answer is
    True, as it is when they agree always or cannot be compared (unknown, names)."""
    if is_known(expected) and is_known(actual):
        return expected == actual
    if not (is_size(expected) and is_size(actual)):
        return True
    from modelint.analyzer.symbolic import Constraint, Expr, decide

    diff = actual - expected  # type: ignore[operator]
    if isinstance(diff, int):
        return diff == 0
    if is_known(expected):
        c = Constraint(actual, "equals", expected, why)  # type: ignore[arg-type]
    elif is_known(actual):
        c = Constraint(expected, "equals", actual, why)  # type: ignore[arg-type]
    else:
        rest = diff.constant()
        c = Constraint(Expr.lift(diff - rest), "equals", -rest, why)
    verdict = decide(c)
    if verdict is None and c not in constraints:
        constraints.append(c)
    return verdict is not False


def size_positive(size: Dim, why: str, constraints: list["Constraint"]) -> bool:
    """False when ``size`` is ≤ 0 for every value (a known int ≤ 0); for an
    expression that is ≥ 1 only for some values, ``size ≥ 1`` is appended to
    ``constraints``."""
    if is_known(size):
        return size >= 1  # type: ignore[operator]
    if not is_expr(size):
        return True
    from modelint.analyzer.symbolic import Constraint, decide

    c = Constraint(size, "positive", 1, why)  # type: ignore[arg-type]
    verdict = decide(c)
    if verdict is None and c not in constraints:  # one per size: height and width alike
        constraints.append(c)
    return verdict is not False


def exact_div(have: Dim, want: Dim) -> Dim:
    """``have / want`` when ``want`` divides ``have`` for every value of their
    symbols (``64*N*s*s / N``), for a ``-1`` in a reshape; raises ``NotFoldable``
    with the reason otherwise (ints are the caller's: they decide an Issue)."""
    from modelint.analyzer.symbolic import Expr, NotFoldable, floordiv

    if is_known(want):
        if want == 0:
            raise NotFoldable("a -1 next to a size 0")
        if any(coef % want for _, coef in Expr.lift(have).terms):  # type: ignore[arg-type]
            raise NotFoldable(f"{have} is not divisible by {want} for every value of its symbols")
    return floordiv(have, want)  # type: ignore[arg-type]


def norm_dim(dim: Any, rank: int) -> int | None:
    """A torch-style dim index (negative from the end) in [0, rank), else None."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        return None
    if -rank <= dim < rank:
        return dim % rank
    return None


# --------------------------------------------------------------------------- windows


def window_out(
    size: Dim,
    kernel: int,
    stride: int,
    padding: Padding,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> Dim:
    """Output length of a sliding window (conv or pool) along one axis.

    ``padding`` is ``"same"`` (Keras/torch: ceil(size / stride)), ``"valid"`` (no
    padding) or explicit ``(before, after)`` pads. ``ceil_mode`` is torch's: the
    division rounds up, but the last window must start inside the input or its
    left padding. Integer ``//`` only. An expression size gets the same formula
    written as people do, ``(H - 4) // 2`` (``(span + stride) // stride`` is
    ``span // stride + 1`` on every integer); a named (``str``) size passes
    through a window that cannot change it, else becomes None.
    """
    eff = dilation * (kernel - 1) + 1
    if padding == "same":
        if is_known(size):
            return -(-size // stride)  # type: ignore[operator]
        if is_expr(size):
            return (size + stride - 1) // stride  # type: ignore[operator]
        return size if stride == 1 else None
    before, after = (0, 0) if padding == "valid" else padding
    if is_expr(size) or is_expr(eff):
        span = size + before + after - eff  # type: ignore[operator]
        if not ceil_mode:
            return (span + stride) // stride
        # ceil(span/s)·s ≤ span + s - 1, so torch's "last window starts past the
        # input" correction can only apply when stride + after > eff.
        if not isinstance(eff, int) or stride + after > eff:
            from modelint.analyzer.symbolic import NotFoldable

            raise NotFoldable(f"ceil_mode with a window of symbolic size {eff}" if not isinstance(eff, int)
                              else f"ceil_mode's last-window rule depends on the value of {size}")
        return (span + 2 * stride - 1) // stride
    if not is_known(size):
        return size if (stride == 1 and before + after == eff - 1) else None
    span = size + before + after - eff  # type: ignore[operator]
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + before:  # type: ignore[operator]
        out -= 1
    return out


def transposed_out(
    size: Dim,
    kernel: int,
    stride: int,
    padding: Padding,
    dilation: int = 1,
    output_padding: int | None = None,
) -> Dim:
    """Output length of a transposed convolution along one axis.

    Explicit pads (torch): ``(size - 1) * stride + dilation * (kernel - 1) + 1 -
    before - after + output_padding``. Keras' ``"valid"``/``"same"`` without
    ``output_padding``: ``size * stride + max(k_eff - stride, 0)`` / ``size * stride``;
    with it, the explicit formula with pads ``0`` / ``k_eff // 2`` on each side.
    Ints and expressions alike.
    """
    if not is_size(size):
        return None
    eff = dilation * (kernel - 1) + 1
    if not isinstance(eff, int) and padding in ("valid", "same"):
        from modelint.analyzer.symbolic import NotFoldable

        raise NotFoldable(f"a {padding!r} transposed window of symbolic size {eff}")
    if output_padding is None and padding == "valid":
        return size * stride + max(eff - stride, 0)  # type: ignore[operator]
    if output_padding is None and padding == "same":
        return size * stride  # type: ignore[operator]
    if padding == "valid":
        before = after = 0
    elif padding == "same":
        before = after = eff // 2
    else:
        before, after = padding
    return (size - 1) * stride + eff - before - after + (output_padding or 0)  # type: ignore[operator]


def spatial_padding(padding: Any, rank: int, kernel: Sequence[int], dilation: Sequence[int]) -> list[Padding] | None:
    """Per-axis padding: ``"valid"``/``"same"`` for every axis; ``"causal"`` (Keras
    Conv1D) as ``(dilation * (kernel - 1), 0)``; ints as symmetric pads."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode in ("valid", "same"):
            return [mode] * rank
        if mode == "causal":
            return [(d * (k - 1), 0) for k, d in zip(kernel, dilation)]
        return None
    pads = as_tuple(padding, rank)
    if pads is None:
        return None
    out: list[Padding] = []
    for p in pads:
        if isinstance(p, (tuple, list)) and len(p) == 2:
            out.append((int(p[0]), int(p[1])))
        elif isinstance(p, int) and not isinstance(p, bool):
            out.append((p, p))
        else:
            return None
    return out
