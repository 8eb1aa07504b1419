"""A real LSP client (pytest-lsp) driving ``modelint lsp`` as a subprocess over stdio."""

from __future__ import annotations

import asyncio
import sys

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp", reason="pytest-lsp is not installed (pip install pytest-lsp)")
from lsprotocol import types  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features  # noqa: E402

SERVER = [sys.executable, "-m", "modelint.analyzer", "lsp"]
TIMEOUT = 30.0


class RecordingClient(LanguageClient):
    """pytest-lsp's client, also keeping every publishDiagnostics with its version
    (its own handler keeps only the last list per document, without the version)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []

    async def diagnostics_for(self, uri: str, version: int | None) -> list[types.Diagnostic]:
        async def wait() -> list[types.Diagnostic]:
            while True:
                for params in reversed(self.published):
                    if params.uri == uri and params.version == version:
                        return list(params.diagnostics)
                await asyncio.sleep(0.002)

        return await asyncio.wait_for(wait(), TIMEOUT)


def _record(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    register_lsp_features(client, features)
    return client


async def _start(client: LanguageClient) -> None:
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def client(lsp_client: RecordingClient):
    await _start(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[*SERVER, "--debounce-ms", "0"],
                                              client_factory=make_client))
async def eager_client(lsp_client: RecordingClient):
    """No debounce: every keystroke of the typing test is analysed."""
    await _start(lsp_client)
    yield
    await lsp_client.shutdown_session()
