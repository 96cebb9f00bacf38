//! Argument binding: checks an event's arguments against the tool's
//! parameters (language.md §6.1) and prepares them for the VM — paths
//! normalised, enum names turned into variants — into the session's
//! fixed-capacity buffers. Arguments that need no work (the common case:
//! scalars, strings, paths already in normal form) are not copied: the VM
//! reads them straight from the caller's [`Arg`]s.

use crate::decision::ArgProblem;
use crate::policy::{PElem, PType, ParamRt, Policy};
use crate::session::{Arg, ArgMeta, Args, Limits};
use crate::text::{self, PathFault};

/// Why binding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindFault {
    Bad(u16, ArgProblem),
    TooLong,
}

/// The session's binding buffers, allocated once when it opens.
pub(crate) struct Bound {
    /// Per parameter of the event's tool: the first `params` entries.
    /// The buffer is as long as the longest parameter list and only
    /// written by index: a length that deciding stored and then read back
    /// at once (as a `Vec`'s was, by `push`) stalled each decision for a
    /// few nanoseconds.
    meta: Box<[ArgMeta]>,
    params: usize,
    /// Normalised paths.
    pub paths: String,
    /// Elements of normalised `list<path>` arguments: ranges of `paths`.
    pub path_items: Vec<(u32, u32)>,
    /// Elements of `list<enum>` arguments.
    pub enum_items: Vec<u16>,
    cap_paths: usize,
    cap_items: usize,
}

pub(crate) const NONE: u16 = u16::MAX;

/// Maps the named arguments of a call of `tool` to parameter positions:
/// `slots[param]` is the argument's position in `named`, or [`NONE`].
pub(crate) fn resolve_names(
    slots: &mut Vec<u16>,
    policy: &Policy,
    tool: usize,
    named: &[(&str, Arg<'_>)],
) -> Result<(), BindFault> {
    let params = policy
        .image
        .tools
        .get(tool)
        .map_or(&[][..], |t| &t.params[..]);
    slots.clear();
    slots.resize(params.len(), NONE);
    for (k, (name, _)) in named.iter().enumerate() {
        let pos = u16::try_from(k).unwrap_or(NONE - 1);
        let Some(i) = params.iter().position(|p| policy.string(p.name.0) == *name) else {
            return Err(BindFault::Bad(pos, ArgProblem::Undeclared));
        };
        match slots.get_mut(i) {
            Some(slot) if *slot == NONE => *slot = pos,
            _ => return Err(BindFault::Bad(pos, ArgProblem::Duplicate)),
        }
    }
    Ok(())
}

impl Bound {
    pub fn new(policy: &Policy, limits: &Limits) -> Bound {
        Bound {
            meta: vec![ArgMeta::Absent; policy.max_params].into_boxed_slice(),
            params: 0,
            paths: String::with_capacity(limits.path_bytes),
            path_items: Vec::with_capacity(limits.list_items),
            enum_items: Vec::with_capacity(limits.list_items),
            cap_paths: limits.path_bytes,
            cap_items: limits.list_items,
        }
    }

    /// Checks and prepares the arguments for `params`.
    pub fn bind(
        &mut self,
        policy: &Policy,
        params: &[ParamRt],
        args: &Args<'_>,
    ) -> Result<(), BindFault> {
        self.params = 0;
        self.paths.clear();
        self.path_items.clear();
        self.enum_items.clear();
        if let Args::Pos(a) = args {
            if let Some(k) = a
                .iter()
                .skip(params.len())
                .position(|x| !matches!(x, Arg::Absent))
            {
                let pos = u16::try_from(params.len() + k).unwrap_or(NONE);
                return Err(BindFault::Bad(pos, ArgProblem::Undeclared));
            }
        }
        // Cannot happen (the buffer fits the longest parameter list); a
        // policy and session that disagree deny rather than index past it.
        if params.len() > self.meta.len() {
            return Err(BindFault::TooLong);
        }
        // Each argument's preparation is written straight into its slot
        // (the buffer taken out of `self` meanwhile, which moves a pointer
        // and allocates nothing): built elsewhere and copied in, it was
        // stored in parts and read back whole, a stall per argument.
        let mut meta = std::mem::take(&mut self.meta);
        let mut r = Ok(());
        for ((i, p), slot) in params.iter().enumerate().zip(meta.iter_mut()) {
            if let Err(e) = self.one(policy, p, args.get(i), slot) {
                r = Err(e.at(u16::try_from(i).unwrap_or(NONE)));
                break;
            }
        }
        self.meta = meta;
        r?;
        self.params = params.len();
        Ok(())
    }

    /// How each parameter of the last bound call was prepared.
    #[inline]
    pub fn meta(&self) -> &[ArgMeta] {
        self.meta.get(..self.params).unwrap_or_default()
    }

    /// One argument, its preparation written to `slot`.
    #[inline(always)]
    fn one(
        &mut self,
        policy: &Policy,
        p: &ParamRt,
        arg: Arg<'_>,
        slot: &mut ArgMeta,
    ) -> Result<(), Problem> {
        use ArgProblem::*;
        if let Arg::Absent = arg {
            return if p.optional {
                *slot = ArgMeta::Absent;
                Ok(())
            } else {
                Err(Problem::Bad(Missing))
            };
        }
        let arg = match (p.ty, arg) {
            // Parsed by the host: the one thing it saves is parsing again.
            (PType::Url, Arg::Url(u)) => {
                let (start, end) = u.host_range();
                *slot = ArgMeta::Url(start, end);
                return Ok(());
            }
            _ => arg.plain(),
        };
        *slot = match (p.ty, arg) {
            (PType::Json, _) => ArgMeta::Plain,
            (PType::Bool, Arg::Bool(_)) | (PType::Int, Arg::Int(_)) => ArgMeta::Plain,
            (PType::IntRange(lo, hi), Arg::Int(n)) => {
                if n < lo || n > hi {
                    return Err(Problem::Bad(OutOfRange));
                }
                ArgMeta::Plain
            }
            (PType::Str, Arg::Str(_)) => ArgMeta::Plain,
            (PType::Url, Arg::Str(s)) => {
                let u = text::parse_url(s).ok_or(Problem::Bad(BadUrl))?;
                ArgMeta::Url(u.host_start as u32, u.host_end as u32)
            }
            (PType::Path, Arg::Str(s)) => {
                if text::is_normal_path(s) {
                    ArgMeta::Plain
                } else {
                    let (start, len) = self.path(s)?;
                    ArgMeta::Path(start, len)
                }
            }
            (PType::Enum(e), Arg::Str(s)) => ArgMeta::Variant(variant(policy, e, s)?),
            (PType::List(el), Arg::List(items)) => self.list(policy, el, items)?,
            _ => return Err(Problem::Bad(WrongType)),
        };
        Ok(())
    }

    #[inline(never)]
    fn list(&mut self, policy: &Policy, el: PElem, items: &[Arg<'_>]) -> Result<ArgMeta, Problem> {
        use ArgProblem::*;
        match el {
            PElem::Bool | PElem::Int | PElem::Str | PElem::Url => {
                for x in items {
                    let ok = match (el, x) {
                        (PElem::Url, Arg::Url(_)) => true,
                        (PElem::Bool, Arg::Bool(_)) | (PElem::Int, Arg::Int(_)) => true,
                        (PElem::Str, Arg::Str(_) | Arg::Url(_)) => true,
                        (PElem::Url, Arg::Str(s)) => {
                            text::parse_url(s).ok_or(Problem::Bad(BadUrl))?;
                            true
                        }
                        _ => false,
                    };
                    if !ok {
                        return Err(Problem::Bad(WrongType));
                    }
                }
                Ok(ArgMeta::Plain)
            }
            PElem::Path => {
                let mut normal = true;
                for x in items {
                    match x.plain() {
                        Arg::Str(s) => normal &= text::is_normal_path(s),
                        _ => return Err(Problem::Bad(WrongType)),
                    }
                }
                if normal {
                    return Ok(ArgMeta::Plain);
                }
                let start = self.path_items.len();
                for x in items {
                    if let Arg::Str(s) = x.plain() {
                        let r = self.path(s)?;
                        if self.path_items.len() >= self.cap_items {
                            return Err(Problem::TooLong);
                        }
                        self.path_items.push(r);
                    }
                }
                Ok(ArgMeta::PathList(start as u32, items.len() as u32))
            }
            PElem::Enum(e) => {
                let start = self.enum_items.len();
                for x in items {
                    let Arg::Str(s) = x.plain() else {
                        return Err(Problem::Bad(WrongType));
                    };
                    let v = variant(policy, e, s)?;
                    if self.enum_items.len() >= self.cap_items {
                        return Err(Problem::TooLong);
                    }
                    self.enum_items.push(v);
                }
                Ok(ArgMeta::EnumList(start as u32, items.len() as u32))
            }
        }
    }

    /// Normalises `s` into the path buffer; its range there.
    fn path(&mut self, s: &str) -> Result<(u32, u32), Problem> {
        let start = self.paths.len();
        text::normalize_path_into(s, &mut self.paths, self.cap_paths).map_err(|f| match f {
            PathFault::Empty => Problem::Bad(ArgProblem::EmptyPath),
            PathFault::AboveRoot => Problem::Bad(ArgProblem::PathAboveRoot),
            PathFault::TooLong => Problem::TooLong,
        })?;
        Ok((start as u32, (self.paths.len() - start) as u32))
    }
}

fn variant(policy: &Policy, e: u16, s: &str) -> Result<u16, Problem> {
    policy
        .variant(e, s)
        .ok_or(Problem::Bad(ArgProblem::NotAVariant))
}

/// A problem with one argument, before its position is known.
enum Problem {
    Bad(ArgProblem),
    TooLong,
}

impl Problem {
    fn at(self, param: u16) -> BindFault {
        match self {
            Problem::Bad(p) => BindFault::Bad(param, p),
            Problem::TooLong => BindFault::TooLong,
        }
    }
}
