//! What `guardc` knows about MCP servers without enforcing anything: the
//! tool list a server publishes (`tools/list`), read from a file or from a
//! running server, in a model that both `guardc import mcp` (which writes
//! Guard declarations from it) and `guardc check --mcp-manifest` (which
//! compares a policy with it) use.
//!
//! Inputs here come from outside — a file someone saved, a server someone
//! wrote — so every failure is an [`McpError`] with a code (`E06xx`, the
//! range `compiler/diagnostics/src/codes.rs` reserves for these inputs; see
//! `docs/proxy.md`) and a location, never a panic.

pub mod client;
pub mod declare;
pub mod tools;

use std::fmt;

/// Codes of the MCP input errors. They are not diagnostics about a policy,
/// but they are in the one registry all the same (`guardc explain E0601`).
pub mod code {
    /// The input is not valid JSON.
    pub const BAD_JSON: &str = "E0601";
    /// Valid JSON of the wrong shape for a `tools/list` result.
    pub const BAD_SHAPE: &str = "E0602";
    /// A file could not be read or written.
    pub const IO: &str = "E0603";
    /// The server could not be started, broke the protocol, answered with
    /// an error, died or did not answer in time.
    pub const SERVER: &str = "E0604";
}

/// An input error with its code and where it happened: `file:line:col`,
/// `file` plus a JSON pointer, or the server command and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpError {
    pub code: &'static str,
    pub location: String,
    pub message: String,
}

impl McpError {
    pub fn new(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        McpError {
            code,
            location: location.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for McpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error[{}]: {}: {}",
            self.code, self.location, self.message
        )
    }
}
