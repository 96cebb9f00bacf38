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
