"""GitHub Actions workflow commands (``--output-format github``): one
``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`` per finding,
which the runner turns into an annotation on the pull request's diff.

The runner parses the line itself, so values are escaped the way
``@actions/core`` does: ``%``, CR and LF in the message; additionally ``:`` and
``,`` in properties, where they would end a value.
"""

from __future__ import annotations

from collections.abc import Sequence

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.engine import FileResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


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
    return "".join(command(d) + "\n" for r in results for d in r.diagnostics)
