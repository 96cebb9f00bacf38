//! Structural equality of syntax trees that ignores spans: the fast check
//! [`crate::format`] runs on every output. (The tests compare with
//! [`crate::verify::shape`] instead, an independent rendering of the same
//! relation.)
//!
//! Doc comments compare without trailing whitespace on their lines, which
//! the formatter removes.

use guard_syntax::ast::{
    Arg, Assert, Assign, Attr, Default, Event, Expected, ExpectedKind, Expr, ExprKind, Gate,
    GateField, Ident, IntLit, Item, ItemKind, OnBlock, Param, Pattern, Rule, SourceFile, State,
    Step, StrLit, Target, TargetKind, Test, TestAttr, TestStep, Tool, ToolPath, TypeExpr,
    TypeExprKind, Use, Verdict,
};

/// Equality apart from spans.
pub(crate) trait Same {
    fn same(&self, other: &Self) -> bool;
}

impl<T: Same> Same for [T] {
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

impl<T: Same> Same for Vec<T> {
    fn same(&self, other: &Self) -> bool {
        self.as_slice().same(other.as_slice())
    }
}

impl<T: Same> Same for Option<T> {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same(b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl<T: Same> Same for Box<T> {
    fn same(&self, other: &Self) -> bool {
        (**self).same(other)
    }
}

impl<A: Same, B: Same> Same for (A, B) {
    fn same(&self, other: &Self) -> bool {
        self.0.same(&other.0) && self.1.same(&other.1)
    }
}

/// Types without spans: plain equality.
macro_rules! same_by_eq {
    ($($t:ty),*) => {$(
        impl Same for $t {
            fn same(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}

same_by_eq!(
    bool,
    i64,
    u64,
    String,
    guard_syntax::ast::AssertKind,
    guard_syntax::ast::Link,
    guard_syntax::ast::UnOp,
    guard_syntax::ast::BinOp,
    guard_syntax::ast::MatchKind
);

/// Structs: the listed fields (every field but spans).
macro_rules! same_fields {
    ($($t:ty { $($f:ident),* })*) => {$(
        impl Same for $t {
            fn same(&self, other: &Self) -> bool {
                true $(&& self.$f.same(&other.$f))*
            }
        }
    )*};
}

same_fields! {
    SourceFile { items }
    Ident { text }
    ToolPath { segments }
    StrLit { value }
    IntLit { value }
    Tool { name, params, ret, labels, effects }
    Param { name, ty, optional }
    TypeExpr { kind }
    Attr { name, ty }
    State { name, ty, init }
    Gate { name, fields }
    GateField { name, value }
    Default { allow }
    Rule { verdict, target, when, because }
    Target { kind }
    OnBlock { target, when, body }
    Assign { name, value }
    Assert { name, kind, pattern }
    Pattern { first, rest }
    Step { target, when, unless_approved }
    Test { name, with, steps }
    TestAttr { name, value }
    Arg { name, value }
    Expected { kind }
    Expr { kind }
}

impl Same for Item {
    fn same(&self, other: &Self) -> bool {
        let docs_same = match (&self.doc, &other.doc) {
            (Some(a), Some(b)) => a
                .lines()
                .map(str::trim_end)
                .eq(b.lines().map(str::trim_end)),
            (None, None) => true,
            _ => false,
        };
        self.kind.same(&other.kind) && docs_same
    }
}

impl Same for ItemKind {
    fn same(&self, other: &Self) -> bool {
        use ItemKind as K;
        match (self, other) {
            (K::Policy(a), K::Policy(b)) | (K::Channel(a), K::Channel(b)) => a.same(b),
            (K::Use(a), K::Use(b)) => a.same(b),
            (K::Label(a), K::Label(b)) | (K::Effect(a), K::Effect(b)) => a.same(b),
            (K::Tool(a), K::Tool(b)) => a.same(b),
            (K::Attr(a), K::Attr(b)) => a.same(b),
            (K::State(a), K::State(b)) => a.same(b),
            (K::Gate(a), K::Gate(b)) => a.same(b),
            (K::Default(a), K::Default(b)) => a.same(b),
            (K::Rule(a), K::Rule(b)) => a.same(b),
            (K::On(a), K::On(b)) => a.same(b),
            (K::Assert(a), K::Assert(b)) => a.same(b),
            (K::Test(a), K::Test(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Same for Use {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Use::Module { path, names },
                Use::Module {
                    path: path_b,
                    names: names_b,
                },
            ) => path.same(path_b) && names.same(names_b),
            (Use::File(a), Use::File(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Same for TypeExprKind {
    fn same(&self, other: &Self) -> bool {
        use TypeExprKind as K;
        match (self, other) {
            (K::Named(a), K::Named(b)) => a.same(b),
            (K::Applied { name, arg }, K::Applied { name: n, arg: a }) => {
                name.same(n) && arg.same(a)
            }
            (
                K::Ranged { name, lo, hi },
                K::Ranged {
                    name: n,
                    lo: l,
                    hi: h,
                },
            ) => name.same(n) && lo.same(l) && hi.same(h),
            (K::Enum(a), K::Enum(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Same for Verdict {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Verdict::Allow, Verdict::Allow) | (Verdict::Deny, Verdict::Deny) => true,
            (Verdict::Escalate { gate }, Verdict::Escalate { gate: g }) => gate.same(g),
            (
                Verdict::Redact { regex, replacement },
                Verdict::Redact {
                    regex: r,
                    replacement: p,
                },
            ) => regex.same(r) && replacement.same(p),
            _ => false,
        }
    }
}

impl Same for TargetKind {
    fn same(&self, other: &Self) -> bool {
        use TargetKind as K;
        match (self, other) {
            (K::Tool(a), K::Tool(b)) => a.same(b),
            (K::Glob(a), K::Glob(b)) => a.same(b),
            (K::Any, K::Any) => true,
            (K::Set(a), K::Set(b)) => a.same(b),
            (K::Output(a), K::Output(b)) => a.same(b),
            _ => false,
        }
    }
}

impl Same for TestStep {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (
                TestStep::Event {
                    event, expected, ..
                },
                TestStep::Event {
                    event: e,
                    expected: x,
                    ..
                },
            ) => event.same(e) && expected.same(x),
            (TestStep::Expect { expr, .. }, TestStep::Expect { expr: e, .. }) => expr.same(e),
            _ => false,
        }
    }
}

impl Same for Event {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Event::Call { tool, args, .. },
                Event::Call {
                    tool: t, args: a, ..
                },
            ) => tool.same(t) && args.same(a),
            (
                Event::Output { channel, text, .. },
                Event::Output {
                    channel: c,
                    text: t,
                    ..
                },
            ) => channel.same(c) && text.same(t),
            _ => false,
        }
    }
}

impl Same for ExpectedKind {
    fn same(&self, other: &Self) -> bool {
        use ExpectedKind as K;
        match (self, other) {
            (K::Allow, K::Allow) | (K::Deny, K::Deny) => true,
            (
                K::Escalate { gates, approved },
                K::Escalate {
                    gates: g,
                    approved: a,
                },
            ) => gates.same(g) && approved.same(a),
            _ => false,
        }
    }
}

impl Same for ExprKind {
    fn same(&self, other: &Self) -> bool {
        use ExprKind as K;
        match (self, other) {
            (K::Int(a), K::Int(b)) => a == b,
            (K::Str(a), K::Str(b)) => a == b,
            (K::Bool(a), K::Bool(b)) => a == b,
            (K::Duration(a), K::Duration(b)) => a == b,
            (K::List(a), K::List(b)) => a.same(b),
            (K::Name(a), K::Name(b)) | (K::Has(a), K::Has(b)) => a.same(b),
            (K::ContextHas(a), K::ContextHas(b)) => a.same(b),
            (K::Call { func, args }, K::Call { func: f, args: a }) => func.same(f) && args.same(a),
            (K::Unary { op, expr }, K::Unary { op: o, expr: e }) => op == o && expr.same(e),
            (
                K::Binary { op, lhs, rhs },
                K::Binary {
                    op: o,
                    lhs: l,
                    rhs: r,
                },
            ) => op == o && lhs.same(l) && rhs.same(r),
            (K::In { lhs, rhs }, K::In { lhs: l, rhs: r }) => lhs.same(l) && rhs.same(r),
            (
                K::Matches { lhs, kind, pattern },
                K::Matches {
                    lhs: l,
                    kind: k,
                    pattern: p,
                },
            ) => kind == k && lhs.same(l) && pattern.same(p),
            (K::Paren(a), K::Paren(b)) => a.same(b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_diagnostics::FileId;
    use guard_syntax::parse_file;

    fn tree(text: &str) -> SourceFile {
        parse_file(FileId(0), text).0
    }

    #[test]
    fn agrees_with_the_debug_shape_on_small_cases() {
        let cases = [
            ("allow x when a&&b;", "allow   x\n when a &&\n b ;", true),
            ("allow x when a && b;", "allow x when a || b;", false),
            ("allow x when (a);", "allow x when a;", false),
            ("tool t(a: int[0..3]);", "tool t(a: int[0..4]);", false),
            ("/// d  \ntool t();", "/// d\ntool t();", true),
            ("/// d\ntool t();", "/// e\ntool t();", false),
            (
                "test \"t\" { x.y(a: 1) => escalate g approved; }",
                "test \"t\" {x.y(a:1)=>escalate g approved;}",
                true,
            ),
            (
                "test \"t\" { x.y(a: 1) => escalate g; }",
                "test \"t\" { x.y(a: 1) => escalate g rejected; }",
                false,
            ),
        ];
        for (a, b, want) in cases {
            let (a, b) = (tree(a), tree(b));
            assert_eq!(a.same(&b), want, "{a:?} vs {b:?}");
            assert_eq!(crate::verify::shape(&a) == crate::verify::shape(&b), want);
        }
    }
}
