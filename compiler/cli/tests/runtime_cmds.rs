//! `guardc build`, `disasm`, `test` and `eval` as a user runs them: real
//! processes, real files, the real runtime behind them.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use guard_tests::workspace_root;

fn guardc(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guardc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("guardc-rt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_example_test_passes_on_the_runtime() {
    let out = guardc(&workspace_root(), &["test", "examples"], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(" passed, 0 failed (6 policies)"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"));
}

const POLICY: &str = r#"policy shop;
tool refund.issue(amount: int);
gate lead { approvers: ["lead"]; }
state refunds: int[0..2] = 0;
allow refund.issue when amount <= 100;
escalate refund.issue to lead when amount > 100 because "big refunds need a lead";
deny refund.issue when refunds >= 2 because "two refunds per session";
on refund.issue { refunds = refunds + 1; }

test "small refunds" {
    refund.issue(amount: 10) => allow;
    expect refunds == 1;
}
"#;

#[test]
fn a_failing_test_shows_expected_actual_and_the_explanation() {
    let dir = scratch("fail");
    let bad = POLICY.replace(
        "refund.issue(amount: 10) => allow;",
        "refund.issue(amount: 500) => allow;",
    );
    std::fs::write(dir.join("shop.guard"), bad).unwrap();
    let out = guardc(&dir, &["test", "shop.guard"], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("test shop :: small refunds ... FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: allow"), "{stdout}");
    assert!(stdout.contains("actual:   escalate lead"), "{stdout}");
    assert!(stdout.contains("big refunds need a lead"), "{stdout}");
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}

#[test]
fn coverage_lists_rules_no_test_exercised() {
    let dir = scratch("coverage");
    std::fs::write(dir.join("shop.guard"), POLICY).unwrap();
    let out = guardc(&dir, &["test", "--coverage", "shop.guard"], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("2 rules never exercised"), "{stdout}");
    assert!(stdout.contains("escalate refund.issue to lead"), "{stdout}");
    assert!(
        stdout.contains("deny refund.issue when refunds >= 2"),
        "{stdout}"
    );
}

#[test]
fn build_then_disasm_and_eval_the_image() {
    let dir = scratch("build");
    std::fs::write(dir.join("shop.guard"), POLICY).unwrap();
    let out = guardc(&dir, &["build", "shop.guard", "-o", "shop.gbc"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let full = std::fs::metadata(dir.join("shop.gbc")).unwrap().len();
    let out = guardc(
        &dir,
        &["build", "shop.guard", "-o", "small.gbc", "--strip"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let small = std::fs::metadata(dir.join("small.gbc")).unwrap().len();
    assert!(small < full, "stripped {small} >= full {full}");

    let out = guardc(&dir, &["disasm", "shop.gbc"], None);
    let listing = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(listing.starts_with("policy shop"), "{listing}");
    assert!(
        listing.contains("tool 0 refund.issue(amount: int)"),
        "{listing}"
    );

    let events = concat!(
        "{\"tool\": \"refund.issue\", \"args\": {\"amount\": 10}}\n",
        "{\"tool\": \"refund.issue\", \"args\": {\"amount\": 500}}\n",
        "not json\n",
        "{\"tool\": \"refund.issue\", \"args\": {\"amount\": \"ten\"}}\n",
        "{\"tool\": \"refund.issue\", \"args\": {\"amount\": 20}}\n",
        "{\"tool\": \"refund.issue\", \"args\": {\"amount\": 30}}\n",
    );
    let out = guardc(&dir, &["eval", "small.gbc"], Some(events));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line makes the exit status 1"
    );
    assert_eq!(lines.len(), 6, "one record per line");
    assert_eq!(lines[0]["verdict"], "allow");
    assert_eq!(lines[1]["verdict"], "escalate");
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"]["code"]
        .as_str()
        .unwrap()
        .starts_with("E04"));
    assert_eq!(
        lines[3]["verdict"], "deny",
        "a string amount is a bad argument"
    );
    assert_eq!(lines[4]["verdict"], "allow");
    assert_eq!(
        lines[5]["verdict"], "deny",
        "the third refund is over the limit"
    );
}

#[test]
fn eval_checks_attributes_against_their_types() {
    let dir = scratch("attrs");
    std::fs::write(
        dir.join("env.guard"),
        "attr tier: int;\ntool t.run();\nallow t.run when tier > 1;\n",
    )
    .unwrap();
    let out = guardc(
        &dir,
        &["eval", "env.guard", "--attr", "tier=high"],
        Some(""),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a value of the attribute's type"));
    let out = guardc(
        &dir,
        &["eval", "env.guard", "--attr", "tier=2"],
        Some("{\"tool\": \"t.run\"}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"verdict\":\"allow\""));
}

#[test]
fn a_corrupt_image_is_an_input_error_not_a_crash() {
    let dir = scratch("corrupt");
    std::fs::write(dir.join("bad.gbc"), b"GRDI\x01\x00garbage").unwrap();
    let out = guardc(&dir, &["disasm", "bad.gbc"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a valid policy image"),
        "{}",
        text(&out.stderr)
    );
}
