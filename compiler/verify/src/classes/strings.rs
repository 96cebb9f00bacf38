//! String classes (`str`, `path`, `url` parameters and attributes, and
//! output text). Every test the policy makes of the subject is a *leaf*:
//! a view of the value (itself, `lower` of it, its URL `host` or
//! `scheme`) tested against constants — equality, membership, a whole
//! value regex or glob, a prefix, suffix or substring either way round —
//! or its `len` compared (see `ints`). Each leaf is a regular language
//! over its view; `product` searches the product of all of them with the
//! subject's domain and returns one shortest witness per feasible vector
//! of outcomes.
//!
//! Every witness is then checked against the runtime's own semantics
//! (`guard_runtime::text` for paths, URLs and lower-casing, a separate
//! regex engine for patterns): a witness that does not realise the
//! outcomes it was found for makes the answer inexact rather than wrong.

mod guards;
mod leaves;
mod shared;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use guard_runtime::text;
use regex_automata::dfa::dense;
use regex_automata::meta;

use super::domain::{self, Domain};
use super::product::{self, Feed};
use super::{first_err, Cx, MAX_WITNESSES};
use crate::value::Value;

pub(crate) use leaves::{Pred, Term, View};

/// What values the subject can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Path,
    Url,
}

/// The most product states one search may visit.
pub(crate) const MAX_PRODUCT: usize = 200_000;
/// The longest length a length class may start at.
pub(crate) const MAX_LENGTH: u64 = 4096;

/// Forgets the automata and walks shared between classifications.
pub(crate) fn forget() {
    shared::clear();
}

/// The witnesses of a string subject.
pub(crate) fn witnesses(cx: &Cx<'_>, kind: Kind) -> (Vec<Value>, Result<(), String>) {
    let (found, exact) = classify(cx, kind);
    (found.into_iter().map(Value::Str).collect(), exact)
}

/// The witness strings and whether they are exhaustive.
pub(crate) fn classify(cx: &Cx<'_>, kind: Kind) -> (Vec<String>, Result<(), String>) {
    let leaves = leaves::collect(cx);
    let mut reasons = leaves.inexact;

    // Length classes of each view whose `len` is compared.
    let mut counters: Vec<(Term, Vec<u64>)> = Vec::new();
    for &t in &leaves.lens {
        let is_x = move |e: &guard_ir::Expr| leaves::is_len_of(e, cx.subject, t);
        let c = super::ints::cuts(cx.exprs, &is_x, "the length of a string");
        if let Some(why) = c.inexact {
            reasons.push(why);
        }
        // The raw length can be counted far (see `product::long`); the
        // lengths of other views only in the search state.
        let max = if t.feed() == Feed::Raw {
            i128::from(i64::MAX)
        } else {
            i128::from(MAX_LENGTH)
        };
        let mut starts: Vec<u64> = Vec::new();
        let mut too_many = false;
        for &(a, b) in &c.starts {
            // Lengths are never negative: start points below 1 cut nothing.
            let a = a.max(1);
            too_many |= b > max && b >= a;
            let b = b.min(max);
            if a > b {
                continue;
            }
            if (b - a) as usize >= MAX_WITNESSES.saturating_sub(starts.len()) {
                too_many = true;
                starts.extend((a as u64)..(a as u64).saturating_add(MAX_WITNESSES as u64));
                break;
            }
            starts.extend((a as u64)..=(b as u64));
        }
        if too_many {
            reasons.push(format!(
                "the length of a string is compared with too many values, or with values above {MAX_LENGTH} after `lower`, `host` or `scheme`"
            ));
        }
        starts.sort_unstable();
        starts.dedup();
        starts.truncate(MAX_WITNESSES);
        counters.push((t, starts));
    }

    // The automata, alphabet and walks are shared by every classification
    // over the same atoms (`shared`).
    let prepared = shared::prepared(kind, &leaves.atoms, &counters, cx.regexes);
    reasons.extend(prepared.reasons.iter().cloned());
    let Some(ready) = &prepared.ready else {
        return (Vec::new(), first_err(&reasons));
    };
    let bit_of = &ready.bit_of;

    let guards = guards::Guards::new(cx.exprs, cx.subject, &leaves.atoms, bit_of);
    let mut cache: HashMap<(Vec<bool>, Vec<usize>), Vec<u8>> = HashMap::new();
    let mut key = |bits: &[bool], lens: &[usize]| -> Vec<u8> {
        cache
            .entry((bits.to_vec(), lens.to_vec()))
            .or_insert_with(|| guards.key(bits, lens))
            .clone()
    };
    let general = ready.search("", MAX_PRODUCT, MAX_WITNESSES, &mut key);
    if !general.complete {
        reasons.push(if general.found.len() >= MAX_WITNESSES {
            format!("a string has more than {MAX_WITNESSES} classes of values")
        } else {
            format!("the string classes need more than {MAX_PRODUCT} automaton states")
        });
    }
    // Nicer witnesses (`/…` paths, `https://…` URLs) where they exist.
    let mut nice: Vec<product::Found> = Vec::new();
    for pre in ready.domain.preferred {
        let o = ready.search(pre, MAX_PRODUCT / 4, MAX_WITNESSES, &mut key);
        nice.extend(o.found);
    }
    let mut out: Vec<String> = Vec::with_capacity(general.found.len());
    let mut bad = false;
    let mut reference = Reference::new(cx.regexes);
    for g in &general.found {
        let f = nice.iter().find(|n| n.key == g.key).unwrap_or(g);
        let w = &f.witness;
        let ok = reference.realises(kind, w, &leaves.atoms, bit_of, &f.bits)
            && counters.iter().zip(&f.lens).all(|((t, starts), &cls)| {
                t.value(w)
                    .map(|v| v.chars().count() as u64)
                    .is_some_and(|n| starts.iter().take_while(|&&s| s <= n).count() == cls)
            });
        bad |= !ok;
        out.push(w.clone());
    }
    if bad {
        reasons.insert(
            0,
            "internal check failed: a string witness does not behave as its class".into(),
        );
    }
    (out, first_err(&reasons))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

type DomainDfas = (Domain, Vec<Arc<dense::DFA<Vec<u32>>>>);

/// The domain of `kind` with its DFAs, built once per process.
fn domain_of(kind: Kind) -> Result<&'static DomainDfas, String> {
    fn make(d: Domain) -> Result<DomainDfas, String> {
        let dfas = d
            .patterns
            .iter()
            .map(|p| product::build(std::slice::from_ref(p)).map(Arc::new))
            .collect::<Result<Vec<_>, String>>()?;
        Ok((d, dfas))
    }
    static STR: OnceLock<Result<DomainDfas, String>> = OnceLock::new();
    static PATH: OnceLock<Result<DomainDfas, String>> = OnceLock::new();
    static URL: OnceLock<Result<DomainDfas, String>> = OnceLock::new();
    let cell = match kind {
        Kind::Str => STR.get_or_init(|| {
            make(Domain {
                patterns: Vec::new(),
                clauses: Vec::new(),
                preferred: &[],
            })
        }),
        Kind::Path => PATH.get_or_init(|| make(domain::path())),
        Kind::Url => URL.get_or_init(|| make(domain::url())),
    };
    cell.as_ref().map_err(Clone::clone)
}

/// The runtime's semantics for checking witnesses: text functions from
/// `guard_runtime::text`, whole-value regexes with the `meta` engine (not
/// the DFAs the search used).
pub(crate) struct Reference<'a> {
    regexes: &'a [String],
    compiled: HashMap<String, Option<meta::Regex>>,
}

impl<'a> Reference<'a> {
    pub fn new(regexes: &'a [String]) -> Self {
        Reference {
            regexes,
            compiled: HashMap::new(),
        }
    }

    /// Whether `s` is a value of the domain.
    pub fn in_domain(kind: Kind, s: &str) -> bool {
        match kind {
            Kind::Str => true,
            Kind::Path => text::is_normal_path(s),
            Kind::Url => text::parse_url(s).is_some(),
        }
    }

    /// Whether `pattern` matches the whole of `s`; `None` if it does not
    /// compile.
    pub fn whole_match(&mut self, pattern: &str, s: &str) -> Option<bool> {
        let re = self
            .compiled
            .entry(pattern.to_string())
            .or_insert_with(|| meta::Regex::new(&format!(r"\A(?:{pattern})\z")).ok());
        re.as_ref().map(|r| r.is_match(s))
    }

    /// What leaf `pred` says about the view `t` of `s`.
    pub fn holds(&mut self, t: Term, pred: &Pred, s: &str) -> Option<bool> {
        let v = t.value(s)?;
        Some(match pred {
            Pred::Eq(c) => v == *c,
            Pred::In(cs) => cs.contains(&v),
            Pred::Match(i) => {
                let p = self.regexes.get(usize::from(*i))?.clone();
                self.whole_match(&p, &v)?
            }
            Pred::Starts(c) => v.starts_with(c.as_str()),
            Pred::Ends(c) => v.ends_with(c.as_str()),
            Pred::Contains(c) => v.contains(c.as_str()),
            Pred::PrefixOf(c) => c.starts_with(v.as_str()),
            Pred::SuffixOf(c) => c.ends_with(v.as_str()),
            Pred::InfixOf(c) => c.contains(v.as_str()),
        })
    }

    /// Whether witness `w` is in the domain and every atom with a bit says
    /// what `bits` claims.
    fn realises(
        &mut self,
        kind: Kind,
        w: &str,
        atoms: &[(Term, Pred)],
        bit_of: &[Option<usize>],
        bits: &[bool],
    ) -> bool {
        Self::in_domain(kind, w)
            && atoms.iter().zip(bit_of).all(|((t, p), b)| match b {
                Some(b) => self.holds(*t, p, w) == bits.get(*b).copied(),
                None => true,
            })
    }
}

impl Term {
    fn feed(self) -> Feed {
        match self.view {
            View::Whole if self.lowers == 0 => Feed::Raw,
            View::Whole => Feed::Lower(self.lowers),
            View::Host => Feed::Host,
            View::Scheme => Feed::Scheme,
        }
    }

    /// The view of `s` as the runtime computes it; `None` for a URL view
    /// of a string that is not a URL.
    pub(crate) fn value(self, s: &str) -> Option<String> {
        match self.view {
            View::Whole => {
                let mut cur = s.to_string();
                for _ in 0..self.lowers {
                    let mut out = String::new();
                    text::lower_into(&cur, &mut out, usize::MAX).ok()?;
                    cur = out;
                }
                Some(cur)
            }
            View::Host => text::url_host(s),
            View::Scheme => text::url_scheme(s),
        }
    }
}

#[cfg(test)]
mod tests;
