//! The Guard MCP proxy: sits between an MCP client and an MCP server,
//! decides every `tools/call` with a Guard policy (allow → forwarded, deny
//! → an `isError` result naming the rule and the decision id, escalate →
//! parked until an approver answers), checks tool results against the
//! result channel's output rules, filters `tools/list`, relays everything
//! else byte for byte, and writes a decision log. It fails closed: what it
//! cannot read or decide is answered with an error, never forwarded.
//!
//! The CLI (`guardc proxy`, `compiler/cli/src/proxy.rs`) loads the policy
//! and hands this crate a `guard_runtime::Policy` and the image bytes;
//! this crate depends on the runtime only, never on the compiler.
//!
//! # Code map
//!
//! | file | what |
//! |---|---|
//! | `enforce.rs` | [`Enforcer`]: the transport-independent core, one raw message in, an [`Action`] out; approvals come back through [`Enforcer::resolve`] |
//! | `enforce/results.rs` | `tools/list` filtering and tool results under output rules |
//! | `visibility.rs` | which tools `tools/list` shows |
//! | `jsonrpc.rs` | the message envelope (borrowed raw parts) and responses |
//! | `log.rs` | the decision log (JSON Lines), decision ids, timestamps, `--log-redact` |
//! | `state.rs` | `--state-dir`: atomic session snapshots |
//! | `attrs.rs` | `--attr NAME=VALUE`, typed by the policy |
//! | `approve.rs` | approvers: a command (`--approver`), or a loopback HTTP endpoint (`--approvals`) |
//! | `stdio.rs` | the stdio transport: spawns the server, relays lines, runs approvals |
//! | `http.rs` | the Streamable HTTP transport: `/mcp` for the client, an HTTP client of the upstream, one enforcer per MCP session |
//! | `revision.rs` | SHA-256 of the image: the policy revision in logs |
//! | `problem.rs` | the proxy's own problems and their codes (E0610–E0616) |
//! | `tests/enforce.rs` | the core on policies compiled from source: forwarding, denials, escalations, filtering, results, shadow mode, malformed input, state |
//! | `examples/core_loop.rs` | the core's cost per call, without pipes or threads |
//!
//! The real-peer tests (the MCP Python SDK's client in front of the npm
//! reference servers) are in `tests/proxy/`; `docs/proxy.md` is the user's
//! guide.

pub mod approve;
pub mod attrs;
pub mod enforce;
pub mod http;
pub mod jsonrpc;
pub mod log;
pub mod problem;
pub mod revision;
pub mod state;
pub mod stdio;
pub mod visibility;

pub use attrs::Attrs;
pub use enforce::{Action, Enforcer, Escalation, Mode, Options, Outcome, Resolution};
pub use log::{DecisionLog, LogMeta};
pub use state::StateStore;
