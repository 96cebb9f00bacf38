//! A quick proof that no effect can ever push a state variable out of its
//! range, so that the W0505 hunt of an inexact model can be skipped.
//!
//! When the model is not exact, the deep lints look only for W0505 (an
//! effect that leaves an `int[lo..hi]` range in a reachable state), by a
//! bounded search that usually ends at its limit having found nothing
//! (a policy that guards its counters, as it should, has no such state).
//! One solver query per attribute valuation asks the stronger question
//! directly: is there *any* state of the variables' declared ranges, any
//! context, any arguments and attribute values, in which the rules let an
//! event through and its effects then fail? If not, no reachable state
//! has one either, and the search could not have found a trace.
//!
//! Soundness. The question is asked of the symbolic engines' model, whose
//! integers are solver variables, so it needs no integer classes; it is
//! only asked when that model is exact (`Model::exact_symbolic`), and only
//! an `unsat` answer skips the search. The query over-approximates W0505:
//! it includes every state, not only reachable ones, and every way an
//! effect can fail (out of range, overflow, an absent parameter), so
//! `unsat` leaves nothing out. Anything else — `sat`, `unknown`, an
//! encoding the symbolic engines cannot express — runs the search as
//! before.

use guard_diagnostics::Span;
use guard_ir::{Assert, AssertKind, Event, Step};
use z3::ast::Bool;
use z3::{SatResult, Solver};

use crate::model::Model;
use crate::symbolic::{domain, Budget, Encoder, Frame};

/// `Ok` when no effect of `model` can fail in any state the rules let an
/// event through; otherwise why that is not known.
pub(super) fn no_effect_can_fail(model: &Model<'_>, budget: Budget) -> Result<(), String> {
    model.exact_symbolic.clone()?;
    // The encoder tracks an assertion's monitor alongside; a pattern of
    // one step that no event matches makes that part empty.
    let none = Assert {
        name: String::new(),
        kind: AssertKind::Never,
        steps: vec![Step {
            events: Vec::new(),
            unless_approved: None,
            span: Span::default(),
        }],
        links: Vec::new(),
        span: Span::default(),
        name_span: Span::default(),
    };
    let with_effects: Vec<_> = model
        .sym_instances
        .iter()
        .filter(|inst| !effects_of(model, inst.event).is_empty())
        .collect();
    if with_effects.is_empty() {
        return Ok(());
    }
    for concrete in &model.sym_attr_groups {
        let enc = Encoder {
            model,
            concrete: concrete.clone(),
        };
        let f = Frame::new(model, &none, "");
        let mut fails = Vec::with_capacity(with_effects.len());
        for inst in &with_effects {
            let st = enc.step(&f, inst, &none)?;
            fails.push(Bool::and(&[st.rules_pass, st.exec.not()]));
        }
        // A fresh solver per query (architecture.md §5), limited by
        // `rlimit` so the answer is the same on every machine.
        let solver = Solver::new();
        solver.set_params(&budget.params());
        solver.assert(domain(model, &f));
        solver.assert(Bool::or(&fails));
        match solver.check() {
            SatResult::Unsat => {}
            SatResult::Sat => return Err("some state lets an effect fail".into()),
            SatResult::Unknown => return Err("the solver gave no answer".into()),
        }
    }
    Ok(())
}

fn effects_of<'p>(model: &Model<'p>, event: Event) -> &'p [guard_ir::Effect] {
    let p = model.policy;
    match event {
        Event::Tool(t) => p.tools.get(usize::from(t)).map_or(&[], |t| &t.effects),
        Event::Channel(c) => p.channels.get(usize::from(c)).map_or(&[], |c| &c.effects),
    }
}

#[cfg(test)]
mod tests {
    use guard_diagnostics::Code;

    use super::super::{analyse, Options};

    use crate::testing::{program, workspace_programs};

    fn deep(src: &str, options: Options) -> super::super::Deep {
        let program = program(src);
        let policy = guard_ir::lower(&program).unwrap();
        analyse(&program, &policy, options)
    }

    fn hunting() -> Options {
        Options {
            solver: None,
            ..Options::default()
        }
    }

    /// A parameter compared with an unbounded attribute makes the model
    /// inexact; the counters are guarded, so no effect can fail.
    const GUARDED: &str = r#"
        policy guarded;
        tool pay(amount: int);
        attr limit: int;
        state paid: int[0..3] = 0;
        state total: int[0..1000] = 0;
        allow pay when amount <= limit;
        escalate pay to lead when amount > limit;
        gate lead { approvers: ["lead"]; }
        deny pay when amount <= 0 || amount > 1000 - total;
        deny pay when paid >= 3;
        on pay { paid = paid + 1; total = total + amount; }
    "#;

    #[test]
    fn a_guarded_policy_needs_no_hunt() {
        let skipped = deep(GUARDED, Options::default());
        assert_eq!(skipped.states, 0);
        assert!(skipped.diagnostics.is_empty());
        assert!(
            skipped.notes.iter().any(|n| n.contains("solver shows")),
            "{:?}",
            skipped.notes
        );
        // The hunt the proof replaces finds nothing either.
        let hunted = deep(GUARDED, hunting());
        assert!(hunted.states > 0);
        assert!(hunted.diagnostics.is_empty());
    }

    #[test]
    fn a_failing_effect_is_still_hunted_and_found() {
        let src = GUARDED.replace("deny pay when paid >= 3;", "");
        let found = deep(&src, Options::default());
        assert!(found.states > 0);
        assert!(found.notes.iter().all(|n| !n.contains("solver shows")));
        assert_eq!(
            found.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
            vec![Code::W0505]
        );
        let hunted = deep(&src, hunting());
        assert_eq!(found.diagnostics.len(), hunted.diagnostics.len());
    }

    /// The query covers every state, not only reachable ones: a failure
    /// in an unreachable state keeps the hunt (which then finds nothing).
    #[test]
    fn a_failure_only_in_unreachable_states_keeps_the_hunt() {
        let src = GUARDED.replace(
            "deny pay when paid >= 3;",
            "deny pay when paid >= 3 && total > 5000;",
        );
        let d = deep(&src, Options::default());
        assert!(d.states > 0);
        assert!(d.notes.iter().all(|n| !n.contains("solver shows")));
    }

    #[test]
    fn examples_skip_only_hunts_that_find_nothing() {
        for (path, program) in workspace_programs(&["examples"]) {
            let policy = guard_ir::lower(&program).unwrap();
            let d = analyse(&program, &policy, Options::default());
            if d.notes.iter().any(|n| n.contains("solver shows")) {
                let hunted = analyse(&program, &policy, hunting());
                assert!(
                    hunted.diagnostics.iter().all(|x| x.code != Code::W0505),
                    "{}",
                    path.display()
                );
            }
        }
    }
}
