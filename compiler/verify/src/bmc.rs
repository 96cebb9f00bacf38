//! Bounded model checking: the model unrolled step by step in one
//! incremental solver (assertions only ever added; each depth is asked
//! with an assumption, so no push/pop). It finds the shortest trace to
//! the pattern up to a depth, which is how a Spacer "reachable" becomes a
//! concrete, replayable counterexample, and it finds shallow bugs in
//! models too large for breadth-first search.

use guard_ir::Assert;
use z3::ast::{Bool, Int};
use z3::{SatResult, Solver};

use crate::eval::{decide, Env, Outcome};
use crate::model::Model;
use crate::spacer::concrete_groups;
use crate::symbolic::{initial, Budget, Encoder, Frame};
use crate::trace::{Trace, TraceStep};
use crate::value::Value;

/// What a bounded search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bmc {
    Found(Trace),
    /// No trace of at most this many events.
    NoneUpTo(usize),
    Unknown(String),
}

pub fn find(
    model: &Model<'_>,
    a: &Assert,
    max_depth: usize,
    budget: Budget,
) -> Result<Bmc, String> {
    let mut best: Option<Trace> = None;
    let mut all_none = true;
    for concrete in concrete_groups(model) {
        let enc = Encoder { model, concrete };
        match unroll(&enc, a, max_depth, budget)? {
            Bmc::Found(t) => {
                if best.as_ref().is_none_or(|b| t.steps.len() < b.steps.len()) {
                    best = Some(t);
                }
            }
            Bmc::Unknown(why) => {
                all_none = false;
                if best.is_none() {
                    return Ok(Bmc::Unknown(why));
                }
            }
            Bmc::NoneUpTo(_) => {}
        }
    }
    Ok(match best {
        Some(t) => Bmc::Found(t),
        None if all_none => Bmc::NoneUpTo(max_depth),
        None => Bmc::Unknown("no answer".into()),
    })
}

fn unroll(
    enc: &Encoder<'_, '_>,
    a: &Assert,
    max_depth: usize,
    budget: Budget,
) -> Result<Bmc, String> {
    let model = enc.model;
    let solver = Solver::new();
    solver.set_params(&budget.params());
    let mut frames = vec![Frame::new(model, a, "@0")];
    solver.assert(initial(model, &frames[0]));
    let mut selectors: Vec<Int> = Vec::new();
    // Per depth, per event: its symbolic arguments (solver variables).
    let mut step_args: Vec<Vec<Vec<Int>>> = Vec::new();
    let n = model.sym_instances.len() as i64;
    for t in 0..max_depth {
        let f = frames[t].clone();
        let g = Frame::new(model, a, &format!("@{}", t + 1));
        let sel = Int::new_const(format!("event@{t}"));
        solver.assert(sel.ge(Int::from_i64(0)));
        solver.assert(sel.lt(Int::from_i64(n)));
        let mut done_any = Vec::new();
        let mut args_here = Vec::with_capacity(model.sym_instances.len());
        for (k, inst) in model.sym_instances.iter().enumerate() {
            let st = enc.step_with(&f, inst, a, &format!("@{t}"))?;
            args_here.push(st.args.clone());
            let chosen = sel.eq(Int::from_i64(k as i64));
            let mut same = vec![st.exec.clone()];
            same.extend(st.next.state.iter().zip(&g.state).map(|(x, y)| x.eq(y)));
            same.extend(st.next.ctx.iter().zip(&g.ctx).map(|(x, y)| x.iff(y)));
            same.extend(st.next.mon.iter().zip(&g.mon).map(|(x, y)| x.iff(y)));
            same.extend(
                st.next
                    .attrs
                    .iter()
                    .zip(&g.attrs)
                    .filter_map(|(x, y)| Some(x.as_ref()?.eq(y.as_ref()?))),
            );
            solver.assert(chosen.implies(Bool::and(&same)));
            done_any.push(Bool::and(&[chosen, st.done]));
        }
        let goal = Bool::new_const(format!("done@{t}"));
        solver.assert(goal.iff(Bool::or(&done_any)));
        selectors.push(sel);
        step_args.push(args_here);
        frames.push(g);
        match solver.check_assumptions(&[goal]) {
            SatResult::Sat => {
                let m = solver.get_model().ok_or("no model")?;
                let mut picks = Vec::new();
                for (depth, s) in selectors.iter().enumerate() {
                    let v = m
                        .eval(s, true)
                        .and_then(|v| v.as_i64())
                        .ok_or("no event in the model")?;
                    let k = usize::try_from(v).map_err(|_| "a negative event index")?;
                    let mut inst = model
                        .sym_instances
                        .get(k)
                        .ok_or("an event index out of range")?
                        .clone();
                    // The solver's values for the symbolic arguments, in
                    // parameter order.
                    let mut values = step_args[depth][k].iter();
                    for (i, arg) in inst.args.iter_mut().enumerate() {
                        if i < 64 && inst.symbolic & (1u64 << i) != 0 {
                            let x = values.next().ok_or("a missing argument variable")?;
                            let n = m
                                .eval(x, true)
                                .and_then(|v| v.as_i64())
                                .ok_or("no argument value")?;
                            *arg = Some(Value::Int(n));
                        }
                    }
                    inst.symbolic = 0;
                    picks.push(inst);
                }
                let attrs: Vec<Value> = model
                    .policy
                    .attrs
                    .iter()
                    .enumerate()
                    .map(|(i, at)| match &frames[0].attrs[i] {
                        Some(x) => {
                            let v = m.eval(x, true).and_then(|v| v.as_i64()).unwrap_or(0);
                            match at.ty {
                                guard_ir::Type::Bool => Value::Bool(v != 0),
                                guard_ir::Type::Enum(_) => {
                                    Value::Enum(u16::try_from(v).unwrap_or(u16::MAX))
                                }
                                _ => Value::Int(v),
                            }
                        }
                        None => enc.concrete[i].clone(),
                    })
                    .collect();
                return Ok(Bmc::Found(concretise(model, attrs, &picks)));
            }
            SatResult::Unsat => {}
            SatResult::Unknown => {
                return Ok(Bmc::Unknown(format!(
                    "the solver gave no answer at depth {}",
                    t + 1
                )))
            }
        }
    }
    Ok(Bmc::NoneUpTo(max_depth))
}

/// Re-runs the chosen events with the concrete evaluator, to give the
/// trace its verdicts, rules and states.
fn concretise(model: &Model<'_>, attrs: Vec<Value>, picks: &[crate::model::Instance]) -> Trace {
    let mut state = model.init();
    let mut ctx = 0u64;
    let mut steps = Vec::new();
    for inst in picks {
        let env = Env {
            policy: model.policy,
            regexes: &model.regexes,
            attrs: &attrs,
            state: &state,
            ctx,
            args: &inst.args,
            text: inst.text.as_deref(),
        };
        let d = decide(&env, inst.event);
        let (next, next_ctx) = d.next.clone().unwrap_or((state.clone(), ctx));
        steps.push(TraceStep {
            instance: inst.clone(),
            outcome: if d.next.is_some() {
                d.outcome
            } else {
                Outcome::Deny(crate::eval::Why::Default)
            },
            rules: d.rules,
            state: next.clone(),
            ctx: next_ctx,
        });
        state = next;
        ctx = next_ctx;
    }
    Trace { attrs, steps }
}
