//! Hovers: what a name is (its declaration as written, its doc comment,
//! where it comes from), and for a rule's verdict keyword, the rule's
//! verdict and reason.

use guard_syntax::ast::{ItemKind, Verdict};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use crate::analysis::Analysis;
use crate::index::{DefId, DefKind};

/// The hover at a byte offset of the root file.
pub fn hover(a: &Analysis, offset: u32) -> Option<Hover> {
    if let Some((def, span)) = a.index.at(a.root, offset) {
        return Some(Hover {
            contents: markdown(describe(a, def)?),
            range: Some(a.range(span)),
        });
    }
    let rule = a
        .index
        .rules
        .iter()
        .find(|r| r.verdict_span.file == a.root && r.verdict_span.contains(offset))?;
    let item = a.item_at(rule.item_span)?;
    let ItemKind::Rule(r) = &item.kind else {
        return None;
    };
    let verdict = match &r.verdict {
        Verdict::Allow => "allow".to_string(),
        Verdict::Deny => "deny".to_string(),
        Verdict::Escalate { gate } => format!("escalate to gate `{}`", gate.text),
        Verdict::Redact { .. } => "redact matching output".to_string(),
    };
    let mut text = format!(
        "```guard\n{}\n```\n\n**Verdict:** {verdict}",
        a.snippet_flat(rule.item_span)
    );
    match &r.because {
        Some(b) => text.push_str(&format!("\n\n**Reason:** {}", b.value)),
        None => text.push_str("\n\n*No reason given (`because \"...\"`).*"),
    }
    Some(Hover {
        contents: markdown(text),
        range: Some(a.range(rule.verdict_span)),
    })
}

/// Markdown describing a declaration.
pub fn describe(a: &Analysis, id: DefId) -> Option<String> {
    let def = a.index.defs.get(id)?;
    let signature = match def.kind {
        DefKind::Test => format!("test {}", a.checked.sources.snippet(def.span)),
        DefKind::Label | DefKind::Effect if a.snippet_flat(def.item_span).contains(',') => {
            format!("{} {};", def.kind.word(), def.name)
        }
        _ => a.snippet_flat(def.item_span),
    };
    let mut text = format!("```guard\n{signature}\n```");
    if let Some(doc) = &def.doc {
        text.push_str("\n\n---\n\n");
        text.push_str(doc.trim_end());
    }
    let mut facts = Vec::new();
    if let Some(parent) = def.parent.and_then(|p| a.index.defs.get(p)) {
        facts.push(format!("parameter of tool `{}`", parent.name));
    }
    if def.kind == DefKind::Tool {
        let n = a.index.params_of(id).count();
        facts.push(format!("{n} parameter{}", if n == 1 { "" } else { "s" }));
    }
    let file = def.span.file;
    if a.is_stdlib(file) || a.checked.sources.name(file).starts_with("std::") {
        facts.push(format!(
            "{} from the standard library (`{}`)",
            def.kind.word(),
            a.checked.sources.name(file)
        ));
    } else if file != a.root {
        facts.push(format!(
            "{} declared in `{}`",
            def.kind.word(),
            a.checked.sources.name(file)
        ));
    }
    if !facts.is_empty() {
        text.push_str("\n\n---\n\n");
        text.push_str(&facts.join("; "));
    }
    Some(text)
}

fn markdown(value: String) -> HoverContents {
    HoverContents::Markup(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}
