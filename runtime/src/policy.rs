//! The executable policy: an image that passed validation, rearranged for
//! deciding. Built only by [`crate::validate`]; immutable afterwards and
//! shared by every session opened on it (`Policy` is `Send + Sync`).
//!
//! Rules are pre-sorted per tool (and per channel) by verdict, so a
//! decision evaluates deny rules, then escalate rules, then allow rules,
//! and stops at the first class that matches. Code is pre-decoded into
//! [`Insn`]s with jump targets resolved.

use std::collections::HashMap;

use crate::error::LoadError;
use crate::fast::Plan;
use crate::format;
use crate::model::{Image, StateKind};
use crate::regex::Regexes;
use crate::verify::Insn;
use crate::words;

/// A tool of a [`Policy`], by position in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ToolId(pub u32);

/// An output channel of a [`Policy`], by position in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

/// A loaded, validated policy.
pub struct Policy {
    pub(crate) image: Image,
    pub(crate) checksum: u32,
    pub(crate) insns: Vec<Insn>,
    /// The recognised guard chains that [`Plan::Shape`]s name (see
    /// [`crate::fast`]).
    pub(crate) shapes: Vec<crate::fast::Shape>,
    pub(crate) tools: Vec<Target>,
    pub(crate) channels: Vec<Target>,
    pub(crate) consts: Vec<ConstV>,
    /// Elements of constant lists.
    pub(crate) items: Vec<Owned>,
    pub(crate) regexes: Regexes,
    pub(crate) attr_types: Vec<PType>,
    /// Attributes that some code reads: a session lacking one of them
    /// denies every event (docs/language.md §8.1).
    pub(crate) attrs_read: Vec<bool>,
    pub(crate) tool_ids: Names,
    pub(crate) channel_ids: Names,
    pub(crate) attr_ids: Names,
    pub(crate) state_ids: Names,
    /// Rule id → index into the debug section's rules.
    pub(crate) rule_debug: HashMap<u32, usize>,
    /// The most parameters any tool has (sizes session scratch).
    pub(crate) max_params: usize,
}

/// A name → index map. Its keys are the policy's own names, fixed at
/// load, and lookups never insert, so a fast unkeyed hash (FxHash's, a
/// word at a time) serves: there is no table for a caller to flood.
pub(crate) type Names = HashMap<String, u32, std::hash::BuildHasherDefault<NameHasher>>;

/// The hasher of [`Names`].
#[derive(Default)]
pub(crate) struct NameHasher(u64);

impl NameHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(words::le64(c, 0));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(words::short(rest) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// What one tool or channel decides with.
#[derive(Debug, Default)]
pub(crate) struct Target {
    /// Empty for channels.
    pub params: Vec<ParamRt>,
    pub deny: Vec<RuleRt>,
    pub escalate: Vec<RuleRt>,
    pub allow: Vec<RuleRt>,
    pub effects: Vec<EffectRt>,
    /// Labels the result carries (always 0 for channels).
    pub labels: u64,
    pub redactions: Vec<RedactRt>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamRt {
    pub ty: PType,
    pub optional: bool,
}

/// A parameter or attribute type as the binder checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PType {
    Bool,
    Int,
    IntRange(i64, i64),
    Str,
    Path,
    Url,
    Json,
    Enum(u16),
    List(PElem),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PElem {
    Bool,
    Int,
    Str,
    Path,
    Url,
    Enum(u16),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleRt {
    pub id: u32,
    /// The gate of an escalate rule.
    pub gate: u8,
    /// How deciding evaluates the guard (which starts out as
    /// [`Plan::vm`] of its first instruction).
    pub plan: Plan,
}

#[derive(Debug)]
pub(crate) struct EffectRt {
    pub plan: Plan,
    pub assigns: Vec<(u16, u32)>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RedactRt {
    pub id: u32,
    pub regex: u16,
    pub replacement: u32,
    pub plan: Plan,
}

/// A constant, ready to push.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ConstV {
    Int(i64),
    Bool(bool),
    /// Index into the image's strings.
    Str(u32),
    Enum(u16),
    /// `len` elements of [`Policy::items`] from `start`.
    List(u32, u32),
}

/// An owned scalar: an element of a constant or attribute list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owned {
    Bool(bool),
    Int(i64),
    Str(String),
    Enum(u16),
}

impl Policy {
    /// Decodes, validates and prepares an image.
    pub fn load(bytes: &[u8]) -> Result<Policy, LoadError> {
        let image = format::decode(bytes)?;
        crate::validate::build(
            image,
            crate::format::crc32(bytes.get(16..).unwrap_or_default()),
        )
    }

    /// Validates an in-memory image (as [`Policy::load`] does after
    /// decoding); its checksum is that of its encoding.
    pub fn from_image(image: Image) -> Result<Policy, LoadError> {
        let bytes = format::encode(&image);
        let checksum = format::crc32(bytes.get(format::HEADER_LEN..).unwrap_or_default());
        crate::validate::build(image, checksum)
    }

    /// The image the policy was loaded from.
    pub fn image(&self) -> &Image {
        &self.image
    }

    /// The CRC-32 of the image body; snapshots are tied to it.
    pub fn checksum(&self) -> u32 {
        self.checksum
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        self.string(self.image.name.0)
    }

    pub fn tool_id(&self, name: &str) -> Option<ToolId> {
        self.tool_ids.get(name).map(|&i| ToolId(i))
    }

    pub fn channel_id(&self, name: &str) -> Option<ChannelId> {
        self.channel_ids.get(name).map(|&i| ChannelId(i))
    }

    pub fn tool_name(&self, tool: ToolId) -> Option<&str> {
        let t = self.image.tools.get(tool.0 as usize)?;
        Some(self.string(t.name.0))
    }

    pub fn channel_name(&self, channel: ChannelId) -> Option<&str> {
        let c = self.image.channels.get(channel.0 as usize)?;
        Some(self.string(c.name.0))
    }

    /// The position of parameter `name` of `tool` (what [`crate::Call`]'s
    /// positional arguments are indexed by).
    pub fn param_index(&self, tool: ToolId, name: &str) -> Option<usize> {
        let t = self.image.tools.get(tool.0 as usize)?;
        t.params.iter().position(|p| self.string(p.name.0) == name)
    }

    /// The number of parameters of `tool`.
    pub fn param_count(&self, tool: ToolId) -> Option<usize> {
        Some(self.image.tools.get(tool.0 as usize)?.params.len())
    }

    pub fn attr_index(&self, name: &str) -> Option<usize> {
        self.attr_ids.get(name).map(|&i| i as usize)
    }

    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.state_ids.get(name).map(|&i| i as usize)
    }

    /// The name of gate `i`.
    pub fn gate_name(&self, i: usize) -> Option<&str> {
        Some(self.string(self.image.gates.get(i)?.name.0))
    }

    /// The name of label `bit`.
    pub fn label_name(&self, bit: usize) -> Option<&str> {
        Some(self.string(self.image.labels.get(bit)?.0))
    }

    /// Every tool's name, by id.
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.image.tools.iter().map(|t| self.string(t.name.0))
    }

    /// A readable rendering of state variable `i` holding `value`
    /// (`true`, a variant name or the integer).
    pub fn state_value_text(&self, i: usize, value: i64) -> String {
        match self.image.states.get(i).map(|s| &s.kind) {
            Some(StateKind::Bool) => (value != 0).to_string(),
            Some(StateKind::Enum(e)) => self
                .variant_name(*e, value)
                .map_or_else(|| value.to_string(), str::to_owned),
            _ => value.to_string(),
        }
    }

    pub(crate) fn variant_name(&self, e: u16, v: i64) -> Option<&str> {
        let id = self
            .image
            .enums
            .get(usize::from(e))?
            .get(usize::try_from(v).ok()?)?;
        Some(self.string(id.0))
    }

    /// String `i` of the image; validation guarantees every index the
    /// runtime uses is in range, and a miss reads as empty.
    pub(crate) fn string(&self, i: u32) -> &str {
        self.image
            .strings
            .get(i as usize)
            .map_or("", String::as_str)
    }

    /// The variant of enum `e` named `name`.
    pub(crate) fn variant(&self, e: u16, name: &str) -> Option<u16> {
        let vs = self.image.enums.get(usize::from(e))?;
        vs.iter()
            .position(|v| self.string(v.0) == name)
            .map(|i| i as u16)
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.name())
            .field("checksum", &format_args!("{:#010x}", self.checksum))
            .field("tools", &self.tools.len())
            .field("channels", &self.channels.len())
            .finish_non_exhaustive()
    }
}
