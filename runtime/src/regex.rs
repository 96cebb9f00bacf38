//! Regexes, compiled once at load.
//!
//! `Match` needs a whole-value test: an anchored dense DFA with
//! `MatchKind::All`, walked byte by byte and asked at end of input whether
//! a match ends there — no cache, no allocation, linear time. Redactions
//! need leftmost-first search: a dense forward/reverse DFA pair
//! (`dfa::regex::Regex`), also cache-free.
//!
//! A pattern whose DFA would exceed [`DFA_SIZE_LIMIT`] (or that a dense
//! DFA cannot express, such as a Unicode word boundary) falls back to the
//! `meta` engine, whose per-session cache is created when the session
//! opens; such searches may allocate while that cache warms up. The
//! compiler checks patterns against the same NFA limit (E0207).

use regex_automata::dfa::{self, dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::iter::Searcher;
use regex_automata::util::start;
use regex_automata::{meta, Anchored, Input, MatchKind};

/// Largest dense DFA built per use of a pattern.
pub const DFA_SIZE_LIMIT: usize = 2 << 20;
/// Same as the compiler's `REGEX_SIZE_LIMIT` (E0207).
pub const NFA_SIZE_LIMIT: usize = 2 << 20;

/// One image regex, compiled for the uses the image makes of it.
pub(crate) struct Rx {
    pub whole: Option<Engine<dense::DFA<Vec<u32>>>>,
    pub search: Option<Engine<dfa::regex::Regex>>,
}

pub(crate) enum Engine<D> {
    Dfa(D),
    /// Index into [`Regexes::meta`] (and the session's caches).
    Meta(usize),
}

/// The compiled regexes of a policy.
#[derive(Default)]
pub(crate) struct Regexes {
    pub rx: Vec<Rx>,
    /// Fallback engines; a session holds one cache per entry.
    pub meta: Vec<meta::Regex>,
}

/// A search that could not complete (cannot happen with the DFAs built
/// here, which have no quit bytes; handled as a deny all the same).
#[derive(Debug)]
pub(crate) struct RegexFault;

impl Regexes {
    /// Compiles `pattern` for whole-value matching (`whole`) and/or for
    /// redaction (`search`). Errors are messages for `LoadError::Regex`.
    pub fn add(&mut self, pattern: &str, whole: bool, search: bool) -> Result<(), String> {
        let w = if whole {
            Some(match whole_dfa(pattern) {
                Some(d) => Engine::Dfa(d),
                None => Engine::Meta(self.meta(&format!(r"\A(?:{pattern})\z"))?),
            })
        } else {
            None
        };
        let s = if search {
            Some(match search_dfa(pattern) {
                Some(d) => Engine::Dfa(d),
                None => Engine::Meta(self.meta(pattern)?),
            })
        } else {
            None
        };
        self.rx.push(Rx {
            whole: w,
            search: s,
        });
        Ok(())
    }

    fn meta(&mut self, pattern: &str) -> Result<usize, String> {
        let re = meta::Regex::builder()
            .configure(meta::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
            .build(pattern)
            .map_err(|e| e.to_string())?;
        self.meta.push(re);
        Ok(self.meta.len() - 1)
    }

    /// Whether regex `i` matches the whole of `s`.
    pub fn is_match(
        &self,
        i: usize,
        s: &str,
        caches: &mut [meta::Cache],
    ) -> Result<bool, RegexFault> {
        match self.rx.get(i).and_then(|r| r.whole.as_ref()) {
            Some(Engine::Dfa(d)) => whole_match(d, s),
            Some(Engine::Meta(m)) => match (self.meta.get(*m), caches.get_mut(*m)) {
                (Some(re), Some(cache)) => Ok(re.search_with(cache, &Input::new(s)).is_some()),
                _ => Err(RegexFault),
            },
            None => Err(RegexFault),
        }
    }

    /// Appends `hay` to `out` with every leftmost-first, non-overlapping
    /// match of regex `i` replaced by `with`; returns whether there was a
    /// match. Stops with `Ok(None)` if `out` would grow past `cap`.
    pub fn replace_all(
        &self,
        i: usize,
        hay: &str,
        with: &str,
        out: &mut String,
        cap: usize,
        caches: &mut [meta::Cache],
    ) -> Result<Option<bool>, RegexFault> {
        let mut it = Searcher::new(Input::new(hay));
        let mut last = 0;
        let mut any = false;
        loop {
            let m = match self.rx.get(i).and_then(|r| r.search.as_ref()) {
                Some(Engine::Dfa(re)) => it.try_advance(|input| re.try_search(input)),
                Some(Engine::Meta(m)) => match (self.meta.get(*m), caches.get_mut(*m)) {
                    (Some(re), Some(cache)) => {
                        it.try_advance(|input| Ok(re.search_with(cache, input)))
                    }
                    _ => return Err(RegexFault),
                },
                None => return Err(RegexFault),
            };
            let Some(m) = m.map_err(|_| RegexFault)? else {
                break;
            };
            let before = hay.get(last..m.start()).ok_or(RegexFault)?;
            if out.len() + before.len() + with.len() > cap {
                return Ok(None);
            }
            out.push_str(before);
            out.push_str(with);
            last = m.end();
            any = true;
        }
        let rest = hay.get(last..).ok_or(RegexFault)?;
        if out.len() + rest.len() > cap {
            return Ok(None);
        }
        out.push_str(rest);
        Ok(Some(any))
    }
}

/// `None` when the DFA cannot be built (too big, or a feature dense DFAs
/// lack): the caller falls back to the meta engine.
fn whole_dfa(pattern: &str) -> Option<dense::DFA<Vec<u32>>> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .start_kind(StartKind::Anchored)
                .match_kind(MatchKind::All)
                .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
        )
        .thompson(thompson::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build(pattern)
        .ok()
}

fn search_dfa(pattern: &str) -> Option<dfa::regex::Regex> {
    dfa::regex::Builder::new()
        .dense(
            dense::Config::new()
                .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
        )
        .thompson(thompson::Config::new().nfa_size_limit(Some(NFA_SIZE_LIMIT)))
        .build(pattern)
        .ok()
}

/// Walks the anchored DFA over all of `s`: a match of the whole value is
/// a match state after the end-of-input transition.
fn whole_match(d: &dense::DFA<Vec<u32>>, s: &str) -> Result<bool, RegexFault> {
    let cfg = start::Config::new().anchored(Anchored::Yes);
    let mut st = d.start_state(&cfg).map_err(|_| RegexFault)?;
    for &b in s.as_bytes() {
        st = d.next_state(st, b);
        if d.is_special_state(st) {
            if d.is_dead_state(st) {
                return Ok(false);
            }
            if d.is_quit_state(st) {
                return Err(RegexFault);
            }
        }
    }
    Ok(d.is_match_state(d.next_eoi_state(st)))
}
