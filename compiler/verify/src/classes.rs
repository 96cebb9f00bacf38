//! Argument classes: a finite set of concrete witness values per
//! parameter (or output text, or attribute) such that every value the
//! subject can take behaves, in every expression the policy evaluates on
//! it, exactly like one of the witnesses — in every state, for every
//! attribute value and every value of the other (finite) parameters. The
//! model checker then only has to try the witnesses.
//!
//! The rules observe a value only through a few atoms: whole-value
//! regexes and globs, equality and membership with constants,
//! `starts_with`/`ends_with`/`contains` with constants, `len`, `lower`,
//! `host`, `scheme`, and integer comparisons. Each kind of subject has its
//! own module: `strings` (str, path, url and output text: the product of
//! the atoms' automata with the subject's domain, searched breadth first
//! by `product`, one class per distinct behaviour of the guards),
//! `ints` (the points where some comparison or overflow can change its
//! outcome), `lists` (membership, equality and length). `coupling` finds
//! expressions that relate two unbounded subjects, where per-subject
//! classes are not enough.
//!
//! Honesty is the invariant: `Witnesses::exact` is `Ok` only when the
//! classes are provably exhaustive. Whatever cannot be followed exactly
//! (a regex the automaton builder refuses, a comparison with another
//! unbounded value, too many classes) makes it `Err` with a short reason
//! for users; the witnesses are then still a useful sample. String
//! witnesses are checked against the runtime's own text functions before
//! they are returned.
//!
//! Not modelled (both only make the runtime deny more, so a search over
//! the witnesses still over-approximates what can execute): the runtime's
//! buffer limits (`lower`/`host`/`scheme` results longer than the scratch
//! space, very long lists of paths or enums) deny an event that the
//! witness of its class would not.

mod coupling;
mod domain;
mod expr;
mod ints;
mod lists;
mod product;
mod strings;

#[cfg(test)]
mod tests;

use guard_ir as ir;

use crate::value::Value;

pub use coupling::coupling;
pub(crate) use expr::visit as visit_expr;

/// The most witnesses one subject gets; past it the classes are reported
/// inexact and the witnesses are a sample.
pub const MAX_WITNESSES: usize = 1024;

/// What a set of witnesses is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Param(u8),
    Text,
    Attr(u16),
}

/// The witnesses of one subject.
#[derive(Debug, Clone)]
pub struct Witnesses {
    /// One value per feasible class; `None` is "absent" (only for
    /// optional parameters, always included for them, first).
    pub values: Vec<Option<Value>>,
    /// `Ok` when the classes are provably exhaustive; otherwise why not
    /// (shown to users, one short sentence).
    pub exact: Result<(), String>,
}

/// Witnesses for `subject` of type `ty` given every expression evaluated
/// on events of this tool or channel (rule guards, effect guards, effect
/// assignment values, assertion step guards). `regexes` is the table
/// `ExprKind::Match` indexes.
///
/// Each boolean expression is taken as one guard: string values are told
/// apart only where some guard's outcome can differ, so pass whole
/// guards, not their parts.
///
/// An integer-valued expression in `exprs` (an assignment value) is taken
/// as observed exactly: every value it can take is its own class. For an
/// assignment to an `int[lo..hi]` variable pass [`assignment_probes`]
/// instead, which only distinguishes what the assignment can.
///
/// The enum table is not an argument here, so for an enum (or a list of
/// enums) only the variants the expressions mention are known and the
/// answer is inexact; [`witnesses_with_enums`] gives every variant.
pub fn witnesses(
    subject: Subject,
    ty: &ir::Type,
    optional: bool,
    exprs: &[&ir::Expr],
    regexes: &[String],
) -> Witnesses {
    witnesses_with_enums(subject, ty, optional, exprs, regexes, None)
}

/// [`witnesses`] with the policy's enum table (`ir::Policy::enums`), so
/// that enum subjects get every variant.
pub fn witnesses_with_enums(
    subject: Subject,
    ty: &ir::Type,
    optional: bool,
    exprs: &[&ir::Expr],
    regexes: &[String],
    enums: Option<&[Vec<String>]>,
) -> Witnesses {
    // Only the expressions that mention the subject can tell its values
    // apart: every analysis below (string leaves and guards, integer
    // cuts, list membership) skips the others without looking at them.
    // The one exception is an enum whose variants are not given, which
    // takes the variants any expression mentions. Dropping the rest
    // before keying lets one answer serve every assertion whose own step
    // guards do not touch this subject, and every sliced policy that
    // keeps its guards.
    let own: Vec<&ir::Expr>;
    let exprs = if enums.is_none() && names_enum(ty) {
        exprs
    } else {
        own = exprs
            .iter()
            .copied()
            .filter(|e| expr::mentions(e, subject))
            .collect();
        &own[..]
    };
    // Classification is a pure function of its arguments, and the same
    // parameter is classified again for every assertion, deep lint and
    // concretisation attempt of a run: remember the answers. The key is
    // the arguments' full debug rendering (regex texts included), so two
    // different questions never share an answer.
    let key = format!("{subject:?}|{ty:?}|{optional}|{exprs:?}|{regexes:?}|{enums:?}");
    memo::get_or_compute(key, || {
        classify(subject, ty, optional, exprs, regexes, enums)
    })
}

/// Whether values of `ty` are enum variants (or lists of them).
fn names_enum(ty: &ir::Type) -> bool {
    match ty {
        ir::Type::Enum(_) => true,
        ir::Type::List(elem) => names_enum(elem),
        _ => false,
    }
}

/// Forgets every remembered classification, so that the next run pays for
/// its own (benchmarks compare engines from a cold start with it).
pub fn forget_classifications() {
    memo::clear();
    strings::forget();
}

/// A bounded, process-wide memo of classifications.
mod memo {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use super::Witnesses;

    /// Beyond this many entries the memo starts over (a long-lived process,
    /// such as the language server, proves many versions of a policy).
    const CAPACITY: usize = 4096;

    /// One answer, filled in once by whichever thread asked first.
    type Cell = Arc<OnceLock<Witnesses>>;

    fn table() -> &'static Mutex<HashMap<String, Cell>> {
        static TABLE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
        TABLE.get_or_init(|| Mutex::new(HashMap::new()))
    }

    /// The remembered answer for `key`, or `compute`'s, remembered. Threads
    /// proving assertions side by side often ask the same question at
    /// once: the first computes it and the others wait for its answer
    /// rather than repeat the work (the table's lock is not held
    /// meanwhile, so other questions go on).
    pub(super) fn get_or_compute(key: String, compute: impl FnOnce() -> Witnesses) -> Witnesses {
        let cell = {
            // A poisoned lock only means another thread panicked while
            // holding it; the map itself is still consistent.
            let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
            if t.len() >= CAPACITY && !t.contains_key(&key) {
                t.clear();
            }
            Arc::clone(t.entry(key).or_default())
        };
        cell.get_or_init(compute).clone()
    }

    pub(super) fn clear() {
        table().lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn classify(
    subject: Subject,
    ty: &ir::Type,
    optional: bool,
    exprs: &[&ir::Expr],
    regexes: &[String],
    enums: Option<&[Vec<String>]>,
) -> Witnesses {
    let cx = Cx {
        subject,
        exprs,
        regexes,
        enums,
    };
    let (values, exact) = match ty {
        ir::Type::Bool => (vec![Value::Bool(false), Value::Bool(true)], Ok(())),
        ir::Type::Json => (vec![Value::Json], Ok(())),
        ir::Type::Enum(e) => enum_values(&cx, *e),
        ir::Type::Int => ints::witnesses(&cx, i64::MIN, i64::MAX, false),
        ir::Type::IntRange(lo, hi) => {
            let all = matches!(subject, Subject::Attr(_));
            ints::witnesses(&cx, *lo, *hi, all)
        }
        ir::Type::Str => strings::witnesses(&cx, strings::Kind::Str),
        ir::Type::Path => strings::witnesses(&cx, strings::Kind::Path),
        ir::Type::Url => strings::witnesses(&cx, strings::Kind::Url),
        ir::Type::List(elem) => lists::witnesses(&cx, elem),
    };
    let mut out: Vec<Option<Value>> = Vec::with_capacity(values.len() + 1);
    if optional {
        out.push(None);
    }
    out.extend(values.into_iter().map(Some));
    Witnesses { values: out, exact }
}

/// Expressions to pass to [`witnesses`] (and [`coupling`]) in place of
/// the assignment value `value` of an effect that sets an `int[lo..hi]`
/// state variable: they distinguish exactly what the assignment does
/// (each in-range result, out of range below or above, overflow), where
/// the bare value would make every result a class of its own.
pub fn assignment_probes(value: &ir::Expr, lo: i64, hi: i64) -> Vec<ir::Expr> {
    let cmp = |op: ir::BinOp, k: i64| ir::Expr {
        kind: ir::ExprKind::Binary {
            op,
            lhs: Box::new(value.clone()),
            rhs: Box::new(ir::Expr {
                kind: ir::ExprKind::Int(k),
                ty: ir::Type::Int,
            }),
        },
        ty: ir::Type::Bool,
    };
    let width = i128::from(hi) - i128::from(lo);
    if !(0..=MAX_WITNESSES as i128).contains(&width) {
        // Too wide (or empty) to spell out: the value itself, observed
        // exactly, which over-approximates the assignment.
        return vec![value.clone()];
    }
    let mut out = vec![cmp(ir::BinOp::Lt, lo), cmp(ir::BinOp::Gt, hi)];
    out.extend((lo..=hi).map(|k| cmp(ir::BinOp::Eq, k)));
    out
}

/// What every analysis reads: the subject and the expressions that
/// observe it.
pub(crate) struct Cx<'a> {
    pub subject: Subject,
    pub exprs: &'a [&'a ir::Expr],
    pub regexes: &'a [String],
    pub enums: Option<&'a [Vec<String>]>,
}

impl Cx<'_> {
    /// How many variants enum `e` has, if the table was given.
    pub fn variants(&self, e: u16) -> Option<usize> {
        self.enums.and_then(|t| t.get(usize::from(e))).map(Vec::len)
    }
}

/// Every variant when the enum table is known; otherwise the variants the
/// expressions mention (and the first), inexact.
fn enum_values(cx: &Cx<'_>, e: u16) -> (Vec<Value>, Result<(), String>) {
    if let Some(n) = cx.variants(e) {
        let n = n.min(usize::from(u16::MAX) + 1);
        return ((0..n).map(|v| Value::Enum(v as u16)).collect(), Ok(()));
    }
    let mut seen = vec![0u16];
    for x in cx.exprs {
        expr::visit(x, &mut |n| {
            if let ir::ExprKind::Enum { e: ee, variant } = n.kind {
                if ee == e && !seen.contains(&variant) {
                    seen.push(variant);
                }
            }
        });
    }
    seen.sort_unstable();
    (
        seen.into_iter().map(Value::Enum).collect(),
        Err("the enum's variants are not known to the classifier".into()),
    )
}

/// Joins reasons for inexactness: the first one is reported.
pub(crate) fn first_err(reasons: &[String]) -> Result<(), String> {
    match reasons.first() {
        None => Ok(()),
        Some(r) => Err(r.clone()),
    }
}
