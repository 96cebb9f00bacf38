"""End-to-end tests of ``guardc lsp`` with a real LSP client (pytest-lsp).

Each test starts the server, opens a copy of
``examples/mail_assistant.guard`` (sometimes broken on purpose) and checks
what an editor would show: the diagnostic's code and range, the hover
text, where definition and references lead, what a rename or a formatting
request does to the text, which completions and quick fixes are offered.
Expected values are derived from the example's text (positions, counts)
or from ``guardc`` itself (``guardc check``, ``guardc fmt``), never typed
in as server output.
"""

from __future__ import annotations

import asyncio
import pathlib
import re
import subprocess

from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import (
    GUARDC,
    TIMEOUT,
    apply_edits,
    change_doc,
    example_text,
    find,
    mask_comments,
    offset_to_position,
    open_doc,
)

# The typo the broken copies contain: an escalation to a gate that does not
# exist, one edit away from the real `user_confirm`.
GOOD_RULE = "escalate mail.move to user_confirm when folder == trash"
BROKEN_RULE = "escalate mail.move to user_confrm when folder == trash"


def broken_text() -> str:
    text = example_text()
    assert GOOD_RULE in text, "the example changed; update GOOD_RULE"
    return text.replace(GOOD_RULE, BROKEN_RULE)


def code_of(diagnostic: types.Diagnostic) -> str:
    return str(diagnostic.code)


def word_count(text: str, word: str) -> int:
    """Occurrences of ``word`` as a whole name outside comments."""
    return len(re.findall(rf"(?<![\w.]){re.escape(word)}(?!\w)", mask_comments(text)))


# ------------------------------------------------------------- initialize


async def test_initialize_advertises_the_editor_features(client: LanguageClient):
    result: types.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    caps = result.capabilities
    assert result.server_info is not None and result.server_info.name
    assert caps.hover_provider
    assert caps.definition_provider
    assert caps.references_provider
    assert caps.rename_provider
    if isinstance(caps.rename_provider, types.RenameOptions):
        assert caps.rename_provider.prepare_provider
    assert caps.completion_provider is not None
    assert caps.document_formatting_provider
    assert caps.code_action_provider
    assert caps.document_symbol_provider
    assert caps.folding_range_provider
    assert caps.semantic_tokens_provider is not None
    sync = caps.text_document_sync
    assert sync is not None
    kind = sync.change if isinstance(sync, types.TextDocumentSyncOptions) else sync
    assert kind in (types.TextDocumentSyncKind.Incremental, types.TextDocumentSyncKind.Full)


# ------------------------------------------------------------ diagnostics


async def test_clean_example_has_no_diagnostics(client: LanguageClient, tmp_path: pathlib.Path):
    doc = await open_doc(client, tmp_path, example_text())
    assert list(client.diagnostics[doc.uri]) == []


async def test_diagnostic_for_an_unknown_gate_has_code_and_range(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, broken_text())
    diagnostics = client.diagnostics[doc.uri]
    # `guardc check` on the same file is the reference for the code.
    check = subprocess.run(
        [GUARDC, "check", "--format", "json", str(doc.path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode != 0
    assert "E0104" in check.stdout, check.stdout
    assert [code_of(d) for d in diagnostics] == ["E0104"], diagnostics
    diag = diagnostics[0]
    start = doc.pos("user_confrm")
    assert diag.range.start == start
    assert diag.range.end == types.Position(line=start.line, character=start.character + len("user_confrm"))
    assert diag.severity == types.DiagnosticSeverity.Error
    assert "user_confrm" in diag.message
    assert diag.code_description is not None
    assert diag.code_description.href.endswith("E0104.md")


async def test_diagnostics_follow_edits(client: LanguageClient, tmp_path: pathlib.Path):
    doc = await open_doc(client, tmp_path, broken_text())
    assert [code_of(d) for d in client.diagnostics[doc.uri]] == ["E0104"]
    await change_doc(client, doc, example_text())
    assert list(client.diagnostics[doc.uri]) == []
    # A missing `;` is a parse error at the end of the item.
    text = example_text().replace("allow mail.create_draft;", "allow mail.create_draft")
    await change_doc(client, doc, text)
    codes = [code_of(d) for d in client.diagnostics[doc.uri]]
    assert "E0011" in codes, codes


# ------------------------------------------------------------------ hover


async def test_hover_on_a_tool_shows_its_signature_and_doc(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, example_text())
    # `mail.send` in the first rule that uses it, not its declaration.
    rule = find(doc.text, "allow mail.send when")
    pos = offset_to_position(doc.text, rule + len("allow mail."))
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=doc.uri), position=pos)
    )
    assert hover is not None
    contents = hover.contents
    text = contents.value if isinstance(contents, types.MarkupContent) else str(contents)
    assert "tool mail.send(to: str, cc: list<str>?, subject: str, body: str) -> str" in text, text
    assert "Sends a message now" in text, text
    assert "irreversible" in text, text


async def test_hover_on_a_gate_shows_approvers_and_timeout(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, example_text())
    pos = doc.pos("security_review", occurrence=1)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=doc.uri), position=pos)
    )
    assert hover is not None
    contents = hover.contents
    text = contents.value if isinstance(contents, types.MarkupContent) else str(contents)
    assert "security_review" in text
    assert "secops" in text, text
    assert "30m" in text, text


# ------------------------------------------------- definition, references


async def test_definition_of_a_gate_leads_to_its_declaration(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, example_text())
    use = doc.pos("user_confirm", occurrence=1)
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=doc.uri), position=use)
    )
    assert result, "no definition"
    locations = result if isinstance(result, list) else [result]
    assert len(locations) == 1
    loc = locations[0]
    uri = loc.target_uri if isinstance(loc, types.LocationLink) else loc.uri
    rng = loc.target_selection_range if isinstance(loc, types.LocationLink) else loc.range
    assert uri == doc.uri
    assert rng.start == doc.pos("user_confirm", occurrence=0)
    assert doc.text.splitlines()[rng.start.line].startswith("gate user_confirm")


async def test_definition_of_a_stdlib_label_opens_the_stdlib(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, example_text())
    use = doc.pos("untrusted", occurrence=1)  # in the first tool's `labels [..]`
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=doc.uri), position=use)
    )
    assert result, "no definition"
    locations = result if isinstance(result, list) else [result]
    loc = locations[0]
    uri = loc.target_uri if isinstance(loc, types.LocationLink) else loc.uri
    rng = loc.target_selection_range if isinstance(loc, types.LocationLink) else loc.range
    assert uri.endswith("/labels.guard"), uri
    target = pathlib.Path(uri.removeprefix("file://")).read_text(encoding="utf-8")
    line = target.splitlines()[rng.start.line]
    assert re.search(r"\buntrusted\b", line), line


async def test_references_to_a_gate_are_every_use(client: LanguageClient, tmp_path: pathlib.Path):
    doc = await open_doc(client, tmp_path, example_text())
    decl = doc.pos("user_confirm", occurrence=0)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            position=decl,
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    expected = word_count(doc.text, "user_confirm")
    assert expected > 5
    assert len(refs) == expected
    starts = sorted((r.range.start.line, r.range.start.character) for r in refs)
    want = sorted(
        (p.line, p.character) for p in (doc.pos("user_confirm", i) for i in range(expected))
    )
    assert starts == want
    assert all(r.uri == doc.uri for r in refs)


# ----------------------------------------------------------------- rename


async def test_rename_state_variable_renames_every_use(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, example_text())
    old, new = "external_sends", "outside_sends"
    count = word_count(doc.text, old)
    assert count > 3
    pos = doc.pos(old, occurrence=2)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=doc.uri), position=pos)
    )
    assert prepared is not None
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri), position=pos, new_name=new
        )
    )
    assert edit is not None
    edits: list[types.TextEdit] = []
    if edit.changes:
        edits = list(edit.changes.get(doc.uri, []))
    elif edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, types.TextDocumentEdit)
            assert change.text_document.uri == doc.uri
            edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    assert len(edits) == count
    renamed = apply_edits(doc.text, edits)
    assert word_count(renamed, old) == 0
    assert word_count(renamed, new) == count
    # The renamed policy still checks clean.
    out = tmp_path / "renamed.guard"
    out.write_text(renamed, encoding="utf-8")
    check = subprocess.run([GUARDC, "check", str(out)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


async def test_rename_of_a_stdlib_name_is_refused(client: LanguageClient, tmp_path: pathlib.Path):
    doc = await open_doc(client, tmp_path, example_text())
    pos = doc.pos("untrusted", occurrence=1)
    try:
        edit = await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=doc.uri), position=pos, new_name="x"
            )
        )
    except Exception as error:  # the server answers with a JSON-RPC error
        assert "std" in str(error).lower() or "standard" in str(error).lower(), error
        return
    assert edit is None, edit


# ------------------------------------------------------------- completion


async def completion_labels(client: LanguageClient, doc_uri: str, pos: types.Position) -> list[str]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=doc_uri), position=pos)
    )
    assert result is not None
    items = result.items if isinstance(result, types.CompletionList) else result
    return [item.label for item in items]


async def test_completion_offers_gates_after_to(client: LanguageClient, tmp_path: pathlib.Path):
    half = "escalate mail.send to "
    text = example_text() + "\n" + half
    doc = await open_doc(client, tmp_path, text)
    pos = offset_to_position(text, len(text))
    labels = await completion_labels(client, doc.uri, pos)
    assert "user_confirm" in labels and "security_review" in labels, labels
    assert "mail.send" not in labels, labels


async def test_completion_offers_labels_after_context_has(
    client: LanguageClient, tmp_path: pathlib.Path
):
    text = example_text() + "\ndeny http.post when context has "
    doc = await open_doc(client, tmp_path, text)
    labels = await completion_labels(client, doc.uri, offset_to_position(text, len(text)))
    assert "private" in labels and "untrusted" in labels, labels
    assert "user_confirm" not in labels, labels


async def test_completion_offers_tools_after_a_verdict(
    client: LanguageClient, tmp_path: pathlib.Path
):
    text = example_text() + "\ndeny "
    doc = await open_doc(client, tmp_path, text)
    labels = await completion_labels(client, doc.uri, offset_to_position(text, len(text)))
    declared = set(re.findall(r"^tool ([\w.]+)\(", text, flags=re.M))
    assert len(declared) == 7
    offered = {label for label in labels if label in declared}
    assert offered == declared, labels


# ------------------------------------------------------------- formatting


async def test_formatting_restores_the_canonical_layout(
    client: LanguageClient, tmp_path: pathlib.Path
):
    canonical = example_text()
    messy = canonical.replace("allow mail.create_draft;", "allow    mail.create_draft ;").replace(
        "state external_sends: int[0..3] = 0;", "state   external_sends :int[ 0 .. 3 ]=0 ;"
    )
    assert messy != canonical
    # `guardc fmt -` is the reference.
    fmt = subprocess.run([GUARDC, "fmt", "-"], input=messy, capture_output=True, text=True, check=False)
    assert fmt.returncode == 0, fmt.stderr
    assert fmt.stdout == canonical
    doc = await open_doc(client, tmp_path, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert edits, "no formatting edits for a messy file"
    assert apply_edits(messy, edits) == fmt.stdout


# ----------------------------------------------------------- code actions


async def code_actions(client: LanguageClient, doc_uri: str, diagnostics: list[types.Diagnostic]):
    assert diagnostics
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=doc_uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert result, "no code actions"
    return [a for a in result if isinstance(a, types.CodeAction)]


def action_edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None, action
    if action.edit.changes:
        return list(action.edit.changes.get(uri, []))
    edits: list[types.TextEdit] = []
    for change in action.edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return edits


async def test_code_action_did_you_mean_fixes_the_gate(
    client: LanguageClient, tmp_path: pathlib.Path
):
    doc = await open_doc(client, tmp_path, broken_text())
    actions = await code_actions(client, doc.uri, list(client.diagnostics[doc.uri]))
    fixes = [a for a in actions if "user_confirm" in a.title]
    assert fixes, [a.title for a in actions]
    fix = fixes[0]
    assert fix.kind is not None and fix.kind.startswith("quickfix")
    fixed = apply_edits(doc.text, action_edits(fix, doc.uri))
    assert fixed == example_text()


async def test_code_action_declares_an_unknown_label(
    client: LanguageClient, tmp_path: pathlib.Path
):
    text = example_text().replace(
        "deny mail.send when contains(body, \"-----BEGIN\")",
        "deny mail.send when context has secret_stuff || contains(body, \"-----BEGIN\")",
    )
    doc = await open_doc(client, tmp_path, text)
    diags = [d for d in client.diagnostics[doc.uri] if code_of(d) == "E0103"]
    assert len(diags) == 1, client.diagnostics[doc.uri]
    actions = await code_actions(client, doc.uri, diags)
    declare = [a for a in actions if "label secret_stuff" in a.title]
    assert declare, [a.title for a in actions]
    fixed = apply_edits(doc.text, action_edits(declare[0], doc.uri))
    assert re.search(r"^label secret_stuff;", fixed, flags=re.M), fixed
    out = tmp_path / "declared.guard"
    out.write_text(fixed, encoding="utf-8")
    check = subprocess.run(
        [GUARDC, "check", "--format", "json", str(out)], capture_output=True, text=True, check=False
    )
    assert "E0103" not in check.stdout, check.stdout


async def test_code_action_inserts_a_missing_semicolon(
    client: LanguageClient, tmp_path: pathlib.Path
):
    text = example_text().replace("allow mail.create_draft;", "allow mail.create_draft")
    doc = await open_doc(client, tmp_path, text)
    diags = [d for d in client.diagnostics[doc.uri] if code_of(d) == "E0011"]
    assert diags, client.diagnostics[doc.uri]
    actions = await code_actions(client, doc.uri, diags)
    insert = [a for a in actions if ";" in a.title]
    assert insert, [a.title for a in actions]
    fixed = apply_edits(doc.text, action_edits(insert[0], doc.uri))
    assert fixed == example_text()


# ------------------------------------------------------------- robustness


def reference_policy() -> str:
    """The first complete policy of docs/language.md (the overview), which
    uses most of the language."""
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text(
        encoding="utf-8"
    )
    match = re.search(r"^```guard\n(.*?)^```$", doc, flags=re.M | re.S)
    assert match, "no guard block in docs/language.md"
    return match.group(1)


async def test_typing_a_policy_never_breaks_the_server(
    client: LanguageClient, tmp_path: pathlib.Path
):
    """Types a whole policy into an empty document one character at a
    time with incremental edits, asking for completion and hover along the
    way, as an editor does while someone writes. Every half-typed state
    must get an answer, and the finished policy must check clean."""
    target = reference_policy()
    assert len(target) > 1500
    doc = await open_doc(client, tmp_path, "")
    typed = ""
    step = 1
    for i in range(0, len(target), step):
        chunk = target[i : i + step]
        end = offset_to_position(typed, len(typed))
        doc.version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=end, end=end), text=chunk
                    )
                ],
            )
        )
        typed += chunk
        if (i // step) % 10 == 0:
            cursor = offset_to_position(typed, len(typed))
            ident = types.TextDocumentIdentifier(uri=doc.uri)
            await client.text_document_completion_async(
                types.CompletionParams(text_document=ident, position=cursor)
            )
            await client.text_document_hover_async(
                types.HoverParams(text_document=ident, position=cursor)
            )
    assert typed == target
    # The server answers in order, so once this hover is answered every
    # publication for the versions before it has arrived.
    await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            position=offset_to_position(typed, 0),
        )
    )
    # Diagnostics of earlier, half-typed versions may still be on their
    # way; wait until the server has published them for the finished text,
    # which must be clean (each publication replaces the previous one).
    async def clean() -> None:
        while list(client.diagnostics.get(doc.uri, [None])) != []:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    try:
        await asyncio.wait_for(clean(), TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(
            f"the finished policy still has diagnostics: {client.diagnostics.get(doc.uri)}"
        ) from None
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=doc.uri))
    )
    names = {s.name for s in symbols or []}
    assert {"notes.read", "web.get", "web.post", "owner", "chat"} <= names, names
