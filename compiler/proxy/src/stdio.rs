//! The stdio transport: spawns the MCP server, reads newline-delimited
//! JSON-RPC from the client (our stdin) and from the server (its stdout),
//! and runs every message through the [`Enforcer`].
//!
//! Each direction has its own reader thread, which decides and writes the
//! message itself (the enforcer is shared behind a mutex, held only while
//! deciding): a message crosses the proxy without waking another thread,
//! which is what keeps the overhead per call to a few microseconds on a
//! busy machine. Everything slow or rare goes to the control thread (the
//! caller's): approvers, approval timeouts, and the end of either stream.
//! So a parked call never holds up other traffic.
//!
//! Exit: when the client closes stdin, parked calls are rejected, the
//! answers the server still owes are relayed (for up to five seconds),
//! then the server's stdin is closed and the server given two seconds to
//! exit (then killed); that is a clean end. When the server exits first,
//! every request it left unanswered gets a JSON-RPC error and the proxy
//! exits with an error: a proxy without its server can serve nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::approve::{self, Approver, HttpApprovals, Notify};
use crate::enforce::{Action, Enforcer, Escalation, Outcome, Resolution};
use crate::problem::{self, Source};

/// What the control thread waits for.
enum Event {
    Park(Escalation),
    Approval(u64, Outcome),
    ClientClosed,
    ServerClosed,
}

/// What the threads share.
struct Shared {
    enforcer: Mutex<Enforcer<'static>>,
    client: Mutex<std::io::Stdout>,
    /// `None` once closed (or broken).
    server: Mutex<Option<ChildStdin>>,
}

impl Shared {
    fn enforcer(&self) -> MutexGuard<'_, Enforcer<'static>> {
        // A thread that panicked while deciding left the session as it
        // was before that message; carrying on with it is sound.
        self.enforcer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send_client(&self, line: &str) -> Result<(), String> {
        let mut out = self.client.lock().unwrap_or_else(|p| p.into_inner());
        write_line(&mut *out, line).map_err(|e| format!("cannot write to the client: {e}"))
    }

    /// A write error means the server is gone; its stdout reader reports
    /// that (with its exit status), so it is not an error here.
    fn send_server(&self, line: &str) {
        let mut server = self.server.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = server.as_mut() {
            if let Err(e) = write_line(s, line) {
                problem::report(
                    Source::Server,
                    &format!("cannot write to the MCP server: {e}"),
                );
                *server = None;
            }
        }
    }

    fn close_server(&self) {
        *self.server.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Relays between our stdin/stdout and the server `command` (program and
/// arguments) until either side ends. `Err` carries the message for a
/// non-zero exit. The enforcer is `'static` (its policy lives as long as
/// the process) because the reader threads outlive this call: the one on
/// stdin cannot be stopped while it waits for input.
pub fn run(
    enforcer: Enforcer<'static>,
    command: &[String],
    approver: Approver,
) -> Result<(), String> {
    let Some((program, args)) = command.split_first() else {
        return Err("no server command after `--`".into());
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the MCP server `{program}`: {e}"))?;
    let (Some(server_in), Some(server_out)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err("cannot connect to the MCP server's stdin/stdout".into());
    };
    let shared = Arc::new(Shared {
        enforcer: Mutex::new(enforcer),
        client: Mutex::new(std::io::stdout()),
        server: Mutex::new(Some(server_in)),
    });
    let (tx, rx) = mpsc::channel::<Event>();

    let approval_tx = tx.clone();
    let notify: Notify = Arc::new(move |ticket, outcome| {
        // The proxy may be exiting; a late answer is then moot.
        let _ = approval_tx.send(Event::Approval(ticket, outcome));
    });
    let http = match &approver {
        Approver::Http(addr) => {
            let h = HttpApprovals::start(*addr, Arc::clone(&notify))?;
            eprintln!(
                "guardc proxy: approvals at http://{}/pending (POST /approve/<ticket>, /reject/<ticket>)",
                h.addr()
            );
            Some(h)
        }
        _ => None,
    };

    let s = Arc::clone(&shared);
    let t = tx.clone();
    spawn_reader(
        std::io::stdin(),
        move |line| {
            let action = match line {
                Ok(line) => {
                    let action = s.enforcer().from_client(line);
                    match action {
                        Action::Forward => {
                            s.send_server(line);
                            return true;
                        }
                        other => other,
                    }
                }
                Err(why) => Action::Respond(s.enforcer().client_unreadable(why)),
            };
            match action {
                Action::Rewrite(m) => s.send_server(&m),
                Action::Respond(m) => {
                    if let Err(e) = s.send_client(&m) {
                        problem::report(Source::Client, &format!("cannot answer the client: {e}"));
                        return false;
                    }
                }
                Action::Park(e) => return t.send(Event::Park(e)).is_ok(),
                Action::Forward | Action::Drop => {}
            }
            true
        },
        {
            let t = tx.clone();
            move || {
                let _ = t.send(Event::ClientClosed);
            }
        },
    );
    let s = Arc::clone(&shared);
    let t = tx.clone();
    spawn_reader(
        server_out,
        move |line| {
            let out = match line {
                Ok(line) => match s.enforcer().from_server(line) {
                    Action::Forward => s.send_client(line),
                    Action::Rewrite(m) | Action::Respond(m) => s.send_client(&m),
                    Action::Park(_) | Action::Drop => Ok(()),
                },
                Err(why) => {
                    s.enforcer().server_unreadable(why);
                    Ok(())
                }
            };
            match out {
                Ok(()) => true,
                Err(e) => {
                    problem::report(Source::Client, &format!("cannot answer the client: {e}"));
                    false
                }
            }
        },
        move || {
            let _ = t.send(Event::ServerClosed);
        },
    );
    drop(tx);

    let stop = Arc::new(AtomicBool::new(false));
    let mut control = Control {
        shared,
        approver,
        http,
        notify,
        stop: Arc::clone(&stop),
        deadlines: HashMap::new(),
    };
    let result = control.serve(&rx, &mut child);
    // Approver commands still running are killed.
    stop.store(true, Ordering::Relaxed);
    result
}

/// Reads lines from `from`, handing each to `line` (`Err`: not UTF-8)
/// until end of input or until `line` returns false; then `closed`.
fn spawn_reader<R, F, C>(from: R, mut line: F, closed: C)
where
    R: std::io::Read + Send + 'static,
    F: FnMut(Result<&str, &str>) -> bool + Send + 'static,
    C: FnOnce() + Send + 'static,
{
    thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, from);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while matches!(buf.last(), Some(b'\n' | b'\r')) {
                        buf.pop();
                    }
                    if buf.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let go_on = match std::str::from_utf8(&buf) {
                        Ok(s) => line(Ok(s)),
                        Err(_) => line(Err("a line that is not UTF-8")),
                    };
                    if !go_on {
                        break;
                    }
                }
            }
        }
        closed();
    });
}

/// The control thread's state: approvals and the end of the streams.
struct Control {
    shared: Arc<Shared>,
    approver: Approver,
    http: Option<HttpApprovals>,
    notify: Notify,
    stop: Arc<AtomicBool>,
    /// Parked tickets with a timeout.
    deadlines: HashMap<u64, Instant>,
}

impl Control {
    fn serve(&mut self, rx: &Receiver<Event>, child: &mut Child) -> Result<(), String> {
        // Set once the client has closed its side: the answers still owed
        // are relayed until then, and the server is stopped after.
        let mut closing: Option<Instant> = None;
        loop {
            if let Some(at) = closing {
                if self.shared.enforcer().pending_requests() == 0 || Instant::now() >= at {
                    return self.stop_server(child);
                }
            }
            let mut next = self.deadlines.values().min().copied();
            if closing.is_some() {
                // Answers arrive on the server's thread: look again soon.
                let soon = Instant::now() + Duration::from_millis(10);
                next = Some(next.map_or(soon, |n| n.min(soon)));
            }
            let event = match next {
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Ok(e) => Some(e),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                },
                None => match rx.recv() {
                    Ok(e) => Some(e),
                    Err(_) => return Ok(()),
                },
            };
            let Some(event) = event else {
                let now = Instant::now();
                let due: Vec<u64> = self
                    .deadlines
                    .iter()
                    .filter(|(_, at)| **at <= now)
                    .map(|(t, _)| *t)
                    .collect();
                for t in due {
                    problem::report(
                        Source::Approver,
                        &format!("ticket {t} not answered in time; rejected"),
                    );
                    self.answer(t, Outcome::Timeout)?;
                }
                continue;
            };
            match event {
                Event::Park(e) => self.park(e)?,
                Event::Approval(ticket, outcome) => self.answer(ticket, outcome)?,
                Event::ClientClosed => {
                    // Nobody is left to approve for: parked calls are
                    // rejected (their answers go nowhere).
                    let parked = self.shared.enforcer().parked_tickets();
                    for t in parked {
                        self.answer(t, Outcome::Rejected)?;
                    }
                    closing = Some(Instant::now() + Duration::from_secs(5));
                }
                Event::ServerClosed => {
                    let status = wait_briefly(child);
                    let why = format!("the MCP server exited ({status})");
                    let answers = self.shared.enforcer().server_gone(&why);
                    for m in answers {
                        self.shared.send_client(&m)?;
                    }
                    return Err(why);
                }
            }
        }
    }

    /// Closes the server's stdin, which asks it to exit; waits two
    /// seconds for it, then kills it.
    fn stop_server(&mut self, child: &mut Child) -> Result<(), String> {
        self.shared.close_server();
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        Ok(())
    }

    /// Asks the approver about a parked call.
    fn park(&mut self, e: Escalation) -> Result<(), String> {
        if let Some(t) = e.timeout {
            self.deadlines.insert(e.ticket, Instant::now() + t);
        }
        match &self.approver {
            Approver::None => {
                approve::report_missing(e.ticket);
                self.answer(e.ticket, Outcome::Rejected)
            }
            Approver::Command(cmd) => {
                approve::ask_command(cmd, &e, Arc::clone(&self.notify), Arc::clone(&self.stop));
                Ok(())
            }
            Approver::Http(_) => {
                if let Some(h) = &self.http {
                    h.add(&e);
                }
                Ok(())
            }
        }
    }

    fn answer(&mut self, ticket: u64, outcome: Outcome) -> Result<(), String> {
        self.deadlines.remove(&ticket);
        if let Some(h) = &self.http {
            h.remove(ticket);
        }
        let resolution = self.shared.enforcer().resolve(ticket, outcome);
        match resolution {
            Some(Resolution::Forward(m)) => {
                self.shared.send_server(&m);
                Ok(())
            }
            Some(Resolution::Respond(m)) => self.shared.send_client(&m),
            Some(Resolution::Park(e)) => self.park(e),
            None => Ok(()),
        }
    }
}

/// Writes `line` and a newline in one write, and flushes.
fn write_line(w: &mut impl Write, line: &str) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(line.len() + 1);
    buf.extend_from_slice(line.as_bytes());
    buf.push(b'\n');
    w.write_all(&buf)?;
    w.flush()
}

/// The server's exit status as words, waiting up to a second for it.
fn wait_briefly(child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return s.to_string(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return "closed its stdout; killed".into();
            }
            Err(e) => return format!("status unknown: {e}"),
        }
    }
}
