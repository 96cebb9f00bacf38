//! Validation: checks everything about a decoded image once — every
//! index, every limit, every name table, every code block (through
//! [`crate::verify`]), every regex — and builds the executable
//! [`Policy`]. Nothing after this point re-checks what is checked here.
//!
//! Limits: at most 64 labels and 64 gates (64-bit sets), 255 parameters
//! per tool, 65,535 tools, channels, states, attributes, enums, variants
//! per enum, constants and regexes (16-bit operands and ids).

use std::collections::{HashMap, HashSet};

use crate::error::{At, Item, LoadError};
use crate::fast::Plan;
use crate::model::*;
use crate::policy::*;
use crate::regex::Regexes;
use crate::verify::{self, state_ty, Env, Insn, Ty, Usage};

const MAX_BITS: usize = 64;
const MAX_PARAMS: usize = 255;
const MAX_INDEX: usize = 65_535;

/// Validates `image` and builds the policy; `checksum` is the CRC-32 of
/// its encoded body.
pub(crate) fn build(image: Image, checksum: u32) -> Result<Policy, LoadError> {
    let mut v = V {
        image: &image,
        insns: Vec::new(),
        usage: Usage {
            matched: vec![false; image.regexes.len()],
            attrs_read: vec![false; image.attrs.len()],
        },
    };
    v.limits()?;
    v.str(image.name, At::item(Item::Policy))?;
    let label_names: Vec<StrId> = image.labels.clone();
    v.names("label", &label_names, Item::Label)?;
    for (i, e) in image.enums.iter().enumerate() {
        let at = At::item(Item::Enum(i as u32));
        if e.is_empty() {
            return Err(LoadError::BadType {
                why: "enum without variants",
                at,
            });
        }
        if e.len() > MAX_INDEX {
            return Err(LoadError::TooMany {
                what: "variants",
                count: e.len() as u64,
                max: MAX_INDEX as u64,
            });
        }
        v.unique("variant", e, at)?;
    }
    let (consts, items) = v.consts()?;
    let state_names: Vec<StrId> = image.states.iter().map(|s| s.name).collect();
    v.names("state", &state_names, Item::State)?;
    for (i, s) in image.states.iter().enumerate() {
        v.state(i, s)?;
    }
    let attr_names: Vec<StrId> = image.attrs.iter().map(|a| a.name).collect();
    v.names("attribute", &attr_names, Item::Attr)?;
    let mut attr_types = Vec::with_capacity(image.attrs.len());
    for (i, a) in image.attrs.iter().enumerate() {
        attr_types.push(v.ty(&a.ty, true, At::item(Item::Attr(i as u32)))?);
    }
    let gate_names: Vec<StrId> = image.gates.iter().map(|g| g.name).collect();
    v.names("gate", &gate_names, Item::Gate)?;
    for (i, g) in image.gates.iter().enumerate() {
        for a in &g.approvers {
            v.str(*a, At::item(Item::Gate(i as u32)))?;
        }
    }
    for (i, r) in image.regexes.iter().enumerate() {
        v.str(*r, At::item(Item::Regex(i as u32)))?;
    }

    let tool_names: Vec<StrId> = image.tools.iter().map(|t| t.name).collect();
    v.names("tool", &tool_names, Item::Tool)?;
    let mut tools = Vec::with_capacity(image.tools.len());
    let mut max_params = 0;
    for (i, t) in image.tools.iter().enumerate() {
        let item = Item::Tool(i as u32);
        let at = At::item(item);
        if t.params.len() > MAX_PARAMS {
            return Err(LoadError::TooMany {
                what: "parameters",
                count: t.params.len() as u64,
                max: MAX_PARAMS as u64,
            });
        }
        max_params = max_params.max(t.params.len());
        let pnames: Vec<StrId> = t.params.iter().map(|p| p.name).collect();
        v.unique("parameter", &pnames, at)?;
        let mut params = Vec::with_capacity(t.params.len());
        for p in &t.params {
            params.push(ParamRt {
                ty: v.ty(&p.ty, false, at)?,
                optional: p.optional,
            });
        }
        if image.labels.len() < 64 && t.result_labels >> image.labels.len() != 0 {
            return Err(LoadError::Index {
                what: "label",
                index: u64::from(63 - t.result_labels.leading_zeros()),
                len: image.labels.len() as u64,
                at,
            });
        }
        let env = Env {
            image: &image,
            params: Some(&t.params),
            item,
        };
        let mut target = Target {
            params,
            labels: t.result_labels,
            ..Target::default()
        };
        v.rules(&env, &t.rules, &mut target)?;
        target.effects = v.effects(&env, &t.effects)?;
        tools.push(target);
    }

    let channel_names: Vec<StrId> = image.channels.iter().map(|c| c.name).collect();
    v.names("channel", &channel_names, Item::Channel)?;
    let mut channels = Vec::with_capacity(image.channels.len());
    let mut searched = vec![false; image.regexes.len()];
    for (i, c) in image.channels.iter().enumerate() {
        let item = Item::Channel(i as u32);
        let env = Env {
            image: &image,
            params: None,
            item,
        };
        let mut target = Target::default();
        v.rules(&env, &c.rules, &mut target)?;
        target.effects = v.effects(&env, &c.effects)?;
        for r in &c.redactions {
            let at = At::item(item);
            let regex = v.index("regex", image.regexes.len(), u64::from(r.regex), at)?;
            searched[regex] = true;
            v.str(r.replacement, at)?;
            let guard = v.guard(&env, r.guard)?;
            target.redactions.push(RedactRt {
                id: r.id,
                regex: r.regex,
                replacement: r.replacement.0,
                plan: Plan::vm(guard),
            });
        }
        channels.push(target);
    }

    let mut rule_debug = HashMap::new();
    if let Some(d) = &image.debug {
        let at = At::item(Item::Debug);
        for f in &d.files {
            v.str(*f, at)?;
        }
        for (i, r) in d.rules.iter().enumerate() {
            v.index("file", d.files.len(), u64::from(r.file), at)?;
            if let Some(b) = r.because {
                v.str(b, at)?;
            }
            rule_debug.entry(r.id).or_insert(i);
        }
    }

    let mut regexes = Regexes::default();
    if !image.regex_tables.is_empty() && image.regex_tables.len() != image.regexes.len() {
        return Err(LoadError::Regex {
            message: format!(
                "{} regex tables for {} regexes",
                image.regex_tables.len(),
                image.regexes.len()
            ),
            at: At::item(Item::Policy),
        });
    }
    for (i, r) in image.regexes.iter().enumerate() {
        let pattern = &image.strings[r.0 as usize];
        regexes
            .add(
                pattern,
                image.regex_tables.get(i),
                v.usage.matched[i],
                searched[i],
            )
            .map_err(|message| LoadError::Regex {
                message,
                at: At::item(Item::Regex(i as u32)),
            })?;
    }

    let insns = std::mem::take(&mut v.insns);
    let shapes = plan_guards(&insns, &consts, tools.iter_mut().chain(&mut channels));
    let attrs_read = std::mem::take(&mut v.usage.attrs_read);
    let map = |ids: &[StrId]| -> Names {
        ids.iter()
            .enumerate()
            .map(|(i, s)| (image.strings[s.0 as usize].clone(), i as u32))
            .collect()
    };
    let tool_ids = map(&tool_names);
    let channel_ids = map(&channel_names);
    let attr_ids = map(&attr_names);
    let state_ids = map(&state_names);
    Ok(Policy {
        checksum,
        insns,
        shapes,
        tools,
        channels,
        consts,
        items,
        regexes,
        attr_types,
        attrs_read,
        tool_ids,
        channel_ids,
        attr_ids,
        state_ids,
        rule_debug,
        max_params,
        image,
    })
}

struct V<'a> {
    image: &'a Image,
    insns: Vec<Insn>,
    usage: Usage,
}

impl V<'_> {
    fn limits(&self) -> Result<(), LoadError> {
        let i = self.image;
        for (what, count, max) in [
            ("labels", i.labels.len(), MAX_BITS),
            ("gates", i.gates.len(), MAX_BITS),
            ("tools", i.tools.len(), MAX_INDEX),
            ("channels", i.channels.len(), MAX_INDEX),
            ("states", i.states.len(), MAX_INDEX),
            ("attributes", i.attrs.len(), MAX_INDEX),
            ("enums", i.enums.len(), MAX_INDEX),
            ("constants", i.consts.len(), MAX_INDEX),
            ("regexes", i.regexes.len(), MAX_INDEX),
            ("code bytes", i.code.len(), u32::MAX as usize),
        ] {
            if count > max {
                return Err(LoadError::TooMany {
                    what,
                    count: count as u64,
                    max: max as u64,
                });
            }
        }
        Ok(())
    }

    fn index(&self, what: &'static str, len: usize, i: u64, at: At) -> Result<usize, LoadError> {
        if i < len as u64 {
            Ok(i as usize)
        } else {
            Err(LoadError::Index {
                what,
                index: i,
                len: len as u64,
                at,
            })
        }
    }

    fn str(&self, s: StrId, at: At) -> Result<&str, LoadError> {
        let i = self.index("string", self.image.strings.len(), u64::from(s.0), at)?;
        Ok(&self.image.strings[i])
    }

    /// Checks that `ids` are strings and distinct.
    fn unique(&self, what: &'static str, ids: &[StrId], at: At) -> Result<(), LoadError> {
        let mut seen = HashSet::new();
        for id in ids {
            let s = self.str(*id, at)?;
            if !seen.insert(s) {
                return Err(LoadError::Duplicate {
                    what,
                    name: s.to_owned(),
                    at,
                });
            }
        }
        Ok(())
    }

    /// Like [`V::unique`] for a table of items, blaming the item.
    fn names(
        &self,
        what: &'static str,
        ids: &[StrId],
        item: fn(u32) -> Item,
    ) -> Result<(), LoadError> {
        let mut seen = HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            let at = At::item(item(i as u32));
            let s = self.str(*id, at)?;
            if !seen.insert(s) {
                return Err(LoadError::Duplicate {
                    what,
                    name: s.to_owned(),
                    at,
                });
            }
        }
        Ok(())
    }

    fn enum_index(&self, e: u16, at: At) -> Result<usize, LoadError> {
        self.index("enum", self.image.enums.len(), u64::from(e), at)
    }

    /// Checks a parameter (`attr == false`) or attribute type.
    fn ty(&self, t: &ValueType, attr: bool, at: At) -> Result<PType, LoadError> {
        let bad = |why| Err(LoadError::BadType { why, at });
        Ok(match t {
            ValueType::Bool => PType::Bool,
            ValueType::Int => PType::Int,
            ValueType::IntRange(lo, hi) => {
                if lo > hi {
                    return bad("empty integer range");
                }
                PType::IntRange(*lo, *hi)
            }
            ValueType::Str => PType::Str,
            ValueType::Path => PType::Path,
            ValueType::Url => PType::Url,
            ValueType::Json if attr => return bad("an attribute cannot be json"),
            ValueType::Json => PType::Json,
            ValueType::Enum(e) => {
                self.enum_index(*e, at)?;
                PType::Enum(*e)
            }
            ValueType::List(el) => PType::List(match &**el {
                ValueType::Bool => PElem::Bool,
                ValueType::Int => PElem::Int,
                ValueType::Str => PElem::Str,
                ValueType::Path => PElem::Path,
                ValueType::Url => PElem::Url,
                ValueType::Enum(e) => {
                    self.enum_index(*e, at)?;
                    PElem::Enum(*e)
                }
                _ => return bad("list elements must be scalars"),
            }),
        })
    }

    fn consts(&self) -> Result<(Vec<ConstV>, Vec<Owned>), LoadError> {
        let image = self.image;
        let mut consts = Vec::with_capacity(image.consts.len());
        let mut items = Vec::new();
        for (i, c) in image.consts.iter().enumerate() {
            let at = At::item(Item::Const(i as u32));
            consts.push(match c {
                Const::Int(n) => ConstV::Int(*n),
                Const::Bool(b) => ConstV::Bool(*b),
                Const::Str(s) => {
                    self.str(*s, at)?;
                    ConstV::Str(s.0)
                }
                Const::Enum { e, variant } => {
                    let ei = self.enum_index(*e, at)?;
                    self.index("variant", image.enums[ei].len(), u64::from(*variant), at)?;
                    ConstV::Enum(*variant)
                }
                Const::List(elems) => {
                    let start = items.len() as u32;
                    let mut kind = None;
                    for &el in elems {
                        let j = usize::from(el);
                        if j >= i {
                            return Err(LoadError::BadConst {
                                why: "list element not defined before the list",
                                at,
                            });
                        }
                        let (k, owned) = match consts.get(j) {
                            Some(ConstV::Int(n)) => (Ty::Int, Owned::Int(*n)),
                            Some(ConstV::Bool(b)) => (Ty::Bool, Owned::Bool(*b)),
                            Some(ConstV::Str(s)) => {
                                (Ty::Str, Owned::Str(image.strings[*s as usize].clone()))
                            }
                            Some(ConstV::Enum(v)) => match &image.consts[j] {
                                Const::Enum { e, .. } => (Ty::Enum(*e), Owned::Enum(*v)),
                                _ => unreachable_const(at)?,
                            },
                            _ => {
                                return Err(LoadError::BadConst {
                                    why: "list element is a list",
                                    at,
                                })
                            }
                        };
                        if kind.is_some_and(|kind| kind != k) {
                            return Err(LoadError::BadConst {
                                why: "list elements of different types",
                                at,
                            });
                        }
                        kind = Some(k);
                        items.push(owned);
                    }
                    ConstV::List(start, elems.len() as u32)
                }
            });
        }
        Ok((consts, items))
    }

    fn state(&self, i: usize, s: &StateVar) -> Result<(), LoadError> {
        let at = At::item(Item::State(i as u32));
        let bad = |why| Err(LoadError::BadState { why, at });
        match s.kind {
            StateKind::Bool if !(0..=1).contains(&s.init) => {
                bad("boolean initial value not 0 or 1")
            }
            StateKind::Enum(e) => {
                let ei = self.enum_index(e, at)?;
                if s.init < 0 || s.init >= self.image.enums[ei].len() as i64 {
                    return bad("initial value is no variant");
                }
                Ok(())
            }
            StateKind::Int { lo, hi } if lo > hi => bad("empty range"),
            StateKind::Int { lo, hi } if s.init < lo || s.init > hi => {
                bad("initial value out of range")
            }
            _ => Ok(()),
        }
    }

    fn guard(&mut self, env: &Env<'_>, g: Option<CodeRef>) -> Result<Option<u32>, LoadError> {
        g.map(|c| verify::block(env, c, Ty::Bool, &mut self.insns, &mut self.usage))
            .transpose()
    }

    fn rules(&mut self, env: &Env<'_>, rules: &[Rule], t: &mut Target) -> Result<(), LoadError> {
        for r in rules {
            let guard = self.guard(env, r.guard)?;
            let mut rt = RuleRt {
                id: r.id,
                gate: 0,
                plan: Plan::vm(guard),
            };
            match r.verdict {
                Verdict::Allow => t.allow.push(rt),
                Verdict::Deny => t.deny.push(rt),
                Verdict::Escalate(g) => {
                    let at = At::item(env.item);
                    rt.gate = self.index("gate", self.image.gates.len(), u64::from(g), at)? as u8;
                    t.escalate.push(rt);
                }
            }
        }
        Ok(())
    }

    fn effects(&mut self, env: &Env<'_>, effects: &[Effect]) -> Result<Vec<EffectRt>, LoadError> {
        let mut out = Vec::with_capacity(effects.len());
        for e in effects {
            let guard = self.guard(env, e.guard)?;
            let mut assigns = Vec::with_capacity(e.assigns.len());
            for a in &e.assigns {
                let at = At::item(env.item);
                let s = self.index("state", self.image.states.len(), u64::from(a.state), at)?;
                let want = state_ty(&self.image.states[s].kind);
                let b = verify::block(env, a.value, want, &mut self.insns, &mut self.usage)?;
                assigns.push((a.state, b));
            }
            out.push(EffectRt {
                plan: Plan::vm(guard),
                assigns,
            });
        }
        Ok(out)
    }
}

/// A constant whose runtime form and model disagree: cannot happen, as
/// both come from the same table; fail closed.
fn unreachable_const<T>(at: At) -> Result<T, LoadError> {
    Err(LoadError::BadConst {
        why: "inconsistent constant",
        at,
    })
}

/// Chooses how each guard of `targets` is evaluated (see
/// [`crate::fast`]): every rule starts out on the VM, and guards of a
/// recognised shape move to a quicker plan. Returns the chains the
/// [`Plan::Shape`]s name; guards that share code share a plan.
fn plan_guards<'t>(
    insns: &[Insn],
    consts: &[ConstV],
    targets: impl Iterator<Item = &'t mut Target>,
) -> Vec<crate::fast::Shape> {
    let mut shapes = Vec::new();
    let mut memo: HashMap<u32, Plan> = HashMap::new();
    let mut choose = |plan: &mut Plan| {
        if let Plan::Vm(start) = *plan {
            *plan = *memo
                .entry(start)
                .or_insert_with(|| crate::fast::plan(insns, consts, start, &mut shapes));
        }
    };
    for t in targets {
        for r in t.deny.iter_mut().chain(&mut t.escalate).chain(&mut t.allow) {
            choose(&mut r.plan);
        }
        for e in &mut t.effects {
            choose(&mut e.plan);
        }
        for r in &mut t.redactions {
            choose(&mut r.plan);
        }
    }
    shapes
}
