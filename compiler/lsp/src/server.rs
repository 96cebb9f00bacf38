//! The transport: `lsp-server` over stdio, one synchronous loop, as in
//! rust-analyzer and ruff.
//!
//! The loop reads a message, lets the [`Engine`] answer it and, after
//! every document notification, republishes diagnostics. Requests are
//! answered in order, so a `$/cancelRequest` has nothing left to cancel by
//! the time it is read and is ignored; that is always a valid answer.
//! Unknown requests get `MethodNotFound`, malformed parameters
//! `InvalidParams`; nothing a client sends ends the loop except `exit`.
//!
//! The code-lens commands run the server's own executable (`guardc prove
//! FILE --format json`, `guardc test FILE`) on the saved file: the prover
//! and the test runner live in the CLI, and a separate process also keeps
//! a slow proof from taking the server's memory with it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, ExecuteCommand,
    FoldingRangeRequest, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest,
    References, Rename, Request as _, SemanticTokensFullRequest,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions,
    CompletionOptions, ExecuteCommandOptions, FoldingRangeProviderCapability,
    HoverProviderCapability, InitializeParams, MessageType, OneOf, PositionEncodingKind,
    PrepareRenameResponse, PublishDiagnosticsParams, RenameOptions, SaveOptions,
    SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensServerCapabilities,
    ServerCapabilities, ServerInfo, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
    WorkDoneProgressOptions,
};
use serde_json::Value;

use crate::actions::{PROVE_COMMAND, TEST_COMMAND};
use crate::engine::{stdlib_path, Engine};
use crate::line_index::Encoding;
use crate::tokens;

/// Runs the server on stdin/stdout until `exit`; returns the process exit
/// code (0 after a clean `shutdown` + `exit`, 1 otherwise).
pub fn run_stdio() -> u8 {
    let (connection, io_threads) = Connection::stdio();
    let exe = std::env::current_exe().ok();
    let stdlib_root =
        std::env::temp_dir().join(format!("guard-stdlib-{}", env!("CARGO_PKG_VERSION")));
    write_stdlib(&stdlib_root);
    let engine = Engine::new(Box::new(guard_check::RealFs), stdlib_root);
    let result = serve(&connection, engine, exe);
    drop(connection);
    let joined = io_threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => 0,
        (Err(e), _) => {
            eprintln!("guardc lsp: {e}");
            1
        }
        (_, Err(e)) => {
            eprintln!("guardc lsp: {e}");
            1
        }
    }
}

/// Writes every stdlib module under `root` so definitions can point into
/// them. Best effort: when the directory cannot be written, definitions
/// into the stdlib point at files that do not exist, and nothing else
/// changes.
pub fn write_stdlib(root: &Path) {
    for module in guard_check::stdlib_module_names() {
        let (Some(path), Some(src)) = (
            stdlib_path(root, module),
            guard_check::stdlib_source(module),
        ) else {
            continue;
        };
        if std::fs::read_to_string(&path).is_ok_and(|s| s == src) {
            continue;
        }
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&path, src);
    }
}

/// What the server announces: exactly what the engine implements.
pub fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                will_save: None,
                will_save_wait_until: None,
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), ":".into()]),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![PROVE_COMMAND.into(), TEST_COMMAND.into()],
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        ..ServerCapabilities::default()
    }
}

/// The encoding to use: UTF-8 when the client offers it, else UTF-16.
pub fn negotiate(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Initialises and runs the main loop on any connection (stdio in
/// `guardc lsp`, in-memory in tests). `exe` is the `guardc` executable the
/// lens commands run (`None`: the commands report that they cannot run).
pub fn serve(
    connection: &Connection,
    mut engine: Engine,
    exe: Option<PathBuf>,
) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let init: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = negotiate(&init);
    engine.set_encoding(encoding);
    let lens_refresh = init
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.code_lens.as_ref())
        .and_then(|c| c.refresh_support)
        .unwrap_or(false);
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo {
            name: "guardc lsp".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    });
    connection.initialize_finish(id, result)?;
    // The folders references and rename search (besides open files).
    #[allow(deprecated)]
    let roots: Vec<PathBuf> = match &init.workspace_folders {
        Some(folders) if !folders.is_empty() => folders
            .iter()
            .filter_map(|f| f.uri.to_file_path().ok())
            .collect(),
        _ => init
            .root_uri
            .as_ref()
            .and_then(|u| u.to_file_path().ok())
            .into_iter()
            .collect(),
    };
    let mut server = Server {
        connection,
        engine,
        exe,
        published: BTreeSet::new(),
        lens_refresh,
        next_request: 0,
        roots,
    };
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = server.request(req);
                connection.sender.send(resp.into())?;
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Err("`exit` without `shutdown`".into());
                }
                server.notification(n)?;
            }
            // Answers to our own requests (lens refreshes) need nothing.
            Message::Response(_) => {}
        }
    }
    Ok(())
}

struct Server<'a> {
    connection: &'a Connection,
    engine: Engine,
    exe: Option<PathBuf>,
    /// URIs with non-empty published diagnostics, to clear when fixed.
    published: BTreeSet<Url>,
    lens_refresh: bool,
    next_request: i32,
    /// The workspace folders, walked for `.guard` files on each
    /// references or rename request.
    roots: Vec<PathBuf>,
}

/// A request's parameters; the error is the message of an
/// `InvalidParams` answer.
fn params<P: serde::de::DeserializeOwned>(req: &Request) -> Result<P, String> {
    serde_json::from_value(req.params.clone()).map_err(|e| e.to_string())
}

fn ok<R: serde::Serialize>(id: RequestId, r: R) -> Response {
    Response::new_ok(id, r)
}

fn failed(id: RequestId, message: String) -> Response {
    Response::new_err(id, ErrorCode::RequestFailed as i32, message)
}

impl Server<'_> {
    fn request(&mut self, req: Request) -> Response {
        match self.answer(&req) {
            Ok(r) => r,
            Err(why) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, why),
        }
    }

    fn answer(&mut self, req: &Request) -> Result<Response, String> {
        let id = req.id.clone();
        if matches!(req.method.as_str(), References::METHOD | Rename::METHOD) {
            let files = crate::workspace::guard_files(&self.roots);
            self.engine.set_workspace_files(files);
        }
        let e = &self.engine;
        Ok(match req.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(req)?;
                let d = p.text_document_position_params;
                ok(id, e.hover(&d.text_document.uri, d.position))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(req)?;
                let d = p.text_document_position_params;
                let loc = e.definition(&d.text_document.uri, d.position);
                ok(id, loc.map(lsp_types::GotoDefinitionResponse::Scalar))
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(req)?;
                let d = p.text_document_position;
                ok(
                    id,
                    e.references(
                        &d.text_document.uri,
                        d.position,
                        p.context.include_declaration,
                    ),
                )
            }
            PrepareRenameRequest::METHOD => {
                let p: lsp_types::TextDocumentPositionParams = params(req)?;
                match e.prepare_rename(&p.text_document.uri, p.position) {
                    Ok(range) => ok(id, Some(PrepareRenameResponse::Range(range))),
                    Err(err) => failed(id, err.0),
                }
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = params(req)?;
                let d = p.text_document_position;
                match e.rename(&d.text_document.uri, d.position, &p.new_name) {
                    Ok(edit) => ok(id, edit),
                    Err(err) => failed(id, err.0),
                }
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(req)?;
                let d = p.text_document_position;
                ok(
                    id,
                    lsp_types::CompletionResponse::Array(
                        e.completion(&d.text_document.uri, d.position),
                    ),
                )
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(req)?;
                ok(
                    id,
                    lsp_types::DocumentSymbolResponse::Nested(
                        e.document_symbols(&p.text_document.uri),
                    ),
                )
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(req)?;
                match e.formatting(&p.text_document.uri) {
                    Ok(edits) => ok(id, edits),
                    Err(why) => failed(id, why),
                }
            }
            SemanticTokensFullRequest::METHOD => {
                let p: lsp_types::SemanticTokensParams = params(req)?;
                ok(id, e.semantic_tokens(&p.text_document.uri))
            }
            FoldingRangeRequest::METHOD => {
                let p: lsp_types::FoldingRangeParams = params(req)?;
                ok(id, e.folding_ranges(&p.text_document.uri))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(req)?;
                ok(id, e.code_actions(&p.text_document.uri, p.range))
            }
            CodeLensRequest::METHOD => {
                let p: lsp_types::CodeLensParams = params(req)?;
                ok(id, e.code_lenses(&p.text_document.uri))
            }
            ExecuteCommand::METHOD => {
                let p: lsp_types::ExecuteCommandParams = params(req)?;
                match self.execute(&p.command, &p.arguments) {
                    Ok(message) => ok(id, message),
                    Err(why) => failed(id, why),
                }
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unknown request `{}`", req.method),
            ),
        })
    }

    fn notification(&mut self, n: Notification) -> Result<(), Error> {
        let changed = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                let d = p.text_document;
                self.engine.open(d.uri, d.text, d.version);
                true
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                self.engine.change(
                    &p.text_document.uri,
                    p.text_document.version,
                    p.content_changes,
                );
                true
            }
            DidSaveTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                self.engine.save(&p.text_document.uri, p.text);
                true
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                else {
                    return Ok(());
                };
                self.engine.close(&p.text_document.uri);
                true
            }
            // `$/cancelRequest`, `initialized`, settings, ...: nothing to do.
            _ => false,
        };
        if changed {
            self.publish()?;
        }
        Ok(())
    }

    fn publish(&mut self) -> Result<(), Error> {
        let all = self.engine.diagnostics();
        let stale: Vec<Url> = self
            .published
            .iter()
            .filter(|u| !all.contains_key(*u))
            .cloned()
            .collect();
        for uri in stale {
            self.send_diagnostics(uri, Vec::new())?;
        }
        self.published.clear();
        for (uri, diags) in all {
            if !diags.is_empty() {
                self.published.insert(uri.clone());
            }
            self.send_diagnostics(uri, diags)?;
        }
        Ok(())
    }

    fn send_diagnostics(
        &self,
        uri: Url,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) -> Result<(), Error> {
        let version = self.engine.version(&uri);
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.connection
            .sender
            .send(Notification::new(PublishDiagnostics::METHOD.into(), params).into())?;
        Ok(())
    }

    fn show(&self, typ: MessageType, message: String) {
        let n = Notification::new(
            ShowMessage::METHOD.into(),
            ShowMessageParams { typ, message },
        );
        let _ = self.connection.sender.send(n.into());
    }

    /// Runs a lens command; the answer is the message also shown.
    fn execute(&mut self, command: &str, args: &[Value]) -> Result<String, String> {
        let (Some(uri), Some(name)) = (
            args.first()
                .and_then(Value::as_str)
                .and_then(|u| Url::parse(u).ok()),
            args.get(1).and_then(Value::as_str),
        ) else {
            return Err(format!("`{command}` takes a document URI and a name"));
        };
        let exe = self
            .exe
            .clone()
            .ok_or("cannot find the guardc executable")?;
        let path = self.engine.path(&uri);
        let (command, results, message) = match command {
            PROVE_COMMAND => {
                let (results, message) = run_prove(&exe, &path, name)?;
                (PROVE_COMMAND, results, message)
            }
            TEST_COMMAND => {
                let (results, message) = run_tests(&exe, &path, name)?;
                (TEST_COMMAND, results, message)
            }
            other => return Err(format!("unknown command `{other}`")),
        };
        for (n, title) in results {
            self.engine.set_lens_result(uri.clone(), command, n, title);
        }
        let failed = message.starts_with('✗') || message.starts_with('?');
        self.show(
            if failed {
                MessageType::WARNING
            } else {
                MessageType::INFO
            },
            message.clone(),
        );
        if self.lens_refresh {
            self.next_request += 1;
            let req = Request::new(
                RequestId::from(format!("guard-lens-refresh-{}", self.next_request)),
                "workspace/codeLens/refresh".into(),
                Value::Null,
            );
            let _ = self.connection.sender.send(req.into());
        }
        Ok(message)
    }
}

/// `(name, lens title)` for every answer of a run, and the message about
/// the one asked for.
type RunOutcome = (Vec<(String, String)>, String);

/// `guardc prove FILE --assertion NAME --format json`: proves only the
/// assertion whose lens was clicked; its title from the answer's status.
pub fn run_prove(exe: &Path, file: &Path, name: &str) -> Result<RunOutcome, String> {
    let out = Command::new(exe)
        .arg("prove")
        .arg(file)
        .args(["--assertion", name, "--format", "json"])
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", exe.display()))?;
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        let err = String::from_utf8_lossy(&out.stderr);
        format!(
            "guardc prove failed (saved file `{}`): {}",
            file.display(),
            err.trim()
        )
    })?;
    let mut results = Vec::new();
    let mut message = format!("no assertion `{name}` in the saved file");
    for a in doc
        .get("answers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(n), Some(status)) = (
            a.get("assertion").and_then(Value::as_str),
            a.get("status").and_then(Value::as_str),
        ) else {
            continue;
        };
        let holds = a.get("holds").and_then(Value::as_bool).unwrap_or(false);
        let mark = match (holds, status) {
            (true, _) => "✓",
            (false, "unknown") => "?",
            _ => "✗",
        };
        let title = format!("{mark} {status}");
        if n == name {
            message = match a.get("reason").and_then(Value::as_str) {
                Some(why) => format!("{mark} assertion `{n}`: {status} ({why})"),
                None => format!("{mark} assertion `{n}`: {status}"),
            };
        }
        results.push((n.to_string(), title));
    }
    Ok((results, message))
}

/// `guardc test FILE`; titles from its `test POLICY :: NAME ... ok` lines.
pub fn run_tests(exe: &Path, file: &Path, name: &str) -> Result<RunOutcome, String> {
    let out = Command::new(exe)
        .arg("test")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut results = Vec::new();
    let mut message = None;
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((_, tail)) = rest.split_once(" :: ") else {
            continue;
        };
        let (n, passed) = if let Some(n) = tail.strip_suffix(" ... ok") {
            (n, true)
        } else if let Some(n) = tail.strip_suffix(" ... FAILED") {
            (n, false)
        } else {
            continue;
        };
        let title = if passed { "✓ passed" } else { "✗ failed" };
        if n == name {
            message = Some(format!(
                "{} test \"{n}\"",
                if passed { "✓ passed:" } else { "✗ failed:" }
            ));
        }
        results.push((n.to_string(), title.to_string()));
    }
    let message = match message {
        Some(m) => m,
        None => {
            let err = String::from_utf8_lossy(&out.stderr);
            format!(
                "✗ test \"{name}\" did not run (saved file `{}`): {}",
                file.display(),
                err.trim()
            )
        }
    };
    Ok((results, message))
}
