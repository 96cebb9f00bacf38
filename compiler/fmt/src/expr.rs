//! Layout of the pieces items are made of: expressions, types, targets,
//! tool paths and bracketed lists.
//!
//! * `&&`, `||`, `+` and `-` chains break before their operators, each
//!   operand on its own line, indented one level; an operand that is a
//!   chain of another operator breaks on its own, one level deeper.
//! * Comparisons, `in`, `matches` and `context has` never break; their
//!   operands may (a long list literal breaks inside its brackets).
//! * Lists, parameter lists, arguments of test calls and sets are flat
//!   when they fit, else one element per line with a trailing comma.
//!   Built-in function calls never break.

use guard_syntax::ast::{
    BinOp, Expr, ExprKind, Ident, MatchKind, Target, TargetKind, ToolPath, TypeExpr, TypeExprKind,
    UnOp,
};
use guard_syntax::lex::Token;

use crate::names::NamePos;
use crate::printer::Printer;

/// The token of a binary operator.
fn op_token(op: BinOp) -> Token {
    match op {
        BinOp::Or => Token::OrOr,
        BinOp::And => Token::AndAnd,
        BinOp::Eq => Token::EqEq,
        BinOp::Ne => Token::Ne,
        BinOp::Lt => Token::Lt,
        BinOp::Le => Token::Le,
        BinOp::Gt => Token::Gt,
        BinOp::Ge => Token::Ge,
        BinOp::Add => Token::Plus,
        BinOp::Sub => Token::Minus,
    }
}

/// Operators that chain and may break: the same class continues a chain.
fn chain_class(op: BinOp) -> Option<u8> {
    match op {
        BinOp::Or => Some(0),
        BinOp::And => Some(1),
        BinOp::Add | BinOp::Sub => Some(2),
        _ => None,
    }
}

/// How a bracketed list is spaced when flat: `[a, b]` or `enum { a, b }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pad {
    Tight,
    Spaced,
}

impl Printer<'_> {
    pub(crate) fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Duration(_) => self.number(),
            ExprKind::Str(value) => self.string(value),
            ExprKind::Bool(b) => self.tok(if *b { Token::True } else { Token::False }),
            ExprKind::List(items) => {
                self.delimited(
                    Token::LBracket,
                    Token::RBracket,
                    Pad::Tight,
                    items,
                    |p, e| {
                        p.expr(e);
                    },
                );
            }
            ExprKind::Name(id) => self.name(id, NamePos::Plain),
            ExprKind::Call { func, args } => {
                // Built-in calls are short and never break: breaking
                // `host(url)` because a long regex follows helps nobody.
                self.name(func, NamePos::Plain);
                self.tok(Token::LParen);
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.tok(Token::Comma);
                        self.space();
                    }
                    self.expr(arg);
                }
                self.skip_trailing_comma();
                self.close_leading();
                self.tok(Token::RParen);
            }
            ExprKind::Has(id) => {
                self.tok(Token::Has);
                self.tok(Token::LParen);
                self.name(id, NamePos::Plain);
                self.tok(Token::RParen);
            }
            ExprKind::Unary { op, expr } => {
                self.tok(match op {
                    UnOp::Not => Token::Bang,
                    UnOp::Neg => Token::Minus,
                });
                self.expr(expr);
            }
            ExprKind::Binary { op, lhs, rhs } => match chain_class(*op) {
                Some(class) => self.chain(e, class),
                None => {
                    self.expr(lhs);
                    self.space();
                    self.tok(op_token(*op));
                    self.space();
                    self.expr(rhs);
                }
            },
            ExprKind::In { lhs, rhs } => {
                self.expr(lhs);
                self.space();
                self.tok(Token::In);
                self.space();
                self.expr(rhs);
            }
            ExprKind::Matches { lhs, kind, pattern } => {
                self.expr(lhs);
                self.space();
                self.tok(Token::Matches);
                self.space();
                self.tok(match kind {
                    MatchKind::Glob => Token::Glob,
                    MatchKind::Regex => Token::Regex,
                });
                self.space();
                self.string(&pattern.value);
            }
            ExprKind::ContextHas(label) => {
                self.tok(Token::Context);
                self.space();
                self.tok(Token::Has);
                self.space();
                self.name(label, NamePos::Plain);
            }
            ExprKind::Paren(inner) => {
                self.tok(Token::LParen);
                self.expr(inner);
                self.tok(Token::RParen);
            }
        }
    }

    /// A left-associative chain of one operator class, flattened so that
    /// `a && b && c` breaks as one unit.
    fn chain(&mut self, e: &Expr, class: u8) {
        let mut rest: Vec<(BinOp, &Expr)> = Vec::new();
        let mut first = e;
        while let ExprKind::Binary { op, lhs, rhs } = &first.kind {
            if chain_class(*op) != Some(class) {
                break;
            }
            rest.push((*op, rhs));
            first = lhs;
        }
        rest.reverse();
        self.open_group();
        self.expr(first);
        self.open_nest();
        for (op, operand) in rest {
            self.line();
            self.tok(op_token(op));
            self.space();
            self.expr(operand);
        }
        self.close();
        self.close();
    }

    /// `open items close`, flat when it fits, else one item per line with
    /// a trailing comma.
    pub(crate) fn delimited<T>(
        &mut self,
        open: Token,
        close: Token,
        pad: Pad,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T),
    ) {
        self.open_group();
        self.tok(open);
        if items.is_empty() {
            self.close_leading();
            self.tok(close);
            self.close();
            return;
        }
        let sep = |p: &mut Self| match pad {
            Pad::Tight => p.soft(),
            Pad::Spaced => p.line(),
        };
        self.open_nest();
        sep(self);
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.tok(Token::Comma);
                self.line();
            }
            item(self, it);
        }
        self.trailing_comma();
        self.close_leading();
        self.close();
        sep(self);
        self.tok(close);
        self.close();
    }

    /// `a, b, c` without brackets and without a trailing comma (label and
    /// effect declarations): breaks after commas, continuation indented.
    pub(crate) fn bare_list(&mut self, names: &[Ident]) {
        self.open_group();
        self.open_nest();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.tok(Token::Comma);
                self.line();
            }
            self.name(n, NamePos::Plain);
        }
        self.close();
        self.close();
    }

    pub(crate) fn tool_path(&mut self, path: &ToolPath, head: NamePos) {
        for (i, seg) in path.segments.iter().enumerate() {
            if i > 0 {
                self.tok(Token::Dot);
            }
            self.name(seg, if i == 0 { head } else { NamePos::Plain });
        }
    }

    pub(crate) fn target(&mut self, t: &Target) {
        match &t.kind {
            TargetKind::Tool(path) => self.tool_path(path, NamePos::TargetHead),
            TargetKind::Glob(segments) => {
                for (i, seg) in segments.iter().enumerate() {
                    if i > 0 {
                        self.tok(Token::Dot);
                    }
                    match seg {
                        Some(id) => {
                            let pos = if i == 0 {
                                NamePos::TargetHead
                            } else {
                                NamePos::Plain
                            };
                            self.name(id, pos);
                        }
                        None => self.tok(Token::Star),
                    }
                }
            }
            TargetKind::Any => self.tok(Token::Star),
            TargetKind::Set(paths) => {
                self.delimited(
                    Token::LBrace,
                    Token::RBrace,
                    Pad::Tight,
                    paths,
                    |p, path| {
                        p.tool_path(path, NamePos::Plain);
                    },
                );
            }
            TargetKind::Output(channel) => {
                self.tok(Token::Output);
                self.space();
                self.name(channel, NamePos::Plain);
            }
        }
    }

    pub(crate) fn ty(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeExprKind::Named(name) => self.name(name, NamePos::Plain),
            TypeExprKind::Applied { name, arg } => {
                self.name(name, NamePos::Plain);
                self.tok(Token::Lt);
                self.ty(arg);
                self.tok(Token::Gt);
            }
            TypeExprKind::Ranged { name, .. } => {
                self.name(name, NamePos::Plain);
                self.tok(Token::LBracket);
                self.int_lit();
                self.tok(Token::DotDot);
                self.int_lit();
                self.tok(Token::RBracket);
            }
            TypeExprKind::Enum(variants) => {
                self.tok(Token::Enum);
                self.space();
                self.delimited(
                    Token::LBrace,
                    Token::RBrace,
                    Pad::Spaced,
                    variants,
                    |p, v| {
                        p.name(v, NamePos::Plain);
                    },
                );
            }
        }
    }

    /// A range bound: digits as written, with the minus sign if any.
    fn int_lit(&mut self) {
        if self.peek() == Some(&Token::Minus) {
            self.tok(Token::Minus);
        }
        self.number();
    }
}
