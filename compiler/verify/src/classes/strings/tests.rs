//! Tests of string classes on hand-built expressions, among them the
//! exhaustiveness property: for random atoms and random values, every
//! value behaves like some witness (checked with the runtime's text
//! functions and a separate regex engine, not with the classifier).

use guard_ir::{BinOp, Builtin, Expr, ExprKind, Type};
use guard_runtime::text;
use proptest::prelude::*;

use super::super::{witnesses, Subject};
use super::{Kind, Reference};
use crate::value::Value;

fn p(ty: Type) -> Expr {
    Expr {
        kind: ExprKind::Param(0),
        ty,
    }
}

fn s(c: &str) -> Expr {
    Expr {
        kind: ExprKind::Str(c.into()),
        ty: Type::Str,
    }
}

fn call(func: Builtin, args: Vec<Expr>) -> Expr {
    let ty = match func {
        Builtin::Len => Type::Int,
        Builtin::Lower | Builtin::Host | Builtin::Scheme => Type::Str,
        _ => Type::Bool,
    };
    Expr {
        kind: ExprKind::Call { func, args },
        ty,
    }
}

fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(a),
            rhs: Box::new(b),
        },
        ty: Type::Bool,
    }
}

fn int(n: i64) -> Expr {
    Expr {
        kind: ExprKind::Int(n),
        ty: Type::Int,
    }
}

fn matches(a: Expr, regex: u16) -> Expr {
    Expr {
        kind: ExprKind::Match {
            lhs: Box::new(a),
            regex,
        },
        ty: Type::Bool,
    }
}

fn strs(ty: Type, exprs: &[Expr], regexes: &[String]) -> (Vec<String>, Result<(), String>) {
    let refs: Vec<&Expr> = exprs.iter().collect();
    let w = witnesses(Subject::Param(0), &ty, false, &refs, regexes);
    let v = w
        .values
        .into_iter()
        .map(|v| match v {
            Some(Value::Str(s)) => s,
            other => panic!("not a string witness: {other:?}"),
        })
        .collect();
    (v, w.exact)
}

#[test]
fn unconstrained_witnesses_are_short_and_readable() {
    assert_eq!(strs(Type::Str, &[], &[]), (vec![String::new()], Ok(())));
    assert_eq!(strs(Type::Path, &[], &[]), (vec!["/".to_string()], Ok(())));
    assert_eq!(
        strs(Type::Url, &[], &[]),
        (vec!["https://a".to_string()], Ok(()))
    );
}

#[test]
fn equality_prefix_and_length() {
    let e = [
        bin(BinOp::Eq, p(Type::Str), s("ab")),
        call(Builtin::StartsWith, vec![p(Type::Str), s("a")]),
        bin(BinOp::Gt, call(Builtin::Len, vec![p(Type::Str)]), int(2)),
    ];
    let (w, ok) = strs(Type::Str, &e, &[]);
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(w, vec!["", "a", "ab", "aaa", "baa"]);
}

#[test]
fn path_globs_see_normal_forms_only() {
    // `/tmp/*` and `/tmp/**` as the checker translates them, and a
    // constant that is not a normal path.
    let rx = vec![r"/tmp/[^/]*".to_string(), "/tmp/.+".to_string()];
    let e = [
        matches(p(Type::Path), 0),
        bin(BinOp::Eq, p(Type::Path), s("/tmp/../etc")),
        matches(p(Type::Path), 1),
    ];
    let (w, ok) = strs(Type::Path, &e, &rx);
    assert!(ok.is_ok(), "{ok:?}");
    assert!(w.iter().all(|p| text::is_normal_path(p)), "{w:?}");
    assert!(w.contains(&"/".to_string()), "{w:?}");
    assert!(w.iter().any(|p| p.starts_with("/tmp/")), "{w:?}");
    // Neither, both, only `/tmp/*` (a newline, which `.` does not
    // match), only `/tmp/**`; the equality never holds.
    assert_eq!(w, vec!["/", "/tmp/a", "/tmp/\n", "/tmp/a/a"]);
}

#[test]
fn url_host_and_scheme() {
    let e = [
        bin(
            BinOp::Eq,
            call(Builtin::Host, vec![p(Type::Url)]),
            s("example.com"),
        ),
        bin(
            BinOp::Eq,
            call(Builtin::Scheme, vec![p(Type::Url)]),
            s("http"),
        ),
    ];
    let (w, ok) = strs(Type::Url, &e, &[]);
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(w.len(), 4, "{w:?}");
    let classes: Vec<(bool, bool)> = w
        .iter()
        .map(|u| {
            (
                text::url_host(u).as_deref() == Some("example.com"),
                text::url_scheme(u).as_deref() == Some("http"),
            )
        })
        .collect();
    for c in [(false, false), (false, true), (true, false), (true, true)] {
        assert!(classes.contains(&c), "{c:?} missing from {w:?}");
    }
    assert!(w.contains(&"https://a".to_string()), "{w:?}");
}

#[test]
fn host_after_userinfo_and_in_brackets() {
    let e = [bin(
        BinOp::Eq,
        call(Builtin::Host, vec![p(Type::Url)]),
        s("[::1]"),
    )];
    let (w, ok) = strs(Type::Url, &e, &[]);
    assert!(ok.is_ok(), "{ok:?}");
    assert!(
        w.iter()
            .any(|u| text::url_host(u).as_deref() == Some("[::1]")),
        "{w:?}"
    );
}

#[test]
fn long_lengths_are_exact() {
    let e = [
        bin(
            BinOp::Le,
            call(Builtin::Len, vec![p(Type::Str)]),
            int(100_000),
        ),
        call(Builtin::Contains, vec![p(Type::Str), s("key")]),
    ];
    let (w, ok) = strs(Type::Str, &e, &[]);
    assert!(ok.is_ok(), "{ok:?}");
    let mut shape: Vec<(usize, bool)> = w
        .iter()
        .map(|x| (x.chars().count(), x.contains("key")))
        .collect();
    shape.sort();
    assert_eq!(
        shape,
        vec![(0, false), (3, true), (100_001, false), (100_001, true)]
    );
}

#[test]
fn lower_follows_unicode_mappings() {
    // Only the Kelvin sign and `k`/`K` lower-case to `k`; `İ` lowers to
    // two characters.
    let e = [
        bin(BinOp::Eq, call(Builtin::Lower, vec![p(Type::Str)]), s("k")),
        bin(
            BinOp::Eq,
            call(Builtin::Len, vec![call(Builtin::Lower, vec![p(Type::Str)])]),
            int(2),
        ),
    ];
    let (w, ok) = strs(Type::Str, &e, &[]);
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(w, vec!["", "k", "\u{130}", "a\u{130}"]);
}

#[test]
fn unsupported_comparisons_are_inexact() {
    let q = Expr {
        kind: ExprKind::Param(1),
        ty: Type::Str,
    };
    let (w, ok) = strs(Type::Str, &[bin(BinOp::Eq, p(Type::Str), q)], &[]);
    assert!(ok.is_err());
    assert!(!w.is_empty());
    let same = bin(
        BinOp::Eq,
        call(Builtin::Lower, vec![p(Type::Str)]),
        p(Type::Str),
    );
    assert!(strs(Type::Str, &[same], &[]).1.is_err());
    // A regex a DFA cannot take (a Unicode word boundary).
    let (_, ok) = strs(
        Type::Str,
        &[matches(p(Type::Str), 0)],
        &[r"\bx\b".to_string()],
    );
    assert!(ok.is_err());
    let lowered = call(Builtin::Lower, vec![p(Type::Str)]);
    let big = bin(BinOp::Gt, call(Builtin::Len, vec![lowered]), int(1 << 20));
    assert!(strs(Type::Str, &[big], &[]).1.is_err());
}

// ---- exhaustiveness ------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum V {
    Whole,
    Lower,
    Host,
    Scheme,
}

#[derive(Debug, Clone)]
enum Atom {
    Eq(V, String),
    In(V, Vec<String>),
    Starts(V, String),
    Ends(V, String),
    Contains(V, String),
    PrefixOf(V, String),
    SuffixOf(V, String),
    Match(V, u16),
    Len(V, BinOp, i64),
}

const CONSTS: &[&str] = &[
    "", "a", "A", "ab", "b/", "/a", "İ", "i\u{307}", "ß", "é", "..", "x.y",
];
const REGEXES: &[&str] = &[
    "[a-z]*",
    "a.*",
    ".*b",
    "(?i)ab",
    "[^a]+",
    "/[^/]*",
    ".*\\..*",
    "[a-zA-Z]{2}",
    "\\w*",
    "(?i)k.*",
    "\\p{Lu}.*",
    ".{2,3}",
    "(?:[^/]*/)*[^/]*\\.y",
];

fn view() -> impl Strategy<Value = V> + Clone {
    prop::sample::select(vec![V::Whole, V::Lower])
}

fn url_view() -> impl Strategy<Value = V> + Clone {
    prop::sample::select(vec![V::Whole, V::Lower, V::Host, V::Scheme])
}

fn constant() -> impl Strategy<Value = String> {
    prop::sample::select(CONSTS).prop_map(str::to_string)
}

fn atom(view: impl Strategy<Value = V> + Clone) -> impl Strategy<Value = Atom> {
    let ops = prop::sample::select(vec![BinOp::Lt, BinOp::Le, BinOp::Eq, BinOp::Gt]);
    prop_oneof![
        (view.clone(), constant()).prop_map(|(v, c)| Atom::Eq(v, c)),
        (view.clone(), prop::collection::vec(constant(), 1..3)).prop_map(|(v, c)| Atom::In(v, c)),
        (view.clone(), constant()).prop_map(|(v, c)| Atom::Starts(v, c)),
        (view.clone(), constant()).prop_map(|(v, c)| Atom::Ends(v, c)),
        (view.clone(), constant()).prop_map(|(v, c)| Atom::Contains(v, c)),
        (view.clone(), constant()).prop_map(|(v, c)| Atom::PrefixOf(v, c)),
        (view.clone(), constant()).prop_map(|(v, c)| Atom::SuffixOf(v, c)),
        (view.clone(), 0..REGEXES.len() as u16).prop_map(|(v, i)| Atom::Match(v, i)),
        (view, ops, 0..4i64).prop_map(|(v, op, k)| Atom::Len(v, op, k)),
    ]
}

fn viewed(v: V, ty: &Type) -> Expr {
    match v {
        V::Whole => p(ty.clone()),
        V::Lower => call(Builtin::Lower, vec![p(ty.clone())]),
        V::Host => call(Builtin::Host, vec![p(ty.clone())]),
        V::Scheme => call(Builtin::Scheme, vec![p(ty.clone())]),
    }
}

fn to_expr(a: &Atom, ty: &Type) -> Expr {
    match a {
        Atom::Eq(v, c) => bin(BinOp::Eq, viewed(*v, ty), s(c)),
        Atom::In(v, cs) => Expr {
            kind: ExprKind::In {
                lhs: Box::new(viewed(*v, ty)),
                rhs: Box::new(Expr {
                    kind: ExprKind::List(cs.iter().map(|c| s(c)).collect()),
                    ty: Type::List(Box::new(Type::Str)),
                }),
            },
            ty: Type::Bool,
        },
        Atom::Starts(v, c) => call(Builtin::StartsWith, vec![viewed(*v, ty), s(c)]),
        Atom::Ends(v, c) => call(Builtin::EndsWith, vec![viewed(*v, ty), s(c)]),
        Atom::Contains(v, c) => call(Builtin::Contains, vec![viewed(*v, ty), s(c)]),
        Atom::PrefixOf(v, c) => call(Builtin::StartsWith, vec![s(c), viewed(*v, ty)]),
        Atom::SuffixOf(v, c) => call(Builtin::EndsWith, vec![s(c), viewed(*v, ty)]),
        Atom::Match(v, i) => matches(viewed(*v, ty), *i),
        Atom::Len(v, op, k) => bin(*op, call(Builtin::Len, vec![viewed(*v, ty)]), int(*k)),
    }
}

/// The view as the runtime computes it.
fn view_of(v: V, x: &str) -> String {
    match v {
        V::Whole => x.to_string(),
        V::Lower => {
            let mut out = String::new();
            text::lower_into(x, &mut out, usize::MAX).unwrap();
            out
        }
        V::Host => text::url_host(x).unwrap(),
        V::Scheme => text::url_scheme(x).unwrap(),
    }
}

fn eval(a: &Atom, x: &str, r: &mut Reference<'_>) -> bool {
    match a {
        Atom::Eq(v, c) => view_of(*v, x) == *c,
        Atom::In(v, cs) => cs.contains(&view_of(*v, x)),
        Atom::Starts(v, c) => view_of(*v, x).starts_with(c.as_str()),
        Atom::Ends(v, c) => view_of(*v, x).ends_with(c.as_str()),
        Atom::Contains(v, c) => view_of(*v, x).contains(c.as_str()),
        Atom::PrefixOf(v, c) => c.starts_with(&view_of(*v, x)),
        Atom::SuffixOf(v, c) => c.ends_with(&view_of(*v, x)),
        Atom::Match(v, i) => r
            .whole_match(REGEXES[usize::from(*i)], &view_of(*v, x))
            .unwrap(),
        Atom::Len(v, op, k) => {
            let n = view_of(*v, x).chars().count() as i64;
            match op {
                BinOp::Lt => n < *k,
                BinOp::Le => n <= *k,
                BinOp::Eq => n == *k,
                _ => n > *k,
            }
        }
    }
}

fn check_exhaustive(
    kind: Kind,
    ty: Type,
    atoms: &[Atom],
    values: &[String],
) -> Result<(), TestCaseError> {
    let exprs: Vec<Expr> = atoms.iter().map(|a| to_expr(a, &ty)).collect();
    let rx: Vec<String> = REGEXES.iter().map(|r| r.to_string()).collect();
    let (ws, ok) = strs(ty, &exprs, &rx);
    prop_assert!(ok.is_ok(), "{:?}", ok);
    let mut r = Reference::new(&rx);
    let vector = |x: &str, r: &mut Reference<'_>| -> Vec<bool> {
        atoms.iter().map(|a| eval(a, x, r)).collect()
    };
    let seen: Vec<Vec<bool>> = ws.iter().map(|w| vector(w, &mut r)).collect();
    for w in &ws {
        prop_assert!(
            Reference::in_domain(kind, w),
            "witness {:?} outside the domain",
            w
        );
    }
    for x in values {
        if !Reference::in_domain(kind, x) {
            continue;
        }
        let v = vector(x, &mut r);
        prop_assert!(
            seen.contains(&v),
            "{:?} behaves like no witness of {:?}",
            x,
            ws
        );
    }
    Ok(())
}

fn text_value() -> impl Strategy<Value = String> {
    let common = prop::sample::select(vec![
        'a', 'b', 'A', 'B', '/', '.', 'İ', 'i', '\u{307}', 'é', 'ß', 'x', 'y', 'k', '\u{212a}',
        '\n',
    ]);
    prop::collection::vec(prop_oneof![4 => common, 1 => any::<char>()], 0..7)
        .prop_map(|v| v.into_iter().collect())
}

fn path_value() -> impl Strategy<Value = String> {
    let part = prop::sample::select(vec!["/", ".", "..", "a", "b", "A", "x.y", "İ", "ab", "\n"]);
    prop::collection::vec(
        prop_oneof![4 => part.prop_map(str::to_string), 1 => any::<char>().prop_map(String::from)],
        1..6,
    )
    .prop_map(|v| text::normalize_path(&v.concat()).unwrap_or_else(|_| "/".into()))
}

fn url_value() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http", "HTTPS", "foo", "a", "ws"]);
    let sep = prop::sample::select(vec!["://", ":", "://u@", "://a:b@"]);
    let host = prop::sample::select(vec![
        "a", "A", "ab", "x.y", "İ", "b", "[::1]", "1.2.3.4", "", "a.b",
    ]);
    let rest = prop::sample::select(vec!["", "/", "/a", ":80/b", "?ab", "#x.y", "/İ"]);
    (scheme, sep, host, rest).prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn str_classes_are_exhaustive(
        atoms in prop::collection::vec(atom(view()), 0..4),
        values in prop::collection::vec(text_value(), 64),
    ) {
        check_exhaustive(Kind::Str, Type::Str, &atoms, &values)?;
    }

    #[test]
    fn path_classes_are_exhaustive(
        atoms in prop::collection::vec(atom(view()), 0..4),
        values in prop::collection::vec(path_value(), 64),
    ) {
        check_exhaustive(Kind::Path, Type::Path, &atoms, &values)?;
    }

    #[test]
    fn url_classes_are_exhaustive(
        atoms in prop::collection::vec(atom(url_view()), 0..3),
        values in prop::collection::vec(url_value(), 64),
    ) {
        check_exhaustive(Kind::Url, Type::Url, &atoms, &values)?;
    }
}

// ---- guards: classes by behaviour, not by atoms --------------------------

/// A guard over atoms of the subject and other leaves: a boolean state,
/// an optional parameter that may be absent, an addition that may
/// overflow.
#[derive(Debug, Clone)]
enum G {
    Atom(Atom),
    State,
    Optional,
    Overflow,
    Not(Box<G>),
    And(Box<G>, Box<G>),
    Or(Box<G>, Box<G>),
    Same(Box<G>, Box<G>),
}

fn guard() -> impl Strategy<Value = G> {
    let leaf = prop_oneof![
        3 => atom(view()).prop_map(G::Atom),
        1 => Just(G::State),
        1 => Just(G::Optional),
        1 => Just(G::Overflow),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|g| G::Not(Box::new(g))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| G::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| G::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| G::Same(Box::new(a), Box::new(b))),
        ]
    })
}

fn guard_expr(g: &G) -> Expr {
    let boxed = |a: &G, b: &G, op| bin(op, guard_expr(a), guard_expr(b));
    match g {
        G::Atom(a) => to_expr(a, &Type::Str),
        G::State => Expr {
            kind: ExprKind::State(0),
            ty: Type::Bool,
        },
        G::Optional => bin(
            BinOp::Eq,
            Expr {
                kind: ExprKind::Param(1),
                ty: Type::Str,
            },
            s("z"),
        ),
        G::Overflow => {
            let sum = Expr {
                kind: ExprKind::Binary {
                    op: BinOp::Add,
                    lhs: Box::new(Expr {
                        kind: ExprKind::State(1),
                        ty: Type::IntRange(0, 1),
                    }),
                    rhs: Box::new(int(i64::MAX)),
                },
                ty: Type::Int,
            };
            bin(BinOp::Gt, sum, int(0))
        }
        G::Not(a) => Expr {
            kind: ExprKind::Not(Box::new(guard_expr(a))),
            ty: Type::Bool,
        },
        G::And(a, b) => boxed(a, b, BinOp::And),
        G::Or(a, b) => boxed(a, b, BinOp::Or),
        G::Same(a, b) => boxed(a, b, BinOp::Eq),
    }
}

/// How an evaluation ends: a value, an absent parameter read, an
/// overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Val(bool),
    Absent,
    Fault,
}

/// The runtime's evaluation of a guard in one environment: `state` is
/// the boolean state, `q` the optional parameter, `big` the int state.
fn run(g: &G, x: &str, state: bool, q: Option<&str>, big: i64, r: &mut Reference<'_>) -> Ends {
    match g {
        G::Atom(a) => Ends::Val(eval(a, x, r)),
        G::State => Ends::Val(state),
        G::Optional => match q {
            None => Ends::Absent,
            Some(v) => Ends::Val(v == "z"),
        },
        G::Overflow => match big.checked_add(i64::MAX) {
            None => Ends::Fault,
            Some(v) => Ends::Val(v > 0),
        },
        G::Not(a) => match run(a, x, state, q, big, r) {
            Ends::Val(b) => Ends::Val(!b),
            o => o,
        },
        G::And(a, b) => match run(a, x, state, q, big, r) {
            Ends::Val(true) => run(b, x, state, q, big, r),
            o => o,
        },
        G::Or(a, b) => match run(a, x, state, q, big, r) {
            Ends::Val(false) => run(b, x, state, q, big, r),
            o => o,
        },
        G::Same(a, b) => match (run(a, x, state, q, big, r), run(b, x, state, q, big, r)) {
            (Ends::Val(p), Ends::Val(q)) => Ends::Val(p == q),
            (Ends::Val(_), o) | (o, _) => o,
        },
    }
}

fn behaviour(gs: &[G], x: &str, r: &mut Reference<'_>) -> Vec<Ends> {
    let mut out = Vec::new();
    for g in gs {
        for state in [false, true] {
            for q in [None, Some("z"), Some("")] {
                for big in [0, 1] {
                    out.push(run(g, x, state, q, big, r));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn guard_classes_are_exhaustive(
        gs in prop::collection::vec(guard(), 1..4),
        values in prop::collection::vec(text_value(), 64),
    ) {
        let exprs: Vec<Expr> = gs.iter().map(guard_expr).collect();
        let rx: Vec<String> = REGEXES.iter().map(|r| r.to_string()).collect();
        let (ws, ok) = strs(Type::Str, &exprs, &rx);
        prop_assert!(ok.is_ok(), "{:?}", ok);
        let mut r = Reference::new(&rx);
        let seen: Vec<Vec<Ends>> = ws.iter().map(|w| behaviour(&gs, w, &mut r)).collect();
        for x in &values {
            let v = behaviour(&gs, x, &mut r);
            prop_assert!(seen.contains(&v), "{:?} behaves like no witness of {:?}", x, ws);
        }
    }
}
