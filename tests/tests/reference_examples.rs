//! Every example's `test` blocks hold under the reference evaluator: the
//! examples' expectations and the reference reading of language.md §6
//! agree before any bytecode is involved. (`guardc test` runs the same
//! blocks on the real runtime.)

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use guard_check::hir::{Expected, TestStep};
use guard_tests::reference::{RefVerdict, Session};
use guard_tests::{guard_files, reference_event, workspace_root};

#[test]
fn example_tests_pass_on_the_reference_evaluator() {
    let files = guard_files(&workspace_root().join("examples"));
    let checked = guard_check::check_paths(&files, &guard_check::RealFs);
    let mut failures = Vec::new();
    let mut steps_run = 0;
    for policy in &checked.policies {
        let p = policy.program.as_ref().unwrap();
        for t in &p.tests {
            let mut s = Session::new(p, &t.attrs);
            for (i, step) in t.steps.iter().enumerate() {
                steps_run += 1;
                match step {
                    TestStep::Event {
                        event, expected, ..
                    } => {
                        let approve = matches!(expected, Expected::Escalate { approved: true, .. });
                        let d = s.step(&reference_event(p, event), approve);
                        let ok = match (expected, &d.verdict) {
                            (Expected::Allow, RefVerdict::Allow)
                            | (Expected::Deny, RefVerdict::Deny) => true,
                            (Expected::Escalate { gates, .. }, RefVerdict::Escalate(got)) => {
                                gates.iter().copied().eq(got.iter().copied())
                            }
                            _ => false,
                        };
                        if !ok {
                            failures.push(format!(
                                "{} / {:?} step {}: expected {expected:?}, got {d:?}",
                                p.name,
                                t.name,
                                i + 1
                            ));
                        }
                    }
                    TestStep::Expect { expr, .. } => {
                        if !s.expect(expr) {
                            failures.push(format!(
                                "{} / {:?} step {}: expect failed, state {:?}",
                                p.name,
                                t.name,
                                i + 1,
                                s.state()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(steps_run > 100, "only {steps_run} steps ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
