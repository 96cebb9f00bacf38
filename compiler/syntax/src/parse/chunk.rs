//! Splitting the token stream into item chunks, the unit of error recovery.
//!
//! A chunk is meant to hold exactly one item, and must do so for every
//! well-formed file. The rules, in order of precedence:
//!
//! * A chunk ends at a `;` at brace depth 0.
//! * A chunk ends at a `}` that brings the depth back to 0 when the next
//!   token starts an item (see [`ITEM_START`]) or there is no next token.
//! * A new chunk starts, at any depth (the depth resets), before a reserved
//!   item keyword that never occurs inside an item (`policy use label tool
//!   attr gate channel assert test redact`) when the token after it fits
//!   the item: a name, a string after `test` or `use`, `output` after
//!   `redact`. So a reserved word misused as a name, as in
//!   `tool t(test: str)`, stays one error in one chunk.
//! * A new chunk starts before `allow`, `deny` or `escalate` at depth 0
//!   unless the previous token is `default` (as in `default allow;`); and
//!   inside braces when the previous token is `;`, `{` or `}`, because a
//!   verdict inside braces only ever follows `=>` in a test step, so there
//!   it means a block was left unclosed.
//! * A new chunk starts before `state NAME :`, `effect NAME ,|;` and
//!   `default allow|deny ;`: contextual words may be names, but these
//!   three-token sequences occur nowhere inside a valid item.
//!
//! Every rule is conservative: it never cuts a valid item, so a file that
//! parses as a whole parses chunk by chunk.

use std::ops::Range;

use super::Sig;
use crate::lex::Token;

/// Tokens that start an item.
const ITEM_START: &[Token] = &[
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
    Token::Assert,
    Token::Test,
    Token::State,
    Token::On,
    Token::Default,
    Token::Effect,
];

/// Item keywords that can never occur inside an item.
const NEVER_INSIDE: &[Token] = &[
    Token::Policy,
    Token::Use,
    Token::Label,
    Token::Tool,
    Token::Attr,
    Token::Gate,
    Token::Channel,
    Token::Assert,
    Token::Test,
    Token::Redact,
];

fn token(sig: &[Sig], i: usize) -> Option<&Token> {
    sig.get(i).map(|s| &s.token)
}

fn is_name(t: Option<&Token>) -> bool {
    t.is_some_and(|t| t.name_text().is_some())
}

/// Whether the token at `i` can start an item (used after a `}` and to
/// recognise chunks that merely continue a broken item).
pub(crate) fn starts_item(sig: &[Sig], i: usize) -> bool {
    token(sig, i).is_some_and(|t| ITEM_START.contains(t))
}

/// Whether a new chunk must start at `i`, given the brace depth before it.
fn cut_before(sig: &[Sig], i: usize, depth: usize) -> bool {
    let Some(t) = token(sig, i) else {
        return false;
    };
    let prev = i.checked_sub(1).and_then(|p| token(sig, p));
    let next = token(sig, i + 1);
    let next2 = token(sig, i + 2);
    if NEVER_INSIDE.contains(t) {
        // A reserved word misused as a name (`tool t(test: str)`) is a
        // single error; only cut where the next token fits the item.
        return match t {
            Token::Test => matches!(next, Some(Token::Str(_))),
            Token::Use => is_name(next) || matches!(next, Some(Token::Str(_))),
            Token::Redact => next == Some(&Token::Output),
            _ => is_name(next),
        };
    }
    match t {
        Token::Allow | Token::Deny | Token::Escalate => {
            if depth == 0 {
                prev != Some(&Token::Default)
            } else {
                matches!(prev, Some(Token::Semi | Token::LBrace | Token::RBrace))
            }
        }
        Token::State => is_name(next) && next2 == Some(&Token::Colon),
        Token::Effect => is_name(next) && matches!(next2, Some(Token::Comma | Token::Semi)),
        Token::Default => {
            matches!(next, Some(Token::Allow | Token::Deny)) && next2 == Some(&Token::Semi)
        }
        _ => false,
    }
}

/// Cuts `sig` into chunks, returned as index ranges; together they cover
/// every token, in order, and none is empty.
pub(crate) fn split(sig: &[Sig]) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, s) in sig.iter().enumerate() {
        if i > start && cut_before(sig, i, depth) {
            chunks.push(start..i);
            start = i;
            depth = 0;
        }
        match s.token {
            Token::LBrace => depth += 1,
            Token::RBrace if depth > 0 => {
                depth -= 1;
                if depth == 0 && (i + 1 == sig.len() || starts_item(sig, i + 1)) {
                    chunks.push(start..i + 1);
                    start = i + 1;
                }
            }
            Token::Semi if depth == 0 => {
                chunks.push(start..i + 1);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < sig.len() {
        chunks.push(start..sig.len());
    }
    chunks
}
