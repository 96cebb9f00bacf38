//! The JSON entry point (feature `json`), for hosts that are not Rust:
//! `guardc eval`, the MCP proxy. Events and decisions are one JSON object
//! each (`runtime/README.md` documents the shapes):
//!
//! ```text
//! {"tool": "mail.send", "args": {"to": "a@b.example", "n": 3}}
//! {"output": "user", "text": "..."}
//! {"approve": 7, "tool": "mail.send", "args": {...}}     (or an output)
//! {"reject": 7}
//! ```
//!
//! Malformed JSON, a missing or unknown field, a field of the wrong type:
//! an [`EventError`] with a stable code and, for syntax errors, the line,
//! column and byte offset. Never a panic. A tool call with scalar
//! arguments (strings without escapes, integers, booleans) is read in
//! place and does not allocate; any other event is parsed into a
//! `serde_json::Value`, which allocates (the decision itself does not).

use std::fmt;

use serde_json::{Map, Value};

use crate::decision::{Decision, Reason, RuleIds, TicketId, Verdict};
use crate::error::TicketError;
use crate::session::{Arg, Session};
use crate::Policy;

/// Why a JSON event could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// Not JSON. `line` and `column` are 1-based; `offset` is in bytes.
    Syntax {
        line: usize,
        column: usize,
        offset: usize,
        message: String,
    },
    /// The event is not a JSON object.
    NotAnObject,
    /// A field the event shape does not have.
    UnknownField { field: String },
    /// A required field is absent.
    MissingField { field: &'static str },
    /// A field of the wrong JSON type.
    FieldType { field: &'static str },
    /// `approve` / `reject` of a ticket that cannot be resolved.
    Ticket(TicketError),
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Syntax { .. } => "E0470",
            EventError::NotAnObject => "E0471",
            EventError::UnknownField { .. } => "E0472",
            EventError::MissingField { .. } => "E0473",
            EventError::FieldType { .. } => "E0474",
            EventError::Ticket(t) => t.code(),
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Syntax {
                line,
                column,
                message,
                ..
            } => write!(
                f,
                "{}: invalid JSON at {line}:{column}: {message}",
                self.code()
            ),
            EventError::NotAnObject => write!(f, "{}: an event is a JSON object", self.code()),
            EventError::UnknownField { field } => {
                write!(f, "{}: unknown field `{field}`", self.code())
            }
            EventError::MissingField { field } => {
                write!(f, "{}: missing field `{field}`", self.code())
            }
            EventError::FieldType { field } => {
                write!(f, "{}: field `{field}` has the wrong type", self.code())
            }
            EventError::Ticket(t) => t.fmt(f),
        }
    }
}

impl std::error::Error for EventError {}

fn syntax(src: &str, e: &serde_json::Error) -> EventError {
    let (line, column) = (e.line(), e.column());
    let mut offset = 0;
    for (i, l) in src.split('\n').enumerate() {
        if i + 1 >= line {
            offset += column.saturating_sub(1).min(l.len());
            break;
        }
        offset += l.len() + 1;
    }
    EventError::Syntax {
        line,
        column,
        offset: offset.min(src.len()),
        message: e.to_string(),
    }
}

impl Session<'_> {
    /// Decides one JSON event. For outputs, `out` receives the text as it
    /// may be emitted (redacted), and is empty unless the output executes.
    pub fn decide_json(&mut self, event: &str, out: &mut String) -> Result<Decision, EventError> {
        out.clear();
        // The common events, a tool call with scalar arguments and its
        // approval, are read in place; anything else goes through
        // `serde_json`.
        let mut named = [("", Arg::Absent); FAST_ARGS];
        if let Some((tool, n, approve)) = simple_call(event, &mut named) {
            if let Some(named) = named.get(..n) {
                return match approve {
                    None => Ok(self.decide_call_named(tool, named)),
                    Some(id) => self
                        .approve_named(TicketId(id), tool, named)
                        .map_err(EventError::Ticket),
                };
            }
        }
        let v: Value = serde_json::from_str(event).map_err(|e| syntax(event, &e))?;
        let Value::Object(obj) = v else {
            return Err(EventError::NotAnObject);
        };
        for k in obj.keys() {
            if !matches!(
                k.as_str(),
                "tool" | "args" | "output" | "text" | "approve" | "reject"
            ) {
                return Err(EventError::UnknownField { field: k.clone() });
            }
        }
        if let Some(r) = obj.get("reject") {
            if obj.len() != 1 {
                let other = obj
                    .keys()
                    .find(|k| *k != "reject")
                    .cloned()
                    .unwrap_or_default();
                return Err(EventError::UnknownField { field: other });
            }
            let id = r
                .as_u64()
                .ok_or(EventError::FieldType { field: "reject" })?;
            self.reject(TicketId(id)).map_err(EventError::Ticket)?;
            return Ok(Decision::deny(
                crate::decision::EventRef::Unknown,
                Reason::Rejected,
            ));
        }
        let approve = match obj.get("approve") {
            None => None,
            Some(a) => Some(TicketId(
                a.as_u64()
                    .ok_or(EventError::FieldType { field: "approve" })?,
            )),
        };
        match (obj.get("tool"), obj.get("output")) {
            (Some(t), None) => {
                if obj.contains_key("text") {
                    return Err(EventError::UnknownField {
                        field: "text".into(),
                    });
                }
                let tool = t.as_str().ok_or(EventError::FieldType { field: "tool" })?;
                let empty = Map::new();
                let args = match obj.get("args") {
                    None => &empty,
                    Some(Value::Object(m)) => m,
                    Some(_) => return Err(EventError::FieldType { field: "args" }),
                };
                // Lists borrow their elements from `lists`, built first.
                let lists: Vec<Vec<Arg<'_>>> = args
                    .values()
                    .map(|v| match v {
                        Value::Array(items) => items.iter().map(scalar).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                let named: Vec<(&str, Arg<'_>)> = args
                    .iter()
                    .zip(&lists)
                    .map(|((k, v), l)| {
                        let a = match v {
                            Value::Array(_) => Arg::List(l),
                            v => scalar(v),
                        };
                        (k.as_str(), a)
                    })
                    .collect();
                match approve {
                    None => Ok(self.decide_call_named(tool, &named)),
                    Some(id) => self
                        .approve_named(id, tool, &named)
                        .map_err(EventError::Ticket),
                }
            }
            (None, Some(c)) => {
                if obj.contains_key("args") {
                    return Err(EventError::UnknownField {
                        field: "args".into(),
                    });
                }
                let channel = c
                    .as_str()
                    .ok_or(EventError::FieldType { field: "output" })?;
                let text = match obj.get("text") {
                    Some(Value::String(s)) => s.as_str(),
                    Some(_) => return Err(EventError::FieldType { field: "text" }),
                    None => return Err(EventError::MissingField { field: "text" }),
                };
                match (approve, self.policy.channel_id(channel)) {
                    (None, _) => Ok(self.decide_output_named(channel, text, out)),
                    (Some(id), Some(ch)) => self
                        .approve_output(id, ch, text, out)
                        .map_err(EventError::Ticket),
                    (Some(_), None) => Err(EventError::Ticket(TicketError::EventMismatch)),
                }
            }
            (Some(_), Some(_)) => Err(EventError::UnknownField {
                field: "output".into(),
            }),
            (None, None) => Err(EventError::MissingField { field: "tool" }),
        }
    }
}

/// A JSON value as an argument: arrays and objects nested in a list, null,
/// and numbers that are not 64-bit integers only fit `json` parameters.
/// The most arguments [`simple_call`] reads.
const FAST_ARGS: usize = 8;

/// Reads `{"tool": "...", "args": {...}}` (and an optional `"approve":
/// TICKET`) in place when it is simple: no other field, each at most once,
/// distinct argument names, values that are strings without escapes,
/// integers in `i64`, `true` or `false`, a ticket that is a non-negative
/// integer in `i64`. The
/// arguments come in the order `serde_json`'s map would give them (so a
/// problem is reported at the same position). `None` for anything
/// else, which the general path then reads (and accepts or rejects) as
/// before: this only skips building a `serde_json::Value` for events it
/// would decode to the same call.
fn simple_call<'e>(
    event: &'e str,
    named: &mut [(&'e str, Arg<'e>); FAST_ARGS],
) -> Option<(&'e str, usize, Option<u64>)> {
    let mut r = Reader {
        b: event.as_bytes(),
        s: event,
        i: 0,
    };
    let (mut tool, mut args, mut n) = (None, false, 0);
    let mut approve = None;
    r.byte(b'{')?;
    loop {
        match r.string()? {
            "tool" if tool.is_none() => {
                r.byte(b':')?;
                tool = Some(r.string()?);
            }
            "approve" if approve.is_none() => {
                r.byte(b':')?;
                match r.scalar()? {
                    Arg::Int(t) if t >= 0 => approve = Some(t as u64),
                    _ => return None,
                }
            }
            "args" if !args => {
                args = true;
                r.byte(b':')?;
                r.byte(b'{')?;
                if r.peek()? == b'}' {
                    r.i += 1;
                } else {
                    loop {
                        let k = r.string()?;
                        if named.get(..n)?.iter().any(|(m, _)| *m == k) {
                            return None;
                        }
                        r.byte(b':')?;
                        let v = r.scalar()?;
                        *named.get_mut(n)? = (k, v);
                        n += 1;
                        if r.comma_or(b'}')? {
                            break;
                        }
                    }
                }
            }
            _ => return None,
        }
        if r.comma_or(b'}')? {
            break;
        }
    }
    r.ws();
    if r.i != r.b.len() {
        return None;
    }
    if map_sorts_keys() {
        named.get_mut(..n)?.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
    Some((tool?, n, approve))
}

/// Whether `serde_json`'s map orders its keys (the default) rather than
/// keeping them in insertion order (its feature `preserve_order`, which
/// another crate in the build may turn on).
fn map_sorts_keys() -> bool {
    static SORTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SORTS.get_or_init(|| {
        let mut m = Map::new();
        m.insert("b".into(), Value::Null);
        m.insert("a".into(), Value::Null);
        m.keys().next().map(String::as_str) == Some("a")
    })
}

/// The position of the first `"`, `\\` or control character in `b` from
/// `from`, or `b.len()`; eight bytes at a time.
fn special(b: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let Ok(w) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let w = u64::from_le_bytes(w);
        let q = w ^ (ONES * u64::from(b'"'));
        let s = w ^ (ONES * u64::from(b'\\'));
        // Each test flags its first matching byte truly (false positives
        // only sit above a true one), so the lowest flag is a match.
        let t = (q.wrapping_sub(ONES) & !q)
            | (s.wrapping_sub(ONES) & !s)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let t = t & HIGH;
        if t != 0 {
            return i + (t.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if matches!(c, b'"' | b'\\' | 0..=0x1f) {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// A cursor over a simple event.
struct Reader<'e> {
    b: &'e [u8],
    s: &'e str,
    i: usize,
}

impl<'e> Reader<'e> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// The next byte after white space (not consumed).
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn byte(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// `true` after the closing `close`, `false` after a comma.
    fn comma_or(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(false),
            c if c == close => Some(true),
            _ => None,
        }
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'e str> {
        self.byte(b'"')?;
        let start = self.i;
        self.i = special(self.b, self.i);
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let s = self.s.get(start..self.i)?;
        self.i += 1;
        Some(s)
    }

    fn scalar(&mut self) -> Option<Arg<'e>> {
        match self.peek()? {
            b'"' => self.string().map(Arg::Str),
            b't' => self.word("true").map(|()| Arg::Bool(true)),
            b'f' => self.word("false").map(|()| Arg::Bool(false)),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.i += usize::from(self.b.get(self.i) == Some(&b'-'));
                let digits = self.i;
                while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                let d = self.b.get(digits..self.i)?;
                // No leading zero, not `-0` (a float to serde_json), and
                // no fraction or exponent after.
                if d.is_empty()
                    || (d.first() == Some(&b'0') && (d.len() > 1 || digits > start))
                    || matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E'))
                {
                    return None;
                }
                self.s.get(start..self.i)?.parse().ok().map(Arg::Int)
            }
            _ => None,
        }
    }

    fn word(&mut self, w: &str) -> Option<()> {
        let end = self.i + w.len();
        (self.b.get(self.i..end)? == w.as_bytes()).then(|| self.i = end)
    }
}

fn scalar(v: &Value) -> Arg<'_> {
    match v {
        Value::Bool(b) => Arg::Bool(*b),
        Value::Number(n) => n.as_i64().map_or(Arg::Json, Arg::Int),
        Value::String(s) => Arg::Str(s),
        Value::Null | Value::Array(_) | Value::Object(_) => Arg::Json,
    }
}

/// A decision as one JSON object (see `runtime/README.md`). `text` is the
/// emitted text of an executed output.
pub fn decision_json(policy: &Policy, d: &Decision, text: Option<&str>) -> String {
    let ids = |r: &RuleIds| Value::from(r.as_slice().to_vec());
    let mut m = Map::new();
    m.insert("verdict".into(), d.verdict_word().into());
    if let Verdict::Escalate(g) = d.verdict {
        let gates: Vec<Value> = g
            .iter()
            .map(|i| policy.gate_name(i).unwrap_or("?").into())
            .collect();
        m.insert("gates".into(), gates.into());
    }
    m.insert("reason".into(), d.reason_word().into());
    m.insert("message".into(), d.reason_text(policy).into());
    m.insert("rules".into(), ids(&d.rules));
    if !d.redactions.is_empty() {
        m.insert("redactions".into(), ids(&d.redactions));
    }
    m.insert(
        "ticket".into(),
        d.ticket.map_or(Value::Null, |t| Value::from(t.0)),
    );
    m.insert("state_changed".into(), d.state_changed.into());
    if d.labels_added != 0 {
        let labels: Vec<Value> = (0..64)
            .filter(|i| (d.labels_added >> i) & 1 == 1)
            .map(|i| policy.label_name(i).unwrap_or("?").into())
            .collect();
        m.insert("labels_added".into(), labels.into());
    }
    if let Some(t) = text {
        if d.is_allow() {
            m.insert("text".into(), t.into());
        }
    }
    Value::Object(m).to_string()
}

#[cfg(test)]
mod tests {
    // A test may unwrap.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    /// What the general path makes of `event`, when it is a tool call
    /// (approved or not).
    type General = (String, Vec<(String, Arg<'static>)>, Option<u64>);

    fn general(event: &str) -> Option<General> {
        let v: Value = serde_json::from_str(event).ok()?;
        let obj = v.as_object()?;
        if obj
            .keys()
            .any(|k| k != "tool" && k != "args" && k != "approve")
        {
            return None;
        }
        let approve = match obj.get("approve") {
            None => None,
            Some(a) => Some(a.as_u64()?),
        };
        let tool = obj.get("tool")?.as_str()?.to_owned();
        let empty = Map::new();
        let args = match obj.get("args") {
            None => &empty,
            Some(a) => a.as_object()?,
        };
        let named = args
            .iter()
            .map(|(k, v)| {
                let a = match scalar(v) {
                    Arg::Str(s) => Arg::Str(Box::leak(s.to_owned().into_boxed_str())),
                    Arg::Int(n) => Arg::Int(n),
                    Arg::Bool(b) => Arg::Bool(b),
                    Arg::Json => Arg::Json,
                    Arg::Absent | Arg::List(_) | Arg::Url(_) => return None,
                };
                Some((k.clone(), a))
            })
            .collect::<Option<Vec<_>>>()?;
        Some((tool, named, approve))
    }

    fn check(event: &str) {
        let mut named = [("", Arg::Absent); FAST_ARGS];
        if let Some((tool, n, approve)) = simple_call(event, &mut named) {
            let (t, g, a) = general(event).unwrap_or_else(|| panic!("{event:?}"));
            assert_eq!(tool, t, "{event:?}");
            assert_eq!(approve, a, "{event:?}");
            let fast: Vec<(String, Arg<'_>)> = named[..n]
                .iter()
                .map(|(k, a)| ((*k).to_owned(), *a))
                .collect();
            assert_eq!(fast, g, "{event:?}");
        }
    }

    #[test]
    fn simple_calls_read_as_the_general_path() {
        for e in [
            r#"{"tool": "fs.write", "args": {"path": "/tmp/a", "data": "hi"}}"#,
            r#"{"args":{"b":1,"a":-2,"c":true,"d":false},"tool":"t"}"#,
            r#" { "tool" : "t" } "#,
            r#"{"tool": "t", "args": {}}"#,
            r#"{"tool": "t", "args": {"n": -0, "m": 9223372036854775807}}"#,
            r#"{"tool": "t", "args": {"n": 9223372036854775808}}"#,
            r#"{"tool": "t", "args": {"n": 1.5}}"#,
            r#"{"tool": "t", "args": {"n": 01}}"#,
            r#"{"tool": "t", "args": {"a": 1, "a": 2}}"#,
            r#"{"tool": "t", "tool": "u"}"#,
            r#"{"tool": "t", "args": {"s": "a\"b"}}"#,
            r#"{"tool": "t", "args": {"s": "é ü"}}"#,
            r#"{"tool": "t", "args": {"l": [1]}}"#,
            r#"{"tool": "t", "args": {"x": null}}"#,
            r#"{"tool": "t"} x"#,
            r#"{"tool": "t",}"#,
            r#"{"tool": "t", "args": {"a": 1,}}"#,
            r#"{"tool": "t", "output": "u"}"#,
            r#"{"tool": 1}"#,
            r#"{"args": {}}"#,
            "{}",
            "",
            r#"{"tool": "t", "args": {"s": "abcdefghijklmno\"pqrstuvwxyz"}}"#,
            r#"{"tool": "t", "args": {"s": "abcdefghijklmnopqrstuvwxyzéèàü€"}}"#,
            "{\"tool\": \"abcdefghijk\u{1}lmnop\"}",
            "{\"tool\": \"abcdefghijklmnop\u{7f}\"}",
            "{\"tool\": \"abcdefghijklmnop\u{1f}\"}",
            r#"{"approve": 3, "tool": "t", "args": {"a": "x"}}"#,
            r#"{"tool": "t", "approve": 0}"#,
            r#"{"tool": "t", "approve": -1}"#,
            r#"{"tool": "t", "approve": 1.0}"#,
            r#"{"tool": "t", "approve": "1"}"#,
            r#"{"tool": "t", "approve": 1, "approve": 2}"#,
            r#"{"tool": "t", "approve": 18446744073709551615}"#,
        ] {
            check(e);
        }
        let mut named = [("", Arg::Absent); FAST_ARGS];
        assert_eq!(
            simple_call(r#"{"approve": 3, "tool": "t"}"#, &mut named),
            Some(("t", 0, Some(3)))
        );
        let e = r#"{"tool": "fs.write", "args": {"path": "/tmp/a", "data": "hi"}}"#;
        assert!(simple_call(e, &mut named).is_some());
        for e in [
            "{\"tool\": \"abcdefghijk\u{1}lmnop\"}",
            r#"{"tool": "abcdefghijklmno\u0041"}"#,
        ] {
            assert!(simple_call(e, &mut named).is_none(), "{e:?}");
        }
        let e = "{\"tool\": \"abcdefghijklmnop\u{7f}é\"}";
        assert_eq!(
            simple_call(e, &mut named),
            Some(("abcdefghijklmnop\u{7f}é", 0, None))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

        /// Whatever the simple reader accepts, the general path reads the
        /// same.
        #[test]
        fn simple_reader_agrees(e in r#"[{}\[\]":, a-ctrueflsonu0-9.\-\\]{0,40}"#) {
            check(&e);
        }

        #[test]
        fn simple_reader_agrees_on_approvals(
            ticket in r#"-?[0-9]{1,20}|[0-9]\.[0-9]|"[0-9]"|null"#,
            first in any::<bool>(),
        ) {
            let e = if first {
                format!(r#"{{"approve": {ticket}, "tool": "t", "args": {{"a": 1}}}}"#)
            } else {
                format!(r#"{{"tool": "t", "args": {{"a": 1}}, "approve": {ticket}}}"#)
            };
            check(&e);
        }

        #[test]
        fn simple_reader_agrees_on_calls(
            args in proptest::collection::vec(
                (r#"[a-c]{1,2}"#, r#""[a-z/\\"]{0,4}"|-?[0-9]{1,3}|true|false|null|1\.0"#),
                0..5,
            ),
            ws in r#"[ \n]{0,1}"#,
        ) {
            let body: Vec<String> = args.iter().map(|(k, v)| format!("{ws}\"{k}\"{ws}:{ws}{v}")).collect();
            let e = format!("{{\"tool\":{ws}\"t\",{ws}\"args\":{{{}}}{ws}}}", body.join(","));
            check(&e);
        }
    }
}
