//! `guardc`, the Guard policy compiler's command-line interface.
//!
//! This file only parses the command line and dispatches; each subcommand
//! lives in its own module ([`check`], [`explain`], [`fmt`]) and returns the
//! process exit code. Exit codes are part of the interface (see
//! `docs/diagnostics.md`): 0 clean, 1 findings, 2 usage or input errors.
//! Usage errors are reported by clap, which also exits with 2.

mod check;
mod cli;
mod compile;
mod eval;
mod explain;
mod fmt;
mod graph;
mod import;
mod lsp;
mod manifest;
mod mcp;
mod prove;
mod proxy;
mod replay;
mod test;
mod walk;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Build(args) => compile::run_build(args),
        Command::Disasm(args) => compile::run_disasm(args),
        Command::Test(args) => test::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Lsp => lsp::run(),
        Command::Import(args) => import::run(args),
        Command::Proxy(args) => proxy::run(args),
    };
    ExitCode::from(code)
}
