//! The validator rejects every class of bad image with its own code.
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use guard_runtime::model::*;
use guard_runtime::op::{Op, MAX_STACK};
use guard_runtime::{LoadError, Policy};

/// An image with one tool `t(s: str, n: int?, u: url)`, one state, one
/// attribute, one label, one regex, one channel; `guard` becomes the
/// guard of a deny rule on `t`.
fn with_guard(code: &[u8]) -> Result<Policy, LoadError> {
    let mut b = base();
    let g = b.raw(code);
    b.img.tools[0].rules.push(Rule {
        id: 1,
        verdict: Verdict::Deny,
        guard: Some(g),
    });
    Policy::from_image(b.build())
}

fn base() -> B {
    let mut b = B::new("v");
    b.tool(
        "t",
        &[
            ("s", ValueType::Str, false),
            ("n", ValueType::Int, true),
            ("u", ValueType::Url, false),
            ("j", ValueType::Json, true),
        ],
    );
    b.channel("c");
    b.state("k", StateKind::Int { lo: 0, hi: 3 }, 0);
    b.attr("a", ValueType::Str);
    b.label("l");
    b.regex("x+");
    b.konst(Const::Int(1));
    b
}

fn code_of(r: Result<Policy, LoadError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

const T: u8 = Op::PushTrue as u8;
const RET: u8 = Op::Ret as u8;

#[test]
fn good_guard_loads() {
    // s == "x" || n > 1  (with a constant string)
    assert_eq!(code_of(with_guard(&[T, RET])), "ok");
    let c = [
        Op::LoadParam as u8,
        0,
        Op::Lower as u8,
        Op::Match as u8,
        0,
        0,
        Op::JumpIfTrue as u8,
        6,
        0,
        Op::LoadParam as u8,
        1,
        Op::PushConst as u8,
        0,
        0,
        Op::Gt as u8,
        RET,
    ];
    assert_eq!(code_of(with_guard(&c)), "ok");
}

#[test]
fn bad_code_is_rejected_with_its_class() {
    let cases: &[(&str, &[u8], &str)] = &[
        ("bad opcode", &[0xee, RET], "E0434"),
        ("truncated operand", &[Op::PushConst as u8, 0], "E0435"),
        ("missing ret", &[T], "E0442"),
        ("missing ret after value", &[T, T, Op::Eq as u8], "E0442"),
        ("stack underflow", &[Op::Not as u8, RET], "E0438"),
        ("two values at ret", &[T, T, RET], "E0443"),
        ("empty at ret", &[RET], "E0443"),
        (
            "int returned from guard",
            &[Op::PushConst as u8, 0, 0, RET],
            "E0443",
        ),
        (
            "type mismatch: not int",
            &[Op::PushConst as u8, 0, 0, Op::Not as u8, RET],
            "E0441",
        ),
        (
            "type mismatch: add bool",
            &[T, T, Op::Add as u8, Op::Not as u8, RET],
            "E0441",
        ),
        (
            "type mismatch: eq str int",
            &[
                Op::LoadParam as u8,
                0,
                Op::LoadParam as u8,
                1,
                Op::Eq as u8,
                RET,
            ],
            "E0441",
        ),
        (
            "type mismatch: in non-list",
            &[T, T, Op::In as u8, RET],
            "E0441",
        ),
        (
            "host of str",
            &[
                Op::LoadParam as u8,
                0,
                Op::Host as u8,
                Op::LoadParam as u8,
                0,
                Op::Eq as u8,
                RET,
            ],
            "E0441",
        ),
        (
            "host of lower(url) is a str",
            &[
                Op::LoadParam as u8,
                2,
                Op::Lower as u8,
                Op::Host as u8,
                Op::LoadParam as u8,
                0,
                Op::Eq as u8,
                RET,
            ],
            "E0441",
        ),
        (
            "json parameter read",
            &[
                Op::LoadParam as u8,
                3,
                Op::LoadParam as u8,
                3,
                Op::Eq as u8,
                RET,
            ],
            "E0441",
        ),
        (
            "const index",
            &[
                Op::PushConst as u8,
                9,
                0,
                Op::PushConst as u8,
                0,
                0,
                Op::Eq as u8,
                RET,
            ],
            "E0430",
        ),
        ("param index", &[Op::HasParam as u8, 4, RET], "E0430"),
        (
            "state index",
            &[Op::LoadState as u8, 1, 0, Op::Not as u8, RET],
            "E0430",
        ),
        ("attr index", &[Op::LoadAttr as u8, 1, 0, RET], "E0430"),
        (
            "regex index",
            &[Op::LoadParam as u8, 0, Op::Match as u8, 1, 0, RET],
            "E0430",
        ),
        ("label bit", &[Op::CtxHas as u8, 1, RET], "E0430"),
        ("label bit 200", &[Op::CtxHas as u8, 200, RET], "E0430"),
        (
            "text in tool code",
            &[Op::LoadText as u8, Op::LoadText as u8, Op::Eq as u8, RET],
            "E0444",
        ),
        // Jumps: into an operand, past the block's last instruction.
        (
            "jump into an instruction",
            &[
                T,
                Op::JumpIfFalse as u8,
                1,
                0,
                Op::PushConst as u8,
                0,
                0,
                Op::Not as u8,
                RET,
            ],
            "E0436",
        ),
        (
            "jump past the end",
            &[T, Op::JumpIfFalse as u8, 1, 0, RET],
            "E0436",
        ),
        (
            "jump far past the end",
            &[T, Op::JumpIfFalse as u8, 0xff, 0xff, RET],
            "E0436",
        ),
        (
            "jump on a non-bool",
            &[Op::PushConst as u8, 0, 0, Op::JumpIfFalse as u8, 0, 0, RET],
            "E0441",
        ),
        // Two paths reach `ret` with different stacks.
        (
            "merge ok",
            &[T, T, Op::JumpIfTrue as u8, 1, 0, T, Op::Eq as u8, RET],
            "ok",
        ),
        (
            "merge mismatch",
            &[
                T,
                T,
                Op::JumpIfTrue as u8,
                1,
                0,
                Op::Not as u8,
                Op::Eq as u8,
                RET,
            ],
            "E0440",
        ),
        (
            "merge mismatch at ret",
            &[T, T, Op::JumpIfTrue as u8, 1, 0, Op::Not as u8, RET],
            "E0440",
        ),
        ("unreachable code", &[T, RET, T, RET], "E0437"),
    ];
    for (what, code, want) in cases {
        assert_eq!(code_of(with_guard(code)), *want, "{what}");
    }
}

#[test]
fn backward_jumps_cannot_be_written() {
    // Offsets are unsigned and relative to the end of the jump: the
    // nearest target is the next instruction (where the two paths then
    // disagree about the stack). The largest offset lands past the block.
    let c = [T, Op::JumpIfTrue as u8, 0, 0, RET];
    assert_eq!(code_of(with_guard(&c)), "E0440");
    let c = [T, Op::JumpIfTrue as u8, 1, 0, T, RET];
    assert_eq!(code_of(with_guard(&c)), "ok");
    let c = [T, Op::JumpIfTrue as u8, 0xfe, 0xff, RET];
    assert_eq!(code_of(with_guard(&c)), "E0436");
}

#[test]
fn stack_depth_is_bounded() {
    let mut c = vec![T; MAX_STACK];
    c.extend(vec![Op::Eq as u8; MAX_STACK - 1]);
    c.push(RET);
    assert_eq!(code_of(with_guard(&c)), "ok");
    let mut c = vec![T; MAX_STACK + 1];
    c.extend(vec![Op::Eq as u8; MAX_STACK]);
    c.push(RET);
    assert_eq!(code_of(with_guard(&c)), "E0439");
}

#[test]
fn blocks_out_of_bounds() {
    let mut b = base();
    b.img.code = vec![T, RET];
    for (start, len) in [(0, 0), (1, 2), (u32::MAX, 2), (0, u32::MAX)] {
        let mut img = b.img.clone();
        img.tools[0].rules.push(Rule {
            id: 1,
            verdict: Verdict::Allow,
            guard: Some(CodeRef { start, len }),
        });
        assert_eq!(code_of(Policy::from_image(img)), "E0433", "{start}+{len}");
    }
}

#[test]
fn channel_code_reads_text_not_parameters() {
    let mut b = base();
    let g = b.raw(&[
        Op::LoadText as u8,
        Op::Len as u8,
        Op::PushConst as u8,
        0,
        0,
        Op::Gt as u8,
        RET,
    ]);
    b.img.channels[0].rules.push(Rule {
        id: 1,
        verdict: Verdict::Allow,
        guard: Some(g),
    });
    assert_eq!(code_of(Policy::from_image(b.img.clone())), "ok");
    let g = b.raw(&[Op::HasParam as u8, 0, RET]);
    b.img.channels[0].rules.push(Rule {
        id: 2,
        verdict: Verdict::Allow,
        guard: Some(g),
    });
    assert_eq!(code_of(Policy::from_image(b.img)), "E0444");
}

#[test]
fn assignments_return_the_state_kind() {
    let mut b = base();
    let v = b.raw(&[Op::PushConst as u8, 0, 0, RET]);
    b.img.tools[0].effects.push(Effect {
        guard: None,
        assigns: vec![Assign { state: 0, value: v }],
    });
    assert_eq!(code_of(Policy::from_image(b.img.clone())), "ok");
    let bad = b.raw(&[T, RET]);
    let mut img = b.img.clone();
    img.tools[0].effects[0].assigns[0].value = bad;
    assert_eq!(code_of(Policy::from_image(img)), "E0443");
    let mut img = b.img.clone();
    img.tools[0].effects[0].assigns[0].state = 7;
    assert_eq!(code_of(Policy::from_image(img)), "E0430");
}

#[test]
fn tables_are_checked() {
    let ok = base().build();
    assert_eq!(code_of(Policy::from_image(ok.clone())), "ok");
    let check = |f: &dyn Fn(&mut Image), want: &str| {
        let mut img = ok.clone();
        f(&mut img);
        assert_eq!(code_of(Policy::from_image(img)), want);
    };
    check(&|i| i.name = StrId(999), "E0430");
    check(&|i| i.labels = vec![StrId(0); 65], "E0431");
    check(&|i| i.labels = (0..64).map(|_| StrId(0)).collect(), "E0432");
    check(
        &|i| {
            let name = i.tools[0].params[0].name;
            i.tools[0].params.push(Param {
                name,
                ty: ValueType::Int,
                optional: false,
            })
        },
        "E0432",
    );
    check(&|i| i.tools.push(i.tools[0].clone()), "E0432");
    check(&|i| i.tools[0].result_labels = 2, "E0430");
    check(
        &|i| {
            i.tools[0].params[0].ty =
                ValueType::List(Box::new(ValueType::List(Box::new(ValueType::Int))))
        },
        "E0447",
    );
    check(&|i| i.tools[0].params[0].ty = ValueType::Enum(3), "E0430");
    check(&|i| i.attrs[0].ty = ValueType::Json, "E0447");
    check(&|i| i.attrs[0].ty = ValueType::IntRange(5, 1), "E0447");
    check(&|i| i.states[0].init = 4, "E0446");
    check(
        &|i| i.states[0].kind = StateKind::Int { lo: 2, hi: 1 },
        "E0446",
    );
    check(&|i| i.states[0].kind = StateKind::Bool, "ok");
    check(
        &|i| {
            i.states[0].kind = StateKind::Bool;
            i.states[0].init = 2
        },
        "E0446",
    );
    check(&|i| i.enums.push(vec![]), "E0447");
    check(&|i| i.enums.push(vec![StrId(0), StrId(0)]), "E0432");
    check(&|i| i.consts.push(Const::List(vec![1])), "E0445");
    check(
        &|i| {
            i.consts.push(Const::Bool(true));
            i.consts.push(Const::List(vec![0, 1]))
        },
        "E0445",
    );
    check(
        &|i| {
            i.consts.push(Const::List(vec![]));
            i.consts.push(Const::List(vec![1]))
        },
        "E0445",
    );
    check(
        &|i| i.consts.push(Const::Enum { e: 0, variant: 0 }),
        "E0430",
    );
    check(&|i| i.regexes.push(StrId(999)), "E0430");
    check(
        &|i| {
            let s = i.strings.len() as u32;
            i.strings.push("(unclosed".into());
            i.regexes.push(StrId(s));
            i.channels[0].redactions.push(Redaction {
                id: 1,
                regex: 1,
                replacement: StrId(0),
                guard: None,
            })
        },
        "E0448",
    );
    check(
        &|i| {
            i.channels[0].redactions.push(Redaction {
                id: 1,
                regex: 5,
                replacement: StrId(0),
                guard: None,
            })
        },
        "E0430",
    );
    check(
        &|i| {
            i.tools[0].rules.push(Rule {
                id: 1,
                verdict: Verdict::Escalate(0),
                guard: None,
            })
        },
        "E0430",
    );
    check(
        &|i| {
            i.gates = (0..65)
                .map(|k| Gate {
                    name: StrId(k),
                    approvers: vec![],
                    timeout_ms: None,
                })
                .collect()
        },
        "E0431",
    );
    check(
        &|i| {
            i.debug = Some(Debug {
                files: vec![],
                rules: vec![RuleDebug {
                    id: 1,
                    file: 0,
                    line: 1,
                    col: 1,
                    start: 0,
                    end: 1,
                    because: None,
                }],
            })
        },
        "E0430",
    );
}

#[test]
fn errors_display_with_location() {
    let e = with_guard(&[T, Op::JumpIfFalse as u8, 1, 0, RET])
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "E0436: bad jump target in tool #0 (code offset 0x0001)"
    );
    assert_eq!(e.offset(), Some(1));
}

/// A whole-value table for `x+` over two classes (`x`, everything else):
/// state 1 starts, state 2 has read at least one `x` and matches.
fn x_plus_table() -> CharDfa {
    CharDfa {
        start: 1,
        classes: 2,
        ranges: vec![(0, 1), (u32::from('x'), 0), (u32::from('y'), 1)],
        next: vec![0, 0, 2, 0, 2, 0],
        matched: vec![false, false, true],
    }
}

/// `base()` with `x+` matched by a rule on `t`, carried as `table`.
fn with_table(table: CharDfa) -> Result<Policy, LoadError> {
    let mut b = base();
    let g = b.raw(&[Op::LoadParam as u8, 0, Op::Match as u8, 0, 0, Op::Ret as u8]);
    b.img.tools[0].rules.push(Rule {
        id: 1,
        verdict: Verdict::Deny,
        guard: Some(g),
    });
    let mut img = b.build();
    img.regex_tables = vec![RegexTables {
        whole: Some(table),
        search: None,
    }];
    Policy::from_image(img)
}

#[test]
fn regex_tables_are_checked_before_they_are_trusted() {
    assert_eq!(code_of(with_table(x_plus_table())), "ok");
    type Spoil = fn(&mut CharDfa);
    let bad: Vec<(&str, Spoil)> = vec![
        ("a transition past the last state", |t| t.next[2] = 3),
        ("a start past the last state", |t| t.start = 3),
        ("a live state 0", |t| t.next[1] = 2),
        ("a matching state 0", |t| t.matched[0] = true),
        ("ranges not from U+0000", |t| t.ranges[0].0 = 1),
        ("ranges out of order", |t| t.ranges.swap(1, 2)),
        ("a class out of range", |t| t.ranges[1].1 = 2),
        ("a range past U+10FFFF", |t| t.ranges.push((0x11_0000, 0))),
        ("too few transitions", |t| {
            t.next.pop();
        }),
        ("no classes", |t| t.classes = 0),
    ];
    for (what, spoil) in bad {
        let mut t = x_plus_table();
        spoil(&mut t);
        assert_eq!(code_of(with_table(t)), "E0448", "{what}");
    }
    // One entry per regex, or none at all.
    let mut img = base().build();
    img.regex_tables = vec![RegexTables::default(); 2];
    assert_eq!(code_of(Policy::from_image(img)), "E0448");
}
