//! The conformance fixtures through the real binary: every fixture with an
//! annotated error makes `guardc check` exit 1 and report exactly its
//! annotated codes at their lines; warning-only fixtures exit 0, and 1 with
//! `--deny-warnings`. (The in-process harness in `tests/` checks the same
//! annotations and snapshots the rendering; this proves the CLI agrees.)

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::process::Command;

use guard_diagnostics::{Code, Severity};
use guard_tests::{expected, fixtures, workspace_root};
use serde_json::Value;

#[test]
fn every_fixture_exits_with_its_codes_at_their_lines() {
    let root = workspace_root();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(all.len() > 60, "fixtures went missing: {}", all.len());
    for path in all {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        let want = expected(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let has_error = want.iter().any(|(_, c)| c.severity() == Severity::Error);
        let has_warning = want.iter().any(|(_, c)| c.severity() == Severity::Warning);

        let out = Command::new(env!("CARGO_BIN_EXE_guardc"))
            .args(["check", "--format", "json", &rel])
            .current_dir(&root)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: BTreeSet<(u32, Code)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["location"]["file"] == rel.as_str())
            .map(|d| {
                let line = d["location"]["start"]["line"].as_u64().unwrap() as u32;
                (line, Code::parse(d["code"].as_str().unwrap()).unwrap())
            })
            .collect();
        let code = out.status.code();
        let want_exit = if has_error { 1 } else { 0 };
        if got != want || code != Some(want_exit) {
            failures.push(format!(
                "{rel}: exit {code:?} (want {want_exit}), codes {got:?} (want {want:?})"
            ));
        }
        if has_warning && !has_error {
            let strict = Command::new(env!("CARGO_BIN_EXE_guardc"))
                .args(["check", "--deny-warnings", &rel])
                .current_dir(&root)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            if strict.status.code() != Some(1) {
                failures.push(format!(
                    "{rel}: --deny-warnings exit {:?}, want 1",
                    strict.status.code()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_directory_checks_clean() {
    let out = Command::new(env!("CARGO_BIN_EXE_guardc"))
        .args(["check", "--deny-warnings", "examples"])
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 errors, 0 warnings"), "{stderr}");
}
