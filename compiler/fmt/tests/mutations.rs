//! Property tests on mutated real policies: lines dropped, duplicated or
//! swapped, and comments inserted between tokens. Whenever the mutant still
//! parses, formatting it must have every property of the corpus test; and
//! formatting never panics on any input.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use guard_diagnostics::FileId;
use proptest::prelude::*;

use common::{check_properties, parses};

/// The examples and standard-library modules, read once.
fn sources() -> &'static [String] {
    static SOURCES: OnceLock<Vec<String>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let root = common::root();
        let mut files = common::guard_files(&root.join("examples"));
        files.extend(common::guard_files(&root.join("stdlib")));
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Drop(usize),
    Duplicate(usize),
    Swap(usize, usize),
    /// A comment inserted at a byte position (moved to a char boundary
    /// outside any token by `insert_comment`).
    Comment(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), 0u8..6).prop_map(|(at, kind)| Mutation::Comment(at, kind)),
    ]
}

/// The comment texts inserted; line comments get the line break they need.
const COMMENTS: [&str; 6] = [
    " // note\n",
    "\n// own line\n",
    " /* inline */ ",
    "\n/* own\n   lines */\n",
    "\n\n// after a blank line\n\n",
    "\n/// doc-like\n",
];

/// Inserts a comment between two tokens: at the whitespace nearest after
/// `at`, so no token (string, name, number) is split.
fn insert_comment(text: &str, at: usize, kind: u8) -> String {
    let mut i = at % (text.len() + 1);
    while i < text.len() && !(text.is_char_boundary(i) && text[i..].starts_with([' ', '\n'])) {
        i += 1;
    }
    // Inside a string or a comment, a space is not between tokens; the
    // parse check below throws such mutants away when they break, and
    // when they do not, the property must hold all the same.
    let comment = COMMENTS[usize::from(kind) % COMMENTS.len()];
    format!("{}{comment}{}", &text[..i], &text[i..])
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        let mut lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        text = match *m {
            Mutation::Drop(i) => {
                lines.remove(i % n);
                lines.join("\n")
            }
            Mutation::Duplicate(i) => {
                let line = lines[i % n];
                lines.insert(i % n, line);
                lines.join("\n")
            }
            Mutation::Swap(a, b) => {
                lines.swap(a % n, b % n);
                lines.join("\n")
            }
            Mutation::Comment(at, kind) => insert_comment(&text, at, kind),
        };
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_policies_format_soundly(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let sources = sources();
        let source = &sources[which % sources.len()];
        let mutant = apply(source, &mutations);
        if parses(&mutant) {
            if let Err(e) = check_properties(&mutant) {
                prop_assert!(false, "{e}\n--- mutant\n{mutant}");
            }
        }
    }

    #[test]
    fn formatting_never_panics(text in "[ -~\n\t]{0,300}") {
        let _ = guard_fmt::format(FileId(0), &text);
    }

    #[test]
    fn formatting_never_panics_on_token_soup(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "allow", "deny", "escalate", "on", "test", "tool", "gate", "when", "because",
                "output", "expect", "x", "a.b", "*", "{", "}", "(", ")", "[", "]", ",", ";",
                ":", "=", "=>", "->", "~>", "&&", "||", "!", "-", "1", "5m", "\"s\"",
                "// c\n", "/* c */", "/// d\n", "\n", " ",
            ]),
            0..60,
        )
    ) {
        let text = parts.join(" ");
        if let Ok(out) = guard_fmt::format(FileId(0), &text) {
            prop_assert!(check_properties(&text).is_ok(), "{text}\n{out}");
        }
    }
}
