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
//! column and byte offset. Never a panic. This path parses into a
//! `serde_json::Value`, so it allocates; the decision itself does not.

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
