//! The binary image format: [`encode`] an [`Image`] to bytes and
//! [`decode`] bytes back, totally.
//!
//! Layout (every integer little-endian; `runtime/README.md` has the
//! byte-level tables):
//!
//! ```text
//! header  magic "GRDI" | version u16 | flags u16 | body_len u32 | crc32(body) u32
//! body    section*     (fixed order; each: id u8, 3 zero bytes, len u32, payload)
//! ```
//!
//! Decoding never panics and never allocates more than the input can
//! justify: every count is checked against the bytes left (each element
//! takes at least one byte) before anything is reserved. Structural
//! problems are [`LoadError`]s here; meaning (indices, code, types) is the
//! validator's business. Encoding is a pure function of the image, so the
//! same image always gives the same bytes.

use crate::error::LoadError;
use crate::model::*;

pub const MAGIC: [u8; 4] = *b"GRDI";
/// 2: the regex section carries ahead-of-time regex tables.
pub const FORMAT_VERSION: u16 = 2;
/// Header flag: the image has a debug section.
pub const FLAG_DEBUG: u16 = 1;
pub const HEADER_LEN: usize = 16;

/// Section ids, in the order they must appear.
pub mod section {
    pub const META: u8 = 1;
    pub const STRINGS: u8 = 2;
    pub const LABELS: u8 = 3;
    pub const ENUMS: u8 = 4;
    pub const TOOLS: u8 = 5;
    pub const CHANNELS: u8 = 6;
    pub const ATTRS: u8 = 7;
    pub const STATES: u8 = 8;
    pub const GATES: u8 = 9;
    pub const REGEXES: u8 = 10;
    pub const CONSTS: u8 = 11;
    pub const CODE: u8 = 12;
    pub const DEBUG: u8 = 13;
}

/// Deepest nesting of value types the decoder reads (`list<T>` is depth
/// 2); the validator then allows only lists of scalars.
const MAX_TYPE_DEPTH: u32 = 4;

// ---------------------------------------------------------------- CRC-32

/// CRC-32/IEEE (reflected polynomial 0xEDB88320), table built at compile
/// time.
/// Slicing-by-8 tables: `CRC_TABLES[0]` is the classic byte table and
/// `CRC_TABLES[k][i]` the CRC of byte `i` followed by `k` zero bytes, so
/// eight bytes are folded per step (about a quarter of the byte-wise
/// cost; the checksum is a large part of loading a small image).
const CRC_TABLES: [[u32; 256]; 8] = {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = t[0][(prev & 0xff) as usize] ^ (prev >> 8);
            i += 1;
        }
        k += 1;
    }
    t
};

/// CRC-32/IEEE of `bytes` (the checksum of zip, PNG and Ethernet).
pub fn crc32(bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut c = !0u32;
    let mut chunks = bytes.chunks_exact(8);
    for w in &mut chunks {
        let lo = c ^ u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        let hi = u32::from_le_bytes([w[4], w[5], w[6], w[7]]);
        c = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xff) as usize]
            ^ t[2][((hi >> 8) & 0xff) as usize]
            ^ t[1][((hi >> 16) & 0xff) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &b in chunks.remainder() {
        c = t[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

// ---------------------------------------------------------------- encode

/// Encodes an image. Deterministic: the bytes depend only on `image`.
pub fn encode(image: &Image) -> Vec<u8> {
    let mut body = Vec::new();
    let mut sec = |id: u8, payload: Vec<u8>| {
        body.push(id);
        body.extend([0, 0, 0]);
        body.extend((payload.len() as u32).to_le_bytes());
        body.extend(payload);
    };
    let mut w = W::default();
    w.u32(image.name.0);
    w.u8(u8::from(image.default_allow));
    sec(section::META, w.take());

    w.len(image.strings.len());
    for s in &image.strings {
        w.str(s);
    }
    sec(section::STRINGS, w.take());

    w.ids(&image.labels);
    sec(section::LABELS, w.take());

    w.len(image.enums.len());
    for e in &image.enums {
        w.ids(e);
    }
    sec(section::ENUMS, w.take());

    w.len(image.tools.len());
    for t in &image.tools {
        w.u32(t.name.0);
        w.len(t.params.len());
        for p in &t.params {
            w.u32(p.name.0);
            w.ty(&p.ty);
            w.u8(u8::from(p.optional));
        }
        w.u64(t.result_labels);
        w.rules(&t.rules);
        w.effects(&t.effects);
    }
    sec(section::TOOLS, w.take());

    w.len(image.channels.len());
    for c in &image.channels {
        w.u32(c.name.0);
        w.rules(&c.rules);
        w.effects(&c.effects);
        w.len(c.redactions.len());
        for r in &c.redactions {
            w.u32(r.id);
            w.u16(r.regex);
            w.u32(r.replacement.0);
            w.opt_code(r.guard);
        }
    }
    sec(section::CHANNELS, w.take());

    w.len(image.attrs.len());
    for a in &image.attrs {
        w.u32(a.name.0);
        w.ty(&a.ty);
    }
    sec(section::ATTRS, w.take());

    w.len(image.states.len());
    for s in &image.states {
        w.u32(s.name.0);
        match s.kind {
            StateKind::Bool => w.u8(0),
            StateKind::Enum(e) => {
                w.u8(1);
                w.u16(e);
            }
            StateKind::Int { lo, hi } => {
                w.u8(2);
                w.i64(lo);
                w.i64(hi);
            }
        }
        w.i64(s.init);
    }
    sec(section::STATES, w.take());

    w.len(image.gates.len());
    for g in &image.gates {
        w.u32(g.name.0);
        w.ids(&g.approvers);
        match g.timeout_ms {
            None => w.u8(0),
            Some(ms) => {
                w.u8(1);
                w.u64(ms);
            }
        }
    }
    sec(section::GATES, w.take());

    w.ids(&image.regexes);
    w.len(image.regex_tables.len());
    for t in &image.regex_tables {
        w.regex_tables(t);
    }
    sec(section::REGEXES, w.take());

    w.len(image.consts.len());
    for c in &image.consts {
        match c {
            Const::Int(n) => {
                w.u8(0);
                w.i64(*n);
            }
            Const::Str(s) => {
                w.u8(1);
                w.u32(s.0);
            }
            Const::Enum { e, variant } => {
                w.u8(2);
                w.u16(*e);
                w.u16(*variant);
            }
            Const::List(items) => {
                w.u8(3);
                w.len(items.len());
                for i in items {
                    w.u16(*i);
                }
            }
            Const::Bool(b) => {
                w.u8(4);
                w.u8(u8::from(*b));
            }
        }
    }
    sec(section::CONSTS, w.take());

    w.len(image.code.len());
    w.0.extend(&image.code);
    sec(section::CODE, w.take());

    if let Some(d) = &image.debug {
        w.ids(&d.files);
        w.len(d.rules.len());
        for r in &d.rules {
            w.u32(r.id);
            w.u16(r.file);
            w.u32(r.line);
            w.u32(r.col);
            w.u32(r.start);
            w.u32(r.end);
            match r.because {
                None => w.u8(0),
                Some(s) => {
                    w.u8(1);
                    w.u32(s.0);
                }
            }
        }
        sec(section::DEBUG, w.take());
    }

    let flags = if image.debug.is_some() { FLAG_DEBUG } else { 0 };
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend(MAGIC);
    out.extend(FORMAT_VERSION.to_le_bytes());
    out.extend(flags.to_le_bytes());
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(crc32(&body).to_le_bytes());
    out.extend(body);
    out
}

#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u16(&mut self, x: u16) {
        self.0.extend(x.to_le_bytes());
    }
    fn u32(&mut self, x: u32) {
        self.0.extend(x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.0.extend(x.to_le_bytes());
    }
    fn i64(&mut self, x: i64) {
        self.0.extend(x.to_le_bytes());
    }
    /// Counts are u32; an image with more than 2^32 of anything cannot be
    /// built in memory on the machines we run on.
    fn len(&mut self, n: usize) {
        self.u32(n as u32);
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend(s.as_bytes());
    }
    fn ids(&mut self, ids: &[StrId]) {
        self.len(ids.len());
        for i in ids {
            self.u32(i.0);
        }
    }
    fn ty(&mut self, t: &ValueType) {
        match t {
            ValueType::Bool => self.u8(0),
            ValueType::Int => self.u8(1),
            ValueType::IntRange(lo, hi) => {
                self.u8(2);
                self.i64(*lo);
                self.i64(*hi);
            }
            ValueType::Str => self.u8(3),
            ValueType::Path => self.u8(4),
            ValueType::Url => self.u8(5),
            ValueType::Json => self.u8(6),
            ValueType::Enum(e) => {
                self.u8(7);
                self.u16(*e);
            }
            ValueType::List(el) => {
                self.u8(8);
                self.ty(el);
            }
        }
    }
    fn regex_tables(&mut self, t: &RegexTables) {
        self.u8(u8::from(t.whole.is_some()) | (u8::from(t.search.is_some()) << 1));
        if let Some(d) = &t.whole {
            self.char_dfa(d);
        }
        if let Some((f, r)) = &t.search {
            self.char_dfa(f);
            self.char_dfa(r);
        }
    }
    /// `start u16 | classes u16 | states u32 | count u32 | ranges (lo −
    /// previous lo as a LEB128 varint, class: u8 if at most 256 classes,
    /// else u16)* | next (u8 if at most 256 states, else u16) | matched
    /// bits`.
    fn char_dfa(&mut self, d: &CharDfa) {
        self.u16(d.start);
        self.u16(d.classes);
        self.len(d.matched.len());
        self.len(d.ranges.len());
        let mut prev = 0u32;
        for &(lo, class) in &d.ranges {
            self.varint(lo.wrapping_sub(prev));
            prev = lo;
            if d.classes <= 256 {
                self.u8(class as u8);
            } else {
                self.u16(class);
            }
        }
        let narrow = d.matched.len() <= 256;
        for &t in &d.next {
            if narrow {
                self.u8(t as u8);
            } else {
                self.u16(t);
            }
        }
        for chunk in d.matched.chunks(8) {
            let byte = chunk
                .iter()
                .enumerate()
                .fold(0u8, |b, (k, &m)| b | (u8::from(m) << k));
            self.u8(byte);
        }
    }
    /// LEB128: seven bits per byte, low first, high bit set on all but
    /// the last.
    fn varint(&mut self, mut x: u32) {
        while x >= 0x80 {
            self.u8((x as u8 & 0x7F) | 0x80);
            x >>= 7;
        }
        self.u8(x as u8);
    }
    fn code(&mut self, c: CodeRef) {
        self.u32(c.start);
        self.u32(c.len);
    }
    fn opt_code(&mut self, c: Option<CodeRef>) {
        match c {
            None => self.u8(0),
            Some(c) => {
                self.u8(1);
                self.code(c);
            }
        }
    }
    fn rules(&mut self, rules: &[Rule]) {
        self.len(rules.len());
        for r in rules {
            self.u32(r.id);
            match r.verdict {
                Verdict::Allow => self.u8(0),
                Verdict::Deny => self.u8(1),
                Verdict::Escalate(g) => {
                    self.u8(2);
                    self.u16(g);
                }
            }
            self.opt_code(r.guard);
        }
    }
    fn effects(&mut self, effects: &[Effect]) {
        self.len(effects.len());
        for e in effects {
            self.opt_code(e.guard);
            self.len(e.assigns.len());
            for a in &e.assigns {
                self.u16(a.state);
                self.code(a.value);
            }
        }
    }
}

// ---------------------------------------------------------------- decode

/// Decodes an image. Checks the framing (magic, version, flags, lengths,
/// checksum, section order, UTF-8, tags); indices and code are checked by
/// [`crate::validate`].
pub fn decode(bytes: &[u8]) -> Result<Image, LoadError> {
    let mut h = R::new(bytes, 0);
    let magic = h.bytes(4).map_err(|_| LoadError::BadMagic)?;
    if magic != MAGIC {
        return Err(LoadError::BadMagic);
    }
    let version = h.u16()?;
    if version != FORMAT_VERSION {
        return Err(LoadError::UnsupportedVersion { version });
    }
    let flags = h.u16()?;
    if flags & !FLAG_DEBUG != 0 {
        return Err(LoadError::UnknownFlags { flags });
    }
    let body_len = h.u32()? as usize;
    let expected = h.u32()?;
    let body = bytes.get(HEADER_LEN..).unwrap_or_default();
    if body.len() < body_len {
        return Err(LoadError::Truncated {
            offset: bytes.len(),
        });
    }
    if body.len() > body_len {
        return Err(LoadError::TrailingBytes {
            offset: HEADER_LEN + body_len,
        });
    }
    let actual = crc32(body);
    if actual != expected {
        return Err(LoadError::BadChecksum { expected, actual });
    }

    let has_debug = flags & FLAG_DEBUG != 0;
    // A debug section the flags do not announce counts as unknown.
    let last = if has_debug {
        section::DEBUG
    } else {
        section::CODE
    };
    let mut image = Image::default();
    let mut r = R::new(body, HEADER_LEN);
    let mut next = section::META;
    while !r.is_empty() {
        let at = r.offset();
        let id = r.u8()?;
        if !(section::META..=last).contains(&id) {
            return Err(LoadError::UnknownSection { offset: at, id });
        }
        if id != next {
            return Err(if id < next {
                LoadError::SectionOrder { offset: at, id }
            } else {
                LoadError::MissingSection { id: next }
            });
        }
        if r.bytes(3)? != [0, 0, 0] {
            return Err(LoadError::ReservedBytes { offset: at + 1 });
        }
        let len = r.u32()? as usize;
        let payload_at = r.offset();
        let payload = r
            .bytes(len)
            .map_err(|_| LoadError::SectionLength { offset: at + 4 })?;
        let mut p = R::new(payload, payload_at);
        read_section(id, &mut p, &mut image)?;
        if !p.is_empty() {
            return Err(LoadError::SectionLength { offset: at + 4 });
        }
        next = id + 1;
    }
    if next != last + 1 {
        return Err(LoadError::MissingSection { id: next });
    }
    Ok(image)
}

fn read_section(id: u8, r: &mut R<'_>, image: &mut Image) -> Result<(), LoadError> {
    match id {
        section::META => {
            image.name = r.id()?;
            image.default_allow = r.flag("default")?;
        }
        section::STRINGS => image.strings = r.list(4, |r| r.str())?,
        section::LABELS => image.labels = r.ids()?,
        section::ENUMS => image.enums = r.list(4, |r| r.ids())?,
        section::TOOLS => {
            image.tools = r.list(24, |r| {
                Ok(Tool {
                    name: r.id()?,
                    params: r.list(6, |r| {
                        Ok(Param {
                            name: r.id()?,
                            ty: r.ty(0)?,
                            optional: r.flag("optional")?,
                        })
                    })?,
                    result_labels: r.u64()?,
                    rules: r.rules()?,
                    effects: r.effects()?,
                })
            })?
        }
        section::CHANNELS => {
            image.channels = r.list(16, |r| {
                Ok(Channel {
                    name: r.id()?,
                    rules: r.rules()?,
                    effects: r.effects()?,
                    redactions: r.list(11, |r| {
                        Ok(Redaction {
                            id: r.u32()?,
                            regex: r.u16()?,
                            replacement: r.id()?,
                            guard: r.opt_code()?,
                        })
                    })?,
                })
            })?
        }
        section::ATTRS => {
            image.attrs = r.list(5, |r| {
                Ok(Attr {
                    name: r.id()?,
                    ty: r.ty(0)?,
                })
            })?
        }
        section::STATES => {
            image.states = r.list(13, |r| {
                let name = r.id()?;
                let at = r.offset();
                let kind = match r.u8()? {
                    0 => StateKind::Bool,
                    1 => StateKind::Enum(r.u16()?),
                    2 => StateKind::Int {
                        lo: r.i64()?,
                        hi: r.i64()?,
                    },
                    tag => {
                        return Err(LoadError::BadTag {
                            offset: at,
                            what: "state kind",
                            tag,
                        })
                    }
                };
                Ok(StateVar {
                    name,
                    kind,
                    init: r.i64()?,
                })
            })?
        }
        section::GATES => {
            image.gates = r.list(9, |r| {
                Ok(Gate {
                    name: r.id()?,
                    approvers: r.ids()?,
                    timeout_ms: if r.flag("timeout")? {
                        Some(r.u64()?)
                    } else {
                        None
                    },
                })
            })?
        }
        section::REGEXES => {
            image.regexes = r.ids()?;
            image.regex_tables = r.list(1, |r| r.regex_tables())?;
        }
        section::CONSTS => {
            image.consts = r.list(2, |r| {
                let at = r.offset();
                Ok(match r.u8()? {
                    0 => Const::Int(r.i64()?),
                    1 => Const::Str(r.id()?),
                    2 => Const::Enum {
                        e: r.u16()?,
                        variant: r.u16()?,
                    },
                    3 => Const::List(r.list(2, |r| r.u16())?),
                    4 => Const::Bool(r.flag("bool")?),
                    tag => {
                        return Err(LoadError::BadTag {
                            offset: at,
                            what: "constant",
                            tag,
                        })
                    }
                })
            })?
        }
        section::CODE => {
            let n = r.u32()? as usize;
            image.code = r.bytes(n)?.to_vec();
        }
        section::DEBUG => {
            image.debug = Some(Debug {
                files: r.ids()?,
                rules: r.list(23, |r| {
                    Ok(RuleDebug {
                        id: r.u32()?,
                        file: r.u16()?,
                        line: r.u32()?,
                        col: r.u32()?,
                        start: r.u32()?,
                        end: r.u32()?,
                        because: if r.flag("because")? {
                            Some(r.id()?)
                        } else {
                            None
                        },
                    })
                })?,
            })
        }
        // The caller only passes known ids.
        _ => return Err(LoadError::UnknownSection { offset: 0, id }),
    }
    Ok(())
}

/// A bounds-checked little-endian reader over part of the image; `base`
/// is the absolute offset of its first byte, for error messages.
struct R<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> R<'a> {
    fn new(buf: &'a [u8], base: usize) -> R<'a> {
        R { buf, pos: 0, base }
    }
    fn offset(&self) -> usize {
        self.base + self.pos
    }
    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.buf.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(LoadError::Truncated {
                offset: self.offset(),
            }),
        }
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], LoadError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, LoadError> {
        Ok(self.arr::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, LoadError> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    fn u32(&mut self) -> Result<u32, LoadError> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, LoadError> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> Result<i64, LoadError> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    fn id(&mut self) -> Result<StrId, LoadError> {
        Ok(StrId(self.u32()?))
    }
    /// A 0/1 byte; anything else is a bad tag (so every image has one
    /// encoding).
    fn flag(&mut self, what: &'static str) -> Result<bool, LoadError> {
        let at = self.offset();
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            tag => Err(LoadError::BadTag {
                offset: at,
                what,
                tag,
            }),
        }
    }
    fn str(&mut self) -> Result<String, LoadError> {
        let n = self.u32()? as usize;
        let at = self.offset();
        let b = self.bytes(n)?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| LoadError::BadUtf8 { offset: at })
    }
    /// A u32 count followed by that many elements of at least `min` bytes
    /// each: the count is checked against the bytes left before anything
    /// is reserved, so a corrupt count cannot make us allocate.
    fn list<T>(
        &mut self,
        min: usize,
        mut f: impl FnMut(&mut Self) -> Result<T, LoadError>,
    ) -> Result<Vec<T>, LoadError> {
        let at = self.offset();
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.remaining() {
            return Err(LoadError::Truncated { offset: at });
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self)?);
        }
        Ok(v)
    }
    fn regex_tables(&mut self) -> Result<RegexTables, LoadError> {
        let at = self.offset();
        let flags = self.u8()?;
        if flags > 3 {
            return Err(LoadError::BadTag {
                offset: at,
                what: "regex tables",
                tag: flags,
            });
        }
        let whole = if flags & 1 != 0 {
            Some(self.char_dfa()?)
        } else {
            None
        };
        let search = if flags & 2 != 0 {
            Some((self.char_dfa()?, self.char_dfa()?))
        } else {
            None
        };
        Ok(RegexTables { whole, search })
    }
    /// The counts are checked against the bytes left before anything is
    /// reserved; the meaning (every state and class in range) is
    /// `regex::table`'s to check.
    fn char_dfa(&mut self) -> Result<CharDfa, LoadError> {
        let start = self.u16()?;
        let classes = self.u16()?;
        let at = self.offset();
        let states = self.u32()? as usize;
        let wide = classes > 256;
        let mut prev = 0u32;
        let ranges = self.list(2, |r| {
            let lo = prev.wrapping_add(r.varint()?);
            prev = lo;
            let class = if wide { r.u16()? } else { u16::from(r.u8()?) };
            Ok((lo, class))
        })?;
        let narrow = states <= 256;
        let n = states.saturating_mul(usize::from(classes));
        let width = if narrow { 1 } else { 2 };
        let bits = states.div_ceil(8);
        if n.saturating_mul(width).saturating_add(bits) > self.remaining() {
            return Err(LoadError::Truncated { offset: at });
        }
        let raw = self.bytes(n * width)?;
        let next = if narrow {
            raw.iter().map(|&b| u16::from(b)).collect()
        } else {
            raw.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        let at = self.offset();
        let bytes = self.bytes(bits)?;
        let matched: Vec<bool> = (0..states)
            .map(|s| bytes[s / 8] & (1 << (s % 8)) != 0)
            .collect();
        // Unused bits must be zero, so that every table has one encoding.
        if !states.is_multiple_of(8) && bytes[bits - 1] >> (states % 8) != 0 {
            return Err(LoadError::BadTag {
                offset: at + bits - 1,
                what: "regex table flags",
                tag: bytes[bits - 1],
            });
        }
        Ok(CharDfa {
            start,
            classes,
            ranges,
            next,
            matched,
        })
    }
    /// A minimal LEB128 `u32` (at most five bytes, no trailing zero
    /// byte, so that every value has one encoding).
    fn varint(&mut self) -> Result<u32, LoadError> {
        let at = self.offset();
        let mut x = 0u64;
        for k in 0..5 {
            let b = self.u8()?;
            x |= u64::from(b & 0x7F) << (7 * k);
            if b & 0x80 == 0 {
                if (k > 0 && b == 0) || x > u64::from(u32::MAX) {
                    return Err(LoadError::BadTag {
                        offset: at,
                        what: "varint",
                        tag: b,
                    });
                }
                return Ok(x as u32);
            }
        }
        Err(LoadError::BadTag {
            offset: at,
            what: "varint",
            tag: 0x80,
        })
    }
    fn ids(&mut self) -> Result<Vec<StrId>, LoadError> {
        self.list(4, |r| r.id())
    }
    fn ty(&mut self, depth: u32) -> Result<ValueType, LoadError> {
        let at = self.offset();
        Ok(match self.u8()? {
            0 => ValueType::Bool,
            1 => ValueType::Int,
            2 => ValueType::IntRange(self.i64()?, self.i64()?),
            3 => ValueType::Str,
            4 => ValueType::Path,
            5 => ValueType::Url,
            6 => ValueType::Json,
            7 => ValueType::Enum(self.u16()?),
            8 => {
                if depth + 1 >= MAX_TYPE_DEPTH {
                    return Err(LoadError::TooDeep { offset: at });
                }
                ValueType::List(Box::new(self.ty(depth + 1)?))
            }
            tag => {
                return Err(LoadError::BadTag {
                    offset: at,
                    what: "type",
                    tag,
                })
            }
        })
    }
    fn code(&mut self) -> Result<CodeRef, LoadError> {
        Ok(CodeRef {
            start: self.u32()?,
            len: self.u32()?,
        })
    }
    fn opt_code(&mut self) -> Result<Option<CodeRef>, LoadError> {
        Ok(if self.flag("guard")? {
            Some(self.code()?)
        } else {
            None
        })
    }
    fn rules(&mut self) -> Result<Vec<Rule>, LoadError> {
        self.list(6, |r| {
            let id = r.u32()?;
            let at = r.offset();
            let verdict = match r.u8()? {
                0 => Verdict::Allow,
                1 => Verdict::Deny,
                2 => Verdict::Escalate(r.u16()?),
                tag => {
                    return Err(LoadError::BadTag {
                        offset: at,
                        what: "verdict",
                        tag,
                    })
                }
            };
            Ok(Rule {
                id,
                verdict,
                guard: r.opt_code()?,
            })
        })
    }
    fn effects(&mut self) -> Result<Vec<Effect>, LoadError> {
        self.list(5, |r| {
            Ok(Effect {
                guard: r.opt_code()?,
                assigns: r.list(10, |r| {
                    Ok(Assign {
                        state: r.u16()?,
                        value: r.code()?,
                    })
                })?,
            })
        })
    }
}
