//! The runtime's errors and their stable codes.
//!
//! The compiler's registry reserves `E04xx` for bytecode and the runtime;
//! `E0401` is the compiler's own ("policy exceeds a limit of the bytecode
//! format"). The runtime's codes start at `E0410`:
//!
//! * `E0410`–`E0429`: the image cannot be decoded ([`LoadError`], format);
//! * `E0430`–`E0449`: the image decodes but is not valid ([`LoadError`],
//!   validation);
//! * `E0450`–`E0459`: a session cannot be opened or restored
//!   ([`SessionError`]);
//! * `E0460`–`E0469`: a ticket cannot be resolved ([`TicketError`]);
//! * `E0470`–`E0479`: a JSON event is malformed (`EventError`, feature
//!   `json`).
//!
//! A code is never reused or renumbered: hosts match on them. Each error
//! names the byte offset it applies to where there is one (in the image,
//! in the code section, in the snapshot or in the JSON text).

use std::fmt;

/// Which part of an image a validation error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// The policy as a whole (its name, limits, tables).
    Policy,
    Tool(u32),
    Channel(u32),
    Attr(u32),
    State(u32),
    Gate(u32),
    Enum(u32),
    Const(u32),
    Regex(u32),
    Label(u32),
    Debug,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Policy => write!(f, "the policy"),
            Item::Tool(i) => write!(f, "tool #{i}"),
            Item::Channel(i) => write!(f, "channel #{i}"),
            Item::Attr(i) => write!(f, "attribute #{i}"),
            Item::State(i) => write!(f, "state #{i}"),
            Item::Gate(i) => write!(f, "gate #{i}"),
            Item::Enum(i) => write!(f, "enum #{i}"),
            Item::Const(i) => write!(f, "constant #{i}"),
            Item::Regex(i) => write!(f, "regex #{i}"),
            Item::Label(i) => write!(f, "label #{i}"),
            Item::Debug => write!(f, "the debug section"),
        }
    }
}

/// Where a validation error applies: an item, and for code a byte offset
/// into the image's code section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub item: Item,
    pub code_offset: Option<u32>,
}

impl At {
    pub fn item(item: Item) -> At {
        At {
            item,
            code_offset: None,
        }
    }

    pub fn code(item: Item, offset: u32) -> At {
        At {
            item,
            code_offset: Some(offset),
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code_offset {
            Some(o) => write!(f, "{} (code offset {o:#06x})", self.item),
            None => write!(f, "{}", self.item),
        }
    }
}

/// Why an image was refused. Decoding and validation are total: every
/// input, however corrupt, ends in `Ok` or in one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    // --- format (offsets are bytes from the start of the image) ---
    /// The first four bytes are not `GRDI`.
    BadMagic,
    /// A format version this runtime does not read.
    UnsupportedVersion {
        version: u16,
    },
    /// Header flag bits this runtime does not know.
    UnknownFlags {
        flags: u16,
    },
    /// The input ends before a value that starts at `offset`.
    Truncated {
        offset: usize,
    },
    /// Bytes after the body the header announces.
    TrailingBytes {
        offset: usize,
    },
    /// The CRC-32 of the body is not the one the header records.
    BadChecksum {
        expected: u32,
        actual: u32,
    },
    /// A section id this runtime does not know.
    UnknownSection {
        offset: usize,
        id: u8,
    },
    /// A section out of the fixed order, or twice.
    SectionOrder {
        offset: usize,
        id: u8,
    },
    /// A required section is absent (or the debug flag and the debug
    /// section disagree).
    MissingSection {
        id: u8,
    },
    /// A section header's reserved bytes are not zero.
    ReservedBytes {
        offset: usize,
    },
    /// A section's payload is not exactly as long as its header says.
    SectionLength {
        offset: usize,
    },
    /// A string is not UTF-8.
    BadUtf8 {
        offset: usize,
    },
    /// An unknown tag for a variant-like value (a type, a verdict, ...).
    BadTag {
        offset: usize,
        what: &'static str,
        tag: u8,
    },
    /// A value type nested deeper than the format allows.
    TooDeep {
        offset: usize,
    },

    // --- validation ---
    /// An index (string, constant, state, ...) out of range.
    Index {
        what: &'static str,
        index: u64,
        len: u64,
        at: At,
    },
    /// More of something than the format allows.
    TooMany {
        what: &'static str,
        count: u64,
        max: u64,
    },
    /// Two tools, channels, attributes, parameters or variants share a
    /// name, so lookups by name would be ambiguous.
    Duplicate {
        what: &'static str,
        name: String,
        at: At,
    },
    /// A code reference outside the code section, or empty.
    BadBlock {
        at: At,
    },
    /// A byte that is no opcode.
    BadOpcode {
        byte: u8,
        at: At,
    },
    /// An instruction whose operand runs past the end of its block.
    TruncatedInstruction {
        at: At,
    },
    /// A jump backwards, outside its block or into an instruction.
    BadJump {
        at: At,
    },
    /// An instruction no path reaches.
    Unreachable {
        at: At,
    },
    StackUnderflow {
        at: At,
    },
    /// Deeper than [`crate::op::MAX_STACK`].
    StackOverflow {
        at: At,
    },
    /// Two paths reach an instruction with different stacks.
    StackMismatch {
        at: At,
    },
    /// An operand of the wrong type for the instruction.
    TypeMismatch {
        op: &'static str,
        at: At,
    },
    /// The block does not end in `Ret`.
    MissingRet {
        at: At,
    },
    /// `Ret` with other than one value of the type the block must give.
    BadReturn {
        at: At,
    },
    /// `LoadText` in code that is not a channel's, or a parameter read in
    /// a channel's.
    WrongContext {
        op: &'static str,
        at: At,
    },
    /// A constant that is not well formed.
    BadConst {
        why: &'static str,
        at: At,
    },
    /// A state variable whose range or initial value is not well formed.
    BadState {
        why: &'static str,
        at: At,
    },
    /// A parameter or attribute type that is not allowed there.
    BadType {
        why: &'static str,
        at: At,
    },
    /// A regex that does not compile.
    Regex {
        message: String,
        at: At,
    },
}

impl LoadError {
    /// The stable code (`E04xx`).
    pub fn code(&self) -> &'static str {
        use LoadError::*;
        match self {
            BadMagic => "E0410",
            UnsupportedVersion { .. } => "E0411",
            UnknownFlags { .. } => "E0412",
            Truncated { .. } => "E0413",
            TrailingBytes { .. } => "E0414",
            BadChecksum { .. } => "E0415",
            UnknownSection { .. } => "E0416",
            SectionOrder { .. } => "E0417",
            MissingSection { .. } => "E0418",
            ReservedBytes { .. } => "E0419",
            SectionLength { .. } => "E0420",
            BadUtf8 { .. } => "E0421",
            BadTag { .. } => "E0422",
            TooDeep { .. } => "E0423",
            Index { .. } => "E0430",
            TooMany { .. } => "E0431",
            Duplicate { .. } => "E0432",
            BadBlock { .. } => "E0433",
            BadOpcode { .. } => "E0434",
            TruncatedInstruction { .. } => "E0435",
            BadJump { .. } => "E0436",
            Unreachable { .. } => "E0437",
            StackUnderflow { .. } => "E0438",
            StackOverflow { .. } => "E0439",
            StackMismatch { .. } => "E0440",
            TypeMismatch { .. } => "E0441",
            MissingRet { .. } => "E0442",
            BadReturn { .. } => "E0443",
            WrongContext { .. } => "E0444",
            BadConst { .. } => "E0445",
            BadState { .. } => "E0446",
            BadType { .. } => "E0447",
            Regex { .. } => "E0448",
        }
    }

    /// The byte offset in the image (format errors) or in the code section
    /// (code errors) the error applies to, if any.
    pub fn offset(&self) -> Option<usize> {
        use LoadError::*;
        match self {
            Truncated { offset }
            | TrailingBytes { offset }
            | UnknownSection { offset, .. }
            | SectionOrder { offset, .. }
            | ReservedBytes { offset }
            | SectionLength { offset }
            | BadUtf8 { offset }
            | BadTag { offset, .. }
            | TooDeep { offset } => Some(*offset),
            Index { at, .. }
            | Duplicate { at, .. }
            | BadBlock { at }
            | BadOpcode { at, .. }
            | TruncatedInstruction { at }
            | BadJump { at }
            | Unreachable { at }
            | StackUnderflow { at }
            | StackOverflow { at }
            | StackMismatch { at }
            | TypeMismatch { at, .. }
            | MissingRet { at }
            | BadReturn { at }
            | WrongContext { at, .. }
            | BadConst { at, .. }
            | BadState { at, .. }
            | BadType { at, .. }
            | Regex { at, .. } => at.code_offset.map(|o| o as usize),
            BadMagic
            | UnsupportedVersion { .. }
            | UnknownFlags { .. }
            | BadChecksum { .. }
            | MissingSection { .. }
            | TooMany { .. } => None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LoadError::*;
        write!(f, "{}: ", self.code())?;
        match self {
            BadMagic => write!(f, "not a Guard image (bad magic)"),
            UnsupportedVersion { version } => write!(f, "unsupported format version {version}"),
            UnknownFlags { flags } => write!(f, "unknown header flags {flags:#06x}"),
            Truncated { offset } => write!(f, "truncated image at byte {offset}"),
            TrailingBytes { offset } => write!(f, "trailing bytes at byte {offset}"),
            BadChecksum { expected, actual } => write!(
                f,
                "checksum mismatch (header {expected:#010x}, body {actual:#010x})"
            ),
            UnknownSection { offset, id } => {
                write!(f, "unknown section id {id} at byte {offset}")
            }
            SectionOrder { offset, id } => {
                write!(f, "section {id} out of order at byte {offset}")
            }
            MissingSection { id } => write!(f, "missing section {id}"),
            ReservedBytes { offset } => write!(f, "non-zero reserved bytes at byte {offset}"),
            SectionLength { offset } => write!(f, "bad section length at byte {offset}"),
            BadUtf8 { offset } => write!(f, "string at byte {offset} is not UTF-8"),
            BadTag { offset, what, tag } => write!(f, "bad {what} tag {tag} at byte {offset}"),
            TooDeep { offset } => write!(f, "type nested too deeply at byte {offset}"),
            Index {
                what,
                index,
                len,
                at,
            } => write!(f, "{what} index {index} out of range (0..{len}) in {at}"),
            TooMany { what, count, max } => write!(f, "{count} {what} (at most {max})"),
            Duplicate { what, name, at } => write!(f, "duplicate {what} `{name}` in {at}"),
            BadBlock { at } => write!(f, "code block out of bounds in {at}"),
            BadOpcode { byte, at } => write!(f, "unknown opcode {byte:#04x} in {at}"),
            TruncatedInstruction { at } => write!(f, "truncated instruction in {at}"),
            BadJump { at } => write!(f, "bad jump target in {at}"),
            Unreachable { at } => write!(f, "unreachable instruction in {at}"),
            StackUnderflow { at } => write!(f, "stack underflow in {at}"),
            StackOverflow { at } => write!(f, "stack deeper than the limit in {at}"),
            StackMismatch { at } => write!(f, "paths merge with different stacks in {at}"),
            TypeMismatch { op, at } => write!(f, "operand types do not fit `{op}` in {at}"),
            MissingRet { at } => write!(f, "block does not end in `ret` in {at}"),
            BadReturn { at } => write!(f, "block returns the wrong value in {at}"),
            WrongContext { op, at } => write!(f, "`{op}` is not allowed in {at}"),
            BadConst { why, at } => write!(f, "bad constant ({why}) in {at}"),
            BadState { why, at } => write!(f, "bad state variable ({why}) in {at}"),
            BadType { why, at } => write!(f, "bad type ({why}) in {at}"),
            Regex { message, at } => write!(f, "regex cannot be used in {at}: {message}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Why a session could not be opened or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// An attribute the policy does not declare.
    UnknownAttribute { name: String },
    /// An attribute given twice.
    DuplicateAttribute { name: String },
    /// An attribute value that does not have the declared type (or an
    /// enum name that is no variant, a path above its root, a URL that
    /// does not parse, an integer outside the attribute's range).
    AttributeValue { name: String },
    /// Not a snapshot of this format.
    SnapshotFormat { offset: usize },
    /// A snapshot taken with another image (its checksum differs).
    ForeignSnapshot { expected: u32, actual: u32 },
    /// A snapshot whose contents do not fit the policy (a state out of
    /// range, a ticket for an unknown tool, a bad checksum).
    SnapshotCorrupt { offset: usize },
}

impl SessionError {
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::UnknownAttribute { .. } => "E0450",
            SessionError::DuplicateAttribute { .. } => "E0451",
            SessionError::AttributeValue { .. } => "E0452",
            SessionError::SnapshotFormat { .. } => "E0453",
            SessionError::ForeignSnapshot { .. } => "E0454",
            SessionError::SnapshotCorrupt { .. } => "E0455",
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            SessionError::UnknownAttribute { name } => write!(f, "unknown attribute `{name}`"),
            SessionError::DuplicateAttribute { name } => {
                write!(f, "attribute `{name}` given twice")
            }
            SessionError::AttributeValue { name } => {
                write!(f, "value of attribute `{name}` does not have its type")
            }
            SessionError::SnapshotFormat { offset } => {
                write!(f, "not a session snapshot (byte {offset})")
            }
            SessionError::ForeignSnapshot { expected, actual } => write!(
                f,
                "snapshot of another image (checksum {actual:#010x}, policy {expected:#010x})"
            ),
            SessionError::SnapshotCorrupt { offset } => {
                write!(f, "corrupt session snapshot at byte {offset}")
            }
        }
    }
}

impl std::error::Error for SessionError {}

/// Why a ticket could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketError {
    /// No pending ticket has this id (never issued, already resolved, or
    /// evicted because too many were pending).
    UnknownTicket,
    /// The event given on approval is not the one that was escalated.
    EventMismatch,
}

impl TicketError {
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::UnknownTicket => "E0460",
            TicketError::EventMismatch => "E0461",
        }
    }
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketError::UnknownTicket => write!(f, "{}: no such pending ticket", self.code()),
            TicketError::EventMismatch => write!(
                f,
                "{}: the event is not the one the ticket was issued for",
                self.code()
            ),
        }
    }
}

impl std::error::Error for TicketError {}
