//! Shared helpers for the conformance suite.
//!
//! A fixture is a `.guard` file under `tests/check/`. Each line that should
//! carry a diagnostic says so in a trailing comment: `//~ E0101` (this
//! line), `//~^ E0101` (the line above; one `^` per line up). Several codes
//! may follow one marker, separated by spaces. The harness checks that the
//! diagnostics reported for the file are exactly the annotated ones, by
//! code and line, and snapshots their rendering. Files whose names start
//! with `_` are modules imported by fixtures, not fixtures themselves.

pub mod gen;
pub mod reference;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use guard_check::{Checked, RealFs};
use guard_diagnostics::{render, Code, SourceMap};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every `.guard` file under `dir`, recursively, sorted.
pub fn guard_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "guard") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The fixtures: every `.guard` file under `tests/check` not starting with `_`.
pub fn fixtures() -> Vec<PathBuf> {
    guard_files(&workspace_root().join("tests/check"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('_'))
        })
        .collect()
}

/// `(line, code)` pairs annotated in a fixture's source.
pub fn expected(source: &str) -> Result<BTreeSet<(u32, Code)>, String> {
    let mut out = BTreeSet::new();
    for (i, line) in source.lines().enumerate() {
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let ups = rest.chars().take_while(|&c| c == '^').count();
        let target = (i + 1)
            .checked_sub(ups)
            .ok_or_else(|| format!("line {}: `^` points above the file", i + 1))?;
        for word in rest[ups..].split_whitespace() {
            let code = Code::parse(word)
                .ok_or_else(|| format!("line {}: unknown code `{word}`", i + 1))?;
            out.insert((target as u32, code));
        }
    }
    Ok(out)
}

/// Checks one file as `guardc check` would.
pub fn check(path: &Path) -> Checked {
    guard_check::check_paths(&[path.to_path_buf()], &RealFs)
}

/// `(line, code)` of the diagnostics whose primary span is in `file_name`.
pub fn actual(checked: &Checked, path: &Path) -> BTreeSet<(u32, Code)> {
    let name = path.display().to_string();
    checked
        .diagnostics
        .iter()
        .filter_map(|d| {
            let f = checked.sources.get(d.primary.span.file)?;
            (f.name == name).then(|| (f.line_col(d.primary.span.start).line, d.code))
        })
        .collect()
}

/// The human rendering, without colour, with the workspace prefix removed
/// from file names so snapshots do not depend on where the repo lives.
pub fn render_plain(checked: &Checked) -> String {
    let root = format!("{}/", workspace_root().display());
    let mut sources = SourceMap::new();
    for (_, f) in checked.sources.iter() {
        sources.add(f.name.replace(&root, ""), f.text.clone());
    }
    // Messages may name files too (import cycles, unreadable imports).
    render::human(&sources, &checked.diagnostics, false).replace(&root, "")
}

/// The event of a test step as the reference evaluator takes it.
pub fn reference_event(
    p: &guard_check::hir::Program,
    e: &guard_check::hir::TestEvent,
) -> reference::Event {
    use guard_check::hir::{TestEvent, Value};
    fn arg(p: &guard_check::hir::Program, v: &Value) -> reference::Arg {
        match v {
            Value::Bool(b) => reference::Arg::Bool(*b),
            Value::Int(n) => reference::Arg::Int(*n),
            Value::Str(s) => reference::Arg::Str(s.clone()),
            Value::Duration(ms) => reference::Arg::Int(i64::try_from(*ms).unwrap_or(i64::MAX)),
            Value::Enum(e, v) => reference::Arg::Str(p.variant_name(*e, *v).to_string()),
            Value::List(items) => reference::Arg::List(items.iter().map(|i| arg(p, i)).collect()),
        }
    }
    match e {
        TestEvent::Call {
            tool_name, args, ..
        } => reference::Event::Call {
            tool: tool_name.clone(),
            args: args.iter().map(|(n, v)| (n.clone(), arg(p, v))).collect(),
        },
        TestEvent::Output {
            channel_name, text, ..
        } => reference::Event::Output {
            channel: channel_name.clone(),
            text: text.clone(),
        },
    }
}
