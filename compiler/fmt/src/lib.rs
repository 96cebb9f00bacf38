//! The canonical formatter of the Guard policy language: `guardc fmt` and
//! the language server's formatting request both call [`format()`].
//!
//! # The style
//!
//! (docs/style.md is the user-facing version, with examples.)
//!
//! One layout for every construct, chosen by the code alone (how the input
//! was laid out never matters, so formatting is idempotent), in the manner
//! of rustfmt: lines of at most 100 columns where the code allows it,
//! 4-space indentation, every continuation line one level deeper. Like
//! rustfmt's "small heuristics", a few one-line forms are reserved for
//! items that fit in 80 columns (`SHORT`).
//!
//! * **Items** follow each other one per line group. Blank lines between
//!   items (and between test steps, statements and gate fields) are kept,
//!   several collapsed to one; blank lines at the top of a block go.
//! * **Tools**: `tool NAME(PARAMS) -> T`, then `labels [..] effects [..]`
//!   on a continuation line. Parameters go one per line, with a trailing
//!   comma, when the first line would pass 100 columns; `effects` moves to
//!   a line of its own when `labels [..] effects [..]` does not fit.
//! * **Rules**: on one line if it fits — within 80 columns when it has a
//!   `because` (or is a `redact`); otherwise `because "..."` (or `with
//!   "..."`) goes on a continuation line; if still too long, `when COND`
//!   too; a condition too long for its line breaks before the operators of
//!   its loosest chain (`||`, else `&&`), one operand per line, one level
//!   deeper. A target set `{a, b, ...}` too long for the line is written
//!   one tool per line, and the clause after it follows the `}`.
//! * **Effect blocks** `on T { a = b; }` are one line when they hold one
//!   statement and fit in 80 columns; otherwise one statement per line.
//!   **Gates** `gate g { approvers: [..]; timeout: 15m; }` are one line
//!   when they fit, else one field per line. A header that does not fit
//!   (`on T when C`, `test "name" with a = v`) puts its clause on a
//!   continuation line and the `{` on a line of its own.
//! * **Tests**: one step per line, indented one level. A step too long for
//!   its line puts `=> VERDICT` on a continuation line when the call fits
//!   on its own, else breaks the call's arguments one per line, closed by
//!   `) => VERDICT;`.
//! * **Assertions**: `assert NAME: never PATTERN;` on one line if it fits
//!   in 80 columns, else the pattern on a continuation line, its steps,
//!   links and clauses (`~> T`, `when C`, `unless approved G`) filled onto
//!   lines like words.
//! * **Lists, sets, `use` selections, parameters, test arguments, enums**:
//!   flat when they fit (`[a, b]`, `{a, b}`, `enum { a, b }`), else one
//!   element per line with a trailing comma. Built-in calls never break.
//! * **Spacing**: one space around binary operators, `=`, `=>`, `->`, `~>`,
//!   after `:` and `,`; none inside `()` `[]` and target sets.
//! * **Tokens**: strings are re-escaped from their value (`\" \\ \n \t \r
//!   \0`, and `\u{..}` for invisible or text-reordering characters); names
//!   keep backticks only when needed (not an identifier, a reserved word,
//!   or `output`/`expect` where the grammar would read a keyword); numbers
//!   and durations are kept as written (`90m` stays `90m`); parentheses
//!   are kept as written.
//! * **Comments** stay where they were relative to the code: a comment on
//!   its own line stays on its own line (at the indentation of what
//!   follows), a comment after code stays after that code on its line, and
//!   trailing `//` comments on consecutive lines of the same indentation are
//!   aligned one space after the longest line of code. Only trailing
//!   whitespace changes inside comments.
//!
//! # How
//!
//! `trivia` attaches every comment to a significant token (trailing the
//! token before it on its line, else leading the token after it). The
//! printer (`printer`, `items`, `expr`) walks the AST and consumes
//! the tokens in step, so comments come out next to the same code; it
//! builds a document of groups and line breaks (`doc`) that the renderer
//! lays out in the width.
//!
//! # Safety
//!
//! [`format()`] refuses a file with syntax errors (it returns the parser's
//! diagnostics), and before returning any output that differs from the
//! input it checks that the output is the same program: it parses, its
//! syntax tree equals the input's apart from spans, and it holds the same
//! comments in the same order ([`verify`]). A file the formatter cannot
//! handle is an error, never a silently changed policy.

mod doc;
mod expr;
mod items;
mod names;
mod printer;
mod same;
mod trivia;
pub mod verify;

use guard_diagnostics::{Code, Diagnostic, FileId, Span};
use guard_syntax::lex::tokenize;
use guard_syntax::parse_file;

use crate::doc::TrailingComment;
use crate::printer::Printer;

/// The column limit.
pub(crate) const WIDTH: usize = 100;

/// The limit for putting a rule's `because` (or a redaction's `with`), an
/// effect block's statement or an assertion's pattern on the line of the
/// item's head.
pub(crate) const SHORT: u16 = 80;

/// Formats one file. Returns the canonical text (ending in one newline, or
/// empty for a file without code or comments), or the diagnostics that
/// prevent formatting: the syntax errors of `text`, or, should the
/// formatter fail to preserve the program (a bug), one error saying so.
pub fn format(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (tree, diags) = parse_file(file, text);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (tokens, _) = tokenize(file, text);
    let comments = verify::comments_in(text, &tokens);
    let (mut out, mismatch) = {
        let mut printer = Printer::new(trivia::collect(text, &tokens));
        printer.file(&tree);
        let (doc, mismatch) = printer.finish();
        let (body, trailing) = doc::render(&doc, WIDTH);
        (align_trailing_comments(body, &trailing), mismatch)
    };
    // The document and the tokens are gone before the check parses again.
    drop(tokens);
    if !out.is_empty() {
        out.push('\n');
    }
    // An unchanged text is trivially the same program.
    if out != text && (mismatch || !verify::same_program(&tree, &comments, &out)) {
        return Err(vec![Diagnostic::new(
            Code::E0010,
            Span::new(file, 0, 0),
            "the formatter could not lay out this file without changing it",
        )
        .with_label("file left unchanged")
        .with_note(
            "this is a bug in `guardc fmt`; please report it with the file",
        )]);
    }
    Ok(out)
}

/// Aligns the trailing `//` comments of consecutive lines that have the
/// same indentation, one space after the longest code among them.
fn align_trailing_comments(text: String, trailing: &[TrailingComment]) -> String {
    if trailing.len() < 2 {
        return text;
    }
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let indent = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let mut i = 0;
    while i < trailing.len() {
        let Some(first) = trailing.get(i) else { break };
        let first_indent = lines.get(first.line).map_or(0, |l| indent(l));
        let mut j = i + 1;
        while let (Some(prev), Some(next)) = (trailing.get(j - 1), trailing.get(j)) {
            let same_indent = lines.get(next.line).map_or(0, |l| indent(l)) == first_indent;
            if next.line != prev.line + 1 || !same_indent {
                break;
            }
            j += 1;
        }
        if let Some(run) = trailing.get(i..j).filter(|run| run.len() > 1) {
            let code_width = |t: &TrailingComment| {
                lines
                    .get(t.line)
                    .and_then(|l| l.get(..t.code_end))
                    .map_or(0, |code| code.chars().count())
            };
            let column = run.iter().map(code_width).max().unwrap_or(0) + 1;
            for t in run {
                if let Some(line) = lines.get_mut(t.line) {
                    let code = line.get(..t.code_end).unwrap_or("").to_string();
                    let comment = line.get(t.comment_start..).unwrap_or("").to_string();
                    let pad = column.saturating_sub(code.chars().count());
                    *line = format!("{code}{}{comment}", " ".repeat(pad));
                }
            }
        }
        i = j;
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(FileId(0), text) {
            Ok(out) => out,
            Err(diags) => panic!("{diags:?}"),
        }
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("  \n\n"), "");
        assert_eq!(fmt("// a\n\n\n// b   \n"), "// a\n\n// b\n");
    }

    #[test]
    fn syntax_errors_are_returned() {
        let Err(diags) = format(FileId(0), "allow ;") else {
            panic!("formatted a broken file");
        };
        assert_eq!(diags[0].code, Code::E0010);
    }

    #[test]
    fn deep_nesting_the_parser_accepts_formats() {
        for text in [
            format!("allow x when {}a;", "!".repeat(500)),
            format!("allow x when {}a{};", "(".repeat(250), ")".repeat(250)),
            format!("allow x when a in {}{};", "[".repeat(250), "]".repeat(250)),
            format!("allow x when a{};", " && a".repeat(500)),
        ] {
            let once = fmt(&text);
            assert_eq!(fmt(&once), once);
        }
    }

    #[test]
    fn trailing_comments_of_consecutive_lines_align() {
        assert_eq!(
            fmt("use std::labels; // a\nuse std::effects;   // b\n\nchannel c; // d\n"),
            "use std::labels;  // a\nuse std::effects; // b\n\nchannel c; // d\n"
        );
    }
}
