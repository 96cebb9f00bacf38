//! Decision-speed comparison of the Guard runtime with Cedar
//! (`cedar-policy`) and Rego (`regorus`, tree-walking interpreter and RVM)
//! on one agent policy written in each language (`policies/`), over the
//! same scenarios. See `README.md` for the policy, the modelling and the
//! measured figures.
//!
//! Every engine is wrapped so that it answers with the same [`Outcome`];
//! [`check_agreement`] runs every scenario on every engine and reports any
//! disagreement with the expected verdicts (derived by hand from
//! language.md §6), so the benchmark never compares engines that decide
//! differently.

pub mod cedar;
pub mod generate;
pub mod guard;
pub mod rego;
pub mod report;
pub mod scenarios;

use std::fmt;

pub use scenarios::{scenarios, Labels, Scenario};

/// The agent policy in each language.
pub mod policies {
    pub const GUARD: &str = include_str!("../policies/agent.guard");
    pub const CEDAR: &str = include_str!("../policies/agent.cedar");
    pub const CEDAR_SCHEMA: &str = include_str!("../policies/agent.cedarschema");
    pub const REGO: &str = include_str!("../policies/agent.rego");
}

/// A set of the policy's approval gates, as a bit set (the policy has two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gates(pub u8);

impl Gates {
    pub const NONE: Gates = Gates(0);
    pub const USER_CONFIRM: Gates = Gates(1);
    pub const SECURITY_REVIEW: Gates = Gates(2);

    /// The gate of this name, if the policy has it.
    pub fn named(name: &str) -> Option<Gates> {
        match name {
            "user_confirm" => Some(Gates::USER_CONFIRM),
            "security_review" => Some(Gates::SECURITY_REVIEW),
            _ => None,
        }
    }

    pub fn union(self, other: Gates) -> Gates {
        Gates(self.0 | other.0)
    }

    pub fn contains(self, other: Gates) -> bool {
        self.0 & other.0 == other.0
    }
}

impl fmt::Display for Gates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.contains(Gates::USER_CONFIRM) {
            names.push("user_confirm");
        }
        if self.contains(Gates::SECURITY_REVIEW) {
            names.push("security_review");
        }
        f.write_str(&names.join(", "))
    }
}

/// The verdict of one event (language.md §6, step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// Escalate to every gate of the set.
    Escalate(Gates),
}

/// What happened to an event: its verdict and whether it executed (an
/// allowed event, or an escalated one whose gates all approved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub executes: bool,
}

impl Outcome {
    /// The outcome of `verdict` when the host approves the gates in
    /// `approved` (language.md §6, step 4).
    pub fn new(verdict: Verdict, approved: Gates) -> Outcome {
        let executes = match verdict {
            Verdict::Allow => true,
            Verdict::Deny => false,
            Verdict::Escalate(gates) => approved.contains(gates),
        };
        Outcome { verdict, executes }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.verdict {
            Verdict::Allow => f.write_str("allow"),
            Verdict::Deny => f.write_str("deny"),
            Verdict::Escalate(g) if self.executes => write!(f, "escalate {g} approved"),
            Verdict::Escalate(g) => write!(f, "escalate {g}"),
        }
    }
}

/// An error while setting an engine up or deciding (a failed run).
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub fn new(context: &str, err: impl fmt::Display) -> Error {
        Error(format!("{context}: {err}"))
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// One engine's answer to one scenario, by the pre-parsed and the JSON
/// entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub engine: &'static str,
    pub scenario: &'static str,
    pub preparsed: Outcome,
    pub json: Outcome,
}

/// Decides every scenario on every engine, both ways in, and returns the
/// answers, or a message listing every answer that differs from the
/// scenario's expected outcome.
pub fn check_agreement(engines: &mut Engines) -> std::result::Result<Vec<Answer>, String> {
    let mut answers = Vec::new();
    let mut wrong = Vec::new();
    for s in scenarios() {
        for a in engines.answer(&s).map_err(|e| e.to_string())? {
            for (how, got) in [("pre-parsed", a.preparsed), ("json", a.json)] {
                if got != s.expected {
                    wrong.push(format!(
                        "  {} / {} ({how}): expected {}, got {got}",
                        a.engine, s.name, s.expected
                    ));
                }
            }
            answers.push(a);
        }
    }
    if wrong.is_empty() {
        Ok(answers)
    } else {
        Err(format!(
            "the engines disagree, so their timings would not be comparable:\n{}",
            wrong.join("\n")
        ))
    }
}

/// Every engine, set up on the agent policy.
pub struct Engines {
    pub guard: guard::Guard,
    pub cedar: cedar::Cedar,
    pub rego: rego::RegoInterp,
    pub rvm: rego::RegoRvm,
}

impl Engines {
    /// Sets every engine up.
    pub fn new() -> Result<Engines> {
        Ok(Engines {
            guard: guard::Guard::agent()?,
            cedar: cedar::Cedar::agent()?,
            rego: rego::RegoInterp::agent()?,
            rvm: rego::RegoRvm::agent()?,
        })
    }

    /// Every engine's answer to one scenario.
    pub fn answer(&mut self, s: &Scenario) -> Result<Vec<Answer>> {
        let mut out = Vec::new();
        let g = &self.guard;
        let mut pre = g.prepare(s)?;
        let preparsed = g.decide(&mut pre)?;
        let mut pre = g.prepare(s)?;
        let json = g.decide_json(&mut pre)?;
        out.push(Answer {
            engine: "guard",
            scenario: s.name,
            preparsed,
            json,
        });
        let req = self.cedar.request(s.stateless_event())?;
        out.push(Answer {
            engine: "cedar",
            scenario: s.name,
            preparsed: Outcome::new(self.cedar.decide(&req), s.approved),
            json: Outcome::new(self.cedar.decide_json(&s.stateless_json())?, s.approved),
        });
        let input = rego::input(&s.stateless_event())?;
        out.push(Answer {
            engine: "rego",
            scenario: s.name,
            preparsed: Outcome::new(self.rego.decide(input.clone())?, s.approved),
            json: Outcome::new(self.rego.decide_json(&s.stateless_json())?, s.approved),
        });
        out.push(Answer {
            engine: "rego-rvm",
            scenario: s.name,
            preparsed: Outcome::new(self.rvm.decide(input)?, s.approved),
            json: Outcome::new(self.rvm.decide_json(&s.stateless_json())?, s.approved),
        });
        Ok(out)
    }
}
