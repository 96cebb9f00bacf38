//! The code verifier: decodes one code block, checks every instruction
//! and operand, and runs an abstract interpretation of the operand stack
//! (types and depth) over it, then emits the block as pre-decoded
//! [`Insn`]s for the VM.
//!
//! Jumps only go forward, so one pass in instruction order sees every
//! predecessor of an instruction before the instruction itself: the
//! stack state at each instruction is the merge of its fall-through and
//! its incoming jumps, and merging demands identical stacks. After this
//! pass the VM may trust the code: every operand index is in range, every
//! pop has a value of the right type under it, and every block ends in
//! `Ret` with one value of the type its use demands.

use crate::error::{At, Item, LoadError};
use crate::model::{CodeRef, Const, Image, Param, StateKind, ValueType};
use crate::op::{Op, MAX_STACK};

/// A pre-decoded instruction: the opcode and its operand, with jump
/// offsets turned into absolute instruction indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insn {
    pub op: Op,
    pub a: u32,
}

/// The static type of a stack value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Bool,
    Int,
    Str,
    /// A string that parsed as a URL (a `url` parameter or attribute):
    /// what `Host` and `Scheme` need. Everywhere else it is a `Str`.
    Url,
    Enum(u16),
    List(El),
}

/// The element type of a list; `Any` for the empty constant list, which
/// fits every list type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum El {
    Bool,
    Int,
    Str,
    Enum(u16),
    Any,
}

impl Ty {
    fn is_str(self) -> bool {
        matches!(self, Ty::Str | Ty::Url)
    }
    fn elem(self) -> Option<El> {
        match self {
            Ty::Bool => Some(El::Bool),
            Ty::Int => Some(El::Int),
            Ty::Str | Ty::Url => Some(El::Str),
            Ty::Enum(e) => Some(El::Enum(e)),
            Ty::List(_) => None,
        }
    }
}

fn el_compat(a: El, b: El) -> bool {
    a == El::Any || b == El::Any || a == b
}

/// Whether `==` may compare values of these types.
fn eq_compat(a: Ty, b: Ty) -> bool {
    match (a, b) {
        (Ty::List(x), Ty::List(y)) => el_compat(x, y),
        _ => match (a.elem(), b.elem()) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// The type a value of a declared parameter or attribute type has on the
/// stack; `None` for `json`, which code cannot read.
pub(crate) fn value_ty(t: &ValueType) -> Option<Ty> {
    Some(match t {
        ValueType::Bool => Ty::Bool,
        ValueType::Int | ValueType::IntRange(..) => Ty::Int,
        ValueType::Str | ValueType::Path => Ty::Str,
        ValueType::Url => Ty::Url,
        ValueType::Enum(e) => Ty::Enum(*e),
        ValueType::Json => return None,
        ValueType::List(el) => Ty::List(value_ty(el)?.elem()?),
    })
}

/// The type a state variable holds.
pub(crate) fn state_ty(k: &StateKind) -> Ty {
    match k {
        StateKind::Bool => Ty::Bool,
        StateKind::Enum(e) => Ty::Enum(*e),
        StateKind::Int { .. } => Ty::Int,
    }
}

/// The environment a block runs in.
pub(crate) struct Env<'a> {
    pub image: &'a Image,
    /// The tool's parameters; `None` in channel code (which may read
    /// `LoadText` instead).
    pub params: Option<&'a [Param]>,
    pub item: Item,
}

/// What the verifier learns about the whole image while checking blocks.
#[derive(Default)]
pub(crate) struct Usage {
    /// Regexes used by `Match` (whole-value matching).
    pub matched: Vec<bool>,
    /// Attributes some code reads.
    pub attrs_read: Vec<bool>,
}

/// Checks `cref` as a block returning `want` and appends its decoded
/// instructions to `out`; returns the index of its first instruction.
pub(crate) fn block(
    env: &Env<'_>,
    cref: CodeRef,
    want: Ty,
    out: &mut Vec<Insn>,
    usage: &mut Usage,
) -> Result<u32, LoadError> {
    let image = env.image;
    let at = |off: usize| At::code(env.item, off as u32);
    let start = cref.start as usize;
    let end = start.checked_add(cref.len as usize);
    let code = match end.and_then(|end| image.code.get(start..end)) {
        Some(c) if !c.is_empty() => c,
        _ => {
            return Err(LoadError::BadBlock {
                at: At::code(env.item, cref.start),
            })
        }
    };

    // 1. Decode: opcodes, operand widths, instruction boundaries.
    let mut decoded: Vec<(usize, Op, u32)> = Vec::new();
    let mut pos = 0;
    while pos < code.len() {
        let byte = code[pos];
        let Some(op) = Op::from_byte(byte) else {
            return Err(LoadError::BadOpcode {
                byte,
                at: at(start + pos),
            });
        };
        let n = op.operand_len();
        let Some(operand) = code.get(pos + 1..pos + 1 + n) else {
            return Err(LoadError::TruncatedInstruction {
                at: at(start + pos),
            });
        };
        let a = match operand {
            [x] => u32::from(*x),
            [x, y] => u32::from(u16::from_le_bytes([*x, *y])),
            _ => 0,
        };
        decoded.push((pos, op, a));
        pos += 1 + n;
    }
    let Some(&(last_pos, last_op, _)) = decoded.last() else {
        return Err(LoadError::BadBlock { at: at(start) });
    };
    if last_op != Op::Ret {
        return Err(LoadError::MissingRet {
            at: at(start + last_pos),
        });
    }

    // 2. Abstract interpretation, in instruction order.
    let base = out.len() as u32;
    let mut incoming: Vec<Option<Vec<Ty>>> = vec![None; decoded.len()];
    incoming[0] = Some(Vec::new());
    for i in 0..decoded.len() {
        let (p, op, a) = decoded[i];
        let here = at(start + p);
        let Some(mut st) = incoming[i].take() else {
            return Err(LoadError::Unreachable { at: here });
        };
        let mismatch = || LoadError::TypeMismatch {
            op: op.mnemonic(),
            at: here,
        };
        let pop = |st: &mut Vec<Ty>| st.pop().ok_or(LoadError::StackUnderflow { at: here });
        let mut operand = a;
        let mut falls_through = true;
        match op {
            Op::PushTrue | Op::PushFalse => st.push(Ty::Bool),
            Op::PushConst => {
                let c = index(image.consts.len(), a, "constant", here)?;
                st.push(const_ty(image, c).ok_or_else(mismatch)?);
            }
            Op::LoadParam | Op::HasParam => {
                let Some(params) = env.params else {
                    return Err(LoadError::WrongContext {
                        op: op.mnemonic(),
                        at: here,
                    });
                };
                let p = index(params.len(), a, "parameter", here)?;
                if op == Op::LoadParam {
                    st.push(value_ty(&params[p].ty).ok_or_else(mismatch)?);
                } else {
                    st.push(Ty::Bool);
                }
            }
            Op::LoadState => {
                let s = index(image.states.len(), a, "state", here)?;
                st.push(state_ty(&image.states[s].kind));
            }
            Op::LoadAttr => {
                let i = index(image.attrs.len(), a, "attribute", here)?;
                usage.attrs_read[i] = true;
                st.push(value_ty(&image.attrs[i].ty).ok_or_else(mismatch)?);
            }
            Op::LoadText => {
                if env.params.is_some() {
                    return Err(LoadError::WrongContext {
                        op: op.mnemonic(),
                        at: here,
                    });
                }
                st.push(Ty::Str);
            }
            Op::Not => {
                expect(pop(&mut st)?, Ty::Bool).ok_or_else(mismatch)?;
                st.push(Ty::Bool);
            }
            Op::Neg => {
                expect(pop(&mut st)?, Ty::Int).ok_or_else(mismatch)?;
                st.push(Ty::Int);
            }
            Op::Add | Op::Sub => {
                expect(pop(&mut st)?, Ty::Int).ok_or_else(mismatch)?;
                expect(pop(&mut st)?, Ty::Int).ok_or_else(mismatch)?;
                st.push(Ty::Int);
            }
            Op::Eq | Op::Ne => {
                let b = pop(&mut st)?;
                let a = pop(&mut st)?;
                if !eq_compat(a, b) {
                    return Err(mismatch());
                }
                st.push(Ty::Bool);
            }
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                expect(pop(&mut st)?, Ty::Int).ok_or_else(mismatch)?;
                expect(pop(&mut st)?, Ty::Int).ok_or_else(mismatch)?;
                st.push(Ty::Bool);
            }
            Op::In => {
                let list = pop(&mut st)?;
                let x = pop(&mut st)?;
                match (x.elem(), list) {
                    (Some(x), Ty::List(el)) if el_compat(x, el) => {}
                    _ => return Err(mismatch()),
                }
                st.push(Ty::Bool);
            }
            Op::Match => {
                let r = index(image.regexes.len(), a, "regex", here)?;
                usage.matched[r] = true;
                if !pop(&mut st)?.is_str() {
                    return Err(mismatch());
                }
                st.push(Ty::Bool);
            }
            Op::CtxHas => {
                index(image.labels.len(), a, "label", here)?;
                st.push(Ty::Bool);
            }
            Op::StartsWith | Op::EndsWith | Op::Contains => {
                let b = pop(&mut st)?;
                let a = pop(&mut st)?;
                if !a.is_str() || !b.is_str() {
                    return Err(mismatch());
                }
                st.push(Ty::Bool);
            }
            Op::Len => {
                match pop(&mut st)? {
                    Ty::Str | Ty::Url | Ty::List(_) => {}
                    _ => return Err(mismatch()),
                }
                st.push(Ty::Int);
            }
            Op::Lower => {
                if !pop(&mut st)?.is_str() {
                    return Err(mismatch());
                }
                st.push(Ty::Str);
            }
            Op::Host | Op::Scheme => {
                expect(pop(&mut st)?, Ty::Url).ok_or_else(mismatch)?;
                st.push(Ty::Str);
            }
            Op::JumpIfFalse | Op::JumpIfTrue => {
                let top = pop(&mut st)?;
                expect(top, Ty::Bool).ok_or_else(mismatch)?;
                // Target: relative to the end of this instruction, and it
                // must be the start of a later instruction of this block.
                let target = p + 3 + a as usize;
                let Ok(t) = decoded.binary_search_by_key(&target, |d| d.0) else {
                    return Err(LoadError::BadJump { at: here });
                };
                let mut taken = st.clone();
                taken.push(Ty::Bool);
                merge(&mut incoming[t], taken, at(start + decoded[t].0))?;
                operand = base + t as u32;
            }
            Op::Ret => {
                if st.len() != 1 || !ret_fits(st[0], want) {
                    return Err(LoadError::BadReturn { at: here });
                }
                falls_through = false;
            }
        }
        if st.len() > MAX_STACK {
            return Err(LoadError::StackOverflow { at: here });
        }
        if falls_through {
            match incoming.get_mut(i + 1) {
                Some(slot) => merge(slot, st, at(start + decoded[i + 1].0))?,
                // Only `Ret` may end the block (checked above), so this
                // cannot happen; fail closed all the same.
                None => return Err(LoadError::MissingRet { at: here }),
            }
        }
        out.push(Insn { op, a: operand });
    }
    Ok(base)
}

fn index(len: usize, a: u32, what: &'static str, at: At) -> Result<usize, LoadError> {
    let i = a as usize;
    if i < len {
        Ok(i)
    } else {
        Err(LoadError::Index {
            what,
            index: u64::from(a),
            len: len as u64,
            at,
        })
    }
}

/// `Some(())` when `t` is (a subtype of) `want`.
fn expect(t: Ty, want: Ty) -> Option<()> {
    let ok = t == want || (want == Ty::Str && t == Ty::Url);
    ok.then_some(())
}

fn ret_fits(t: Ty, want: Ty) -> bool {
    t == want
}

fn merge(slot: &mut Option<Vec<Ty>>, st: Vec<Ty>, at: At) -> Result<(), LoadError> {
    match slot {
        None => {
            *slot = Some(st);
            Ok(())
        }
        Some(existing) if *existing == st => Ok(()),
        Some(_) => Err(LoadError::StackMismatch { at }),
    }
}

/// The type of constant `c`; `None` when it is not well formed (which the
/// constant table check reports first, with more detail).
pub(crate) fn const_ty(image: &Image, c: usize) -> Option<Ty> {
    Some(match image.consts.get(c)? {
        Const::Int(_) => Ty::Int,
        Const::Bool(_) => Ty::Bool,
        Const::Str(_) => Ty::Str,
        Const::Enum { e, .. } => Ty::Enum(*e),
        Const::List(items) => Ty::List(match items.first() {
            None => El::Any,
            // Not recursive: elements are scalars (checked with the
            // constant table), and a corrupt table must not loop here.
            Some(&i) => match image.consts.get(usize::from(i))? {
                Const::Int(_) => El::Int,
                Const::Bool(_) => El::Bool,
                Const::Str(_) => El::Str,
                Const::Enum { e, .. } => El::Enum(*e),
                Const::List(_) => return None,
            },
        }),
    })
}
