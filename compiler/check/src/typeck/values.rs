//! Values and type compatibility: which types compare (`unify`), which
//! values fit where (`assignable`), constant expressions and their ranges.
//! Shared by expressions, declarations and tests.

use guard_diagnostics::{Code, Diagnostic, Span};
use guard_syntax::ast;

use crate::hir::{Expr, ExprKind, Type, Value};
use crate::load::ModuleIdx;
use crate::typeck::expr::Env;
use crate::typeck::Checker;

impl Checker<'_> {
    /// Reports `e` if its type does not fit `want`.
    pub(crate) fn require(&mut self, e: &Expr, want: &Type, what: &str) -> bool {
        if assignable(&e.ty, want) {
            return true;
        }
        let msg = format!(
            "expected `{}`, found `{}`",
            self.type_name(want),
            self.type_name(&e.ty)
        );
        let code = if *want == Type::Bool && what == "condition" {
            Code::E0202
        } else {
            Code::E0201
        };
        self.diags.push(
            Diagnostic::new(code, e.span, msg)
                .with_label(format!("this {what} has the wrong type")),
        );
        false
    }

    /// Types `e` as a constant of type `want`; `what` names the context.
    pub(crate) fn constant(
        &mut self,
        module: ModuleIdx,
        e: &ast::Expr,
        want: &Type,
        what: &str,
    ) -> Option<Value> {
        let typed = self.expr(e, &Env::constant(module), Some(want));
        if typed.ty == Type::Error {
            return None;
        }
        if !self.require(&typed, want, "value") {
            return None;
        }
        let Some(v) = const_value(&typed) else {
            self.diags.push(
                Diagnostic::new(Code::E0205, e.span, format!("{what} must be a constant"))
                    .with_label("not a constant")
                    .with_help("write a literal or an enum variant"),
            );
            return None;
        };
        self.check_range(&v, want, e.span).then_some(v)
    }

    /// Reports an integer constant outside `int[lo..hi]`.
    pub(crate) fn check_range(&mut self, v: &Value, ty: &Type, span: Span) -> bool {
        if let (Value::Int(n), Type::IntRange(lo, hi)) = (v, ty) {
            if n < lo || n > hi {
                self.diags.push(
                    Diagnostic::new(
                        Code::E0206,
                        span,
                        format!("{n} is outside `int[{lo}..{hi}]`"),
                    )
                    .with_label("out of range"),
                );
                return false;
            }
        }
        true
    }
}

/// The value of a constant expression (literals, folded arithmetic,
/// lists of constants).
pub(crate) fn const_value(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Lit(v) => Some(v.clone()),
        ExprKind::List(items) => items
            .iter()
            .map(const_value)
            .collect::<Option<Vec<_>>>()
            .map(Value::List),
        _ => None,
    }
}

/// The common type of two compared values, if they can be compared.
pub(crate) fn unify(a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    match (a, b) {
        (Error, t) | (t, Error) => Some(t.clone()),
        (Int | IntRange(..), Int | IntRange(..)) => Some(Int),
        (Str, t @ (Str | Path | Url)) | (t @ (Path | Url), Str) => Some(t.clone()),
        (EmptyList, t @ (List(_) | EmptyList)) | (t @ List(_), EmptyList) => Some(t.clone()),
        (List(x), List(y)) => unify(x, y).map(|t| List(Box::new(t))),
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

/// Whether a value of type `from` may be stored where `to` is expected
/// (an argument, a state variable, an attribute).
pub(crate) fn assignable(from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Error, _) | (_, Error) => true,
        (Int | IntRange(..), Int | IntRange(..)) => true,
        (Str, Path | Url) => true,
        (_, Json) => !matches!(from, Duration),
        (EmptyList, List(_)) => true,
        (List(x), List(y)) => assignable(x, y),
        (x, y) => x == y,
    }
}
