//! Running the character-class DFAs that `guardc build` puts in the
//! image (`super::build` derives them): validated once at load, then
//! walked one character at a time with no allocation and no cache.
//!
//! The three searches mirror regex-automata's DFA searches, observed at
//! character boundaries (see `super::build` for why that is exact):
//!
//! * whole-value match: walk the anchored DFA over every character; the
//!   value matches if the final state is `matched`;
//! * forward search from `from`: before reading each character, a
//!   `matched` state means a match ends there; the last one seen before
//!   the DFA dies (or at the end) is where the leftmost-first match ends;
//! * reverse search from that end back to `from`: before reading each
//!   character (backwards), a `matched` state means a match starts at
//!   that boundary; the last one seen is where the match starts.

use crate::model::CharDfa;

/// A validated [`CharDfa`], laid out for the search loops.
#[derive(Debug)]
pub(crate) struct Table {
    start: u16,
    classes: usize,
    next: Box<[u16]>,
    matched: Box<[bool]>,
    /// Classes of the ASCII characters, looked up directly.
    ascii: [u16; 128],
    /// The non-ASCII part of `ranges`, searched by bisection.
    ranges: Box<[(u32, u16)]>,
}

impl Table {
    /// Checks everything the search loops rely on: the class ranges
    /// start at 0, increase and name existing classes; every transition
    /// names an existing state; state 0 is dead (never matched, only
    /// leads to itself).
    pub fn new(d: &CharDfa) -> Result<Table, String> {
        let classes = usize::from(d.classes);
        let states = d.matched.len();
        if classes == 0 || states == 0 {
            return Err("a regex table without classes or states".into());
        }
        if d.next.len() != states.saturating_mul(classes) {
            return Err(format!(
                "a regex table of {states} states and {classes} classes has {} transitions",
                d.next.len()
            ));
        }
        if usize::from(d.start) >= states {
            return Err(format!("a regex table starts in state {}", d.start));
        }
        if let Some(t) = d.next.iter().find(|&&t| usize::from(t) >= states) {
            return Err(format!("a regex table moves to state {t} of {states}"));
        }
        if d.matched[0] || d.next[..classes].iter().any(|&t| t != 0) {
            return Err("a regex table whose state 0 is not dead".into());
        }
        match d.ranges.first() {
            Some(&(0, _)) => {}
            _ => return Err("a regex table's classes do not start at U+0000".into()),
        }
        let mut prev: Option<u32> = None;
        for &(lo, class) in &d.ranges {
            if prev.is_some_and(|p| p >= lo) || lo > u32::from(char::MAX) {
                return Err(format!(
                    "a regex table's class ranges are out of order at {lo:#x}"
                ));
            }
            if usize::from(class) >= classes {
                return Err(format!("a regex table names class {class} of {classes}"));
            }
            prev = Some(lo);
        }
        // The ranges are sorted and start at 0: one pass fills the ASCII
        // classes.
        let mut ascii = [0u16; 128];
        for (k, &(lo, class)) in d.ranges.iter().enumerate() {
            let hi = d.ranges.get(k + 1).map_or(128, |&(next, _)| next.min(128));
            for slot in ascii
                .get_mut(lo as usize..hi as usize)
                .into_iter()
                .flatten()
            {
                *slot = class;
            }
        }
        let first_wide = d.ranges.partition_point(|&(lo, _)| lo < 128);
        // The run that covers U+0080 may start below it: keep it.
        let from = first_wide.saturating_sub(1);
        Ok(Table {
            start: d.start,
            classes,
            next: d.next.clone().into_boxed_slice(),
            matched: d.matched.clone().into_boxed_slice(),
            ascii,
            ranges: d.ranges[from..].into(),
        })
    }

    #[inline]
    fn class(&self, c: char) -> usize {
        let v = c as u32;
        if v < 128 {
            usize::from(self.ascii[v as usize])
        } else {
            usize::from(class_in(&self.ranges, v))
        }
    }

    #[inline]
    fn step(&self, s: usize, c: char) -> usize {
        // Validation bounds every transition and class, so the index is
        // in range; `get` keeps a wrong table from panicking all the same.
        usize::from(
            self.next
                .get(s * self.classes + self.class(c))
                .copied()
                .unwrap_or(0),
        )
    }

    #[inline]
    fn matched(&self, s: usize) -> bool {
        self.matched.get(s).copied().unwrap_or(false)
    }

    /// Whether the (anchored) DFA accepts all of `s`.
    pub fn whole(&self, s: &str) -> bool {
        let mut st = usize::from(self.start);
        for c in s.chars() {
            st = self.step(st, c);
            if st == 0 {
                return false;
            }
        }
        self.matched(st)
    }

    /// Where the leftmost-first match at or after `from` ends, searching
    /// with the forward DFA.
    pub fn find_end(&self, hay: &str, from: usize) -> Option<usize> {
        let mut st = usize::from(self.start);
        let mut end = None;
        for (i, c) in hay.get(from..)?.char_indices() {
            if self.matched(st) {
                end = Some(from + i);
            }
            st = self.step(st, c);
            if st == 0 {
                return end;
            }
        }
        if self.matched(st) {
            end = Some(hay.len());
        }
        end
    }

    /// Where the match that ends at `end` starts, no earlier than `from`,
    /// searching backwards with the reverse DFA.
    pub fn find_start(&self, hay: &str, from: usize, end: usize) -> Option<usize> {
        let mut st = usize::from(self.start);
        let mut start = None;
        for (i, c) in hay.get(from..end)?.char_indices().rev() {
            if self.matched(st) {
                start = Some(from + i + c.len_utf8());
            }
            st = self.step(st, c);
            if st == 0 {
                return start;
            }
        }
        if self.matched(st) {
            start = Some(from);
        }
        start
    }
}

/// The class of scalar value `v` in sorted ranges starting at 0.
#[inline]
fn class_in(ranges: &[(u32, u16)], v: u32) -> u16 {
    let i = ranges.partition_point(|&(lo, _)| lo <= v);
    ranges.get(i.wrapping_sub(1)).map_or(0, |&(_, c)| c)
}
