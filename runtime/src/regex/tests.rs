//! The ahead-of-time tables against regex-automata's `meta` engine (the
//! reference for the pattern language) and against the DFAs the loader
//! builds, on fixed cases and on random patterns and text.

use proptest::prelude::*;
use regex_automata::meta;

use super::build::tables;
use super::table::Table;
use super::{replace_tables, Regexes};

/// Every way to answer for one pattern, compiled once.
struct Engines {
    pattern: String,
    whole: meta::Regex,
    search: meta::Regex,
    loader: Regexes,
    caches: Vec<meta::Cache>,
    table_whole: Option<Table>,
    table_search: Option<(Table, Table)>,
}

impl Engines {
    fn new(pattern: &str) -> Engines {
        let t = tables(pattern, true, true);
        let valid = |d| Table::new(d).unwrap_or_else(|e| panic!("{pattern}: invalid table: {e}"));
        let mut loader = Regexes::default();
        loader
            .add(pattern, None, true, true)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let caches = loader.meta.iter().map(meta::Regex::create_cache).collect();
        let compile = |p: &str| meta::Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        Engines {
            pattern: pattern.to_owned(),
            whole: compile(&format!(r"\A(?:{pattern})\z")),
            search: compile(pattern),
            loader,
            caches,
            table_whole: t.whole.as_ref().map(valid),
            table_search: t.search.as_ref().map(|(f, r)| (valid(f), valid(r))),
        }
    }

    /// Every leftmost-first, non-overlapping match replaced by `#`, by
    /// the reference engine.
    fn reference_replace(&self, hay: &str) -> String {
        let mut out = String::new();
        let mut last = 0;
        for m in self.search.find_iter(hay) {
            out.push_str(&hay[last..m.start()]);
            out.push('#');
            last = m.end();
        }
        out.push_str(&hay[last..]);
        out
    }

    fn check(&mut self, hay: &str) {
        let p = &self.pattern;
        let want_whole = self.whole.is_match(hay);
        let want_replace = self.reference_replace(hay);
        let whole = self.loader.is_match(0, hay, &mut self.caches);
        assert_eq!(
            whole.ok(),
            Some(want_whole),
            "loader whole {p:?} on {hay:?}"
        );
        let mut out = String::new();
        let r = self
            .loader
            .replace_all(0, hay, "#", &mut out, usize::MAX, &mut self.caches);
        assert!(
            matches!(r, Ok(Some(_))),
            "loader search {p:?} on {hay:?} failed"
        );
        assert_eq!(out, want_replace, "loader search {p:?} on {hay:?}");
        if let Some(t) = &self.table_whole {
            assert_eq!(t.whole(hay), want_whole, "table whole {p:?} on {hay:?}");
        }
        if let Some((f, r)) = &self.table_search {
            let mut out = String::new();
            let res = replace_tables(f, r, hay, "#", &mut out, usize::MAX);
            assert!(
                matches!(res, Ok(Some(_))),
                "table search {p:?} on {hay:?} failed"
            );
            assert_eq!(out, want_replace, "table search {p:?} on {hay:?}");
        }
    }
}

fn check(pattern: &str, hay: &str) {
    Engines::new(pattern).check(hay);
}

#[test]
fn the_examples_patterns_get_tables_that_agree() {
    let cases: &[(&str, &[&str])] = &[
        (
            r"https?://\S*(token|reset|magic|verify)\S*",
            &[
                "see https://x.io/reset?id=1 now",
                "http://a/tokenhttps://b/verify",
                "https://é.example/magic\u{a0}tail",
                "https://x/\u{2003}token",
                "nothing here",
                "https://token https://x/verifyé",
            ],
        ),
        (
            r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
            &["bob@example.com", "Bob@example.com", "a@b.c", "x y@z.io"],
        ),
        (
            r"You have [0-9]{1,3} new messages?\.",
            &["You have 3 new messages.", "You have 1000 new messages."],
        ),
        (r"(?s).*[0-9]{13,19}.*", &["card 4111111111111111 ok", "12"]),
        (r"(?i)straße", &["STRASSE", "Straße", "STRAẞE", "strasse"]),
        (r"\w+@example\.com", &["José@example.com", "@example.com"]),
    ];
    for (pattern, hays) in cases {
        let t = tables(pattern, true, true);
        assert!(
            t.whole.is_some() && t.search.is_some(),
            "{pattern} got no tables"
        );
        let mut e = Engines::new(pattern);
        for hay in hays.iter() {
            e.check(hay);
        }
    }
}

#[test]
fn look_around_and_empty_matches_are_left_to_the_loader() {
    for p in [r"x$", r"^x", r"\bx", r"(?m)^x"] {
        let t = tables(p, true, true);
        assert!(t.whole.is_none() && t.search.is_none(), "{p}");
    }
    // Whole-value matching of a pattern that matches "" is fine; search
    // is not (empty matches need the iterator's rules).
    let t = tables("a*", true, true);
    assert!(t.whole.is_some() && t.search.is_none());
    check("a*", "");
    check("a*", "aab");
}

/// Characters that pattern classes split differently: ASCII, Latin-1,
/// Unicode whitespace (U+0085, U+00A0, U+2003), 3- and 4-byte characters.
const CHARS: &[char] = &[
    'a', 'b', 'c', 'A', 'z', '0', '7', ' ', '\n', '.', '-', '_', 'é', 'ß', 'ẞ', '\u{85}', '\u{a0}',
    '\u{2003}', '☃', '𝄞', 'K', '\u{212a}',
];

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(CHARS).prop_map(|c| regex_syntax::escape(&c.to_string())),
        prop::sample::select(vec![
            r"[a-c]",
            r"[^a]",
            r"\S",
            r"\s",
            r"\d",
            r"\w",
            r"\W",
            ".",
            r"(?s:.)",
            r"[é-☃]",
            r"(?i:k)",
            r"(?i:ß)",
            r"[^\s\d]",
            r"\p{Greek}",
            r"[a-z0-9.-]",
        ])
        .prop_map(str::to_owned),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    atom().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("(?:{})", v.join("|"))),
            (
                inner,
                prop::sample::select(vec!["*", "+", "?", "{1,3}", "*?", "+?", "{2}"])
            )
                .prop_map(|(a, q)| format!("(?:{a}){q}")),
        ]
    })
}

fn hay() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..16).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Tables, the loader's DFAs and the reference agree on every
    /// pattern, whole and searching, on many texts each.
    #[test]
    fn tables_agree_with_the_reference(p in pattern(), hays in prop::collection::vec(hay(), 64)) {
        let mut e = Engines::new(&p);
        for h in &hays {
            e.check(h);
        }
    }
}

#[test]
fn most_random_patterns_get_tables() {
    // The agreement test above is only as strong as the share of
    // patterns that get tables: hold it above a floor.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut total, mut whole, mut search) = (0, 0, 0);
    for _ in 0..300 {
        let p = pattern().new_tree(&mut runner).map(|t| t.current());
        let Ok(p) = p else { continue };
        let t = tables(&p, true, true);
        total += 1;
        whole += usize::from(t.whole.is_some());
        search += usize::from(t.search.is_some());
    }
    assert!(
        whole * 10 >= total * 9,
        "whole tables for {whole} of {total}"
    );
    assert!(search * 2 >= total, "search tables for {search} of {total}");
}
