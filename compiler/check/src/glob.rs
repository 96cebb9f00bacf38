//! Globs, compiled to the equivalent whole-value regular expression.
//!
//! Semantics (docs/language.md): a glob matches the whole value; `*`
//! matches any run of characters within one `/`-separated segment, `?` one
//! character other than `/`, `[abc]`, `[a-z]` and `[!abc]` one character of
//! (or not of) a class, `\c` the character `c` itself, and `**`, which must
//! be a whole segment, any number of segments: `a/**` matches everything
//! strictly below `a`, `**/b` matches `b` at any depth, `a/**/b` matches
//! `a/b`, `a/x/b`, `a/x/y/b`.
//!
//! The regex is the single source of truth: the runtime and the verifier
//! receive it rather than re-implementing glob matching.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobError {
    /// `**` mixed with other characters in one segment.
    DoubleStarInSegment,
    UnterminatedClass,
    EmptyClass,
    TrailingBackslash,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GlobError::DoubleStarInSegment => {
                "`**` must be a whole path segment (write `a/**/b`, not `a**b`)"
            }
            GlobError::UnterminatedClass => "unterminated character class `[`",
            GlobError::EmptyClass => "empty character class `[]`",
            GlobError::TrailingBackslash => "a trailing `\\` escapes nothing",
        })
    }
}

/// Translates a glob into a regex (without anchors: matching is always of
/// the whole value).
pub fn to_regex(glob: &str) -> Result<String, GlobError> {
    let segments: Vec<&str> = glob.split('/').collect();
    let last = segments.len() - 1;
    let mut out = String::new();
    for (i, seg) in segments.iter().enumerate() {
        if *seg == "**" {
            // `**` stands for zero or more whole segments; how it is
            // written depends on what surrounds it.
            match (i == 0, i == last) {
                // `(?s)`: a segment may hold any character but `/`, line
                // breaks included (as `*` and `[^/]` already do).
                (true, true) => out.push_str("(?s:.*)"),
                // `**/rest`: any directories, or none.
                (true, false) => out.push_str("(?:[^/]*/)*"),
                // `a/**`: at least one more segment.
                (false, true) => out.push_str("/(?s:.+)"),
                // `a/**/b`: the separator, then any directories.
                (false, false) => out.push_str("/(?:[^/]*/)*"),
            }
            continue;
        }
        if i > 0 && segments[i - 1] != "**" {
            out.push('/');
        }
        if seg.contains("**") && !seg.contains("\\*") {
            return Err(GlobError::DoubleStarInSegment);
        }
        segment(seg, &mut out)?;
    }
    Ok(out)
}

fn segment(seg: &str, out: &mut String) -> Result<(), GlobError> {
    let mut chars = seg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '\\' => match chars.next() {
                Some(e) => escape_into(e, out),
                None => return Err(GlobError::TrailingBackslash),
            },
            '[' => {
                let mut class = String::new();
                let negated = chars.peek() == Some(&'!');
                if negated {
                    chars.next();
                }
                let mut closed = false;
                let mut first = true;
                while let Some(k) = chars.next() {
                    if k == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    match k {
                        '\\' => match chars.next() {
                            Some(e) => class_char(e, &mut class),
                            None => return Err(GlobError::TrailingBackslash),
                        },
                        '-' => class.push('-'),
                        other => class_char(other, &mut class),
                    }
                }
                if !closed {
                    return Err(if first && !negated {
                        GlobError::UnterminatedClass
                    } else if class.is_empty() {
                        GlobError::EmptyClass
                    } else {
                        GlobError::UnterminatedClass
                    });
                }
                out.push('[');
                if negated {
                    // A negated class still never matches the separator.
                    out.push_str("^/");
                }
                out.push_str(&class);
                out.push(']');
            }
            other => escape_into(other, out),
        }
    }
    Ok(())
}

fn escape_into(c: char, out: &mut String) {
    if regex_syntax::is_meta_character(c) {
        out.push('\\');
    }
    out.push(c);
}

fn class_char(c: char, out: &mut String) {
    if matches!(c, '[' | ']' | '\\' | '^' | '&' | '~') {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::meta::Regex;

    fn matches(glob: &str, s: &str) -> bool {
        let re = to_regex(glob).expect("valid glob");
        Regex::new(&format!("^(?:{re})$"))
            .expect("valid regex")
            .is_match(s)
    }

    #[test]
    fn star_stays_in_segment() {
        assert!(matches("/tmp/*.txt", "/tmp/a.txt"));
        assert!(!matches("/tmp/*.txt", "/tmp/x/a.txt"));
        assert!(matches("/tmp/?", "/tmp/a"));
        assert!(!matches("/tmp/?", "/tmp/ab"));
    }

    #[test]
    fn double_star_crosses_segments() {
        assert!(matches("/tmp/agent/**", "/tmp/agent/a"));
        assert!(matches("/tmp/agent/**", "/tmp/agent/a/b/c"));
        assert!(!matches("/tmp/agent/**", "/tmp/agent"));
        assert!(!matches("/tmp/agent/**", "/tmp/agentx/a"));
        assert!(matches("**/*.rs", "main.rs"));
        assert!(matches("**/*.rs", "src/a/main.rs"));
        assert!(matches("src/**/mod.rs", "src/mod.rs"));
        assert!(matches("src/**/mod.rs", "src/a/b/mod.rs"));
        assert!(matches("**", "anything/at/all"));
    }

    /// Found by `guardc prove` on the coding-agent example: `**` was `.+`,
    /// which stops at a line break while `*` does not, so a path with a
    /// `\n` segment matched `/w/*/x/**` but not `/w/**`.
    #[test]
    fn every_wildcard_matches_line_breaks() {
        assert!(matches("/w/**", "/w/\n/x"));
        assert!(matches("/w/*/x/**", "/w/\n/x/a"));
        assert!(matches("**", "a\nb"));
        assert!(matches("/w/**/y", "/w/a\nb/y"));
        assert!(matches("/w/?", "/w/\n"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(matches("file[0-9].log", "file7.log"));
        assert!(!matches("file[!0-9].log", "file7.log"));
        assert!(matches("a\\*b", "a*b"));
        assert!(!matches("a\\*b", "axb"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "axb"));
    }

    #[test]
    fn errors() {
        assert_eq!(to_regex("a**b"), Err(GlobError::DoubleStarInSegment));
        assert_eq!(to_regex("a[bc"), Err(GlobError::UnterminatedClass));
        assert_eq!(to_regex("a\\"), Err(GlobError::TrailingBackslash));
    }
}
