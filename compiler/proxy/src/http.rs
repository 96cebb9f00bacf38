//! The Streamable HTTP transport: `guardc proxy --listen ADDR --upstream
//! URL`. The proxy is an MCP server at `http://ADDR/mcp` for the client and
//! an MCP client of the upstream server at URL, and every message passes
//! through an [`Enforcer`] on the way, exactly as on stdio.
//!
//! What it relays (MCP "Streamable HTTP" transport):
//!
//! * `POST /mcp` with one JSON-RPC message. The client's message goes
//!   through [`Enforcer::from_client`]; a denied call is answered here
//!   (the upstream never sees it), an escalated one waits on this request's
//!   thread for its approver. The upstream's answer is either JSON (one
//!   message, through [`Enforcer::from_server`]) or an SSE stream
//!   (`text/event-stream`), whose events are rewritten one by one as they
//!   arrive; `202 Accepted` and HTTP errors are relayed as they are.
//! * `GET /mcp`: the server's own stream of requests and notifications,
//!   relayed event by event through the enforcer.
//! * `DELETE /mcp`: ends the session upstream and here.
//!
//! Sessions: each `Mcp-Session-Id` the upstream hands out gets its own
//! enforcer (its own runtime session, decision-log session and state), so
//! two clients never share taint or counters. A request without a session
//! id (the `initialize`, or every request of a server without sessions)
//! uses the session-less enforcer, which becomes the new session's when
//! the upstream's answer names one.
//!
//! Requests are handled by a fixed set of worker threads (no thread per
//! request); an escalated call holds its worker until the approver
//! answers, so at most that many calls can wait for approval at once, and
//! further requests queue behind them.
//!
//! Safety of the listener: it binds a loopback address unless
//! `--listen-any` says otherwise (an MCP endpoint on the network is an
//! open door to the user's tools). A request whose `Mcp-Method` or
//! `Mcp-Name` header disagrees with its body is refused with 400, so
//! nothing that routes or audits by header can be told a different story
//! than the one the policy decided.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::approve::{self, Approver, HttpApprovals, Notify};
use crate::enforce::{Action, Enforcer, Escalation, Outcome, Resolution};
use crate::jsonrpc;
use crate::problem::{self, Source};

/// The largest request body read (a `tools/call` with big arguments fits
/// many times over); a larger one is refused with 413.
const MAX_BODY: u64 = 16 << 20;

/// Requests handled at once (each parked escalation holds one).
const WORKERS: usize = 32;

/// Headers the proxy passes from the client to the upstream.
const TO_UPSTREAM: &[&str] = &[
    "content-type",
    "accept",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "authorization",
    "mcp-method",
    "mcp-name",
];

/// Headers the proxy passes from the upstream back to the client.
const TO_CLIENT: &[&str] = &["content-type", "mcp-session-id", "cache-control"];

/// How to run the HTTP transport.
pub struct HttpOptions {
    pub listen: SocketAddr,
    /// Allow a non-loopback `listen` address.
    pub listen_any: bool,
    /// The upstream MCP endpoint, `http://HOST:PORT/PATH`.
    pub upstream: String,
    pub approver: Approver,
}

/// Makes the enforcer of a new session.
pub type NewEnforcer<'p, 'f> = &'f (dyn Fn() -> Result<Enforcer<'p>, String> + Sync);

type Shared<'p> = Arc<Mutex<Enforcer<'p>>>;

/// Serves until the process ends. `Err` carries the reason it could not
/// start.
pub fn run<'p>(new_enforcer: NewEnforcer<'p, '_>, options: HttpOptions) -> Result<(), String> {
    let server = bind(&options)?;
    eprintln!(
        "guardc proxy: listening on http://{}/mcp, upstream {}",
        server
            .server_addr()
            .to_ip()
            .map_or_else(|| options.listen.to_string(), |a| a.to_string()),
        options.upstream
    );
    serve(&server, new_enforcer, &options)
}

/// Binds the listener, refusing a non-loopback address without
/// `listen_any` and an upstream that is not plain `http://`.
pub fn bind(options: &HttpOptions) -> Result<Server, String> {
    if !options.listen.ip().is_loopback() && !options.listen_any {
        return Err(format!(
            "--listen {}: not a loopback address; an MCP endpoint on the network exposes the user's tools (add --listen-any to mean it)",
            options.listen
        ));
    }
    if !options.upstream.starts_with("http://") {
        return Err(format!(
            "--upstream {}: only http:// upstreams are supported (the proxy is meant to sit next to its server)",
            options.upstream
        ));
    }
    Server::http(options.listen)
        .map_err(|e| format!("--listen {}: cannot listen: {e}", options.listen))
}

/// The request loop on an already bound server (tests bind port 0).
pub fn serve<'p>(
    server: &Server,
    new_enforcer: NewEnforcer<'p, '_>,
    options: &HttpOptions,
) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let stop = Arc::new(AtomicBool::new(false));
    let waiting: Arc<Mutex<HashMap<u64, Sender<Outcome>>>> = Arc::default();
    let http_approvals = match &options.approver {
        Approver::Http(addr) => {
            let route = Arc::clone(&waiting);
            let notify: Notify = Arc::new(move |ticket, outcome| {
                if let Ok(w) = route.lock() {
                    if let Some(tx) = w.get(&ticket) {
                        let _ = tx.send(outcome);
                    }
                }
            });
            let h = HttpApprovals::start(*addr, notify)?;
            eprintln!(
                "guardc proxy: approvals at http://{}/pending (POST /approve/<ticket>, /reject/<ticket>)",
                h.addr()
            );
            Some(h)
        }
        _ => None,
    };
    let proxy = Proxy {
        new_enforcer,
        sessions: Mutex::new(HashMap::new()),
        agent,
        upstream: options.upstream.clone(),
        approver: options.approver.clone(),
        http_approvals,
        waiting,
        stop: Arc::clone(&stop),
    };
    // A fixed set of workers takes requests off the listener: no thread
    // is created per request (that cost showed in the benchmark). An
    // escalated call holds its worker until the approver answers, so
    // there are enough workers for many parked calls at once.
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            let proxy = &proxy;
            scope.spawn(move || {
                while let Ok(request) = server.recv() {
                    proxy.handle(request);
                }
            });
        }
    });
    stop.store(true, Ordering::Relaxed);
    Ok(())
}

struct Proxy<'p, 'f> {
    new_enforcer: NewEnforcer<'p, 'f>,
    /// By `Mcp-Session-Id`; `""` is the session-less one.
    sessions: Mutex<HashMap<String, Shared<'p>>>,
    agent: ureq::Agent,
    upstream: String,
    approver: Approver,
    http_approvals: Option<HttpApprovals>,
    /// Tickets waiting on the `--approvals` endpoint, by ticket.
    waiting: Arc<Mutex<HashMap<u64, Sender<Outcome>>>>,
    stop: Arc<AtomicBool>,
}

/// A reply to the client: status, headers, and a body to stream.
struct Reply<'a> {
    status: u16,
    headers: Vec<(String, String)>,
    body: Box<dyn Read + Send + 'a>,
}

impl<'a> Reply<'a> {
    fn json(status: u16, body: String) -> Reply<'a> {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Box::new(io::Cursor::new(body.into_bytes())),
        }
    }

    fn empty(status: u16) -> Reply<'a> {
        Reply {
            status,
            headers: Vec::new(),
            body: Box::new(io::empty()),
        }
    }

    /// A JSON-RPC error as an HTTP error (no request id: the request was
    /// not taken).
    fn error(status: u16, code: i64, message: &str) -> Reply<'a> {
        Reply::json(
            status,
            jsonrpc::error_response(&Value::Null, code, &format!("guardc proxy: {message}")),
        )
    }
}

impl<'p, 'f> Proxy<'p, 'f> {
    fn handle(&self, mut request: Request) {
        let path = request.url().split('?').next().unwrap_or("").to_owned();
        let reply = if path != "/mcp" {
            Reply::error(404, jsonrpc::INVALID_REQUEST, "the MCP endpoint is /mcp")
        } else {
            match request.method() {
                Method::Post => self.post(&mut request),
                Method::Get => self.get(&request),
                Method::Delete => self.delete(&request),
                _ => Reply::error(405, jsonrpc::INVALID_REQUEST, "use POST, GET or DELETE"),
            }
        };
        let mut response =
            Response::new(StatusCode(reply.status), Vec::new(), reply.body, None, None);
        for (k, v) in reply.headers {
            if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                response.add_header(h);
            }
        }
        if let Err(e) = request.respond(response) {
            problem::report(Source::Client, &format!("cannot answer: {e}"));
        }
    }

    /// The enforcer of the request's session, made on first use.
    fn enforcer(&self, session: &str) -> Result<Shared<'p>, String> {
        let mut sessions = self
            .sessions
            .lock()
            .map_err(|_| "the session table is unusable".to_owned())?;
        if let Some(e) = sessions.get(session) {
            return Ok(Arc::clone(e));
        }
        let mut enforcer = (self.new_enforcer)()?;
        if !session.is_empty() {
            enforcer.set_mcp_session(Some(session.to_owned()));
        }
        let shared = Arc::new(Mutex::new(enforcer));
        sessions.insert(session.to_owned(), Arc::clone(&shared));
        Ok(shared)
    }

    /// The upstream named a session for a request made without one: the
    /// session-less enforcer (which decided the request) becomes that
    /// session's.
    fn adopt(&self, session: &str, enforcer: &Shared<'p>) {
        if let Ok(mut sessions) = self.sessions.lock() {
            if sessions.contains_key(session) {
                return;
            }
            if let Ok(mut e) = enforcer.lock() {
                e.set_mcp_session(Some(session.to_owned()));
            }
            sessions.remove("");
            sessions.insert(session.to_owned(), Arc::clone(enforcer));
        }
    }

    fn post<'r>(&'r self, request: &mut Request) -> Reply<'r> {
        let mut body = String::new();
        let read = request
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_string(&mut body);
        if read.is_err() {
            return Reply::error(
                400,
                jsonrpc::PARSE_ERROR,
                "the request body is not UTF-8 text",
            );
        }
        if body.len() as u64 > MAX_BODY {
            return Reply::error(
                413,
                jsonrpc::INVALID_REQUEST,
                "the request body is too large",
            );
        }
        if let Err(why) = headers_agree(request, &body) {
            return Reply::error(400, jsonrpc::INVALID_REQUEST, &why);
        }
        let session = header(request, "mcp-session-id").unwrap_or_default();
        let enforcer = match self.enforcer(&session) {
            Ok(e) => e,
            Err(why) => return Reply::error(500, jsonrpc::INTERNAL_ERROR, &why),
        };
        let forwarded = forwarded_headers(request);
        let action = match enforcer.lock() {
            Ok(mut e) => e.from_client(&body),
            Err(_) => return Reply::error(500, jsonrpc::INTERNAL_ERROR, "the session is unusable"),
        };
        let mut action = action;
        loop {
            let message = match action {
                Action::Forward => body.clone(),
                Action::Rewrite(m) => m,
                Action::Respond(m) => return Reply::json(200, m),
                Action::Drop => return Reply::empty(202),
                Action::Park(escalation) => {
                    let outcome = self.wait_for_approval(&escalation);
                    let resolution = match enforcer.lock() {
                        Ok(mut e) => e.resolve(escalation.ticket, outcome),
                        Err(_) => None,
                    };
                    action = match resolution {
                        Some(Resolution::Forward(m)) => Action::Rewrite(m),
                        Some(Resolution::Respond(m)) => Action::Respond(m),
                        Some(Resolution::Park(e)) => Action::Park(e),
                        // Cancelled meanwhile: nothing is owed to anyone.
                        None => Action::Drop,
                    };
                    continue;
                }
            };
            return self.to_upstream(&forwarded, &message, &session, &enforcer);
        }
    }

    /// Sends one message upstream and relays the answer through the
    /// enforcer.
    fn to_upstream<'r>(
        &'r self,
        headers: &[(String, String)],
        message: &str,
        session: &str,
        enforcer: &Shared<'p>,
    ) -> Reply<'r> {
        let mut req = self.agent.post(&self.upstream);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let response = match req.send(message) {
            Ok(r) => r,
            Err(e) => {
                let why = format!("the upstream MCP server cannot be reached: {e}");
                if let Ok(mut en) = enforcer.lock() {
                    en.server_unreadable(&why);
                }
                return Reply::error(502, jsonrpc::INTERNAL_ERROR, &why);
            }
        };
        let new_session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(id) = &new_session {
            if session.is_empty() {
                self.adopt(id, enforcer);
            }
        }
        self.relay(response, Arc::clone(enforcer))
    }

    /// Relays an upstream response: JSON and SSE bodies through the
    /// enforcer, anything else (202, HTTP errors) as it is.
    fn relay<'r>(
        &'r self,
        response: ureq::http::Response<ureq::Body>,
        enforcer: Shared<'p>,
    ) -> Reply<'r> {
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = TO_CLIENT
            .iter()
            .filter_map(|name| {
                response
                    .headers()
                    .get(*name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = response.into_body().into_reader();
        if !(200..300).contains(&status) || status == 202 {
            return Reply {
                status,
                headers,
                body: Box::new(body),
            };
        }
        if content_type.starts_with("text/event-stream") {
            return Reply {
                status,
                headers,
                body: Box::new(SseRelay::new(Box::new(body), enforcer)),
            };
        }
        if content_type.starts_with("application/json") {
            let mut text = String::new();
            if let Err(e) = body.take(MAX_BODY).read_to_string(&mut text) {
                return Reply::error(
                    502,
                    jsonrpc::INTERNAL_ERROR,
                    &format!("reading the upstream's answer: {e}"),
                );
            }
            let action = match enforcer.lock() {
                Ok(mut e) => e.from_server(&text),
                Err(_) => Action::Drop,
            };
            let out = match action {
                Action::Forward => text,
                Action::Rewrite(m) | Action::Respond(m) => m,
                Action::Park(_) | Action::Drop => {
                    return Reply::error(
                        502,
                        jsonrpc::INTERNAL_ERROR,
                        "the upstream's answer was unreadable and was dropped",
                    );
                }
            };
            return Reply {
                status,
                headers,
                body: Box::new(io::Cursor::new(out.into_bytes())),
            };
        }
        // A success with a body we cannot read as MCP: not relayed, since
        // it could carry a tool result no rule has seen.
        Reply::error(
            502,
            jsonrpc::INTERNAL_ERROR,
            &format!("the upstream answered with `{content_type}`, which is not MCP"),
        )
    }

    fn get<'r>(&'r self, request: &Request) -> Reply<'r> {
        let session = header(request, "mcp-session-id").unwrap_or_default();
        let enforcer = match self.enforcer(&session) {
            Ok(e) => e,
            Err(why) => return Reply::error(500, jsonrpc::INTERNAL_ERROR, &why),
        };
        let mut req = self.agent.get(&self.upstream);
        for (k, v) in forwarded_headers(request) {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.call() {
            Ok(response) => self.relay(response, enforcer),
            Err(e) => Reply::error(
                502,
                jsonrpc::INTERNAL_ERROR,
                &format!("the upstream MCP server cannot be reached: {e}"),
            ),
        }
    }

    fn delete<'r>(&'r self, request: &Request) -> Reply<'r> {
        let session = header(request, "mcp-session-id").unwrap_or_default();
        let mut req = self.agent.delete(&self.upstream);
        for (k, v) in forwarded_headers(request) {
            req = req.header(k.as_str(), v.as_str());
        }
        let reply = match req.call() {
            Ok(response) => Reply::empty(response.status().as_u16()),
            Err(e) => Reply::error(
                502,
                jsonrpc::INTERNAL_ERROR,
                &format!("the upstream MCP server cannot be reached: {e}"),
            ),
        };
        if !session.is_empty() {
            if let Ok(mut sessions) = self.sessions.lock() {
                sessions.remove(&session);
            }
        }
        reply
    }

    /// Blocks this request's thread until the approver answers (or the
    /// gate's timeout passes). Without an approver: rejected at once.
    fn wait_for_approval(&self, e: &Escalation) -> Outcome {
        let (tx, rx) = mpsc::channel::<Outcome>();
        match &self.approver {
            Approver::None => {
                approve::report_missing(e.ticket);
                return Outcome::Rejected;
            }
            Approver::Command(cmd) => {
                let tx = Mutex::new(tx);
                let notify: Notify = Arc::new(move |_, outcome| {
                    if let Ok(tx) = tx.lock() {
                        let _ = tx.send(outcome);
                    }
                });
                approve::ask_command(cmd, e, notify, Arc::clone(&self.stop));
            }
            Approver::Http(_) => {
                let Ok(mut waiting) = self.waiting.lock() else {
                    return Outcome::Rejected;
                };
                // Tickets are numbered per session; the endpoint lists them
                // by number, so two sessions cannot wait on one number.
                if waiting.contains_key(&e.ticket) {
                    problem::report(
                        Source::Approver,
                        &format!(
                            "ticket {} is already waiting in another session; rejected",
                            e.ticket
                        ),
                    );
                    return Outcome::Rejected;
                }
                waiting.insert(e.ticket, tx);
                if let Some(h) = &self.http_approvals {
                    h.add(e);
                }
            }
        }
        let outcome = match e.timeout {
            Some(t) => match rx.recv_timeout(t) {
                Ok(o) => o,
                Err(RecvTimeoutError::Timeout) => {
                    problem::report(
                        Source::Approver,
                        &format!("ticket {} not answered in time; rejected", e.ticket),
                    );
                    Outcome::Timeout
                }
                Err(RecvTimeoutError::Disconnected) => Outcome::Rejected,
            },
            None => rx.recv().unwrap_or(Outcome::Rejected),
        };
        if matches!(self.approver, Approver::Http(_)) {
            if let Ok(mut waiting) = self.waiting.lock() {
                waiting.remove(&e.ticket);
            }
            if let Some(h) = &self.http_approvals {
                h.remove(e.ticket);
            }
        }
        outcome
    }
}

/// A request header's value, by case-insensitive name.
fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_owned())
}

fn forwarded_headers(request: &Request) -> Vec<(String, String)> {
    TO_UPSTREAM
        .iter()
        .filter_map(|name| header(request, name).map(|v| ((*name).to_owned(), v)))
        .collect()
}

/// Checks the `Mcp-Method` and `Mcp-Name` headers, when present, against
/// the body: the method, and the name a method targets (`params.name` of
/// `tools/call` and `prompts/get`, `params.uri` of `resources/read`).
fn headers_agree(request: &Request, body: &str) -> Result<(), String> {
    let method_header = header(request, "mcp-method");
    let name_header = header(request, "mcp-name");
    if method_header.is_none() && name_header.is_none() {
        return Ok(());
    }
    let message: Value = serde_json::from_str(body).map_err(|_| {
        "the body is not JSON, so it cannot match its Mcp-Method/Mcp-Name headers".to_owned()
    })?;
    let method = message.get("method").and_then(Value::as_str);
    if let Some(h) = &method_header {
        if method != Some(h.as_str()) {
            return Err(format!(
                "the Mcp-Method header `{h}` disagrees with the body's method `{}`",
                method.unwrap_or("(none)")
            ));
        }
    }
    if let Some(h) = &name_header {
        let params = message.get("params");
        let name = match method {
            Some("resources/read") => params.and_then(|p| p.get("uri")),
            _ => params.and_then(|p| p.get("name")),
        }
        .and_then(Value::as_str);
        if name != Some(h.as_str()) {
            return Err(format!(
                "the Mcp-Name header `{h}` disagrees with the body's `{}`",
                name.unwrap_or("(none)")
            ));
        }
    }
    Ok(())
}

/// Rewrites an SSE stream event by event: each event's `data` is one
/// JSON-RPC message, run through [`Enforcer::from_server`]; other fields
/// (`id`, `event`, `retry`, comments) are kept. An event the enforcer
/// drops is left out whole.
struct SseRelay<'p> {
    upstream: Box<dyn Read + Send>,
    enforcer: Shared<'p>,
    /// Bytes read and not yet a whole event.
    pending: Vec<u8>,
    /// Rewritten bytes not yet read by the client.
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<'p> SseRelay<'p> {
    fn new(upstream: Box<dyn Read + Send>, enforcer: Shared<'p>) -> Self {
        SseRelay {
            upstream,
            enforcer,
            pending: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            done: false,
        }
    }

    /// Moves every complete event from `pending` to `out`.
    fn drain_events(&mut self, at_end: bool) {
        loop {
            let end = find_event_end(&self.pending);
            let (event, consumed) = match end {
                Some((e, c)) => (self.pending[..e].to_vec(), c),
                None if at_end && !self.pending.is_empty() => {
                    (std::mem::take(&mut self.pending), 0)
                }
                None => return,
            };
            if consumed > 0 {
                self.pending.drain(..consumed);
            }
            let text = String::from_utf8_lossy(&event).into_owned();
            if let Some(rewritten) = self.rewrite(&text) {
                self.out.extend_from_slice(rewritten.as_bytes());
                self.out.extend_from_slice(b"\n\n");
            }
            if consumed == 0 {
                return;
            }
        }
    }

    fn rewrite(&self, event: &str) -> Option<String> {
        let mut fields: Vec<&str> = Vec::new();
        let mut data: Vec<&str> = Vec::new();
        for line in event.lines() {
            if let Some(rest) = line.strip_prefix("data:") {
                data.push(rest.strip_prefix(' ').unwrap_or(rest));
            } else {
                fields.push(line);
            }
        }
        if data.is_empty() {
            return Some(event.trim_end_matches(['\r', '\n']).to_owned());
        }
        let message = data.join("\n");
        let action = match self.enforcer.lock() {
            Ok(mut e) => e.from_server(&message),
            Err(_) => Action::Drop,
        };
        let message = match action {
            Action::Forward => message,
            Action::Rewrite(m) | Action::Respond(m) => m,
            Action::Park(_) | Action::Drop => return None,
        };
        let mut out = String::new();
        for f in fields {
            out.push_str(f);
            out.push('\n');
        }
        for line in message.lines() {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        Some(out.trim_end_matches('\n').to_owned())
    }
}

/// The end of the first event in `buf` (where its text stops, and where
/// the next begins), at a blank line in any of SSE's line endings.
fn find_event_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < buf.len() {
        for sep in [&b"\r\n\r\n"[..], b"\n\n", b"\r\r"] {
            if buf[i..].starts_with(sep) {
                return Some((i, i + sep.len()));
            }
        }
        i += 1;
    }
    None
}

impl Read for SseRelay<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.done {
                return Ok(0);
            }
            let mut chunk = [0u8; 8192];
            let n = self.upstream.read(&mut chunk)?;
            if n == 0 {
                self.done = true;
                self.drain_events(true);
            } else {
                self.pending.extend_from_slice(&chunk[..n]);
                self.drain_events(false);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_end_at_blank_lines_of_any_style() {
        assert_eq!(find_event_end(b"data: 1\n\ndata: 2"), Some((7, 9)));
        assert_eq!(find_event_end(b"data: 1\r\n\r\nx"), Some((7, 11)));
        assert_eq!(find_event_end(b"data: 1\n"), None);
    }
}
