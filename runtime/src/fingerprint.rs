//! Event fingerprints: the 64-bit hash an escalation ticket keeps of its
//! event, so that `approve` can check it is given the same event back.
//!
//! It is not a security boundary (the host is trusted, and holds the
//! ticket); it catches a host approving the wrong event. It must still
//! tell apart any two events a host could plausibly confuse, and it runs
//! on every escalation, so it is built for both:
//!
//! * Two lanes. The *data* lane absorbs the bytes of strings, sixteen at
//!   a time, with one folded 64×64→128-bit multiply per block (the
//!   construction wyhash uses). The *shape* lane absorbs, one multiply
//!   each, the event's kind and target and each argument's type and
//!   length. The lanes do not wait on each other, so the processor runs
//!   them side by side, and a string's bytes can be read with overlapping
//!   loads because its length is in the shape lane.
//! * No copies. Short strings and tails are read with at most two loads
//!   (`words.rs`).
//!
//! Snapshots store fingerprints (`snapshot.rs`): changing this function
//! changes the snapshot format version.

use crate::session::{Arg, Args};
use crate::words::{le64, short};

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

/// The folded product: the xor of the high and low halves of `a × b`.
#[inline(always)]
fn mum(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// A fingerprint being computed.
pub(crate) struct Hasher {
    data: u64,
    shape: u64,
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            data: P0,
            shape: P1,
        }
    }

    /// One item of the event's shape: a kind, a target, a type and length.
    #[inline(always)]
    fn shape(&mut self, x: u64) {
        self.shape = (self.shape ^ x).wrapping_mul(P2).rotate_left(29);
    }

    /// Sixteen bytes (as two words) into the data lane.
    #[inline(always)]
    fn block(&mut self, a: u64, b: u64) {
        self.data = mum(a ^ self.data ^ P0, b ^ P3);
    }

    /// A string: its length into the shape lane (with `tag`), its bytes
    /// into the data lane, the last block read so that it ends at the
    /// string's end (overlapping the one before it).
    #[inline]
    pub fn bytes(&mut self, tag: u64, b: &[u8]) {
        let n = b.len();
        self.shape(tag | (n as u64) << 8);
        if n == 0 {
            return;
        }
        if n <= 16 {
            let (a, c) = if n >= 8 {
                (le64(b, 0), le64(b, n - 8))
            } else {
                (short(b), 0)
            };
            self.block(a, c);
            return;
        }
        let mut i = 0;
        while n - i > 16 {
            self.block(le64(b, i), le64(b, i + 8));
            i += 16;
        }
        self.block(le64(b, n - 16), le64(b, n - 8));
    }

    /// A number into the data lane, with its type into the shape lane.
    #[inline(always)]
    pub fn number(&mut self, tag: u64, x: u64) {
        self.shape(tag);
        self.block(x, tag);
    }

    /// The kind and target of the event.
    #[inline(always)]
    pub fn target(&mut self, kind: u64, index: u64) {
        self.shape(kind | index << 8);
    }

    #[inline(always)]
    pub fn arg(&mut self, a: Arg<'_>) {
        match a {
            Arg::Absent => self.shape(0),
            Arg::Bool(b) => self.shape(1 | u64::from(b) << 8),
            Arg::Int(n) => self.number(2, n as u64),
            Arg::Str(s) => self.bytes(3, s.as_bytes()),
            Arg::Url(u) => self.bytes(3, u.as_str().as_bytes()),
            Arg::List(l) => self.list(l),
            Arg::Json => self.shape(5),
        }
    }

    /// Lists, out of line: they are rare, and [`Hasher::arg`] is inlined.
    /// Their elements are scalars (a list in a list never binds, so it
    /// counts by its length alone); not recursing keeps `arg` inlinable.
    #[inline(never)]
    fn list(&mut self, l: &[Arg<'_>]) {
        self.shape(4 | (l.len() as u64) << 8);
        for x in l {
            match *x {
                Arg::List(inner) => self.shape(4 | (inner.len() as u64) << 8),
                a => self.arg(a),
            }
        }
    }

    /// The arguments of a call of a tool with `params` parameters, in
    /// parameter order; for positional arguments, then any beyond them
    /// (absent ones: trailing absent arguments do not change the call).
    #[inline]
    pub fn args(&mut self, args: Args<'_>, params: usize) {
        match args {
            Args::Pos(a) => {
                for k in 0..params {
                    self.arg(a.get(k).copied().unwrap_or(Arg::Absent));
                }
                for x in a.iter().skip(params) {
                    self.arg(*x);
                }
            }
            Args::Named(..) => {
                for k in 0..params {
                    self.arg(args.get(k));
                }
            }
        }
    }

    /// The fingerprint: both lanes, folded.
    #[inline]
    pub fn finish(&self) -> u64 {
        mum(self.data ^ P2, self.shape ^ P3) ^ self.shape
    }
}

#[cfg(test)]
mod tests {
    use super::Hasher;
    use crate::session::{Arg, Args};
    use std::collections::HashMap;

    fn of(args: &[Arg<'_>]) -> u64 {
        let mut h = Hasher::new();
        h.target(1, 0);
        h.args(Args::Pos(args), args.len());
        h.finish()
    }

    /// Every string of up to 40 bytes over a small alphabet near one
    /// another (one byte changed, one added or removed, the split between
    /// two arguments moved) gets its own fingerprint.
    #[test]
    fn near_events_differ() {
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 7).collect();
        let mut seen: HashMap<u64, String> = HashMap::new();
        let mut add = |args: &[Arg<'_>], what: String| {
            if let Some(before) = seen.insert(of(args), what.clone()) {
                panic!("{what} and {before} collide");
            }
        };
        for n in 0..=40 {
            let s = std::str::from_utf8(&base[..n]).unwrap_or_default();
            add(&[Arg::Str(s)], format!("str {n}"));
            for k in 0..n {
                let mut t = base[..n].to_vec();
                t[k] ^= 0x20;
                let t = String::from_utf8(t).unwrap_or_default();
                add(&[Arg::Str(&t)], format!("str {n} flip {k}"));
            }
            for k in 0..=n {
                let (a, b) = s.split_at(k);
                add(&[Arg::Str(a), Arg::Str(b)], format!("split {n} at {k}"));
            }
        }
        add(&[Arg::Int(0)], "int 0".into());
        add(&[Arg::Int(1)], "int 1".into());
        add(&[Arg::Bool(false)], "false".into());
        add(&[Arg::Bool(true)], "true".into());
        add(&[Arg::Absent], "absent".into());
        add(&[Arg::Json], "json".into());
        add(&[Arg::List(&[])], "empty list".into());
        add(&[Arg::List(&[Arg::Str("")])], "list of empty".into());
        add(&[Arg::List(&[Arg::Int(0)])], "list of 0".into());
    }

    /// The target is part of it.
    #[test]
    fn targets_differ() {
        let mut seen = std::collections::HashSet::new();
        for kind in 1..3 {
            for index in 0..100 {
                let mut h = Hasher::new();
                h.target(kind, index);
                h.arg(Arg::Str("same"));
                assert!(seen.insert(h.finish()), "{kind} {index}");
            }
        }
    }
}
