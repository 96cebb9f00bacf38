//! The part of a string classification that depends only on the atoms:
//! their automata, the domain, the search alphabet and the product walks.
//! A parameter is classified once per assertion whose step guards
//! mention it, and again for the deep lints; each time the guards differ
//! (so do the classes) but the atoms, and with them everything here,
//! usually do not. Building the automata, choosing the alphabet and
//! walking the product are most of a classification's work, so they are
//! done once per process for each distinct set of atoms and shared.
//!
//! Sharing cannot change an answer: what is kept is a pure function of
//! its key (the subject's kind, every atom's view and language in order,
//! every length counter with its start points), and the walks give every
//! search exactly what a search of its own would find (`product::walk`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::super::domain::Domain;
use super::super::product::{self, Counter, KeyFn, Letter, Machine, Outcome, Product, Walk};
use super::{domain_of, first_line, Kind, Pred, Term};

/// Everything the atoms determine.
pub(crate) struct Prepared {
    /// Why some atoms have no automaton (or the domain none), in order.
    pub reasons: Vec<String>,
    /// `None` when the domain's automata could not be built.
    pub ready: Option<Ready>,
}

/// A product ready to search.
pub(crate) struct Ready {
    /// For each atom, its bit in the outcome vector.
    pub bit_of: Vec<Option<usize>>,
    pub domain: &'static Domain,
    pub product: Product,
    pub letters: Vec<Letter>,
    /// Walks by (prefix, cap), each advanced as far as some search needed.
    walks: Mutex<HashMap<(String, usize), Walk>>,
}

impl Ready {
    /// [`product::search`] over this product, on a shared walk.
    pub fn search(
        &self,
        prefix: &str,
        cap: usize,
        max_found: usize,
        key: &mut KeyFn<'_>,
    ) -> Outcome {
        let (p, letters) = (&self.product, &self.letters[..]);
        if product::long_counter(p).is_some() {
            return product::search_long(p, letters, prefix, cap, max_found, key);
        }
        // A poisoned lock means a search panicked midway; a walk is
        // consistent after every step, so it is still good to use.
        let mut walks = self.walks.lock().unwrap_or_else(|e| e.into_inner());
        walks
            .entry((prefix.to_string(), cap))
            .or_insert_with(|| Walk::new(p, prefix, cap))
            .search(p, letters, max_found, key)
    }
}

/// The prepared product for these atoms and counters, built once.
pub(crate) fn prepared(
    kind: Kind,
    atoms: &[(Term, Pred)],
    counters: &[(Term, Vec<u64>)],
    regexes: &[String],
) -> Arc<Prepared> {
    let patterns: Vec<(Term, String)> = atoms
        .iter()
        .map(|(t, p)| (*t, p.pattern(regexes)))
        .collect();
    let key = format!("{kind:?}|{patterns:?}|{counters:?}");
    let cell = {
        let mut t = table().lock().unwrap_or_else(|e| e.into_inner());
        if t.len() >= CAPACITY && !t.contains_key(&key) {
            t.clear();
        }
        Arc::clone(t.entry(key).or_default())
    };
    Arc::clone(cell.get_or_init(|| Arc::new(prepare(kind, &patterns, counters))))
}

/// Products kept at once; past it the table starts over. Each holds its
/// walks' states, so the bound is on memory as much as on entries.
const CAPACITY: usize = 32;

type Cell = Arc<OnceLock<Arc<Prepared>>>;

fn table() -> &'static Mutex<HashMap<String, Cell>> {
    static TABLE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Forgets every prepared product (with `classes::forget_classifications`).
pub(crate) fn clear() {
    table().lock().unwrap_or_else(|e| e.into_inner()).clear();
}

fn prepare(kind: Kind, patterns: &[(Term, String)], counters: &[(Term, Vec<u64>)]) -> Prepared {
    let mut reasons = Vec::new();
    // One DFA per view for all of its atoms; patterns a DFA cannot take
    // make the answer inexact and are left out.
    let mut machines: Vec<Machine> = Vec::new();
    let mut bit_of: Vec<Option<usize>> = vec![None; patterns.len()];
    let mut next_bit = 0;
    let mut terms: Vec<Term> = patterns.iter().map(|(t, _)| *t).collect();
    terms.sort_unstable();
    terms.dedup();
    for &t in &terms {
        let ids: Vec<usize> = (0..patterns.len())
            .filter(|&i| patterns[i].0 == t)
            .collect();
        let group: Vec<String> = ids.iter().map(|&i| patterns[i].1.clone()).collect();
        match product::build(&group) {
            Ok(dfa) => {
                for (k, &i) in ids.iter().enumerate() {
                    bit_of[i] = Some(next_bit + k);
                }
                next_bit += ids.len();
                machines.push(Machine {
                    dfa: Arc::new(dfa),
                    feed: t.feed(),
                });
            }
            Err(_) => {
                for (&i, p) in ids.iter().zip(&group) {
                    match product::build(std::slice::from_ref(p)) {
                        Ok(dfa) => {
                            bit_of[i] = Some(next_bit);
                            next_bit += 1;
                            machines.push(Machine {
                                dfa: Arc::new(dfa),
                                feed: t.feed(),
                            });
                        }
                        Err(e) => reasons.push(format!(
                            "a pattern cannot be turned into an automaton ({})",
                            first_line(&e)
                        )),
                    }
                }
            }
        }
    }
    let atoms = machines.len();
    let (dom, dom_dfas) = match domain_of(kind) {
        Ok(d) => d,
        Err(e) => {
            reasons.push(format!("the domain automaton failed: {e}"));
            return Prepared {
                reasons,
                ready: None,
            };
        }
    };
    let clauses = dom
        .clauses
        .iter()
        .map(|(pos, neg)| {
            (
                pos.iter().map(|&i| atoms + i).collect(),
                neg.iter().map(|&i| atoms + i).collect(),
            )
        })
        .collect();
    machines.extend(dom_dfas.iter().map(|d| Machine {
        dfa: Arc::clone(d),
        feed: product::Feed::Raw,
    }));
    let product = Product {
        machines,
        atoms,
        counters: counters
            .iter()
            .map(|(t, s)| Counter {
                feed: t.feed(),
                starts: s.clone(),
            })
            .collect(),
        clauses,
    };
    let letters = product.alphabet();
    Prepared {
        reasons,
        ready: Some(Ready {
            bit_of,
            domain: dom,
            product,
            letters,
            walks: Mutex::new(HashMap::new()),
        }),
    }
}
