//! Renderers that turn diagnostics into text: [`human`] for people (ariadne
//! snippets), [`json`] for machines (a stable, versioned document),
//! [`sarif`] for code-scanning services (SARIF 2.1.0, the subset GitHub code
//! scanning reads) and [`github`] for GitHub Actions workflow commands.
//!
//! Invariants shared by every renderer: none of them panics, whatever the
//! spans say. A span may be stale (past the end of its file, inside a
//! multi-byte character, or naming a file the `SourceMap` does not hold),
//! so every position goes through [`Resolved`], which clamps it to the text
//! and to character boundaries first. Output is deterministic: the same
//! input gives the same bytes, which the snapshot tests and SARIF
//! fingerprints rely on.

mod github;
mod human;
mod json;
mod sarif;

pub use github::github;
pub use human::human;
pub use json::{json, JSON_FORMAT_VERSION};
pub use sarif::sarif;

use crate::source::{LineCol, SourceFile, SourceMap};
use crate::span::Span;

/// Facts about a run that the diagnostics themselves do not carry: who
/// produced them, how many files were checked, and which inputs could not
/// be read at all. The machine-readable renderers put these in their
/// headers; the human renderer does not need them.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The producing tool, `guardc`.
    pub tool_name: String,
    pub tool_version: String,
    /// Where the tool is documented (SARIF `informationUri`); may be empty.
    pub information_uri: String,
    /// How many root files were checked (imports and stdlib not counted).
    pub files_checked: usize,
    /// Inputs that could not be read: missing paths, unreadable
    /// directories. They make the run incomplete (exit code 2).
    pub input_errors: Vec<InputError>,
}

impl RunInfo {
    /// A run of `guardc` at this crate's version; the CLI shares the
    /// workspace version, so the two always agree.
    pub fn new(files_checked: usize) -> RunInfo {
        RunInfo {
            tool_name: "guardc".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            information_uri: String::new(),
            files_checked,
            input_errors: Vec::new(),
        }
    }
}

/// An input that could not be read, as opposed to a diagnostic about
/// source text that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The path as the user gave it or as the directory walk found it.
    pub path: String,
    /// Why it could not be read, e.g. `No such file or directory`.
    pub message: String,
}

/// A span turned into everything a renderer needs: the file (if the map
/// holds it), a byte range that is guaranteed to be valid for that file's
/// text, and 1-based line/column pairs for both ends (the end is
/// exclusive, as in LSP and SARIF).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved<'a> {
    pub file: Option<&'a SourceFile>,
    pub name: &'a str,
    pub start: usize,
    pub end: usize,
    pub start_lc: LineCol,
    pub end_lc: LineCol,
}

impl Resolved<'_> {
    /// The text of the first line the span touches, without its newline.
    pub fn line_text(&self) -> &str {
        self.file
            .map(|f| f.line_text(self.start_lc.line))
            .unwrap_or("")
    }
}

pub(crate) fn resolve(sources: &SourceMap, span: Span) -> Resolved<'_> {
    let file = sources.get(span.file);
    let text = file.map(|f| f.text.as_str()).unwrap_or("");
    let range = clamp(text, span);
    let (start_lc, end_lc) = match file {
        Some(f) => (
            f.line_col(to_u32(range.start)),
            f.line_col(to_u32(range.end)),
        ),
        None => (LineCol { line: 1, col: 1 }, LineCol { line: 1, col: 1 }),
    };
    Resolved {
        file,
        name: sources.name(span.file),
        start: range.start,
        end: range.end,
        start_lc,
        end_lc,
    }
}

/// Clamps a span to `text`: both ends inside it, `start <= end`, the start
/// moved back and the end moved forward to the nearest character boundary
/// so that slicing never splits a character.
pub(crate) fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let len = text.len();
    let mut start = (span.start as usize).min(len);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, len);
    while end < len && !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether a file name denotes a stdlib module embedded in guardc
/// (`std::labels`) rather than a path on disk. Such names are not real
/// paths, so the SARIF and GitHub renderers treat them specially.
pub(crate) fn is_embedded(name: &str) -> bool {
    name.starts_with("std::")
}

/// A path as a forward-slash string without leading `./` components, the
/// form code-scanning services match against repository paths.
pub(crate) fn portable_path(name: &str) -> String {
    let mut path = name.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}

/// FNV-1a, 64 bits. Used for SARIF fingerprints because its output is fixed
/// by definition, unlike `std`'s `DefaultHasher`, which may change between
/// Rust releases and would then reopen every code-scanning alert.
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
pub(crate) mod fixture {
    //! The small source map and two diagnostics every renderer's snapshot
    //! test draws: one error with a secondary label, a note, help and a fix;
    //! one plain warning.

    use crate::{Code, Diagnostic, FileId, SourceMap, Span};

    pub const POLICY: &str = "policy demo;\n\ntool fs.read(path: path) -> str;\nstate phase: enum { plan, act } = plan;\n\nallow fs.read when pth == \"/tmp\";\n";

    pub fn sources() -> (SourceMap, FileId) {
        let mut map = SourceMap::new();
        let id = map.add("policies/demo.guard", POLICY);
        (map, id)
    }

    fn span_of(file: FileId, needle: &str) -> Span {
        let start = POLICY.find(needle).unwrap_or(0);
        Span::new(file, start, start + needle.len())
    }

    pub fn diagnostics(file: FileId) -> Vec<Diagnostic> {
        vec![
            Diagnostic::new(Code::E0101, span_of(file, "pth"), "unknown name `pth`")
                .with_label("not a parameter of `fs.read`, a state variable or an attribute")
                .with_secondary(
                    span_of(file, "path: path"),
                    "`fs.read` has a parameter `path`",
                )
                .with_note(
                    "a rule may name the parameters of its tool, state variables and attributes",
                )
                .with_help("did you mean `path`?")
                .with_fix("replace with `path`", span_of(file, "pth"), "path"),
            Diagnostic::new(
                Code::W0001,
                span_of(file, "phase"),
                "state variable `phase` is never read",
            )
            .with_label("declared here"),
        ]
    }

    pub fn run() -> super::RunInfo {
        let mut run = super::RunInfo::new(1);
        run.tool_version = "0.0.0-test".to_string();
        run.information_uri = "https://example.invalid/guard".to_string();
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, Diagnostic, FileId};

    #[test]
    fn clamp_keeps_spans_inside_text_and_on_char_boundaries() {
        let text = "a\u{e9}b"; // 'é' occupies bytes 1..3.
        let f = FileId(0);
        assert_eq!(
            clamp(
                text,
                Span {
                    file: f,
                    start: 2,
                    end: 2
                }
            ),
            1..3
        );
        assert_eq!(
            clamp(
                text,
                Span {
                    file: f,
                    start: 0,
                    end: 2
                }
            ),
            0..3
        );
        assert_eq!(
            clamp(
                text,
                Span {
                    file: f,
                    start: 9,
                    end: 12
                }
            ),
            4..4
        );
        assert_eq!(
            clamp(
                text,
                Span {
                    file: f,
                    start: 3,
                    end: 1
                }
            ),
            3..3
        );
    }

    #[test]
    fn portable_paths_use_forward_slashes_without_dot_prefix() {
        assert_eq!(portable_path("./a/b.guard"), "a/b.guard");
        assert_eq!(portable_path(".\\a\\b.guard"), "a/b.guard");
        assert_eq!(portable_path("../x.guard"), "../x.guard");
    }

    #[test]
    fn fnv_is_the_published_function() {
        // The FNV-1a test vector for "a", with our 0xff part terminator
        // appended, must stay fixed forever: fingerprints depend on it.
        assert_eq!(fnv1a64(&[]), 0xcbf2_9ce4_8422_2325);
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
    }

    /// Every code has an explanation that starts with its heading, has some
    /// substance, and shows Guard source. The runtime's codes (E0410–E0499)
    /// and the MCP tools' errors (E06xx) are about images, sessions, events,
    /// tool lists and servers rather than source, so they need an example
    /// of any kind (a command, an event, host code) and the sections every
    /// explanation has.
    #[test]
    fn every_code_has_a_real_explanation() {
        for code in Code::ALL {
            let text = code.info().explanation;
            if code.is_operational() {
                for part in [
                    "\n## Example\n",
                    "\n## Fix\n",
                    "\n## Why it matters\n",
                    "```",
                ] {
                    assert!(text.contains(part), "{code}: explanation needs `{part}`");
                }
            }

            let info = code.info();
            let heading = format!("# {}: ", code.as_str());
            assert!(
                info.explanation.starts_with(&heading),
                "{code}: explanation must start with `{heading}`"
            );
            assert!(
                info.explanation.len() > 300,
                "{code}: explanation is only {} bytes",
                info.explanation.len()
            );
            assert!(
                info.explanation.contains("```guard") || code.is_operational(),
                "{code}: explanation needs a ```guard example"
            );
        }
    }

    /// No renderer panics on any span, however stale: offsets past the
    /// end, inside multi-byte characters, reversed, or in files the map
    /// does not hold. A small deterministic generator stands in for a
    /// property-testing library.
    #[test]
    fn renderers_never_panic_on_stale_spans() {
        let texts = [
            "",
            "x",
            "\u{e9}\u{e9}\n\u{1f600}\r\nab\tc\n",
            "line\u{2028}sep\u{b}vt\r\r\nend",
            "no newline at end",
            "\n\n\n",
        ];
        let mut map = SourceMap::new();
        for (i, t) in texts.iter().enumerate() {
            map.add(format!("f{i}.guard"), *t);
        }
        map.add("std::labels", "label a;\n");
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % u64::from(m)) as u32
        };
        let files = map.len() as u32 + 2;
        let mut diags = Vec::new();
        for _ in 0..400 {
            let span = |next: &mut dyn FnMut(u32) -> u32| Span {
                file: FileId(next(files)),
                start: next(40),
                end: next(40),
            };
            let primary = span(&mut next);
            let secondary = span(&mut next);
            let code = Code::ALL[next(Code::ALL.len() as u32) as usize];
            diags.push(
                Diagnostic::new(code, primary, "msg")
                    .with_label("here")
                    .with_secondary(secondary, "there")
                    .with_note("a note")
                    .with_help("some help")
                    .with_fix("fix", secondary, "y"),
            );
        }
        let run = RunInfo::new(texts.len());
        for d in &diags {
            let one = std::slice::from_ref(d);
            let _ = human(&map, one, false);
            let _ = human(&map, one, true);
        }
        let _ = json(&map, &diags, &run);
        let _ = sarif(&map, &diags, &run);
        let _ = github(&map, &diags, &run);
    }
}
