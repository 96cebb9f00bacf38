//! Session snapshots: the few bytes that let a session be parked (a file,
//! Redis) and resumed in another process with the same image.
//!
//! ```text
//! magic "GRDS" | version u8 (2) | image checksum u32 | context u64
//! | next ticket u64 | state count u32 | states | ticket count u32
//! | tickets | crc32 u32 (of everything before it)
//! ```
//!
//! A state is stored by its kind: a bool as one byte, a variant as u16, an
//! `int[lo..hi]` as the unsigned LEB128 of `value - lo`. A ticket is
//! `id u64, kind u8 (0 tool, 1 output), index u32, gates u64,
//! fingerprint u64`. Attribute values are not stored: the host gives them
//! again on restore. Restoring checks everything (checksums, ranges,
//! indices), so a corrupt or foreign snapshot is an error, never a
//! session in a state the policy cannot reach by its types.

use std::collections::VecDeque;

use crate::error::SessionError;
use crate::format::crc32;
use crate::model::StateKind;
use crate::session::{Arg, Limits, Session, Ticket};
use crate::Policy;

const MAGIC: [u8; 4] = *b"GRDS";
/// 2: ticket fingerprints are `fingerprint.rs`'s two-lane hash (a
/// version 1 snapshot's tickets could never be approved, so it is refused).
const VERSION: u8 = 2;

impl<'p> Session<'p> {
    /// Serialises the session's state, context and pending tickets.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(32 + 2 * self.state.len() + 37 * self.tickets.len());
        w.extend(MAGIC);
        w.push(VERSION);
        w.extend(self.policy.checksum().to_le_bytes());
        w.extend(self.context.to_le_bytes());
        w.extend(self.next_ticket.to_le_bytes());
        w.extend((self.state.len() as u32).to_le_bytes());
        for (v, s) in self.state.iter().zip(&self.policy.image.states) {
            match s.kind {
                StateKind::Bool => w.push(u8::from(*v != 0)),
                StateKind::Enum(_) => w.extend((*v as u16).to_le_bytes()),
                StateKind::Int { lo, .. } => leb(&mut w, v.wrapping_sub(lo) as u64),
            }
        }
        w.extend((self.tickets.len() as u32).to_le_bytes());
        for t in &self.tickets {
            w.extend(t.id.to_le_bytes());
            w.push(u8::from(t.output));
            w.extend(t.index.to_le_bytes());
            w.extend(t.gates.to_le_bytes());
            w.extend(t.fingerprint.to_le_bytes());
        }
        let crc = crc32(&w);
        w.extend(crc.to_le_bytes());
        w
    }

    /// Opens a session (as [`Session::new`]) and restores a snapshot
    /// taken with the same image into it.
    pub fn restore(
        policy: &'p Policy,
        attrs: &[(&str, Arg<'_>)],
        snapshot: &[u8],
    ) -> Result<Session<'p>, SessionError> {
        Session::restore_with_limits(policy, attrs, snapshot, Limits::default())
    }

    pub fn restore_with_limits(
        policy: &'p Policy,
        attrs: &[(&str, Arg<'_>)],
        snapshot: &[u8],
        limits: Limits,
    ) -> Result<Session<'p>, SessionError> {
        let mut s = Session::with_limits(policy, attrs, limits)?;
        s.load_snapshot(snapshot)?;
        Ok(s)
    }

    fn load_snapshot(&mut self, b: &[u8]) -> Result<(), SessionError> {
        let policy = self.policy;
        if b.len() < 9 || b[..4] != MAGIC || b[4] != VERSION {
            return Err(SessionError::SnapshotFormat { offset: 0 });
        }
        let (body, crc) = b.split_at(b.len() - 4);
        let corrupt = |offset| SessionError::SnapshotCorrupt { offset };
        if crc32(body).to_le_bytes() != crc {
            return Err(corrupt(body.len()));
        }
        let mut r = Rd { b: body, pos: 5 };
        let checksum = r.u32().ok_or(corrupt(r.pos))?;
        if checksum != policy.checksum() {
            return Err(SessionError::ForeignSnapshot {
                expected: policy.checksum(),
                actual: checksum,
            });
        }
        let context = r.u64().ok_or(corrupt(r.pos))?;
        let labels = policy.image.labels.len();
        if labels < 64 && context >> labels != 0 {
            return Err(corrupt(r.pos - 8));
        }
        let next_ticket = r.u64().ok_or(corrupt(r.pos))?;
        let n = r.u32().ok_or(corrupt(r.pos))? as usize;
        if n != policy.image.states.len() {
            return Err(corrupt(r.pos - 4));
        }
        let mut state = Vec::with_capacity(n);
        for s in &policy.image.states {
            let at = r.pos;
            let v = match s.kind {
                StateKind::Bool => match r.u8() {
                    Some(x @ (0 | 1)) => i64::from(x),
                    _ => return Err(corrupt(at)),
                },
                StateKind::Enum(e) => {
                    let v = r.u16().ok_or(corrupt(at))?;
                    let len = policy.image.enums.get(usize::from(e)).map_or(0, Vec::len);
                    if usize::from(v) >= len {
                        return Err(corrupt(at));
                    }
                    i64::from(v)
                }
                StateKind::Int { lo, hi } => {
                    let d = r.leb().ok_or(corrupt(at))?;
                    let v = lo.wrapping_add(d as i64);
                    // `d` must be the offset of a value in range.
                    if d > hi.wrapping_sub(lo) as u64 || v < lo || v > hi {
                        return Err(corrupt(at));
                    }
                    v
                }
            };
            state.push(v);
        }
        let nt = r.u32().ok_or(corrupt(r.pos))? as usize;
        if nt > self.limits.tickets || nt.saturating_mul(29) > r.left() {
            return Err(corrupt(r.pos - 4));
        }
        let gates = policy.image.gates.len();
        let all_gates = if gates >= 64 {
            u64::MAX
        } else {
            (1u64 << gates) - 1
        };
        let mut tickets = VecDeque::with_capacity(self.limits.tickets);
        for _ in 0..nt {
            let at = r.pos;
            let t = Ticket {
                id: r.u64().ok_or(corrupt(at))?,
                output: match r.u8() {
                    Some(0) => false,
                    Some(1) => true,
                    _ => return Err(corrupt(at)),
                },
                index: r.u32().ok_or(corrupt(at))?,
                gates: r.u64().ok_or(corrupt(at))?,
                fingerprint: r.u64().ok_or(corrupt(at))?,
            };
            let targets = if t.output {
                policy.channels.len()
            } else {
                policy.tools.len()
            };
            if t.index as usize >= targets
                || t.gates == 0
                || t.gates & !all_gates != 0
                || t.id >= next_ticket
            {
                return Err(corrupt(at));
            }
            tickets.push_back(t);
        }
        if r.left() != 0 {
            return Err(corrupt(r.pos));
        }
        self.state.copy_from_slice(&state);
        self.context = context;
        self.next_ticket = next_ticket;
        self.tickets = tickets;
        Ok(())
    }
}

fn leb(w: &mut Vec<u8>, mut x: u64) {
    loop {
        let byte = (x & 0x7f) as u8;
        x >>= 7;
        if x == 0 {
            w.push(byte);
            return;
        }
        w.push(byte | 0x80);
    }
}

struct Rd<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Rd<'_> {
    fn left(&self) -> usize {
        self.b.len().saturating_sub(self.pos)
    }
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.b.get(self.pos..self.pos.checked_add(N)?)?;
        self.pos += N;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take()?))
    }
    /// Unsigned LEB128, at most 10 bytes, canonical (no redundant zero
    /// continuation), so each value has one encoding.
    fn leb(&mut self) -> Option<u64> {
        let mut x = 0u64;
        for i in 0..10 {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 1 {
                return None;
            }
            x |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return None;
                }
                return Some(x);
            }
        }
        None
    }
}
