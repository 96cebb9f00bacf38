//! Ahead-of-time compilation of regexes into character-class DFAs
//! ([`CharDfa`]), so that loading an image does no determinization.
//!
//! The tables are *derived* from the byte DFAs that the runtime would
//! otherwise build at load (`super::whole_dfa`, `super::search_dfa`), not
//! from a second regex implementation: the character DFA is the byte DFA
//! observed at character boundaries. Reading a character moves it from
//! state `s` to the state the byte DFA reaches after that character's
//! UTF-8 bytes (in reverse order for the reverse DFA).
//!
//! The characters are first cut into *segments* wherever one of the
//! pattern's character sets (from regex-syntax's HIR) begins or ends; for
//! each state and segment, a walk over the segment's UTF-8 byte-range
//! sequences (one byte per byte class) must reach a single state, up to
//! states no input can tell apart. Minimization then merges states, and
//! segments that every state treats alike become one class.
//!
//! The derivation is exact only under conditions it checks, and a
//! pattern that fails one simply gets no table (it is compiled at load,
//! as before):
//!
//! * every start state is the same, whatever byte precedes the search
//!   (true when the pattern has no look-around);
//! * regex-automata reports matches one byte late: a search records a
//!   match at `at` when the state after byte `at` is a match state. The
//!   derivation requires that this depends on the state before the byte
//!   only (`matched[s]`, the same for every byte and for end of input),
//!   and that it never holds in the middle of a character;
//! * a search pattern must not match the empty string, so that matches
//!   never split a character and the iteration needs no empty-match
//!   rules;
//! * the table stays within [`MAX_TRANSITIONS`].
//!
//! Under these conditions the searches in `super::table` visit exactly
//! the positions regex-automata's would and record exactly its matches;
//! `tests/regex_tables.rs` compares the two on random patterns and text.

use std::collections::HashMap;

use regex_automata::dfa::{dense, Automaton};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::Anchored;
use regex_syntax::utf8::Utf8Sequences;

use crate::model::{CharDfa, RegexTables};

/// The most transitions (states × classes) one table may have: 64 Ki,
/// at most 128 KiB encoded. Larger DFAs are built at load instead.
pub const MAX_TRANSITIONS: usize = 1 << 16;

/// Compiles `pattern` for whole-value matching and/or search. A use the
/// derivation cannot serve exactly (see the module docs) gets `None` and
/// is compiled when the image loads.
pub fn tables(pattern: &str, whole: bool, search: bool) -> RegexTables {
    RegexTables {
        whole: if whole {
            super::whole_dfa(pattern).and_then(|d| tabulate(pattern, &d, Anchored::Yes, false))
        } else {
            None
        },
        search: if search {
            super::search_dfa(pattern).and_then(|re| {
                let fwd = tabulate(pattern, re.forward(), Anchored::No, false)?;
                // An empty match would need the iterator's empty-match
                // rules; such patterns are searched by regex-automata.
                if fwd.matched.get(usize::from(fwd.start)).copied() != Some(false) {
                    return None;
                }
                let rev = tabulate(pattern, re.reverse(), Anchored::Yes, true)?;
                Some((fwd, rev))
            })
        } else {
            None
        },
    }
}

type Dense = dense::DFA<Vec<u32>>;

/// The character DFA of `d`, or `None` if it would not be exact.
fn tabulate(pattern: &str, d: &Dense, anchored: Anchored, reverse: bool) -> Option<CharDfa> {
    let start = uniform_start(d, anchored)?;
    let alphabet = Alphabet::new(pattern)?;
    let mut facts = Facts::new(d)?;

    // Breadth-first over the states seen at character boundaries; the
    // byte DFA's dead state (or states) becomes state 0.
    let mut ids: HashMap<StateID, u16> = HashMap::new();
    let mut order: Vec<Option<StateID>> = vec![None];
    let mut matched = vec![false];
    let mut next: Vec<u16> = Vec::new();
    let mut id_of = |s: StateID,
                     order: &mut Vec<Option<StateID>>,
                     matched: &mut Vec<bool>,
                     facts: &mut Facts<'_>|
     -> Option<u16> {
        if d.is_dead_state(s) {
            return Some(0);
        }
        if let Some(&i) = ids.get(&s) {
            return Some(i);
        }
        let i = u16::try_from(order.len()).ok()?;
        matched.push(facts.holds(s)?);
        ids.insert(s, i);
        order.push(Some(s));
        Some(i)
    };
    let start_id = id_of(start, &mut order, &mut matched, &mut facts)?;
    let width = alphabet.segments.len();
    let mut at = 0;
    while at < order.len() {
        // Before minimization the table has a column per segment (well
        // over a thousand for `\w`, whose Unicode ranges all cut); it
        // shrinks to MAX_TRANSITIONS or the pattern is left to the loader.
        if order.len().saturating_mul(width) > MAX_TRANSITIONS * 64 {
            return None;
        }
        match order[at] {
            None => next.extend(std::iter::repeat_n(0, width)),
            Some(s) => {
                for &(lo, hi) in &alphabet.segments {
                    let t = facts.read(s, lo, hi, reverse)?;
                    let i = id_of(t, &mut order, &mut matched, &mut facts)?;
                    next.push(i);
                }
            }
        }
        at += 1;
    }

    let (next, matched, start_id, width, class_of) = minimize(next, matched, start_id, width);
    if next.len() > MAX_TRANSITIONS {
        return None;
    }
    let mut ranges: Vec<(u32, u16)> = Vec::new();
    for (&(lo, _), &class) in alphabet.segments.iter().zip(&class_of) {
        if ranges.last().map(|&(_, c)| c) != Some(class) {
            ranges.push((u32::from(lo), class));
        }
    }
    Some(CharDfa {
        start: start_id,
        classes: u16::try_from(width).ok()?,
        ranges,
        next,
        matched,
    })
}

/// The start state, provided no look-behind (or look-ahead, for a reverse
/// DFA) byte changes it.
fn uniform_start(d: &Dense, anchored: Anchored) -> Option<StateID> {
    let cfg = start::Config::new().anchored(anchored);
    let first = d.start_state(&cfg).ok()?;
    for b in 0..=255u8 {
        if d.start_state(&cfg.clone().look_behind(Some(b))).ok()? != first {
            return None;
        }
    }
    Some(first)
}

/// What the derivation checks about byte-DFA states, memoised.
struct Facts<'a> {
    d: &'a Dense,
    /// Per state: `Some(m)` if every byte and end of input lead to a
    /// state whose match flag is `m`; `None` if they disagree.
    holds: HashMap<StateID, Option<bool>>,
    /// See `canon`.
    canon: HashMap<StateID, StateID>,
    by_moves: HashMap<(bool, Vec<StateID>), StateID>,
    dead: StateID,
    /// For each byte, the last byte of its run of equal byte classes.
    runs: [u8; 256],
}

impl<'a> Facts<'a> {
    /// `None` if the DFA's dead state is not where regex-automata puts it.
    fn new(d: &'a Dense) -> Option<Facts<'a>> {
        let classes = d.byte_classes();
        let mut runs = [255u8; 256];
        for b in (0..255u8).rev() {
            runs[usize::from(b)] = if classes.get(b) == classes.get(b + 1) {
                runs[usize::from(b) + 1]
            } else {
                b
            };
        }
        let dead = StateID::ZERO;
        if !d.is_dead_state(dead) {
            return None;
        }
        Some(Facts {
            d,
            holds: HashMap::new(),
            canon: HashMap::new(),
            by_moves: HashMap::new(),
            dead,
            runs,
        })
    }

    /// Whether a match is reported one byte after state `s`, if that does
    /// not depend on the byte.
    fn holds(&mut self, s: StateID) -> Option<bool> {
        if let Some(&h) = self.holds.get(&s) {
            return h;
        }
        let d = self.d;
        let m = d.is_match_state(d.next_eoi_state(s));
        let uniform = (0..=255u8).all(|b| {
            let t = d.next_state(s, b);
            !d.is_quit_state(t) && d.is_match_state(t) == m
        });
        let h = uniform.then_some(m);
        self.holds.insert(s, h);
        h
    }

    /// A canonical state for `t`: the first state seen that reports the
    /// same matches (`holds`) and moves to the same states on every byte
    /// and at end of input, so that no input can tell the two apart.
    ///
    /// A match is reported one byte late: the byte DFA enters a state
    /// flagged as a match (the report) and then goes on like the same
    /// state unflagged. At character boundaries the flag is already kept
    /// in `matched` of the state before, so the two copies are one state
    /// of the character DFA; likewise the flagged state that can only die
    /// after a match is the dead state.
    fn canon(&mut self, t: StateID) -> Option<StateID> {
        let d = self.d;
        if let Some(&c) = self.canon.get(&t) {
            return Some(c);
        }
        let mut key: Vec<StateID> = (0..=255u8).map(|b| d.next_state(t, b)).collect();
        key.push(d.next_eoi_state(t));
        let h = self.holds(t)?;
        let dead = !h && key.iter().all(|&x| d.is_dead_state(x));
        let c = if dead {
            self.dead
        } else {
            *self.by_moves.entry((h, key)).or_insert(t)
        };
        self.canon.insert(t, c);
        Some(c)
    }

    /// The one state that every character in `lo..=hi` leads to from
    /// `s` (reading its UTF-8 bytes backwards if `reverse`), checking that
    /// no match is reported mid-character. `None` if the characters do
    /// not all lead to the same state.
    fn read(&mut self, s: StateID, lo: char, hi: char, reverse: bool) -> Option<StateID> {
        let d = self.d;
        let mut target: Option<StateID> = None;
        for seq in Utf8Sequences::new(lo, hi) {
            let mut ranges = seq.as_slice().to_vec();
            if reverse {
                ranges.reverse();
            }
            let mut set = vec![s];
            for (k, r) in ranges.iter().enumerate() {
                let mut out: Vec<StateID> = Vec::with_capacity(set.len());
                for &x in &set {
                    // One byte per byte class in the range: bytes of a
                    // class move every state alike.
                    let mut b = r.start;
                    loop {
                        let t = d.next_state(x, b);
                        if d.is_quit_state(t) {
                            return None;
                        }
                        if !out.contains(&t) {
                            out.push(t);
                        }
                        match self.runs.get(usize::from(b)) {
                            Some(&end) if end < r.end => b = end + 1,
                            _ => break,
                        }
                    }
                }
                if k + 1 < ranges.len() {
                    for &x in &out {
                        if !d.is_dead_state(x) && self.holds(x) != Some(false) {
                            return None;
                        }
                    }
                }
                set = out;
            }
            for t in set {
                let t = self.canon(t)?;
                match target {
                    None => target = Some(t),
                    Some(u) if u == t => {}
                    Some(_) => return None,
                }
            }
        }
        target
    }
}

/// The characters, split where the pattern's own character sets (its
/// classes and literals, from regex-syntax's HIR) begin or end: within
/// one segment every character satisfies the same sets. `Facts::read`
/// still checks, per state, that all of a segment's UTF-8 sequences lead
/// to one state, so a segment that is not uniform refuses the table
/// rather than trusting this.
struct Alphabet {
    /// `(lo, hi)` scalar ranges, increasing, no surrogates.
    segments: Vec<(char, char)>,
}

impl Alphabet {
    fn new(pattern: &str) -> Option<Alphabet> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let mut cuts = std::collections::BTreeSet::from([0u32]);
        collect_cuts(&hir, &mut cuts)?;
        let cuts: Vec<u32> = cuts.into_iter().collect();
        let mut segments = Vec::with_capacity(cuts.len());
        for (k, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(k + 1).map_or(u32::from(char::MAX), |&n| n - 1);
            // Surrogates are not characters: trim them off the ends.
            let lo = if (0xD800..=0xDFFF).contains(&lo) {
                0xE000
            } else {
                lo
            };
            let hi = if (0xD800..=0xDFFF).contains(&hi) {
                0xD7FF
            } else {
                hi
            };
            if let (Some(a), Some(b)) = (char::from_u32(lo), char::from_u32(hi)) {
                if a <= b {
                    segments.push((a, b));
                }
            }
        }
        Some(Alphabet { segments })
    }
}

/// Adds the first value of every character set in `h`, and the value
/// after its last, to `cuts`. `None` for what the tables do not cover
/// (a byte class beyond ASCII, a literal that is not UTF-8).
fn collect_cuts(
    h: &regex_syntax::hir::Hir,
    cuts: &mut std::collections::BTreeSet<u32>,
) -> Option<()> {
    use regex_syntax::hir::{Class, HirKind};
    let mut range = |lo: u32, hi: u32| {
        cuts.insert(lo);
        if hi < u32::from(char::MAX) {
            cuts.insert(hi + 1);
        }
    };
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => {
            for c in std::str::from_utf8(&lit.0).ok()?.chars() {
                range(u32::from(c), u32::from(c));
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                range(u32::from(r.start()), u32::from(r.end()));
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.ranges() {
                if r.end() > 0x7F {
                    return None;
                }
                range(u32::from(r.start()), u32::from(r.end()));
            }
        }
        HirKind::Repetition(r) => collect_cuts(&r.sub, cuts)?,
        HirKind::Capture(c) => collect_cuts(&c.sub, cuts)?,
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            for h in hs {
                collect_cuts(h, cuts)?;
            }
        }
    }
    Some(())
}

/// Moore's partition refinement over the character DFA, then merges
/// classes that every state treats alike. Returns the new transition
/// table, flags, start, class count and the old-class → new-class map.
fn minimize(
    next: Vec<u16>,
    matched: Vec<bool>,
    start: u16,
    width: usize,
) -> (Vec<u16>, Vec<bool>, u16, usize, Vec<u16>) {
    let n = matched.len();
    // Start from matched / not matched. State 0 (dead, not matched)
    // comes first, so its block is always block 0 and the minimal DFA's
    // dead state is state 0 again; states that can never match merge
    // into it.
    let mut block: Vec<usize> = matched.iter().map(|&m| usize::from(m)).collect();
    let mut count = renumber(&mut block);
    loop {
        let mut sigs: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut refined = Vec::with_capacity(n);
        for s in 0..n {
            let mut sig = Vec::with_capacity(width + 1);
            sig.push(block[s]);
            sig.extend(
                next[s * width..(s + 1) * width]
                    .iter()
                    .map(|&t| block[usize::from(t)]),
            );
            let k = sigs.len();
            refined.push(*sigs.entry(sig).or_insert(k));
        }
        let c = sigs.len();
        block = refined;
        if c == count {
            break;
        }
        count = c;
    }
    // One representative state per block, in order of first appearance.
    let mut rep = vec![usize::MAX; count];
    for (s, &b) in block.iter().enumerate() {
        if rep[b] == usize::MAX {
            rep[b] = s;
        }
    }
    // Classes: columns of the minimal table that are equal merge.
    let mut cols: HashMap<Vec<usize>, u16> = HashMap::new();
    let mut class_of = Vec::with_capacity(width);
    let mut keep = Vec::new();
    for c in 0..width {
        let col: Vec<usize> = rep
            .iter()
            .map(|&s| block[usize::from(next[s * width + c])])
            .collect();
        let k = cols.len() as u16;
        let id = *cols.entry(col).or_insert(k);
        if id == k {
            keep.push(c);
        }
        class_of.push(id);
    }
    let mut out = Vec::with_capacity(count * keep.len());
    for &s in &rep {
        for &c in &keep {
            out.push(block[usize::from(next[s * width + c])] as u16);
        }
    }
    let flags = rep.iter().map(|&s| matched[s]).collect();
    let start = block[usize::from(start)] as u16;
    (out, flags, start, keep.len(), class_of)
}

/// Renumbers block ids in order of first appearance; returns the count.
fn renumber(block: &mut [usize]) -> usize {
    let mut map: HashMap<usize, usize> = HashMap::new();
    for b in block.iter_mut() {
        let k = map.len();
        *b = *map.entry(*b).or_insert(k);
    }
    map.len()
}
