//! The parser driver: tokens to a [`SourceFile`] with item-level recovery.
//!
//! The file is lexed once; comments are set aside (doc comments are
//! attached to the item below them) and error tokens are dropped, since the
//! lexer already reported them. The remaining tokens are cut into item
//! chunks ([`chunk`]) and the lalrpop grammar parses each chunk on its own,
//! so every broken item is reported and every good item survives.
//!
//! Cascades are avoided in two ways. A chunk whose parse fails is not
//! reported when a lexical error that can change the token structure (a
//! stray character, an unterminated string or block comment, a malformed
//! backtick name or number) lies inside it or between it and the next
//! chunk: the lexer's diagnostic is the real cause. And a chunk that does
//! not start an item, directly after a chunk that failed, is taken to be
//! the rest of that broken item and is not reported again.

pub(crate) mod actions;
mod chunk;
mod limits;
mod report;

use guard_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::ast::{Item, ItemKind, SourceFile};
use crate::lex::{self, Token};

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        clippy::unwrap_used,
        clippy::expect_used,
        unused_qualifications,
        unused_imports,
        dead_code
    )]
    grammar,
    "/guard.rs"
);

/// One token the grammar sees, with its index in the full token stream
/// (which still holds trivia, for doc-comment lookup).
#[derive(Debug, Clone)]
pub(crate) struct Sig {
    pub index: usize,
    pub token: Token,
    pub span: Span,
}

/// Parses one file. Items that fail to parse are left out of the result;
/// every problem is a diagnostic, lexical ones first, then syntax errors in
/// source order.
pub fn parse_file(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let (tokens, mut diags) = lex::tokenize(file, text);

    // Positions of lexical errors that can change which tokens the parser
    // sees; parse errors near them are cascades and are not reported.
    let mut lex_breaks: Vec<u32> = tokens
        .iter()
        .filter(|(t, _)| *t == Token::Error)
        .map(|(_, s)| s.start)
        .collect();
    lex_breaks.extend(
        diags
            .iter()
            .filter(|d| matches!(d.code, Code::E0001 | Code::E0004))
            .map(|d| d.span().start),
    );
    lex_breaks.sort_unstable();

    let sig: Vec<Sig> = tokens
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| !t.is_trivia() && *t != Token::Error)
        .map(|(index, (token, span))| Sig {
            index,
            token: token.clone(),
            span: *span,
        })
        .collect();

    let chunks = chunk::split(&sig);
    let parser = grammar::ItemParser::new();
    let mut items = Vec::new();
    let mut first_policy: Option<Span> = None;
    let mut previous_failed = false;

    for (ci, range) in chunks.iter().enumerate() {
        let Some(toks) = sig.get(range.clone()) else {
            continue;
        };
        let Some(first) = toks.first() else {
            continue;
        };
        let next_start = chunks
            .get(ci + 1)
            .and_then(|r| sig.get(r.start))
            .map_or(u32::MAX, |s| s.span.start);

        if let Some(diag) = limits::check_nesting(toks) {
            diags.push(diag);
            previous_failed = true;
            continue;
        }
        let stream = toks
            .iter()
            .map(|s| Ok((s.span.start as usize, s.token.clone(), s.span.end as usize)));
        match parser.parse(file, stream) {
            Ok(mut item) => {
                previous_failed = false;
                item.doc = doc_comment(text, &tokens, first.index);
                if let ItemKind::Policy(_) = item.kind {
                    check_policy(&mut diags, &mut first_policy, ci, &item);
                }
                items.push(item);
            }
            Err(err) => {
                // The first lexical break at or after the chunk's start.
                let i = lex_breaks.partition_point(|&p| p < first.span.start);
                let tainted = lex_breaks.get(i).is_some_and(|&p| p < next_start);
                let continuation = previous_failed && !chunk::starts_item(&sig, range.start);
                previous_failed = true;
                if tainted || continuation {
                    continue;
                }
                let ctx = report::ChunkContext {
                    file,
                    text,
                    tokens: toks,
                    at_eof: ci + 1 == chunks.len(),
                    next: sig.get(range.end),
                };
                diags.push(report::parse_error(&ctx, err));
            }
        }
    }
    (SourceFile { items }, diags)
}

/// The `policy` header must be the first item and may appear only once; a
/// misplaced one is still kept, so that later phases see its name.
fn check_policy(diags: &mut Vec<Diagnostic>, first: &mut Option<Span>, chunk: usize, item: &Item) {
    match *first {
        Some(previous) => diags.push(
            Diagnostic::new(Code::E0012, item.span, "the `policy` header is repeated")
                .with_label("second `policy` header")
                .with_secondary(previous, "first declared here")
                .with_help("a file names its policy once; remove one of the headers"),
        ),
        None => {
            *first = Some(item.span);
            if chunk != 0 {
                diags.push(
                    Diagnostic::new(
                        Code::E0012,
                        item.span,
                        "the `policy` header must be the first item of the file",
                    )
                    .with_label("header after other items")
                    .with_help("move `policy NAME;` to the top of the file"),
                );
            }
        }
    }
}

/// The text of the contiguous block of `///` comments directly above the
/// token at `index` of the full token stream, if there is one.
fn doc_comment(text: &str, tokens: &[lex::Spanned], index: usize) -> Option<String> {
    let mut start = index;
    while start > 0 && matches!(tokens.get(start - 1), Some((Token::DocComment, _))) {
        start -= 1;
    }
    let block = tokens.get(start..index)?;
    if block.is_empty() {
        return None;
    }
    let lines: Vec<&str> = block
        .iter()
        .map(|(_, span)| lex::doc_text(lex::token_text(text, *span)))
        .collect();
    Some(lines.join("\n"))
}

#[cfg(test)]
mod sexp;
#[cfg(test)]
mod tests;
