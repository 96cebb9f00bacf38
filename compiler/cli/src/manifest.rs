//! `guardc check --mcp-manifest TOOLS.json [--tool-prefix NAME.]`: holds a
//! policy's tool declarations against what the MCP server really offers,
//! as published by its `tools/list` (the same files `guardc import mcp`
//! reads).
//!
//! A policy that drifts from its server fails closed at run time — a call
//! to a tool or with an argument the policy does not declare is denied —
//! so drift shows up as an agent that cannot work, not as a hole. These
//! warnings find it before that: W0601 a policy tool the server does not
//! have (a typo, or a tool the server dropped), W0602 a parameter it does
//! not accept, W0603 a parameter whose type differs from the server's
//! schema, W0604 a parameter the server requires and the policy does not
//! declare (so every call the agent makes correctly is denied).
//!
//! Only policy tools are compared: the server's other tools are simply not
//! in the policy, and calls to them are denied, which is the policy's
//! business.

use guard_check::hir::{Program, ToolDecl, Type};
use guard_diagnostics::{Code, Diagnostic};

use crate::mcp::tools::{ParamType, ServerTool};
use crate::mcp::{code, McpError};

/// Reads the manifest and adds its warnings for every policy without
/// errors to `checked`, in the checker's order (file, then position).
pub fn check(
    checked: &mut guard_check::Checked,
    manifest: &std::path::Path,
    prefix: &str,
) -> Result<(), McpError> {
    let name = manifest.display().to_string();
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| McpError::new(code::IO, &name, format!("cannot read: {e}")))?;
    let server = crate::mcp::tools::parse_file(&name, &text)?;
    let mut found: Vec<Diagnostic> = Vec::new();
    for p in &checked.policies {
        if let Some(program) = &p.program {
            found.extend(compare(program, &server, prefix));
        }
    }
    // Two policies may share a file (and its tools): report each once.
    for d in found {
        if !checked.diagnostics.contains(&d) {
            checked.diagnostics.push(d);
        }
    }
    checked.diagnostics.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
        )
    });
    Ok(())
}

/// The warnings for one policy. `prefix` (e.g. `everything.`) selects the
/// policy tools that belong to the server and is taken off their names;
/// without one every policy tool is compared under its full name.
pub fn compare(program: &Program, server: &[ServerTool], prefix: &str) -> Vec<Diagnostic> {
    let prefix = normalise_prefix(prefix);
    let mut out = Vec::new();
    for tool in &program.tools {
        let Some(server_name) = tool.name.strip_prefix(prefix.as_str()) else {
            continue;
        };
        match server.iter().find(|t| t.name == server_name) {
            None => out.push(missing_tool(tool, server_name, server)),
            Some(st) => compare_tool(program, tool, st, &mut out),
        }
    }
    out
}

/// `everything` and `everything.` mean the same prefix.
fn normalise_prefix(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('.') {
        prefix.to_string()
    } else {
        format!("{prefix}.")
    }
}

fn missing_tool(tool: &ToolDecl, server_name: &str, server: &[ServerTool]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::W0601,
        tool.info.name_span,
        format!("the MCP server has no tool `{server_name}`"),
    )
    .with_label("not in the server's `tools/list`")
    .with_note("calls to this tool can never reach the server; the policy decides nothing useful");
    if let Some(near) = closest(server_name, server.iter().map(|t| t.name.as_str())) {
        d = d.with_help(format!("the server has `{near}`"));
    }
    d
}

fn compare_tool(program: &Program, tool: &ToolDecl, st: &ServerTool, out: &mut Vec<Diagnostic>) {
    for p in &tool.params {
        match st.params.iter().find(|sp| sp.name == p.name) {
            None => {
                let mut d = Diagnostic::new(
                    Code::W0602,
                    p.span,
                    format!(
                        "the MCP server's `{}` has no parameter `{}`",
                        st.name, p.name
                    ),
                )
                .with_label("not in the tool's `inputSchema`");
                if let Some(near) = closest(&p.name, st.params.iter().map(|sp| sp.name.as_str())) {
                    d = d.with_help(format!("the server has `{near}`"));
                }
                out.push(d);
            }
            Some(sp) => {
                if let Some(why) = type_difference(program, &p.ty, &sp.ty) {
                    out.push(
                        Diagnostic::new(
                            Code::W0603,
                            p.span,
                            format!(
                                "parameter `{}` is `{}` here but {} on the MCP server",
                                p.name,
                                type_text(program, &p.ty),
                                schema_text(&sp.ty)
                            ),
                        )
                        .with_label(why),
                    );
                }
            }
        }
    }
    let missing: Vec<&str> = st
        .params
        .iter()
        .filter(|sp| sp.required && tool.param(&sp.name).is_none())
        .map(|sp| sp.name.as_str())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(
            Diagnostic::new(
                Code::W0604,
                tool.info.name_span,
                format!("the MCP server requires {list}, which this declaration lacks"),
            )
            .with_label("every correct call carries it and is denied as an unknown argument")
            .with_help(
                "declare the parameter (`guardc import mcp` writes the server's declarations)",
            ),
        );
    }
}

/// Why the policy's type and the server's schema disagree, or `None` when
/// every value the policy lets through is one the server accepts and the
/// other way round (as far as Guard's types can say).
fn type_difference(program: &Program, ours: &Type, theirs: &ParamType) -> Option<String> {
    match (ours, theirs) {
        // Nothing to hold either side to.
        (Type::Json, _) | (_, ParamType::Any(_)) => None,
        (Type::Bool, ParamType::Bool) => None,
        (Type::Int, ParamType::Int | ParamType::Number) => None,
        (Type::Str | Type::Path | Type::Url, ParamType::Str { .. }) => None,
        (Type::Str, ParamType::Enum(_)) => None,
        (Type::Enum(e), ParamType::Enum(variants)) => {
            let ours: Vec<&str> = program.enums[e.index()]
                .variants
                .iter()
                .map(String::as_str)
                .collect();
            let extra: Vec<&str> = ours
                .iter()
                .copied()
                .filter(|v| !variants.iter().any(|s| s == v))
                .collect();
            let lacking: Vec<&str> = variants
                .iter()
                .map(String::as_str)
                .filter(|v| !ours.contains(v))
                .collect();
            if !extra.is_empty() {
                Some(format!("the server rejects {}", quoted(&extra)))
            } else if !lacking.is_empty() {
                Some(format!("calls with {} are denied", quoted(&lacking)))
            } else {
                None
            }
        }
        // A policy enum over a free string only narrows what is allowed.
        (Type::Enum(_), ParamType::Str { .. }) => None,
        (Type::List(a), ParamType::List(b)) => type_difference(program, a, b),
        _ => Some(
            "the arguments the server expects do not fit this type, so their calls are denied"
                .into(),
        ),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn type_text(program: &Program, ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Int | Type::IntRange(..) => "int".into(),
        Type::Str => "str".into(),
        Type::Path => "path".into(),
        Type::Url => "url".into(),
        Type::Json => "json".into(),
        Type::Enum(e) => format!(
            "enum {{ {} }}",
            program.enums[e.index()].variants.join(", ")
        ),
        Type::List(t) => format!("list<{}>", type_text(program, t)),
        Type::Duration | Type::EmptyList | Type::Error => "?".into(),
    }
}

fn schema_text(ty: &ParamType) -> String {
    match ty {
        ParamType::Bool => "a `boolean`".into(),
        ParamType::Int => "an `integer`".into(),
        ParamType::Number => "a `number`".into(),
        ParamType::Str { .. } => "a `string`".into(),
        ParamType::Enum(vs) => {
            let names: Vec<&str> = vs.iter().map(String::as_str).collect();
            format!("one of {}", quoted(&names))
        }
        ParamType::List(t) => format!(
            "an `array` of {}",
            schema_text(t)
                .trim_start_matches("a ")
                .trim_start_matches("an ")
        ),
        ParamType::Any(why) => why.clone(),
    }
}

/// The candidate nearest to `name` by edit distance, if it is near enough
/// to be a likely misspelling.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        // Very short names are too alike to suggest one for another.
        .filter(|(d, c)| {
            name.len() >= 3 && c.len() >= 3 && *d <= name.len().max(c.len()).div_ceil(3)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_check::{check_source, RealFs};

    /// The ```guard and ```json blocks of a Markdown text, in order.
    fn blocks(markdown: &str, lang: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        let fence = format!("```{lang}");
        for line in markdown.lines() {
            match &mut current {
                None if line.trim_start() == fence => current = Some(String::new()),
                None => {}
                Some(_) if line.trim_start().starts_with("```") => out.extend(current.take()),
                Some(text) => {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        out
    }

    fn codes_for(policy: &str, manifest: &str) -> Vec<Code> {
        let checked = check_source("example.guard", policy, &RealFs);
        assert_eq!(
            checked.error_count(),
            0,
            "{policy}: {:?}",
            checked.diagnostics
        );
        let server = crate::mcp::tools::parse_file("manifest.json", manifest).unwrap();
        let program = checked.policies[0].program.as_ref().unwrap();
        compare(program, &server, "")
            .iter()
            .map(|d| d.code)
            .collect()
    }

    /// The manifest codes' explanations are held to the rule every other
    /// explanation is (compiler/cli/tests/explanations.rs): the example
    /// reports its code, the fix does not, here against the explanation's
    /// ```json manifest.
    #[test]
    fn every_manifest_example_triggers_its_code_and_every_fix_does_not() {
        let codes = [Code::W0601, Code::W0602, Code::W0603, Code::W0604];
        for code in codes {
            let text = code.info().explanation;
            let guard = blocks(text, "guard");
            let json = blocks(text, "json");
            let (Some(example), Some(fix), Some(manifest)) =
                (guard.first(), guard.get(1), json.first())
            else {
                panic!("{code}: needs an example, a fix and a json manifest");
            };
            assert!(
                codes_for(example, manifest).contains(&code),
                "{code}: example"
            );
            assert!(!codes_for(fix, manifest).contains(&code), "{code}: fix");
        }
    }

    #[test]
    fn prefixes_select_and_strip() {
        assert_eq!(normalise_prefix("everything"), "everything.");
        assert_eq!(normalise_prefix("everything."), "everything.");
        assert_eq!(normalise_prefix(""), "");
        assert_eq!(closest("echoo", ["echo", "add"].into_iter()), Some("echo"));
        assert_eq!(closest("zzz", ["echo"].into_iter()), None);
        assert_eq!(closest("ehco", ["echo", "add"].into_iter()), Some("echo"));
        assert_eq!(closest("c", ["a"].into_iter()), None);
    }
}
