//! The two readings of an event's rules and effects that the decision
//! logic of `eval` runs over: the IR as it is (`Plain`, read by
//! `Env::eval`), and a `Specialized` event's compiled form (`Fast`, read
//! by `fast`). Both give the same answers (see `fast`), so `decide`,
//! `explain` and the effects are written once, generically.

use std::sync::OnceLock;

use guard_ir::Rule;

use super::fast::{self, Compiled};
use super::{Env, Specialized, Stop};
use crate::value::Value;

/// The compiled guards and assignments of a [`Specialized`], in the same
/// order as its rules and effects.
struct Fast {
    rules: Vec<Option<Compiled>>,
    effect_guards: Vec<Option<Compiled>>,
    assigns: Vec<Vec<Compiled>>,
}

impl Fast {
    fn new(rules: &[Rule], effects: &[guard_ir::Effect]) -> Fast {
        Fast {
            rules: rules
                .iter()
                .map(|r| r.guard.as_ref().map(Compiled::new))
                .collect(),
            effect_guards: effects
                .iter()
                .map(|e| e.guard.as_ref().map(Compiled::new))
                .collect(),
            assigns: effects
                .iter()
                .map(|e| e.assigns.iter().map(|(_, v)| Compiled::new(v)).collect())
                .collect(),
        }
    }
}

/// A [`Fast`] compiled when first needed. Its `Debug` text is the same
/// whether it has been compiled or not: the compiled form is a function
/// of the rules and effects, which the derived `Debug` of `Specialized`
/// already spells out (callers use that text as a key).
#[derive(Default)]
pub(super) struct Lazy(OnceLock<Fast>);

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("_")
    }
}

/// How the rules and effects of one event are read: as the IR (`Plain`),
/// or compiled (`Specialized`). Both give `Env`'s answers; the verdict
/// and effect logic below is written once, over this.
pub(super) trait Reading {
    fn rules(&self) -> &[Rule];
    fn effects(&self) -> &[guard_ir::Effect];
    fn rule_holds(&self, i: usize, env: &Env<'_>) -> Result<bool, Stop>;
    fn effect_holds(&self, k: usize, env: &Env<'_>) -> Result<bool, Stop>;
    fn assign(&self, k: usize, j: usize, env: &Env<'_>) -> Result<Value, Stop>;
}

pub(super) struct Plain<'a> {
    pub rules: &'a [Rule],
    pub effects: &'a [guard_ir::Effect],
}

impl Reading for Plain<'_> {
    fn rules(&self) -> &[Rule] {
        self.rules
    }

    fn effects(&self) -> &[guard_ir::Effect] {
        self.effects
    }

    fn rule_holds(&self, i: usize, env: &Env<'_>) -> Result<bool, Stop> {
        env.holds(self.rules.get(i).and_then(|r| r.guard.as_ref()))
    }

    fn effect_holds(&self, k: usize, env: &Env<'_>) -> Result<bool, Stop> {
        env.holds(self.effects.get(k).and_then(|e| e.guard.as_ref()))
    }

    fn assign(&self, k: usize, j: usize, env: &Env<'_>) -> Result<Value, Stop> {
        // The indices come from walking `effects` itself, so the
        // assignment is always there; were it not, the event is denied
        // rather than the verifier stopped.
        match self.effects.get(k).and_then(|e| e.assigns.get(j)) {
            Some((_, v)) => env.eval(v),
            None => Err(Stop::Overflow),
        }
    }
}

impl Specialized {
    fn compiled(&self) -> &Fast {
        self.fast
            .0
            .get_or_init(|| Fast::new(&self.rules, &self.effects))
    }
}

impl Reading for Specialized {
    fn rules(&self) -> &[Rule] {
        &self.rules
    }

    fn effects(&self) -> &[guard_ir::Effect] {
        &self.effects
    }

    fn rule_holds(&self, i: usize, env: &Env<'_>) -> Result<bool, Stop> {
        fast::holds(self.compiled().rules.get(i).and_then(Option::as_ref), env)
    }

    fn effect_holds(&self, k: usize, env: &Env<'_>) -> Result<bool, Stop> {
        fast::holds(
            self.compiled()
                .effect_guards
                .get(k)
                .and_then(Option::as_ref),
            env,
        )
    }

    fn assign(&self, k: usize, j: usize, env: &Env<'_>) -> Result<Value, Stop> {
        match self.compiled().assigns.get(k).and_then(|a| a.get(j)) {
            Some(c) => c.eval(env),
            None => Err(Stop::Overflow),
        }
    }
}
