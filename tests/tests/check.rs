//! The conformance suite for `guardc check`: every fixture under
//! `tests/check` reports exactly the diagnostics its `//~` annotations
//! name, at the annotated lines, and its rendered diagnostics match the
//! reviewed snapshot; every example checks clean; every code in the
//! registry is exercised by some fixture.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use guard_diagnostics::Code;
use guard_tests::{actual, check, expected, fixtures, guard_files, render_plain, workspace_root};

#[test]
fn fixtures_report_exactly_their_annotations() {
    let mut failures = Vec::new();
    for path in fixtures() {
        let source = std::fs::read_to_string(&path).unwrap();
        let want = match expected(&source) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let checked = check(&path);
        let got = actual(&checked, &path);
        if want != got {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            failures.push(format!(
                "{}\n  missing {:?}\n  unexpected {:?}\n{}",
                path.display(),
                missing,
                extra,
                render_plain(&checked)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn fixture_snapshots() {
    let root = workspace_root();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("tests/check/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in fixtures() {
        let rel = path.strip_prefix(root.join("tests/check")).unwrap();
        let name = rel
            .with_extension("")
            .display()
            .to_string()
            .replace('/', "__");
        let source = std::fs::read_to_string(&path).unwrap();
        let checked = check(&path);
        settings.set_description(source);
        settings.bind(|| insta::assert_snapshot!(name, render_plain(&checked)));
    }
}

#[test]
fn every_code_has_a_fixture() {
    let mut seen = BTreeSet::new();
    for path in fixtures() {
        let source = std::fs::read_to_string(&path).unwrap();
        seen.extend(expected(&source).unwrap().into_iter().map(|(_, c)| c));
    }
    // Verification codes (E05xx, W05xx) come from `guardc prove`, whose
    // fixtures under tests/prove are checked by tests/prove.rs.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| !seen.contains(c) && !c.as_str()[1..].starts_with("05"))
        // The runtime's codes (E0410–E0499) come from images, sessions and
        // events, not from checking source: compiler/cli/tests/
        // runtime_codes.rs triggers them through the real runtime.
        .filter(|c| !c.is_runtime())
        // The MCP manifest codes (W06xx) need a server's tool list besides
        // the policy: tests/manifest/drift.guard triggers each of them in
        // compiler/cli/tests/mcp.rs.
        .filter(|c| !c.as_str()[1..].starts_with("06"))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn examples_check_clean() {
    let examples = guard_files(&workspace_root().join("examples"));
    assert!(examples.len() >= 6, "expected at least six examples");
    let checked = guard_check::check_paths(&examples, &guard_check::RealFs);
    assert!(checked.io_errors.is_empty());
    assert!(
        checked.diagnostics.is_empty(),
        "examples must check clean:\n{}",
        render_plain(&checked)
    );
    // Shared declaration files are checked through their importers.
    assert!(checked.policies.len() >= 6);
    assert!(checked.policies.iter().all(|p| p.program.is_some()));
}

#[test]
fn stdlib_modules_check_clean() {
    for module in guard_check::stdlib_module_names() {
        let src = format!("use {module};\n");
        let checked = guard_check::check_source("stdlib_probe.guard", &src, &guard_check::RealFs);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error() || d.primary.span.file.0 != 0)
            .collect();
        assert!(errors.is_empty(), "{module}:\n{}", render_plain(&checked));
    }
}
