//! The VM: runs one verified code block over an event and a state.
//!
//! Values borrow from the policy, the session's attributes, the event's
//! arguments and the session's binding buffers; results of `lower`,
//! `host` and `scheme` that must be copied go to a fixed-capacity scratch
//! string and are referred to by range ([`V::Tmp`]). The operand stack is
//! a `Vec` preallocated to [`MAX_STACK`] and recycled between runs, so a
//! run allocates nothing.
//!
//! The verifier has proven the types and depths, so the VM does not
//! re-check them; where Rust still needs a case for an impossible shape
//! (an empty stack, a value of another type), it fails closed with
//! [`Fault::Internal`] instead of panicking.

use regex_automata::meta;

use crate::fast::Plan;
use crate::op::{Op, MAX_STACK};
use crate::policy::{ConstV, Owned, Policy};
use crate::session::{Arg, ArgMeta, Args, AttrSlot};
use crate::text;

/// Why a run could not produce a value; the event is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Overflow,
    TooLong,
    Internal,
}

/// A stack value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    Bool(bool),
    Int(i64),
    Enum(u16),
    Str(&'a str),
    /// A URL with its host's byte range (from binding or session open).
    Url(&'a str, u32, u32),
    /// `len` bytes of the scratch string from `start`.
    Tmp(u32, u32),
    List(L<'a>),
}

/// A list value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum L<'a> {
    /// An argument's elements as given (bools, ints, strings, normal
    /// paths, URLs).
    Args(&'a [Arg<'a>]),
    /// Normalised paths: ranges of the binding's path buffer.
    Paths(&'a [(u32, u32)]),
    /// Enum variants.
    Enums(&'a [u16]),
    /// Constant or attribute elements.
    Owned(&'a [Owned]),
}

/// A list element or scalar, for comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sc<'a> {
    Bool(bool),
    Int(i64),
    Enum(u16),
    Str(&'a str),
}

/// What a run reads.
pub(crate) struct Ctx<'a> {
    pub policy: &'a Policy,
    pub args: Args<'a>,
    pub meta: &'a [ArgMeta],
    pub paths: &'a str,
    pub path_items: &'a [(u32, u32)],
    pub enum_items: &'a [u16],
    pub text: &'a str,
    pub attrs: &'a [AttrSlot],
    pub context: u64,
}

/// What a run writes: the scratch string, the recycled stack, the
/// caches of fallback regexes.
pub(crate) struct Scratch {
    pub tmp: String,
    pub tmp_cap: usize,
    pub stack: Vec<V<'static>>,
    pub caches: Vec<meta::Cache>,
}

impl Scratch {
    pub fn new(policy: &Policy, tmp_cap: usize) -> Scratch {
        Scratch {
            tmp: String::with_capacity(tmp_cap),
            tmp_cap,
            stack: Vec::with_capacity(MAX_STACK + 1),
            caches: policy
                .regexes
                .meta
                .iter()
                .map(meta::Regex::create_cache)
                .collect(),
        }
    }
}

/// What a block gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Out {
    /// The result as an integer: a bool as 0/1, a variant index, an int.
    Value(i64),
    /// The block read optional parameter `.0`, which the call lacks.
    Absent(u16),
}

/// Runs the block starting at instruction `start` with state `state`.
pub(crate) fn eval(
    ctx: &Ctx<'_>,
    state: &[i64],
    start: u32,
    sx: &mut Scratch,
) -> Result<Out, Fault> {
    let mut stack = std::mem::take(&mut sx.stack);
    sx.tmp.clear();
    let r = run(ctx, state, start, &mut stack, sx);
    sx.stack = recycle(stack);
    r
}

/// Hands the stack's allocation back with a `'static` element type. The
/// vector is empty, and `into_iter().map().collect()` into a type of the
/// same layout reuses the allocation in place, so this allocates nothing
/// (the allocation-counting test holds us to it).
fn recycle(mut v: Vec<V<'_>>) -> Vec<V<'static>> {
    v.clear();
    v.into_iter().map(|_| V::Bool(false)).collect()
}

/// Runs a guard by its plan: `true` only if it evaluates to true (an
/// absent parameter makes it false). The mask plans are a few
/// instructions, inlined where rules are decided; the rest is a call.
#[inline(always)]
pub(crate) fn guard(
    ctx: &Ctx<'_>,
    state: &[i64],
    plan: Plan,
    sx: &mut Scratch,
) -> Result<bool, Fault> {
    match plan {
        Plan::Always => Ok(true),
        Plan::CtxAny(m) => Ok(ctx.context & m != 0),
        Plan::CtxAll(m) => Ok(ctx.context & m == m),
        Plan::Shape(i, start) => match crate::fast::eval(ctx, i) {
            Some(m) => Ok(m),
            None => run_guard(ctx, state, start, sx),
        },
        Plan::Test {
            param,
            test,
            s,
            start,
        } => match crate::fast::eval_test(ctx, param, test, s) {
            Some(m) => Ok(m),
            None => run_guard(ctx, state, start, sx),
        },
        Plan::Vm(start) => run_guard(ctx, state, start, sx),
    }
}

/// A guard on the VM, out of line so that the quick plans stay small.
#[inline(never)]
fn run_guard(ctx: &Ctx<'_>, state: &[i64], start: u32, sx: &mut Scratch) -> Result<bool, Fault> {
    Ok(eval(ctx, state, start, sx)? == Out::Value(1))
}

fn run<'a>(
    ctx: &Ctx<'a>,
    state: &[i64],
    start: u32,
    st: &mut Vec<V<'a>>,
    sx: &mut Scratch,
) -> Result<Out, Fault> {
    use Fault::Internal;
    let policy = ctx.policy;
    let insns = &policy.insns;
    let mut pc = start as usize;
    loop {
        let Some(insn) = insns.get(pc) else {
            return Err(Internal);
        };
        pc += 1;
        let a = insn.a;
        match insn.op {
            Op::PushTrue => st.push(V::Bool(true)),
            Op::PushFalse => st.push(V::Bool(false)),
            Op::PushConst => st.push(match policy.consts.get(a as usize) {
                Some(ConstV::Int(n)) => V::Int(*n),
                Some(ConstV::Bool(b)) => V::Bool(*b),
                Some(ConstV::Str(s)) => V::Str(policy.string(*s)),
                Some(ConstV::Enum(v)) => V::Enum(*v),
                Some(ConstV::List(s, n)) => {
                    let items = policy.items.get(rng(*s, *n));
                    V::List(L::Owned(items.ok_or(Internal)?))
                }
                None => return Err(Internal),
            }),
            Op::LoadParam => match load_param(ctx, a as usize)? {
                Some(v) => st.push(v),
                None => return Ok(Out::Absent(a as u16)),
            },
            Op::HasParam => st.push(V::Bool(!matches!(
                ctx.meta.get(a as usize),
                Some(ArgMeta::Absent) | None
            ))),
            Op::LoadState => {
                let v = *state.get(a as usize).ok_or(Internal)?;
                st.push(match policy.image.states.get(a as usize).map(|s| &s.kind) {
                    Some(crate::model::StateKind::Bool) => V::Bool(v != 0),
                    Some(crate::model::StateKind::Enum(_)) => V::Enum(v as u16),
                    Some(crate::model::StateKind::Int { .. }) => V::Int(v),
                    None => return Err(Internal),
                });
            }
            Op::LoadAttr => st.push(match ctx.attrs.get(a as usize) {
                Some(AttrSlot::Bool(b)) => V::Bool(*b),
                Some(AttrSlot::Int(n)) => V::Int(*n),
                Some(AttrSlot::Enum(v)) => V::Enum(*v),
                Some(AttrSlot::Str(s)) => V::Str(s),
                Some(AttrSlot::Url(s, h, e)) => V::Url(s, *h, *e),
                Some(AttrSlot::List(items)) => V::List(L::Owned(items)),
                Some(AttrSlot::Missing) | None => return Err(Internal),
            }),
            Op::LoadText => st.push(V::Str(ctx.text)),
            Op::Not => {
                let b = pop_bool(st)?;
                st.push(V::Bool(!b));
            }
            Op::Neg => {
                let n = pop_int(st)?;
                st.push(V::Int(n.checked_neg().ok_or(Fault::Overflow)?));
            }
            Op::Add | Op::Sub => {
                let y = pop_int(st)?;
                let x = pop_int(st)?;
                let r = if insn.op == Op::Add {
                    x.checked_add(y)
                } else {
                    x.checked_sub(y)
                };
                st.push(V::Int(r.ok_or(Fault::Overflow)?));
            }
            Op::Eq | Op::Ne => {
                let y = st.pop().ok_or(Internal)?;
                let x = st.pop().ok_or(Internal)?;
                let e = equal(ctx, &sx.tmp, x, y)?;
                st.push(V::Bool(e == (insn.op == Op::Eq)));
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let y = pop_int(st)?;
                let x = pop_int(st)?;
                st.push(V::Bool(match insn.op {
                    Op::Lt => x < y,
                    Op::Le => x <= y,
                    Op::Gt => x > y,
                    _ => x >= y,
                }));
            }
            Op::In => {
                let l = match st.pop() {
                    Some(V::List(l)) => l,
                    _ => return Err(Internal),
                };
                let x = st.pop().ok_or(Internal)?;
                let x = scalar(&sx.tmp, x)?;
                let mut found = false;
                for i in 0..len_of(l) {
                    if elem(ctx, l, i)? == x {
                        found = true;
                        break;
                    }
                }
                st.push(V::Bool(found));
            }
            Op::Match => {
                let v = st.pop().ok_or(Internal)?;
                let s = string(&sx.tmp, &v)?;
                let m = policy
                    .regexes
                    .is_match(a as usize, s, &mut sx.caches)
                    .map_err(|_| Internal)?;
                st.push(V::Bool(m));
            }
            Op::CtxHas => st.push(V::Bool(a < 64 && (ctx.context >> a) & 1 == 1)),
            Op::StartsWith | Op::EndsWith | Op::Contains => {
                let y = st.pop().ok_or(Internal)?;
                let x = st.pop().ok_or(Internal)?;
                let (x, y) = (string(&sx.tmp, &x)?, string(&sx.tmp, &y)?);
                st.push(V::Bool(match insn.op {
                    Op::StartsWith => x.starts_with(y),
                    Op::EndsWith => x.ends_with(y),
                    _ => x.contains(y),
                }));
            }
            Op::Len => {
                let n = match st.pop().ok_or(Internal)? {
                    V::List(l) => len_of(l),
                    v => string(&sx.tmp, &v)?.chars().count(),
                };
                st.push(V::Int(i64::try_from(n).map_err(|_| Fault::Overflow)?));
            }
            Op::Lower => {
                let v = st.pop().ok_or(Internal)?;
                st.push(lower(sx, v)?);
            }
            Op::Host | Op::Scheme => {
                let (u, h, e) = match st.pop() {
                    Some(V::Url(u, h, e)) => (u, h as usize, e as usize),
                    _ => return Err(Internal),
                };
                let part = if insn.op == Op::Host {
                    u.get(h..e)
                } else {
                    u.find(':').and_then(|k| u.get(..k))
                };
                st.push(lower(sx, V::Str(part.ok_or(Internal)?))?);
            }
            Op::JumpIfFalse | Op::JumpIfTrue => {
                let b = match st.last() {
                    Some(V::Bool(b)) => *b,
                    _ => return Err(Internal),
                };
                if b == (insn.op == Op::JumpIfTrue) {
                    pc = a as usize;
                } else {
                    st.pop();
                }
            }
            Op::Ret => {
                return match st.pop() {
                    Some(V::Bool(b)) => Ok(Out::Value(i64::from(b))),
                    Some(V::Int(n)) => Ok(Out::Value(n)),
                    Some(V::Enum(v)) => Ok(Out::Value(i64::from(v))),
                    _ => Err(Internal),
                }
            }
        }
    }
}

/// `n` elements from `s`, without overflow.
fn rng(s: u32, n: u32) -> std::ops::Range<usize> {
    s as usize..s as usize + n as usize
}

fn pop_bool(st: &mut Vec<V<'_>>) -> Result<bool, Fault> {
    match st.pop() {
        Some(V::Bool(b)) => Ok(b),
        _ => Err(Fault::Internal),
    }
}

fn pop_int(st: &mut Vec<V<'_>>) -> Result<i64, Fault> {
    match st.pop() {
        Some(V::Int(n)) => Ok(n),
        _ => Err(Fault::Internal),
    }
}

/// The value of parameter `i`; `None` when absent.
fn load_param<'a>(ctx: &Ctx<'a>, i: usize) -> Result<Option<V<'a>>, Fault> {
    let bad = Fault::Internal;
    Ok(Some(match *ctx.meta.get(i).ok_or(bad)? {
        ArgMeta::Absent => return Ok(None),
        ArgMeta::Plain => match ctx.args.get(i).plain() {
            Arg::Bool(b) => V::Bool(b),
            Arg::Int(n) => V::Int(n),
            Arg::Str(s) => V::Str(s),
            Arg::List(l) => V::List(L::Args(l)),
            // Json parameters cannot be loaded (verified), and a `Plain`
            // binding is never absent.
            Arg::Json | Arg::Absent | Arg::Url(_) => return Err(bad),
        },
        ArgMeta::Path(s, n) => V::Str(ctx.paths.get(rng(s, n)).ok_or(bad)?),
        ArgMeta::Url(h, e) => match ctx.args.get(i) {
            Arg::Str(s) => V::Url(s, h, e),
            Arg::Url(u) => V::Url(u.as_str(), h, e),
            _ => return Err(bad),
        },
        ArgMeta::Variant(v) => V::Enum(v),
        ArgMeta::EnumList(s, n) => V::List(L::Enums(ctx.enum_items.get(rng(s, n)).ok_or(bad)?)),
        ArgMeta::PathList(s, n) => V::List(L::Paths(ctx.path_items.get(rng(s, n)).ok_or(bad)?)),
    }))
}

/// The text of a string value.
fn string<'r>(tmp: &'r str, v: &V<'r>) -> Result<&'r str, Fault> {
    match *v {
        V::Str(s) | V::Url(s, ..) => Ok(s),
        V::Tmp(s, n) => tmp.get(rng(s, n)).ok_or(Fault::Internal),
        _ => Err(Fault::Internal),
    }
}

fn scalar<'r>(tmp: &'r str, v: V<'r>) -> Result<Sc<'r>, Fault> {
    Ok(match v {
        V::Bool(b) => Sc::Bool(b),
        V::Int(n) => Sc::Int(n),
        V::Enum(e) => Sc::Enum(e),
        V::Str(_) | V::Url(..) | V::Tmp(..) => Sc::Str(string(tmp, &v)?),
        V::List(_) => return Err(Fault::Internal),
    })
}

fn len_of(l: L<'_>) -> usize {
    match l {
        L::Args(a) => a.len(),
        L::Paths(p) => p.len(),
        L::Enums(e) => e.len(),
        L::Owned(o) => o.len(),
    }
}

fn elem<'r>(ctx: &Ctx<'r>, l: L<'r>, i: usize) -> Result<Sc<'r>, Fault> {
    let bad = Fault::Internal;
    Ok(match l {
        L::Args(a) => match a.get(i).ok_or(bad)?.plain() {
            Arg::Bool(b) => Sc::Bool(b),
            Arg::Int(n) => Sc::Int(n),
            Arg::Str(s) => Sc::Str(s),
            _ => return Err(bad),
        },
        L::Paths(p) => {
            let (s, n) = *p.get(i).ok_or(bad)?;
            Sc::Str(ctx.paths.get(rng(s, n)).ok_or(bad)?)
        }
        L::Enums(e) => Sc::Enum(*e.get(i).ok_or(bad)?),
        L::Owned(o) => match o.get(i).ok_or(bad)? {
            Owned::Bool(b) => Sc::Bool(*b),
            Owned::Int(n) => Sc::Int(*n),
            Owned::Str(s) => Sc::Str(s),
            Owned::Enum(v) => Sc::Enum(*v),
        },
    })
}

fn equal<'r>(ctx: &Ctx<'r>, tmp: &'r str, x: V<'r>, y: V<'r>) -> Result<bool, Fault> {
    match (x, y) {
        (V::List(a), V::List(b)) => {
            let n = len_of(a);
            if n != len_of(b) {
                return Ok(false);
            }
            for i in 0..n {
                if elem(ctx, a, i)? != elem(ctx, b, i)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (x, y) => Ok(scalar(tmp, x)? == scalar(tmp, y)?),
    }
}

/// Lower-cases a string value, borrowing it when it has nothing to
/// lower-case and copying it into the scratch string otherwise.
fn lower<'a>(sx: &mut Scratch, v: V<'a>) -> Result<V<'a>, Fault> {
    let start = sx.tmp.len();
    match v {
        V::Str(s) | V::Url(s, ..) if !text::may_change_lower(s) => return Ok(V::Str(s)),
        V::Str(s) | V::Url(s, ..) => {
            text::lower_into(s, &mut sx.tmp, sx.tmp_cap).map_err(|_| Fault::TooLong)?;
        }
        V::Tmp(s, n) => {
            // Read one character at a time from the range while appending
            // after it: each borrow ends before the push.
            let (mut pos, end) = (s as usize, s as usize + n as usize);
            while pos < end {
                let c = sx
                    .tmp
                    .get(pos..end)
                    .and_then(|r| r.chars().next())
                    .ok_or(Fault::Internal)?;
                pos += c.len_utf8();
                for l in c.to_lowercase() {
                    if sx.tmp.len() + l.len_utf8() > sx.tmp_cap {
                        return Err(Fault::TooLong);
                    }
                    sx.tmp.push(l);
                }
            }
        }
        _ => return Err(Fault::Internal),
    }
    Ok(V::Tmp(start as u32, (sx.tmp.len() - start) as u32))
}
