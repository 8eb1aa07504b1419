"""One file in, one result out: the one place that drives a file.

``analyze_path`` dispatches by file type to a frontend (Python source → the Keras and
PyTorch frontends over the statements the first pass selects; ``.onnx`` → the ONNX
frontend), then runs the rules and the suppressions once, here, for every file type.
Frontends and rules import their records from ``analyzer/context.py``, never this module.

Nothing here raises on user input: a file that cannot be parsed or read becomes a
finding (ML901 / ML902) and the run goes on with the next file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from modelint.analyzer.context import FileContext, FileResult, Options
from modelint.analyzer.diagnostics import Diagnostic, Severity, Span
from modelint.analyzer.graph import ModelGraph

if TYPE_CHECKING:
    from modelint.analyzer.cache import Cache
    from modelint.analyzer.incremental import ParseCache

__all__ = ["FileContext", "FileResult", "Job", "Options", "analyze_files", "analyze_path", "analyze_source",
           "fails", "run_rules"]

# Larger sources are reported (ML902), not parsed: a generated 50 MB file would hold the
# run for minutes in libcst and no model file is that large.
MAX_SOURCE_BYTES = 5_000_000
# Top-level statements that can build a model, folded per file: real model files hold a
# few hundred; a generated file of 100,000 layer statements is reported, not folded.
MAX_MODEL_STATEMENTS = 20_000


class _TooMuch(Exception):
    """The file is too large to fold; the message is the finding's."""


def _syntax_error(ctx: FileContext, exc: Exception) -> Diagnostic:
    from modelint.rules.syntax_error import SyntaxErrorRule

    line = getattr(exc, "raw_line", None) or getattr(exc, "line", 1) or 1
    column = (getattr(exc, "raw_column", None) or getattr(exc, "column", 0) or 0) + 1
    message = getattr(exc, "message", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    rule = SyntaxErrorRule()
    return rule.at(ctx, Span(line, column, line, column + 1), f"cannot parse file: {message}")


def analyze_python(ctx: FileContext, parse_cache: "ParseCache | None" = None,
                   whole_file: bool = False) -> list[ModelGraph]:
    """The models of one Python source. The first pass picks the statements that can
    matter to a model; only those are parsed with libcst and folded (``whole_file``
    parses and folds everything: the reference the first pass is tested against)."""
    from modelint.analyzer.firstpass import frontends_for, select_parts

    frontends = frontends_for(ctx.source)
    if whole_file:
        from modelint.analyzer.incremental import parsed_with

        module, metadata = parsed_with(parse_cache, ctx.source)
    elif not frontends:
        # No framework named anywhere in the text: no model can come out. Python's own
        # parser checks the syntax (the cost of the whole file); only a file it refuses
        # goes to libcst, so a syntax error reads exactly as before.
        import ast

        try:
            ctx.tree = ast.parse(ctx.source)
            return []
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
            from modelint.analyzer.incremental import parsed_with

            module, metadata = parsed_with(None, ctx.source)
    else:
        from modelint.analyzer.incremental import Split

        split = Split.of(ctx.source)
        if split is None:
            # Python's parser refuses it: libcst parses the whole file, so a syntax
            # error reads exactly as before (and what libcst accepts is still folded).
            from modelint.analyzer.incremental import parsed_with

            module, metadata = parsed_with(None, ctx.source)
        else:
            ctx.tree = split.tree
            selection = select_parts(split.tree, frontends)
            ctx.calls = selection.calls
            statements = selection.statements
            if not statements:
                return []
            if len(statements) > MAX_MODEL_STATEMENTS:
                raise _TooMuch(f"{len(statements):,} top-level statements can build a model, more than "
                               f"modelint folds in one file ({MAX_MODEL_STATEMENTS:,}); skipped")
            from modelint.analyzer.incremental import parse_selected

            module, metadata = parse_selected(ctx.source, split, statements, parse_cache, selection.left_out)
    if metadata is not None:
        ctx.extra["cst_metadata"] = (module, metadata)
    ctx.module = module
    models: list[ModelGraph] = []
    # Import only the frontends the file needs: startup time is a feature.
    for name in frontends:
        if name == "keras":
            from modelint.analyzer.frontends import keras as frontend
        else:
            from modelint.analyzer.frontends import pytorch as frontend  # type: ignore[no-redef]
        models.extend(frontend.models_in(module, ctx))
    models.sort(key=lambda m: m.line)
    return models


def analyze_source(path: Path, source: str, options: Options, display_path: str | None = None,
                   parse_cache: "ParseCache | None" = None, whole_file: bool = False) -> FileResult:
    """Analyse in-memory Python source (the CLI's files, stdin, an editor buffer).
    An editor passes the buffer's ParseCache so unchanged statements are not re-parsed."""
    ctx = FileContext(path, display_path or str(path), source, options)
    try:
        models = analyze_python(ctx, parse_cache, whole_file)
    except (RecursionError, MemoryError) as exc:
        return FileResult(ctx.display_path, [], finish(ctx, [_syntax_error(ctx, exc)]), source)
    except _TooMuch as exc:
        result = _invalid(ctx, str(exc))
        result.source = source
        return result
    except Exception as exc:
        from libcst import ParserSyntaxError

        if not isinstance(exc, ParserSyntaxError):
            raise
        return FileResult(ctx.display_path, [], finish(ctx, [_syntax_error(ctx, exc)]), source)
    ctx.models = models
    return FileResult(ctx.display_path, models, finish(ctx, run_rules(ctx)), source)


def analyze_onnx(path: Path, options: Options, display: str) -> FileResult:
    """An ``.onnx`` file: the frontend builds its graph (or says why it cannot); the
    rules and the selection run here, as for every file."""
    from modelint.analyzer.frontends import onnx as onnx_frontend

    ctx = FileContext(path, display, "", options)
    try:
        model = onnx_frontend.build_model(path)
    except onnx_frontend.ModelFileError as exc:
        return _invalid(ctx, str(exc))
    except Exception as exc:  # noqa: BLE001 — a hostile protobuf must not crash the run
        return _invalid(ctx, f"cannot analyse the model: {type(exc).__name__}: {exc}")
    ctx.models = [model]
    return FileResult(display, [model], finish(ctx, run_rules(ctx)), "")


def read_source(path: Path) -> str | tuple[str]:
    """The file's text, or ``(message,)`` saying in one line why it cannot be analysed."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block the run
            return ("not a regular file; skipped",)
        size = info.st_size
        if size > MAX_SOURCE_BYTES:
            return (f"file is larger than {MAX_SOURCE_BYTES:,} bytes ({size:,}); skipped",)
        with path.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, on some Pythons
        return (f"cannot read file: {getattr(exc, 'strerror', None) or exc}",)
    if len(data) > MAX_SOURCE_BYTES:  # a FIFO or a file still growing
        return (f"file is larger than {MAX_SOURCE_BYTES:,} bytes; skipped",)
    if b"\0" in data:
        return ("file is binary (it holds NUL bytes), not Python source",)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return (f"file is not UTF-8: {exc.reason} at byte {exc.start}",)


def analyze_path(path: Path, options: Options, display_path: str | None = None) -> FileResult:
    """The single dispatch point: one branch per file type."""
    display = display_path or str(path)
    if path.suffix.lower() == ".onnx":
        return analyze_onnx(path, options, display)
    if path.suffix.lower() == ".ipynb":
        from modelint.analyzer.notebook import analyze_notebook

        return analyze_notebook(path, options, display)
    source = read_source(path)
    if isinstance(source, tuple):
        return _invalid(FileContext(path, display, "", options), source[0])
    return analyze_source(path, source, options, display)


def _invalid(ctx: FileContext, message: str) -> FileResult:
    from modelint.rules.invalid_model_file import InvalidModelFile

    diag = InvalidModelFile().at(ctx, Span(1, 1, 1, 1), message)
    return FileResult(ctx.display_path, [], finish(ctx, [diag]), "")


@dataclass(frozen=True, slots=True)
class Job:
    """One file of a run, with the options its configuration gives it."""

    path: Path
    display: str
    options: Options


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def analyze_files(jobs: Sequence[Job], workers: int = 1, cache: "Cache | None" = None) -> list[FileResult]:
    """Every job's result, in the jobs' order whatever the scheduling. Results the cache
    holds for unchanged files are used as they are; the rest are analysed, in
    ``workers`` processes when there are enough of them to pay for the processes."""
    results: list[FileResult | None] = [None] * len(jobs)
    todo: list[int] = []
    for i, job in enumerate(jobs):
        hit = cache.get(job.path, job.options, job.display) if cache is not None else None
        if hit is not None:
            results[i] = hit
        else:
            todo.append(i)
    workers = min(workers, len(todo) // 4)  # a process per few files at least
    if workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # no fork on this platform
            context = multiprocessing.get_context()
        # Largest files first, a few at a time: a 12,000-line file handed out last
        # would leave the other workers idle while it runs (the order of the output
        # is the jobs' order whatever the order of the work).
        todo.sort(key=lambda i: -_size(jobs[i].path))
        chunk = max(1, min(4, len(todo) // (workers * 32)))
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = pool.map(_analyze_job, [jobs[i] for i in todo], [cache] * len(todo), chunksize=chunk)
            for i, result in zip(todo, done):
                results[i] = result
    else:
        for i in todo:
            results[i] = _analyze_job(jobs[i], cache)
    return [r for r in results if r is not None]


def _size(path: Path) -> int:
    """The file's size, to hand out the largest files first (0 when it cannot be
    stat'ed: its analysis reports why)."""
    try:
        return path.stat().st_size
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on some Pythons
        return 0


def _analyze_job(job: Job, cache: "Cache | None") -> FileResult:
    try:
        before = job.path.stat() if cache is not None else None
    except OSError:
        before = None
    result = analyze_path(job.path, job.options, job.display)
    if cache is not None and before is not None:
        cache.put(job.path, job.options, job.display, result, before)
    return result


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


def finish(ctx: FileContext, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Selection, suppressions (ML404 included), de-duplication and order: once per file."""
    from modelint.analyzer.suppress import apply_suppressions

    kept = [d for d in diagnostics if ctx.options.selection.enabled_code(d.code, d.name)]
    kept = apply_suppressions(ctx, kept)
    unique: dict[tuple, Diagnostic] = {}
    for d in kept:
        unique.setdefault((d.code, d.span, d.message), d)
    return sorted(unique.values(), key=lambda d: (d.span.line, d.span.column, d.code))


def fails(diagnostics: Sequence[Diagnostic], fail_on: Severity) -> bool:
    return any(d.severity.rank >= fail_on.rank for d in diagnostics)
