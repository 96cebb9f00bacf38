//! `guardc eval POLICY --replay DECISIONS.jsonl`: the backtest of a policy
//! change. A decision log that `guardc proxy` wrote (docs/proxy.md, "Decision
//! log") is re-decided under POLICY, and every decision whose verdict or
//! gates would change is reported.
//!
//! The log is read with serde_json alone (no dependency on the proxy
//! crate): the record format is the contract. Records are grouped by
//! `session`; each session gets a fresh runtime session opened with the
//! first record's `context.attrs`, and its `input`s are fed in log order,
//! so state and labels evolve as they did (or as they now would). Ticket
//! numbers of approvals are translated: a `{"approve": 3}` in the log
//! means the ticket the old run gave that escalation, which the new run
//! may number differently.
//!
//! Nothing is skipped silently. A record with a redacted `input` (see
//! `--log-redact`) cannot be re-decided and is reported as such; the
//! proxy's error records (with `error` and without `input`) are not
//! decisions and are only counted. Exit status: 0 nothing changes, 1 some
//! decision changes or cannot be replayed, 2 the log is unreadable (a line
//! that is not JSON, or a record without `input`, with its line number
//! and the code the runtime gives the same fault in an event: E0470 not
//! JSON, E0471 not an object, E0473 a missing field).

use std::collections::HashMap;
use std::io::Write;

use guard_runtime::{decision_json, Arg, Policy, Session};
use serde_json::{json, Map, Value};

use crate::check::{EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{EvalArgs, ReplayFormat};
use crate::compile::load;

/// What `--log-redact` puts in place of an erased field.
const REDACTED: &str = "[REDACTED]";

/// One decision of the log.
struct Record {
    line: usize,
    decision_id: String,
    session: String,
    attrs: Map<String, Value>,
    input: Value,
    tool: String,
    verdict: String,
    gates: Vec<String>,
    ticket: Option<u64>,
}

/// A decision that would change, or could not be re-decided.
struct Finding {
    record_line: usize,
    decision_id: String,
    session: String,
    tool: String,
    old: String,
    /// `Ok`: the new verdict (and gates); `Err`: why it cannot be replayed.
    new: Result<(String, Value), String>,
}

pub fn run(args: &EvalArgs, path: &std::path::Path) -> u8 {
    let loaded = match load(&args.policy) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return EXIT_INPUT;
        }
    };
    let (records, not_decisions) = match parse_log(&path.display().to_string(), &text) {
        Ok(x) => x,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            return EXIT_INPUT;
        }
    };
    let mut sessions: Vec<(&str, Vec<&Record>)> = Vec::new();
    for r in &records {
        match sessions.iter_mut().find(|(s, _)| *s == r.session) {
            Some((_, rs)) => rs.push(r),
            None => sessions.push((&r.session, vec![r])),
        }
    }
    let mut findings = Vec::new();
    for (_, rs) in &sessions {
        replay_session(&loaded.policy, rs, &mut findings);
    }
    // Sessions were replayed one after another; report in log order.
    findings.sort_by_key(|f| f.record_line);
    let report = match args.replay_format {
        ReplayFormat::Table => table(&findings),
        ReplayFormat::Json => json_report(&findings, records.len(), sessions.len(), not_decisions),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();
    let changed = findings.iter().filter(|f| f.new.is_ok()).count();
    let unreplayable = findings.len() - changed;
    eprintln!(
        "replayed {} in {}: {changed} would change, {unreplayable} cannot be replayed{}",
        crate::check::plural(records.len(), "decision"),
        crate::check::plural(sessions.len(), "session"),
        if not_decisions > 0 {
            format!(
                " ({} skipped: not decisions)",
                crate::check::plural(not_decisions, "error record")
            )
        } else {
            String::new()
        }
    );
    if findings.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

/// The decisions of the log and the number of error records; or every
/// unreadable line, each with its location.
fn parse_log(name: &str, bytes: &[u8]) -> Result<(Vec<Record>, usize), Vec<String>> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut not_decisions = 0;
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = n + 1;
        let at =
            |code: &str, message: String| format!("error[{code}]: {name}:{line_no}: {message}");
        let Ok(line) = std::str::from_utf8(line) else {
            errors.push(at("E0470", "the line is not UTF-8".into()));
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(at("E0470", format!("not a JSON record: {e}")));
                continue;
            }
        };
        let Some(obj) = value.as_object() else {
            errors.push(at("E0471", "a record must be a JSON object".into()));
            continue;
        };
        let Some(input) = obj.get("input") else {
            if obj.contains_key("error") {
                not_decisions += 1;
            } else {
                errors.push(at("E0473", "the record has no `input`".into()));
            }
            continue;
        };
        let result = obj.get("result").and_then(Value::as_object);
        let Some(verdict) = result
            .and_then(|r| r.get("verdict"))
            .and_then(Value::as_str)
        else {
            errors.push(at("E0473", "the record has no `result.verdict`".into()));
            continue;
        };
        let tool = input
            .get("tool")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                input
                    .get("output")
                    .and_then(Value::as_str)
                    .map(|c| format!("output {c}"))
            })
            .or_else(|| {
                obj.get("attributes")
                    .and_then(|a| a.get("gen_ai.tool.name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "-".to_string());
        records.push(Record {
            line: line_no,
            decision_id: obj
                .get("decision_id")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_string(),
            session: obj
                .get("session")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            attrs: obj
                .get("context")
                .and_then(|c| c.get("attrs"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            input: input.clone(),
            tool,
            verdict: verdict.to_string(),
            gates: gates_of(result.and_then(|r| r.get("gates"))),
            ticket: result.and_then(|r| r.get("ticket")).and_then(Value::as_u64),
        });
    }
    if errors.is_empty() {
        Ok((records, not_decisions))
    } else {
        Err(errors)
    }
}

fn gates_of(v: Option<&Value>) -> Vec<String> {
    let mut gates: Vec<String> = v
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|g| g.as_str().map_or_else(|| g.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    gates.sort();
    gates
}

fn replay_session(policy: &Policy, records: &[&Record], findings: &mut Vec<Finding>) {
    let finding = |r: &Record, new: Result<(String, Value), String>| Finding {
        record_line: r.line,
        decision_id: r.decision_id.clone(),
        session: r.session.clone(),
        tool: r.tool.clone(),
        old: verdict_text(&r.verdict, &r.gates),
        new,
    };
    let Some(first) = records.first() else {
        return;
    };
    let values: Vec<(String, AttrValue)> = first
        .attrs
        .iter()
        // An attribute the new policy no longer declares is not its
        // business; one it declares but the log lacks denies every event,
        // which the replay then shows.
        .filter(|(name, _)| policy.attr_index(name).is_some())
        .map(|(name, v)| (name.clone(), AttrValue::of(v)))
        .collect();
    let lists: Vec<Vec<Arg<'_>>> = values.iter().map(|(_, v)| v.list_args()).collect();
    let attrs: Vec<(&str, Arg<'_>)> = values
        .iter()
        .zip(&lists)
        .map(|((n, v), l)| (n.as_str(), v.arg(l)))
        .collect();
    let mut session = match Session::new(policy, &attrs) {
        Ok(s) => s,
        Err(e) => {
            for r in records {
                findings.push(finding(r, Err(format!("cannot open the session: {e}"))));
            }
            return;
        }
    };
    let mut tickets: HashMap<u64, u64> = HashMap::new();
    let mut out = String::new();
    for r in records {
        if is_redacted(&r.input) {
            findings.push(finding(r, Err("cannot replay: redacted".into())));
            continue;
        }
        let mut input = r.input.clone();
        let mut unmapped = None;
        for key in ["approve", "reject"] {
            if let Some(old) = input.get(key).and_then(Value::as_u64) {
                match tickets.get(&old) {
                    Some(new) => input[key] = json!(new),
                    None => unmapped = Some(old),
                }
            }
        }
        if let Some(old) = unmapped {
            findings.push(finding(
                r,
                Ok((
                    "(no escalation)".into(),
                    json!({"note": format!("the new policy did not escalate the call of ticket {old}")}),
                )),
            ));
            continue;
        }
        let decision = match session.decide_json(&input.to_string(), &mut out) {
            Ok(d) => d,
            Err(e) => {
                findings.push(finding(r, Err(format!("cannot replay: {} {e}", e.code()))));
                continue;
            }
        };
        let new: Value = match serde_json::from_str(&decision_json(policy, &decision, None)) {
            Ok(v) => v,
            Err(e) => {
                findings.push(finding(r, Err(format!("internal error: {e}"))));
                continue;
            }
        };
        let verdict = new["verdict"].as_str().unwrap_or("?").to_string();
        let gates = gates_of(new.get("gates"));
        if let (Some(old), Some(t)) = (r.ticket, new.get("ticket").and_then(Value::as_u64)) {
            tickets.insert(old, t);
        }
        if verdict != r.verdict || gates != r.gates {
            findings.push(finding(r, Ok((verdict_text(&verdict, &gates), new))));
        }
    }
}

/// Any string `[REDACTED]` anywhere in the input.
fn is_redacted(v: &Value) -> bool {
    match v {
        Value::String(s) => s == REDACTED,
        Value::Array(items) => items.iter().any(is_redacted),
        Value::Object(m) => m.values().any(is_redacted),
        _ => false,
    }
}

fn verdict_text(verdict: &str, gates: &[String]) -> String {
    if gates.is_empty() {
        verdict.to_string()
    } else {
        format!("{verdict} [{}]", gates.join(", "))
    }
}

/// An attribute value from a log record, owned, to be lent as an [`Arg`].
enum AttrValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
    /// A value no attribute can have; the session rejects it.
    Other,
}

impl AttrValue {
    fn of(v: &Value) -> AttrValue {
        match v {
            Value::Bool(b) => AttrValue::Bool(*b),
            Value::Number(n) => n.as_i64().map_or(AttrValue::Other, AttrValue::Int),
            Value::String(s) => AttrValue::Str(s.clone()),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map_or(AttrValue::Other, AttrValue::List),
            _ => AttrValue::Other,
        }
    }

    fn list_args(&self) -> Vec<Arg<'_>> {
        match self {
            AttrValue::List(items) => items.iter().map(|s| Arg::Str(s)).collect(),
            _ => Vec::new(),
        }
    }

    fn arg<'a>(&'a self, list: &'a [Arg<'a>]) -> Arg<'a> {
        match self {
            AttrValue::Bool(b) => Arg::Bool(*b),
            AttrValue::Int(i) => Arg::Int(*i),
            AttrValue::Str(s) => Arg::Str(s),
            AttrValue::List(_) => Arg::List(list),
            AttrValue::Other => Arg::Json,
        }
    }
}

fn table(findings: &[Finding]) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "LINE".into(),
        "DECISION_ID".into(),
        "SESSION".into(),
        "TOOL".into(),
        "OLD → NEW".into(),
    ]];
    for f in findings {
        let new = match &f.new {
            Ok((v, _)) => format!("{} → {v}", f.old),
            Err(why) => format!("{} → {why}", f.old),
        };
        rows.push([
            f.record_line.to_string(),
            f.decision_id.clone(),
            f.session.clone(),
            f.tool.clone(),
            new,
        ]);
    }
    if findings.is_empty() {
        return String::new();
    }
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        for (i, w) in widths.iter().enumerate() {
            out.push_str(&format!("{:<w$}  ", r[i], w = *w));
        }
        out.push_str(&r[4]);
        out.push('\n');
    }
    out
}

fn json_report(findings: &[Finding], records: usize, sessions: usize, errors: usize) -> String {
    let mut changed = Vec::new();
    let mut unreplayable = Vec::new();
    for f in findings {
        match &f.new {
            Ok((verdict, decision)) => changed.push(json!({
                "line": f.record_line, "decision_id": f.decision_id, "session": f.session,
                "tool": f.tool, "old": f.old, "new": verdict, "decision": decision,
            })),
            Err(why) => unreplayable.push(json!({
                "line": f.record_line, "decision_id": f.decision_id, "session": f.session,
                "tool": f.tool, "old": f.old, "reason": why,
            })),
        }
    }
    let doc = json!({
        "records": records, "sessions": sessions, "error_records": errors,
        "changed": changed, "unreplayable": unreplayable,
    });
    format!("{doc:#}\n")
}
