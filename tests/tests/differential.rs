//! Differential test: the reference evaluator (language.md §6 read
//! literally over the HIR) against the compiled bytecode on the real
//! runtime, on random events, for every example and for random small
//! policies. After every event they must agree on the verdict, the gates,
//! the matched rules, the redacted text of an executed output, and the
//! session's state and context. At least 100,000 events per run.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use guard_check::hir::{self, Program, Value};
use guard_runtime::{Arg, Decision, Policy, Session as RtSession, Url, Verdict};
use guard_tests::gen::{random_chain_policy, random_policy, Rng, Vocabulary};
use guard_tests::reference::{self, Event, RefVerdict, Session as RefSession, Why};
use guard_tests::{guard_files, workspace_root};

/// Events per example policy and per random policy.
const EXAMPLE_EVENTS: usize = 10_000;
const RANDOM_POLICIES: usize = 300;
const RANDOM_EVENTS: usize = 150;
/// Random policies whose guards the runtime decides without its VM.
const CHAIN_POLICIES: usize = 300;

fn compile(p: &Program, sources: &guard_diagnostics::SourceMap) -> Policy {
    let bytes = guard_codegen::build(p, sources, guard_codegen::Options::default()).unwrap();
    Policy::load(&bytes).unwrap()
}

/// Attribute values: from the policy's tests where they give one, else
/// drawn from the vocabulary.
fn attrs(p: &Program) -> Vec<(hir::AttrId, Value)> {
    let mut out: Vec<(hir::AttrId, Value)> = Vec::new();
    for t in &p.tests {
        for (a, v) in &t.attrs {
            if !out.iter().any(|(b, _)| b == a) {
                out.push((*a, v.clone()));
            }
        }
    }
    for (i, a) in p.attrs.iter().enumerate() {
        let id = hir::AttrId(i as u32);
        if out.iter().any(|(b, _)| *b == id) {
            continue;
        }
        let v = match &a.ty {
            hir::Type::Bool => Value::Bool(false),
            hir::Type::Int => Value::Int(0),
            hir::Type::IntRange(lo, _) => Value::Int(*lo),
            hir::Type::Enum(e) => Value::Enum(*e, 0),
            hir::Type::List(_) => Value::List(Vec::new()),
            _ => Value::Str("x".into()),
        };
        out.push((id, v));
    }
    out
}

fn value_arg<'a>(p: &'a Program, v: &'a Value, list: &'a [Arg<'a>]) -> Arg<'a> {
    match v {
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(n) => Arg::Int(*n),
        Value::Str(s) => Arg::Str(s),
        Value::Duration(ms) => Arg::Int(*ms as i64),
        Value::Enum(e, i) => Arg::Str(p.variant_name(*e, *i)),
        Value::List(_) => Arg::List(list),
    }
}

fn ref_arg<'a>(a: &'a reference::Arg, list: &'a [Arg<'a>]) -> Arg<'a> {
    match a {
        reference::Arg::Bool(b) => Arg::Bool(*b),
        reference::Arg::Int(n) => Arg::Int(*n),
        // Half the strings that are URLs go in pre-parsed, as a host with
        // typed URLs would pass them: for `url` parameters and, where any
        // string goes, as their text.
        reference::Arg::Str(s) => match Url::parse(s) {
            Some(u) if s.len() % 2 == 1 => Arg::Url(u),
            _ => Arg::Str(s),
        },
        reference::Arg::List(_) => Arg::List(list),
        reference::Arg::Json => Arg::Json,
    }
}

fn scalars(a: &reference::Arg) -> Vec<Arg<'_>> {
    match a {
        reference::Arg::List(items) => items.iter().map(|i| ref_arg(i, &[])).collect(),
        _ => Vec::new(),
    }
}

/// Runs `n` random events through both evaluators; returns the count.
fn differ(p: &Program, policy: &Policy, seed: u64, n: usize) -> Result<usize, String> {
    let attrs = attrs(p);
    let lists: Vec<Vec<Arg<'_>>> = attrs
        .iter()
        .map(|(_, v)| match v {
            Value::List(items) => items.iter().map(|i| value_arg(p, i, &[])).collect(),
            _ => Vec::new(),
        })
        .collect();
    let rt_attrs: Vec<(&str, Arg<'_>)> = attrs
        .iter()
        .zip(&lists)
        .map(|((a, v), l)| (p.attrs[a.index()].info.name.as_str(), value_arg(p, v, l)))
        .collect();
    let mut rt = RtSession::new(policy, &rt_attrs).map_err(|e| e.to_string())?;
    let mut rf = RefSession::new(p, &attrs);
    let vocab = Vocabulary::of(p);
    let mut rng = Rng::new(seed);
    let mut text = String::new();
    for i in 0..n {
        let ev = vocab.event(p, &mut rng);
        let approve = rng.chance(50);
        let before = rf.decide(&ev);
        let got = match &ev {
            Event::Call { tool, args } => {
                let lists: Vec<Vec<Arg<'_>>> = args.iter().map(|(_, a)| scalars(a)).collect();
                let named: Vec<(&str, Arg<'_>)> = args
                    .iter()
                    .zip(&lists)
                    .map(|((n, a), l)| (n.as_str(), ref_arg(a, l)))
                    .collect();
                let d = rt.decide_call_named(tool, &named);
                settle(&mut rt, &d, approve, |rt, t| {
                    rt.approve_named(t, tool, &named).map(|_| ())
                })
            }
            Event::Output { channel, text: t } => {
                let d = rt.decide_output_named(channel, t, &mut text);
                let c = policy.channel_id(channel);
                let mut scratch = String::new();
                let d2 = settle(&mut rt, &d, approve, |rt, tk| {
                    let c = c.ok_or(guard_runtime::TicketError::UnknownTicket)?;
                    rt.approve_output(tk, c, t, &mut scratch).map(|_| ())
                });
                if d.verdict == Verdict::Allow && before.text.as_deref() != Some(text.as_str()) {
                    return Err(format!(
                        "event {i} {ev:?}: redacted text differs\n  reference: {:?}\n  runtime:   {text:?}",
                        before.text
                    ));
                }
                d2
            }
        };
        rf.step(&ev, approve);
        compare(p, policy, i, &ev, &before, &got)?;
        // The post-states must agree too.
        let rt_state: Vec<i64> = rt.state().to_vec();
        let rf_state: Vec<i64> = rf
            .state()
            .iter()
            .map(|v| match v {
                Value::Bool(b) => i64::from(*b),
                Value::Int(n) => *n,
                Value::Enum(_, v) => i64::from(*v),
                _ => i64::MIN,
            })
            .collect();
        let rf_ctx: u64 = rf.context().iter().fold(0, |acc, l| acc | (1 << l.0));
        if rt_state != rf_state || rt.context() != rf_ctx {
            return Err(format!(
                "event {i} {ev:?} (approve {approve}): state differs\n  reference: {rf_state:?} ctx {rf_ctx:#x}\n  runtime:   {rt_state:?} ctx {:#x}",
                rt.context()
            ));
        }
    }
    Ok(n)
}

/// Answers an escalation as the reference does: approve or reject.
fn settle(
    rt: &mut RtSession<'_>,
    d: &Decision,
    approve: bool,
    approve_fn: impl FnOnce(
        &mut RtSession<'_>,
        guard_runtime::TicketId,
    ) -> Result<(), guard_runtime::TicketError>,
) -> Decision {
    if let Some(t) = d.ticket {
        if approve {
            let _ = approve_fn(rt, t);
        } else {
            let _ = rt.reject(t);
        }
    }
    *d
}

fn compare(
    p: &Program,
    _policy: &Policy,
    i: usize,
    ev: &Event,
    want: &reference::Decision,
    got: &Decision,
) -> Result<(), String> {
    let same_verdict = match (&want.verdict, got.verdict) {
        (RefVerdict::Allow, Verdict::Allow) | (RefVerdict::Deny, Verdict::Deny) => true,
        (RefVerdict::Escalate(gates), Verdict::Escalate(set)) => {
            gates.iter().map(|g| g.index()).eq(set.iter())
        }
        _ => false,
    };
    let got_rules: BTreeSet<u32> = got.rules.as_slice().iter().copied().collect();
    let want_rules: BTreeSet<u32> = want.matched.iter().map(|r| r.0).collect();
    // Rules are compared when both decided by rules and the runtime kept
    // them all (a denial by an effect carries no rules in the runtime).
    let by_rules = want.why == Why::Rules && got.reason == guard_runtime::Reason::Rules;
    let same_rules =
        !by_rules || got.rules.total() > guard_runtime::RuleIds::INLINE || got_rules == want_rules;
    if same_verdict && same_rules {
        return Ok(());
    }
    Err(format!(
        "policy {}: event {i} {ev:?}\n  reference: {:?} ({:?}) rules {want_rules:?}\n  runtime:   {:?} ({:?}) rules {got_rules:?}",
        p.name, want.verdict, want.why, got.verdict, got.reason
    ))
}

#[test]
fn examples_agree_with_the_reference() {
    let files = guard_files(&workspace_root().join("examples"));
    let checked = guard_check::check_paths(&files, &guard_check::RealFs);
    let mut total = 0;
    let mut failures = Vec::new();
    for (k, policy) in checked.policies.iter().enumerate() {
        let p = policy.program.as_ref().unwrap();
        let compiled = compile(p, &checked.sources);
        match differ(p, &compiled, 1000 + k as u64, EXAMPLE_EVENTS) {
            Ok(n) => total += n,
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(total >= 6 * EXAMPLE_EVENTS, "{total} events");
}

#[test]
fn random_policies_agree_with_the_reference() {
    random_agree(random_policy, 2024, RANDOM_POLICIES);
}

#[test]
fn chain_guards_agree_with_the_reference() {
    random_agree(random_chain_policy, 7, CHAIN_POLICIES);
}

fn random_agree(generate: fn(&mut Rng) -> String, seed: u64, policies: usize) {
    let mut rng = Rng::new(seed);
    let mut total = 0;
    for k in 0..policies {
        let src = generate(&mut rng);
        let checked = guard_check::check_source("random.guard", &src, &guard_check::RealFs);
        let p = checked.policies[0].program.as_ref().unwrap();
        let compiled = compile(p, &checked.sources);
        match differ(p, &compiled, k as u64, RANDOM_EVENTS) {
            Ok(n) => total += n,
            Err(e) => panic!("{e}\n\npolicy:\n{src}"),
        }
    }
    assert!(total >= policies * RANDOM_EVENTS);
}
