"""Shared fixtures for the real-client tests of ``guardc lsp``.

Every test talks to a freshly started ``guardc lsp`` process through
pytest-lsp's client (pygls over stdio), with the capabilities VS Code
announces, so the server sees what a real editor sends. The server binary
is ``$GUARDC`` or, by default, the workspace's debug build.

The documents are copies of ``examples/mail_assistant.guard`` written to a
temporary directory, so that tests can break or edit them freely.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
from dataclasses import dataclass

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUARDC = os.environ.get("GUARDC", str(ROOT / "target" / "debug" / "guardc"))
EXAMPLE = ROOT / "examples" / "mail_assistant.guard"

# How long to wait for a notification before the test fails.
TIMEOUT = 20.0


def pytest_configure(config: pytest.Config) -> None:
    if not pathlib.Path(GUARDC).is_file():
        raise pytest.UsageError(
            f"guardc not found at {GUARDC}: run `cargo build -p guardc` or set GUARDC"
        )


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[GUARDC, "lsp"]),
)
async def client(lsp_client: LanguageClient, tmp_path: pathlib.Path):
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="policies")],
    )
    result = await lsp_client.initialize_session(params)
    lsp_client.initialize_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@dataclass
class Doc:
    """A document open in the server, with helpers to find positions."""

    uri: str
    path: pathlib.Path
    text: str
    version: int = 1

    def pos(self, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
        """The position of the ``occurrence``-th whole-word match of
        ``needle`` (plus ``offset`` characters)."""
        return offset_to_position(self.text, find(self.text, needle, occurrence) + offset)

    def line_of(self, needle: str, occurrence: int = 0) -> int:
        return self.pos(needle, occurrence).line


def mask_comments(text: str) -> str:
    """``text`` with every comment replaced by spaces (offsets unchanged),
    so that searches find only code. Strings are skipped, since they may
    contain `//` (URLs)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            depth = 0
            while i < n:
                if text.startswith("/*", i):
                    depth += 1
                    out[i] = out[i + 1] = " "
                    i += 2
                elif text.startswith("*/", i):
                    depth -= 1
                    out[i] = out[i + 1] = " "
                    i += 2
                    if depth == 0:
                        break
                else:
                    if text[i] != "\n":
                        out[i] = " "
                    i += 1
        else:
            i += 1
    return "".join(out)


def find(text: str, needle: str, occurrence: int = 0) -> int:
    """Offset of the ``occurrence``-th match of ``needle`` in code (not in
    comments); word-like needles match whole words only."""
    if re.fullmatch(r"\w+", needle):
        pattern = rf"(?<![\w.]){re.escape(needle)}(?!\w)"
    else:
        pattern = re.escape(needle)
    matches = [m.start() for m in re.finditer(pattern, mask_comments(text))]
    if occurrence >= len(matches):
        raise AssertionError(f"`{needle}` occurs {len(matches)} times, wanted #{occurrence}")
    return matches[occurrence]


def offset_to_position(text: str, offset: int) -> types.Position:
    """A UTF-16 position (the LSP default) for a character offset."""
    before = text[:offset]
    line = before.count("\n")
    col_text = before[before.rfind("\n") + 1 :]
    character = len(col_text.encode("utf-16-le")) // 2
    return types.Position(line=line, character=character)


def position_to_offset(text: str, pos: types.Position) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return offset + i
        units += len(ch.encode("utf-16-le")) // 2
    return offset + len(line)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies LSP text edits (non-overlapping, any order) to ``text``."""
    spans = sorted(
        (
            (position_to_offset(text, e.range.start), position_to_offset(text, e.range.end), e.new_text)
            for e in edits
        ),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


async def open_doc(client: LanguageClient, tmp_path: pathlib.Path, text: str, name: str = "policy.guard") -> Doc:
    """Writes ``text`` to a file, opens it in the server and waits for its
    first diagnostics."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = Doc(uri=path.as_uri(), path=path, text=text)
    client.diagnostics.pop(doc.uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=doc.uri, language_id="guard", version=doc.version, text=text
            )
        )
    )
    await wait_for_diagnostics(client, doc.uri)
    return doc


async def change_doc(client: LanguageClient, doc: Doc, text: str) -> None:
    """Replaces the whole text of ``doc`` and waits for new diagnostics."""
    doc.version += 1
    doc.text = text
    client.diagnostics.pop(doc.uri, None)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await wait_for_diagnostics(client, doc.uri)


async def wait_for_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """Waits until the server has published diagnostics for ``uri``."""

    async def wait() -> None:
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(wait(), TIMEOUT)
    return list(client.diagnostics[uri])
