//! The reachable abstract state machine of a policy: every state (state
//! variables and context labels, per attribute valuation) an agent can
//! drive a session into, and the events that move it, found by
//! breadth-first search over the verifier's model with the concrete
//! semantics of `eval`. `guardc graph` draws it (`graph::render`) so a
//! person can look at a policy's behaviour instead of reading it, and the
//! deep lints (`deep`) walk the same exploration to ask which rules ever
//! matter.
//!
//! The model used here refines argument classes by the policy's own
//! expressions only (no assertion), so an edge stands for every argument
//! value the rules cannot tell apart. When the model is not exact, some
//! behaviours may be missing from the machine; callers say so.

pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use guard_ir::{Asserts, Event, Policy};

use crate::eval::{explain, fold, Env, Explained, Outcome, Specialized};
use crate::fx::FxBuild;
use crate::model::{Instance, Limits, Model};
use crate::trace::{value_text, Trace, TraceStep};
use crate::value::Value;

/// The assertion table of a model without assertions: the policy's own
/// regexes and nothing else.
pub fn no_asserts(policy: &Policy) -> Asserts {
    Asserts {
        asserts: Vec::new(),
        regexes: policy.regexes.clone(),
    }
}

/// The model of `policy` whose classes come from the policy alone. Pass
/// the result of [`no_asserts`]; `Model::new` with a focus past the end of
/// the (empty) assertion list refines by no assertion.
pub fn policy_model<'a>(policy: &'a Policy, asserts: &'a Asserts, limits: Limits) -> Model<'a> {
    Model::new(policy, asserts, asserts.asserts.len(), limits)
}

/// One abstract state: the attribute valuation (an index into the model's
/// `attr_sets`), the state variables and the context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct State {
    pub attrs: u32,
    pub vars: Vec<i64>,
    pub ctx: u64,
}

/// The result of an exploration: the states in breadth-first order and a
/// shortest way to reach each.
#[derive(Debug, Clone, Default)]
pub struct Explored {
    pub states: Vec<State>,
    /// The state and model instance each state was first reached from;
    /// `None` for the initial states.
    pub parent: Vec<Option<(usize, usize)>>,
    /// Events from an initial state.
    pub depth: Vec<usize>,
    /// False when a limit stopped the search before every reachable
    /// state was seen.
    pub complete: bool,
    /// Events decided.
    pub decisions: u64,
}

/// One event submitted in one explored state.
pub struct Visit<'a> {
    pub from: usize,
    /// Events from the initial state to `from`.
    pub depth: usize,
    pub state: &'a State,
    /// Index into the model's `instances`.
    pub instance: usize,
    pub explained: &'a Explained,
    /// The state the event leads to; `None` when it is denied.
    pub to: Option<usize>,
}

/// How much one exploration may do; past either limit it stops and says
/// it is incomplete.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_states: usize,
    /// Events decided (states times events submitted in each).
    pub max_decisions: u64,
}

/// Which events an exploration submits in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// Every instance of the model: each gets its own visit.
    All,
    /// One instance per class of instances that decide alike in every
    /// state (same event, same rules and effects once everything that does
    /// not read the state is folded, same redaction guards). Reaches the
    /// same states as `All` with a fraction of the work.
    Classes,
}

/// Breadth-first search from the initial state of each valuation in
/// `valuations`, one valuation after the other, calling `visit` for every
/// (state, event) pair. Within a valuation states are explored in order
/// of depth, so a trace to a state (`Explored::trace`) is a shortest one.
pub fn explore(
    model: &Model<'_>,
    valuations: &[usize],
    budget: Budget,
    events: Events,
    mut visit: impl FnMut(Visit<'_>),
) -> Explored {
    let mut ex = Explored {
        complete: true,
        ..Explored::default()
    };
    let init = model.init();
    for &v in valuations {
        let Some(attrs) = model.attr_sets.get(v) else {
            continue;
        };
        // Valuations never share a state, so each search has its own index
        // and its own specialized events, dropped when it is done.
        let forms = event_forms(model, attrs, events);
        let mut index: HashMap<State, usize, FxBuild> = HashMap::default();
        let first = ex.states.len();
        let s = State {
            attrs: v as u32,
            vars: init.clone(),
            ctx: 0,
        };
        if ex.states.len() >= budget.max_states {
            ex.complete = false;
            return ex;
        }
        index.insert(s.clone(), first);
        ex.states.push(s);
        ex.parent.push(None);
        ex.depth.push(0);
        let mut head = first;
        while head < ex.states.len() {
            let here = head;
            head += 1;
            let state = ex.states[here].clone();
            for (k, form) in &forms {
                let Some(inst) = model.instances.get(*k) else {
                    continue;
                };
                ex.decisions += 1;
                if ex.decisions > budget.max_decisions {
                    ex.complete = false;
                    return ex;
                }
                let env = env(model, attrs, &state, inst);
                let explained = form.explain(&env);
                let to = match &explained.decided.next {
                    None => None,
                    Some((vars, ctx)) => {
                        let next = State {
                            attrs: state.attrs,
                            vars: vars.clone(),
                            ctx: *ctx,
                        };
                        match index.get(&next) {
                            Some(&i) => Some(i),
                            None if ex.states.len() >= budget.max_states => {
                                ex.complete = false;
                                return ex;
                            }
                            None => {
                                let i = ex.states.len();
                                index.insert(next.clone(), i);
                                ex.states.push(next);
                                ex.parent.push(Some((here, *k)));
                                ex.depth.push(ex.depth[here] + 1);
                                Some(i)
                            }
                        }
                    }
                };
                visit(Visit {
                    from: here,
                    depth: ex.depth[here],
                    state: &state,
                    instance: *k,
                    explained: &explained,
                    to,
                });
            }
        }
    }
    ex
}

/// The events to submit under one attribute valuation, each specialized
/// to its arguments and the attributes: every instance, or one per class.
fn event_forms(model: &Model<'_>, attrs: &[Value], events: Events) -> Vec<(usize, Specialized)> {
    let mut out = Vec::new();
    let mut classes: HashSet<String> = HashSet::new();
    let no_state = State {
        attrs: 0,
        vars: Vec::new(),
        ctx: 0,
    };
    for (k, inst) in model.instances.iter().enumerate() {
        let env = env(model, attrs, &no_state, inst);
        let form = Specialized::new(&env, inst.event);
        if events == Events::Classes {
            let redactions: Vec<Option<guard_ir::Expr>> = match inst.event {
                Event::Channel(c) => model
                    .policy
                    .channels
                    .get(usize::from(c))
                    .map(|ch| {
                        ch.redactions
                            .iter()
                            .map(|r| r.guard.as_ref().map(|g| fold(&env, g)))
                            .collect()
                    })
                    .unwrap_or_default(),
                Event::Tool(_) => Vec::new(),
            };
            // The derived Debug text is a faithful key: it spells out every
            // field of the folded rules, effects and redaction guards.
            let key = format!("{:?} {form:?} {redactions:?}", inst.event);
            if !classes.insert(key) {
                continue;
            }
        }
        out.push((k, form));
    }
    out
}

fn env<'e>(
    model: &'e Model<'_>,
    attrs: &'e [Value],
    state: &'e State,
    inst: &'e Instance,
) -> Env<'e> {
    Env {
        policy: model.policy,
        regexes: &model.regexes,
        attrs,
        state: &state.vars,
        ctx: state.ctx,
        args: &inst.args,
        text: inst.text.as_deref(),
    }
}

impl Explored {
    /// The shortest trace from an initial state to state `at`, each event
    /// decided again to recover its verdict and rules.
    pub fn trace(&self, model: &Model<'_>, at: usize) -> Trace {
        let mut path = Vec::new();
        let mut cur = at;
        while let Some(Some((parent, k))) = self.parent.get(cur) {
            path.push((*parent, *k));
            cur = *parent;
        }
        path.reverse();
        let valuation = self.states.get(cur).map_or(0, |s| s.attrs as usize);
        let attrs = model.attr_sets.get(valuation).cloned().unwrap_or_default();
        let mut steps = Vec::new();
        for (parent, k) in path {
            let (Some(state), Some(inst)) = (self.states.get(parent), model.instances.get(k))
            else {
                break;
            };
            let d = explain(&env(model, &attrs, state, inst), inst.event).decided;
            let (vars, ctx) = d.next.unwrap_or((state.vars.clone(), state.ctx));
            steps.push(TraceStep {
                instance: inst.clone(),
                outcome: d.outcome,
                rules: d.rules,
                state: vars,
                ctx,
            });
        }
        Trace { attrs, steps }
    }
}

/// Options of `guardc graph`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most states drawn; past it the graph is refused, not cut.
    pub max_nodes: usize,
    /// Draw denied events as dimmed edges to a sink.
    pub show_denied: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_nodes: 200,
            show_denied: false,
        }
    }
}

/// How an edge's events went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Allow,
    /// Executed after the gates of these bits approved.
    Escalate(u64),
    Deny,
}

/// Where an edge goes: a state of the same group, or the denial sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum To {
    Node(usize),
    Denied,
}

/// Every event from one state to one target with one outcome, merged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: To,
    pub kind: Kind,
    /// One line per tool (or per argument class when the class decides
    /// where the event goes), sorted.
    pub lines: Vec<String>,
}

/// The machine of the attribute valuations that behave alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Indices into the model's `attr_sets`.
    pub valuations: Vec<usize>,
    /// State variables and context, by node number (breadth-first order;
    /// node 0 is the initial state).
    pub nodes: Vec<(Vec<i64>, u64)>,
    pub edges: Vec<Edge>,
}

/// The drawing of a policy's reachable state machine.
#[derive(Debug, Clone)]
pub struct Graph {
    pub policy: String,
    pub groups: Vec<Group>,
    /// Per group, its attribute valuations as text (the label of its start
    /// arrow; empty for a policy without attributes).
    pub valuation_text: Vec<String>,
    /// Why the model is not exact, if it is not.
    pub inexact: Option<String>,
}

/// The machine has more states than `Options::max_nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: usize,
}

/// Explores `model` once per attribute valuation and draws the result;
/// valuations whose machines are identical share one group.
pub fn build(model: &Model<'_>, options: Options) -> Result<Graph, TooLarge> {
    let policy = model.policy;
    let shown = shown_params(model);
    let mut groups: Vec<Group> = Vec::new();
    let mut total = 0usize;
    for v in 0..model.attr_sets.len() {
        let mut moves: Vec<(usize, usize, To, Kind)> = Vec::new();
        let budget = Budget {
            max_states: options.max_nodes,
            max_decisions: u64::MAX,
        };
        let ex = explore(model, &[v], budget, Events::All, |visit| {
            let kind = match visit.explained.decided.outcome {
                Outcome::Allow => Kind::Allow,
                Outcome::Escalate(g) => Kind::Escalate(g),
                Outcome::Deny(_) => Kind::Deny,
            };
            let to = visit.to.map_or(To::Denied, To::Node);
            moves.push((visit.from, visit.instance, to, kind));
        });
        if !ex.complete {
            return Err(TooLarge {
                limit: options.max_nodes,
            });
        }
        let edges = merge(model, &shown, &moves, options.show_denied);
        let nodes: Vec<(Vec<i64>, u64)> = ex.states.into_iter().map(|s| (s.vars, s.ctx)).collect();
        if let Some(g) = groups
            .iter_mut()
            .find(|g| g.nodes == nodes && g.edges == edges)
        {
            g.valuations.push(v);
            continue;
        }
        total += nodes.len();
        if total > options.max_nodes {
            return Err(TooLarge {
                limit: options.max_nodes,
            });
        }
        groups.push(Group {
            valuations: vec![v],
            nodes,
            edges,
        });
    }
    let valuation_text = groups
        .iter()
        .map(|g| valuations_text(model, &g.valuations))
        .collect();
    Ok(Graph {
        policy: policy.name.clone(),
        groups,
        valuation_text,
        inexact: model.exact.clone().err(),
    })
}

/// Per event, the parameter positions whose classes differ among the
/// model's instances: the only arguments worth printing on an edge.
fn shown_params(model: &Model<'_>) -> BTreeMap<Event, Vec<usize>> {
    let mut values: BTreeMap<Event, Vec<BTreeSet<Option<&Value>>>> = BTreeMap::new();
    for inst in &model.instances {
        let slots = values.entry(inst.event).or_default();
        slots.resize_with(inst.args.len().max(slots.len()), BTreeSet::new);
        for (i, a) in inst.args.iter().enumerate() {
            slots[i].insert(a.as_ref());
        }
    }
    values
        .into_iter()
        .map(|(e, slots)| {
            let varying = slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.len() > 1)
                .map(|(i, _)| i)
                .collect();
            (e, varying)
        })
        .collect()
}

/// The edges of one exploration: per state and event, the instances
/// grouped by (target, outcome). When all of an event's instances go the
/// same way the line is the event's name; otherwise each line names the
/// argument classes that take that way.
fn merge(
    model: &Model<'_>,
    shown: &BTreeMap<Event, Vec<usize>>,
    moves: &[(usize, usize, To, Kind)],
    show_denied: bool,
) -> Vec<Edge> {
    // (from, event) -> (to, kind) -> instances
    type Ways = BTreeMap<(To, Kind), Vec<usize>>;
    let mut by_event: BTreeMap<(usize, Event), Ways> = BTreeMap::new();
    for &(from, k, to, kind) in moves {
        let Some(inst) = model.instances.get(k) else {
            continue;
        };
        by_event
            .entry((from, inst.event))
            .or_default()
            .entry((to, kind))
            .or_default()
            .push(k);
    }
    let mut merged: BTreeMap<(usize, To, Kind), BTreeSet<String>> = BTreeMap::new();
    for ((from, event), ways) in by_event {
        // The class matters when the drawn events take different ways;
        // hidden denials do not count, or every partly denied tool would
        // spell out its classes.
        let drawn = ways
            .keys()
            .filter(|(_, kind)| show_denied || *kind != Kind::Deny)
            .count();
        let one_way = drawn <= 1;
        for ((to, kind), instances) in ways {
            if kind == Kind::Deny && !show_denied {
                continue;
            }
            let lines = merged.entry((from, to, kind)).or_default();
            if one_way {
                lines.insert(event_name(model.policy, event));
            } else {
                lines.insert(classes_text(model, shown, event, &instances));
            }
        }
    }
    merged
        .into_iter()
        .map(|((from, to, kind), lines)| Edge {
            from,
            to,
            kind,
            lines: lines.into_iter().collect(),
        })
        .collect()
}

fn event_name(policy: &Policy, event: Event) -> String {
    crate::model::event_name(policy, event)
}

/// At most this many argument classes are spelled out on one line.
const CLASSES_SHOWN: usize = 3;

/// `fs.write(path: "/tmp/a") | fs.write(path: "/") (+2 more)`: the
/// classes of `event` that take one way, by their varying arguments.
fn classes_text(
    model: &Model<'_>,
    shown: &BTreeMap<Event, Vec<usize>>,
    event: Event,
    instances: &[usize],
) -> String {
    let params: &[usize] = shown.get(&event).map_or(&[], Vec::as_slice);
    let texts: Vec<String> = instances
        .iter()
        .filter_map(|&k| model.instances.get(k))
        .map(|inst| instance_text(model.policy, params, inst))
        .collect();
    let mut line = texts
        .iter()
        .take(CLASSES_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(" | ");
    if texts.len() > CLASSES_SHOWN {
        line.push_str(&format!(" (+{} more)", texts.len() - CLASSES_SHOWN));
    }
    line
}

/// An instance with only the arguments in `params` (an absent optional
/// argument is left out, as in traces).
fn instance_text(policy: &Policy, params: &[usize], inst: &Instance) -> String {
    match inst.event {
        Event::Tool(t) => {
            let Some(tool) = policy.tools.get(usize::from(t)) else {
                return "?".into();
            };
            let args: Vec<String> = params
                .iter()
                .filter_map(|&i| {
                    let p = tool.params.get(i)?;
                    let v = inst.args.get(i)?.as_ref()?;
                    Some(format!("{}: {}", p.name, value_text(policy, v, &p.ty)))
                })
                .collect();
            format!("{}({})", tool.name, args.join(", "))
        }
        Event::Channel(_) => crate::trace::event_text(policy, inst),
    }
}

/// `env = prod, region = "eu"` for each valuation, joined by ` | `.
fn valuations_text(model: &Model<'_>, valuations: &[usize]) -> String {
    let policy = model.policy;
    if policy.attrs.is_empty() {
        return String::new();
    }
    let one = |v: usize| {
        let values = model.attr_sets.get(v).map_or(&[][..], Vec::as_slice);
        policy
            .attrs
            .iter()
            .zip(values)
            .map(|(a, x)| format!("{} = {}", a.name, value_text(policy, x, &a.ty)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = valuations
        .iter()
        .take(CLASSES_SHOWN)
        .map(|&v| one(v))
        .collect::<Vec<_>>()
        .join(" | ");
    if valuations.len() > CLASSES_SHOWN {
        text.push_str(&format!(" (+{} more)", valuations.len() - CLASSES_SHOWN));
    }
    text
}

/// The part of a graph a trace runs through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight {
    pub group: usize,
    pub nodes: BTreeSet<usize>,
    /// Indices into the group's `edges`, each with the trace's step
    /// numbers (from 1) that take it.
    pub edges: BTreeMap<usize, Vec<usize>>,
}

/// Follows `trace` through the graph: the first group in which every step
/// is an edge. `None` when no group holds the whole trace (the model is
/// not exact, or the trace used a distinction only its assertion makes).
pub fn highlight(graph: &Graph, trace: &Trace) -> Option<Highlight> {
    graph.groups.iter().enumerate().find_map(|(g, group)| {
        follow(group, &trace.steps).map(|(nodes, edges)| Highlight {
            group: g,
            nodes,
            edges,
        })
    })
}

type Path = (BTreeSet<usize>, BTreeMap<usize, Vec<usize>>);

fn follow(group: &Group, steps: &[TraceStep]) -> Option<Path> {
    let mut nodes = BTreeSet::from([0usize]);
    let mut edges: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut at = 0usize;
    for (n, step) in steps.iter().enumerate() {
        let kind = match step.outcome {
            Outcome::Allow => Kind::Allow,
            Outcome::Escalate(g) => Kind::Escalate(g),
            Outcome::Deny(_) => return None,
        };
        let next = group
            .nodes
            .iter()
            .position(|(vars, ctx)| *vars == step.state && *ctx == step.ctx)?;
        let e = group
            .edges
            .iter()
            .position(|e| e.from == at && e.to == To::Node(next) && e.kind == kind)?;
        nodes.insert(next);
        edges.entry(e).or_default().push(n + 1);
        at = next;
    }
    Some((nodes, edges))
}
