//! Tests of the classes on compiled policies: the expressions come from
//! the real checker and lowering, so they have the shapes the verifier
//! will see.

use guard_ir::{Expr, Policy, Type};

use super::*;

fn compile(src: &str) -> Policy {
    guard_ir::lower(&crate::testing::program(src)).unwrap()
}

/// The expressions evaluated on events of tool `t`.
fn exprs(p: &Policy, t: usize) -> Vec<&Expr> {
    let tool = &p.tools[t];
    let mut out: Vec<&Expr> = tool.rules.iter().filter_map(|r| r.guard.as_ref()).collect();
    for e in &tool.effects {
        out.extend(e.guard.as_ref());
        out.extend(e.assigns.iter().map(|(_, v)| v));
    }
    out
}

fn tool(p: &Policy, name: &str) -> usize {
    p.tools.iter().position(|t| t.name == name).unwrap()
}

fn param_witnesses(p: &Policy, t: &str, param: &str) -> Witnesses {
    let t = tool(p, t);
    let i = p.tools[t]
        .params
        .iter()
        .position(|q| q.name == param)
        .unwrap();
    let q = &p.tools[t].params[i];
    witnesses_with_enums(
        Subject::Param(i as u8),
        &q.ty,
        q.optional,
        &exprs(p, t),
        &p.regexes,
        Some(&p.enums),
    )
}

#[test]
fn optional_parameters_have_an_absent_witness_first() {
    let p = compile(
        "policy t;\ntool fs.write(path: path, mode: str?);\nallow fs.write when has(mode) && mode == \"a\";\n",
    );
    let w = param_witnesses(&p, "fs.write", "mode");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    assert_eq!(
        w.values,
        vec![
            None,
            Some(Value::Str(String::new())),
            Some(Value::Str("a".into()))
        ]
    );
}

#[test]
fn globs_from_the_checker() {
    let p = compile(
        "policy t;\ntool fs.write(path: path);\nallow fs.write when path matches glob \"/tmp/agent/**\";\ndeny fs.write when path matches glob \"**/*.key\";\n",
    );
    let w = param_witnesses(&p, "fs.write", "path");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let v: Vec<String> = w
        .values
        .iter()
        .map(|v| v.as_ref().and_then(Value::as_str).unwrap().to_string())
        .collect();
    assert_eq!(v.len(), 4, "{v:?}");
    assert!(v.contains(&"/".to_string()), "{v:?}");
    assert!(
        v.iter()
            .any(|s| s.starts_with("/tmp/agent/") && s.ends_with(".key")),
        "{v:?}"
    );
}

#[test]
fn url_hosts_in_a_list() {
    let p = compile(
        "policy t;\ntool web.fetch(url: url);\nallow web.fetch when host(url) in [\"docs.rs\", \"crates.io\"] && scheme(url) == \"https\";\n",
    );
    let w = param_witnesses(&p, "web.fetch", "url");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let v: Vec<&str> = w
        .values
        .iter()
        .filter_map(|v| v.as_ref()?.as_str())
        .collect();
    // One guard: allowed or not.
    assert_eq!(v, vec!["https://a", "https://docs.rs"]);
}

#[test]
fn ints_with_states_and_overflow() {
    let p = compile(
        "policy t;\nstate spent: int[0..10] = 0;\ntool pay(amount: int);\ndeny pay when amount < 0;\ndeny pay when spent + amount > 10;\n",
    );
    let w = param_witnesses(&p, "pay", "amount");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let v: Vec<i64> = w
        .values
        .iter()
        .filter_map(|v| v.as_ref()?.as_int())
        .collect();
    // Negative; 0..=10 each (against every `spent`); above; and the
    // overflow of `spent + amount` near i64::MAX.
    let mut want: Vec<i64> = vec![-1];
    want.extend(0..=11);
    want.extend((i64::MAX - 9)..=i64::MAX);
    assert_eq!(v, want);
}

#[test]
fn assignments_of_parameters_need_probes() {
    let src = "policy t;\nstate level: int[0..3] = 0;\ntool set(n: int);\nallow set;\non set { level = n; }\n";
    let p = compile(src);
    let w = param_witnesses(&p, "set", "n");
    assert!(w.exact.is_err());
    let t = tool(&p, "set");
    let value = &p.tools[t].effects[0].assigns[0].1;
    let probes = assignment_probes(value, 0, 3);
    let refs: Vec<&Expr> = probes.iter().collect();
    let w = witnesses(Subject::Param(0), &Type::Int, false, &refs, &p.regexes);
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let v: Vec<i64> = w
        .values
        .iter()
        .filter_map(|v| v.as_ref()?.as_int())
        .collect();
    assert_eq!(v, vec![-1, 0, 1, 2, 3, 4]);
}

#[test]
fn lists_by_membership_and_length() {
    let p = compile(
        "policy t;\ntool git.add(files: list<str>);\ndeny git.add when \".\" in files;\nescalate git.add to g when len(files) > 2;\ngate g { approvers: [\"u\"]; }\n",
    );
    let w = param_witnesses(&p, "git.add", "files");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let lists: Vec<Vec<String>> = w
        .values
        .iter()
        .map(|v| match v {
            Some(Value::List(items)) => items
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect(),
            other => panic!("{other:?}"),
        })
        .collect();
    let want: Vec<Vec<String>> = vec![
        vec![],
        vec!["".into(), "".into(), "".into()],
        vec![".".into()],
        vec![".".into(), "".into(), "".into()],
    ];
    assert_eq!(lists, want);
}

#[test]
fn list_equality_classes() {
    let p = compile(
        "policy t;\ntool run(args: list<str>);\ndeny run when args == [\"rm\"] || \"rm\" in args;\n",
    );
    let w = param_witnesses(&p, "run", "args");
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    let vals: Vec<Value> = w.values.into_iter().flatten().collect();
    let rm = || Value::Str("rm".into());
    // Without rm; with rm but not equal to ["rm"]; equal to ["rm"].
    assert_eq!(
        vals,
        vec![
            Value::List(vec![]),
            Value::List(vec![rm(), Value::Str(String::new())]),
            Value::List(vec![rm()]),
        ]
    );
}

#[test]
fn enums_need_the_table() {
    let p = compile(
        "policy t;\ntool deploy(env: enum { dev, staging, prod });\ndeny deploy when env == prod;\n",
    );
    let w = param_witnesses(&p, "deploy", "env");
    assert!(w.exact.is_ok());
    assert_eq!(w.values.len(), 3);
    let t = tool(&p, "deploy");
    let q = &p.tools[t].params[0];
    let w = witnesses(Subject::Param(0), &q.ty, false, &exprs(&p, t), &p.regexes);
    assert!(w.exact.is_err());
}

#[test]
fn coupling_of_two_parameters() {
    let p = compile(
        "policy t;\ntool copy(from: path, to: path, n: int);\ndeny copy when from == to;\ndeny copy when n > 3;\n",
    );
    let t = tool(&p, "copy");
    let why = coupling(&exprs(&p, t), &p.tools[t].params, &p.attrs).unwrap();
    assert!(why.contains("`from`") && why.contains("`to`"), "{why}");
    let w = param_witnesses(&p, "copy", "from");
    assert!(w.exact.is_err());
    let w = param_witnesses(&p, "copy", "n");
    assert!(w.exact.is_ok());
}

#[test]
fn attributes_of_finite_and_string_types() {
    let p = compile(
        "policy t;\nattr tier: int[0..3];\nattr user: str;\ntool a(x: str);\ndeny a when tier > 1 && user == \"root\";\n",
    );
    let t = tool(&p, "a");
    let ex = exprs(&p, t);
    let w = witnesses(Subject::Attr(0), &p.attrs[0].ty, false, &ex, &p.regexes);
    assert_eq!(w.values.len(), 4);
    let w = witnesses(Subject::Attr(1), &p.attrs[1].ty, false, &ex, &p.regexes);
    assert!(w.exact.is_ok());
    assert_eq!(
        w.values,
        vec![
            Some(Value::Str(String::new())),
            Some(Value::Str("root".into()))
        ]
    );
}

#[test]
fn output_text() {
    let p = compile(
        "policy t;\nchannel user;\nallow output user;\ndeny output user when text matches regex \".*[0-9]{3}-[0-9]{4}.*\";\n",
    );
    let c = &p.channels[0];
    let ex: Vec<&Expr> = c.rules.iter().filter_map(|r| r.guard.as_ref()).collect();
    let w = witnesses(Subject::Text, &Type::Str, false, &ex, &p.regexes);
    assert!(w.exact.is_ok(), "{:?}", w.exact);
    assert_eq!(
        w.values,
        vec![
            Some(Value::Str(String::new())),
            Some(Value::Str("000-0000".into()))
        ]
    );
}
