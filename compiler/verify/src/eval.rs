//! The decision semantics of language.md §6, evaluated over the IR on
//! concrete values: which rules match, the verdict, and the post-state of
//! an executed event. This is the verifier's own reading of the policy;
//! the compiled bytecode is never consulted here, so replaying a trace on
//! the runtime (`replay`) is an independent check of both.
//!
//! Conventions shared with the runtime: an absent optional parameter makes
//! the guard that reads it false; an arithmetic overflow anywhere in a
//! guard or an effect denies the event; effects whose result leaves an
//! `int[lo..hi]` range deny the event; effect guards read the pre-state
//! while assignments read the state as updated by earlier assignments.

mod fast;
mod reading;

use guard_ir::{BinOp, Builtin, Event, Expr, ExprKind, Policy, Rule, StateKind, Verdict};
use regex_automata::meta::Regex;

use crate::value::Value;
use reading::{Lazy, Plain, Reading};

/// The regex table, compiled once (whole-value matches).
pub struct Regexes {
    compiled: Vec<Option<Regex>>,
}

impl Regexes {
    pub fn new(sources: &[String]) -> Regexes {
        Regexes {
            compiled: sources
                .iter()
                .map(|r| Regex::new(&format!("^(?:{r})$")).ok())
                .collect(),
        }
    }

    fn is_match(&self, i: u16, s: &str) -> bool {
        self.compiled
            .get(usize::from(i))
            .and_then(Option::as_ref)
            .is_some_and(|re| re.is_match(s))
    }
}

/// Why evaluation stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// An absent optional parameter was read.
    Absent,
    /// Arithmetic overflowed.
    Overflow,
}

/// Everything an expression can read.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub policy: &'a Policy,
    pub regexes: &'a Regexes,
    pub attrs: &'a [Value],
    pub state: &'a [i64],
    pub ctx: u64,
    /// The event's arguments by position (`None` = absent).
    pub args: &'a [Option<Value>],
    /// The text of an output event.
    pub text: Option<&'a str>,
}

impl Env<'_> {
    pub fn state_value(&self, i: usize) -> Value {
        let v = self.state.get(i).copied().unwrap_or(0);
        match self.policy.states.get(i).map(|s| &s.kind) {
            Some(StateKind::Bool) => Value::Bool(v != 0),
            Some(StateKind::Enum(_)) => Value::Enum(u16::try_from(v).unwrap_or(u16::MAX)),
            _ => Value::Int(v),
        }
    }

    pub fn eval(&self, e: &Expr) -> Result<Value, Stop> {
        Ok(match &e.kind {
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Int(n) => Value::Int(*n),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Enum { variant, .. } => Value::Enum(*variant),
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::Param(i) => self
                .args
                .get(usize::from(*i))
                .cloned()
                .flatten()
                .ok_or(Stop::Absent)?,
            ExprKind::Has(i) => {
                Value::Bool(matches!(self.args.get(usize::from(*i)), Some(Some(_))))
            }
            ExprKind::State(i) => self.state_value(usize::from(*i)),
            ExprKind::Attr(i) => self
                .attrs
                .get(usize::from(*i))
                .cloned()
                .unwrap_or(Value::Bool(false)),
            ExprKind::Text => Value::Str(self.text.ok_or(Stop::Absent)?.to_string()),
            ExprKind::CtxHas(bit) => Value::Bool(self.ctx & (1u64 << bit) != 0),
            ExprKind::Not(x) => Value::Bool(!truth(&self.eval(x)?)),
            ExprKind::Neg(x) => {
                Value::Int(int(&self.eval(x)?).checked_neg().ok_or(Stop::Overflow)?)
            }
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => Value::Bool(truth(&self.eval(lhs)?) && truth(&self.eval(rhs)?)),
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => Value::Bool(truth(&self.eval(lhs)?) || truth(&self.eval(rhs)?)),
            ExprKind::Binary { op, lhs, rhs } => {
                let (l, r) = (self.eval(lhs)?, self.eval(rhs)?);
                match op {
                    BinOp::Eq => Value::Bool(l == r),
                    BinOp::Ne => Value::Bool(l != r),
                    BinOp::Lt => Value::Bool(int(&l) < int(&r)),
                    BinOp::Le => Value::Bool(int(&l) <= int(&r)),
                    BinOp::Gt => Value::Bool(int(&l) > int(&r)),
                    BinOp::Ge => Value::Bool(int(&l) >= int(&r)),
                    BinOp::Add => Value::Int(int(&l).checked_add(int(&r)).ok_or(Stop::Overflow)?),
                    BinOp::Sub => Value::Int(int(&l).checked_sub(int(&r)).ok_or(Stop::Overflow)?),
                    BinOp::And | BinOp::Or => Value::Bool(false),
                }
            }
            ExprKind::In { lhs, rhs } => {
                let l = self.eval(lhs)?;
                match self.eval(rhs)? {
                    Value::List(items) => Value::Bool(items.contains(&l)),
                    _ => Value::Bool(false),
                }
            }
            ExprKind::Match { lhs, regex } => {
                Value::Bool(self.regexes.is_match(*regex, text(&self.eval(lhs)?)))
            }
            ExprKind::Call { func, args } => {
                let vals: Vec<Value> = args
                    .iter()
                    .map(|a| self.eval(a))
                    .collect::<Result<_, _>>()?;
                call(*func, &vals)
            }
        })
    }

    /// Whether a guard holds; an absent parameter makes it false.
    pub fn holds(&self, guard: Option<&Expr>) -> Result<bool, Stop> {
        match guard.map(|g| self.eval(g)) {
            None => Ok(true),
            Some(Ok(v)) => Ok(truth(&v)),
            Some(Err(Stop::Absent)) => Ok(false),
            Some(Err(Stop::Overflow)) => Err(Stop::Overflow),
        }
    }
}

fn call(func: Builtin, vals: &[Value]) -> Value {
    match (func, vals) {
        (Builtin::StartsWith, [a, b]) => Value::Bool(text(a).starts_with(text(b))),
        (Builtin::EndsWith, [a, b]) => Value::Bool(text(a).ends_with(text(b))),
        (Builtin::Contains, [a, b]) => Value::Bool(text(a).contains(text(b))),
        (Builtin::Len, [Value::List(items)]) => Value::Int(items.len() as i64),
        (Builtin::Len, [a]) => Value::Int(text(a).chars().count() as i64),
        (Builtin::Lower, [a]) => Value::Str(text(a).chars().flat_map(char::to_lowercase).collect()),
        (Builtin::Host, [a]) => {
            Value::Str(guard_runtime::text::url_host(text(a)).unwrap_or_default())
        }
        (Builtin::Scheme, [a]) => {
            Value::Str(guard_runtime::text::url_scheme(text(a)).unwrap_or_default())
        }
        _ => Value::Bool(false),
    }
}

fn truth(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn int(v: &Value) -> i64 {
    v.as_int().unwrap_or(0)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// Why an event is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Why {
    /// A matching `deny` rule.
    Rules,
    /// No rule matched and the default is deny.
    Default,
    /// An effect would leave a range, or arithmetic overflowed.
    OutOfRange,
    /// An effect read an absent optional parameter.
    BadArguments,
}

/// The verdict of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Allow,
    Deny(Why),
    /// To every gate whose bit is set.
    Escalate(u64),
}

/// One decided event: the verdict, the rules of the deciding class, and
/// the post-state should it execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub outcome: Outcome,
    pub rules: Vec<u32>,
    /// State and context after execution (`None` when denied).
    pub next: Option<(Vec<i64>, u64)>,
}

/// Decides `event` in `env` (§6 steps 2–4).
pub fn decide(env: &Env<'_>, event: Event) -> Decided {
    let p = env.policy;
    match event {
        Event::Tool(t) => match p.tools.get(usize::from(t)) {
            Some(t) => decide_with(env, &t.rules, &t.effects, t.result_labels),
            None => denied(Why::Default),
        },
        Event::Channel(c) => match p.channels.get(usize::from(c)) {
            Some(c) => decide_with(env, &c.rules, &c.effects, 0),
            None => denied(Why::Default),
        },
    }
}

/// One event's rules and effects with everything that does not depend on
/// the state folded to constants (see [`fold`]); rules that can never
/// hold are gone. Deciding it gives what [`decide`] gives, faster.
#[derive(Debug, Clone)]
pub struct Specialized {
    pub rules: Vec<Rule>,
    pub effects: Vec<guard_ir::Effect>,
    pub labels: u64,
    /// The same rules and effects compiled (`fast`), which is what
    /// deciding reads: compiled from the fields above when first needed
    /// (searches decide only some of the events they specialise). A
    /// changed copy of those fields must be made with `new` again.
    fast: std::sync::Arc<Lazy>,
}

impl Specialized {
    /// Specializes `event` to the arguments and attributes of `env`.
    pub fn new(env: &Env<'_>, event: Event) -> Specialized {
        let p = env.policy;
        let (rules, effects, labels): (&[Rule], &[guard_ir::Effect], u64) = match event {
            Event::Tool(t) => match p.tools.get(usize::from(t)) {
                Some(t) => (&t.rules, &t.effects, t.result_labels),
                None => (&[], &[], 0),
            },
            Event::Channel(c) => match p.channels.get(usize::from(c)) {
                Some(c) => (&c.rules, &c.effects, 0),
                None => (&[], &[], 0),
            },
        };
        let guard = |g: &Option<Expr>| g.as_ref().map(|g| fold(env, g));
        let rules: Vec<Rule> = rules
            .iter()
            .map(|r| Rule {
                guard: guard(&r.guard),
                ..r.clone()
            })
            // A guard folded to `false` raised nothing and holds never.
            .filter(|r| {
                !matches!(
                    r.guard.as_ref().map(|g| &g.kind),
                    Some(ExprKind::Bool(false))
                )
            })
            .collect();
        let effects: Vec<guard_ir::Effect> = effects
            .iter()
            .map(|e| guard_ir::Effect {
                guard: guard(&e.guard),
                assigns: e.assigns.iter().map(|(s, v)| (*s, fold(env, v))).collect(),
            })
            .collect();
        Specialized {
            fast: std::sync::Arc::default(),
            rules,
            effects,
            labels,
        }
    }

    pub fn decide(&self, env: &Env<'_>) -> Decided {
        decide_by::<true>(env, self, self.labels)
    }

    /// [`Specialized::decide`] without the matched rules (`rules` is
    /// empty): what a search needs in every state.
    pub fn decide_verdict(&self, env: &Env<'_>) -> Decided {
        decide_by::<false>(env, self, self.labels)
    }

    /// [`explain_with`] over this event's rules and effects.
    pub fn explain(&self, env: &Env<'_>) -> Explained {
        explain_by(env, self, self.labels)
    }
}

/// Whether `e` reads neither the state nor the context.
fn stateless(e: &Expr) -> bool {
    let here = !matches!(e.kind, ExprKind::State(_) | ExprKind::CtxHas(_));
    here && children(e).into_iter().all(stateless)
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::List(items) => items.iter().collect(),
        ExprKind::Not(x) | ExprKind::Neg(x) => vec![x],
        ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => vec![lhs, rhs],
        ExprKind::Match { lhs, .. } => vec![lhs],
        ExprKind::Call { args, .. } => args.iter().collect(),
        _ => Vec::new(),
    }
}

/// `e` with every subexpression that does not read the state or context
/// replaced by its value in `env` (arguments and attributes). A
/// subexpression whose evaluation stops (absent parameter, overflow) is
/// kept as it is, so evaluating the result stops the same way.
pub fn fold(env: &Env<'_>, e: &Expr) -> Expr {
    if stateless(e) {
        let kind = match env.eval(e) {
            Ok(Value::Bool(b)) => Some(ExprKind::Bool(b)),
            Ok(Value::Int(n)) => Some(ExprKind::Int(n)),
            Ok(Value::Str(s)) => Some(ExprKind::Str(s)),
            Ok(Value::Enum(v)) => match e.ty {
                guard_ir::Type::Enum(t) => Some(ExprKind::Enum { e: t, variant: v }),
                _ => None,
            },
            _ => None,
        };
        if let Some(kind) = kind {
            return Expr {
                kind,
                ty: e.ty.clone(),
            };
        }
        return e.clone();
    }
    let f = |x: &Expr| Box::new(fold(env, x));
    let kind = match &e.kind {
        ExprKind::List(items) => ExprKind::List(items.iter().map(|i| fold(env, i)).collect()),
        ExprKind::Not(x) => ExprKind::Not(f(x)),
        ExprKind::Neg(x) => ExprKind::Neg(f(x)),
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: f(lhs),
            rhs: f(rhs),
        },
        ExprKind::In { lhs, rhs } => ExprKind::In {
            lhs: f(lhs),
            rhs: f(rhs),
        },
        ExprKind::Match { lhs, regex } => ExprKind::Match {
            lhs: f(lhs),
            regex: *regex,
        },
        ExprKind::Call { func, args } => ExprKind::Call {
            func: *func,
            args: args.iter().map(|a| fold(env, a)).collect(),
        },
        k => k.clone(),
    };
    Expr {
        kind,
        ty: e.ty.clone(),
    }
}

/// [`decide`] over given rules and effects.
pub fn decide_with(
    env: &Env<'_>,
    rules: &[Rule],
    effects: &[guard_ir::Effect],
    labels: u64,
) -> Decided {
    decide_by::<true>(env, &Plain { rules, effects }, labels)
}

/// [`decide`] over `form`. With `RULES` false the matched rules are not
/// collected (`Decided::rules` is empty), which spares a search that only
/// needs the verdict and the post-state an allocation per event; all else
/// is the same.
fn decide_by<const RULES: bool>(env: &Env<'_>, form: &impl Reading, labels: u64) -> Decided {
    let p = env.policy;
    let (mut denies, mut escalates, mut allows) = (Vec::new(), Vec::new(), Vec::new());
    let (mut any_deny, mut any_allow) = (false, false);
    let mut gates = 0u64;
    for (i, r) in form.rules().iter().enumerate() {
        match form.rule_holds(i, env) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return denied(Why::OutOfRange),
        }
        match r.verdict {
            Verdict::Deny => {
                any_deny = true;
                if RULES {
                    denies.push(r.id);
                }
            }
            Verdict::Escalate(g) => {
                gates |= 1u64 << g;
                if RULES {
                    escalates.push(r.id);
                }
            }
            Verdict::Allow => {
                any_allow = true;
                if RULES {
                    allows.push(r.id);
                }
            }
        }
    }
    let (outcome, matched) = if any_deny {
        (Outcome::Deny(Why::Rules), denies)
    } else if gates != 0 {
        (Outcome::Escalate(gates), escalates)
    } else if any_allow {
        (Outcome::Allow, allows)
    } else if p.default_allow {
        (Outcome::Allow, Vec::new())
    } else {
        (Outcome::Deny(Why::Default), Vec::new())
    };
    if let Outcome::Deny(_) = outcome {
        return Decided {
            outcome,
            rules: matched,
            next: None,
        };
    }
    match apply_by(env, form) {
        Ok(state) => Decided {
            outcome,
            rules: matched,
            next: Some((state, env.ctx | labels)),
        },
        Err(why) => denied(why),
    }
}

fn denied(why: Why) -> Decided {
    Decided {
        outcome: Outcome::Deny(why),
        rules: Vec::new(),
        next: None,
    }
}

/// Runs the effect blocks (§6 step 4): the post-state, or why the event is
/// denied instead.
fn apply(env: &Env<'_>, effects: &[guard_ir::Effect]) -> Result<Vec<i64>, Why> {
    apply_by(
        env,
        &Plain {
            rules: &[],
            effects,
        },
    )
}

fn apply_by(env: &Env<'_>, form: &impl Reading) -> Result<Vec<i64>, Why> {
    let mut next = env.state.to_vec();
    for (k, eff) in form.effects().iter().enumerate() {
        match form.effect_holds(k, env) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return Err(Why::OutOfRange),
        }
        for (j, (s, _)) in eff.assigns.iter().enumerate() {
            let running = Env {
                state: &next,
                ..*env
            };
            let v = match form.assign(k, j, &running) {
                Ok(v) => v,
                Err(Stop::Absent) => return Err(Why::BadArguments),
                Err(Stop::Overflow) => return Err(Why::OutOfRange),
            };
            let slot = usize::from(*s);
            let n = match (v, env.policy.states.get(slot).map(|d| &d.kind)) {
                (Value::Int(n), Some(StateKind::Int { lo, hi })) if n < *lo || n > *hi => {
                    return Err(Why::OutOfRange)
                }
                (Value::Int(n), _) => n,
                (Value::Bool(b), _) => i64::from(b),
                (Value::Enum(v), _) => i64::from(v),
                _ => return Err(Why::OutOfRange),
            };
            if let Some(cell) = next.get_mut(slot) {
                *cell = n;
            }
        }
    }
    Ok(next)
}

/// A decision together with its reasons, for analyses that ask about
/// rules rather than events (`guardc check --deep`, `guardc graph`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// Exactly what [`decide`] returns for the same event.
    pub decided: Decided,
    /// The ids of the rules whose guard holds, in the event's rule order.
    /// A guard that overflows does not hold (the event is then denied).
    pub held: Vec<u32>,
    /// The verdict of the rules alone, before the effects ran.
    pub verdict: Outcome,
    /// Set when the rules let the event through but an effect denied it.
    pub effect_failure: Option<EffectFailure>,
}

/// Where the effects of an event that the rules let through failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectFailure {
    /// The effect block, an index into the event's `effects`.
    pub block: usize,
    /// The assignment in that block; `None` when the block's guard overflowed.
    pub assign: Option<usize>,
    /// The integer the assignment would have stored outside its range;
    /// `None` when evaluating it overflowed or read an absent parameter.
    pub value: Option<i64>,
    pub why: Why,
}

/// [`decide`], explained. The verdict logic is [`decide`]'s, repeated
/// rather than shared so that `decide` stays untouched; the deep-lint tests
/// compare the two on every state they explore.
pub fn explain(env: &Env<'_>, event: Event) -> Explained {
    let p = env.policy;
    let parts: Option<(&[Rule], &[guard_ir::Effect], u64)> = match event {
        Event::Tool(t) => p
            .tools
            .get(usize::from(t))
            .map(|t| (&t.rules[..], &t.effects[..], t.result_labels)),
        Event::Channel(c) => p
            .channels
            .get(usize::from(c))
            .map(|c| (&c.rules[..], &c.effects[..], 0)),
    };
    match parts {
        Some((rules, effects, labels)) => explain_with(env, rules, effects, labels),
        None => explained(denied(Why::Default), Vec::new(), None),
    }
}

/// [`explain`] over given rules and effects (an event's, or their
/// [`Specialized`] form, which explains the same).
pub fn explain_with(
    env: &Env<'_>,
    rules: &[Rule],
    effects: &[guard_ir::Effect],
    labels: u64,
) -> Explained {
    explain_by(env, &Plain { rules, effects }, labels)
}

fn explain_by(env: &Env<'_>, form: &impl Reading, labels: u64) -> Explained {
    let p = env.policy;
    let effects = form.effects();
    let rules = form.rules();
    let mut held = Vec::new();
    let (mut any_deny, mut any_allow) = (false, false);
    let (mut gates, mut overflow) = (0u64, false);
    for (i, r) in rules.iter().enumerate() {
        match form.rule_holds(i, env) {
            Ok(true) => held.push(r.id),
            Ok(false) => continue,
            Err(_) => {
                overflow = true;
                continue;
            }
        }
        match r.verdict {
            Verdict::Deny => any_deny = true,
            Verdict::Escalate(g) => gates |= 1u64 << g,
            Verdict::Allow => any_allow = true,
        }
    }
    if overflow {
        return explained(denied(Why::OutOfRange), held, None);
    }
    // The held rules of one verdict, in rule order: `held` lists the ids
    // of the rules that held in rule order, so walking the rules alongside
    // it picks them out without evaluating anything again (a rule id
    // names one rule, with one verdict, wherever it appears).
    let of = |want: fn(Verdict) -> bool| -> Vec<u32> {
        let mut out = Vec::new();
        let mut at = 0;
        for r in rules {
            if held.get(at) == Some(&r.id) {
                if want(r.verdict) {
                    out.push(r.id);
                }
                at += 1;
            }
        }
        out
    };
    let (outcome, matched) = if any_deny {
        (Outcome::Deny(Why::Rules), of(|v| v == Verdict::Deny))
    } else if gates != 0 {
        (
            Outcome::Escalate(gates),
            of(|v| matches!(v, Verdict::Escalate(_))),
        )
    } else if any_allow {
        (Outcome::Allow, of(|v| v == Verdict::Allow))
    } else if p.default_allow {
        (Outcome::Allow, Vec::new())
    } else {
        (Outcome::Deny(Why::Default), Vec::new())
    };
    if let Outcome::Deny(_) = outcome {
        let decided = Decided {
            outcome,
            rules: matched,
            next: None,
        };
        return explained(decided, held, None);
    }
    match apply_by(env, form) {
        Ok(state) => Explained {
            decided: Decided {
                outcome,
                rules: matched,
                next: Some((state, env.ctx | labels)),
            },
            held,
            verdict: outcome,
            effect_failure: None,
        },
        Err(why) => Explained {
            decided: denied(why),
            held,
            verdict: outcome,
            effect_failure: Some(effect_failure(env, effects, why)),
        },
    }
}

fn explained(decided: Decided, held: Vec<u32>, failure: Option<EffectFailure>) -> Explained {
    Explained {
        verdict: decided.outcome,
        decided,
        held,
        effect_failure: failure,
    }
}

/// Pins down where [`apply`] failed by running it again on ever longer
/// prefixes of the effects, so the effect semantics stay in one place.
/// Only called after `apply(env, effects)` failed with `why`.
fn effect_failure(env: &Env<'_>, effects: &[guard_ir::Effect], why: Why) -> EffectFailure {
    let block = (0..effects.len())
        .find(|&k| apply(env, &effects[..=k]).is_err())
        .unwrap_or(0);
    let mut failure = EffectFailure {
        block,
        assign: None,
        value: None,
        why,
    };
    let (Some(eff), Ok(before)) = (effects.get(block), apply(env, &effects[..block])) else {
        return failure;
    };
    // The block's guard reads the event's pre-state; its assignments read
    // the state as the earlier blocks and assignments left it.
    let at_block = Env {
        state: &before,
        ..*env
    };
    let partial = |j: usize| guard_ir::Effect {
        guard: None,
        assigns: eff.assigns[..j].to_vec(),
    };
    let Some(j) = (0..eff.assigns.len()).find(|&j| apply(&at_block, &[partial(j + 1)]).is_err())
    else {
        return failure;
    };
    failure.assign = Some(j);
    if let (Ok(running), Some((_, value))) = (apply(&at_block, &[partial(j)]), eff.assigns.get(j)) {
        let env_j = Env {
            state: &running,
            ..*env
        };
        failure.value = env_j.eval(value).ok().and_then(|v| v.as_int());
    }
    failure
}
