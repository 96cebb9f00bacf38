//! `guardc graph`: the reachable state machine of a policy, drawn as
//! Graphviz DOT or a Mermaid flowchart. The drawings of an example and of
//! fixtures (with denials shown, and with a counterexample and a witness
//! highlighted) match reviewed snapshots; output is deterministic; a
//! machine past the node limit is refused; and a highlighted trace runs
//! along edges of the drawing from its initial state.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use guard_check::hir;
use guard_diagnostics::SourceMap;
use guard_tests::workspace_root;
use guard_verify::graph::render::{render, Format};
use guard_verify::graph::{self, Highlight, To};
use guard_verify::{Engine, Options};

fn load(rel: &str) -> (hir::Program, SourceMap) {
    let path = workspace_root().join(rel);
    let mut checked = guard_check::check_paths(&[path], &guard_check::RealFs);
    assert_eq!(checked.error_count(), 0);
    let p = checked
        .policies
        .iter_mut()
        .find_map(|p| p.program.take())
        .unwrap();
    (p, checked.sources)
}

/// What `guardc graph FILE [--show-denied] [--trace NAME] --format F`
/// writes to stdout.
fn draw(rel: &str, show_denied: bool, trace: Option<&str>, format: Format) -> String {
    let (program, sources) = load(rel);
    let policy = guard_ir::lower(&program).unwrap();
    let asserts = graph::no_asserts(&policy);
    let model = graph::policy_model(&policy, &asserts, Default::default());
    let options = graph::Options {
        show_denied,
        ..graph::Options::default()
    };
    let g = graph::build(&model, options).unwrap();
    let (highlight, title) = match trace {
        None => (None, String::new()),
        Some(name) => {
            let (h, t) = highlight(&program, &sources, &g, name);
            (Some(h), t)
        }
    };
    render(&g, &policy, highlight.as_ref(), format, &title)
}

fn highlight(
    program: &hir::Program,
    sources: &SourceMap,
    g: &graph::Graph,
    name: &str,
) -> (Highlight, String) {
    let options = Options {
        engine: Engine::Bfs,
        ..Options::default()
    };
    let report = guard_verify::prove(program, sources, options).unwrap();
    let answer = report.answers.iter().find(|a| a.name == name).unwrap();
    let trace = answer.trace.as_ref().unwrap();
    let h = graph::highlight(g, trace).expect("the trace runs through the drawing");
    (
        h,
        format!("assertion {name}: {}", guard_verify::report::word(answer)),
    )
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("tests/deep/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn example_drawing() {
    snapshot(
        "graph_mail_assistant_dot",
        &draw("examples/mail_assistant.guard", false, None, Format::Dot),
    );
    snapshot(
        "graph_mail_assistant_mermaid",
        &draw(
            "examples/mail_assistant.guard",
            false,
            None,
            Format::Mermaid,
        ),
    );
}

#[test]
fn fixture_drawing_with_denials() {
    snapshot(
        "graph_clean_denied_dot",
        &draw("tests/deep/clean.guard", true, None, Format::Dot),
    );
    snapshot(
        "graph_clean_denied_mermaid",
        &draw("tests/deep/clean.guard", true, None, Format::Mermaid),
    );
}

#[test]
fn traces_are_highlighted() {
    snapshot(
        "graph_exfiltration_counterexample_dot",
        &draw(
            "tests/prove/exfiltration.guard",
            false,
            Some("no_exfiltration"),
            Format::Dot,
        ),
    );
    snapshot(
        "graph_quota_witness_mermaid",
        &draw(
            "tests/prove/quota.guard",
            false,
            Some("quota_reachable"),
            Format::Mermaid,
        ),
    );
}

#[test]
fn drawing_is_deterministic() {
    for rel in ["examples/mail_assistant.guard", "tests/deep/clean.guard"] {
        for format in [Format::Dot, Format::Mermaid] {
            assert_eq!(draw(rel, true, None, format), draw(rel, true, None, format));
        }
    }
}

#[test]
fn a_machine_past_the_limit_is_refused() {
    let (program, _) = load("examples/coding_agent.guard");
    let policy = guard_ir::lower(&program).unwrap();
    let asserts = graph::no_asserts(&policy);
    let model = graph::policy_model(&policy, &asserts, Default::default());
    let too_large = graph::build(&model, graph::Options::default()).unwrap_err();
    assert_eq!(too_large.limit, 200);
    let bigger = graph::Options {
        max_nodes: 5_000,
        ..graph::Options::default()
    };
    let g = graph::build(&model, bigger).unwrap();
    let states: usize = g.groups.iter().map(|g| g.nodes.len()).sum();
    assert!(states > 200 && states <= 5_000);
}

/// The highlighted path starts at the initial state and every edge on it
/// leaves a node of the path and enters one.
#[test]
fn a_highlighted_trace_is_a_path_from_the_initial_state() {
    for (rel, name) in [
        ("tests/prove/exfiltration.guard", "no_exfiltration"),
        ("tests/prove/exfiltration.guard", "can_read"),
        ("tests/prove/quota.guard", "quota_reachable"),
    ] {
        let (program, sources) = load(rel);
        let policy = guard_ir::lower(&program).unwrap();
        let asserts = graph::no_asserts(&policy);
        let model = graph::policy_model(&policy, &asserts, Default::default());
        let g = graph::build(&model, graph::Options::default()).unwrap();
        let (h, _) = highlight(&program, &sources, &g, name);
        let group = &g.groups[h.group];
        assert!(h.nodes.contains(&0), "{rel} {name}");
        let steps: usize = h.edges.values().map(Vec::len).sum();
        assert!(steps >= 1, "{rel} {name}");
        for &e in h.edges.keys() {
            let edge = &group.edges[e];
            assert!(h.nodes.contains(&edge.from), "{rel} {name}");
            match edge.to {
                To::Node(n) => assert!(h.nodes.contains(&n), "{rel} {name}"),
                To::Denied => panic!("{rel} {name}: a trace never takes a denial"),
            }
        }
    }
    assert!(Path::new(&workspace_root().join("tests/prove/quota.guard")).exists());
}
