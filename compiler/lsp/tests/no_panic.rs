//! Half-typed and garbage input never crashes the engine: arbitrary text
//! and mutated examples, edited incrementally at random ranges, then every
//! query at random positions (including positions past the end).

use std::path::{Path, PathBuf};

use guard_lsp::{Engine, MemoryFs};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};
use proptest::prelude::*;

/// Pieces of Guard that make mutations interesting: keywords, punctuation,
/// half tokens, multi-byte characters.
const PIECES: &[&str] = &[
    "allow ",
    "deny ",
    "escalate ",
    " to ",
    " when ",
    "context has ",
    "tool ",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ";",
    ",",
    ".",
    "::",
    "\"",
    "/*",
    "*/",
    "//",
    "///",
    "`",
    "=>",
    "~>",
    "->",
    "use \"./x.guard\";",
    "use std::labels;",
    "test \"t\" {",
    "assert a: never ",
    "é",
    "😀",
    "\n",
    "\r\n",
    "\t",
    "state s: int[0..3] = 0;",
    "gate g { approvers: [\"a\"]; }",
    "0x",
    "99999999999999999999",
    "has(",
    "matches regex \"(\"",
    "on x { s = s + 1; }",
];

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "guard") {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    out.push(t);
                }
            }
        }
    }
    out.sort();
    out
}

fn text_strategy() -> impl Strategy<Value = String> {
    let examples = examples();
    let n = examples.len().max(1);
    prop_oneof![
        ".{0,200}",
        proptest::collection::vec(proptest::sample::select(PIECES), 0..60).prop_map(|v| v.concat()),
        (
            0..n,
            proptest::collection::vec(
                (
                    any::<usize>(),
                    any::<usize>(),
                    proptest::sample::select(PIECES)
                ),
                0..8
            )
        )
            .prop_map(move |(i, muts)| {
                let mut t = examples.get(i).cloned().unwrap_or_default();
                for (a, b, piece) in muts {
                    if t.is_empty() {
                        t.push_str(piece);
                        continue;
                    }
                    let mut a = a % t.len();
                    let mut b = (a + b % 40).min(t.len());
                    while !t.is_char_boundary(a) {
                        a -= 1;
                    }
                    while !t.is_char_boundary(b) {
                        b -= 1;
                    }
                    t.replace_range(a..b.max(a), piece);
                }
                t
            }),
    ]
}

fn pos() -> impl Strategy<Value = Position> {
    (0u32..400, 0u32..140).prop_map(|(l, c)| Position::new(l, c))
}

fn engine() -> (Engine, Url) {
    let mut fs = MemoryFs::default();
    fs.files.insert(
        PathBuf::from("/p/x.guard"),
        "label shared;\ntool x.y(a: str);\n".into(),
    );
    let engine = Engine::new(Box::new(fs), PathBuf::from("/guard-stdlib"));
    let Ok(uri) = Url::parse("file:///p/main.guard") else {
        panic!("bad test URI");
    };
    (engine, uri)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_query_is_total(
        text in text_strategy(),
        edits in proptest::collection::vec((pos(), pos(), proptest::sample::select(PIECES)), 0..4),
        positions in proptest::collection::vec(pos(), 1..6),
        utf8 in any::<bool>(),
    ) {
        let (mut e, uri) = engine();
        if utf8 {
            e.set_encoding(guard_lsp::Encoding::Utf8);
        }
        e.open(uri.clone(), text, 1);
        for (i, (a, b, piece)) in edits.into_iter().enumerate() {
            let (start, end) = if (a.line, a.character) <= (b.line, b.character) { (a, b) } else { (b, a) };
            e.change(&uri, 2 + i as i32, vec![TextDocumentContentChangeEvent {
                range: Some(Range::new(start, end)),
                range_length: None,
                text: piece.to_string(),
            }]);
        }
        let _ = e.diagnostics();
        let _ = e.document_symbols(&uri);
        let _ = e.semantic_tokens(&uri);
        let _ = e.folding_ranges(&uri);
        let _ = e.code_lenses(&uri);
        let _ = e.formatting(&uri);
        for p in positions {
            let _ = e.hover(&uri, p);
            let _ = e.definition(&uri, p);
            let _ = e.references(&uri, p, true);
            let _ = e.completion(&uri, p);
            let _ = e.prepare_rename(&uri, p);
            let _ = e.rename(&uri, p, "renamed");
            let _ = e.code_actions(&uri, Range::new(p, p));
        }
        // The document still holds valid UTF-8 the engine can report on.
        prop_assert!(e.text(&uri).is_some());
    }
}
