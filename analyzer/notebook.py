"""Jupyter notebooks (``.ipynb``): the code cells analysed as one Python module.

A notebook is read as JSON (nbformat 4) with the standard library: ``nbformat``
costs ≈ 250 ms to import, more than analysing a typical notebook. Only code cells
are kept; outputs (often megabytes of base64 images) are dropped right after the
JSON is decoded.

The cells are joined in order into one *virtual module*, so a model built in
cell 3 from a layer list in cell 2 and compiled in cell 5 is one model, as it is
in the kernel. IPython syntax — line magics (``%matplotlib inline``), shell escapes
(``!pip install``, ``files = !ls``), help (``model?``) and cell magics (``%%timeit``:
the whole cell) — is blanked line by line, so every other line and column keeps its
position. A cell that does not parse is reported (ML901, on that cell) and left
out, the way a user who skips it in the kernel would see the rest.

The virtual module goes through the engine's Python path unchanged; a
:class:`CellMap` then maps every position back to ``(cell, line)``. Cells are
numbered 1-based over *all* cells of the notebook, markdown included, as editors
count them.

``--fix`` writes an edited cell back by replacing only the JSON text of that cell's
``source`` value: outputs, metadata, execution counts, key order, indentation and
the trailing newline stay byte-identical.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from modelint.analyzer.diagnostics import Diagnostic, Edit, Fix, Span

if TYPE_CHECKING:
    from modelint.analyzer.config import ConfigResolver
    from modelint.analyzer.engine import FileResult, Options
    from modelint.analyzer.incremental import ParseCache

# A notebook may carry large outputs; its code cells are bounded like a .py file.
MAX_NOTEBOOK_BYTES = 200_000_000
MAX_CODE_BYTES = 5_000_000
SUFFIX = ".ipynb"


class NotebookError(Exception):
    """The file is not a notebook modelint can read (reported as ML902)."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell: ``index`` is 1-based over all cells; ``source`` joined to one string."""

    index: int
    kind: str
    source: str


@dataclass(frozen=True, slots=True)
class Notebook:
    cells: tuple[Cell, ...]
    language: str | None = None

    @property
    def code_cells(self) -> tuple[Cell, ...]:
        if self.language not in (None, "python"):
            return ()  # an R or Julia notebook: nothing for a Python analyzer
        return tuple(c for c in self.cells if c.kind == "code")


# -- reading ------------------------------------------------------------------------------

def _joined(source: object, where: str) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    raise NotebookError(f"{where}: `source` is neither a string nor a list of strings")


def parse_notebook(data: bytes) -> Notebook:
    """The cells of an nbformat 4 notebook, or :class:`NotebookError` saying why not."""
    if not data.strip():
        raise NotebookError("empty file: not a Jupyter notebook (nbformat 4 JSON expected)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"notebook is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not a Jupyter notebook: invalid JSON at line {exc.lineno} column {exc.colno} "
                            f"({exc.msg})") from None
    except RecursionError:
        raise NotebookError("not a Jupyter notebook: JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise NotebookError("not a Jupyter notebook: the JSON document is not an object")
    major = doc.get("nbformat")
    if major != 4:
        hint = (" (upgrade it with `jupyter nbconvert --to notebook --inplace`)"
                if isinstance(major, int) and major < 4 else "")
        shown = "no nbformat version" if major is None else f"nbformat {major!r}"
        raise NotebookError(f"{shown}: only nbformat 4 notebooks are read{hint}")
    cells = doc.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("nbformat 4 notebook without a `cells` list")
    out = []
    for i, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"cell {i}: not a cell object with a `cell_type`")
        kind = cell["cell_type"]
        source = _joined(cell.get("source", ""), f"cell {i}") if kind == "code" else ""
        out.append(Cell(i, kind, source))
    return Notebook(tuple(out), _language(doc.get("metadata")))


def _language(metadata: object) -> str | None:
    if not isinstance(metadata, dict):
        return None
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return info["name"].lower()
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict) and isinstance(spec.get("language"), str):
        return spec["language"].lower()
    return None


# -- IPython syntax -------------------------------------------------------------------------

# `x = !ls`, `out = %time f()`: an assignment whose value is IPython syntax.
_ASSIGNED_MAGIC = re.compile(r"^[\w\s.,()\[\]*]+=\s*[!%]")
_HELP = re.compile(r"^\??[\w.\[\]()]+\?{1,2}$")


def _is_magic(stripped: str) -> bool:
    if not stripped or stripped[0] == "#":
        return False
    return (stripped[0] in "%!?" or _HELP.match(stripped) is not None
            or _ASSIGNED_MAGIC.match(stripped) is not None)


def _scan(line: str, state: list) -> None:
    """Advance ``state`` = [bracket depth, open string quote or None] over one line."""
    depth, quote = state
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if ch == "#":
            break
        if ch in "\"'":
            quote = ch * 3 if line.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        i += 1
    if quote is not None and len(quote) == 1:
        body = line.rstrip("\r\n")
        if not body.endswith("\\"):
            quote = None  # an unterminated one-line string ends with its line
    state[0], state[1] = depth, quote


# Python's own line breaks (libcst and ast count lines this way); str.splitlines would
# also split on form feeds and U+2028 inside strings and shift every later position.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """``text``'s lines with their endings, broken where Python breaks them."""
    return _LINE.findall(text)


def blank_magics(source: str) -> str:
    """``source`` with IPython-only lines blanked; line count and all other lines kept.

    A line is IPython syntax only where a statement can start (not inside brackets,
    a string or after a backslash): ``% b`` continuing an expression is a modulo."""
    lines = split_lines(source)
    if not lines:
        return source
    if lines[0].lstrip().startswith("%%"):
        return "".join(_blank(line) for line in lines)
    if "%" not in source and "!" not in source and "?" not in source:
        return source
    out = []
    state: list = [0, None]
    continued = magic_continues = False
    for line in lines:
        body = line.rstrip("\r\n")
        at_start = state[0] == 0 and state[1] is None and not continued
        if magic_continues or (at_start and _is_magic(body.strip())):
            # A continuation line of a shell escape is part of that one statement: empty.
            out.append(line[len(body):] if magic_continues else _blank(line))
            magic_continues = body.endswith("\\")
            continued = False
            continue
        _scan(body, state)
        continued = state[1] is None and body.endswith("\\") and "#" not in body
        out.append(line)
    return "".join(out)


def _blank(line: str) -> str:
    """A blanked line: ``pass`` at its own indentation (a block stays non-empty)."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    indent = body[: len(body) - len(body.lstrip())]
    return (indent + "pass" if indent else "") + ending


# -- cells ↔ one module ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CellSpan:
    """Where a code cell sits in the virtual module: 1-based first line, line count."""

    index: int
    first_line: int
    line_count: int


@dataclass(frozen=True, slots=True)
class CellMap:
    """Module line ↔ (cell, line in that cell); columns are the same on both sides."""

    cells: tuple[CellSpan, ...]

    def locate(self, line: int) -> tuple[int, int] | None:
        """Module line → (cell index, 1-based line in the cell)."""
        starts = [c.first_line for c in self.cells]
        i = bisect.bisect_right(starts, line) - 1
        if i < 0:
            return None
        cell = self.cells[i]
        if cell.line_count == 0 and i + 1 < len(self.cells):
            return None
        return cell.index, line - cell.first_line + 1

    def cell(self, index: int) -> CellSpan | None:
        for c in self.cells:
            if c.index == index:
                return c
        return None

    def module_line(self, index: int, line: int) -> int | None:
        cell = self.cell(index)
        return None if cell is None else cell.first_line + line - 1

    def to_cell(self, span: Span) -> tuple[int, Span] | None:
        """A module span → (cell, span in the cell), its end clamped to the cell."""
        found = self.locate(span.line)
        if found is None:
            return None
        index, line = found
        cell = self.cell(index)
        assert cell is not None
        last = max(cell.line_count, 1)
        end_line = span.end_line - cell.first_line + 1
        end_column = span.end_column
        if end_line > last:
            end_line, end_column = last, 10**6 if cell.line_count else 1
        return index, Span(line, span.column, max(end_line, line), end_column)


@dataclass(frozen=True, slots=True)
class VirtualModule:
    """The analysed text (IPython syntax and broken cells blanked), the text users
    see (the code cells as written, one line per module line) and the map."""

    source: str
    display: str
    cells: CellMap
    broken: Mapping[int, SyntaxError]


def _with_newline(text: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def layout(cells: Iterable[Cell]) -> CellMap:
    """Where each code cell sits in the virtual module (no parsing)."""
    spans, line = [], 1
    for cell in cells:
        count = len(split_lines(_with_newline(cell.source)))
        spans.append(CellSpan(cell.index, line, count))
        line += count
    return CellMap(tuple(spans))


def build_module(cells: Iterable[Cell]) -> VirtualModule:
    """Join the code cells; cells that do not parse even alone are blanked."""
    spans, analysed, shown = [], [], []
    line = 1
    for cell in cells:
        text = _with_newline(cell.source)
        count = len(split_lines(text))
        spans.append(CellSpan(cell.index, line, count))
        analysed.append(_with_newline(blank_magics(text)))
        shown.append(text)
        line += count
    source = "".join(analysed)
    broken: dict[int, SyntaxError] = {}
    if not _parses(source):
        for i, (span, text) in enumerate(zip(spans, analysed)):
            error = _syntax_error(text)
            if error is not None:
                broken[span.index] = error
                analysed[i] = "\n" * span.line_count
        source = "".join(analysed)
    return VirtualModule(source, "".join(shown), CellMap(tuple(spans)), broken)


def _parses(source: str) -> bool:
    return _syntax_error(source) is None


def _syntax_error(source: str) -> SyntaxError | None:
    try:
        ast.parse(source)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        error = SyntaxError(str(exc))
        error.lineno, error.offset = 1, 1
        return error
    return None


# -- analysis ------------------------------------------------------------------------------

def analyze_notebook(path: Path, options: "Options", display: str) -> "FileResult":
    """The CLI's entry: read, analyse, map back; a bad notebook is ML902, never a crash."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(f"notebook is larger than {MAX_NOTEBOOK_BYTES:,} bytes; skipped")
        data = path.read_bytes()
    except OSError as exc:
        return invalid(display, options, f"cannot read file: {exc.strerror or exc}")
    return analyze_notebook_bytes(path, data, options, display)


def analyze_notebook_bytes(path: Path, data: bytes, options: "Options", display: str) -> "FileResult":
    """A notebook already read (a file, or stdin with ``--stdin-filename x.ipynb``)."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return invalid(display, options, f"notebook is larger than {MAX_NOTEBOOK_BYTES:,} bytes; skipped")
    try:
        notebook = parse_notebook(data)
    except NotebookError as exc:
        return invalid(display, options, str(exc))
    del data
    return analyze_cells(path, notebook.code_cells, options, display)


def invalid(display: str, options: "Options", message: str) -> "FileResult":
    from modelint.analyzer.engine import FileResult
    from modelint.rules.invalid_model_file import InvalidModelFile as Rule

    diagnostics = []
    if options.selection.enabled_code(Rule.code, Rule.name):
        diagnostics.append(Diagnostic(Rule.code, Rule.name, Rule.severity, message, display, Span(1, 1, 1, 1)))
    return FileResult(display, [], diagnostics, "")


def analyze_cells(path: Path, cells: Sequence[Cell], options: "Options", display: str,
                  parse_cache: "ParseCache | None" = None) -> "FileResult":
    """Analyse code cells as one module with the engine's Python path; every
    diagnostic comes back in cell coordinates with ``extra["cell"]``."""
    from modelint.analyzer.engine import FileResult, analyze_source

    module = build_module(cells)
    if len(module.source.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
        return invalid(display, options, f"the notebook's code cells exceed {MAX_CODE_BYTES:,} bytes; skipped")
    result = analyze_source(path, module.source, options, display, parse_cache=parse_cache)
    for model in result.models:
        model.extra["notebook_cells"] = module.cells
    diagnostics = [mapped for d in result.diagnostics if (mapped := to_cell_diagnostic(d, module.cells))]
    diagnostics.extend(_broken_cell_diagnostics(module, options, display))
    diagnostics.sort(key=lambda d: (d.extra.get("cell", 0), d.span.line, d.span.column, d.code))
    return FileResult(result.path, result.models, diagnostics, module.display)


# Rules name other places as "line 14" ("CrossEntropyLoss (line 94) …"); in a notebook
# that module line means nothing to the reader.
_LINE_REF = re.compile(r"\bline (\d+)\b")


def cell_text(message: str, cells: CellMap) -> str:
    """``message`` with every "line N" of the virtual module as "cell C, line L"."""
    def swap(m: re.Match) -> str:
        located = cells.locate(int(m.group(1)))
        return m.group(0) if located is None else f"cell {located[0]}, line {located[1]}"

    return _LINE_REF.sub(swap, message) if "line " in message else message


def to_cell_diagnostic(d: Diagnostic, cells: CellMap) -> Diagnostic | None:
    located = cells.to_cell(d.span)
    if located is None:
        return None
    index, span = located
    fix, edit_cells = d.fix, ()
    if d.fix is not None:
        hint = cell_text(d.fix.message, cells)
        moved = [cells.to_cell(e.span) for e in d.fix.edits]
        if all(m is not None for m in moved):
            fix = Fix(hint, tuple(Edit(m[1], e.content) for m, e in zip(moved, d.fix.edits)))  # type: ignore[index]
            edit_cells = tuple(m[0] for m in moved)  # type: ignore[index]
        else:
            fix = Fix(hint)  # an edit outside every cell: offer the hint only
    extra = {**d.extra, "cell": index, "module_line": d.span.line, "edit_cells": edit_cells}
    return replace(d, span=span, message=cell_text(d.message, cells), fix=fix, extra=extra)


def _broken_cell_diagnostics(module: VirtualModule, options: "Options", display: str) -> list[Diagnostic]:
    from modelint.rules.syntax_error import SyntaxErrorRule as Rule

    if not module.broken or not options.selection.enabled_code(Rule.code, Rule.name):
        return []
    out = []
    for index, error in module.broken.items():
        cell = module.cells.cell(index)
        assert cell is not None
        line = min(max(error.lineno or 1, 1), max(cell.line_count, 1))
        column = max(error.offset or 1, 1)
        message = f"cannot parse cell {index}: {error.msg}; the other cells are analysed without it"
        out.append(Diagnostic(Rule.code, Rule.name, Rule.severity, message, display,
                              Span(line, column, line, column + 1),
                              extra={"cell": index, "module_line": cell.first_line + line - 1, "edit_cells": ()}))
    return out


def cell_of(d: Diagnostic) -> int | None:
    """The notebook cell a diagnostic points into (None for a .py file's)."""
    cell = d.extra.get("cell")
    return cell if isinstance(cell, int) else None


def display_line(d: Diagnostic) -> int:
    """The line of ``FileResult.source`` holding the flagged text (notebooks: the
    virtual module's line; files: the diagnostic's own)."""
    line = d.extra.get("module_line")
    return line if isinstance(line, int) else d.span.line


# -- --fix: edit cells, splice their JSON ---------------------------------------------------

def fixed_cells(notebook: Notebook, diagnostics: Sequence[Diagnostic]) -> dict[int, str]:
    """New sources of the cells the fixes change (cell index → text). A fix is
    applied only when all of its edits lie in one cell; the fixed notebook's code
    must still parse (the cells that were broken before stay out of that check)."""
    from modelint.analyzer.fixes import apply_edits

    per_cell: dict[int, list[Diagnostic]] = {}
    for d in diagnostics:
        cells = set(d.extra.get("edit_cells") or ())
        if d.fix is None or not d.fix.edits or len(cells) != 1:
            continue
        per_cell.setdefault(cells.pop(), []).append(d)
    by_index = {c.index: c for c in notebook.code_cells}
    changed: dict[int, str] = {}
    for index, diags in per_cell.items():
        cell = by_index.get(index)
        if cell is None:
            continue
        new, applied = apply_edits(cell.source, diags)
        if applied and new != cell.source:
            changed[index] = new
    if not changed:
        return {}
    before = build_module(notebook.code_cells)
    after = build_module(replace(c, source=changed.get(c.index, c.source)) for c in notebook.code_cells)
    if set(after.broken) - set(before.broken) or not _libcst_parses(after.source):
        return {}
    return changed


def _libcst_parses(source: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(source)
    except Exception:  # noqa: BLE001 — any failure means: do not write
        return False
    return True


_WS = re.compile(r"[ \t\r\n]*")
_SPECIAL = re.compile(r'["\[\]{}]')


def _skip_ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _string_end(text: str, i: int) -> int:
    """``text[i]`` is an opening quote: the index after the closing one."""
    j = i + 1
    while True:
        j = text.index('"', j)
        k = j - 1
        while text[k] == "\\":
            k -= 1
        if (j - 1 - k) % 2 == 0:
            return j + 1
        j += 1


def _value_end(text: str, i: int) -> int:
    """The end of the JSON value starting at ``i``, without building it: a 20 MB
    base64 output is one ``str.index`` call."""
    ch = text[i]
    if ch == '"':
        return _string_end(text, i)
    if ch not in "[{":
        return json.JSONDecoder().raw_decode(text, i)[1]
    depth = 0
    j = i
    while True:
        m = _SPECIAL.search(text, j)
        if m is None:
            raise ValueError("unterminated JSON container")
        c, j = m.group(), m.start()
        if c == '"':
            j = _string_end(text, j)
            continue
        depth += 1 if c in "[{" else -1
        j += 1
        if depth == 0:
            return j


def _members(text: str, i: int) -> Iterable[tuple[str, int, int]]:
    """(key, value start, value end) of the JSON object starting at ``i``."""
    assert text[i] == "{"
    i = _skip_ws(text, i + 1)
    if text[i] == "}":
        return
    while True:
        key_end = _string_end(text, i)
        key = json.loads(text[i:key_end])
        i = _skip_ws(text, key_end)
        i = _skip_ws(text, i + 1)  # ':'
        end = _value_end(text, i)
        yield key, i, end
        i = _skip_ws(text, end)
        if text[i] == "}":
            return
        i = _skip_ws(text, i + 1)  # ','


def _elements(text: str, i: int) -> Iterable[tuple[int, int]]:
    assert text[i] == "["
    i = _skip_ws(text, i + 1)
    if text[i] == "]":
        return
    while True:
        end = _value_end(text, i)
        yield i, end
        i = _skip_ws(text, end)
        if text[i] == "]":
            return
        i = _skip_ws(text, i + 1)


def source_spans(text: str) -> dict[int, tuple[int, int]]:
    """Cell index (1-based) → (start, end) of its ``source`` value in the JSON text."""
    start = _skip_ws(text, 1 if text.startswith("\ufeff") else 0)
    spans: dict[int, tuple[int, int]] = {}
    for key, s, _e in _members(text, start):
        if key != "cells":
            continue
        for index, (cs, _ce) in enumerate(_elements(text, s), 1):
            for ckey, vs, ve in _members(text, cs):
                if ckey == "source":
                    spans[index] = (vs, ve)
    return spans


def _source_json(old: str, new_source: str, text: str, start: int) -> str:
    """The JSON for ``new_source`` in the layout of the ``old`` value it replaces."""
    if old.startswith('"'):
        return json.dumps(new_source, ensure_ascii=_ascii_style(old))
    spans = list(_elements(old, 0))
    tokens = [old[s:e] for s, e in spans]
    known = {json.loads(t): t for t in tokens}
    ascii_only = _ascii_style(old)
    items = [known.get(line) or json.dumps(line, ensure_ascii=ascii_only) for line in new_source.splitlines(True)]
    if not items:
        return "[]"
    if spans:
        opening = old[1:spans[0][0]]
        closing = old[spans[-1][1]:-1]
        separator = old[spans[0][1]:spans[1][0]] if len(spans) > 1 else "," + opening
    else:  # `[]` before: indent one level deeper than the key, as nbformat writes
        line_start = text.rfind("\n", 0, start) + 1
        indent = text[line_start: len(text[line_start:]) - len(text[line_start:].lstrip(" \t")) + line_start]
        newline = "\r\n" if text[max(line_start - 2, 0):line_start] == "\r\n" else "\n"
        opening, separator, closing = newline + indent + " ", "," + newline + indent + " ", newline + indent
    return "[" + opening + separator.join(items) + closing + "]"


def _ascii_style(token_text: str) -> bool:
    """Keep the file's escaping: ``\\u00e9`` style only if the original used it."""
    return "\\u" in token_text and token_text.isascii()


def write_cells(raw: bytes, changed: Mapping[int, str]) -> bytes:
    """``raw`` with only the ``source`` values of the changed cells replaced."""
    text = raw.decode("utf-8-sig")
    bom = raw[: len(raw) - len(text.encode("utf-8"))] if raw.startswith(b"\xef\xbb\xbf") else b""
    spans = source_spans(text)
    for index in sorted(changed, reverse=True):
        start, end = spans[index]
        text = text[:start] + _source_json(text[start:end], changed[index], text, start) + text[end:]
    return bom + text.encode("utf-8")


def apply_notebook_fixes(result: "FileResult", resolver: "ConfigResolver", write: bool, out: TextIO) -> "FileResult":
    """``--fix`` / ``--diff`` for one notebook result; the file is untouched unless
    every fixed cell still parses, and it is never rewritten when it is not a notebook
    or no longer holds the code that was analysed."""
    import difflib

    path = Path(result.path)
    if not any(d.extra.get("edit_cells") for d in result.diagnostics):
        return result
    try:
        raw = path.read_bytes()
        notebook = parse_notebook(raw)
    except (OSError, NotebookError):
        return result
    if build_module(notebook.code_cells).display != result.source:
        return result  # edited since it was analysed: the edits' positions no longer hold
    changed = fixed_cells(notebook, result.diagnostics)
    if not changed:
        return result
    if not write:
        by_index = {c.index: c for c in notebook.cells}
        for index, new in sorted(changed.items()):
            old = by_index[index].source
            out.write("".join(difflib.unified_diff(
                _with_newline(old).splitlines(True), _with_newline(new).splitlines(True),
                f"a/{result.path}:cell {index}", f"b/{result.path}:cell {index}")))
        return result
    try:
        new_raw = write_cells(raw, changed)
        parse_notebook(new_raw)  # the spliced file must read back as the same kind of notebook
    except (ValueError, KeyError, IndexError, NotebookError):
        return result
    path.write_bytes(new_raw)
    settings = resolver.for_path(path)
    return analyze_notebook(path, settings.options_for(path), result.path)


# -- where a cell's line sits in the .ipynb file (SARIF, GitHub annotations) ---------------

def file_lines(path: Path) -> dict[int, list[int]] | None:
    """Cell index → the 1-based line of the ``.ipynb`` file holding each of the
    cell's source lines (nbformat writes one JSON string per source line; a source
    stored as one string puts every line on the string's line). None when the file
    cannot be read as a notebook."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        spans = source_spans(text)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, IndexError, AssertionError):
        return None
    out: dict[int, list[int]] = {}
    position, line = 0, 1
    for index, (start, end) in sorted(spans.items()):
        if text[start] == "[":
            starts = [s + start for s, _e in _elements(text[start:end], 0)]
        else:
            starts = [start]
        rows = []
        for offset in starts:
            line += text.count("\n", position, offset)
            position = offset
            rows.append(line)
        out[index] = rows
    return out


def file_line(rows: Mapping[int, list[int]] | None, cell: int, line: int) -> int | None:
    """The ``.ipynb`` line of ``line`` of ``cell`` (see :func:`file_lines`)."""
    cell_rows = (rows or {}).get(cell)
    if not cell_rows:
        return None
    return cell_rows[min(line, len(cell_rows)) - 1]
