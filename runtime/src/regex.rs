//! Regexes: ready at load, searched without allocation.
//!
//! `Match` needs a whole-value test; redactions need leftmost-first
//! search. Each use of a pattern is served by the first of:
//!
//! 1. a character-class DFA compiled ahead of time and carried in the
//!    image ([`table`], derived by [`build`]): load only validates it;
//! 2. a dense DFA determinized at load (an anchored `MatchKind::All` DFA
//!    for whole values, a forward/reverse `dfa::regex::Regex` for search):
//!    the exact automata the tables are derived from, for images without
//!    tables and patterns the derivation refuses (look-around, empty
//!    matches);
//! 3. the `meta` engine, when a dense DFA would exceed [`DFA_SIZE_LIMIT`]
//!    or cannot express the pattern (a Unicode word boundary). Its
//!    per-session cache is created when the session opens; such searches
//!    may allocate while that cache warms up.
//!
//! All three are linear-time and need no cache except the third. The
//! compiler checks patterns against the same NFA limit (E0207).

pub mod build;
pub(crate) mod table;
#[cfg(test)]
mod tests;

use regex_automata::dfa::{self, dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::iter::Searcher;
use regex_automata::util::start;
use regex_automata::{meta, Anchored, Input, MatchKind};

use crate::model::RegexTables;
use table::Table;

/// Largest dense DFA built per use of a pattern.
pub const DFA_SIZE_LIMIT: usize = 2 << 20;
/// Same as the compiler's `REGEX_SIZE_LIMIT` (E0207).
pub const NFA_SIZE_LIMIT: usize = 2 << 20;

/// One image regex, compiled for the uses the image makes of it.
pub(crate) struct Rx {
    pub whole: Option<Engine<Table, dense::DFA<Vec<u32>>>>,
    pub search: Option<Engine<(Table, Table), dfa::regex::Regex>>,
}

pub(crate) enum Engine<T, D> {
    /// Compiled ahead of time.
    Table(T),
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
    /// Readies `pattern` for whole-value matching (`whole`) and/or for
    /// redaction (`search`), from `tables` where they serve the use.
    /// Errors are messages for `LoadError::Regex`.
    pub fn add(
        &mut self,
        pattern: &str,
        tables: Option<&RegexTables>,
        whole: bool,
        search: bool,
    ) -> Result<(), String> {
        // Tables the image carries for a use it does not make are still
        // checked, so that every byte of a loaded image has been validated.
        if let Some(t) = tables {
            if let (Some(d), false) = (&t.whole, whole) {
                Table::new(d)?;
            }
            if let (Some((f, r)), false) = (&t.search, search) {
                Table::new(f)?;
                Table::new(r)?;
            }
        }
        let w = if whole {
            Some(match tables.and_then(|t| t.whole.as_ref()) {
                Some(t) => Engine::Table(Table::new(t)?),
                None => match whole_dfa(pattern) {
                    Some(d) => Engine::Dfa(d),
                    None => Engine::Meta(self.meta(&format!(r"\A(?:{pattern})\z"))?),
                },
            })
        } else {
            None
        };
        let s = if search {
            Some(match tables.and_then(|t| t.search.as_ref()) {
                Some((f, r)) => Engine::Table((Table::new(f)?, Table::new(r)?)),
                None => match search_dfa(pattern) {
                    Some(d) => Engine::Dfa(d),
                    None => Engine::Meta(self.meta(pattern)?),
                },
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
            Some(Engine::Table(t)) => Ok(t.whole(s)),
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
        let engine = self.rx.get(i).and_then(|r| r.search.as_ref());
        if let Some(Engine::Table((fwd, rev))) = engine {
            return replace_tables(fwd, rev, hay, with, out, cap);
        }
        let mut it = Searcher::new(Input::new(hay));
        let mut sp = Splice::new(hay, with, cap);
        loop {
            let m = match engine {
                Some(Engine::Table(_)) => return Err(RegexFault),
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
            if !sp.replace(out, m.start(), m.end())? {
                return Ok(None);
            }
        }
        sp.finish(out)
    }
}

/// The output of a `replace_all`: the text before each match and the
/// replacement, then the rest, never growing `out` past `cap`.
struct Splice<'h> {
    hay: &'h str,
    with: &'h str,
    cap: usize,
    /// Where the text not yet copied starts.
    last: usize,
    any: bool,
}

impl<'h> Splice<'h> {
    fn new(hay: &'h str, with: &'h str, cap: usize) -> Splice<'h> {
        Splice {
            hay,
            with,
            cap,
            last: 0,
            any: false,
        }
    }

    /// Replaces the match `start..end`; `false` when that would pass `cap`.
    fn replace(&mut self, out: &mut String, start: usize, end: usize) -> Result<bool, RegexFault> {
        let before = self.hay.get(self.last..start).ok_or(RegexFault)?;
        if out.len() + before.len() + self.with.len() > self.cap {
            return Ok(false);
        }
        out.push_str(before);
        out.push_str(self.with);
        self.last = end;
        self.any = true;
        Ok(true)
    }

    /// Copies the rest: whether anything was replaced, or `None` when the
    /// rest would pass `cap`.
    fn finish(self, out: &mut String) -> Result<Option<bool>, RegexFault> {
        let rest = self.hay.get(self.last..).ok_or(RegexFault)?;
        if out.len() + rest.len() > self.cap {
            return Ok(None);
        }
        out.push_str(rest);
        Ok(Some(self.any))
    }
}

/// [`Regexes::replace_all`] with tables: the matches do not overlap and
/// are never empty, so each search starts where the last match ended.
fn replace_tables(
    fwd: &Table,
    rev: &Table,
    hay: &str,
    with: &str,
    out: &mut String,
    cap: usize,
) -> Result<Option<bool>, RegexFault> {
    let mut sp = Splice::new(hay, with, cap);
    while let Some(end) = fwd.find_end(hay, sp.last) {
        // A forward match always has a start after the last match and
        // is never empty; tables that disagreed would be a fault (the
        // output is denied), never a leak or an endless loop.
        let start = rev.find_start(hay, sp.last, end).ok_or(RegexFault)?;
        if end <= start {
            return Err(RegexFault);
        }
        if !sp.replace(out, start, end)? {
            return Ok(None);
        }
    }
    sp.finish(out)
}

/// `None` when the DFA cannot be built (too big, or a feature dense DFAs
/// lack): the caller falls back to the meta engine.
pub(crate) fn whole_dfa(pattern: &str) -> Option<dense::DFA<Vec<u32>>> {
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

pub(crate) fn search_dfa(pattern: &str) -> Option<dfa::regex::Regex> {
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
