//! Asks a running MCP server for its tools over stdio: spawn it, do the
//! `initialize` / `notifications/initialized` handshake, then page through
//! `tools/list` with `nextCursor`, all under one deadline.
//!
//! The server's stdout is read on a thread that forwards lines over a
//! channel, so a server that stops talking (or never starts) is noticed
//! with `recv_timeout` instead of a read that blocks forever. The server's
//! stderr is passed through: whatever it says about its own failure is the
//! most useful thing a person can see. The child is killed when we are
//! done, whatever happened.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::tools::{parse_tools, ServerTool};
use super::{code, McpError};

/// The protocol revision we offer; servers answer with the one they speak,
/// and `tools/list` is the same in every revision so far.
const PROTOCOL_VERSION: &str = "2025-06-18";

/// More pages than any real server has; a server that keeps sending
/// cursors past this is looping.
const MAX_PAGES: usize = 1000;

/// Spawns `argv` and returns every tool it lists.
pub fn list_tools(argv: &[String], timeout: Duration) -> Result<Vec<ServerTool>, McpError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(McpError::new(
            code::SERVER,
            "command line",
            "no server command after `--`",
        ));
    };
    let location = format!("server `{}`", argv.join(" "));
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| McpError::new(code::SERVER, &location, format!("cannot start: {e}")))?;
    let mut conversation = Conversation::start(child, location, Instant::now() + timeout)?;
    let result = conversation.run();
    conversation.stop();
    result
}

struct Conversation {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<std::io::Result<String>>,
    location: String,
    deadline: Instant,
    next_id: u64,
}

impl Conversation {
    fn start(mut child: Child, location: String, deadline: Instant) -> Result<Self, McpError> {
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(McpError::new(
                code::SERVER,
                location,
                "no pipes to the server",
            ));
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let stop = line.is_err();
                if tx.send(line).is_err() || stop {
                    break;
                }
            }
        });
        Ok(Conversation {
            child,
            stdin: Some(stdin),
            lines: rx,
            location,
            deadline,
            next_id: 1,
        })
    }

    fn run(&mut self) -> Result<Vec<ServerTool>, McpError> {
        self.request(
            "initialize",
            json!({
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "guardc", "version": env!("CARGO_PKG_VERSION")},
            }),
        )?;
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))?;
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for page in 0..MAX_PAGES {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let result = self.request("tools/list", params)?;
            let Some(items) = result.get("tools").and_then(Value::as_array) else {
                return Err(self.error("`tools/list` result has no `tools` array"));
            };
            let at = format!("{}: page {}", self.location, page + 1);
            tools.extend(parse_tools(&at, "/result/tools", items)?);
            match result.get("nextCursor") {
                Some(Value::String(next)) if Some(next) == cursor.as_ref() => {
                    return Err(self.error("`tools/list` repeats its cursor"));
                }
                Some(Value::String(next)) => cursor = Some(next.clone()),
                _ => return Ok(tools),
            }
        }
        Err(self.error(format!("`tools/list` has more than {MAX_PAGES} pages")))
    }

    fn error(&self, message: impl Into<String>) -> McpError {
        McpError::new(code::SERVER, &self.location, message)
    }

    /// The server's exit status, if it exits within a moment: a closed
    /// pipe usually means it is exiting, and its status says more than the
    /// pipe error.
    fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + Duration::from_millis(500);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(10)),
                _ => return None,
            }
        }
    }

    fn send(&mut self, message: &Value) -> Result<(), McpError> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.error("the server's input is closed"));
        };
        let mut line = message.to_string();
        line.push('\n');
        if let Err(e) = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
        {
            let method = message["method"]
                .as_str()
                .unwrap_or("a message")
                .to_string();
            return Err(match self.exit_status() {
                Some(s) => self.error(format!("the server exited ({s}) before reading `{method}`")),
                None => self.error(format!("cannot write `{method}` to the server: {e}")),
            });
        }
        Ok(())
    }

    /// Sends one request and waits for its response, answering the
    /// server's own requests (`ping`) on the way and skipping its
    /// notifications.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        loop {
            let now = Instant::now();
            let wait = self.deadline.saturating_duration_since(now);
            let line = match self.lines.recv_timeout(wait) {
                Ok(Ok(line)) => line,
                Ok(Err(e)) => return Err(self.error(format!("reading `{method}` answer: {e}"))),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(self.error(format!("no answer to `{method}` in time")))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.exit_status();
                    let how =
                        status.map_or("closed its output".to_string(), |s| format!("exited ({s})"));
                    return Err(self.error(format!("the server {how} before answering `{method}`")));
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            let message: Value = serde_json::from_str(&line).map_err(|e| {
                self.error(format!(
                    "wrote a line that is not JSON-RPC ({e}): {}",
                    clip(&line)
                ))
            })?;
            if message.get("method").is_some() {
                // A request from the server wants an answer; a notification
                // (no id) does not.
                if let Some(req_id) = message.get("id") {
                    let reply = if message["method"] == "ping" {
                        json!({"jsonrpc": "2.0", "id": req_id, "result": {}})
                    } else {
                        json!({"jsonrpc": "2.0", "id": req_id,
                               "error": {"code": -32601, "message": "method not found"}})
                    };
                    self.send(&reply)?;
                }
                continue;
            }
            if message.get("id").and_then(Value::as_u64) != Some(id) {
                continue;
            }
            if let Some(error) = message.get("error") {
                return Err(self.error(format!("`{method}` failed: {error}")));
            }
            return match message.get("result") {
                Some(result) => Ok(result.clone()),
                None => Err(self.error(format!("the `{method}` answer has no `result`"))),
            };
        }
    }

    /// Closes the server's input (the stdio transport's way to ask it to
    /// exit), gives it a moment, then kills it.
    fn stop(mut self) {
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clip(line: &str) -> String {
    let mut s: String = line.chars().take(120).collect();
    if s.len() < line.len() {
        s.push('…');
    }
    s
}
