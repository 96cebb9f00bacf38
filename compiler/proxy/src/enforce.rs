//! The transport-independent core: an [`Enforcer`] holds one runtime
//! session and takes raw JSON-RPC messages one at a time, from the client
//! ([`Enforcer::from_client`]) or from the server
//! ([`Enforcer::from_server`]), answering with an [`Action`]: send the
//! message on unchanged, send a rewritten one, answer the sender instead,
//! park a call until an approver answers ([`Enforcer::resolve`]), or drop
//! it. Transports (stdio in [`crate::stdio`], Streamable HTTP) only move
//! bytes, run approvers and keep time.
//!
//! What is decided:
//!
//! * every `tools/call` request, as the runtime event
//!   `{"tool": PREFIX + name, "args": arguments}`; a `tools/call` without
//!   an id (a notification, which nobody could answer) is dropped;
//! * the text of every tool result, as output events on the result channel
//!   when one is configured (see [`results`](self::results));
//! * `tools/list` responses are filtered ([`crate::visibility`]).
//!
//! Everything else (initialisation, resources, prompts, notifications,
//! the server's own requests and the client's answers to them) is relayed
//! unchanged. Nothing here fails open: a message that cannot be read is
//! answered with an error or dropped, never forwarded.

mod results;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use guard_runtime::{Decision, Policy, Session, Verdict};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::attrs::Attrs;
use crate::jsonrpc::{self, Parsed};
use crate::log::{decision_id, push_str, timestamp, DecisionLog, LogMeta};
use crate::problem::{self, Source};
use crate::state::StateStore;
use crate::visibility::Visibility;

/// Enforce decisions, or only log them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    /// Decide and log every call, forward everything (`forwarded: true`).
    Shadow,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Shadow => "shadow",
        }
    }
}

/// How an [`Enforcer`] maps MCP onto the policy.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// Prepended to MCP tool names to get policy tool names (`fs.`).
    pub tool_prefix: String,
    /// The channel whose output rules decide tool results' text, if any.
    pub result_channel: Option<String>,
    /// How long to wait for an approver when the gate sets no timeout
    /// (`None`: as long as it takes, as the language defines).
    pub default_approval_timeout: Option<Duration>,
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send the message on, byte for byte.
    Forward,
    /// Send this message instead.
    Rewrite(String),
    /// Do not send the message on; answer its sender with this message.
    Respond(String),
    /// A `tools/call` waiting for approval: ask the approver, then call
    /// [`Enforcer::resolve`] with the ticket.
    Park(Escalation),
    /// Send nothing (the problem has been reported).
    Drop,
}

/// An escalated call waiting for an approver.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// The runtime's ticket; [`Enforcer::resolve`] takes it back.
    pub ticket: u64,
    /// What the approver is shown (the decision as JSON).
    pub request: Value,
    /// When to give up and reject; `None`: wait.
    pub timeout: Option<Duration>,
}

/// How an approver answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Rejected,
    /// Nobody answered within the gate's timeout: a rejection.
    Timeout,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::Timeout => "timeout",
        }
    }
}

/// What to do once an approver answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Send this (the original call) to the server.
    Forward(String),
    /// Answer the client with this.
    Respond(String),
    /// The call now waits for other gates.
    Park(Escalation),
}

/// A client request sent to the server and not answered yet.
#[derive(Debug)]
enum Inflight {
    ToolsList,
    ToolsCall { tool: String, id: Value },
    Other { id: Value },
}

/// A call waiting for its approver.
#[derive(Debug)]
struct Parked {
    raw: String,
    id: Value,
    tool: String,
    args: Value,
}

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Value>,
}

/// One session's enforcement (see the module docs).
pub struct Enforcer<'p> {
    policy: &'p Policy,
    session: Session<'p>,
    options: Options,
    meta: LogMeta,
    log: Option<DecisionLog>,
    state: Option<StateStore>,
    visibility: Visibility,
    /// By the id's JSON text.
    inflight: HashMap<String, Inflight>,
    /// By ticket.
    parked: HashMap<u64, Parked>,
    /// The output text of the last decision.
    text: String,
    /// The last event decided, as JSON text (what its record logs).
    event: String,
    /// The log fields every record shares ([`LogMeta::fixed_fields`]).
    fixed_fields: String,
}

impl<'p> Enforcer<'p> {
    /// Opens the session: restored from `state` when it holds a snapshot
    /// (one of another policy revision is an error: the state it carries
    /// — a taint label, a counter — must not silently reset), else fresh.
    pub fn new(
        policy: &'p Policy,
        attrs: &Attrs,
        options: Options,
        meta: LogMeta,
        log: Option<DecisionLog>,
        state: Option<StateStore>,
    ) -> Result<Enforcer<'p>, String> {
        let snapshot = match &state {
            Some(s) => s.load()?,
            None => None,
        };
        let session = attrs.with_args(|args| match &snapshot {
            Some(bytes) => Session::restore(policy, args, bytes).map_err(|e| {
                let path = state
                    .as_ref()
                    .map_or_else(String::new, |s| s.path().display().to_string());
                format!(
                    "cannot resume the session from `{path}`: {e} (delete the file or choose another --session to start afresh)"
                )
            }),
            None => Session::new(policy, args).map_err(|e| format!("cannot open a session: {e}")),
        })?;
        if let Some(r) = &result_channel_problem(policy, &options) {
            return Err(r.clone());
        }
        let fixed_fields = meta.fixed_fields(options.mode.word());
        Ok(Enforcer {
            policy,
            session,
            visibility: Visibility::of(policy),
            options,
            meta,
            log,
            state,
            inflight: HashMap::new(),
            parked: HashMap::new(),
            text: String::new(),
            event: String::new(),
            fixed_fields,
        })
    }

    /// The runtime session (state, context, pending tickets).
    pub fn session(&self) -> &Session<'p> {
        &self.session
    }

    /// Sets the transport's MCP session id, logged as `mcp.session.id`.
    pub fn set_mcp_session(&mut self, id: Option<String>) {
        self.meta.mcp_session = id;
    }

    /// The tickets of the calls waiting for an approver.
    pub fn parked_tickets(&self) -> Vec<u64> {
        self.parked.keys().copied().collect()
    }

    /// Requests sent to the server and not answered yet.
    pub fn pending_requests(&self) -> usize {
        self.inflight.len()
    }

    /// A message from the client.
    pub fn from_client(&mut self, raw: &str) -> Action {
        let env = match jsonrpc::parse(raw) {
            Parsed::Message(env) => env,
            Parsed::Batch => {
                self.error(Source::Client, "a JSON-RPC batch (MCP has no batches since 2025-06-18); answered with an error");
                return Action::Respond(jsonrpc::error_response(
                    &Value::Null,
                    jsonrpc::INVALID_REQUEST,
                    "guardc proxy: JSON-RPC batches are not supported",
                ));
            }
            Parsed::Malformed(why) => return Action::Respond(self.client_unreadable(&why)),
        };
        let Some(method) = env.method.as_deref() else {
            // The client's answer to a request of the server's.
            return Action::Forward;
        };
        let Some(raw_id) = env.id else {
            if method == "tools/call" {
                self.error(
                    Source::Client,
                    "a tools/call notification (no id) cannot be answered; dropped",
                );
                return Action::Drop;
            }
            if method == "notifications/cancelled" {
                self.cancelled(env.params.map(|p| p.get()));
            }
            return Action::Forward;
        };
        let id = jsonrpc::id_value(Some(raw_id));
        let key = jsonrpc::id_key(raw_id);
        match method {
            "tools/call" => self.call(raw, id, key, env.params.map(|p| p.get())),
            "tools/list" => {
                self.inflight.insert(key, Inflight::ToolsList);
                Action::Forward
            }
            _ => {
                self.inflight.insert(key, Inflight::Other { id });
                Action::Forward
            }
        }
    }

    /// A client message that cannot be read (`why`): reported, and the
    /// parse error to answer the client with.
    pub fn client_unreadable(&mut self, why: &str) -> String {
        self.error(Source::Client, &format!("malformed message: {why}"));
        jsonrpc::error_response(
            &Value::Null,
            jsonrpc::PARSE_ERROR,
            &format!("guardc proxy: {why}"),
        )
    }

    /// A server message that cannot be read: reported and dropped.
    pub fn server_unreadable(&mut self, why: &str) {
        self.error(
            Source::Server,
            &format!("malformed message, dropped: {why}"),
        );
    }

    /// A message from the server.
    pub fn from_server(&mut self, raw: &str) -> Action {
        let env = match jsonrpc::parse(raw) {
            Parsed::Message(env) => env,
            Parsed::Batch => {
                self.error(Source::Server, "a JSON-RPC batch; dropped");
                return Action::Drop;
            }
            Parsed::Malformed(why) => {
                self.server_unreadable(&why);
                return Action::Drop;
            }
        };
        if env.method.is_some() {
            // The server's own requests and notifications.
            return Action::Forward;
        }
        let Some(raw_id) = env.id else {
            return Action::Forward;
        };
        match self.inflight.remove(&jsonrpc::id_key(raw_id)) {
            Some(Inflight::ToolsList) => match env.result {
                Some(result) => self.filter_tools(raw, result.get()),
                None => Action::Forward,
            },
            Some(Inflight::ToolsCall { tool, id }) => match env.result {
                Some(result) if self.options.result_channel.is_some() => {
                    self.check_result(&tool, &id, result.get())
                }
                _ => Action::Forward,
            },
            Some(Inflight::Other { .. }) | None => Action::Forward,
        }
    }

    /// The server is gone: answers for every request it will never
    /// answer, and for every parked call (whose tickets are rejected).
    pub fn server_gone(&mut self, why: &str) -> Vec<String> {
        self.error(Source::Server, why);
        let message = format!("guardc proxy: the MCP server is gone: {why}");
        let mut out = Vec::new();
        for (_, f) in self.inflight.drain() {
            let id = match f {
                Inflight::ToolsList => continue,
                Inflight::ToolsCall { id, .. } | Inflight::Other { id } => id,
            };
            out.push(jsonrpc::error_response(
                &id,
                jsonrpc::INTERNAL_ERROR,
                &message,
            ));
        }
        let tickets: Vec<u64> = self.parked.keys().copied().collect();
        for t in tickets {
            if let Some(p) = self.parked.remove(&t) {
                let _ = self.session.reject(guard_runtime::TicketId(t));
                out.push(jsonrpc::error_response(
                    &p.id,
                    jsonrpc::INTERNAL_ERROR,
                    &message,
                ));
            }
        }
        self.persist();
        out
    }

    /// A `tools/call` request.
    fn call(&mut self, raw: &str, id: Value, key: String, params: Option<&str>) -> Action {
        let parsed = params.map(serde_json::from_str::<CallParams>);
        let Some(Ok(CallParams { name, arguments })) = parsed else {
            self.error(
                Source::Client,
                "a tools/call without a tool name; answered with an error",
            );
            return Action::Respond(jsonrpc::error_response(
                &id,
                jsonrpc::INVALID_PARAMS,
                "guardc proxy: tools/call needs params {\"name\": ..., \"arguments\": {...}}",
            ));
        };
        let args = match arguments {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(a @ Value::Object(_)) => a,
            Some(_) => {
                self.error(
                    Source::Client,
                    "tools/call arguments that are not an object",
                );
                return Action::Respond(jsonrpc::error_response(
                    &id,
                    jsonrpc::INVALID_PARAMS,
                    "guardc proxy: tools/call arguments must be an object",
                ));
            }
        };
        let tool = format!("{}{}", self.options.tool_prefix, name);
        let input = json!({"tool": tool, "args": args});
        let Some((d, ns)) = self.decide(&input) else {
            return Action::Respond(jsonrpc::result_response(
                &id,
                jsonrpc::tool_error(&format!(
                    "guardc proxy: the call to `{tool}` could not be decided, so it was not made"
                )),
            ));
        };
        let did = decision_id();
        let shadow = self.options.mode == Mode::Shadow;
        let forwarded = shadow || d.is_allow();
        self.record(&did, input, &d, None, forwarded, ns, &tool, &id);
        if forwarded {
            self.inflight.insert(key, Inflight::ToolsCall { tool, id });
            return Action::Forward;
        }
        match d.verdict {
            Verdict::Escalate(_) => {
                let Some(ticket) = d.ticket else {
                    return Action::Respond(self.denial(&id, &tool, &d, &did));
                };
                let escalation = self.escalation(&did, ticket.0, &tool, &args, &d);
                self.parked.insert(
                    ticket.0,
                    Parked {
                        raw: raw.to_owned(),
                        id,
                        tool,
                        args,
                    },
                );
                Action::Park(escalation)
            }
            _ => Action::Respond(self.denial(&id, &tool, &d, &did)),
        }
    }

    /// Feeds an approver's answer back into the session. `None` when the
    /// ticket is not parked (already resolved, or the client cancelled).
    pub fn resolve(&mut self, ticket: u64, outcome: Outcome) -> Option<Resolution> {
        let p = self.parked.remove(&ticket)?;
        let input = match outcome {
            Outcome::Approved => json!({"approve": ticket, "tool": p.tool, "args": p.args}),
            Outcome::Rejected | Outcome::Timeout => json!({"reject": ticket}),
        };
        let did = decision_id();
        let Some((d, ns)) = self.decide(&input) else {
            return Some(Resolution::Respond(jsonrpc::result_response(
                &p.id,
                jsonrpc::tool_error(&format!(
                    "guardc proxy: the approval of `{}` could not be applied (its ticket expired), so the call was not made",
                    p.tool
                )),
            )));
        };
        let forwarded = d.is_allow();
        self.record(
            &did,
            input,
            &d,
            Some(outcome.word()),
            forwarded,
            ns,
            &p.tool,
            &p.id,
        );
        if forwarded {
            self.inflight.insert(
                jsonrpc::key_of(&p.id),
                Inflight::ToolsCall {
                    tool: p.tool,
                    id: p.id,
                },
            );
            return Some(Resolution::Forward(p.raw));
        }
        if let (Verdict::Escalate(_), Some(t)) = (d.verdict, d.ticket) {
            let escalation = self.escalation(&did, t.0, &p.tool, &p.args, &d);
            self.parked.insert(t.0, p);
            return Some(Resolution::Park(escalation));
        }
        let text = match outcome {
            Outcome::Approved => self.denial_text(&p.tool, &d, &did),
            Outcome::Rejected | Outcome::Timeout => format!(
                "Guard policy `{}`: the call to `{}` needed approval and was {} (decision {did}); it was not made.",
                self.policy.name(),
                p.tool,
                if outcome == Outcome::Timeout {
                    "not approved in time"
                } else {
                    "rejected"
                },
            ),
        };
        Some(Resolution::Respond(jsonrpc::result_response(
            &p.id,
            jsonrpc::tool_error(&text),
        )))
    }

    /// `notifications/cancelled` for a parked call: its ticket is
    /// rejected and nothing is sent when the approver answers.
    fn cancelled(&mut self, params: Option<&str>) {
        let Some(Ok(v)) = params.map(serde_json::from_str::<Value>) else {
            return;
        };
        let Some(req) = v.get("requestId") else {
            return;
        };
        self.inflight.remove(&jsonrpc::key_of(req));
        let ticket = self
            .parked
            .iter()
            .find(|(_, p)| &p.id == req)
            .map(|(t, _)| *t);
        if let Some(t) = ticket {
            if let Some(p) = self.parked.remove(&t) {
                let input = json!({"reject": t});
                if let Some((d, ns)) = self.decide(&input) {
                    let did = decision_id();
                    self.record(
                        &did,
                        input,
                        &d,
                        Some("cancelled"),
                        false,
                        ns,
                        &p.tool,
                        &p.id,
                    );
                }
            }
        }
    }

    /// Decides one runtime event; persists the session when it changed.
    /// `None` (after reporting) when the runtime refuses the event.
    fn decide(&mut self, input: &Value) -> Option<(Decision, u64)> {
        self.event = input.to_string();
        let event = self.event.as_str();
        let t0 = Instant::now();
        let d = self.session.decide_json(event, &mut self.text);
        let ns = t0.elapsed().as_nanos() as u64;
        match d {
            Ok(d) => {
                if d.state_changed
                    || d.ticket.is_some()
                    || input.get("approve").is_some()
                    || input.get("reject").is_some()
                {
                    self.persist();
                }
                Some((d, ns))
            }
            Err(e) => {
                self.error(Source::Runtime, &format!("event {event} not decided: {e}"));
                None
            }
        }
    }

    /// Writes the session's snapshot, when there is a state directory. A
    /// snapshot that cannot be written is reported; the session goes on
    /// (its state in memory is right, and the next write may succeed).
    fn persist(&mut self) {
        if let Some(s) = &self.state {
            if let Err(e) = s.save(&self.session.snapshot()) {
                let msg = format!("state not saved: {e}");
                self.error(Source::State, &msg);
            }
        }
    }

    /// What the approver sees.
    fn escalation(
        &self,
        did: &str,
        ticket: u64,
        tool: &str,
        args: &Value,
        d: &Decision,
    ) -> Escalation {
        let image = self.policy.image();
        let gates: Vec<usize> = d.gates().iter().collect();
        let mut approvers: Vec<&str> = Vec::new();
        let mut timeout: Option<u64> = None;
        for g in &gates {
            if let Some(gate) = image.gates.get(*g) {
                for a in &gate.approvers {
                    let name = image.strings.get(a.0 as usize).map_or("?", String::as_str);
                    if !approvers.contains(&name) {
                        approvers.push(name);
                    }
                }
                if let Some(ms) = gate.timeout_ms {
                    timeout = Some(timeout.map_or(ms, |t: u64| t.min(ms)));
                }
            }
        }
        let timeout = timeout
            .map(Duration::from_millis)
            .or(self.options.default_approval_timeout);
        let gate_names: Vec<&str> = gates
            .iter()
            .map(|g| self.policy.gate_name(*g).unwrap_or("?"))
            .collect();
        Escalation {
            ticket,
            request: json!({
                "decision_id": did,
                "ticket": ticket,
                "session": self.meta.session,
                "path": self.meta.path,
                "tool": tool,
                "args": args,
                "gates": gate_names,
                "approvers": approvers,
                "timeout_ms": timeout.map(|t| t.as_millis() as u64),
                "rules": d.rules.as_slice(),
                "explanation": d.explain(self.policy),
            }),
            timeout,
        }
    }

    /// The `isError` result a denied call gets.
    fn denial(&self, id: &Value, tool: &str, d: &Decision, did: &str) -> String {
        jsonrpc::result_response(id, jsonrpc::tool_error(&self.denial_text(tool, d, did)))
    }

    fn denial_text(&self, tool: &str, d: &Decision, did: &str) -> String {
        format!(
            "Guard policy `{}` denied the call to `{tool}` (decision {did}); it was not made.\n{}",
            self.policy.name(),
            d.explain(self.policy).trim_end()
        )
    }

    /// Logs one decision. The line is written field by field rather than
    /// built as a `serde_json::Value`: this runs for every call, and the
    /// fixed fields are serialised once per session.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        did: &str,
        mut input: Value,
        d: &Decision,
        approval: Option<&str>,
        forwarded: bool,
        ns: u64,
        tool: &str,
        id: &Value,
    ) {
        let Some(log) = &self.log else {
            return;
        };
        let mut line = String::with_capacity(768);
        line.push_str("{\"decision_id\":");
        push_str(&mut line, did);
        line.push_str(",\"timestamp\":\"");
        line.push_str(&timestamp(SystemTime::now()));
        line.push_str("\",");
        line.push_str(&self.fixed_fields);
        line.push_str("\"input\":");
        // Every record follows the decision of its input, whose text
        // `decide` kept.
        if log.redacts_nothing() {
            line.push_str(&self.event);
        } else {
            log.redact_input(&mut input);
            line.push_str(&input.to_string());
        }
        line.push_str(",\"result\":");
        self.push_result(&mut line, d, approval, forwarded);
        let _ = write!(line, ",\"metrics\":{{\"timer_guard_decide_ns\":{ns}}}");
        line.push_str(",\"attributes\":");
        line.push_str(&self.meta.attributes(tool, id).to_string());
        line.push('}');
        log.write_line(line);
    }

    /// The `result` object: the runtime's decision JSON (`runtime/README.md`)
    /// with `gates`, `redactions` and `labels_added` always present, plus
    /// `approval` and `forwarded`.
    fn push_result(
        &self,
        line: &mut String,
        d: &Decision,
        approval: Option<&str>,
        forwarded: bool,
    ) {
        let ids = |line: &mut String, ids: &[u32]| {
            line.push('[');
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                let _ = write!(line, "{id}");
            }
            line.push(']');
        };
        let names = |line: &mut String, names: &mut dyn Iterator<Item = &str>| {
            line.push('[');
            for (i, n) in names.enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_str(line, n);
            }
            line.push(']');
        };
        line.push_str("{\"verdict\":\"");
        line.push_str(d.verdict_word());
        line.push_str("\",\"gates\":");
        names(
            line,
            &mut d
                .gates()
                .iter()
                .map(|g| self.policy.gate_name(g).unwrap_or("?")),
        );
        line.push_str(",\"reason\":\"");
        line.push_str(d.reason_word());
        line.push_str("\",\"message\":");
        push_str(line, &d.reason_text(self.policy));
        line.push_str(",\"rules\":");
        ids(line, d.rules.as_slice());
        line.push_str(",\"redactions\":");
        ids(line, d.redactions.as_slice());
        if let Some(t) = d.ticket {
            let _ = write!(line, ",\"ticket\":{}", t.0);
        }
        let _ = write!(line, ",\"state_changed\":{}", d.state_changed);
        line.push_str(",\"labels_added\":");
        names(
            line,
            &mut (0..64)
                .filter(|i| (d.labels_added >> i) & 1 == 1)
                .map(|i| self.policy.label_name(i).unwrap_or("?")),
        );
        if let Some(a) = approval {
            line.push_str(",\"approval\":");
            push_str(line, a);
        }
        let _ = write!(line, ",\"forwarded\":{forwarded}}}");
    }

    /// Reports a problem on stderr and as an error record in the log.
    fn error(&self, source: Source, message: &str) {
        problem::report(source, message);
        if let Some(log) = &self.log {
            let mut rec = self.meta.head(&decision_id(), self.options.mode.word());
            rec.insert(
                "error".into(),
                json!({"code": source.code(), "source": source.word(), "message": message}),
            );
            log.write(&Value::Object(rec));
        }
    }
}

/// A `--result-channel` the policy does not declare would leave results
/// unchecked while the user believes otherwise: an error up front.
fn result_channel_problem(policy: &Policy, options: &Options) -> Option<String> {
    let c = options.result_channel.as_deref()?;
    match policy.channel_id(c) {
        Some(_) => None,
        None => Some(format!(
            "the result channel `{c}` is not a channel of policy `{}`",
            policy.name()
        )),
    }
}
