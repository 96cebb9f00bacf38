//! Unit tests of the lexer: every token class, values, trivia, spans and
//! each lexical error code.

use super::*;

const F: FileId = FileId(0);

/// The non-trivia tokens of `src`, failing on any diagnostic.
fn toks(src: &str) -> Vec<Token> {
    let (tokens, diags) = tokenize(F, src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:#?}"
    );
    tokens
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| !t.is_trivia())
        .collect()
}

/// The codes of the diagnostics for `src`.
fn codes(src: &str) -> Vec<Code> {
    tokenize(F, src).1.into_iter().map(|d| d.code).collect()
}

fn id(s: &str) -> Token {
    Token::Ident(s.to_string())
}

#[test]
fn keywords_and_names() {
    assert_eq!(
        toks("policy tool allow context state output effect expect x _y z9"),
        [
            Token::Policy,
            Token::Tool,
            Token::Allow,
            Token::Context,
            Token::State,
            Token::Output,
            Token::Effect,
            Token::Expect,
            id("x"),
            id("_y"),
            id("z9"),
        ]
    );
    // Keywords are whole words only.
    assert_eq!(
        toks("policyx tools allowed"),
        [id("policyx"), id("tools"), id("allowed")]
    );
    assert!(Token::Test.is_reserved() && !Token::Test.is_contextual());
    assert!(Token::Output.is_contextual() && !Token::Output.is_reserved());
    assert_eq!(Token::Labels.name_text(), Some("labels"));
    assert_eq!(Token::Label.name_text(), None);
}

#[test]
fn backtick_names() {
    assert_eq!(
        toks("`get-env` `test` `a b.c`"),
        [id("get-env"), id("test"), id("a b.c")]
    );
    assert_eq!(codes("``"), [Code::E0005]);
    assert_eq!(codes("`get-env\ntool"), [Code::E0005]);
    let (tokens, _) = tokenize(F, "`oops\ntool");
    assert_eq!(tokens.last().map(|t| &t.0), Some(&Token::Tool));
}

#[test]
fn punctuation() {
    assert_eq!(
        toks("; , : :: . .. * ( ) { } [ ] < > <= >= == != = ! && || + - -> ~> => ?"),
        [
            Token::Semi,
            Token::Comma,
            Token::Colon,
            Token::ColonColon,
            Token::Dot,
            Token::DotDot,
            Token::Star,
            Token::LParen,
            Token::RParen,
            Token::LBrace,
            Token::RBrace,
            Token::LBracket,
            Token::RBracket,
            Token::Lt,
            Token::Gt,
            Token::Le,
            Token::Ge,
            Token::EqEq,
            Token::Ne,
            Token::Eq,
            Token::Bang,
            Token::AndAnd,
            Token::OrOr,
            Token::Plus,
            Token::Minus,
            Token::Arrow,
            Token::Squiggle,
            Token::FatArrow,
            Token::Question,
        ]
    );
    assert_eq!(toks("0..5"), [Token::Int(0), Token::DotDot, Token::Int(5)]);
    assert_eq!(toks("-3"), [Token::Minus, Token::Int(3)]);
}

#[test]
fn numbers_and_durations() {
    assert_eq!(
        toks("0 42 007 9223372036854775807"),
        [
            Token::Int(0),
            Token::Int(42),
            Token::Int(7),
            Token::Int(i64::MAX)
        ]
    );
    assert_eq!(
        toks("500ms 30s 15m 2h 1d"),
        [
            Token::Duration(500),
            Token::Duration(30_000),
            Token::Duration(900_000),
            Token::Duration(7_200_000),
            Token::Duration(86_400_000),
        ]
    );
    assert_eq!(codes("9223372036854775808"), [Code::E0006]);
    assert_eq!(codes("99999999999999999999"), [Code::E0006]);
    assert_eq!(codes("999999999999999999d"), [Code::E0006]);
    assert_eq!(codes("15min 3x"), [Code::E0003, Code::E0003]);
}

#[test]
fn strings_and_escapes() {
    assert_eq!(
        toks(r#""" "a b" "q\"\\\n\t\r\0" "\u{e9}\u{1F600}" "é""#),
        [
            Token::Str(String::new()),
            Token::Str("a b".into()),
            Token::Str("q\"\\\n\t\r\0".into()),
            Token::Str("\u{e9}\u{1F600}".into()),
            Token::Str("é".into()),
        ]
    );
    let (tokens, diags) = tokenize(F, r#""\d+\.x""#);
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::E0002, Code::E0002]
    );
    assert_eq!(
        diags[0]
            .help
            .as_deref()
            .map(|h| h.contains(r"in a regex write `\\d`")),
        Some(true)
    );
    assert_eq!(&r#""\d+\.x""#[diags[0].span().range()], r"\d");
    // The value keeps the bad escape as written.
    assert_eq!(tokens[0].0, Token::Str(r"\d+\.x".into()));
    for bad in [
        r#""\u{}""#,
        r#""\u{110000}""#,
        r#""\u{d800}""#,
        r#""\u{1234567}""#,
        r#""\u00e9""#,
        r#""\u{zz}""#,
    ] {
        assert_eq!(codes(bad), [Code::E0002], "{bad}");
    }
}

#[test]
fn unterminated_strings_stop_at_the_line_end() {
    let (tokens, diags) = tokenize(F, "\"abc\ndeny;");
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::E0001]
    );
    let kinds: Vec<&Token> = tokens.iter().map(|t| &t.0).collect();
    assert_eq!(
        kinds,
        [&Token::Str("abc".into()), &Token::Deny, &Token::Semi]
    );
    assert_eq!(codes("\"abc\\"), [Code::E0001]);
    assert_eq!(codes("\"abc\\\n\""), [Code::E0001, Code::E0001]);
}

#[test]
fn comments_are_trivia() {
    let src = "/// doc\n//// not doc\n// line\n/* a /* nested */ still */ x ///\n";
    let (tokens, diags) = tokenize(F, src);
    assert!(diags.is_empty());
    let kinds: Vec<&Token> = tokens.iter().map(|t| &t.0).collect();
    assert_eq!(
        kinds,
        [
            &Token::DocComment,
            &Token::LineComment,
            &Token::LineComment,
            &Token::BlockComment,
            &id("x"),
            &Token::DocComment,
        ]
    );
    assert_eq!(token_text(src, tokens[3].1), "/* a /* nested */ still */");
    assert_eq!(doc_text(token_text(src, tokens[0].1)), "doc");
    assert_eq!(codes("/* a /* b */"), [Code::E0004]);
    assert_eq!(codes("/*/"), [Code::E0004]);
    assert!(codes("/**/").is_empty());
}

#[test]
fn stray_characters_one_diagnostic_per_run() {
    let (tokens, diags) = tokenize(F, "a @#$ b é c");
    assert_eq!(
        diags.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::E0003, Code::E0003]
    );
    assert_eq!(diags[0].message, "unexpected characters `@#$`");
    assert_eq!(diags[1].message, "unexpected character `é`");
    assert_eq!(tokens.iter().filter(|t| t.0 == Token::Error).count(), 2);
    assert_eq!(&"a @#$ b é c"[diags[1].span().range()], "é");
}

#[test]
fn spans_are_bytes_on_char_boundaries() {
    let src = "é \"ü\" `ß` ∀x";
    let (tokens, diags) = tokenize(F, src);
    for (_, span) in &tokens {
        assert!(
            src.is_char_boundary(span.start as usize) && src.is_char_boundary(span.end as usize)
        );
    }
    assert_eq!(token_text(src, tokens[1].1), "\"ü\"");
    assert_eq!(diags.len(), 2);
}

#[test]
fn every_diagnostic_message_is_lower_case_with_a_label() {
    let src = "\"\\q\" \"open\n`` `x\n@ 9999999999999999999 15min /*";
    let (_, diags) = tokenize(F, src);
    assert_eq!(diags.len(), 8, "{diags:#?}");
    for d in diags {
        let first = d.message.chars().next().unwrap_or('x');
        assert!(
            !first.is_uppercase() && !d.message.ends_with('.'),
            "{}",
            d.message
        );
        assert!(!d.primary.message.is_empty(), "{d:?}");
    }
}
