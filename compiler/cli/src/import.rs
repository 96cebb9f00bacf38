//! `guardc import mcp`: read a server's tool list (from a saved
//! `tools/list` answer, or by asking the running server over stdio) and
//! write Guard `tool` declarations for it, formatted in the canonical
//! style. The reading lives in [`crate::mcp::tools`] and
//! [`crate::mcp::client`], the writing in [`crate::mcp::declare`]; this
//! module is the command's glue.
//!
//! Exit status: 0 written (warnings about renamed or left-out names go to
//! stderr), 1 the generated text did not format (a bug in Guard), 2 the
//! input could not be read or the server failed.

use std::time::Duration;

use guard_diagnostics::render;
use guard_diagnostics::SourceMap;

use crate::check::{EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{ImportArgs, ImportKind, ImportMcpArgs};
use crate::mcp::{self, code, McpError};

pub fn run(args: &ImportArgs) -> u8 {
    match &args.kind {
        ImportKind::Mcp(mcp_args) => run_mcp(mcp_args),
    }
}

fn run_mcp(args: &ImportMcpArgs) -> u8 {
    let (tools, source) = match read_tools(args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_INPUT;
        }
    };
    let prefix = args.prefix.as_deref().unwrap_or("");
    let (text, report) = mcp::declare::declarations(&tools, prefix, &source);
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut sources = SourceMap::new();
    let name = "<import>";
    let file = sources.add(name, text.as_str());
    let formatted = match guard_fmt::format(file, &text) {
        Ok(f) => f,
        Err(diags) => {
            eprint!("{}", render::human(&sources, &diags, false));
            eprintln!(
                "internal error: the generated declarations do not format; this is a bug in Guard"
            );
            return EXIT_FINDINGS;
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, formatted.as_bytes()) {
                let err = McpError::new(code::IO, path.display().to_string(), e.to_string());
                eprintln!("{err}");
                return EXIT_INPUT;
            }
            eprintln!(
                "wrote {} tool declaration{} to `{}`",
                tools.len(),
                if tools.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        None => print!("{formatted}"),
    }
    EXIT_OK
}

/// The tools and a description of where they came from (for the header).
fn read_tools(args: &ImportMcpArgs) -> Result<(Vec<mcp::tools::ServerTool>, String), McpError> {
    if let Some(path) = &args.from {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| McpError::new(code::IO, &name, format!("cannot read: {e}")))?;
        let tools = mcp::tools::parse_file(&name, &text)?;
        let file_name = path
            .file_name()
            .map_or(name.clone(), |f| f.to_string_lossy().into_owned());
        return Ok((tools, format!("`{file_name}`")));
    }
    if args.server.is_empty() {
        return Err(McpError::new(
            code::SERVER,
            "command line",
            "give `--from tools.json` or `-- SERVER_CMD ARGS...`",
        ));
    }
    let tools = mcp::client::list_tools(&args.server, Duration::from_secs(args.timeout))?;
    Ok((tools, format!("the server `{}`", args.server.join(" "))))
}
