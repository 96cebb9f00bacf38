//! The Guard language server: `guardc lsp`.
//!
//! Two layers. The [`Engine`] is pure: it holds open documents (URI, text,
//! version), reads `use`d files through a [`guard_check::FileSystem`]
//! (the disk in the server, [`MemoryFs`] in tests) and answers queries by
//! re-running the same pipeline as `guardc check` (`guard_check`). The
//! [`server`] is the transport: `lsp-server` over stdio, synchronous, as in
//! rust-analyzer and ruff. This crate is the only one that knows
//! `lsp-types` and `lsp-server`.
//!
//! Capabilities the server advertises, all implemented by the engine:
//!
//! * **Text sync**: incremental (`didChange` range edits), plus `didOpen`,
//!   `didClose`, `didSave` (with text). Positions are UTF-16 by default;
//!   `utf-8` is used when the client offers it (`positionEncoding`).
//! * **Diagnostics** (`publishDiagnostics`) on open, change and save, for
//!   every open document and the non-stdlib files it imports (a file that
//!   another open document imports is reported as part of its importer,
//!   as `guardc check DIR` does, not as a policy of its own): the codes,
//!   messages and severities of `guardc check`, help and notes in the
//!   message, secondary labels as `relatedInformation`, and
//!   `codeDescription.href` =
//!   `<repository>/blob/main/compiler/diagnostics/explain/<CODE>.md` (the
//!   text `guardc explain CODE` prints).
//! * **Hover**: tools (signature, doc comment, labels and effects as
//!   written), parameters, state (type and initial value), attributes,
//!   gates (approvers, timeout), labels, effects, channels, assertions,
//!   tests, and stdlib items (marked as such); on a rule's verdict keyword,
//!   the rule, its verdict and its reason.
//! * **Definition** and **references** for tools, parameters, state,
//!   attributes, gates, labels, effects, channels, assertions and tests,
//!   across `use`d files, the workspace folders' other `.guard` files
//!   (references) and into the standard library; definition on a
//!   `use` item opens the imported file or module. Stdlib modules are
//!   served as files under a directory the server writes at start-up
//!   (`$TMPDIR/guard-stdlib-<version>/std/labels.guard`, ...), so every
//!   editor can open them; they are read-only for rename.
//! * **Rename** (with `prepareRename`) of any user-declared name across
//!   every open document, the files they import and the other `.guard`
//!   files of the workspace folders (`workspace.rs`); refused with an
//!   error for stdlib names, reserved words and invalid names.
//! * **Completion**: item keywords at the start of an item, tool names
//!   after verdicts, `on`, and in assertions, parameters (of the rule's
//!   tools), state, attributes and built-in functions inside conditions,
//!   gates after `to` / `approved` / `=> escalate`, labels after
//!   `context has` and in `labels [..]`, effects in `effects [..]`,
//!   channels after `output`, stdlib module paths after `use`, tool names
//!   and `expect` in test bodies. Trigger characters: `.` and `:`.
//! * **Document symbols** (outline), **formatting** (via `guard_fmt`,
//!   refused on syntax errors), **semantic tokens** (full; from the logos
//!   lexer plus resolution; legend in [`tokens::legend`]), **folding
//!   ranges** (multi-line items, comment blocks).
//! * **Code actions** (quick fixes): every fix the checker attaches
//!   (did-you-mean replacements for unknown names, "insert `;`", ...),
//!   "declare `label x;`" for an unknown label (E0103), and "add `use
//!   std::m::{x};`" when the checker says the stdlib declares the name.
//! * **Code lenses** above each `assert` ("▶ prove", command
//!   `guard.prove` with arguments `[uri, name]`) and each `test` ("▶ run
//!   test", command `guard.runTest`), run by `workspace/executeCommand`:
//!   the server runs its own executable (`guardc prove FILE --format json`
//!   or `guardc test FILE`), reports the outcome with
//!   `window/showMessage`, and retitles the lens (e.g. "✓ proved"),
//!   sending `workspace/codeLens/refresh` when the client supports it.
//!   The commands read the saved file, and the loop waits for them; a
//!   command that cannot run answers with a `RequestFailed` error.
//!
//! Invariant: no input makes the engine panic; every entry point is total.

pub mod actions;
pub mod analysis;
mod complete;
pub mod diagnostics;
mod engine;
mod hover;
pub mod index;
pub mod line_index;
mod navigate;
mod outline;
pub mod server;
pub mod tokens;
mod workspace;

pub use engine::{path_of, stdlib_path, Engine, MemoryFs};
pub use line_index::Encoding;
pub use navigate::RenameError;
pub use server::run_stdio;
