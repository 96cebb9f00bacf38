//! The image model: a compiled policy as plain data, exactly what the
//! binary image holds. The compiler builds one and calls
//! [`crate::format::encode`]; the loader decodes bytes into one, validates
//! it, and only then builds the executable [`crate::Policy`] from it.
//!
//! Everything is referred to by index: strings by [`StrId`] into
//! `strings`, code by [`CodeRef`] into `code`, constants, regexes, states,
//! attributes, gates, labels and enums by their position. Rule ids are the
//! compiler's (stable across builds of the same sources) and key the debug
//! section.
//!
//! Limits (checked by the compiler and again by the loader): at most 64
//! labels (the session context is a 64-bit set), 64 gates (an escalation
//! names a 64-bit set of gates), 255 parameters per tool, 65,535 states,
//! attributes, constants and regexes.

/// Index into [`Image::strings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StrId(pub u32);

/// A code block: `len` bytes at `start` in [`Image::code`], ending in `Ret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CodeRef {
    pub start: u32,
    pub len: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Image {
    /// From `policy NAME;`.
    pub name: StrId,
    /// `default allow;` (otherwise the default is deny).
    pub default_allow: bool,
    pub strings: Vec<String>,
    /// Label names; a label's index is its bit in the session context.
    pub labels: Vec<StrId>,
    /// Enum types, each the list of its variant names; values of an enum
    /// are variant indices.
    pub enums: Vec<Vec<StrId>>,
    pub tools: Vec<Tool>,
    pub channels: Vec<Channel>,
    pub attrs: Vec<Attr>,
    pub states: Vec<StateVar>,
    pub gates: Vec<Gate>,
    /// Regular expressions as source text, matched against whole values
    /// (globs arrive already translated).
    pub regexes: Vec<StrId>,
    /// Either empty or one entry per regex: the regex compiled ahead of
    /// time into character-class DFAs, for the uses the image makes of it.
    /// A use without a table is compiled from the source text at load.
    pub regex_tables: Vec<RegexTables>,
    pub consts: Vec<Const>,
    /// All code blocks, concatenated.
    pub code: Vec<u8>,
    /// Present unless the image was built with `--strip`.
    pub debug: Option<Debug>,
}

/// One regex compiled ahead of time (`crate::regex::table` builds and
/// runs these; `runtime/README.md` documents the encoding).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegexTables {
    /// For `matches regex`: the anchored DFA of the whole value.
    pub whole: Option<CharDfa>,
    /// For `redact`: the unanchored forward DFA that finds where the
    /// leftmost-first match ends, and the anchored reverse DFA that finds
    /// where it starts.
    pub search: Option<(CharDfa, CharDfa)>,
}

/// A DFA over *character classes*: Unicode scalar values are mapped to a
/// class by `ranges`, and `next[state * classes + class]` is the state
/// after one character. State 0 is the dead state. `matched[s]` says that
/// a match ends (forward) or starts (reverse) at the character boundary
/// where the DFA is in state `s`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CharDfa {
    pub start: u16,
    pub classes: u16,
    /// `(first scalar value, class)`, sorted, the first at 0: each class
    /// holds from its first value up to the next entry's.
    pub ranges: Vec<(u32, u16)>,
    pub next: Vec<u16>,
    pub matched: Vec<bool>,
}

/// The type of a parameter or attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueType {
    Bool,
    Int,
    /// Only for attributes: an int that must lie in `lo..=hi`.
    IntRange(i64, i64),
    Str,
    /// A string normalised as a path before rules see it.
    Path,
    /// A string that must parse as a URL.
    Url,
    /// Any JSON value; rules only test its presence.
    Json,
    /// A variant of `enums[i]`, given by name.
    Enum(u16),
    /// A list of scalars (never of lists or JSON).
    List(Box<ValueType>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: StrId,
    pub ty: ValueType,
    pub optional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// The dotted name, e.g. `mail.send`.
    pub name: StrId,
    pub params: Vec<Param>,
    /// Bits of the labels the result carries (added to the context when
    /// the call executes).
    pub result_labels: u64,
    /// Every rule whose target covers this tool, in rule-id order. Guards
    /// may read this tool's parameters.
    pub rules: Vec<Rule>,
    /// Every effect block whose target covers this tool, in source order.
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: StrId,
    /// Rules on `output NAME`; guards may read `LoadText`.
    pub rules: Vec<Rule>,
    pub effects: Vec<Effect>,
    /// `redact` rules, in source order.
    pub redactions: Vec<Redaction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// Escalate to `gates[i]`.
    Escalate(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The compiler's rule id (see [`Debug::rules`]).
    pub id: u32,
    pub verdict: Verdict,
    /// `None`: the rule always matches its target.
    pub guard: Option<CodeRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub id: u32,
    /// Index into [`Image::regexes`]; every leftmost-first,
    /// non-overlapping match is replaced.
    pub regex: u16,
    /// Inserted literally (no group references).
    pub replacement: StrId,
    pub guard: Option<CodeRef>,
}

/// An `on` block: if `guard` holds in the pre-state, run `assigns` in
/// order; each value is computed on the state as updated so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub guard: Option<CodeRef>,
    pub assigns: Vec<Assign>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assign {
    pub state: u16,
    pub value: CodeRef,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateKind {
    Bool,
    /// A variant index of `enums[i]`.
    Enum(u16),
    /// An integer in `lo..=hi`.
    Int {
        lo: i64,
        hi: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVar {
    pub name: StrId,
    pub kind: StateKind,
    /// Initial value: 0/1 for bools, a variant index, or the integer.
    pub init: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: StrId,
    pub ty: ValueType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub name: StrId,
    pub approvers: Vec<StrId>,
    pub timeout_ms: Option<u64>,
}

/// A constant operand of `PushConst`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Const {
    Int(i64),
    /// A boolean; only as an element of a [`Const::List`] (`PushTrue` and
    /// `PushFalse` push scalar booleans).
    Bool(bool),
    Str(StrId),
    /// A variant of `enums[e]`.
    Enum {
        e: u16,
        variant: u16,
    },
    /// A list of constants, all of one scalar kind (indices into `consts`,
    /// each lower than this constant's own index).
    List(Vec<u16>),
}

/// What the optional debug section maps.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Debug {
    /// Source file names, by index.
    pub files: Vec<StrId>,
    pub rules: Vec<RuleDebug>,
}

/// Where a rule is written and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDebug {
    pub id: u32,
    /// Index into [`Debug::files`].
    pub file: u16,
    /// 1-based line and column of the rule's start.
    pub line: u32,
    pub col: u32,
    /// Byte span of the whole rule in its file.
    pub start: u32,
    pub end: u32,
    /// The `because` text.
    pub because: Option<StrId>,
}
