"""``modelint lsp`` end to end: a real client over stdio, a real server subprocess."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.lsp.conftest import SERVER, RecordingClient, make_client

pytestmark = pytest.mark.asyncio

BUGGY = (
    "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
    "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n])\n"
)
DENSE = 'layers.Dense(10, activation="softmax")'


@pytest.fixture(autouse=True)
def only_ml101(tmp_path):
    """Exact assertions about ML101: other rules (added over time) stay out of them."""
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML101", "ML901"]\n')


def _rng(line: int, start: int, end: int) -> types.Range:
    return types.Range(types.Position(line, start), types.Position(line, end))


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """What an editor does with a WorkspaceEdit (ASCII text: UTF-16 units = characters)."""
    lines = text.splitlines(True)

    def offset(p: types.Position) -> int:
        return sum(len(l) for l in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


def _open(client: RecordingClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))


def _change(client: RecordingClient, uri: str, version: int, edits: list[types.TextEdit]) -> None:
    """Incremental didChange, one content change per edit (applied bottom-up)."""
    changes = [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
               for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version), changes))


def _replace_all(client: RecordingClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


async def _actions(client: RecordingClient, uri: str, diag: types.Diagnostic) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diag.range, types.CodeActionContext(diagnostics=[diag])))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_diagnostics_hover_actions_and_fixes(client: RecordingClient, tmp_path):
    uri = (tmp_path / "net.py").as_uri()
    _open(client, uri, BUGGY)
    (diag,) = await client.diagnostics_for(uri, 1)
    assert diag.code == "ML101" and diag.source == "modelint"
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.range == _rng(6, 4, 4 + len(DENSE))  # 1-based 7:5..7:43 exclusive → 0-based
    assert "Did you forget Flatten()?" in diag.message

    # Hover on the Dense call: op, output shape, params and their share of 650.
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(6, 12)))
    text = hover.contents.value
    assert "**Dense** `dense`" in text and "`(None, 26, 26, 10)`" in text
    assert "params: 330 (50.8% of the model's 650)" in text
    assert hover.range == diag.range
    nothing = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(0, 3)))
    assert nothing is None

    # Inlay hints: the output shape at the end of each layer's line.
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(8, 0))))
    lines = BUGGY.splitlines()
    got = {(h.position.line, h.position.character): h.label for h in hints}
    assert got == {  # Keras hides a Sequential's input layer, and so do we
        (5, len(lines[5])): "→ (None, 26, 26, 32)",
        (6, len(lines[6])): "→ (None, 26, 26, 10)",
    }

    # Document symbols: the model with its layers.
    (symbol,) = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        types.TextDocumentIdentifier(uri)))
    assert symbol.name == "model" and "650 params" in symbol.detail
    assert [c.name for c in symbol.children] == ["conv2d", "dense"]
    assert symbol.children[1].range == diag.range

    # Code actions: the rule's fix and the noqa comment.
    actions = {a.title: a for a in await _actions(client, uri, diag)}
    assert set(actions) == {"ML101: Insert Flatten() before dense", "Disable ML101 for this line"}
    noqa_edits = actions["Disable ML101 for this line"].edit.changes[uri]
    assert list(noqa_edits) == [types.TextEdit(_rng(6, len(lines[6]), len(lines[6])), "  # noqa: ML101")]

    # Applying the noqa edit (as an incremental change) clears the diagnostics.
    _change(client, uri, 2, noqa_edits)
    assert await client.diagnostics_for(uri, 2) == []

    # Back to the bug, then the rule's fix: Flatten() inserted, diagnostics empty again.
    _replace_all(client, uri, 3, BUGGY)
    (diag,) = await client.diagnostics_for(uri, 3)
    fix = {a.title: a for a in await _actions(client, uri, diag)}["ML101: Insert Flatten() before dense"]
    assert fix.is_preferred and list(fix.diagnostics) == [diag]
    fixed = apply_edits(BUGGY, fix.edit.changes[uri])
    assert "    layers.Flatten(),\n    layers.Dense(10" in fixed
    _change(client, uri, 4, fix.edit.changes[uri])
    assert await client.diagnostics_for(uri, 4) == []
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(7, 12)))
    assert "params: 216,330 (99.9% of the model's 216,650)" in hover.contents.value


async def test_noqa_merges_and_its_codes_show_the_rule_doc(client: RecordingClient, tmp_path):
    uri = (tmp_path / "net.py").as_uri()
    source = BUGGY.replace(f"{DENSE},\n", f"{DENSE},  # noqa: E501\n")
    _open(client, uri, source)
    (diag,) = await client.diagnostics_for(uri, 1)
    action = {a.title: a for a in await _actions(client, uri, diag)}["Disable ML101 for this line"]
    merged = apply_edits(source, action.edit.changes[uri])
    assert f"{DENSE},  # noqa: E501, ML101\n" in merged
    _change(client, uri, 2, action.edit.changes[uri])
    assert await client.diagnostics_for(uri, 2) == []

    line = merged.splitlines()[6]
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(6, line.index("ML101") + 2)))
    assert hover.contents.value.startswith("## ML101 `dense-on-unflattened`")
    assert "### Why is this bad?" in hover.contents.value
    other = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(6, line.index("E501") + 1)))
    assert other is None or "ML101" not in other.contents.value


async def test_typing_debounces_to_the_last_version(client: RecordingClient, tmp_path):
    uri = (tmp_path / "net.py").as_uri()
    _open(client, uri, "")
    assert await client.diagnostics_for(uri, 1) == []
    for version in range(2, 2 + len(BUGGY) // 20 + 1):
        _replace_all(client, uri, version, BUGGY[: (version - 1) * 20])
        await asyncio.sleep(0.01)  # faster than the 150 ms debounce
    last = version
    diags = await client.diagnostics_for(uri, last)
    assert [d.code for d in diags] == ["ML101"]
    published = {p.version for p in client.published if p.uri == uri}
    assert published == {1, last}


async def test_configuration_is_read_as_on_the_cli(client: RecordingClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML1", "ML9"]\nignore = ["ML101"]\n')
    uri = (tmp_path / "pkg" / "net.py").as_uri()
    _open(client, uri, BUGGY)
    assert await client.diagnostics_for(uri, 1) == []
    # ... and a syntax error is a diagnostic, not a crash.
    _replace_all(client, uri, 2, BUGGY.replace("])\n", "]\n"))
    (diag,) = await client.diagnostics_for(uri, 2)
    assert diag.code == "ML901"


async def test_save_republishes_and_close_clears_diagnostics(client: RecordingClient, tmp_path):
    uri = (tmp_path / "net.py").as_uri()
    _open(client, uri, BUGGY)
    assert len(await client.diagnostics_for(uri, 1)) == 1
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    for _ in range(1000):
        if sum(1 for p in client.published if p.uri == uri) == 2:
            break
        await asyncio.sleep(0.01)
    assert [len(p.diagnostics) for p in client.published if p.uri == uri] == [1, 1]
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await client.diagnostics_for(uri, None) == []


async def test_shutdown_and_exit_cleanly():
    from pytest_lsp import ClientServerConfig, client_capabilities

    client = await ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    try:
        result = await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("neovim")))
        caps = result.capabilities
        assert result.server_info.name == "modelint"
        assert caps.hover_provider and caps.inlay_hint_provider and caps.document_symbol_provider
        assert list(caps.code_action_provider.code_action_kinds) == [types.CodeActionKind.QuickFix]
        await asyncio.wait_for(client.shutdown_session(), 10)  # shutdown, exit, wait for the process
        assert client._server.returncode == 0
    finally:
        if client._server.returncode is None:  # a failed assertion: do not leave the server behind
            client._server.kill()
        await client.stop()
