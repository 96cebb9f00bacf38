//! Load time (decode, validate, ready every regex) of each example's
//! stripped image, as `guardc build --strip` writes it. The runtime issue's
//! target is the mail example: at most 4 KiB and 20 µs.
//! `cargo bench -p guard-bench-runtime --bench load`.

// A benchmark that cannot set up must stop: unwrap/expect mean that here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use guard_check::RealFs;
use guard_runtime::Policy;

/// The stripped image of `examples/NAME.guard`, built by the real pipeline.
fn image(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(format!("{name}.guard"));
    let src = std::fs::read_to_string(&path).unwrap();
    let checked = guard_check::check_source(&path.to_string_lossy(), &src, &RealFs);
    let program = checked.policies[0].program.as_ref().unwrap();
    guard_codegen::build(
        program,
        &checked.sources,
        guard_codegen::Options { strip: true },
    )
    .unwrap()
}

fn main() {
    let names = [
        "mail_assistant",
        "coding_agent",
        "data_analyst",
        "devops_agent",
        "research_agent",
        "support_refunds",
    ];
    let images: Vec<(&str, Vec<u8>)> = names.iter().map(|n| (*n, image(n))).collect();
    let mut c = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    let mut group = c.benchmark_group("load");
    for (name, bytes) in &images {
        group.bench_with_input(
            BenchmarkId::new(*name, format!("{} bytes", bytes.len())),
            bytes,
            |b, bytes| b.iter(|| Policy::load(black_box(bytes)).unwrap()),
        );
    }
    group.finish();
    c.final_summary();
}
