//! Guards of a common shape decided without the VM.
//!
//! Most guards are one string test of a parameter against a constant
//! (`starts_with(path, "/tmp/")`), a `context has L`, or a chain of such
//! tests joined by `||` (or by `&&`). The verifier compiles such a chain
//! to atoms joined by `jump.if_true` (`jump.if_false`) to the closing
//! `ret`. At load, [`analyse`] recognises that shape; deciding then tests
//! the atoms in order without a stack. The order and the short-circuit
//! are the VM's, so an absent parameter makes the guard false exactly
//! when the VM would reach it. Anything the fast path does not expect at
//! run time (a parameter that is not a string) falls back to the VM.

use crate::op::Op;
use crate::policy::ConstV;
use crate::session::{Arg, ArgMeta};
use crate::verify::Insn;
use crate::vm::Ctx;

/// A string test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    Starts,
    Ends,
    Contains,
    Eq,
    Ne,
}

/// One test of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Atom {
    /// Parameter `param` against string `s` (an index into the image's
    /// strings).
    Param { param: u16, test: Test, s: u32 },
    /// `context has` label `a`.
    Ctx(u32),
}

/// A recognised guard: its atoms, joined by `||` (`any`) or `&&`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    pub any: bool,
    pub atoms: Box<[Atom]>,
}

/// The shape of the guard starting at `start`, if it has one.
pub(crate) fn analyse(insns: &[Insn], consts: &[ConstV], start: u32) -> Option<Shape> {
    let mut pc = start as usize;
    let mut atoms = Vec::new();
    // The jump kind of the chain and the target every jump must have.
    let mut join: Option<(Op, u32)> = None;
    loop {
        let i = insns.get(pc)?;
        let atom = match i.op {
            Op::CtxHas => {
                pc += 1;
                Atom::Ctx(i.a)
            }
            Op::LoadParam => {
                let c = insns.get(pc + 1)?;
                let t = insns.get(pc + 2)?;
                let s = match (c.op, consts.get(c.a as usize)?) {
                    (Op::PushConst, ConstV::Str(s)) => *s,
                    _ => return None,
                };
                let test = match t.op {
                    Op::StartsWith => Test::Starts,
                    Op::EndsWith => Test::Ends,
                    Op::Contains => Test::Contains,
                    Op::Eq => Test::Eq,
                    Op::Ne => Test::Ne,
                    _ => return None,
                };
                pc += 3;
                Atom::Param {
                    param: u16::try_from(i.a).ok()?,
                    test,
                    s,
                }
            }
            _ => return None,
        };
        atoms.push(atom);
        let next = insns.get(pc)?;
        match next.op {
            Op::Ret => {
                let any = match join {
                    None => true,
                    Some((op, target)) => {
                        if target as usize != pc {
                            return None;
                        }
                        op == Op::JumpIfTrue
                    }
                };
                return Some(Shape {
                    any,
                    atoms: atoms.into_boxed_slice(),
                });
            }
            Op::JumpIfTrue | Op::JumpIfFalse => {
                match join {
                    None => join = Some((next.op, next.a)),
                    Some(j) if j == (next.op, next.a) => {}
                    Some(_) => return None,
                }
                // Jumps go forward, to the closing `ret`.
                if (next.a as usize) <= pc {
                    return None;
                }
                pc += 1;
            }
            _ => return None,
        }
    }
}

/// Evaluates a recognised guard: `Some(matches)`, or `None` when the VM
/// must decide it.
#[inline]
pub(crate) fn eval(ctx: &Ctx<'_>, shape: &Shape) -> Option<bool> {
    for atom in shape.atoms.iter() {
        let v = match *atom {
            Atom::Ctx(a) => a < 64 && (ctx.context >> a) & 1 == 1,
            Atom::Param { param, test, s } => {
                let p = usize::from(param);
                let x = match *ctx.meta.get(p)? {
                    // The VM returns "absent", which fails the guard.
                    ArgMeta::Absent => return Some(false),
                    ArgMeta::Plain | ArgMeta::Url(..) => match ctx.args.get(p) {
                        Arg::Str(s) => s,
                        _ => return None,
                    },
                    ArgMeta::Path(s, n) => ctx.paths.get(s as usize..s as usize + n as usize)?,
                    _ => return None,
                };
                let y = ctx.policy.string(s);
                if test == Test::Contains {
                    x.contains(y)
                } else {
                    let (x, y) = (x.as_bytes(), y.as_bytes());
                    match test {
                        Test::Starts => x.get(..y.len()).is_some_and(|p| same(p, y)),
                        Test::Ends => x
                            .len()
                            .checked_sub(y.len())
                            .and_then(|k| x.get(k..))
                            .is_some_and(|p| same(p, y)),
                        Test::Eq | Test::Contains => same(x, y),
                        Test::Ne => !same(x, y),
                    }
                }
            }
        };
        if v == shape.any {
            return Some(v);
        }
    }
    Some(!shape.any)
}

/// Whether `a` and `b` are the same bytes: inline for the short
/// constants guards compare against (a call to `memcmp` costs more than
/// the comparison).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| {
        s.get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map(u64::from_ne_bytes)
    };
    match n {
        0..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        // Two words that may overlap cover 8 to 16 bytes.
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn same_is_byte_equality() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert!(same(&a, &a.clone()));
            for k in 0..n {
                let mut b = a.clone();
                b[k] ^= 0x80;
                assert!(!same(&a, &b), "{n} {k}");
            }
            assert!(!same(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }
}
