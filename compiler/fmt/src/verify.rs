//! What "formatting does not change the program" means: the output parses
//! without errors, its syntax tree equals the input's apart from spans (and
//! trailing whitespace in doc comments), and it holds the same comments, in
//! the same order (each apart from trailing whitespace on its lines).
//!
//! [`crate::format`] checks this on every output with the structural
//! comparison of `same`; [`shape`] and [`comments`] are independent
//! renderings of the same relation, for tests.

use guard_diagnostics::FileId;
use guard_syntax::ast::SourceFile;
use guard_syntax::lex::{tokenize, Spanned};
use guard_syntax::parse_file;

use crate::same::Same;

/// The syntax tree as text with every span erased: two files print alike
/// exactly when they are the same program. Doc comment lines are compared
/// without trailing whitespace, which the formatter removes.
pub fn shape(file: &SourceFile) -> String {
    let mut file = file.clone();
    for item in &mut file.items {
        if let Some(doc) = &mut item.doc {
            *doc = doc
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    erase_spans(&format!("{file:?}"))
}

/// Removes every `Span { .. }` from a `Debug` rendering.
fn erase_spans(debug: &str) -> String {
    const OPEN: &str = "Span { file: FileId(";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        match tail.find('}') {
            Some(close) => rest = tail.get(close + 1..).unwrap_or(""),
            None => {
                rest = tail;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The comments of a text, in order, each without trailing whitespace on
/// any of its lines.
pub fn comments(text: &str) -> Vec<String> {
    let (tokens, _) = tokenize(FileId(0), text);
    tokens
        .iter()
        .filter(|(t, _)| t.is_trivia())
        .map(|(_, span)| {
            let raw = text.get(span.range()).unwrap_or("");
            raw.split('\n')
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Whether `formatted` is the same program as the original, given as its
/// syntax tree and its comments ([`comments_in`]), with the same comments.
pub(crate) fn same_program(tree: &SourceFile, comments: &[&str], formatted: &str) -> bool {
    let (again, diags) = parse_file(FileId(0), formatted);
    if diags.iter().any(|d| d.is_error()) || !tree.same(&again) {
        return false;
    }
    drop(again);
    let (out_tokens, _) = tokenize(FileId(0), formatted);
    let mut theirs = comments.iter();
    let mut ours = out_tokens
        .iter()
        .filter(|(t, _)| t.is_trivia())
        .map(|(_, span)| formatted.get(span.range()).unwrap_or(""));
    loop {
        match (theirs.next(), ours.next()) {
            (None, None) => return true,
            (Some(x), Some(y))
                if x.split('\n')
                    .map(str::trim_end)
                    .eq(y.split('\n').map(str::trim_end)) => {}
            _ => return false,
        }
    }
}

/// The source text of the comments among `tokens`, in order.
pub(crate) fn comments_in<'a>(text: &'a str, tokens: &[Spanned]) -> Vec<&'a str> {
    tokens
        .iter()
        .filter(|(t, _)| t.is_trivia())
        .map(|(_, span)| text.get(span.range()).unwrap_or(""))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_do_not_matter_but_names_do() {
        let a = parse_file(FileId(0), "allow x when a&&b;").0;
        let b = parse_file(FileId(0), "allow   x\n  when a &&\n b ;").0;
        let c = parse_file(FileId(0), "allow x when a || b;").0;
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
        assert!(!shape(&a).contains("start:"));
    }

    #[test]
    fn comments_are_listed_in_order() {
        assert_eq!(
            comments("/* a */ allow x; // b  \n/// c\r\n"),
            ["/* a */", "// b", "/// c"]
        );
    }
}
