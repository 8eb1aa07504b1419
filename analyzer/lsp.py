"""``modelint lsp``: the language server (pygls 2, stdio).

The editor gets what the CLI prints, computed from the buffer's in-memory text with
the configuration the CLI would use for that path: diagnostics (debounced while
typing, immediate on open and save), hover on a layer call (op, output shape,
parameters and their share of the model), hover on a code inside ``# noqa:`` (the
rule's documentation), inlay hints with each layer's output shape, code actions
(a rule's fix; "Disable MLxxx for this line") and document symbols (models and their
layers).

An editor sends half-typed code all the time, so no handler may ever take the
server down: each one catches everything, logs it to stderr and answers "nothing".
Positions: our spans are 1-based code-point columns with an exclusive end; LSP wants
0-based positions in the negotiated encoding (UTF-16 unless the client offers
better), converted with the analysed text, never the possibly newer buffer.

Notebooks (LSP 3.17 notebook documents, as VS Code and JupyterLab's LSP extension
send them): the code cells of a notebook are analysed together as one module (see
``analyzer/notebook.py``), and each cell is then served as its own document —
its diagnostics published on the cell's URI, hover, inlay hints, code actions and
symbols answered in the cell's coordinates. A cell's :class:`Analysis` carries
``line_offset``, the number of module lines above the cell: the models' spans stay
in module coordinates and are shifted when a request asks about a cell.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from modelint.analyzer import __version__
from modelint.analyzer.diagnostics import Diagnostic, Severity, Span
from modelint.analyzer.engine import FileResult, Options, analyze_source
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.incremental import ParseCache
from modelint.analyzer.notebook import Cell, analyze_cells, blank_magics, cell_of
from modelint.analyzer.shapes import format_count, format_shape
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

log = logging.getLogger("modelint.lsp")

DEBOUNCE_SECONDS = 0.15
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
# ``# noqa: A, B`` and ``# modelint: disable=A`` / ``disable-file=A``: group 1 is the code list.
_NOQA = re.compile(r"#\s*noqa:\s*([\w\-]+(?:[ \t]*,[ \t]*[\w\-]+)*)", re.IGNORECASE)
_SUPPRESSION_CODES = re.compile(
    r"#\s*(?:noqa:|modelint:\s*disable(?:-file)?\s*=)\s*([\w\-]+(?:[ \t]*,[ \t]*[\w\-]+)*)", re.IGNORECASE)
_CODE = re.compile(r"[\w\-]+")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis of one buffer: its version and text, and what the engine found."""

    uri: str
    version: int | None
    text: str
    result: FileResult
    # A notebook cell: module lines above it, and every code cell's URI by cell index
    # (a fix may edit another cell than the one it is reported in).
    line_offset: int = 0
    cell_uris: Mapping[int, str] | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines(True)


# -- pure helpers (unit-testable without a client) -----------------------------------------

def span_to_range(span: Span, lines: Sequence[str], codec: PositionCodec | None = None) -> types.Range:
    """1-based, exclusive end → 0-based LSP range in the client's units."""
    codec = codec or PositionCodec()
    start = ServerTextPosition(max(span.line - 1, 0), max(span.column - 1, 0))
    end = ServerTextPosition(max(span.end_line - 1, start.line), max(span.end_column - 1, 0))
    if end.line == start.line and end.character < start.character:
        end = ServerTextPosition(start.line, start.character)
    return types.Range(_to_client(codec, lines, start), _to_client(codec, lines, end))


def _to_client(codec: PositionCodec, lines: Sequence[str], pos: ServerTextPosition) -> types.Position:
    if pos.line >= len(lines):
        return types.Position(pos.line, pos.character)
    text = lines[pos.line]
    if pos.character > len(text):  # beyond the line: no characters to re-encode past its end
        return types.Position(pos.line, codec.client_num_units(text) + pos.character - len(text))
    return codec.position_to_client_units(lines, pos)


def _from_client(codec: PositionCodec, lines: Sequence[str], pos: types.Position) -> tuple[int, int]:
    """Client position → (1-based line, 1-based code-point column)."""
    if pos.line >= len(lines):
        return pos.line + 1, pos.character + 1
    server = codec.position_from_client_units(lines, types.Position(pos.line, pos.character))
    return server.line + 1, server.character + 1


def to_lsp_diagnostic(d: Diagnostic, lines: Sequence[str], codec: PositionCodec | None = None) -> types.Diagnostic:
    return types.Diagnostic(
        range=span_to_range(d.span, lines, codec),
        message=d.message,
        severity=SEVERITIES[d.severity],
        code=d.code,
        source="modelint",
        data={"name": d.name, "fixable": bool(d.fix and d.fix.edits)},
    )


def _contains(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) < (span.end_line, max(span.end_column, span.column + 1))


def _span_size(span: Span) -> tuple[int, int]:
    return span.end_line - span.line, span.end_column - span.column


def layer_at(models: Iterable[ModelGraph], line: int, column: int) -> tuple[ModelGraph, Layer] | None:
    """The innermost layer call whose span contains the position."""
    best: tuple[ModelGraph, Layer] | None = None
    for model in models:
        for layer in model.layers():
            if layer.span is None or layer.attrs.get("implicit") or not _contains(layer.span, line, column):
                continue
            if best is None or _span_size(layer.span) < _span_size(best[1].span):  # type: ignore[arg-type]
                best = (model, layer)
    return best


def layer_hover(model: ModelGraph, layer: Layer) -> str:
    trainable, non_trainable, exact = model.totals()
    total = trainable + non_trainable
    rows = [f"**{layer.op}** `{layer.name}` in model `{model.name}` ({model.class_name}, {model.framework})", ""]
    shapes = layer.outputs if len(layer.outputs) > 1 else (layer.output_shape,)
    rows.append("output shape: " + ", ".join(f"`{format_shape(s)}`" for s in shapes))
    if layer.shared:
        rows.append("params: shared with an earlier call of the same layer (counted there)")
    elif layer.params is None:
        rows.append(f"params: unknown{f' ({layer.unknown})' if layer.unknown else ''}")
    elif not isinstance(layer.params, int):  # a formula over the model's symbols
        rows.append(f"params: {format_count(layer.params)}")
    else:
        share = f"{layer.params / total:.1%}" if total else "n/a"
        approx = "" if exact else " at least"
        rows.append(f"params: {layer.params:,} ({share} of the model's{approx} {total:,}"
                    f"{'' if not layer.non_trainable else f'; {layer.non_trainable:,} non-trainable'})")
    if layer.unknown and layer.params is not None:
        rows.append(f"unknown: {layer.unknown}")
    return "  \n".join(rows)


def suppression_code_at(line_text: str, column: int) -> str | None:
    """The rule code under 1-based ``column`` inside a ``# noqa:`` / ``disable=`` comment."""
    for m in _SUPPRESSION_CODES.finditer(line_text):
        for code in _CODE.finditer(m.group(1)):
            start = m.start(1) + code.start() + 1
            if start <= column <= start + len(code.group(0)):
                return code.group(0)
    return None


def noqa_edit(line_text: str, line: int, code: str) -> tuple[Span, str] | None:
    """The edit adding ``code`` to the line's ``# noqa:`` list, or a new comment at its end.

    None when the line is already covered (a bare ``# noqa`` or the code is listed)."""
    body = line_text.rstrip("\r\n")
    existing = _NOQA.search(body)
    if existing is not None:
        codes = [c.strip() for c in existing.group(1).split(",")]
        if code.upper() in (c.upper() for c in codes):
            return None
        end = existing.end(1) + 1
        return Span(line, end, line, end), f", {code}"
    if re.search(r"#\s*noqa(?![:\w])", body, re.IGNORECASE):
        return None
    end = len(body) + 1
    return Span(line, end, line, end), f"  # noqa: {code}"


def shifted(span: Span, lines: int) -> Span:
    """``span`` moved by ``lines`` (module ↔ notebook cell coordinates)."""
    if not lines:
        return span
    return Span(span.line + lines, span.column, span.end_line + lines, span.end_column)


def _model_range(model: ModelGraph) -> Span:
    spans = [s for s in [model.span, *(l.span for l in model.layers())] if s is not None]
    if not spans:
        return Span(model.line, 1, model.line, 1)
    start = min((s.line, s.column) for s in spans)
    end = max((s.end_line, s.end_column) for s in spans)
    return Span(start[0], start[1], end[0], end[1])


# -- the server --------------------------------------------------------------------------

def _safe(default: Any = None) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Handlers log and swallow every exception: half-typed code must never kill the server."""

    def wrap(fn):
        if asyncio.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def run_async(*args, **kwargs):
                try:
                    return await fn(*args, **kwargs)
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001
                    log.exception("modelint lsp: %s failed", fn.__name__)
                    return default
            return run_async

        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001
                log.exception("modelint lsp: %s failed", fn.__name__)
                return default
        return run

    return wrap


class ModelintServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE_SECONDS) -> None:
        super().__init__("modelint", __version__, notebook_document_sync=types.NotebookDocumentSyncOptions(
            notebook_selector=[types.NotebookDocumentFilterWithCells(
                cells=[types.NotebookCellLanguage("python")], notebook="*")],
            save=True))
        self.debounce = debounce
        # Notebook URI → the URIs of the cells it last published diagnostics for.
        self.notebook_cells: dict[str, set[str]] = {}
        self.notebook_texts: dict[str, tuple] = {}
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.running: dict[str, asyncio.Future] = {}
        # Per document: its parsed top-level statements, so an edit re-parses one.
        self.parse_caches: dict[str, ParseCache] = {}
        self.shutdown_requested = False

    # -- analysis ------------------------------------------------------------------------
    def codec(self) -> PositionCodec:
        try:
            return self.workspace.position_codec
        except Exception:  # noqa: BLE001 — before initialize
            return PositionCodec()

    @staticmethod
    def path_for(uri: str) -> Path:
        fs = to_fs_path(uri) if uri.startswith("file:") else None
        return Path(fs) if fs else Path.cwd() / "untitled.py"

    def options_for(self, path: Path) -> Options:
        from modelint.analyzer.config import ConfigError, ConfigResolver

        try:  # a fresh resolver each time: edits to pyproject.toml apply on the next keystroke
            return ConfigResolver().for_path(path).options_for(path)
        except ConfigError as exc:
            log.warning("modelint lsp: %s; using the default configuration", exc)
            return Options()

    def analyze(self, uri: str, version: int | None, text: str) -> Analysis:
        path = self.path_for(uri)
        cache = self.parse_caches.setdefault(uri, ParseCache())
        source = blank_magics(text) if path.suffix.lower() == ".ipynb" else text  # a virtual document
        result = analyze_source(path, source, self.options_for(path), str(path), parse_cache=cache)
        return Analysis(uri, version, text, result)

    def wants(self, uri: str) -> bool:
        """A Python buffer; a notebook's cells are analysed with their notebook."""
        if self.in_notebook(uri):
            return False
        suffix = self.path_for(uri).suffix.lower()
        if suffix == ".ipynb":
            return self.virtual_notebook(uri)
        return suffix in (".py", ".pyi") or not uri.startswith("file:")

    def virtual_notebook(self, uri: str) -> bool:
        """JupyterLab's LSP extension sends a notebook as one Python text document (its
        code cells joined, under the notebook's name): analysed as Python. The notebook's
        JSON opened as text is not Python and is left alone."""
        doc = self.workspace.text_documents.get(unquote(uri))
        return doc is not None and doc.language_id == "python" and not doc.source.lstrip().startswith("{")

    async def refresh(self, uri: str, delay: float = 0.0) -> None:
        """Analyse the buffer (after ``delay``) and publish, unless a newer edit came in.

        One analysis per document runs at a time: a newer edit waits for the running
        one instead of starting a second (on a large file both would only slow down
        each other); cancelling this task never abandons a half-done analysis."""
        if delay:
            await asyncio.sleep(delay)
        while (running := self.running.get(uri)) is not None and not running.done():
            await asyncio.wait([running])
        try:
            doc = self.workspace.get_text_document(uri)
            version, text = doc.version, doc.source
        except Exception:  # noqa: BLE001 — closed meanwhile
            return
        previous = self.analyses.get(uri)
        if delay and previous is not None and previous.version == version and previous.text == text:
            return
        future = asyncio.get_running_loop().run_in_executor(None, self.analyze, uri, version, text)
        self.running[uri] = future
        analysis = await asyncio.shield(future)
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # superseded; the pending task of the newer version publishes
        self.analyses[uri] = analysis
        lines, codec = analysis.lines, self.codec()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version,
            diagnostics=[to_lsp_diagnostic(d, lines, codec) for d in analysis.result.diagnostics],
        ))
        if previous is None:  # the buffer's first analysis: its parse cache is now warm
            await asyncio.get_running_loop().run_in_executor(None, compact_heap)

    def schedule(self, uri: str, delay: float) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._refresh_logged(uri, delay))
        self.pending[uri] = task

    async def _refresh_logged(self, uri: str, delay: float) -> None:
        try:
            await self.refresh(uri, delay)
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001
            log.exception("modelint lsp: analysis of %s failed", uri)

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.analyses.pop(uri, None)
        self.parse_caches.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- notebooks -------------------------------------------------------------------------
    def in_notebook(self, uri: str) -> bool:
        try:
            return self.workspace.get_notebook_document(cell_uri=uri) is not None
        except Exception:  # noqa: BLE001 — before initialize
            return False

    def notebook_cells_now(self, nb_uri: str) -> tuple[int, list[Cell], dict[int, tuple[str, int | None]]] | None:
        """The notebook's version, its cells (1-based over all cells) and each code
        cell's (URI, version), read from the workspace in one go."""
        notebook = self.workspace.get_notebook_document(notebook_uri=nb_uri)
        if notebook is None:
            return None
        cells: list[Cell] = []
        docs: dict[int, tuple[str, int | None]] = {}
        for index, cell in enumerate(notebook.cells, 1):
            doc = self.workspace.text_documents.get(unquote(cell.document))  # pygls keys unquoted URIs
            code = cell.kind == types.NotebookCellKind.Code and doc is not None and \
                (doc.language_id or "python") == "python"
            cells.append(Cell(index, "code" if code else "markdown", doc.source if code else ""))  # type: ignore[union-attr]
            if code:
                docs[index] = (cell.document, doc.version)  # type: ignore[union-attr]
        return notebook.version, cells, docs

    def analyze_notebook(self, nb_uri: str, cells: list[Cell]) -> FileResult:
        path = self.path_for(nb_uri)
        cache = self.parse_caches.setdefault(nb_uri, ParseCache())
        code = [c for c in cells if c.kind == "code"]
        return analyze_cells(path, code, self.options_for(path), str(path), parse_cache=cache)

    async def refresh_notebook(self, nb_uri: str, delay: float = 0.0) -> None:
        """As :meth:`refresh`, for a whole notebook: one analysis of all its code
        cells, then one publishDiagnostics per cell (empty ones too, so a fixed cell
        is cleared)."""
        if delay:
            await asyncio.sleep(delay)
        while (running := self.running.get(nb_uri)) is not None and not running.done():
            await asyncio.wait([running])
        now = self.notebook_cells_now(nb_uri)
        if now is None:
            return
        version, cells, docs = now
        texts = tuple((c.index, c.source) for c in cells if c.index in docs)
        if delay and self.notebook_texts.get(nb_uri) == texts:
            return
        future = asyncio.get_running_loop().run_in_executor(None, self.analyze_notebook, nb_uri, cells)
        self.running[nb_uri] = future
        result = await asyncio.shield(future)
        current = self.workspace.get_notebook_document(notebook_uri=nb_uri)
        if current is None or current.version != version:
            return  # superseded; the newer version's task publishes
        first = nb_uri not in self.notebook_texts
        self.notebook_texts[nb_uri] = texts
        self.publish_notebook(nb_uri, result, cells, docs)
        if first:
            await asyncio.get_running_loop().run_in_executor(None, compact_heap)

    def publish_notebook(self, nb_uri: str, result: FileResult, cells: list[Cell],
                         docs: dict[int, tuple[str, int | None]]) -> None:
        from modelint.analyzer.notebook import layout as cell_layout

        layout = cell_layout(c for c in cells if c.index in docs)
        cell_uris = {index: uri for index, (uri, _v) in docs.items()}
        per_cell: dict[int, list[Diagnostic]] = {index: [] for index in docs}
        for d in result.diagnostics:
            index = cell_of(d)
            if index in per_cell:
                per_cell[index].append(d)  # type: ignore[index]
        codec = self.codec()
        published = set()
        for index, (uri, cell_version) in docs.items():
            span = layout.cell(index)
            text = next(c.source for c in cells if c.index == index)
            cell_result = FileResult(result.path, result.models, per_cell[index], text)
            analysis = Analysis(uri, cell_version, text, cell_result,
                                line_offset=(span.first_line - 1) if span else 0, cell_uris=cell_uris)
            self.analyses[uri] = analysis
            published.add(uri)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=cell_version,
                diagnostics=[to_lsp_diagnostic(d, analysis.lines, codec) for d in per_cell[index]]))
        for gone in self.notebook_cells.get(nb_uri, set()) - published:
            self.analyses.pop(gone, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=gone, diagnostics=[]))
        self.notebook_cells[nb_uri] = published

    def schedule_notebook(self, nb_uri: str, delay: float) -> None:
        previous = self.pending.pop(nb_uri, None)
        if previous is not None and not previous.done():
            previous.cancel()
        task = asyncio.get_running_loop().create_task(self._refresh_notebook_logged(nb_uri, delay))
        self.pending[nb_uri] = task

    async def _refresh_notebook_logged(self, nb_uri: str, delay: float) -> None:
        try:
            await self.refresh_notebook(nb_uri, delay)
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001
            log.exception("modelint lsp: analysis of notebook %s failed", nb_uri)

    def forget_notebook(self, nb_uri: str, cell_uris: Iterable[str]) -> None:
        task = self.pending.pop(nb_uri, None)
        if task is not None:
            task.cancel()
        self.parse_caches.pop(nb_uri, None)
        self.notebook_texts.pop(nb_uri, None)
        for uri in {*cell_uris, *self.notebook_cells.pop(nb_uri, set())}:
            self.analyses.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


server = ModelintServer()


@server.feature(types.SHUTDOWN)
def on_shutdown(ls: ModelintServer, *args: Any) -> None:
    ls.shutdown_requested = True
    for task in ls.pending.values():
        task.cancel()


@server.feature(types.EXIT)
def on_exit(ls: ModelintServer, *args: Any) -> None:
    """Leave now. pygls reads stdin in a pool thread that only returns at EOF, and the
    pool is joined on the way out: an editor that sends ``exit`` and then waits for the
    process (as the LSP specification allows) would wait forever."""
    logging.shutdown()
    try:
        sys.__stdout__.flush()
    finally:
        os._exit(0 if ls.shutdown_requested else 1)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@_safe()
async def notebook_did_open(ls: ModelintServer, params: types.DidOpenNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri, 0.0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@_safe()
async def notebook_did_change(ls: ModelintServer, params: types.DidChangeNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri, ls.debounce)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@_safe()
async def notebook_did_save(ls: ModelintServer, params: types.DidSaveNotebookDocumentParams) -> None:
    ls.schedule_notebook(params.notebook_document.uri, 0.0)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@_safe()
def notebook_did_close(ls: ModelintServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.forget_notebook(params.notebook_document.uri, [d.uri for d in params.cell_text_documents])


@server.feature(types.INITIALIZED)
@_safe()
async def on_initialized(ls: ModelintServer, params: types.InitializedParams) -> None:
    """Load the analysis while the editor is still busy starting: the first buffer
    opened should pay for its own statements, not for importing libcst's nodes, the
    frontends and every rule (≈80 ms, half of the budget of a first open)."""
    await asyncio.get_running_loop().run_in_executor(None, warm_up)


# A few lines through both frontends and every rule: every module and table the
# analysis of a real buffer needs is loaded (lazily, as the CLI loads them) by this.
_WARM_UP = ("import keras\nimport torch\nimport torch.nn as nn\n\n\nclass _Net(nn.Module):\n"
            "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n\n"
            "    def forward(self, x):\n        return self.fc(x)\n\n\n"
            "_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n")


def warm_up() -> None:
    """Analyse a throwaway buffer once (never published), then compact the heap: the
    imported modules leave the garbage collector's sight for good."""
    try:
        from modelint.analyzer.config import ConfigResolver  # noqa: F401 — loaded for options_for

        analyze_source(Path("_modelint_warm_up.py"), _WARM_UP, Options(), "_modelint_warm_up.py")
    except Exception:  # noqa: BLE001 — a warm-up is an optimisation, never a failure
        log.debug("modelint lsp: warm-up failed", exc_info=True)
    compact_heap()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@_safe()
async def did_open(ls: ModelintServer, params: types.DidOpenTextDocumentParams) -> None:
    if ls.wants(params.text_document.uri):
        ls.schedule(params.text_document.uri, 0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@_safe()
async def did_change(ls: ModelintServer, params: types.DidChangeTextDocumentParams) -> None:
    if ls.wants(params.text_document.uri):
        ls.schedule(params.text_document.uri, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@_safe()
async def did_save(ls: ModelintServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.wants(params.text_document.uri):
        ls.schedule(params.text_document.uri, 0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@_safe()
def did_close(ls: ModelintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


def _analysis(ls: ModelintServer, uri: str) -> Analysis | None:
    return ls.analyses.get(uri)


@server.feature(types.TEXT_DOCUMENT_HOVER)
@_safe()
def hover(ls: ModelintServer, params: types.HoverParams) -> types.Hover | None:
    from modelint.analyzer.docs import rule_markdown
    from modelint.analyzer.rule import rule_by_code_or_name

    analysis = _analysis(ls, params.text_document.uri)
    if analysis is None:
        return None
    lines, codec = analysis.lines, ls.codec()
    line, column = _from_client(codec, lines, params.position)
    if line <= len(lines):
        code = suppression_code_at(lines[line - 1], column)
        rule = rule_by_code_or_name(code) if code else None
        if rule is not None:
            return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, rule_markdown(rule)))
    offset = analysis.line_offset
    found = layer_at(analysis.result.models, line + offset, column)
    if found is None:
        return None
    model, layer = found
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, layer_hover(model, layer)),
                       range=span_to_range(shifted(layer.span, -offset), lines, codec))  # type: ignore[arg-type]


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@_safe(default=[])
def inlay_hints(ls: ModelintServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    analysis = _analysis(ls, params.text_document.uri)
    if analysis is None:
        return []
    lines, codec = analysis.lines, ls.codec()
    first, last = params.range.start.line + 1, params.range.end.line + 1
    offset = analysis.line_offset
    per_line: dict[int, list[str]] = {}
    for model in analysis.result.models:
        for layer in model.layers():
            if layer.span is None or layer.attrs.get("implicit") or not layer.outputs:
                continue
            at = layer.span.end_line - offset
            if first <= at <= last and 1 <= at <= len(lines):
                label = format_shape(layer.output_shape)
                per_line.setdefault(at, [])
                entry = f"{layer.name}: {label}"
                if entry not in per_line[at]:
                    per_line[at].append(entry)
    hints = []
    for at, entries in sorted(per_line.items()):
        text = lines[at - 1].rstrip("\r\n")
        label = entries[0].split(": ", 1)[1] if len(entries) == 1 else "; ".join(entries)
        pos = _to_client(codec, lines, ServerTextPosition(at - 1, len(text)))
        hints.append(types.InlayHint(position=pos, label=f"→ {label}", kind=types.InlayHintKind.Type,
                                     padding_left=True))
    return hints


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _fix_changes(ls: ModelintServer, analysis: Analysis, d: Diagnostic) -> dict[str, list[types.TextEdit]]:
    """The fix's edits by document; in a notebook an edit may land in another cell,
    converted with that cell's own analysed text."""
    if d.fix is None or not d.fix.edits:
        return {}
    codec = ls.codec()
    if analysis.cell_uris is None:
        return {analysis.uri: [types.TextEdit(span_to_range(e.span, analysis.lines, codec), e.content)
                               for e in d.fix.edits]}
    changes: dict[str, list[types.TextEdit]] = {}
    for edit, cell in zip(d.fix.edits, d.extra.get("edit_cells") or ()):
        uri = analysis.cell_uris.get(cell)
        target = ls.analyses.get(uri) if uri else None
        if target is None:
            return {}  # a cell we cannot address: offer no half-applied fix
        changes.setdefault(target.uri, []).append(
            types.TextEdit(span_to_range(edit.span, target.lines, codec), edit.content))
    return changes


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
@_safe(default=[])
def code_actions(ls: ModelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    analysis = _analysis(ls, uri)
    if analysis is None:
        return []
    lines, codec = analysis.lines, ls.codec()
    actions: list[types.CodeAction] = []
    noqa_done: set[tuple[int, str]] = set()
    for d in analysis.result.diagnostics:
        lsp_diag = to_lsp_diagnostic(d, lines, codec)
        if not _overlaps(lsp_diag.range, params.range):
            continue
        changes = _fix_changes(ls, analysis, d)
        if changes:
            actions.append(types.CodeAction(
                title=f"{d.code}: {d.fix.message}", kind=types.CodeActionKind.QuickFix,  # type: ignore[union-attr]
                diagnostics=[lsp_diag], is_preferred=True,
                edit=types.WorkspaceEdit(changes=changes)))
        key = (d.span.line, d.code)
        if d.code in ("ML901",) or key in noqa_done or d.span.line > len(lines):
            continue  # a syntax error cannot be suppressed
        noqa_done.add(key)
        edit = noqa_edit(lines[d.span.line - 1], d.span.line, d.code)
        if edit is None:
            continue
        span, content = edit
        actions.append(types.CodeAction(
            title=f"Disable {d.code} for this line", kind=types.CodeActionKind.QuickFix,
            diagnostics=[lsp_diag],
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(span_to_range(span, lines, codec), content)]})))
    return actions


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@_safe(default=[])
def document_symbols(ls: ModelintServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    analysis = _analysis(ls, params.text_document.uri)
    if analysis is None:
        return []
    lines, codec = analysis.lines, ls.codec()
    offset, in_cell = analysis.line_offset, analysis.cell_uris is not None
    symbols = []
    for model in analysis.result.models:
        if in_cell and not 1 <= model.line - offset <= len(lines):
            continue  # a notebook cell lists the models built in it
        trainable, non_trainable, exact = model.totals()
        children = []
        for layer in model.layers():
            if layer.span is None or layer.attrs.get("implicit"):
                continue
            if in_cell and not 1 <= layer.span.line - offset <= len(lines):
                continue
            rng = span_to_range(shifted(layer.span, -offset), lines, codec)
            children.append(types.DocumentSymbol(
                name=layer.name, kind=types.SymbolKind.Field, range=rng, selection_range=rng,
                detail=f"{layer.op} → {format_shape(layer.output_shape)}"))
        total = f"{trainable + non_trainable:,}{'' if exact else '+'} params"
        selection = model.span or Span(model.line, 1, model.line, 1)
        whole = _model_range(model)
        if in_cell:  # the model's own lines of this cell (its layers may be built in earlier cells)
            whole = Span(selection.line, selection.column, max(selection.end_line, selection.line), selection.end_column)
        symbols.append(types.DocumentSymbol(
            name=model.name, kind=types.SymbolKind.Class,
            range=span_to_range(shifted(whole, -offset), lines, codec),
            selection_range=span_to_range(shifted(selection, -offset), lines, codec),
            detail=f"{model.class_name} ({model.framework}) · {total}", children=children))
    return symbols


# -- entry point ---------------------------------------------------------------------------

def compact_heap() -> None:
    """Collect the first analysis' garbage and move what survives — mostly the
    buffer's parsed statements, which later edits reuse — out of the collector's sight.

    Otherwise each of Python's full collections walks every libcst node of a big file
    and adds 60–70 ms to whichever analysis it falls in. Frozen objects are still
    freed by reference counting (libcst trees hold no cycles) when an edit replaces
    them; later analyses' garbage is collected as usual."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="modelint lsp", description="Start the modelint language server on stdio.")
    p.add_argument("--debounce-ms", type=int, default=int(DEBOUNCE_SECONDS * 1000),
                   help="wait this long after the last keystroke before analysing (default: 150)")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                   help="stderr logging level (default: WARNING)")
    p.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default")
    return p


def serve(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, args.log_level),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server.debounce = max(args.debounce_ms, 0) / 1000
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the protocol stream
    started = time.monotonic()
    try:
        server.start_io(stdin, stdout)
    finally:
        log.info("modelint lsp: stopped after %.1f s", time.monotonic() - started)
    return 0
