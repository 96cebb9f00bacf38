//! The JSON entry point: event shapes, errors with codes and locations,
//! decision objects.
// Tests unwrap: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guard_runtime::*;

fn policy() -> Policy {
    Policy::load(&encode(&common::mail_assistant())).unwrap()
}

#[test]
fn tool_and_output_events() {
    let p = policy();
    let mut s = Session::new(&p, &[("env", Arg::Str("prod"))]).unwrap();
    let mut out = String::new();
    let d = s
        .decide_json(
            r#"{"tool": "web.fetch", "args": {"url": "https://docs.rs/x"}}"#,
            &mut out,
        )
        .unwrap();
    assert!(d.is_allow());
    assert_eq!(
        decision_json(&p, &d, None),
        r#"{"verdict":"allow","reason":"rules","message":"matched rules","rules":[1],"ticket":null,"state_changed":true,"labels_added":["untrusted"]}"#
    );
    let d = s
        .decide_json(r#"{"output": "user", "text": "ssn 123-45-6789"}"#, &mut out)
        .unwrap();
    assert_eq!(out, "ssn [ssn]");
    let j = decision_json(&p, &d, Some(&out));
    assert!(
        j.contains(r#""redactions":[11]"#) && j.contains(r#""text":"ssn [ssn]""#),
        "{j}"
    );
    // Escalate, then approve by JSON.
    let ev = r#"{"tool": "mail.send", "args": {"to": "a", "subject": "b", "body": "c"}}"#;
    let d = s.decide_json(ev, &mut out).unwrap();
    let t = d.ticket.unwrap();
    let j = decision_json(&p, &d, None);
    assert!(
        j.contains(r#""gates":["user_confirm"]"#) && j.contains(r#""ticket":1"#),
        "{j}"
    );
    let approve = format!(
        r#"{{"approve": {}, "tool": "mail.send", "args": {{"to": "a", "subject": "b", "body": "c"}}}}"#,
        t.0
    );
    let d = s.decide_json(&approve, &mut out).unwrap();
    assert_eq!(d.reason, Reason::Approved);
    assert_eq!(s.state_value("sends"), Some(1));
    let err = s.decide_json(&approve, &mut out).unwrap_err();
    assert_eq!(err.code(), "E0460");
    let t = s.decide_json(ev, &mut out).unwrap().ticket.unwrap();
    let d = s
        .decide_json(&format!(r#"{{"reject": {}}}"#, t.0), &mut out)
        .unwrap();
    assert_eq!((d.verdict, d.reason), (Verdict::Deny, Reason::Rejected));
    // Arguments of the wrong JSON type are bad arguments, not errors.
    let d = s
        .decide_json(
            r#"{"tool": "mail.read", "args": {"folder": null}}"#,
            &mut out,
        )
        .unwrap();
    assert!(matches!(
        d.reason,
        Reason::BadArgument {
            problem: ArgProblem::WrongType,
            ..
        }
    ));
    let d = s
        .decide_json(
            r#"{"tool": "mail.read", "args": {"folder": 1.5}}"#,
            &mut out,
        )
        .unwrap();
    assert!(matches!(d.reason, Reason::BadArgument { .. }));
    let d = s.decide_json(r#"{"tool": "nope"}"#, &mut out).unwrap();
    assert_eq!(d.reason, Reason::UnknownTool);
    let j = decision_json(&p, &d, None);
    assert!(j.contains(r#""reason":"unknown_tool""#), "{j}");
}

#[test]
fn malformed_events_are_errors_with_codes() {
    let p = policy();
    let mut s = Session::new(&p, &[("env", Arg::Str("prod"))]).unwrap();
    let mut out = String::new();
    let mut code = |ev: &str| s.decide_json(ev, &mut out).unwrap_err().code();
    assert_eq!(code(""), "E0470");
    assert_eq!(code("{"), "E0470");
    assert_eq!(code(r#"{"tool": "x",}"#), "E0470");
    assert_eq!(code("[1]"), "E0471");
    assert_eq!(code(r#""tool""#), "E0471");
    assert_eq!(code(r#"{"tool": "x", "extra": 1}"#), "E0472");
    assert_eq!(code(r#"{"tool": "x", "text": "y"}"#), "E0472");
    assert_eq!(code(r#"{"output": "user"}"#), "E0473");
    assert_eq!(code(r#"{}"#), "E0473");
    assert_eq!(code(r#"{"tool": 1}"#), "E0474");
    assert_eq!(code(r#"{"tool": "x", "args": []}"#), "E0474");
    assert_eq!(code(r#"{"output": "user", "text": 3}"#), "E0474");
    assert_eq!(code(r#"{"approve": "x", "tool": "mail.read"}"#), "E0474");
    let e = s.decide_json("{\n  \"tool\": tru}", &mut out).unwrap_err();
    match e {
        EventError::Syntax {
            line,
            column,
            offset,
            ..
        } => {
            assert_eq!(line, 2);
            assert!(column > 0);
            assert!((10..17).contains(&offset), "{offset}");
        }
        e => panic!("{e:?}"),
    }
    assert!(e.to_string().starts_with("E0470: invalid JSON at 2:"));
}
