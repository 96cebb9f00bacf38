//! The proxy's own problems, each with a stable code. A problem is never a
//! decision: it is a message the proxy could not read, relay or record, or
//! a part of it (approver, state directory, log) that failed. Each is
//! printed on stderr as `guardc proxy: error[CODE] (source): message` and,
//! from the enforcement core, written to the decision log as an `error`
//! record with the same code, so an operator can alert on codes instead
//! of on message texts. docs/proxy.md lists them; E0601–E0609 belong to
//! `guardc import mcp`, E0610–E0619 to the proxy, and none is reused.

/// Where a problem came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The MCP client sent something the proxy cannot read or relay.
    Client,
    /// The MCP server sent something unreadable, or cannot be reached.
    Server,
    /// The runtime could not decide an event (it is denied).
    Runtime,
    /// The session state could not be saved or restored (`--state-dir`).
    State,
    /// An approver failed, hung or was missing (the call is rejected).
    Approver,
    /// The decision log could not be written.
    Log,
    /// The proxy could not start or had to stop (policy, flags, server).
    Proxy,
}

impl Source {
    /// The stable code of problems from this source.
    pub fn code(self) -> &'static str {
        match self {
            Source::Client => "E0610",
            Source::Server => "E0611",
            Source::Runtime => "E0612",
            Source::State => "E0613",
            Source::Approver => "E0614",
            Source::Log => "E0615",
            Source::Proxy => "E0616",
        }
    }

    /// The word printed and logged as the problem's `source`.
    pub fn word(self) -> &'static str {
        match self {
            Source::Client => "client",
            Source::Server => "server",
            Source::Runtime => "runtime",
            Source::State => "state",
            Source::Approver => "approver",
            Source::Log => "log",
            Source::Proxy => "proxy",
        }
    }
}

/// Prints a problem on stderr (stdout may carry the MCP stream).
pub fn report(source: Source, message: &str) {
    eprintln!(
        "guardc proxy: error[{}] ({}): {message}",
        source.code(),
        source.word()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_the_proxy_range() {
        let all = [
            Source::Client,
            Source::Server,
            Source::Runtime,
            Source::State,
            Source::Approver,
            Source::Log,
            Source::Proxy,
        ];
        let mut codes: Vec<&str> = all.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        // The proxy owns E0610-E0619.
        assert!(codes.iter().all(|c| c.starts_with("E061")));
    }
}
