//! How long the front end takes on a generated 10,000-line policy: parse,
//! resolve, type-check and lint, in memory (no disk, no rendering); and
//! how long `guardc fmt` takes to lay the same policy out.

use criterion::{criterion_group, criterion_main, Criterion};

fn check(c: &mut Criterion) {
    let text = guard_benches::policy(10_000);
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function("generated_10k_lines", |b| {
        b.iter(|| {
            let checked = guard_check::check_source("generated.guard", &text, &guard_check::RealFs);
            assert_eq!(checked.error_count(), 0);
            checked
        })
    });
    group.finish();
}

fn fmt(c: &mut Criterion) {
    let text = guard_benches::policy(10_000);
    let mut group = c.benchmark_group("fmt");
    group.sample_size(20);
    group.bench_function("generated_10k_lines", |b| {
        b.iter(|| guard_fmt::format(guard_diagnostics::FileId(0), &text).map(|s| s.len()))
    });
    group.finish();
}

criterion_group!(benches, check, fmt);
criterion_main!(benches);
