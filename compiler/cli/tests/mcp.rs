//! `guardc check --mcp-manifest` and `guardc eval --replay` as a user runs
//! them, on the fixtures under `tests/manifest/` and `tests/replay/`, with
//! reviewed snapshots of what they report.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use guard_tests::workspace_root;

fn guardc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardc"))
        .args(args)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const MANIFEST: &str = "tests/import/everything.json";

#[test]
fn a_drifted_policy_gets_every_manifest_warning() {
    let out = guardc(&[
        "check",
        "--mcp-manifest",
        MANIFEST,
        "--tool-prefix",
        "everything.",
        "tests/manifest/drift.guard",
    ]);
    let stderr = text(&out.stderr);
    // Warnings only: the exit status is 0 unless --deny-warnings.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    insta::assert_snapshot!("manifest_drift", stderr);
    let out = guardc(&[
        "check",
        "--deny-warnings",
        "--mcp-manifest",
        MANIFEST,
        "--tool-prefix",
        "everything",
        "tests/manifest/drift.guard",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_matching_policy_is_silent_and_without_the_manifest_drift_is_not_seen() {
    let out = guardc(&[
        "check",
        "--mcp-manifest",
        MANIFEST,
        "--tool-prefix",
        "everything.",
        "tests/manifest/matching.guard",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 errors, 0 warnings"), "{stderr}");
    let out = guardc(&["check", "tests/manifest/drift.guard"]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("W06"), "{stderr}");
}

#[test]
fn without_a_prefix_every_tool_is_compared_by_its_full_name() {
    let out = guardc(&[
        "check",
        "--format",
        "json",
        "--mcp-manifest",
        MANIFEST,
        "tests/manifest/matching.guard",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w0601 = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "W0601")
        .count();
    // `everything.echo` is not the server's `echo`, and so on for all five.
    assert_eq!(w0601, 5, "{report:#}");
}

#[test]
fn an_unreadable_manifest_is_an_input_error() {
    let dir = std::env::temp_dir().join(format!("guardc-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("tools.json");
    std::fs::write(&bad, "{\"tools\": [").unwrap();
    let b = bad.display().to_string();
    let out = guardc(&["check", "--mcp-manifest", &b, "tests/manifest/drift.guard"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("error[E0601]: {b}:1:")),
        "{stderr}"
    );
}

#[test]
fn replay_under_the_new_policy_reports_every_change() {
    let out = guardc(&[
        "eval",
        "tests/replay/new.guard",
        "--replay",
        "tests/replay/decisions.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    insta::assert_snapshot!(
        "replay_new",
        format!("{}---\n{}", text(&out.stdout), text(&out.stderr))
    );
    let out = guardc(&[
        "eval",
        "tests/replay/new.guard",
        "--replay",
        "tests/replay/decisions.jsonl",
        "--replay-format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed: Vec<(&str, &str, &str)> = report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["decision_id"].as_str().unwrap(),
                c["old"].as_str().unwrap(),
                c["new"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            ("0000000000000000000000005eed0003", "allow", "deny"),
            (
                "0000000000000000000000005eed0004",
                "escalate [lead]",
                "allow"
            ),
            (
                "0000000000000000000000005eed0005",
                "allow",
                "(no escalation)"
            ),
        ]
    );
    assert_eq!(
        report["unreplayable"][0]["reason"],
        "cannot replay: redacted"
    );
    assert_eq!(report["error_records"], 1);
}

#[test]
fn replay_under_the_policy_that_wrote_the_log_changes_nothing_it_can_replay() {
    let out = guardc(&[
        "eval",
        "tests/replay/old.guard",
        "--replay",
        "tests/replay/decisions.jsonl",
        "--replay-format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changed"].as_array().unwrap().len(), 0, "{report:#}");
    // The redacted record is still reported, so the exit status is 1.
    assert_eq!(report["unreplayable"].as_array().unwrap().len(), 1);
    assert_eq!(out.status.code(), Some(1));
    // Without the redacted record nothing is left to report: exit 0.
    let log =
        std::fs::read_to_string(workspace_root().join("tests/replay/decisions.jsonl")).unwrap();
    let clean: String = log
        .lines()
        .filter(|l| !l.contains("[REDACTED]"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = std::env::temp_dir().join(format!("guardc-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clean.jsonl");
    std::fs::write(&path, clean).unwrap();
    let p = path.display().to_string();
    let out = guardc(&["eval", "tests/replay/old.guard", "--replay", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
}

#[test]
fn unreadable_logs_fail_with_line_numbers() {
    let dir = std::env::temp_dir().join(format!("guardc-replay-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(
        &path,
        concat!(
            "{\"session\": \"s\", \"input\": {\"tool\": \"fs.read\", \"args\": {\"path\": \"/work/a\"}}, \"result\": {\"verdict\": \"allow\"}}\n",
            "not json\n",
            "{\"session\": \"s\", \"result\": {\"verdict\": \"allow\"}}\n",
            "[1]\n",
        ),
    )
    .unwrap();
    let p = path.display().to_string();
    let out = guardc(&["eval", "tests/replay/new.guard", "--replay", &p]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("error[E0470]: {p}:2: not a JSON record")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error[E0473]: {p}:3: the record has no `input`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error[E0471]: {p}:4:")),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// The codes `guardc import mcp` and `guardc proxy` print are exactly the
/// registry's `E06xx` codes, so `guardc explain` explains every one of
/// them and none is listed without being used. The sources are scanned
/// for code literals, which is where a new code would first appear.
#[test]
fn every_mcp_and_proxy_code_is_in_the_registry() {
    let mut used = std::collections::BTreeSet::new();
    for file in ["compiler/cli/src/mcp.rs", "compiler/proxy/src/problem.rs"] {
        let src = std::fs::read_to_string(workspace_root().join(file)).unwrap();
        // A code literal is exactly `"E06dd"`; other strings starting so
        // (a prefix in a test, say) are not codes.
        for (i, _) in src.match_indices("\"E06") {
            let Some(lit) = src.get(i..i + 7) else {
                continue;
            };
            let b = lit.as_bytes();
            if b[6] == b'"' && b[4..6].iter().all(u8::is_ascii_digit) {
                used.insert(lit[1..6].to_string());
            }
        }
    }
    let registered: std::collections::BTreeSet<String> = guard_diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .filter(|c| c.starts_with("E06"))
        .collect();
    assert_eq!(used, registered);
    for code in &used {
        let out = guardc(&["explain", code]);
        assert!(
            out.status.success(),
            "guardc explain {code}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).starts_with(&format!("# {code}: ")),
            "{code}"
        );
    }
}
