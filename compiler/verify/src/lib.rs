//! The verifier: `guardc prove`. Every `never`/`possible` assertion of a
//! policy is decided over *all* behaviours of a hostile agent — any tool,
//! any arguments, any attribute values, any answer to an escalation, in
//! any order, for any length (language.md §8).
//!
//! Pipeline: the IR (the same structure codegen reads) ─`model`─▶ a finite
//! model whose events are one witness per argument class (`classes`) ─▶
//! an engine (`bfs`) that searches the product of the model and the
//! assertion's monitor (`monitor`) ─▶ an answer. Every trace an engine
//! finds is replayed on the compiled bytecode by the real runtime
//! (`replay`) before it is reported; a proof is only called a proof when
//! the model is exact, otherwise the answer is "unknown" with the reason.
//!
//! Invariants: no answer is `Holds` or `Violated` without either a trace
//! the runtime reproduced or an exhaustive search of an exact model; a
//! disagreement between an engine and the runtime is reported as such.

pub mod bfs;
pub mod bmc;
pub mod classes;
pub mod deep;
pub mod eval;
pub mod export;
mod fx;
pub mod graph;
pub mod model;
pub mod monitor;
pub mod relax;
pub mod replay;
pub mod report;
pub mod slice;
pub mod spacer;
pub mod symbolic;
#[cfg(test)]
mod testing;
pub mod trace;
pub mod value;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use guard_check::hir;
use guard_diagnostics::{Diagnostic, SourceMap, Span};
use guard_ir::{AssertKind, Asserts};

use crate::bfs::Search;
use crate::model::{Limits, Model};
use crate::trace::Trace;

/// Which engine answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Breadth-first search when the enumerated model is exact and the
    /// search ends within `Options::bfs_states` states, Spacer (with BMC
    /// for traces) otherwise.
    Auto,
    Bfs,
    Spacer,
    Bmc,
}

/// Options of `guardc prove`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub engine: Engine,
    /// The most model states one search may visit.
    pub max_states: usize,
    /// `Auto` answers with BFS when the search ends within this many
    /// states (or the estimated space is this small).
    pub bfs_states: u128,
    /// Z3's limits per query.
    pub budget: symbolic::Budget,
    /// The deepest BMC unrolling.
    pub bmc_depth: usize,
    pub limits: Limits,
    /// Threads proving independent assertions at once (1: one at a time).
    /// Answers do not depend on it: every engine is deterministic and each
    /// assertion is searched on its own.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            engine: Engine::Auto,
            max_states: 2_000_000,
            bfs_states: 50_000,
            budget: symbolic::Budget {
                rlimit: 50_000_000,
                timeout_ms: 0,
            },
            bmc_depth: 40,
            limits: Limits::default(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// The answer for one assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `never`: no execution contains the pattern; `possible`: a witness
    /// trace (replayed on the runtime) contains it.
    Holds,
    /// `never`: a counterexample trace (replayed); `possible`: no
    /// execution contains the pattern.
    Violated,
    /// No answer within the limits, or the model is not exact.
    Unknown(String),
    /// An engine and the runtime disagree: a bug in Guard, never hidden.
    Disagreement(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub name: String,
    pub kind: AssertKind,
    pub span: Span,
    pub name_span: Span,
    pub status: Status,
    /// The counterexample of a violated `never`, the witness of a `possible`.
    pub trace: Option<Trace>,
    pub engine: &'static str,
    /// The inductive invariant of a Spacer proof (SMT-LIB).
    pub invariant: Option<String>,
    /// States visited and the depth (events) the search covered.
    pub states: usize,
    pub depth: usize,
    /// Wall-clock time this assertion took (model, search, certification).
    pub elapsed: Duration,
}

/// Everything one `prove` run found.
pub struct Report {
    pub policy: guard_ir::Policy,
    pub asserts: Asserts,
    pub answers: Vec<Answer>,
    /// Why the model is not exact, if it is not.
    pub inexact: Option<String>,
}

/// Proves every assertion of `program`.
pub fn prove(
    program: &hir::Program,
    sources: &SourceMap,
    options: Options,
) -> Result<Report, Vec<Diagnostic>> {
    let policy = guard_ir::lower(program)?;
    let asserts = guard_ir::lower_asserts(program, &policy);
    let bytes = guard_codegen::build(program, sources, guard_codegen::Options { strip: false })?;
    let image = guard_runtime::Policy::load(&bytes).map_err(|e| {
        vec![Diagnostic::new(
            guard_diagnostics::Code::E0401,
            program_span(program),
            format!("internal error: the runtime refuses the compiled image: {e}"),
        )]
    })?;
    // Parameters related to string attributes are relaxed (`relax`): the
    // engines search the relaxed policy, traces are made concrete and
    // replayed on the original.
    let relaxed = relax::relax(&policy, &asserts);
    let (mp, ma) = match &relaxed {
        Some(r) => (&r.policy, &r.asserts),
        None => (&policy, &asserts),
    };
    // Assertions are independent: each gets its own model, and z3's
    // context is thread-local, so they are proved on as many threads as
    // the machine has (answers keep the source order whatever finishes
    // first).
    let prove_one = |i: usize, original: &guard_ir::Assert| {
        let started = Instant::now();
        // Each assertion is searched on its cone of influence (`slice`).
        let sliced = ma.asserts.get(i).and_then(|a| slice::slice(mp, a));
        let model = Model::new(sliced.as_ref().unwrap_or(mp), ma, i, options.limits);
        let cert = Certifier {
            image: &image,
            policy: &policy,
            original,
            regexes: &asserts.regexes,
            relaxed: relaxed.as_ref(),
        };
        let mut ans = answer(&model, &cert, &ma.asserts[i], options);
        ans.elapsed = started.elapsed();
        (model.exact.err(), ans)
    };
    let n = asserts.asserts.len();
    let threads = options.threads.max(1).min(n.max(1));
    let results: Vec<(Option<String>, Answer)> = if threads <= 1 {
        asserts
            .asserts
            .iter()
            .enumerate()
            .map(|(i, a)| prove_one(i, a))
            .collect()
    } else {
        let next = AtomicUsize::new(0);
        let mut slots: Vec<Option<(Option<String>, Answer)>> = vec![None; n];
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(a) = asserts.asserts.get(i) else {
                                break;
                            };
                            done.push((i, prove_one(i, a)));
                        }
                        done
                    })
                })
                .collect();
            for w in workers {
                // A panicking worker is a bug; re-raise it on this thread
                // rather than report the assertions it held as proved.
                match w.join() {
                    Ok(done) => {
                        for (i, r) in done {
                            if let Some(slot) = slots.get_mut(i) {
                                *slot = Some(r);
                            }
                        }
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
        });
        slots.into_iter().flatten().collect()
    };
    let inexact = results.iter().find_map(|(why, _)| why.clone());
    let answers: Vec<Answer> = results.into_iter().map(|(_, a)| a).collect();
    Ok(Report {
        policy,
        asserts,
        answers,
        inexact,
    })
}

/// What certifying a trace needs: the runtime image, and the original
/// policy and assertion when the engines searched a relaxed one.
struct Certifier<'a> {
    image: &'a guard_runtime::Policy,
    policy: &'a guard_ir::Policy,
    original: &'a guard_ir::Assert,
    regexes: &'a [String],
    relaxed: Option<&'a relax::Relaxed>,
}

fn program_span(p: &hir::Program) -> Span {
    p.asserts.first().map(|a| a.span).unwrap_or_default()
}

fn answer(
    model: &Model<'_>,
    image: &Certifier<'_>,
    a: &guard_ir::Assert,
    options: Options,
) -> Answer {
    let mut ans = Answer {
        name: a.name.clone(),
        kind: a.kind,
        span: a.span,
        name_span: a.name_span,
        status: Status::Unknown(String::new()),
        trace: None,
        engine: "bfs",
        invariant: None,
        states: 0,
        depth: 0,
        elapsed: Duration::ZERO,
    };
    if a.steps.len() > monitor::MAX_STEPS {
        ans.status = Status::Unknown(format!(
            "the pattern has more than {} steps",
            monitor::MAX_STEPS
        ));
        return ans;
    }
    let engine = match options.engine {
        // BFS is authoritative only on an exact model; the symbolic engines
        // need no classes for integers, so they may be exact where it is not.
        Engine::Auto if model.exact.is_ok() || model.exact_symbolic.is_err() => {
            if model.exact_symbolic.is_ok() && model.estimate(a) > options.bfs_states {
                // The estimate is a product of every variable's range and
                // is usually far above what is reachable: search the real
                // space up to the limit, and only hand a larger one to
                // Spacer (which then pays nothing for the attempt's
                // answer: BFS found no trace within the states it saw).
                let cap = usize::try_from(options.bfs_states).unwrap_or(usize::MAX);
                match bfs::search(model, a, cap.min(options.max_states)) {
                    Search::Limit { .. } => Engine::Spacer,
                    done => {
                        bfs_answer(model, image, a, done, &mut ans);
                        return ans;
                    }
                }
            } else {
                Engine::Bfs
            }
        }
        Engine::Auto => Engine::Spacer,
        e => e,
    };
    match engine {
        Engine::Spacer => spacer_answer(model, image, a, options, &mut ans),
        Engine::Bmc => {
            ans.engine = "bmc";
            match bmc::find(model, a, options.bmc_depth, options.budget) {
                Ok(bmc::Bmc::Found(trace)) => found(model, image, trace, &mut ans),
                Ok(bmc::Bmc::NoneUpTo(d)) => {
                    ans.depth = d;
                    ans.status = Status::Unknown(format!(
                        "no trace of {d} events or fewer (bounded search only)"
                    ));
                }
                Ok(bmc::Bmc::Unknown(why)) => ans.status = Status::Unknown(why),
                Err(why) => {
                    ans.status =
                        Status::Unknown(format!("the encoder cannot express this policy: {why}"))
                }
            }
        }
        _ => {
            let search = bfs::search(model, a, options.max_states);
            bfs_answer(model, image, a, search, &mut ans);
        }
    }
    ans
}

/// Reports what a breadth-first search found.
fn bfs_answer(
    model: &Model<'_>,
    image: &Certifier<'_>,
    a: &guard_ir::Assert,
    search: Search,
    ans: &mut Answer,
) {
    ans.engine = "bfs";
    match search {
        Search::Found(trace) => found(model, image, trace, ans),
        Search::Exhausted { states, depth } => {
            ans.states = states;
            ans.depth = depth;
            exhausted(model, a, ans);
        }
        Search::Limit { states, depth } => {
            ans.states = states;
            ans.depth = depth;
            ans.status = Status::Unknown(format!(
                "the search stopped after {states} states; no trace of {depth} events or fewer"
            ));
        }
    }
}

/// A trace an engine found: made concrete if the model was relaxed,
/// certified by replay on the runtime, then reported.
fn found(model: &Model<'_>, cert: &Certifier<'_>, trace: Trace, ans: &mut Answer) {
    ans.depth = trace.steps.len();
    let trace = match cert.relaxed {
        None => trace,
        Some(r) => match relax::concretize(r, cert.policy, &model.regexes, cert.regexes, &trace) {
            Some(t) => t,
            None => {
                ans.status = Status::Unknown(
                    "a trace exists once parameters related to attributes are relaxed, \
                     but no concrete values realise it"
                        .into(),
                );
                return;
            }
        },
    };
    let a = cert.original;
    ans.status = match replay::replay(cert.image, cert.policy, &model.regexes, a, &trace) {
        Ok(()) => match a.kind {
            AssertKind::Never => Status::Violated,
            AssertKind::Possible => Status::Holds,
        },
        Err(e) => Status::Disagreement(format!(
            "the runtime does not reproduce the trace the {} engine found: {e}",
            ans.engine
        )),
    };
    ans.trace = Some(trace);
}

/// The pattern is unreachable in the model: a proof if the model (as the
/// engine that searched it reads it) is exact.
fn exhausted(model: &Model<'_>, a: &guard_ir::Assert, ans: &mut Answer) {
    let exact = if ans.engine == "bfs" {
        &model.exact
    } else {
        &model.exact_symbolic
    };
    ans.status = match exact {
        Ok(()) => match a.kind {
            AssertKind::Never => Status::Holds,
            AssertKind::Possible => Status::Violated,
        },
        Err(why) => Status::Unknown(format!(
            "no trace in the model, but the model is not exact: {why}"
        )),
    };
}

fn spacer_answer(
    model: &Model<'_>,
    image: &Certifier<'_>,
    a: &guard_ir::Assert,
    options: Options,
    ans: &mut Answer,
) {
    ans.engine = "spacer";
    match spacer::check(model, a, options.budget) {
        Ok(spacer::Chc::Unreachable { invariant }) => {
            ans.invariant = Some(invariant);
            exhausted(model, a, ans);
        }
        Ok(spacer::Chc::Reachable) => {
            match bmc::find(model, a, options.bmc_depth, options.budget) {
                Ok(bmc::Bmc::Found(trace)) => found(model, image, trace, ans),
                Ok(bmc::Bmc::NoneUpTo(d)) => {
                    ans.status = Status::Unknown(format!(
                "Spacer finds the pattern reachable, but no trace of {d} events or fewer exists"
            ))
                }
                Ok(bmc::Bmc::Unknown(why)) | Err(why) => ans.status = Status::Unknown(why),
            }
        }
        Ok(spacer::Chc::Unknown(why)) => ans.status = Status::Unknown(why),
        Err(why) if why.contains("re-check") => ans.status = Status::Disagreement(why),
        Err(why) => {
            ans.status = Status::Unknown(format!("the encoder cannot express this policy: {why}"))
        }
    }
}
