"""``--fix`` / ``--diff``: apply the edits rules offer, never corrupting a file.

Edits of one file are applied bottom-up, overlapping ones skipped; the result must
still parse, else the file is left untouched. The file is then analysed again so
the report shows what remains.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from modelint.analyzer.diagnostics import Diagnostic


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(l) for l in lines[: line - 1]) + column - 1


def apply_edits(source: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, int]:
    """The fixed source and how many fixes were applied."""
    lines = source.splitlines(keepends=True)
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for d in diagnostics:
        if d.fix is None or not d.fix.edits:
            continue
        spans = [(_offset(lines, e.span.line, e.span.column), _offset(lines, e.span.end_line, e.span.end_column), e.content)
                 for e in d.fix.edits]
        if any(not (e <= s2 or s >= e2) or (s == s2 == e == e2) for s, e, _ in spans for s2, e2, _c in chosen):
            continue
        chosen.extend(spans)
        applied += 1
    for start, end, content in sorted(chosen, reverse=True):
        source = source[:start] + content + source[end:]
    return source, applied


def _parses(source: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(source)
    except Exception:  # noqa: BLE001
        return False
    return True


def apply_fixes(results, resolver, write: bool, out: TextIO):
    from modelint.analyzer.engine import analyze_source

    fixed_results = []
    for r in results:
        path = Path(r.path)
        if path.suffix.lower() == ".ipynb":
            from modelint.analyzer.notebook import apply_notebook_fixes

            fixed_results.append(apply_notebook_fixes(r, resolver, write, out))
            continue
        if not r.source or path.suffix != ".py":
            fixed_results.append(r)
            continue
        new_source, applied = apply_edits(r.source, r.diagnostics)
        if applied == 0 or new_source == r.source or not _parses(new_source):
            fixed_results.append(r)
            continue
        if write:
            path.write_text(new_source, encoding="utf-8")
            settings = resolver.for_path(path)
            fixed_results.append(analyze_source(path, new_source, settings.options_for(path), r.path))
        else:
            out.write("".join(difflib.unified_diff(r.source.splitlines(keepends=True),
                                                   new_source.splitlines(keepends=True),
                                                   f"a/{r.path}", f"b/{r.path}")))
            fixed_results.append(r)
    return fixed_results
