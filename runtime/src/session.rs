//! Sessions: one agent run under one policy. A session holds the state
//! variables, the `context` label set, the attribute values, the pending
//! escalation tickets — and every buffer deciding needs, allocated when
//! it opens, so that deciding a tool call or an output allocates nothing.
//!
//! Semantics (language.md §6, docs/language.md §8–§10): deny beats
//! escalate beats allow beats the default; an event executes when
//! allowed, or escalated and every gate approved; executing runs the
//! effect blocks (conditions in the pre-state, assignments in source
//! order, each seeing the ones before), adds the tool's labels to the
//! context and, for outputs, applies the redactions. Effects are computed
//! when deciding (also for an escalation, without committing), so an
//! event whose effects would overflow a range is denied up front. Any
//! error while deciding is a deny.

use std::collections::VecDeque;

use crate::bind::{self, BindFault, Bound};
use crate::decision::{Decision, EventRef, GateSet, Reason, RuleIds, TicketId, Verdict};
use crate::error::{SessionError, TicketError};
use crate::fingerprint::Hasher;
use crate::model::StateKind;
use crate::policy::{ChannelId, Owned, PElem, PType, Policy, Target, ToolId};
use crate::text::{self, Url};
use crate::vm::{self, Ctx, Fault, Out, Scratch};

/// An argument value, borrowed from the caller. Lists hold scalars;
/// `Json` stands for any JSON value (only `json` parameters take one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arg<'a> {
    /// Not given (only optional parameters may be absent).
    #[default]
    Absent,
    Bool(bool),
    Int(i64),
    /// A string, a path, a URL or the name of an enum variant.
    Str(&'a str),
    /// A URL the host parsed once with [`Url::parse`]: a `url` parameter
    /// takes it without parsing it again. Anywhere else it is its text,
    /// exactly as `Str(url.as_str())` (fingerprints included, so a call
    /// escalated with one form can be approved with the other).
    Url(Url<'a>),
    List(&'a [Arg<'a>]),
    Json,
}

impl<'a> Arg<'a> {
    /// The argument with a [`Arg::Url`] turned into the string it is.
    #[inline]
    pub(crate) fn plain(self) -> Arg<'a> {
        match self {
            Arg::Url(u) => Arg::Str(u.as_str()),
            a => a,
        }
    }
}

/// A pre-parsed tool call: arguments by parameter position (see
/// [`Policy::param_index`]); missing trailing arguments are absent.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub tool: ToolId,
    pub args: &'a [Arg<'a>],
}

/// How a call's arguments are laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Args<'a> {
    /// By position.
    Pos(&'a [Arg<'a>]),
    /// By name, with `slots[param]` the position in the list.
    Named(&'a [(&'a str, Arg<'a>)], &'a [u16]),
}

impl<'a> Args<'a> {
    /// The argument for parameter `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Arg<'a> {
        match *self {
            Args::Pos(a) => a.get(i).copied().unwrap_or(Arg::Absent),
            Args::Named(named, slots) => slots
                .get(i)
                .and_then(|&k| named.get(usize::from(k)))
                .map_or(Arg::Absent, |(_, a)| *a),
        }
    }
}

/// How the binder prepared one parameter's argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgMeta {
    /// Absent (optional).
    Absent,
    /// Used as given.
    Plain,
    /// A normalised path: a range of the path buffer.
    Path(u32, u32),
    /// A URL as given, with its host's byte range (parsed once, here).
    Url(u32, u32),
    /// An enum variant.
    Variant(u16),
    /// `list<enum>`: a range of the variant buffer.
    EnumList(u32, u32),
    /// `list<path>` that needed normalising: a range of path ranges.
    PathList(u32, u32),
}

/// An attribute's value, checked and prepared when the session opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrSlot {
    Missing,
    Bool(bool),
    Int(i64),
    Enum(u16),
    /// Strings and normalised paths.
    Str(String),
    /// A URL and its host's byte range.
    Url(String, u32, u32),
    List(Vec<Owned>),
}

/// Sizes of a session's fixed buffers. Exceeding one denies the event
/// ("value too long"): the runtime fails closed rather than allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Results of `lower`, `host`, `scheme` within one condition.
    pub scratch_bytes: usize,
    /// Normalised path arguments of one call.
    pub path_bytes: usize,
    /// Elements of `list<path>` (when normalised) and `list<enum>`
    /// arguments of one call.
    pub list_items: usize,
    /// Intermediate text when two or more redactions rewrite an output.
    pub redact_bytes: usize,
    /// Pending tickets kept; the oldest is dropped beyond this (and can
    /// then no longer be approved).
    pub tickets: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            scratch_bytes: 64 << 10,
            path_bytes: 16 << 10,
            list_items: 1024,
            redact_bytes: 64 << 10,
            tickets: 64,
        }
    }
}

/// A pending escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub id: u64,
    pub output: bool,
    pub index: u32,
    pub gates: u64,
    /// Of the event, so approval can check it is given the same one.
    pub fingerprint: u64,
}

/// One event to decide.
#[derive(Clone, Copy)]
enum Ev<'c> {
    Tool(usize, Args<'c>),
    Output(usize, &'c str),
}

/// A session: state, context, attributes, tickets, scratch.
pub struct Session<'p> {
    pub(crate) policy: &'p Policy,
    pub(crate) state: Vec<i64>,
    next: Vec<i64>,
    pub(crate) context: u64,
    pub(crate) attrs: Vec<AttrSlot>,
    /// The first attribute some code reads that the session lacks.
    missing: Option<u16>,
    /// Oldest first; a ring, so dropping the oldest when full moves
    /// nothing.
    pub(crate) tickets: VecDeque<Ticket>,
    pub(crate) next_ticket: u64,
    pub(crate) limits: Limits,
    bound: Bound,
    slots: Vec<u16>,
    sx: Scratch,
    /// Redactions selected for the output being decided.
    sel: Vec<u32>,
    redact_buf: String,
}

impl<'p> Session<'p> {
    /// Opens a session with attribute values (by name). Attributes may be
    /// left out; if the policy reads one that is missing, every event is
    /// denied (reason: missing attribute).
    pub fn new(policy: &'p Policy, attrs: &[(&str, Arg<'_>)]) -> Result<Session<'p>, SessionError> {
        Session::with_limits(policy, attrs, Limits::default())
    }

    pub fn with_limits(
        policy: &'p Policy,
        attrs: &[(&str, Arg<'_>)],
        limits: Limits,
    ) -> Result<Session<'p>, SessionError> {
        let mut slots = vec![AttrSlot::Missing; policy.attr_types.len()];
        for (name, value) in attrs {
            let Some(i) = policy.attr_index(name) else {
                return Err(SessionError::UnknownAttribute {
                    name: (*name).to_owned(),
                });
            };
            if slots[i] != AttrSlot::Missing {
                return Err(SessionError::DuplicateAttribute {
                    name: (*name).to_owned(),
                });
            }
            slots[i] = attr_value(policy, policy.attr_types[i], *value).ok_or_else(|| {
                SessionError::AttributeValue {
                    name: (*name).to_owned(),
                }
            })?;
        }
        let missing = (0..slots.len())
            .find(|&i| policy.attrs_read[i] && slots[i] == AttrSlot::Missing)
            .map(|i| i as u16);
        let state: Vec<i64> = policy.image.states.iter().map(|s| s.init).collect();
        let limits = Limits {
            tickets: limits.tickets.max(1),
            ..limits
        };
        let max_redactions = policy
            .channels
            .iter()
            .map(|c| c.redactions.len())
            .max()
            .unwrap_or(0);
        Ok(Session {
            policy,
            next: state.clone(),
            state,
            context: 0,
            attrs: slots,
            missing,
            tickets: VecDeque::with_capacity(limits.tickets),
            next_ticket: 1,
            bound: Bound::new(policy, &limits),
            slots: Vec::with_capacity(policy.max_params),
            sx: Scratch::new(policy, limits.scratch_bytes),
            sel: Vec::with_capacity(max_redactions),
            redact_buf: String::with_capacity(limits.redact_bytes),
            limits,
        })
    }

    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// State variable values, by index (bools 0/1, variant indices,
    /// integers).
    pub fn state(&self) -> &[i64] {
        &self.state
    }

    /// The value of the state variable `name`.
    pub fn state_value(&self, name: &str) -> Option<i64> {
        self.state.get(self.policy.state_index(name)?).copied()
    }

    /// The context as a label bit set.
    pub fn context(&self) -> u64 {
        self.context
    }

    /// Whether the context holds label `name`.
    pub fn has_label(&self, name: &str) -> bool {
        (0..self.policy.image.labels.len())
            .any(|i| self.policy.label_name(i) == Some(name) && (self.context >> i) & 1 == 1)
    }

    /// Tickets waiting for an answer, oldest first.
    pub fn pending_tickets(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.tickets.iter().map(|t| TicketId(t.id))
    }

    /// Decides a pre-parsed tool call. Allocates nothing.
    pub fn decide_call(&mut self, call: &Call<'_>) -> Decision {
        self.decide(
            Ev::Tool(call.tool.0 as usize, Args::Pos(call.args)),
            0,
            None,
        )
    }

    /// Decides a tool call given by names. Allocates nothing.
    pub fn decide_call_named(&mut self, tool: &str, args: &[(&str, Arg<'_>)]) -> Decision {
        self.named(tool, args, 0)
    }

    fn named(&mut self, tool: &str, args: &[(&str, Arg<'_>)], approved: u64) -> Decision {
        let Some(t) = self.policy.tool_id(tool) else {
            return Decision::deny(EventRef::Unknown, Reason::UnknownTool);
        };
        let mut slots = std::mem::take(&mut self.slots);
        let d = match bind::resolve_names(&mut slots, self.policy, t.0 as usize, args) {
            Ok(()) => self.decide(
                Ev::Tool(t.0 as usize, Args::Named(args, &slots)),
                approved,
                None,
            ),
            Err(f) => Decision::deny(EventRef::Tool(t), bind_reason(f)),
        };
        self.slots = slots;
        d
    }

    /// Decides an output. If it executes, `out` receives the text with
    /// every applicable redaction applied; otherwise `out` is left empty.
    /// Allocates nothing (provided `out` has the capacity).
    pub fn decide_output(&mut self, channel: ChannelId, text: &str, out: &mut String) -> Decision {
        self.decide(Ev::Output(channel.0 as usize, text), 0, Some(out))
    }

    /// [`Session::decide_output`] with the channel given by name.
    pub fn decide_output_named(&mut self, channel: &str, text: &str, out: &mut String) -> Decision {
        match self.policy.channel_id(channel) {
            Some(c) => self.decide_output(c, text, out),
            None => {
                out.clear();
                Decision::deny(EventRef::Unknown, Reason::UnknownTool)
            }
        }
    }

    /// Resolves a ticket as approved: the call (which must be the one
    /// escalated) is decided again on the current state with the ticket's
    /// gates approved. It executes if that gives Allow or an escalation
    /// to approved gates only; an escalation to other gates gives a new
    /// ticket. The ticket is consumed.
    pub fn approve(&mut self, ticket: TicketId, call: &Call<'_>) -> Result<Decision, TicketError> {
        let ev = Ev::Tool(call.tool.0 as usize, Args::Pos(call.args));
        let t = self.take_ticket(ticket, &ev)?;
        Ok(self.decide(ev, t.gates, None))
    }

    /// [`Session::approve`] for a call given by names.
    pub fn approve_named(
        &mut self,
        ticket: TicketId,
        tool: &str,
        args: &[(&str, Arg<'_>)],
    ) -> Result<Decision, TicketError> {
        let t = self
            .policy
            .tool_id(tool)
            .ok_or(TicketError::EventMismatch)?;
        let mut slots = std::mem::take(&mut self.slots);
        let r = match bind::resolve_names(&mut slots, self.policy, t.0 as usize, args) {
            Ok(()) => {
                let ev = Ev::Tool(t.0 as usize, Args::Named(args, &slots));
                self.take_ticket(ticket, &ev)
                    .map(|tk| self.decide(ev, tk.gates, None))
            }
            Err(_) => Err(TicketError::EventMismatch),
        };
        self.slots = slots;
        r
    }

    /// [`Session::approve`] for an output escalation.
    pub fn approve_output(
        &mut self,
        ticket: TicketId,
        channel: ChannelId,
        text: &str,
        out: &mut String,
    ) -> Result<Decision, TicketError> {
        out.clear();
        let ev = Ev::Output(channel.0 as usize, text);
        let t = self.take_ticket(ticket, &ev)?;
        Ok(self.decide(ev, t.gates, Some(out)))
    }

    /// Resolves a ticket as rejected: the event never executes.
    pub fn reject(&mut self, ticket: TicketId) -> Result<(), TicketError> {
        let pos = self
            .tickets
            .iter()
            .position(|t| t.id == ticket.0)
            .ok_or(TicketError::UnknownTicket)?;
        self.tickets.remove(pos);
        Ok(())
    }

    fn take_ticket(&mut self, ticket: TicketId, ev: &Ev<'_>) -> Result<Ticket, TicketError> {
        let pos = self
            .tickets
            .iter()
            .position(|t| t.id == ticket.0)
            .ok_or(TicketError::UnknownTicket)?;
        let t = self.tickets[pos];
        let (output, index) = match *ev {
            Ev::Tool(i, _) => (false, i),
            Ev::Output(i, _) => (true, i),
        };
        if t.output != output || t.index as usize != index || t.fingerprint != self.fingerprint(ev)
        {
            return Err(TicketError::EventMismatch);
        }
        self.tickets.remove(pos);
        Ok(t)
    }

    /// The event's fingerprint (see [`crate::fingerprint`]): its target
    /// and every argument, in parameter order, or its text.
    fn fingerprint(&self, ev: &Ev<'_>) -> u64 {
        let mut h = Hasher::new();
        match *ev {
            Ev::Tool(i, args) => {
                h.target(1, i as u64);
                let n = self.policy.tools.get(i).map_or(0, |t| t.params.len());
                h.args(args, n);
            }
            Ev::Output(i, text) => {
                h.target(2, i as u64);
                h.bytes(3, text.as_bytes());
            }
        }
        h.finish()
    }

    /// The decision procedure (see the module docs). `approved`: gates
    /// that have approved this event.
    fn decide(&mut self, ev: Ev<'_>, approved: u64, mut out: Option<&mut String>) -> Decision {
        let policy = self.policy;
        if let Some(o) = out.as_deref_mut() {
            o.clear();
        }
        let (event, target, args, text) = match ev {
            Ev::Tool(i, args) => (
                EventRef::Tool(ToolId(i as u32)),
                policy.tools.get(i),
                args,
                "",
            ),
            Ev::Output(i, text) => (
                EventRef::Output(ChannelId(i as u32)),
                policy.channels.get(i),
                Args::Pos(&[]),
                text,
            ),
        };
        let Some(target) = target else {
            return Decision::deny(EventRef::Unknown, Reason::UnknownTool);
        };
        let deny = |reason| Decision::deny(event, reason);
        if let Some(attr) = self.missing {
            return deny(Reason::MissingAttribute { attr });
        }
        if let Err(f) = self.bound.bind(policy, &target.params, &args) {
            return deny(bind_reason(f));
        }
        let ctx = Ctx {
            policy,
            args,
            meta: self.bound.meta(),
            paths: &self.bound.paths,
            path_items: &self.bound.path_items,
            enum_items: &self.bound.enum_items,
            text,
            attrs: &self.attrs,
            context: self.context,
        };
        let sx = &mut self.sx;

        // The verdict: deny rules, then escalate rules, then allow rules.
        let mut rules = RuleIds::default();
        for r in &target.deny {
            match vm::guard(&ctx, &self.state, r.plan, sx) {
                Ok(true) => rules.push(r.id),
                Ok(false) => {}
                Err(f) => return deny(fault_reason(f)),
            }
        }
        if !rules.is_empty() {
            return Decision {
                rules,
                ..deny(Reason::Rules)
            };
        }
        let mut gates = 0u64;
        for r in &target.escalate {
            match vm::guard(&ctx, &self.state, r.plan, sx) {
                Ok(true) => {
                    gates |= 1u64 << (r.gate & 63);
                    rules.push(r.id);
                }
                Ok(false) => {}
                Err(f) => return deny(fault_reason(f)),
            }
        }
        // Allow rules are evaluated even when an escalation matched: a
        // condition that cannot be evaluated (overflow) denies the event
        // whatever else matched, so the verdict never depends on the order
        // of evaluation. Only a matching deny rule may stop early, because
        // nothing can change a denial.
        // With no escalation (so `rules` is still empty) the matching allow
        // rules are the decision's; with one, they are only evaluated. No
        // copy of a rule list: that copy was a measurable part of deciding.
        let mut ignored = RuleIds::default();
        let allows = if gates == 0 { &mut rules } else { &mut ignored };
        for r in &target.allow {
            match vm::guard(&ctx, &self.state, r.plan, sx) {
                Ok(true) => allows.push(r.id),
                Ok(false) => {}
                Err(f) => return deny(fault_reason(f)),
            }
        }
        let (verdict, reason, execute) = if gates != 0 {
            if gates & !approved == 0 {
                (Verdict::Allow, Reason::Approved, true)
            } else {
                (Verdict::Escalate(GateSet(gates)), Reason::Rules, false)
            }
        } else {
            if !rules.is_empty() {
                (Verdict::Allow, Reason::Rules, true)
            } else if policy.image.default_allow {
                (Verdict::Allow, Reason::Default, true)
            } else {
                return deny(Reason::Default);
            }
        };

        // Redactions that apply: selected in the pre-state, on the
        // original text.
        self.sel.clear();
        if execute && out.is_some() {
            for (k, r) in target.redactions.iter().enumerate() {
                match vm::guard(&ctx, &self.state, r.plan, sx) {
                    Ok(true) => self.sel.push(k as u32),
                    Ok(false) => {}
                    Err(f) => return deny(fault_reason(f)),
                }
            }
        }

        // Effects, into `next`: conditions read the pre-state,
        // assignments the state as updated so far.
        let has_effects = !target.effects.is_empty();
        if has_effects {
            self.next.clear();
            self.next.extend_from_slice(&self.state);
            for e in &target.effects {
                match vm::guard(&ctx, &self.state, e.plan, sx) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(f) => return deny(fault_reason(f)),
                }
                for &(s, b) in &e.assigns {
                    let v = match vm::eval(&ctx, &self.next, b, sx) {
                        Ok(Out::Value(v)) => v,
                        Ok(Out::Absent(param)) => return deny(Reason::AbsentParameter { param }),
                        Err(f) => return deny(fault_reason(f)),
                    };
                    let ok = match policy.image.states.get(usize::from(s)).map(|v| &v.kind) {
                        Some(StateKind::Int { lo, hi }) => *lo <= v && v <= *hi,
                        Some(StateKind::Bool) => v == 0 || v == 1,
                        Some(StateKind::Enum(e)) => policy
                            .image
                            .enums
                            .get(usize::from(*e))
                            .is_some_and(|vs| v >= 0 && (v as usize) < vs.len()),
                        None => false,
                    };
                    match self.next.get_mut(usize::from(s)) {
                        Some(slot) if ok => *slot = v,
                        _ => return deny(Reason::StateOutOfRange { state: s }),
                    }
                }
            }
        }

        if !execute {
            let fingerprint = self.fingerprint(&ev);
            if self.tickets.len() >= self.limits.tickets {
                self.tickets.pop_front();
            }
            let id = self.next_ticket;
            self.next_ticket += 1;
            let (output, index) = match ev {
                Ev::Tool(i, _) => (false, i as u32),
                Ev::Output(i, _) => (true, i as u32),
            };
            self.tickets.push_back(Ticket {
                id,
                output,
                index,
                gates,
                fingerprint,
            });
            return Decision {
                verdict,
                reason,
                event,
                rules,
                redactions: RuleIds::default(),
                ticket: Some(TicketId(id)),
                state_changed: false,
                labels_added: 0,
            };
        }

        let mut redactions = RuleIds::default();
        if let Some(o) = out {
            match redact(policy, target, &self.sel, text, o, &mut self.redact_buf, sx) {
                Ok(r) => redactions = r,
                Err(f) => {
                    o.clear();
                    return deny(fault_reason(f));
                }
            }
        }

        // Commit.
        let mut changed = false;
        if has_effects && self.next != self.state {
            std::mem::swap(&mut self.state, &mut self.next);
            changed = true;
        }
        let added = target.labels & !self.context;
        self.context |= added;
        Decision {
            verdict,
            reason,
            event,
            rules,
            redactions,
            ticket: None,
            state_changed: changed || added != 0,
            labels_added: added,
        }
    }
}

/// Applies the selected redactions to `text`, in order, leaving the
/// result in `out`. The first rewrite goes from `text` straight to `out`;
/// each further one copies `out` to the session's buffer first.
fn redact(
    policy: &Policy,
    target: &Target,
    sel: &[u32],
    text: &str,
    out: &mut String,
    buf: &mut String,
    sx: &mut Scratch,
) -> Result<RuleIds, Fault> {
    let mut applied = RuleIds::default();
    let mut in_out = false;
    for &k in sel {
        let r = target.redactions.get(k as usize).ok_or(Fault::Internal)?;
        let with = policy.string(r.replacement);
        let regex = usize::from(r.regex);
        let changed = if !in_out {
            let c = policy
                .regexes
                .replace_all(regex, text, with, out, usize::MAX, &mut sx.caches)
                .map_err(|_| Fault::Internal)?
                .ok_or(Fault::TooLong)?;
            in_out = true;
            c
        } else {
            let cap = buf.capacity();
            if out.len() > cap {
                return Err(Fault::TooLong);
            }
            buf.clear();
            buf.push_str(out);
            out.clear();
            policy
                .regexes
                .replace_all(regex, buf, with, out, usize::MAX, &mut sx.caches)
                .map_err(|_| Fault::Internal)?
                .ok_or(Fault::TooLong)?
        };
        if changed {
            applied.push(r.id);
        }
    }
    if !in_out {
        out.push_str(text);
    }
    Ok(applied)
}

fn fault_reason(f: Fault) -> Reason {
    match f {
        Fault::Overflow => Reason::Overflow,
        Fault::TooLong => Reason::ValueTooLong,
        Fault::Internal => Reason::Internal,
    }
}

fn bind_reason(f: BindFault) -> Reason {
    match f {
        BindFault::Bad(param, problem) => Reason::BadArgument { param, problem },
        BindFault::TooLong => Reason::ValueTooLong,
    }
}

/// Checks and prepares an attribute value; `None` if it does not fit.
fn attr_value(policy: &Policy, ty: PType, v: Arg<'_>) -> Option<AttrSlot> {
    Some(match (ty, v.plain()) {
        (_, Arg::Absent) => AttrSlot::Missing,
        (PType::Bool, Arg::Bool(b)) => AttrSlot::Bool(b),
        (PType::Int, Arg::Int(n)) => AttrSlot::Int(n),
        (PType::IntRange(lo, hi), Arg::Int(n)) if lo <= n && n <= hi => AttrSlot::Int(n),
        (PType::Str, Arg::Str(s)) => AttrSlot::Str(s.to_owned()),
        (PType::Path, Arg::Str(s)) => AttrSlot::Str(text::normalize_path(s).ok()?),
        (PType::Url, Arg::Str(s)) => {
            let u = text::parse_url(s)?;
            AttrSlot::Url(s.to_owned(), u.host_start as u32, u.host_end as u32)
        }
        (PType::Enum(e), Arg::Str(s)) => AttrSlot::Enum(policy.variant(e, s)?),
        (PType::List(el), Arg::List(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(match (el, x.plain()) {
                    (PElem::Bool, Arg::Bool(b)) => Owned::Bool(b),
                    (PElem::Int, Arg::Int(n)) => Owned::Int(n),
                    (PElem::Str, Arg::Str(s)) => Owned::Str(s.to_owned()),
                    (PElem::Path, Arg::Str(s)) => Owned::Str(text::normalize_path(s).ok()?),
                    (PElem::Url, Arg::Str(s)) => {
                        text::parse_url(s)?;
                        Owned::Str(s.to_owned())
                    }
                    (PElem::Enum(e), Arg::Str(s)) => Owned::Enum(policy.variant(e, s)?),
                    _ => return None,
                });
            }
            AttrSlot::List(out)
        }
        _ => return None,
    })
}

/// A policy is shared by the sessions of many threads.
const _: () = {
    const fn is<T: Send + Sync>() {}
    is::<Policy>()
};
