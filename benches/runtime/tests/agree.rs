//! Every engine gives every scenario its expected outcome, by both entry
//! points (the benchmark checks the same before it measures anything).

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use guard_bench_runtime::{check_agreement, Engines};

#[test]
fn engines_agree_on_every_scenario() {
    let mut engines = Engines::new().unwrap();
    let answers = match check_agreement(&mut engines) {
        Ok(a) => a,
        Err(msg) => panic!("{msg}"),
    };
    let engines_seen = if engines.guard.is_some() { 4 } else { 3 };
    assert_eq!(
        answers.len(),
        guard_bench_runtime::scenarios().len() * engines_seen
    );
}

/// Beyond the scenarios: every tool, with arguments on both sides of every
/// rule, under every combination of labels, gets the same verdict from
/// every engine (the policies say the same thing, not just on six calls).
#[test]
fn engines_agree_on_the_sweep() {
    use guard_bench_runtime::{rego, scenarios::probes};
    let mut engines = Engines::new().unwrap();
    let mut differ = Vec::new();
    let all = probes();
    for p in &all {
        let event = p.stateless_event();
        let cedar = engines
            .cedar
            .decide(&engines.cedar.request(event.clone()).unwrap());
        let input = rego::input(&event).unwrap();
        let interp = engines.rego.decide(input.clone()).unwrap();
        let rvm = engines.rvm.decide(input).unwrap();
        if cedar != interp || cedar != rvm {
            differ.push(format!(
                "{event}: cedar {cedar:?}, rego {interp:?}, rvm {rvm:?}"
            ));
        }
    }
    assert!(all.len() > 300, "only {} probes", all.len());
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
