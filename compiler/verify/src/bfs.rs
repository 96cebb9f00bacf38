//! Explicit-state breadth-first search over the model, one assertion at a
//! time: states are (attribute valuation, state variables, context,
//! monitor). Breadth-first order makes every trace it finds a shortest
//! one. When it exhausts the reachable states without the pattern
//! occurring, that is a proof for the model (and for the policy when the
//! model is exact).

use std::collections::HashMap;

use guard_ir::Assert;

use crate::eval::{decide, Env, Outcome, Specialized};
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
    let mut index: HashMap<Node, usize> = HashMap::new();
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
    type Spec = Vec<(Specialized, Vec<Option<Option<guard_ir::Expr>>>)>;
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
        let spec = specs[node.attrs as usize].get_or_insert_with(|| {
            model
                .instances
                .iter()
                .map(|inst| {
                    let env = Env {
                        policy: model.policy,
                        regexes: &model.regexes,
                        attrs,
                        state: &[],
                        ctx: 0,
                        args: &inst.args,
                        text: inst.text.as_deref(),
                    };
                    (
                        Specialized::new(&env, inst.event),
                        specialize(a, inst, &env),
                    )
                })
                .collect()
        });
        for (k, inst) in model.instances.iter().enumerate() {
            let (event, steps) = &spec[k];
            let env = Env {
                policy: model.policy,
                regexes: &model.regexes,
                attrs,
                state: &node.state,
                ctx: node.ctx,
                args: &inst.args,
                text: inst.text.as_deref(),
            };
            let decided = event.decide(&env);
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
                    rules: decided.rules,
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

/// The trace from an initial node to `at`, re-deciding each event to
/// recover its outcome and rules.
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
