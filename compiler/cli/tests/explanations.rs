//! Keeps `guardc explain` honest: for every code, the first ```guard block
//! of its explanation (the example) must make the real checker report that
//! code, and the second (the fix) must not. This catches explanations that
//! drift from what the compiler does.
//!
//! A block may hold several files: a line `// NAME.guard` at the start of
//! the block and before each further file begins that file. The first file
//! is the policy that is checked; the others are served to its `use`s
//! through an in-memory file system, so no disk is involved.

// The house rule (clippy.toml) lets tests unwrap, but clippy only knows
// that for `#[test]` functions, not for the helpers they share here.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use guard_check::{check_source, FileSystem};
use guard_diagnostics::Code;

/// Serves the files of one example block.
struct MemFs(HashMap<PathBuf, String>);

impl FileSystem for MemFs {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        self.0
            .get(&normalise(path))
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), so that however the
/// loader joins a `use` path onto its importer's directory, the lookup
/// finds the file the example named.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The ```guard blocks of a Markdown text.
fn guard_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```guard") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => {
                blocks.extend(current.take());
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// Splits a block into (name, text) files; a block without `// X.guard`
/// headers is one file called `example.guard`.
fn files_of(block: &str) -> Vec<(String, String)> {
    let header = |line: &str| {
        line.strip_prefix("// ")
            .filter(|rest| rest.ends_with(".guard") && !rest.contains(' '))
            .map(str::to_string)
    };
    if block.lines().next().and_then(header).is_none() {
        return vec![("example.guard".to_string(), block.to_string())];
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(name) = header(line) {
            files.push((name, String::new()));
        }
        if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    files
}

/// The codes the checker reports for a block's first file.
fn codes_reported(block: &str) -> Vec<Code> {
    let files = files_of(block);
    let fs = MemFs(
        files
            .iter()
            .map(|(name, text)| (normalise(Path::new(name)), text.clone()))
            .collect(),
    );
    let (root, text) = &files[0];
    check_source(root, text, &fs)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn every_example_triggers_its_code_and_every_fix_does_not() {
    let mut failures = Vec::new();
    // Verification codes (E05xx, W05xx) are reported by `guardc prove` and
    // `check --deep`, not by the checker: tests/tests/prove.rs and
    // tests/tests/deep.rs hold their explanations to the same rule.
    // The MCP manifest codes (W06xx) need a server's tool list besides the
    // policy: compiler/cli/src/manifest.rs tests their explanations.
    for code in Code::ALL
        .iter()
        .filter(|c| !c.as_str()[1..].starts_with("05"))
        .filter(|c| !c.as_str()[1..].starts_with("06"))
        // The runtime's codes (E0410–E0499) come from images, sessions and
        // events; no Guard source triggers them. runtime_codes.rs runs
        // their examples through the real runtime instead.
        .filter(|c| !c.is_runtime())
    {
        let blocks = guard_blocks(code.info().explanation);
        let (Some(example), Some(fix)) = (blocks.first(), blocks.get(1)) else {
            failures.push(format!("{code}: needs an example and a fix block"));
            continue;
        };
        let example_codes = codes_reported(example);
        if !example_codes.contains(code) {
            failures.push(format!("{code}: example reports {example_codes:?}"));
        }
        let fix_codes = codes_reported(fix);
        if fix_codes.contains(code) {
            failures.push(format!("{code}: fix still reports {fix_codes:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn multi_file_blocks_split_at_headers() {
    let files = files_of("// a.guard\nuse \"./b.guard\";\n\n// b.guard\nlabel x;\n");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].0, "a.guard");
    assert!(files[1].1.contains("label x;"));
    assert_eq!(files_of("label x;\n")[0].0, "example.guard");
}
