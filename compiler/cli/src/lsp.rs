//! `guardc lsp`: the language server on stdin/stdout (crate `guard-lsp`;
//! its crate documentation lists every capability).

pub fn run() -> u8 {
    guard_lsp::run_stdio()
}
