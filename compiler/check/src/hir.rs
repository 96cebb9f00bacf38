//! The high-level IR: a checked policy with every name resolved to an id
//! and every expression typed. It is what lowering (bytecode, verifier),
//! the language server and documentation read.
//!
//! Invariants, when a `Program` exists (only for policies without errors):
//! every id indexes its table; every `Expr` is well typed (`ty` is never
//! `Type::Error`); every `when` has type `Bool`; rule and on-block targets
//! name at least one tool or exactly one channel; parameters named by an
//! expression exist with that type on every tool of the enclosing target;
//! regexes and globs compile; state initial values are in range.

use guard_diagnostics::{FileId, Span};
/// Binary operators are the same in the AST and the HIR.
pub use guard_syntax::ast::BinOp;

/// Limits of the bytecode format, enforced by the checker (E0401) so that
/// every checked program can be compiled.
pub mod limits {
    /// Labels: the session context is a 64-bit set.
    pub const MAX_LABELS: usize = 64;
    /// Gates: an escalation names a 64-bit set of gates.
    pub const MAX_GATES: usize = 64;
    /// Parameters of one tool (an 8-bit operand).
    pub const MAX_PARAMS: usize = 255;
    /// State variables, attributes, enum types (16-bit operands).
    pub const MAX_INDEX: usize = 65_535;
    /// The deepest operand stack a compiled condition may need (the
    /// runtime's `op::MAX_STACK`; a test keeps the two equal).
    pub const MAX_STACK: usize = 64;
}

macro_rules! id {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize { self.0 as usize }
        }
    )*};
}

id! {
    /// Index into [`Program::tools`].
    ToolId;
    /// Index into [`Program::labels`].
    LabelId;
    /// Index into [`Program::states`].
    StateId;
    /// Index into [`Program::attrs`].
    AttrId;
    /// Index into [`Program::gates`].
    GateId;
    /// Index into [`Program::channels`].
    ChannelId;
    /// Index into [`Program::enums`].
    EnumId;
    /// Index into [`Program::rules`]; stable: rules are numbered in module
    /// order (imports before importers, root last), then source order.
    RuleId;
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    /// `int[lo..hi]`, both bounds inclusive; only for state and attributes.
    IntRange(i64, i64),
    Str,
    Path,
    Url,
    /// Any JSON value; opaque to rules except `has`.
    Json,
    /// Milliseconds; only gate timeouts have this type.
    Duration,
    Enum(EnumId),
    List(Box<Type>),
    /// The type of a list literal with no elements: fits any list.
    EmptyList,
    /// A sub-expression that already failed to check. It is compatible
    /// with everything so one mistake yields one diagnostic. Never present
    /// in a finished `Program`.
    Error,
}

impl Type {
    /// `str`, `path` and `url` all hold text and take the string functions.
    pub fn is_stringy(&self) -> bool {
        matches!(self, Type::Str | Type::Path | Type::Url | Type::Error)
    }

    pub fn is_int(&self) -> bool {
        matches!(self, Type::Int | Type::IntRange(..) | Type::Error)
    }

    /// Types whose values form a finite set (the state types).
    pub fn is_finite(&self) -> bool {
        matches!(self, Type::Bool | Type::Enum(_) | Type::IntRange(..))
    }
}

/// A constant value: state initialisers, test arguments and attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    Duration(u64),
    /// An enum variant by its index in [`EnumDecl::variants`].
    Enum(EnumId, u32),
    List(Vec<Value>),
}

/// An enum type. Enum types are structural: `enum { dev, prod }` written
/// twice (say for an attribute and a parameter) is one type, so the two can
/// be compared. Variants keep the order of the first declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDecl {
    pub variants: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Program {
    /// From `policy NAME;`, else the root file's stem.
    pub name: String,
    pub root: FileId,
    /// `default allow;` present. The default is deny.
    pub default_allow: bool,
    pub labels: Vec<LabelDecl>,
    /// Effect tags declared with `effect` (by the stdlib or the user).
    pub effects: Vec<EffectDecl>,
    pub enums: Vec<EnumDecl>,
    pub tools: Vec<ToolDecl>,
    pub attrs: Vec<AttrDecl>,
    pub states: Vec<StateDecl>,
    pub gates: Vec<GateDecl>,
    pub channels: Vec<ChannelDecl>,
    pub rules: Vec<Rule>,
    pub on_blocks: Vec<OnBlock>,
    pub asserts: Vec<Assert>,
    pub tests: Vec<Test>,
}

impl Program {
    pub fn tool(&self, id: ToolId) -> &ToolDecl {
        &self.tools[id.index()]
    }

    pub fn tool_by_name(&self, name: &str) -> Option<ToolId> {
        self.tools
            .iter()
            .position(|t| t.name == name)
            .map(|i| ToolId(i as u32))
    }

    pub fn variant_name(&self, e: EnumId, v: u32) -> &str {
        self.enums[e.index()].variants[v as usize].as_str()
    }
}

/// Where a declaration came from and what it says about itself.
#[derive(Debug, Clone)]
pub struct DeclInfo {
    pub name: String,
    /// The name token at the declaration.
    pub name_span: Span,
    /// The whole item.
    pub span: Span,
    pub doc: Option<String>,
    /// Declared in the embedded standard library (not the user's files).
    pub in_stdlib: bool,
}

#[derive(Debug, Clone)]
pub struct LabelDecl {
    pub info: DeclInfo,
}

#[derive(Debug, Clone)]
pub struct EffectDecl {
    pub info: DeclInfo,
}

#[derive(Debug, Clone)]
pub struct ToolDecl {
    /// The dotted name, e.g. `github.create_issue`.
    pub name: String,
    pub info: DeclInfo,
    pub params: Vec<ParamDecl>,
    pub ret: Option<Type>,
    pub labels: Vec<LabelId>,
    /// Free-form effect tags, as written.
    pub effects: Vec<String>,
}

impl ToolDecl {
    pub fn param(&self, name: &str) -> Option<(usize, &ParamDecl)> {
        self.params.iter().enumerate().find(|(_, p)| p.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct AttrDecl {
    pub info: DeclInfo,
    pub ty: Type,
}

#[derive(Debug, Clone)]
pub struct StateDecl {
    pub info: DeclInfo,
    /// `Bool`, `Enum` or `IntRange`.
    pub ty: Type,
    pub init: Value,
}

#[derive(Debug, Clone)]
pub struct GateDecl {
    pub info: DeclInfo,
    pub approvers: Vec<String>,
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct ChannelDecl {
    pub info: DeclInfo,
}

/// How a tool target was written, kept for explanations and the lints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetForm {
    Name,
    /// The glob as written, e.g. `fs.*`.
    Glob(String),
    Any,
    Set,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The tools the target denotes, sorted, no duplicates, never empty.
    Tools {
        tools: Vec<ToolId>,
        form: TargetForm,
    },
    Output(ChannelId),
}

impl Target {
    pub fn tools(&self) -> &[ToolId] {
        match self {
            Target::Tools { tools, .. } => tools,
            Target::Output(_) => &[],
        }
    }

    pub fn covers_tool(&self, id: ToolId) -> bool {
        self.tools().binary_search(&id).is_ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    Escalate(GateId),
    /// Only on output targets: rewrite every match of `regex` (which must
    /// match whole substrings, leftmost-first, non-overlapping).
    Redact {
        regex: String,
        replacement: String,
    },
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: RuleId,
    pub verdict: Verdict,
    pub target: Target,
    pub target_span: Span,
    pub when: Option<Expr>,
    pub because: Option<String>,
    /// The whole rule item.
    pub span: Span,
    /// The verdict keyword.
    pub verdict_span: Span,
}

#[derive(Debug, Clone)]
pub struct OnBlock {
    pub target: Target,
    pub when: Option<Expr>,
    pub assigns: Vec<Assign>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Assign {
    pub state: StateId,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Lit(Value),
    /// A parameter of the event's tool, by name (its position differs
    /// between the tools of a glob or set target).
    Param(String),
    State(StateId),
    Attr(AttrId),
    /// The payload of an output event.
    Text,
    /// A list literal whose elements are not all constants.
    List(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    In {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `lhs matches glob "pattern"`; `regex` is the equivalent anchored
    /// regular expression the glob compiles to.
    Glob {
        lhs: Box<Expr>,
        pattern: String,
        regex: String,
    },
    /// `lhs matches regex "pattern"` (whole-value match).
    Regex {
        lhs: Box<Expr>,
        pattern: String,
    },
    ContextHas(LabelId),
    Call {
        func: Builtin,
        args: Vec<Expr>,
    },
    /// `has(param)`
    Has(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    StartsWith,
    EndsWith,
    Contains,
    Len,
    Lower,
    Host,
    Scheme,
}

impl Builtin {
    pub const ALL: &'static [(&'static str, Builtin)] = &[
        ("starts_with", Builtin::StartsWith),
        ("ends_with", Builtin::EndsWith),
        ("contains", Builtin::Contains),
        ("len", Builtin::Len),
        ("lower", Builtin::Lower),
        ("host", Builtin::Host),
        ("scheme", Builtin::Scheme),
    ];

    pub fn name(self) -> &'static str {
        Builtin::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertKind {
    Never,
    Possible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Eventually,
    Next,
}

#[derive(Debug, Clone)]
pub struct Assert {
    pub name: String,
    pub kind: AssertKind,
    /// At least one step; `links[i]` joins `steps[i]` and `steps[i + 1]`.
    pub steps: Vec<Step>,
    pub links: Vec<Link>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub target: Target,
    pub when: Option<Expr>,
    pub unless_approved: Option<GateId>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Test {
    pub name: String,
    pub name_span: Span,
    /// Attribute values given with `with`.
    pub attrs: Vec<(AttrId, Value)>,
    pub steps: Vec<TestStep>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TestStep {
    Event {
        event: TestEvent,
        expected: Expected,
        span: Span,
    },
    Expect {
        expr: Expr,
        span: Span,
    },
}

/// A concrete event of a test. It may be deliberately malformed (unknown
/// tool, bad arguments) when the step expects `deny`: the runtime must
/// deny it before any rule, and the test checks that it does.
#[derive(Debug, Clone)]
pub enum TestEvent {
    Call {
        /// `None` when the test names an undeclared tool.
        tool: Option<ToolId>,
        tool_name: String,
        args: Vec<(String, Value)>,
    },
    Output {
        /// `None` when the test names an undeclared channel.
        channel: Option<ChannelId>,
        channel_name: String,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Allow,
    Deny,
    /// The exact set of gates (sorted) and the host's answer.
    Escalate {
        gates: Vec<GateId>,
        approved: bool,
    },
}

impl Expr {
    /// The operand-stack depth the compiled form of this expression needs
    /// (codegen emits operands left to right; `&&`/`||` keep one value).
    pub fn stack_depth(&self) -> usize {
        match &self.kind {
            ExprKind::Lit(_)
            | ExprKind::Param(_)
            | ExprKind::State(_)
            | ExprKind::Attr(_)
            | ExprKind::Text
            | ExprKind::ContextHas(_)
            | ExprKind::Has(_) => 1,
            // A non-constant list only occurs as `x in [..]`, compiled as
            // `x == a || x == b ...`.
            ExprKind::List(items) => items.iter().map(|i| 1 + i.stack_depth()).max().unwrap_or(1),
            ExprKind::Not(x) | ExprKind::Neg(x) => x.stack_depth(),
            ExprKind::Glob { lhs, .. } | ExprKind::Regex { lhs, .. } => lhs.stack_depth(),
            ExprKind::Binary {
                op: BinOp::And | BinOp::Or,
                lhs,
                rhs,
            } => lhs.stack_depth().max(rhs.stack_depth()),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => {
                lhs.stack_depth().max(1 + rhs.stack_depth())
            }
            ExprKind::Call { args, .. } => args
                .iter()
                .enumerate()
                .map(|(i, a)| i + a.stack_depth())
                .max()
                .unwrap_or(1),
        }
    }

    /// Calls `f` on this expression and every sub-expression, pre-order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Lit(_)
            | ExprKind::Param(_)
            | ExprKind::State(_)
            | ExprKind::Attr(_)
            | ExprKind::Text
            | ExprKind::ContextHas(_)
            | ExprKind::Has(_) => {}
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
                for e in items {
                    e.walk(f);
                }
            }
            ExprKind::Not(e) | ExprKind::Neg(e) => e.walk(f),
            ExprKind::Glob { lhs, .. } | ExprKind::Regex { lhs, .. } => lhs.walk(f),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => {
                lhs.walk(f);
                rhs.walk(f);
            }
        }
    }
}

impl Program {
    /// Every expression of the policy with the target it is evaluated on
    /// (`None` for test `expect`s), for analyses that need to see them all.
    pub fn expressions(&self) -> Vec<(Option<&Target>, &Expr)> {
        let mut out = Vec::new();
        for r in &self.rules {
            if let Some(w) = &r.when {
                out.push((Some(&r.target), w));
            }
        }
        for o in &self.on_blocks {
            if let Some(w) = &o.when {
                out.push((Some(&o.target), w));
            }
            for a in &o.assigns {
                out.push((Some(&o.target), &a.value));
            }
        }
        for a in &self.asserts {
            for s in &a.steps {
                if let Some(w) = &s.when {
                    out.push((Some(&s.target), w));
                }
            }
        }
        for t in &self.tests {
            for s in &t.steps {
                if let TestStep::Expect { expr, .. } = s {
                    out.push((None, expr));
                }
            }
        }
        out
    }
}
