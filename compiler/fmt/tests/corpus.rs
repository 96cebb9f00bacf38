//! Property test over the real corpus: every example, standard-library
//! module and checker fixture that parses formats to a fixed point that is
//! the same program (syntax tree equal modulo spans) with the same comments.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{check_properties, corpus, parses};

#[test]
fn every_parsing_file_of_the_corpus_formats_soundly() {
    let mut failures = Vec::new();
    let mut formatted = 0;
    for path in corpus() {
        let text = std::fs::read_to_string(&path).unwrap();
        if !parses(&text) {
            continue;
        }
        match check_properties(&text) {
            Ok(_) => formatted += 1,
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The corpus is not empty: examples, stdlib and fixtures all count.
    assert!(formatted >= 60, "only {formatted} files formatted");
}

#[test]
fn examples_and_stdlib_are_formatted() {
    let root = common::root();
    let mut files = common::guard_files(&root.join("examples"));
    files.extend(common::guard_files(&root.join("stdlib")));
    let mut unformatted = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let out = guard_fmt::format(guard_diagnostics::FileId(0), &text).unwrap();
        if out != text {
            unformatted.push(path.display().to_string());
        }
    }
    assert!(
        unformatted.is_empty(),
        "run `guardc fmt examples stdlib`: {unformatted:?}"
    );
}
