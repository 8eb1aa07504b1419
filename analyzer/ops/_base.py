"""What an op is: a shape function and a parameter formula over canonical attributes.

Frontends translate framework calls into ``(kind, attrs)``; an op turns attrs plus
the input shapes into output shapes and parameter counts. Framework conventions
(channels-last, RNN bias vectors per gate, BatchNorm statistics counted as
non-trainable parameters or as buffers) arrive as attributes, never as branches
on the framework's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from modelint.analyzer.shapes import Shape


class Unknown:
    """A value the static evaluator could not fold. It carries why."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __bool__(self) -> bool:  # an Unknown must never pass for a truthy config value
        raise TypeError("truth value of an Unknown is undecidable")


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


# Issue kinds; each is reported by the rule of the same name.
FEATURE_MISMATCH = "feature-mismatch"
RANK_MISMATCH = "rank-mismatch"
NON_POSITIVE_SIZE = "non-positive-size"
MERGE_MISMATCH = "merge-mismatch"
RESHAPE_MISMATCH = "reshape-mismatch"


@dataclass(frozen=True, slots=True)
class Issue:
    """A shape conflict an op found. ``data`` carries the numbers a rule may need
    (``expected``, ``actual``, ``slot``) to enrich the message."""

    kind: str
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpResult:
    """Outputs by port (``None`` = unknown shape); ``None`` params = unknown.

    ``unknown`` says why something stayed unknown; it becomes an ML403 finding."""

    outputs: tuple[Shape | None, ...]
    trainable: int | None = 0
    non_trainable: int | None = 0
    issues: tuple[Issue, ...] = ()
    unknown: str | None = None


class Op(Protocol):
    def __call__(self, attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult: ...


OpFunction = Callable[[Mapping[str, Any], Sequence[Shape | None]], OpResult]
