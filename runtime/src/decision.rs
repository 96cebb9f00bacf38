//! Decisions: what a session answers for an event. A [`Decision`] is a
//! small `Copy` value (no allocation); [`Decision::explain`] builds the
//! human text from it and the policy's debug section, off the hot path.

use std::fmt::Write as _;

use crate::policy::{ChannelId, Policy, ToolId};

/// A set of gates (bit `i` is the policy's gate `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GateSet(pub u64);

impl GateSet {
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn contains(self, gate: usize) -> bool {
        gate < 64 && (self.0 >> gate) & 1 == 1
    }
    /// Gate indices, ascending: one step per gate in the set (hosts map
    /// every escalation through this, so it does not test all 64 bits).
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Some(i)
        })
    }
}

/// An escalation ticket, unique within its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny,
    /// The event waits for every gate of the set to approve.
    Escalate(GateSet),
}

/// What was wrong with an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgProblem {
    /// A required argument is absent.
    Missing,
    /// An argument the tool does not declare.
    Undeclared,
    /// The same argument twice (named calls).
    Duplicate,
    /// Not a value of the declared type.
    WrongType,
    /// An enum argument that names no variant.
    NotAVariant,
    /// An integer outside the declared range.
    OutOfRange,
    /// The empty string given as a path.
    EmptyPath,
    /// A path whose `..` climbs above its root.
    PathAboveRoot,
    /// A URL that does not parse.
    BadUrl,
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The matched rules decided (see [`Decision::rules`]).
    Rules,
    /// No rule matched; the policy's default applied.
    Default,
    /// An escalated event whose gates have all approved.
    Approved,
    /// The host rejected the ticket.
    Rejected,
    /// The tool or channel is not declared (or the id is not this
    /// policy's).
    UnknownTool,
    /// An argument is missing, undeclared or ill-typed. `param` is the
    /// parameter's position, or for `Undeclared`/`Duplicate` the
    /// argument's position in the call.
    BadArgument { param: u16, problem: ArgProblem },
    /// The session lacks attribute `attr`, which the policy reads.
    MissingAttribute { attr: u16 },
    /// An assignment read optional parameter `param`, which the call does
    /// not carry.
    AbsentParameter { param: u16 },
    /// An effect would take state variable `state` out of its range.
    StateOutOfRange { state: u16 },
    /// Integer overflow while evaluating a condition or an effect.
    Overflow,
    /// A value did not fit the session's fixed-size scratch buffers.
    ValueTooLong,
    /// Cannot happen with a validated policy; denied (fail closed).
    Internal,
}

/// Up to [`RuleIds::INLINE`] rule ids kept inline, plus how many there
/// were in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleIds {
    ids: [u32; RuleIds::INLINE],
    len: u8,
    total: u16,
}

impl RuleIds {
    /// Few: a decision is returned by value on the hot path, and one or
    /// two rules decide almost every event.
    pub const INLINE: usize = 4;

    pub(crate) fn push(&mut self, id: u32) {
        if let Some(slot) = self.ids.get_mut(usize::from(self.len)) {
            *slot = id;
            self.len += 1;
        }
        self.total = self.total.saturating_add(1);
    }

    /// The ids kept (the first [`RuleIds::INLINE`]).
    pub fn as_slice(&self) -> &[u32] {
        self.ids.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// How many there were, including those not kept (saturating at
    /// 65,535).
    pub fn total(&self) -> usize {
        usize::from(self.total)
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// Which event a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRef {
    Tool(ToolId),
    Output(ChannelId),
    /// An event naming no declared tool or channel.
    Unknown,
}

/// The answer to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    pub reason: Reason,
    pub event: EventRef,
    /// The rules that decided: every matching deny rule for a Deny by
    /// rules, every matching escalate rule for an Escalate (or an approved
    /// escalation), every matching allow rule for an Allow by rules.
    pub rules: RuleIds,
    /// The redact rules that applied to an executed output, in order.
    pub redactions: RuleIds,
    /// Set on Escalate: resolve it with `approve` or `reject`.
    pub ticket: Option<crate::decision::TicketId>,
    /// The event executed and changed a state variable or the context.
    pub state_changed: bool,
    /// Labels the context gained.
    pub labels_added: u64,
}

impl Decision {
    pub(crate) fn deny(event: EventRef, reason: Reason) -> Decision {
        Decision {
            verdict: Verdict::Deny,
            reason,
            event,
            rules: RuleIds::default(),
            redactions: RuleIds::default(),
            ticket: None,
            state_changed: false,
            labels_added: 0,
        }
    }

    pub fn is_allow(&self) -> bool {
        self.verdict == Verdict::Allow
    }

    pub fn is_deny(&self) -> bool {
        self.verdict == Verdict::Deny
    }

    /// The gates of an escalation (empty otherwise).
    pub fn gates(&self) -> GateSet {
        match self.verdict {
            Verdict::Escalate(g) => g,
            _ => GateSet::default(),
        }
    }

    /// The verdict as a word: `allow`, `deny`, `escalate`.
    pub fn verdict_word(&self) -> &'static str {
        match self.verdict {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::Escalate(_) => "escalate",
        }
    }

    /// A short, stable name of the reason (`rules`, `default`,
    /// `bad_argument`, ...), as the JSON decision carries it.
    pub fn reason_word(&self) -> &'static str {
        match self.reason {
            Reason::Rules => "rules",
            Reason::Default => "default",
            Reason::Approved => "approved",
            Reason::Rejected => "rejected",
            Reason::UnknownTool => "unknown_tool",
            Reason::BadArgument { .. } => "bad_argument",
            Reason::MissingAttribute { .. } => "missing_attribute",
            Reason::AbsentParameter { .. } => "absent_parameter",
            Reason::StateOutOfRange { .. } => "state_out_of_range",
            Reason::Overflow => "overflow",
            Reason::ValueTooLong => "value_too_long",
            Reason::Internal => "internal",
        }
    }

    /// The reason in words, with names from the policy.
    pub fn reason_text(&self, policy: &Policy) -> String {
        let image = policy.image();
        match self.reason {
            Reason::Rules => "matched rules".into(),
            Reason::Default => format!(
                "no rule matched; the default is {}",
                if image.default_allow { "allow" } else { "deny" }
            ),
            Reason::Approved => "every gate approved".into(),
            Reason::Rejected => "the escalation was rejected".into(),
            Reason::UnknownTool => "unknown tool or channel".into(),
            Reason::BadArgument { param, problem } => {
                let what = match problem {
                    ArgProblem::Missing => "is missing",
                    ArgProblem::Undeclared => "is not declared by the tool",
                    ArgProblem::Duplicate => "is given twice",
                    ArgProblem::WrongType => "does not have the declared type",
                    ArgProblem::NotAVariant => "names no variant of its enum",
                    ArgProblem::OutOfRange => "is out of its range",
                    ArgProblem::EmptyPath => "is an empty path",
                    ArgProblem::PathAboveRoot => "is a path that climbs above its root",
                    ArgProblem::BadUrl => "is not a URL",
                };
                let named = match (self.event, problem) {
                    (_, ArgProblem::Undeclared | ArgProblem::Duplicate) => None,
                    (EventRef::Tool(t), _) => image
                        .tools
                        .get(t.0 as usize)
                        .and_then(|t| t.params.get(usize::from(param)))
                        .map(|p| policy.string(p.name.0)),
                    _ => None,
                };
                match named {
                    Some(n) => format!("bad argument: `{n}` {what}"),
                    None => format!("bad argument: argument #{param} {what}"),
                }
            }
            Reason::MissingAttribute { attr } => format!(
                "missing attribute `{}`",
                image
                    .attrs
                    .get(usize::from(attr))
                    .map_or("?", |a| policy.string(a.name.0))
            ),
            Reason::AbsentParameter { param } => {
                let name = match self.event {
                    EventRef::Tool(t) => image
                        .tools
                        .get(t.0 as usize)
                        .and_then(|t| t.params.get(usize::from(param)))
                        .map_or("?", |p| policy.string(p.name.0)),
                    _ => "?",
                };
                format!("an effect reads `{name}`, which the call does not carry")
            }
            Reason::StateOutOfRange { state } => format!(
                "state out of range: `{}` would leave its range",
                image
                    .states
                    .get(usize::from(state))
                    .map_or("?", |s| policy.string(s.name.0))
            ),
            Reason::Overflow => "integer overflow".into(),
            Reason::ValueTooLong => "value too long".into(),
            Reason::Internal => "internal error".into(),
        }
    }

    /// A human explanation: verdict and gates, reason, the deciding
    /// rules with their source locations and `because` texts (when the
    /// image has a debug section), redactions, ticket and state change.
    pub fn explain(&self, policy: &Policy) -> String {
        let image = policy.image();
        let mut s = String::new();
        let event = match self.event {
            EventRef::Tool(t) => policy.tool_name(t).unwrap_or("?").to_owned(),
            EventRef::Output(c) => format!("output {}", policy.channel_name(c).unwrap_or("?")),
            EventRef::Unknown => "unknown event".to_owned(),
        };
        let _ = write!(s, "{}", self.verdict_word());
        if let Verdict::Escalate(g) = self.verdict {
            let names: Vec<&str> = g
                .iter()
                .map(|i| policy.gate_name(i).unwrap_or("?"))
                .collect();
            let _ = write!(s, " to {}", names.join(", "));
        }
        let _ = writeln!(s, " {event}: {}", self.reason_text(policy));
        let rule_line = |s: &mut String, kind: &str, id: u32| {
            let _ = write!(s, "  {kind} r{id}");
            let dbg = image
                .debug
                .as_ref()
                .and_then(|d| d.rules.get(*policy.rule_debug.get(&id)?).map(|r| (d, r)));
            if let Some((d, r)) = dbg {
                let file = d
                    .files
                    .get(usize::from(r.file))
                    .map_or("?", |f| policy.string(f.0));
                let _ = write!(s, " at {file}:{}:{}", r.line, r.col);
                if let Some(b) = r.because {
                    let _ = write!(s, " because {:?}", policy.string(b.0));
                }
            }
            s.push('\n');
        };
        for &id in self.rules.as_slice() {
            rule_line(&mut s, "rule", id);
        }
        if self.rules.total() > self.rules.as_slice().len() {
            let _ = writeln!(
                s,
                "  and {} more rules",
                self.rules.total() - self.rules.as_slice().len()
            );
        }
        for &id in self.redactions.as_slice() {
            rule_line(&mut s, "redact", id);
        }
        if let Some(t) = self.ticket {
            let _ = writeln!(s, "  ticket {}", t.0);
        }
        if self.state_changed {
            let _ = write!(s, "  state changed");
            if self.labels_added != 0 {
                let names: Vec<&str> = (0..64)
                    .filter(|i| (self.labels_added >> i) & 1 == 1)
                    .map(|i| policy.label_name(i).unwrap_or("?"))
                    .collect();
                let _ = write!(s, "; context gained {}", names.join(", "));
            }
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::GateSet;

    #[test]
    fn gate_set_iterates_its_members_in_order() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for mask in [0, 1, 1 << 63, u64::MAX, 0b1010_0110] {
            let set = GateSet(mask);
            let want: Vec<usize> = (0..64).filter(|&i| set.contains(i)).collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), want, "{mask:#x}");
        }
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let set = GateSet(x);
            let want: Vec<usize> = (0..64).filter(|&i| set.contains(i)).collect();
            assert_eq!(set.iter().collect::<Vec<_>>(), want, "{x:#x}");
        }
    }
}
