//! The differential generators are sound: random policies check without
//! errors (so the differential test exercises policies, not error paths),
//! and random events reach every verdict of the reference evaluator.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use guard_tests::gen::{random_policy, Rng, Vocabulary};
use guard_tests::reference::{RefVerdict, Session, Why};

#[test]
fn random_policies_check_without_errors() {
    let mut rng = Rng::new(7);
    for i in 0..300 {
        let src = random_policy(&mut rng);
        let checked = guard_check::check_source("random.guard", &src, &guard_check::RealFs);
        let errors: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(errors.is_empty(), "policy {i}:\n{src}\n{errors:#?}");
    }
}

#[test]
fn random_events_reach_every_verdict() {
    let mut rng = Rng::new(11);
    let mut seen = BTreeSet::new();
    for _ in 0..50 {
        let src = random_policy(&mut rng);
        let checked = guard_check::check_source("random.guard", &src, &guard_check::RealFs);
        let p = checked.policies[0].program.as_ref().unwrap();
        let vocab = Vocabulary::of(p);
        let attrs = [(
            guard_check::hir::AttrId(0),
            guard_check::hir::Value::Enum(guard_check::hir::EnumId(0), 0),
        )];
        let mut s = Session::new(p, &attrs);
        for _ in 0..200 {
            let ev = vocab.event(p, &mut rng);
            let d = s.step(&ev, rng.chance(50));
            let kind = match (&d.verdict, &d.why) {
                (RefVerdict::Allow, _) => "allow",
                (RefVerdict::Escalate(_), _) => "escalate",
                (RefVerdict::Deny, Why::BadArguments) => "bad arguments",
                (RefVerdict::Deny, Why::UnknownEvent) => "unknown",
                (RefVerdict::Deny, Why::StateOutOfRange) => "out of range",
                (RefVerdict::Deny, _) => "deny",
            };
            seen.insert(kind);
        }
    }
    for kind in [
        "allow",
        "escalate",
        "deny",
        "bad arguments",
        "unknown",
        "out of range",
    ] {
        assert!(seen.contains(kind), "no event reached {kind}: {seen:?}");
    }
}
