//! Monitors: a `never`/`possible` pattern as a small automaton that reads
//! executed events. Position `p` active means the first `p` steps have
//! matched and step `p` is awaited; position 0 is always active (a
//! pattern may start at any event). A `~>` link keeps its position active
//! while other events go by; a `->` link must be satisfied by the very
//! next executed event. The pattern occurs when the last step matches.
//!
//! A step's `when` reads the step's arguments, the attributes and the
//! state *before* the event (language.md §8), i.e. the event as the agent
//! submitted it: an output step sees the text before redaction.

use guard_ir::{Assert, Expr, Link};

use crate::eval::{fold, Env};
use crate::model::Instance;

/// The active positions 1.. of a monitor, as bits (at most 31 steps).
pub type Active = u32;

/// The most steps a pattern may have.
pub const MAX_STEPS: usize = 31;

/// Whether step `i` of `a` matches the executed event `inst` that went
/// through the gates `gates`. A step guard that overflows does not match.
pub fn step_matches(a: &Assert, i: usize, inst: &Instance, env: &Env<'_>, gates: u64) -> bool {
    let Some(step) = a.steps.get(i) else {
        return false;
    };
    if step
        .unless_approved
        .is_some_and(|g| gates & (1u64 << g) != 0)
    {
        return false;
    }
    step.events
        .iter()
        .filter(|(e, _)| *e == inst.event)
        .any(|(_, guard)| env.holds(guard.as_ref()) == Ok(true))
}

/// Advances the monitor over one executed event: the new active set and
/// whether the pattern has now occurred.
pub fn advance(a: &Assert, active: Active, matches: impl Fn(usize) -> bool) -> (Active, bool) {
    let n = a.steps.len();
    let mut next: Active = 0;
    let mut done = false;
    for p in 0..n {
        if p != 0 && active & (1 << p) == 0 {
            continue;
        }
        if matches(p) {
            if p + 1 == n {
                done = true;
            } else {
                next |= 1 << (p + 1);
            }
        }
        if p > 0 && a.links.get(p - 1) == Some(&Link::Eventually) {
            next |= 1 << p;
        }
    }
    (next, done)
}

/// Per step of `a`: `None` when `inst` is not one of the step's events,
/// otherwise the step's guard folded to `inst`'s arguments and the
/// attributes of `env` (see `eval::fold`).
pub fn specialize(a: &Assert, inst: &Instance, env: &Env<'_>) -> Vec<Option<Option<Expr>>> {
    a.steps
        .iter()
        .map(|step| {
            step.events
                .iter()
                .find(|(e, _)| *e == inst.event)
                .map(|(_, g)| g.as_ref().map(|g| fold(env, g)))
        })
        .collect()
}

/// [`step_matches`] over guards from [`specialize`].
pub fn step_matches_spec(
    a: &Assert,
    spec: &[Option<Option<Expr>>],
    i: usize,
    env: &Env<'_>,
    gates: u64,
) -> bool {
    let (Some(step), Some(Some(guard))) = (a.steps.get(i), spec.get(i)) else {
        return false;
    };
    if step
        .unless_approved
        .is_some_and(|g| gates & (1u64 << g) != 0)
    {
        return false;
    }
    env.holds(guard.as_ref()) == Ok(true)
}
