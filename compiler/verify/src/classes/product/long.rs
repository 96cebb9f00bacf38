//! Long lengths. `len(body) <= 100000` cuts the lengths at 100001;
//! counting up to there in the search state would multiply the product
//! by a hundred thousand. Instead the raw length is left out of the state
//! and the product graph is explored once; the *layers* of the graph (the
//! states reachable by exactly `n` characters) are then computed until one
//! repeats, after which they are periodic, so the states reachable by a
//! length in any interval are known without walking every length. A
//! witness of length `n` ending in a state is found by walking back
//! through the layers.

use std::collections::HashMap;

use super::{dead, outcome, step, Counter, Found, KeyFn, Letter, Outcome, Product};

/// The most 64-bit words all layers together may take.
const MAX_LAYER_WORDS: usize = 1 << 22;

const NONE: u32 = u32::MAX;

/// The search of `product::search` for a product whose counter `ci` (a
/// raw length) has start points too far out to count in the state.
#[allow(clippy::too_many_arguments)]
pub(super) fn search(
    p: &Product,
    letters: &[Letter],
    prefix: &str,
    root: Vec<u32>,
    ci: usize,
    cap: usize,
    max_found: usize,
    key: &mut KeyFn<'_>,
) -> Outcome {
    let mut out = Outcome::default();
    let Some(starts) = p.counters.get(ci).map(|c| c.starts.clone()) else {
        return out;
    };
    // The same product with that counter pinned at 0.
    let q = Product {
        machines: p.machines.clone(),
        atoms: p.atoms,
        counters: p
            .counters
            .iter()
            .enumerate()
            .map(|(i, c)| Counter {
                feed: c.feed,
                starts: if i == ci {
                    Vec::new()
                } else {
                    c.starts.clone()
                },
            })
            .collect(),
        clauses: p.clauses.clone(),
    };

    // The product graph, with every edge.
    let k = letters.len();
    let mut nodes: Vec<Box<[u32]>> = vec![root.clone().into()];
    let mut index: HashMap<Box<[u32]>, u32> = HashMap::from([(root.into(), 0)]);
    let mut succ: Vec<u32> = Vec::new();
    let mut next = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let state = nodes[i].clone();
        for l in letters {
            step(&q, &state, l, &mut next);
            let t = if dead(&q, &next) {
                NONE
            } else if let Some(&t) = index.get(next.as_slice()) {
                t
            } else {
                if nodes.len() >= cap {
                    return out;
                }
                let t = nodes.len() as u32;
                let boxed: Box<[u32]> = next.clone().into();
                index.insert(boxed.clone(), t);
                nodes.push(boxed);
                t
            };
            succ.push(t);
        }
        i += 1;
    }
    let n = nodes.len();
    let mut preds: Vec<Vec<(u32, u16)>> = vec![Vec::new(); n];
    for (e, &t) in succ.iter().enumerate() {
        if let Some(list) = preds.get_mut(t as usize) {
            list.push(((e / k) as u32, (e % k) as u16));
        }
    }
    for list in &mut preds {
        list.sort_by_key(|&(_, l)| l);
    }
    let outcomes: Vec<Option<(Vec<bool>, Vec<usize>)>> =
        nodes.iter().map(|s| outcome(&q, s)).collect();

    // Layers until one repeats.
    let words = n.div_ceil(64);
    let mut layers: Vec<Vec<u64>> = Vec::new();
    let mut first_at: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut layer = vec![0u64; words];
    layer[0] = 1;
    let cycle_start = loop {
        if let Some(&at) = first_at.get(&layer) {
            break at;
        }
        if (layers.len() + 1) * words > MAX_LAYER_WORDS {
            return out;
        }
        first_at.insert(layer.clone(), layers.len());
        let mut nl = vec![0u64; words];
        for v in members(&layer) {
            for &t in succ.get(v * k..(v + 1) * k).unwrap_or(&[]) {
                if t != NONE {
                    nl[t as usize / 64] |= 1 << (t % 64);
                }
            }
        }
        layers.push(std::mem::replace(&mut layer, nl));
    };
    let period = layers.len() - cycle_start;
    let at = |len: u64| -> usize {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len < layers.len() {
            len
        } else {
            cycle_start + (len - cycle_start) % period.max(1)
        }
    };

    // Classes: each raw-length interval, each state reachable by a length
    // in it. Lengths count the prefix too.
    let plen = prefix.chars().count() as u64;
    let mut seen: HashMap<Vec<u8>, ()> = HashMap::new();
    let mut found: Vec<(Found, u64, usize)> = Vec::new();
    for cls in 0..=starts.len() {
        let lo = if cls == 0 { 0 } else { starts[cls - 1] };
        let hi = starts.get(cls).map_or(u64::MAX, |s| s - 1);
        if hi < plen {
            continue;
        }
        let (lo, hi) = (lo.saturating_sub(plen), hi - plen);
        // Past `layers.len()` lengths only repeat layers already seen.
        let last = hi.min(lo.saturating_add(layers.len() as u64));
        for len in lo..=last {
            let Some(lay) = layers.get(at(len)) else {
                continue;
            };
            for v in members(lay) {
                let Some((bits, lens)) = outcomes.get(v).cloned().flatten() else {
                    continue;
                };
                let mut lens = lens;
                if let Some(slot) = lens.get_mut(ci) {
                    *slot = cls;
                }
                let kk = key(&bits, &lens);
                if seen.contains_key(&kk) {
                    continue;
                }
                if found.len() >= max_found {
                    return out;
                }
                seen.insert(kk.clone(), ());
                found.push((
                    Found {
                        bits,
                        lens,
                        key: kk,
                        witness: String::new(),
                    },
                    len,
                    v,
                ));
            }
        }
    }

    // Witnesses: walk back from each class's state through the layers.
    for (mut f, len, v) in found {
        let mut cur = v;
        let mut rev: Vec<char> = Vec::new();
        let mut m = len;
        while m > 0 {
            let Some(prev) = layers.get(at(m - 1)) else {
                return out;
            };
            let Some(&(pv, l)) = preds
                .get(cur)
                .and_then(|ps| ps.iter().find(|(pv, _)| bit(prev, *pv as usize)))
            else {
                return out;
            };
            rev.push(letters.get(usize::from(l)).map_or('?', |l| l.c));
            cur = pv as usize;
            m -= 1;
        }
        let tail: String = rev.iter().rev().collect();
        f.witness = format!("{prefix}{tail}");
        out.found.push(f);
    }
    out.complete = true;
    out
}

fn bit(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// The members of a bit set, ascending.
fn members(set: &[u64]) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(w, &word)| {
        (0..64)
            .filter(move |b| word >> b & 1 == 1)
            .map(move |b| w * 64 + b)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{build, search, Feed, Machine};
    use super::*;

    #[test]
    fn long_lengths_through_periodic_layers() {
        // Even-length strings of `a`s, or anything; the length cut at
        // 100001: an even string that long exists only at 100002.
        let dfa = build(&["(?:aa)*".to_string()]).unwrap();
        let p = Product {
            machines: vec![Machine {
                dfa: Arc::new(dfa),
                feed: Feed::Raw,
            }],
            atoms: 1,
            counters: vec![Counter {
                feed: Feed::Raw,
                starts: vec![100_001],
            }],
            clauses: Vec::new(),
        };
        let letters = p.alphabet();
        let mut key = |b: &[bool], l: &[usize]| vec![u8::from(b[0]), l[0] as u8];
        let o = search(&p, &letters, "", 10_000, 100, &mut key);
        assert!(o.complete);
        let mut got: Vec<(Vec<u8>, usize)> = o
            .found
            .iter()
            .map(|f| (f.key.clone(), f.witness.chars().count()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (vec![0, 0], 1),
                (vec![0, 1], 100_001),
                (vec![1, 0], 0),
                (vec![1, 1], 100_002),
            ]
        );
        let even = o.found.iter().find(|f| f.key == vec![1, 1]).unwrap();
        assert!(even.witness.chars().all(|c| c == 'a'));
    }
}
