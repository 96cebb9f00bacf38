//! The Promela export, for SPIN. The state is a set of globals (`int` for
//! state variables and attributes, `bool` for labels and monitor
//! positions); one process picks the session attributes, then loops over
//! one `d_step` per event of the model, guarded by the event's `exec`
//! condition, which asserts that the event does not complete the pattern
//! and then moves every variable to its next value at once (through
//! `hidden` temporaries, which are not part of SPIN's state).
//!
//! SPIN's integers are 32 bits and the policy's are 64, while the model's
//! witnesses include values at the edges of `i64` (where `+` overflows).
//! So integer terms are first folded with interval reasoning over the
//! variables' domains: a comparison the domains decide becomes a constant,
//! a linear one is normalised (`x + K <= C` to `x <= C - K`), and an `ite`
//! on a next value drops the branch that cannot lie in the variable's
//! domain (sound because `exec` guarantees the next value does). Whatever
//! still needs more than 32 bits is refused, never wrapped.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::system::{Role, System};
use super::term::{is_int, Op, T};

type Iv = (i128, i128);

const I32: Iv = (i32::MIN as i128, i32::MAX as i128);

pub fn model(sys: &System) -> Result<String, String> {
    if sys.max_args() > 0 {
        return Err(
            "the symbolic model has argument variables; Promela is written from the enumerated one"
                .into(),
        );
    }
    let f = Folder { sys };
    for v in &sys.vars {
        if let Some((lo, hi)) = v.domain {
            if !within((i128::from(lo), i128::from(hi)), I32) {
                return Err(format!(
                    "{} ranges over {lo}..{hi}, beyond SPIN's 32-bit integers",
                    v.about
                ));
            }
        }
    }
    let (reach, unreach) = sys.meaning();
    let mut out = String::from("/* guardc prove --emit pml\n");
    for line in &sys.header {
        let _ = writeln!(out, " * {}", super::comment(line));
    }
    let _ = writeln!(
        out,
        " *\n * SPIN: an assertion violation means some execution contains the pattern\n \
         * (the assertion is {reach}); no errors, that none does (it is {unreach}).\n \
         *   spin -a FILE && gcc -DSAFETY -o pan pan.c && ./pan -m1000000\n */\n"
    );
    for v in &sys.vars {
        let init = match v.role {
            Role::State(n) => format!(" = {n}"),
            Role::Label | Role::Monitor => " = false".into(),
            Role::Attr => String::new(),
        };
        let ty = if v.domain.is_some() { "int" } else { "bool" };
        let _ = writeln!(
            out,
            "{ty} {}{init}; /* {} */",
            v.name,
            super::comment(&v.about)
        );
    }
    // Temporaries for the variables some event changes.
    let changes: Vec<bool> = (0..sys.vars.len())
        .map(|v| {
            sys.steps
                .iter()
                .any(|st| st.next.get(v).is_some_and(|t| *t != T::Var(v)))
        })
        .collect();
    for (v, var) in sys.vars.iter().enumerate() {
        if changes[v] {
            // SPIN refuses hidden bits: booleans are held in bytes.
            let ty = if var.domain.is_some() { "int" } else { "byte" };
            let _ = writeln!(out, "hidden {ty} next_{};", var.name);
        }
    }
    out.push_str("\nactive proctype agent()\n{\n");
    out.push_str("    /* the session: any value of each attribute's domain */\n");
    for v in &sys.vars {
        if let (Role::Attr, Some((lo, hi))) = (v.role, v.domain) {
            let _ = writeln!(out, "    select({} : {lo} .. {hi});", v.name);
        }
    }
    out.push_str(
        "    /* any event, any number of times; none executes: a valid end */\nend:\n    do\n",
    );
    for (i, st) in sys.steps.iter().enumerate() {
        let exec = f.fold(&st.exec);
        if exec == T::Bool(false) {
            continue;
        }
        let _ = writeln!(out, "    /* event {i}: {} */", super::comment(&st.label));
        let _ = writeln!(out, "    :: d_step {{ {} ->", f.print(&exec)?);
        let done = f.fold(&st.done);
        if done != T::Bool(false) {
            let _ = writeln!(out, "        assert(!{});", f.print(&done)?);
        }
        let mut moves = Vec::new();
        for (v, t) in st.next.iter().enumerate() {
            if *t == T::Var(v) {
                continue;
            }
            let name = &sys.vars[v].name;
            let t = match sys.vars[v].domain {
                Some((lo, hi)) => f.next(f.fold(t), (i128::from(lo), i128::from(hi))),
                None => f.fold(t),
            };
            let _ = writeln!(out, "        next_{name} = {};", f.print(&t)?);
            moves.push(format!("{name} = next_{name}"));
        }
        for m in moves {
            let _ = writeln!(out, "        {m};");
        }
        out.push_str("       }\n");
    }
    out.push_str("    od\n}\n");
    Ok(out)
}

struct Folder<'s> {
    sys: &'s System,
}

impl Folder<'_> {
    fn int(&self, t: &T) -> bool {
        is_int(t, &|v| self.sys.is_int(v))
    }

    /// The values an integer term can take (over the domains; `None` when
    /// a variable has none, which a well-sorted term never reaches).
    fn interval(&self, t: &T) -> Option<Iv> {
        Some(match t {
            T::Int(n) => (*n, *n),
            T::Var(v) => {
                let (lo, hi) = self.sys.vars.get(*v)?.domain?;
                (i128::from(lo), i128::from(hi))
            }
            T::App(Op::Add, args) => args.iter().try_fold((0, 0), |acc: Iv, a| {
                let (lo, hi) = self.interval(a)?;
                Some((acc.0.checked_add(lo)?, acc.1.checked_add(hi)?))
            })?,
            T::App(Op::Neg, args) => {
                let (lo, hi) = self.interval(args.first()?)?;
                (hi.checked_neg()?, lo.checked_neg()?)
            }
            T::App(Op::Sub, args) => {
                let (first, rest) = args.split_first()?;
                rest.iter().try_fold(self.interval(first)?, |acc: Iv, a| {
                    let (lo, hi) = self.interval(a)?;
                    Some((acc.0.checked_sub(hi)?, acc.1.checked_sub(lo)?))
                })?
            }
            T::App(Op::Mul, args) => args.iter().try_fold((1, 1), |acc: Iv, a| {
                let (lo, hi) = self.interval(a)?;
                let c = [
                    acc.0.checked_mul(lo)?,
                    acc.0.checked_mul(hi)?,
                    acc.1.checked_mul(lo)?,
                    acc.1.checked_mul(hi)?,
                ];
                Some((*c.iter().min()?, *c.iter().max()?))
            })?,
            T::App(Op::Ite, args) => {
                let (a, b) = (self.interval(args.get(1)?)?, self.interval(args.get(2)?)?);
                (a.0.min(b.0), a.1.max(b.1))
            }
            _ => return None,
        })
    }

    /// `t` with every comparison the domains decide replaced by its value
    /// and the boolean structure simplified around the constants.
    fn fold(&self, t: &T) -> T {
        let T::App(op, args) = t else {
            return t.clone();
        };
        let args: Vec<T> = args.iter().map(|a| self.fold(a)).collect();
        match op {
            Op::And | Op::Or => {
                let unit = T::Bool(*op == Op::And);
                let zero = T::Bool(*op != Op::And);
                if args.contains(&zero) {
                    return zero;
                }
                let mut rest: Vec<T> = args.into_iter().filter(|a| *a != unit).collect();
                match rest.len() {
                    0 => unit,
                    1 => rest.swap_remove(0),
                    _ => T::App(*op, rest),
                }
            }
            Op::Not => match args.first() {
                Some(T::Bool(b)) => T::Bool(!b),
                _ => T::App(Op::Not, args),
            },
            Op::Implies => match args.as_slice() {
                [a, b] => self.fold(&T::App(
                    Op::Or,
                    vec![T::App(Op::Not, vec![a.clone()]), b.clone()],
                )),
                _ => T::App(Op::Implies, args),
            },
            Op::Ite => match args.as_slice() {
                [T::Bool(c), a, b] => {
                    if *c {
                        a.clone()
                    } else {
                        b.clone()
                    }
                }
                [_, a, b] if a == b => a.clone(),
                _ => T::App(Op::Ite, args),
            },
            Op::Xor | Op::Eq | Op::Distinct if args.len() == 2 && !self.int(&args[0]) => {
                match (&args[0], &args[1]) {
                    (T::Bool(a), T::Bool(b)) => T::Bool((a == b) == (*op == Op::Eq)),
                    _ => T::App(*op, args),
                }
            }
            Op::Eq | Op::Distinct | Op::Lt | Op::Le | Op::Gt | Op::Ge if args.len() == 2 => {
                let mut it = args.into_iter();
                match (it.next(), it.next()) {
                    (Some(l), Some(r)) => self.compare(*op, l, r),
                    _ => T::Bool(false),
                }
            }
            _ => {
                let t = T::App(*op, args);
                match self.interval(&t) {
                    Some((lo, hi)) if lo == hi => T::Int(lo),
                    _ => t,
                }
            }
        }
    }

    /// An integer comparison, decided by the domains if they can, else
    /// normalised to `Σ c·x ⋈ k`, else split on an `ite` inside it.
    fn compare(&self, op: Op, l: T, r: T) -> T {
        if let (Some(a), Some(b)) = (self.interval(&l), self.interval(&r)) {
            if let Some(v) = decide(op, a, b) {
                return T::Bool(v);
            }
        }
        if let (Some(a), Some(b)) = (linear(&l), linear(&r)) {
            let mut sum = a.0;
            for (v, c) in b.0 {
                *sum.entry(v).or_insert(0) -= c;
            }
            sum.retain(|_, c| *c != 0);
            let k = b.1 - a.1;
            let lhs = if sum.is_empty() {
                T::Int(0)
            } else {
                T::App(
                    Op::Add,
                    sum.into_iter()
                        .map(|(v, c)| match c {
                            1 => T::Var(v),
                            _ => T::App(Op::Mul, vec![T::Int(c), T::Var(v)]),
                        })
                        .collect(),
                )
            };
            if let Some(a) = self.interval(&lhs) {
                if let Some(v) = decide(op, a, (k, k)) {
                    return T::Bool(v);
                }
            }
            return T::App(op, vec![lhs, T::Int(k)]);
        }
        if let Some((c, a, b)) = split_ite(&l) {
            let t = T::App(
                Op::Ite,
                vec![c, self.compare(op, a, r.clone()), self.compare(op, b, r)],
            );
            return self.fold(&t);
        }
        if let Some((c, a, b)) = split_ite(&r) {
            let t = T::App(
                Op::Ite,
                vec![c, self.compare(op, l.clone(), a), self.compare(op, l, b)],
            );
            return self.fold(&t);
        }
        T::App(op, vec![l, r])
    }

    /// A next value, which `exec` guarantees lies in `dom`: an `ite`
    /// branch that cannot is dropped.
    fn next(&self, t: T, dom: Iv) -> T {
        if self.fits(&t) {
            return t;
        }
        let Some((c, a, b)) = split_ite(&t) else {
            return t;
        };
        let (a, b) = (self.next(a, dom), self.next(b, dom));
        let outside = |x: &T| self.interval(x).is_some_and(|i| i.1 < dom.0 || i.0 > dom.1);
        if outside(&a) {
            b
        } else if outside(&b) {
            a
        } else {
            T::App(Op::Ite, vec![c, a, b])
        }
    }

    /// Whether every integer in `t` fits in 32 bits.
    fn fits(&self, t: &T) -> bool {
        let here = !self.int(t) || self.interval(t).is_some_and(|i| within(i, I32));
        here && match t {
            T::App(_, args) => args.iter().all(|a| self.fits(a)),
            _ => true,
        }
    }

    fn print(&self, t: &T) -> Result<String, String> {
        if self.int(t) && !self.interval(t).is_some_and(|i| within(i, I32)) {
            return Err("an integer beyond SPIN's 32 bits the export cannot fold away".into());
        }
        let all = |args: &[T], sep: &str| -> Result<String, String> {
            Ok(args
                .iter()
                .map(|a| self.print(a))
                .collect::<Result<Vec<_>, _>>()?
                .join(sep))
        };
        Ok(match t {
            T::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
            T::Int(n) if *n < 0 => format!("({n})"),
            T::Int(n) => n.to_string(),
            T::Arg(_) => return Err("an event argument in the enumerated model".into()),
            T::Var(v) => self
                .sys
                .vars
                .get(*v)
                .ok_or("no such variable")?
                .name
                .clone(),
            T::App(Op::And, a) if a.is_empty() => "true".into(),
            T::App(Op::Or, a) if a.is_empty() => "false".into(),
            T::App(Op::And, a) => format!("({})", all(a, " && ")?),
            T::App(Op::Or, a) => format!("({})", all(a, " || ")?),
            T::App(Op::Not, a) => format!("(!{})", all(a, "")?),
            T::App(Op::Implies, a) if a.len() == 2 => {
                format!("((!{}) || {})", self.print(&a[0])?, self.print(&a[1])?)
            }
            T::App(Op::Ite, a) if a.len() == 3 => format!(
                "({} -> {} : {})",
                self.print(&a[0])?,
                self.print(&a[1])?,
                self.print(&a[2])?
            ),
            T::App(Op::Eq, a) if a.len() == 2 => format!("({})", all(a, " == ")?),
            T::App(Op::Xor | Op::Distinct, a) if a.len() == 2 => {
                format!("({})", all(a, " != ")?)
            }
            T::App(Op::Lt, a) if a.len() == 2 => format!("({})", all(a, " < ")?),
            T::App(Op::Le, a) if a.len() == 2 => format!("({})", all(a, " <= ")?),
            T::App(Op::Gt, a) if a.len() == 2 => format!("({})", all(a, " > ")?),
            T::App(Op::Ge, a) if a.len() == 2 => format!("({})", all(a, " >= ")?),
            T::App(Op::Add, a) => format!("({})", all(a, " + ")?),
            T::App(Op::Sub, a) => format!("({})", all(a, " - ")?),
            T::App(Op::Mul, a) => format!("({})", all(a, " * ")?),
            T::App(Op::Neg, a) => format!("(-{})", all(a, "")?),
            T::App(op, a) => {
                return Err(format!(
                    "`{op:?}` with {} arguments, which Promela cannot write",
                    a.len()
                ))
            }
        })
    }
}

fn within(i: Iv, range: Iv) -> bool {
    i.0 >= range.0 && i.1 <= range.1
}

/// The value of `a ⋈ b` for every `a` in `l` and `b` in `r`, if it is the
/// same for all.
fn decide(op: Op, l: Iv, r: Iv) -> Option<bool> {
    let (always, never) = match op {
        Op::Lt => (l.1 < r.0, l.0 >= r.1),
        Op::Le => (l.1 <= r.0, l.0 > r.1),
        Op::Gt => (l.0 > r.1, l.1 <= r.0),
        Op::Ge => (l.0 >= r.1, l.1 < r.0),
        Op::Eq | Op::Distinct => {
            let eq = (
                l.0 == l.1 && r.0 == r.1 && l.0 == r.0,
                l.1 < r.0 || r.1 < l.0,
            );
            if op == Op::Eq {
                eq
            } else {
                (eq.1, eq.0)
            }
        }
        _ => return None,
    };
    if always {
        Some(true)
    } else if never {
        Some(false)
    } else {
        None
    }
}

/// `t` as `Σ c·x + k`, if it is linear.
fn linear(t: &T) -> Option<(BTreeMap<usize, i128>, i128)> {
    match t {
        T::Int(n) => Some((BTreeMap::new(), *n)),
        T::Var(v) => Some((BTreeMap::from([(*v, 1)]), 0)),
        T::App(Op::Add | Op::Sub, args) => {
            let mut out = (BTreeMap::new(), 0i128);
            for (i, a) in args.iter().enumerate() {
                let sign = if i > 0 && matches!(t, T::App(Op::Sub, _)) {
                    -1
                } else {
                    1
                };
                let (m, k) = linear(a)?;
                for (v, c) in m {
                    *out.0.entry(v).or_insert(0) += sign * c;
                }
                out.1 = out.1.checked_add(sign * k)?;
            }
            Some(out)
        }
        T::App(Op::Neg, args) => {
            let (m, k) = linear(args.first()?)?;
            Some((m.into_iter().map(|(v, c)| (v, -c)).collect(), -k))
        }
        T::App(Op::Mul, args) => {
            let mut factor = 1i128;
            let mut lin: Option<(BTreeMap<usize, i128>, i128)> = None;
            for a in args {
                match (a, &lin) {
                    (T::Int(n), _) => factor = factor.checked_mul(*n)?,
                    (_, None) => lin = Some(linear(a)?),
                    _ => return None,
                }
            }
            let (m, k) = lin.unwrap_or((BTreeMap::new(), 1));
            Some((
                m.into_iter()
                    .map(|(v, c)| Some((v, c.checked_mul(factor)?)))
                    .collect::<Option<_>>()?,
                k.checked_mul(factor)?,
            ))
        }
        _ => None,
    }
}

/// `t` as `ite(c, a, b)` with an `ite` lifted out of arithmetic:
/// `x + ite(c, y, z)` is `ite(c, x + y, x + z)`.
fn split_ite(t: &T) -> Option<(T, T, T)> {
    let T::App(op, args) = t else {
        return None;
    };
    if let (Op::Ite, [c, a, b]) = (op, args.as_slice()) {
        return Some((c.clone(), a.clone(), b.clone()));
    }
    if !matches!(op, Op::Add | Op::Sub | Op::Neg | Op::Mul) {
        return None;
    }
    args.iter().enumerate().find_map(|(i, a)| {
        let (c, x, y) = split_ite(a)?;
        let with = |v: T| {
            let mut args = args.clone();
            args[i] = v;
            T::App(*op, args)
        };
        Some((c, with(x), with(y)))
    })
}
