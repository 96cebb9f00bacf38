//! Cone-of-influence slicing: the part of a policy one assertion can see.
//!
//! Whether a pattern occurs depends on the state variables and context
//! labels its steps read (their `when`s, and the rules of the step events),
//! and, transitively, on everything that can change those: the events
//! that assign a relevant variable or add a relevant label, every
//! variable their rules, effect guards and assignments read, and every
//! variable they assign (an assignment out of range denies the event, so
//! its value decides whether the event executes). That closure is the
//! cone. An event outside it changes nothing the cone reads, so the
//! sliced policy drops its effects and result labels: the variables only
//! such events assign stay at their initial values, and the search no
//! longer multiplies states by them.
//!
//! Why this is exact. Every execution of the original is one of the
//! sliced policy with the same step events (events outside the cone are
//! enabled in the original only where their rules hold; in the sliced
//! policy they may be enabled more or less often, but they never move the
//! cone). Conversely, deleting the outside events from a sliced trace
//! leaves the cone's evolution, the enabledness of every cone event and
//! the monitor's matches unchanged (outside events are never steps, and
//! deleting them cannot separate adjacent steps), so a shortest trace —
//! what BFS and BMC report — has no outside events at all, and replays on
//! the original policy event for event. The certifier replays it on the
//! runtime regardless.

use guard_ir::{Assert, Event, Expr, ExprKind, Policy};

use crate::classes::visit_expr;

/// The cone of `a` in `policy`: which events and variables matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cone {
    /// Per tool, then per channel: whether the event is in the cone.
    pub tools: Vec<bool>,
    pub channels: Vec<bool>,
    /// Per state variable: whether it is in the cone.
    pub states: Vec<bool>,
    /// Bits of the context labels in the cone.
    pub labels: u64,
}

impl Cone {
    /// Whether `effects` assign a variable of the cone (an index the
    /// policy does not have counts as one: never slice what is unclear).
    fn assigned_by(&self, effects: &[guard_ir::Effect]) -> bool {
        effects.iter().any(|e| {
            e.assigns
                .iter()
                .any(|(v, _)| self.states.get(usize::from(*v)).copied().unwrap_or(true))
        })
    }

    fn reads(&mut self, e: &Expr) -> bool {
        let mut grew = false;
        visit_expr(e, &mut |n| match n.kind {
            ExprKind::State(v) => {
                if let Some(s) = self.states.get_mut(usize::from(v)) {
                    grew |= !*s;
                    *s = true;
                }
            }
            ExprKind::CtxHas(l) => {
                let bit = 1u64.checked_shl(u32::from(l)).unwrap_or(0);
                grew |= self.labels & bit == 0;
                self.labels |= bit;
            }
            _ => {}
        });
        grew
    }
}

/// Computes the cone of `a`.
pub fn cone(policy: &Policy, a: &Assert) -> Cone {
    let mut c = Cone {
        tools: vec![false; policy.tools.len()],
        channels: vec![false; policy.channels.len()],
        states: vec![false; policy.states.len()],
        labels: 0,
    };
    for step in &a.steps {
        for (event, guard) in &step.events {
            if let Some(g) = guard {
                c.reads(g);
            }
            match *event {
                Event::Tool(t) => {
                    if let Some(x) = c.tools.get_mut(usize::from(t)) {
                        *x = true;
                    }
                }
                Event::Channel(ch) => {
                    if let Some(x) = c.channels.get_mut(usize::from(ch)) {
                        *x = true;
                    }
                }
            }
        }
    }
    // Grow to the fixpoint: an event joins when it assigns a variable or
    // adds a label of the cone, and brings in everything it reads and
    // assigns. Each round adds at least one variable, label or event.
    loop {
        let mut grew = false;
        for (i, t) in policy.tools.iter().enumerate() {
            let assigns = c.assigned_by(&t.effects);
            let joins = c.tools[i] || assigns || t.result_labels & c.labels != 0;
            if joins && !c.tools[i] {
                c.tools[i] = true;
                grew = true;
            }
            if joins {
                grew |= absorb(&mut c, &t.rules, &t.effects);
            }
        }
        for (i, ch) in policy.channels.iter().enumerate() {
            let assigns = c.assigned_by(&ch.effects);
            let joins = c.channels[i] || assigns;
            if joins && !c.channels[i] {
                c.channels[i] = true;
                grew = true;
            }
            if joins {
                grew |= absorb(&mut c, &ch.rules, &ch.effects);
            }
        }
        if !grew {
            return c;
        }
    }
}

/// Adds what a cone event reads and assigns; whether anything was new.
fn absorb(c: &mut Cone, rules: &[guard_ir::Rule], effects: &[guard_ir::Effect]) -> bool {
    let mut grew = false;
    for r in rules {
        if let Some(g) = &r.guard {
            grew |= c.reads(g);
        }
    }
    for e in effects {
        if let Some(g) = &e.guard {
            grew |= c.reads(g);
        }
        for (v, x) in &e.assigns {
            grew |= c.reads(x);
            if let Some(s) = c.states.get_mut(usize::from(*v)) {
                grew |= !*s;
                *s = true;
            }
        }
    }
    grew
}

/// The policy as `a` sees it: events outside the cone keep their rules
/// (their arguments are still classified and they may still occur) but
/// lose their effects and result labels. `None` when nothing is outside
/// the cone, so callers can keep using the original.
pub fn slice(policy: &Policy, a: &Assert) -> Option<Policy> {
    let c = cone(policy, a);
    let outside_tool = |i: usize, t: &guard_ir::Tool| {
        !c.tools[i] && (!t.effects.is_empty() || t.result_labels != 0)
    };
    let outside_channel =
        |i: usize, ch: &guard_ir::Channel| !c.channels[i] && !ch.effects.is_empty();
    let any = policy
        .tools
        .iter()
        .enumerate()
        .any(|(i, t)| outside_tool(i, t))
        || policy
            .channels
            .iter()
            .enumerate()
            .any(|(i, ch)| outside_channel(i, ch));
    if !any {
        return None;
    }
    let mut sliced = policy.clone();
    for (i, t) in sliced.tools.iter_mut().enumerate() {
        if !c.tools[i] {
            t.effects.clear();
            t.result_labels = 0;
        }
    }
    for (i, ch) in sliced.channels.iter_mut().enumerate() {
        if !c.channels[i] {
            ch.effects.clear();
        }
    }
    Some(sliced)
}
