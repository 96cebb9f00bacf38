//! The conformance suite for the deep lints (`guardc check --deep`,
//! W0502–W0505).
//!
//! * Every fixture under `tests/deep` reports exactly the diagnostics its
//!   `//~` annotations name (the checker's and the deep lints together,
//!   by code and line, as in `tests/check`), and its rendering, with the
//!   analysis' notes, matches the reviewed snapshot.
//! * Every deep code has a fixture, and its explanation's example reports
//!   it while the fix does not.
//! * The examples produce no deep lint.
//! * The shortcuts the analysis takes are checked against the plain
//!   semantics: `eval::explain` over specialized events decides exactly
//!   what `eval::decide` does, one event per class finds what every event
//!   finds, and every W0505 trace replays on the real runtime, ending in
//!   the denial it predicts.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use guard_check::Checked;
use guard_diagnostics::Code;
use guard_ir::{Event, Policy, Type};
use guard_runtime::{Arg, Session, Verdict};
use guard_tests::{actual, check, expected, guard_files, render_plain, workspace_root};
use guard_verify::deep::{self, Deep};
use guard_verify::eval::{decide, Env, Outcome};
use guard_verify::graph::{self, Budget, Events};
use guard_verify::model::Instance;
use guard_verify::value::Value;

const DEEP_CODES: [Code; 4] = [Code::W0502, Code::W0503, Code::W0504, Code::W0505];

fn fixtures() -> Vec<PathBuf> {
    guard_files(&workspace_root().join("tests/deep"))
}

fn examples() -> Vec<PathBuf> {
    guard_files(&workspace_root().join("examples"))
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "shared"))
        .collect()
}

/// Checks `path` (which must have no errors) and adds its deep lints to
/// the diagnostics, in the order `guardc check --deep` reports them.
fn check_deep(path: &Path, options: deep::Options) -> (Checked, Deep) {
    let mut checked = check(path);
    assert_eq!(checked.error_count(), 0, "{}", render_plain(&checked));
    let program = checked
        .policies
        .iter()
        .find_map(|p| p.program.as_ref())
        .unwrap();
    let found = deep::lints(program, options).unwrap();
    checked
        .diagnostics
        .extend(found.diagnostics.iter().cloned());
    checked.diagnostics.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
        )
    });
    (checked, found)
}

#[test]
fn fixtures_report_exactly_their_annotations() {
    let mut failures = Vec::new();
    let files = fixtures();
    assert!(files.len() >= 5, "expected the deep fixtures");
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let want = expected(&source).unwrap();
        let (checked, _) = check_deep(&path, deep::Options::default());
        let got = actual(&checked, &path);
        if want != got {
            failures.push(format!(
                "{}\n  missing {:?}\n  unexpected {:?}\n{}",
                path.display(),
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>(),
                render_plain(&checked)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixture_snapshots() {
    let root = workspace_root();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("tests/deep/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in fixtures() {
        let source = std::fs::read_to_string(&path).unwrap();
        let (checked, found) = check_deep(&path, deep::Options::default());
        let mut text = String::new();
        for note in &found.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text.push_str(&render_plain(&checked));
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        settings.set_description(source);
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

#[test]
fn every_deep_code_has_a_fixture() {
    let mut seen = BTreeSet::new();
    for path in fixtures() {
        let source = std::fs::read_to_string(&path).unwrap();
        seen.extend(expected(&source).unwrap().into_iter().map(|(_, c)| c));
    }
    let missing: Vec<Code> = DEEP_CODES
        .into_iter()
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "deep codes without a fixture: {missing:?}"
    );
}

/// The ```guard blocks of a Markdown text.
fn guard_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```guard") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// The codes `guardc check --deep` reports for a one-file policy.
fn deep_codes(text: &str) -> Vec<Code> {
    let mut checked = guard_check::check_source("example.guard", text, &guard_check::RealFs);
    let mut codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    if let Some(program) = checked.policies.iter_mut().find_map(|p| p.program.take()) {
        let found = deep::lints(&program, deep::Options::default()).unwrap();
        codes.extend(found.diagnostics.iter().map(|d| d.code));
    }
    codes
}

#[test]
fn every_deep_explanation_example_triggers_its_code_and_its_fix_does_not() {
    let mut failures = Vec::new();
    for code in DEEP_CODES {
        let blocks = guard_blocks(code.info().explanation);
        let (Some(example), Some(fix)) = (blocks.first(), blocks.get(1)) else {
            failures.push(format!("{code}: needs an example and a fix block"));
            continue;
        };
        let got = deep_codes(example);
        if !got.contains(&code) {
            failures.push(format!("{code}: example reports {got:?}"));
        }
        let got = deep_codes(fix);
        if !got.is_empty() {
            failures.push(format!("{code}: fix reports {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn examples_have_no_deep_lints() {
    let mut found = Vec::new();
    for path in examples() {
        let (checked, deep) = check_deep(&path, deep::Options::default());
        if !deep.diagnostics.is_empty() {
            found.push(render_plain(&checked));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Both ways of submitting events give the same lints and notes.
#[test]
fn one_event_per_class_finds_what_every_event_finds() {
    for path in fixtures() {
        let every = deep::Options {
            events: Events::All,
            ..deep::Options::default()
        };
        let (a, da) = check_deep(&path, deep::Options::default());
        let (b, db) = check_deep(&path, every);
        assert_eq!(render_plain(&a), render_plain(&b), "{}", path.display());
        assert_eq!(da.notes, db.notes, "{}", path.display());
        assert_eq!(da.states, db.states, "{}", path.display());
    }
}

/// Every (state, event) the exploration visits is decided by `explain`
/// over the specialized event exactly as `decide` decides the plain one.
#[test]
fn explain_agrees_with_decide() {
    for path in fixtures().into_iter().chain(examples()) {
        let mut checked = check(&path);
        let program = checked
            .policies
            .iter_mut()
            .find_map(|p| p.program.take())
            .unwrap();
        let policy = guard_ir::lower(&program).unwrap();
        let asserts = graph::no_asserts(&policy);
        let model = graph::policy_model(&policy, &asserts, Default::default());
        let valuations: Vec<usize> = (0..model.attr_sets.len()).collect();
        let budget = Budget {
            max_states: 100_000,
            max_decisions: 200_000,
        };
        let mut compared = 0usize;
        graph::explore(&model, &valuations, budget, Events::All, |v| {
            let inst = &model.instances[v.instance];
            let env = Env {
                policy: &policy,
                regexes: &model.regexes,
                attrs: &model.attr_sets[v.state.attrs as usize],
                state: &v.state.vars,
                ctx: v.state.ctx,
                args: &inst.args,
                text: inst.text.as_deref(),
            };
            let plain = decide(&env, inst.event);
            assert_eq!(v.explained.decided, plain, "{}", path.display());
            if v.explained.effect_failure.is_some() {
                assert!(matches!(plain.outcome, Outcome::Deny(_)));
                assert!(!matches!(v.explained.verdict, Outcome::Deny(_)));
            }
            compared += 1;
        });
        assert!(compared > 0, "{}", path.display());
    }
}

/// Every W0505 trace is a real execution: the runtime allows (or, with
/// the gates approving, escalates) each event as the verifier did, reaches
/// the same states, and denies the final event.
#[test]
fn out_of_range_traces_replay_on_the_runtime() {
    let mut replayed = 0;
    for path in fixtures() {
        let checked = check(&path);
        let program = checked
            .policies
            .iter()
            .find_map(|p| p.program.as_ref())
            .unwrap();
        let policy = guard_ir::lower(program).unwrap();
        let found = deep::lints(program, deep::Options::default()).unwrap();
        if found.out_of_range.is_empty() {
            continue;
        }
        let bytes = guard_codegen::build(
            program,
            &checked.sources,
            guard_codegen::Options { strip: false },
        )
        .unwrap();
        let image = guard_runtime::Policy::load(&bytes).unwrap();
        for w in &found.out_of_range {
            let attrs: Vec<(&str, Arg<'_>)> = policy
                .attrs
                .iter()
                .zip(&w.trace.attrs)
                .map(|(a, v)| (a.name.as_str(), arg(&policy, v, &a.ty)))
                .collect();
            let mut session = Session::new(&image, &attrs).unwrap();
            for step in &w.trace.steps {
                let verdict = submit(&mut session, &image, &policy, &step.instance, true);
                let want = match step.outcome {
                    Outcome::Allow => "allow",
                    Outcome::Escalate(_) => "escalate",
                    Outcome::Deny(_) => "deny",
                };
                assert_eq!(verdict, want, "{}", path.display());
                assert_eq!(session.state(), step.state.as_slice(), "{}", path.display());
                assert_eq!(session.context(), step.ctx, "{}", path.display());
            }
            let before = session.state().to_vec();
            let last = submit(&mut session, &image, &policy, &w.event, false);
            assert_eq!(last, "deny", "{}: the final event", path.display());
            assert_eq!(session.state(), before.as_slice());
            replayed += 1;
        }
    }
    assert!(replayed >= 2, "expected W0505 witnesses to replay");
}

/// Submits one event; an escalation is approved when `approve`. The
/// verdict of the decision, as a word.
fn submit(
    session: &mut Session<'_>,
    image: &guard_runtime::Policy,
    policy: &Policy,
    inst: &Instance,
    approve: bool,
) -> &'static str {
    let word = |v: &Verdict| match v {
        Verdict::Allow => "allow",
        Verdict::Deny => "deny",
        Verdict::Escalate(_) => "escalate",
    };
    match inst.event {
        Event::Tool(t) => {
            let tool = &policy.tools[usize::from(t)];
            let args: Vec<(&str, Arg<'_>)> = tool
                .params
                .iter()
                .zip(&inst.args)
                .filter_map(|(p, v)| v.as_ref().map(|v| (p.name.as_str(), arg(policy, v, &p.ty))))
                .collect();
            let d = session.decide_call_named(&tool.name, &args);
            if let (true, Some(ticket)) = (approve, d.ticket) {
                let done = session.approve_named(ticket, &tool.name, &args).unwrap();
                assert_eq!(done.verdict, Verdict::Allow);
            }
            word(&d.verdict)
        }
        Event::Channel(c) => {
            let name = &policy.channels[usize::from(c)].name;
            let text = inst.text.as_deref().unwrap_or("");
            let mut out = String::new();
            let d = session.decide_output_named(name, text, &mut out);
            if let (true, Some(ticket)) = (approve, d.ticket) {
                let id = image.channel_id(name).unwrap();
                let done = session.approve_output(ticket, id, text, &mut out).unwrap();
                assert_eq!(done.verdict, Verdict::Allow);
            }
            word(&d.verdict)
        }
    }
}

/// A scalar value as the host sends it (the fixtures' W0505 traces use no
/// lists or JSON).
fn arg<'v>(policy: &'v Policy, v: &'v Value, ty: &Type) -> Arg<'v> {
    match v {
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(n) => Arg::Int(*n),
        Value::Str(s) => Arg::Str(s),
        Value::Enum(i) => match ty {
            Type::Enum(e) => policy.enums[usize::from(*e)]
                .get(usize::from(*i))
                .map_or(Arg::Absent, |n| Arg::Str(n)),
            _ => Arg::Absent,
        },
        Value::List(_) | Value::Json => Arg::Absent,
    }
}

/// Past its limit the search claims nothing about every state: the dead
/// rules of a fixture go unreported, with a note, while W0505 traces
/// found before the limit still are.
#[test]
fn a_search_past_its_limit_claims_nothing_universal() {
    let tiny = deep::Options {
        budget: Budget {
            max_states: 1,
            max_decisions: u64::MAX,
        },
        ..deep::Options::default()
    };
    let (_, dead) = check_deep(&workspace_root().join("tests/deep/dead_rules.guard"), tiny);
    assert!(dead.diagnostics.is_empty());
    assert!(dead
        .notes
        .iter()
        .any(|n| n.contains("stopped at its limit")));
    let few = deep::Options {
        budget: Budget {
            max_states: 1_000_000,
            max_decisions: 40,
        },
        ..deep::Options::default()
    };
    let (_, ranges) = check_deep(&workspace_root().join("tests/deep/ranges.guard"), few);
    assert!(ranges
        .notes
        .iter()
        .any(|n| n.contains("stopped at its limit")));
    assert!(ranges.diagnostics.iter().all(|d| d.code == Code::W0505));
}
