//! A small term language for the exports: the z3 terms the encoder builds
//! (`symbolic`), read back after `simplify` into a plain tree that the
//! printers own, so the SMT-LIB and Promela texts are written by this
//! crate, in a dialect it controls, rather than by z3's pretty printer
//! (whose output for 4.8.12 is not guaranteed to be standard SMT-LIB).
//!
//! Operators are recognised by the name of their declaration, never by
//! `DeclKind` (architecture.md §5: its numbering does not match 4.8.12).
//! Anything else is an error: an export never guesses a meaning.

use z3::ast::{Ast, AstKind, Dynamic};

/// The most nodes one exported term may have; z3 terms are shared DAGs,
/// and a tree that grows past this is refused instead of written.
const MAX_NODES: usize = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    And,
    Or,
    Not,
    Implies,
    Xor,
    Ite,
    Eq,
    Distinct,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Neg,
    Mul,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum T {
    Bool(bool),
    Int(i128),
    /// A variable of the exported system, by index.
    Var(usize),
    /// The current event's symbolic integer argument, by index.
    Arg(usize),
    App(Op, Vec<T>),
}

impl T {
    pub fn and(parts: Vec<T>) -> T {
        T::App(Op::And, parts)
    }

    pub fn eq(a: T, b: T) -> T {
        T::App(Op::Eq, vec![a, b])
    }
}

/// Reads a (simplified) z3 term; `var` maps a constant's name to the
/// variable or argument it stands for.
pub fn from_z3(ast: &dyn Ast, var: &dyn Fn(&str) -> Option<T>) -> Result<T, String> {
    let mut budget = MAX_NODES;
    read(&Dynamic::from_ast(ast), var, &mut budget)
}

fn read(d: &Dynamic, var: &dyn Fn(&str) -> Option<T>, budget: &mut usize) -> Result<T, String> {
    *budget = budget.checked_sub(1).ok_or("a term too large to export")?;
    match d.kind() {
        AstKind::Numeral => {
            // `Display` prints integers as `5` or `(- 5)`.
            let text = d.to_string();
            let digits = text.trim_start_matches("(- ").trim_end_matches(')');
            let n: i128 = digits
                .parse()
                .map_err(|_| format!("a numeral the export cannot read: {text}"))?;
            Ok(T::Int(if text.starts_with('(') { -n } else { n }))
        }
        AstKind::App => {
            let name = d.decl().name();
            let args = d
                .children()
                .iter()
                .map(|c| read(c, var, budget))
                .collect::<Result<Vec<T>, String>>()?;
            let op = match (name.as_str(), args.len()) {
                ("true", 0) => return Ok(T::Bool(true)),
                ("false", 0) => return Ok(T::Bool(false)),
                (n, 0) => return var(n).ok_or_else(|| format!("an unknown constant `{n}`")),
                ("and", _) => Op::And,
                ("or", _) => Op::Or,
                ("not", 1) => Op::Not,
                ("=>" | "implies", 2) => Op::Implies,
                ("xor", 2) => Op::Xor,
                ("if" | "ite", 3) => Op::Ite,
                ("=" | "iff", 2) => Op::Eq,
                ("distinct", _) => Op::Distinct,
                ("<", 2) => Op::Lt,
                ("<=", 2) => Op::Le,
                (">", 2) => Op::Gt,
                (">=", 2) => Op::Ge,
                ("+", _) => Op::Add,
                ("-", 1) => Op::Neg,
                ("-", _) => Op::Sub,
                ("*", _) => Op::Mul,
                (n, k) => return Err(format!("an operator the export cannot write: `{n}`/{k}")),
            };
            Ok(T::App(op, args))
        }
        k => Err(format!("a term of kind {k:?} the export cannot write")),
    }
}

/// Whether `t` is integer-valued (`int(v)` says it for variables).
pub fn is_int(t: &T, int: &dyn Fn(usize) -> bool) -> bool {
    match t {
        T::Bool(_) => false,
        T::Int(_) | T::Arg(_) => true,
        T::Var(v) => int(*v),
        T::App(Op::Add | Op::Sub | Op::Neg | Op::Mul, _) => true,
        T::App(Op::Ite, args) => args.get(1).is_some_and(|a| is_int(a, int)),
        T::App(..) => false,
    }
}

/// SMT-LIB text of `t`; `name` gives the symbol of each `Var` and `Arg`.
pub fn smt(t: &T, name: &dyn Fn(&T) -> String) -> String {
    let mut out = String::new();
    write_smt(t, name, &mut out);
    out
}

fn write_smt(t: &T, name: &dyn Fn(&T) -> String, out: &mut String) {
    match t {
        T::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        T::Int(n) if *n < 0 => out.push_str(&format!("(- {})", n.unsigned_abs())),
        T::Int(n) => out.push_str(&n.to_string()),
        T::Var(_) | T::Arg(_) => out.push_str(&name(t)),
        // SMT-LIB's `and`/`or` need no arguments in z3, but cvc5 wants at
        // least one: write the neutral element or the only argument.
        T::App(Op::And, args) if args.is_empty() => out.push_str("true"),
        T::App(Op::Or, args) if args.is_empty() => out.push_str("false"),
        T::App(Op::And | Op::Or | Op::Add | Op::Mul, args) if args.len() == 1 => {
            write_smt(&args[0], name, out)
        }
        T::App(op, args) => {
            out.push('(');
            out.push_str(match op {
                Op::And => "and",
                Op::Or => "or",
                Op::Not => "not",
                Op::Implies => "=>",
                Op::Xor => "xor",
                Op::Ite => "ite",
                Op::Eq => "=",
                Op::Distinct => "distinct",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
                Op::Add => "+",
                Op::Sub | Op::Neg => "-",
                Op::Mul => "*",
            });
            for a in args {
                out.push(' ');
                write_smt(a, name, out);
            }
            out.push(')');
        }
    }
}

/// A symbol SMT-LIB and Promela both accept, made of `text`'s letters,
/// digits and underscores.
pub fn ident(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}
