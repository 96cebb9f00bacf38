//! The language server's engine, tested as data: every `.guard` file
//! under `tests/lsp` is opened in a [`guard_lsp::Engine`] (all the
//! fixtures are in its in-memory file system, so `use "./x.guard"`
//! works between them) and its queries are answered into a reviewed
//! insta snapshot (`tests/lsp/snapshots`).
//!
//! Queries are comments, so a fixture stays a valid policy:
//!
//! * `//@ diagnostics`, `//@ symbols`, `//@ tokens`, `//@ folding`,
//!   `//@ lenses`, `//@ format`: whole-document queries;
//! * `/*|hover*/`, `/*|def*/`, `/*|refs*/`, `/*|rename:NEW*/`,
//!   `/*|actions*/`: at the character right after the marker;
//! * `/*|complete*/`: at the marker's first character, so that
//!   `allow mail.se/*|complete*/` completes with `mail.se` typed.

// Test code: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use guard_lsp::{Engine, MemoryFs};
use guard_tests::{guard_files, workspace_root};
use lsp_types::{
    CodeActionOrCommand, CompletionItem, HoverContents, Location, Position, Range, TextEdit, Url,
    WorkspaceEdit,
};

/// Where the fixtures live in the engine's (virtual) file system.
const ROOT: &str = "/lsp";

fn fixture_files() -> Vec<(PathBuf, String)> {
    let dir = workspace_root().join("tests/lsp");
    guard_files(&dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&dir).unwrap().to_path_buf();
            let text = std::fs::read_to_string(&p).unwrap();
            (rel, text)
        })
        .collect()
}

fn uri(rel: &Path) -> Url {
    Url::from_file_path(Path::new(ROOT).join(rel)).unwrap()
}

/// A location as `file:line:col-line:col` (1-based) plus the text it covers.
fn loc(engine: &Engine, files: &BTreeMap<Url, String>, l: &Location) -> String {
    let name = l
        .uri
        .to_file_path()
        .ok()
        .and_then(|p| p.strip_prefix(ROOT).ok().map(Path::to_path_buf))
        .map(|p| p.display().to_string())
        .or_else(|| {
            l.uri.to_file_path().ok().and_then(|p| {
                p.strip_prefix(engine.stdlib_root())
                    .ok()
                    .map(|p| format!("<stdlib>/{}", p.display()))
            })
        })
        .unwrap_or_else(|| l.uri.to_string());
    let covered = files
        .get(&l.uri)
        .map(|t| slice(t, l.range))
        .or_else(|| {
            let path = l.uri.to_file_path().ok()?;
            let module = guard_lsp_module(engine, &path)?;
            Some(slice(guard_check::stdlib_source(module)?, l.range))
        })
        .unwrap_or_default();
    format!("{name}:{} `{covered}`", range(l.range))
}

fn guard_lsp_module(engine: &Engine, path: &Path) -> Option<&'static str> {
    guard_check::stdlib_module_names()
        .find(|m| guard_lsp::stdlib_path(engine.stdlib_root(), m).as_deref() == Some(path))
}

fn range(r: Range) -> String {
    format!(
        "{}:{}-{}:{}",
        r.start.line + 1,
        r.start.character + 1,
        r.end.line + 1,
        r.end.character + 1
    )
}

/// The text of a range (UTF-16 columns).
fn slice(text: &str, r: Range) -> String {
    let offset = |p: Position| {
        let mut off = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i == p.line as usize {
                let mut units = 0;
                for (b, c) in line.char_indices() {
                    if units >= p.character as usize {
                        return off + b;
                    }
                    units += c.len_utf16();
                }
                return off + line.len();
            }
            off += line.len();
        }
        text.len()
    };
    text.get(offset(r.start)..offset(r.end))
        .unwrap_or("")
        .replace('\n', "⏎")
}

fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    Position::new(line as u32, col as u32)
}

fn edits(files: &BTreeMap<Url, String>, engine: &Engine, e: &WorkspaceEdit) -> String {
    let mut out = String::new();
    let mut changes: Vec<(&Url, &Vec<TextEdit>)> = e.changes.iter().flatten().collect();
    changes.sort_by_key(|(u, _)| u.to_string());
    for (u, list) in changes {
        let mut list = list.clone();
        list.sort_by_key(|t| (t.range.start.line, t.range.start.character));
        for t in list {
            let l = Location::new(u.clone(), t.range);
            let _ = writeln!(out, "  {} → {:?}", loc(engine, files, &l), t.new_text);
        }
    }
    out
}

fn completions(items: &[CompletionItem]) -> String {
    let mut labels: Vec<String> = items
        .iter()
        .map(|c| {
            format!(
                "{}({})",
                c.label,
                c.kind.map(|k| format!("{k:?}")).unwrap_or_default()
            )
        })
        .collect();
    labels.sort();
    labels.join(", ")
}

/// Answers every query of one fixture.
fn run_fixture(rel: &Path, all: &[(PathBuf, String)]) -> String {
    let mut fs = MemoryFs::default();
    for (r, t) in all {
        fs.files.insert(Path::new(ROOT).join(r), t.clone());
    }
    let files: BTreeMap<Url, String> = all.iter().map(|(r, t)| (uri(r), t.clone())).collect();
    let mut engine = Engine::new(Box::new(fs), PathBuf::from("/guard-stdlib"));
    let u = uri(rel);
    let text = files[&u].clone();
    engine.open(u.clone(), text.clone(), 1);
    let mut out = String::new();

    for line in text.lines() {
        let Some(query) = line.strip_prefix("//@ ") else {
            continue;
        };
        let _ = writeln!(out, "== {query}");
        match query.trim() {
            "diagnostics" => {
                for (du, diags) in engine.diagnostics() {
                    for d in diags {
                        let code = match &d.code {
                            Some(lsp_types::NumberOrString::String(s)) => s.clone(),
                            _ => String::new(),
                        };
                        let _ = writeln!(
                            out,
                            "{} {code} {:?}\n  {}",
                            loc(&engine, &files, &Location::new(du.clone(), d.range)),
                            d.severity.unwrap(),
                            d.message.replace('\n', "\n  ")
                        );
                        if let Some(href) = d.code_description.as_ref().map(|c| c.href.to_string())
                        {
                            let _ = writeln!(out, "  href: {href}");
                        }
                        for r in d.related_information.iter().flatten() {
                            let _ = writeln!(
                                out,
                                "  related: {} {}",
                                loc(&engine, &files, &r.location),
                                r.message
                            );
                        }
                    }
                }
            }
            "symbols" => {
                for s in engine.document_symbols(&u) {
                    let _ = writeln!(out, "{:?} {} @{}", s.kind, s.name, range(s.selection_range));
                    for c in s.children.iter().flatten() {
                        let _ = writeln!(
                            out,
                            "  {:?} {} {}",
                            c.kind,
                            c.name,
                            c.detail.clone().unwrap_or_default()
                        );
                    }
                }
            }
            "tokens" => {
                let legend = guard_lsp::tokens::legend();
                let toks = engine.semantic_tokens(&u);
                let (mut l, mut c) = (0u32, 0u32);
                for t in toks.data {
                    if t.delta_line > 0 {
                        l += t.delta_line;
                        c = t.delta_start;
                    } else {
                        c += t.delta_start;
                    }
                    let r = Range::new(Position::new(l, c), Position::new(l, c + t.length));
                    let _ = writeln!(
                        out,
                        "{} `{}` {} {:#b}",
                        range(r),
                        slice(&text, r),
                        legend.token_types[t.token_type as usize].as_str(),
                        t.token_modifiers_bitset
                    );
                }
            }
            "folding" => {
                for f in engine.folding_ranges(&u) {
                    let _ = writeln!(
                        out,
                        "lines {}-{} {:?}",
                        f.start_line + 1,
                        f.end_line + 1,
                        f.kind
                    );
                }
            }
            "lenses" => {
                for l in engine.code_lenses(&u) {
                    let cmd = l.command.unwrap();
                    let _ = writeln!(
                        out,
                        "{} {:?} {} {:?}",
                        range(l.range),
                        cmd.title,
                        cmd.command,
                        cmd.arguments.unwrap_or_default().get(1)
                    );
                }
            }
            "format" => match engine.formatting(&u) {
                Ok(e) if e.is_empty() => {
                    let _ = writeln!(out, "already formatted");
                }
                Ok(e) => {
                    for t in e {
                        let _ = writeln!(out, "{}\n{}", range(t.range), t.new_text);
                    }
                }
                Err(why) => {
                    let _ = writeln!(out, "refused: {why}");
                }
            },
            other => panic!("{}: unknown query `//@ {other}`", rel.display()),
        }
    }

    let mut rest = text.as_str();
    let mut base = 0;
    while let Some(at) = rest.find("/*|") {
        let start = base + at;
        let Some(len) = text[start..].find("*/") else {
            break;
        };
        let end = start + len + 2;
        let query = &text[start + 3..end - 2];
        let (word, arg) = query.split_once(':').unwrap_or((query, ""));
        let pos = position(&text, if word == "complete" { start } else { end });
        let _ = writeln!(out, "== {query} @ {}:{}", pos.line + 1, pos.character + 1);
        match word {
            "hover" => match engine.hover(&u, pos) {
                Some(h) => {
                    let HoverContents::Markup(m) = h.contents else {
                        panic!("not markup")
                    };
                    let at = h.range.map(range).unwrap_or_default();
                    let _ = writeln!(out, "[{at}]\n{}", m.value);
                }
                None => {
                    let _ = writeln!(out, "(none)");
                }
            },
            "def" => match engine.definition(&u, pos) {
                Some(l) => {
                    let _ = writeln!(out, "{}", loc(&engine, &files, &l));
                }
                None => {
                    let _ = writeln!(out, "(none)");
                }
            },
            "refs" => {
                for l in engine.references(&u, pos, true) {
                    let _ = writeln!(out, "{}", loc(&engine, &files, &l));
                }
            }
            "rename" => match engine.rename(&u, pos, arg) {
                Ok(e) => out.push_str(&edits(&files, &engine, &e)),
                Err(e) => {
                    let _ = writeln!(out, "refused: {}", e.0);
                }
            },
            "complete" => {
                let _ = writeln!(out, "{}", completions(&engine.completion(&u, pos)));
            }
            "actions" => {
                let r = Range::new(pos, pos);
                for a in engine.code_actions(&u, r) {
                    let CodeActionOrCommand::CodeAction(a) = a else {
                        panic!("a bare command")
                    };
                    let _ = writeln!(
                        out,
                        "{} (preferred: {:?})",
                        a.title,
                        a.is_preferred.unwrap_or(false)
                    );
                    if let Some(e) = &a.edit {
                        out.push_str(&edits(&files, &engine, e));
                    }
                }
            }
            other => panic!("{}: unknown marker `{other}`", rel.display()),
        }
        base = end;
        rest = &text[end..];
    }
    out
}

#[test]
fn lsp_fixtures() {
    let all = fixture_files();
    assert!(!all.is_empty(), "no fixtures under tests/lsp");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("tests/lsp/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (rel, text) in &all {
        // Files whose name starts with `_` are only imported by others.
        if rel
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            continue;
        }
        let report = run_fixture(rel, &all);
        let name = rel
            .with_extension("")
            .display()
            .to_string()
            .replace('/', "__");
        settings.set_description(text.clone());
        settings.bind(|| insta::assert_snapshot!(name, report));
    }
}

/// References and rename also look in the workspace's files that are
/// neither open nor imported by an open one (the server walks the
/// folders; here the list is given).
#[test]
fn references_and_rename_reach_workspace_files_that_are_not_open() {
    let shared = "tool fs.read(path: str) -> str;\n";
    let user = "use \"./shared.guard\";\n\nallow fs.read;\n";
    let mut fs = MemoryFs::default();
    fs.files
        .insert(PathBuf::from("/ws/shared.guard"), shared.into());
    fs.files
        .insert(PathBuf::from("/ws/user.guard"), user.into());
    let mut engine = Engine::new(Box::new(fs), PathBuf::from("/guard-stdlib"));
    let shared_uri = Url::from_file_path("/ws/shared.guard").unwrap();
    let user_uri = Url::from_file_path("/ws/user.guard").unwrap();
    engine.open(shared_uri.clone(), shared.into(), 1);
    // On `fs.read` in its declaration.
    let at = Position::new(0, 6);
    let uris = |engine: &Engine| -> Vec<Url> {
        engine
            .references(&shared_uri, at, false)
            .into_iter()
            .map(|l| l.uri)
            .collect()
    };
    assert!(
        uris(&engine).is_empty(),
        "no workspace yet: only open files"
    );
    engine.set_workspace_files(vec![
        PathBuf::from("/ws/shared.guard"),
        PathBuf::from("/ws/user.guard"),
    ]);
    assert_eq!(uris(&engine), std::slice::from_ref(&user_uri));
    let edit = engine.rename(&shared_uri, at, "fs.load").unwrap();
    let changes = edit.changes.unwrap();
    let mut files: Vec<&Url> = changes.keys().collect();
    files.sort();
    assert_eq!(files, [&shared_uri, &user_uri]);
}
