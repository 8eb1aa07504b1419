"""One file in, one result out: frontends → annotated graphs → rules → suppressions.

Nothing here raises on user input: a file that cannot be parsed or read becomes a
finding (ML901 / ML902) and the run goes on with the next file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from modelint.analyzer.diagnostics import Diagnostic, Severity, Span
from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.selection import Selection
from modelint.analyzer.shapes import Shape

if TYPE_CHECKING:
    from modelint.analyzer.incremental import ParseCache

MAX_SOURCE_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Options:
    selection: Selection = field(default_factory=Selection)
    # Model name → input shape; the key None applies to every model without one.
    input_shapes: Mapping[str | None, Shape] = field(default_factory=dict)
    expect_params: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class FileContext:
    """What rules may read besides the graph: the path, the text, the options."""

    path: Path
    display_path: str
    source: str
    options: Options
    module: object | None = None  # the libcst Module, when the file is Python
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


def _syntax_error(ctx: FileContext, exc: Exception) -> Diagnostic:
    from modelint.rules.syntax_error import SyntaxErrorRule

    line = getattr(exc, "raw_line", None) or getattr(exc, "line", 1) or 1
    column = (getattr(exc, "raw_column", None) or getattr(exc, "column", 0) or 0) + 1
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    rule = SyntaxErrorRule()
    return rule.at(ctx, Span(line, column, line, column + 1), f"cannot parse file: {message}")


def _frontends_for(source: str) -> list[str]:
    """Cheap import sniffing decides which frontends fold the file."""
    names = []
    if "keras" in source or "tensorflow" in source:
        names.append("keras")
    if "torch" in source:
        names.append("torch")
    return names


def analyze_python(ctx: FileContext, parse_cache: "ParseCache | None" = None) -> list[ModelGraph]:
    from modelint.analyzer.incremental import parsed_with

    module, metadata = parsed_with(parse_cache, ctx.source)
    if metadata is not None:
        ctx.extra["cst_metadata"] = (module, metadata)
    ctx.module = module
    models: list[ModelGraph] = []
    # Import only the frontends the file needs: startup time is a feature.
    for name in _frontends_for(ctx.source):
        if name == "keras":
            from modelint.analyzer.frontends import keras as frontend
        else:
            from modelint.analyzer.frontends import pytorch as frontend  # type: ignore[no-redef]
        models.extend(frontend.models_in(module, ctx))
    models.sort(key=lambda m: m.line)
    return models


def analyze_source(path: Path, source: str, options: Options, display_path: str | None = None,
                   parse_cache: "ParseCache | None" = None) -> FileResult:
    """Analyse in-memory Python source (the CLI's files, stdin, an editor buffer).
    An editor passes the buffer's ParseCache so unchanged statements are not re-parsed."""
    from libcst import ParserSyntaxError

    ctx = FileContext(path, display_path or str(path), source, options)
    try:
        models = analyze_python(ctx, parse_cache)
    except ParserSyntaxError as exc:
        diag = _syntax_error(ctx, exc)
        return FileResult(ctx.display_path, [], _finish(ctx, [diag]), source)
    except (RecursionError, MemoryError) as exc:
        diag = _syntax_error(ctx, exc)
        return FileResult(ctx.display_path, [], _finish(ctx, [diag]), source)
    ctx.models = models
    return FileResult(ctx.display_path, models, _finish(ctx, run_rules(ctx)), source)


def analyze_path(path: Path, options: Options, display_path: str | None = None) -> FileResult:
    display = display_path or str(path)
    if path.suffix.lower() == ".onnx":
        from modelint.analyzer.frontends import onnx as onnx_frontend

        return onnx_frontend.analyze(path, options, display)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unreadable(path, display, options, f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_SOURCE_BYTES:
        return _unreadable(path, display, options, f"file is larger than {MAX_SOURCE_BYTES:,} bytes; skipped")
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _unreadable(path, display, options, f"file is not UTF-8: {exc.reason} at byte {exc.start}")
    return analyze_source(path, source, options, display)


def _unreadable(path: Path, display: str, options: Options, message: str) -> FileResult:
    from modelint.rules.invalid_model_file import InvalidModelFile

    ctx = FileContext(path, display, "", options)
    diag = InvalidModelFile().at(ctx, Span(1, 1, 1, 1), message)
    return FileResult(display, [], _finish(ctx, [diag]), "")


def run_rules(ctx: FileContext) -> list[Diagnostic]:
    from modelint.analyzer.rule import all_rules

    out: list[Diagnostic] = []
    for rule_cls in all_rules():
        if not ctx.options.selection.enabled(rule_cls):
            continue
        rule = rule_cls()
        out.extend(rule.check_file(ctx))
        for model in ctx.models:
            out.extend(rule.check(model, ctx))
    return out


def _finish(ctx: FileContext, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    from modelint.analyzer.suppress import apply_suppressions

    kept = [d for d in diagnostics if ctx.options.selection.enabled_code(d.code, d.name)]
    kept = apply_suppressions(ctx, kept)
    unique: dict[tuple, Diagnostic] = {}
    for d in kept:
        unique.setdefault((d.code, d.span, d.message), d)
    return sorted(unique.values(), key=lambda d: (d.span.line, d.span.column, d.code))


def fails(diagnostics: Sequence[Diagnostic], fail_on: Severity) -> bool:
    return any(d.severity.rank >= fail_on.rank for d in diagnostics)
