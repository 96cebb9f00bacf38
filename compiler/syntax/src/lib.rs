//! The front of the pipeline: source text to a spanned AST.
//!
//! * [`lex`] turns text into tokens with byte spans (logos). Lexical errors
//!   (unterminated strings, bad escapes, stray characters, unterminated
//!   block comments) become diagnostics; lexing always reaches the end of
//!   the input. Text that forms no token becomes an `Error` token, while a
//!   token with a recoverable fault (a bad escape, an integer too large)
//!   keeps its kind so the item around it still parses.
//! * [`parse`] splits the token stream into items and parses each with the
//!   lalrpop grammar in `grammar/guard.lalrpop`, so one broken item never
//!   hides the errors of the next: a file with five syntax errors reports
//!   five. Expressions nested more than 512 deep are refused (E0010)
//!   rather than parsed, so no input can exhaust the stack.
//!
//! Invariant: no input, however malformed, makes this crate panic; every
//! problem is a [`guard_diagnostics::Diagnostic`] with a code and a span.

pub mod ast;
pub mod lex;
mod parse;

pub use parse::parse_file;
