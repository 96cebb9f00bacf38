//! Decision semantics (language.md §6, docs/language.md §8–§10) on
//! hand-built images.
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::b as bx;
use common::*;
use guard_runtime::model::{Const, StateKind, ValueType, Verdict as V};
use guard_runtime::op::Op;
use guard_runtime::*;

fn load(img: guard_runtime::model::Image) -> Policy {
    Policy::load(&encode(&img)).unwrap()
}

fn prod(p: &Policy) -> Session<'_> {
    Session::new(p, &[("env", Arg::Str("prod"))]).unwrap()
}

#[test]
fn example_policy_decides_as_the_design_test_says() {
    let p = load(mail_assistant());
    let mut s = prod(&p);
    let d = s.decide_call_named("mail.read", &[("folder", Arg::Str("inbox"))]);
    assert_eq!(d.verdict, Verdict::Allow);
    assert!(d.state_changed);
    assert!(s.has_label("private"));
    let d = s.decide_call_named(
        "http.post",
        &[
            ("url", Arg::Str("https://x.example/")),
            ("body", Arg::Str("")),
        ],
    );
    assert_eq!(d.verdict, Verdict::Escalate(GateSet(1)));
    assert!(d.ticket.is_some());
    let mut out = String::new();
    let d = s.decide_output_named("webhook", "summary", &mut out);
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.rules.as_slice(), &[10]);
    assert!(out.is_empty());
}

#[test]
fn deny_beats_escalate_beats_allow_beats_default() {
    let mut b = B::new("order");
    let t = b.tool("t", &[("n", ValueType::Int, false)]);
    let g = b.gate("g");
    // allow when n >= 1; escalate when n >= 2; deny when n >= 3.
    b.rule(t, 1, V::Allow, Some(bin(Op::Ge, E::Param(0), E::Int(1))));
    b.rule(
        t,
        2,
        V::Escalate(g),
        Some(bin(Op::Ge, E::Param(0), E::Int(2))),
    );
    b.rule(t, 3, V::Deny, Some(bin(Op::Ge, E::Param(0), E::Int(3))));
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let tool = p.tool_id("t").unwrap();
    let call = |s: &mut Session, n| {
        s.decide_call(&Call {
            tool,
            args: &[Arg::Int(n)],
        })
    };
    let d = call(&mut s, 0);
    assert_eq!((d.verdict, d.reason), (Verdict::Deny, Reason::Default));
    let d = call(&mut s, 1);
    assert_eq!((d.verdict, d.reason), (Verdict::Allow, Reason::Rules));
    assert_eq!(d.rules.as_slice(), &[1]);
    let d = call(&mut s, 2);
    assert_eq!(d.verdict, Verdict::Escalate(GateSet(1)));
    assert_eq!(d.rules.as_slice(), &[2]);
    let d = call(&mut s, 3);
    assert_eq!((d.verdict, d.reason), (Verdict::Deny, Reason::Rules));
    assert_eq!(d.rules.as_slice(), &[3]);
}

#[test]
fn default_allow_and_unknown_tool() {
    let mut b = B::new("d");
    b.tool("t", &[]);
    b.img.default_allow = true;
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let d = s.decide_call_named("t", &[]);
    assert_eq!((d.verdict, d.reason), (Verdict::Allow, Reason::Default));
    let d = s.decide_call_named("nope", &[]);
    assert_eq!((d.verdict, d.reason), (Verdict::Deny, Reason::UnknownTool));
    let d = s.decide_call(&Call {
        tool: ToolId(99),
        args: &[],
    });
    assert_eq!(d.reason, Reason::UnknownTool);
    let mut out = String::new();
    let d = s.decide_output(ChannelId(0), "x", &mut out);
    assert_eq!(d.reason, Reason::UnknownTool);
}

#[test]
fn escalation_collects_every_gate() {
    let mut b = B::new("gates");
    let t = b.tool("t", &[]);
    let g1 = b.gate("a");
    let g2 = b.gate("b");
    b.rule(t, 1, V::Escalate(g2), None);
    b.rule(t, 2, V::Escalate(g1), None);
    b.rule(t, 3, V::Allow, None);
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let d = s.decide_call_named("t", &[]);
    assert_eq!(d.verdict, Verdict::Escalate(GateSet(0b11)));
    assert_eq!(d.rules.as_slice(), &[1, 2]);
    let text = d.explain(&p);
    assert!(text.starts_with("escalate to a, b t:"), "{text}");
}

fn arg_policy() -> Policy {
    let mut b = B::new("args");
    let e = b.enumeration(&["low", "high"]);
    let t = b.tool(
        "t",
        &[
            ("s", ValueType::Str, false),
            ("n", ValueType::Int, true),
            ("p", ValueType::Path, true),
            ("u", ValueType::Url, true),
            ("e", ValueType::Enum(e), true),
            ("l", ValueType::List(Box::new(ValueType::Path)), true),
            ("j", ValueType::Json, true),
            ("le", ValueType::List(Box::new(ValueType::Enum(e))), true),
        ],
    );
    b.rule(t, 1, V::Allow, None);
    load(b.build())
}

#[test]
fn bad_arguments_are_denied_before_rules() {
    let p = arg_policy();
    let mut s = Session::new(&p, &[]).unwrap();
    let bad = |d: Decision| match d.reason {
        Reason::BadArgument { param, problem } => (param, problem),
        r => panic!("not a bad argument: {r:?}"),
    };
    use ArgProblem::*;
    let ok = s.decide_call_named("t", &[("s", Arg::Str("x"))]);
    assert_eq!(ok.verdict, Verdict::Allow);
    assert_eq!(bad(s.decide_call_named("t", &[])), (0, Missing));
    assert_eq!(
        bad(s.decide_call_named("t", &[("s", Arg::Int(1))])),
        (0, WrongType)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &[("s", Arg::Str("x")), ("zz", Arg::Int(1))])),
        (1, Undeclared)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &[("s", Arg::Str("x")), ("s", Arg::Str("y"))])),
        (1, Duplicate)
    );
    fn with<'a>(k: &'a str, v: Arg<'a>) -> Vec<(&'a str, Arg<'a>)> {
        vec![("s", Arg::Str("x")), (k, v)]
    }
    assert_eq!(
        bad(s.decide_call_named("t", &with("e", Arg::Str("mid")))),
        (4, NotAVariant)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &with("p", Arg::Str("/../x")))),
        (2, PathAboveRoot)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &with("p", Arg::Str("")))),
        (2, EmptyPath)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &with("u", Arg::Str("not a url")))),
        (3, BadUrl)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &with("n", Arg::Json))),
        (1, WrongType)
    );
    assert_eq!(
        bad(s.decide_call_named("t", &with("n", Arg::Str("1")))),
        (1, WrongType)
    );
    let l = [Arg::Str("/a"), Arg::Int(1)];
    assert_eq!(
        bad(s.decide_call_named("t", &with("l", Arg::List(&l)))),
        (5, WrongType)
    );
    let l = [Arg::Str("/a"), Arg::Str("../x")];
    assert_eq!(
        bad(s.decide_call_named("t", &with("l", Arg::List(&l)))),
        (5, PathAboveRoot)
    );
    let l = [Arg::Str("low"), Arg::Str("nope")];
    assert_eq!(
        bad(s.decide_call_named("t", &with("le", Arg::List(&l)))),
        (7, NotAVariant)
    );
    // Any JSON value fits a json parameter.
    let d = s.decide_call_named("t", &with("j", Arg::Str("anything")));
    assert_eq!(d.verdict, Verdict::Allow);
    // Positional: too many arguments.
    let tool = p.tool_id("t").unwrap();
    let args = [Arg::Str("x"); 9];
    let d = s.decide_call(&Call { tool, args: &args });
    assert_eq!(bad(d), (8, Undeclared));
    let mut args = [Arg::Absent; 10];
    args[0] = Arg::Str("x");
    args[9] = Arg::Int(1);
    assert_eq!(
        bad(s.decide_call(&Call { tool, args: &args })),
        (9, Undeclared)
    );
    // Trailing absent arguments are fine.
    args[9] = Arg::Absent;
    assert_eq!(
        s.decide_call(&Call { tool, args: &args }).verdict,
        Verdict::Allow
    );
    let text = Decision::explain(&s.decide_call_named("t", &with("p", Arg::Str("/.."))), &p);
    assert!(
        text.contains("`p` is a path that climbs above its root"),
        "{text}"
    );
}

#[test]
fn paths_reach_rules_normalised() {
    let mut b = B::new("paths");
    let t = b.tool(
        "fs.write",
        &[
            ("path", ValueType::Path, false),
            ("more", ValueType::List(Box::new(ValueType::Path)), true),
        ],
    );
    b.rule(t, 1, V::Allow, Some(eq(E::Param(0), E::Str("/etc/passwd"))));
    b.rule(
        t,
        2,
        V::Deny,
        Some(and(E::Has(1), E::In(bx(E::Str("/x/y")), bx(E::Param(1))))),
    );
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    for (path, allowed) in [
        ("/etc/passwd", true),
        ("/workspace/app/../../etc/passwd", true),
        ("//etc//./passwd/", true),
        ("/etc/passwd/.", true),
        ("etc/passwd", false),
        ("/etc/passwd2", false),
    ] {
        let d = s.decide_call_named("fs.write", &[("path", Arg::Str(path))]);
        assert_eq!(d.verdict == Verdict::Allow, allowed, "{path}");
    }
    let more = [Arg::Str("/a"), Arg::Str("/x/z/../y/")];
    let d = s.decide_call_named(
        "fs.write",
        &[
            ("path", Arg::Str("/etc/passwd")),
            ("more", Arg::List(&more)),
        ],
    );
    assert_eq!((d.verdict, d.rules.as_slice()), (Verdict::Deny, &[2][..]));
}

#[test]
fn url_functions() {
    let mut b = B::new("urls");
    let t = b.tool("get", &[("url", ValueType::Url, false)]);
    b.rule(
        t,
        1,
        V::Allow,
        Some(and(
            eq(un(Op::Scheme, E::Param(0)), E::Str("https")),
            eq(un(Op::Host, E::Param(0)), E::Str("docs.rs")),
        )),
    );
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    for (u, ok) in [
        ("https://docs.rs/regex", true),
        ("HTTPS://DOCS.RS:443/x", true),
        ("https://user:pw@docs.rs/", true),
        ("https://docs.rs.evil.example/", false),
        ("http://docs.rs/", false),
        ("https://evil.example/@docs.rs", false),
    ] {
        let d = s.decide_call_named("get", &[("url", Arg::Str(u))]);
        assert_eq!(d.verdict == Verdict::Allow, ok, "{u}");
    }
}

#[test]
fn string_functions_and_lists() {
    let mut b = B::new("strings");
    let t = b.tool(
        "t",
        &[
            ("s", ValueType::Str, false),
            ("l", ValueType::List(Box::new(ValueType::Int)), false),
        ],
    );
    let r = b.regex("(?i)draft.*");
    // allow when starts_with(lower(s), "héllo") && len(s) == 7 && 3 in l
    //   && !contains(s, "x") && ends_with(s, "!") && !(s matches "(?i)draft.*")
    //   && len(l) == 2 && l == [3, 4]
    let cond = and(
        and(
            and(
                bin(Op::StartsWith, un(Op::Lower, E::Param(0)), E::Str("héllo")),
                eq(un(Op::Len, E::Param(0)), E::Int(7)),
            ),
            and(
                E::In(bx(E::Int(3)), bx(E::Param(1))),
                not(bin(Op::Contains, E::Param(0), E::Str("x"))),
            ),
        ),
        and(
            and(
                bin(Op::EndsWith, E::Param(0), E::Str("!")),
                not(E::Match(bx(E::Param(0)), r)),
            ),
            and(
                eq(un(Op::Len, E::Param(1)), E::Int(2)),
                eq(E::Param(1), E::IntList(vec![3, 4])),
            ),
        ),
    );
    b.rule(t, 1, V::Allow, Some(cond));
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let l = [Arg::Int(3), Arg::Int(4)];
    let d = s.decide_call_named("t", &[("s", Arg::Str("HÉLLO !")), ("l", Arg::List(&l))]);
    assert_eq!(d.verdict, Verdict::Allow);
    let d = s.decide_call_named("t", &[("s", Arg::Str("HÉLLOx!")), ("l", Arg::List(&l))]);
    assert_eq!(d.verdict, Verdict::Deny);
    let l2 = [Arg::Int(4), Arg::Int(3)];
    let d = s.decide_call_named("t", &[("s", Arg::Str("HÉLLO !")), ("l", Arg::List(&l2))]);
    assert_eq!(d.verdict, Verdict::Deny);
}

#[test]
fn absent_optional_parameter_makes_the_condition_false() {
    let mut b = B::new("opt");
    let t = b.tool(
        "fetch",
        &[
            ("max", ValueType::Int, true),
            ("start", ValueType::Int, true),
        ],
    );
    b.rule(t, 1, V::Allow, None);
    // deny when has(max) && max > 100
    b.rule(
        t,
        2,
        V::Deny,
        Some(and(E::Has(0), bin(Op::Gt, E::Param(0), E::Int(100)))),
    );
    // deny when !has(start) || start < 0
    b.rule(
        t,
        3,
        V::Deny,
        Some(or(not(E::Has(1)), bin(Op::Lt, E::Param(1), E::Int(0)))),
    );
    // deny when max == 7 (reads an absent parameter: never matches then)
    b.rule(t, 4, V::Deny, Some(or(eq(E::Param(0), E::Int(7)), E::T)));
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let d = s.decide_call_named("fetch", &[("start", Arg::Int(0))]);
    assert_eq!(d.verdict, Verdict::Allow, "{d:?}");
    let d = s.decide_call_named("fetch", &[]);
    assert_eq!(d.rules.as_slice(), &[3]);
    let d = s.decide_call_named("fetch", &[("start", Arg::Int(1)), ("max", Arg::Int(1000))]);
    assert_eq!(d.rules.as_slice(), &[2, 4]);
}

#[test]
fn effects_run_in_order_and_out_of_range_denies() {
    let mut b = B::new("refunds");
    let t = b.tool(
        "refund",
        &[
            ("amount", ValueType::Int, false),
            ("note", ValueType::Str, true),
        ],
    );
    let n = b.state("refunds", StateKind::Int { lo: 0, hi: 3 }, 0);
    let total = b.state("total", StateKind::Int { lo: 0, hi: 1000 }, 0);
    let noted = b.state("noted", StateKind::Bool, 0);
    let twice = b.state("twice", StateKind::Int { lo: 0, hi: 100 }, 0);
    b.rule(t, 1, V::Allow, None);
    b.effect(
        t,
        None,
        &[
            (n, bin(Op::Add, E::State(n), E::Int(1))),
            (total, bin(Op::Add, E::State(total), E::Param(0))),
            // Sees the updated `refunds`.
            (twice, bin(Op::Add, E::State(n), E::State(n))),
        ],
    );
    // Condition in the pre-state: runs only while refunds was 0 before.
    b.effect(t, Some(eq(E::State(n), E::Int(0))), &[(noted, E::T)]);
    b.effect(
        t,
        Some(E::Has(1)),
        &[(noted, bin(Op::Gt, un(Op::Len, E::Param(1)), E::Int(0)))],
    );
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let d = s.decide_call_named("refund", &[("amount", Arg::Int(100))]);
    assert!(d.is_allow() && d.state_changed);
    assert_eq!(s.state(), &[1, 100, 1, 2]);
    let d = s.decide_call_named(
        "refund",
        &[("amount", Arg::Int(100)), ("note", Arg::Str(""))],
    );
    assert!(d.is_allow());
    assert_eq!(s.state(), &[2, 200, 0, 4]);
    // total would leave 0..=1000: denied, nothing changes.
    let d = s.decide_call_named("refund", &[("amount", Arg::Int(900))]);
    assert_eq!(d.reason, Reason::StateOutOfRange { state: total });
    assert!(!d.state_changed);
    assert_eq!(s.state(), &[2, 200, 0, 4]);
    s.decide_call_named("refund", &[("amount", Arg::Int(1))]);
    let d = s.decide_call_named("refund", &[("amount", Arg::Int(1))]);
    assert_eq!(d.reason, Reason::StateOutOfRange { state: n });
    assert!(d.explain(&p).contains("`refunds` would leave its range"));
    // Overflow while computing an effect denies.
    let d = s.decide_call_named("refund", &[("amount", Arg::Int(i64::MAX))]);
    assert_eq!(d.reason, Reason::StateOutOfRange { state: n });
}

#[test]
fn overflow_and_absent_parameter_in_assignment_deny() {
    let mut b = B::new("ovf");
    let t = b.tool(
        "t",
        &[("n", ValueType::Int, false), ("m", ValueType::Int, true)],
    );
    let st = b.state(
        "x",
        StateKind::Int {
            lo: i64::MIN,
            hi: i64::MAX,
        },
        0,
    );
    b.rule(t, 1, V::Allow, None);
    b.rule(
        t,
        2,
        V::Deny,
        Some(bin(Op::Gt, bin(Op::Add, E::Param(0), E::Int(1)), E::Int(0))),
    );
    b.effect(t, None, &[(st, E::Param(1))]);
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let d = s.decide_call_named("t", &[("n", Arg::Int(i64::MAX)), ("m", Arg::Int(1))]);
    assert_eq!(d.reason, Reason::Overflow);
    let d = s.decide_call_named("t", &[("n", Arg::Int(-5))]);
    assert_eq!(d.reason, Reason::AbsentParameter { param: 1 });
    let d = s.decide_call_named("t", &[("n", Arg::Int(-5)), ("m", Arg::Int(9))]);
    assert!(d.is_allow());
    assert_eq!(s.state(), &[9]);
}

#[test]
fn labels_join_the_context_after_effects() {
    let mut b = B::new("labels");
    let secret = b.label("secret");
    let read = b.tool("read", &[]);
    let post = b.tool("post", &[]);
    let seen = b.state("seen", StateKind::Bool, 0);
    b.labels(read, 1 << secret);
    b.rule(read, 1, V::Allow, None);
    b.rule(post, 2, V::Allow, None);
    b.rule(post, 3, V::Deny, Some(E::Ctx(secret)));
    // The effect sees the context before the event.
    b.effect(read, None, &[(seen, E::Ctx(secret))]);
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    assert!(s.decide_call_named("post", &[]).is_allow());
    let d = s.decide_call_named("read", &[]);
    assert_eq!(d.labels_added, 1);
    assert_eq!(s.state(), &[0]);
    assert!(s.decide_call_named("post", &[]).is_deny());
    s.decide_call_named("read", &[]);
    assert_eq!(s.state(), &[1]);
}

#[test]
fn tickets_approve_reject_and_redecide() {
    let p = load(mail_assistant());
    let mut s = prod(&p);
    let send = p.tool_id("mail.send").unwrap();
    let args = [Arg::Str("a@b.example"), Arg::Str("hi"), Arg::Str("body")];
    let call = Call {
        tool: send,
        args: &args,
    };
    let d = s.decide_call(&call);
    assert_eq!(d.verdict, Verdict::Escalate(GateSet(0b10)));
    assert!(!d.state_changed);
    assert_eq!(s.state_value("sends"), Some(0));
    let t1 = d.ticket.unwrap();
    // Approving with another call is refused, and keeps the ticket.
    let other = [Arg::Str("x@y.example"), Arg::Str("hi"), Arg::Str("body")];
    let e = s.approve(
        t1,
        &Call {
            tool: send,
            args: &other,
        },
    );
    assert_eq!(e, Err(TicketError::EventMismatch));
    let d = s.approve(t1, &call).unwrap();
    assert_eq!((d.verdict, d.reason), (Verdict::Allow, Reason::Approved));
    assert!(d.state_changed);
    assert_eq!(s.state_value("sends"), Some(1));
    assert_eq!(s.state_value("phase"), Some(1));
    assert_eq!(s.approve(t1, &call), Err(TicketError::UnknownTicket));
    // Reject: nothing happens.
    let t2 = s.decide_call(&call).ticket.unwrap();
    s.reject(t2).unwrap();
    assert_eq!(s.reject(t2), Err(TicketError::UnknownTicket));
    assert_eq!(s.state_value("sends"), Some(1));
    // Re-decided on the current state: four more sends reach the quota,
    // after which an old ticket's approval is denied.
    let old = s.decide_call(&call).ticket.unwrap();
    for _ in 0..4 {
        let t = s.decide_call(&call).ticket.unwrap();
        assert!(s.approve(t, &call).unwrap().is_allow());
    }
    assert_eq!(s.state_value("sends"), Some(5));
    let d = s.approve(old, &call).unwrap();
    assert_eq!((d.verdict, d.rules.as_slice()), (Verdict::Deny, &[7][..]));
    assert_eq!(s.state_value("sends"), Some(5));
}

#[test]
fn approval_for_other_gates_gives_a_new_ticket() {
    let mut b = B::new("regate");
    let read = b.tool("read", &[]);
    let post = b.tool("post", &[]);
    let l = b.label("private");
    b.labels(read, 1 << l);
    let g1 = b.gate("user");
    let g2 = b.gate("secops");
    b.rule(read, 1, V::Allow, None);
    b.rule(post, 2, V::Escalate(g1), None);
    b.rule(post, 3, V::Escalate(g2), Some(E::Ctx(l)));
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let post = Call {
        tool: p.tool_id("post").unwrap(),
        args: &[],
    };
    let t = s.decide_call(&post).ticket.unwrap();
    s.decide_call_named("read", &[]);
    let d = s.approve(t, &post).unwrap();
    assert_eq!(d.verdict, Verdict::Escalate(GateSet(0b11)));
    let t2 = d.ticket.unwrap();
    assert_ne!(t, t2);
    let d = s.approve(t2, &post).unwrap();
    assert_eq!(d.reason, Reason::Approved);
}

#[test]
fn outputs_redact_in_source_order() {
    let mut b = B::new("out");
    let ch = b.channel("chat");
    let n = b.state("outs", StateKind::Int { lo: 0, hi: 2 }, 0);
    b.out_rule(
        ch,
        1,
        V::Allow,
        Some(bin(Op::Le, un(Op::Len, E::Text), E::Int(100))),
    );
    b.redact(ch, 2, "[0-9]{3}-[0-9]{2}-[0-9]{4}", "[ssn]", None);
    // Runs on the rewritten text: sees "[ssn]".
    b.redact(ch, 3, r"\[ssn\]", "<redacted>", None);
    // Its condition is evaluated on the original text.
    b.redact(
        ch,
        4,
        "secret",
        "***",
        Some(bin(Op::Contains, E::Text, E::Str("123-"))),
    );
    b.redact(ch, 5, "never", "!", Some(E::F));
    b.out_effect(ch, None, &[(n, bin(Op::Add, E::State(n), E::Int(1)))]);
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let c = p.channel_id("chat").unwrap();
    let mut out = String::new();
    let d = s.decide_output(c, "ssn 123-45-6789, a secret", &mut out);
    assert!(d.is_allow());
    assert_eq!(out, "ssn <redacted>, a ***");
    assert_eq!(d.redactions.as_slice(), &[2, 3, 4]);
    let d = s.decide_output(c, "nothing here", &mut out);
    assert_eq!(out, "nothing here");
    assert!(d.redactions.is_empty());
    // The third output would overflow `outs`: denied, no text.
    let d = s.decide_output(c, "x 123-45-6789", &mut out);
    assert_eq!(d.reason, Reason::StateOutOfRange { state: n });
    assert_eq!(out, "");
    let long = "y".repeat(101);
    let d = s.decide_output(c, &long, &mut out);
    assert_eq!(d.reason, Reason::Default);
}

#[test]
fn attributes_missing_wrong_and_read() {
    let mut b = B::new("attrs");
    let e = b.enumeration(&["dev", "prod"]);
    let t = b.tool("t", &[]);
    let env = b.attr("env", ValueType::Enum(e));
    let limit = b.attr("limit", ValueType::IntRange(0, 10));
    let _unused = b.attr("unused", ValueType::Str);
    let hosts = b.attr("hosts", ValueType::List(Box::new(ValueType::Str)));
    b.rule(
        t,
        1,
        V::Allow,
        Some(and(
            eq(E::Attr(env), E::Var(e, 0)),
            bin(Op::Lt, E::Attr(limit), E::Int(5)),
        )),
    );
    b.rule(
        t,
        2,
        V::Deny,
        Some(E::In(bx(E::Str("evil")), bx(E::Attr(hosts)))),
    );
    let p = load(b.build());
    let hl = [Arg::Str("a"), Arg::Str("evil")];
    let mut s = Session::new(
        &p,
        &[
            ("env", Arg::Str("dev")),
            ("limit", Arg::Int(3)),
            ("hosts", Arg::List(&[])),
        ],
    )
    .unwrap();
    assert!(s.decide_call_named("t", &[]).is_allow());
    let mut s = Session::new(
        &p,
        &[
            ("env", Arg::Str("dev")),
            ("limit", Arg::Int(3)),
            ("hosts", Arg::List(&hl)),
        ],
    )
    .unwrap();
    assert!(s.decide_call_named("t", &[]).is_deny());
    // `unused` may be missing; `limit` may not.
    let mut s = Session::new(&p, &[("env", Arg::Str("dev")), ("hosts", Arg::List(&[]))]).unwrap();
    let d = s.decide_call_named("t", &[]);
    assert_eq!(d.reason, Reason::MissingAttribute { attr: limit });
    assert!(d.explain(&p).contains("missing attribute `limit`"));
    let err = |a: &[(&str, Arg)]| Session::new(&p, a).err().unwrap().code();
    assert_eq!(err(&[("nope", Arg::Int(1))]), "E0450");
    assert_eq!(
        err(&[("env", Arg::Str("dev")), ("env", Arg::Str("dev"))]),
        "E0451"
    );
    assert_eq!(err(&[("env", Arg::Str("staging"))]), "E0452");
    assert_eq!(err(&[("limit", Arg::Int(11))]), "E0452");
}

#[test]
fn snapshot_round_trip_and_foreign_snapshots() {
    let p = load(mail_assistant());
    let mut s = prod(&p);
    let send = p.tool_id("mail.send").unwrap();
    let args = [Arg::Str("a"), Arg::Str("b"), Arg::Str("c")];
    let call = Call {
        tool: send,
        args: &args,
    };
    s.decide_call_named("mail.read", &[("folder", Arg::Str("x"))]);
    let t = s.decide_call(&call).ticket.unwrap();
    s.approve(t, &call).unwrap();
    let pending = s.decide_call(&call).ticket.unwrap();
    let snap = s.snapshot();
    assert!(snap.len() < 100, "{} bytes", snap.len());
    let mut r = Session::restore(&p, &[("env", Arg::Str("prod"))], &snap).unwrap();
    assert_eq!(r.state(), s.state());
    assert_eq!(r.context(), s.context());
    assert_eq!(r.snapshot(), snap);
    // The pending ticket survives the move.
    assert!(r.approve(pending, &call).unwrap().is_allow());
    assert_eq!(r.state_value("sends"), Some(2));
    // Another image's snapshot is refused.
    let mut other = mail_assistant();
    other.default_allow = true;
    let q = load(other);
    let e = Session::restore(&q, &[("env", Arg::Str("prod"))], &snap)
        .err()
        .unwrap();
    assert_eq!(e.code(), "E0454");
    // Corruption anywhere is refused.
    for i in 0..snap.len() {
        let mut c = snap.clone();
        c[i] ^= 0x40;
        assert!(
            Session::restore(&p, &[("env", Arg::Str("prod"))], &c).is_err(),
            "byte {i}"
        );
    }
    for n in 0..snap.len() {
        assert!(Session::restore(&p, &[("env", Arg::Str("prod"))], &snap[..n]).is_err());
    }
}

#[test]
fn explanations_name_rules_and_reasons() {
    let p = load(mail_assistant());
    let mut s = prod(&p);
    s.decide_call_named("mail.read", &[("folder", Arg::Str("x"))]);
    let d = s.decide_call_named(
        "http.post",
        &[
            ("url", Arg::Str("https://x.example/")),
            ("body", Arg::Str("")),
        ],
    );
    let text = d.explain(&p);
    assert!(
        text.contains("escalate to security_review http.post"),
        "{text}"
    );
    assert!(
        text.contains(
            "rule r4 at main.guard:22:1 because \"private mail must not leave without review\""
        ),
        "{text}"
    );
    assert!(text.contains("ticket 1"), "{text}");
}

#[test]
fn value_too_long_fails_closed() {
    let mut b = B::new("long");
    let t = b.tool(
        "t",
        &[("s", ValueType::Str, false), ("p", ValueType::Path, true)],
    );
    b.rule(
        t,
        1,
        V::Allow,
        Some(not(bin(
            Op::Contains,
            un(Op::Lower, E::Param(0)),
            E::Str("secret"),
        ))),
    );
    let p = load(b.build());
    let limits = Limits {
        scratch_bytes: 16,
        path_bytes: 8,
        ..Limits::default()
    };
    let mut s = Session::with_limits(&p, &[], limits).unwrap();
    assert!(s
        .decide_call_named("t", &[("s", Arg::Str("Short"))])
        .is_allow());
    let d = s.decide_call_named("t", &[("s", Arg::Str("A MUCH LONGER TEXT"))]);
    assert_eq!(d.reason, Reason::ValueTooLong);
    // Paths already normal are not copied; others must fit.
    let d = s.decide_call_named(
        "t",
        &[("s", Arg::Str("a")), ("p", Arg::Str("/a/very/long/path"))],
    );
    assert!(d.is_allow());
    let d = s.decide_call_named(
        "t",
        &[("s", Arg::Str("a")), ("p", Arg::Str("/a/very/long/path/"))],
    );
    assert_eq!(d.reason, Reason::ValueTooLong);
}

#[test]
fn enum_and_const_bool_lists() {
    let mut b = B::new("enums");
    let e = b.enumeration(&["a", "b", "c"]);
    let t = b.tool(
        "t",
        &[
            ("k", ValueType::Enum(e), false),
            ("ks", ValueType::List(Box::new(ValueType::Enum(e))), false),
            ("f", ValueType::List(Box::new(ValueType::Bool)), false),
        ],
    );
    let st = b.state("last", StateKind::Enum(e), 2);
    let tb = b.konst(Const::Bool(true));
    let bl = b.konst(Const::List(vec![tb]));
    b.rule(
        t,
        1,
        V::Allow,
        Some(and(
            E::In(bx(E::Param(0)), bx(E::Param(1))),
            eq(E::State(st), E::Var(e, 2)),
        )),
    );
    let mut code = vec![Op::LoadParam as u8, 2, Op::PushConst as u8];
    code.extend(bl.to_le_bytes());
    code.extend([Op::Eq as u8, Op::Ret as u8]);
    let g = b.raw(&code);
    b.img.tools[t].rules.push(guard_runtime::model::Rule {
        id: 2,
        verdict: V::Deny,
        guard: Some(g),
    });
    b.effect(t, None, &[(st, E::Param(0))]);
    let p = load(b.build());
    let mut s = Session::new(&p, &[]).unwrap();
    let ks = [Arg::Str("a"), Arg::Str("b")];
    let f = [Arg::Bool(false)];
    let d = s.decide_call_named(
        "t",
        &[
            ("k", Arg::Str("b")),
            ("ks", Arg::List(&ks)),
            ("f", Arg::List(&f)),
        ],
    );
    assert!(d.is_allow(), "{d:?}");
    assert_eq!(s.state(), &[1]);
    let d = s.decide_call_named(
        "t",
        &[
            ("k", Arg::Str("b")),
            ("ks", Arg::List(&ks)),
            ("f", Arg::List(&f)),
        ],
    );
    assert_eq!(d.reason, Reason::Default);
    let f = [Arg::Bool(true)];
    let d = s.decide_call_named(
        "t",
        &[
            ("k", Arg::Str("c")),
            ("ks", Arg::List(&ks)),
            ("f", Arg::List(&f)),
        ],
    );
    assert_eq!(d.rules.as_slice(), &[2]);
}

/// A URL the host parsed (`Arg::Url`) decides exactly as its text does,
/// and a call escalated with one form is approved with the other.
#[test]
fn pre_parsed_urls_are_their_text() {
    assert!(Url::parse("https://x..example/").is_none());
    assert!(Url::parse("not a url").is_none());
    let u = Url::parse("https://User@X.Example:8443/p?q").unwrap();
    assert_eq!(u.host_raw(), "X.Example");
    assert_eq!(u.as_str(), "https://User@X.Example:8443/p?q");

    let p = load(mail_assistant());
    let post = p.tool_id("http.post").unwrap();
    for (first, then) in [(true, false), (false, true)] {
        let mut s = prod(&p);
        s.decide_call_named("mail.read", &[("folder", Arg::Str("inbox"))]);
        let text = "https://x.example/";
        let arg = |parsed: bool| {
            if parsed {
                Arg::Url(Url::parse(text).unwrap())
            } else {
                Arg::Str(text)
            }
        };
        let a = [arg(first), Arg::Str("")];
        let d = s.decide_call(&Call {
            tool: post,
            args: &a,
        });
        assert_eq!(d.verdict, Verdict::Escalate(GateSet(1)));
        let b = [arg(then), Arg::Str("")];
        let d = s
            .approve(
                d.ticket.unwrap(),
                &Call {
                    tool: post,
                    args: &b,
                },
            )
            .unwrap();
        assert_eq!(d.verdict, Verdict::Allow, "{first} {then}");
    }
    // Where a string goes, a URL is its text: `body` is a `str`.
    let mut s = prod(&p);
    let body = Url::parse("https://y.example/").unwrap();
    let a = [Arg::Str("https://x.example/"), Arg::Url(body)];
    let b = [Arg::Str("https://x.example/"), Arg::Str(body.as_str())];
    let mut t = prod(&p);
    let (d, e) = (
        s.decide_call(&Call {
            tool: post,
            args: &a,
        }),
        t.decide_call(&Call {
            tool: post,
            args: &b,
        }),
    );
    assert_eq!(
        (d.verdict, d.rules, d.reason),
        (e.verdict, e.rules, e.reason)
    );
}

/// Beyond `Limits::tickets` pending tickets, the oldest is dropped (and can
/// no longer be approved); the rest stay, oldest first, through a snapshot.
#[test]
fn the_oldest_ticket_is_dropped_beyond_the_limit() {
    let p = load(mail_assistant());
    let limits = Limits {
        tickets: 2,
        ..Limits::default()
    };
    let mut s = Session::with_limits(&p, &[("env", Arg::Str("prod"))], limits).unwrap();
    s.decide_call_named("mail.read", &[("folder", Arg::Str("inbox"))]);
    let post = p.tool_id("http.post").unwrap();
    let urls = [
        "https://a.example/",
        "https://b.example/",
        "https://c.example/",
    ];
    let mut tickets = Vec::new();
    for u in urls {
        let d = s.decide_call(&Call {
            tool: post,
            args: &[Arg::Str(u), Arg::Str("")],
        });
        assert_eq!(d.verdict, Verdict::Escalate(GateSet(1)));
        tickets.push(d.ticket.unwrap());
    }
    assert_eq!(s.pending_tickets().collect::<Vec<_>>(), &tickets[1..]);
    let first = Call {
        tool: post,
        args: &[Arg::Str(urls[0]), Arg::Str("")],
    };
    assert_eq!(
        s.approve(tickets[0], &first),
        Err(TicketError::UnknownTicket)
    );

    let bytes = s.snapshot();
    let mut r =
        Session::restore_with_limits(&p, &[("env", Arg::Str("prod"))], &bytes, limits).unwrap();
    assert_eq!(r.pending_tickets().collect::<Vec<_>>(), &tickets[1..]);
    let last = Call {
        tool: post,
        args: &[Arg::Str(urls[2]), Arg::Str("")],
    };
    assert_eq!(
        r.approve(tickets[2], &last).unwrap().verdict,
        Verdict::Allow
    );
    // A session with room for fewer tickets than the snapshot holds
    // refuses it rather than drop some silently.
    let one = Limits {
        tickets: 1,
        ..Limits::default()
    };
    assert!(Session::restore_with_limits(&p, &[("env", Arg::Str("prod"))], &bytes, one).is_err());
}
