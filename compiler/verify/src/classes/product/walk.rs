//! The breadth-first walk behind `product::search`, kept apart from the
//! class keys so that one walk can answer several searches.
//!
//! A search records, in breadth-first order, the first string reaching
//! each new class key, where a key is a function of the outcome (atom
//! bits and length classes) of the state the string ends in. The walk
//! itself — which states are visited, in which order, and where the cap
//! stops it — does not depend on the key function at all. So the walk
//! records each *distinct outcome* the first time it meets it, and a
//! search reads that list in order: the first outcome mapping to a key
//! is exactly the first state with that key, so its witness is the
//! string the search alone would have found. A search that stops early
//! (`max_found` classes) stops at the same entry it would have stopped
//! at on its own; one that runs out of entries advances the walk (lazily,
//! only as far as it needs).
//!
//! The same parameter is classified once per assertion that mentions it
//! (each adds its own guards, so its own keys), over the same atoms and
//! so the same product: the walk is shared between those searches
//! (`strings::shared`) instead of repeated.

use std::collections::HashSet;

use super::{dead, outcome, rooted, spell, step, Found, KeyFn, Letter, Outcome, Product};
use crate::fx::FxBuild;

/// Where a walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// States remain to be expanded.
    Running,
    /// Every reachable state was visited.
    Complete,
    /// The cap was reached (or the prefix leaves the automata): the
    /// classes found so far are all there will be.
    Stopped,
}

/// A breadth-first walk of one product from the state after `prefix`,
/// visiting at most `cap` states.
pub(crate) struct Walk {
    /// Nodes in BFS order: state, parent, letter.
    nodes: Vec<(Box<[u32]>, u32, u16)>,
    seen: HashSet<Box<[u32]>, FxBuild>,
    /// The next node to expand.
    next: usize,
    end: End,
    cap: usize,
    prefix: String,
    /// Each distinct outcome, at the first node that has it, in BFS order.
    outcomes: Vec<(u32, Vec<bool>, Vec<usize>)>,
    distinct: HashSet<(Vec<bool>, Vec<usize>), FxBuild>,
}

impl Walk {
    pub fn new(p: &Product, prefix: &str, cap: usize) -> Walk {
        let mut w = Walk {
            nodes: Vec::new(),
            seen: HashSet::default(),
            next: 0,
            end: End::Stopped,
            cap,
            prefix: prefix.to_string(),
            outcomes: Vec::new(),
            distinct: HashSet::default(),
        };
        match rooted(p, prefix) {
            None => {}
            Some(root) if dead(p, &root) => w.end = End::Complete,
            Some(root) => {
                let boxed: Box<[u32]> = root.into();
                w.seen.insert(boxed.clone());
                w.nodes.push((boxed, u32::MAX, 0));
                w.end = End::Running;
            }
        }
        w
    }

    /// Expands one node: records its outcome if it is new, then queues its
    /// successors.
    fn advance(&mut self, p: &Product, letters: &[Letter]) {
        let i = self.next;
        let Some(state) = self.nodes.get(i).map(|n| n.0.clone()) else {
            self.end = End::Complete;
            return;
        };
        if let Some((bits, lens)) = outcome(p, &state) {
            if !self.distinct.contains(&(bits.clone(), lens.clone())) {
                self.distinct.insert((bits.clone(), lens.clone()));
                self.outcomes.push((i as u32, bits, lens));
            }
        }
        let mut next = Vec::with_capacity(state.len());
        for (li, l) in letters.iter().enumerate() {
            step(p, &state, l, &mut next);
            if dead(p, &next) || self.seen.contains(next.as_slice()) {
                continue;
            }
            if self.nodes.len() >= self.cap {
                self.end = End::Stopped;
                return;
            }
            let boxed: Box<[u32]> = next.clone().into();
            self.seen.insert(boxed.clone());
            self.nodes.push((boxed, i as u32, li as u16));
        }
        self.next += 1;
        if self.next >= self.nodes.len() {
            self.end = End::Complete;
        }
    }

    /// The classes `key` tells apart, at most `max_found` of them (see the
    /// module docs). `letters` must be the ones the walk was started with.
    pub fn search(
        &mut self,
        p: &Product,
        letters: &[Letter],
        max_found: usize,
        key: &mut KeyFn<'_>,
    ) -> Outcome {
        let mut out = Outcome::default();
        let mut classes: HashSet<Vec<u8>, FxBuild> = HashSet::default();
        let mut at = 0;
        loop {
            while let Some((node, bits, lens)) = self.outcomes.get(at) {
                at += 1;
                let k = key(bits, lens);
                if classes.contains(&k) {
                    continue;
                }
                if out.found.len() >= max_found {
                    return out;
                }
                classes.insert(k.clone());
                out.found.push(Found {
                    bits: bits.clone(),
                    lens: lens.clone(),
                    key: k,
                    witness: format!(
                        "{}{}",
                        self.prefix,
                        spell(&self.nodes, letters, *node as usize)
                    ),
                });
            }
            match self.end {
                End::Running => self.advance(p, letters),
                End::Complete => {
                    out.complete = true;
                    return out;
                }
                End::Stopped => return out,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{build, search, Feed, Machine, Product};
    use super::Walk;

    /// One walk answering searches with different keys (and limits), in
    /// any order, finds what a fresh search with each key finds.
    #[test]
    fn a_shared_walk_answers_as_fresh_searches_do() {
        let patterns: Vec<String> = ["a.*", "[0-9]+", ".*b", ".*xy.*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = Product {
            machines: vec![Machine {
                dfa: Arc::new(build(&patterns).unwrap()),
                feed: Feed::Raw,
            }],
            atoms: 1,
            counters: Vec::new(),
            clauses: Vec::new(),
        };
        let letters = p.alphabet();
        // Keys that see every atom, only the first two, or only one.
        type Key = fn(&[bool], &[usize]) -> Vec<u8>;
        let keys: [Key; 3] = [
            |b, _| b.iter().map(|&x| u8::from(x)).collect(),
            |b, _| b.iter().take(2).map(|&x| u8::from(x)).collect(),
            |b, _| vec![u8::from(b.get(3).copied().unwrap_or(false))],
        ];
        let mut walk = Walk::new(&p, "", 10_000);
        for (k, max) in [(1, 100), (0, 100), (2, 1), (0, 3), (2, 100)] {
            let mut key = keys[k];
            let shared = walk.search(&p, &letters, max, &mut key);
            let fresh = search(&p, &letters, "", 10_000, max, &mut key);
            let view = |o: &super::Outcome| -> Vec<(Vec<u8>, String)> {
                o.found
                    .iter()
                    .map(|f| (f.key.clone(), f.witness.clone()))
                    .collect()
            };
            assert_eq!(view(&shared), view(&fresh), "key {k}, max {max}");
            assert_eq!(shared.complete, fresh.complete, "key {k}, max {max}");
        }
        // A cap that stops the walk stops a fresh search at the same place.
        let mut capped = Walk::new(&p, "", 3);
        let mut key = keys[0];
        let a = capped.search(&p, &letters, 100, &mut key);
        let b = search(&p, &letters, "", 3, 100, &mut key);
        assert_eq!(a.found.len(), b.found.len());
        assert!(!a.complete && !b.complete);
    }
}
