//! Load time of single-regex policies (for sizing the DFA limits). Run
//! with `cargo run --release -p guard-runtime --example regex_load`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use guard_runtime::model::{ValueType, Verdict};
use guard_runtime::*;

fn main() {
    for pattern in [
        "/tmp/agent/.+",
        "/workspace/(?:[^/]+/)*[^/]+",
        "(?s).*(?:BEGIN PRIVATE KEY|AKIA[0-9A-Z]{16}).*",
        "(?s).*BEGIN PRIVATE KEY.*",
        "(?s).*AKIA[0-9A-Z]{16}.*",
        "([a-z0-9-]+\\.)*example\\.com",
        "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
        "\\w+",
        "(?i)draft.*",
    ] {
        let mut b = B::new("r");
        let t = b.tool("t", &[("s", ValueType::Str, false)]);
        let r = b.regex(pattern);
        b.rule(
            t,
            1,
            Verdict::Allow,
            Some(E::Match(Box::new(E::Param(0)), r)),
        );
        let bytes = encode(&b.build());
        let n = 5;
        let t0 = Instant::now();
        for _ in 0..n {
            Policy::load(&bytes).unwrap();
        }
        println!(
            "{:>10.2} ms  {pattern}",
            t0.elapsed().as_secs_f64() * 1e3 / f64::from(n)
        );
    }
}
