//! Lowering `assert` items for the verifier. A step's target is
//! distributed to the tools (or the channel) it covers and its `when` is
//! resolved to each tool's parameter positions, exactly like a rule's, so
//! a step and a rule that test the same parameter see the same value.
//!
//! Regexes that occur only in assertions are appended after the policy's
//! own table rather than mixed into it: the image must not change because
//! an assertion was added, and the verifier indexes one table
//! (`Asserts::regexes`) that starts with the policy's.

use std::collections::HashMap;

use guard_check::hir;

use super::Lower;
use crate::{Assert, AssertKind, Asserts, Event, Link, Policy, Step};

/// Lowers the assertions of `p`, whose lowered policy is `policy`.
pub fn lower_asserts(p: &hir::Program, policy: &Policy) -> Asserts {
    let mut l = Lower {
        p,
        regexes: policy.regexes.clone(),
        regex_ids: policy
            .regexes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i as u16))
            .collect::<HashMap<_, _>>(),
        errors: Vec::new(),
    };
    let asserts = p
        .asserts
        .iter()
        .map(|a| Assert {
            name: a.name.clone(),
            kind: match a.kind {
                hir::AssertKind::Never => AssertKind::Never,
                hir::AssertKind::Possible => AssertKind::Possible,
            },
            steps: a.steps.iter().map(|s| step(&mut l, s)).collect(),
            links: a
                .links
                .iter()
                .map(|k| match k {
                    hir::Link::Eventually => Link::Eventually,
                    hir::Link::Next => Link::Next,
                })
                .collect(),
            span: a.span,
            name_span: a.name_span,
        })
        .collect();
    Asserts {
        asserts,
        regexes: l.regexes,
    }
}

/// Lowers one step of an assertion (also used for ad-hoc queries, which
/// the checker turns into assertions).
fn step(l: &mut Lower<'_>, s: &hir::Step) -> Step {
    let events = match &s.target {
        hir::Target::Output(c) => vec![(
            Event::Channel(c.0 as u16),
            s.when.as_ref().map(|w| l.expr(w, None)),
        )],
        hir::Target::Tools { tools, .. } => tools
            .iter()
            .map(|&t| {
                let decl = l.p.tool(t);
                (
                    Event::Tool(t.0 as u16),
                    s.when.as_ref().map(|w| l.expr(w, Some(decl))),
                )
            })
            .collect(),
    };
    Step {
        events,
        unless_approved: s.unless_approved.map(|g| g.0 as u16),
        span: s.span,
    }
}
