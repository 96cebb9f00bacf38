//! Answers as diagnostics, so every output format of `guardc check`
//! (human, JSON, SARIF, GitHub) carries them too: a violated `never` is an
//! error at the assertion whose flow is the counterexample, each event
//! labelled at the rule that let it through. Also the one-line-per-
//! assertion text report that `guardc prove` prints.

use guard_diagnostics::{render, Code, Diagnostic, SourceMap};
use guard_ir::{AssertKind, Policy};

use crate::trace::{event_text, outcome_text, trace_lines};
use crate::{Answer, Report, Status};

/// The diagnostic for one answer (`None` when it holds).
pub fn diagnostic(policy: &Policy, answer: &Answer) -> Option<Diagnostic> {
    let init: Vec<i64> = policy.states.iter().map(|s| s.init).collect();
    match (&answer.status, answer.kind) {
        (Status::Holds, _) => None,
        (Status::Violated, AssertKind::Never) => {
            let trace = answer.trace.as_ref()?;
            let mut d = Diagnostic::new(
                Code::E0501,
                answer.name_span,
                format!("assertion `{}` is violated", answer.name),
            )
            .with_label(format!(
                "an execution of {} event{} contains this pattern",
                trace.steps.len(),
                if trace.steps.len() == 1 { "" } else { "s" }
            ));
            for (n, step) in trace.steps.iter().enumerate() {
                let what = format!(
                    "{}. {} => {}",
                    n + 1,
                    event_text(policy, &step.instance),
                    outcome_text(policy, step.outcome)
                );
                let rule = step
                    .rules
                    .first()
                    .and_then(|id| policy.rules.iter().find(|r| r.id == *id));
                match rule {
                    Some(r) => {
                        d = d
                            .with_secondary(r.span, format!("event {what}"))
                            .with_flow_step(r.span, what);
                    }
                    None => {
                        d = d.with_flow_step(answer.span, format!("{what} (by default)"));
                    }
                }
            }
            d = d.with_note(format!(
                "counterexample, replayed on the runtime:\n{}",
                trace_lines(policy, &init, trace).join("\n")
            ));
            Some(d.with_help(
                "deny or escalate the step the trace should not take, or weaken the assertion",
            ))
        }
        (Status::Violated, AssertKind::Possible) => Some(
            Diagnostic::new(
                Code::E0502,
                answer.name_span,
                format!("`possible` assertion `{}` can never occur", answer.name),
            )
            .with_label(format!(
                "no execution contains this pattern ({} states searched)",
                answer.states
            ))
            .with_help("some rule is stricter than intended; if this is impossible on purpose, write `never`"),
        ),
        (Status::Unknown(why), _) => Some(
            Diagnostic::new(
                Code::W0501,
                answer.name_span,
                format!("assertion `{}` could not be decided", answer.name),
            )
            .with_label("unknown")
            .with_note(why.clone()),
        ),
        (Status::Disagreement(why), _) => Some(
            Diagnostic::new(
                Code::E0503,
                answer.name_span,
                format!("internal error: engines disagree on `{}`", answer.name),
            )
            .with_label("no answer")
            .with_note(why.clone())
            .with_help("this is a bug in Guard; please report it with this policy"),
        ),
    }
}

pub fn word(a: &Answer) -> &'static str {
    match (&a.status, a.kind) {
        (Status::Holds, guard_ir::AssertKind::Never) => "proved",
        (Status::Holds, guard_ir::AssertKind::Possible) => "witnessed",
        (Status::Violated, guard_ir::AssertKind::Never) => "violated",
        (Status::Violated, guard_ir::AssertKind::Possible) => "impossible",
        (Status::Unknown(_), _) => "unknown",
        (Status::Disagreement(_), _) => "internal error",
    }
}

pub fn summary(report: &Report) -> String {
    let count = |f: fn(&Status) -> bool| report.answers.iter().filter(|a| f(&a.status)).count();
    format!(
        "{} assertion{}: {} hold, {} violated, {} unknown{}",
        report.answers.len(),
        if report.answers.len() == 1 { "" } else { "s" },
        count(|s| matches!(s, Status::Holds)),
        count(|s| matches!(s, Status::Violated)),
        count(|s| matches!(s, Status::Unknown(_))),
        match count(|s| matches!(s, Status::Disagreement(_))) {
            0 => String::new(),
            n => format!(", {n} internal error{}", if n == 1 { "" } else { "s" }),
        }
    )
}

pub fn human(report: &Report, sources: &SourceMap, color: bool, invariants: bool) -> String {
    let mut out = String::new();
    let init: Vec<i64> = report.policy.states.iter().map(|s| s.init).collect();
    for a in &report.answers {
        let detail = match (&a.status, &a.trace) {
            (Status::Holds, Some(t)) => format!(
                "witness of {} event{}",
                t.steps.len(),
                plural(t.steps.len())
            ),
            (Status::Holds | Status::Violated, None) if a.engine == "spacer" => {
                "spacer: inductive invariant, re-checked".to_string()
            }
            (Status::Holds | Status::Violated, None) => {
                format!(
                    "{}: every execution searched, {} state{}",
                    a.engine,
                    a.states,
                    plural(a.states)
                )
            }
            (Status::Violated, Some(t)) => {
                format!(
                    "counterexample of {} event{}",
                    t.steps.len(),
                    plural(t.steps.len())
                )
            }
            (Status::Unknown(_), _) => format!("{} states, {} events deep", a.states, a.depth),
            (Status::Disagreement(_), _) => "see below".into(),
        };
        out.push_str(&format!("{:<10} {}  ({detail})\n", word(a), a.name));
        if let (Status::Holds, Some(t)) = (&a.status, &a.trace) {
            for line in trace_lines(&report.policy, &init, t) {
                out.push_str(&format!("             {line}\n"));
            }
        }
        if let (true, Some(inv)) = (invariants, &a.invariant) {
            out.push_str(&format!("             invariant: {inv}\n"));
        }
        if let Some(d) = diagnostic(&report.policy, a) {
            out.push_str(&render::human(sources, std::slice::from_ref(&d), color));
        }
    }
    if let Some(why) = &report.inexact {
        out.push_str(&format!(
            "note: the model is not exact, so nothing is called proved: {why}\n"
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
