"""The ops registry: one canonical op per key, discovered from this package.

Each module registers its ops with :func:`op`; :func:`get_op` imports the package's
modules once on first use (no central list to edit when an op is added).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from modelint.analyzer.ops._base import OpFunction

_REGISTRY: dict[str, OpFunction] = {}


def op(*kinds: str):
    """Register the decorated function as the formula for ``kinds``."""

    def deco(fn: OpFunction) -> OpFunction:
        for kind in kinds:
            if kind in _REGISTRY:
                raise ValueError(f"op {kind!r} registered twice")
            _REGISTRY[kind] = fn
        return fn

    return deco


@cache
def _load() -> dict[str, OpFunction]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return _REGISTRY


def get_op(kind: str) -> OpFunction | None:
    return _load().get(kind)


def kinds() -> list[str]:
    return sorted(_load())
