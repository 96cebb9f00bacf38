//! End-to-end tests of `guardc fmt`: in-place rewriting of files and
//! directories, `--check` exit codes and listing, `-` for standard input,
//! and refusal of files with syntax errors.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MESSY: &str =
    "allow   fs.read when path matches glob \"/tmp/**\" ;\n\n\n\ndeny fs.read when a&&b;\n";
const TIDY: &str =
    "allow fs.read when path matches glob \"/tmp/**\";\n\ndeny fs.read when a && b;\n";
const BROKEN: &str = "allow fs.read when ;\n";

/// A fresh directory for one test, removed when the guard drops.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("guardc-fmt-{}-{name}", std::process::id()));
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

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap()
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
    let mut pipe = child.stdin.take().unwrap();
    // guardc may exit before reading stdin (a usage error, say), which
    // closes the pipe: that is not this test's failure, its exit code is.
    let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rewrites_files_in_place_and_only_when_needed() {
    let s = Scratch::new("in-place");
    s.write("a.guard", MESSY).write("sub/b.guard", TIDY);
    let before = std::fs::metadata(s.path().join("sub/b.guard"))
        .unwrap()
        .modified()
        .unwrap();
    let out = guardc(s.path(), &["fmt", "."], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(s.read("a.guard"), TIDY);
    assert_eq!(s.read("sub/b.guard"), TIDY);
    let after = std::fs::metadata(s.path().join("sub/b.guard"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a formatted file is not rewritten");
    assert!(
        stderr(&out).contains("reformatted 1 of 2 files"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn no_paths_means_the_current_directory() {
    let s = Scratch::new("default-dir");
    s.write("a.guard", MESSY);
    let out = guardc(s.path(), &["fmt"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(s.read("a.guard"), TIDY);
}

#[test]
fn check_lists_files_that_would_change_and_writes_nothing() {
    let s = Scratch::new("check");
    s.write("a.guard", MESSY).write("b.guard", TIDY);
    let out = guardc(s.path(), &["fmt", "--check", "a.guard", "b.guard"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "a.guard\n");
    assert!(
        stderr(&out).contains("would reformat 1 of 2 files"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.read("a.guard"), MESSY, "--check never writes");

    let out = guardc(s.path(), &["fmt", "--check", "b.guard"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let s = Scratch::new("stdin");
    let out = guardc(s.path(), &["fmt", "-"], Some(MESSY));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), TIDY);

    let out = guardc(s.path(), &["fmt", "--check", "-"], Some(MESSY));
    assert_eq!(out.status.code(), Some(1));
    let out = guardc(s.path(), &["fmt", "--check", "-"], Some(TIDY));
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn syntax_errors_exit_2_with_diagnostics_and_leave_the_file_alone() {
    let s = Scratch::new("broken");
    s.write("bad.guard", BROKEN).write("ok.guard", MESSY);
    let out = guardc(s.path(), &["fmt", "."], None);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("error[E0010]"), "{err}");
    assert!(err.contains("bad.guard:1:"), "{err}");
    assert_eq!(s.read("bad.guard"), BROKEN);
    assert_eq!(
        s.read("ok.guard"),
        TIDY,
        "the other files are still formatted"
    );

    let out = guardc(s.path(), &["fmt", "-"], Some(BROKEN));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("<stdin>"), "{}", stderr(&out));
}

#[test]
fn missing_paths_and_mixed_stdin_exit_2() {
    let s = Scratch::new("missing");
    let out = guardc(s.path(), &["fmt", "nope.guard"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read `nope.guard`"),
        "{}",
        stderr(&out)
    );

    s.write("a.guard", TIDY);
    let out = guardc(s.path(), &["fmt", "-", "a.guard"], Some(TIDY));
    assert_eq!(out.status.code(), Some(2));
}
