//! The product search behind string classes. Each atom language is a
//! dense DFA (regex-automata, built the way the runtime builds its
//! whole-value matchers) that reads some *view* of the value: the raw
//! bytes, its `lower` (per character, any number of times), or the
//! `host`/`scheme` part of a URL (cut out on the fly by a small segmenter
//! that follows `parse_url`). Length counters count the characters of a
//! view up to the largest length that matters. A breadth-first search
//! over characters of the product of all of these (plus the domain's
//! DFAs) records the first — so shortest — string reaching each distinct
//! vector of outcomes; the vectors it finds are exactly the feasible
//! classes, provided the search ran to completion.
//!
//! Searching over 1.1 million characters per step is unnecessary: two
//! characters that every DFA puts in the same byte classes, in every
//! view, and that the segmenter and counters treat alike, lead every
//! component to the same state. `alphabet` computes one representative
//! (the most readable) per such class of characters.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

mod long;
mod walk;

pub(crate) use walk::Walk;

/// The most DFA bytes one atom machine may take (the runtime's limit).
const DFA_SIZE_LIMIT: usize = 2 << 20;
const NFA_SIZE_LIMIT: usize = 2 << 20;

/// Which view of the value a component reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Feed {
    Raw,
    /// `lower` applied this many times (at least once).
    Lower(u8),
    Host,
    Scheme,
}

/// An automaton over one view: its DFA accepts (at the end of input) the
/// patterns of the atoms it stands for.
#[derive(Clone)]
pub(crate) struct Machine {
    pub dfa: Arc<dense::DFA<Vec<u32>>>,
    pub feed: Feed,
}

/// The length of a view, in characters, up to the last start point.
#[derive(Clone)]
pub(crate) struct Counter {
    pub feed: Feed,
    /// Sorted start points of length classes (all at least 1).
    pub starts: Vec<u64>,
}

/// All components of one search.
pub(crate) struct Product {
    /// Atom machines first (`atoms` of them), then domain machines.
    pub machines: Vec<Machine>,
    pub atoms: usize,
    pub counters: Vec<Counter>,
    /// The domain as clauses over machine indices (see `domain::Domain`);
    /// empty means every string.
    pub clauses: Vec<(Vec<usize>, Vec<usize>)>,
}

/// Builds one whole-value DFA for `patterns` (several patterns share one
/// DFA; which matched is read at the end of input).
pub(crate) fn build(patterns: &[String]) -> Result<dense::DFA<Vec<u32>>, String> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .start_kind(StartKind::Anchored)
                .match_kind(MatchKind::All)
                .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
        )
        .thompson(thompson::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build_many(patterns)
        .map_err(|e| e.to_string())
}

fn start_of(dfa: &dense::DFA<Vec<u32>>) -> Option<StateID> {
    dfa.start_state(&start::Config::new().anchored(Anchored::Yes))
        .ok()
}

/// Segmenter phases: where in a URL the last character was.
mod phase {
    /// In the scheme.
    pub const SCHEME: u32 = 0;
    /// After `scheme:`.
    pub const COLON: u32 = 1;
    /// After `scheme:/`.
    pub const SLASH: u32 = 2;
    /// In the authority, the host candidate empty (start, or after `@`).
    pub const FRESH: u32 = 3;
    /// In a host name.
    pub const HOST: u32 = 4;
    /// In a bracketed (IPv6) host.
    pub const BRACKET: u32 = 5;
    /// After the host (port, or userinfo if an `@` follows).
    pub const AFTER: u32 = 6;
    /// Past the authority: the host is final.
    pub const DONE: u32 = 7;
    /// No authority: the host is empty.
    pub const OPAQUE: u32 = 8;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HostAct {
    Hold,
    Feed,
    Reset,
}

/// One segmenter step: the next phase, and what the host candidate does
/// with the character. The host is the authority after its last `@`, up
/// to a `:` (outside brackets) or the end of the authority, exactly as
/// `parse_url` cuts it for the URLs it accepts.
fn segment(p: u32, c: char) -> (u32, HostAct) {
    use phase::*;
    use HostAct::*;
    match p {
        SCHEME => (if c == ':' { COLON } else { SCHEME }, Hold),
        COLON => (if c == '/' { SLASH } else { OPAQUE }, Hold),
        SLASH => (if c == '/' { FRESH } else { OPAQUE }, Hold),
        FRESH | HOST | BRACKET | AFTER => match c {
            '@' => (FRESH, Reset),
            '/' | '?' | '#' => (DONE, Hold),
            ':' if p != BRACKET => (AFTER, Hold),
            _ if p == AFTER => (AFTER, Hold),
            '[' if p == FRESH => (BRACKET, Feed),
            ']' if p == BRACKET => (AFTER, Feed),
            _ if p == BRACKET => (BRACKET, Feed),
            _ => (HOST, Feed),
        },
        other => (other, Hold),
    }
}

/// A character of the search alphabet with its views precomputed.
pub(crate) struct Letter {
    pub c: char,
    raw: String,
    /// `lowered[k - 1]` is `lower` applied `k` times.
    lowered: Vec<String>,
    /// ASCII lower-casing (host and scheme views).
    ascii: String,
}

impl Letter {
    pub fn new(c: char, max_lower: u8) -> Letter {
        let raw = c.to_string();
        let mut lowered = Vec::with_capacity(usize::from(max_lower));
        let mut cur = raw.clone();
        for _ in 0..max_lower {
            cur = super::expr::lower(&cur);
            lowered.push(cur.clone());
        }
        Letter {
            c,
            ascii: raw.to_ascii_lowercase(),
            raw,
            lowered,
        }
    }

    fn view(&self, f: Feed) -> &str {
        match f {
            Feed::Raw => &self.raw,
            Feed::Lower(k) => self
                .lowered
                .get(usize::from(k).saturating_sub(1))
                .map_or(&self.raw, String::as_str),
            Feed::Host | Feed::Scheme => &self.ascii,
        }
    }
}

impl Product {
    fn max_lower(&self) -> u8 {
        self.machines
            .iter()
            .map(|m| m.feed)
            .chain(self.counters.iter().map(|c| c.feed))
            .map(|f| if let Feed::Lower(k) = f { k } else { 0 })
            .max()
            .unwrap_or(0)
    }

    fn segmented(&self) -> bool {
        self.machines
            .iter()
            .map(|m| m.feed)
            .chain(self.counters.iter().map(|c| c.feed))
            .any(|f| matches!(f, Feed::Host | Feed::Scheme))
    }

    /// One representative per class of interchangeable characters, most
    /// readable first.
    pub fn alphabet(&self) -> Vec<Letter> {
        let max_lower = self.max_lower();
        let mut sig = Signer::new(self);
        let mut best: HashMap<Vec<u32>, char> = HashMap::new();
        let mut offer = |c: char, sig: &mut Signer<'_>| {
            let key = sig.signature(&Letter::new(c, max_lower));
            match best.get_mut(key.as_slice()) {
                Some(b) if rank(c) < rank(*b) => *b = c,
                Some(_) => {}
                None => {
                    best.insert(key, c);
                }
            }
        };
        // ASCII and the blocks holding characters that lower-case to
        // something else: one by one.
        let special = special_blocks();
        for cp in (0..0x80).chain(special.iter().flat_map(|&b| (b << 6)..((b << 6) + 64))) {
            if let Some(c) = char::from_u32(cp) {
                offer(c, &mut sig);
            }
        }
        // Other blocks of 64 code points share every UTF-8 byte but the
        // last, and every view of them is the raw bytes; blocks whose
        // leading bytes move every DFA alike behave alike, so only the
        // first of each is tried.
        let mut groups: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut buf = [0u8; 4];
        for block in 2u32..=(0x10_FFFF >> 6) {
            if special.binary_search(&block).is_ok() {
                continue;
            }
            let Some(c) = char::from_u32(block << 6) else {
                continue; // surrogates
            };
            let bytes = c.encode_utf8(&mut buf).as_bytes();
            let lead = &bytes[..bytes.len() - 1];
            let key: Vec<u32> = (0..self.machines.len())
                .map(|m| sig.behaviour(m, lead))
                .collect();
            groups.entry(key).or_insert(block);
        }
        let mut firsts: Vec<u32> = groups.into_values().collect();
        firsts.sort_unstable();
        for block in firsts {
            for cp in (block << 6)..((block << 6) + 64) {
                if let Some(c) = char::from_u32(cp) {
                    offer(c, &mut sig);
                }
            }
        }
        let mut reps: Vec<char> = best.into_values().collect();
        reps.sort_by_key(|&c| rank(c));
        reps.into_iter()
            .map(|c| Letter::new(c, max_lower))
            .collect()
    }
}

/// Computes how a character looks to every component: two characters
/// with equal signatures lead every component from every state to the
/// same state. For a DFA that is the vector of its transitions on the
/// character's view from every state the DFA can reach, interned (and
/// cached by the view's byte classes, which determine it).
struct Signer<'a> {
    p: &'a Product,
    segmented: bool,
    /// Per machine: its reachable states.
    states: Vec<Vec<StateID>>,
    /// Per machine: byte classes of a view → behaviour id.
    by_classes: Vec<HashMap<Vec<u8>, u32>>,
    /// Per machine: transition vector → behaviour id.
    by_moves: Vec<HashMap<Vec<u32>, u32>>,
}

impl<'a> Signer<'a> {
    fn new(p: &'a Product) -> Self {
        let states = p.machines.iter().map(|m| reachable(&m.dfa)).collect();
        Signer {
            p,
            segmented: p.segmented(),
            states,
            by_classes: p.machines.iter().map(|_| HashMap::new()).collect(),
            by_moves: p.machines.iter().map(|_| HashMap::new()).collect(),
        }
    }

    /// How `bytes` (whole characters, or the leading bytes of one) move
    /// machine `m`, as an interned id.
    fn behaviour(&mut self, m: usize, bytes: &[u8]) -> u32 {
        let Some(machine) = self.p.machines.get(m) else {
            return 0;
        };
        let classes: Vec<u8> = bytes
            .iter()
            .map(|&b| machine.dfa.byte_classes().get(b))
            .collect();
        if let Some(&id) = self.by_classes[m].get(&classes) {
            return id;
        }
        let moves: Vec<u32> = self.states[m]
            .iter()
            .map(|&s| {
                bytes
                    .iter()
                    .fold(s, |s, &b| machine.dfa.next_state(s, b))
                    .as_u32()
            })
            .collect();
        let n = self.by_moves[m].len() as u32;
        let id = *self.by_moves[m].entry(moves).or_insert(n);
        self.by_classes[m].insert(classes, id);
        id
    }

    fn signature(&mut self, l: &Letter) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.p.machines.len() + self.p.counters.len() + 1);
        for m in 0..self.p.machines.len() {
            let feed = self.p.machines[m].feed;
            out.push(self.behaviour(m, l.view(feed).as_bytes()));
        }
        for c in &self.p.counters {
            out.push(l.view(c.feed).chars().count() as u32);
        }
        if self.segmented {
            out.push(match l.c {
                ':' => 1,
                '/' => 2,
                '@' => 3,
                '?' | '#' => 4,
                '[' => 5,
                ']' => 6,
                _ => 0,
            });
        }
        out
    }
}

/// Every state of `dfa` reachable from its anchored start state by whole
/// characters (valid UTF-8): the only states a view, which always feeds
/// whole characters, can leave a machine in. States in the middle of a
/// character are explored but not returned.
fn reachable(dfa: &dense::DFA<Vec<u32>>) -> Vec<StateID> {
    let Some(start) = start_of(dfa) else {
        return Vec::new();
    };
    // The UTF-8 decoder's state: continuation bytes still needed and the
    // range the next one must be in (0 needed: at a boundary).
    type Dec = (u8, u8, u8);
    const BOUNDARY: Dec = (0, 0, 0);
    fn lead(b: u8) -> Option<Dec> {
        Some(match b {
            0x00..=0x7f => BOUNDARY,
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xe1..=0xef => (2, 0x80, 0xbf),
            0xf0 => (3, 0x90, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            _ => return None,
        })
    }
    let mut seen: HashSet<(StateID, Dec)> = HashSet::from([(start, BOUNDARY)]);
    let mut queue = vec![(start, BOUNDARY)];
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&(s, dec)) = queue.get(i) {
        i += 1;
        if dec == BOUNDARY {
            out.push(s);
        }
        let mut push = |t: StateID, d: Dec| {
            if seen.insert((t, d)) {
                queue.push((t, d));
            }
        };
        if dec == BOUNDARY {
            for b in 0..=255u8 {
                if let Some(d) = lead(b) {
                    push(dfa.next_state(s, b), d);
                }
            }
        } else {
            let (n, lo, hi) = dec;
            let d = if n == 1 {
                BOUNDARY
            } else {
                (n - 1, 0x80, 0xbf)
            };
            for b in lo..=hi {
                push(dfa.next_state(s, b), d);
            }
        }
    }
    out
}

/// The blocks (code point >> 6, above ASCII) holding a character whose
/// `char::to_lowercase` is not itself; computed once.
fn special_blocks() -> &'static [u32] {
    static BLOCKS: OnceLock<Vec<u32>> = OnceLock::new();
    BLOCKS.get_or_init(|| {
        let mut out: Vec<u32> = Vec::new();
        for cp in 0x80..=0x10_FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut l = c.to_lowercase();
            if !(l.next() == Some(c) && l.next().is_none()) && out.last() != Some(&(cp >> 6)) {
                out.push(cp >> 6);
            }
        }
        out
    })
}

/// Readability order of witness characters: lower-case letters, digits,
/// upper-case letters, path punctuation, other printable ASCII, other
/// letters, the rest, controls last.
fn rank(c: char) -> (u8, u32) {
    let tier = match c {
        'a'..='z' => 0,
        '0'..='9' => 1,
        'A'..='Z' => 2,
        '/' => 3,
        '.' => 4,
        '-' | '_' => 5,
        ' '..='~' => 6,
        c if c.is_control() => 9,
        c if c.is_alphanumeric() => 7,
        _ => 8,
    };
    (tier, c as u32)
}

/// A feasible class: what every atom says, the length class of every
/// counter, the class key, and the first (shortest) string found in it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Per atom pattern (machines in order, patterns in order).
    pub bits: Vec<bool>,
    /// Per counter, the index of its length class.
    pub lens: Vec<usize>,
    /// What identifies the class (see `strings::guards`).
    pub key: Vec<u8>,
    pub witness: String,
}

/// What a search found; `complete` when it explored every state.
#[derive(Default)]
pub(crate) struct Outcome {
    pub found: Vec<Found>,
    pub complete: bool,
}

/// Turns an outcome (atom bits, length classes) into a class key.
pub(crate) type KeyFn<'a> = dyn FnMut(&[bool], &[usize]) -> Vec<u8> + 'a;

/// Lengths up to this are counted in the state; a raw length compared
/// with more is counted by `long` instead.
pub(crate) const SHORT_LENGTH: u64 = 4096;

/// Runs the search from the state after `prefix`, visiting at most `cap`
/// product states and recording at most `max_found` classes, on a walk of
/// its own (classifications share theirs: `strings::shared`).
#[cfg(test)]
pub(crate) fn search(
    p: &Product,
    letters: &[Letter],
    prefix: &str,
    cap: usize,
    max_found: usize,
    key: &mut KeyFn<'_>,
) -> Outcome {
    if long_counter(p).is_some() {
        return search_long(p, letters, prefix, cap, max_found, key);
    }
    Walk::new(p, prefix, cap).search(p, letters, max_found, key)
}

/// The raw length counter whose start points are too far out to count in
/// the state, if any: the search then goes through `long`.
pub(crate) fn long_counter(p: &Product) -> Option<usize> {
    p.counters
        .iter()
        .position(|c| c.feed == Feed::Raw && c.starts.last().is_some_and(|&s| s > SHORT_LENGTH))
}

/// [`search`] for a product with a [`long_counter`].
pub(crate) fn search_long(
    p: &Product,
    letters: &[Letter],
    prefix: &str,
    cap: usize,
    max_found: usize,
    key: &mut KeyFn<'_>,
) -> Outcome {
    let out = Outcome::default();
    let Some(root) = rooted(p, prefix) else {
        return out;
    };
    if dead(p, &root) {
        return Outcome {
            complete: true,
            ..out
        };
    }
    match long_counter(p) {
        Some(c) => long::search(p, letters, prefix, root, c, cap, max_found, key),
        None => Walk::new(p, prefix, cap).search(p, letters, max_found, key),
    }
}

/// The state after `prefix`.
fn rooted(p: &Product, prefix: &str) -> Option<Vec<u32>> {
    let mut root = initial(p)?;
    let max_lower = p.max_lower();
    let mut next = Vec::with_capacity(root.len());
    for c in prefix.chars() {
        step(p, &root, &Letter::new(c, max_lower), &mut next);
        std::mem::swap(&mut root, &mut next);
    }
    Some(root)
}

/// The string of node `i`: its letters from the root.
fn spell(nodes: &[(Box<[u32]>, u32, u16)], letters: &[Letter], mut i: usize) -> String {
    let mut cs = Vec::new();
    while let Some((_, parent, l)) = nodes.get(i) {
        if *parent == u32::MAX {
            break;
        }
        cs.push(letters.get(usize::from(*l)).map_or('?', |l| l.c));
        i = *parent as usize;
    }
    cs.iter().rev().collect()
}

/// The state layout: `[phase, machine states.., counters..]`.
fn initial(p: &Product) -> Option<Vec<u32>> {
    let mut s = vec![phase::SCHEME];
    for m in &p.machines {
        s.push(start_of(&m.dfa)?.as_u32());
    }
    s.extend(p.counters.iter().map(|_| 0));
    Some(s)
}

fn run(dfa: &dense::DFA<Vec<u32>>, mut s: StateID, bytes: &str) -> StateID {
    for b in bytes.bytes() {
        s = dfa.next_state(s, b);
    }
    s
}

pub(super) fn step(p: &Product, st: &[u32], l: &Letter, out: &mut Vec<u32>) {
    out.clear();
    let ph = st.first().copied().unwrap_or(phase::SCHEME);
    let (next_phase, act) = segment(ph, l.c);
    let scheme_feed = ph == phase::SCHEME && l.c != ':';
    out.push(next_phase);
    for (i, m) in p.machines.iter().enumerate() {
        let s = StateID::new_unchecked(st.get(1 + i).copied().unwrap_or(0) as usize);
        let s = match m.feed {
            Feed::Raw | Feed::Lower(_) => run(&m.dfa, s, l.view(m.feed)),
            Feed::Host => match act {
                HostAct::Hold => s,
                HostAct::Feed => run(&m.dfa, s, l.view(m.feed)),
                HostAct::Reset => start_of(&m.dfa).unwrap_or(s),
            },
            Feed::Scheme if scheme_feed => run(&m.dfa, s, l.view(m.feed)),
            Feed::Scheme => s,
        };
        out.push(s.as_u32());
    }
    let base = 1 + p.machines.len();
    for (i, c) in p.counters.iter().enumerate() {
        let n = u64::from(st.get(base + i).copied().unwrap_or(0));
        let n = match c.feed {
            Feed::Raw | Feed::Lower(_) => n + l.view(c.feed).chars().count() as u64,
            Feed::Host => match act {
                HostAct::Hold => n,
                HostAct::Feed => n + 1,
                HostAct::Reset => 0,
            },
            Feed::Scheme => n + u64::from(scheme_feed),
        };
        let cap = c.starts.last().copied().unwrap_or(0);
        out.push(n.min(cap) as u32);
    }
}

/// Whether no continuation of `st` can be in the domain: some positive
/// machine of every clause is dead.
pub(super) fn dead(p: &Product, st: &[u32]) -> bool {
    !p.clauses.is_empty()
        && p.clauses.iter().all(|(pos, _)| {
            pos.iter().any(|&m| {
                let s = StateID::new_unchecked(st.get(1 + m).copied().unwrap_or(0) as usize);
                p.machines.get(m).is_some_and(|m| m.dfa.is_dead_state(s))
            })
        })
}

/// The class of the string that ends in `st`, if that string is in the
/// domain.
pub(super) fn outcome(p: &Product, st: &[u32]) -> Option<(Vec<bool>, Vec<usize>)> {
    let accepts = |m: usize| -> Vec<usize> {
        let Some(machine) = p.machines.get(m) else {
            return Vec::new();
        };
        let s = StateID::new_unchecked(st.get(1 + m).copied().unwrap_or(0) as usize);
        let e = machine.dfa.next_eoi_state(s);
        if !machine.dfa.is_match_state(e) {
            return Vec::new();
        }
        (0..machine.dfa.match_len(e))
            .map(|k| machine.dfa.match_pattern(e, k).as_usize())
            .collect()
    };
    let in_domain = p.clauses.is_empty()
        || p.clauses.iter().any(|(pos, neg)| {
            pos.iter().all(|&m| !accepts(m).is_empty())
                && neg.iter().all(|&m| accepts(m).is_empty())
        });
    if !in_domain {
        return None;
    }
    let mut bits = Vec::new();
    for (m, machine) in p.machines.iter().enumerate().take(p.atoms) {
        let n = machine.dfa.pattern_len();
        let at = bits.len();
        bits.resize(at + n, false);
        for k in accepts(m) {
            if let Some(b) = bits.get_mut(at + k) {
                *b = true;
            }
        }
    }
    let base = 1 + p.machines.len();
    let lens = p
        .counters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let n = u64::from(st.get(base + i).copied().unwrap_or(0));
            c.starts.iter().take_while(|&&s| s <= n).count()
        })
        .collect();
    Some((bits, lens))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(patterns: &[&str], feed: Feed) -> Machine {
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        Machine {
            dfa: Arc::new(build(&p).unwrap()),
            feed,
        }
    }

    #[test]
    fn segmenter_finds_the_host_parse_url_finds() {
        use guard_runtime::text;
        for u in [
            "https://a",
            "http://u:p@x@Host.Example:80/p",
            "http://[::1]:8/",
            "foo:x",
            "foo://",
            "foo:/a",
            "http://a@[1::2]",
        ] {
            let mut p = phase::SCHEME;
            let mut host = String::new();
            for c in u.chars() {
                let (n, act) = segment(p, c);
                match act {
                    HostAct::Feed => host.push(c.to_ascii_lowercase()),
                    HostAct::Reset => host.clear(),
                    HostAct::Hold => {}
                }
                p = n;
            }
            assert_eq!(Some(host), text::url_host(u), "{u}");
        }
    }

    #[test]
    fn alphabet_separates_what_dfas_separate() {
        let p = Product {
            machines: vec![machine(&["a.*", "[0-9]+"], Feed::Raw)],
            atoms: 1,
            counters: Vec::new(),
            clauses: Vec::new(),
        };
        let letters: Vec<char> = p.alphabet().iter().map(|l| l.c).collect();
        assert_eq!(letters.first(), Some(&'a'));
        assert!(letters.contains(&'b'));
        assert!(letters.contains(&'0'));
        assert!(letters.len() < 40, "{letters:?}");
    }

    #[test]
    fn lower_views_see_multi_character_mappings() {
        // lower("İ") is "i̇": two characters, the first an `i`.
        let p = Product {
            machines: vec![machine(&["i.+"], Feed::Lower(1))],
            atoms: 1,
            counters: vec![Counter {
                feed: Feed::Lower(1),
                starts: vec![1, 2],
            }],
            clauses: Vec::new(),
        };
        let letters = p.alphabet();
        let mut key = |b: &[bool], l: &[usize]| {
            let mut k: Vec<u8> = b.iter().map(|&x| u8::from(x)).collect();
            k.extend(l.iter().map(|&x| x as u8));
            k
        };
        let o = search(&p, &letters, "", 10_000, 100, &mut key);
        assert!(o.complete);
        assert!(o
            .found
            .iter()
            .any(|f| f.bits == vec![true] && f.witness == "\u{130}"));
    }
}
