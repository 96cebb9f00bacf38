//! Reading IR expressions from the point of view of one subject: where
//! the subject occurs, which subtrees are constants, and the range of
//! values an integer subtree that does not involve the subject can take.
//! Constants are folded with the runtime's semantics (`lower` is
//! `char::to_lowercase` per character, `len` counts characters), so a
//! constant written as `lower("ABC")` is as good as `"abc"`.

use guard_ir::{BinOp, Builtin, Expr, ExprKind, Type};

use super::Subject;
use crate::value::Value;

/// The children of a node, in evaluation order.
pub(crate) fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Not(a) | ExprKind::Neg(a) => vec![a],
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => vec![lhs, rhs],
        ExprKind::Match { lhs, .. } => vec![lhs],
        ExprKind::Call { args, .. } => args.iter().collect(),
        _ => Vec::new(),
    }
}

/// Calls `f` on every node of `e`, parents before children.
pub(crate) fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    for c in children(e) {
        visit(c, f);
    }
}

/// Whether `e` is the subject itself (its value, not a `has` test).
pub(crate) fn is_base(e: &Expr, s: Subject) -> bool {
    match (&e.kind, s) {
        (ExprKind::Param(i), Subject::Param(j)) => *i == j,
        (ExprKind::Attr(i), Subject::Attr(j)) => *i == j,
        (ExprKind::Text, Subject::Text) => true,
        _ => false,
    }
}

/// Whether the value of `e` depends on the subject's value.
pub(crate) fn mentions(e: &Expr, s: Subject) -> bool {
    is_base(e, s) || children(e).into_iter().any(|c| mentions(c, s))
}

pub(crate) fn is_int(t: &Type) -> bool {
    matches!(t, Type::Int | Type::IntRange(..))
}

pub(crate) fn is_stringy(t: &Type) -> bool {
    matches!(t, Type::Str | Type::Path | Type::Url)
}

/// `lower` as the runtime computes it: each character by
/// `char::to_lowercase` (no context-dependent mappings).
pub(crate) fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The value of a constant string expression.
pub(crate) fn const_str(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.clone()),
        ExprKind::Call {
            func: Builtin::Lower,
            args,
        } => match args.as_slice() {
            [a] => const_str(a).map(|s| lower(&s)),
            _ => None,
        },
        _ => None,
    }
}

/// The value of a constant integer expression; `None` also when
/// evaluating it would overflow (a constant fault does not depend on the
/// subject).
pub(crate) fn const_int(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Neg(a) => const_int(a)?.checked_neg(),
        ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } => const_int(lhs)?.checked_add(const_int(rhs)?),
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } => const_int(lhs)?.checked_sub(const_int(rhs)?),
        ExprKind::Call {
            func: Builtin::Len,
            args,
        } => match args.as_slice() {
            [a] => match const_str(a) {
                Some(s) => i64::try_from(s.chars().count()).ok(),
                None => const_list(a).and_then(|l| i64::try_from(l.len()).ok()),
            },
            _ => None,
        },
        _ => None,
    }
}

/// A constant scalar (a list element).
pub(crate) fn const_value(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Bool(b) => Some(Value::Bool(*b)),
        ExprKind::Enum { variant, .. } => Some(Value::Enum(*variant)),
        _ => {
            if let Some(s) = const_str(e) {
                Some(Value::Str(s))
            } else {
                const_int(e).map(Value::Int)
            }
        }
    }
}

/// A constant list.
pub(crate) fn const_list(e: &Expr) -> Option<Vec<Value>> {
    match &e.kind {
        ExprKind::List(items) => items.iter().map(const_value).collect(),
        _ => None,
    }
}

/// An inclusive range of integers, wide enough that sums of a few `i64`
/// bounds do not overflow.
pub(crate) type Range = (i128, i128);

pub(crate) const FULL: Range = (i64::MIN as i128, i64::MAX as i128);

fn clamp(r: Range) -> Range {
    (r.0.clamp(FULL.0, FULL.1), r.1.clamp(FULL.0, FULL.1))
}

/// The values an integer expression can take, over-approximated by one
/// range: states, attributes and parameters by their declared ranges
/// (`int` is unbounded), `len` from 0, arithmetic by interval arithmetic.
/// Results that would overflow make the event deny, so they are not
/// values and the range is clamped to `i64`.
pub(crate) fn range_of(e: &Expr) -> Range {
    if let Some(n) = const_int(e) {
        return (i128::from(n), i128::from(n));
    }
    match &e.kind {
        ExprKind::State(_) | ExprKind::Attr(_) | ExprKind::Param(_) => match e.ty {
            Type::IntRange(lo, hi) => (i128::from(lo), i128::from(hi)),
            _ => FULL,
        },
        ExprKind::Neg(a) => {
            let (lo, hi) = range_of(a);
            clamp((-hi, -lo))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (range_of(lhs), range_of(rhs));
            match op {
                BinOp::Add => clamp((a.0 + b.0, a.1 + b.1)),
                BinOp::Sub => clamp((a.0 - b.1, a.1 - b.0)),
                _ => FULL,
            }
        }
        ExprKind::Call {
            func: Builtin::Len, ..
        } => (0, FULL.1),
        _ => FULL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> Expr {
        Expr {
            kind: ExprKind::Int(n),
            ty: Type::Int,
        }
    }

    #[test]
    fn folds_constants_like_the_runtime() {
        let lowered = Expr {
            kind: ExprKind::Call {
                func: Builtin::Lower,
                args: vec![Expr {
                    kind: ExprKind::Str("ÀBİ".into()),
                    ty: Type::Str,
                }],
            },
            ty: Type::Str,
        };
        assert_eq!(const_str(&lowered).as_deref(), Some("àbi\u{307}"));
        let overflow = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Add,
                lhs: Box::new(int(i64::MAX)),
                rhs: Box::new(int(1)),
            },
            ty: Type::Int,
        };
        assert_eq!(const_int(&overflow), None);
        // It never has a value; the clamped range over-approximates that.
        let (lo, hi) = range_of(&overflow);
        assert!(FULL.0 <= lo && lo <= hi && hi <= FULL.1);
    }

    #[test]
    fn ranges_of_states_and_sums() {
        let s = Expr {
            kind: ExprKind::State(0),
            ty: Type::IntRange(0, 10),
        };
        let sum = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Sub,
                lhs: Box::new(s.clone()),
                rhs: Box::new(int(3)),
            },
            ty: Type::Int,
        };
        assert_eq!(range_of(&sum), (-3, 7));
        assert_eq!(
            range_of(&Expr {
                kind: ExprKind::Neg(Box::new(s)),
                ty: Type::Int
            }),
            (-10, 0)
        );
    }
}
