//! Traces: the concrete executions an engine reports, a counterexample to
//! a `never` or a witness of a `possible`. Every value in a trace is what
//! a host would send, so the trace can be replayed on the runtime.

use crate::eval::Outcome;
use crate::model::Instance;
use crate::value::Value;

/// One executed event and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceStep {
    pub instance: Instance,
    /// Allow, or Escalate (to these gates, which approved).
    pub outcome: Outcome,
    /// The rules that let it through (the deciding class).
    pub rules: Vec<u32>,
    /// State variables and context after the event.
    pub state: Vec<i64>,
    pub ctx: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The session's attribute values, in declaration order.
    pub attrs: Vec<Value>,
    pub steps: Vec<TraceStep>,
}

/// An event as Guard source: `mail.read(folder: "inbox")`,
/// `output user("text")`.
pub fn event_text(policy: &guard_ir::Policy, inst: &Instance) -> String {
    match inst.event {
        guard_ir::Event::Tool(t) => {
            let Some(tool) = policy.tools.get(usize::from(t)) else {
                return "?".into();
            };
            let args: Vec<String> = tool
                .params
                .iter()
                .zip(&inst.args)
                .filter_map(|(p, v)| {
                    v.as_ref()
                        .map(|v| format!("{}: {}", p.name, value_text(policy, v, &p.ty)))
                })
                .collect();
            format!("{}({})", tool.name, args.join(", "))
        }
        guard_ir::Event::Channel(c) => format!(
            "output {}({:?})",
            policy
                .channels
                .get(usize::from(c))
                .map_or("?", |c| c.name.as_str()),
            inst.text.as_deref().unwrap_or("")
        ),
    }
}

/// A value as Guard source, enum variants by name.
pub fn value_text(policy: &guard_ir::Policy, v: &Value, ty: &guard_ir::Type) -> String {
    match (v, ty) {
        (Value::Enum(i), guard_ir::Type::Enum(e)) => policy
            .enums
            .get(usize::from(*e))
            .and_then(|vs| vs.get(usize::from(*i)))
            .cloned()
            .unwrap_or_else(|| format!("#{i}")),
        (Value::List(items), guard_ir::Type::List(el)) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| value_text(policy, i, el))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => v.to_string(),
    }
}

/// A state variable's value as Guard source.
pub fn state_text(policy: &guard_ir::Policy, i: usize, v: i64) -> String {
    match policy.states.get(i).map(|s| &s.kind) {
        Some(guard_ir::StateKind::Bool) => (v != 0).to_string(),
        Some(guard_ir::StateKind::Enum(e)) => policy
            .enums
            .get(usize::from(*e))
            .and_then(|vs| vs.get(usize::try_from(v).unwrap_or(usize::MAX)))
            .cloned()
            .unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

/// What an event changed: `sends = 1, context += private`.
pub fn change_text(
    policy: &guard_ir::Policy,
    before: (&[i64], u64),
    after: (&[i64], u64),
) -> String {
    let mut parts = Vec::new();
    for (i, (a, b)) in before.0.iter().zip(after.0).enumerate() {
        if a != b {
            let name = policy.states.get(i).map_or("?", |s| s.name.as_str());
            parts.push(format!("{name} = {}", state_text(policy, i, *b)));
        }
    }
    let added = after.1 & !before.1;
    for (bit, label) in policy.labels.iter().enumerate() {
        if added & (1u64 << bit) != 0 {
            parts.push(format!("context += {label}"));
        }
    }
    parts.join(", ")
}

/// The gates of a bit set, by name.
pub fn gates_text(policy: &guard_ir::Policy, gates: u64) -> String {
    policy
        .gates
        .iter()
        .enumerate()
        .filter(|(i, _)| gates & (1u64 << i) != 0)
        .map(|(_, g)| g.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The verdict of a trace step: `allow` or `escalate G (approved)`.
pub fn outcome_text(policy: &guard_ir::Policy, outcome: Outcome) -> String {
    match outcome {
        Outcome::Allow => "allow".into(),
        Outcome::Escalate(g) => format!("escalate {} (approved)", gates_text(policy, g)),
        Outcome::Deny(_) => "deny".into(),
    }
}

/// The numbered trace, one event per line, for terminals and notes.
pub fn trace_lines(policy: &guard_ir::Policy, init: &[i64], trace: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    if !policy.attrs.is_empty() {
        let attrs: Vec<String> = policy
            .attrs
            .iter()
            .zip(&trace.attrs)
            .map(|(a, v)| format!("{} = {}", a.name, value_text(policy, v, &a.ty)))
            .collect();
        out.push(format!("session with {}", attrs.join(", ")));
    }
    let (mut state, mut ctx) = (init.to_vec(), 0u64);
    for (n, step) in trace.steps.iter().enumerate() {
        let change = change_text(policy, (&state, ctx), (&step.state, step.ctx));
        out.push(format!(
            "{}. {} => {}{}",
            n + 1,
            event_text(policy, &step.instance),
            outcome_text(policy, step.outcome),
            if change.is_empty() {
                String::new()
            } else {
                format!("   [{change}]")
            }
        ));
        state.clone_from(&step.state);
        ctx = step.ctx;
    }
    out
}
