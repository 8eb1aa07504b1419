"""Shape-only ops without parameters: ``flatten``, ``unflatten``, ``reshape``,
``permute``, ``transpose``, ``squeeze``, ``unsqueeze``, ``repeat_vector``,
``getitem`` and ``reduce`` (mean/sum/amax over dims)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import RANK_MISMATCH, RESHAPE_MISMATCH, Issue, OpResult
from modelint.analyzer.ops._common import (
    cls,
    dims_prod,
    exact_div,
    find_unknown,
    first,
    min_rank_issue,
    norm_dim,
    rank_issue,
    sizes_match,
)
from modelint.analyzer.ops._cost import Cost, FREE, flops_only, numel
from modelint.analyzer.shapes import Dim, Shape, format_dim, format_shape, is_expr, is_known, is_size


def _result(out: Shape | None, issues: Sequence[Issue] = (), unknown: str | None = None,
            constraints: Sequence[Any] = ()) -> OpResult:
    return OpResult((out,), 0, 0, tuple(issues), unknown, tuple(constraints))


def _dim_issue(name: str, dim: Any, x: Shape) -> Issue:
    return Issue(
        RANK_MISMATCH,
        f"{name} uses dim {dim}, but the input {format_shape(x)} has only {len(x)} dimensions",
        {"expected": f"dim in [-{len(x)}, {len(x)})", "actual": dim, "shape": x},
    )


@op("flatten", parameter_free=True)
def flatten(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Merge dims ``start_dim..end_dim`` (inclusive) into one. attrs: ``start_dim``,
    ``end_dim`` (torch Flatten 1/-1, torch.flatten 0/-1, Keras Flatten 1/-1)."""
    reason = find_unknown(attrs, ("start_dim", "end_dim"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    if len(x) == 0:
        return _result((1,))
    start, end = norm_dim(attrs.get("start_dim", 0), len(x)), norm_dim(attrs.get("end_dim", -1), len(x))
    if start is None or end is None or start > end:
        return _result(None, (_dim_issue(cls(attrs), attrs.get("start_dim"), x),))
    return _result(x[:start] + (dims_prod(x[start : end + 1]),) + x[end + 1 :])


@op("unflatten", parameter_free=True)
def unflatten(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dim", "sizes"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    axis = norm_dim(attrs.get("dim"), len(x))
    if axis is None:
        return _result(None, (_dim_issue(name, attrs.get("dim"), x),))
    sizes = tuple(attrs["sizes"])
    constraints: list[Any] = []
    inner = _solve(name, (x[axis],), sizes, issues := [], "unflatten", constraints)
    if inner is None:
        return _result(None, issues)
    return _result(x[:axis] + inner + x[axis + 1 :], issues, None, constraints)


def _solve(name: str, source: Shape, target: Sequence[Dim], issues: list[Issue], verb: str,
           constraints: list[Any] | None = None) -> Shape | None:
    """Resolve one -1 in ``target`` so it holds ``source``'s elements, or add a
    RESHAPE_MISMATCH issue. A named (``str``) or unknown target dim equal to the
    source dim at the same position (``x.size(0)``), or a named dim present in the
    source, cancels against it; what remains unknown stays unknown.

    Sizes over symbols take part as products: the -1 is their exact quotient
    (``64*N*s*s / N``), unknown with the reason when it does not divide for every
    value; without a -1 the element counts must be equal — an Issue only when they
    differ for every value, else a constraint (``64*s*s = 9216``)."""
    target = list(target)
    if sum(1 for t in target if t == -1) > 1:
        issues.append(Issue(RESHAPE_MISMATCH, f"{name} to {format_shape(tuple(target))} has more than one -1",
                            {"expected": "at most one -1", "actual": tuple(target)}))
        return None
    rest_src = list(source)
    open_target = False
    cancelled = False
    kept_target: list[Dim] = []  # expression dims that did not cancel against the source
    for i, t in enumerate(target):
        if is_known(t):
            continue
        if is_expr(t):
            if t in rest_src:  # x.view(N, -1) on (N, ...): the same size on both sides
                rest_src[rest_src.index(t)] = _GONE
                cancelled = True
            else:
                kept_target.append(t)
            continue
        if i < len(source) and source[i] == t and (t is None or isinstance(t, str)) and rest_src[i] is not _GONE:
            rest_src[i] = _GONE
            cancelled = True
        elif isinstance(t, str) and t in rest_src:
            rest_src[rest_src.index(t)] = _GONE
            cancelled = True
        else:
            open_target = True
    remaining = [d for d in rest_src if d is not _GONE]
    have = dims_prod(remaining) if all(is_size(d) for d in remaining) else None
    want: Dim = 1
    for t in [*(t for t in target if is_known(t) and t != -1), *kept_target]:
        want = want * t  # type: ignore[operator]
    out = list(target)
    hole = out.index(-1) if -1 in out else None
    if not is_size(have) or open_target:
        if hole is not None:
            out[hole] = None
        return tuple(out)
    per = " per sample" if cancelled else ""
    if not (is_known(have) and is_known(want)):
        if hole is not None:
            out[hole] = exact_div(have, want)
            return tuple(out)
        if not sizes_match(want, have, f"{name} element count", constraints if constraints is not None else []):
            issues.append(Issue(
                RESHAPE_MISMATCH,
                f"{name} to {format_shape(tuple(target))} cannot hold {format_dim(have)} elements{per}",
                {"expected": want, "actual": have, "target": tuple(target), "verb": verb},
            ))
        return tuple(out)
    problem = (want == 0 or have % want != 0) if hole is not None else have != want  # type: ignore[operator]
    if problem:
        issues.append(Issue(
            RESHAPE_MISMATCH,
            f"{name} to {format_shape(tuple(target))} cannot hold {have} elements{per}",
            {"expected": want, "actual": have, "target": tuple(target), "verb": verb},
        ))
        return tuple(None if t == -1 else t for t in target)
    if hole is not None:
        out[hole] = have // want  # type: ignore[operator]
    return tuple(out)


class _Gone:
    __slots__ = ()


_GONE: Any = _Gone()


@op("reshape", parameter_free=True)
def reshape(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """view/reshape (torch, the whole target) and Keras Reshape (the target
    excludes the batch axis: ``batch_dims`` 1). attrs: ``shape`` (ints, one -1,
    or None/str dims the frontend resolved from ``x.size(i)``), ``batch_dims``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("shape", "batch_dims"))
    x = first(inputs)
    if reason or attrs.get("shape") is None:
        return _result(None, (), reason)
    target = attrs["shape"]
    target = tuple(target) if isinstance(target, (tuple, list)) else (target,)
    keep = attrs.get("batch_dims") or 0
    if x is None:
        # An unknown input (a Sequential whose first layer fixes no rank): a target of
        # known sizes is the output all the same, after the kept batch axes (unknown,
        # Keras' None). Whether the elements fit is checked where the input is known.
        if keep in (0, 1) and target and all(is_known(t) and t > 0 for t in target):
            return _result((None,) * keep + target, ())
        return _result(None, ())
    if len(x) < keep:
        return _result(None, (min_rank_issue(name, x, keep),))
    issues: list[Issue] = []
    constraints: list[Any] = []
    solved = _solve(name, x[keep:], target, issues, "reshape", constraints)
    return _result(None if solved is None else x[:keep] + solved, issues, None, constraints)


@op("permute", parameter_free=True)
def permute(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Reorder dims: ``out = x[:batch_dims] + (x[d] for d in dims)``. torch
    ``permute`` has ``batch_dims`` 0; Keras Permute 1 (its dims are 1-based and
    never name the batch, so they index the full shape directly)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dims", "batch_dims"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    dims = tuple(attrs["dims"])
    keep = attrs.get("batch_dims") or 0
    if keep + len(dims) != len(x):
        return _result(None, (rank_issue(name, x, (keep + len(dims),)),))
    axes = [norm_dim(d, len(x)) for d in dims]
    if any(a is None for a in axes):
        return _result(None, (_dim_issue(name, dims, x),))
    return _result(x[:keep] + tuple(x[a] for a in axes))  # type: ignore[index]


@op("transpose", parameter_free=True)
def transpose(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Swap ``dim0`` and ``dim1``."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dim0", "dim1"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    a, b = norm_dim(attrs.get("dim0"), len(x)), norm_dim(attrs.get("dim1"), len(x))
    if a is None or b is None:
        return _result(None, (_dim_issue(name, (attrs.get("dim0"), attrs.get("dim1")), x),))
    out = list(x)
    out[a], out[b] = out[b], out[a]
    return _result(tuple(out))


@op("squeeze", parameter_free=True)
def squeeze(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Drop size-1 dims: all of them (``dim`` None) or the given ones (a dim
    whose size is not 1 stays). An unknown size makes the result unknown."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dim",))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    dim = attrs.get("dim")
    if dim is None:
        axes = list(range(len(x)))
    else:
        axes = [norm_dim(d, max(len(x), 1)) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        if any(a is None for a in axes):
            return _result(None, (_dim_issue(name, dim, x),))
    if any(not is_known(x[a]) for a in axes if a < len(x)):  # type: ignore[operator]
        return _result(None, (), f"{name}: whether the squeezed dims have size 1 is unknown ({format_shape(x)})")
    drop = {a for a in axes if a < len(x) and x[a] == 1}  # type: ignore[operator]
    return _result(tuple(d for i, d in enumerate(x) if i not in drop))


@op("unsqueeze", parameter_free=True)
def unsqueeze(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Insert a size-1 dim at ``dim`` (negative counts on the result's rank)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dim",))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    axis = norm_dim(attrs.get("dim"), len(x) + 1)
    if axis is None:
        return _result(None, (_dim_issue(name, attrs.get("dim"), x),))
    return _result(x[:axis] + (1,) + x[axis:])


@op("repeat_vector", parameter_free=True)
def repeat_vector(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras RepeatVector(n): ``(N, F) → (N, n, F)``."""
    reason = find_unknown(attrs, ("n",))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    if len(x) != 2:
        return _result(None, (rank_issue(cls(attrs), x, (2,)),))
    return _result((x[0], attrs["n"], x[1]))


def _slice_len(item: slice, size: Dim) -> Dim:
    if is_known(size):
        return len(range(*item.indices(size)))  # type: ignore[arg-type]
    if item.start in (None, 0) and item.stop is None and item.step in (None, 1):
        return size
    return None


@op("getitem", parameter_free=True)
def getitem(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Basic indexing ``x[...]``. attrs: ``index``, a tuple of canonical items
    (or one item): an ``int`` drops its dim, a ``slice(start, stop, step)``
    keeps it with the sliced length, ``None`` inserts a new dim of size 1,
    ``Ellipsis`` stands for every dim the other items do not consume. Example:
    ``x[:, -1, :]`` → ``(slice(None, None, None), -1, slice(None, None, None))``.
    Anything else (a tensor index, an Unknown) makes the result unknown."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("index",))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    index = attrs["index"]
    items = tuple(index) if isinstance(index, tuple) else (index,)
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, slice)
                or (isinstance(item, int) and not isinstance(item, bool))):
            return _result(None, (), f"{name}: index item {item!r} is not a basic index")
    consuming = sum(1 for item in items if item is not None and item is not Ellipsis)
    if consuming > len(x):
        return _result(None, (Issue(
            RANK_MISMATCH,
            f"{name} indexes {consuming} dimensions of a {len(x)}-D tensor {format_shape(x)}",
            {"expected": f"<= {len(x)} indexed dims", "actual": consuming, "shape": x},
        ),))
    out: list[Dim] = []
    pos = 0
    for item in items:
        if item is None:
            out.append(1)
        elif item is Ellipsis:
            span = len(x) - consuming
            out.extend(x[pos : pos + span])
            pos += span
        elif isinstance(item, slice):
            out.append(_slice_len(item, x[pos]))
            pos += 1
        else:
            size = x[pos]
            if is_known(size) and not -size <= item < size:  # type: ignore[operator]
                return _result(None, (Issue(
                    RANK_MISMATCH,
                    f"{name} index {item} is out of range for dim {pos} of size {size} in {format_shape(x)}",
                    {"expected": f"index in [-{size}, {size})", "actual": item, "shape": x},
                ),))
            pos += 1
    out.extend(x[pos:])
    return _result(tuple(out))


@macs("flatten", "unflatten", "reshape", "permute", "transpose", "squeeze", "unsqueeze", "repeat_vector", "getitem")
def view_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """Views and copies: no arithmetic."""
    return FREE


@op("reduce", parameter_free=True)
def reduce(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """mean/sum/amax/max-over-dim: drop (or with ``keepdim`` set to 1) the dims in
    ``dim`` (an int or a tuple; None = all dims)."""
    name = cls(attrs)
    reason = find_unknown(attrs, ("dim", "keepdim"))
    x = first(inputs)
    if reason or x is None:
        return _result(None, (), reason)
    dim = attrs.get("dim")
    keep = attrs.get("keepdim") is True
    if dim is None or dim == ():
        return _result((1,) * len(x) if keep else ())
    axes = {norm_dim(d, max(len(x), 1)) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
    if None in axes:
        return _result(None, (_dim_issue(name, dim, x),))
    if keep:
        return _result(tuple(1 if i in axes else d for i, d in enumerate(x)))
    return _result(tuple(d for i, d in enumerate(x) if i not in axes))


@macs("reduce")
def reduce_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None], outputs: Sequence[Shape | None]) -> Cost:
    """No MACs; one FLOP (an addition or a comparison) per input element."""
    return flops_only(numel(first(inputs)))
