//! The Guard runtime: loads a compiled policy image, validates all of it
//! once, and then decides events — tool calls and outputs — for sessions,
//! allocating nothing per decision.
//!
//! ```text
//! bytes ──format::decode──▶ model::Image ──validate──▶ Policy ──▶ Session::decide_*
//! ```
//!
//! This crate depends on nothing else of Guard's: not the compiler, not
//! z3. `runtime/README.md` documents the image format, the invariants and
//! the error codes.

// No `unsafe` in the runtime (the crate's manifest only relaxes this to
// `deny` for the allocation-counting test).
#![forbid(unsafe_code)]

pub mod decision;
pub mod disasm;
pub mod error;
pub mod format;
#[cfg(feature = "json")]
pub mod json;
pub mod model;
pub mod op;
pub mod policy;
pub mod text;

mod bind;
mod fast;
mod fingerprint;
mod regex;
mod session;
mod snapshot;
mod validate;
mod verify;
mod vm;
mod words;

pub use decision::{ArgProblem, Decision, EventRef, GateSet, Reason, RuleIds, TicketId, Verdict};
pub use disasm::disassemble;
pub use error::{LoadError, SessionError, TicketError};
pub use format::{decode, encode};
#[cfg(feature = "json")]
pub use json::{decision_json, EventError};
pub use policy::{ChannelId, Policy, ToolId};
/// Regex tables for the compiler to put in an image (`guardc build`).
pub use regex::build::{tables as regex_tables, MAX_TRANSITIONS as MAX_REGEX_TRANSITIONS};
pub use session::{Arg, Call, Limits, Session};
pub use text::Url;
