//! Turning lalrpop's parse errors into diagnostics people can act on.
//!
//! lalrpop reports the terminals it expected by their names in the grammar
//! (`"\";\""`, `IDENT`). Here they become readable (`` `;` ``, `a name`),
//! contextual keywords are folded into "a name" when a name is expected
//! anyway, the usual expression starters are folded into "an expression",
//! and the list is capped. Errors at the end of a chunk become E0011 and
//! point just after the last token, where the missing `;` or `}` belongs.

use guard_diagnostics::{Code, Diagnostic, FileId, Span};
use lalrpop_util::ParseError;

use super::actions::GrammarError;
use super::Sig;
use crate::lex::{token_text, Token};

/// What the error mapping needs to know about the chunk that failed.
pub(crate) struct ChunkContext<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub tokens: &'a [Sig],
    /// Whether the chunk runs to the end of the file.
    pub at_eof: bool,
    /// The first token after the chunk, if any.
    pub next: Option<&'a Sig>,
}

/// How many expected alternatives a message lists before "…".
const MAX_EXPECTED: usize = 6;

/// Terminals that can start an expression, as lalrpop names them.
const EXPR_START: &[&str] = &[
    "\"!\"",
    "\"-\"",
    "\"(\"",
    "\"[\"",
    "\"context\"",
    "\"has\"",
    "\"true\"",
    "\"false\"",
    "INT",
    "STRING",
    "DURATION",
    "IDENT",
];

/// Operators that would only continue an expression; listed only when
/// nothing else was expected, since "expected `;`" is the useful part.
const OPERATORS: &[&str] = &[
    "\"||\"",
    "\"&&\"",
    "\"==\"",
    "\"!=\"",
    "\"<\"",
    "\"<=\"",
    "\">\"",
    "\">=\"",
    "\"+\"",
    "\"-\"",
    "\"in\"",
    "\"matches\"",
];

/// Contextual keywords as lalrpop names them; folded into "a name".
const CONTEXTUAL: &[&str] = &[
    "\"to\"",
    "\"with\"",
    "\"matching\"",
    "\"labels\"",
    "\"effects\"",
    "\"expect\"",
    "\"approved\"",
    "\"rejected\"",
    "\"state\"",
    "\"default\"",
    "\"on\"",
    "\"output\"",
    "\"glob\"",
    "\"regex\"",
    "\"effect\"",
];

pub(crate) fn parse_error(
    ctx: &ChunkContext<'_>,
    err: ParseError<usize, Token, GrammarError>,
) -> Diagnostic {
    match err {
        ParseError::UnrecognizedToken {
            token: (l, token, r),
            expected,
        } => unexpected_token(ctx, l, r, &token, &expected),
        ParseError::UnrecognizedEof { expected, .. } => unexpected_end(ctx, &expected),
        ParseError::ExtraToken {
            token: (l, token, r),
        } => unexpected_token(ctx, l, r, &token, &[]),
        ParseError::InvalidToken { location } => {
            let span = Span::new(ctx.file, location, location);
            Diagnostic::new(Code::E0010, span, "invalid token").with_label("not a token")
        }
        ParseError::User { error } => {
            Diagnostic::new(Code::E0010, error.span, error.message).with_label("here")
        }
    }
}

/// What kind of item a chunk was meant to be, from its first token.
fn item_kind(ctx: &ChunkContext<'_>) -> &'static str {
    match ctx.tokens.first().map(|s| &s.token) {
        Some(Token::Policy) => "policy header",
        Some(Token::Use) => "`use` declaration",
        Some(Token::Label) => "label declaration",
        Some(Token::Effect) => "effect declaration",
        Some(Token::Tool) => "tool declaration",
        Some(Token::Attr) => "attribute declaration",
        Some(Token::State) => "state declaration",
        Some(Token::Gate) => "gate declaration",
        Some(Token::Channel) => "channel declaration",
        Some(Token::Default) => "`default` declaration",
        Some(Token::Allow | Token::Deny | Token::Escalate | Token::Redact) => "rule",
        Some(Token::On) => "`on` block",
        Some(Token::Assert) => "assertion",
        Some(Token::Test) => "test",
        _ => "item",
    }
}

/// A short, one-line rendering of a token for "found ..." messages.
fn describe(ctx: &ChunkContext<'_>, l: usize, r: usize, token: &Token) -> String {
    let source = token_text(ctx.text, Span::new(ctx.file, l, r));
    let mut shown: String = source.chars().take(24).collect();
    if shown.len() < source.len() {
        shown.push('…');
    }
    let shown = shown.replace('`', "'");
    if token.is_reserved() {
        format!("keyword `{shown}`")
    } else {
        format!("`{shown}`")
    }
}

/// Readable, deduplicated, capped list of what was expected.
fn readable_expected(expected: &[String]) -> Vec<String> {
    let has = |name: &str| expected.iter().any(|e| e == name);
    let expression = ["INT", "STRING", "DURATION", "IDENT", "\"(\""]
        .iter()
        .all(|n| has(n));
    let name = has("IDENT");
    // `<` also opens `list<T>`; only an expected `&&` or `||` shows that the
    // parser is in the middle of an expression.
    let after_expression = has("\"&&\"") || has("\"||\"");
    let drop_operators =
        after_expression && !expected.iter().all(|e| OPERATORS.contains(&e.as_str()));
    let mut out: Vec<String> = Vec::new();
    if has("\";\"") {
        out.push("`;`".to_string());
    }
    for e in expected {
        if e == "\";\"" || (expression && EXPR_START.contains(&e.as_str())) {
            continue;
        }
        if name && CONTEXTUAL.contains(&e.as_str()) {
            continue;
        }
        if drop_operators && OPERATORS.contains(&e.as_str()) {
            continue;
        }
        let readable = match e.as_str() {
            "IDENT" => "a name".to_string(),
            "INT" => "an integer".to_string(),
            "STRING" => "a string".to_string(),
            "DURATION" => "a duration".to_string(),
            quoted => format!(
                "`{}`",
                quoted
                    .strip_prefix('"')
                    .and_then(|q| q.strip_suffix('"'))
                    .unwrap_or(quoted)
            ),
        };
        if !out.contains(&readable) {
            out.push(readable);
        }
    }
    if expression {
        out.push("an expression".to_string());
    }
    out
}

/// "`;`", "`;` or `,`", "one of `;`, `,` or a name", capped with "…".
fn one_of(items: &[String]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ if items.len() > MAX_EXPECTED => {
            let shown = items.get(..MAX_EXPECTED).unwrap_or(items).join(", ");
            format!("one of {shown}, …")
        }
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
    }
}

fn unexpected_token(
    ctx: &ChunkContext<'_>,
    l: usize,
    r: usize,
    token: &Token,
    expected: &[String],
) -> Diagnostic {
    let span = Span::new(ctx.file, l, r);
    let found = describe(ctx, l, r, token);
    let at_start = ctx
        .tokens
        .first()
        .is_some_and(|s| s.span.start as usize == l);
    if at_start {
        let mut diag = Diagnostic::new(Code::E0010, span, format!("expected an item, found {found}"))
            .with_label("not the start of an item")
            .with_help(
                "items start with a keyword such as `tool`, `state`, `allow`, `deny`, `on`, `assert` or `test`",
            );
        if *token == Token::Semi {
            diag =
                diag.with_help("remove this extra `;`")
                    .with_fix("remove the extra `;`", span, "");
        }
        return diag;
    }
    if expected.is_empty() {
        let kind = item_kind(ctx);
        return Diagnostic::new(
            Code::E0010,
            span,
            format!("expected a new item after the end of the {kind}, found {found}"),
        )
        .with_label(format!("the {kind} already ended"));
    }

    let list = readable_expected(expected);
    let message = format!("expected {}, found {found}", one_of(&list));
    let prev = ctx
        .tokens
        .iter()
        .take_while(|s| (s.span.start as usize) < l)
        .last();
    let wants = |name: &str| expected.iter().any(|e| e == name);

    // A `;` missing at the end of a line is reported where it belongs, as
    // rustc does, rather than at the first token of the next line.
    let line_end = prev.filter(|p| {
        wants("\";\"")
            && ctx
                .text
                .get(p.span.end as usize..l)
                .is_some_and(|gap| gap.contains('\n'))
    });
    if let Some(p) = line_end {
        let at = p.span.after();
        return Diagnostic::new(Code::E0010, at, message)
            .with_label("expected `;` here")
            .with_secondary(span, format!("unexpected {found}"))
            .with_fix("insert `;`", at, ";");
    }

    let mut diag =
        Diagnostic::new(Code::E0010, span, message).with_label(format!("unexpected {found}"));
    if *token == Token::Eq && wants("\"==\"") {
        diag = diag.with_help("to compare two values, write `==`");
    }
    if *token == Token::EqEq && wants("\"=\"") {
        diag = diag.with_help("to assign a value, write `=`");
    }

    let wants_name = expected.iter().any(|e| e == "IDENT");
    if wants_name && token.is_reserved() {
        if let Some(word) = token.fixed_text() {
            diag = diag.with_help(format!(
                "`{word}` is a reserved word; to use it as a name, write it in backticks"
            ));
        }
    }
    match (prev.map(|s| &s.token), token) {
        (Some(Token::Output), Token::Dot) => {
            diag = diag.with_help(
                "`output` starts an output target here; a tool named `output` must be written in backticks",
            );
        }
        (Some(Token::Expect), Token::Dot) => {
            diag = diag.with_help(
                "`expect` starts an expectation here; a tool named `expect` must be written in backticks",
            );
        }
        _ => {}
    }
    diag
}

fn unexpected_end(ctx: &ChunkContext<'_>, expected: &[String]) -> Diagnostic {
    let end = ctx.tokens.last().map_or(0, |s| s.span.end as usize);
    let span = Span::new(ctx.file, end, end);
    let kind = item_kind(ctx);
    let wants_semi = expected.iter().any(|e| e == "\";\"");
    let mut diag = if wants_semi {
        Diagnostic::new(Code::E0011, span, format!("expected `;` after the {kind}"))
            .with_label("add `;` here")
            .with_fix("insert `;`", span, ";")
    } else {
        let list = readable_expected(expected);
        let found = if ctx.at_eof {
            "the end of the file".to_string()
        } else {
            format!("the end of the {kind}")
        };
        Diagnostic::new(
            Code::E0011,
            span,
            format!("expected {}, found {found}", one_of(&list)),
        )
        .with_label(format!("the {kind} is incomplete here"))
    };
    if let Some(next) = ctx.next {
        let shown = describe(
            ctx,
            next.span.start as usize,
            next.span.end as usize,
            &next.token,
        );
        diag = diag.with_secondary(next.span, format!("{shown} starts the next item"));
    }
    diag
}
