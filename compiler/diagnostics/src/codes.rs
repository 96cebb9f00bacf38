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

    // Bytecode. E0410–E0499 are the runtime's own codes (image format,
    // validation, sessions, tickets, JSON events), listed in
    // runtime/README.md; they are reserved here and never reused.
    E0401 => "Policy exceeds a limit of the bytecode format",

    // Verification (`guardc prove`).
    E0501 => "Assertion is violated",
    E0502 => "A `possible` pattern can never occur",
    E0503 => "Verification engines disagree",
    W0501 => "Assertion could not be decided",
    W0502 => "Rule never applies in a reachable state",
    W0503 => "`allow` is always overridden",
    W0504 => "Escalation never happens",
    W0505 => "Effect can leave its state's range",

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
