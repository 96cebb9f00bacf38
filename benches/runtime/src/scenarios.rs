//! The benchmark's scenarios, the same for every engine, with the outcome
//! each must produce under language.md §6 (derived by hand from
//! `policies/agent.guard`).
//!
//! Guard is stateful: a scenario's `history` runs first in the session
//! (and is approved when it escalates), which is how `context has private`
//! becomes true. Cedar and Rego are stateless, so the same facts reach
//! them as input attributes: [`Labels`] holds the labels the history leaves
//! in Guard's `context`, written by hand next to the history and checked
//! against Guard's session when Guard runs.

use serde_json::{json, Map, Value};

use crate::{Gates, Outcome, Verdict};

/// One tool call: the tool's name and its (string) arguments.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub tool: &'static str,
    pub args: &'static [(&'static str, &'static str)],
}

impl Call {
    /// `{"tool": ..., "args": {...}}`, the JSON event of Guard's
    /// `decide_json`.
    pub fn event(&self) -> Value {
        let args: Map<String, Value> = self
            .args
            .iter()
            .map(|(k, v)| ((*k).to_string(), Value::from(*v)))
            .collect();
        json!({ "tool": self.tool, "args": args })
    }
}

/// The labels in the session's `context` when the scenario's call is
/// decided, as the stateless engines receive them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Labels {
    /// `context has private`.
    pub tainted: bool,
    /// `context has untrusted`.
    pub untrusted: bool,
    /// `context has secret`.
    pub secret: bool,
}

/// One scenario: a call decided after a history, with the host's answer
/// to an escalation and the expected outcome.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Short name, used in benchmark ids and the table.
    pub name: &'static str,
    /// Calls executed in the session before the measured one (Guard only).
    pub history: &'static [Call],
    /// What the history leaves in `context` (the stateless engines' input).
    pub labels: Labels,
    /// The measured call.
    pub call: Call,
    /// The gates the host approves if the call escalates.
    pub approved: Gates,
    pub expected: Outcome,
}

impl Scenario {
    /// The event as Cedar's context and Rego's input:
    /// `{"tool", "args", "tainted", "untrusted", "secret"}`.
    pub fn stateless_event(&self) -> Value {
        let mut event = self.call.event();
        if let Value::Object(map) = &mut event {
            map.insert("tainted".into(), self.labels.tainted.into());
            map.insert("untrusted".into(), self.labels.untrusted.into());
            map.insert("secret".into(), self.labels.secret.into());
        }
        event
    }

    /// [`Self::stateless_event`] as JSON text.
    pub fn stateless_json(&self) -> String {
        self.stateless_event().to_string()
    }

    /// The call as Guard's JSON event.
    pub fn guard_json(&self) -> String {
        self.call.event().to_string()
    }
}

const PRIVATE_READ: Call = Call {
    tool: "fs.read",
    args: &[("path", "/home/agent/notes.txt")],
};

const POST: Call = Call {
    tool: "http.post",
    args: &[
        ("url", "https://hooks.example.com/ingest"),
        ("body", "summary"),
    ],
};

const TAINTED: Labels = Labels {
    tainted: true,
    untrusted: false,
    secret: false,
};

/// The scenarios, in table order.
pub fn scenarios() -> Vec<Scenario> {
    let allow = Outcome::new(Verdict::Allow, Gates::NONE);
    let deny = Outcome::new(Verdict::Deny, Gates::NONE);
    let review = Verdict::Escalate(Gates::SECURITY_REVIEW);
    vec![
        // `allow fs.read when starts_with(path, "/home/agent/") || ...`.
        Scenario {
            name: "read_allow",
            history: &[],
            labels: Labels::default(),
            call: PRIVATE_READ,
            approved: Gates::NONE,
            expected: allow,
        },
        // The read put `private` in context: the allow and the escalate
        // rule of http.post both match, and escalate wins over allow.
        Scenario {
            name: "post_tainted_escalate",
            history: &[PRIVATE_READ],
            labels: TAINTED,
            call: POST,
            approved: Gates::NONE,
            expected: Outcome::new(review, Gates::NONE),
        },
        // The same, and the security team approves: the post executes.
        Scenario {
            name: "post_tainted_approved",
            history: &[PRIVATE_READ],
            labels: TAINTED,
            call: POST,
            approved: Gates::SECURITY_REVIEW,
            expected: Outcome::new(review, Gates::SECURITY_REVIEW),
        },
        // `allow fs.write when starts_with(path, "/tmp/agent/")`.
        Scenario {
            name: "write_allow",
            history: &[],
            labels: Labels::default(),
            call: Call {
                tool: "fs.write",
                args: &[("path", "/tmp/agent/out.txt"), ("data", "hello")],
            },
            approved: Gates::NONE,
            expected: allow,
        },
        // No rule matches outside /tmp/agent/: the default, deny.
        Scenario {
            name: "write_deny",
            history: &[],
            labels: Labels::default(),
            call: Call {
                tool: "fs.write",
                args: &[("path", "/etc/passwd"), ("data", "root::0:0::/root:/bin/sh")],
            },
            approved: Gates::NONE,
            expected: deny,
        },
        // Not declared: deny (reason: unknown tool).
        Scenario {
            name: "unknown_tool_deny",
            history: &[],
            labels: Labels::default(),
            call: Call {
                tool: "net.raw_socket",
                args: &[("host", "10.0.0.1")],
            },
            approved: Gates::NONE,
            expected: deny,
        },
    ]
}
