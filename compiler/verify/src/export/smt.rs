//! The SMT-LIB exports: `horn` (the clauses Spacer solves) and `smt2`
//! (bounded reachability). Both are plain SMT-LIB 2.6 that the z3 and
//! cvc5 command-line tools read; every variable of the system is an `Int`
//! or a `Bool`, and one comment line names what it is in the policy.

use std::fmt::Write;

use super::system::System;
use super::term::{self, T};

/// The sort of variable `v`.
fn sort(sys: &System, v: usize) -> &'static str {
    if sys.is_int(v) {
        "Int"
    } else {
        "Bool"
    }
}

/// `f` applied to `args`; a nullary application is the bare symbol.
fn app(f: &str, args: &[String]) -> String {
    if args.is_empty() {
        f.to_string()
    } else {
        format!("({f} {})", args.join(" "))
    }
}

/// The opening comment: what the file is and how to read the verdict.
fn header(sys: &System, what: &str, sat: &str, unsat: &str) -> String {
    let mut out = format!("; guardc prove --emit {what}\n");
    for line in &sys.header {
        let _ = writeln!(out, "; {}", super::comment(line));
    }
    let _ = writeln!(out, "; sat: {sat}\n; unsat: {unsat}\n;");
    for v in &sys.vars {
        let _ = writeln!(out, ";   {}: {}", v.name, super::comment(&v.about));
    }
    out
}

/// The CHC system: `inv` over the variables contains the initial states,
/// is closed under every event that executes, and excludes every event
/// that completes the pattern. `sat` iff the pattern is unreachable.
pub fn horn(sys: &System) -> String {
    let (reach, unreach) = sys.meaning();
    let mut out = header(
        sys,
        "horn",
        &format!("no execution contains the pattern (the assertion is {unreach})"),
        &format!("some execution contains the pattern (the assertion is {reach})"),
    );
    let names: Vec<String> = sys.vars.iter().map(|v| v.name.clone()).collect();
    let name = |t: &T| leaf(&names, t);
    let sorts: Vec<&str> = (0..sys.vars.len()).map(|v| sort(sys, v)).collect();
    let bound: Vec<String> = names
        .iter()
        .zip(&sorts)
        .map(|(n, s)| format!("({n} {s})"))
        .collect();
    // Over the variables and the event's arguments; SMT-LIB has no
    // `forall` over nothing.
    let forall = |args: usize, body: String| -> String {
        let mut all = bound.clone();
        all.extend((0..args).map(|j| format!("(arg{j} Int)")));
        if all.is_empty() {
            body
        } else {
            format!("(forall ({}) {body})", all.join(" "))
        }
    };
    let inv = |args: &[String]| app("inv", args);
    let now = inv(&names);
    let _ = writeln!(out, "(set-logic HORN)");
    let _ = writeln!(out, "(declare-fun inv ({}) Bool)", sorts.join(" "));
    let _ = writeln!(out, "; the initial states");
    let _ = writeln!(
        out,
        "(assert {})",
        forall(0, format!("(=> {} {now})", term::smt(&sys.init, &name)))
    );
    for (i, st) in sys.steps.iter().enumerate() {
        let exec = term::smt(&st.exec, &name);
        let next: Vec<String> = st.next.iter().map(|t| term::smt(t, &name)).collect();
        let _ = writeln!(out, "; event {i}: {}", super::comment(&st.label));
        let _ = writeln!(
            out,
            "(assert {})",
            forall(st.args, format!("(=> (and {now} {exec}) {})", inv(&next)))
        );
        if st.done != T::Bool(false) {
            let done = term::smt(&st.done, &name);
            let _ = writeln!(
                out,
                "(assert {})",
                forall(st.args, format!("(=> (and {now} {exec} {done}) false)"))
            );
        }
    }
    out.push_str("(check-sat)\n");
    out
}

/// Bounded reachability: `init`, then `depth` steps of `trans`, each an
/// event that executes or "no event" (so shorter traces count), and the
/// pattern completed at one of them. `sat` iff a trace of at most `depth`
/// events contains the pattern.
pub fn bounded(sys: &System, depth: usize) -> String {
    let (reach, _) = sys.meaning();
    let mut out = header(
        sys,
        &format!("smt2 (bounded: at most {depth} events)"),
        &format!(
            "an execution of at most {depth} events contains the pattern (the assertion is {reach})"
        ),
        &format!(
            "no execution of at most {depth} events contains the pattern \
             (for `never`: no counterexample that short; for `possible`: no witness)"
        ),
    );
    let names: Vec<String> = sys.vars.iter().map(|v| v.name.clone()).collect();
    let name = |t: &T| leaf(&names, t);
    // One set of argument variables serves every event: one event
    // executes per step.
    let args: Vec<String> = (0..sys.max_args()).map(|j| format!("arg{j}")).collect();
    let primed: Vec<String> = names.iter().map(|n| format!("{n}@next")).collect();
    let params = |ns: &[String]| -> Vec<String> {
        ns.iter()
            .enumerate()
            .map(|(v, n)| format!("({n} {})", sort(sys, v)))
            .collect()
    };
    let none = sys.steps.len();
    let _ = writeln!(out, "(set-logic QF_LIA)");
    let _ = writeln!(
        out,
        "(define-fun init ({}) Bool\n  {})",
        params(&names).join(" "),
        term::smt(&sys.init, &name)
    );
    let mut trans_params = params(&names);
    trans_params.push("(event Int)".into());
    trans_params.extend(args.iter().map(|a| format!("({a} Int)")));
    trans_params.extend(params(&primed));
    let _ = writeln!(
        out,
        "; event {none} is \"no event\": the state stays, so shorter traces count"
    );
    let _ = writeln!(
        out,
        "(define-fun trans ({}) Bool\n  (or",
        trans_params.join(" ")
    );
    let stay: Vec<String> = names
        .iter()
        .zip(&primed)
        .map(|(n, m)| format!("(= {m} {n})"))
        .collect();
    let mut stay = stay;
    stay.insert(0, format!("(= event {none})"));
    let _ = writeln!(out, "    {}", conjunction(stay));
    for (i, st) in sys.steps.iter().enumerate() {
        let mut parts = vec![format!("(= event {i})"), term::smt(&st.exec, &name)];
        parts.extend(
            st.next
                .iter()
                .zip(&primed)
                .map(|(t, m)| format!("(= {m} {})", term::smt(t, &name))),
        );
        let _ = writeln!(out, "    ; event {i}: {}", super::comment(&st.label));
        let _ = writeln!(out, "    {}", conjunction(parts));
    }
    out.push_str("  ))\n");
    let mut goal_params = params(&names);
    goal_params.push("(event Int)".into());
    goal_params.extend(args.iter().map(|a| format!("({a} Int)")));
    let goals: Vec<String> = sys
        .steps
        .iter()
        .enumerate()
        .filter(|(_, st)| st.done != T::Bool(false))
        .map(|(i, st)| format!("(and (= event {i}) {})", term::smt(&st.done, &name)))
        .collect();
    let _ = writeln!(
        out,
        "; the pattern completes with the event (which executes: `trans` holds)\n\
         (define-fun goal ({}) Bool\n  {})",
        goal_params.join(" "),
        disjunction(goals, "\n    ")
    );
    let at = |t: usize| -> Vec<String> { names.iter().map(|n| format!("{n}@{t}")).collect() };
    for t in 0..=depth {
        for (v, n) in at(t).iter().enumerate() {
            let _ = writeln!(out, "(declare-fun {n} () {})", sort(sys, v));
        }
    }
    for t in 0..depth {
        let _ = writeln!(out, "(declare-fun event@{t} () Int)");
        for a in &args {
            let _ = writeln!(out, "(declare-fun {a}@{t} () Int)");
        }
    }
    let _ = writeln!(out, "(assert {})", app("init", &at(0)));
    let mut reached = Vec::with_capacity(depth);
    for t in 0..depth {
        let mut now = at(t);
        now.push(format!("event@{t}"));
        now.extend(args.iter().map(|a| format!("{a}@{t}")));
        reached.push(app("goal", &now));
        now.extend(at(t + 1));
        let _ = writeln!(out, "(assert {})", app("trans", &now));
    }
    let _ = writeln!(out, "(assert {})", disjunction(reached, " "));
    out.push_str("(check-sat)\n");
    out
}

/// `(or ...)` of `parts`, written so cvc5 reads it too (no nullary or
/// unary `or`).
fn disjunction(mut parts: Vec<String>, sep: &str) -> String {
    match parts.len() {
        0 => "false".to_string(),
        1 => parts.swap_remove(0),
        _ => format!("(or {})", parts.join(sep)),
    }
}

/// `(and ...)` of `parts`, likewise.
fn conjunction(mut parts: Vec<String>) -> String {
    match parts.len() {
        0 => "true".to_string(),
        1 => parts.swap_remove(0),
        _ => format!("(and {})", parts.join(" ")),
    }
}

/// The symbol of a variable or argument.
fn leaf(names: &[String], t: &T) -> String {
    match t {
        T::Var(v) => names.get(*v).cloned().unwrap_or_default(),
        T::Arg(j) => format!("arg{j}"),
        _ => String::new(),
    }
}
