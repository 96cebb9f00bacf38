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
        event(self.tool, self.args)
    }
}

fn event(tool: &str, args: &[(&str, &str)]) -> Value {
    let args: Map<String, Value> = args
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::from(*v)))
        .collect();
    json!({ "tool": tool, "args": args })
}

/// `event` with the labels added: Cedar's context, Rego's input.
fn stateless(mut event: Value, labels: Labels) -> Value {
    if let Value::Object(map) = &mut event {
        map.insert("tainted".into(), labels.tainted.into());
        map.insert("untrusted".into(), labels.untrusted.into());
        map.insert("secret".into(), labels.secret.into());
    }
    event
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
        stateless(self.call.event(), self.labels)
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

const UNTRUSTED_SEARCH: Call = Call {
    tool: "web.search",
    args: &[("query", "rust")],
};

const SECRET_GET: Call = Call {
    tool: "secrets.get",
    args: &[("name", "api_key")],
};

/// A history that leaves exactly `labels` in Guard's context (the secret
/// read escalates and is approved).
pub fn history_for(labels: Labels) -> Vec<Call> {
    let mut h = Vec::new();
    if labels.tainted {
        h.push(PRIVATE_READ);
    }
    if labels.untrusted {
        h.push(UNTRUSTED_SEARCH);
    }
    if labels.secret {
        h.push(SECRET_GET);
    }
    h
}

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
                args: &[
                    ("path", "/etc/passwd"),
                    ("data", "root::0:0::/root:/bin/sh"),
                ],
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

/// One call of the agreement sweep, in a session whose context holds
/// `labels`.
#[derive(Debug, Clone)]
pub struct Probe {
    pub tool: &'static str,
    pub args: Vec<(&'static str, &'static str)>,
    pub labels: Labels,
}

impl Probe {
    /// The call as Guard's JSON event.
    pub fn event(&self) -> Value {
        event(self.tool, &self.args)
    }

    /// The call with its labels, as Cedar's context and Rego's input.
    pub fn stateless_event(&self) -> Value {
        stateless(self.event(), self.labels)
    }
}

/// Parameters, each with the values to try.
type Params = &'static [(&'static str, &'static [&'static str])];

/// Every tool of the agent policy (and an undeclared one), with values for
/// each parameter on both sides of every rule's test.
const SIGNATURES: &[(&str, Params)] = &[
    ("fs.read", &[("path", PATHS)]),
    ("fs.list", &[("path", PATHS)]),
    ("fs.write", &[("path", PATHS), ("data", &["x"])]),
    ("fs.delete", &[("path", PATHS)]),
    ("mail.read", &[("folder", &["inbox"])]),
    (
        "mail.send",
        &[
            ("to", &["bob@example.com", "eve@evil.example"]),
            ("subject", &["s"]),
            ("body", &["b"]),
        ],
    ),
    ("web.search", &[("query", &["rust"])]),
    ("web.fetch", &[("url", URLS)]),
    ("http.post", &[("url", URLS), ("body", &["b"])]),
    ("calendar.list", &[("day", &["2026-01-01"])]),
    (
        "calendar.create",
        &[("title", &["t"]), ("day", &["2026-01-01"])],
    ),
    (
        "db.query",
        &[(
            "sql",
            &["SELECT 1", "SELECT 1; DROP TABLE t", "DELETE FROM t"],
        )],
    ),
    ("db.execute", &[("sql", &["DELETE FROM t"])]),
    (
        "shell.exec",
        &[("command", &["ls", "cargo test", "sudo ls", "rm -rf /"])],
    ),
    ("git.status", &[("repo", REPOS)]),
    ("git.commit", &[("repo", REPOS), ("message", &["m"])]),
    (
        "git.push",
        &[("repo", REPOS), ("branch", &["agent/fix", "main", "dev"])],
    ),
    (
        "slack.post",
        &[("room", &["#agent-log", "#general"]), ("text", &["t"])],
    ),
    (
        "issue.create",
        &[
            ("repo", &["acme/agent", "acme/other"]),
            ("title", &["t"]),
            ("body", &["b"]),
        ],
    ),
    ("secrets.get", &[("name", &["api_key"])]),
    ("net.raw_socket", &[("host", &["10.0.0.1"])]),
];

const PATHS: &[&str] = &[
    "/home/agent/notes.txt",
    "/home/agent/.env",
    "/tmp/agent/out.txt",
    "/tmp/agent/run.sh",
    "/etc/passwd",
];
const URLS: &[&str] = &[
    "https://hooks.example.com/ingest",
    "https://evil.example/x",
    "http://docs.rs/",
];
const REPOS: &[&str] = &["/home/agent/app", "/srv/app"];

/// Every combination of the parameter values of [`SIGNATURES`] under every
/// combination of the three labels.
pub fn probes() -> Vec<Probe> {
    let mut calls: Vec<(&'static str, Vec<(&'static str, &'static str)>)> = Vec::new();
    for (tool, params) in SIGNATURES {
        let mut combos: Vec<Vec<(&'static str, &'static str)>> = vec![Vec::new()];
        for (name, values) in params.iter() {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.push((*name, *v));
                        c
                    })
                })
                .collect();
        }
        calls.extend(combos.into_iter().map(|args| (*tool, args)));
    }
    let mut out = Vec::new();
    for bits in 0..8u8 {
        let labels = Labels {
            tainted: bits & 1 != 0,
            untrusted: bits & 2 != 0,
            secret: bits & 4 != 0,
        };
        for (tool, args) in &calls {
            out.push(Probe {
                tool,
                args: args.clone(),
                labels,
            });
        }
    }
    out
}
