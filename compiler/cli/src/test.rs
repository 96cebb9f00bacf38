//! `guardc test`: runs every `test` block through the compiled bytecode on
//! the real runtime — the same `Policy::load` and `Session` a host uses.
//! Each event step is decided by the runtime and compared with the
//! expected verdict; escalations are then approved or rejected as the step
//! says. `expect` steps read the runtime session's state and context (a
//! small evaluator here turns the condition into a boolean; it never
//! decides an event).
//!
//! `--coverage` lists the rules no test step matched.

use std::collections::BTreeSet;

use guard_check::hir::{self, BinOp, Expected, ExprKind, Program, TestEvent, TestStep, Value};
use guard_check::RealFs;
use guard_diagnostics::{render, SourceMap};
use guard_runtime::{Arg, Decision, Policy, Session, Verdict};

use crate::check::{plural, stderr_wants_color, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::TestArgs;

pub fn run(args: &TestArgs) -> u8 {
    let collected = crate::walk::collect(&args.paths);
    for (path, e) in &collected.errors {
        eprintln!("error: cannot read `{}`: {e}", path.display());
    }
    let checked = guard_check::check_paths(&collected.files, &RealFs);
    let color = stderr_wants_color();
    let errors = checked.error_count();
    if errors > 0 {
        eprint!(
            "{}",
            render::human(&checked.sources, &checked.diagnostics, color)
        );
        eprintln!(
            "error: the policies have {}; no test ran",
            plural(errors, "error")
        );
        return EXIT_FINDINGS;
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for policy in &checked.policies {
        let Some(program) = &policy.program else {
            continue;
        };
        let bytes = match guard_codegen::build(
            program,
            &checked.sources,
            guard_codegen::Options::default(),
        ) {
            Ok(b) => b,
            Err(diags) => {
                eprint!("{}", render::human(&checked.sources, &diags, color));
                return EXIT_FINDINGS;
            }
        };
        let runtime = match Policy::load(&bytes) {
            Ok(p) => p,
            Err(e) => {
                eprintln!(
                    "internal error: the compiled image of `{}` does not load: {e}",
                    program.name
                );
                return EXIT_FINDINGS;
            }
        };
        let mut exercised = BTreeSet::new();
        for t in &program.tests {
            match run_test(program, &runtime, t, &mut exercised) {
                Ok(()) => {
                    passed += 1;
                    println!("test {} :: {} ... ok", program.name, t.name);
                }
                Err(why) => {
                    failed += 1;
                    println!("test {} :: {} ... FAILED\n{why}", program.name, t.name);
                }
            }
        }
        if args.coverage {
            coverage(program, &checked.sources, &exercised);
        }
    }
    let n = checked.policies.len();
    println!(
        "\nguardc test: {passed} passed, {failed} failed ({n} {})",
        if n == 1 { "policy" } else { "policies" }
    );
    if !collected.errors.is_empty() {
        EXIT_INPUT
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Runs one test; `Err` carries the report of its first failing step.
fn run_test(
    p: &Program,
    policy: &Policy,
    t: &hir::Test,
    exercised: &mut BTreeSet<u32>,
) -> Result<(), String> {
    let attr_lists: Vec<Vec<Arg<'_>>> = t.attrs.iter().map(|(_, v)| list_args(p, v)).collect();
    let attrs: Vec<(&str, Arg<'_>)> = t
        .attrs
        .iter()
        .zip(&attr_lists)
        .map(|((a, v), l)| (p.attrs[a.index()].info.name.as_str(), arg(p, v, l)))
        .collect();
    let mut session =
        Session::new(policy, &attrs).map_err(|e| format!("    cannot open a session: {e}"))?;
    let mut text = String::new();
    for (i, step) in t.steps.iter().enumerate() {
        let n = i + 1;
        match step {
            TestStep::Event {
                event, expected, ..
            } => {
                let d = decide(p, &mut session, event, &mut text);
                exercised.extend(d.rules.as_slice().iter().copied());
                exercised.extend(d.redactions.as_slice().iter().copied());
                if !verdict_matches(expected, &d) {
                    return Err(format!(
                        "    step {n}: {}\n      expected: {}\n      actual:   {}\n{}",
                        describe(p, event),
                        expected_text(p, expected),
                        actual_text(policy, &d),
                        indent(&d.explain(policy), 6)
                    ));
                }
                if let (Expected::Escalate { approved, .. }, Some(ticket)) = (expected, d.ticket) {
                    let answer = if *approved {
                        approve(p, &mut session, ticket, event, &mut text).map(|_| ())
                    } else {
                        session.reject(ticket).map_err(|e| e.to_string())
                    };
                    answer.map_err(|e| format!("    step {n}: the host's answer failed: {e}"))?;
                }
            }
            TestStep::Expect { expr, .. } => {
                let env = Env {
                    p,
                    attrs: &t.attrs,
                    session: &session,
                };
                match env.eval(expr) {
                    Ok(V::Bool(true)) => {}
                    Ok(_) => {
                        return Err(format!(
                            "    step {n}: expect failed\n      state: {}",
                            state_text(p, policy, &session)
                        ))
                    }
                    Err(what) => {
                        return Err(format!("    step {n}: cannot evaluate `expect`: {what}"))
                    }
                }
            }
        }
    }
    Ok(())
}

fn decide(p: &Program, s: &mut Session<'_>, e: &TestEvent, text: &mut String) -> Decision {
    match e {
        TestEvent::Call {
            tool_name, args, ..
        } => with_named(p, args, |named| s.decide_call_named(tool_name, named)),
        TestEvent::Output {
            channel_name,
            text: t,
            ..
        } => s.decide_output_named(channel_name, t, text),
    }
}

fn approve(
    p: &Program,
    s: &mut Session<'_>,
    ticket: guard_runtime::TicketId,
    e: &TestEvent,
    text: &mut String,
) -> Result<Decision, String> {
    match e {
        TestEvent::Call {
            tool_name, args, ..
        } => with_named(p, args, |named| {
            s.approve_named(ticket, tool_name, named)
                .map_err(|e| e.to_string())
        }),
        TestEvent::Output {
            channel_name,
            text: t,
            ..
        } => {
            let c = s
                .policy()
                .channel_id(channel_name)
                .ok_or("unknown channel")?;
            s.approve_output(ticket, c, t, text)
                .map_err(|e| e.to_string())
        }
    }
}

/// Calls `f` with a test step's arguments as the runtime's named
/// arguments (lists need storage that outlives the borrowed views).
fn with_named<R>(
    p: &Program,
    args: &[(String, Value)],
    f: impl FnOnce(&[(&str, Arg<'_>)]) -> R,
) -> R {
    let lists: Vec<Vec<Arg<'_>>> = args.iter().map(|(_, v)| list_args(p, v)).collect();
    let named: Vec<(&str, Arg<'_>)> = args
        .iter()
        .zip(&lists)
        .map(|((n, v), l)| (n.as_str(), arg(p, v, l)))
        .collect();
    f(&named)
}

/// The elements of a list value, as runtime arguments.
fn list_args<'a>(p: &'a Program, v: &'a Value) -> Vec<Arg<'a>> {
    match v {
        Value::List(items) => items.iter().map(|i| arg(p, i, &[])).collect(),
        _ => Vec::new(),
    }
}

/// A constant as a runtime argument; `list` holds its elements if a list.
fn arg<'a>(p: &'a Program, v: &'a Value, list: &'a [Arg<'a>]) -> Arg<'a> {
    match v {
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(n) => Arg::Int(*n),
        Value::Str(s) => Arg::Str(s),
        Value::Duration(ms) => Arg::Int(i64::try_from(*ms).unwrap_or(i64::MAX)),
        Value::Enum(e, i) => Arg::Str(p.variant_name(*e, *i)),
        Value::List(_) => Arg::List(list),
    }
}

fn verdict_matches(expected: &Expected, d: &Decision) -> bool {
    match (expected, d.verdict) {
        (Expected::Allow, Verdict::Allow) | (Expected::Deny, Verdict::Deny) => true,
        (Expected::Escalate { gates, .. }, Verdict::Escalate(set)) => {
            gates.iter().map(|g| g.index()).eq(set.iter())
        }
        _ => false,
    }
}

fn expected_text(p: &Program, e: &Expected) -> String {
    match e {
        Expected::Allow => "allow".into(),
        Expected::Deny => "deny".into(),
        Expected::Escalate { gates, approved } => {
            let names: Vec<&str> = gates
                .iter()
                .map(|g| p.gates[g.index()].info.name.as_str())
                .collect();
            format!(
                "escalate {}{}",
                names.join(", "),
                if *approved { " (approved)" } else { "" }
            )
        }
    }
}

fn actual_text(policy: &Policy, d: &Decision) -> String {
    match d.verdict {
        Verdict::Escalate(set) => {
            let names: Vec<&str> = set.iter().filter_map(|g| policy.gate_name(g)).collect();
            format!("escalate {}", names.join(", "))
        }
        _ => format!("{} ({})", d.verdict_word(), d.reason_text(policy)),
    }
}

fn describe(p: &Program, e: &TestEvent) -> String {
    match e {
        TestEvent::Call {
            tool_name, args, ..
        } => {
            let a: Vec<String> = args
                .iter()
                .map(|(n, v)| format!("{n}: {}", value_text(p, v)))
                .collect();
            format!("{tool_name}({})", a.join(", "))
        }
        TestEvent::Output {
            channel_name, text, ..
        } => format!("output {channel_name}({text:?})"),
    }
}

fn value_text(p: &Program, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::Duration(ms) => format!("{ms}ms"),
        Value::Enum(e, i) => p.variant_name(*e, *i).to_string(),
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(|i| value_text(p, i)).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

fn state_text(p: &Program, policy: &Policy, s: &Session<'_>) -> String {
    let parts: Vec<String> = p
        .states
        .iter()
        .zip(s.state())
        .enumerate()
        .map(|(i, (d, v))| format!("{} = {}", d.info.name, policy.state_value_text(i, *v)))
        .collect();
    parts.join(", ")
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

fn coverage(p: &Program, sources: &SourceMap, exercised: &BTreeSet<u32>) {
    let missed: Vec<&hir::Rule> = p
        .rules
        .iter()
        .filter(|r| !exercised.contains(&r.id.0))
        .collect();
    if missed.is_empty() {
        println!("coverage {}: every rule was exercised", p.name);
        return;
    }
    println!(
        "coverage {}: {} never exercised:",
        p.name,
        plural(missed.len(), "rule")
    );
    for r in missed {
        let file = sources.get(r.span.file);
        let at = file.map(|f| f.line_col(r.span.start));
        let line = file
            .zip(at)
            .map(|(f, at)| f.line_text(at.line).trim().to_string())
            .unwrap_or_default();
        println!(
            "    {}:{}:{}  {}",
            sources.name(r.span.file),
            at.map_or(0, |a| a.line),
            at.map_or(0, |a| a.col),
            line
        );
    }
}

/// A value of an `expect` condition.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Bool(bool),
    Int(i64),
    Str(String),
    Enum(u32),
    List(Vec<V>),
}

/// Reads the runtime session's state, context and the test's attributes.
struct Env<'a, 's> {
    p: &'a Program,
    attrs: &'a [(hir::AttrId, Value)],
    session: &'a Session<'s>,
}

impl Env<'_, '_> {
    fn eval(&self, e: &hir::Expr) -> Result<V, String> {
        Ok(match &e.kind {
            ExprKind::Lit(v) => constant(v),
            ExprKind::State(s) => {
                let raw = self
                    .session
                    .state()
                    .get(s.index())
                    .copied()
                    .ok_or("no such state")?;
                match self.p.states[s.index()].ty {
                    hir::Type::Bool => V::Bool(raw != 0),
                    hir::Type::Enum(_) => V::Enum(u32::try_from(raw).unwrap_or(u32::MAX)),
                    _ => V::Int(raw),
                }
            }
            ExprKind::Attr(a) => self
                .attrs
                .iter()
                .find(|(b, _)| b == a)
                .map(|(_, v)| constant(v))
                .ok_or("the test does not set this attribute")?,
            ExprKind::ContextHas(l) => V::Bool(self.session.context() & (1u64 << l.0) != 0),
            ExprKind::Not(x) => V::Bool(self.eval(x)? != V::Bool(true)),
            ExprKind::Neg(x) => match self.eval(x)? {
                V::Int(n) => V::Int(n.checked_neg().ok_or("overflow")?),
                _ => return Err("`-` of a non-integer".into()),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.eval(lhs)?, self.eval(rhs)?);
                match (op, l, r) {
                    (BinOp::And, a, b) => V::Bool(a == V::Bool(true) && b == V::Bool(true)),
                    (BinOp::Or, a, b) => V::Bool(a == V::Bool(true) || b == V::Bool(true)),
                    (BinOp::Eq, a, b) => V::Bool(a == b),
                    (BinOp::Ne, a, b) => V::Bool(a != b),
                    (BinOp::Lt, V::Int(a), V::Int(b)) => V::Bool(a < b),
                    (BinOp::Le, V::Int(a), V::Int(b)) => V::Bool(a <= b),
                    (BinOp::Gt, V::Int(a), V::Int(b)) => V::Bool(a > b),
                    (BinOp::Ge, V::Int(a), V::Int(b)) => V::Bool(a >= b),
                    (BinOp::Add, V::Int(a), V::Int(b)) => {
                        V::Int(a.checked_add(b).ok_or("overflow")?)
                    }
                    (BinOp::Sub, V::Int(a), V::Int(b)) => {
                        V::Int(a.checked_sub(b).ok_or("overflow")?)
                    }
                    _ => return Err("operator on values of the wrong kind".into()),
                }
            }
            ExprKind::In { lhs, rhs } => match (self.eval(lhs)?, self.eval(rhs)?) {
                (x, V::List(items)) => V::Bool(items.contains(&x)),
                _ => return Err("`in` needs a list".into()),
            },
            ExprKind::List(items) => V::List(
                items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<_, _>>()?,
            ),
            _ => {
                return Err(
                    "`expect` supports state, attributes, `context has`, literals and operators"
                        .into(),
                )
            }
        })
    }
}

fn constant(v: &Value) -> V {
    match v {
        Value::Bool(b) => V::Bool(*b),
        Value::Int(n) => V::Int(*n),
        Value::Str(s) => V::Str(s.clone()),
        Value::Duration(ms) => V::Int(i64::try_from(*ms).unwrap_or(i64::MAX)),
        Value::Enum(_, i) => V::Enum(*i),
        Value::List(items) => V::List(items.iter().map(constant).collect()),
    }
}
