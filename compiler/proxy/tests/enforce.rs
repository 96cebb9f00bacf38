//! The transport-independent core on real policies (compiled from source
//! here), one raw message at a time: what is forwarded byte for byte,
//! what is answered instead, what is parked, and what the decision log
//! and the state directory hold afterwards.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use guard_proxy::{
    Action, Attrs, DecisionLog, Enforcer, LogMeta, Mode, Options, Outcome, Resolution, StateStore,
};
use guard_runtime::Policy;
use serde_json::{json, Value};

const POLICY: &str = r#"
policy mail;

use std::labels::{private};

tool mail.read(id: str) -> str labels [private];
tool mail.send(to: str, body: str) -> str;
tool mail.purge() -> str;
tool mail.archive(id: str) -> str;

state sent: int[0..1] = 0;

gate owner { approvers: ["owner"]; timeout: 1s; }

channel results;

allow mail.read;
allow mail.send when ends_with(to, "@acme.example");
escalate mail.send to owner when context has private;
deny mail.send when sent >= 1 because "one mail per session";
on mail.send { sent = sent + 1; }
deny mail.purge because "never";
allow mail.purge when false;

allow output results;
redact output results matching regex "[0-9]{4}-[0-9]{4}" with "[card]";
deny output results when contains(text, "TOP SECRET");
"#;

/// The policy compiled from `POLICY` (with `edit` applied to the text).
fn policy(text: &str) -> (Policy, Vec<u8>) {
    let checked = guard_check::check_source("/virtual/mail.guard", text, &guard_check::RealFs);
    let mut checked = checked;
    let Some(program) = checked.policies.iter_mut().find_map(|p| p.program.take()) else {
        panic!("the test policy does not check: {:?}", checked.diagnostics);
    };
    let bytes = match guard_codegen::build(&program, &checked.sources, Default::default()) {
        Ok(b) => b,
        Err(d) => panic!("the test policy does not build: {d:?}"),
    };
    match Policy::load(&bytes) {
        Ok(p) => (p, bytes),
        Err(e) => panic!("the test policy does not load: {e}"),
    }
}

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut v) => v.extend_from_slice(b),
            Err(_) => return Err(std::io::Error::other("poisoned")),
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    fn records(&self) -> Vec<Value> {
        let text = match self.0.lock() {
            Ok(v) => String::from_utf8_lossy(&v).into_owned(),
            Err(_) => panic!("poisoned"),
        };
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

struct Setup {
    mode: Mode,
    channel: Option<&'static str>,
    redact: Vec<String>,
    state: Option<StateStore>,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup {
            mode: Mode::Enforce,
            channel: Some("results"),
            redact: Vec::new(),
            state: None,
        }
    }
}

fn enforcer<'p>(policy: &'p Policy, setup: Setup, log: &Buf) -> Result<Enforcer<'p>, String> {
    let meta = LogMeta {
        path: "guard/mail".into(),
        revision: "r".into(),
        version: "0.0.0".into(),
        session: "s1".into(),
        attrs: serde_json::Map::new(),
        mcp_session: None,
    };
    let options = Options {
        mode: setup.mode,
        tool_prefix: "mail.".into(),
        result_channel: setup.channel.map(str::to_owned),
        default_approval_timeout: None,
    };
    let log = DecisionLog::new(Box::new(log.clone()), setup.redact)?;
    Enforcer::new(
        policy,
        &Attrs::default(),
        options,
        meta,
        Some(log),
        setup.state,
    )
}

fn call(id: u64, name: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}}).to_string()
}

fn response_text(msg: &str) -> (bool, String) {
    let v: Value = serde_json::from_str(msg).unwrap_or_else(|e| panic!("{e}: {msg}"));
    let err = v.pointer("/result/isError").and_then(Value::as_bool) == Some(true);
    let text = v
        .pointer("/result/content/0/text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    (err, text)
}

#[test]
fn allowed_calls_and_their_answers_pass_byte_for_byte() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    // Odd spacing and an unknown field survive, because nothing is
    // re-serialised.
    let raw = r#"{"jsonrpc":"2.0", "id":"a-1","method":"tools/call","params":{"name":"read","arguments":{"id":"7"},"_meta":{"x":1}},"future":true}"#;
    assert_eq!(e.from_client(raw), Action::Forward);
    let answer =
        r#"{"jsonrpc":"2.0","id":"a-1","result":{"content":[{"type":"text","text":"hi"}]}}"#;
    assert_eq!(e.from_server(answer), Action::Forward);
    assert_eq!(e.pending_requests(), 0);
    let recs = log.records();
    // The call, then its result on the result channel.
    assert_eq!(recs.len(), 2);
    let r = &recs[0];
    for k in [
        "decision_id",
        "timestamp",
        "path",
        "labels",
        "bundles",
        "mode",
        "session",
        "context",
        "input",
        "result",
        "metrics",
        "attributes",
    ] {
        assert!(r.get(k).is_some(), "missing {k}: {r}");
    }
    assert_eq!(
        r["input"],
        json!({"tool": "mail.read", "args": {"id": "7"}})
    );
    assert_eq!(r["result"]["verdict"], "allow");
    assert_eq!(r["result"]["labels_added"], json!(["private"]));
    assert_eq!(r["result"]["forwarded"], true);
    assert_eq!(r["attributes"]["jsonrpc.request.id"], "a-1");
    assert_eq!(r["attributes"]["gen_ai.tool.name"], "mail.read");
    assert_eq!(recs[1]["input"], json!({"output": "results", "text": "hi"}));
    Ok(())
}

#[test]
fn denied_and_undeclared_calls_are_answered_not_forwarded() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    let Action::Respond(m) = e.from_client(&call(
        1,
        "send",
        json!({"to": "x@evil.example", "body": "b"}),
    )) else {
        panic!("a denied call must be answered by the proxy");
    };
    let (err, text) = response_text(&m);
    assert!(err);
    let did = log.records()[0]["decision_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains(&did) && text.contains("mail.send"), "{text}");
    let Action::Respond(m) = e.from_client(&call(2, "purge", json!({}))) else {
        panic!("an always-denied call must be answered");
    };
    assert!(response_text(&m).1.contains("because \"never\""), "{m}");
    let Action::Respond(m) = e.from_client(&call(3, "delete_everything", json!({}))) else {
        panic!("an undeclared tool must be denied");
    };
    assert!(response_text(&m).0);
    let recs = log.records();
    assert_eq!(recs[2]["result"]["reason"], "unknown_tool");
    assert!(recs.iter().all(|r| r["result"]["forwarded"] == false));
    assert_eq!(e.pending_requests(), 0);
    Ok(())
}

#[test]
fn escalations_park_until_resolved() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    assert_eq!(
        e.from_client(&call(1, "read", json!({"id": "1"}))),
        Action::Forward
    );
    let send = call(2, "send", json!({"to": "a@acme.example", "body": "b"}));
    let Action::Park(esc) = e.from_client(&send) else {
        panic!("a call to a gated tool must be parked");
    };
    assert_eq!(esc.timeout, Some(Duration::from_secs(1)));
    assert_eq!(esc.request["gates"], json!(["owner"]));
    // Other traffic goes on while the call waits.
    assert_eq!(
        e.from_client(&call(3, "read", json!({"id": "2"}))),
        Action::Forward
    );
    assert_eq!(
        e.resolve(esc.ticket, Outcome::Approved),
        Some(Resolution::Forward(send.clone()))
    );
    assert_eq!(
        e.resolve(esc.ticket, Outcome::Approved),
        None,
        "a ticket resolves once"
    );
    // The approval executed the effect: the next send is over quota.
    let Action::Respond(m) = e.from_client(&call(
        4,
        "send",
        json!({"to": "a@acme.example", "body": "c"}),
    )) else {
        panic!("over quota");
    };
    assert!(response_text(&m).1.contains("one mail per session"), "{m}");
    // The escalation's record carries the runtime's decision JSON.
    let escalated = log
        .records()
        .into_iter()
        .find(|r| r["result"]["verdict"] == "escalate")
        .unwrap_or_default();
    assert_eq!(escalated["result"]["gates"], json!(["owner"]));
    assert_eq!(escalated["result"]["ticket"], esc.ticket);
    assert_eq!(escalated["result"]["reason"], "rules");
    assert_eq!(escalated["result"]["message"], "matched rules");
    assert_eq!(escalated["result"]["forwarded"], false);
    assert!(escalated["result"]["rules"]
        .as_array()
        .is_some_and(|r| r.len() == 1));
    let approvals: Vec<Value> = log
        .records()
        .into_iter()
        .filter(|r| r["result"].get("approval").is_some())
        .collect();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0]["input"]["approve"], esc.ticket);
    assert_eq!(approvals[0]["result"]["approval"], "approved");
    assert_eq!(approvals[0]["result"]["forwarded"], true);
    Ok(())
}

#[test]
fn rejected_and_timed_out_escalations_are_answered() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    for outcome in [Outcome::Rejected, Outcome::Timeout] {
        let log = Buf::default();
        let mut e = enforcer(&p, Setup::default(), &log)?;
        assert_eq!(
            e.from_client(&call(1, "read", json!({"id": "1"}))),
            Action::Forward
        );
        let Action::Park(esc) = e.from_client(&call(
            2,
            "send",
            json!({"to": "a@acme.example", "body": "b"}),
        )) else {
            panic!("parked");
        };
        let Some(Resolution::Respond(m)) = e.resolve(esc.ticket, outcome) else {
            panic!("a rejected call is answered");
        };
        assert!(response_text(&m).0);
        let last = log.records().pop().unwrap_or_default();
        assert_eq!(last["input"], json!({"reject": esc.ticket}));
        let word = if outcome == Outcome::Timeout {
            "timeout"
        } else {
            "rejected"
        };
        assert_eq!(last["result"]["approval"], word);
        assert_eq!(last["result"]["forwarded"], false);
    }
    Ok(())
}

#[test]
fn tools_list_hides_tools_no_rule_can_allow() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    assert_eq!(
        e.from_client(r#"{"jsonrpc":"2.0","id":9,"method":"tools/list"}"#),
        Action::Forward
    );
    let list = json!({"jsonrpc": "2.0", "id": 9, "result": {"tools": [
        {"name": "read"}, {"name": "send"}, {"name": "purge"}, {"name": "archive"}, {"name": "other"}
    ], "nextCursor": "c"}});
    let Action::Rewrite(m) = e.from_server(&list.to_string()) else {
        panic!("the list must be filtered");
    };
    let v: Value = serde_json::from_str(&m).map_err(|e| e.to_string())?;
    let names: Vec<&str> = v["result"]["tools"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    // purge: an unconditional deny; archive: no allow rule; other: undeclared.
    assert_eq!(names, ["read", "send"]);
    assert_eq!(v["result"]["nextCursor"], "c");
    Ok(())
}

#[test]
fn results_are_redacted_or_withheld_by_output_rules() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    e.from_client(&call(1, "read", json!({"id": "1"})));
    let answer = json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [
        {"type": "text", "text": "card 1234-5678 ok"}], "structuredContent": {"card": "1234-5678"}}});
    let Action::Rewrite(m) = e.from_server(&answer.to_string()) else {
        panic!("a redacted result is rewritten");
    };
    let v: Value = serde_json::from_str(&m).map_err(|e| e.to_string())?;
    assert_eq!(v["result"]["content"][0]["text"], "card [card] ok");
    assert_eq!(v["result"]["structuredContent"], json!({"card": "[card]"}));
    e.from_client(&call(2, "read", json!({"id": "2"})));
    let answer = json!({"jsonrpc": "2.0", "id": 2, "result": {"content": [{"type": "text", "text": "TOP SECRET plans"}]}});
    let Action::Rewrite(m) = e.from_server(&answer.to_string()) else {
        panic!("a denied result is withheld");
    };
    let (err, text) = response_text(&m);
    assert!(err && !text.contains("plans"), "{text}");
    Ok(())
}

#[test]
fn shadow_mode_forwards_and_logs_the_would_be_deny() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let setup = Setup {
        mode: Mode::Shadow,
        ..Setup::default()
    };
    let mut e = enforcer(&p, setup, &log)?;
    assert_eq!(e.from_client(&call(1, "purge", json!({}))), Action::Forward);
    let answer =
        r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"TOP SECRET"}]}}"#;
    assert_eq!(e.from_server(answer), Action::Forward);
    let recs = log.records();
    assert_eq!(recs[0]["mode"], "shadow");
    assert_eq!(recs[0]["result"]["verdict"], "deny");
    assert_eq!(recs[0]["result"]["forwarded"], true);
    assert_eq!(recs[1]["result"]["verdict"], "deny");
    Ok(())
}

#[test]
fn malformed_messages_are_answered_or_dropped_never_forwarded() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    for bad in [
        "not json",
        "[1, 2]",
        "42",
        r#"{"id": 1, "method": "tools/call", "method": "x"}"#,
    ] {
        let Action::Respond(m) = e.from_client(bad) else {
            panic!("{bad:?} must be answered");
        };
        assert!(m.contains("\"error\""), "{m}");
    }
    // A call without a name, and one with non-object arguments.
    for bad in [
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"read","arguments":[1]}}"#,
    ] {
        let Action::Respond(m) = e.from_client(bad) else {
            panic!("{bad:?} must be answered");
        };
        assert!(m.contains("-32602"), "{m}");
    }
    // A tools/call notification cannot be answered, so it is not made.
    let note = r#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"read","arguments":{"id":"1"}}}"#;
    assert_eq!(e.from_client(note), Action::Drop);
    assert_eq!(e.from_server("{{{"), Action::Drop);
    let recs = log.records();
    assert!(recs
        .iter()
        .all(|r| r.get("error").is_some() && r.get("input").is_none()));
    // Every problem record carries the code of its source.
    for r in &recs {
        let code = r.pointer("/error/code").and_then(|c| c.as_str());
        let source = r.pointer("/error/source").and_then(|c| c.as_str());
        match source {
            Some("client") => assert_eq!(code, Some("E0610"), "{r}"),
            Some("server") => assert_eq!(code, Some("E0611"), "{r}"),
            other => panic!("unexpected source {other:?} in {r}"),
        }
    }
    assert_eq!(recs.len(), 8);
    Ok(())
}

#[test]
fn a_server_that_dies_leaves_no_request_unanswered() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    e.from_client(&call(1, "read", json!({"id": "1"})));
    e.from_client(r#"{"jsonrpc":"2.0","id":2,"method":"resources/list"}"#);
    let Action::Park(_) = e.from_client(&call(
        3,
        "send",
        json!({"to": "a@acme.example", "body": "b"}),
    )) else {
        panic!("parked");
    };
    let answers = e.server_gone("exit status: 3");
    let mut ids: Vec<i64> = answers
        .iter()
        .map(|m| {
            let v: Value = serde_json::from_str(m).unwrap_or_default();
            assert!(v.get("error").is_some(), "{m}");
            v["id"].as_i64().unwrap_or(-1)
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, [1, 2, 3]);
    Ok(())
}

#[test]
fn log_redaction_erases_named_fields() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let setup = Setup {
        redact: vec!["/args/body".into()],
        ..Setup::default()
    };
    let mut e = enforcer(&p, setup, &log)?;
    e.from_client(&call(
        1,
        "send",
        json!({"to": "a@acme.example", "body": "private words"}),
    ));
    let recs = log.records();
    assert_eq!(
        recs[0]["input"]["args"],
        json!({"to": "a@acme.example", "body": "[REDACTED]"})
    );
    Ok(())
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("guard-proxy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn state_survives_a_new_enforcer_and_a_foreign_snapshot_is_refused() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let dir = temp_dir("state");
    let log = Buf::default();
    {
        let setup = Setup {
            state: Some(StateStore::open(&dir, "s1")?),
            ..Setup::default()
        };
        let mut e = enforcer(&p, setup, &log)?;
        assert_eq!(
            e.from_client(&call(
                1,
                "send",
                json!({"to": "a@acme.example", "body": "b"})
            )),
            Action::Forward
        );
    }
    let setup = Setup {
        state: Some(StateStore::open(&dir, "s1")?),
        ..Setup::default()
    };
    let mut e = enforcer(&p, setup, &log)?;
    assert_eq!(e.session().state_value("sent"), Some(1));
    let Action::Respond(m) = e.from_client(&call(
        2,
        "send",
        json!({"to": "a@acme.example", "body": "c"}),
    )) else {
        panic!("the restored counter denies");
    };
    assert!(response_text(&m).1.contains("one mail per session"));
    // Another revision of the policy must not resume this state.
    let (other, _) = policy(&POLICY.replace("int[0..1]", "int[0..2]"));
    let setup = Setup {
        state: Some(StateStore::open(&dir, "s1")?),
        ..Setup::default()
    };
    let Err(err) = enforcer(&other, setup, &log) else {
        panic!("a foreign snapshot must be refused");
    };
    assert!(err.contains("E0454"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[test]
fn an_undeclared_result_channel_is_an_error() {
    let (p, _) = policy(POLICY);
    let setup = Setup {
        channel: Some("nope"),
        ..Setup::default()
    };
    assert!(enforcer(&p, setup, &Buf::default()).is_err());
}

#[test]
fn a_cancelled_parked_call_is_rejected_and_never_made() -> Result<(), String> {
    let (p, _) = policy(POLICY);
    let log = Buf::default();
    let mut e = enforcer(&p, Setup::default(), &log)?;
    e.from_client(&call(1, "read", json!({"id": "1"})));
    let Action::Park(esc) = e.from_client(&call(
        2,
        "send",
        json!({"to": "a@acme.example", "body": "b"}),
    )) else {
        panic!("parked");
    };
    let cancel = r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}"#;
    assert_eq!(e.from_client(cancel), Action::Forward);
    assert!(e.parked_tickets().is_empty());
    assert_eq!(e.resolve(esc.ticket, Outcome::Approved), None);
    let last = log.records().pop().unwrap_or_default();
    assert_eq!(last["input"], json!({"reject": esc.ticket}));
    assert_eq!(last["result"]["approval"], "cancelled");
    Ok(())
}
