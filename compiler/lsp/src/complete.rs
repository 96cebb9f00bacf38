//! Completion. The cursor's context comes from the tokens before it (the
//! text being typed is usually not a complete item, so the AST cannot
//! say); the candidates come from the symbol index of the last analysis,
//! which still holds every declaration that parses.

use guard_syntax::lex::{tokenize, Token};
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use crate::analysis::Analysis;
use crate::index::{DefId, DefKind};

/// Words that start an item.
const ITEM_KEYWORDS: &[&str] = &[
    "policy", "use", "label", "effect", "tool", "attr", "state", "gate", "channel", "default",
    "allow", "deny", "escalate", "redact", "on", "assert", "test",
];

/// Words that fit inside a condition.
const EXPR_KEYWORDS: &[&str] = &["context", "has", "in", "matches", "true", "false"];

/// What the cursor is positioned to write.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    ItemStart,
    Tool,
    Gate,
    Label,
    Effect,
    Channel,
    Module,
    /// A value in a condition, with the tools whose parameters are in scope.
    Value(Vec<String>),
    TestStep,
    Anything,
}

pub fn complete(a: &Analysis, offset: u32) -> Vec<CompletionItem> {
    let text = a.root_text();
    let end = (offset as usize).min(text.len());
    let mut end = end;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = text.get(..end).unwrap_or("");
    let (tokens, _) = tokenize(a.root, before);
    let toks: Vec<Token> = tokens
        .into_iter()
        .filter(|(t, _)| !t.is_trivia())
        .map(|(t, _)| t)
        .collect();
    let ctx = context(&toks, before);
    let mut out = Vec::new();
    match ctx {
        Context::ItemStart => keywords(&mut out, ITEM_KEYWORDS),
        Context::Tool => defs(a, &mut out, DefKind::Tool),
        Context::Gate => defs(a, &mut out, DefKind::Gate),
        Context::Label => defs(a, &mut out, DefKind::Label),
        Context::Effect => defs(a, &mut out, DefKind::Effect),
        Context::Channel => defs(a, &mut out, DefKind::Channel),
        Context::Module => {
            for m in guard_check::stdlib_module_names() {
                out.push(CompletionItem {
                    label: m.to_string(),
                    kind: Some(CompletionItemKind::MODULE),
                    ..CompletionItem::default()
                });
            }
        }
        Context::Value(tools) => {
            for t in &tools {
                if let Some(id) = a.index.tool(t) {
                    for p in a.index.params_of(id) {
                        push_def(a, &mut out, p);
                    }
                }
            }
            defs(a, &mut out, DefKind::State);
            defs(a, &mut out, DefKind::Attr);
            for (f, _) in guard_check::hir::Builtin::ALL {
                out.push(CompletionItem {
                    label: (*f).to_string(),
                    kind: Some(CompletionItemKind::FUNCTION),
                    detail: Some("built-in function".into()),
                    ..CompletionItem::default()
                });
            }
            keywords(&mut out, EXPR_KEYWORDS);
        }
        Context::TestStep => {
            defs(a, &mut out, DefKind::Tool);
            keywords(&mut out, &["expect", "output"]);
        }
        Context::Anything => {
            keywords(&mut out, ITEM_KEYWORDS);
            defs(a, &mut out, DefKind::Tool);
            defs(a, &mut out, DefKind::State);
            defs(a, &mut out, DefKind::Attr);
        }
    }
    // One entry per label: a name declared twice (a duplicate the checker
    // reports) is offered once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert((c.label.clone(), format!("{:?}", c.kind))));
    out
}

fn context(toks: &[Token], before: &str) -> Context {
    // Skip the word being typed: a name or keyword, possibly dotted
    // (`mail.se`), so the context is what comes before it.
    let mut i = toks.len();
    let typing = before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '`');
    let word = |t: &Token| t.name_text().is_some() || t.is_reserved();
    if toks.last() == Some(&Token::Dot) {
        i -= 1;
        if i > 0 && word(&toks[i - 1]) {
            i -= 1;
        }
    } else if typing && toks.last().is_some_and(word) {
        i -= 1;
    }
    while i >= 2 && toks[i - 1] == Token::Dot && word(&toks[i - 2]) {
        i -= 2;
    }
    let prev = &toks[..i];
    let last = prev.last();
    let item = current_item(prev);
    let first = item.first();
    let in_test = matches!(first, Some(Token::Test));
    let in_assert = matches!(first, Some(Token::Assert));
    match last {
        None | Some(Token::Semi) if !in_test || last.is_none() => return Context::ItemStart,
        Some(Token::RBrace) if item.is_empty() => return Context::ItemStart,
        _ => {}
    }
    if matches!(first, Some(Token::Use)) {
        return if prev
            .iter()
            .rev()
            .take_while(|t| **t != Token::Use)
            .any(|t| *t == Token::LBrace)
        {
            Context::Label
        } else {
            Context::Module
        };
    }
    match last {
        Some(Token::To | Token::Approved) => return Context::Gate,
        Some(Token::Escalate)
            if matches!(prev.get(prev.len().wrapping_sub(2)), Some(Token::FatArrow)) =>
        {
            return Context::Gate
        }
        Some(Token::Has)
            if matches!(prev.get(prev.len().wrapping_sub(2)), Some(Token::Context)) =>
        {
            return Context::Label
        }
        Some(Token::Output) => return Context::Channel,
        Some(
            Token::Allow
            | Token::Deny
            | Token::Escalate
            | Token::On
            | Token::Never
            | Token::Possible,
        ) => return Context::Tool,
        Some(Token::Squiggle) => return Context::Tool,
        Some(Token::Arrow) if in_assert => return Context::Tool,
        _ => {}
    }
    // Inside `labels [..]` or `effects [..]`.
    if let Some(open) = prev.iter().rposition(|t| *t == Token::LBracket) {
        if !prev[open..].contains(&Token::RBracket) {
            match open.checked_sub(1).and_then(|j| prev.get(j)) {
                Some(Token::Labels) => return Context::Label,
                Some(Token::Effects) => return Context::Effect,
                _ => {}
            }
        }
    }
    if in_test {
        let depth: i32 = item
            .iter()
            .map(|t| match t {
                Token::LBrace => 1,
                Token::RBrace => -1,
                _ => 0,
            })
            .sum();
        let in_args = item
            .iter()
            .map(|t| match t {
                Token::LParen => 1,
                Token::RParen => -1,
                _ => 0,
            })
            .sum::<i32>()
            > 0;
        if depth > 0 && matches!(last, Some(Token::LBrace | Token::Semi)) {
            return Context::TestStep;
        }
        if !in_args {
            return Context::Value(Vec::new());
        }
    }
    if item
        .iter()
        .any(|t| matches!(t, Token::When | Token::LBrace | Token::Eq))
        || in_test
    {
        return Context::Value(target_tools(item));
    }
    if item.is_empty() {
        return Context::ItemStart;
    }
    Context::Anything
}

/// The tokens of the item the cursor is in. Scanning forwards, an item
/// ends at a `;` at depth zero or at the `}` that closes a braced item
/// (`test`, `gate`, `on`), and a new one starts at a word that only ever
/// starts an item, so a half-typed line without its `;` does not swallow
/// the next one.
fn current_item(toks: &[Token]) -> &[Token] {
    let mut start = 0;
    let mut depth = 0i32;
    let mut groups = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Token::LBrace | Token::LParen | Token::LBracket => depth += 1,
            Token::RBrace | Token::RParen | Token::RBracket => {
                depth = (depth - 1).max(0);
                if depth == 0 && *t == Token::RBrace {
                    groups += 1;
                    let item = &toks[start..i];
                    let closes = match item.first() {
                        Some(Token::Test | Token::Gate) => true,
                        Some(Token::On) => {
                            groups == 1 + usize::from(item.get(1) == Some(&Token::LBrace))
                        }
                        _ => false,
                    };
                    if closes {
                        start = i + 1;
                        groups = 0;
                    }
                }
            }
            Token::Semi if depth == 0 => {
                start = i + 1;
                groups = 0;
            }
            t if depth == 0 && starts_item(t, i.checked_sub(1).and_then(|j| toks.get(j))) => {
                start = i;
                groups = 0;
            }
            _ => {}
        }
    }
    toks.get(start..).unwrap_or(&[])
}

/// Whether a token at depth zero can only be the first word of an item.
fn starts_item(t: &Token, prev: Option<&Token>) -> bool {
    match t {
        Token::Policy
        | Token::Use
        | Token::Label
        | Token::Tool
        | Token::Attr
        | Token::Gate
        | Token::Channel
        | Token::Assert
        | Token::Test => true,
        Token::Allow | Token::Deny | Token::Escalate | Token::Redact => {
            !matches!(prev, Some(Token::Default | Token::FatArrow))
        }
        _ => false,
    }
}

/// The tool names an item targets: the dotted names right after the
/// verdict (or `on`), or inside its `{..}` set.
fn target_tools(item: &[Token]) -> Vec<String> {
    let start = item.iter().position(|t| {
        matches!(
            t,
            Token::Allow
                | Token::Deny
                | Token::Escalate
                | Token::On
                | Token::Never
                | Token::Possible
                | Token::Squiggle
                | Token::Arrow
        )
    });
    let Some(start) = start else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    for t in &item[start + 1..] {
        match t {
            Token::Dot => cur.push('.'),
            Token::LBrace => {}
            Token::Comma => out.push(std::mem::take(&mut cur)),
            t => match t.name_text() {
                Some(n) => cur.push_str(n),
                None => break,
            },
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn keywords(out: &mut Vec<CompletionItem>, words: &[&str]) {
    for w in words {
        out.push(CompletionItem {
            label: (*w).to_string(),
            kind: Some(CompletionItemKind::KEYWORD),
            ..CompletionItem::default()
        });
    }
}

/// The declarations of a kind that the policy can name (stdlib names
/// only when imported).
fn defs(a: &Analysis, out: &mut Vec<CompletionItem>, kind: DefKind) {
    let ids: Vec<DefId> = a
        .index
        .of_kind(kind)
        .filter(|(i, d)| a.index.lookup(kind, &d.name) == Some(*i))
        .map(|(i, _)| i)
        .collect();
    for id in ids {
        push_def(a, out, id);
    }
}

fn push_def(a: &Analysis, out: &mut Vec<CompletionItem>, id: DefId) {
    let Some(d) = a.index.defs.get(id) else {
        return;
    };
    let kind = match d.kind {
        DefKind::Tool => CompletionItemKind::FUNCTION,
        DefKind::Param => CompletionItemKind::FIELD,
        DefKind::State => CompletionItemKind::VARIABLE,
        DefKind::Attr => CompletionItemKind::PROPERTY,
        DefKind::Label | DefKind::Effect => CompletionItemKind::ENUM_MEMBER,
        DefKind::Gate => CompletionItemKind::EVENT,
        DefKind::Channel => CompletionItemKind::INTERFACE,
        DefKind::Policy => CompletionItemKind::MODULE,
        DefKind::Assertion | DefKind::Test => CompletionItemKind::METHOD,
    };
    let detail = match d.kind {
        DefKind::Param => Some(a.snippet_flat(d.item_span)),
        _ => Some(d.kind.word().to_string()),
    };
    out.push(CompletionItem {
        label: d.name.clone(),
        kind: Some(kind),
        detail,
        documentation: d.doc.clone().map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            })
        }),
        ..CompletionItem::default()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(src: &str) -> Context {
        let (tokens, _) = tokenize(guard_diagnostics::FileId(0), src);
        let toks: Vec<Token> = tokens
            .into_iter()
            .filter(|(t, _)| !t.is_trivia())
            .map(|(t, _)| t)
            .collect();
        context(&toks, src)
    }

    #[test]
    fn contexts() {
        assert_eq!(ctx(""), Context::ItemStart);
        assert_eq!(ctx("allow a;\n"), Context::ItemStart);
        assert_eq!(ctx("allow "), Context::Tool);
        assert_eq!(ctx("allow mail.se"), Context::Tool);
        assert_eq!(ctx("escalate x to "), Context::Gate);
        assert_eq!(ctx("deny x when context has "), Context::Label);
        assert_eq!(
            ctx("deny mail.send when "),
            Context::Value(vec!["mail.send".into()])
        );
        assert_eq!(
            ctx("deny {a, b.c} when x && "),
            Context::Value(vec!["a".into(), "b.c".into()])
        );
        assert_eq!(ctx("use "), Context::Module);
        assert_eq!(ctx("use std::labels::{"), Context::Label);
        assert_eq!(ctx("tool t() labels ["), Context::Label);
        assert_eq!(ctx("assert a: never x ~> "), Context::Tool);
        assert_eq!(ctx("assert a: never x unless approved "), Context::Gate);
        assert_eq!(ctx("test \"t\" {\n  "), Context::TestStep);
        assert_eq!(ctx("test \"t\" {\n  a() => escalate "), Context::Gate);
        assert_eq!(ctx("allow output "), Context::Channel);
    }
}
