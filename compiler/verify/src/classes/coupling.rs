//! Coupling: an expression that relates two subjects with infinitely many
//! values (`p == q` for two strings, `contains(text, attr)`, `a + b > 3`
//! for two `int` parameters). Per-subject classes assume that every test
//! looks at one such subject at a time; when one test looks at two, the
//! cartesian product of their witnesses misses combinations, so the
//! model is not exact. Boolean connectives only combine finished tests,
//! so they do not couple; neither do finite values (booleans, enums,
//! ranged integers), which the classes of the other subject already take
//! into account.

use guard_ir::{self as ir, BinOp, Expr, ExprKind, Type};

use super::expr;

/// Whether some expression couples two subjects that are not finite;
/// the reason if so.
pub fn coupling(exprs: &[&ir::Expr], params: &[ir::Param], attrs: &[ir::Attr]) -> Option<String> {
    exprs.iter().find_map(|e| check(e, params, attrs))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Param(u8),
    Attr(u16),
    Text,
}

fn infinite(t: &Type) -> bool {
    matches!(
        t,
        Type::Str | Type::Path | Type::Url | Type::Int | Type::List(_) | Type::Json
    )
}

fn check(e: &Expr, params: &[ir::Param], attrs: &[ir::Attr]) -> Option<String> {
    let connective = match &e.kind {
        ExprKind::Not(_) => true,
        ExprKind::Binary { op, lhs, .. } => match op {
            BinOp::And | BinOp::Or => true,
            BinOp::Eq | BinOp::Ne => matches!(lhs.ty, Type::Bool),
            _ => false,
        },
        _ => false,
    };
    if connective {
        return expr::children(e)
            .into_iter()
            .find_map(|c| check(c, params, attrs));
    }
    let mut who: Vec<Who> = Vec::new();
    subjects(e, params, attrs, &mut who);
    match who.as_slice() {
        [a, b, ..] => Some(format!(
            "an expression relates {} and {}, whose values cannot be classified separately",
            name(*a, params, attrs),
            name(*b, params, attrs)
        )),
        _ => None,
    }
}

/// The infinite subjects whose values `e` reads, in order of occurrence.
fn subjects(e: &Expr, params: &[ir::Param], attrs: &[ir::Attr], out: &mut Vec<Who>) {
    let w = match e.kind {
        ExprKind::Param(i) => params
            .get(usize::from(i))
            .filter(|p| infinite(&p.ty))
            .map(|_| Who::Param(i)),
        ExprKind::Attr(i) => attrs
            .get(usize::from(i))
            .filter(|a| infinite(&a.ty))
            .map(|_| Who::Attr(i)),
        ExprKind::Text => Some(Who::Text),
        _ => None,
    };
    if let Some(w) = w {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    for c in expr::children(e) {
        subjects(c, params, attrs, out);
    }
}

fn name(w: Who, params: &[ir::Param], attrs: &[ir::Attr]) -> String {
    match w {
        Who::Param(i) => params
            .get(usize::from(i))
            .map_or_else(|| format!("parameter {i}"), |p| format!("`{}`", p.name)),
        Who::Attr(i) => attrs
            .get(usize::from(i))
            .map_or_else(|| format!("attribute {i}"), |a| format!("`{}`", a.name)),
        Who::Text => "the output text".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(i: u8, ty: Type) -> Expr {
        Expr {
            kind: ExprKind::Param(i),
            ty,
        }
    }

    fn bin(op: BinOp, a: Expr, b: Expr, ty: Type) -> Expr {
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(a),
                rhs: Box::new(b),
            },
            ty,
        }
    }

    fn params() -> Vec<ir::Param> {
        [
            ("p", Type::Str),
            ("q", Type::Str),
            ("n", Type::IntRange(0, 3)),
            ("m", Type::Int),
        ]
        .into_iter()
        .map(|(n, ty)| ir::Param {
            name: n.into(),
            ty,
            optional: false,
        })
        .collect()
    }

    #[test]
    fn equal_strings_couple() {
        let e = bin(
            BinOp::Eq,
            param(0, Type::Str),
            param(1, Type::Str),
            Type::Bool,
        );
        let why = coupling(&[&e], &params(), &[]).unwrap();
        assert!(why.contains("`p`") && why.contains("`q`"), "{why}");
    }

    #[test]
    fn connectives_and_finite_values_do_not_couple() {
        let s = |i| {
            bin(
                BinOp::Eq,
                param(i, Type::Str),
                Expr {
                    kind: ExprKind::Str("a".into()),
                    ty: Type::Str,
                },
                Type::Bool,
            )
        };
        let e = bin(BinOp::And, s(0), s(1), Type::Bool);
        assert_eq!(coupling(&[&e], &params(), &[]), None);
        let e = bin(BinOp::Eq, s(0), s(1), Type::Bool);
        assert_eq!(coupling(&[&e], &params(), &[]), None);
        let sum = bin(
            BinOp::Add,
            param(3, Type::Int),
            param(2, Type::IntRange(0, 3)),
            Type::Int,
        );
        assert_eq!(coupling(&[&sum], &params(), &[]), None);
        let sum = bin(
            BinOp::Add,
            param(3, Type::Int),
            param(3, Type::Int),
            Type::Int,
        );
        assert_eq!(coupling(&[&sum], &params(), &[]), None);
    }

    #[test]
    fn text_and_attributes_couple() {
        let attrs = vec![ir::Attr {
            name: "who".into(),
            ty: Type::Str,
        }];
        let e = Expr {
            kind: ExprKind::Call {
                func: ir::Builtin::Contains,
                args: vec![
                    Expr {
                        kind: ExprKind::Text,
                        ty: Type::Str,
                    },
                    Expr {
                        kind: ExprKind::Attr(0),
                        ty: Type::Str,
                    },
                ],
            },
            ty: Type::Bool,
        };
        let why = coupling(&[&e], &[], &attrs).unwrap();
        assert!(
            why.contains("output text") && why.contains("`who`"),
            "{why}"
        );
    }
}
