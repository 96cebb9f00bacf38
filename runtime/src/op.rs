//! The instruction set of guard and effect code.
//!
//! Code is a byte string: a one-byte opcode followed by its operands,
//! little-endian, of the fixed widths [`Op::operand_len`] gives. A code
//! block (a rule guard, an effect guard, an assignment's value) runs on an
//! empty stack and ends with `Ret`, leaving exactly one value: a bool for
//! guards, the state variable's kind for assignments.
//!
//! Jumps are relative to the end of the jump instruction and only go
//! forward, so every block terminates; the loader checks every operand,
//! every jump target and the type and depth of the stack at every
//! instruction before anything runs.
//!
//! Reading an absent optional parameter (`LoadParam`) ends the block: a
//! guard is then false, an assignment denies the event (language.md §5,
//! docs/language.md §6).

/// The deepest the operand stack of a block may get; the loader rejects
/// deeper code, and the VM's stack never grows past it.
pub const MAX_STACK: usize = 64;

/// One instruction's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Op {
    /// `-> bool`
    PushTrue = 0x01,
    /// `-> bool`
    PushFalse = 0x02,
    /// `u16` const index; pushes that constant (int, str, enum or list).
    PushConst = 0x03,
    /// `u8` parameter index of the event's tool. Absent → block ends
    /// (guard false).
    LoadParam = 0x10,
    /// `u8` parameter index; `-> bool` presence.
    HasParam = 0x11,
    /// `u16` state index; pushes its current (pre-event) value.
    LoadState = 0x12,
    /// `u16` attribute index.
    LoadAttr = 0x13,
    /// The payload of an output event (only in channel code). `-> str`
    LoadText = 0x14,
    /// `bool -> bool`
    Not = 0x20,
    /// `int -> int`; overflow is an error (the event is denied).
    Neg = 0x21,
    /// `int int -> int`; overflow is an error.
    Add = 0x22,
    /// `int int -> int`; overflow is an error.
    Sub = 0x23,
    /// `a a -> bool` for two values of one type (bool, int, str, enum).
    Eq = 0x30,
    /// `a a -> bool`
    Ne = 0x31,
    /// `int int -> bool`
    Lt = 0x32,
    /// `int int -> bool`
    Le = 0x33,
    /// `int int -> bool`
    Gt = 0x34,
    /// `int int -> bool`
    Ge = 0x35,
    /// `a list<a> -> bool` membership.
    In = 0x36,
    /// `u16` regex index; `str -> bool`, whole-value match.
    Match = 0x37,
    /// `u8` label bit; `-> bool`: the session's context holds the label.
    CtxHas = 0x38,
    /// `str str -> bool`
    StartsWith = 0x40,
    /// `str str -> bool`
    EndsWith = 0x41,
    /// `str str -> bool`
    Contains = 0x42,
    /// `str -> int` (Unicode scalar values) or `list -> int`.
    Len = 0x43,
    /// `str -> str` Unicode lower case.
    Lower = 0x44,
    /// `url -> str` the host, lower case, without port.
    Host = 0x45,
    /// `url -> str` the scheme, lower case.
    Scheme = 0x46,
    /// `u16` forward offset. `bool -> bool`: if the top is false, jump and
    /// keep it; else pop it and go on (`&&`).
    JumpIfFalse = 0x50,
    /// `u16` forward offset. If the top is true, jump and keep it; else pop
    /// it and go on (`||`).
    JumpIfTrue = 0x51,
    /// Ends the block; the top of the stack is its value.
    Ret = 0x5f,
}

impl Op {
    pub const ALL: &'static [Op] = &[
        Op::PushTrue,
        Op::PushFalse,
        Op::PushConst,
        Op::LoadParam,
        Op::HasParam,
        Op::LoadState,
        Op::LoadAttr,
        Op::LoadText,
        Op::Not,
        Op::Neg,
        Op::Add,
        Op::Sub,
        Op::Eq,
        Op::Ne,
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::In,
        Op::Match,
        Op::CtxHas,
        Op::StartsWith,
        Op::EndsWith,
        Op::Contains,
        Op::Len,
        Op::Lower,
        Op::Host,
        Op::Scheme,
        Op::JumpIfFalse,
        Op::JumpIfTrue,
        Op::Ret,
    ];

    /// Decodes an opcode byte.
    pub fn from_byte(b: u8) -> Option<Op> {
        Op::ALL.iter().copied().find(|op| *op as u8 == b)
    }

    /// Width in bytes of the operand that follows the opcode.
    pub fn operand_len(self) -> usize {
        match self {
            Op::LoadParam | Op::HasParam | Op::CtxHas => 1,
            Op::PushConst
            | Op::LoadState
            | Op::LoadAttr
            | Op::Match
            | Op::JumpIfFalse
            | Op::JumpIfTrue => 2,
            _ => 0,
        }
    }

    /// The mnemonic the disassembler prints.
    pub fn mnemonic(self) -> &'static str {
        match self {
            Op::PushTrue => "push.true",
            Op::PushFalse => "push.false",
            Op::PushConst => "push.const",
            Op::LoadParam => "load.param",
            Op::HasParam => "has.param",
            Op::LoadState => "load.state",
            Op::LoadAttr => "load.attr",
            Op::LoadText => "load.text",
            Op::Not => "not",
            Op::Neg => "neg",
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::In => "in",
            Op::Match => "match",
            Op::CtxHas => "ctx.has",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::Contains => "contains",
            Op::Len => "len",
            Op::Lower => "lower",
            Op::Host => "host",
            Op::Scheme => "scheme",
            Op::JumpIfFalse => "jump.if_false",
            Op::JumpIfTrue => "jump.if_true",
            Op::Ret => "ret",
        }
    }
}
