//! Code actions and code lenses.
//!
//! Quick fixes come from the checker's own diagnostics: every
//! machine-applicable [`guard_diagnostics::Fix`] (did-you-mean
//! replacements, the parser's "insert `;`", ...) becomes an action, and
//! two fixes are added here because they need to insert a whole item: an
//! unknown label (E0103) can be declared, and a name the standard library
//! declares can be imported with the `use` the checker's help suggests.
//!
//! Lenses sit above each `assert` ("prove") and each `test` ("run test");
//! the server runs them (see `server.rs`) and the engine remembers the
//! last result so the lens title shows it.

use std::collections::HashMap;

use guard_diagnostics::{Code, Diagnostic, Span};
use guard_syntax::ast::ItemKind;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, Range, TextEdit, Url,
    WorkspaceEdit,
};

use crate::analysis::Analysis;
use crate::diagnostics::to_lsp;

/// The command a "prove" lens runs: arguments `[uri, assertion name]`.
pub const PROVE_COMMAND: &str = "guard.prove";
/// The command a "run test" lens runs: arguments `[uri, test name]`.
pub const TEST_COMMAND: &str = "guard.runTest";

/// The quick fixes for the root file's diagnostics that touch `range`.
pub fn code_actions(a: &Analysis, range: Range) -> Vec<CodeActionOrCommand> {
    let Some(uri) = a.uri(a.root).cloned() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in &a.checked.diagnostics {
        if d.primary.span.file != a.root {
            continue;
        }
        let lsp = to_lsp(a, d);
        if !overlaps(lsp.range, range) {
            continue;
        }
        for fix in &d.fixes {
            let Some(fix_uri) = a.uri(fix.span.file).cloned() else {
                continue;
            };
            out.push(action(
                fix.title.clone(),
                &lsp,
                fix_uri,
                vec![TextEdit::new(a.range(fix.span), fix.replacement.clone())],
                d.fixes.len() == 1,
            ));
        }
        if let Some(use_item) = suggested_use(d) {
            out.push(action(
                format!("add `{use_item}`"),
                &lsp,
                uri.clone(),
                vec![insert_declaration(a, &use_item)],
                true,
            ));
        } else if d.code == Code::E0103 {
            let name = a.checked.sources.snippet(d.primary.span);
            if is_plain_name(name) {
                out.push(action(
                    format!("declare `label {name};`"),
                    &lsp,
                    uri.clone(),
                    vec![insert_declaration(a, &format!("label {name};"))],
                    d.fixes.is_empty(),
                ));
            }
        }
    }
    out
}

fn action(
    title: String,
    diag: &lsp_types::Diagnostic,
    uri: Url,
    edits: Vec<TextEdit>,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri, edits);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        command: None,
        is_preferred: Some(preferred),
        disabled: None,
        data: None,
    })
}

/// The `use std::m::{x};` the checker's help suggests for a name that a
/// stdlib module declares.
fn suggested_use(d: &Diagnostic) -> Option<String> {
    let help = d.help.as_deref()?;
    let rest = help.split("add `").nth(1)?;
    let item = rest.strip_suffix('`')?;
    item.starts_with("use std::").then(|| item.to_string())
}

fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An edit inserting a declaration on its own line after the root file's
/// header items (`policy`, `use`, `label`, `effect`), or at the top.
fn insert_declaration(a: &Analysis, line: &str) -> TextEdit {
    let text = a.root_text();
    let after = a.asts.get(a.root.0 as usize).and_then(|tree| {
        tree.items
            .iter()
            .take_while(|i| {
                matches!(
                    i.kind,
                    ItemKind::Policy(_)
                        | ItemKind::Use(_)
                        | ItemKind::Label(_)
                        | ItemKind::Effect(_)
                )
            })
            .last()
            .map(|i| i.span.end as usize)
    });
    let (at, new_text) = match after {
        Some(end) => {
            // The start of the next line, so a trailing comment stays put.
            let eol = text
                .get(end..)
                .and_then(|r| r.find('\n'))
                .map(|n| end + n + 1);
            match eol {
                Some(at) => (at, format!("{line}\n")),
                None => (text.len(), format!("\n{line}\n")),
            }
        }
        None => (0, format!("{line}\n")),
    };
    let pos = a.range(Span::new(a.root, at, at));
    TextEdit::new(pos, new_text)
}

/// Whether a diagnostic is on the lines of the requested range: clients
/// ask with the cursor's position or the line's range, and a missing `;`
/// is reported at an empty range a cursor rarely sits on exactly.
fn overlaps(a: Range, b: Range) -> bool {
    a.start.line <= b.end.line && b.start.line <= a.end.line
}

/// The lens titles from the last runs, by `(uri, command, name)`.
pub type LensResults = HashMap<(Url, &'static str, String), String>;

/// A lens above each assertion and test of the root file.
pub fn code_lenses(a: &Analysis, results: &LensResults) -> Vec<CodeLens> {
    let Some(uri) = a.uri(a.root).cloned() else {
        return Vec::new();
    };
    let Some(tree) = a.asts.get(a.root.0 as usize) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &tree.items {
        let (command, name, idle) = match &item.kind {
            ItemKind::Assert(x) => (PROVE_COMMAND, x.name.text.clone(), "▶ prove"),
            ItemKind::Test(t) => (TEST_COMMAND, t.name.value.clone(), "▶ run test"),
            _ => continue,
        };
        let title = results
            .get(&(uri.clone(), command, name.clone()))
            .cloned()
            .unwrap_or_else(|| idle.to_string());
        let start = a.range(Span::new(
            a.root,
            item.span.start as usize,
            item.span.start as usize,
        ));
        out.push(CodeLens {
            range: Range::new(start.start, start.start),
            command: Some(Command {
                title,
                command: command.to_string(),
                arguments: Some(vec![
                    serde_json::Value::String(uri.to_string()),
                    serde_json::Value::String(name),
                ]),
            }),
            data: None,
        });
    }
    out
}
