//! Text for a `Graph`: Graphviz DOT or a Mermaid flowchart. Both show the
//! same drawing — one box per state, solid edges for allowed events,
//! dashed ones for escalations (with the gates), dimmed dotted ones into a
//! "denied" sink when denials are shown, and a trace in bold red — so the
//! choice is only about where the picture is viewed (Graphviz, or a
//! Markdown page that renders Mermaid, as GitHub does).
//!
//! Output is deterministic: nodes in breadth-first order, edges sorted by
//! source, target and outcome, lines within a label sorted.

use std::fmt::Write as _;

use guard_ir::Policy;

use super::{Edge, Graph, Highlight, Kind, To};
use crate::trace::{gates_text, state_text};

/// The output language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
}

const TRACE_COLOR: &str = "#d62728";
const DIM_COLOR: &str = "#9e9e9e";

/// The drawing in `format`. `title` is printed in a leading comment (the
/// highlighted assertion, for example).
pub fn render(
    graph: &Graph,
    policy: &Policy,
    highlight: Option<&Highlight>,
    format: Format,
    title: &str,
) -> String {
    match format {
        Format::Dot => dot(graph, policy, highlight, title),
        Format::Mermaid => mermaid(graph, policy, highlight, title),
    }
}

/// The lines of a state's box: each state variable, then the context.
fn node_lines(policy: &Policy, vars: &[i64], ctx: u64) -> Vec<String> {
    let mut lines: Vec<String> = policy
        .states
        .iter()
        .zip(vars)
        .enumerate()
        .map(|(i, (s, v))| format!("{} = {}", s.name, state_text(policy, i, *v)))
        .collect();
    if !policy.labels.is_empty() {
        let labels: Vec<&str> = policy
            .labels
            .iter()
            .enumerate()
            .filter(|(b, _)| ctx & (1u64 << b) != 0)
            .map(|(_, l)| l.as_str())
            .collect();
        lines.push(format!("context: {{{}}}", labels.join(", ")));
    }
    if lines.is_empty() {
        // A policy without state or labels has one state.
        lines.push("session".into());
    }
    lines
}

/// An edge's label: its events, the gates of an escalation, and the
/// steps of a highlighted trace that take it (a loop may take several).
fn edge_lines(policy: &Policy, e: &Edge, steps: Option<&Vec<usize>>) -> Vec<String> {
    let mut lines = e.lines.clone();
    if let Kind::Escalate(g) = e.kind {
        lines.push(format!("[escalate {}]", gates_text(policy, g)));
    }
    if let Some(steps) = steps {
        let list: Vec<String> = steps.iter().map(usize::to_string).collect();
        lines.push(format!(
            "(trace step{} {})",
            if steps.len() == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    lines
}

/// The trace steps that take edge `i` of group `g`, when highlighted.
fn steps_of(hl: Option<&Highlight>, g: usize, i: usize) -> Option<&Vec<usize>> {
    hl.filter(|h| h.group == g).and_then(|h| h.edges.get(&i))
}

/// A comment block: what is drawn and what it leaves out.
fn header(graph: &Graph, title: &str, comment: &str) -> String {
    let mut out = String::new();
    let states: usize = graph.groups.iter().map(|g| g.nodes.len()).sum();
    let edges: usize = graph.groups.iter().map(|g| g.edges.len()).sum();
    let _ = writeln!(
        out,
        "{comment} guardc graph: policy {}, {states} reachable state{}, {edges} edge{}",
        graph.policy,
        if states == 1 { "" } else { "s" },
        if edges == 1 { "" } else { "s" }
    );
    if !title.is_empty() {
        let _ = writeln!(out, "{comment} {title}");
    }
    if let Some(why) = &graph.inexact {
        let _ = writeln!(
            out,
            "{comment} note: the model is not exact, so behaviours may be missing: {}",
            why.replace('\n', " ")
        );
    }
    out
}

fn node_id(graph: &Graph, g: usize, n: usize) -> String {
    if graph.groups.len() == 1 {
        format!("s{n}")
    } else {
        format!("s{g}_{n}")
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(graph: &Graph, policy: &Policy, hl: Option<&Highlight>, title: &str) -> String {
    let mut out = header(graph, title, "//");
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&graph.policy));
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (g, group) in graph.groups.iter().enumerate() {
        let lit = |n: usize| hl.is_some_and(|h| h.group == g && h.nodes.contains(&n));
        let start = format!("start{g}");
        let _ = writeln!(out, "  {start} [shape=point, width=0.12];");
        for (n, (vars, ctx)) in group.nodes.iter().enumerate() {
            let label = node_lines(policy, vars, *ctx)
                .iter()
                .map(|l| dot_escape(l))
                .collect::<Vec<_>>()
                .join("\\n");
            let style = if lit(n) {
                format!(", color=\"{TRACE_COLOR}\", penwidth=2.5")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} [label=\"{label}\"{style}];",
                node_id(graph, g, n)
            );
        }
        let valuation = graph.valuation_text.get(g).map_or("", String::as_str);
        let mut attrs = Vec::new();
        if !valuation.is_empty() {
            attrs.push(format!("label=\"{}\"", dot_escape(valuation)));
        }
        if lit(0) {
            attrs.push(format!("color=\"{TRACE_COLOR}\", penwidth=2.5"));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "  {start} -> {}{attrs};", node_id(graph, g, 0));
        let denied = format!("denied{g}");
        if group.edges.iter().any(|e| e.to == To::Denied) {
            let _ = writeln!(
                out,
                "  {denied} [label=\"denied\", shape=octagon, color=\"{DIM_COLOR}\", fontcolor=\"{DIM_COLOR}\"];"
            );
        }
        for (i, e) in group.edges.iter().enumerate() {
            let to = match e.to {
                To::Node(n) => node_id(graph, g, n),
                To::Denied => denied.clone(),
            };
            let steps = steps_of(hl, g, i);
            let label = edge_lines(policy, e, steps)
                .iter()
                .map(|l| dot_escape(l))
                .collect::<Vec<_>>()
                .join("\\n");
            let mut attrs = vec![format!("label=\"{label}\"")];
            match e.kind {
                Kind::Allow => {}
                Kind::Escalate(_) => attrs.push("style=dashed".into()),
                Kind::Deny => attrs.push(format!(
                    "style=dotted, color=\"{DIM_COLOR}\", fontcolor=\"{DIM_COLOR}\""
                )),
            }
            if steps.is_some() {
                attrs.push(format!(
                    "color=\"{TRACE_COLOR}\", fontcolor=\"{TRACE_COLOR}\", penwidth=2.5"
                ));
            }
            let _ = writeln!(
                out,
                "  {} -> {to} [{}];",
                node_id(graph, g, e.from),
                attrs.join(", ")
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid text inside `"..."`: quotes and `#` as entity codes, so no
/// label can end the string or start an entity by accident.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c => out.push(c),
        }
    }
    out
}

fn mermaid(graph: &Graph, policy: &Policy, hl: Option<&Highlight>, title: &str) -> String {
    let mut out = header(graph, title, "%%");
    out.push_str("flowchart LR\n");
    // Mermaid styles links by their position in the text.
    let mut link = 0usize;
    let mut trace_links = Vec::new();
    let mut dim_links = Vec::new();
    let mut trace_nodes = Vec::new();
    let mut denied_nodes = Vec::new();
    for (g, group) in graph.groups.iter().enumerate() {
        let lit = |n: usize| hl.is_some_and(|h| h.group == g && h.nodes.contains(&n));
        let start = format!("start{g}");
        let _ = writeln!(out, "  {start}((start))");
        for (n, (vars, ctx)) in group.nodes.iter().enumerate() {
            let label = node_lines(policy, vars, *ctx)
                .iter()
                .map(|l| mermaid_escape(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let id = node_id(graph, g, n);
            let _ = writeln!(out, "  {id}[\"{label}\"]");
            if lit(n) {
                trace_nodes.push(id);
            }
        }
        let valuation = graph.valuation_text.get(g).map_or("", String::as_str);
        if valuation.is_empty() {
            let _ = writeln!(out, "  {start} --> {}", node_id(graph, g, 0));
        } else {
            let _ = writeln!(
                out,
                "  {start} -->|\"{}\"| {}",
                mermaid_escape(valuation),
                node_id(graph, g, 0)
            );
        }
        if lit(0) {
            trace_links.push(link);
        }
        link += 1;
        let denied = format!("denied{g}");
        if group.edges.iter().any(|e| e.to == To::Denied) {
            let _ = writeln!(out, "  {denied}{{{{\"denied\"}}}}");
            denied_nodes.push(denied.clone());
        }
        for (i, e) in group.edges.iter().enumerate() {
            let to = match e.to {
                To::Node(n) => node_id(graph, g, n),
                To::Denied => denied.clone(),
            };
            let steps = steps_of(hl, g, i);
            let label = edge_lines(policy, e, steps)
                .iter()
                .map(|l| mermaid_escape(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let arrow = match e.kind {
                Kind::Allow => "-->",
                Kind::Escalate(_) | Kind::Deny => "-.->",
            };
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{label}\"| {to}",
                node_id(graph, g, e.from)
            );
            if steps.is_some() {
                trace_links.push(link);
            } else if e.kind == Kind::Deny {
                dim_links.push(link);
            }
            link += 1;
        }
    }
    if !denied_nodes.is_empty() {
        let _ = writeln!(
            out,
            "  classDef denied fill:#f5f5f5,stroke:{DIM_COLOR},color:{DIM_COLOR}"
        );
        let _ = writeln!(out, "  class {} denied", denied_nodes.join(","));
    }
    if !trace_nodes.is_empty() {
        let _ = writeln!(
            out,
            "  classDef trace stroke:{TRACE_COLOR},stroke-width:3px"
        );
        let _ = writeln!(out, "  class {} trace", trace_nodes.join(","));
    }
    if !dim_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{DIM_COLOR},color:{DIM_COLOR},stroke-dasharray:2 4",
            join(&dim_links)
        );
    }
    if !trace_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{TRACE_COLOR},stroke-width:3px,color:{TRACE_COLOR}",
            join(&trace_links)
        );
    }
    out
}

fn join(links: &[usize]) -> String {
    links
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
