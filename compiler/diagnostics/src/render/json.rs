//! The JSON renderer: one pretty-printed document per run, for scripts and
//! editors that do not speak SARIF. The shape is a public interface,
//! documented field by field in `docs/diagnostics.md`; it carries a
//! `version` so consumers can refuse documents they do not understand.
//! Adding a field is compatible and keeps the version; renaming, removing
//! or changing the meaning of one bumps it.

use serde::Serialize;

use super::{resolve, Resolved, RunInfo};
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;
use crate::span::Span;

/// The version of the document [`json`] writes.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Renders the run as a JSON document (with a trailing newline).
pub fn json(sources: &SourceMap, diags: &[Diagnostic], run: &RunInfo) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let doc = Document {
        version: JSON_FORMAT_VERSION,
        tool: Tool {
            name: &run.tool_name,
            version: &run.tool_version,
        },
        summary: Summary {
            files: run.files_checked,
            errors,
            warnings: diags.len() - errors,
            input_errors: run.input_errors.len(),
        },
        diagnostics: diags.iter().map(|d| diagnostic(sources, d)).collect(),
        input_errors: run
            .input_errors
            .iter()
            .map(|e| InputErrorOut {
                path: &e.path,
                message: &e.message,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|e| format!("{{\"version\":{JSON_FORMAT_VERSION},\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}

fn diagnostic<'a>(sources: &'a SourceMap, d: &'a Diagnostic) -> DiagnosticOut<'a> {
    let mut labels = vec![LabelOut {
        primary: true,
        message: &d.primary.message,
        location: location(sources, d.primary.span),
    }];
    labels.extend(d.secondary.iter().map(|l| LabelOut {
        primary: false,
        message: &l.message,
        location: location(sources, l.span),
    }));
    DiagnosticOut {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        title: d.code.info().title,
        message: &d.message,
        location: location(sources, d.primary.span),
        labels,
        notes: d.notes.iter().map(String::as_str).collect(),
        help: d.help.as_deref(),
        fixes: d
            .fixes
            .iter()
            .map(|f| FixOut {
                title: &f.title,
                replacement: &f.replacement,
                location: location(sources, f.span),
            })
            .collect(),
        explain: format!("guardc explain {}", d.code.as_str()),
    }
}

fn location(sources: &SourceMap, span: Span) -> Location<'_> {
    let r: Resolved<'_> = resolve(sources, span);
    Location {
        file: r.name,
        span: ByteSpan {
            start: r.start,
            end: r.end,
        },
        start: Position {
            line: r.start_lc.line,
            column: r.start_lc.col,
        },
        end: Position {
            line: r.end_lc.line,
            column: r.end_lc.col,
        },
    }
}

// The document, field order as documented. Borrowed strings keep rendering
// free of copies; serde writes them the same as owned ones.

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool<'a>,
    summary: Summary,
    diagnostics: Vec<DiagnosticOut<'a>>,
    input_errors: Vec<InputErrorOut<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    input_errors: usize,
}

#[derive(Serialize)]
struct DiagnosticOut<'a> {
    code: &'static str,
    severity: &'static str,
    title: &'static str,
    message: &'a str,
    location: Location<'a>,
    labels: Vec<LabelOut<'a>>,
    notes: Vec<&'a str>,
    help: Option<&'a str>,
    fixes: Vec<FixOut<'a>>,
    explain: String,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    span: ByteSpan,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct ByteSpan {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct LabelOut<'a> {
    primary: bool,
    message: &'a str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct FixOut<'a> {
    title: &'a str,
    replacement: &'a str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct InputErrorOut<'a> {
    path: &'a str,
    message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{fixture, InputError};

    #[test]
    fn snapshot() {
        let (map, file) = fixture::sources();
        let mut run = fixture::run();
        run.input_errors.push(InputError {
            path: "missing.guard".to_string(),
            message: "No such file or directory (os error 2)".to_string(),
        });
        insta::assert_snapshot!(json(&map, &fixture::diagnostics(file), &run));
    }

    #[test]
    fn document_parses_and_counts() {
        let (map, file) = fixture::sources();
        let text = json(&map, &fixture::diagnostics(file), &fixture::run());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["summary"]["errors"], 1);
        assert_eq!(v["summary"]["warnings"], 1);
        assert_eq!(v["diagnostics"][0]["location"]["start"]["line"], 6);
        assert_eq!(v["diagnostics"][0]["labels"][1]["primary"], false);
    }
}
