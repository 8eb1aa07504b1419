"""The ops registry: one canonical op per key, discovered from this package.

Each module registers its ops with :func:`op`; :func:`get_op` imports the package's
modules once on first use (no central list to edit when an op is added).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from modelint.analyzer.ops._base import OpFunction, OpResult
from modelint.analyzer.ops._cost import Cost, MacsFunction, unknown_cost

_REGISTRY: dict[str, OpFunction] = {}


def _wrapped(guard: Any, fn: Any) -> None:
    """What ``functools.wraps`` copies, without its per-call generality (import cost)."""
    guard.__name__, guard.__qualname__, guard.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    guard.__module__, guard.__wrapped__ = fn.__module__, fn


def op(*kinds: str, parameter_free: bool = False):
    """Register the decorated function as the formula for ``kinds``.

    Arithmetic over symbols that leaves the integer-expression form (a division
    by a size that may not divide, a blow-up past the size bounds) raises
    ``NotFoldable``, an ``ArithmeticError``; the registered function turns it
    into an unknown result carrying the reason, never a guess or a traceback.
    An op that never owns parameters (``parameter_free``: a view, a pooling) keeps
    its count of 0 then: only its output shape is unknown."""
    params = 0 if parameter_free else None

    def deco(fn: OpFunction) -> OpFunction:
        def guarded(attrs: Mapping[str, Any], inputs: Sequence[Any]) -> OpResult:
            try:
                return fn(attrs, inputs)
            except ArithmeticError as exc:
                name = attrs.get("class_name")
                return OpResult((None,), params, params,
                                unknown=f"{name if isinstance(name, str) else 'layer'}: {exc}")

        _wrapped(guarded, fn)
        for kind in kinds:
            if kind in _REGISTRY:
                raise ValueError(f"op {kind!r} registered twice")
            _REGISTRY[kind] = guarded
        return guarded

    return deco


@cache
def _load() -> dict[str, OpFunction]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return _REGISTRY


def get_op(kind: str) -> OpFunction | None:
    return _load().get(kind)


# MACs formulas, one per canonical op, registered next to the op's shape formula
# with :func:`macs`. A separate table (not a field of the op's result) because the
# ONNX frontend takes its shapes from onnx.shape_inference and never runs the shape
# formula, yet its layers are counted by the same MACs formula.
_MACS: dict[str, MacsFunction] = {}


def macs(*kinds: str):
    """Register the decorated function as the MACs/FLOPs formula for ``kinds``;
    arithmetic over symbols that has no exact form (``NotFoldable``) makes the
    cost unknown with its reason, as in :func:`op`."""

    def deco(fn: MacsFunction) -> MacsFunction:
        def guarded(attrs: Mapping[str, Any], inputs: Sequence[Any], outputs: Sequence[Any]) -> Cost:
            try:
                return fn(attrs, inputs, outputs)
            except ArithmeticError as exc:
                name = attrs.get("class_name")
                return unknown_cost(f"{name if isinstance(name, str) else 'layer'}: {exc}")

        _wrapped(guarded, fn)
        for kind in kinds:
            if kind in _MACS:
                raise ValueError(f"MACs formula for {kind!r} registered twice")
            _MACS[kind] = guarded
        return guarded

    return deco


def get_macs(kind: str) -> MacsFunction | None:
    _load()
    return _MACS.get(kind)


def kinds() -> list[str]:
    return sorted(_load())
