//! Certification by replay: a trace an engine found is submitted, event by
//! event, to the compiled bytecode on the real runtime. Every verdict and
//! gate set must be the one the engine predicted, every escalation is
//! approved, the state and context after each event must be the engine's,
//! and the assertion's monitor — run again on the states the *runtime*
//! reports — must see the pattern complete at the last event. Anything
//! else is an internal disagreement, never a result.

use guard_ir::{Assert, Event, Policy, Type};
use guard_runtime::{Arg, Session, Verdict};

use crate::eval::{Env, Outcome, Regexes};
use crate::monitor::{advance, step_matches};
use crate::trace::Trace;
use crate::value::Value;

/// Replays `trace` on `image`; `Err` says where runtime and engine part.
pub fn replay(
    image: &guard_runtime::Policy,
    policy: &Policy,
    regexes: &Regexes,
    a: &Assert,
    trace: &Trace,
) -> Result<(), String> {
    let attr_storage: Vec<Vec<Arg<'_>>> = trace
        .attrs
        .iter()
        .zip(&policy.attrs)
        .map(|(v, decl)| list_items(policy, v, &decl.ty))
        .collect();
    let attrs: Vec<(&str, Arg<'_>)> = trace
        .attrs
        .iter()
        .zip(&policy.attrs)
        .zip(&attr_storage)
        .map(|((v, decl), items)| (decl.name.as_str(), arg(policy, v, &decl.ty, items)))
        .collect();
    let mut session =
        Session::new(image, &attrs).map_err(|e| format!("the runtime refused the session: {e}"))?;
    let mut mon = 0;
    let last = trace.steps.len();
    for (n, step) in trace.steps.iter().enumerate() {
        let at = |what: String| format!("event {}: {what}", n + 1);
        let pre_state = session.state().to_vec();
        let pre_ctx = session.context();
        let inst = &step.instance;
        let expected_gates = match step.outcome {
            Outcome::Allow => 0,
            Outcome::Escalate(g) => g,
            Outcome::Deny(_) => return Err(at("the trace contains a denied event".into())),
        };
        let verdict = match inst.event {
            Event::Tool(t) => {
                let decl = &policy.tools[usize::from(t)];
                let storage: Vec<Vec<Arg<'_>>> = inst
                    .args
                    .iter()
                    .zip(&decl.params)
                    .map(|(v, p)| {
                        v.as_ref()
                            .map_or_else(Vec::new, |v| list_items(policy, v, &p.ty))
                    })
                    .collect();
                let args: Vec<(&str, Arg<'_>)> = inst
                    .args
                    .iter()
                    .zip(&decl.params)
                    .zip(&storage)
                    .filter_map(|((v, p), items)| {
                        v.as_ref()
                            .map(|v| (p.name.as_str(), arg(policy, v, &p.ty, items)))
                    })
                    .collect();
                let d = session.decide_call_named(&decl.name, &args);
                check_verdict(d.verdict, expected_gates).map_err(at)?;
                if let Some(ticket) = d.ticket {
                    let d = session
                        .approve_named(ticket, &decl.name, &args)
                        .map_err(|e| at(format!("approving the escalation failed: {e}")))?;
                    if d.verdict != Verdict::Allow {
                        return Err(at(format!(
                            "the approved escalation did not execute ({})",
                            d.verdict_word()
                        )));
                    }
                }
                d.verdict
            }
            Event::Channel(c) => {
                let name = &policy.channels[usize::from(c)].name;
                let text = inst.text.as_deref().unwrap_or("");
                let mut out = String::new();
                let d = session.decide_output_named(name, text, &mut out);
                check_verdict(d.verdict, expected_gates).map_err(at)?;
                if let Some(ticket) = d.ticket {
                    let id = image
                        .channel_id(name)
                        .ok_or_else(|| at(format!("the image has no channel `{name}`")))?;
                    let d = session
                        .approve_output(ticket, id, text, &mut out)
                        .map_err(|e| at(format!("approving the escalation failed: {e}")))?;
                    if d.verdict != Verdict::Allow {
                        return Err(at("the approved output did not execute".into()));
                    }
                }
                d.verdict
            }
        };
        let _ = verdict;
        if session.state() != step.state.as_slice() || session.context() != step.ctx {
            return Err(at(format!(
                "the state after the event differs: runtime {:?} context {:#x}, engine {:?} context {:#x}",
                session.state(),
                session.context(),
                step.state,
                step.ctx
            )));
        }
        let env = Env {
            policy,
            regexes,
            attrs: &trace.attrs,
            state: &pre_state,
            ctx: pre_ctx,
            args: &inst.args,
            text: inst.text.as_deref(),
        };
        let (next, done) = advance(a, mon, |i| step_matches(a, i, inst, &env, expected_gates));
        mon = next;
        if done != (n + 1 == last) {
            return Err(at(if done {
                "the pattern completes before the end of the trace".into()
            } else {
                "the pattern does not complete on the runtime's states".into()
            }));
        }
    }
    if last == 0 {
        return Err("an empty trace".into());
    }
    Ok(())
}

fn check_verdict(v: Verdict, gates: u64) -> Result<(), String> {
    let got = match v {
        Verdict::Allow => 0,
        Verdict::Escalate(g) => g.iter().fold(0u64, |b, i| b | (1u64 << i)),
        Verdict::Deny => return Err("the runtime denies it".into()),
    };
    if got == gates {
        Ok(())
    } else {
        Err(format!(
            "the runtime escalates to gates {got:#x}, the engine to {gates:#x}"
        ))
    }
}

/// The elements of a list value as runtime arguments (empty otherwise).
fn list_items<'v>(policy: &'v Policy, v: &'v Value, ty: &Type) -> Vec<Arg<'v>> {
    match (v, ty) {
        (Value::List(items), Type::List(el)) => {
            items.iter().map(|i| arg(policy, i, el, &[])).collect()
        }
        _ => Vec::new(),
    }
}

/// A value as the host sends it: enum variants by name.
fn arg<'v>(policy: &'v Policy, v: &'v Value, ty: &Type, items: &'v [Arg<'v>]) -> Arg<'v> {
    match v {
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(n) => Arg::Int(*n),
        Value::Str(s) => Arg::Str(s),
        Value::Enum(i) => {
            let name = match ty {
                Type::Enum(e) => policy
                    .enums
                    .get(usize::from(*e))
                    .and_then(|vs| vs.get(usize::from(*i))),
                _ => None,
            };
            name.map_or(Arg::Absent, |n| Arg::Str(n))
        }
        Value::List(_) => Arg::List(items),
        Value::Json => Arg::Json,
    }
}
