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
    assert_eq!(answers.len(), guard_bench_runtime::scenarios().len() * 4);
}

/// Beyond the scenarios: every tool, with arguments on both sides of every
/// rule, under every combination of labels, gets the same verdict from
/// every engine (the policies say the same thing, not just on six calls).
#[test]
fn engines_agree_on_the_sweep() {
    use guard_bench_runtime::{rego, scenarios::history_for, scenarios::probes};
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
        let history = history_for(p.labels);
        let guard = engines
            .guard
            .verdict_after(&history, p.tool, &p.args)
            .unwrap();
        if cedar != guard || cedar != interp || cedar != rvm {
            differ.push(format!(
                "{event}: guard {guard:?}, cedar {cedar:?}, rego {interp:?}, rvm {rvm:?}"
            ));
        }
    }
    assert!(all.len() > 300, "only {} probes", all.len());
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The scaling policy compiles and gives the scenarios the same outcomes
/// as the agent policy it embeds.
#[test]
fn scaling_policy_decides_like_the_agent_policy() {
    use guard_bench_runtime::{generate, guard::Guard, scenarios};
    let large = Guard::from_source("large.guard", &generate::large_policy()).unwrap();
    for s in scenarios() {
        let mut pre = large.prepare(&s).unwrap();
        assert_eq!(large.decide(&mut pre).unwrap(), s.expected, "{}", s.name);
        let mut pre = large.prepare(&s).unwrap();
        assert_eq!(
            large.decide_json(&mut pre).unwrap(),
            s.expected,
            "{}",
            s.name
        );
    }
}
