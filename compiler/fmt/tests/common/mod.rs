//! Helpers shared by the formatter's integration tests: the corpus of
//! real policies and the properties every formatting must have.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use guard_diagnostics::FileId;
use guard_fmt::{format, verify};
use guard_syntax::parse_file;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.guard` file under `dir`, recursively, sorted.
pub fn guard_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
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

/// The examples, the standard library and the checker's fixtures.
pub fn corpus() -> Vec<PathBuf> {
    let root = root();
    let mut files = guard_files(&root.join("examples"));
    files.extend(guard_files(&root.join("stdlib")));
    files.extend(guard_files(&root.join("tests/check")));
    files
}

/// Whether `text` parses without errors.
pub fn parses(text: &str) -> bool {
    !parse_file(FileId(0), text).1.iter().any(|d| d.is_error())
}

/// Formats `text` (which must parse) and checks the formatter's contract,
/// independently of the check `format` itself makes: the output is a fixed
/// point, is the same program, keeps every comment in order, and is tidy.
/// Returns the output, or a description of what went wrong.
pub fn check_properties(text: &str) -> Result<String, String> {
    let once = format(FileId(0), text).map_err(|d| format!("format failed: {d:?}"))?;
    let twice = format(FileId(0), &once).map_err(|d| format!("reformat failed: {d:?}"))?;
    if twice != once {
        return Err(format!(
            "not idempotent\n--- once\n{once}\n--- twice\n{twice}"
        ));
    }
    let (before, _) = parse_file(FileId(0), text);
    let (after, diags) = parse_file(FileId(0), &once);
    if diags.iter().any(|d| d.is_error()) {
        return Err(format!("output does not parse: {diags:?}\n{once}"));
    }
    if verify::shape(&before) != verify::shape(&after) {
        return Err(format!("syntax tree changed\n{once}"));
    }
    if verify::comments(text) != verify::comments(&once) {
        return Err(format!(
            "comments changed: {:?} vs {:?}",
            verify::comments(text),
            verify::comments(&once)
        ));
    }
    if once.lines().any(|l| l.ends_with([' ', '\t'])) {
        return Err(format!("trailing whitespace\n{once}"));
    }
    // Layout rules hold outside comments, whose text is kept as written.
    let code = without_comments(&once);
    if code.contains('\t') {
        return Err(format!("tab outside a comment\n{once}"));
    }
    if !once.is_empty() && (!once.ends_with('\n') || once.ends_with("\n\n")) {
        return Err(format!("output must end in exactly one newline\n{once:?}"));
    }
    if code.contains("\n\n\n") {
        return Err(format!("more than one blank line in a row\n{once}"));
    }
    Ok(once)
}

/// `text` with every character of every comment replaced by `#`.
pub fn without_comments(text: &str) -> String {
    let (tokens, _) = guard_syntax::lex::tokenize(FileId(0), text);
    let mut out = text.to_string();
    // From the end, so replacing one comment does not move the next.
    for (token, span) in tokens.into_iter().rev() {
        if token.is_trivia() {
            let masked: String = text[span.range()].chars().map(|_| '#').collect();
            out.replace_range(span.range(), &masked);
        }
    }
    out
}
