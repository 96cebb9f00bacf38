//! Integer classes. The language only adds, subtracts, negates and
//! compares integers, so when the subject `x` occurs at most once in each
//! calculation, every calculation is `c·x + r` with `c = ±1` and `r` the
//! contribution of the rest (constants, states, attributes and other
//! parameters, each ranging over its declared range). A comparison of
//! `c·x + r` with `v`, and an overflow of `c·x + r`, can only change its
//! outcome at finitely many points of `x` for each `(r, v)`; the union of
//! these *start points* over every `r` and `v` cuts the domain into
//! intervals on which every expression behaves the same, whatever the
//! state. One witness per interval (the value nearest 0) is exhaustive.
//!
//! Anything else — `x` twice in one calculation, `x` compared with an
//! unbounded value, an assignment of `x` observed exactly — cuts the
//! domain at every point; that is still exact for a small finite domain
//! and reported inexact otherwise.
//!
//! The same analysis serves `len(s)` of strings and lists, with the
//! domain `0..=i64::MAX` (see `strings` and `lists`).

use guard_ir::{BinOp, Expr, ExprKind};

use super::expr::{self, Range, FULL};
use super::{Cx, MAX_WITNESSES};
use crate::value::Value;

/// Start points of classes: `x` and `x - 1` may behave differently
/// only when `x` is in one of these ranges.
#[derive(Debug, Default)]
pub(crate) struct Cuts {
    pub starts: Vec<Range>,
    /// Why the cuts may not be exact (the first reason found).
    pub inexact: Option<String>,
}

/// The cuts of the integer expression `is_x` denotes (`what` names it in
/// reasons) over `exprs`.
pub(crate) fn cuts(exprs: &[&Expr], is_x: &dyn Fn(&Expr) -> bool, what: &str) -> Cuts {
    let mut c = Cutter {
        is_x,
        what,
        out: Cuts::default(),
    };
    for e in exprs {
        c.top(e);
    }
    c.out
}

struct Cutter<'a> {
    is_x: &'a dyn Fn(&Expr) -> bool,
    what: &'a str,
    out: Cuts,
}

impl Cutter<'_> {
    fn has_x(&self, e: &Expr) -> bool {
        (self.is_x)(e) || expr::children(e).into_iter().any(|c| self.has_x(c))
    }

    fn inexact(&mut self, why: String) {
        if self.out.inexact.is_none() {
            self.out.inexact = Some(why);
        }
    }

    /// Every point is a start point: the value is observed exactly.
    fn everything(&mut self) {
        self.out.starts.push((i128::MIN / 4, i128::MAX / 4));
    }

    fn top(&mut self, e: &Expr) {
        if expr::is_int(&e.ty) && self.has_x(e) {
            // An assignment value: its result is observed exactly.
            self.everything();
        } else {
            self.visit(e);
        }
    }

    fn visit(&mut self, e: &Expr) {
        if !self.has_x(e) {
            return;
        }
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } if is_cmp(*op) && expr::is_int(&lhs.ty) => {
                self.compare(*op, lhs, rhs);
            }
            ExprKind::In { lhs, rhs } if expr::is_int(&lhs.ty) && self.has_x(lhs) => {
                match expr::const_list(rhs) {
                    Some(items) => {
                        for item in items {
                            if let Value::Int(k) = item {
                                let k = i128::from(k);
                                self.against(BinOp::Eq, lhs, (k, k));
                            }
                        }
                    }
                    None => {
                        let what = self.what.to_string();
                        self.inexact(format!(
                            "`{what}` is looked up in a list that is not constant"
                        ));
                        self.everything();
                    }
                }
            }
            _ if expr::is_int(&e.ty) => {
                // An integer in a position only comparisons and
                // arithmetic should reach: observe it exactly.
                self.everything();
            }
            _ => {
                for c in expr::children(e) {
                    self.visit(c);
                }
            }
        }
    }

    fn compare(&mut self, op: BinOp, a: &Expr, b: &Expr) {
        match (self.has_x(a), self.has_x(b)) {
            (true, true) => {
                let what = self.what.to_string();
                self.inexact(format!("`{what}` is compared with an expression of itself"));
                self.everything();
            }
            (true, false) => self.against(op, a, expr::range_of(b)),
            (false, true) => self.against(flip(op), b, expr::range_of(a)),
            (false, false) => {}
        }
    }

    /// `lin op v` for `v` in `other`, with `lin` linear in `x`.
    fn against(&mut self, op: BinOp, lin: &Expr, other: Range) {
        let Some((c, r)) = self.linear(lin) else {
            self.everything();
            return;
        };
        // c·x + r op v  ⇔  c·x op t  with t = v - r.
        let t = (other.0 - r.1, other.1 - r.0);
        let starts = match op {
            BinOp::Lt | BinOp::Ge => t,
            BinOp::Le | BinOp::Gt => (t.0 + 1, t.1 + 1),
            _ => (t.0, t.1 + 1),
        };
        self.add(c, starts);
    }

    /// Records start points given for `y = c·x`.
    fn add(&mut self, c: i8, (lo, hi): Range) {
        if lo > hi {
            return;
        }
        // For c = -1, `y` changing between k - 1 and k is `x` changing
        // between -k and 1 - k: the start point is 1 - k.
        let r = if c > 0 { (lo, hi) } else { (1 - hi, 1 - lo) };
        self.out.starts.push(r);
    }

    /// `e` as `c·x + r` (`r` ranging over a range), recording the start
    /// points of every overflow on the way; `None` if `x` occurs more
    /// than once or somewhere arithmetic cannot follow.
    fn linear(&mut self, e: &Expr) -> Option<(i8, Range)> {
        if (self.is_x)(e) {
            return Some((1, (0, 0)));
        }
        match &e.kind {
            ExprKind::Neg(a) => {
                let (c, r) = self.linear(a)?;
                // -(y + r) overflows exactly when y + r is i64::MIN.
                let min = FULL.0;
                self.add(c, (min - r.1, min - r.0 + 1));
                Some((-c, (-r.1, -r.0)))
            }
            ExprKind::Binary {
                op: op @ (BinOp::Add | BinOp::Sub),
                lhs,
                rhs,
            } => {
                let (c, r) = match (self.has_x(lhs), self.has_x(rhs)) {
                    (true, true) => {
                        let what = self.what.to_string();
                        self.inexact(format!("`{what}` occurs twice in one calculation"));
                        return None;
                    }
                    (true, false) => {
                        let (c, r) = self.linear(lhs)?;
                        let v = expr::range_of(rhs);
                        match op {
                            BinOp::Add => (c, (r.0 + v.0, r.1 + v.1)),
                            _ => (c, (r.0 - v.1, r.1 - v.0)),
                        }
                    }
                    (false, _) => {
                        let (c, r) = self.linear(rhs)?;
                        let v = expr::range_of(lhs);
                        match op {
                            BinOp::Add => (c, (v.0 + r.0, v.1 + r.1)),
                            _ => (-c, (v.0 - r.1, v.1 - r.0)),
                        }
                    }
                };
                // y + r overflows above when y ≥ MAX - r + 1, below when
                // y ≤ MIN - r - 1 (start point MIN - r).
                self.add(c, (FULL.1 - r.1 + 1, FULL.1 - r.0 + 1));
                self.add(c, (FULL.0 - r.1, FULL.0 - r.0));
                Some((c, r))
            }
            _ => {
                let what = self.what.to_string();
                self.inexact(format!(
                    "`{what}` is used in a calculation the classifier cannot follow"
                ));
                None
            }
        }
    }
}

fn is_cmp(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
    )
}

/// `a op b` ⇔ `b flip(op) a`.
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// The classes of `[lo, hi]` under `starts`, as intervals in ascending
/// order; `None` when there are more than `cap` (then `sample` holds a
/// bounded selection, nearest 0 first).
pub(crate) struct Classes {
    pub intervals: Vec<Range>,
    pub complete: bool,
}

pub(crate) fn classes(starts: &[Range], lo: i128, hi: i128, cap: usize) -> Classes {
    // Clip to the start points that matter and merge.
    let mut runs: Vec<Range> = starts
        .iter()
        .map(|&(a, b)| (a.max(lo + 1), b.min(hi)))
        .filter(|(a, b)| a <= b)
        .collect();
    runs.sort_unstable();
    let mut merged: Vec<Range> = Vec::with_capacity(runs.len());
    for (a, b) in runs {
        match merged.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let total: i128 = merged.iter().map(|(a, b)| b - a + 1).sum::<i128>() + 1;
    let complete = total <= cap as i128;
    // Every class starts at `lo` or at a start point; within a long run
    // of start points only a bounded number near 0 and the ends is kept
    // when the classes are too many anyway.
    let keep = if complete { i128::MAX } else { 64 };
    let mut intervals = Vec::new();
    let mut prev = lo;
    for &(a, b) in &merged {
        intervals.push((prev, a - 1));
        if (b - a) / 2 <= keep {
            for k in a..b {
                intervals.push((k, k));
            }
        } else {
            for k in (a..a + keep).chain((b - keep)..b) {
                intervals.push((k, k));
            }
            let zero = 0i128.clamp(a + keep, b - keep - 1);
            for k in zero.saturating_sub(keep).max(a + keep)..(zero + keep).min(b - keep) {
                intervals.push((k, k));
            }
        }
        prev = b;
    }
    intervals.push((prev, hi));
    intervals.sort_unstable();
    intervals.dedup();
    if !complete {
        intervals.sort_by_key(|&iv| nearest_zero(iv).unsigned_abs());
        intervals.truncate(cap);
        intervals.sort_unstable();
    }
    Classes {
        intervals,
        complete,
    }
}

/// The value of `[a, b]` nearest 0 (the most readable witness).
pub(crate) fn nearest_zero((a, b): Range) -> i128 {
    0i128.clamp(a, b)
}

/// Witnesses of an integer subject with domain `[lo, hi]`. With
/// `all_if_small`, a domain of at most [`MAX_WITNESSES`] values is
/// enumerated whole (attributes, which the model enumerates anyway).
pub(crate) fn witnesses(
    cx: &Cx<'_>,
    lo: i64,
    hi: i64,
    all_if_small: bool,
) -> (Vec<Value>, Result<(), String>) {
    let (lo, hi) = (i128::from(lo), i128::from(hi));
    if lo > hi {
        return (Vec::new(), Ok(()));
    }
    if all_if_small && hi - lo < MAX_WITNESSES as i128 {
        return ((lo..=hi).map(|v| Value::Int(v as i64)).collect(), Ok(()));
    }
    let subject = cx.subject;
    let is_x = move |e: &Expr| expr::is_base(e, subject);
    let c = cuts(cx.exprs, &is_x, &subject_name(subject));
    let k = classes(&c.starts, lo, hi, MAX_WITNESSES);
    let values = k
        .intervals
        .iter()
        .map(|&iv| Value::Int(nearest_zero(iv) as i64))
        .collect();
    let exact = if !k.complete {
        Err(format!(
            "an integer has more than {MAX_WITNESSES} classes of values"
        ))
    } else {
        match c.inexact {
            // The inexactness of the analysis only matters when it did not
            // end up cutting at every point of the domain anyway.
            Some(why) if k.intervals.iter().any(|(a, b)| a != b) => Err(why),
            _ => Ok(()),
        }
    };
    (values, exact)
}

pub(crate) fn subject_name(s: super::Subject) -> String {
    match s {
        super::Subject::Param(i) => format!("parameter {i}"),
        super::Subject::Text => "text".into(),
        super::Subject::Attr(i) => format!("attribute {i}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_ir::Type;

    fn x() -> Expr {
        Expr {
            kind: ExprKind::Param(0),
            ty: Type::Int,
        }
    }
    fn int(n: i64) -> Expr {
        Expr {
            kind: ExprKind::Int(n),
            ty: Type::Int,
        }
    }
    fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        let ty = if matches!(op, BinOp::Add | BinOp::Sub) {
            Type::Int
        } else {
            Type::Bool
        };
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(a),
                rhs: Box::new(b),
            },
            ty,
        }
    }

    fn values(exprs: &[&Expr], lo: i64, hi: i64) -> (Vec<i64>, Result<(), String>) {
        let cx = Cx {
            subject: super::super::Subject::Param(0),
            exprs,
            regexes: &[],
            enums: None,
        };
        let (v, e) = witnesses(&cx, lo, hi, false);
        (v.iter().filter_map(Value::as_int).collect(), e)
    }

    #[test]
    fn thresholds_of_one_comparison() {
        let e = bin(BinOp::Gt, x(), int(3));
        let (v, ok) = values(&[&e], i64::MIN, i64::MAX);
        assert_eq!(v, vec![0, 4]);
        assert!(ok.is_ok());
        let e = bin(BinOp::Eq, int(3), x());
        assert_eq!(values(&[&e], i64::MIN, i64::MAX).0, vec![0, 3, 4]);
    }

    #[test]
    fn overflow_classes_near_the_ends() {
        // x + 1 > 0 overflows at i64::MAX; -x overflows at i64::MIN.
        let e = bin(BinOp::Gt, bin(BinOp::Add, x(), int(1)), int(0));
        let (v, ok) = values(&[&e], i64::MIN, i64::MAX);
        assert!(ok.is_ok());
        assert_eq!(v, vec![-1, 0, i64::MAX]);
        let n = Expr {
            kind: ExprKind::Neg(Box::new(x())),
            ty: Type::Int,
        };
        let e = bin(BinOp::Lt, n, int(0));
        let (v, _) = values(&[&e], i64::MIN, i64::MAX);
        assert_eq!(v, vec![i64::MIN, 0, 1]);
    }

    #[test]
    fn states_widen_thresholds_and_ranges_clip() {
        let s = Expr {
            kind: ExprKind::State(0),
            ty: Type::IntRange(0, 3),
        };
        let e = bin(BinOp::Ge, bin(BinOp::Sub, s, x()), int(1));
        // s - x >= 1 ⇔ x <= s - 1: cuts at x = 0..=3 (start points).
        let (v, ok) = values(&[&e], -10, 10);
        assert!(ok.is_ok());
        assert_eq!(v, vec![-1, 0, 1, 2, 3]);
    }

    #[test]
    fn coupled_or_observed_values_are_inexact_when_unbounded() {
        let y = Expr {
            kind: ExprKind::Param(1),
            ty: Type::Int,
        };
        let e = bin(BinOp::Lt, x(), y);
        let (_, ok) = values(&[&e], i64::MIN, i64::MAX);
        assert!(ok.is_err());
        // The same comparison over a small domain is exact: every value.
        let (v, ok) = values(&[&e], 0, 5);
        assert!(ok.is_ok());
        assert_eq!(v, vec![0, 1, 2, 3, 4, 5]);
        // An assignment value observed exactly.
        let a = bin(BinOp::Add, x(), int(1));
        assert!(values(&[&a], i64::MIN, i64::MAX).1.is_err());
        let probes = super::super::assignment_probes(&a, 0, 3);
        let refs: Vec<&Expr> = probes.iter().collect();
        let (v, ok) = values(&refs, i64::MIN, i64::MAX);
        assert!(ok.is_ok());
        assert_eq!(v, vec![-2, -1, 0, 1, 2, 3, i64::MAX]);
    }

    #[test]
    fn twice_in_one_calculation_is_inexact() {
        let e = bin(BinOp::Gt, bin(BinOp::Add, x(), x()), int(3));
        assert!(values(&[&e], i64::MIN, i64::MAX).1.is_err());
    }
}
