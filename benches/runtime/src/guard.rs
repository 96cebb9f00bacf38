//! The agent policy on the Guard runtime: compiled from source by the
//! real pipeline (`guard_check::check_source`, then `guard_codegen::build`,
//! which lowers, generates and encodes) and loaded from the image bytes
//! with `Policy::load`, as `guardc build` and a host would.
//!
//! Each scenario gets its own [`Session`], in which the scenario's
//! history has run (approved where it escalates), so the session's
//! `context` is what the measured call sees. Two entry points:
//!
//! * pre-parsed: [`Session::decide_call`] with the tool id resolved and
//!   the arguments laid out by position ahead of time, borrowing the
//!   strings, and `url` arguments parsed once with `Url::parse` (as the
//!   peers get their requests built once; an undeclared tool has no id:
//!   the host's name lookup, `decide_call_named`, is the decision);
//! * JSON: [`Session::decide_json`] on the event text.
//!
//! An approved escalation is the decision plus `approve` with its ticket
//! (two decisions: the host's full path). Sessions keep one pending
//! ticket, so a measured escalation replaces the previous iteration's
//! instead of piling up to the default limit of 64.

use std::fmt::Write;

use guard_check::RealFs;
use guard_diagnostics::render;
use guard_runtime::model::ValueType;
use guard_runtime::{Arg, Call, Decision, Limits, Policy, Session, ToolId, Url};

use crate::{Error, Gates, Outcome, Result, Scenario, Verdict};

/// The Guard runtime, loaded with one compiled policy.
pub struct Guard {
    policy: Policy,
    /// The benchmark's gate set of each of the policy's gates, by index.
    gates: Vec<Gates>,
    /// Size of the image.
    pub image_bytes: usize,
}

/// Compiles a policy's source to image bytes, as `guardc build` does.
pub fn build(name: &str, src: &str) -> Result<Vec<u8>> {
    let checked = guard_check::check_source(name, src, &RealFs);
    let program = match checked.policies.first().and_then(|p| p.program.as_ref()) {
        Some(p) if checked.error_count() == 0 => p,
        _ => {
            return Err(Error(format!(
                "{name} does not check:\n{}",
                render::human(&checked.sources, &checked.diagnostics, false)
            )))
        }
    };
    guard_codegen::build(program, &checked.sources, guard_codegen::Options::default()).map_err(
        |d| {
            Error(format!(
                "{name}: build: {}",
                render::human(&checked.sources, &d, false)
            ))
        },
    )
}

impl Guard {
    /// The agent policy, compiled and loaded.
    pub fn agent() -> Result<Guard> {
        Guard::from_source("agent.guard", crate::policies::GUARD)
    }

    /// Any policy over the agent policy's gates, compiled and loaded.
    pub fn from_source(name: &str, src: &str) -> Result<Guard> {
        let bytes = build(name, src)?;
        let policy = Policy::load(&bytes).map_err(|e| Error::new(name, e))?;
        let mut gates = Vec::new();
        while let Some(g) = policy.gate_name(gates.len()) {
            gates.push(Gates::named(g).ok_or_else(|| Error(format!("{name}: gate `{g}`")))?);
        }
        Ok(Guard {
            policy,
            gates,
            image_bytes: bytes.len(),
        })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn verdict(&self, d: &Decision) -> Verdict {
        match d.verdict {
            guard_runtime::Verdict::Allow => Verdict::Allow,
            guard_runtime::Verdict::Deny => Verdict::Deny,
            guard_runtime::Verdict::Escalate(set) => Verdict::Escalate(
                set.iter()
                    .filter_map(|i| self.gates.get(i))
                    .fold(Gates::NONE, |acc, g| acc.union(*g)),
            ),
        }
    }

    /// A fresh session in which `history` has run, each call executed
    /// (approved where it escalates). It keeps one pending ticket.
    pub fn session_after(&self, history: &[crate::scenarios::Call]) -> Result<Session<'_>> {
        let limits = Limits {
            tickets: 1,
            ..Limits::default()
        };
        let mut session =
            Session::with_limits(&self.policy, &[], limits).map_err(|e| Error::new("guard", e))?;
        for call in history {
            let named = named(call.args);
            let d = session.decide_call_named(call.tool, &named);
            let d = match d.ticket {
                Some(t) => session
                    .approve_named(t, call.tool, &named)
                    .map_err(|e| Error::new("guard history", e))?,
                None => d,
            };
            if !d.is_allow() {
                return Err(Error(format!(
                    "guard: history call {} did not execute",
                    call.tool
                )));
            }
        }
        Ok(session)
    }

    /// The verdict of one call by name in a fresh session after
    /// `history` (for the agreement sweep; not measured).
    pub fn verdict_after(
        &self,
        history: &[crate::scenarios::Call],
        tool: &str,
        args: &[(&str, &str)],
    ) -> Result<Verdict> {
        let mut session = self.session_after(history)?;
        let named: Vec<(&str, Arg<'_>)> = args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect();
        Ok(self.verdict(&session.decide_call_named(tool, &named)))
    }

    /// A session for the scenario, its history run (and approved where
    /// it escalates), and the measured call laid out both ways.
    pub fn prepare(&self, s: &Scenario) -> Result<Prepared<'_>> {
        let session = self.session_after(s.history)?;
        let labels = crate::Labels {
            tainted: session.has_label("private"),
            untrusted: session.has_label("untrusted"),
            secret: session.has_label("secret"),
        };
        if labels != s.labels {
            return Err(Error(format!(
                "{}: after its history Guard's context is {labels:?}, the stateless engines are given {:?}",
                s.name, s.labels
            )));
        }
        let tool = self.policy.tool_id(s.call.tool);
        let mut args = Vec::new();
        if let Some(t) = tool {
            let n = self.policy.param_count(t).unwrap_or(0);
            args = vec![Arg::Absent; n];
            for (name, value) in s.call.args {
                let i = self
                    .policy
                    .param_index(t, name)
                    .ok_or_else(|| Error(format!("guard: {} has no `{name}`", s.call.tool)))?;
                // A `url` parameter gets the URL parsed once, as a host
                // that holds typed URLs passes it (`Arg::Url`).
                let is_url = self
                    .policy
                    .image()
                    .tools
                    .get(t.0 as usize)
                    .is_some_and(|tool| tool.params.get(i).is_some_and(|p| p.ty == ValueType::Url));
                let arg = match Url::parse(value) {
                    Some(u) if is_url => Arg::Url(u),
                    _ => Arg::Str(value),
                };
                if let Some(slot) = args.get_mut(i) {
                    *slot = arg;
                }
            }
        }
        let json = s.guard_json();
        // `{"approve":` TICKET `, ...the event's fields}`.
        let approve_tail = json.get(1..).unwrap_or_default().to_string();
        Ok(Prepared {
            session,
            tool,
            args,
            named: named(s.call.args),
            name: s.call.tool,
            approve: s.approved != Gates::NONE,
            json,
            approve_tail,
            approve_buf: String::with_capacity(256),
            out: String::new(),
        })
    }

    /// Decides the scenario's call, pre-parsed (and approves it, when the
    /// scenario's host approves).
    pub fn decide(&self, p: &mut Prepared<'_>) -> Result<Outcome> {
        let d = match p.tool {
            Some(tool) => p.session.decide_call(&Call {
                tool,
                args: &p.args,
            }),
            None => p.session.decide_call_named(p.name, &p.named),
        };
        let verdict = self.verdict(&d);
        let executes = match (d.ticket, p.approve, p.tool) {
            (Some(t), true, Some(tool)) => p
                .session
                .approve(
                    t,
                    &Call {
                        tool,
                        args: &p.args,
                    },
                )
                .map_err(|e| Error::new("guard approve", e))?
                .is_allow(),
            _ => d.is_allow(),
        };
        Ok(Outcome { verdict, executes })
    }

    /// Decides the scenario's call from its JSON text (and approves it
    /// with a JSON `approve` event, when the scenario's host approves).
    pub fn decide_json(&self, p: &mut Prepared<'_>) -> Result<Outcome> {
        let d = p
            .session
            .decide_json(&p.json, &mut p.out)
            .map_err(|e| Error::new("guard json", e))?;
        let verdict = self.verdict(&d);
        let executes = match (d.ticket, p.approve) {
            (Some(t), true) => {
                p.approve_buf.clear();
                let _ = write!(p.approve_buf, "{{\"approve\":{},{}", t.0, p.approve_tail);
                p.session
                    .decide_json(&p.approve_buf, &mut p.out)
                    .map_err(|e| Error::new("guard json approve", e))?
                    .is_allow()
            }
            _ => d.is_allow(),
        };
        Ok(Outcome { verdict, executes })
    }
}

fn named(args: &'static [(&'static str, &'static str)]) -> Vec<(&'static str, Arg<'static>)> {
    args.iter().map(|(k, v)| (*k, Arg::Str(v))).collect()
}

/// A scenario made ready for Guard: its session after the history, and
/// the measured call pre-parsed and as JSON.
pub struct Prepared<'g> {
    session: Session<'g>,
    tool: Option<ToolId>,
    args: Vec<Arg<'static>>,
    named: Vec<(&'static str, Arg<'static>)>,
    name: &'static str,
    approve: bool,
    json: String,
    approve_tail: String,
    approve_buf: String,
    out: String,
}
