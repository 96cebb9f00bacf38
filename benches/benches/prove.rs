//! How long `guardc prove` takes: every example policy (all assertions,
//! the default engine choice, one thread so figures do not depend on the
//! core count) and the generated scaling policies with each engine that
//! answers them exactly. Classifications are forgotten before every
//! iteration, so each one pays for the whole proof.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use guard_benches::scaling::prove_policy;
use guard_check::hir;
use guard_diagnostics::SourceMap;
use guard_verify::{Engine, Options};

fn program(name: &str, text: &str) -> Option<(hir::Program, SourceMap)> {
    let mut checked = guard_check::check_source(name, text, &guard_check::RealFs);
    let p = checked.policies.iter_mut().find_map(|p| p.program.take())?;
    Some((p, checked.sources))
}

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn prove(c: &mut Criterion) {
    let mut group = c.benchmark_group("prove");
    group.sample_size(10);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "guard"));
    paths.sort();
    let one_thread = |engine| Options {
        engine,
        threads: 1,
        ..Options::default()
    };
    for path in paths {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let (Some(name), Ok(text)) = (name, std::fs::read_to_string(&path)) else {
            continue;
        };
        let Some((p, sources)) = program(&path.to_string_lossy(), &text) else {
            panic!("{} does not check", path.display());
        };
        group.bench_function(format!("example/{name}"), |b| {
            b.iter(|| {
                guard_verify::classes::forget_classifications();
                guard_verify::prove(&p, &sources, one_thread(Engine::Auto)).is_ok()
            })
        });
    }
    for (tools, bits, engines) in [
        (
            10,
            8,
            &[("auto", Engine::Auto), ("spacer", Engine::Spacer)][..],
        ),
        (
            60,
            32,
            &[("auto", Engine::Auto), ("spacer", Engine::Spacer)][..],
        ),
    ] {
        let Some((p, sources)) = program("scaling.guard", &prove_policy(tools, bits)) else {
            panic!("the {tools}x{bits} scaling policy does not check");
        };
        for (label, engine) in engines {
            group.bench_function(format!("scaling/{tools}x{bits}/{label}"), |b| {
                b.iter(|| {
                    guard_verify::classes::forget_classifications();
                    guard_verify::prove(&p, &sources, one_thread(*engine)).is_ok()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, prove);
criterion_main!(benches);
