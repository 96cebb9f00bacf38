//! The document outline (`textDocument/documentSymbol`): one symbol per
//! item of the root file, tools with their parameters as children.

use guard_syntax::ast::{self, ItemKind, Verdict};
use lsp_types::{DocumentSymbol, SymbolKind};

use crate::analysis::Analysis;

pub fn symbols(a: &Analysis) -> Vec<DocumentSymbol> {
    let Some(tree) = a.asts.get(a.root.0 as usize) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &tree.items {
        let name_span = |id: &ast::Ident| id.span;
        let (name, kind, sel, children) = match &item.kind {
            ItemKind::Policy(n) => (
                format!("policy {}", n.text),
                SymbolKind::MODULE,
                name_span(n),
                None,
            ),
            ItemKind::Use(_) => continue,
            ItemKind::Label(ns) | ItemKind::Effect(ns) => {
                let word = if matches!(item.kind, ItemKind::Label(_)) {
                    "label"
                } else {
                    "effect"
                };
                for n in ns {
                    out.push(symbol(
                        a,
                        n.text.clone(),
                        Some(word.into()),
                        SymbolKind::ENUM_MEMBER,
                        item.span,
                        n.span,
                        None,
                    ));
                }
                continue;
            }
            ItemKind::Tool(t) => {
                let params = t
                    .params
                    .iter()
                    .map(|p| {
                        symbol(
                            a,
                            p.name.text.clone(),
                            Some(a.snippet_flat(p.ty.span)),
                            SymbolKind::FIELD,
                            p.span,
                            p.name.span,
                            None,
                        )
                    })
                    .collect();
                (
                    t.name.dotted(),
                    SymbolKind::FUNCTION,
                    t.name.span,
                    Some(params),
                )
            }
            ItemKind::Attr(x) => (x.name.text.clone(), SymbolKind::PROPERTY, x.name.span, None),
            ItemKind::State(x) => (x.name.text.clone(), SymbolKind::VARIABLE, x.name.span, None),
            ItemKind::Gate(g) => (g.name.text.clone(), SymbolKind::EVENT, g.name.span, None),
            ItemKind::Channel(c) => (c.text.clone(), SymbolKind::INTERFACE, c.span, None),
            ItemKind::Default(d) => (
                format!("default {}", if d.allow { "allow" } else { "deny" }),
                SymbolKind::CONSTANT,
                d.verdict_span,
                None,
            ),
            ItemKind::Rule(r) => {
                let verdict = match r.verdict {
                    Verdict::Allow => "allow",
                    Verdict::Deny => "deny",
                    Verdict::Escalate { .. } => "escalate",
                    Verdict::Redact { .. } => "redact",
                };
                (
                    format!("{verdict} {}", a.snippet_flat(r.target.span)),
                    SymbolKind::OPERATOR,
                    r.verdict_span,
                    None,
                )
            }
            ItemKind::On(o) => (
                format!("on {}", a.snippet_flat(o.target.span)),
                SymbolKind::OPERATOR,
                o.target.span,
                None,
            ),
            ItemKind::Assert(x) => (x.name.text.clone(), SymbolKind::BOOLEAN, x.name.span, None),
            ItemKind::Test(t) => (
                format!("test \"{}\"", t.name.value),
                SymbolKind::METHOD,
                t.name.span,
                None,
            ),
        };
        out.push(symbol(a, name, None, kind, item.span, sel, children));
    }
    out
}

fn symbol(
    a: &Analysis,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: guard_diagnostics::Span,
    selection: guard_diagnostics::Span,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    // The protocol requires a non-empty name.
    let name = if name.trim().is_empty() {
        "?".to_string()
    } else {
        name
    };
    #[allow(deprecated)]
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: a.range(span),
        selection_range: a.range(selection),
        children,
    }
}
