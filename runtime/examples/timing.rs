//! A quick timing of loading and deciding (not the benchmark: that is
//! benches/runtime, which also runs Cedar and regorus). Run with
//! `cargo run --release -p guard-runtime --example timing`.
// An example may unwrap: a failure here is a broken example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use common::*;
use guard_runtime::*;

fn time<R>(label: &str, iters: u32, mut f: impl FnMut() -> R) {
    // TIMING_ITERS overrides the count (e.g. small, under callgrind).
    let iters = std::env::var("TIMING_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(iters);
    // `timing decide WORD` runs only the cases whose label has WORD.
    let decide_only = std::env::args().nth(1).as_deref() == Some("decide");
    if let Some(w) = std::env::args().nth(2).filter(|_| decide_only) {
        if !label.contains(&w) {
            return;
        }
    }
    for _ in 0..iters / 10 {
        black_box(f());
    }
    let t = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    let ns = t.elapsed().as_nanos() as f64 / f64::from(iters);
    println!("{label:<48} {ns:>9.1} ns");
}

fn main() {
    // `timing load FILE...` times loading compiled images (`guardc build`).
    if std::env::args().nth(1).as_deref() == Some("load") {
        for f in std::env::args().skip(2) {
            let bytes = std::fs::read(&f).unwrap();
            time(
                &format!("Policy::load {f} ({} bytes)", bytes.len()),
                20,
                || Policy::load(&bytes).unwrap(),
            );
        }
        return;
    }
    let img = agent_policy();
    let bytes = encode(&img);
    let rules: usize = img.tools.iter().map(|t| t.rules.len()).sum();
    println!(
        "image: {} tools, {rules} tool rules, {} bytes",
        img.tools.len(),
        bytes.len()
    );
    // `timing decide` skips the load timing (for profiling decisions).
    if std::env::args().nth(1).as_deref() != Some("decide") {
        time("Policy::load (decode + validate + regex DFAs)", 50, || {
            Policy::load(&bytes).unwrap()
        });
    }
    let p = Policy::load(&bytes).unwrap();
    time("Session::new", 20_000, || {
        Session::new(&p, &[("env", Arg::Str("dev"))]).unwrap()
    });
    let mut s = Session::new(&p, &[("env", Arg::Str("dev"))]).unwrap();
    println!(
        "size of Decision: {} bytes",
        std::mem::size_of::<Decision>()
    );
    time("floor: build and return a Decision", 2_000_000, || {
        Decision {
            verdict: Verdict::Allow,
            reason: Reason::Rules,
            event: EventRef::Unknown,
            rules: RuleIds::default(),
            redactions: RuleIds::default(),
            ticket: black_box(None),
            state_changed: false,
            labels_added: 0,
        }
    });
    time("text::parse_url (21 bytes)", 2_000_000, || {
        text::parse_url(black_box("https://docs.rs/regex"))
    });
    time("text::is_normal_path (27 bytes)", 2_000_000, || {
        text::is_normal_path(black_box("/workspace/app/src/main.rs"))
    });
    let read = p.tool_id("mail.read").unwrap();
    let fetch = p.tool_id("web.fetch").unwrap();
    let svc = p.tool_id("svc4.op").unwrap();
    let n = 2_000_000;
    time("decide_call mail.read (allow, no guard)", n, || {
        s.decide_call(&Call {
            tool: read,
            args: &[Arg::Str("inbox")],
        })
    });
    time("decide_call web.fetch (host in list)", n, || {
        s.decide_call(&Call {
            tool: fetch,
            args: &[Arg::Str("https://docs.rs/regex")],
        })
    });
    let args = [
        Arg::Str("/workspace/app/src/main.rs"),
        Arg::Absent,
        Arg::Str("fn main() {}"),
    ];
    time("decide_call svc4.op (path regex + body regex)", n, || {
        s.decide_call(&Call {
            tool: svc,
            args: &args,
        })
    });
    let args = [
        Arg::Str("/workspace/app/../etc/x/"),
        Arg::Absent,
        Arg::Absent,
    ];
    time("decide_call svc4.op (path normalised)", n, || {
        s.decide_call(&Call {
            tool: svc,
            args: &args,
        })
    });
    time("decide_call_named web.fetch", n, || {
        s.decide_call_named("web.fetch", &[("url", Arg::Str("https://docs.rs/regex"))])
    });
    let mut out = String::with_capacity(256);
    time("decide_output user (one redaction)", n, || {
        s.decide_output(p.channel_id("user").unwrap(), "ssn 123-45-6789", &mut out)
            .verdict
    });
    let ev = r#"{"tool": "web.fetch", "args": {"url": "https://docs.rs/regex"}}"#;
    time("decide_json web.fetch", n / 4, || {
        s.decide_json(ev, &mut out).unwrap()
    });
}
