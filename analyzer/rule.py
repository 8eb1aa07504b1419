"""What a rule is, and how rules are found.

A rule is one module under ``rules/`` holding one :class:`Rule` subclass: its code,
kebab-case name, severity, one-line summary, its documentation as the class
docstring (What it does / Why is this bad? / Known problems / Example / Use instead)
and ``VALID`` / ``INVALID`` examples that double as its tests. Discovery walks the
package: adding a rule touches one file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity, Span

if TYPE_CHECKING:
    from modelint.analyzer.context import FileContext
    from modelint.analyzer.graph import Layer, ModelGraph


@dataclass(frozen=True, slots=True)
class Example:
    """A source snippet a rule must (INVALID) or must not (VALID) flag.

    ``path`` picks the frontend by suffix; ``expected_fix`` is the source after the
    rule's fix is applied (only for rules that have one)."""

    code: str
    path: str = "example.py"
    expected_fix: str | None = None
    config: dict = field(default_factory=dict)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    VALID: ClassVar[list[Example]] = []
    INVALID: ClassVar[list[Example]] = []

    def check(self, model: "ModelGraph", ctx: "FileContext") -> Iterator[Diagnostic]:
        """Yield diagnostics for one model. Rules that read the whole file
        (suppressions, syntax) override :meth:`check_file` instead."""
        return iter(())

    def check_file(self, ctx: "FileContext") -> Iterator[Diagnostic]:
        return iter(())

    # -- helpers for rule authors -------------------------------------------------------
    def at(self, ctx: "FileContext", span: Span | None, message: str, model: str | None = None,
           fix: Fix | None = None, **extra: object) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            path=ctx.display_path,
            span=span or Span(1, 1, 1, 1),
            model=model,
            fix=fix,
            extra=dict(extra),
        )

    def on_layer(self, ctx: "FileContext", model: "ModelGraph", layer: "Layer", message: str,
                 fix: Fix | None = None, **extra: object) -> Diagnostic:
        return self.at(ctx, layer.span or model.span, message, model.name, fix, layer=layer.id, **extra)

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class of the ``modelint.rules`` package, sorted by code."""
    import modelint.rules as package

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__:
                found.append(obj)
    codes = [r.code for r in found]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise RuntimeError(f"rule codes defined twice: {sorted(duplicates)}")
    return tuple(sorted(found, key=lambda r: r.code))


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    for rule in all_rules():
        if key.upper() == rule.code or key == rule.name:
            return rule
    return None
