//! The command-line surface, as clap derive types. Keeping every flag here,
//! apart from the code that acts on it, makes `--help` and the docs easy to
//! compare with one another.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The Guard policy compiler.
#[derive(Debug, Parser)]
#[command(name = "guardc", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policies for errors and warnings.
    ///
    /// Exit status: 0 when no errors were found (warnings are allowed unless
    /// --deny-warnings), 1 when there are errors (or warnings with
    /// --deny-warnings), 2 when a path could not be read or the command line
    /// is wrong.
    Check(CheckArgs),
    /// Explain a diagnostic code, e.g. `guardc explain E0101`.
    Explain(ExplainArgs),
    /// Format policies in the canonical style (see docs/style.md).
    ///
    /// Rewrites every file whose layout changes. Exit status: 0 when done
    /// (or, with --check, when every file is already formatted), 1 with
    /// --check when some file would change, 2 when a file could not be
    /// read or written or has syntax errors.
    Fmt(FmtArgs),
    /// Compile a policy to a bytecode image (`.gbc`) for the runtime.
    ///
    /// Exit status: 0 built, 1 the policy has errors, 2 input/output errors.
    Build(BuildArgs),
    /// Print a bytecode image (or a compiled `.guard`) as readable listing.
    Disasm(DisasmArgs),
    /// Run the policies' `test` blocks on the real runtime.
    ///
    /// Exit status: 0 every test passed, 1 a test failed or a policy has
    /// errors, 2 input errors.
    Test(TestArgs),
    /// Decide JSON events (one per line) in one session; print one decision
    /// (JSON) per line. See runtime/README.md for both formats.
    ///
    /// Exit status: 0 every line was an event, 1 some lines were not
    /// (each got an error record), 2 input errors.
    Eval(EvalArgs),
    /// Prove the policy's assertions over every possible agent behaviour.
    ///
    /// Each assertion is proved, violated (with the shortest trace,
    /// replayed on the runtime) or unknown. Exit status: 0 every assertion
    /// holds, 1 some assertion is violated or the policy has errors, 3 some
    /// assertion is unknown, 4 an internal disagreement (a bug in Guard),
    /// 2 usage or input errors.
    Prove(ProveArgs),
    /// Draw the policy's reachable state machine (Graphviz DOT or Mermaid).
    ///
    /// States are the state variables and context labels a session can
    /// reach; edges are the events that move it (escalations dashed,
    /// denials left out unless --show-denied). Exit status: 0 drawn, 1 the
    /// policy has errors (or --trace names no assertion), 2 usage or
    /// input/output errors, 3 the machine has more than --max-nodes states.
    Graph(GraphArgs),
    /// Run the language server on stdin/stdout (for editors; see
    /// editors/).
    Lsp,
    /// Write Guard declarations from another system's description, e.g.
    /// `guardc import mcp --from tools.json` (see docs/proxy.md).
    Import(ImportArgs),
    /// Put a policy in front of an MCP server: relay JSON-RPC over stdio,
    /// decide every `tools/call`, park escalations for an approver, log
    /// decisions (see docs/proxy.md).
    ///
    /// Exit status: 0 the client closed the stream, 1 the server exited
    /// under the proxy, 2 usage or input errors.
    Proxy(Box<ProxyArgs>),
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// A `.guard` policy (compiled in memory) or a `.gbc` image.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// A session attribute, `NAME=VALUE` (repeatable).
    #[arg(long = "attr", value_name = "NAME=VALUE")]
    pub attrs: Vec<String>,
    /// Put before MCP tool names to get policy tool names: with `fs.`, the
    /// server's `write_file` is the policy's `fs.write_file`.
    #[arg(long, value_name = "SERVER.")]
    pub tool_prefix: Option<String>,
    /// Decide the text of tool results as outputs on this channel (its
    /// deny and redact rules apply before the client sees the result).
    #[arg(long, value_name = "CHANNEL")]
    pub result_channel: Option<String>,
    /// Append the decision log (JSON Lines) to FILE; `-` is stderr.
    #[arg(long, value_name = "FILE|-")]
    pub log: Option<PathBuf>,
    /// Erase this field of each logged input (an RFC 6901 JSON pointer
    /// into `input`, e.g. `/args/body`; repeatable).
    #[arg(long, value_name = "JSON_POINTER")]
    pub log_redact: Vec<String>,
    /// `enforce` decisions, or `shadow`: decide and log, forward all.
    #[arg(long, value_enum, default_value_t = ProxyMode::Enforce)]
    pub mode: ProxyMode,
    /// Ask this shell command about each escalation (the decision as JSON
    /// on stdin; exit 0 approves, anything else rejects).
    #[arg(long, value_name = "CMD", conflicts_with = "approvals")]
    pub approver: Option<String>,
    /// Serve pending approvals on this loopback address: GET /pending,
    /// POST /approve/<ticket>, POST /reject/<ticket>.
    #[arg(long, value_name = "127.0.0.1:PORT")]
    pub approvals: Option<std::net::SocketAddr>,
    /// Seconds to wait for an approver when the gate sets no timeout
    /// (default: wait as long as it takes).
    #[arg(long, value_name = "SECS")]
    pub approval_timeout: Option<u64>,
    /// Keep the session's state in DIR and resume it on restart.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The session id (the state file's name; default `default` with
    /// --state-dir, else a random id).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// The MCP server to run, after `--`.
    #[arg(
        last = true,
        required_unless_present = "listen",
        conflicts_with = "listen",
        value_name = "SERVER_CMD"
    )]
    pub server: Vec<String>,
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio, in front
    /// of --upstream (a loopback address unless --listen-any).
    #[arg(long, value_name = "127.0.0.1:PORT", requires = "upstream")]
    pub listen: Option<std::net::SocketAddr>,
    /// The upstream Streamable HTTP MCP endpoint, `http://HOST:PORT/mcp`.
    #[arg(long, value_name = "URL", requires = "listen")]
    pub upstream: Option<String>,
    /// Allow --listen on an address that is not loopback.
    #[arg(long, requires = "listen")]
    pub listen_any: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProxyMode {
    Enforce,
    Shadow,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub kind: ImportKind,
}

#[derive(Debug, Subcommand)]
pub enum ImportKind {
    /// Tool declarations from an MCP server's `tools/list`: a saved answer
    /// (`--from tools.json`: the JSON-RPC response, its `result`, or an
    /// array of tools) or the running server (`-- SERVER_CMD ARGS...`,
    /// spoken to over stdio).
    ///
    /// Exit status: 0 written, 1 the output did not format (a bug), 2 the
    /// input could not be read or the server failed.
    Mcp(ImportMcpArgs),
}

#[derive(Debug, Args)]
pub struct ImportMcpArgs {
    /// A saved `tools/list` answer.
    #[arg(long, value_name = "FILE", conflicts_with = "server")]
    pub from: Option<std::path::PathBuf>,
    /// The dotted prefix the proxy puts before the server's tool names,
    /// e.g. `everything.` (see `guardc proxy --tool-prefix`).
    #[arg(long, value_name = "NAME.")]
    pub prefix: Option<String>,
    /// Write the declarations to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Seconds to wait for the server's answers, in all.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// The server to ask, after `--`.
    #[arg(last = true, value_name = "SERVER_CMD")]
    pub server: Vec<String>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The policy to draw.
    pub file: PathBuf,
    /// The output language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Prove this assertion and draw its counterexample (or witness) in
    /// bold red.
    #[arg(long, value_name = "ASSERTION")]
    pub trace: Option<String>,
    /// Draw denied events too, dimmed, into a `denied` sink.
    #[arg(long)]
    pub show_denied: bool,
    /// Refuse to draw a machine with more states than this.
    #[arg(long, default_value_t = 200)]
    pub max_nodes: usize,
    /// Write the drawing to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz: `guardc graph p.guard | dot -Tsvg > p.svg`.
    Dot,
    /// A Mermaid flowchart, for Markdown pages that render Mermaid.
    Mermaid,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The policy whose assertions to prove.
    pub file: PathBuf,
    /// An extra assertion in the language's syntax, e.g.
    /// 'never mail.read ~> http.post' (repeatable).
    #[arg(long = "query", short = 'q', value_name = "PATTERN")]
    pub queries: Vec<String>,
    /// Prove only the assertion NAME (repeatable); `--query` patterns are
    /// proved as well. The deep lints still cover the whole policy.
    #[arg(long = "assertion", short = 'a', value_name = "NAME")]
    pub assertions: Vec<String>,
    /// How to write the answers: `human` to stderr, the others to stdout.
    #[arg(long, value_enum, default_value_t = ProveFormat::Human)]
    pub format: ProveFormat,
    /// Write the json or sarif report (or the --emit export) to FILE
    /// instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The engine: `auto` searches states explicitly while there are few
    /// and uses Z3's Spacer (with BMC for traces) beyond.
    #[arg(long, value_enum, default_value_t = EngineChoice::Auto)]
    pub engine: EngineChoice,
    /// The most states one explicit search may visit before answering
    /// unknown.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_states: usize,
    /// Z3's resource limit per query: reproducible on every machine,
    /// unlike --timeout.
    #[arg(long, default_value_t = 50_000_000)]
    pub rlimit: u32,
    /// A wall-clock limit per Z3 query, in milliseconds (0: none).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub timeout: u32,
    /// The deepest bounded (BMC) unrolling, in events.
    #[arg(long, default_value_t = 40)]
    pub bmc_depth: usize,
    /// Print the inductive invariant of each proof (symbolic engines).
    #[arg(long)]
    pub invariant: bool,
    /// Prove up to N assertions at once (default: one per CPU). Answers do
    /// not depend on it.
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Instead of proving, write each assertion's model for an independent
    /// tool: `horn` (z3), `smt2` (z3, cvc5; bounded by --bmc-depth),
    /// `pml` (SPIN). To stdout, to `-o FILE` (one assertion), or one file
    /// per assertion into `-o DIR`.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub emit: Option<EmitFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitFormat {
    /// Bounded reachability in SMT-LIB QF_LIA.
    Smt2,
    /// Constrained Horn clauses in SMT-LIB HORN.
    Horn,
    /// A Promela model for SPIN.
    Pml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineChoice {
    Auto,
    /// Explicit-state breadth-first search: shortest traces, exhaustive.
    Bfs,
    /// Z3 Spacer (constrained Horn clauses): unbounded proofs with an
    /// inductive invariant.
    Spacer,
    /// Bounded model checking with Z3: traces up to --bmc-depth events.
    Bmc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProveFormat {
    /// A line per assertion, traces drawn on the source.
    Human,
    /// A versioned JSON document; traces in the ITF shape.
    Json,
    /// SARIF 2.1.0: a violation is a result at the assertion with the
    /// trace as a code flow.
    Sarif,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The policy to compile.
    pub file: PathBuf,
    /// Where to write the image (default: FILE with extension `.gbc`).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Leave out the debug section (rule locations and `because` texts).
    #[arg(long)]
    pub strip: bool,
}

#[derive(Debug, Args)]
pub struct DisasmArgs {
    /// A `.gbc` image, or a `.guard` policy to compile first.
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Files or directories holding policies with tests.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// List the rules that no test step matched.
    #[arg(long)]
    pub coverage: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A `.guard` policy (compiled in memory) or a `.gbc` image.
    pub policy: PathBuf,
    /// A session attribute, `NAME=VALUE` (repeatable).
    #[arg(long = "attr", value_name = "NAME=VALUE")]
    pub attrs: Vec<String>,
    /// Read events from this JSON Lines file instead of stdin.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Re-decide a proxy decision log under this policy and report every
    /// decision that would change (exit 1 if any, 0 if none).
    #[arg(long, value_name = "DECISIONS.jsonl", conflicts_with_all = ["events", "attrs"])]
    pub replay: Option<PathBuf>,
    /// How `--replay` reports: a table on stdout, or one JSON document.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Table, requires = "replay")]
    pub replay_format: ReplayFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check. Directories are searched recursively
    /// for `*.guard` files, skipping hidden directories and `target`.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// How to write the report: `human` to stderr, the others to stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead; the summary still goes to stderr.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Treat warnings as errors for the exit status.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Also run the deep lints (W0502–W0505): explore every reachable
    /// state of each policy without errors and report rules that never
    /// matter and effects that leave their range.
    #[arg(long)]
    pub deep: bool,

    /// When to colour human output. `auto` colours only a terminal, and
    /// never when NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Compare the policies' tools with an MCP server's `tools/list`
    /// answer (W0601–W0604): tools and parameters the server lacks, types
    /// that differ, required parameters the policy lacks.
    #[arg(long, value_name = "TOOLS.json")]
    pub mcp_manifest: Option<PathBuf>,

    /// With --mcp-manifest: only policy tools under this prefix (e.g.
    /// `everything.`) are the server's, named without it on the server.
    #[arg(long, value_name = "NAME.", requires = "mcp_manifest")]
    pub tool_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Annotated source snippets, like rustc.
    Human,
    /// A versioned JSON document (see docs/diagnostics.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code to explain, e.g. E0101 (case does not matter).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub code: Option<String>,

    /// List every code with its title.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories to format. Directories are searched recursively
    /// for `*.guard` files, as by `check`. `-` alone reads standard input
    /// and writes the formatted text to standard output.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Write nothing; list the files that would change on stdout and exit
    /// with 1 if there are any.
    #[arg(long)]
    pub check: bool,

    /// When to colour diagnostics of files with syntax errors.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
