//! Fuzz target: any bytes, read as (lossy) UTF-8, through the lexer and the
//! parser. Besides "never panics", it checks the span invariant: every
//! token, diagnostic, fix and item span lies inside the text on character
//! boundaries.

#![no_main]

use guard_diagnostics::{FileId, Span};
use libfuzzer_sys::fuzz_target;

fn check(text: &str, span: Span) {
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(
        s <= e && e <= text.len(),
        "span {s}..{e} outside {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "span {s}..{e} splits a char"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (tokens, lex_diags) = guard_syntax::lex::tokenize(FileId(0), &text);
    for (_, span) in &tokens {
        check(&text, *span);
    }
    let (ast, diags) = guard_syntax::parse_file(FileId(0), &text);
    for d in lex_diags.iter().chain(&diags) {
        check(&text, d.primary.span);
        d.secondary.iter().for_each(|l| check(&text, l.span));
        d.fixes.iter().for_each(|f| check(&text, f.span));
    }
    for item in &ast.items {
        check(&text, item.span);
    }
});
