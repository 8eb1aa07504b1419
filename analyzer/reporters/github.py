"""GitHub Actions workflow commands (``--output-format github``): one
``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` per finding,
which the runner turns into an annotation on the pull request's diff.

The runner parses the line itself, so values are escaped the way
``@actions/core`` does: ``%``, CR and LF in the message; additionally ``:`` and
``,`` in properties, where they would end a value.

A finding in a notebook is annotated on the line of the ``.ipynb`` JSON holding the
flagged source line (the diff view shows the notebook's JSON); its title and message
name the cell and the line within it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.context import FileResult
from modelint.analyzer.notebook import cell_of, file_line, file_lines

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def cell_command(d: Diagnostic, rows: dict[int, list[int]] | None) -> str:
    cell = cell_of(d)
    assert cell is not None
    props: dict[str, object] = {"file": d.path}
    line = file_line(rows, cell, d.span.line)
    if line is not None:
        props["line"] = line
    props["title"] = f"{d.code} {d.name} (cell {cell})"
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
    message = f"cell {cell}, line {d.span.line}, column {d.span.column}: {d.message}"
    return f"::{COMMANDS[d.severity]} {joined}::{escape_data(message)}"


def command(d: Diagnostic) -> str:
    end_column = d.span.end_column if d.span.end_line > d.span.line else max(d.span.end_column, d.span.column + 1)
    props = {
        "file": d.path,
        "line": d.span.line,
        "col": d.span.column,
        "endLine": max(d.span.end_line, d.span.line),
        "endColumn": end_column,
        "title": f"{d.code} {d.name}",
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items())
    return f"::{COMMANDS[d.severity]} {joined}::{escape_data(d.message)}"


def render(results: Sequence[FileResult]) -> str:
    out = []
    for r in results:
        rows = file_lines(Path(r.path)) if any(cell_of(d) is not None for d in r.diagnostics) else None
        out.extend((command(d) if cell_of(d) is None else cell_command(d, rows)) + "\n" for d in r.diagnostics)
    return "".join(out)
