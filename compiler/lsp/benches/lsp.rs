//! How long the language server takes to re-check a 2,000-line policy
//! after an edit (target: 50 ms, architecture.md §8): one incremental
//! `didChange` plus the diagnostics of every open document, in memory.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use guard_lsp::{Engine, MemoryFs};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Url};

fn diagnostics_after_change(c: &mut Criterion) {
    let text = guard_benches::policy(2_000);
    let Ok(uri) = Url::parse("file:///bench/generated.guard") else {
        panic!("bad benchmark URI");
    };
    let mut engine = Engine::new(
        Box::new(MemoryFs::default()),
        PathBuf::from("/guard-stdlib"),
    );
    engine.open(uri.clone(), text, 0);
    let mut version = 0;
    let mut group = c.benchmark_group("lsp");
    group.sample_size(30);
    group.bench_function("diagnostics_after_change_2k_lines", |b| {
        b.iter(|| {
            version += 1;
            // Insert (and on the next round remove) a comment on line 3.
            let at = Position::new(2, 0);
            let change = if version % 2 == 1 {
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at, at)),
                    range_length: None,
                    text: "// edited\n".into(),
                }
            } else {
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(at, Position::new(3, 0))),
                    range_length: None,
                    text: String::new(),
                }
            };
            engine.change(&uri, version, vec![change]);
            let diags = engine.diagnostics();
            assert_eq!(diags.get(&uri).map(Vec::len), Some(0));
            diags
        })
    });
    group.finish();
}

criterion_group!(benches, diagnostics_after_change);
criterion_main!(benches);
