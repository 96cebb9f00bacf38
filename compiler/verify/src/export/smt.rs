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

/// Bounded reachability: `init`, then `depth` steps, each one event that
/// executes or "no event" (so shorter traces count), and the pattern
/// completed at one of them. `sat` iff a trace of at most `depth` events
/// contains the pattern.
///
/// Laid out as guardc's BMC asserts it: one small macro per event and one
/// assertion per step and event (`event@t = k` implies event `k`'s step),
/// never one big disjunction — z3 4.8.12 rewrites a `define-fun` whose
/// body is a large `or` of terms with `ite` in time exponential in the
/// number of disjuncts.
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
    let arg_params: Vec<String> = args.iter().map(|a| format!("({a} Int)")).collect();
    let none = sys.steps.len();
    let _ = writeln!(out, "(set-logic QF_LIA)");
    let _ = writeln!(
        out,
        "(define-fun init ({}) Bool\n  {})",
        params(&names).join(" "),
        term::smt(&sys.init, &name)
    );
    // step_K(now, arguments, next): event K executes and leads to next;
    // done_K(now, arguments): it completes the pattern.
    let mut step_params = params(&names);
    step_params.extend(arg_params.iter().cloned());
    let done_params = step_params.join(" ");
    step_params.extend(params(&primed));
    let step_params = step_params.join(" ");
    for (i, st) in sys.steps.iter().enumerate() {
        let mut parts = vec![term::smt(&st.exec, &name)];
        parts.extend(
            st.next
                .iter()
                .zip(&primed)
                .map(|(t, m)| format!("(= {m} {})", term::smt(t, &name))),
        );
        let _ = writeln!(out, "; event {i}: {}", super::comment(&st.label));
        let _ = writeln!(
            out,
            "(define-fun step_{i} ({step_params}) Bool\n  {})",
            conjunction(parts)
        );
        if st.done != T::Bool(false) {
            let _ = writeln!(
                out,
                "(define-fun done_{i} ({done_params}) Bool\n  {})",
                term::smt(&st.done, &name)
            );
        }
    }
    let at = |t: usize| -> Vec<String> { names.iter().map(|n| format!("{n}@{t}")).collect() };
    for t in 0..=depth {
        for (v, n) in at(t).iter().enumerate() {
            let _ = writeln!(out, "(declare-fun {n} () {})", sort(sys, v));
        }
    }
    for t in 0..depth {
        let _ = writeln!(out, "(declare-fun event@{t} () Int)");
        let _ = writeln!(out, "(declare-fun done@{t} () Bool)");
        for a in &args {
            let _ = writeln!(out, "(declare-fun {a}@{t} () Int)");
        }
    }
    let _ = writeln!(out, "(assert {})", app("init", &at(0)));
    let _ = writeln!(
        out,
        "; step t: event@t is the event taken, {none} for \"no event\" (the \
         state stays); done@t: it completes the pattern"
    );
    for t in 0..depth {
        let (now, next) = (at(t), at(t + 1));
        let mut with_args = now.clone();
        with_args.extend(args.iter().map(|a| format!("{a}@{t}")));
        let mut full = with_args.clone();
        full.extend(next.iter().cloned());
        let _ = writeln!(out, "(assert (and (<= 0 event@{t}) (<= event@{t} {none})))");
        let stay: Vec<String> = now
            .iter()
            .zip(&next)
            .map(|(n, m)| format!("(= {m} {n})"))
            .chain(std::iter::once(format!("(not done@{t})")))
            .collect();
        let _ = writeln!(
            out,
            "(assert (=> (= event@{t} {none}) {}))",
            conjunction(stay)
        );
        for (i, st) in sys.steps.iter().enumerate() {
            let done = if st.done == T::Bool(false) {
                format!("(not done@{t})")
            } else {
                format!("(= done@{t} {})", app(&format!("done_{i}"), &with_args))
            };
            let _ = writeln!(
                out,
                "(assert (=> (= event@{t} {i}) (and {} {done})))",
                app(&format!("step_{i}"), &full)
            );
        }
    }
    let reached: Vec<String> = (0..depth).map(|t| format!("done@{t}")).collect();
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
