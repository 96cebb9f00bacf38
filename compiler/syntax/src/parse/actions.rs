//! Small constructors that the grammar's actions call, so that
//! `grammar/guard.lalrpop` stays short and readable: spans from lalrpop's
//! byte locations, names, tool paths, targets and expression nodes.

use guard_diagnostics::{FileId, Span};

use crate::ast::{BinOp, Expr, ExprKind, Ident, Target, TargetKind, ToolPath, UnOp};

/// The grammar's user error type. The grammar currently has no fallible
/// actions; the type exists so that one can be added without touching the
/// error plumbing in `parse.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarError {
    pub span: Span,
    pub message: String,
}

pub fn span(file: FileId, l: usize, r: usize) -> Span {
    Span::new(file, l, r)
}

pub fn ident(file: FileId, l: usize, r: usize, text: impl Into<String>) -> Ident {
    Ident {
        text: text.into(),
        span: span(file, l, r),
    }
}

pub fn path(file: FileId, l: usize, r: usize, segments: Vec<Ident>) -> ToolPath {
    ToolPath {
        segments,
        span: span(file, l, r),
    }
}

pub fn path_push(file: FileId, l: usize, r: usize, mut p: ToolPath, seg: Ident) -> ToolPath {
    p.segments.push(seg);
    p.span = span(file, l, r);
    p
}

/// Classifies a dotted target: all names is a tool, a lone `*` is every
/// tool, anything else with a `*` segment is a glob.
pub fn glob_target(file: FileId, l: usize, r: usize, segs: Vec<Option<Ident>>) -> Target {
    let span = span(file, l, r);
    let kind = if segs.len() == 1 && segs.first().is_some_and(Option::is_none) {
        TargetKind::Any
    } else if segs.iter().all(Option::is_some) {
        TargetKind::Tool(ToolPath {
            segments: segs.into_iter().flatten().collect(),
            span,
        })
    } else {
        TargetKind::Glob(segs)
    };
    Target { kind, span }
}

pub fn binary(file: FileId, l: usize, r: usize, op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span: span(file, l, r),
    }
}

pub fn unary(file: FileId, l: usize, r: usize, op: UnOp, expr: Expr) -> Expr {
    Expr {
        kind: ExprKind::Unary {
            op,
            expr: Box::new(expr),
        },
        span: span(file, l, r),
    }
}
