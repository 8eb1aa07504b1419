"""Human output: ruff's ``full`` (source line, caret span, help) and ``concise``.

A finding in a notebook reads ``path:cell N:line:col:`` (the line within the cell),
as ruff prints it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from modelint.analyzer.diagnostics import Diagnostic
from modelint.analyzer.context import FileResult
from modelint.analyzer.notebook import cell_of, display_line


def location(d: Diagnostic) -> str:
    cell = cell_of(d)
    where = f"{d.path}:cell {cell}" if cell is not None else d.path
    return f"{where}:{d.span.line}:{d.span.column}"


def headline(d: Diagnostic) -> str:
    return f"{location(d)}: {d.code} [{d.name}] {d.message}"


def render_concise(results: Sequence[FileResult]) -> str:
    return "".join(f"{headline(d)}\n" for r in results for d in r.diagnostics)


def _snippet(d: Diagnostic, source_lines: list[str]) -> list[str]:
    line_no, text_line = d.span.line, display_line(d)
    if not (1 <= text_line <= len(source_lines)):
        return []
    text = source_lines[text_line - 1].rstrip("\n").expandtabs(4)
    start = max(d.span.column - 1, 0)
    end = d.span.end_column - 1 if d.span.end_line == line_no else len(text)
    end = max(min(end, len(text)), start + 1)
    gutter = " " * len(str(line_no))
    return [f"{gutter} |", f"{line_no} | {text}", f"{gutter} | {' ' * start}{'^' * (end - start)} {d.code}",
            f"{gutter} |"]


def render_full(results: Sequence[FileResult]) -> str:
    out: list[str] = []
    for r in results:
        lines = r.source.splitlines()
        for d in r.diagnostics:
            out.append(headline(d))
            out.extend(_snippet(d, lines))
            if d.fix is not None:
                gutter = " " * len(str(d.span.line))
                fixable = " (fixable with --fix)" if d.fix.edits else ""
                out.append(f"{gutter} = help: {d.fix.message}{fixable}")
            out.append("")
    return "\n".join(out) + ("\n" if out else "")


def render_statistics(results: Sequence[FileResult]) -> str:
    counts: Counter[tuple[str, str]] = Counter()
    fixable: Counter[str] = Counter()
    for r in results:
        for d in r.diagnostics:
            counts[(d.code, d.name)] += 1
            if d.fix is not None and d.fix.edits:
                fixable[d.code] += 1
    rows = [f"{n:>5}\t{code}\t{name}{' [*]' if fixable[code] else ''}"
            for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(rows) + ("\n" if rows else "")


def render_footer(results: Sequence[FileResult]) -> str:
    total = sum(len(r.diagnostics) for r in results)
    if total == 0:
        return "All checks passed!\n"
    fixable = sum(1 for r in results for d in r.diagnostics if d.fix is not None and d.fix.edits)
    tail = f"\n[*] {fixable} fixable with the `--fix` option." if fixable else ""
    counts = Counter(d.severity.value for r in results for d in r.diagnostics)
    if set(counts) == {"error"}:
        return f"Found {total} error{'s' if total != 1 else ''}.{tail}\n"
    parts = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}"
                      for s in ("error", "warning", "info") if counts[s])
    return f"Found {total} finding{'s' if total != 1 else ''} ({parts}).{tail}\n"
