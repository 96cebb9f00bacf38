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
                match test {
                    Test::Starts => x.starts_with(y),
                    Test::Ends => x.ends_with(y),
                    Test::Contains => x.contains(y),
                    Test::Eq => x == y,
                    Test::Ne => x != y,
                }
            }
        };
        if v == shape.any {
            return Some(v);
        }
    }
    Some(!shape.any)
}
