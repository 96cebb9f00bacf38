//! The enforcement core's work per `tools/call`, in process: the client's
//! request through [`Enforcer::from_client`] (parse, decide, log, relay
//! decision) and the server's result through [`Enforcer::from_server`],
//! on the policy the end-to-end benchmark uses
//! (`tests/proxy/everything.guard`). What the transports add (pipes,
//! HTTP) is measured end to end by `tests/proxy/bench.py` (stdio) and
//! `tests/proxy/bench_overhead.py` (Streamable HTTP).
//!
//! `cargo bench -p guard-proxy --bench proxy`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use guard_proxy::{Action, Attrs, DecisionLog, Enforcer, LogMeta, Mode, Options};
use guard_runtime::Policy;
use serde_json::Map;

const POLICY: &str = include_str!("../../../tests/proxy/everything.guard");

const CALL: &str = r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello from the benchmark"}}}"#;
const DENIED: &str = r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"message":"a forbidden word"}}}"#;
const RESULT: &str = r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Echo: hello from the benchmark"}]}}"#;

fn policy() -> Policy {
    let checked = guard_check::check_source("everything.guard", POLICY, &guard_check::RealFs);
    let Some(program) = checked.policies.first().and_then(|p| p.program.as_ref()) else {
        panic!(
            "tests/proxy/everything.guard does not check: {:?}",
            checked.diagnostics
        );
    };
    let bytes =
        match guard_codegen::build(program, &checked.sources, guard_codegen::Options::default()) {
            Ok(b) => b,
            Err(d) => panic!("tests/proxy/everything.guard does not build: {d:?}"),
        };
    match Policy::load(&bytes) {
        Ok(p) => p,
        Err(e) => panic!("the image does not load: {e}"),
    }
}

fn enforcer<'p>(policy: &'p Policy, log: bool) -> Enforcer<'p> {
    let attrs = match Attrs::parse(policy, &[]) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let meta = LogMeta {
        path: "guard/proxy_everything".into(),
        revision: "0".repeat(64),
        version: "bench".into(),
        session: "bench".into(),
        attrs: Map::new(),
        mcp_session: None,
    };
    let options = Options {
        mode: Mode::Enforce,
        tool_prefix: "everything.".into(),
        result_channel: None,
        default_approval_timeout: None,
    };
    // The log is written in full (JSON built, redaction applied, a line
    // written and flushed) into a sink, so its cost counts but no disk
    // does.
    let log = log.then(|| DecisionLog::new(Box::new(std::io::sink()), Vec::new()));
    let log = match log.transpose() {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    match Enforcer::new(policy, &attrs, options, meta, log, None) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    }
}

fn bench(c: &mut Criterion) {
    let policy = policy();
    for (name, log) in [
        ("allowed call and result, logged", true),
        ("allowed call and result, no log", false),
    ] {
        let mut e = enforcer(&policy, log);
        c.bench_function(name, |b| {
            b.iter(|| {
                let a = e.from_client(black_box(CALL));
                assert!(matches!(a, Action::Forward), "{a:?}");
                black_box(e.from_server(black_box(RESULT)))
            })
        });
    }
    let mut e = enforcer(&policy, true);
    c.bench_function("denied call answered, logged", |b| {
        b.iter(|| {
            let a = e.from_client(black_box(DENIED));
            assert!(matches!(a, Action::Respond(_)), "{a:?}");
            black_box(a)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
