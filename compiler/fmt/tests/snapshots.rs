//! Snapshot tests of the layout: each `tests/fixtures/NAME.guard` is
//! formatted and the output compared with the reviewed snapshot
//! `tests/snapshots/NAME.snap` (whose header holds the input). Every
//! fixture must also be a fixed point of the formatter once formatted.
//!
//! To add a case, add a fixture, run
//! `INSTA_UPDATE=always cargo test -p guard-fmt --test snapshots`, and
//! review the new snapshot before committing it.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn fixtures_format_as_in_their_snapshots() {
    let dir = common::root().join("compiler/fmt/tests/fixtures");
    let fixtures = common::guard_files(&dir);
    assert!(!fixtures.is_empty());
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in fixtures {
        let input = std::fs::read_to_string(&path).unwrap();
        let output = match common::check_properties(&input) {
            Ok(out) => out,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        settings.set_description(input);
        settings.bind(|| insta::assert_snapshot!(name, output));
    }
}
