//! The conformance suite for `guardc prove`.
//!
//! * Every fixture under `tests/prove` gets exactly the answers its `//~`
//!   annotations name (`proved`, `violated`, `witnessed`, `impossible`,
//!   `unknown`), from breadth-first search *and* from Spacer (+ BMC), and
//!   its report matches the reviewed snapshot.
//! * Every example's assertions hold, by both engines.
//! * On random policies with random assertions, the engines agree: any
//!   answer one engine gives that the other contradicts fails the build.
//!
//! Every trace either engine reports has already been replayed on the
//! runtime inside `guard_verify::prove`; a replay failure is a
//! `Disagreement` answer, which no annotation accepts.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guard_check::hir;
use guard_diagnostics::SourceMap;
use guard_tests::gen::{random_assertions, random_policy, tool_count, Rng};
use guard_tests::{guard_files, workspace_root};
use guard_verify::{report, Engine, Options, Report, Status};

fn program(name: &str, text: &str) -> (hir::Program, SourceMap) {
    let mut checked = guard_check::check_source(name, text, &guard_check::RealFs);
    assert_eq!(
        checked.error_count(),
        0,
        "{name} has errors:\n{}",
        guard_diagnostics::render::human(&checked.sources, &checked.diagnostics, false)
    );
    let p = checked
        .policies
        .iter_mut()
        .find_map(|p| p.program.take())
        .unwrap();
    (p, checked.sources)
}

fn prove(p: &hir::Program, sources: &SourceMap, engine: Engine) -> Report {
    let options = Options {
        engine,
        ..Options::default()
    };
    match guard_verify::prove(p, sources, options) {
        Ok(r) => r,
        Err(d) => panic!(
            "prove failed: {}",
            guard_diagnostics::render::human(sources, &d, false)
        ),
    }
}

fn answers(r: &Report) -> BTreeMap<String, String> {
    r.answers
        .iter()
        .map(|a| {
            let word = report::word(a);
            let detail = match &a.status {
                Status::Unknown(why) | Status::Disagreement(why) => format!("{word}: {why}"),
                _ => word.to_string(),
            };
            (a.name.clone(), detail)
        })
        .collect()
}

/// `assert NAME: ... //~ WORD` annotations, by assertion name.
fn expected(source: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("assert ") {
            current = rest.split(':').next().map(|n| n.trim().to_string());
        }
        if let (Some((_, word)), Some(name)) = (line.split_once("//~"), &current) {
            out.insert(name.clone(), word.trim().to_string());
        }
    }
    out
}

fn fixtures() -> Vec<PathBuf> {
    guard_files(&workspace_root().join("tests/prove"))
}

#[test]
fn fixtures_get_their_annotated_answers_from_every_engine() {
    let mut failures = Vec::new();
    let files = fixtures();
    assert!(files.len() >= 6, "expected the prove fixtures");
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let want = expected(&source);
        assert!(!want.is_empty(), "{}: no annotations", path.display());
        let (p, sources) = program(&path.to_string_lossy(), &source);
        for engine in [Engine::Bfs, Engine::Spacer] {
            let got = answers(&prove(&p, &sources, engine));
            if got != want {
                failures.push(format!(
                    "{} ({engine:?}):\n  want {want:?}\n  got  {got:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixture_reports() {
    let root = workspace_root();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("tests/prove/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for path in fixtures() {
        let rel = path.strip_prefix(&root).unwrap();
        let source = std::fs::read_to_string(&path).unwrap();
        let (p, sources) = program(&rel.to_string_lossy(), &source);
        let r = prove(&p, &sources, Engine::Bfs);
        let text = format!(
            "{}{}\n",
            report::human(&r, &sources, false, false),
            report::summary(&r)
        );
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        settings.set_description(source);
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

#[test]
fn every_verification_code_has_a_fixture() {
    let words: Vec<String> = fixtures()
        .iter()
        .flat_map(|p| expected(&std::fs::read_to_string(p).unwrap()).into_values())
        .collect();
    for w in ["proved", "violated", "witnessed", "impossible"] {
        assert!(words.iter().any(|x| x == w), "no fixture answers `{w}`");
    }
}

fn example_paths() -> Vec<PathBuf> {
    guard_files(&workspace_root().join("examples"))
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "shared"))
        .collect()
}

fn load(path: &Path) -> (hir::Program, SourceMap) {
    let mut checked = guard_check::check_paths(&[path.to_path_buf()], &guard_check::RealFs);
    let p = checked
        .policies
        .iter_mut()
        .find_map(|p| p.program.take())
        .unwrap();
    (p, checked.sources)
}

#[test]
fn every_example_assertion_holds_and_the_engines_agree() {
    let mut failures = Vec::new();
    for path in example_paths() {
        let (p, sources) = load(&path);
        // The default engine choice answers every assertion...
        let auto = prove(&p, &sources, Engine::Auto);
        for a in &auto.answers {
            if a.status != Status::Holds {
                failures.push(format!(
                    "{}: `{}` is {:?}",
                    path.display(),
                    a.name,
                    a.status
                ));
            }
        }
        // ...and neither engine contradicts it where it decides (BFS with
        // a bounded search: some examples are too large to enumerate).
        for engine in [Engine::Bfs, Engine::Spacer] {
            let options = Options {
                engine,
                max_states: 5_000,
                ..Options::default()
            };
            let r = guard_verify::prove(&p, &sources, options).unwrap();
            for (a, b) in auto.answers.iter().zip(&r.answers) {
                if contradict(&a.status, &b.status) {
                    failures.push(format!(
                        "{} ({engine:?}): `{}` is {:?}, auto says {:?}",
                        path.display(),
                        a.name,
                        b.status,
                        a.status
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether two answers contradict each other (unknown contradicts nothing).
fn contradict(a: &Status, b: &Status) -> bool {
    let decided = |s: &Status| matches!(s, Status::Holds | Status::Violated);
    matches!(a, Status::Disagreement(_))
        || matches!(b, Status::Disagreement(_))
        || (decided(a) && decided(b) && a != b)
}

#[test]
fn engines_agree_on_random_policies() {
    let runs: u64 = std::env::var("GUARD_PROVE_RANDOM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut decided = 0;
    let mut failures = Vec::new();
    for seed in 0..runs {
        let mut rng = Rng::new(seed);
        let mut source = random_policy(&mut rng);
        let tools = tool_count(&source);
        source.push_str(&random_assertions(&mut rng, tools, 3));
        let (p, sources) = program(&format!("random_{seed}.guard"), &source);
        let bounded = |engine| Options {
            engine,
            max_states: 20_000,
            ..Options::default()
        };
        let bfs = guard_verify::prove(&p, &sources, bounded(Engine::Bfs)).unwrap();
        let spacer = guard_verify::prove(&p, &sources, bounded(Engine::Spacer)).unwrap();
        for (a, b) in bfs.answers.iter().zip(&spacer.answers) {
            if contradict(&a.status, &b.status) {
                failures.push(format!(
                    "seed {seed}, `{}`: bfs {:?}, spacer {:?}\n{source}",
                    a.name, a.status, b.status
                ));
            }
            if a.status == b.status && matches!(a.status, Status::Holds | Status::Violated) {
                decided += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // Agreement by both saying "unknown" proves nothing; most answers must
    // be decided by both engines.
    assert!(
        decided * 10 >= runs * 3 * 8,
        "only {decided} of {} answers were decided by both engines",
        runs * 3
    );
}

/// The example of each verification explanation makes `prove` report its
/// code and the fix does not (E0503 is a bug report, W0501 needs a limit
/// to run out: neither has a policy that shows it).
#[test]
fn verification_explanations_show_their_code() {
    use guard_diagnostics::Code;
    for code in [Code::E0501, Code::E0502] {
        let text = code.info().explanation;
        let blocks: Vec<String> = text
            .split("```guard\n")
            .skip(1)
            .filter_map(|b| b.split("```").next().map(str::to_string))
            .collect();
        assert!(blocks.len() >= 2, "{code}: needs an example and a fix");
        for (i, block) in blocks.iter().take(2).enumerate() {
            let (p, sources) = program("example.guard", block);
            let r = prove(&p, &sources, Engine::Auto);
            let reported = r
                .answers
                .iter()
                .filter_map(|a| report::diagnostic(&r.policy, a))
                .any(|d| d.code == code);
            assert_eq!(reported, i == 0, "{code}: block {i}:\n{block}");
        }
    }
}
