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
from typing import TYPE_CHECKING, Any, Callable, Protocol, Union

from modelint.analyzer.shapes import Shape

if TYPE_CHECKING:  # analyzer/symbolic loads only when a file has symbols
    from modelint.analyzer.symbolic import Constraint, Expr

ParamCount = Union[int, "Expr", None]


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
    """Outputs by port (``None`` = unknown shape); ``None`` params = unknown; a
    count is an ``int`` or, over symbols, an ``Expr`` (``9·C·32 + 32``).

    ``unknown`` says why something stayed unknown; it becomes an ML403 finding.
    ``constraints`` are what the input's symbols must satisfy for the layer to be
    valid (a spatial size ≥ 1, ``in_features`` pinning a flattened size): a mismatch
    that holds only for some values is a constraint, never an ``Issue``."""

    outputs: tuple[Shape | None, ...]
    trainable: ParamCount = 0
    non_trainable: ParamCount = 0
    issues: tuple[Issue, ...] = ()
    unknown: str | None = None
    constraints: tuple[Constraint, ...] = ()


class Op(Protocol):
    def __call__(self, attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult: ...


OpFunction = Callable[[Mapping[str, Any], Sequence[Shape | None]], OpResult]
