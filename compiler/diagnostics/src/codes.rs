//! The one registry of diagnostic codes. A code is never reused or
//! renumbered once released: tools, CI configurations and suppressions refer
//! to it. Ranges: `E00xx` lexing and parsing, `E01xx` names, `E02xx` types,
//! `E03xx` policy semantics, `E04xx` bytecode and runtime, `E05xx`
//! verification, `Wxxxx` warnings (lints; `W05xx` from the verifier).
//!
//! Each code's long explanation is a Markdown file in `explain/`, embedded
//! at compile time and shown by `guardc explain CODE`.

use crate::diagnostic::Severity;

/// What the registry knows about one code.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: Code,
    /// Short, sentence-case description (SARIF `shortDescription`).
    pub title: &'static str,
    /// Markdown: what it means, an example, how to fix it.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($id:ident => $title:literal,)*) => {
        /// A diagnostic code. The variant name is the code as written.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($id,)*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$id,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$id => stringify!($id),)*
                }
            }

            pub fn info(self) -> CodeInfo {
                match self {
                    $(Code::$id => CodeInfo {
                        code: self,
                        title: $title,
                        explanation: include_str!(concat!("../explain/", stringify!($id), ".md")),
                    },)*
                }
            }
        }
    };
}

codes! {
    // Lexing and parsing.
    E0001 => "Unterminated string literal",
    E0002 => "Invalid escape sequence in a string",
    E0003 => "Unexpected character",
    E0004 => "Unterminated block comment",
    E0005 => "Malformed backtick name",
    E0006 => "Number out of range",
    E0010 => "Syntax error",
    E0011 => "Unexpected end of item",
    E0012 => "Misplaced or repeated `policy` header",

    // Names.
    E0101 => "Unknown name",
    E0102 => "Unknown tool",
    E0103 => "Unknown label",
    E0104 => "Unknown gate",
    E0105 => "Unknown channel",
    E0106 => "Unknown type",
    E0107 => "Unknown standard-library module or item",
    E0108 => "Imported file cannot be read",
    E0109 => "Import cycle",
    E0110 => "Duplicate declaration",
    E0111 => "Tool glob matches no tool",
    E0112 => "Unknown function",
    E0113 => "Unknown parameter",
    E0114 => "Unknown enum variant",
    E0115 => "Ambiguous enum variant",
    E0116 => "Unknown attribute",
    E0117 => "Unknown gate field",
    E0118 => "Parameter not shared by every targeted tool",

    // Types.
    E0201 => "Mismatched types",
    E0202 => "Condition is not a boolean",
    E0203 => "Wrong number of arguments",
    E0204 => "State type is not finite",
    E0205 => "Expected a constant value",
    E0206 => "Constant out of range",
    E0207 => "Invalid regular expression",
    E0208 => "Invalid glob",
    E0209 => "Type not allowed here",
    E0210 => "Operator cannot be applied to these types",
    E0211 => "Right side of `in` is not a list",
    E0212 => "`has` needs a parameter",
    E0213 => "Malformed enum type",

    // Policy semantics.
    E0301 => "Assignment to something that is not state",
    E0302 => "Repeated `default`",
    E0303 => "Test omits an attribute the policy reads",
    E0304 => "Missing argument in a test step",
    E0305 => "Gate field has an invalid value",

    // Bytecode.
    E0401 => "Policy exceeds a limit of the bytecode format",

    // The runtime's own codes, E0410–E0499 (runtime/src/error.rs and
    // runtime/src/json.rs, table in runtime/README.md). The runtime does
    // not depend on the compiler, so it returns them as strings; they are
    // listed here so that `guardc explain` and SARIF know them, and
    // compiler/cli/tests/runtime_codes.rs keeps the two lists equal.
    // Image format.
    E0410 => "Not a Guard image",
    E0411 => "Unsupported image format version",
    E0412 => "Unknown image header flags",
    E0413 => "Truncated image",
    E0414 => "Trailing bytes after the image",
    E0415 => "Image checksum mismatch",
    E0416 => "Unknown image section",
    E0417 => "Image section out of order",
    E0418 => "Required image section missing",
    E0419 => "Non-zero reserved bytes in a section header",
    E0420 => "Section length does not match its payload",
    E0421 => "String in an image is not UTF-8",
    E0422 => "Unknown tag in an image",
    E0423 => "Type nested too deeply in an image",
    // Image validation.
    E0430 => "Index out of range in an image",
    E0431 => "More items than the image format allows",
    E0432 => "Duplicate name in an image",
    E0433 => "Code reference out of bounds",
    E0434 => "Unknown opcode",
    E0435 => "Instruction truncated at the end of its block",
    E0436 => "Bad jump target",
    E0437 => "Unreachable instruction",
    E0438 => "Stack underflow",
    E0439 => "Stack deeper than the limit",
    E0440 => "Paths merge with different stacks",
    E0441 => "Operand of the wrong type",
    E0442 => "Code block does not end in `ret`",
    E0443 => "Code block returns the wrong value",
    E0444 => "Instruction not allowed in this context",
    E0445 => "Malformed constant",
    E0446 => "Malformed state variable",
    E0447 => "Parameter or attribute type not allowed",
    E0448 => "Regular expression in an image does not compile",
    // Sessions.
    E0450 => "Unknown session attribute",
    E0451 => "Session attribute given twice",
    E0452 => "Session attribute value does not have its type",
    E0453 => "Not a session snapshot",
    E0454 => "Snapshot of another image",
    E0455 => "Corrupt session snapshot",
    // Tickets.
    E0460 => "No such pending ticket",
    E0461 => "Approval for another event than the escalated one",
    // JSON events.
    E0470 => "Event is not valid JSON",
    E0471 => "Event is not a JSON object",
    E0472 => "Unknown field in an event",
    E0473 => "Missing field in an event",
    E0474 => "Event field of the wrong JSON type",

    // Verification (`guardc prove`).
    E0501 => "Assertion is violated",
    E0502 => "A `possible` pattern can never occur",
    E0503 => "Verification engines disagree",
    W0501 => "Assertion could not be decided",
    W0502 => "Rule never applies in a reachable state",
    W0503 => "`allow` is always overridden",
    W0504 => "Escalation never happens",
    W0505 => "Effect can leave its state's range",

    // MCP: the input errors of `guardc import mcp` and the manifest reader
    // (E0601–E0609), the problems of `guardc proxy` by source
    // (E0610–E0619), and the manifest check's warnings.
    E0601 => "MCP tool list is not valid JSON",
    E0602 => "MCP tool list has the wrong shape",
    E0603 => "MCP input or output file cannot be read or written",
    E0604 => "MCP server failed during import",
    E0610 => "MCP client sent a message the proxy cannot read",
    E0611 => "MCP server sent something unreadable, or is gone",
    E0612 => "The runtime could not decide an event",
    E0613 => "Session state could not be saved",
    E0614 => "Approver failed, hung or is missing",
    E0615 => "Decision log could not be written",
    E0616 => "Proxy could not start, or had to stop",
    W0601 => "Tool is not offered by the MCP server",
    W0602 => "Parameter is not accepted by the MCP server",
    W0603 => "Parameter type differs from the MCP server's schema",
    W0604 => "Declaration lacks a parameter the MCP server requires",

    // Warnings (lints).
    W0001 => "State variable is never read",
    W0002 => "Attribute is never read",
    W0003 => "Gate is never used",
    W0004 => "Label is never used",
    W0005 => "Channel has no output rule",
    W0006 => "Tool is not mentioned by any rule",
    W0007 => "Gate has no approvers",
    W0008 => "Regular expression matches nothing",
    W0009 => "Glob can never match",
    W0010 => "Rule overrides every other rule on its tools",
    W0011 => "Unescaped `.` in a regular expression",
    W0012 => "Pattern matches the empty string",
    W0013 => "Comparison can never hold",
    W0014 => "Label is tested but no tool produces it",
    W0015 => "Optional parameter used without a `has` guard",
    W0016 => "`has` on a required parameter",
    W0017 => "Test step is denied before any rule is consulted",
    W0018 => "Unknown effect tag",
}

impl Code {
    /// Whether this is one of the runtime's codes (E0410–E0499): reported
    /// when an image is loaded, a session opened or an event decided, never
    /// by checking Guard source.
    /// Codes about something other than policy source: the runtime's
    /// (images, sessions, events) and the MCP tools' (tool lists, servers,
    /// the proxy). Their explanations show commands and data, not Guard.
    pub fn is_operational(self) -> bool {
        self.is_runtime() || self.as_str().starts_with("E06")
    }

    pub fn is_runtime(self) -> bool {
        self.as_str()
            .strip_prefix("E04")
            .and_then(|n| n.parse::<u8>().ok())
            .is_some_and(|n| n >= 10)
    }

    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// Looks a code up by its written form, case-insensitively (`e0101`).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
