//! Deep lints (`guardc check --deep`, and every `guardc prove`): facts
//! about rules that only the reachable states reveal. The checker's lints
//! read each rule alone; these walk every state a session can reach (the
//! exploration of `graph`, with every argument class of every event) and
//! ask, for each rule, whether it ever matters:
//!
//! * W0502 — its `when` holds in no reachable state: the rule is dead;
//! * W0503 — an `allow` holds only where a `deny` (or an escalation)
//!   holds too, so it never decides anything;
//! * W0504 — an `escalate` holds only where a `deny` holds too, so its
//!   gate is never asked on that path;
//! * W0505 — an effect block pushes an `int[lo..hi]` state out of range in
//!   a reachable state, so the runtime denies an event the rules allowed.
//!
//! Soundness: W0502–W0504 are claims about *every* reachable state, made
//! only when the search saw all of them and the model is exact (its
//! argument classes provably cover every value). W0505 comes with a
//! concrete trace, so it is reported whenever one is found. When the
//! model is not exact only W0505 is looked for, and a solver first asks
//! whether any state at all lets an effect fail (`ranges`): if none does,
//! no trace exists and the search is skipped. Whatever is left out, and
//! why, is in `Deep::notes`.

mod ranges;

use std::collections::{BTreeMap, HashMap};

use guard_check::hir;
use guard_diagnostics::{Code, Diagnostic};
use guard_ir::{Event, Policy, StateKind, Verdict};

use crate::eval::{EffectFailure, Env, Outcome, Why};
use crate::graph::{explore, no_asserts, policy_model, Budget, Events, Visit};
use crate::model::{Instance, Limits};
use crate::symbolic;
use crate::trace::{event_text, trace_lines, Trace};

/// Limits of the deep analysis.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most states explored and events decided; past either the
    /// universal lints are dropped.
    pub budget: Budget,
    /// The events decided when the model is not exact: then only W0505
    /// can be found, by a bounded hunt for a trace, not worth the whole
    /// budget.
    pub inexact_decisions: u64,
    /// The solver's limits for proving, before that hunt, that no effect
    /// can leave its range in any state at all (`ranges`), which makes the
    /// hunt pointless; `None` always hunts.
    pub solver: Option<symbolic::Budget>,
    /// `Classes` (the default) submits one event per class of events that
    /// decide alike; `All` every instance, for tests that check the two
    /// agree.
    pub events: Events,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            budget: Budget {
                max_states: 1_000_000,
                max_decisions: 20_000_000,
            },
            inexact_decisions: 4_000_000,
            solver: Some(symbolic::Budget {
                rlimit: 10_000_000,
                timeout_ms: 0,
            }),
            events: Events::Classes,
            limits: Limits::default(),
        }
    }
}

/// What the deep analysis of one policy found.
#[derive(Debug, Clone, Default)]
pub struct Deep {
    /// Warnings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Why some lints were not looked for; empty when nothing was left out.
    pub notes: Vec<String>,
    /// States explored.
    pub states: usize,
    /// The witnesses of the W0505 warnings, for replay.
    pub out_of_range: Vec<OutOfRange>,
}

/// An event the rules let through whose effects leave a range.
#[derive(Debug, Clone)]
pub struct OutOfRange {
    /// Index into the program's `on_blocks`.
    pub block: usize,
    /// A shortest execution to the state where it happens.
    pub trace: Trace,
    /// The event the runtime then denies.
    pub event: Instance,
    pub failure: EffectFailure,
}

/// Lowers `program` and runs the deep lints on it.
pub fn lints(program: &hir::Program, options: Options) -> Result<Deep, Vec<Diagnostic>> {
    let policy = guard_ir::lower(program)?;
    Ok(analyse(program, &policy, options))
}

/// What was seen of one rule over all reachable (state, event) pairs.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// The guard held somewhere.
    held: bool,
    /// It held where the rules' verdict was its own (it decided
    /// something), or somewhere no rule decided (a guard overflowed):
    /// either way it is not known to be always overridden.
    decided: bool,
    /// An `allow` held under an escalation (not only under denies).
    under_escalation: bool,
    /// The rules that overrode it every time it held and did not decide;
    /// `None` until the first such time.
    overriders: Option<Vec<u32>>,
}

/// The deep lints of `policy` (lowered from `program`).
pub fn analyse(program: &hir::Program, policy: &Policy, options: Options) -> Deep {
    let asserts = no_asserts(policy);
    let model = policy_model(policy, &asserts, options.limits);
    let verdicts = verdicts(policy);
    let blocks = block_map(program);
    let mut seen: Vec<Seen> = vec![Seen::default(); verdicts.len()];
    // (on-block, assignment) -> a shallowest witness: (depth, state,
    // instance, failure).
    type Witness = (usize, usize, usize, EffectFailure);
    let mut ranges: BTreeMap<(usize, Option<usize>), Witness> = BTreeMap::new();
    let valuations: Vec<usize> = (0..model.attr_sets.len()).collect();
    let mut budget = options.budget;
    if model.exact.is_err() {
        budget.max_decisions = budget.max_decisions.min(options.inexact_decisions);
    }
    // An inexact model is only searched for W0505 traces; when the solver
    // shows that no state at all lets an effect fail, there is none to
    // find and the search is skipped.
    let needless = model.exact.is_err()
        && options
            .solver
            .is_some_and(|b| ranges::no_effect_can_fail(&model, b).is_ok());
    let searched = if needless { &[][..] } else { &valuations[..] };
    let explored = explore(&model, searched, budget, options.events, |v: Visit<'_>| {
        let Some(inst) = model.instances.get(v.instance) else {
            return;
        };
        let ex = v.explained;
        let verdict_of = |id: u32| verdicts.get(id as usize).copied().flatten();
        let held_with = |want: fn(Verdict) -> bool| -> Vec<u32> {
            ex.held
                .iter()
                .copied()
                .filter(|&id| verdict_of(id).is_some_and(want))
                .collect()
        };
        for &id in &ex.held {
            let (Some(verdict), Some(s)) = (verdict_of(id), seen.get_mut(id as usize)) else {
                continue;
            };
            s.held = true;
            // Most visits only confirm what is known: skip them cheaply.
            if s.decided {
                continue;
            }
            let overriders = match (verdict, ex.verdict) {
                (Verdict::Allow, Outcome::Allow)
                | (Verdict::Escalate(_), Outcome::Escalate(_))
                | (Verdict::Deny, _) => {
                    s.decided = true;
                    s.overriders = None;
                    continue;
                }
                (Verdict::Allow, Outcome::Escalate(_)) => {
                    s.under_escalation = true;
                    held_with(|x| matches!(x, Verdict::Escalate(_)))
                }
                (_, Outcome::Deny(Why::Rules)) => held_with(|x| x == Verdict::Deny),
                // A guard overflowed: no rule decided and none overrode,
                // so no claim about overriding rules can be made.
                _ => {
                    s.decided = true;
                    continue;
                }
            };
            s.overriders = Some(match s.overriders.take() {
                None => overriders,
                Some(mut before) => {
                    before.retain(|r| overriders.contains(r));
                    before
                }
            });
        }
        if let Event::Channel(c) = inst.event {
            redactions_held(&model, &v, inst, c, &mut seen);
        }
        if let Some(f) = ex.effect_failure.filter(|f| f.why == Why::OutOfRange) {
            if let Some(&b) = blocks.get(&inst.event).and_then(|bs| bs.get(f.block)) {
                // The shallowest witness over all valuations: each is
                // searched breadth-first, but one after the other.
                let entry = ranges
                    .entry((b, f.assign))
                    .or_insert((v.depth, v.from, v.instance, f));
                if v.depth < entry.0 {
                    *entry = (v.depth, v.from, v.instance, f);
                }
            }
        }
    });
    let mut deep = Deep {
        states: explored.states.len(),
        ..Deep::default()
    };
    let limit = format!(
        "its limit ({} states, {} events decided)",
        explored.states.len(),
        explored.decisions
    );
    match (&model.exact, explored.complete) {
        (Err(why), _) if needless => deep.notes.push(format!(
            "the model is not exact ({why}); only W0505, which comes with a trace, could be reported, and the solver shows that no effect can leave its range in any state"
        )),
        (Err(why), true) => deep.notes.push(format!(
            "the model is not exact ({why}); only W0505, which comes with a trace, is reported"
        )),
        (Err(why), false) => deep.notes.push(format!(
            "the model is not exact ({why}), so only W0505, which comes with a trace, was looked for; the search stopped at {limit}"
        )),
        (Ok(()), false) => deep.notes.push(format!(
            "the search stopped at {limit} before seeing every reachable state; only W0505, which comes with a trace, is reported"
        )),
        (Ok(()), true) => {}
    }
    let exhaustive = model.exact.is_ok() && explored.complete;
    if exhaustive {
        universal(policy, &verdicts, &seen, deep.states, &mut deep.diagnostics);
    }
    for ((b, _), (_, state, k, failure)) in ranges {
        let (Some(block), Some(event)) = (program.on_blocks.get(b), model.instances.get(k)) else {
            continue;
        };
        let trace = explored.trace(&model, state);
        deep.diagnostics
            .push(out_of_range(policy, block, &trace, event, failure));
        deep.out_of_range.push(OutOfRange {
            block: b,
            trace,
            event: event.clone(),
            failure,
        });
    }
    deep.diagnostics.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
        )
    });
    deep
}

/// Every rule's verdict, indexed by rule id (a rule has one verdict on all
/// its targets); `None` for redactions and ids no tool or channel has.
fn verdicts(policy: &Policy) -> Vec<Option<Verdict>> {
    let len = policy
        .rules
        .iter()
        .map(|r| r.id as usize + 1)
        .max()
        .unwrap_or(0);
    let mut out = vec![None; len];
    for r in policy
        .tools
        .iter()
        .flat_map(|t| &t.rules)
        .chain(policy.channels.iter().flat_map(|c| &c.rules))
    {
        if let Some(slot) = out.get_mut(r.id as usize) {
            *slot = Some(r.verdict);
        }
    }
    out
}

/// For each event, the program's `on` blocks that apply to it, in the
/// order lowering gave them to the event (`ir::Tool::effects`).
fn block_map(program: &hir::Program) -> HashMap<Event, Vec<usize>> {
    let mut out: HashMap<Event, Vec<usize>> = HashMap::new();
    for (b, o) in program.on_blocks.iter().enumerate() {
        match &o.target {
            hir::Target::Tools { tools, .. } => {
                for t in tools {
                    out.entry(Event::Tool(t.index() as u16))
                        .or_default()
                        .push(b);
                }
            }
            hir::Target::Output(c) => out
                .entry(Event::Channel(c.index() as u16))
                .or_default()
                .push(b),
        }
    }
    out
}

/// Redaction guards are not part of the verdict; they are looked at here
/// only to tell whether they ever hold.
fn redactions_held(
    model: &crate::model::Model<'_>,
    v: &Visit<'_>,
    inst: &Instance,
    channel: u16,
    seen: &mut [Seen],
) {
    let Some(ch) = model.policy.channels.get(usize::from(channel)) else {
        return;
    };
    let Some(attrs) = model.attr_sets.get(v.state.attrs as usize) else {
        return;
    };
    let env = Env {
        policy: model.policy,
        regexes: &model.regexes,
        attrs,
        state: &v.state.vars,
        ctx: v.state.ctx,
        args: &inst.args,
        text: inst.text.as_deref(),
    };
    for r in &ch.redactions {
        if let (Some(s), Ok(true)) = (seen.get_mut(r.id as usize), env.holds(r.guard.as_ref())) {
            s.held = true;
            s.decided = true;
        }
    }
}

fn verdict_word(policy: &Policy, v: Option<Verdict>) -> String {
    match v {
        Some(Verdict::Allow) => "`allow` rule".into(),
        Some(Verdict::Deny) => "`deny` rule".into(),
        Some(Verdict::Escalate(g)) => format!(
            "`escalate` rule (to `{}`)",
            policy
                .gates
                .get(usize::from(g))
                .map_or("?", |g| g.name.as_str())
        ),
        None => "`redact` rule".into(),
    }
}

/// W0502–W0504: claims about every reachable state.
fn universal(
    policy: &Policy,
    verdicts: &[Option<Verdict>],
    seen: &[Seen],
    states: usize,
    out: &mut Vec<Diagnostic>,
) {
    let span_of = |id: u32| policy.rules.iter().find(|r| r.id == id).map(|r| r.span);
    for info in &policy.rules {
        let verdict = verdicts.get(info.id as usize).copied().flatten();
        let what = verdict_word(policy, verdict);
        let s = seen.get(info.id as usize).cloned().unwrap_or_default();
        if !s.held {
            out.push(
                Diagnostic::new(
                    Code::W0502,
                    info.span,
                    format!("{what} never applies: its condition holds in no reachable state"),
                )
                .with_label("this condition is false in every state a session can reach")
                .with_note(searched(states))
                .with_help(
                    "remove the rule, or fix its condition: a state value, label or argument it tests never occurs together with the rest",
                ),
            );
            continue;
        }
        if s.decided {
            continue;
        }
        let overrider = s
            .overriders
            .as_ref()
            .and_then(|o| o.first())
            .and_then(|&id| span_of(id).map(|sp| (id, sp)));
        let d = match verdict {
            Some(Verdict::Allow) => {
                let by = if s.under_escalation {
                    "a `deny` or `escalate` rule"
                } else {
                    "a `deny` rule"
                };
                Diagnostic::new(
                    Code::W0503,
                    info.span,
                    format!("`allow` rule never takes effect: wherever it holds, {by} holds too"),
                )
                .with_label("this allow never decides an event")
                .with_help("a `deny` beats every `allow` and an escalation beats an `allow`, in any order; narrow the overriding rule or remove this one")
            }
            Some(Verdict::Escalate(g)) => {
                let gate = policy
                    .gates
                    .get(usize::from(g))
                    .map_or("?", |g| g.name.as_str());
                Diagnostic::new(
                    Code::W0504,
                    info.span,
                    format!("escalation to `{gate}` never happens: wherever this rule holds, a `deny` rule holds too"),
                )
                .with_label(format!("`{gate}` is never asked through this rule"))
                .with_help("the events it escalates are always denied; remove the rule, or narrow the deny if the gate should see them")
            }
            _ => continue,
        };
        let d = match overrider {
            Some((_, span)) => d.with_secondary(span, "this rule holds whenever the other does"),
            None => d,
        };
        out.push(d.with_note(searched(states)));
    }
}

/// W0505 for one effect block (and assignment), with its shortest trace.
fn out_of_range(
    policy: &Policy,
    block: &hir::OnBlock,
    trace: &Trace,
    event: &Instance,
    f: EffectFailure,
) -> Diagnostic {
    let assign = f.assign.and_then(|j| block.assigns.get(j));
    let (span, message, change) = match assign {
        Some(a) => {
            let slot = a.state.index();
            let name = policy.states.get(slot).map_or("?", |s| s.name.as_str());
            let range = match policy.states.get(slot).map(|s| &s.kind) {
                Some(StateKind::Int { lo, hi }) => format!("int[{lo}..{hi}]"),
                _ => "its range".into(),
            };
            let change = match f.value {
                Some(n) => format!("would set `{name}` to {n}, outside {range}"),
                None => format!("overflows computing `{name}`"),
            };
            (
                a.span,
                format!("effect can push `{name}` out of {range} in a reachable state"),
                change,
            )
        }
        None => (
            block.span,
            "effect block's condition overflows in a reachable state".to_string(),
            "its condition overflows".to_string(),
        ),
    };
    let init: Vec<i64> = policy.states.iter().map(|s| s.init).collect();
    let mut lines = trace_lines(policy, &init, trace);
    lines.push(format!(
        "{}. {} => deny (the rules allow it, but the effect {change})",
        trace.steps.len() + 1,
        event_text(policy, event)
    ));
    let events = trace.steps.len() + 1;
    let mut d = Diagnostic::new(Code::W0505, span, message).with_label(match trace.steps.len() {
        0 => format!("in the initial state, this {change}"),
        n => format!("after {n} event{}, this {change}", plural(n)),
    });
    if assign.is_some() && block.span != span {
        d = d.with_secondary(block.span, "in this effect block");
    }
    d.with_note(format!(
        "the runtime denies the event instead; a shortest execution ({events} event{}):\n{}",
        plural(events),
        lines.join("\n")
    ))
    .with_help("deny the event explicitly before the effect would leave the range (a `deny ... when` on the state, with a `because`), or widen the range")
}

fn searched(states: usize) -> String {
    format!(
        "searched {} reachable state{}, with every argument class of every event",
        if states == 1 {
            "the one".to_string()
        } else {
            format!("all {states}")
        },
        plural(states)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
