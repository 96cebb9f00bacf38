//! Unit tests of the parser: every construct's tree (as compact
//! S-expressions), contextual keywords as names, doc comments, recovery and
//! the wording of syntax errors.

use super::sexp;
use super::*;
use crate::ast::{ExprKind, TargetKind};

const F: FileId = FileId(0);

/// Parses `src`, fails on any diagnostic, and renders each item.
fn ok(src: &str) -> Vec<String> {
    let (file, diags) = parse_file(F, src);
    assert!(
        diags.is_empty(),
        "unexpected diagnostics for {src:?}: {diags:#?}"
    );
    file.items.iter().map(sexp::item).collect()
}

/// Parses a single item and renders it.
fn one(src: &str) -> String {
    let items = ok(src);
    assert_eq!(items.len(), 1, "{src:?} gave {items:?}");
    items.into_iter().next().unwrap_or_default()
}

/// The expression of `allow t when EXPR;`.
fn ex(src: &str) -> String {
    let item = one(&format!("allow t when {src};"));
    item.strip_prefix("(allow t (when ")
        .and_then(|s| s.strip_suffix("))"))
        .unwrap_or(&item)
        .to_string()
}

/// Codes and messages of the diagnostics for `src`.
fn errs(src: &str) -> Vec<(Code, String)> {
    let (_, diags) = parse_file(F, src);
    diags.into_iter().map(|d| (d.code, d.message)).collect()
}

#[test]
fn header_use_label_effect() {
    assert_eq!(
        ok("policy p; use std::labels::{private, untrusted}; use std::m; use \"./t.guard\"; label a, b; effect read, write;"),
        [
            "(policy p)",
            "(use std::labels {private untrusted})",
            "(use std::m)",
            "(use \"./t.guard\")",
            "(label a b)",
            "(effect read write)",
        ]
    );
    assert_eq!(
        one("use std::tools::{fs.read, mail.send,};"),
        "(use std::tools {fs.read mail.send})"
    );
}

#[test]
fn tools() {
    assert_eq!(
        one("tool mail.read(folder: str) -> str labels [private];"),
        "(tool mail.read ((folder str)) -> str labels[private])"
    );
    assert_eq!(
        one("tool m.send(to: str, cc: list<str>?, n: int, k: enum { a, b }) effects [external, irreversible];"),
        "(tool m.send ((to str) (cc list<str>?) (n int) (k enum{a b})) effects[external irreversible])"
    );
    assert_eq!(
        one("tool t() labels [] effects [];"),
        "(tool t () labels[] effects[])"
    );
}

#[test]
fn contextual_keywords_are_names() {
    assert_eq!(
        one("tool x.y(path: path, to: str, state: str, labels: str, type: str);"),
        "(tool x.y ((path path) (to str) (state str) (labels str) (type str)))"
    );
    assert_eq!(
        one("tool everything.`get-env`();"),
        "(tool everything.get-env ())"
    );
    assert_eq!(
        one("tool output.on.default(effects: str);"),
        "(tool output.on.default ((effects str)))"
    );
    assert_eq!(
        one("tool `test`.`when`(`has`: str);"),
        "(tool test.when ((has str)))"
    );
    assert_eq!(
        one("state state: bool = state;"),
        "(state state bool state)"
    );
    assert_eq!(one("channel output;"), "(channel output)");
    assert_eq!(one("gate to { with: 1; }"), "(gate to (with 1))");
    assert_eq!(
        one("label labels, effects, on;"),
        "(label labels effects on)"
    );
    assert_eq!(
        one("escalate to.with to approved;"),
        "(escalate-to approved to.with)"
    );
    assert_eq!(one("allow output output;"), "(allow (output output))");
    assert_eq!(one("allow `output`.read;"), "(allow output.read)");
    assert_eq!(
        one("on expect.glob { regex = default + 1; }"),
        "(on expect.glob (= regex (+ default 1)))"
    );
    assert_eq!(
        one("test \"t\" { output.x(matching: 1) => escalate approved, rejected approved; `expect`.x() => deny; }"),
        "(test \"t\" ((call output.x (matching 1)) => (escalate approved rejected approved)) ((call expect.x) => deny))"
    );
    assert_eq!(ex("f(to, effect) == glob"), "(== (call f to effect) glob)");
}

#[test]
fn attr_state_gate_channel_default() {
    assert_eq!(
        ok("attr env: enum { dev, prod }; state n: int[0..5] = 0; state d: int[-3..-1] = -3;"),
        [
            "(attr env enum{dev prod})",
            "(state n int[0..5] 0)",
            "(state d int[-3..-1] (neg 3))",
        ]
    );
    assert_eq!(
        one("gate g { approvers: [\"secops\"]; timeout: 15m; }"),
        "(gate g (approvers [\"secops\"]) (timeout 900000ms))"
    );
    assert_eq!(one("gate empty {}"), "(gate empty )");
    assert_eq!(
        ok("default deny; default allow;"),
        ["(default deny)", "(default allow)"]
    );
}

#[test]
fn rules_and_targets() {
    assert_eq!(one("allow mail.read;"), "(allow mail.read)");
    assert_eq!(one("deny fs.*;"), "(deny (glob fs.*))");
    assert_eq!(one("deny *.read;"), "(deny (glob *.read))");
    assert_eq!(one("deny a.*.b;"), "(deny (glob a.*.b))");
    assert_eq!(one("deny *;"), "(deny *)");
    assert_eq!(
        one("allow {mail.send, http.post};"),
        "(allow {mail.send http.post})"
    );
    assert_eq!(
        one("escalate http.post to review when context has private because \"why\";"),
        "(escalate-to review http.post (when (context-has private)) (because \"why\"))"
    );
    assert_eq!(
        one("redact output user matching regex \"[0-9]{3}\" with \"[n]\";"),
        "(redact \"[0-9]{3}\" \"[n]\" (output user))"
    );
    assert_eq!(
        one("deny output webhook when x;"),
        "(deny (output webhook) (when x))"
    );
    let (file, _) = parse_file(F, "deny *;");
    let ItemKind::Rule(rule) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(rule.target.kind, TargetKind::Any);
}

#[test]
fn on_blocks() {
    assert_eq!(
        one("on mail.send { sends = sends + 1; phase = act; }"),
        "(on mail.send (= sends (+ sends 1)) (= phase act))"
    );
    assert_eq!(one("on {a, b} when x > 1 { }"), "(on {a b} (when (> x 1)))");
}

#[test]
fn assertions() {
    assert_eq!(
        one("assert no_exfil: never mail.read ~> http.post unless approved security_review;"),
        "(assert no_exfil never (step mail.read) ~> (step http.post (unless-approved security_review)))"
    );
    assert_eq!(
        one("assert a: possible x when p == 1 -> y ~> output c;"),
        "(assert a possible (step x (when (== p 1))) -> (step y) ~> (step (output c)))"
    );
}

#[test]
fn tests_blocks() {
    assert_eq!(
        one("test \"q\" with env = prod, n = 1 { mail.send(to: \"a\", n: 2) => escalate user approved; output webhook(\"s\") => deny; m.r() => allow; expect sends == 1; }"),
        "(test \"q\" (with env prod) (with n 1) ((call mail.send (to \"a\") (n 2)) => (escalate user approved)) ((output webhook \"s\") => deny) ((call m.r) => allow) (expect (== sends 1)))"
    );
    assert_eq!(
        one("test \"e\" { a() => escalate g1, g2 rejected; }"),
        "(test \"e\" ((call a) => (escalate g1 g2 rejected)))"
    );
}

#[test]
fn expression_precedence() {
    assert_eq!(ex("a || b && c"), "(|| a (&& b c))");
    assert_eq!(ex("a && b || c"), "(|| (&& a b) c)");
    assert_eq!(ex("!a == b"), "(! (== a b))");
    assert_eq!(ex("!!a"), "(! (! a))");
    assert_eq!(ex("a - b + c"), "(+ (- a b) c)");
    assert_eq!(ex("-3 + -x - - 1"), "(- (+ (neg 3) (neg x)) (neg 1))");
    assert_eq!(ex("a + 1 < b"), "(< (+ a 1) b)");
    assert_eq!(ex("x in [\"a\", 1, 2s,]"), "(in x [\"a\" 1 2000ms])");
    assert_eq!(
        ex("path matches glob \"/tmp/**\""),
        "(matches-glob path \"/tmp/**\")"
    );
    assert_eq!(
        ex("!(u matches regex \"a.*\")"),
        "(! (paren (matches-regex u \"a.*\")))"
    );
    assert_eq!(
        ex("has(p) && len(s) >= 3"),
        "(&& (has p) (>= (call len s) 3))"
    );
    assert_eq!(
        ex("host(url) in [\"docs.rs\"]"),
        "(in (call host url) [\"docs.rs\"])"
    );
    assert_eq!(
        ex("context has untrusted && env == prod"),
        "(&& (context-has untrusted) (== env prod))"
    );
    assert_eq!(ex("f() != true || false"), "(|| (!= (call f) true) false)");
    assert_eq!(
        ex("1ms + 30s + 15m + 2h + 1d"),
        "(+ (+ (+ (+ 1ms 30000ms) 900000ms) 7200000ms) 86400000ms)"
    );
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(errs("allow t when a == b == c;")[0].0, Code::E0010);
}

#[test]
fn spans_are_byte_offsets() {
    let src = "/* é */ allow mail.read when x == \"é\";";
    let (file, diags) = parse_file(F, src);
    assert!(diags.is_empty());
    let item = &file.items[0];
    assert_eq!(&src[item.span.range()], "allow mail.read when x == \"é\";");
    let ItemKind::Rule(rule) = &item.kind else {
        panic!()
    };
    assert_eq!(&src[rule.verdict_span.range()], "allow");
    assert_eq!(&src[rule.target.span.range()], "mail.read");
    let when = rule.when.as_ref().unwrap();
    assert_eq!(&src[when.span.range()], "x == \"é\"");
    let ExprKind::Binary { rhs, .. } = &when.kind else {
        panic!()
    };
    assert_eq!(&src[rhs.span.range()], "\"é\"");
}

#[test]
fn doc_comments_attach_to_the_next_item() {
    let src = "/// Reads mail.\n///\n///   indented\ntool a();\n// plain\ntool b();\n/// stray\n// breaks the block\ntool c();\n//// not doc\ntool d();";
    let (file, diags) = parse_file(F, src);
    assert!(diags.is_empty());
    let docs: Vec<Option<&str>> = file.items.iter().map(|i| i.doc.as_deref()).collect();
    assert_eq!(docs, [Some("Reads mail.\n\n  indented"), None, None, None]);
}

#[test]
fn language_reference_example_parses() {
    let src = include_str!("../../tests/data/example.guard");
    let (file, diags) = parse_file(F, src);
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(file.items.len(), 32);
    assert_eq!(
        file.items[2].doc.as_deref(),
        Some("Reads messages from a mailbox folder.")
    );
}

#[test]
fn five_errors_five_diagnostics() {
    let src = "tool a(x str);\nallow b when;\ngate g { approvers [\"x\"]; }\ndeny c when x ==\nallow d;\ntest \"t\" { a(x: 1) => maybe; }\n";
    let found = errs(src);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found
        .iter()
        .all(|(c, _)| matches!(c, Code::E0010 | Code::E0011)));
    // The good item in between survives.
    let (file, _) = parse_file(F, src);
    assert_eq!(
        file.items.iter().map(sexp::item).collect::<Vec<_>>(),
        ["(allow d)"]
    );
}

#[test]
fn error_messages() {
    assert_eq!(
        errs("allow mail.read\ndeny x;"),
        [(Code::E0011, "expected `;` after the rule".to_string())]
    );
    assert_eq!(
        errs("tool t(a: str"),
        [(
            Code::E0011,
            "expected one of `,`, `)`, `[`, `<` or `?`, found the end of the file".to_string()
        )]
    );
    assert_eq!(
        errs("allow t when x == ;"),
        [(Code::E0010, "expected an expression, found `;`".to_string())]
    );
    assert_eq!(
        errs("tool t(test: str);"),
        [(
            Code::E0010,
            "expected `)` or a name, found keyword `test`".to_string()
        )]
    );
    assert_eq!(
        errs("foo;"),
        [(Code::E0010, "expected an item, found `foo`".to_string())]
    );
    assert_eq!(
        errs("on x { a = 1; } b = 2;"),
        [(
            Code::E0010,
            "expected a new item after the end of the `on` block, found `b`".to_string()
        )]
    );
    let (_, diags) = parse_file(F, "allow output.read;");
    assert!(
        diags[0].help.as_deref().unwrap_or("").contains("backticks"),
        "{diags:#?}"
    );
}

#[test]
fn unclosed_blocks_do_not_swallow_the_next_items() {
    let src = "on x { a = 1;\nallow y;\ngate g { approvers: [];\ndeny z;";
    let (file, diags) = parse_file(F, src);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(
        file.items.iter().map(sexp::item).collect::<Vec<_>>(),
        ["(allow y)", "(deny z)"]
    );
}

#[test]
fn missing_semicolon_before_contextual_item() {
    let src = "label a, b\nstate x: bool = false;\neffect r\ndefault allow;";
    let (file, diags) = parse_file(F, src);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert_eq!(
        file.items.iter().map(sexp::item).collect::<Vec<_>>(),
        ["(state x bool false)", "(default allow)"]
    );
}

#[test]
fn policy_header_position() {
    assert!(errs("policy p; allow x;").is_empty());
    assert_eq!(errs("allow x; policy p;")[0].0, Code::E0012);
    let found = errs("policy p; policy q;");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Code::E0012);
    // Both headers are still in the tree.
    assert_eq!(ok_lenient("policy p; policy q;"), 2);
}

fn ok_lenient(src: &str) -> usize {
    parse_file(F, src).0.items.len()
}

#[test]
fn lexical_errors_do_not_cascade() {
    // One stray character: one diagnostic, not a lex error plus a parse error.
    let found = errs("allow a @ b;\ndeny c;");
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [Code::E0003]);
    // A stray character between tokens is dropped; the item survives.
    let (file, diags) = parse_file(F, "allow a.b; § deny c;");
    assert_eq!(diags.len(), 1);
    assert_eq!(file.items.len(), 2);
    // An unterminated string costs its line only.
    let found = errs("allow a because \"oops;\ndeny c;");
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [Code::E0001]);
    // A bad escape keeps the item.
    let (file, diags) = parse_file(F, "allow a when x matches regex \"\\d+\";");
    assert_eq!(diags.len(), 1);
    assert_eq!(file.items.len(), 1);
}

#[test]
fn stray_semicolon_and_brace() {
    assert_eq!(errs("allow x;;").len(), 1);
    assert_eq!(errs("allow x; }")[0].1, "expected an item, found `}`");
    assert_eq!(
        errs("gate g { } }")[0].1,
        "expected a new item after the end of the gate declaration, found `}`"
    );
}

#[test]
fn empty_and_trivia_only_files() {
    assert!(ok("").is_empty());
    assert!(ok("  // nothing\n/* at /* all */ */\n/// dangling doc").is_empty());
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for src in [
        format!("allow t when {}x;", "!".repeat(200_000)),
        format!(
            "allow t when {}x{};",
            "(".repeat(200_000),
            ")".repeat(200_000)
        ),
        format!("allow t when x{};", " + x".repeat(200_000)),
        format!("allow t when x{}", " || x".repeat(200_000)),
        format!("tool t(a: {}str);", "list<".repeat(200_000)),
    ] {
        let found = errs(&src);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "expression nests too deeply");
    }
    // Deep but reasonable nesting is fine.
    let src = format!("allow t when {}x{};", "(".repeat(100), ")".repeat(100));
    assert!(errs(&src).is_empty());
    // Long flat lists and many separate conditions are not nesting.
    let list = vec!["1"; 5_000].join(", ");
    assert!(errs(&format!("allow t when x in [{list}];")).is_empty());
    let steps = "expect a == 1 && b == 2;".repeat(2_000);
    assert!(errs(&format!("test \"t\" {{ {steps} }}")).is_empty());
}

#[test]
fn many_errors_stay_linear() {
    // 50 000 stray characters, each in its own failing chunk: one
    // diagnostic each, and no quadratic search between them.
    let src = "@;".repeat(50_000);
    let (_, diags) = parse_file(F, &src);
    assert_eq!(diags.len(), 50_000);
    let src = "allow x; ;".repeat(20_000);
    let (file, diags) = parse_file(F, &src);
    assert_eq!((file.items.len(), diags.len()), (20_000, 20_000));
}
