"""What the engine hands to frontends and rules, and what it hands back.

These records sit below the engine, the frontends and the rules: a rule or a frontend
imports them from here and never imports the engine, so the engine stays the one place
that drives a file (no cycle, one path through the pipeline).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from modelint.analyzer.diagnostics import Diagnostic
from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.selection import Selection
from modelint.analyzer.shapes import Shape


@dataclass(frozen=True, slots=True)
class Options:
    """The settings that change what a file's analysis reports (so they key the cache)."""

    selection: Selection = field(default_factory=Selection)
    # Model name → input shape; the key None applies to every model without one.
    input_shapes: Mapping[str | None, Shape] = field(default_factory=dict)
    expect_params: Mapping[str, int] = field(default_factory=dict)
    # Compute budgets (ML405): model name → MACs declared / allowed at most.
    expect_macs: Mapping[str, int] = field(default_factory=dict)
    max_macs: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class FileContext:
    """What rules may read besides the graph: the path, the text, the options."""

    path: Path
    display_path: str
    source: str
    options: Options
    module: object | None = None  # the libcst Module (its selected statements), when the file is Python
    # Python's ``ast`` of the whole source, when the engine's first pass parsed it: a rule
    # that reads the ``ast`` takes it from here instead of parsing the file again.
    tree: object | None = None
    # Name called as ``NAME(...)`` → the top-level functions that call it (``""``: outside
    # any), from the same first pass; the frontends' model discovery reads it.
    calls: dict[str, set[str]] | None = None
    models: list[ModelGraph] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        """The source's lines, split once (rules ask for them per finding)."""
        if self._lines is None:
            self._lines = self.source.splitlines()
        return self._lines


@dataclass(slots=True)
class FileResult:
    path: str
    models: list[ModelGraph]
    diagnostics: list[Diagnostic]
    source: str = ""
