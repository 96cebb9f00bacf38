//! Semantic tokens and folding ranges, both from the one logos lexer
//! (`guard_syntax::lex`) so they agree with the compiler on every
//! character: the lexer says what is a keyword, string, number or comment,
//! and the symbol index says what each name means.

use guard_diagnostics::Span;
use guard_syntax::ast::ItemKind;
use guard_syntax::lex::{tokenize, Token};
use lsp_types::{
    FoldingRange, FoldingRangeKind, SemanticToken, SemanticTokenModifier, SemanticTokenType,
    SemanticTokens, SemanticTokensLegend,
};

use crate::analysis::Analysis;
use crate::index::DefKind;

/// Token types, in legend order (the index is what the protocol sends).
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::EVENT,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::TYPE,
    SemanticTokenType::METHOD,
    SemanticTokenType::NAMESPACE,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

const KEYWORD: u32 = 0;
const STRING: u32 = 1;
const NUMBER: u32 = 2;
const COMMENT: u32 = 3;
const FUNCTION: u32 = 4;
const TYPE: u32 = 12;
const DECLARATION: u32 = 1;
const READONLY: u32 = 2;
const DEFAULT_LIBRARY: u32 = 4;

/// The built-in type names, coloured as types where they are not names of
/// something the policy declares.
const BUILTIN_TYPES: &[&str] = &["bool", "int", "str", "path", "url", "json", "list"];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The index of a declaration kind's token type in [`TYPES`].
fn kind_type(kind: DefKind) -> u32 {
    match kind {
        DefKind::Tool => FUNCTION,
        DefKind::Param => 5,
        DefKind::State => 6,
        DefKind::Attr => 7,
        DefKind::Label => 8,
        DefKind::Gate => 9,
        DefKind::Channel => 10,
        DefKind::Effect => 11,
        DefKind::Assertion => 13,
        DefKind::Policy => 14,
        DefKind::Test => STRING,
    }
}

/// Every token of the root file, delta-encoded.
pub fn semantic_tokens(a: &Analysis) -> SemanticTokens {
    let text = a.root_text();
    let (tokens, _) = tokenize(a.root, text);
    // Resolved names in the root, sorted by start; they never overlap.
    let mut names: Vec<(Span, u32, u32)> = Vec::new();
    for (i, d) in a.index.defs.iter().enumerate() {
        if d.span.file == a.root {
            names.push((d.span, kind_type(d.kind), DECLARATION | modifiers(a, i)));
        }
    }
    for r in &a.index.refs {
        if r.span.file == a.root {
            let kind = a.index.defs.get(r.def).map_or(DefKind::Tool, |d| d.kind);
            names.push((r.span, kind_type(kind), modifiers(a, r.def)));
        }
    }
    names.sort_by_key(|(s, _, _)| (s.start, s.end));
    let resolved = |span: Span| {
        let i = names.partition_point(|(s, _, _)| s.start <= span.start);
        let (s, t, m) = names.get(i.checked_sub(1)?)?;
        (s.end >= span.end).then_some((*t, *m))
    };

    let mut out = Encoder::new(a);
    for (i, (tok, span)) in tokens.iter().enumerate() {
        let class = match tok {
            Token::Str(_) => Some((STRING, 0)),
            Token::Int(_) | Token::Duration(_) => Some((NUMBER, 0)),
            Token::DocComment | Token::LineComment | Token::BlockComment => Some((COMMENT, 0)),
            Token::True | Token::False => Some((KEYWORD, 0)),
            Token::Ident(name) => resolved(*span).or_else(|| {
                if BUILTIN_TYPES.contains(&name.as_str()) {
                    Some((TYPE, DEFAULT_LIBRARY))
                } else if matches!(tokens.get(i + 1), Some((Token::LParen, _))) {
                    Some((FUNCTION, DEFAULT_LIBRARY))
                } else {
                    None
                }
            }),
            t if t.is_reserved() => Some((KEYWORD, 0)),
            t if t.is_contextual() => resolved(*span).or(Some((KEYWORD, 0))),
            _ => None,
        };
        if let Some((ty, mods)) = class {
            out.push(span.start as usize, span.end as usize, ty, mods);
        }
    }
    SemanticTokens {
        result_id: None,
        data: out.data,
    }
}

fn modifiers(a: &Analysis, def: usize) -> u32 {
    let Some(d) = a.index.defs.get(def) else {
        return 0;
    };
    let mut m = 0;
    if d.kind == DefKind::Attr {
        m |= READONLY;
    }
    if a.is_stdlib(d.span.file) {
        m |= DEFAULT_LIBRARY;
    }
    m
}

/// Delta encoding, one token per line segment: clients need not support
/// multi-line tokens, so a block comment becomes one token per line.
struct Encoder<'a> {
    a: &'a Analysis,
    data: Vec<SemanticToken>,
    line: u32,
    col: u32,
}

impl<'a> Encoder<'a> {
    fn new(a: &'a Analysis) -> Encoder<'a> {
        Encoder {
            a,
            data: Vec::new(),
            line: 0,
            col: 0,
        }
    }

    fn push(&mut self, start: usize, end: usize, ty: u32, mods: u32) {
        let text = self.a.root_text();
        let mut seg_start = start;
        for piece in text.get(start..end).unwrap_or("").split_inclusive('\n') {
            let body = piece.trim_end_matches(['\n', '\r']);
            let seg_end = seg_start + body.len();
            if !body.is_empty() {
                let range = self.a.range(Span::new(self.a.root, seg_start, seg_end));
                let len = range.end.character.saturating_sub(range.start.character);
                let delta_line = range.start.line.saturating_sub(self.line);
                let delta_start = if delta_line == 0 {
                    range.start.character.saturating_sub(self.col)
                } else {
                    range.start.character
                };
                self.data.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: len,
                    token_type: ty,
                    token_modifiers_bitset: mods,
                });
                self.line = range.start.line;
                self.col = range.start.character;
            }
            seg_start += piece.len();
        }
    }
}

/// Folds: every item spanning several lines, and every run of two or more
/// consecutive comment lines.
pub fn folding_ranges(a: &Analysis) -> Vec<FoldingRange> {
    let mut out = Vec::new();
    let Some(tree) = a.asts.get(a.root.0 as usize) else {
        return out;
    };
    for item in &tree.items {
        let r = a.range(item.span);
        if r.end.line > r.start.line {
            let kind = matches!(item.kind, ItemKind::Use(_)).then_some(FoldingRangeKind::Imports);
            out.push(fold(r.start.line, r.end.line, kind));
        }
    }
    let (tokens, _) = tokenize(a.root, a.root_text());
    let mut run: Option<(u32, u32)> = None;
    for (tok, span) in &tokens {
        if !matches!(tok, Token::LineComment | Token::DocComment) {
            if let Some((s, e)) = run.take() {
                if e > s {
                    out.push(fold(s, e, Some(FoldingRangeKind::Comment)));
                }
            }
            continue;
        }
        let line = a.range(*span).start.line;
        run = match run {
            Some((s, e)) if line == e + 1 => Some((s, line)),
            Some((s, e)) => {
                if e > s {
                    out.push(fold(s, e, Some(FoldingRangeKind::Comment)));
                }
                Some((line, line))
            }
            None => Some((line, line)),
        };
    }
    if let Some((s, e)) = run {
        if e > s {
            out.push(fold(s, e, Some(FoldingRangeKind::Comment)));
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}

fn fold(start: u32, end: u32, kind: Option<FoldingRangeKind>) -> FoldingRange {
    FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind,
        collapsed_text: None,
    }
}
