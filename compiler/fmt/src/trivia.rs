//! The token table the printer walks: every significant token of the file,
//! in order, with the comments around it attached to it.
//!
//! Attachment rule: a comment on the same line as the token before it (no
//! line break in between) *trails* that token (`allow x; // why`); every
//! other comment *leads* the next token (the comment lines above an item,
//! a comment on its own line inside a condition). Comments after the last
//! token that do not trail it belong to the end of the file. Each comment
//! and token also records whether a line break, and whether a blank line,
//! separated it from whatever came before, so the printer can keep comments
//! on their own lines and preserve (collapsed) blank lines.

use std::ops::Range;

use guard_diagnostics::Span;
use guard_syntax::lex::{Spanned, Token};

#[derive(Debug, Clone)]
pub(crate) struct Comment<'s> {
    /// The comment as written.
    pub text: &'s str,
    /// A `//` or `///` comment (it runs to the end of its line).
    pub line: bool,
    /// A line break separates it from what came before (or it starts the
    /// file).
    pub newline_before: bool,
    /// A blank line separates it from what came before.
    pub blank_before: bool,
    /// A line break follows it before the next token or comment.
    pub newline_after: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Tok<'s> {
    pub token: &'s Token,
    /// The token's source text.
    pub text: &'s str,
    /// Comments before it that do not trail the previous token.
    pub leading: Range<usize>,
    /// Comments after it on its line.
    pub trailing: Range<usize>,
    /// A blank line separates it from what came before.
    pub blank_before: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Trivia<'s> {
    pub toks: Vec<Tok<'s>>,
    pub comments: Vec<Comment<'s>>,
    /// Comments at the end of the file that trail no token.
    pub eof: Range<usize>,
}

/// Builds the table from the lexer's output (trivia included).
pub(crate) fn collect<'s>(src: &'s str, tokens: &'s [Spanned]) -> Trivia<'s> {
    let mut t = Trivia::default();
    let mut prev_end: Option<usize> = None;
    // Where the comments leading the next token start.
    let mut leading_start = 0;
    // Still on the line of the last significant token.
    let mut on_token_line = false;
    let mut prev_was_comment = false;
    for (token, span) in tokens {
        let (start, end) = (span.start as usize, span.end as usize);
        let newlines = prev_end.map_or(0, |p| count_newlines(src, p, start));
        let text = slice(src, *span);
        if newlines > 0 {
            on_token_line = false;
        }
        if prev_was_comment {
            if let Some(c) = t.comments.last_mut() {
                c.newline_after = newlines > 0;
            }
        }
        if token.is_trivia() {
            let comment = Comment {
                text,
                line: *token != Token::BlockComment,
                newline_before: prev_end.is_none() || newlines > 0,
                blank_before: newlines > 1,
                newline_after: true,
            };
            t.comments.push(comment);
            match t.toks.last_mut() {
                Some(last) if on_token_line => {
                    last.trailing.end = t.comments.len();
                    leading_start = t.comments.len();
                }
                _ => {}
            }
            prev_was_comment = true;
        } else {
            let n = t.comments.len();
            t.toks.push(Tok {
                token,
                text,
                leading: leading_start..n,
                trailing: n..n,
                blank_before: newlines > 1,
            });
            leading_start = n;
            on_token_line = true;
            prev_was_comment = false;
        }
        prev_end = Some(end);
    }
    t.eof = leading_start..t.comments.len();
    t
}

fn count_newlines(src: &str, from: usize, to: usize) -> usize {
    src.get(from..to)
        .map_or(0, |gap| gap.bytes().filter(|&b| b == b'\n').count())
}

fn slice(src: &str, span: Span) -> &str {
    src.get(span.range()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_diagnostics::FileId;
    use guard_syntax::lex::tokenize;

    fn tokens(src: &str) -> Vec<Spanned> {
        tokenize(FileId(0), src).0
    }

    #[test]
    fn same_line_comments_trail_and_others_lead() {
        let src = "// head\n\nallow x; // why\n// next\ndeny y;\n// end\n";
        let toks = tokens(src);
        let t = collect(src, &toks);
        let texts = |r: &Range<usize>| -> Vec<&str> {
            t.comments[r.clone()].iter().map(|c| c.text).collect()
        };
        assert_eq!(texts(&t.toks[0].leading), ["// head"]);
        assert!(t.toks[0].blank_before);
        assert_eq!(texts(&t.toks[2].trailing), ["// why"]);
        assert_eq!(texts(&t.toks[3].leading), ["// next"]);
        assert!(!t.toks[3].blank_before);
        assert_eq!(texts(&t.eof), ["// end"]);
    }

    #[test]
    fn block_comments_record_surrounding_breaks() {
        let src = "allow x\n/* a */ when y;";
        let toks = tokens(src);
        let t = collect(src, &toks);
        let c = &t.comments[0];
        assert!(c.newline_before && !c.newline_after && !c.line);
        assert_eq!(t.toks[2].leading, 0..1);
    }
}
