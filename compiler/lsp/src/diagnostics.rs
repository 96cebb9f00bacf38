//! Checker diagnostics as LSP diagnostics: the same code, message and
//! severity as `guardc check`, the help and notes appended to the
//! message, secondary labels as related information, and a
//! `codeDescription` link to the code's explanation.

use guard_diagnostics::{Diagnostic, Severity};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Url,
};

use crate::analysis::Analysis;

/// Where the explanation of a code lives: the Markdown file that
/// `guardc explain CODE` prints, in the repository.
pub fn explanation_url(code: &str) -> Option<Url> {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    Url::parse(&format!(
        "{repo}/blob/main/compiler/diagnostics/explain/{code}.md"
    ))
    .ok()
}

pub fn to_lsp(a: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
    let code = d.code.as_str();
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(": {}", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: a.location(l.span)?,
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: a.range(d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: explanation_url(code).map(|href| CodeDescription { href }),
        source: Some("guardc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
