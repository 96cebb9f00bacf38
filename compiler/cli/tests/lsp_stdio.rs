//! `guardc lsp` over real pipes with Content-Length framing: initialize,
//! open a broken policy and receive its diagnostics, hover, run a code
//! lens (prove and test, which run this same `guardc` as a subprocess),
//! then shutdown and exit with status 0.

// Test code: a panic is a failing test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Client {
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

/// Starts `guardc lsp` with piped standard streams and a client on them.
fn start() -> (Child, Client) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guardc"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let incoming = reader(child.stdout.take().unwrap());
    let client = Client {
        stdin: child.stdin.take().unwrap(),
        incoming,
        next_id: 0,
    };
    (child, client)
}

impl Client {
    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response, collecting the
    /// notifications that arrive before it.
    fn request(&mut self, method: &str, params: Value, seen: &mut Vec<Value>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv();
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            seen.push(msg);
        }
    }

    fn recv(&self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(120))
            .expect("the server answered within two minutes")
    }

    /// Waits for a notification of `method` about `uri`.
    fn wait_for(&self, method: &str, uri: &str, seen: &mut Vec<Value>) -> Value {
        if let Some(i) = seen
            .iter()
            .position(|m| m["method"] == method && m["params"]["uri"] == uri)
        {
            return seen.remove(i);
        }
        loop {
            let msg = self.recv();
            if msg["method"] == method && msg["params"]["uri"] == uri {
                return msg;
            }
            seen.push(msg);
        }
    }
}

/// Reads Content-Length framed messages until the stream closes.
fn reader(stdout: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    len = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.expect("a Content-Length header")];
            r.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    rx
}

#[test]
fn initialize_diagnose_hover_lens_shutdown() {
    let dir = std::env::temp_dir().join(format!("guard-lsp-stdio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.guard");
    let broken_text = "tool fs.read(path: str) -> str;\nallow fs.read when pth == \"x\";\n";
    std::fs::write(&broken, broken_text).unwrap();
    let lens = dir.join("lens.guard");
    let lens_text = "policy lens;\n\ntool mail.send(to: str) -> str;\n\ndeny mail.send when to == \"x@evil.example\";\nallow mail.send;\n\nassert no_evil: never mail.send when to == \"x@evil.example\";\n\ntest \"evil is denied\" {\n    mail.send(to: \"x@evil.example\") => deny;\n}\n";
    std::fs::write(&lens, lens_text).unwrap();
    let broken_uri = format!("file://{}", broken.display());
    let lens_uri = format!("file://{}", lens.display());

    let (mut child, mut client) = start();
    let mut seen = Vec::new();

    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
        &mut seen,
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16", "{init}");
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(
        caps["textDocumentSync"]["change"], 2,
        "incremental sync: {init}"
    );
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": broken_uri, "languageId": "guard", "version": 1, "text": broken_text}}),
    );
    let diags = client.wait_for("textDocument/publishDiagnostics", &broken_uri, &mut seen);
    let list = diags["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{diags}");
    assert_eq!(list[0]["code"], "E0101");
    assert_eq!(
        list[0]["range"]["start"],
        json!({"line": 1, "character": 19})
    );
    assert!(list[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `path`?"));

    // Fix it incrementally: the diagnostics go away.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": broken_uri, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 1, "character": 19}, "end": {"line": 1, "character": 22}}, "text": "path"}]}),
    );
    let diags = client.wait_for("textDocument/publishDiagnostics", &broken_uri, &mut seen);
    assert_eq!(diags["params"]["diagnostics"], json!([]), "{diags}");

    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": broken_uri}, "position": {"line": 1, "character": 8}}),
        &mut seen,
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("tool fs.read(path: str) -> str;"), "{hover}");

    // Code lenses: prove the assertion, run the test, see the new titles.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": lens_uri, "languageId": "guard", "version": 1, "text": lens_text}}),
    );
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lens_uri}}),
        &mut seen,
    );
    let titles: Vec<&str> = lenses["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["▶ prove", "▶ run test"], "{lenses}");
    let proved = client.request(
        "workspace/executeCommand",
        json!({"command": "guard.prove", "arguments": [lens_uri, "no_evil"]}),
        &mut seen,
    );
    assert_eq!(
        proved["result"], "✓ assertion `no_evil`: proved",
        "{proved}"
    );
    let tested = client.request(
        "workspace/executeCommand",
        json!({"command": "guard.runTest", "arguments": [lens_uri, "evil is denied"]}),
        &mut seen,
    );
    assert_eq!(
        tested["result"], "✓ passed: test \"evil is denied\"",
        "{tested}"
    );
    assert!(
        seen.iter().any(|m| m["method"] == "window/showMessage"
            && m["params"]["message"] == "✓ assertion `no_evil`: proved"),
        "the result was shown: {seen:?}"
    );
    let lenses = client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lens_uri}}),
        &mut seen,
    );
    let titles: Vec<&str> = lenses["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["✓ proved", "✓ passed"], "{lenses}");

    // An unknown request is an error, not a crash.
    let unknown = client.request("guard/unknown", json!({}), &mut seen);
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");

    let shutdown = client.request("shutdown", Value::Null, &mut seen);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    client.notify("exit", Value::Null);
    drop(client);
    let status = child.wait().unwrap();
    assert!(status.success(), "guardc lsp exited with {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let (mut child, mut client) = start();
    let mut seen = Vec::new();
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null,
               "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
        &mut seen,
    );
    assert_eq!(
        init["result"]["capabilities"]["positionEncoding"], "utf-8",
        "{init}"
    );
    client.notify("initialized", json!({}));
    // "é" is two bytes: the unknown name starts at byte column 27, which
    // is UTF-16 column 26.
    let uri = "untitled:utf8.guard";
    let text = "tool t.x(p: str);\ndeny t.x when \"é\" == p && qq;\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "guard", "version": 1, "text": text}}),
    );
    let diags = client.wait_for("textDocument/publishDiagnostics", uri, &mut seen);
    let list = diags["params"]["diagnostics"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{diags}");
    assert_eq!(list[0]["code"], "E0101", "{diags}");
    assert_eq!(
        list[0]["range"]["start"],
        json!({"line": 1, "character": 27}),
        "{diags}"
    );
    let shutdown = client.request("shutdown", Value::Null, &mut seen);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    client.notify("exit", Value::Null);
    drop(client);
    assert!(child.wait().unwrap().success());
}
