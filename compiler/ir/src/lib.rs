//! The IR: a checked policy lowered to what enforcement and verification
//! need, and nothing else. Rules and effect blocks are distributed to the
//! tools (and channels) they cover, so each tool carries its own decision
//! formula: the guards of its rules, with parameters resolved to that
//! tool's parameter positions. Labels and gates become bit positions,
//! regexes (globs included) one deduplicated table.
//!
//! Codegen (bytecode) and the verifier both read this one structure, so
//! what is enforced and what is proved cannot drift apart.
//!
//! Invariants: every index is in range; at most 64 labels and 64 gates;
//! at most 255 parameters per tool; every expression is well typed (it
//! comes from a `hir::Program`, which only exists without errors).

mod lower;

pub use guard_check::hir::{BinOp, Builtin};
pub use lower::{lower, lower_asserts};

use guard_diagnostics::Span;

pub use guard_check::hir::limits::{MAX_GATES, MAX_INDEX, MAX_LABELS, MAX_PARAMS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub default_allow: bool,
    /// Label names; a label's index is its bit.
    pub labels: Vec<String>,
    /// Enum types as their variant names; values are variant indices.
    pub enums: Vec<Vec<String>>,
    pub tools: Vec<Tool>,
    pub channels: Vec<Channel>,
    pub attrs: Vec<Attr>,
    pub states: Vec<State>,
    pub gates: Vec<Gate>,
    /// Whole-value regular expressions (globs already translated).
    pub regexes: Vec<String>,
    /// Every rule of the policy, by id, for explanations and analyses.
    pub rules: Vec<RuleInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Int,
    IntRange(i64, i64),
    Str,
    Path,
    Url,
    Json,
    Enum(u16),
    List(Box<Type>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub params: Vec<Param>,
    /// Bits of the labels its result carries.
    pub result_labels: u64,
    /// Rules covering this tool, in rule-id order.
    pub rules: Vec<Rule>,
    /// Effect blocks covering this tool, in source order.
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub rules: Vec<Rule>,
    pub effects: Vec<Effect>,
    pub redactions: Vec<Redaction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// To the gate of this index.
    Escalate(u16),
}

/// One rule as seen by one tool or channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: u32,
    pub verdict: Verdict,
    pub guard: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub id: u32,
    pub regex: u16,
    pub replacement: String,
    pub guard: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub guard: Option<Expr>,
    pub assigns: Vec<(u16, Expr)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateKind {
    Bool,
    Enum(u16),
    Int { lo: i64, hi: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub name: String,
    pub kind: StateKind,
    /// 0/1, a variant index, or the integer.
    pub init: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub name: String,
    pub approvers: Vec<String>,
    pub timeout_ms: Option<u64>,
}

/// Where a rule is and what it says, independent of which tools it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: u32,
    pub span: Span,
    pub because: Option<String>,
}

/// A typed expression with parameters resolved to positions of the tool
/// it is evaluated for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    Str(String),
    Enum {
        e: u16,
        variant: u16,
    },
    /// A list of constants.
    List(Vec<Expr>),
    /// Parameter position in the event's tool. Evaluating an absent one
    /// makes the enclosing guard false.
    Param(u8),
    Has(u8),
    State(u16),
    Attr(u16),
    /// The payload of an output event.
    Text,
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
    /// Whole-value match of `regexes[regex]`.
    Match {
        lhs: Box<Expr>,
        regex: u16,
    },
    /// The context holds the label of this bit.
    CtxHas(u8),
    Call {
        func: Builtin,
        args: Vec<Expr>,
    },
}

/// The assertions of a policy, lowered for the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asserts {
    pub asserts: Vec<Assert>,
    /// The policy's regex table followed by the regexes only assertions
    /// use; `ExprKind::Match` in a step indexes this table.
    pub regexes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertKind {
    Never,
    Possible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `~>`: later, not necessarily next.
    Eventually,
    /// `->`: the very next executed event.
    Next,
}

/// A tool call or an output, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    Tool(u16),
    Channel(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assert {
    pub name: String,
    pub kind: AssertKind,
    /// At least one step; `links[i]` joins `steps[i]` and `steps[i + 1]`.
    pub steps: Vec<Step>,
    pub links: Vec<Link>,
    pub span: Span,
    pub name_span: Span,
}

/// One step of a pattern: the events it covers, each with its `when`
/// resolved for that event's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub events: Vec<(Event, Option<Expr>)>,
    /// `unless approved G`: events that executed through gate `G` do not
    /// match.
    pub unless_approved: Option<u16>,
    pub span: Span,
}
