"""Binding tables: how a framework symbol maps onto a canonical op.

A binding is data, not code: the op key, the framework's positional parameter
order, its defaults, the attribute renames and the fixed conventions (layout,
bias vectors per gate). :func:`bind` applies one to a call's arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Binding:
    kind: str
    signature: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    rename: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    fixed: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


class BindError(Exception):
    """The call does not fit the framework's signature (too many positionals)."""


def bind(binding: Binding, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical attrs for one call: defaults, then the call's arguments, renamed,
    then the binding's fixed conventions. Arguments the table does not know are
    kept under their own name, so rules can still read them."""
    if len(args) > len(binding.signature):
        raise BindError(
            f"takes at most {len(binding.signature)} positional arguments, got {len(args)}"
        )
    values: dict[str, Any] = dict(binding.defaults)
    values.update(zip(binding.signature, args))
    values.update(kwargs)
    attrs = {binding.rename.get(k, k): v for k, v in values.items()}
    attrs.update(binding.fixed)
    return attrs
