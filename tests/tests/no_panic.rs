//! No input makes the front end panic. Arbitrary text and mutations of
//! every example and fixture (lines dropped, duplicated or swapped, tokens
//! replaced by keywords and punctuation, bytes flipped) go through the
//! whole `check` pipeline; every diagnostic must point inside its file, on
//! character boundaries.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use guard_check::FileSystem;
use guard_tests::{fixtures, guard_files, workspace_root};
use proptest::prelude::*;

/// Imports resolve to nothing, so mutated inputs cannot reach the disk.
struct NoFiles;

impl FileSystem for NoFiles {
    fn read_to_string(&self, _: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no files in this test",
        ))
    }
}

fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut files = guard_files(&workspace_root().join("examples"));
        files.extend(fixtures());
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

const PIECES: &[&str] = &[
    "policy",
    "use",
    "label",
    "effect",
    "tool",
    "attr",
    "state",
    "gate",
    "channel",
    "default",
    "allow",
    "deny",
    "escalate",
    "redact",
    "when",
    "unless",
    "because",
    "assert",
    "never",
    "possible",
    "test",
    "has",
    "in",
    "matches",
    "true",
    "false",
    "enum",
    "context",
    "to",
    "with",
    "matching",
    "labels",
    "effects",
    "expect",
    "approved",
    "rejected",
    "on",
    "output",
    "glob",
    "regex",
    ";",
    ",",
    ":",
    "::",
    ".",
    "..",
    "*",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "==",
    "!=",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "->",
    "~>",
    "=>",
    "=",
    "?",
    "\"",
    "`",
    "/*",
    "*/",
    "///",
    "int[0..1]",
    "list<str>",
    "9223372036854775808",
    "\"\\u{110000}\"",
    "é",
    "\u{0}",
    "15m",
];

fn check_all_spans(text: &str) {
    let checked = guard_check::check_source("fuzz.guard", text, &NoFiles);
    for d in &checked.diagnostics {
        for span in std::iter::once(d.primary.span).chain(d.secondary.iter().map(|l| l.span)) {
            let file = checked
                .sources
                .get(span.file)
                .expect("span names a loaded file");
            let (s, e) = (span.start as usize, span.end as usize);
            assert!(
                s <= e && e <= file.text.len(),
                "{} span {s}..{e} outside file",
                d.code
            );
            assert!(
                file.text.is_char_boundary(s) && file.text.is_char_boundary(e),
                "{} span {s}..{e} splits a character",
                d.code
            );
        }
    }
    // Rendering must not panic either.
    let _ = guard_diagnostics::render::human(&checked.sources, &checked.diagnostics, false);
}

#[derive(Debug, Clone)]
enum Mutation {
    DropLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceWord(usize, usize),
    InsertPiece(usize, usize),
    Truncate(usize),
    FlipByte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::ReplaceWord(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::InsertPiece(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::FlipByte(a, b)),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    match *m {
        Mutation::DropLine(i) if !lines.is_empty() => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
        Mutation::ReplaceWord(i, p) => {
            let words: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
            if words.is_empty() {
                return text.to_string();
            }
            let mut out = String::new();
            for (k, w) in words.iter().enumerate() {
                if k == i % words.len() {
                    out.push_str(PIECES[p % PIECES.len()]);
                    out.push(' ');
                } else {
                    out.push_str(w);
                }
            }
            return out;
        }
        Mutation::InsertPiece(at, p) => {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return format!("{}{}{}", &text[..at], PIECES[p % PIECES.len()], &text[at..]);
        }
        Mutation::Truncate(at) => {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return text[..at].to_string();
        }
        Mutation::FlipByte(at, b) => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = b;
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        _ => {}
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_all_spans(&text);
    }

    #[test]
    fn token_soup_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..80)) {
        let text: Vec<&str> = pieces.iter().map(|&i| PIECES[i]).collect();
        check_all_spans(&text.join(" "));
    }

    #[test]
    fn mutated_policies_never_panic(seed in any::<usize>(), ms in proptest::collection::vec(mutation(), 1..6)) {
        let seeds = seeds();
        let mut text = seeds[seed % seeds.len()].clone();
        for m in &ms {
            text = apply(&text, m);
        }
        check_all_spans(&text);
    }
}
