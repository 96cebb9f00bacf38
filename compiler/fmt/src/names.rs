//! Canonical spelling of names and string literals.
//!
//! A name is written in backticks only when it has to be: when it is not
//! an identifier (`get-env`), when it is a reserved word (`test`), or when
//! it is the contextual word that the grammar would read as a keyword in
//! that position (`output` starting a target, `expect` starting a test
//! step). A string literal is re-escaped from its value, so equal strings
//! are always written alike.

/// The words that are never names (docs/language.md §2.2).
#[cfg(test)]
const RESERVED: &[&str] = &[
    "policy", "use", "label", "tool", "attr", "gate", "channel", "allow", "deny", "escalate",
    "redact", "when", "unless", "because", "assert", "never", "possible", "test", "has", "in",
    "matches", "true", "false", "enum", "context",
];

/// Whether `text` is a reserved word (the list above, as a match).
fn is_reserved(text: &str) -> bool {
    matches!(
        text,
        "policy"
            | "use"
            | "label"
            | "tool"
            | "attr"
            | "gate"
            | "channel"
            | "allow"
            | "deny"
            | "escalate"
            | "redact"
            | "when"
            | "unless"
            | "because"
            | "assert"
            | "never"
            | "possible"
            | "test"
            | "has"
            | "in"
            | "matches"
            | "true"
            | "false"
            | "enum"
            | "context"
    )
}

/// Where a name stands, for the two positions in which a contextual word
/// would be read as a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamePos {
    /// Anywhere a name is all the grammar accepts.
    Plain,
    /// The first segment of a rule, effect-block or assertion target.
    TargetHead,
    /// The first segment of the tool called in a test step.
    EventHead,
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `text` must be written in backticks at `pos`.
pub(crate) fn needs_backticks(text: &str, pos: NamePos) -> bool {
    !is_identifier(text)
        || is_reserved(text)
        || (pos == NamePos::TargetHead && text == "output")
        || (pos == NamePos::EventHead && text == "expect")
}

/// The name as it is written at `pos`.
pub(crate) fn name(text: &str, pos: NamePos) -> String {
    if needs_backticks(text, pos) {
        format!("`{text}`")
    } else {
        text.to_string()
    }
}

/// A string literal for `value`: quotes, backslashes and the characters
/// that are invisible or reorder text (controls, bidirectional overrides,
/// zero-width characters) are escaped; everything else is written as is.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    // `str::escape_debug` knows which characters are printable; its escapes
    // are Guard's (`\t \r \n \\ \" \0 \u{..}`) except `\'`, which Guard
    // does not have.
    let mut escaped = value.escape_debug();
    while let Some(c) = escaped.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match escaped.next() {
            Some('\'') => out.push('\''),
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => out.push_str("\\\\"),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_diagnostics::FileId;
    use guard_syntax::lex::{tokenize, Token};

    #[test]
    fn reserved_list_matches_the_lexer() {
        for word in RESERVED {
            assert!(is_reserved(word));
            let (tokens, diags) = tokenize(FileId(0), word);
            assert!(diags.is_empty());
            assert_eq!(tokens.len(), 1, "{word}");
            assert!(tokens[0].0.is_reserved(), "{word} is not reserved");
        }
        // Every other fixed word the lexer knows is contextual.
        for word in ["to", "with", "output", "expect", "state", "effect", "glob"] {
            let (tokens, _) = tokenize(FileId(0), word);
            assert!(tokens[0].0.is_contextual(), "{word}");
            assert!(!needs_backticks(word, NamePos::Plain));
        }
    }

    #[test]
    fn backticks_only_where_needed() {
        assert_eq!(name("get-env", NamePos::Plain), "`get-env`");
        assert_eq!(name("test", NamePos::Plain), "`test`");
        assert_eq!(name("read", NamePos::Plain), "read");
        assert_eq!(name("output", NamePos::Plain), "output");
        assert_eq!(name("output", NamePos::TargetHead), "`output`");
        assert_eq!(name("expect", NamePos::TargetHead), "expect");
        assert_eq!(name("expect", NamePos::EventHead), "`expect`");
        assert_eq!(name("9lives", NamePos::Plain), "`9lives`");
    }

    #[test]
    fn strings_round_trip_through_the_lexer() {
        for value in [
            "plain",
            "quote \" and backslash \\",
            "tab\tnewline\ncr\rnul\0",
            "caf\u{e9} \u{1F600} ok",
            "bidi \u{202e} zero width \u{200b} bell \u{7}",
            "it's",
            "\\d+\\.\\d+",
        ] {
            let lit = string(value);
            let (tokens, diags) = tokenize(FileId(0), &lit);
            assert!(diags.is_empty(), "{lit}: {diags:?}");
            assert_eq!(tokens[0].0, Token::Str(value.to_string()), "{lit}");
        }
        assert_eq!(string("caf\u{e9}"), "\"caf\u{e9}\"");
        assert_eq!(string("a\u{202e}b"), "\"a\\u{202e}b\"");
        assert_eq!(string("it's"), "\"it's\"");
    }
}
