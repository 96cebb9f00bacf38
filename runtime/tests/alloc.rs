//! Deciding allocates nothing: a counting global allocator (this file's
//! own test binary) counts allocations on this thread while sessions
//! decide tool calls and outputs, after the session is open.
// The allocator must implement `GlobalAlloc`, an unsafe trait; this test
// file is the only place in the runtime with `unsafe`.
#![allow(unsafe_code)]
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use guard_runtime::model::{StateKind, ValueType, Verdict as V};
use guard_runtime::op::Op;
use guard_runtime::*;

struct Counting;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; the
// counter is a thread-local `Cell` that never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = COUNT.with(Cell::get);
    let r = f();
    (r, COUNT.with(Cell::get) - before)
}

#[test]
fn deciding_allocates_nothing() {
    // With regexes determinized at load and with the ahead-of-time tables
    // `guardc build` writes.
    let mut tabled = mail_assistant();
    tabled.regex_tables = tabled
        .regexes
        .iter()
        .map(|r| guard_runtime::regex_tables(&tabled.strings[r.0 as usize], true, true))
        .collect();
    assert!(tabled
        .regex_tables
        .iter()
        .all(|t| t.whole.is_some() && t.search.is_some()));
    deciding_allocates_nothing_with(mail_assistant());
    deciding_allocates_nothing_with(tabled);
}

fn deciding_allocates_nothing_with(image: guard_runtime::model::Image) {
    let p = Policy::load(&encode(&image)).unwrap();
    let mut s = Session::new(&p, &[("env", Arg::Str("prod"))]).unwrap();
    let read = p.tool_id("mail.read").unwrap();
    let fetch = p.tool_id("web.fetch").unwrap();
    let write = p.tool_id("fs.write").unwrap();
    let post = p.tool_id("http.post").unwrap();
    let send = p.tool_id("mail.send").unwrap();
    let user = p.channel_id("user").unwrap();
    let webhook = p.channel_id("webhook").unwrap();
    let mut out = String::with_capacity(1024);
    let send_args = [Arg::Str("a@b.example"), Arg::Str("s"), Arg::Str("b")];
    let url = Url::parse("https://x.example/").unwrap();
    let (verdicts, n) = allocations(|| {
        let mut v = [Verdict::Deny; 12];
        v[0] = s
            .decide_call(&Call {
                tool: fetch,
                args: &[Arg::Str("https://Docs.RS/regex")],
            })
            .verdict;
        v[1] = s
            .decide_call(&Call {
                tool: write,
                args: &[Arg::Str("/tmp/agent/../agent/x//y/"), Arg::Str("d")],
            })
            .verdict;
        v[2] = s
            .decide_call(&Call {
                tool: write,
                args: &[Arg::Str("/etc/passwd"), Arg::Str("d")],
            })
            .verdict;
        v[3] = s
            .decide_call(&Call {
                tool: post,
                args: &[Arg::Str("https://x.example/"), Arg::Str("b")],
            })
            .verdict;
        v[4] = s
            .decide_output(user, "ssn 123-45-6789 and 987-65-4321", &mut out)
            .verdict;
        v[5] = s
            .decide_call(&Call {
                tool: read,
                args: &[Arg::Str("inbox")],
            })
            .verdict;
        // The same call with the URL the host parsed.
        v[6] = s
            .decide_call(&Call {
                tool: post,
                args: &[Arg::Url(url), Arg::Str("b")],
            })
            .verdict;
        v[7] = s.decide_output(webhook, "summary", &mut out).verdict;
        let d = s.decide_call(&Call {
            tool: send,
            args: &send_args,
        });
        v[8] = d.verdict;
        v[9] = s
            .approve(
                d.ticket.unwrap(),
                &Call {
                    tool: send,
                    args: &send_args,
                },
            )
            .unwrap()
            .verdict;
        v[10] = s
            .decide_call_named("web.fetch", &[("url", Arg::Str("https://crates.io/"))])
            .verdict;
        v[11] = s
            .decide_call(&Call {
                tool: fetch,
                args: &[Arg::Str("not a url")],
            })
            .verdict;
        v
    });
    assert_eq!(n, 0, "allocations while deciding");
    assert_eq!(
        verdicts,
        [
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Deny,
            // web.fetch made the context untrusted, and env is prod.
            Verdict::Deny,
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Deny,
            Verdict::Deny,
            Verdict::Escalate(GateSet(2)),
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Deny,
        ]
    );
    assert_eq!(s.state_value("sends"), Some(1));
}

#[test]
fn lower_lists_enums_and_redactions_allocate_nothing() {
    let mut b = B::new("heavy");
    let e = b.enumeration(&["a", "b"]);
    let t = b.tool(
        "t",
        &[
            ("s", ValueType::Str, false),
            ("ps", ValueType::List(Box::new(ValueType::Path)), false),
            ("es", ValueType::List(Box::new(ValueType::Enum(e))), false),
            ("u", ValueType::Url, false),
        ],
    );
    let st = b.state(
        "n",
        StateKind::Int {
            lo: 0,
            hi: 1_000_000,
        },
        0,
    );
    b.rule(
        t,
        1,
        V::Allow,
        Some(and(
            bin(Op::Contains, un(Op::Lower, E::Param(0)), E::Str("straße")),
            and(
                E::In(Box::new(E::Str("/a/b")), Box::new(E::Param(1))),
                and(
                    E::In(Box::new(E::Var(e, 1)), Box::new(E::Param(2))),
                    eq(un(Op::Host, E::Param(3)), E::Str("example.com")),
                ),
            ),
        )),
    );
    b.effect(
        t,
        None,
        &[(st, bin(Op::Add, E::State(st), un(Op::Len, E::Param(0))))],
    );
    let ch = b.channel("c");
    b.out_rule(ch, 2, V::Allow, None);
    b.redact(ch, 3, "[0-9]+", "#", None);
    b.redact(ch, 4, "#", "<n>", None);
    b.redact(
        ch,
        5,
        "(?i)SECRET",
        "***",
        Some(bin(Op::Contains, un(Op::Lower, E::Text), E::Str("secret"))),
    );
    let p = Policy::load(&encode(&b.build())).unwrap();
    let mut s = Session::new(&p, &[]).unwrap();
    let tool = p.tool_id("t").unwrap();
    let ps = [Arg::Str("/x"), Arg::Str("/a/./c/../b/")];
    let es = [Arg::Str("a"), Arg::Str("b")];
    let args = [
        Arg::Str("GROSSE STRAßE"),
        Arg::List(&ps),
        Arg::List(&es),
        Arg::Str("https://EXAMPLE.com:8443/"),
    ];
    let c = p.channel_id("c").unwrap();
    let mut out = String::with_capacity(256);
    let ((d1, d2), n) = allocations(|| {
        let d1 = s.decide_call(&Call { tool, args: &args });
        let d2 = s.decide_output(c, "call 555 1234, Secret!", &mut out);
        (d1, d2)
    });
    assert_eq!(n, 0);
    assert!(d1.is_allow(), "{d1:?}");
    assert!(d2.is_allow());
    assert_eq!(out, "call <n> <n>, ***!");
    assert_eq!(s.state(), &[13]);
}

/// A JSON tool call with scalar arguments is read in place: no
/// `serde_json::Value`, no allocation (after the first event, which
/// learns how `serde_json` orders a map's keys).
#[cfg(feature = "json")]
#[test]
fn simple_json_calls_allocate_nothing() {
    let p = Policy::load(&encode(&mail_assistant())).unwrap();
    let mut s = Session::new(&p, &[("env", Arg::Str("prod"))]).unwrap();
    let mut out = String::with_capacity(1024);
    let ev = r#"{"tool": "fs.write", "args": {"path": "/tmp/agent/x", "data": "d"}}"#;
    let first = s.decide_json(ev, &mut out).unwrap();
    let (d, n) = allocations(|| s.decide_json(ev, &mut out).unwrap());
    assert_eq!(d.verdict, first.verdict);
    assert_eq!(n, 0, "a simple JSON call allocated {n} times");
}
