//! The GitHub renderer: one workflow command per diagnostic,
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE::message`,
//! which a GitHub Actions runner turns into an annotation on the pull
//! request's diff. Only the primary location is reported; notes and help
//! follow the message on lines of their own.
//!
//! Escaping follows the runner's rules: in the message, `%`, CR and LF
//! become `%25`, `%0D`, `%0A`; in property values `:` and `,` must also be
//! escaped (`%3A`, `%2C`), or a file name holding them would end the
//! property early. Embedded stdlib modules are not repository files, so
//! their diagnostics carry no `file` property (GitHub then shows the
//! annotation on the run rather than on a file).

use std::fmt::Write as _;

use super::{is_embedded, portable_path, resolve, RunInfo};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Renders one workflow command per diagnostic and per unreadable input.
pub fn github(sources: &SourceMap, diags: &[Diagnostic], run: &RunInfo) -> String {
    let mut out = String::new();
    for e in &run.input_errors {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            escape_property(&run.tool_name),
            escape_data(&format!("cannot read `{}`: {}", e.path, e.message))
        );
    }
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let r = resolve(sources, d.primary.span);
        let mut props = Vec::new();
        if r.file.is_some() && !is_embedded(r.name) {
            props.push(format!("file={}", escape_property(&portable_path(r.name))));
            props.push(format!("line={}", r.start_lc.line));
            props.push(format!("col={}", r.start_lc.col));
            props.push(format!("endLine={}", r.end_lc.line));
            props.push(format!("endColumn={}", r.end_lc.col));
        }
        props.push(format!("title={}", escape_property(d.code.as_str())));

        let mut message = d.message.clone();
        if !d.primary.message.is_empty() {
            message.push_str(": ");
            message.push_str(&d.primary.message);
        }
        for note in &d.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&message)
        );
    }
    out
}

/// Escapes a command's message (the part after `::`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=...`), where `:` and `,` are delimiters.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{fixture, InputError};
    use crate::{Code, Span};

    #[test]
    fn snapshot() {
        let (map, file) = fixture::sources();
        let mut run = fixture::run();
        run.input_errors.push(InputError {
            path: "gone.guard".to_string(),
            message: "No such file or directory (os error 2)".to_string(),
        });
        insta::assert_snapshot!(github(&map, &fixture::diagnostics(file), &run));
    }

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("100%\r\nok"), "100%25%0D%0Aok");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn awkward_file_names_stay_one_property() {
        let mut map = SourceMap::new();
        let file = map.add("./dir,x/a:b.guard", "allow x;\n");
        let d = crate::Diagnostic::new(Code::E0102, Span::new(file, 6, 7), "unknown tool `x`");
        let out = github(&map, &[d], &RunInfo::new(1));
        assert_eq!(
            out,
            "::error file=dir%2Cx/a%3Ab.guard,line=1,col=7,endLine=1,endColumn=8,title=E0102::unknown tool `x`\n"
        );
    }

    #[test]
    fn embedded_modules_get_no_file_property() {
        let mut map = SourceMap::new();
        let file = map.add("std::labels", "label a;\nlabel a;\n");
        let d = crate::Diagnostic::new(Code::E0110, Span::new(file, 15, 16), "duplicate label `a`");
        let out = github(&map, &[d], &RunInfo::new(1));
        assert_eq!(out, "::error title=E0110::duplicate label `a`\n");
    }
}
