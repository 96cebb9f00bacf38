//! Lints about regexes, globs and literals that cannot match what they are
//! applied to. Real guardrail files ship these: a host allow-list regex
//! with unescaped dots, a glob with `..` compared against normalised
//! paths, an upper-case literal compared with a lower-cased host.

use guard_diagnostics::{Code, Diagnostic, SourceMap, Span};
use regex_automata::dfa::{dense, Automaton};
use regex_automata::util::start;
use regex_automata::{Anchored, Input};

use crate::hir::{self, Builtin, ExprKind, Program, Type, Value, Verdict};

pub(super) fn lint_patterns(p: &Program, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    for (_, e) in p.expressions() {
        e.walk(&mut |x| match &x.kind {
            ExprKind::Regex { pattern, .. } => {
                regex_lints(pattern, x.span, sources, false, out);
            }
            ExprKind::Glob {
                lhs,
                pattern,
                regex,
            } => glob_lints(lhs, pattern, regex, x.span, out),
            ExprKind::Binary {
                op: hir::BinOp::Eq,
                lhs,
                rhs,
            } => {
                impossible_eq(lhs, rhs, Whole::Value, out);
                impossible_eq(rhs, lhs, Whole::Value, out);
            }
            ExprKind::In { lhs, rhs } => impossible_eq(lhs, rhs, Whole::Value, out),
            ExprKind::Call { func, args } => {
                let part = match func {
                    Builtin::StartsWith => Whole::Prefix,
                    Builtin::EndsWith => Whole::Suffix,
                    Builtin::Contains => Whole::Infix,
                    _ => return,
                };
                if let [a, b] = args.as_slice() {
                    impossible_eq(a, b, part, out);
                }
            }
            _ => {}
        });
    }
    for r in &p.rules {
        if let Verdict::Redact { regex, .. } = &r.verdict {
            // The regex literal is the first string after `matching regex`.
            regex_lints(regex, r.span, sources, true, out);
        }
    }
}

/// W0008, W0011, W0012 on one regex. `span` is the expression or rule.
fn regex_lints(
    pattern: &str,
    span: Span,
    sources: &SourceMap,
    redact: bool,
    out: &mut Vec<Diagnostic>,
) {
    let lit = literal_span(sources, span, pattern).unwrap_or(span);
    match language(pattern) {
        Some(Language::Empty) => out.push(
            Diagnostic::new(Code::W0008, lit, "this regular expression matches nothing")
                .with_label("no string matches it")
                .with_note("a rule that tests it can never fire; an `allow` guarded by it allows nothing")
                .with_help("anchors like `^`/`$` in the middle, or an empty class, make a regex unsatisfiable"),
        ),
        Some(Language::WithEmpty) if redact => out.push(
            Diagnostic::new(Code::W0012, lit, "this redaction pattern matches the empty string")
                .with_label("matches between every two characters")
                .with_note("`redact` replaces every match, so the replacement would be inserted everywhere")
                .with_help("use `+` instead of `*`, or make some part of the pattern mandatory"),
        ),
        _ => {}
    }
    if let Some(offset) = unescaped_host_dot(pattern) {
        let is_host_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
        // The neighbour that stops the run may be any character, so step
        // past it by its UTF-8 width rather than by one byte.
        let left = pattern[..offset]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_host_char(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let right = pattern[offset + 1..]
            .find(|c: char| !is_host_char(c))
            .map_or(pattern.len(), |i| offset + 1 + i);
        let (a, b) = (&pattern[left..offset], &pattern[offset + 1..right]);
        let mut d = Diagnostic::new(
            Code::W0011,
            lit,
            "unescaped `.` in a host name matches any character",
        )
        .with_label(format!("`{a}.{b}` here also matches `{a}X{b}`"))
        .with_help("escape it: in a Guard string write `\\\\.`");
        // Offer the fix when the literal has no escapes, so source offsets
        // equal value offsets.
        let text = sources.snippet(lit);
        if text.len() == pattern.len() + 2 && !text.contains('\\') {
            let at = lit.start as usize + 1 + offset;
            d = d.with_fix("escape the dot", Span::new(lit.file, at, at + 1), "\\\\.");
        }
        out.push(d);
    }
}

/// W0009: a glob that can never match its operand.
fn glob_lints(lhs: &hir::Expr, pattern: &str, _regex: &str, span: Span, out: &mut Vec<Diagnostic>) {
    let why = if lhs.ty == Type::Path {
        non_normal_path(pattern)
            .map(|w| format!("paths are normalised before rules see them, and {w}"))
    } else {
        None
    };
    let why = why.or_else(|| {
        lowercase_source(lhs)
            .filter(|_| pattern.chars().any(|c| c.is_uppercase()))
            .map(|f| format!("`{f}` is lower-case, but the glob has upper-case letters"))
    });
    if let Some(why) = why {
        out.push(
            Diagnostic::new(
                Code::W0009,
                span,
                format!("glob `{pattern}` can never match"),
            )
            .with_label(why)
            .with_help("write the glob in the form the value takes"),
        );
    }
}

/// Which part of a value a literal is compared with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Whole {
    Value,
    Prefix,
    Suffix,
    Infix,
}

/// W0013: `lower(x) == "Abc"`, `host(u) in ["Docs.rs"]`, `path == "/a/../b"`.
fn impossible_eq(value: &hir::Expr, other: &hir::Expr, part: Whole, out: &mut Vec<Diagnostic>) {
    let ExprKind::Lit(lit) = &other.kind else {
        return;
    };
    let strings: Vec<&str> = match lit {
        Value::Str(s) => vec![s.as_str()],
        Value::List(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => return,
    };
    for s in strings {
        let why = if let Some(f) = lowercase_source(value) {
            s.chars()
                .any(char::is_uppercase)
                .then(|| format!("`{f}` is always lower-case, but \"{s}\" is not"))
        } else if value.ty == Type::Path && matches!(value.kind, ExprKind::Param(_)) {
            // A prefix or infix may end with `/` (`starts_with(p, "/tmp/")`
            // is the right way to test a directory); a whole value may not.
            let s = if part == Whole::Value || part == Whole::Suffix {
                s
            } else {
                s.trim_end_matches('/')
            };
            non_normal_path(s)
                .map(|w| format!("paths are normalised before rules see them, and {w}"))
        } else {
            None
        };
        if let Some(why) = why {
            out.push(
                Diagnostic::new(Code::W0013, other.span, "this comparison can never hold")
                    .with_label(why)
                    .with_secondary(value.span, "compared with this"),
            );
        }
    }
}

/// The function that makes `e` lower-case (`lower`, `host`, `scheme`).
fn lowercase_source(e: &hir::Expr) -> Option<&'static str> {
    match &e.kind {
        ExprKind::Call {
            func: Builtin::Lower,
            ..
        } => Some("lower(..)"),
        ExprKind::Call {
            func: Builtin::Host,
            ..
        } => Some("host(..)"),
        ExprKind::Call {
            func: Builtin::Scheme,
            ..
        } => Some("scheme(..)"),
        _ => None,
    }
}

/// Why a path (or path glob) is not in normal form, if it is not.
fn non_normal_path(p: &str) -> Option<&'static str> {
    if p.contains("//") {
        return Some("they never contain `//`");
    }
    if p.split('/').any(|seg| seg == "..") {
        return Some("they never contain `..`");
    }
    if p.split('/').skip(1).any(|seg| seg == ".") {
        return Some("they never contain a `.` segment");
    }
    if p.len() > 1 && p.ends_with('/') {
        return Some("they never end with `/`");
    }
    None
}

/// The offset of the first unescaped `.` between two alphanumerics in
/// something that looks like a host name (`api.example.com`).
fn unescaped_host_dot(pattern: &str) -> Option<usize> {
    let bytes = pattern.as_bytes();
    let mut escaped = false;
    let mut in_class = false;
    for (i, &b) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' => escaped = true,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'.' if !in_class && i > 0 && i + 1 < bytes.len() => {
                let before = bytes[i - 1].is_ascii_alphanumeric();
                // A TLD-like run of letters after the dot.
                let after: Vec<u8> = bytes[i + 1..]
                    .iter()
                    .copied()
                    .take_while(u8::is_ascii_alphanumeric)
                    .collect();
                let preceded_by_escape = i >= 2 && bytes[i - 2] == b'\\';
                if before
                    && !preceded_by_escape
                    && after.len() >= 2
                    && after.iter().all(u8::is_ascii_alphabetic)
                {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

enum Language {
    Empty,
    WithEmpty,
    NonEmpty,
}

/// Decides, with a DFA for the whole-value regex, whether it matches
/// nothing, the empty string, or only non-empty strings. `None` when the
/// DFA would be too large to build (the lint then stays quiet).
fn language(pattern: &str) -> Option<Language> {
    let dfa = dense::Builder::new()
        .configure(
            dense::DFA::config()
                .start_kind(regex_automata::dfa::StartKind::Anchored)
                .dfa_size_limit(Some(4 << 20))
                .determinize_size_limit(Some(4 << 20)),
        )
        .build(&format!("^(?:{pattern})$"))
        .ok()?;
    let config = start::Config::new().anchored(Anchored::Yes);
    let start = dfa.start_state(&config).ok()?;
    let eoi = dfa.next_eoi_state(start);
    if dfa.is_match_state(eoi) {
        return Some(Language::WithEmpty);
    }
    // Breadth-first search for any reachable match state.
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::from([start]);
    seen.insert(start);
    while let Some(s) = queue.pop_front() {
        if dfa.is_match_state(dfa.next_eoi_state(s)) {
            return Some(Language::NonEmpty);
        }
        for b in 0..=255u8 {
            let t = dfa.next_state(s, b);
            if dfa.is_match_state(t) {
                return Some(Language::NonEmpty);
            }
            if !dfa.is_dead_state(t) && !dfa.is_quit_state(t) && seen.insert(t) {
                queue.push_back(t);
            }
        }
    }
    let _ = Input::new("");
    Some(Language::Empty)
}

/// The span of the string literal `"pattern"` inside `span`, found by
/// searching the source (the HIR keeps expression spans, not literal ones).
fn literal_span(sources: &SourceMap, span: Span, pattern: &str) -> Option<Span> {
    let text = sources.snippet(span);
    let needle = format!("\"{}\"", pattern.replace('\\', "\\\\").replace('"', "\\\""));
    let at = text
        .find(&needle)
        .or_else(|| text.find(&format!("\"{pattern}\"")))?;
    let start = span.start as usize + at;
    Some(Span::new(
        span.file,
        start,
        start + needle.len().min(text.len() - at),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert!(matches!(language("a^b"), Some(Language::Empty)));
        assert!(matches!(language("[^\\s\\S]"), Some(Language::Empty)));
        assert!(matches!(language("a*"), Some(Language::WithEmpty)));
        assert!(matches!(language("[0-9]{3}"), Some(Language::NonEmpty)));
    }

    #[test]
    fn host_dots() {
        assert_eq!(unescaped_host_dot("api.example.com"), Some(3));
        assert_eq!(unescaped_host_dot("api\\.example\\.com"), None);
        assert_eq!(unescaped_host_dot(".*"), None);
        assert_eq!(unescaped_host_dot("[0-9]+.[0-9]+"), None);
        assert_eq!(unescaped_host_dot("docs\\.rs|crates.io"), Some(15));
    }

    #[test]
    fn normal_paths() {
        assert!(non_normal_path("/tmp/agent/**").is_none());
        assert!(non_normal_path("/tmp/../etc").is_some());
        assert!(non_normal_path("/tmp//x").is_some());
        assert!(non_normal_path("/tmp/").is_some());
        assert!(non_normal_path("/").is_none());
    }
}
