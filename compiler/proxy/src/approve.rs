//! Approvers: who answers an escalated call. Transport-independent: each
//! answer is reported through a callback `notify(ticket, outcome)`, and
//! the transport feeds it to [`crate::Enforcer::resolve`].
//!
//! * `--approver CMD`: `sh -c CMD` runs once per escalation with the
//!   decision as JSON on stdin; exit status 0 approves, anything else
//!   (a signal, a command that cannot start) rejects. Its stdout goes to
//!   stderr (stdout carries the MCP stream). A command still running at
//!   the gate's timeout is killed, and the call rejected (`timeout`).
//! * `--approvals 127.0.0.1:PORT`: a small HTTP endpoint on a loopback
//!   address: `GET /pending` lists the waiting escalations as a JSON
//!   array, `POST /approve/<ticket>` and `POST /reject/<ticket>` answer
//!   one. Requests carrying an `Origin` header (a browser page) or a
//!   `Host` that is not a loopback name are refused, so a web page cannot
//!   approve calls through the user's browser.
//! * neither: an escalation is rejected at once (fail closed).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::enforce::{Escalation, Outcome};
use crate::problem::{self, Source};

/// Where approvals come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approver {
    /// Nobody: every escalation is rejected.
    None,
    /// A shell command per escalation.
    Command(String),
    /// A loopback HTTP endpoint.
    Http(SocketAddr),
}

/// A callback taking an approver's answer.
pub type Notify = Arc<dyn Fn(u64, Outcome) + Send + Sync>;

/// Reports an escalation that nobody can approve (no `--approver` and no
/// `--approvals`); the caller rejects it.
pub fn report_missing(ticket: u64) {
    problem::report(
        Source::Approver,
        &format!(
            "ticket {ticket} needs approval and no approver is configured \
             (--approver or --approvals); rejected"
        ),
    );
}

/// Runs the approver command for one escalation on its own thread.
/// `stop` asks it to give up (the proxy is exiting): the command is killed
/// and nothing is reported.
pub fn ask_command(cmd: &str, escalation: &Escalation, notify: Notify, stop: Arc<AtomicBool>) {
    let cmd = cmd.to_owned();
    let ticket = escalation.ticket;
    let input = escalation.request.to_string();
    let deadline = escalation.timeout.map(|t| Instant::now() + t);
    thread::spawn(move || {
        let outcome = run_command(&cmd, &input, deadline, &stop);
        if let Some(o) = outcome {
            notify(ticket, o);
        }
    });
}

fn run_command(
    cmd: &str,
    input: &str,
    deadline: Option<Instant>,
    stop: &AtomicBool,
) -> Option<Outcome> {
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            problem::report(
                Source::Approver,
                &format!("cannot run `{cmd}`: {e}; rejected"),
            );
            return Some(Outcome::Rejected);
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // An approver that does not read its input is its own business:
        // a broken pipe here is not an error.
        let _ = stdin.write_all(input.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Some(if status.success() {
                    Outcome::Approved
                } else {
                    Outcome::Rejected
                });
            }
            Ok(None) => {}
            Err(e) => {
                problem::report(
                    Source::Approver,
                    &format!("waiting for `{cmd}`: {e}; rejected"),
                );
                let _ = child.kill();
                let _ = child.wait();
                return Some(Outcome::Rejected);
            }
        }
        if stop.load(Ordering::Relaxed) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            problem::report(
                Source::Approver,
                &format!("`{cmd}` did not answer in time; killed, the call is rejected"),
            );
            let _ = child.kill();
            let _ = child.wait();
            return Some(Outcome::Timeout);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// The `--approvals` endpoint: the escalations waiting, by ticket.
#[derive(Clone)]
pub struct HttpApprovals {
    pending: Arc<Mutex<BTreeMap<u64, Value>>>,
    addr: SocketAddr,
}

impl HttpApprovals {
    /// Binds `addr` (a loopback address only) and serves on a thread.
    pub fn start(addr: SocketAddr, notify: Notify) -> Result<HttpApprovals, String> {
        if !addr.ip().is_loopback() {
            return Err(format!(
                "--approvals {addr}: approvals are served on a loopback address only (127.0.0.1 or [::1])"
            ));
        }
        let listener = TcpListener::bind(addr)
            .map_err(|e| format!("--approvals {addr}: cannot listen: {e}"))?;
        let addr = listener.local_addr().unwrap_or(addr);
        let pending: Arc<Mutex<BTreeMap<u64, Value>>> = Arc::default();
        let shared = Arc::clone(&pending);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Err(e) = serve(stream, &shared, &notify) {
                    problem::report(Source::Approver, &format!("approvals endpoint: {e}"));
                }
            }
        });
        Ok(HttpApprovals { pending, addr })
    }

    /// The address actually bound (port 0 picks one).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Lists an escalation until it is answered or [`Self::remove`]d.
    pub fn add(&self, escalation: &Escalation) {
        if let Ok(mut p) = self.pending.lock() {
            p.insert(escalation.ticket, escalation.request.clone());
        }
    }

    /// Unlists a ticket (answered, timed out or cancelled).
    pub fn remove(&self, ticket: u64) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(&ticket);
        }
    }
}

/// Answers one HTTP/1.1 request and closes the connection.
fn serve(
    stream: TcpStream,
    pending: &Mutex<BTreeMap<u64, Value>>,
    notify: &Notify,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut origin = false;
    let mut host_ok = false;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "origin" => origin = true,
            "host" => {
                let host = value.rsplit_once(':').map_or(value, |(h, _)| h);
                host_ok =
                    matches!(host, "127.0.0.1" | "localhost" | "[::1]") || host.starts_with("127.");
            }
            "content-length" => length = value.parse().unwrap_or(0).min(1 << 16),
            _ => {}
        }
    }
    // The body is not used; read it so the client sees a clean close.
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = if origin || !host_ok {
        (
            "403 Forbidden",
            json!({"error": "requests from web pages or non-loopback hosts are refused"}),
        )
    } else {
        route(method, target, pending, notify)
    };
    let body = body.to_string();
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

fn route(
    method: &str,
    target: &str,
    pending: &Mutex<BTreeMap<u64, Value>>,
    notify: &Notify,
) -> (&'static str, Value) {
    let Ok(mut p) = pending.lock() else {
        return ("500 Internal Server Error", json!({"error": "poisoned"}));
    };
    match (method, target) {
        ("GET", "/pending") => ("200 OK", Value::Array(p.values().cloned().collect())),
        ("POST", t) => {
            let (outcome, ticket) = if let Some(n) = t.strip_prefix("/approve/") {
                (Outcome::Approved, n)
            } else if let Some(n) = t.strip_prefix("/reject/") {
                (Outcome::Rejected, n)
            } else {
                return ("404 Not Found", json!({"error": "no such endpoint"}));
            };
            let Ok(ticket) = ticket.parse::<u64>() else {
                return ("400 Bad Request", json!({"error": "a ticket is a number"}));
            };
            if p.remove(&ticket).is_none() {
                return ("404 Not Found", json!({"error": "no such pending ticket"}));
            }
            drop(p);
            notify(ticket, outcome);
            let word = if outcome == Outcome::Approved {
                "approved"
            } else {
                "rejected"
            };
            ("200 OK", json!({"ticket": ticket, "outcome": word}))
        }
        ("GET", _) => ("404 Not Found", json!({"error": "no such endpoint"})),
        _ => (
            "405 Method Not Allowed",
            json!({"error": "GET /pending, POST /approve/N, POST /reject/N"}),
        ),
    }
}
