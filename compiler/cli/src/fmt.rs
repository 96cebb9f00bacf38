//! `guardc fmt`: rewrite policies in the canonical style of `guard-fmt`.
//!
//! Paths are walked as by `check` (files by name, directories recursively
//! for `*.guard`). A file is written only when its formatted text differs,
//! so timestamps of formatted files stay put. `--check` writes nothing: it
//! lists the files that would change on stdout, one per line, for scripts
//! and CI. `-` formats standard input to standard output, for editors.
//!
//! A file with syntax errors is never rewritten: its diagnostics go to
//! stderr (human format) and the run exits with 2, as it does when a file
//! cannot be read or written. The other files are still formatted.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use guard_diagnostics::{render, SourceMap};

use crate::check::{plural, stderr_wants_color, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{ColorChoice, FmtArgs};
use crate::walk;

/// What happened to one input.
enum Outcome {
    Unchanged,
    Changed,
    /// Unreadable, unwritable or not parseable; already reported.
    Failed,
}

pub fn run(args: &FmtArgs) -> u8 {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stderr_wants_color(),
    };
    let stdin = Path::new("-");
    if args.paths.iter().any(|p| p == stdin) {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (standard input) cannot be combined with other paths");
            return EXIT_INPUT;
        }
        return run_stdin(args.check, color);
    }

    let collected = walk::collect(&args.paths);
    let mut failed = false;
    for (path, error) in &collected.errors {
        eprintln!("error: cannot read `{}`: {error}", path.display());
        failed = true;
    }
    let mut changed = 0usize;
    let mut stdout = std::io::stdout().lock();
    for path in &collected.files {
        match format_file(path, args.check, color) {
            Outcome::Unchanged => {}
            Outcome::Changed => {
                changed += 1;
                if args.check {
                    let _ = writeln!(stdout, "{}", path.display());
                }
            }
            Outcome::Failed => failed = true,
        }
    }
    let _ = stdout.flush();

    let total = collected.files.len();
    let verb = if args.check {
        "would reformat"
    } else {
        "reformatted"
    };
    eprintln!("{verb} {changed} of {}", plural(total, "file"));
    if collected.files.is_empty() && collected.errors.is_empty() {
        eprintln!("note: no `.guard` files found");
    }
    if failed {
        EXIT_INPUT
    } else if args.check && changed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn format_file(path: &PathBuf, check: bool, color: bool) -> Outcome {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", path.display());
            return Outcome::Failed;
        }
    };
    let Some(formatted) = format_text(&path.display().to_string(), &text, color) else {
        return Outcome::Failed;
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    if !check {
        if let Err(error) = std::fs::write(path, formatted.as_bytes()) {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            return Outcome::Failed;
        }
    }
    Outcome::Changed
}

fn run_stdin(check: bool, color: bool) -> u8 {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read standard input: {error}");
        return EXIT_INPUT;
    }
    let Some(formatted) = format_text("<stdin>", &text, color) else {
        return EXIT_INPUT;
    };
    let mut stdout = std::io::stdout().lock();
    if check {
        if formatted == text {
            return EXIT_OK;
        }
        let _ = writeln!(stdout, "<stdin>");
        return EXIT_FINDINGS;
    }
    if let Err(error) = stdout
        .write_all(formatted.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("error: cannot write standard output: {error}");
        return EXIT_INPUT;
    }
    EXIT_OK
}

/// The formatted text, or `None` after printing why there is none.
fn format_text(name: &str, text: &str, color: bool) -> Option<String> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    match guard_fmt::format(file, text) {
        Ok(formatted) => Some(formatted),
        Err(diags) => {
            eprint!("{}", render::human(&sources, &diags, color));
            eprintln!("error: `{name}` was not formatted: it has errors");
            None
        }
    }
}
