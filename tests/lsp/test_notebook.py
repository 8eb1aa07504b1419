"""LSP 3.17 notebook documents, end to end: a real client (pytest-lsp) sends what VS
Code sends for a Jupyter notebook — ``notebookDocument/didOpen`` with the cells'
text documents, ``didChange`` with per-cell text edits and structure changes (a cell
added, a cell deleted), ``didClose`` — and the server answers per cell: diagnostics
on the cell's URI, hover, inlay hints, code actions and symbols in the cell's own
coordinates, while analysing all code cells as one module."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import SERVER, RecordingClient, make_client
from tests.lsp.test_server import apply_edits

pytest_lsp = pytest.importorskip("pytest_lsp")

pytestmark = pytest.mark.asyncio

IMPORTS = "%matplotlib inline\nimport keras\nfrom keras import layers\n"
STACK = (
    "stack = [\n    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n]\n"
)
BUILD = "model = keras.Sequential(stack)\nmodel.summary()\n"
DENSE = 'layers.Dense(10, activation="softmax")'


@pytest.fixture(autouse=True)
def only_ml101(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML101", "ML901"]\n')


def vscode_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities as pytest-lsp recorded them, plus the notebook
    synchronization VS Code (≥ 1.74) announces and the recording predates."""
    caps = pytest_lsp.client_capabilities("visual-studio-code")
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True))
    return caps


@pytest_lsp.fixture(config=pytest_lsp.ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def client(lsp_client: RecordingClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities()))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=pytest_lsp.ClientServerConfig(server_command=[*SERVER, "--debounce-ms", "0"],
                                                         client_factory=make_client))
async def eager_client(lsp_client: RecordingClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities()))
    yield
    await lsp_client.shutdown_session()


class Notebook:
    """The client side of one notebook: its cells and versions, and the messages an
    editor sends when the user edits it."""

    def __init__(self, client: RecordingClient, path: Path, cells: list[tuple[str, str]]) -> None:
        self.client, self.path = client, path
        self.uri = path.as_uri()
        self.version = 1
        self.counter = 0
        self.cells: list[dict] = []
        for kind, text in cells:
            self.cells.append(self._new(kind, text))
        client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            types.NotebookDocument(uri=self.uri, notebook_type="jupyter-notebook", version=self.version,
                                   cells=[self._cell(c) for c in self.cells]),
            cell_text_documents=[self._item(c) for c in self.cells]))

    def _new(self, kind: str, text: str) -> dict:
        self.counter += 1
        # VS Code's cell URIs: the notebook's path plus a fragment naming the cell.
        uri = f"vscode-notebook-cell:{self.path}#W{self.counter}sZmlsZQ%3D%3D"
        return {"uri": uri, "kind": kind, "text": text, "version": 1}

    @staticmethod
    def _cell(c: dict) -> types.NotebookCell:
        kind = types.NotebookCellKind.Code if c["kind"] == "code" else types.NotebookCellKind.Markup
        return types.NotebookCell(kind=kind, document=c["uri"])

    @staticmethod
    def _item(c: dict) -> types.TextDocumentItem:
        return types.TextDocumentItem(uri=c["uri"], language_id="python" if c["kind"] == "code" else "markdown",
                                      version=c["version"], text=c["text"])

    def uri_of(self, position: int) -> str:
        return self.cells[position]["uri"]

    def _send(self, cells: types.NotebookDocumentCellChanges) -> None:
        self.version += 1
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            types.VersionedNotebookDocumentIdentifier(version=self.version, uri=self.uri),
            types.NotebookDocumentChangeEvent(cells=cells)))

    def edit(self, position: int, edits: list[types.TextEdit]) -> int:
        """Incremental text edits of one cell (as VS Code sends a keystroke or a fix)."""
        c = self.cells[position]
        c["version"] += 1
        c["text"] = apply_edits(c["text"], edits)
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        self._send(types.NotebookDocumentCellChanges(text_content=[types.NotebookDocumentCellContentChanges(
            document=types.VersionedTextDocumentIdentifier(uri=c["uri"], version=c["version"]),
            changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered])]))
        return c["version"]

    def type_char(self, position: int, char: str) -> int:
        lines = self.cells[position]["text"].split("\n")
        end = types.Position(len(lines) - 1, len(lines[-1]))
        return self.edit(position, [types.TextEdit(types.Range(end, end), char)])

    def insert_cell(self, position: int, text: str = "") -> None:
        c = self._new("code", text)
        self.cells.insert(position, c)
        self._send(types.NotebookDocumentCellChanges(structure=types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(start=position, delete_count=0, cells=[self._cell(c)]),
            did_open=[self._item(c)])))

    def delete_cell(self, position: int) -> str:
        c = self.cells.pop(position)
        self._send(types.NotebookDocumentCellChanges(structure=types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(start=position, delete_count=1),
            did_close=[types.TextDocumentIdentifier(c["uri"])])))
        return c["uri"]

    def close(self) -> None:
        self.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
            types.NotebookDocumentIdentifier(self.uri),
            [types.TextDocumentIdentifier(c["uri"]) for c in self.cells]))

    async def diagnostics(self, position: int) -> list[types.Diagnostic]:
        c = self.cells[position]
        return await self.client.diagnostics_for(c["uri"], c["version"])


def _rng(line: int, start: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(line, end))


async def _actions(client: RecordingClient, uri: str, diag: types.Diagnostic) -> dict[str, types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diag.range, types.CodeActionContext(diagnostics=[diag])))
    return {a.title: a for a in result or [] if isinstance(a, types.CodeAction)}


async def test_notebook_sync_is_advertised():
    client = await pytest_lsp.ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    try:
        result = await client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities()))
        (selector,) = result.capabilities.notebook_document_sync.notebook_selector
        assert selector.notebook == "*" and [c.language for c in selector.cells] == ["python"]
        await asyncio.wait_for(client.shutdown_session(), 10)
    finally:
        if client._server.returncode is None:
            client._server.kill()
        await client.stop()


async def test_cells_are_one_module_and_answer_in_cell_coordinates(client: RecordingClient, tmp_path):
    nb = Notebook(client, tmp_path / "demo.ipynb",
                  [("markdown", "# A model"), ("code", IMPORTS), ("code", STACK), ("code", BUILD)])
    assert await nb.diagnostics(1) == []
    (diag,) = await nb.diagnostics(2)  # the Dense sits in the layer list's cell
    assert await nb.diagnostics(3) == []
    assert diag.code == "ML101" and diag.range == _rng(3, 4, 4 + len(DENSE))
    stack_uri = nb.uri_of(2)

    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(stack_uri), types.Position(3, 12)))
    assert "**Dense** `dense`" in hover.contents.value and "`(None, 26, 26, 10)`" in hover.contents.value
    assert hover.range == diag.range
    lines = STACK.splitlines()
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(stack_uri), types.Range(types.Position(0, 0), types.Position(5, 0))))
    assert {(h.position.line, h.position.character): h.label for h in hints} == {
        (2, len(lines[2])): "→ (None, 26, 26, 32)",
        (3, len(lines[3])): "→ (None, 26, 26, 10)",
    }
    # The cell that builds the model has no layer calls: no hints there.
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(nb.uri_of(3)), types.Range(types.Position(0, 0), types.Position(2, 0))))
    assert not hints
    (symbol,) = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(nb.uri_of(3))))
    assert symbol.name == "model" and symbol.range.start.line == 0

    actions = await _actions(client, stack_uri, diag)
    assert set(actions) == {"ML101: Insert Flatten() before dense", "Disable ML101 for this line"}
    noqa = actions["Disable ML101 for this line"].edit.changes
    assert list(noqa) == [stack_uri]
    version = nb.edit(2, list(noqa[stack_uri]))
    assert await client.diagnostics_for(stack_uri, version) == []

    # Undo the noqa, then apply the rule's fix: it edits only the layer list's cell.
    nb.edit(2, [types.TextEdit(types.Range(types.Position(0, 0), types.Position(len(nb.cells[2]["text"].split("\n")), 0)), STACK)])
    (diag,) = await nb.diagnostics(2)
    fix = (await _actions(client, stack_uri, diag))["ML101: Insert Flatten() before dense"]
    assert list(fix.edit.changes) == [stack_uri]
    nb.edit(2, list(fix.edit.changes[stack_uri]))
    assert "    layers.Flatten(),\n    layers.Dense(10" in nb.cells[2]["text"]
    assert await nb.diagnostics(2) == []

    nb.close()
    for uri in (nb.uri_of(1), stack_uri, nb.uri_of(3)):
        assert await client.diagnostics_for(uri, None) == []


async def test_cells_typed_one_by_one_as_vscode_sends_them(eager_client: RecordingClient, tmp_path):
    """A new notebook: one empty cell; the user types each cell character by
    character, adding cells as they go, then deletes one. Every keystroke is
    analysed (no debounce); a hover and inlay hints are asked after each one."""
    client = eager_client
    nb = Notebook(client, tmp_path / "typed.ipynb", [("code", "")])
    assert await nb.diagnostics(0) == []
    seen_broken = False
    for position, text in enumerate((IMPORTS, STACK, BUILD)):
        if position:
            nb.insert_cell(position)
        for char in text:
            version = nb.type_char(position, char)
            diags = await client.diagnostics_for(nb.uri_of(position), version)
            seen_broken |= any(d.code == "ML901" for d in diags)
            cell = types.TextDocumentIdentifier(nb.uri_of(position))
            await client.text_document_hover_async(types.HoverParams(cell, types.Position(0, 0)))
            await client.text_document_inlay_hint_async(types.InlayHintParams(
                cell, types.Range(types.Position(0, 0), types.Position(10, 0))))
    assert seen_broken  # half-typed cells were reported, not fatal
    assert client._server.returncode is None, "the server died"
    assert [d.code for d in await nb.diagnostics(1)] == ["ML101"]
    assert await nb.diagnostics(0) == [] and await nb.diagnostics(2) == []

    # A syntax error in the layer list's cell: ML901 there; the other cells still analysed.
    version = nb.type_char(1, "(")
    (broken,) = await client.diagnostics_for(nb.uri_of(1), version)
    assert broken.code == "ML901"

    # Deleting that cell clears its diagnostics.
    gone = nb.delete_cell(1)
    for _ in range(3000):
        if any(p.uri == gone and not p.diagnostics and p.version is None for p in client.published):
            break
        await asyncio.sleep(0.01)
    assert any(p.uri == gone and not p.diagnostics for p in client.published[-5:] + client.published)
    assert client._server.returncode is None


async def test_jupyterlab_virtual_document_is_analysed_as_python(client: RecordingClient, tmp_path):
    """JupyterLab's LSP extension joins a notebook's code cells into one Python text
    document named after the notebook; its magics stay in the text."""
    uri = (tmp_path / ".virtual_documents" / "demo.ipynb").as_uri()
    text = IMPORTS + "\n\n" + STACK + "\n\n" + BUILD
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    (diag,) = await client.diagnostics_for(uri, 1)
    line = text.splitlines().index("    " + DENSE + ",")
    assert diag.code == "ML101" and diag.range == _rng(line, 4, 4 + len(DENSE))

    # The notebook's JSON opened as a plain text file is not Python: nothing is published.
    raw = (tmp_path / "raw.ipynb").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=raw, language_id="json", version=1, text='{"cells": []}')))
    await asyncio.sleep(0.5)
    assert not any(p.uri == raw for p in client.published)
