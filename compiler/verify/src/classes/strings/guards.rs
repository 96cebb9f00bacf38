//! From atoms to behaviour. Two values whose atoms differ may still be
//! indistinguishable: with ten `deny … when contains(cmd, "…")` rules
//! there are 1024 vectors of atoms but only as many behaviours as the
//! guards can tell apart. So the class of a value is not its atom vector
//! but, for every guard, the guard's *truth table*: its outcome for every
//! combination of outcomes of its other leaves (tests of states,
//! attributes, labels, other parameters, lengths), evaluated the way the
//! VM does — `&&` and `||` short-circuit, and a leaf that reads an absent
//! parameter or overflows stops the whole expression. Treating the other
//! leaves as independent only distinguishes more, so equal tables mean
//! equal behaviour in every state. Length classes are kept as they are.
//!
//! A guard with too many other leaves falls back to its atoms.

use guard_ir::{BinOp, Expr, ExprKind, Type};

use super::super::expr;
use super::super::Subject;
use super::leaves::{self, Pred, Term};

/// A guard with its leaves classified.
enum Sk {
    Const(bool),
    /// Bit `.0` of the atom vector, negated when `.1`.
    Atom(usize, bool),
    /// Free leaf `.0` of the guard.
    Free(usize),
    Not(Box<Sk>),
    And(Box<Sk>, Box<Sk>),
    Or(Box<Sk>, Box<Sk>),
    /// `==` (or `!=` when `.2`) of two booleans: both sides evaluated.
    Eq(Box<Sk>, Box<Sk>, bool),
}

/// An outcome of a leaf or a guard.
const F: u8 = 0;
const T: u8 = 1;
/// Read an absent parameter (the guard is false, an assignment denies).
const ABSENT: u8 = 2;
/// Overflowed (the event is denied).
const FAULT: u8 = 3;

struct Guard {
    sk: Sk,
    /// Per free leaf, the outcomes it can have.
    domains: Vec<Vec<u8>>,
    /// The atom bits the guard reads (for the fallback).
    bits: Vec<usize>,
    /// Atom bits inside free leaves (a free leaf that tests the subject
    /// in a way the skeleton does not follow): they are part of the key
    /// as they are.
    pinned: Vec<usize>,
}

/// The most combinations of other leaves one guard's table may have.
const MAX_TABLE: usize = 4096;

/// The guards of a subject, ready to compute class keys.
pub(crate) struct Guards {
    guards: Vec<Guard>,
}

impl Guards {
    /// Classifies the boolean expressions of `exprs` that mention `s`;
    /// `atoms[i]` is at bit `bit_of[i]` of atom vectors.
    pub fn new(
        exprs: &[&Expr],
        s: Subject,
        atoms: &[(Term, Pred)],
        bit_of: &[Option<usize>],
    ) -> Guards {
        let mut guards = Vec::new();
        for e in exprs {
            if e.ty != Type::Bool || !expr::mentions(e, s) {
                continue;
            }
            let mut g = Guard {
                sk: Sk::Const(false),
                domains: Vec::new(),
                bits: Vec::new(),
                pinned: Vec::new(),
            };
            g.sk = build(e, s, atoms, bit_of, &mut g);
            guards.push(g);
        }
        Guards { guards }
    }

    /// The class key of a value with atom vector `bits` and length
    /// classes `lens`.
    pub fn key(&self, bits: &[bool], lens: &[usize]) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        for &l in lens {
            out.extend_from_slice(&(l as u32).to_le_bytes());
        }
        for g in &self.guards {
            out.extend(
                g.pinned
                    .iter()
                    .map(|&b| u8::from(bits.get(b).copied().unwrap_or(false))),
            );
            let size = g
                .domains
                .iter()
                .try_fold(1usize, |n, d| n.checked_mul(d.len()))
                .filter(|&n| n <= MAX_TABLE);
            let Some(size) = size else {
                out.extend(
                    g.bits
                        .iter()
                        .map(|&b| u8::from(bits.get(b).copied().unwrap_or(false))),
                );
                continue;
            };
            let mut assign = vec![F; g.domains.len()];
            for mut k in 0..size {
                for (slot, d) in assign.iter_mut().zip(&g.domains) {
                    *slot = d.get(k % d.len()).copied().unwrap_or(F);
                    k /= d.len();
                }
                out.push(eval(&g.sk, bits, &assign));
            }
        }
        out
    }
}

fn build(
    e: &Expr,
    s: Subject,
    atoms: &[(Term, Pred)],
    bit_of: &[Option<usize>],
    g: &mut Guard,
) -> Sk {
    match &e.kind {
        ExprKind::Bool(b) => return Sk::Const(*b),
        ExprKind::Not(a) => return Sk::Not(Box::new(build(a, s, atoms, bit_of, g))),
        ExprKind::Binary { op, lhs, rhs } => {
            let both = |g: &mut Guard| {
                (
                    Box::new(build(lhs, s, atoms, bit_of, g)),
                    Box::new(build(rhs, s, atoms, bit_of, g)),
                )
            };
            match op {
                BinOp::And => {
                    let (a, b) = both(g);
                    return Sk::And(a, b);
                }
                BinOp::Or => {
                    let (a, b) = both(g);
                    return Sk::Or(a, b);
                }
                BinOp::Eq | BinOp::Ne if lhs.ty == Type::Bool => {
                    let (a, b) = both(g);
                    return Sk::Eq(a, b, *op == BinOp::Ne);
                }
                _ => {}
            }
        }
        _ => {}
    }
    if let Some((t, p, neg)) = leaves::leaf(e, s) {
        let bit = atoms
            .iter()
            .position(|(u, q)| *u == t && *q == p)
            .and_then(|i| bit_of.get(i).copied().flatten());
        if let Some(b) = bit {
            g.bits.push(b);
            return Sk::Atom(b, neg);
        }
    }
    // Any other leaf is free: true or false, and absent or overflowing
    // when it could. If it reads the subject (other than through `len`,
    // whose classes are in the key), the atoms it reads are pinned.
    if expr::mentions(e, s) {
        expr::visit(e, &mut |n| {
            if let Some((t, p, _)) = leaves::leaf(n, s) {
                let bit = atoms
                    .iter()
                    .position(|(u, q)| *u == t && *q == p)
                    .and_then(|i| bit_of.get(i).copied().flatten());
                if let Some(b) = bit {
                    g.pinned.push(b);
                }
            }
        });
    }
    let mut d = vec![F, T];
    if reads_param(e, s) {
        d.push(ABSENT);
    }
    if may_overflow(e) {
        d.push(FAULT);
    }
    g.domains.push(d);
    Sk::Free(g.domains.len() - 1)
}

/// Whether `e` reads a parameter that might be absent (any but the
/// subject, whose witnesses are present).
fn reads_param(e: &Expr, s: Subject) -> bool {
    let mut any = false;
    expr::visit(e, &mut |n| {
        if matches!(n.kind, ExprKind::Param(_)) && !expr::is_base(n, s) {
            any = true;
        }
    });
    any
}

fn may_overflow(e: &Expr) -> bool {
    let mut any = false;
    expr::visit(e, &mut |n| {
        if matches!(
            n.kind,
            ExprKind::Neg(_)
                | ExprKind::Binary {
                    op: BinOp::Add | BinOp::Sub,
                    ..
                }
        ) {
            any = true;
        }
    });
    any
}

/// The VM's evaluation order: `&&`/`||` short-circuit, anything that
/// stops (absent, fault) stops the whole expression.
fn eval(sk: &Sk, bits: &[bool], assign: &[u8]) -> u8 {
    let stop = |o: u8| o == ABSENT || o == FAULT;
    match sk {
        Sk::Const(b) => u8::from(*b),
        Sk::Atom(i, neg) => u8::from(bits.get(*i).copied().unwrap_or(false) != *neg),
        Sk::Free(v) => assign.get(*v).copied().unwrap_or(F),
        Sk::Not(a) => match eval(a, bits, assign) {
            T => F,
            F => T,
            o => o,
        },
        Sk::And(a, b) => match eval(a, bits, assign) {
            T => eval(b, bits, assign),
            o => o,
        },
        Sk::Or(a, b) => match eval(a, bits, assign) {
            F => eval(b, bits, assign),
            o => o,
        },
        Sk::Eq(a, b, ne) => {
            let x = eval(a, bits, assign);
            if stop(x) {
                return x;
            }
            let y = eval(b, bits, assign);
            if stop(y) {
                return y;
            }
            u8::from((x == y) != *ne)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard_ir::Builtin;

    fn contains(c: &str) -> Expr {
        Expr {
            kind: ExprKind::Call {
                func: Builtin::Contains,
                args: vec![
                    Expr {
                        kind: ExprKind::Param(0),
                        ty: Type::Str,
                    },
                    Expr {
                        kind: ExprKind::Str(c.into()),
                        ty: Type::Str,
                    },
                ],
            },
            ty: Type::Bool,
        }
    }

    #[test]
    fn separate_deny_rules_have_independent_tables() {
        let a = contains("a");
        let b = contains("b");
        let atoms = vec![
            (
                Term {
                    view: leaves::View::Whole,
                    lowers: 0,
                },
                Pred::Contains("a".into()),
            ),
            (
                Term {
                    view: leaves::View::Whole,
                    lowers: 0,
                },
                Pred::Contains("b".into()),
            ),
        ];
        let g = Guards::new(&[&a, &b], Subject::Param(0), &atoms, &[Some(0), Some(1)]);
        // Each guard is its own atom: four keys.
        let keys: Vec<Vec<u8>> = [[false, false], [true, false], [false, true], [true, true]]
            .iter()
            .map(|b| g.key(b, &[]))
            .collect();
        assert_eq!(keys.len(), 4);
        assert!(keys.windows(2).all(|w| w[0] != w[1]));
        // One guard `a || b`: three of the four behave alike.
        let or = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Or,
                lhs: Box::new(a),
                rhs: Box::new(b),
            },
            ty: Type::Bool,
        };
        let g = Guards::new(&[&or], Subject::Param(0), &atoms, &[Some(0), Some(1)]);
        assert_eq!(g.key(&[true, false], &[]), g.key(&[true, true], &[]));
        assert_eq!(g.key(&[false, true], &[]), g.key(&[true, true], &[]));
        assert_ne!(g.key(&[false, false], &[]), g.key(&[true, true], &[]));
    }

    #[test]
    fn atoms_inside_unfollowed_leaves_stay_in_the_key() {
        // `(p contains "a") in [true]`: the skeleton does not follow `in`
        // over booleans, so the atom inside must still separate values.
        let a = contains("a");
        let odd = Expr {
            kind: ExprKind::In {
                lhs: Box::new(a),
                rhs: Box::new(Expr {
                    kind: ExprKind::List(vec![Expr {
                        kind: ExprKind::Bool(true),
                        ty: Type::Bool,
                    }]),
                    ty: Type::List(Box::new(Type::Bool)),
                }),
            },
            ty: Type::Bool,
        };
        let atoms = vec![(
            Term {
                view: leaves::View::Whole,
                lowers: 0,
            },
            Pred::Contains("a".into()),
        )];
        let g = Guards::new(&[&odd], Subject::Param(0), &atoms, &[Some(0)]);
        assert_ne!(g.key(&[false], &[]), g.key(&[true], &[]));
    }
}
