//! Property tests of the crate's invariant: no input, however malformed,
//! makes `tokenize` or `parse_file` panic, and every span they hand out
//! (tokens, diagnostics, fixes, items) lies inside the text on character
//! boundaries. Inputs are arbitrary strings, soups of Guard tokens, and
//! random mutations (insertions, deletions, replacements of tokens and
//! bytes) of the complete example from the language reference.

use guard_diagnostics::{Diagnostic, FileId, Span};
use guard_syntax::{lex, parse_file};
use proptest::prelude::*;

const SEED: &str = include_str!("data/example.guard");

/// Fragments that exercise the lexer's and parser's interesting corners.
const FRAGMENTS: &[&str] = &[
    "policy",
    "use",
    "label",
    "tool",
    "attr",
    "gate",
    "channel",
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
    "state",
    "default",
    "on",
    "output",
    "glob",
    "regex",
    "effect",
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
    "<=",
    ">=",
    "==",
    "!=",
    "=",
    "!",
    "&&",
    "||",
    "+",
    "-",
    "->",
    "~>",
    "=>",
    "?",
    "x",
    "mail.read",
    "`get-env`",
    "``",
    "`",
    "\"",
    "\"s\"",
    "\"\\d\"",
    "\"\\u{",
    "\\",
    "0",
    "-3",
    "15m",
    "15min",
    "99999999999999999999",
    "//",
    "///",
    "/*",
    "*/",
    "\n",
    " ",
    "é",
    "∀",
    "\u{0}",
    "@",
    "\r\n",
];

fn check_span(text: &str, span: Span, what: &str) {
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(
        s <= e && e <= text.len(),
        "{what} span {s}..{e} outside text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "{what} span {s}..{e} not on char boundaries"
    );
}

fn check_diag(text: &str, d: &Diagnostic) {
    check_span(text, d.primary.span, "diagnostic");
    assert!(
        !d.primary.message.is_empty(),
        "diagnostic without a label: {d:?}"
    );
    let first = d.message.chars().next().unwrap_or('?');
    assert!(
        !first.is_uppercase() && !d.message.ends_with('.'),
        "badly worded: {}",
        d.message
    );
    for l in &d.secondary {
        check_span(text, l.span, "secondary label");
    }
    for f in &d.fixes {
        check_span(text, f.span, "fix");
    }
}

fn check(text: &str) {
    let file = FileId(0);
    let (tokens, diags) = lex::tokenize(file, text);
    let mut end = 0;
    for (_, span) in &tokens {
        check_span(text, *span, "token");
        assert!(span.start as usize >= end, "tokens overlap or go backwards");
        end = span.end as usize;
    }
    for d in &diags {
        check_diag(text, d);
    }
    let (ast, diags) = parse_file(file, text);
    for d in &diags {
        check_diag(text, d);
    }
    for item in &ast.items {
        check_span(text, item.span, "item");
    }
}

/// One edit of a text: where (as a fraction of its length) and what.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Replace(usize, usize, String),
}

fn snippet() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => any::<u8>().prop_map(|b| char::from(b).to_string()),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), snippet()).prop_map(|(p, s)| Edit::Insert(p, s)),
        (any::<usize>(), 1usize..12).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), 1usize..6, snippet()).prop_map(|(p, n, s)| Edit::Replace(p, n, s)),
    ]
}

/// The char boundary at or before `pos % (len + 1)`.
fn boundary(text: &str, pos: usize) -> usize {
    let mut p = pos % (text.len() + 1);
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

fn apply(text: &mut String, e: &Edit) {
    match e {
        Edit::Insert(p, s) => {
            let at = boundary(text, *p);
            text.insert_str(at, s);
        }
        Edit::Delete(p, n) | Edit::Replace(p, n, _) => {
            let at = boundary(text, *p);
            let to = boundary(text, at.saturating_add(*n).min(text.len()));
            let to = to.max(at);
            let with = if let Edit::Replace(_, _, s) = e {
                s.as_str()
            } else {
                ""
            };
            text.replace_range(at..to, with);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn token_soup(parts in prop::collection::vec(snippet(), 0..80), sep in prop::sample::select(vec!["", " ", "\n"])) {
        check(&parts.join(sep));
    }

    #[test]
    fn mutated_example(edits in prop::collection::vec(edit(), 1..8)) {
        let mut text = SEED.to_string();
        for e in &edits {
            apply(&mut text, e);
        }
        check(&text);
    }
}

#[test]
fn seed_is_clean() {
    let (ast, diags) = parse_file(FileId(0), SEED);
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(!ast.items.is_empty());
}
