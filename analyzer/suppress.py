"""In-source suppressions: ``# noqa``, ``# noqa: ML101, ML102``,
``# modelint: disable=ML101`` on the flagged line, and
``# modelint: disable-file=ML301`` anywhere in the file.

A suppression that suppresses nothing is itself reported (ML404), as ruff's RUF100.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelint.analyzer.diagnostics import Diagnostic, Span
from modelint.analyzer.selection import matches

if TYPE_CHECKING:
    from modelint.analyzer.context import FileContext

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w\-]+(?:\s*,\s*[\w\-]+)*))?", re.IGNORECASE)
_DISABLE = re.compile(r"#\s*modelint:\s*disable(?P<file>-file)?\s*=\s*(?P<codes>[\w\-]+(?:\s*,\s*[\w\-]+)*)")


@dataclass(slots=True)
class Suppression:
    line: int
    column: int
    end_column: int
    codes: tuple[str, ...] | None  # None: a bare ``# noqa`` (everything on the line)
    whole_file: bool
    text: str
    used: set[str] = field(default_factory=set)


def comments(source: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of every comment; falls back to a line scan when the
    file does not tokenize (half-typed code in an editor)."""
    out: list[tuple[int, int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out.append((tok.start[0], tok.start[1] + 1, tok.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = []
        for i, line in enumerate(source.splitlines(), 1):
            idx = line.find("#")
            if idx >= 0:
                out.append((i, idx + 1, line[idx:]))
    return out


def parse_suppressions(source: str) -> list[Suppression]:
    found: list[Suppression] = []
    for line, col, text in comments(source):
        for m in _NOQA.finditer(text):
            codes = m.group("codes")
            parsed = tuple(c.strip() for c in codes.split(",")) if codes else None
            if parsed is not None and not any(_ours(c) for c in parsed):
                continue  # another tool's noqa (E501, F401): not ours to judge
            found.append(Suppression(line, col + m.start(), col + m.end(), parsed, False, m.group(0)))
        for m in _DISABLE.finditer(text):
            codes = tuple(c.strip() for c in m.group("codes").split(","))
            found.append(Suppression(line, col + m.start(), col + m.end(), codes, bool(m.group("file")), m.group(0)))
    return found


def _covers(sup: Suppression, diag: Diagnostic) -> str | None:
    if sup.codes is None:
        return "*"
    for code in sup.codes:
        if matches(code, diag.code, diag.name):
            return code
    return None


def apply_suppressions(ctx: "FileContext", diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    if "noqa" not in ctx.source and "modelint:" not in ctx.source:
        return list(diagnostics)
    sups = parse_suppressions(ctx.source)
    kept: list[Diagnostic] = []
    for diag in diagnostics:
        suppressed = False
        for sup in sups:
            if sup.whole_file or sup.line == diag.span.line:
                hit = _covers(sup, diag)
                if hit is not None and diag.code not in ("ML901",):
                    sup.used.add(hit)
                    suppressed = True
        if not suppressed:
            kept.append(diag)
    kept.extend(d for d in _unused(ctx, sups) if not _silenced(d, sups))
    return kept


def _silenced(diag: Diagnostic, sups: Sequence[Suppression]) -> bool:
    """An ML404 finding is itself suppressed by a directive naming ML404 (or its name)."""
    return any((sup.whole_file or sup.line == diag.span.line) and sup.codes is not None
               and any(matches(c, diag.code, diag.name) for c in sup.codes) for sup in sups)


def _ours(code: str) -> bool:
    """A selector modelint owns (``ML101``, ``ML2``, ``dense-on-unflattened``), not
    another tool's code sharing the comment (``E501``, ``F401``)."""
    return code.upper().startswith("ML") or "-" in code


def _unused(ctx: "FileContext", sups: Sequence[Suppression]) -> list[Diagnostic]:
    """ML404 findings, as ruff's RUF100: a directive (or one of its codes) that
    suppressed nothing. Codes of rules that are not enabled in this run are not
    judged (they could not have fired); codes that name no rule at all are."""
    from modelint.analyzer.rule import all_rules
    from modelint.rules.unused_suppression import UnusedSuppression

    selection = ctx.options.selection
    if not selection.enabled(UnusedSuppression):
        return []
    rules = all_rules()
    rule = UnusedSuppression()
    out: list[Diagnostic] = []
    for sup in sups:
        span = Span(sup.line, sup.column, sup.line, sup.end_column)
        where = "in this file" if sup.whole_file else "on this line"
        if sup.codes is None:
            if not sup.used:
                out.append(rule.at(ctx, span, "unused `noqa` directive: nothing is reported on this line"))
            continue
        unknown = [c for c in sup.codes if _ours(c) and not any(matches(c, r.code, r.name) for r in rules)]
        unused = [c for c in sup.codes if _ours(c) and c not in sup.used and c not in unknown
                  and not matches(c, rule.code, rule.name)
                  and any(matches(c, r.code, r.name) and selection.enabled(r) for r in rules)]
        if unknown:
            out.append(rule.at(ctx, span, f"suppression names no rule: {', '.join(unknown)}"))
        if unused:
            out.append(rule.at(ctx, span, f"unused suppression of {', '.join(unused)}: no such finding {where}"))
    return out
