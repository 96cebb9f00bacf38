//! Explicit-state breadth-first search over the model, one assertion at a
//! time: states are (attribute valuation, state variables, context,
//! monitor). Breadth-first order makes every trace it finds a shortest
//! one. When it exhausts the reachable states without the pattern
//! occurring, that is a proof for the model (and for the policy when the
//! model is exact).

use std::collections::HashMap;

use guard_ir::{Assert, BinOp, Expr, ExprKind, Verdict};

use crate::classes::visit_expr;
use crate::eval::{decide, fold, Env, Outcome, Specialized};
use crate::fx::FxBuild;
use crate::model::Model;
use crate::monitor::{advance, specialize, step_matches_spec, Active};
use crate::trace::{Trace, TraceStep};

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// The pattern occurs: a shortest trace to it.
    Found(Trace),
    /// Every reachable state was visited and the pattern never occurs.
    Exhausted { states: usize, depth: usize },
    /// The state limit was reached first; no trace shorter than `depth`
    /// events exists.
    Limit { states: usize, depth: usize },
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Node {
    attrs: u32,
    state: Vec<i64>,
    ctx: u64,
    mon: Active,
}

/// How a node was reached: its parent and the event instance.
struct Edge {
    parent: usize,
    instance: usize,
    depth: usize,
}

pub fn search(model: &Model<'_>, a: &Assert, max_states: usize) -> Search {
    let mut index: HashMap<Node, usize, FxBuild> = HashMap::default();
    let mut nodes: Vec<Node> = Vec::new();
    let mut edges: Vec<Option<Edge>> = Vec::new();
    let init = model.init();
    for i in 0..model.attr_sets.len() {
        let n = Node {
            attrs: i as u32,
            state: init.clone(),
            ctx: 0,
            mon: 0,
        };
        if index.insert(n.clone(), nodes.len()).is_none() {
            nodes.push(n);
            edges.push(None);
        }
    }
    // Every event specialized once per attribute valuation: what does not
    // depend on the state (regexes, string tests on the arguments) is
    // computed here, not in every state.
    // Only the representatives (`representatives`) are kept, with their
    // instance index: the search never reads the others, and a model with
    // many valuations and instances would otherwise hold all of them.
    type Spec = Vec<(usize, Specialized, Vec<Option<Option<guard_ir::Expr>>>)>;
    let mut specs: Vec<Option<Spec>> = vec![None; model.attr_sets.len()];
    let mut head = 0;
    let mut depth = 0;
    while head < nodes.len() {
        let node = nodes[head].clone();
        let here = head;
        head += 1;
        let d = edges[here].as_ref().map_or(0, |e| e.depth);
        depth = depth.max(d);
        let attrs = &model.attr_sets[node.attrs as usize];
        let reps = specs[node.attrs as usize].get_or_insert_with(|| {
            let spec: Vec<_> = model
                .instances
                .iter()
                .map(|inst| {
                    let env = stateless_env(model, attrs, inst);
                    (
                        Specialized::new(&env, inst.event),
                        specialize(a, inst, &env),
                    )
                })
                .collect();
            let reps = representatives(model, attrs, &spec);
            let mut keep = vec![false; spec.len()];
            for &k in &reps {
                if let Some(slot) = keep.get_mut(k) {
                    *slot = true;
                }
            }
            spec.into_iter()
                .enumerate()
                .filter(|(k, _)| keep.get(*k).copied().unwrap_or(false))
                .map(|(k, (event, steps))| (k, event, steps))
                .collect()
        });
        for (k, event, steps) in reps.iter() {
            let k = *k;
            let Some(inst) = model.instances.get(k) else {
                continue;
            };
            let env = Env {
                policy: model.policy,
                regexes: &model.regexes,
                attrs,
                state: &node.state,
                ctx: node.ctx,
                args: &inst.args,
                text: inst.text.as_deref(),
            };
            let decided = event.decide_verdict(&env);
            let gates = match decided.outcome {
                Outcome::Allow => 0,
                Outcome::Escalate(g) => g,
                Outcome::Deny(_) => continue,
            };
            let Some((state, ctx)) = decided.next else {
                continue;
            };
            let (mon, done) = advance(a, node.mon, |i| step_matches_spec(a, steps, i, &env, gates));
            if done {
                let mut trace = rebuild(model, &nodes, &edges, here);
                trace.steps.push(TraceStep {
                    instance: inst.clone(),
                    outcome: decided.outcome,
                    // The search left the matched rules out; the last step
                    // shows them, so this one event is decided in full.
                    rules: event.decide(&env).rules,
                    state,
                    ctx,
                });
                return Search::Found(trace);
            }
            let next = Node {
                attrs: node.attrs,
                state,
                ctx,
                mon,
            };
            if index.contains_key(&next) {
                continue;
            }
            if nodes.len() >= max_states {
                return Search::Limit {
                    states: nodes.len(),
                    depth: d,
                };
            }
            index.insert(next.clone(), nodes.len());
            nodes.push(next);
            edges.push(Some(Edge {
                parent: here,
                instance: k,
                depth: d + 1,
            }));
        }
    }
    Search::Exhausted {
        states: nodes.len(),
        depth,
    }
}

/// The environment of an event before any state: what specialising folds.
pub(crate) fn stateless_env<'a>(
    model: &'a Model<'_>,
    attrs: &'a [crate::value::Value],
    inst: &'a crate::model::Instance,
) -> Env<'a> {
    Env {
        policy: model.policy,
        regexes: &model.regexes,
        attrs,
        state: &[],
        ctx: 0,
        args: &inst.args,
        text: inst.text.as_deref(),
    }
}

/// One instance per class of instances that no state can tell apart: the
/// same specialised rules, effects, result labels and step guards, once
/// everything that depends only on the event's arguments and the
/// attributes is folded. From any state they are denied alike or lead to
/// the same successor and advance the monitor alike, so searching one of
/// them (the first, which keeps traces the same) is searching all of them.
/// Where folding leaves something that still reads the event (an absent
/// parameter, a list), the arguments themselves join the key, so such
/// instances are only merged with identical ones.
fn representatives(
    model: &Model<'_>,
    attrs: &[crate::value::Value],
    spec: &[(Specialized, Vec<Option<Option<guard_ir::Expr>>>)],
) -> Vec<usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut reps = Vec::new();
    for (k, (inst, (event, steps))) in model.instances.iter().zip(spec).enumerate() {
        let env = stateless_env(model, attrs, inst);
        let effects: Vec<_> = event
            .effects
            .iter()
            .map(|e| {
                (
                    e.guard.as_ref().map(|g| fold(&env, g)),
                    e.assigns
                        .iter()
                        .map(|(v, x)| (*v, fold(&env, x)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let rules: Vec<(Verdict, Option<Expr>)> = event
            .rules
            .iter()
            .map(|r| (r.verdict, r.guard.as_ref().map(simplify)))
            .filter(|(_, g)| {
                !matches!(
                    g,
                    Some(Expr {
                        kind: ExprKind::Bool(false),
                        ..
                    })
                )
            })
            .collect();
        // A deny rule that always holds denies the event in every state
        // (whatever else raises, an exception denies too): it is never a
        // transition.
        let always_denied = rules.iter().any(|(v, g)| {
            *v == Verdict::Deny
                && matches!(
                    g,
                    None | Some(Expr {
                        kind: ExprKind::Bool(true),
                        ..
                    })
                )
        });
        if always_denied {
            continue;
        }
        let mut key = format!("{rules:?}|{effects:?}|{}|{steps:?}", event.labels);
        let reads_event = rules
            .iter()
            .filter_map(|(_, g)| g.as_ref())
            .chain(
                effects
                    .iter()
                    .flat_map(|(g, assigns)| g.iter().chain(assigns.iter().map(|(_, x)| x))),
            )
            .chain(steps.iter().flatten().flatten())
            .any(reads_the_event);
        if reads_event {
            key.push_str(&format!("|{:?}|{:?}", inst.args, inst.text));
        }
        key.push_str(&format!("|{:?}", inst.event));
        if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(key) {
            v.insert(k);
            reps.push(k);
        }
    }
    reps
}

/// Boolean simplification of a folded guard: constants absorbed where
/// that cannot hide an exception. `x && false` is `false` only when `x`
/// cannot raise (evaluation goes left to right, and a raise denies).
fn simplify(e: &Expr) -> Expr {
    let b = |v: bool| Expr {
        kind: ExprKind::Bool(v),
        ty: e.ty.clone(),
    };
    match &e.kind {
        ExprKind::Not(x) => match simplify(x).kind {
            ExprKind::Bool(v) => b(!v),
            k => Expr {
                kind: ExprKind::Not(Box::new(Expr {
                    kind: k,
                    ty: x.ty.clone(),
                })),
                ty: e.ty.clone(),
            },
        },
        ExprKind::Binary {
            op: op @ (BinOp::And | BinOp::Or),
            lhs,
            rhs,
        } => {
            let (l, r) = (simplify(lhs), simplify(rhs));
            // `absorb` is the value that decides the operator alone.
            let absorb = *op == BinOp::Or;
            match (&l.kind, &r.kind) {
                (ExprKind::Bool(v), _) if *v == absorb => b(absorb),
                (ExprKind::Bool(_), _) => r,
                (_, ExprKind::Bool(v)) if *v != absorb => l,
                (_, ExprKind::Bool(_)) if cannot_raise(&l) => b(absorb),
                _ => Expr {
                    kind: ExprKind::Binary {
                        op: *op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    ty: e.ty.clone(),
                },
            }
        }
        _ => e.clone(),
    }
}

/// Whether `e` still reads the event after folding (a parameter, a `has`
/// test or the output text).
fn reads_the_event(e: &Expr) -> bool {
    let mut reads = false;
    visit_expr(e, &mut |n| {
        reads |= matches!(
            n.kind,
            ExprKind::Param(_) | ExprKind::Has(_) | ExprKind::Text
        );
    });
    reads
}

/// Whether evaluating `e` can never raise (no absent parameter, no
/// arithmetic, nothing but state, context and constants compared).
fn cannot_raise(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Bool(_)
        | ExprKind::Int(_)
        | ExprKind::Str(_)
        | ExprKind::Enum { .. }
        | ExprKind::State(_)
        | ExprKind::CtxHas(_) => true,
        ExprKind::Not(x) => cannot_raise(x),
        ExprKind::Binary { op, lhs, rhs } => {
            !matches!(op, BinOp::Add | BinOp::Sub) && cannot_raise(lhs) && cannot_raise(rhs)
        }
        _ => false,
    }
}

fn rebuild(model: &Model<'_>, nodes: &[Node], edges: &[Option<Edge>], at: usize) -> Trace {
    let mut path = Vec::new();
    let mut cur = at;
    while let Some(e) = &edges[cur] {
        path.push((e.parent, e.instance));
        cur = e.parent;
    }
    path.reverse();
    let attrs = model.attr_sets[nodes[cur].attrs as usize].clone();
    let mut steps = Vec::new();
    for (parent, k) in path {
        let node = &nodes[parent];
        let inst = &model.instances[k];
        let env = Env {
            policy: model.policy,
            regexes: &model.regexes,
            attrs: &attrs,
            state: &node.state,
            ctx: node.ctx,
            args: &inst.args,
            text: inst.text.as_deref(),
        };
        let decided = decide(&env, inst.event);
        let (state, ctx) = decided.next.unwrap_or((node.state.clone(), node.ctx));
        steps.push(TraceStep {
            instance: inst.clone(),
            outcome: decided.outcome,
            rules: decided.rules,
            state,
            ctx,
        });
    }
    Trace { attrs, steps }
}
