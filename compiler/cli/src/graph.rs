//! `guardc graph`: check a policy, explore its reachable state machine
//! with the verifier's model and write it as Graphviz DOT or a Mermaid
//! flowchart; with `--trace NAME`, prove that assertion and draw its
//! counterexample (or witness) in bold red.
//!
//! The drawing goes to stdout (or `-o FILE`) because it is data, meant for
//! `dot` or a Markdown page; everything addressed to a person (errors,
//! notes about the model, the trace's fate) goes to stderr. A machine
//! larger than `--max-nodes` is refused rather than cut: half a state
//! machine reads like a whole one and would mislead.

use std::io::Write;

use guard_check::RealFs;
use guard_diagnostics::render;
use guard_verify::graph::render::{render as draw, Format};
use guard_verify::graph::{self, Highlight};
use guard_verify::{report, Status};

use crate::check::{stderr_wants_color, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK};
use crate::cli::{GraphArgs, GraphFormat};

/// The machine is larger than `--max-nodes`.
pub const EXIT_TOO_LARGE: u8 = 3;

pub fn run(args: &GraphArgs) -> u8 {
    let path = &args.file;
    if let Err(e) = std::fs::metadata(path) {
        eprintln!("error: cannot read `{}`: {e}", path.display());
        return EXIT_INPUT;
    }
    let mut checked = guard_check::check_paths(std::slice::from_ref(path), &RealFs);
    if let Some(e) = checked.io_errors.first() {
        eprintln!("error: cannot read `{}`: {}", e.path.display(), e.error);
        return EXIT_INPUT;
    }
    let color = stderr_wants_color();
    if checked.error_count() > 0 {
        eprint!(
            "{}",
            render::human(&checked.sources, &checked.diagnostics, color)
        );
        eprintln!("error: `{}` has errors; nothing was drawn", path.display());
        return EXIT_FINDINGS;
    }
    let Some(program) = checked.policies.iter_mut().find_map(|p| p.program.take()) else {
        eprintln!("error: `{}` holds no policy", path.display());
        return EXIT_FINDINGS;
    };
    let policy = match guard_ir::lower(&program) {
        Ok(p) => p,
        Err(diags) => {
            eprint!("{}", render::human(&checked.sources, &diags, color));
            return EXIT_FINDINGS;
        }
    };
    let asserts = graph::no_asserts(&policy);
    let model = graph::policy_model(&policy, &asserts, Default::default());
    let options = graph::Options {
        max_nodes: args.max_nodes,
        show_denied: args.show_denied,
    };
    let drawing = match graph::build(&model, options) {
        Ok(g) => g,
        Err(too_large) => {
            eprintln!(
                "error: `{}` reaches more than {} states, too many to draw; raise --max-nodes, \
                 or narrow `int[lo..hi]` ranges to see a smaller machine",
                path.display(),
                too_large.limit
            );
            return EXIT_TOO_LARGE;
        }
    };
    if let Some(why) = &drawing.inexact {
        eprintln!("note: the model is not exact, so behaviours may be missing: {why}");
    }
    let (highlight, title) = match &args.trace {
        None => (None, String::new()),
        Some(name) => match traced(&program, &checked.sources, &drawing, name) {
            Ok(found) => found,
            Err(code) => return code,
        },
    };
    let format = match args.format {
        GraphFormat::Dot => Format::Dot,
        GraphFormat::Mermaid => Format::Mermaid,
    };
    let text = draw(&drawing, &policy, highlight.as_ref(), format, &title);
    let written = match &args.output {
        Some(file) => std::fs::write(file, &text),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
    };
    match written {
        // A closed pipe (`guardc graph p.guard | head`) took what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: cannot write the drawing: {e}");
            return EXIT_INPUT;
        }
        Ok(()) => {}
    }
    EXIT_OK
}

/// Proves assertion `name` and follows its trace through the drawing: the
/// highlight and a title line, or the exit code of a failure.
fn traced(
    program: &guard_check::hir::Program,
    sources: &guard_diagnostics::SourceMap,
    drawing: &graph::Graph,
    name: &str,
) -> Result<(Option<Highlight>, String), u8> {
    if !program.asserts.iter().any(|a| a.name == name) {
        let names: Vec<&str> = program.asserts.iter().map(|a| a.name.as_str()).collect();
        eprintln!(
            "error: the policy has no assertion `{name}`{}",
            if names.is_empty() {
                String::new()
            } else {
                format!(" (it has: {})", names.join(", "))
            }
        );
        return Err(EXIT_FINDINGS);
    }
    let report = match guard_verify::prove(program, sources, guard_verify::Options::default()) {
        Ok(r) => r,
        Err(diags) => {
            eprint!("{}", render::human(sources, &diags, stderr_wants_color()));
            return Err(EXIT_FINDINGS);
        }
    };
    let Some(answer) = report.answers.iter().find(|a| a.name == name) else {
        return Err(EXIT_FINDINGS);
    };
    let word = report::word(answer);
    let Some(trace) = &answer.trace else {
        let why = match &answer.status {
            Status::Unknown(why) | Status::Disagreement(why) => format!(": {why}"),
            _ => String::new(),
        };
        eprintln!("note: `{name}` is {word} and has no trace to draw{why}");
        return Ok((None, format!("assertion {name}: {word}, no trace")));
    };
    let title = format!(
        "assertion {name}: {word}; its trace of {} event{} is drawn in red",
        trace.steps.len(),
        if trace.steps.len() == 1 { "" } else { "s" }
    );
    match graph::highlight(drawing, trace) {
        Some(h) => Ok((Some(h), title)),
        None => {
            eprintln!(
                "warning: the trace of `{name}` does not run through the drawn machine \
                 (the model is not exact, or the trace needs a distinction only the \
                 assertion makes); drawn without it"
            );
            Ok((None, format!("assertion {name}: {word}, trace not drawn")))
        }
    }
}
