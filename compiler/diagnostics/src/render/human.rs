//! The human renderer: rustc-style reports drawn by ariadne, one per
//! diagnostic, each headed `error[E0101]: message` and showing the primary
//! and secondary labels against the source, then the notes and the help.
//!
//! Three ariadne facts shape this module. Ariadne counts offsets in
//! characters by default and our spans are bytes. Its `IndexType::Byte`
//! mode would take bytes, but in 0.6 it locates the `file:line:col` header
//! of a label group in a *second* file by treating that group's character
//! offset as a byte offset, which prints the wrong position and panics when
//! the offset lands inside a multi-byte character (the stale-span test
//! found it). So this module converts every byte span to character offsets
//! itself and renders in `IndexType::Char`, the mode whose arithmetic is
//! consistent. Finally, ariadne slices the source at the offsets it is
//! given, so a stale span would panic inside it: every span is clamped
//! first (see [`super::clamp`]), and labels whose file the map does not
//! hold are dropped before ariadne ever sees them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};

use super::clamp;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;
use crate::span::FileId;

/// Renders every diagnostic, in order, separated by blank lines. With
/// `color`, the text carries ANSI escapes; without, it is plain.
pub fn human(sources: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let mut cache = MapCache {
        sources,
        loaded: HashMap::new(),
    };
    let mut out = String::new();
    for diag in diags {
        render_one(&mut out, &mut cache, diag, color);
        out.push('\n');
    }
    out
}

fn render_one(out: &mut String, cache: &mut MapCache<'_>, diag: &Diagnostic, color: bool) {
    out.push_str(&header(diag, color));
    out.push('\n');

    let primary_file = diag.primary.span.file;
    if cache.sources.get(primary_file).is_none() {
        // Without the text there is nothing to draw a snippet against; say
        // where the problem would be and still show the notes and help.
        let _ = writeln!(out, "  --> {}", cache.sources.name(primary_file));
        for note in &diag.notes {
            let _ = writeln!(out, "  = note: {note}");
        }
        if let Some(help) = &diag.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        return;
    }

    let (kind, primary_color) = match diag.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    let primary_range = clamped(cache.sources, primary_file, diag.primary.span);
    let config = Config::default()
        .with_index_type(IndexType::Char)
        .with_color(color);
    let mut report = Report::build(kind, (primary_file, primary_range)).with_config(config);

    // Ariadne draws labels in `order` and starts a new snippet whenever the
    // file changes or a label lies above the previous one. Ordering the
    // labels by (primary file first, then file, then position) gives one
    // snippet per file, as rustc does, wherever the secondary labels are.
    let mut labels: Vec<(bool, &crate::diagnostic::Label)> = vec![(true, &diag.primary)];
    labels.extend(
        diag.secondary
            .iter()
            .filter(|l| cache.sources.get(l.span.file).is_some())
            .map(|l| (false, l)),
    );
    labels.sort_by_key(|(_, l)| (l.span.file != primary_file, l.span.file, l.span.start));

    for (order, (is_primary, label)) in labels.into_iter().enumerate() {
        let file = label.span.file;
        let order = i32::try_from(order).unwrap_or(i32::MAX);
        let mut l = Label::new((file, clamped(cache.sources, file, label.span))).with_order(order);
        if !label.message.is_empty() {
            l = l.with_message(&label.message);
        }
        if color {
            // Ariadne does not filter label colours by `Config::with_color`,
            // so plain output must not set them at all.
            l = l.with_color(if is_primary {
                primary_color
            } else {
                Color::Blue
            });
        }
        report = report.with_label(l);
    }
    for note in &diag.notes {
        report = report.with_note(note);
    }
    if let Some(help) = &diag.help {
        report = report.with_help(help);
    }

    let mut buf = Vec::new();
    if report.finish().write(&mut *cache, &mut buf).is_err() {
        // Writing to a Vec cannot fail, and the cache serves only files the
        // map holds; if ariadne still errs, the header alone is better than
        // nothing.
        return;
    }
    let text = String::from_utf8_lossy(&buf);
    // Ariadne writes its own first line (`Error: `); ours, above, replaces
    // it so that the code reads rustc-style: `error[E0101]: ...`.
    let body = text.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
    out.push_str(body);
}

/// `error[E0101]: message`, bold and coloured like rustc when `color`.
fn header(diag: &Diagnostic, color: bool) -> String {
    let severity = diag.severity.as_str();
    let code = diag.code.as_str();
    if !color {
        return format!("{severity}[{code}]: {}", diag.message);
    }
    let paint = match diag.severity {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
    };
    format!(
        "{paint}{severity}[{code}]\x1b[0m\x1b[1m: {}\x1b[0m",
        diag.message
    )
}

/// The span as ariadne's character offsets: clamped to the file's text and
/// its character boundaries, then each end counted in characters.
fn clamped(sources: &SourceMap, file: FileId, span: crate::span::Span) -> Range<usize> {
    let text = sources.text(file);
    let bytes = clamp(text, span);
    let start = text[..bytes.start].chars().count();
    start..start + text[bytes].chars().count()
}

/// Serves ariadne the files of a [`SourceMap`], building each ariadne
/// `Source` (its line table) once per render call.
struct MapCache<'a> {
    sources: &'a SourceMap,
    loaded: HashMap<FileId, Source<&'a str>>,
}

impl<'a> Cache<FileId> for MapCache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<&'a str>, impl std::fmt::Debug> {
        let sources = self.sources;
        match sources.get(*id) {
            Some(file) => Ok(self
                .loaded
                .entry(*id)
                .or_insert_with(|| Source::from(file.text.as_str()))),
            None => Err(format!("no source file with id {}", id.0)),
        }
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl std::fmt::Display + 'b> {
        Some(self.sources.name(*id).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixture;
    use crate::{Code, Span};

    #[test]
    fn renders_code_labels_notes_and_help() {
        let (map, file) = fixture::sources();
        let out = human(&map, &fixture::diagnostics(file), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn color_output_carries_ansi_and_plain_does_not() {
        let (map, file) = fixture::sources();
        let diags = fixture::diagnostics(file);
        assert!(!human(&map, &diags, false).contains('\x1b'));
        assert!(human(&map, &diags, true).contains("\x1b[1;31merror[E0101]"));
    }

    #[test]
    fn byte_spans_after_multibyte_text_underline_the_right_word() {
        let mut map = SourceMap::new();
        let text = "// caf\u{e9} \u{1f600}\nallow x.y when zzz;\n";
        let file = map.add("u.guard", text);
        let start = text.find("zzz").unwrap_or(0);
        let d = Diagnostic::new(
            Code::E0101,
            Span::new(file, start, start + 3),
            "unknown name `zzz`",
        )
        .with_label("here");
        let out = human(&map, &[d], false);
        assert!(out.contains("u.guard:2:16"), "{out}");
        // The underline starts under column 16 of the source line.
        let line = out.lines().find(|l| l.contains("allow x.y")).unwrap_or("");
        let under: Vec<char> = out
            .lines()
            .skip_while(|l| !l.contains("allow x.y"))
            .nth(1)
            .unwrap_or("")
            .chars()
            .collect();
        let col = line[..line.find("zzz").unwrap_or(0)].chars().count();
        assert_eq!(under[col..col + 3], ['─', '┬', '─'], "{out}");
        assert_eq!(under[col - 1], ' ', "{out}");
    }

    #[test]
    fn labels_in_a_second_file_after_multibyte_text_are_located_right() {
        let mut map = SourceMap::new();
        let a = map.add("a.guard", "label x;\n");
        let text = "// \u{1f600}\u{1f600}\u{1f600}\nlabel x;\n";
        let b = map.add("b.guard", text);
        let at = text.find("x;").unwrap_or(0);
        let d = Diagnostic::new(Code::E0110, Span::new(a, 6, 7), "duplicate label `x`")
            .with_secondary(Span::new(b, at, at + 1), "first declared here");
        let out = human(&map, &[d], false);
        assert!(out.contains("b.guard:2:7"), "{out}");
    }

    #[test]
    fn unknown_file_still_shows_message_and_help() {
        let map = SourceMap::new();
        let d = Diagnostic::new(
            Code::E0108,
            Span::new(FileId(7), 0, 3),
            "cannot read `x.guard`",
        )
        .with_help("check the path");
        let out = human(&map, &[d], false);
        assert!(
            out.starts_with("error[E0108]: cannot read `x.guard`\n  --> <unknown>\n"),
            "{out}"
        );
        assert!(out.contains("help: check the path"));
    }
}
