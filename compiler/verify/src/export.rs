//! Exports for independent cross-checks (`guardc prove --emit`): the model
//! the verifier searches, written for tools that share no code with it —
//! the z3 and cvc5 command-line solvers, and SPIN. Every export is built
//! from the *same* encoding guardc's engines use (`symbolic::Encoder::step`
//! over the same `model::Model`), so a tool's verdict on it is a verdict on
//! exactly what guardc checked; only the printing is new.
//!
//! * `horn` — the constrained Horn clauses Spacer solves (`spacer`): the
//!   symbolic reading of the model (integer parameters and attributes are
//!   solver variables). SMT-LIB with `(set-logic HORN)`; `sat` means an
//!   inductive invariant excludes the pattern, `unsat` that it is
//!   reachable.
//! * `smt2` — bounded reachability (`bmc`) over the same symbolic reading,
//!   in QF_LIA: the transition relation unrolled `depth` times with a "no
//!   event" step, so the query is `sat` exactly when a trace of *at most*
//!   `depth` events completes the pattern.
//! * `pml` — a Promela model for SPIN over the enumerated reading that
//!   breadth-first search explores (one witness per argument class, every
//!   attribute valuation): the state as globals, one guarded alternative
//!   per event, and `assert(!done)`, so an assertion violation means the
//!   pattern is reachable. The terms still come from the `Encoder`, with
//!   the attributes as constants, while BFS evaluates with `eval`: so SPIN
//!   agreeing with BFS also checks the encoder against the concrete
//!   semantics. (SPIN's integers are 32 bits, which the symbolic reading's
//!   64-bit variables would not fit.)
//!
//! The policy is relaxed first, as `prove` does (`relax`: an atom relating
//! a parameter to a string attribute becomes a free boolean parameter), so
//! the exports are of the very model the engines search.
//!
//! One text per assertion. Attribute valuations that the engines try one
//! at a time ("groups") become one system with a `group` variable fixed
//! at the start, so one query covers them all. Terms are simplified by z3
//! (an equivalence) and then written by `term`, not by z3's printer.

mod promela;
mod smt;
mod system;
mod term;

#[cfg(test)]
mod tests;

use guard_check::hir;
use guard_diagnostics::Diagnostic;
use guard_ir::{AssertKind, Asserts, Policy};

use crate::model::{Limits, Model};
use crate::Options;

pub use system::Reading;
use system::System;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Bounded reachability, SMT-LIB QF_LIA (z3, cvc5).
    Smt2,
    /// Constrained Horn clauses, SMT-LIB HORN (z3).
    Horn,
    /// Promela (SPIN).
    Pml,
}

impl Format {
    /// The file extension of an export.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Smt2 => "smt2",
            Format::Horn => "horn.smt2",
            Format::Pml => "pml",
        }
    }

    /// The reading of the model the format is written from.
    pub fn reading(self) -> Reading {
        match self {
            Format::Smt2 | Format::Horn => Reading::Symbolic,
            Format::Pml => Reading::Enumerated,
        }
    }
}

/// The export of one assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub assertion: String,
    pub kind: AssertKind,
    /// The text, or why this assertion cannot be written in the format.
    pub text: Result<String, String>,
    /// Why the model is not exact, if it is not: a verdict on the export
    /// is then a verdict on the model only, as for guardc's own engines.
    pub inexact: Option<String>,
}

/// Exports every assertion of `program` in `format`, with the model limits
/// of `options` and `options.bmc_depth` as the bound of `smt2`.
pub fn emit(
    program: &hir::Program,
    format: Format,
    options: Options,
) -> Result<Vec<Export>, Vec<Diagnostic>> {
    let ex = Exporter::new(program, options.limits)?;
    Ok((0..ex.len())
        .map(|i| {
            let (text, inexact) = match ex.build(i, format.reading()) {
                Ok(b) => (b.render(format, options.bmc_depth), b.inexact),
                Err(why) => (Err(why), None),
            };
            Export {
                assertion: ex.asserts.asserts[i].name.clone(),
                kind: ex.asserts.asserts[i].kind,
                text,
                inexact,
            }
        })
        .collect())
}

/// A policy lowered once, each assertion's model built on demand — for
/// callers that want several formats, or to skip some assertions.
pub struct Exporter {
    /// The policy as the engines search it: relaxed (`relax`) when some
    /// parameter is related to a string attribute.
    policy: Policy,
    asserts: Asserts,
    relaxed: bool,
    limits: Limits,
}

impl Exporter {
    pub fn new(program: &hir::Program, limits: Limits) -> Result<Exporter, Vec<Diagnostic>> {
        let policy = guard_ir::lower(program)?;
        let asserts = guard_ir::lower_asserts(program, &policy);
        Ok(match crate::relax::relax(&policy, &asserts) {
            Some(r) => Exporter {
                policy: r.policy,
                asserts: r.asserts,
                relaxed: true,
                limits,
            },
            None => Exporter {
                policy,
                asserts,
                relaxed: false,
                limits,
            },
        })
    }

    /// How many assertions the policy has (in `prove`'s order).
    pub fn len(&self) -> usize {
        self.asserts.asserts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.asserts.asserts.is_empty()
    }

    pub fn name(&self, i: usize) -> Option<&str> {
        self.asserts.asserts.get(i).map(|a| a.name.as_str())
    }

    /// Why assertion `i`'s model is not exact, in each reading (`None`:
    /// it is). Builds the model only, which is much cheaper than `build`.
    pub fn inexact(&self, i: usize) -> Inexact {
        let model = Model::new(&self.policy, &self.asserts, i, self.limits);
        Inexact {
            symbolic: model.exact_symbolic.err(),
            enumerated: model.exact.err(),
        }
    }

    /// Assertion `i`'s model in `reading`, as a transition system.
    pub fn build(&self, i: usize, reading: Reading) -> Result<Built, String> {
        let a = self.asserts.asserts.get(i).ok_or("no such assertion")?;
        let model = Model::new(&self.policy, &self.asserts, i, self.limits);
        let inexact = match reading {
            Reading::Symbolic => model.exact_symbolic.clone().err(),
            Reading::Enumerated => model.exact.clone().err(),
        };
        let mut system = System::build(&model, a, reading, inexact.as_deref())?;
        if self.relaxed {
            system.header.push(
                "relaxed as guardc searches it: each atom relating a parameter to a string \
                 attribute is a free boolean parameter (`relax`)"
                    .into(),
            );
        }
        Ok(Built { system, inexact })
    }
}

/// Why a model is not exact, per reading (`None`: it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inexact {
    pub symbolic: Option<String>,
    pub enumerated: Option<String>,
}

/// One assertion's transition system, ready to be written.
pub struct Built {
    system: System,
    /// Why the model is not exact, if it is not.
    pub inexact: Option<String>,
}

impl Built {
    /// The text in `format` (`depth` bounds `smt2`). A format is written
    /// from any reading, but only `Format::reading` is what guardc's
    /// corresponding engine solves.
    pub fn render(&self, format: Format, depth: usize) -> Result<String, String> {
        match format {
            Format::Horn => Ok(smt::horn(&self.system)),
            Format::Smt2 => Ok(smt::bounded(&self.system, depth)),
            Format::Pml => promela::model(&self.system),
        }
    }
}

/// `text` made safe for a one-line comment in SMT-LIB and Promela.
fn comment(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            c if c.is_control() => c.escape_default().collect::<Vec<char>>(),
            // No `*/` can close a Promela comment early.
            '*' => vec!['*', ' '],
            c => vec![c],
        })
        .collect()
}
