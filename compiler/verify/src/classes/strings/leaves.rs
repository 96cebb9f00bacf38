//! Finding the leaves: every place an expression tests a view of the
//! string subject, translated into a predicate with a regular language.
//! Uses the classifier cannot follow (a comparison with something that is
//! not a constant, two views of the subject compared with each other) are
//! recorded as reasons for inexactness.

use guard_ir::{BinOp, Builtin, Expr, ExprKind};

use super::super::expr;
use super::super::{Cx, Subject};

/// Which part of the value a leaf looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum View {
    Whole,
    Host,
    Scheme,
}

/// A view of the subject: a part, lower-cased some number of times
/// (`host` and `scheme` are lower case already).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Term {
    pub view: View,
    pub lowers: u8,
}

/// What a leaf says about its view `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pred {
    /// `v == c` (or `!=`).
    Eq(String),
    /// `v in [..]`.
    In(Vec<String>),
    /// `v matches regexes[i]` (whole value).
    Match(u16),
    Starts(String),
    Ends(String),
    Contains(String),
    /// `starts_with(c, v)`: `v` is a prefix of `c`.
    PrefixOf(String),
    SuffixOf(String),
    InfixOf(String),
}

impl Pred {
    /// The language of the views for which the leaf holds, as a regex.
    pub fn pattern(&self, regexes: &[String]) -> String {
        let any = "(?s:.)*";
        match self {
            Pred::Eq(c) => lit(c),
            Pred::In(cs) if cs.is_empty() => r"[^\s\S]".into(),
            Pred::In(cs) => alternatives(cs.iter().map(String::as_str)),
            Pred::Match(i) => regexes
                .get(usize::from(*i))
                .cloned()
                .unwrap_or_else(|| r"[^\s\S]".into()),
            Pred::Starts(c) => format!("{}{any}", lit(c)),
            Pred::Ends(c) => format!("{any}{}", lit(c)),
            Pred::Contains(c) => format!("{any}{}{any}", lit(c)),
            Pred::PrefixOf(c) => {
                alternatives(c.char_indices().map(|(i, _)| &c[..i]).chain([c.as_str()]))
            }
            Pred::SuffixOf(c) => alternatives(c.char_indices().map(|(i, _)| &c[i..]).chain([""])),
            Pred::InfixOf(c) => {
                let mut parts: Vec<&str> = Vec::new();
                let ends: Vec<usize> = c.char_indices().map(|(i, _)| i).chain([c.len()]).collect();
                for (k, &i) in ends.iter().enumerate() {
                    for &j in &ends[k..] {
                        parts.push(&c[i..j]);
                    }
                }
                parts.sort_unstable();
                parts.dedup();
                alternatives(parts.into_iter())
            }
        }
    }
}

/// One of the given strings, as a regex.
fn alternatives<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let alts: Vec<String> = items.map(lit).collect();
    format!("(?:{})", alts.join("|"))
}

/// A literal as a regex (in a group, so it can be followed by more).
fn lit(s: &str) -> String {
    format!("(?:{})", regex_syntax::escape(s))
}

/// The leaves of the subject in some expressions.
#[derive(Debug, Default)]
pub(crate) struct Leaves {
    /// Distinct (view, predicate) pairs, in order of first occurrence.
    pub atoms: Vec<(Term, Pred)>,
    /// Views whose `len` is used, in order of first occurrence.
    pub lens: Vec<Term>,
    pub inexact: Vec<String>,
}

/// The view `e` is, if it is one of the subject.
pub(crate) fn term_of(e: &Expr, s: Subject) -> Option<Term> {
    if expr::is_base(e, s) && expr::is_stringy(&e.ty) {
        return Some(Term {
            view: View::Whole,
            lowers: 0,
        });
    }
    let ExprKind::Call { func, args } = &e.kind else {
        return None;
    };
    let [a] = args.as_slice() else {
        return None;
    };
    let t = term_of(a, s)?;
    match (func, t.view) {
        (Builtin::Lower, View::Whole) => Some(Term {
            view: View::Whole,
            lowers: t.lowers.saturating_add(1),
        }),
        // `host` and `scheme` are ASCII lower case already.
        (Builtin::Lower, _) => Some(t),
        (Builtin::Host, View::Whole) if t.lowers == 0 => Some(Term {
            view: View::Host,
            lowers: 0,
        }),
        (Builtin::Scheme, View::Whole) if t.lowers == 0 => Some(Term {
            view: View::Scheme,
            lowers: 0,
        }),
        _ => None,
    }
}

/// Whether `e` is `len` of view `t` of the subject.
pub(crate) fn is_len_of(e: &Expr, s: Subject, t: Term) -> bool {
    match &e.kind {
        ExprKind::Call {
            func: Builtin::Len,
            args,
        } => matches!(args.as_slice(), [a] if term_of(a, s) == Some(t)),
        _ => false,
    }
}

/// The leaf `e` is, if it is one: a view of the subject tested against a
/// constant. The flag says the test is negated (`!=`).
pub(crate) fn leaf(e: &Expr, s: Subject) -> Option<(Term, Pred, bool)> {
    let with_const = |a: &Expr, b: &Expr| -> Option<(Term, String, bool)> {
        match (term_of(a, s), term_of(b, s)) {
            (Some(t), None) => Some((t, expr::const_str(b)?, true)),
            (None, Some(t)) => Some((t, expr::const_str(a)?, false)),
            _ => None,
        }
    };
    match &e.kind {
        ExprKind::Binary {
            op: op @ (BinOp::Eq | BinOp::Ne),
            lhs,
            rhs,
        } if expr::is_stringy(&lhs.ty) || expr::is_stringy(&rhs.ty) => {
            let (t, c, _) = with_const(lhs, rhs)?;
            Some((t, Pred::Eq(c), *op == BinOp::Ne))
        }
        ExprKind::In { lhs, rhs } => {
            let t = term_of(lhs, s)?;
            let cs: Option<Vec<String>> = expr::const_list(rhs)?
                .into_iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            Some((t, Pred::In(cs?), false))
        }
        ExprKind::Match { lhs, regex } => Some((term_of(lhs, s)?, Pred::Match(*regex), false)),
        ExprKind::Call { func, args } => {
            let [a, b] = args.as_slice() else {
                return None;
            };
            let (t, c, fwd) = with_const(a, b)?;
            let pred = match (func, fwd) {
                (Builtin::StartsWith, true) => Pred::Starts(c),
                (Builtin::StartsWith, false) => Pred::PrefixOf(c),
                (Builtin::EndsWith, true) => Pred::Ends(c),
                (Builtin::EndsWith, false) => Pred::SuffixOf(c),
                (Builtin::Contains, true) => Pred::Contains(c),
                (Builtin::Contains, false) => Pred::InfixOf(c),
                _ => return None,
            };
            Some((t, pred, false))
        }
        _ => None,
    }
}

pub(crate) fn collect(cx: &Cx<'_>) -> Leaves {
    let mut w = Walker {
        s: cx.subject,
        regexes: cx.regexes.len(),
        out: Leaves::default(),
    };
    for e in cx.exprs {
        w.walk(e);
    }
    w.out
}

struct Walker {
    s: Subject,
    regexes: usize,
    out: Leaves,
}

impl Walker {
    fn inexact(&mut self, why: &str) {
        if !self.out.inexact.iter().any(|r| r == why) {
            self.out.inexact.push(why.to_string());
        }
    }

    fn atom(&mut self, t: Term, p: Pred) {
        if !self.out.atoms.iter().any(|(u, q)| *u == t && *q == p) {
            self.out.atoms.push((t, p));
        }
    }

    /// `a` and `b` are compared by `make(constant)` when one of them is a
    /// view and the other a constant.
    fn compare(&mut self, a: &Expr, b: &Expr, make: impl Fn(String) -> Pred) {
        match (term_of(a, self.s), term_of(b, self.s)) {
            (Some(t), None) => match expr::const_str(b) {
                Some(c) => self.atom(t, make(c)),
                None => self.opaque(b),
            },
            (None, Some(t)) => match expr::const_str(a) {
                Some(c) => self.atom(t, make(c)),
                None => self.opaque(a),
            },
            (Some(t), Some(u)) => {
                // The same view on both sides is constant; different views
                // of one value are related in ways the product does not
                // follow.
                if t != u {
                    self.inexact("two views of one string are compared with each other");
                }
            }
            (None, None) => {
                self.walk(a);
                self.walk(b);
            }
        }
    }

    /// A view compared with `other`, which is not a constant.
    fn opaque(&mut self, other: &Expr) {
        if expr::mentions(other, self.s) {
            self.inexact("two views of one string are compared with each other");
        } else {
            self.inexact("a string is compared with a value that is not a constant");
        }
    }

    fn walk(&mut self, e: &Expr) {
        if !expr::mentions(e, self.s) {
            return;
        }
        if term_of(e, self.s).is_some() {
            self.inexact("a string is used in a way the classifier cannot follow");
            return;
        }
        if let Some((t, p, _)) = leaf(e, self.s) {
            if matches!(p, Pred::Match(i) if usize::from(i) >= self.regexes) {
                self.inexact("a pattern is missing from the regex table");
            }
            self.atom(t, p);
            return;
        }
        // Not a leaf: find out why, or look further down.
        match &e.kind {
            ExprKind::Binary {
                op: BinOp::Eq | BinOp::Ne,
                lhs,
                rhs,
            } if expr::is_stringy(&lhs.ty) || expr::is_stringy(&rhs.ty) => {
                self.compare(lhs, rhs, Pred::Eq);
            }
            ExprKind::In { lhs, rhs } => match term_of(lhs, self.s) {
                Some(t) => match expr::const_list(rhs) {
                    Some(items) => {
                        let cs: Option<Vec<String>> = items
                            .into_iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect();
                        match cs {
                            Some(cs) => self.atom(t, Pred::In(cs)),
                            None => self.inexact("a string is looked up in a list of non-strings"),
                        }
                    }
                    None => self.inexact("a string is looked up in a list that is not constant"),
                },
                None => {
                    self.walk(lhs);
                    self.walk(rhs);
                }
            },
            ExprKind::Match { lhs, regex } => match term_of(lhs, self.s) {
                Some(t) => {
                    if usize::from(*regex) >= self.regexes {
                        self.inexact("a pattern is missing from the regex table");
                    }
                    self.atom(t, Pred::Match(*regex));
                }
                None => self.walk(lhs),
            },
            ExprKind::Call { func, args } => match (func, args.as_slice()) {
                (Builtin::StartsWith, [a, b]) => self.infix(a, b, Pred::Starts, Pred::PrefixOf),
                (Builtin::EndsWith, [a, b]) => self.infix(a, b, Pred::Ends, Pred::SuffixOf),
                (Builtin::Contains, [a, b]) => self.infix(a, b, Pred::Contains, Pred::InfixOf),
                (Builtin::Len, [a]) => match term_of(a, self.s) {
                    Some(t) => {
                        if !self.out.lens.contains(&t) {
                            self.out.lens.push(t);
                        }
                    }
                    None => self.walk(a),
                },
                _ => {
                    for a in args {
                        self.walk(a);
                    }
                }
            },
            _ => {
                for c in expr::children(e) {
                    self.walk(c);
                }
            }
        }
    }

    /// `f(a, b)` for `starts_with`, `ends_with`, `contains`: `fwd` when the
    /// view is the first argument, `rev` when it is the second.
    fn infix(&mut self, a: &Expr, b: &Expr, fwd: fn(String) -> Pred, rev: fn(String) -> Pred) {
        match (term_of(a, self.s), term_of(b, self.s)) {
            (Some(_), None) => self.compare(a, b, fwd),
            (None, Some(_)) => self.compare(a, b, rev),
            (Some(t), Some(u)) => {
                // A view against itself always holds.
                if t != u {
                    self.inexact("two views of one string are compared with each other");
                }
            }
            (None, None) => {
                self.walk(a);
                self.walk(b);
            }
        }
    }
}
