//! `guardc prove`: check a policy, then answer each of its assertions (and
//! any `--query`) with the verifier, print the answers, and choose the exit
//! code: 0 every assertion holds, 1 some assertion is violated, 3 some
//! assertion is unknown (and none violated), 4 an internal disagreement
//! between an engine and the runtime, 2 usage or input errors.
//!
//! Human output goes to stderr, like `check`; `json` and `sarif` go to
//! stdout (or `-o FILE`). JSON traces use the shape of the Informal Trace
//! Format (ITF): a list of states, integers as `{"#bigint": "n"}`, sets as
//! `{"#set": [...]}`, with the event that led to each state.

use std::io::Write;

use guard_check::RealFs;
use guard_diagnostics::render::{self, RunInfo};
use guard_diagnostics::SourceMap;
use guard_verify::export::Format;
use guard_verify::symbolic::Budget;
use guard_verify::trace::{event_text, gates_text, state_text, value_text, Trace};
use guard_verify::{eval::Outcome, Answer, Engine, Options, Report, Status};
use serde_json::{json, Map, Value};

use crate::check::{stderr_wants_color, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{EmitFormat, EngineChoice, ProveArgs, ProveFormat};

pub const EXIT_UNKNOWN: u8 = 3;
pub const EXIT_INTERNAL: u8 = 4;

pub fn run(args: &ProveArgs) -> u8 {
    let path = &args.file;
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return EXIT_INPUT;
        }
    };
    // Ad-hoc queries are assertions appended to the policy, so they are
    // parsed, resolved and type-checked exactly like written ones.
    for (i, q) in args.queries.iter().enumerate() {
        text.push_str(&format!(
            "\nassert query_{}: {};\n",
            i + 1,
            q.trim().trim_end_matches(';')
        ));
    }
    let mut checked = guard_check::check_source(&path.to_string_lossy(), &text, &RealFs);
    let color = stderr_wants_color();
    if checked.error_count() > 0 {
        eprint!(
            "{}",
            render::human(&checked.sources, &checked.diagnostics, color)
        );
        eprintln!("error: `{}` has errors; nothing was proved", path.display());
        return EXIT_FINDINGS;
    }
    let Some(mut program) = checked.policies.iter_mut().find_map(|p| p.program.take()) else {
        eprintln!("error: `{}` holds no policy", path.display());
        return EXIT_FINDINGS;
    };
    if let Err(unknown) = keep_assertions(&mut program, &args.assertions, args.queries.len()) {
        let names: Vec<&str> = program.asserts.iter().map(|a| a.name.as_str()).collect();
        eprintln!(
            "error: `{}` has no assertion `{unknown}`; it has: {}",
            path.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
        return EXIT_INPUT;
    }
    let options = Options {
        engine: match args.engine {
            EngineChoice::Auto => Engine::Auto,
            EngineChoice::Bfs => Engine::Bfs,
            EngineChoice::Spacer => Engine::Spacer,
            EngineChoice::Bmc => Engine::Bmc,
        },
        max_states: args.max_states,
        budget: Budget {
            rlimit: args.rlimit,
            timeout_ms: args.timeout,
        },
        bmc_depth: args.bmc_depth,
        threads: args.jobs.unwrap_or(Options::default().threads),
        ..Options::default()
    };
    if let Some(format) = args.emit {
        return emit(args, &program, &checked.sources, format, options);
    }
    // The deep lints (W0502–W0505) come with every proof: they read the
    // same reachable states, and a dead rule matters most to someone
    // asking what the policy guarantees. They need no solver, so they run
    // on their own thread beside the proofs.
    let (report, (lints, notes)) = std::thread::scope(|scope| {
        let deep = scope.spawn(|| crate::check::deep_of(&program));
        let report = guard_verify::prove(&program, &checked.sources, options);
        // A panic in the lints is a bug: re-raise it rather than drop them.
        let deep = deep.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (report, deep)
    });
    let report = match report {
        Ok(r) => r,
        Err(diags) => {
            eprint!("{}", render::human(&checked.sources, &diags, color));
            return EXIT_FINDINGS;
        }
    };
    for note in &notes {
        eprintln!("note: deep lints: {note}");
    }
    let out = match args.format {
        ProveFormat::Human => {
            eprint!(
                "{}",
                guard_verify::report::human(&report, &checked.sources, color, args.invariant)
            );
            eprint!("{}", render::human(&checked.sources, &lints, color));
            None
        }
        ProveFormat::Json => Some(json_report(
            &report,
            &checked.sources,
            &path.to_string_lossy(),
            &lints,
        )),
        ProveFormat::Sarif => {
            let mut diags: Vec<_> = report
                .answers
                .iter()
                .filter_map(|a| guard_verify::report::diagnostic(&report.policy, a))
                .collect();
            diags.extend(lints.iter().cloned());
            let mut info = RunInfo::new(1);
            info.information_uri = env!("CARGO_PKG_REPOSITORY").to_string();
            Some(render::sarif(&checked.sources, &diags, &info))
        }
    };
    if let Some(out) = out {
        let written = match &args.output {
            Some(file) => std::fs::write(file, out),
            None => std::io::stdout().lock().write_all(out.as_bytes()),
        };
        if let Err(e) = written {
            eprintln!("error: cannot write the report: {e}");
            return EXIT_INPUT;
        }
    }
    eprintln!("{}", guard_verify::report::summary(&report));
    exit_code(&report.answers)
}

/// `--assertion`: keeps the named assertions and the `--query` ones (the
/// last `queries` of the program); all of them when no name is given.
/// `Err` names the first name the policy does not have.
fn keep_assertions(
    program: &mut guard_check::hir::Program,
    names: &[String],
    queries: usize,
) -> Result<(), String> {
    if names.is_empty() {
        return Ok(());
    }
    if let Some(unknown) = names
        .iter()
        .find(|n| !program.asserts.iter().any(|a| &a.name == *n))
    {
        return Err(unknown.clone());
    }
    let written = program.asserts.len().saturating_sub(queries);
    let mut i = 0;
    program.asserts.retain(|a| {
        let keep = i >= written || names.contains(&a.name);
        i += 1;
        keep
    });
    Ok(())
}

/// `--emit`: one export per assertion, to stdout (SMT-LIB scripts joined
/// by `(reset)`, so a solver reads them in one run), to `-o FILE` (one
/// assertion), or as `DIR/ASSERTION.EXT` (`-o DIR`, or several).
fn emit(
    args: &ProveArgs,
    program: &guard_check::hir::Program,
    sources: &SourceMap,
    format: EmitFormat,
    options: Options,
) -> u8 {
    let format = match format {
        EmitFormat::Smt2 => Format::Smt2,
        EmitFormat::Horn => Format::Horn,
        EmitFormat::Pml => Format::Pml,
    };
    let exports = match guard_verify::export::emit(program, format, options) {
        Ok(e) => e,
        Err(diags) => {
            eprint!("{}", render::human(sources, &diags, stderr_wants_color()));
            return EXIT_FINDINGS;
        }
    };
    let mut texts = Vec::new();
    let mut failed = false;
    for e in &exports {
        if let Some(why) = &e.inexact {
            eprintln!(
                "warning: `{}`: the model is not exact ({why}); a verdict on the export is about the model only",
                e.assertion
            );
        }
        match &e.text {
            Ok(t) => texts.push((&e.assertion, t.as_str())),
            Err(why) => {
                eprintln!(
                    "error: cannot export `{}` as {format:?}: {why}",
                    e.assertion
                );
                failed = true;
            }
        }
    }
    let written = match &args.output {
        Some(out) if exports.len() > 1 || out.is_dir() => {
            std::fs::create_dir_all(out).and_then(|()| {
                texts.iter().try_for_each(|(name, t)| {
                    std::fs::write(out.join(format!("{name}.{}", format.extension())), t)
                })
            })
        }
        Some(file) => match texts.first() {
            Some((_, t)) => std::fs::write(file, t),
            None => Ok(()),
        },
        None if exports.len() > 1 && format == Format::Pml => {
            eprintln!(
                "error: {} assertions make as many Promela models: write them with `-o DIR`",
                exports.len()
            );
            return EXIT_INPUT;
        }
        None => {
            let all: Vec<&str> = texts.iter().map(|(_, t)| *t).collect();
            std::io::stdout()
                .lock()
                .write_all(all.join("(reset)\n").as_bytes())
        }
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the export: {e}");
        return EXIT_INPUT;
    }
    if failed {
        EXIT_INPUT
    } else {
        EXIT_OK
    }
}

fn exit_code(answers: &[Answer]) -> u8 {
    let any = |f: fn(&Status) -> bool| answers.iter().any(|a| f(&a.status));
    if any(|s| matches!(s, Status::Disagreement(_))) {
        EXIT_INTERNAL
    } else if any(|s| matches!(s, Status::Violated)) {
        EXIT_FINDINGS
    } else if any(|s| matches!(s, Status::Unknown(_))) {
        EXIT_UNKNOWN
    } else {
        EXIT_OK
    }
}

fn json_report(
    report: &Report,
    sources: &SourceMap,
    file: &str,
    lints: &[guard_diagnostics::Diagnostic],
) -> String {
    let answers: Vec<Value> = report
        .answers
        .iter()
        .map(|a| {
            let (at_file, line, column) = match sources.get(a.name_span.file) {
                Some(f) => {
                    let lc = f.line_col(a.name_span.start);
                    (sources.name(a.name_span.file).to_string(), lc.line, lc.col)
                }
                None => (file.to_string(), 0, 0),
            };
            let mut obj = Map::new();
            obj.insert("assertion".into(), json!(a.name));
            obj.insert(
                "kind".into(),
                json!(match a.kind {
                    guard_ir::AssertKind::Never => "never",
                    guard_ir::AssertKind::Possible => "possible",
                }),
            );
            obj.insert("status".into(), json!(guard_verify::report::word(a)));
            obj.insert("holds".into(), json!(matches!(a.status, Status::Holds)));
            obj.insert("engine".into(), json!(a.engine));
            obj.insert("states".into(), json!(a.states));
            obj.insert("depth".into(), json!(a.depth));
            obj.insert(
                "time_ms".into(),
                json!((a.elapsed.as_secs_f64() * 1e6).round() / 1e3),
            );
            obj.insert(
                "location".into(),
                json!({ "file": at_file, "line": line, "column": column }),
            );
            if let Status::Unknown(why) | Status::Disagreement(why) = &a.status {
                obj.insert("reason".into(), json!(why));
            }
            if let Some(t) = &a.trace {
                obj.insert("trace".into(), itf(report, t, file));
            }
            Value::Object(obj)
        })
        .collect();
    let doc = json!({
        "version": 1,
        "tool": { "name": "guardc", "version": env!("CARGO_PKG_VERSION") },
        "policy": report.policy.name,
        "exact": report.inexact.is_none(),
        "inexact_reason": report.inexact,
        "answers": answers,
        // The deep lints, each in the shape of `guardc check --format json`.
        "lints": serde_json::from_str::<Value>(&render::json(sources, lints, &RunInfo::new(1)))
            .ok()
            .and_then(|d| d.get("diagnostics").cloned())
            .unwrap_or_else(|| json!([])),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// A trace in the shape of the Informal Trace Format.
fn itf(report: &Report, t: &Trace, file: &str) -> Value {
    let p = &report.policy;
    let bigint = |n: i64| json!({ "#bigint": n.to_string() });
    let state_obj = |state: &[i64], ctx: u64| {
        let mut o = Map::new();
        for (i, s) in p.states.iter().enumerate() {
            let v = state.get(i).copied().unwrap_or(0);
            o.insert(
                s.name.clone(),
                match s.kind {
                    guard_ir::StateKind::Bool => json!(v != 0),
                    guard_ir::StateKind::Enum(_) => json!(state_text(p, i, v)),
                    guard_ir::StateKind::Int { .. } => bigint(v),
                },
            );
        }
        let labels: Vec<&str> = p
            .labels
            .iter()
            .enumerate()
            .filter(|(b, _)| ctx & (1u64 << b) != 0)
            .map(|(_, l)| l.as_str())
            .collect();
        o.insert("context".into(), json!({ "#set": labels }));
        o
    };
    let init: Vec<i64> = p.states.iter().map(|s| s.init).collect();
    let mut states = Vec::new();
    let mut first = state_obj(&init, 0);
    first.insert("#meta".into(), json!({ "index": 0 }));
    first.insert("event".into(), Value::Null);
    states.push(Value::Object(first));
    for (n, step) in t.steps.iter().enumerate() {
        let mut o = state_obj(&step.state, step.ctx);
        o.insert("#meta".into(), json!({ "index": n + 1 }));
        let mut ev = Map::new();
        ev.insert("text".into(), json!(event_text(p, &step.instance)));
        match step.instance.event {
            guard_ir::Event::Tool(i) => {
                let tool = &p.tools[usize::from(i)];
                ev.insert("tool".into(), json!(tool.name));
                let mut args = Map::new();
                for (param, v) in tool.params.iter().zip(&step.instance.args) {
                    if let Some(v) = v {
                        args.insert(param.name.clone(), json!(value_text(p, v, &param.ty)));
                    }
                }
                ev.insert("args".into(), Value::Object(args));
            }
            guard_ir::Event::Channel(c) => {
                ev.insert("output".into(), json!(p.channels[usize::from(c)].name));
                ev.insert("text".into(), json!(step.instance.text));
            }
        }
        let (verdict, gates) = match step.outcome {
            Outcome::Allow => ("allow", String::new()),
            Outcome::Escalate(g) => ("escalate", gates_text(p, g)),
            Outcome::Deny(_) => ("deny", String::new()),
        };
        ev.insert("verdict".into(), json!(verdict));
        if !gates.is_empty() {
            ev.insert(
                "approved_gates".into(),
                json!(gates.split(", ").collect::<Vec<_>>()),
            );
        }
        ev.insert("rules".into(), json!(step.rules));
        o.insert("event".into(), Value::Object(ev));
        states.push(Value::Object(o));
    }
    let mut vars: Vec<String> = p.states.iter().map(|s| s.name.clone()).collect();
    vars.push("context".into());
    vars.push("event".into());
    let params: Map<String, Value> = p
        .attrs
        .iter()
        .zip(&t.attrs)
        .map(|(a, v)| (a.name.clone(), json!(value_text(p, v, &a.ty))))
        .collect();
    json!({
        "#meta": { "format": "ITF", "source": file, "description": "guardc prove trace; `params` are the session attributes" },
        "params": params,
        "vars": vars,
        "states": states,
    })
}
