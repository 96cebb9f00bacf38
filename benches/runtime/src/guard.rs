//! The agent policy on the Guard runtime. Placeholder until the runtime's
//! session API and the compiler's build function land: [`Guard::agent`]
//! answers `None` and the benchmark runs the other engines only.

use crate::{Outcome, Result, Scenario};

/// The Guard runtime, set up on a compiled policy.
pub struct Guard {}

/// A scenario made ready for Guard: its session after the history.
pub struct Prepared {}

impl Guard {
    /// The agent policy, compiled and loaded; `None` while the runtime
    /// cannot run it yet.
    pub fn agent() -> Result<Option<Guard>> {
        Guard::from_source("agent.guard", crate::policies::GUARD)
    }

    /// Any policy, compiled from source and loaded.
    pub fn from_source(_name: &str, _src: &str) -> Result<Option<Guard>> {
        Ok(None)
    }

    pub fn prepare(&self, _s: &Scenario) -> Result<Prepared> {
        Ok(Prepared {})
    }

    pub fn decide(&self, _p: &mut Prepared) -> Result<Outcome> {
        Err(crate::Error("guard: not available".into()))
    }

    pub fn decide_json(&self, _p: &mut Prepared) -> Result<Outcome> {
        Err(crate::Error("guard: not available".into()))
    }
}
