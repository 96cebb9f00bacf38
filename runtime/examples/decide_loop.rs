//! Decides the benchmark's simple pre-parsed calls in a loop, for
//! instruction counts: `guardc build benches/runtime/policies/agent.guard
//! -o /tmp/agent.gbc`, then `valgrind --tool=callgrind
//! target/release/examples/decide_loop /tmp/agent.gbc 10000`. Modes (third
//! argument): none (read_allow, write_allow, write_deny), `json`, `post`
//! (an escalation, URL as text) and `post-url` (the URL pre-parsed).
// An example may unwrap: a failure here is a broken example.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use guard_runtime::*;

fn main() {
    let mut a = std::env::args().skip(1);
    let bytes = std::fs::read(a.next().expect("image file")).unwrap();
    let n: u32 = a.next().map_or(10_000, |s| s.parse().unwrap());
    let which = a.next().unwrap_or_default();
    let p = Policy::load(&bytes).unwrap();
    let mut s = Session::new(&p, &[]).unwrap();
    let read = p.tool_id("fs.read").unwrap();
    let write = p.tool_id("fs.write").unwrap();
    let read_args = [Arg::Str("/home/agent/notes.txt")];
    let write_ok = [Arg::Str("/tmp/agent/out.txt"), Arg::Str("hello")];
    let write_no = [Arg::Str("/etc/passwd"), Arg::Str("hello")];
    let mut out = String::with_capacity(256);
    // `post`: the benchmark's post_tainted_escalate (a private read first,
    // so every post escalates and replaces the last pending ticket).
    let post = p.tool_id("http.post");
    let post_args = [
        Arg::Str("https://hooks.example.com/ingest"),
        Arg::Str("summary"),
    ];
    // `post-url`: the same with the URL parsed once, as the benchmark's
    // pre-parsed events give it.
    let url = Url::parse("https://hooks.example.com/ingest").unwrap();
    let post_url_args = [Arg::Url(url), Arg::Str("summary")];
    if which.starts_with("post") {
        s.decide_call(&Call {
            tool: read,
            args: &read_args,
        });
    }
    for _ in 0..n {
        match which.as_str() {
            "post" | "post-url" => {
                let args = if which == "post" {
                    &post_args
                } else {
                    &post_url_args
                };
                let d = s.decide_call(&Call {
                    tool: post.unwrap(),
                    args: black_box(args),
                });
                if let Some(t) = d.ticket {
                    let _ = s.reject(t);
                }
                black_box(d);
            }
            "json" => {
                let ev = r#"{"tool": "fs.write", "args": {"path": "/tmp/agent/out.txt", "data": "hello"}}"#;
                black_box(s.decide_json(black_box(ev), &mut out).unwrap());
            }
            _ => {
                black_box(s.decide_call(&Call {
                    tool: read,
                    args: black_box(&read_args),
                }));
                black_box(s.decide_call(&Call {
                    tool: write,
                    args: black_box(&write_ok),
                }));
                black_box(s.decide_call(&Call {
                    tool: write,
                    args: black_box(&write_no),
                }));
            }
        }
    }
}
