//! The finite model of a policy: the events an agent can submit, as one
//! concrete witness per argument class (`classes`), and the attribute
//! valuations a host can open a session with. A model state is the state
//! variables plus the `context` label set; the attribute valuation is
//! fixed for a session, so it is part of the initial state.
//!
//! Invariant: when `exact` is `Ok`, every concrete event behaves (verdict,
//! effects, assertion steps) like one of `instances` in every state, and
//! every valuation of the attributes like one of `attr_sets`; so a search
//! over the model that finds nothing proves the property for the policy.

use guard_ir::{Asserts, Event, Expr, Policy, StateKind, Type};

use crate::classes::{self, Subject, Witnesses};
use crate::eval::Regexes;
use crate::value::Value;

/// Limits on the size of the model; past them the answer is "unknown".
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Concrete events per tool or channel (the product of its
    /// parameters' classes).
    pub instances_per_event: usize,
    /// Attribute valuations.
    pub attr_sets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instances_per_event: 16_384,
            attr_sets: 4096,
        }
    }
}

/// One concrete event: a tool call with its arguments, or an output with
/// its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instance {
    pub event: Event,
    /// By parameter position; `None` is an absent optional parameter.
    pub args: Vec<Option<Value>>,
    pub text: Option<String>,
    /// Parameters (by bit) that are solver variables; their value in
    /// `args` is a placeholder until a model fills it in.
    pub symbolic: u64,
}

pub struct Model<'a> {
    pub policy: &'a Policy,
    pub asserts: &'a Asserts,
    pub regexes: Regexes,
    pub instances: Vec<Instance>,
    pub attr_sets: Vec<Vec<Value>>,
    /// `Err(why)` when the classes are not known to be exhaustive: a
    /// search that finds nothing then proves nothing.
    pub exact: Result<(), String>,
    /// The events of the symbolic engines: integer parameters are solver
    /// variables (marked in `Instance::symbolic`).
    pub sym_instances: Vec<Instance>,
    /// Valuations of the attributes that are not solver variables (those
    /// hold a placeholder), one symbolic query each.
    pub sym_attr_groups: Vec<Vec<Value>>,
    /// `exact` for the symbolic engines, which need no classes for
    /// integers.
    pub exact_symbolic: Result<(), String>,
}

impl<'a> Model<'a> {
    /// The model for proving `focus` (an index into `asserts.asserts`):
    /// only that assertion's step guards refine the classes, so each
    /// proof pays only for the distinctions it needs.
    pub fn new(
        policy: &'a Policy,
        asserts: &'a Asserts,
        focus: usize,
        limits: Limits,
    ) -> Model<'a> {
        // Two readings of the same classes: `exact` for the enumerating
        // engine (BFS), `exact_symbolic` for the Z3 engines, which keep
        // integer parameters and attributes as solver variables and so
        // need no classes — nor exactness — for them.
        let mut exact: Result<(), String> = Ok(());
        let mut exact_symbolic: Result<(), String> = Ok(());
        let note = |slot: &mut Result<(), String>, r: Result<(), String>| {
            if let (Ok(()), Err(e)) = (&*slot, r) {
                *slot = Err(e);
            }
        };
        let mut instances = Vec::new();
        let mut sym_instances = Vec::new();
        // Integer subjects, seen as finite, for the symbolic coupling test.
        let as_symbolic = |t: &Type| if is_int(t) { Type::Bool } else { t.clone() };
        let sym_attrs: Vec<guard_ir::Attr> = policy
            .attrs
            .iter()
            .map(|a| guard_ir::Attr {
                name: a.name.clone(),
                ty: as_symbolic(&a.ty),
            })
            .collect();
        let events: Vec<Event> = policy
            .tools
            .iter()
            .enumerate()
            .map(|(i, _)| Event::Tool(i as u16))
            .chain((0..policy.channels.len()).map(|i| Event::Channel(i as u16)))
            .collect();
        // Classifications are remembered process-wide (`classes`), and
        // models of several assertions (and the deep lints') are built on
        // threads side by side, all starting with the first event, where
        // the later ones wait for the first to classify it. Models of
        // odd-numbered assertions classify the events last to first
        // beforehand instead, so two threads work on different events at
        // the start; the loop below then finds those answers remembered.
        // Only the order of work changes, never a result.
        if focus % 2 == 1 {
            for &event in events.iter().rev() {
                let owned = exprs_of(policy, asserts.asserts.get(focus), event);
                let exprs: Vec<&Expr> = owned.iter().collect();
                match event {
                    Event::Tool(t) => {
                        for (i, p) in params_of(policy, Event::Tool(t)).iter().enumerate() {
                            let subject = Subject::Param(i as u8);
                            witnesses(policy, subject, &p.ty, p.optional, &exprs, &asserts.regexes);
                        }
                    }
                    Event::Channel(_) => {
                        classes::witnesses(
                            Subject::Text,
                            &Type::Str,
                            false,
                            &exprs,
                            &asserts.regexes,
                        );
                    }
                }
            }
        }
        for &event in &events {
            let name = event_name(policy, event);
            let owned = exprs_of(policy, asserts.asserts.get(focus), event);
            let exprs: Vec<&Expr> = owned.iter().collect();
            let params = params_of(policy, event);
            if let Some(why) = classes::coupling(&exprs, params, &policy.attrs) {
                note(&mut exact, Err(format!("{name}: {why}")));
            }
            let sym_params: Vec<guard_ir::Param> = params
                .iter()
                .map(|p| guard_ir::Param {
                    name: p.name.clone(),
                    ty: as_symbolic(&p.ty),
                    optional: p.optional,
                })
                .collect();
            if let Some(why) = classes::coupling(&exprs, &sym_params, &sym_attrs) {
                note(&mut exact_symbolic, Err(format!("{name}: {why}")));
            }
            let per_param: Vec<Witnesses> = match event {
                Event::Tool(t) => policy.tools[usize::from(t)]
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        witnesses(
                            policy,
                            Subject::Param(i as u8),
                            &p.ty,
                            p.optional,
                            &exprs,
                            &asserts.regexes,
                        )
                    })
                    .collect(),
                Event::Channel(_) => vec![classes::witnesses(
                    Subject::Text,
                    &Type::Str,
                    false,
                    &exprs,
                    &asserts.regexes,
                )],
            };
            let ints: Vec<bool> = match event {
                Event::Tool(t) => policy.tools[usize::from(t)]
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| is_int(&p.ty) && i < 64)
                    .collect(),
                Event::Channel(_) => vec![false],
            };
            for (w, int) in per_param.iter().zip(&ints) {
                let r = w.exact.clone().map_err(|e| format!("{name}: {e}"));
                note(&mut exact, r.clone());
                if !int {
                    note(&mut exact_symbolic, r);
                }
            }
            if std::env::var_os("GUARD_DEBUG_MODEL").is_some() {
                for w in &per_param {
                    eprintln!("{name}: {} witnesses {:?}", w.values.len(), w.exact);
                }
            }
            let lists: Vec<Vec<Option<Value>>> = per_param.into_iter().map(|w| w.values).collect();
            // The symbolic engines' events: an integer parameter is one
            // solver variable (and "absent" when optional).
            let sym_lists: Vec<Vec<Option<Value>>> = lists
                .iter()
                .zip(&ints)
                .map(|(l, &int)| {
                    if int {
                        let mut v = vec![Some(Value::Int(0))];
                        if l.contains(&None) {
                            v.push(None);
                        }
                        v
                    } else {
                        l.clone()
                    }
                })
                .collect();
            for (lists, out, slot, symbolic) in [
                (&lists, &mut instances, &mut exact, false),
                (&sym_lists, &mut sym_instances, &mut exact_symbolic, true),
            ] {
                let count = lists
                    .iter()
                    .map(Vec::len)
                    .try_fold(1usize, usize::checked_mul);
                let mask = if symbolic { &ints[..] } else { &[][..] };
                if count.is_none_or(|n| n > limits.instances_per_event) {
                    note(
                        slot,
                        Err(format!(
                            "{name}: too many argument classes (more than {})",
                            limits.instances_per_event
                        )),
                    );
                    // Keep a bounded sample so traces can still be found.
                    let sample: Vec<Vec<Option<Value>>> = lists
                        .iter()
                        .map(|l| l.iter().take(2).cloned().collect())
                        .collect();
                    push_product(out, event, &sample, mask);
                } else {
                    push_product(out, event, lists, mask);
                }
            }
        }
        let all_owned = policy_exprs(policy, asserts.asserts.get(focus));
        let all: Vec<&Expr> = all_owned.iter().collect();
        let mut attr_lists = Vec::new();
        for (i, a) in policy.attrs.iter().enumerate() {
            let w = witnesses(
                policy,
                Subject::Attr(i as u16),
                &a.ty,
                false,
                &all,
                &asserts.regexes,
            );
            let r = w
                .exact
                .clone()
                .map_err(|e| format!("attribute `{}`: {e}", a.name));
            note(&mut exact, r.clone());
            if !crate::symbolic::finite(&a.ty) {
                note(&mut exact_symbolic, r);
            }
            attr_lists.push(w.values.into_iter().flatten().collect::<Vec<Value>>());
        }
        // The symbolic engines enumerate only the attributes that are not
        // solver variables.
        let mut sym_attr_groups: Vec<Vec<Value>> = vec![Vec::new()];
        for (a, list) in policy.attrs.iter().zip(&attr_lists) {
            let choices: Vec<Value> = if crate::symbolic::finite(&a.ty) {
                vec![Value::Bool(false)]
            } else {
                list.clone()
            };
            let mut next = Vec::new();
            for prefix in &sym_attr_groups {
                for v in &choices {
                    let mut g = prefix.clone();
                    g.push(v.clone());
                    next.push(g);
                }
            }
            if next.len() > limits.attr_sets {
                note(
                    &mut exact_symbolic,
                    Err(format!(
                        "too many attribute valuations (more than {})",
                        limits.attr_sets
                    )),
                );
                next.truncate(limits.attr_sets);
            }
            sym_attr_groups = next;
        }
        let mut attr_sets = vec![Vec::new()];
        for list in &attr_lists {
            let mut next = Vec::new();
            for prefix in &attr_sets {
                for v in list {
                    let mut s: Vec<Value> = prefix.clone();
                    s.push(v.clone());
                    next.push(s);
                }
            }
            if next.len() > limits.attr_sets {
                note(
                    &mut exact,
                    Err(format!(
                        "too many attribute valuations (more than {})",
                        limits.attr_sets
                    )),
                );
                next.truncate(limits.attr_sets);
            }
            attr_sets = next;
        }
        Model {
            policy,
            asserts,
            regexes: Regexes::new(&asserts.regexes),
            instances,
            sym_instances,
            sym_attr_groups,
            attr_sets,
            exact,
            exact_symbolic,
        }
    }

    /// The initial state variables.
    pub fn init(&self) -> Vec<i64> {
        self.policy.states.iter().map(|s| s.init).collect()
    }

    /// An upper bound on the states a search of `a` may visit.
    pub fn estimate(&self, a: &guard_ir::Assert) -> u128 {
        let p = self.policy;
        let mut n: u128 = self.attr_sets.len().max(1) as u128;
        for s in &p.states {
            let size = match s.kind {
                StateKind::Bool => 2,
                StateKind::Enum(e) => p.enums.get(usize::from(e)).map_or(1, Vec::len) as u128,
                StateKind::Int { lo, hi } => (i128::from(hi) - i128::from(lo) + 1).max(1) as u128,
            };
            n = n.saturating_mul(size);
        }
        n = n.saturating_mul(
            1u128
                .checked_shl(p.labels.len() as u32)
                .unwrap_or(u128::MAX),
        );
        n.saturating_mul(
            1u128
                .checked_shl(a.steps.len().saturating_sub(1) as u32)
                .unwrap_or(u128::MAX),
        )
    }

    /// How many bits the state variables and labels take, for choosing an
    /// engine and for reports.
    pub fn state_bits(&self) -> u32 {
        let vars: u32 = self
            .policy
            .states
            .iter()
            .map(|s| match s.kind {
                StateKind::Bool => 1,
                StateKind::Enum(e) => {
                    bits(self.policy.enums.get(usize::from(e)).map_or(1, Vec::len))
                }
                StateKind::Int { lo, hi } => bits(
                    usize::try_from(hi.saturating_sub(lo))
                        .unwrap_or(usize::MAX)
                        .saturating_add(1),
                ),
            })
            .sum();
        vars + self.policy.labels.len() as u32
    }
}

/// The classes of one subject, with the policy's enum table so enum
/// subjects (and lists of them) get every variant.
fn witnesses(
    policy: &Policy,
    subject: Subject,
    ty: &Type,
    optional: bool,
    exprs: &[&Expr],
    regexes: &[String],
) -> Witnesses {
    classes::witnesses_with_enums(subject, ty, optional, exprs, regexes, Some(&policy.enums))
}

fn bits(values: usize) -> u32 {
    usize::BITS - values.saturating_sub(1).leading_zeros()
}

fn is_int(t: &Type) -> bool {
    matches!(t, Type::Int | Type::IntRange(..))
}

/// Every combination of the lists; `ints[i]` marks parameter `i` symbolic
/// where it is present.
fn push_product(
    out: &mut Vec<Instance>,
    event: Event,
    lists: &[Vec<Option<Value>>],
    ints: &[bool],
) {
    let mut rows: Vec<Vec<Option<Value>>> = vec![Vec::new()];
    for list in lists {
        let mut next = Vec::with_capacity(rows.len() * list.len().max(1));
        for row in &rows {
            for v in list {
                let mut r = row.clone();
                r.push(v.clone());
                next.push(r);
            }
        }
        rows = next;
    }
    for row in rows {
        let (args, text) = match event {
            Event::Tool(_) => (row, None),
            Event::Channel(_) => (
                Vec::new(),
                row.into_iter().next().flatten().and_then(|v| match v {
                    Value::Str(s) => Some(s),
                    _ => None,
                }),
            ),
        };
        if matches!(event, Event::Channel(_)) && text.is_none() {
            continue;
        }
        let symbolic = args
            .iter()
            .zip(ints)
            .enumerate()
            .filter(|(_, (v, &int))| int && v.is_some())
            .fold(0u64, |m, (i, _)| m | (1u64 << i));
        out.push(Instance {
            event,
            args,
            text,
            symbolic,
        });
    }
}

fn params_of(policy: &Policy, event: Event) -> &[guard_ir::Param] {
    match event {
        Event::Tool(t) => &policy.tools[usize::from(t)].params,
        Event::Channel(_) => &[],
    }
}

/// Every expression evaluated on events of `event`: rule guards, effect
/// guards and values, redaction guards, and assertion step guards.
pub fn exprs_of(policy: &Policy, focus: Option<&guard_ir::Assert>, event: Event) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    let (rules, effects) = match event {
        Event::Tool(t) => {
            let t = &policy.tools[usize::from(t)];
            (&t.rules, &t.effects)
        }
        Event::Channel(c) => {
            let c = &policy.channels[usize::from(c)];
            out.extend(c.redactions.iter().filter_map(|r| r.guard.clone()));
            (&c.rules, &c.effects)
        }
    };
    out.extend(rules.iter().filter_map(|r| r.guard.clone()));
    for e in effects {
        out.extend(e.guard.clone());
        for (s, v) in &e.assigns {
            // An assignment to a bounded integer observes its value only
            // up to the range (in it, below, above, overflow).
            match policy.states.get(usize::from(*s)).map(|d| &d.kind) {
                Some(StateKind::Int { lo, hi }) => {
                    out.extend(classes::assignment_probes(v, *lo, *hi))
                }
                _ => out.push(v.clone()),
            }
        }
    }
    if let Some(a) = focus {
        for s in &a.steps {
            out.extend(
                s.events
                    .iter()
                    .filter(|(e, _)| *e == event)
                    .filter_map(|(_, g)| g.clone()),
            );
        }
    }
    out
}

fn policy_exprs(policy: &Policy, focus: Option<&guard_ir::Assert>) -> Vec<Expr> {
    (0..policy.tools.len())
        .map(|i| Event::Tool(i as u16))
        .chain((0..policy.channels.len()).map(|i| Event::Channel(i as u16)))
        .flat_map(|e| exprs_of(policy, focus, e))
        .collect()
}

pub fn event_name(policy: &Policy, event: Event) -> String {
    match event {
        Event::Tool(t) => policy
            .tools
            .get(usize::from(t))
            .map_or_else(|| "?".into(), |t| t.name.clone()),
        Event::Channel(c) => format!(
            "output {}",
            policy
                .channels
                .get(usize::from(c))
                .map_or("?", |c| c.name.as_str())
        ),
    }
}
