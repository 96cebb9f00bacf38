//! A nesting limit, checked on tokens before an item is parsed.
//!
//! The parser itself is table-driven and never recurses, but the trees it
//! builds are dropped, printed, checked and lowered by recursive code. A
//! file of a million `!` or a million-term `a + a + ...` would build a tree
//! whose recursive drop alone exhausts the stack, which aborts the process
//! rather than panicking. So a chunk whose expressions could nest deeper
//! than [`MAX_NESTING`] is reported and not parsed at all.
//!
//! The estimate is deliberately an over-approximation computed in one pass:
//! every open bracket adds a level, and so does every operator since the
//! last `,`, `;` or brace at the same bracket level (a left-associative
//! chain of `n` operators is a tree of depth `n`).

use guard_diagnostics::{Code, Diagnostic, Span};

use super::Sig;
use crate::lex::Token;

/// How deep an item's expressions and types may nest. Far beyond anything
/// a person writes, far below what exhausts even a 2 MiB thread stack.
pub(crate) const MAX_NESTING: usize = 512;

/// If the chunk may nest deeper than the limit, the diagnostic to report.
pub(crate) fn check_nesting(tokens: &[Sig]) -> Option<Diagnostic> {
    // One operator counter per open bracket level.
    let mut levels: Vec<usize> = vec![0];
    for s in tokens {
        match s.token {
            Token::LParen | Token::LBracket => levels.push(0),
            Token::RParen | Token::RBracket => {
                if levels.len() > 1 {
                    levels.pop();
                }
            }
            Token::LBrace | Token::RBrace => {
                levels.clear();
                levels.push(0);
            }
            Token::Comma | Token::Semi => {
                if let Some(top) = levels.last_mut() {
                    *top = 0;
                }
            }
            Token::OrOr
            | Token::AndAnd
            | Token::Bang
            | Token::EqEq
            | Token::Ne
            | Token::Lt
            | Token::Le
            | Token::Gt
            | Token::Ge
            | Token::Plus
            | Token::Minus
            | Token::In
            | Token::Matches => {
                if let Some(top) = levels.last_mut() {
                    *top += 1;
                }
            }
            _ => continue,
        }
        let depth = levels.len() + levels.iter().sum::<usize>();
        if depth > MAX_NESTING {
            return Some(too_deep(s.span));
        }
    }
    None
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(Code::E0010, span, "expression nests too deeply")
        .with_label(format!(
            "more than {MAX_NESTING} levels of nesting at this point"
        ))
        .with_note("the parser limits nesting so that no input can exhaust the stack")
        .with_help("split the condition into several rules, or use `in [..]` for long alternatives")
}
