//! The compiled form of every example: a golden disassembly (reviewed
//! snapshot, as starlark-rust does for its bytecode), deterministic bytes
//! (same sources, same image, stripped or not), images that load, and a
//! stripped image that really drops the debug section.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used)]

use guard_codegen::Options;
use guard_runtime::Policy;
use guard_tests::{guard_files, workspace_root};

/// The examples, named relative to this crate's directory (the working
/// directory of its tests), so file names recorded in the debug section
/// are the same on every checkout.
fn examples() -> Vec<std::path::PathBuf> {
    let root = workspace_root();
    guard_files(&root.join("examples"))
        .into_iter()
        .filter(|p| !p.parent().is_some_and(|d| d.ends_with("shared")))
        .map(|p| std::path::Path::new("..").join(p.strip_prefix(&root).unwrap()))
        .collect()
}

fn build(path: &std::path::Path, strip: bool) -> (String, Vec<u8>) {
    let checked = guard_check::check_paths(&[path.to_path_buf()], &guard_check::RealFs);
    let p = checked.policies[0].program.as_ref().unwrap();
    let bytes = guard_codegen::build(p, &checked.sources, Options { strip }).unwrap();
    (p.name.clone(), bytes)
}

#[test]
fn golden_disassembly_of_every_example() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("tests/bytecode/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in examples() {
        let (name, bytes) = build(&path, false);
        let policy = Policy::load(&bytes).unwrap();
        let listing = guard_runtime::disassemble(policy.image());
        let shown = path.strip_prefix("..").unwrap_or(&path);
        settings.set_description(format!("guardc disasm {}", shown.display()));
        settings.bind(|| insta::assert_snapshot!(name, listing));
    }
}

#[test]
fn same_sources_same_bytes() {
    for path in examples() {
        for strip in [false, true] {
            let (_, a) = build(&path, strip);
            let (_, b) = build(&path, strip);
            assert_eq!(
                a,
                b,
                "{} (strip {strip}) is not deterministic",
                path.display()
            );
            assert!(Policy::load(&a).is_ok());
        }
    }
}

#[test]
fn stripping_drops_the_debug_section() {
    for path in examples() {
        let (_, full) = build(&path, false);
        let (_, stripped) = build(&path, true);
        let full = Policy::load(&full).unwrap();
        let stripped_policy = Policy::load(&stripped).unwrap();
        assert!(full.image().debug.is_some());
        assert!(stripped_policy.image().debug.is_none());
        // Same decisions: only the explanations lose their locations. The
        // debug section's texts are interned last, so the stripped string
        // table is a prefix of the full one and everything else is equal.
        let mut a = full.image().clone();
        a.debug = None;
        let kept = stripped_policy.image().strings.len();
        assert!(a.strings.len() >= kept);
        a.strings.truncate(kept);
        assert_eq!(&a, stripped_policy.image(), "{}", path.display());
        // Images are small: regexes travel as ahead-of-time tables (the
        // coding agent's eight path globs are 3.5 KB of its 8.5 KB), and
        // the mail example stays within the runtime issue's 4 KiB.
        let limit = if path.ends_with("mail_assistant.guard") {
            4 * 1024
        } else {
            12 * 1024
        };
        assert!(
            stripped.len() <= limit,
            "{}: {} bytes",
            path.display(),
            stripped.len()
        );
    }
}

#[test]
fn the_checker_enforces_the_runtime_stack_limit() {
    assert_eq!(
        guard_check::hir::limits::MAX_STACK,
        guard_runtime::op::MAX_STACK
    );
}

#[test]
fn every_constant_kind_compiles_and_loads() {
    let src = r#"
        attr env: enum { dev, prod };
        tool t.run(b: bool, n: int, s: str, e: enum { dev, prod }, l: list<str>);
        allow t.run when b in [true] && n in [1, -2] && s in ["x"] && e in [dev] && "x" in l
            && env in [dev, prod] && !(b in []);
        test "constants" with env = dev {
            t.run(b: true, n: -2, s: "x", e: dev, l: ["x", "y"]) => allow;
            t.run(b: false, n: -2, s: "x", e: dev, l: ["x"]) => deny;
        }
    "#;
    let checked = guard_check::check_source("consts.guard", src, &guard_check::RealFs);
    assert_eq!(checked.error_count(), 0, "{:?}", checked.diagnostics);
    let p = checked.policies[0].program.as_ref().unwrap();
    let bytes = guard_codegen::build(p, &checked.sources, Options::default()).unwrap();
    let policy = Policy::load(&bytes).unwrap();
    let mut s =
        guard_runtime::Session::new(&policy, &[("env", guard_runtime::Arg::Str("dev"))]).unwrap();
    let l = [guard_runtime::Arg::Str("x")];
    let args = [
        ("b", guard_runtime::Arg::Bool(true)),
        ("n", guard_runtime::Arg::Int(-2)),
        ("s", guard_runtime::Arg::Str("x")),
        ("e", guard_runtime::Arg::Str("dev")),
        ("l", guard_runtime::Arg::List(&l)),
    ];
    assert!(s.decide_call_named("t.run", &args).is_allow());
}
