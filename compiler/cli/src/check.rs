//! `guardc check`: collect the files, run the checker, write the report,
//! and choose the exit code.
//!
//! Where output goes, and why: the human report is for a person at a
//! terminal and goes to stderr, like rustc's, so that stdout stays free for
//! data. The machine formats (json, sarif, github) are data and go to
//! stdout, so `guardc check --format sarif > out.sarif` works. `-o FILE`
//! sends the report (of any format) to a file instead. Unreadable inputs
//! and the one-line summary always go to stderr, whatever the format, so a
//! person or a CI log sees them without parsing anything.

use std::io::{IsTerminal, Write};

use guard_check::{check_paths, RealFs};
use guard_diagnostics::render::{self, InputError, RunInfo};

use crate::cli::{CheckArgs, ColorChoice, Format};
use crate::walk;

/// Exit codes, as documented in `docs/diagnostics.md`.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

pub fn run(args: &CheckArgs) -> u8 {
    let collected = walk::collect(&args.paths);
    let mut input_errors: Vec<InputError> = collected
        .errors
        .iter()
        .map(|(path, error)| input_error(path, error))
        .collect();

    let mut checked = check_paths(&collected.files, &RealFs);
    if args.deep {
        deep_lints(&mut checked);
    }
    if let Some(manifest) = &args.mcp_manifest {
        let prefix = args.tool_prefix.as_deref().unwrap_or("");
        if let Err(e) = crate::manifest::check(&mut checked, manifest, prefix) {
            eprintln!("{e}");
            return EXIT_INPUT;
        }
    }
    input_errors.extend(
        checked
            .io_errors
            .iter()
            .map(|e| input_error(&e.path, &e.error)),
    );
    let files_checked = collected
        .files
        .len()
        .saturating_sub(checked.io_errors.len());

    let mut info = RunInfo::new(files_checked);
    info.tool_version = env!("CARGO_PKG_VERSION").to_string();
    info.information_uri = env!("CARGO_PKG_REPOSITORY").to_string();
    info.input_errors = input_errors;

    let mut stderr = std::io::stderr().lock();
    for e in &info.input_errors {
        let _ = writeln!(stderr, "error: cannot read `{}`: {}", e.path, e.message);
    }

    let to_file = args.output.is_some();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        // A report written to a file is never "a terminal".
        ColorChoice::Auto => !to_file && stderr_wants_color(),
    };
    let report = match args.format {
        Format::Human => render::human(&checked.sources, &checked.diagnostics, color),
        Format::Json => render::json(&checked.sources, &checked.diagnostics, &info),
        Format::Sarif => render::sarif(&checked.sources, &checked.diagnostics, &info),
        Format::Github => render::github(&checked.sources, &checked.diagnostics, &info),
    };

    let mut write_failed = false;
    match &args.output {
        Some(path) => {
            if let Err(error) = std::fs::write(path, report.as_bytes()) {
                let _ = writeln!(
                    stderr,
                    "error: cannot write report to `{}`: {error}",
                    path.display()
                );
                write_failed = true;
            }
        }
        None if args.format == Format::Human => {
            let _ = stderr.write_all(report.as_bytes());
        }
        None => {
            // A closed pipe (`guardc check --format json | head`) is not
            // worth a panic; the exit code still reports the findings.
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(report.as_bytes());
            let _ = stdout.flush();
        }
    }

    let errors = checked.error_count();
    let warnings = checked.warning_count();
    let _ = writeln!(stderr, "{}", summary(files_checked, errors, warnings));
    if collected.files.is_empty() && info.input_errors.is_empty() {
        let _ = writeln!(stderr, "note: no `.guard` files found");
    }

    exit_code(
        !info.input_errors.is_empty() || write_failed,
        errors,
        warnings,
        args.deny_warnings,
    )
}

/// `--deep`: the verifier's deep lints (W0502–W0505) on every policy
/// without errors, merged into the report in the checker's order (file,
/// then position). What the analysis had to leave out is said on stderr.
fn deep_lints(checked: &mut guard_check::Checked) {
    for p in &checked.policies {
        let Some(program) = &p.program else {
            continue;
        };
        let (diags, notes) = deep_of(program);
        for note in &notes {
            eprintln!(
                "note: deep lints of `{}`: {note}",
                checked.sources.name(p.root)
            );
        }
        checked.diagnostics.extend(diags);
    }
    checked.diagnostics.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
        )
    });
}

/// The deep lints of one policy and what the analysis left out (shared
/// with `guardc prove`, which always runs them); a policy that does not
/// lower gets its lowering errors instead.
pub fn deep_of(
    program: &guard_check::hir::Program,
) -> (Vec<guard_diagnostics::Diagnostic>, Vec<String>) {
    match guard_verify::deep::lints(program, guard_verify::deep::Options::default()) {
        Ok(deep) => (deep.diagnostics, deep.notes),
        Err(diags) => (diags, Vec::new()),
    }
}

/// Input errors win over findings: a run that could not read everything
/// was not a complete check, whatever it found in the rest.
fn exit_code(input_failed: bool, errors: usize, warnings: usize, deny_warnings: bool) -> u8 {
    if input_failed {
        EXIT_INPUT
    } else if errors > 0 || (deny_warnings && warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn input_error(path: &std::path::Path, error: &std::io::Error) -> InputError {
    InputError {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

/// `checked 7 files: 2 errors, 1 warning`.
pub fn summary(files: usize, errors: usize, warnings: usize) -> String {
    format!(
        "checked {}: {}, {}",
        plural(files, "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `auto` colour: only when stderr (where the human report goes) is a
/// terminal and NO_COLOR is unset or empty, as <https://no-color.org> asks.
pub fn stderr_wants_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_pluralises() {
        assert_eq!(summary(1, 0, 1), "checked 1 file: 0 errors, 1 warning");
        assert_eq!(summary(7, 2, 3), "checked 7 files: 2 errors, 3 warnings");
    }

    #[test]
    fn exit_codes_follow_the_documented_order() {
        assert_eq!(exit_code(false, 0, 0, false), EXIT_OK);
        assert_eq!(exit_code(false, 0, 3, false), EXIT_OK);
        assert_eq!(exit_code(false, 0, 3, true), EXIT_FINDINGS);
        assert_eq!(exit_code(false, 1, 0, false), EXIT_FINDINGS);
        assert_eq!(exit_code(true, 1, 0, false), EXIT_INPUT);
    }
}
