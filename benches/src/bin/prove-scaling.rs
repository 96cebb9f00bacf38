//! `prove-scaling [--threads N] [SIZE...]`: the verifier's scaling table.
//! For each size (`TOOLSxBITS`, default the four of
//! `guard_benches::scaling::SIZES`) it proves the generated policy with
//! every engine and prints one Markdown row per engine: wall time and the
//! answers (proved / violated / witnessed / impossible / unknown).
//! Run it in release: `cargo run --release -p guard-benches --bin
//! prove-scaling`.
//!
//! Wall-clock figures from one run, not a statistic: the criterion bench
//! (`benches/prove.rs`) is the measurement to compare changes with.

use std::time::Instant;

use guard_benches::scaling::{prove_policy, SIZES};
use guard_verify::{report, Engine, Options};

fn main() {
    let mut threads = 1;
    let mut sizes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        } else if let Some((t, b)) = a.split_once('x') {
            match (t.parse(), b.parse()) {
                (Ok(t), Ok(b)) => sizes.push((t, b)),
                _ => usage(&a),
            }
        } else {
            usage(&a);
        }
    }
    if sizes.is_empty() {
        sizes = SIZES.to_vec();
    }
    println!("| tools × bits | engine | time | answers |");
    println!("|---|---|---:|---|");
    for (tools, bits) in sizes {
        let text = prove_policy(tools, bits);
        let mut checked = guard_check::check_source("scaling.guard", &text, &guard_check::RealFs);
        let Some(program) = checked.policies.iter_mut().find_map(|p| p.program.take()) else {
            eprintln!("prove-scaling: the {tools}x{bits} policy does not check");
            std::process::exit(1);
        };
        for (name, engine) in [
            ("auto", Engine::Auto),
            ("bfs", Engine::Bfs),
            ("spacer", Engine::Spacer),
            ("bmc", Engine::Bmc),
        ] {
            let options = Options {
                engine,
                // Enough for every exact answer up to 2^16 states; beyond,
                // BFS answers "unknown" at the limit, which is the point.
                max_states: 200_000,
                threads,
                ..Options::default()
            };
            // Every engine starts cold: no classification from the
            // previous engine's run.
            guard_verify::classes::forget_classifications();
            let started = Instant::now();
            let answers = match guard_verify::prove(&program, &checked.sources, options) {
                Ok(r) => r
                    .answers
                    .iter()
                    .map(|a| report::word(a).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                Err(d) => format!("error: {} diagnostics", d.len()),
            };
            let secs = started.elapsed().as_secs_f64();
            println!("| {tools} × {bits} | {name} | {secs:.3} s | {answers} |");
        }
    }
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "prove-scaling: unexpected `{arg}`; usage: prove-scaling [--threads N] [TOOLSxBITS...]"
    );
    std::process::exit(2);
}
