//! End-to-end tests of the `guardc` binary: real processes on policies in
//! temporary directories, checking exit codes, where output goes, and that
//! the machine formats parse and carry what their consumers require.

// The house rule (clippy.toml) lets tests unwrap, but clippy only knows
// that for `#[test]` functions, not for the helpers they share here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const CLEAN: &str =
    "tool fs.read(path: path) -> str;\n\nallow fs.read when path matches glob \"/tmp/**\";\n";
/// Checks cleanly apart from one W0001 (a state variable nobody reads).
const WARNS: &str =
    "tool fs.read(path: path) -> str;\nstate phase: bool = false;\n\nallow fs.read;\n";
/// One E0101: `pth` is not a name in scope.
const ERRS: &str = "tool fs.read(path: path) -> str;\n\nallow fs.read when pth == \"/tmp\";\n";

/// A fresh directory for one test, removed when the guard drops.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("guardc-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, rel: &str, text: &str) -> &Scratch {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs guardc in `dir` with NO_COLOR set, so output is plain whatever the
/// terminal the tests run in.
fn guardc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guardc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn clean_policy_exits_0_with_a_summary() {
    let s = Scratch::new("clean");
    s.write("ok.guard", CLEAN);
    let out = guardc(s.path(), &["check", "ok.guard"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("checked 1 file: 0 errors, 0 warnings"));
    assert!(out.stdout.is_empty(), "human output belongs on stderr");
}

#[test]
fn errors_exit_1_and_render_rustc_style_on_stderr() {
    let s = Scratch::new("errors");
    s.write("bad.guard", ERRS);
    let out = guardc(s.path(), &["check", "bad.guard"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error[E0101]: unknown name `pth`"), "{err}");
    assert!(err.contains("bad.guard:3:20"), "{err}");
    assert!(err.contains("checked 1 file: 1 error, 0 warnings"), "{err}");
    assert!(!err.contains('\x1b'), "NO_COLOR must disable colour");
}

#[test]
fn warnings_pass_unless_denied() {
    let s = Scratch::new("warnings");
    s.write("w.guard", WARNS);
    let out = guardc(s.path(), &["check", "w.guard"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning[W0001]"));
    let out = guardc(s.path(), &["check", "--deny-warnings", "w.guard"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn color_always_colours_even_when_piped() {
    let s = Scratch::new("color");
    s.write("bad.guard", ERRS);
    let out = guardc(s.path(), &["check", "--color", "always", "bad.guard"]);
    assert!(stderr(&out).contains("\x1b["));
}

#[test]
fn directories_are_walked_sorted_skipping_hidden_and_target() {
    let s = Scratch::new("walk");
    s.write("b.guard", CLEAN)
        .write("a/one.guard", WARNS)
        .write(".hidden/broken.guard", ERRS)
        .write("target/broken.guard", ERRS)
        .write("README.md", "not a policy");
    let out = guardc(s.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["diagnostics"][0]["location"]["file"], "a/one.guard");
    assert!(stderr(&out).contains("checked 2 files: 0 errors, 1 warning"));
}

#[test]
fn json_report_parses_and_counts() {
    let s = Scratch::new("json");
    s.write("bad.guard", ERRS).write("w.guard", WARNS);
    let out = guardc(
        s.path(),
        &["check", "--format", "json", "bad.guard", "w.guard"],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "guardc");
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["errors"], 1);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["location"]["file"], "bad.guard");
    assert_eq!(first["location"]["start"]["line"], 3);
    assert_eq!(first["location"]["start"]["column"], 20);
    assert_eq!(first["explain"], "guardc explain E0101");
}

#[test]
fn sarif_report_has_what_code_scanning_requires() {
    let s = Scratch::new("sarif");
    s.write("bad.guard", ERRS);
    let out = guardc(s.path(), &["check", "--format", "sarif", "bad.guard"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].is_string());
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "guardc");
    assert!(driver["version"].is_string());
    assert!(driver["informationUri"].is_string());
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "E0101");
    let rule = &driver["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "E0101");
    assert!(rule["shortDescription"]["text"].is_string());
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("# E0101"));
    assert_eq!(result["level"], "error");
    assert!(result["message"]["text"].is_string());
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "bad.guard");
    assert_eq!(loc["region"]["startLine"], 3);
    assert_eq!(loc["region"]["startColumn"], 20);
    assert!(result["partialFingerprints"]["guardc/v1"].is_string());
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn github_format_prints_workflow_commands() {
    let s = Scratch::new("github");
    s.write("bad.guard", ERRS);
    let out = guardc(s.path(), &["check", "--format", "github", "bad.guard"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("::error file=bad.guard,line=3,col=20,endLine=3,endColumn=23,title=E0101::unknown name `pth`"),
        "{text}"
    );
}

#[test]
fn output_file_gets_the_report_and_stderr_the_summary() {
    let s = Scratch::new("output");
    s.write("bad.guard", ERRS);
    let out = guardc(
        s.path(),
        &["check", "--format", "sarif", "-o", "r.sarif", "bad.guard"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("checked 1 file: 1 error, 0 warnings"));
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(s.path().join("r.sarif")).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E0101");

    let out = guardc(s.path(), &["check", "-o", "r.txt", "bad.guard"]);
    assert_eq!(out.status.code(), Some(1));
    let report = std::fs::read_to_string(s.path().join("r.txt")).unwrap();
    assert!(report.starts_with("error[E0101]"), "{report}");
    assert!(!stderr(&out).contains("error[E0101]"));
}

#[test]
fn missing_path_exits_2_but_still_reports_the_rest() {
    let s = Scratch::new("missing");
    s.write("bad.guard", ERRS);
    let out = guardc(
        s.path(),
        &["check", "--format", "json", "nope.guard", "bad.guard"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("cannot read `nope.guard`"), "{err}");
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["input_errors"][0]["path"], "nope.guard");

    let out = guardc(
        s.path(),
        &["check", "--format", "sarif", "nope.guard", "bad.guard"],
    );
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E0101");
}

#[test]
fn usage_errors_exit_2() {
    let s = Scratch::new("usage");
    assert_eq!(
        guardc(s.path(), &["check", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(guardc(s.path(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(guardc(s.path(), &["explain"]).status.code(), Some(2));
}

#[test]
fn explain_prints_markdown_and_lists_codes() {
    let s = Scratch::new("explain");
    let out = guardc(s.path(), &["explain", "e0101"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# E0101: "), "{text}");
    assert!(text.contains("```guard"));

    let out = guardc(s.path(), &["explain", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let list = stdout(&out);
    assert_eq!(list.lines().count(), guard_diagnostics::Code::ALL.len());
    assert!(list.lines().any(|l| l.starts_with("W0015  warning")));
}

#[test]
fn explain_unknown_code_exits_2_with_a_suggestion() {
    let s = Scratch::new("explain-unknown");
    let out = guardc(s.path(), &["explain", "E01011"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown diagnostic code `E01011`"), "{err}");
    assert!(err.contains("did you mean `E0101`?"), "{err}");
}

#[test]
fn unreadable_file_is_an_input_error_naming_it() {
    let s = Scratch::new("utf8");
    s.write("ok.guard", CLEAN);
    std::fs::create_dir_all(s.path().join("bin")).unwrap();
    std::fs::write(s.path().join("bin/x.guard"), [0xff, 0xfe]).unwrap();
    let out = guardc(s.path(), &["check", "bin", "ok.guard"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("cannot read `bin/x.guard`"), "{err}");
    assert!(
        err.contains("checked 1 file: 0 errors, 0 warnings"),
        "{err}"
    );
}

/// Two assertions, one of which fails: `--assertion` picks which to prove.
const TWO_ASSERTS: &str = "tool fs.read(path: path) -> str;\ntool http.post(url: url, body: str);\n\nallow fs.read;\n\nassert holds: never http.post;\nassert fails: never fs.read;\n";

#[test]
fn prove_assertion_picks_assertions_by_name() {
    let s = Scratch::new("prove-assertion");
    s.write("p.guard", TWO_ASSERTS);
    let names = |out: &Output| -> Vec<String> {
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["assertion"].as_str().unwrap().to_string())
            .collect()
    };
    let all = guardc(s.path(), &["prove", "p.guard", "--format", "json"]);
    assert_eq!(all.status.code(), Some(1), "{}", stderr(&all));
    assert_eq!(names(&all), ["holds", "fails"]);

    let one = guardc(
        s.path(),
        &["prove", "p.guard", "--format", "json", "-a", "holds"],
    );
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(names(&one), ["holds"]);

    // Queries are proved too, after the named assertions.
    let q = guardc(
        s.path(),
        &[
            "prove",
            "p.guard",
            "--format",
            "json",
            "--assertion",
            "fails",
            "-q",
            "never http.post ~> fs.read",
        ],
    );
    assert_eq!(q.status.code(), Some(1), "{}", stderr(&q));
    assert_eq!(names(&q), ["fails", "query_1"]);

    let bad = guardc(s.path(), &["prove", "p.guard", "-a", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("has no assertion `nope`; it has: holds, fails"),
        "{}",
        stderr(&bad)
    );
}
