//! Unbounded proofs with Z3's Spacer engine (constrained Horn clauses).
//! The reachable states are over-approximated by an unknown predicate
//! `inv(state, context, attributes, monitor)`:
//!
//! ```text
//! init(X)                        → inv(X)
//! inv(X) ∧ exec_e(X)             → inv(post_e(X))      for every event e
//! inv(X) ∧ exec_e(X) ∧ done_e(X) → false
//! ```
//!
//! Satisfiable means an inductive invariant exists that excludes the
//! pattern: the assertion is proved for every length of execution. The
//! invariant Z3 returns is then re-checked, clause by clause, by a fresh
//! solver that knows nothing of Spacer (architecture.md §5: a fresh solver
//! per query, no push/pop, limits by `rlimit` so results are
//! reproducible). Unsatisfiable means the pattern is reachable; the trace
//! comes from `bmc`, because a Spacer refutation is not a replayable trace.
//!
//! z3 objects are `!Send` and the context is thread-local: callers run
//! each query on the thread that builds it.

use guard_ir::Assert;
use z3::ast::{Ast, Bool};
use z3::{FuncDecl, SatResult, Solver, Sort};

use crate::model::Model;
use crate::symbolic::{initial, Budget, Encoder, Frame};
use crate::value::Value;

/// What Spacer concluded for one assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chc {
    /// No execution contains the pattern; the invariant (SMT-LIB text),
    /// re-checked by an independent solver.
    Unreachable { invariant: String },
    /// Some execution contains the pattern.
    Reachable,
    /// No answer: the reason (a limit, or an invariant that did not
    /// re-check).
    Unknown(String),
}

/// The distinct valuations of the non-finite attributes (each gets its
/// own query; finite attributes are symbolic).
pub fn concrete_groups(model: &Model<'_>) -> Vec<Vec<Value>> {
    model.sym_attr_groups.clone()
}

pub fn check(model: &Model<'_>, a: &Assert, budget: Budget) -> Result<Chc, String> {
    let mut invariants = Vec::new();
    for concrete in concrete_groups(model) {
        let enc = Encoder { model, concrete };
        match query(&enc, a, budget)? {
            Chc::Unreachable { invariant } => invariants.push(invariant),
            other => return Ok(other),
        }
    }
    Ok(Chc::Unreachable {
        invariant: invariants.join("\n"),
    })
}

/// Universally closes `body` over the frame's constants and the event's
/// symbolic arguments.
fn forall(f: &Frame, extra: &[z3::ast::Int], body: &Bool) -> Bool {
    let mut bound = f.args();
    bound.extend(extra.iter().map(|x| x as &dyn Ast));
    if bound.is_empty() {
        body.clone()
    } else {
        z3::ast::forall_const(&bound, &[], body)
    }
}

fn query(enc: &Encoder<'_, '_>, a: &Assert, budget: Budget) -> Result<Chc, String> {
    let model = enc.model;
    let f = Frame::new(model, a, "");
    let sorts = f.sorts();
    let sort_refs: Vec<&Sort> = sorts.iter().collect();
    let inv = FuncDecl::new("inv", &sort_refs, &Sort::bool());
    let app = |fr: &Frame| -> Result<Bool, String> {
        inv.apply(&fr.args())
            .as_bool()
            .ok_or_else(|| "inv is not a predicate".to_string())
    };
    let solver = Solver::new_for_logic("HORN").ok_or("Z3 has no HORN logic")?;
    solver.set_params(&budget.params());
    let init = initial(model, &f);
    solver.assert(forall(&f, &[], &init.implies(app(&f)?)));
    let mut steps = Vec::with_capacity(model.sym_instances.len());
    for inst in &model.sym_instances {
        let st = enc.step(&f, inst, a)?;
        let pre = Bool::and(&[app(&f)?, st.exec.clone()]);
        solver.assert(forall(&f, &st.args, &pre.implies(app(&st.next)?)));
        solver.assert(forall(
            &f,
            &st.args,
            &Bool::and(&[pre, st.done.clone()]).implies(Bool::from_bool(false)),
        ));
        steps.push(st);
    }
    match solver.check() {
        SatResult::Unsat => Ok(Chc::Reachable),
        SatResult::Unknown => Ok(Chc::Unknown(format!(
            "Spacer gave no answer ({})",
            solver
                .get_reason_unknown()
                .unwrap_or_else(|| "no reason given".into())
        ))),
        SatResult::Sat => {
            let m = solver.get_model().ok_or("Spacer returned no model")?;
            if std::env::var_os("GUARD_DEBUG_SPACER").is_some() {
                eprintln!("{}\n--- model\n{m}", solver.to_smt2());
            }
            let holds = |fr: &Frame| -> Result<Bool, String> {
                // Without model completion, so the frame's constants (bound
                // in the clauses, uninterpreted in the model) stay symbolic
                // and the result is the invariant instantiated on them.
                m.eval(&app(fr)?, false)
                    .ok_or_else(|| "the invariant cannot be evaluated".to_string())
            };
            let i = holds(&f)?;
            // The independent re-check: each clause, negated, must be
            // unsatisfiable for a solver that never saw Spacer.
            let mut obligations = vec![("initiation", Bool::and(&[init, i.not()]))];
            for st in &steps {
                obligations.push((
                    "consecution",
                    Bool::and(&[i.clone(), st.exec.clone(), holds(&st.next)?.not()]),
                ));
                obligations.push((
                    "safety",
                    Bool::and(&[i.clone(), st.exec.clone(), st.done.clone()]),
                ));
            }
            // One solver for all of them, each obligation behind its own
            // selector literal and checked alone under that assumption:
            // the shared invariant is internalised once, not once per
            // clause, and no obligation can help another (a selector only
            // enables its own formula).
            let s = Solver::new();
            s.set_params(&budget.params());
            for (k, (what, formula)) in obligations.into_iter().enumerate() {
                let selector = Bool::new_const(format!("recheck@{k}"));
                s.assert(selector.implies(&formula));
                match s.check_assumptions(&[selector]) {
                    SatResult::Unsat => {}
                    // An invariant that does not re-check is no proof:
                    // the answer is "unknown", never "proved" (seen with
                    // libz3 4.8.12 on a random policy, seed 233).
                    SatResult::Sat => {
                        return Ok(Chc::Unknown(format!(
                            "Spacer's invariant fails its {what} re-check, so it proves \
                             nothing: {}",
                            i.simplify()
                        )))
                    }
                    SatResult::Unknown => {
                        return Ok(Chc::Unknown(format!(
                            "the invariant's {what} re-check gave no answer within the limit"
                        )))
                    }
                }
            }
            Ok(Chc::Unreachable {
                invariant: i.simplify().to_string(),
            })
        }
    }
}
