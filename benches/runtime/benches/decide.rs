//! ns per decision of the Guard runtime, Cedar, regorus's interpreter and
//! regorus's RVM on the agent policy (`policies/`), per scenario, from a
//! pre-parsed event and from JSON; then Guard on the 1,000-tool,
//! 10,000-rule scaling policy. Checks first that every engine gives every
//! scenario its expected outcome, and prints the tables (with the ratios
//! peer / Guard) at the end. `cargo bench -p guard-bench-runtime`.

// A benchmark that cannot set up or whose engines disagree must stop: a
// panic is a failed run, which is what unwrap/expect mean here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use guard_bench_runtime::guard::Guard;
use guard_bench_runtime::report::{self, Row};
use guard_bench_runtime::{check_agreement, generate, rego, scenarios, Engines, Outcome};

/// Column order of the tables; Guard first (the ratios divide by it).
const ENGINES: [&str; 4] = ["guard", "cedar", "rego", "rego-rvm"];
const MODES: [(&str, &str); 2] = [("pre", "pre-parsed event"), ("json", "JSON event")];

fn main() {
    let mut engines = Engines::new().expect("setting the engines up");
    let answers = check_agreement(&mut engines).unwrap_or_else(|msg| panic!("{msg}"));
    println!(
        "agreement: {} engine × scenario answers, all as expected (both entry points)",
        answers.len()
    );
    let large = Guard::from_source("large.guard", &generate::large_policy())
        .expect("compiling the scaling policy");

    let dir = report::criterion_dir();
    let mut c = Criterion::default()
        .output_directory(&dir)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .nresamples(20_000)
        .configure_from_args();
    agent(&mut c, &mut engines);
    scaling(&mut c, &engines.guard, &large);
    c.final_summary();

    for (mode, title) in MODES {
        let rows: Vec<Row> = scenarios()
            .iter()
            .map(|s| Row {
                scenario: s.name.to_string(),
                cells: ENGINES
                    .iter()
                    .map(|e| report::estimate_ns(&dir, "agent", &format!("{e}_{mode}"), s.name))
                    .collect(),
            })
            .collect();
        println!("\nns per decision, {title} (ratio: peer / guard)\n");
        println!("{}", report::table(&ENGINES, &rows));
    }
    let rows: Vec<Row> = scenarios()
        .iter()
        .map(|s| Row {
            scenario: s.name.to_string(),
            cells: ["small", "large"]
                .iter()
                .map(|p| report::estimate_ns(&dir, "scaling", p, s.name))
                .collect(),
        })
        .collect();
    println!(
        "\nGuard, pre-parsed event: the agent policy ({} tools, {} rules) vs the scaling policy ({} tools, {} rules)\n",
        generate::AGENT_TOOLS,
        generate::AGENT_RULES,
        generate::TOOLS,
        generate::RULES
    );
    println!("{}", report::table(&["small", "large"], &rows));
}

/// Every engine on every scenario, both ways in.
fn agent(c: &mut Criterion, engines: &mut Engines) {
    let mut group = c.benchmark_group("agent");
    for s in scenarios() {
        let g = &engines.guard;
        let mut pre = g.prepare(&s).unwrap();
        group.bench_function(BenchmarkId::new("guard_pre", s.name), |b| {
            b.iter(|| g.decide(black_box(&mut pre)).unwrap())
        });
        let mut pre = g.prepare(&s).unwrap();
        group.bench_function(BenchmarkId::new("guard_json", s.name), |b| {
            b.iter(|| g.decide_json(black_box(&mut pre)).unwrap())
        });

        let cedar = &engines.cedar;
        let request = cedar.request(s.stateless_event()).unwrap();
        let json = s.stateless_json();
        group.bench_function(BenchmarkId::new("cedar_pre", s.name), |b| {
            b.iter(|| Outcome::new(cedar.decide(black_box(&request)), s.approved))
        });
        group.bench_function(BenchmarkId::new("cedar_json", s.name), |b| {
            b.iter(|| Outcome::new(cedar.decide_json(black_box(&json)).unwrap(), s.approved))
        });

        let input = rego::input(&s.stateless_event()).unwrap();
        let interp = &mut engines.rego;
        group.bench_function(BenchmarkId::new("rego_pre", s.name), |b| {
            b.iter(|| Outcome::new(interp.decide(black_box(input.clone())).unwrap(), s.approved))
        });
        group.bench_function(BenchmarkId::new("rego_json", s.name), |b| {
            b.iter(|| Outcome::new(interp.decide_json(black_box(&json)).unwrap(), s.approved))
        });
        let rvm = &mut engines.rvm;
        group.bench_function(BenchmarkId::new("rego-rvm_pre", s.name), |b| {
            b.iter(|| Outcome::new(rvm.decide(black_box(input.clone())).unwrap(), s.approved))
        });
        group.bench_function(BenchmarkId::new("rego-rvm_json", s.name), |b| {
            b.iter(|| Outcome::new(rvm.decide_json(black_box(&json)).unwrap(), s.approved))
        });
    }
    group.finish();
}

/// Guard on the same scenarios, agent policy vs scaling policy.
fn scaling(c: &mut Criterion, small: &Guard, large: &Guard) {
    let mut group = c.benchmark_group("scaling");
    for s in scenarios() {
        for (name, g) in [("small", small), ("large", large)] {
            let mut pre = g.prepare(&s).unwrap();
            let expected = g.decide(&mut pre).unwrap();
            assert_eq!(
                expected, s.expected,
                "{name} policy, {}: expected {}, got {expected}",
                s.name, s.expected
            );
            group.bench_function(BenchmarkId::new(name, s.name), |b| {
                b.iter(|| g.decide(black_box(&mut pre)).unwrap())
            });
        }
    }
    group.finish();
}
