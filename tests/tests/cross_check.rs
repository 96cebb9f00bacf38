//! `guardc prove` cross-checked by tools that share no code with it.
//!
//! For every example (but `examples/shared`), every fixture under
//! `tests/prove` and a few random policies (`guard_tests::gen`, as the
//! engine-agreement test makes them), each assertion guardc decides is
//! exported (`guard_verify::export`: the model the engines search, with
//! their encoding) and handed to
//!
//! * the z3 command-line tool: the Horn clauses (`horn`, unbounded) and
//!   the bounded query (`smt2`);
//! * cvc5: the bounded query (cvc5 has no Horn engine);
//! * SPIN: the Promela model (`spin -a`, `gcc`, `./pan`, exhaustive);
//!
//! and every verdict must agree with guardc's. When guardc proves the
//! pattern unreachable, the model it searched has no trace, and a reading
//! that is not exact (a sample of the argument classes) has fewer: every
//! export must find it unreachable. When guardc shows a trace of `d`
//! events (replayed on the runtime), an export of an *exact* reading must
//! find the pattern reachable, and the bounded query must be satisfiable
//! at depth `d` and — when both readings are exact, so `d` is the
//! shortest — unsatisfiable at `d - 1`. Exports of inexact readings of
//! reachable patterns are skipped, and so are models too large to export.
//!
//! The tools are required: `.ci/run` installs them (Debian packages z3,
//! cvc5, spin, and gcc for SPIN's verifiers). A missing tool fails the
//! test with the command that installs it.

// Test code: a panic is a failing test, which is what unwrap means here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use guard_check::hir;
use guard_diagnostics::SourceMap;
use guard_ir::AssertKind;
use guard_tests::gen::{random_assertions, random_policy, tool_count, Rng};
use guard_tests::{guard_files, workspace_root};
use guard_verify::export::{Exporter, Format, Reading};
use guard_verify::{Options, Status};

/// The bound of the bounded query for an unreachable pattern: any depth
/// must be unsatisfiable; a few steps exercise every event's encoding.
const UNREACHABLE_DEPTH: usize = 3;

/// Per tool run; a run that takes longer fails the test.
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// A policy to cross-check.
enum Input {
    File(PathBuf),
    /// The random policy of `guard_tests::gen` with this seed, with three
    /// random assertions, as the engine-agreement test makes them.
    Random(u64),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(p) => p
                .strip_prefix(workspace_root())
                .unwrap_or(p)
                .display()
                .to_string(),
            Input::Random(seed) => format!("random_{seed}"),
        }
    }

    fn load(&self) -> (hir::Program, SourceMap) {
        let mut checked = match self {
            Input::File(p) => {
                guard_check::check_paths(std::slice::from_ref(p), &guard_check::RealFs)
            }
            Input::Random(seed) => {
                let mut rng = Rng::new(*seed);
                let mut source = random_policy(&mut rng);
                let tools = tool_count(&source);
                source.push_str(&random_assertions(&mut rng, tools, 3));
                guard_check::check_source(&self.name(), &source, &guard_check::RealFs)
            }
        };
        let program = checked
            .policies
            .iter_mut()
            .find_map(|p| p.program.take())
            .unwrap_or_else(|| panic!("{} does not check", self.name()));
        (program, checked.sources)
    }
}

/// The examples, the prove fixtures and `GUARD_CROSS_CHECK_RANDOM` (10)
/// random policies; `GUARD_CROSS_CHECK_ONLY=TEXT` keeps the inputs whose
/// name contains `TEXT` (for debugging one policy).
fn inputs() -> Vec<Input> {
    let root = workspace_root();
    let mut out: Vec<Input> = guard_files(&root.join("examples"))
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "shared"))
        .map(Input::File)
        .collect();
    out.extend(
        guard_files(&root.join("tests/prove"))
            .into_iter()
            .map(Input::File),
    );
    let random: u64 = std::env::var("GUARD_CROSS_CHECK_RANDOM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    out.extend((0..random).map(Input::Random));
    if let Ok(only) = std::env::var("GUARD_CROSS_CHECK_ONLY") {
        out.retain(|i| i.name().contains(&only));
    }
    out
}

/// Fails with the install command unless every tool runs.
fn require_tools() {
    let missing: Vec<&str> = [
        ("z3", "--version"),
        ("cvc5", "--version"),
        ("spin", "-V"),
        ("gcc", "--version"),
    ]
    .into_iter()
    .filter(|(tool, flag)| {
        !Command::new(tool)
            .arg(flag)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .map(|(tool, _)| tool)
    .collect();
    assert!(
        missing.is_empty(),
        "the cross-check needs {} (CI installs them in .ci/run): \
         apt-get install -y z3 cvc5 spin gcc",
        missing.join(", ")
    );
}

/// Runs `cmd` in `dir` with a time limit: (status ok, stdout + stderr).
fn run(dir: &Path, cmd: &mut Command) -> (bool, String) {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    // Drain both pipes on threads, so a chatty tool never blocks.
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > TOOL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let text = reader.join().unwrap() + &err_reader.join().unwrap();
    match status {
        Some(s) => (s.success(), text),
        None => (
            false,
            format!("{shown}: timed out after {TOOL_TIMEOUT:?}\n{text}"),
        ),
    }
}

/// A solver's answer: `Some(true)` sat, `Some(false)` unsat.
fn solver(dir: &Path, tool: &str, file: &Path) -> Result<bool, String> {
    let mut cmd = Command::new(tool);
    if tool == "cvc5" {
        cmd.arg("--tlimit=50000");
    } else {
        cmd.arg("-T:50");
    }
    let (_, out) = run(dir, cmd.arg(file));
    match out.lines().next().map(str::trim) {
        Some("sat") => Ok(true),
        Some("unsat") => Ok(false),
        _ => Err(format!("{tool} {}: {out}", file.display())),
    }
}

/// SPIN's answer: whether the assertion (the pattern) can be violated.
fn spin(dir: &Path, file: &Path) -> Result<bool, String> {
    let (ok, out) = run(dir, Command::new("spin").arg("-a").arg(file));
    if !ok {
        return Err(format!("spin -a {}: {out}", file.display()));
    }
    let (ok, out) = run(
        dir,
        // -O0: compiling dominates, the searches are small.
        Command::new("gcc").args(["-O0", "-DSAFETY", "-o", "pan", "pan.c"]),
    );
    if !ok {
        return Err(format!("gcc pan.c for {}: {out}", file.display()));
    }
    let (_, out) = run(
        dir,
        Command::new(dir.join("pan")).args(["-m1000000", "-w20"]),
    );
    if out.contains("max search depth too small") {
        return Err(format!(
            "pan {}: the search was cut short\n{out}",
            file.display()
        ));
    }
    if out.contains("assertion violated") {
        Ok(true)
    } else if out.contains("errors: 0") {
        Ok(false)
    } else {
        Err(format!("pan {}: no verdict\n{out}", file.display()))
    }
}

/// One check of one export: what the tool said against what it must say.
struct Tally {
    checks: Mutex<Vec<(&'static str, String)>>,
    failures: Mutex<Vec<String>>,
    assertions: AtomicUsize,
    skipped: Mutex<Vec<String>>,
}

impl Tally {
    fn record(
        &self,
        tool: &'static str,
        what: &str,
        (got, took): (Result<bool, String>, Duration),
        want: bool,
    ) {
        eprintln!(
            "  {what}: {tool} {} ({took:.1?})",
            match &got {
                Ok(true) => "reachable",
                Ok(false) => "unreachable",
                Err(_) => "no verdict",
            }
        );
        match got {
            Ok(v) if v == want => self.checks.lock().unwrap().push((tool, what.to_string())),
            Ok(v) => self.failures.lock().unwrap().push(format!(
                "{what}: {tool} says {}, guardc says {}",
                if v { "reachable" } else { "unreachable" },
                if want { "reachable" } else { "unreachable" }
            )),
            Err(e) => self
                .failures
                .lock()
                .unwrap()
                .push(format!("{what}: {tool}: {e}")),
        }
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    (f(), start.elapsed())
}

fn check_input(input: &Input, scratch: &Path, tally: &Tally) {
    let (program, sources) = input.load();
    let rel = input.name();
    let options = Options::default();
    let ex = Exporter::new(&program, options.limits).unwrap();
    let exact: Vec<(bool, bool)> = (0..ex.len())
        .map(|i| {
            let why = ex.inexact(i);
            (why.symbolic.is_none(), why.enumerated.is_none())
        })
        .collect();
    let report = guard_verify::prove(&program, &sources, options).unwrap();
    for (i, answer) in report.answers.iter().enumerate() {
        let reachable = match (&answer.status, answer.kind) {
            (Status::Violated, AssertKind::Never) | (Status::Holds, AssertKind::Possible) => true,
            (Status::Holds, AssertKind::Never) | (Status::Violated, AssertKind::Possible) => false,
            _ => {
                tally
                    .skipped
                    .lock()
                    .unwrap()
                    .push(format!("{rel} `{}`: guardc says unknown", answer.name));
                continue;
            }
        };
        tally.assertions.fetch_add(1, Ordering::Relaxed);
        let what = format!("{rel} `{}`", answer.name);
        let dir = scratch.join(format!("{}-{}", rel.replace('/', "_"), answer.name));
        std::fs::create_dir_all(&dir).unwrap();
        let (sym_exact, enum_exact) = exact[i];
        let depth = answer.trace.as_ref().map_or(0, |t| t.steps.len());
        let skip = |why: String| tally.skipped.lock().unwrap().push(format!("{what}: {why}"));
        // Any reading must miss a pattern guardc proved unreachable; only
        // an exact one must contain a trace guardc found.
        if !reachable || sym_exact {
            match ex.build(i, Reading::Symbolic) {
                Ok(built) => {
                    let horn = dir.join("model.horn.smt2");
                    std::fs::write(&horn, built.render(Format::Horn, 0).unwrap()).unwrap();
                    // sat: an inductive invariant excludes the pattern.
                    let got = timed(|| solver(&dir, "z3", &horn).map(|s| !s));
                    tally.record("z3 horn", &what, got, reachable);
                    let mut bounds =
                        vec![(if reachable { depth } else { UNREACHABLE_DEPTH }, reachable)];
                    if reachable && depth > 1 && enum_exact {
                        bounds.push((depth - 1, false));
                    }
                    for (k, want) in bounds {
                        let file = dir.join(format!("bounded{k}.smt2"));
                        std::fs::write(&file, built.render(Format::Smt2, k).unwrap()).unwrap();
                        let at = format!("{what} at depth {k}");
                        let got = timed(|| solver(&dir, "z3", &file));
                        tally.record("z3 smt2", &at, got, want);
                        let got = timed(|| solver(&dir, "cvc5", &file));
                        tally.record("cvc5 smt2", &at, got, want);
                    }
                }
                Err(why) => skip(format!("no symbolic export: {why}")),
            }
        } else {
            skip("the symbolic model is not exact".into());
        }
        // The same rule; an enumerated model too large to export (a sample
        // of a huge class product) is skipped.
        if !reachable || enum_exact {
            match ex.build(i, Reading::Enumerated) {
                Ok(built) => match built.render(Format::Pml, 0) {
                    Ok(text) => {
                        let pml = dir.join("model.pml");
                        std::fs::write(&pml, text).unwrap();
                        tally.record("spin", &what, timed(|| spin(&dir, &pml)), reachable);
                    }
                    Err(why) => tally
                        .failures
                        .lock()
                        .unwrap()
                        .push(format!("{what}: no Promela export: {why}")),
                },
                Err(why) => skip(format!("no enumerated export: {why}")),
            }
        } else {
            skip("the enumerated model is not exact".into());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn independent_tools_agree_with_guardc() {
    require_tools();
    let start = Instant::now();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cross_check");
    let _ = std::fs::remove_dir_all(&scratch);
    let tally = Tally {
        checks: Mutex::new(Vec::new()),
        failures: Mutex::new(Vec::new()),
        assertions: AtomicUsize::new(0),
        skipped: Mutex::new(Vec::new()),
    };
    let files = inputs();
    let everything = std::env::var_os("GUARD_CROSS_CHECK_ONLY").is_none();
    assert!(
        files.len() >= 10 || !everything,
        "expected the examples and prove fixtures"
    );
    // Two workers: z3's context is per thread, and CI has two cores.
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(input) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    check_input(input, &scratch, &tally);
                }
            });
        }
    });
    let checks = tally.checks.into_inner().unwrap();
    let failures = tally.failures.into_inner().unwrap();
    let per_tool = |tool: &str| checks.iter().filter(|(t, _)| *t == tool).count();
    eprintln!(
        "cross-check: {} assertions decided by guardc; agreeing verdicts: z3 horn {}, \
         z3 smt2 {}, cvc5 smt2 {}, spin {}; {:.1?}",
        tally.assertions.load(Ordering::Relaxed),
        per_tool("z3 horn"),
        per_tool("z3 smt2"),
        per_tool("cvc5 smt2"),
        per_tool("spin"),
        start.elapsed()
    );
    for s in tally.skipped.into_inner().unwrap() {
        eprintln!("  skipped {s}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Agreement on nothing proves nothing.
    for tool in ["z3 horn", "z3 smt2", "cvc5 smt2", "spin"] {
        assert!(
            per_tool(tool) >= 20 || !everything,
            "only {} {tool} checks ran",
            per_tool(tool)
        );
    }
}
