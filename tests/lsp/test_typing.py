"""Half-typed code never takes the server down.

A fixture file is typed into the editor buffer prefix by prefix (every character of
the first 300, then every 10th) through didChange, with the debounce off so each
prefix is really analysed. After each one the test waits for that version's
diagnostics and asks for a hover and the inlay hints: every request must be answered
and the server process must still be running at the end, with the diagnostics of the
complete file equal to the CLI's.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lsprotocol import types

from tests.conftest import FIXTURES, analyze_text
from tests.lsp.conftest import RecordingClient

pytestmark = pytest.mark.asyncio

TYPED = [FIXTURES / "keras" / "resnet_helper_blocks.py", FIXTURES / "torch" / "mnist_net.py"]


def prefixes(text: str) -> list[int]:
    cuts = list(range(1, min(300, len(text)) + 1)) + list(range(310, len(text), 10))
    return cuts + ([len(text)] if cuts[-1] != len(text) else [])


def _end(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


@pytest.mark.parametrize("path", TYPED, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_typing_a_fixture_character_by_character(eager_client: RecordingClient, tmp_path, path: Path):
    text = path.read_text(encoding="utf-8")
    uri = (tmp_path / path.name).as_uri()
    eager_client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text="")))
    await eager_client.diagnostics_for(uri, 1)
    doc = types.TextDocumentIdentifier(uri)
    started = time.monotonic()
    answered = 0
    for version, cut in enumerate(prefixes(text), start=2):
        eager_client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text[:cut])]))
        await eager_client.diagnostics_for(uri, version)
        end = _end(text[:cut])
        await eager_client.text_document_hover_async(types.HoverParams(doc, types.Position(end.line, end.character // 2)))
        hints = await eager_client.text_document_inlay_hint_async(types.InlayHintParams(
            doc, types.Range(types.Position(0, 0), end)))
        assert isinstance(hints, (list, tuple)) or hints is None
        answered += 2
    assert eager_client._server.returncode is None, "the server died"
    assert answered == 2 * len(prefixes(text))
    final = eager_client.diagnostics[uri]
    expected = analyze_text(text, str(tmp_path / path.name)).diagnostics
    assert [(d.code, d.range.start.line + 1, d.range.start.character + 1) for d in final] == \
        [(d.code, d.span.line, d.span.column) for d in expected]
    symbols = await eager_client.text_document_document_symbol_async(types.DocumentSymbolParams(doc))
    assert len(symbols) == len(analyze_text(text, str(tmp_path / path.name)).models)
    assert time.monotonic() - started < 60
