//! The spanned abstract syntax tree. It is exactly what the source says:
//! names are unresolved strings, types are unchecked type expressions, and
//! nothing is desugared, so the formatter and the language server can
//! reproduce and point at what the user wrote.
//!
//! Invariant: every node carries the byte span of the source it came from,
//! and a parent's span covers its children's.

use guard_diagnostics::Span;

/// A parsed file: the items that parsed, in source order. Items that failed
/// to parse are absent (their diagnostics were reported) so later phases see
/// a well-formed, possibly partial, file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceFile {
    pub items: Vec<Item>,
}

/// A name as written; backticks are stripped, so `` `get-env` `` has
/// `text == "get-env"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub text: String,
    pub span: Span,
}

/// A dotted tool name such as `github.create_issue`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ToolPath {
    pub segments: Vec<Ident>,
    pub span: Span,
}

impl ToolPath {
    /// The name as written, segments joined with `.`.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(&s.text);
        }
        out
    }
}

/// A string literal with escapes already processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
    /// The `///` comment block directly above the item, with the `///`
    /// markers and one following space removed from each line.
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    /// `policy NAME;`
    Policy(Ident),
    Use(Use),
    /// `label a, b;`
    Label(Vec<Ident>),
    /// `effect read, write;` — declares effect tags (extension; see
    /// docs/language.md). Effects stay free-form; declarations feed the
    /// "unknown effect tag" lint and hover.
    Effect(Vec<Ident>),
    Tool(Tool),
    Attr(Attr),
    State(State),
    Gate(Gate),
    /// `channel NAME;`
    Channel(Ident),
    Default(Default),
    Rule(Rule),
    On(OnBlock),
    Assert(Assert),
    Test(Test),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Use {
    /// `use std::labels;` (`names == None`, the whole module) or
    /// `use std::labels::{a, b};`. Selected names may be dotted tool names.
    Module {
        path: Vec<Ident>,
        names: Option<Vec<ToolPath>>,
    },
    /// `use "./tools.guard";`
    File(StrLit),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: ToolPath,
    pub params: Vec<Param>,
    /// `-> T`
    pub ret: Option<TypeExpr>,
    /// `labels [..]`; `None` when the clause is absent.
    pub labels: Option<Vec<Ident>>,
    /// `effects [..]`; `None` when the clause is absent.
    pub effects: Option<Vec<Ident>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    /// Written `T?`.
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExprKind {
    /// A type name: `bool`, `int`, `str`, `path`, `url`, `json`, or a
    /// misspelling the checker reports.
    Named(Ident),
    /// `NAME<T>`, e.g. `list<str>`.
    Applied { name: Ident, arg: Box<TypeExpr> },
    /// `NAME[lo..hi]`, e.g. `int[0..5]`.
    Ranged { name: Ident, lo: IntLit, hi: IntLit },
    /// `enum { a, b }`
    Enum(Vec<Ident>),
}

/// An integer literal, possibly negative (`-3`), as in range bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntLit {
    pub value: i64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub name: Ident,
    pub ty: TypeExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: Ident,
    pub ty: TypeExpr,
    pub init: Expr,
}

/// `gate NAME { field: expr; ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub name: Ident,
    pub fields: Vec<GateField>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateField {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `default allow;` / `default deny;`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Default {
    pub allow: bool,
    /// Span of the `allow`/`deny` word.
    pub verdict_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub verdict: Verdict,
    /// Span of the verdict keyword (`allow`, `deny`, `escalate`, `redact`).
    pub verdict_span: Span,
    pub target: Target,
    pub when: Option<Expr>,
    pub because: Option<StrLit>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow,
    Deny,
    /// `escalate TARGET to GATE`
    Escalate {
        gate: Ident,
    },
    /// `redact output C matching regex "RE" with "REPLACEMENT"`; the target
    /// is always `Target::Output`.
    Redact {
        regex: StrLit,
        replacement: StrLit,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub kind: TargetKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    /// `mail.send`
    Tool(ToolPath),
    /// `fs.*` or `*.read`: a dotted name in which some segment is `*`.
    /// Each segment is `None` for `*`. A `*` matches exactly one segment,
    /// except a trailing `*`, which matches one or more.
    Glob(Vec<Option<Ident>>),
    /// `*`: every tool.
    Any,
    /// `{mail.send, http.post}`
    Set(Vec<ToolPath>),
    /// `output CHANNEL`
    Output(Ident),
}

/// `on TARGET [when EXPR] { NAME = EXPR; ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct OnBlock {
    pub target: Target,
    pub when: Option<Expr>,
    pub body: Vec<Assign>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assert {
    pub name: Ident,
    pub kind: AssertKind,
    pub pattern: Pattern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertKind {
    Never,
    Possible,
}

/// `step (link step)*`
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub first: Step,
    pub rest: Vec<(Link, Step)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `~>`: some later executed event.
    Eventually,
    /// `->`: the very next executed event.
    Next,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub target: Target,
    pub when: Option<Expr>,
    /// `unless approved GATE`
    pub unless_approved: Option<Ident>,
    pub span: Span,
}

/// `test "name" [with a = v, ...] { step* }`
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: StrLit,
    pub with: Vec<TestAttr>,
    pub steps: Vec<TestStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestAttr {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestStep {
    /// `EVENT => VERDICT;`
    Event {
        event: Event,
        expected: Expected,
        span: Span,
    },
    /// `expect EXPR;`
    Expect { expr: Expr, span: Span },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `tool.name(arg: value, ...)`
    Call {
        tool: ToolPath,
        args: Vec<Arg>,
        span: Span,
    },
    /// `output CHANNEL(text)`
    Output {
        channel: Ident,
        text: Expr,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub kind: ExpectedKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedKind {
    Allow,
    Deny,
    /// `escalate G1, G2 [approved | rejected]`; `approved == None` means
    /// the answer was not written (it defaults to rejected).
    Escalate {
        gates: Vec<Ident>,
        approved: Option<bool>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Str(String),
    Bool(bool),
    /// A duration in milliseconds (`30s` is 30_000).
    Duration(u64),
    /// `[a, b]`
    List(Vec<Expr>),
    /// A bare name: parameter, state, attribute or enum variant.
    Name(Ident),
    /// `f(a, b)` for the built-in functions.
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `has(param)`; `has` is a reserved word, so this is its own form.
    Has(Ident),
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x in list`
    In {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x matches glob "G"` / `x matches regex "R"`
    Matches {
        lhs: Box<Expr>,
        kind: MatchKind,
        pattern: StrLit,
    },
    /// `context has LABEL`
    ContextHas(Ident),
    /// `( e )`, kept so the formatter can reproduce it.
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Glob,
    Regex,
}
