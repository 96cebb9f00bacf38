//! List classes. Rules observe a list only through `c in l` with a
//! constant `c`, `l == [..]` with a constant list, and `len(l)`. So a
//! list's class is: which of the mentioned constants it holds, which
//! length class it is in (`ints` on `len(l)`), and which constant list,
//! if any, it equals. The witnesses are each valid constant list that
//! equality mentions, plus, for every set of mentioned constants and
//! every length class, one list with exactly those constants, of a length
//! in that class, equal to none of the constant lists — padded with an
//! element no atom mentions, or found by a bounded search when the element
//! type is finite.

use guard_ir::{BinOp, Builtin, Expr, ExprKind, Type};
use guard_runtime::text;

use super::expr;
use super::ints;
use super::{Cx, MAX_WITNESSES};
use crate::value::Value;

/// The longest list a witness may be.
const MAX_LEN: usize = 4096;
/// Candidate lists tried per class before giving up (inexact).
const BUDGET: usize = 100_000;

pub(crate) fn witnesses(cx: &Cx<'_>, elem: &Type) -> (Vec<Value>, Result<(), String>) {
    let mut reasons: Vec<String> = Vec::new();
    let mut members: Vec<Value> = Vec::new();
    let mut eqs: Vec<Vec<Value>> = Vec::new();
    for e in cx.exprs {
        walk(cx, e, &mut members, &mut eqs, &mut reasons);
    }
    let ok = |v: &Value| valid(cx, elem, v);
    members.retain(|v| ok(v));
    members.sort();
    members.dedup();
    eqs.retain(|l| l.iter().all(ok));
    eqs.sort();
    eqs.dedup();

    // Elements no membership test mentions: padding.
    let (pool, pool_known) = pool(cx, elem, &members, &eqs);
    if !pool_known {
        reasons.push("the enum's variants are not known to the classifier".into());
    }

    let subject = cx.subject;
    let is_x = move |e: &Expr| is_len(e, subject);
    let cuts = ints::cuts(cx.exprs, &is_x, "the length of a list");
    if let Some(why) = cuts.inexact {
        reasons.push(why);
    }
    let lens = ints::classes(&cuts.starts, 0, i128::from(i64::MAX), MAX_WITNESSES);
    if !lens.complete {
        reasons.push(format!(
            "a list length has more than {MAX_WITNESSES} classes"
        ));
    }

    let m = members.len();
    let subsets = if m >= 20 { usize::MAX } else { 1usize << m };
    if subsets.saturating_mul(lens.intervals.len()) > MAX_WITNESSES {
        reasons.push(format!(
            "a list has more than {MAX_WITNESSES} classes of values"
        ));
    }
    let mut masks: Vec<u32> = (0..subsets.min(MAX_WITNESSES) as u32).collect();
    masks.sort_by_key(|k| (k.count_ones(), *k));

    let max_eq = eqs.iter().map(Vec::len).max().unwrap_or(0);
    let mut out: Vec<Value> = Vec::new();
    'classes: for mask in masks {
        let s: Vec<Value> = (0..m)
            .filter(|&i| i < 32 && mask >> i & 1 == 1)
            .filter_map(|i| members.get(i).cloned())
            .collect();
        for &(lo, hi) in &lens.intervals {
            if out.len() >= MAX_WITNESSES {
                break 'classes;
            }
            // Past the longest constant list every candidate differs from
            // all of them, so trying lengths up to there is exhaustive.
            let first = lo.max(s.len() as i128);
            let last = hi.min(first.max(max_eq as i128 + 1));
            let mut n = first;
            let mut found = None;
            while n <= last {
                if n > MAX_LEN as i128 {
                    reasons.push(format!("a list would need more than {MAX_LEN} elements"));
                    break;
                }
                let (l, exhaustive) = find(&s, &pool, n as usize, &eqs);
                if !exhaustive {
                    reasons.push("a list class needs too long a search".into());
                }
                if l.is_some() {
                    found = l;
                    break;
                }
                n += 1;
            }
            if let Some(l) = found {
                out.push(Value::List(l));
            }
        }
    }
    for l in eqs {
        if out.len() < MAX_WITNESSES {
            out.push(Value::List(l));
        }
    }
    (out, super::first_err(&reasons))
}

/// Whether `e` is `len` of the subject.
fn is_len(e: &Expr, s: super::Subject) -> bool {
    matches!(&e.kind, ExprKind::Call { func: Builtin::Len, args }
        if matches!(args.as_slice(), [a] if expr::is_base(a, s)))
}

fn walk(
    cx: &Cx<'_>,
    e: &Expr,
    members: &mut Vec<Value>,
    eqs: &mut Vec<Vec<Value>>,
    reasons: &mut Vec<String>,
) {
    let s = cx.subject;
    if !expr::mentions(e, s) {
        return;
    }
    let note = |why: &str, reasons: &mut Vec<String>| {
        if !reasons.iter().any(|r| r == why) {
            reasons.push(why.to_string());
        }
    };
    match &e.kind {
        ExprKind::In { lhs, rhs } if expr::is_base(rhs, s) => match expr::const_value(lhs) {
            Some(v) => members.push(v),
            None => note(
                "a list is searched for a value that is not a constant",
                reasons,
            ),
        },
        ExprKind::Binary {
            op: BinOp::Eq | BinOp::Ne,
            lhs,
            rhs,
        } if expr::is_base(lhs, s) || expr::is_base(rhs, s) => {
            let other = if expr::is_base(lhs, s) { rhs } else { lhs };
            match expr::const_list(other) {
                Some(l) => eqs.push(l),
                None if expr::is_base(other, s) => {}
                None => note(
                    "a list is compared with a value that is not a constant",
                    reasons,
                ),
            }
        }
        ExprKind::Call {
            func: Builtin::Len,
            args,
        } if matches!(args.as_slice(), [a] if expr::is_base(a, s)) => {}
        _ if expr::is_base(e, s) => note(
            "a list is used in a way the classifier cannot follow",
            reasons,
        ),
        _ => {
            for c in expr::children(e) {
                walk(cx, c, members, eqs, reasons);
            }
        }
    }
}

/// Whether `v` can be an element of a list of `elem` (paths normalised,
/// URLs parsed, variants in range).
fn valid(cx: &Cx<'_>, elem: &Type, v: &Value) -> bool {
    match (elem, v) {
        (Type::Str, Value::Str(_)) => true,
        (Type::Path, Value::Str(s)) => text::is_normal_path(s),
        (Type::Url, Value::Str(s)) => text::parse_url(s).is_some(),
        (Type::Int, Value::Int(_)) | (Type::Bool, Value::Bool(_)) => true,
        (Type::IntRange(lo, hi), Value::Int(n)) => lo <= n && n <= hi,
        (Type::Enum(e), Value::Enum(x)) => cx.variants(*e).is_none_or(|k| usize::from(*x) < k),
        _ => false,
    }
}

/// Valid elements that are not members: a fresh one no constant list
/// holds (for unbounded element types), and the constant lists' other
/// elements; for finite types, every other value. The flag is false when
/// the element type's values are not known (an enum without its table).
fn pool(cx: &Cx<'_>, elem: &Type, members: &[Value], eqs: &[Vec<Value>]) -> (Vec<Value>, bool) {
    let used = |v: &Value| members.contains(v) || eqs.iter().any(|l| l.contains(v));
    let mut out: Vec<Value> = Vec::new();
    let mut known = true;
    let fresh: Option<Value> = match elem {
        Type::Str => (0..).map(fresh_str).map(Value::Str).find(|v| !used(v)),
        Type::Path => (0..)
            .map(|i| Value::Str(format!("/{}", fresh_str(i))))
            .find(|v| !used(v)),
        Type::Url => (1..)
            .map(|i| format!("https://{}", fresh_str(i)))
            .map(Value::Str)
            .find(|v| !used(v)),
        Type::Int => (0..).map(Value::Int).find(|v| !used(v)),
        Type::IntRange(..) | Type::Bool | Type::Enum(_) => None,
        _ => None,
    };
    match elem {
        Type::Bool => out.extend([Value::Bool(false), Value::Bool(true)]),
        Type::IntRange(lo, hi) => {
            // Enough values to pad with and to dodge the constant lists.
            let want = members.len() + eqs.iter().map(Vec::len).sum::<usize>() + 1;
            out.extend((*lo..=*hi).take(want).map(Value::Int));
        }
        Type::Enum(e) => match cx.variants(*e) {
            Some(k) => out.extend((0..k.min(usize::from(u16::MAX))).map(|v| Value::Enum(v as u16))),
            None => known = false,
        },
        _ => {}
    }
    out.extend(fresh);
    for l in eqs {
        out.extend(l.iter().cloned());
    }
    out.retain(|v| !members.contains(v) && valid(cx, elem, v));
    out.sort();
    out.dedup();
    // The fresh element first: padding with it can never equal a constant
    // list.
    if let Some(pos) = out.iter().position(|v| !eqs.iter().any(|l| l.contains(v))) {
        let v = out.remove(pos);
        out.insert(0, v);
    }
    (out, known)
}

/// `""`, `"a"`, …, `"z"`, `"aa"`, … (readable fresh strings).
fn fresh_str(i: usize) -> String {
    let mut s = String::new();
    let mut i = i;
    while i > 0 {
        i -= 1;
        s.insert(0, char::from(b'a' + (i % 26) as u8));
        i /= 26;
    }
    s
}

/// A list of length `n` holding every element of `s`, otherwise only
/// elements of `pool`, equal to no list of `eqs`; and whether the search
/// for one was exhaustive.
fn find(s: &[Value], pool: &[Value], n: usize, eqs: &[Vec<Value>]) -> (Option<Vec<Value>>, bool) {
    if n < s.len() || (n > s.len() && s.is_empty() && pool.is_empty()) {
        return (None, true);
    }
    // The readable candidate first: the members, then padding.
    let pad = pool.first().or(s.first());
    let mut first: Vec<Value> = s.to_vec();
    if let Some(p) = pad {
        first.resize(n, p.clone());
    }
    if first.len() == n && !eqs.contains(&first) {
        return (Some(first), true);
    }
    // Then every sequence over the allowed elements, in order.
    let alphabet: Vec<Value> = if n == s.len() {
        s.to_vec()
    } else {
        s.iter().chain(pool).cloned().collect()
    };
    if alphabet.is_empty() {
        return (
            if n == 0 && !eqs.contains(&Vec::new()) {
                Some(Vec::new())
            } else {
                None
            },
            true,
        );
    }
    let mut idx = vec![0usize; n];
    let mut budget = BUDGET;
    loop {
        let cand: Vec<Value> = idx
            .iter()
            .filter_map(|&i| alphabet.get(i).cloned())
            .collect();
        if s.iter().all(|v| cand.contains(v)) && !eqs.contains(&cand) {
            return (Some(cand), true);
        }
        budget -= 1;
        if budget == 0 {
            return (None, false);
        }
        // Odometer step.
        let mut k = n;
        loop {
            if k == 0 {
                return (None, true);
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < alphabet.len() {
                break;
            }
            idx[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_strings_are_readable() {
        assert_eq!(fresh_str(0), "");
        assert_eq!(fresh_str(1), "a");
        assert_eq!(fresh_str(26), "z");
        assert_eq!(fresh_str(27), "aa");
    }

    #[test]
    fn find_dodges_constant_lists() {
        let a = Value::Enum(0);
        let b = Value::Enum(1);
        // Only a and b exist; [a] and [a, a] are taken by equality atoms.
        let eqs = vec![vec![a.clone()], vec![a.clone(), a.clone()]];
        let (l, ex) = find(std::slice::from_ref(&a), std::slice::from_ref(&b), 2, &eqs);
        assert!(ex);
        assert_eq!(l, Some(vec![a.clone(), b.clone()]));
        let (l, ex) = find(std::slice::from_ref(&a), &[b], 1, &eqs);
        assert!(ex);
        assert_eq!(l, None);
    }
}
