//! The front of the pipeline: source text to a spanned AST.
//!
//! * [`lex`] turns text into tokens with byte spans (logos). Lexical errors
//!   (unterminated strings, bad escapes, stray characters, unterminated
//!   block comments) become diagnostics and an `Error` token; lexing always
//!   reaches the end of the input.
//! * [`parse`] splits the token stream into items and parses each with the
//!   lalrpop grammar in `grammar/guard.lalrpop`, so one broken item never
//!   hides the errors of the next: a file with five syntax errors reports
//!   five.
//!
//! Invariant: no input, however malformed, makes this crate panic; every
//! problem is a [`guard_diagnostics::Diagnostic`] with a code and a span.

pub mod ast;
pub mod lex;
mod parse;

pub use parse::parse_file;
