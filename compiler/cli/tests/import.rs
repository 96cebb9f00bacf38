//! `guardc import mcp` as a user runs it: real saved `tools/list` answers
//! of the reference servers (`tests/import/*.json`, captured from the
//! pinned npm packages in `tests/proxy/`) become declarations whose text is
//! a reviewed snapshot, and which `guardc check` and `guardc fmt --check`
//! accept. Bad inputs fail with their code and location.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use guard_tests::workspace_root;

fn guardc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guardc-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> String {
    workspace_root()
        .join("tests/import")
        .join(name)
        .display()
        .to_string()
}

/// Imports one fixture, snapshots the declarations, and holds them to
/// `check` (no errors) and `fmt --check` (already canonical).
fn import_checks(file: &str, prefix: &str) -> (String, String) {
    let path = fixture(file);
    let out = guardc(&["import", "mcp", "--from", &path, "--prefix", prefix]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let dir = scratch(file);
    let guard = dir.join("imported.guard");
    std::fs::write(&guard, &stdout).unwrap();
    let g = guard.display().to_string();
    let check = guardc(&["check", "--format", "json", &g]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    // Only "no rule mentions this tool": the import writes no rules.
    assert!(codes.iter().all(|c| *c == "W0006"), "{codes:?}");
    let fmt = guardc(&["fmt", "--check", &g]);
    assert_eq!(fmt.status.code(), Some(0), "{}", text(&fmt.stdout));
    (stdout, stderr)
}

#[test]
fn server_everything_imports_and_checks() {
    let (guard, _) = import_checks("everything.json", "everything.");
    insta::assert_snapshot!("everything", guard);
}

#[test]
fn server_filesystem_imports_and_checks() {
    let (guard, _) = import_checks("filesystem.json", "filesystem.");
    insta::assert_snapshot!("filesystem", guard);
}

#[test]
fn awkward_names_and_schemas_import_and_report() {
    let (guard, stderr) = import_checks("edge_cases.json", "");
    insta::assert_snapshot!("edge_cases", guard);
    assert!(
        stderr.contains("tool `files/read`raw` cannot be spelt in Guard"),
        "{stderr}"
    );
    assert!(stderr.contains("collides with another tool"), "{stderr}");
}

#[test]
fn the_three_file_shapes_give_the_same_declarations() {
    let dir = scratch("shapes");
    let full: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("everything.json")).unwrap())
            .unwrap();
    let result = dir.join("tools.json");
    std::fs::write(&result, full["result"].to_string()).unwrap();
    let bare = dir.join("bare.json");
    std::fs::write(&bare, full["result"]["tools"].to_string()).unwrap();
    let outputs: Vec<String> = [
        fixture("everything.json"),
        result.display().to_string(),
        bare.display().to_string(),
    ]
    .iter()
    .map(|p| {
        let out = guardc(&["import", "mcp", "--from", p]);
        assert_eq!(out.status.code(), Some(0));
        // The header names the file; the declarations must agree.
        text(&out.stdout).split_once("\n\n").unwrap().1.to_string()
    })
    .collect();
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn output_file_is_written() {
    let dir = scratch("out");
    let out_path = dir.join("everything.guard");
    let o = out_path.display().to_string();
    let out = guardc(&[
        "import",
        "mcp",
        "--from",
        &fixture("everything.json"),
        "-o",
        &o,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote 13 tool declarations"));
    let written = std::fs::read_to_string(&out_path).unwrap();
    assert!(written.contains("tool echo(message: str)"), "{written}");
}

fn failure(args: &[&str]) -> String {
    let out = guardc(args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    text(&out.stderr)
}

#[test]
fn bad_files_fail_with_code_and_location() {
    let dir = scratch("bad");
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let p = write(
        "broken.json",
        "{\n  \"tools\": [\n    {\"name\": \"x\",}\n  ]\n}\n",
    );
    let e = failure(&["import", "mcp", "--from", &p]);
    assert!(e.contains(&format!("error[E0601]: {p}:3:")), "{e}");
    let p = write(
        "shape.json",
        r#"{"result": {"tools": [{"name": "x", "inputSchema": 3}]}}"#,
    );
    let e = failure(&["import", "mcp", "--from", &p]);
    assert!(
        e.contains(&format!(
            "error[E0602]: {p}: at `/result/tools/0/inputSchema`"
        )),
        "{e}"
    );
    let p = write(
        "err.json",
        r#"{"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "no tools here"}}"#,
    );
    let e = failure(&["import", "mcp", "--from", &p]);
    assert!(e.contains("E0602") && e.contains("no tools here"), "{e}");
    let missing = dir.join("missing.json").display().to_string();
    let e = failure(&["import", "mcp", "--from", &missing]);
    assert!(e.contains("error[E0603]"), "{e}");
}

#[test]
fn failing_servers_fail_with_code_and_in_time() {
    let e = failure(&["import", "mcp", "--", "/nonexistent/mcp-server"]);
    assert!(
        e.contains("error[E0604]: server `/nonexistent/mcp-server`: cannot start"),
        "{e}"
    );
    // A server that exits at once.
    let e = failure(&["import", "mcp", "--", "true"]);
    assert!(
        e.contains("E0604") && e.contains("the server exited (exit status: 0)"),
        "{e}"
    );
    // A server that writes something that is not JSON-RPC.
    let e = failure(&[
        "import",
        "mcp",
        "--",
        "sh",
        "-c",
        "echo hello; exec sleep 5",
    ]);
    assert!(e.contains("E0604") && e.contains("not JSON-RPC"), "{e}");
    // A server that never answers: the timeout ends it.
    let start = Instant::now();
    let e = failure(&["import", "mcp", "--timeout", "1", "--", "sleep", "30"]);
    assert!(e.contains("no answer to `initialize` in time"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
    // No source at all.
    let e = failure(&["import", "mcp"]);
    assert!(e.contains("--from"), "{e}");
}

#[test]
fn a_server_answering_with_pages_and_errors_is_followed() {
    // A tiny real stdio server in sh: it answers initialize, then
    // tools/list in two pages, then an error for a third request id.
    let dir = scratch("paged");
    let script = dir.join("server.sh");
    std::fs::write(
        &script,
        r#"#!/bin/sh
while IFS= read -r line; do
  case "$line" in
    *'"method":"initialize"'*) echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"paged","version":"0"}}}' ;;
    *'"cursor":"p2"'*) echo '{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"second","inputSchema":{"type":"object"}}]}}' ;;
    *'"method":"tools/list"'*) echo '{"jsonrpc":"2.0","method":"notifications/message","params":{}}'; echo '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"first","inputSchema":{"type":"object"}}],"nextCursor":"p2"}}' ;;
  esac
done
"#,
    )
    .unwrap();
    let s = script.display().to_string();
    let out = guardc(&["import", "mcp", "--prefix", "paged", "--", "sh", &s]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("tool paged.first();"), "{stdout}");
    assert!(stdout.contains("tool paged.second();"), "{stdout}");
    assert!(Path::new(&s).exists());
}
