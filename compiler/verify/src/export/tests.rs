//! Tests of the exports' own parts: reading z3 terms back, the SMT-LIB
//! printer, and the Promela folding that fits 64-bit models into SPIN's
//! 32 bits. That the exports mean what guardc checks is tested end to end
//! by `tests/tests/cross_check.rs`, with the real tools.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guard_ir::AssertKind;
use z3::ast::{Ast, Bool, Int};

use super::system::{Role, Step, System, Var};
use super::term::{self, Op, T};
use super::*;

use crate::testing::program;

/// One integer variable `x` in `lo..=hi`, one event with these terms.
fn system(lo: i64, hi: i64, exec: T, next: T) -> System {
    System {
        header: Vec::new(),
        kind: AssertKind::Never,
        vars: vec![Var {
            name: "s_x".into(),
            about: "state x".into(),
            role: Role::State(lo),
            domain: Some((lo, hi)),
        }],
        init: T::Bool(true),
        steps: vec![Step {
            label: "t()".into(),
            args: 0,
            exec,
            next: vec![next],
            done: T::Bool(false),
        }],
    }
}

fn x() -> T {
    T::Var(0)
}

fn app(op: Op, args: Vec<T>) -> T {
    T::App(op, args)
}

#[test]
fn z3_terms_read_back_by_operator_name() {
    let a = Int::new_const("guard!export!0");
    let b = Bool::new_const("guard!export!1");
    let t = b
        .ite(&Int::add(&[a.clone(), Int::from_i64(-7)]), &a)
        .le(Int::from_i64(i64::MAX));
    let var = |n: &str| -> Option<T> {
        let i: usize = n.strip_prefix("guard!export!")?.parse().ok()?;
        Some(T::Var(i))
    };
    let read = term::from_z3(&t, &var).unwrap();
    let smt = term::smt(&read, &|t| match t {
        T::Var(0) => "a".into(),
        _ => "b".into(),
    });
    assert_eq!(smt, "(<= (ite b (+ a (- 7)) a) 9223372036854775807)");
    // Simplified terms use the same names.
    let simple = term::from_z3(&t.simplify(), &var).unwrap();
    assert!(matches!(simple, T::App(..) | T::Bool(_)), "{simple:?}");
    // A constant the caller does not know is refused.
    let err = term::from_z3(&Int::new_const("other").gt(Int::from_i64(0)), &var).unwrap_err();
    assert!(err.contains("unknown constant"), "{err}");
}

#[test]
fn smt_writes_no_empty_or_unary_connectives() {
    let name = |_: &T| "v".to_string();
    assert_eq!(term::smt(&app(Op::And, vec![]), &name), "true");
    assert_eq!(term::smt(&app(Op::Or, vec![]), &name), "false");
    assert_eq!(term::smt(&app(Op::Or, vec![T::Var(0)]), &name), "v");
    assert_eq!(term::smt(&T::Int(-3), &name), "(- 3)");
}

#[test]
fn identifiers_are_safe_in_both_languages() {
    assert_eq!(term::ident("s_mail.sends"), "s_mail_sends");
    assert_eq!(term::ident("1x"), "_1x");
    assert_eq!(term::ident(""), "_");
}

#[test]
fn promela_folds_comparisons_the_domains_decide() {
    let k = i128::from(i64::MAX);
    // x + MAX <= 10 never holds for x in 0..10: the event never executes.
    let exec = app(Op::Le, vec![app(Op::Add, vec![x(), T::Int(k)]), T::Int(10)]);
    let text = promela::model(&system(0, 10, exec, x())).unwrap();
    assert!(!text.contains("9223372036854775807"), "{text}");
    assert!(!text.contains(":: d_step"), "{text}");
    // x + (MAX - 5) > MAX is x > 5: normalised into 32 bits.
    let exec = app(
        Op::Gt,
        vec![app(Op::Add, vec![x(), T::Int(k - 5)]), T::Int(k)],
    );
    let text = promela::model(&system(0, 10, exec, x())).unwrap();
    assert!(text.contains("((s_x) > 5)"), "{text}");
}

#[test]
fn promela_drops_next_values_outside_the_domain() {
    let k = i128::from(i64::MAX);
    let h = app(Op::Eq, vec![x(), T::Int(3)]);
    // exec guarantees the next value lies in 0..10, so `x + MAX` is never
    // the one taken.
    let next = app(
        Op::Ite,
        vec![h.clone(), app(Op::Add, vec![x(), T::Int(k)]), x()],
    );
    let next = app(Op::Add, vec![next, T::Int(1)]);
    let text = promela::model(&system(0, 10, T::Bool(true), next)).unwrap();
    assert!(text.contains("next_s_x = (s_x + 1);"), "{text}");
}

#[test]
fn promela_refuses_what_does_not_fit_32_bits() {
    let big = app(Op::Ge, vec![app(Op::Add, vec![x(), x()]), T::Int(3)]);
    assert!(promela::model(&system(0, i64::from(i32::MAX), big, x())).is_err());
    assert!(promela::model(&system(0, i64::MAX, T::Bool(true), x())).is_err());
}

#[test]
fn every_format_is_written_for_a_small_policy() {
    let p = program(
        "policy q;\ntool mail.send(to: str, n: int);\nstate sends: int[0..3] = 0;\n\
         allow mail.send when n > 0;\ndeny mail.send when sends >= 3;\n\
         on mail.send { sends = sends + 1; }\n\
         assert quota: never mail.send when sends >= 3;\n\
         assert many: possible mail.send ~> mail.send when n > 100;\n",
    );
    for format in [Format::Horn, Format::Smt2, Format::Pml] {
        let out = emit(&p, format, Options::default()).unwrap();
        assert_eq!(out.len(), 2);
        for e in out {
            let text = e.text.unwrap();
            assert!(text.contains(&format!("assertion `{}`", e.assertion)));
            match format {
                Format::Horn => assert!(text.contains("(set-logic HORN)")),
                Format::Smt2 => assert!(text.contains("(set-logic QF_LIA)")),
                Format::Pml => assert!(text.contains("active proctype")),
            }
        }
    }
}
