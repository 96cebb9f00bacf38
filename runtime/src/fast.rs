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
//!
//! Each guard gets a [`Plan`] at load. A chain of `context has` tests
//! alone, the commonest guard of all, becomes one mask test of the
//! context, with no chain to walk.

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

/// How a guard is evaluated, chosen at load. Every plan gives the VM's
/// answer; the VM's is the one every guard could have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// No guard: the rule always matches.
    Always,
    /// The context has some label of the mask (`context has a || context
    /// has b`; an empty mask never matches).
    CtxAny(u64),
    /// The context has every label of the mask (`&&`).
    CtxAll(u64),
    /// The chain `Policy::shapes[.0]`, or the VM from instruction `.1`
    /// when the chain meets a value it does not expect.
    Shape(u32, u32),
    /// One string test (the commonest chain), or the VM from `start`.
    Test {
        param: u16,
        test: Test,
        s: u32,
        start: u32,
    },
    /// The VM from this instruction.
    Vm(u32),
}

impl Plan {
    /// The plan that runs the guard starting at `start` on the VM.
    pub fn vm(start: Option<u32>) -> Plan {
        start.map_or(Plan::Always, Plan::Vm)
    }
}

/// The quickest plan for the guard starting at `start`, adding its chain
/// to `shapes` when it needs one.
pub(crate) fn plan(insns: &[Insn], consts: &[ConstV], start: u32, shapes: &mut Vec<Shape>) -> Plan {
    let Some(shape) = analyse(insns, consts, start) else {
        return Plan::Vm(start);
    };
    let mut mask = 0u64;
    for atom in shape.atoms.iter() {
        match *atom {
            // A label the context cannot hold (it has 64 bits) is never
            // there: it adds nothing to `any`, and makes `all` false.
            Atom::Ctx(a) if a < 64 => mask |= 1 << a,
            Atom::Ctx(_) if shape.any => {}
            Atom::Ctx(_) => return Plan::CtxAny(0),
            Atom::Param { param, test, s } if shape.atoms.len() == 1 => {
                return Plan::Test {
                    param,
                    test,
                    s,
                    start,
                };
            }
            Atom::Param { .. } => {
                let Ok(i) = u32::try_from(shapes.len()) else {
                    return Plan::Vm(start);
                };
                shapes.push(shape);
                return Plan::Shape(i, start);
            }
        }
    }
    if shape.any {
        Plan::CtxAny(mask)
    } else {
        Plan::CtxAll(mask)
    }
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
                // Jumps go forward, to the closing `ret`.
                if (next.a as usize) <= pc {
                    return None;
                }
                let target = thread(insns, next.op, next.a);
                match join {
                    None => join = Some((next.op, target)),
                    Some(j) if j == (next.op, target) => {}
                    Some(_) => return None,
                }
                pc += 1;
            }
            _ => return None,
        }
    }
}

/// Where a conditional jump to `target` ends up: a jump of the same kind
/// there takes the same branch on the value it finds (the one that made
/// this jump), so `(a || b) || c`, which jumps from `a` to the jump after
/// `b`, is the chain `a || b || c`. Only forward jumps are followed, so
/// this ends.
fn thread(insns: &[Insn], op: Op, mut target: u32) -> u32 {
    while let Some(i) = insns.get(target as usize) {
        if i.op != op || i.a <= target {
            break;
        }
        target = i.a;
    }
    target
}

/// Evaluates the recognised guard `Policy::shapes[i]`: `Some(matches)`,
/// or `None` when the VM must decide it.
#[inline(never)]
pub(crate) fn eval(ctx: &Ctx<'_>, i: u32) -> Option<bool> {
    let shape = ctx.policy.shapes.get(i as usize)?;
    for atom in shape.atoms.iter() {
        let v = match *atom {
            Atom::Ctx(a) => a < 64 && (ctx.context >> a) & 1 == 1,
            Atom::Param { param, test, s } => match string_test(ctx, param, test, s)? {
                Some(v) => v,
                // The VM returns "absent", which fails the guard.
                None => return Some(false),
            },
        };
        if v == shape.any {
            return Some(v);
        }
    }
    Some(!shape.any)
}

/// [`Plan::Test`]: a guard that is one string test.
#[inline(never)]
pub(crate) fn eval_test(ctx: &Ctx<'_>, param: u16, test: Test, s: u32) -> Option<bool> {
    Some(string_test(ctx, param, test, s)?.unwrap_or(false))
}

/// One string test of parameter `param` against string `s`: `Some(None)`
/// when the parameter is absent, `None` when the VM must decide.
#[inline(always)]
fn string_test(ctx: &Ctx<'_>, param: u16, test: Test, s: u32) -> Option<Option<bool>> {
    let p = usize::from(param);
    let x = match *ctx.meta.get(p)? {
        ArgMeta::Absent => return Some(None),
        ArgMeta::Plain | ArgMeta::Url(..) => match ctx.args.get(p) {
            Arg::Str(s) => s,
            Arg::Url(u) => u.as_str(),
            _ => return None,
        },
        ArgMeta::Path(s, n) => ctx.paths.get(s as usize..s as usize + n as usize)?,
        _ => return None,
    };
    let y = ctx.policy.string(s);
    let (xb, yb) = (x.as_bytes(), y.as_bytes());
    Some(Some(match test {
        Test::Starts => xb.get(..yb.len()).is_some_and(|p| same(p, yb)),
        Test::Ends => xb
            .len()
            .checked_sub(yb.len())
            .and_then(|k| xb.get(k..))
            .is_some_and(|p| same(p, yb)),
        Test::Eq => same(xb, yb),
        Test::Ne => !same(xb, yb),
        Test::Contains => contains(x, y),
    }))
}

/// Substring search, out of line: it is long, and rare in guards.
#[inline(never)]
fn contains(x: &str, y: &str) -> bool {
    x.contains(y)
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
    let word = crate::words::le64;
    match n {
        0..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        // Two words that may overlap cover 8 to 16 bytes, four 16 to 32
        // (a URL prefix is often longer than 16).
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=32 => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 16) == word(b, n - 16)
                && word(a, n - 8) == word(b, n - 8)
        }
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
