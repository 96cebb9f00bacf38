//! The lexer: source text to [`Token`]s with byte [`Span`]s.
//!
//! A private logos automaton ([`Raw`]) finds where each token starts and
//! ends; [`tokenize`] then turns every raw token into a [`Token`] with its
//! value (unescaped strings, checked integers, durations in milliseconds,
//! backtick names without their backticks) and reports lexical errors as
//! diagnostics. Splitting the work this way keeps the logos callbacks tiny
//! (they only measure extents) and puts all validation in plain Rust that is
//! easy to audit for panics.
//!
//! Comments and doc comments are kept as trivia tokens because the formatter
//! and the language server need them; the parser filters them out. Lexing
//! never stops early: a malformed token becomes a diagnostic plus either a
//! best-effort token (a string with a bad escape still yields a `Str`) or
//! [`Token::Error`], and lexing resumes right after it.

use guard_diagnostics::{Code, Diagnostic, FileId, Span};
use logos::Logos;

/// A token and where it is.
pub type Spanned = (Token, Span);

/// Declares the tokens whose text is fixed (keywords and punctuation) once,
/// generating the raw logos variants, the public [`Token`] variants, the
/// mapping between them and [`Token::fixed_text`]. The remaining, valued
/// tokens are written out by hand inside the macro body.
macro_rules! fixed_tokens {
    ($( $(#[$meta:meta])* $name:ident = $text:tt, )*) => {
        /// The logos automaton. Valued tokens only record their extent here;
        /// [`tokenize`] computes their values.
        #[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
        #[logos(skip r"[ \t\r\n\f]+")]
        enum Raw {
            $( #[token($text)] $name, )*
            #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
            Ident,
            /// A backtick name; the flag says whether the closing backtick
            /// was found on the same line.
            #[token("`", backtick_extent)]
            Backtick(bool),
            /// Digits and any letters glued to them (`30s`, `15min`), so
            /// that a bad suffix is one error rather than a number followed
            /// by a surprising keyword.
            #[regex(r"[0-9][0-9A-Za-z_]*")]
            Number,
            /// A string literal; the flag says whether it was terminated.
            #[token("\"", string_extent)]
            Str(bool),
            #[regex(r"///([^/\n][^\n]*)?", priority = 10, allow_greedy = true)]
            DocComment,
            #[regex(r"//[^\n]*", allow_greedy = true)]
            LineComment,
            /// A block comment; the flag says whether it was terminated.
            #[token("/*", block_comment_extent)]
            BlockComment(bool),
        }

        /// A token of the Guard language. Keywords and punctuation are unit
        /// variants; names, literals and trivia carry what later phases
        /// need. Reserved words can never be names; contextual words are
        /// names everywhere except where the grammar expects the keyword.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Token {
            $( $(#[$meta])* $name, )*
            /// A name; backtick names arrive with the backticks stripped.
            Ident(String),
            /// An unsigned decimal integer (a minus sign is its own token).
            Int(i64),
            /// A string literal with its escapes processed.
            Str(String),
            /// A duration in milliseconds.
            Duration(u64),
            /// `/// text`: documentation for the item that follows.
            DocComment,
            /// `// text` (including `//// text`).
            LineComment,
            /// `/* text */`, possibly nested.
            BlockComment,
            /// Text that is not a token; a diagnostic was reported for it.
            Error,
        }

        impl Raw {
            /// The public token of a fixed-text raw token.
            fn fixed(self) -> Option<Token> {
                match self {
                    $( Raw::$name => Some(Token::$name), )*
                    _ => None,
                }
            }
        }

        impl Token {
            /// The source text of a keyword or punctuation token.
            pub fn fixed_text(&self) -> Option<&'static str> {
                match self {
                    $( Token::$name => Some($text), )*
                    _ => None,
                }
            }
        }
    };
}

fixed_tokens! {
    // Reserved words: never names (write them in backticks to use them so).
    Policy = "policy",
    Use = "use",
    Label = "label",
    Tool = "tool",
    Attr = "attr",
    Gate = "gate",
    Channel = "channel",
    Allow = "allow",
    Deny = "deny",
    Escalate = "escalate",
    Redact = "redact",
    When = "when",
    Unless = "unless",
    Because = "because",
    Assert = "assert",
    Never = "never",
    Possible = "possible",
    Test = "test",
    Has = "has",
    In = "in",
    Matches = "matches",
    True = "true",
    False = "false",
    Enum = "enum",
    Context = "context",
    // Contextual words: keywords only where the grammar expects them.
    To = "to",
    With = "with",
    Matching = "matching",
    Labels = "labels",
    Effects = "effects",
    Expect = "expect",
    Approved = "approved",
    Rejected = "rejected",
    State = "state",
    Default = "default",
    On = "on",
    Output = "output",
    Glob = "glob",
    Regex = "regex",
    /// The `effect a, b;` item (an extension of the v0.1 design).
    Effect = "effect",
    // Punctuation.
    Semi = ";",
    Comma = ",",
    Colon = ":",
    ColonColon = "::",
    Dot = ".",
    DotDot = "..",
    Star = "*",
    LParen = "(",
    RParen = ")",
    LBrace = "{",
    RBrace = "}",
    LBracket = "[",
    RBracket = "]",
    Lt = "<",
    Gt = ">",
    Le = "<=",
    Ge = ">=",
    EqEq = "==",
    Ne = "!=",
    Eq = "=",
    Bang = "!",
    AndAnd = "&&",
    OrOr = "||",
    Plus = "+",
    Minus = "-",
    /// `->`: the very next event, or a tool's return type.
    Arrow = "->",
    /// `~>`: some later event.
    Squiggle = "~>",
    FatArrow = "=>",
    Question = "?",
}

/// The words that can never be names.
const RESERVED: &[Token] = &[
    Token::Policy,
    Token::Use,
    Token::Label,
    Token::Tool,
    Token::Attr,
    Token::Gate,
    Token::Channel,
    Token::Allow,
    Token::Deny,
    Token::Escalate,
    Token::Redact,
    Token::When,
    Token::Unless,
    Token::Because,
    Token::Assert,
    Token::Never,
    Token::Possible,
    Token::Test,
    Token::Has,
    Token::In,
    Token::Matches,
    Token::True,
    Token::False,
    Token::Enum,
    Token::Context,
];

/// The words that are keywords only in some positions and names elsewhere.
const CONTEXTUAL: &[Token] = &[
    Token::To,
    Token::With,
    Token::Matching,
    Token::Labels,
    Token::Effects,
    Token::Expect,
    Token::Approved,
    Token::Rejected,
    Token::State,
    Token::Default,
    Token::On,
    Token::Output,
    Token::Glob,
    Token::Regex,
    Token::Effect,
];

impl Token {
    /// Comments and doc comments: kept for tools, skipped by the parser.
    pub fn is_trivia(&self) -> bool {
        matches!(
            self,
            Token::DocComment | Token::LineComment | Token::BlockComment
        )
    }

    pub fn is_reserved(&self) -> bool {
        RESERVED.contains(self)
    }

    pub fn is_contextual(&self) -> bool {
        CONTEXTUAL.contains(self)
    }

    /// If this token can stand for a name, the name's text: identifiers and
    /// contextual keywords.
    pub fn name_text(&self) -> Option<&str> {
        match self {
            Token::Ident(s) => Some(s),
            t if t.is_contextual() => t.fixed_text(),
            _ => None,
        }
    }
}

/// The source text a span covers, or `""` if the span does not fit the text
/// (never panics, even on a stale span).
pub fn token_text(text: &str, span: Span) -> &str {
    text.get(span.range()).unwrap_or("")
}

/// The text of a `///` doc comment token without the marker and one
/// following space (and without a trailing carriage return).
pub fn doc_text(source: &str) -> &str {
    let body = source.strip_prefix("///").unwrap_or(source);
    let body = body.strip_prefix(' ').unwrap_or(body);
    body.strip_suffix('\r').unwrap_or(body)
}

/// Lexes a whole file. The result includes trivia tokens (comments, doc
/// comments) and [`Token::Error`] tokens; every error token comes with at
/// least one diagnostic. Spans are byte offsets into `text`.
pub fn tokenize(file: FileId, text: &str) -> (Vec<Spanned>, Vec<Diagnostic>) {
    let mut tokens: Vec<Spanned> = Vec::new();
    let mut diags = Vec::new();
    // Start and end of the run of stray characters being collected, so a
    // run like `@#$` gives one diagnostic rather than three.
    let mut stray: Option<(usize, usize)> = None;

    for (raw, range) in Raw::lexer(text).spanned() {
        let (start, end) = snap(text, range.start, range.end);
        match raw {
            Err(()) => {
                stray = match stray {
                    Some((s, e)) if e == start => Some((s, end)),
                    Some((s, e)) => {
                        flush_stray(file, text, s, e, &mut tokens, &mut diags);
                        Some((start, end))
                    }
                    None => Some((start, end)),
                };
            }
            Ok(raw) => {
                if let Some((s, e)) = stray.take() {
                    flush_stray(file, text, s, e, &mut tokens, &mut diags);
                }
                let span = Span::new(file, start, end);
                let slice = text.get(start..end).unwrap_or("");
                let token = convert(raw, slice, span, &mut diags);
                tokens.push((token, span));
            }
        }
    }
    if let Some((s, e)) = stray {
        flush_stray(file, text, s, e, &mut tokens, &mut diags);
    }
    (tokens, diags)
}

/// Moves a byte range onto character boundaries. Logos already keeps to
/// them; this is belt and braces for the no-panic invariant.
fn snap(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut s = start.min(text.len());
    while s > 0 && !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = end.clamp(s, text.len());
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    (s, e)
}

/// Reports one run of characters that start no token.
fn flush_stray(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    tokens: &mut Vec<Spanned>,
    diags: &mut Vec<Diagnostic>,
) {
    let span = Span::new(file, start, end);
    let run = text.get(start..end).unwrap_or("");
    let shown: String = run.chars().take(16).flat_map(char::escape_debug).collect();
    let message = if run.chars().count() == 1 {
        format!("unexpected character `{shown}`")
    } else {
        format!("unexpected characters `{shown}`")
    };
    let mut diag = Diagnostic::new(Code::E0003, span, message).with_label("not part of any token");
    if let Some(help) = stray_help(run) {
        diag = diag.with_help(help);
    }
    diags.push(diag);
    tokens.push((Token::Error, span));
}

/// Suggestions for the stray characters people most often type.
fn stray_help(run: &str) -> Option<&'static str> {
    let first = run.chars().next()?;
    Some(match first {
        '\'' => "strings are written in double quotes: \"...\"",
        '&' => "logical and is written `&&`",
        '|' => "logical or is written `||`",
        '#' => "comments start with `//`",
        '~' => "`~>` means \"some later event\"",
        '-' => "names with `-` are written in backticks: `get-env`",
        c if c.is_alphabetic() => "names are ASCII; write other names in backticks: `name`",
        _ => return None,
    })
}

/// Turns a raw token into a public one, reporting its lexical errors.
fn convert(raw: Raw, slice: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Token {
    if let Some(token) = raw.fixed() {
        return token;
    }
    match raw {
        Raw::Ident => Token::Ident(slice.to_string()),
        Raw::Backtick(closed) => backtick_name(slice, closed, span, diags),
        Raw::Number => number(slice, span, diags),
        Raw::Str(closed) => Token::Str(string_value(slice, closed, span, diags)),
        Raw::DocComment => Token::DocComment,
        Raw::LineComment => Token::LineComment,
        Raw::BlockComment(closed) => {
            if !closed {
                let opening = Span::new(span.file, span.start as usize, span.start as usize + 2);
                diags.push(
                    Diagnostic::new(Code::E0004, opening, "unterminated block comment")
                        .with_label("comment starts here and never ends")
                        .with_note("block comments nest: every `/*` needs its own `*/`"),
                );
            }
            Token::BlockComment
        }
        // Every fixed token was handled above.
        _ => Token::Error,
    }
}

/// Measures a backtick name: up to the closing backtick on the same line.
fn backtick_extent(lex: &mut logos::Lexer<'_, Raw>) -> bool {
    let rest = lex.remainder().as_bytes();
    match rest.iter().position(|&b| b == b'`' || b == b'\n') {
        Some(i) if rest.get(i) == Some(&b'`') => {
            lex.bump(i + 1);
            true
        }
        Some(i) => {
            lex.bump(i);
            false
        }
        None => {
            lex.bump(rest.len());
            false
        }
    }
}

fn backtick_name(slice: &str, closed: bool, span: Span, diags: &mut Vec<Diagnostic>) -> Token {
    let inner = slice.strip_prefix('`').unwrap_or(slice);
    if !closed {
        diags.push(
            Diagnostic::new(Code::E0005, span, "unterminated backtick name")
                .with_label("this name has no closing backtick on its line")
                .with_help("close the name with a backtick: `get-env`"),
        );
        return Token::Error;
    }
    let inner = inner.strip_suffix('`').unwrap_or(inner);
    if inner.is_empty() {
        diags.push(
            Diagnostic::new(Code::E0005, span, "empty backtick name")
                .with_label("a name needs at least one character"),
        );
        return Token::Error;
    }
    Token::Ident(inner.to_string())
}

/// Splits a number token into its digits and suffix and checks both.
fn number(slice: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Token {
    let split = slice
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(slice.len());
    let (digits, suffix) = slice.split_at(split);
    let unit: Option<u64> = match suffix {
        "" => None,
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" => Some(60_000),
        "h" => Some(3_600_000),
        "d" => Some(86_400_000),
        _ => {
            diags.push(
                Diagnostic::new(
                    Code::E0003,
                    span,
                    format!("invalid suffix `{suffix}` on number `{digits}`"),
                )
                .with_label("not a number or a duration")
                .with_help("durations end in `ms`, `s`, `m`, `h` or `d`, as in `15m`"),
            );
            return Token::Error;
        }
    };
    let parsed = digits.parse::<u64>().ok();
    match unit {
        None => match parsed.and_then(|v| i64::try_from(v).ok()) {
            Some(v) => Token::Int(v),
            None => {
                diags.push(
                    Diagnostic::new(Code::E0006, span, "integer literal is too large")
                        .with_label(format!("the largest integer is {}", i64::MAX)),
                );
                Token::Int(i64::MAX)
            }
        },
        Some(unit) => match parsed.and_then(|v| v.checked_mul(unit)) {
            Some(ms) => Token::Duration(ms),
            None => {
                diags.push(
                    Diagnostic::new(Code::E0006, span, "duration is too long")
                        .with_label(format!("the longest duration is {} ms", u64::MAX)),
                );
                Token::Duration(u64::MAX)
            }
        },
    }
}

/// Measures a string literal. A string ends at its closing quote; it may not
/// run past the end of its line (write `\n` for a newline), so an unclosed
/// quote costs one line, not the rest of the file.
fn string_extent(lex: &mut logos::Lexer<'_, Raw>) -> bool {
    let rest = lex.remainder().as_bytes();
    let mut i = 0;
    // Only ASCII bytes stop the scan, and those are always character
    // boundaries, so every bump below lands on one.
    while let Some(&b) = rest.get(i) {
        match b {
            b'"' => {
                lex.bump(i + 1);
                return true;
            }
            b'\n' => break,
            b'\\' if rest.get(i + 1) == Some(&b'\n') => {
                i += 1;
                break;
            }
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    lex.bump(i.min(rest.len()));
    false
}

/// The value of a string literal token, reporting unterminated strings and
/// invalid escapes. An invalid escape is kept as written so the value stays
/// close to what the user meant.
fn string_value(slice: &str, closed: bool, span: Span, diags: &mut Vec<Diagnostic>) -> String {
    let file = span.file;
    let base = span.start as usize + 1;
    let inner = slice.strip_prefix('"').unwrap_or(slice);
    let inner = if closed {
        inner.strip_suffix('"').unwrap_or(inner)
    } else {
        diags.push(
            Diagnostic::new(Code::E0001, span, "unterminated string literal")
                .with_label("this string has no closing quote on its line")
                .with_help("close it with `\"`; a string cannot span lines, write `\\n` instead"),
        );
        inner
    };

    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        let Some((j, e)) = chars.next() else {
            // A backslash at the very end only happens in an unterminated
            // string, which is already reported.
            value.push('\\');
            break;
        };
        let simple = match e {
            '"' => Some('"'),
            '\\' => Some('\\'),
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            '0' => Some('\0'),
            _ => None,
        };
        if let Some(s) = simple {
            value.push(s);
            continue;
        }
        let esc_end = j + e.len_utf8();
        if e == 'u' {
            // `\u{HEX}`: take everything up to `}` (or until something that
            // cannot belong to the escape) and validate it as a whole.
            let mut end = esc_end;
            let mut body = String::new();
            let mut ok = false;
            if chars.peek().map(|&(_, c)| c) == Some('{') {
                if let Some((k, _)) = chars.next() {
                    end = k + 1;
                }
                while let Some(&(k, c)) = chars.peek() {
                    if c == '}' {
                        chars.next();
                        end = k + 1;
                        ok = true;
                        break;
                    }
                    if !c.is_ascii_alphanumeric() {
                        break;
                    }
                    body.push(c);
                    end = k + c.len_utf8();
                    chars.next();
                }
            }
            let scalar = if ok && (1..=6).contains(&body.len()) {
                u32::from_str_radix(&body, 16).ok().and_then(char::from_u32)
            } else {
                None
            };
            match scalar {
                Some(ch) => value.push(ch),
                None => {
                    let esc = Span::new(file, base + i, base + end);
                    diags.push(
                        Diagnostic::new(Code::E0002, esc, "invalid unicode escape")
                            .with_label("not a valid `\\u{...}` escape")
                            .with_help(
                                "write 1 to 6 hex digits naming a Unicode scalar value, as in `\\u{e9}`",
                            ),
                    );
                    value.push_str(inner.get(i..end).unwrap_or(""));
                }
            }
            continue;
        }
        let esc = Span::new(file, base + i, base + esc_end);
        let shown: String = e.escape_debug().collect();
        let mut diag = Diagnostic::new(
            Code::E0002,
            esc,
            format!("invalid escape sequence `\\{shown}`"),
        )
        .with_label("unknown escape");
        diag = if e.is_ascii_alphanumeric() || e.is_ascii_punctuation() {
            diag.with_help(format!(
                "valid escapes are \\\" \\\\ \\n \\t \\r \\0 \\u{{...}}; in a regex write `\\\\{shown}`"
            ))
        } else {
            diag.with_help("valid escapes are \\\" \\\\ \\n \\t \\r \\0 \\u{...}")
        };
        diags.push(diag);
        value.push('\\');
        value.push(e);
    }
    value
}

/// Measures a block comment, honouring nesting.
fn block_comment_extent(lex: &mut logos::Lexer<'_, Raw>) -> bool {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        match (rest.get(i), rest.get(i + 1)) {
            (Some(b'/'), Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (Some(b'*'), Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    lex.bump(i);
                    return true;
                }
            }
            _ => i += 1,
        }
    }
    lex.bump(rest.len());
    false
}

#[cfg(test)]
#[path = "lex/tests.rs"]
mod tests;
