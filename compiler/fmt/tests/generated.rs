//! Property test on generated programs: random items of every kind, with
//! deep and long expressions, names that need backticks, strings that need
//! escapes, random spacing and comments between tokens. Whenever the text
//! parses, formatting must have every property of the corpus test.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use proptest::prelude::*;

use common::{check_properties, parses};

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a",
        "x",
        "path",
        "to",
        "state",
        "with",
        "output",
        "expect",
        "labels",
        "`test`",
        "`get-env`",
        "`plain`",
        "a_rather_long_parameter_name_for_wrapping",
        "another_quite_long_identifier_here",
    ])
    .prop_map(str::to_string)
}

fn tool_path() -> impl Strategy<Value = String> {
    prop::collection::vec(name(), 1..4).prop_map(|segs| segs.join("."))
}

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"\"",
        "\"plain\"",
        "\"/workspace/**\"",
        "\"quote \\\" and \\\\ and \\n\"",
        "\"caf\u{e9} \\u{202e}\"",
        "\"a string long enough that it will push lines over the limit on its own\"",
    ])
    .prop_map(str::to_string)
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        name(),
        string(),
        prop::sample::select(vec![
            "0", "42", "007", "15m", "1500ms", "2h", "true", "false"
        ])
        .prop_map(str::to_string),
        name().prop_map(|n| format!("has({n})")),
        name().prop_map(|n| format!("context has {n}")),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    atom().prop_recursive(6, 48, 6, |inner| {
        let op = prop::sample::select(vec!["&&", "||", "==", "!=", "<", ">=", "+", "-", "in"]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(l, o, r)| format!("{l} {o} {r}")),
            inner.clone().prop_map(|e| format!("!{e}")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            (name(), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, v)| format!("{f}({})", v.join(", "))),
            (inner, string()).prop_map(|(e, s)| format!("{e} matches glob {s}")),
        ]
    })
}

fn ty() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "str",
            "int",
            "path",
            "url",
            "bool",
            "json",
            "list<str>"
        ])
        .prop_map(str::to_string),
        prop::collection::vec(name(), 0..9).prop_map(|v| format!("enum {{ {} }}", v.join(", "))),
        Just("int[-3..007]".to_string()),
    ]
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        tool_path(),
        Just("*".to_string()),
        tool_path().prop_map(|p| format!("{p}.*")),
        prop::collection::vec(tool_path(), 1..6).prop_map(|v| format!("{{{}}}", v.join(", "))),
        name().prop_map(|n| format!("output {n}")),
    ]
}

fn clause(keyword: &'static str, body: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop::option::of(body)
        .prop_map(move |b| b.map_or(String::new(), |b| format!(" {keyword} {b}")))
        .boxed()
}

fn item() -> impl Strategy<Value = String> {
    let verdict = prop_oneof![
        Just("allow".to_string()),
        Just("deny".to_string()),
        name().prop_map(|g| format!("escalate {{}} to {g}")),
    ];
    prop_oneof![
        (
            verdict,
            target(),
            clause("when", expr().boxed()),
            clause("because", string().boxed())
        )
            .prop_map(|(v, t, w, b)| {
                let head = if v.contains("{}") {
                    v.replace("{}", &t)
                } else {
                    format!("{v} {t}")
                };
                format!("{head}{w}{b};")
            }),
        (
            tool_path(),
            prop::collection::vec((name(), ty(), any::<bool>()), 0..6),
            prop::option::of(ty()),
            prop::option::of(prop::collection::vec(name(), 0..4)),
            prop::option::of(prop::collection::vec(name(), 0..4)),
        )
            .prop_map(|(n, params, ret, labels, effects)| {
                let params: Vec<String> = params
                    .iter()
                    .map(|(p, t, o)| format!("{p}: {t}{}", if *o { "?" } else { "" }))
                    .collect();
                let ret = ret.map_or(String::new(), |r| format!(" -> {r}"));
                let labels =
                    labels.map_or(String::new(), |l| format!(" labels [{}]", l.join(", ")));
                let effects =
                    effects.map_or(String::new(), |e| format!(" effects [{}]", e.join(", ")));
                format!("tool {n}({}){ret}{labels}{effects};", params.join(", "))
            }),
        (
            target(),
            clause("when", expr().boxed()),
            prop::collection::vec((name(), expr()), 0..4)
        )
            .prop_map(|(t, w, body)| {
                let body: Vec<String> = body.iter().map(|(n, e)| format!("{n} = {e};")).collect();
                format!("on {t}{w} {{ {} }}", body.join(" "))
            }),
        (
            name(),
            prop::sample::select(vec!["never", "possible"]),
            prop::collection::vec(
                (
                    target(),
                    clause("when", expr().boxed()),
                    clause("unless approved", name().boxed())
                ),
                1..4
            ),
        )
            .prop_map(|(n, k, steps)| {
                let steps: Vec<String> =
                    steps.iter().map(|(t, w, u)| format!("{t}{w}{u}")).collect();
                format!("assert {n}: {k} {};", steps.join(" ~> "))
            }),
        (
            string(),
            prop::collection::vec((name(), expr()), 0..3),
            prop::collection::vec(
                prop_oneof![
                    (
                        tool_path(),
                        prop::collection::vec((name(), expr()), 0..5),
                        prop::sample::select(vec![
                            "allow",
                            "deny",
                            "escalate g",
                            "escalate g, h approved",
                            "escalate a_rather_long_parameter_name_for_wrapping rejected",
                        ])
                    )
                        .prop_map(|(t, args, v)| {
                            let args: Vec<String> =
                                args.iter().map(|(n, e)| format!("{n}: {e}")).collect();
                            format!("{t}({}) => {v};", args.join(", "))
                        }),
                    expr().prop_map(|e| format!("expect {e};")),
                    (name(), expr()).prop_map(|(c, e)| format!("output {c}({e}) => deny;")),
                ],
                0..5
            ),
        )
            .prop_map(|(n, with, steps)| {
                let with: Vec<String> = with.iter().map(|(a, e)| format!("{a} = {e}")).collect();
                let with = if with.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", with.join(", "))
                };
                format!("test {n}{with} {{ {} }}", steps.join(" "))
            }),
        (name(), prop::collection::vec((name(), expr()), 0..3)).prop_map(|(g, fields)| {
            let fields: Vec<String> = fields.iter().map(|(n, e)| format!("{n}: {e};")).collect();
            format!("gate {g} {{ {} }}", fields.join(" "))
        }),
        (name(), ty(), expr()).prop_map(|(n, t, e)| format!("state {n}: {t} = {e};")),
        (name(), ty()).prop_map(|(n, t)| format!("attr {n}: {t};")),
        prop::collection::vec(name(), 1..12).prop_map(|v| format!("label {};", v.join(", "))),
        (
            name(),
            prop::option::of(prop::collection::vec(tool_path(), 1..5))
        )
            .prop_map(|(n, sel)| match sel {
                Some(sel) => format!("use std::{n}::{{{}}};", sel.join(", ")),
                None => format!("use std::{n};"),
            }),
        Just("default deny;".to_string()),
        name().prop_map(|n| format!("channel {n};")),
    ]
}

/// Separators between items: spacing and comments.
fn separator() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "\n",
        "\n\n",
        "\n\n\n\n",
        " ",
        " // trailing\n",
        "\n// own line\n",
        "\n/// doc\n",
        " /* block */ ",
        "\n/* multi\n   line */\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_format_soundly(
        items in prop::collection::vec((item(), separator()), 1..8),
        wrap in any::<bool>(),
    ) {
        let mut text = String::new();
        for (item, sep) in &items {
            // Optionally spread the item over lines, as a person might.
            let item = if wrap {
                item.replace(", ", ",\n    ").replace(" && ", "\n  && ")
            } else {
                item.clone()
            };
            text.push_str(&item);
            text.push_str(sep);
        }
        if parses(&text) {
            if let Err(e) = check_properties(&text) {
                prop_assert!(false, "{e}\n--- input\n{text}");
            }
        }
    }
}
