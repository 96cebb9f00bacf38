//! The model as formulas, for the Z3 engines (`spacer`, `bmc`). State
//! variables are integers (booleans 0/1, enums by variant index), context
//! labels and monitor positions booleans, attributes of finite type
//! integers that never change. Arguments stay concrete — each event is one
//! witness of `model` — so every string operation is computed here, and
//! only integer and boolean structure reaches the solver.
//!
//! Evaluation mirrors `eval` exactly, exceptions included: each term comes
//! with an "absent" and an "overflow" condition, propagated with the same
//! left-to-right short-circuiting, so a guard holds when it is true and
//! neither happened, and an overflow anywhere denies the event.

use guard_ir::{Assert, BinOp, Event, Expr, ExprKind, Rule, StateKind, Type, Verdict};
use z3::ast::{Bool, Int};

use crate::eval::{Env, Stop};
use crate::model::{Instance, Model};
use crate::monitor::MAX_STEPS;
use crate::value::Value;

/// Z3's limits for one query. `rlimit` counts solver work, so the same
/// query stops at the same point on every machine; `timeout_ms` (0: none)
/// is a wall-clock backstop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub rlimit: u32,
    pub timeout_ms: u32,
}

impl Budget {
    pub fn params(self) -> z3::Params {
        let mut p = z3::Params::new();
        p.set_u32("rlimit", self.rlimit);
        if self.timeout_ms > 0 {
            p.set_u32("timeout", self.timeout_ms);
        }
        p
    }
}

/// A symbolic state: what `Inv` ranges over.
#[derive(Clone)]
pub struct Frame {
    pub state: Vec<Int>,
    pub ctx: Vec<Bool>,
    /// Attributes of finite type (`None` for the others, which are
    /// concrete in `Encoder::concrete`).
    pub attrs: Vec<Option<Int>>,
    /// Monitor positions 1.. (position 0 is always active).
    pub mon: Vec<Bool>,
}

impl Frame {
    /// Fresh constants named after the policy's variables, with `suffix`.
    pub fn new(model: &Model<'_>, a: &Assert, suffix: &str) -> Frame {
        let p = model.policy;
        Frame {
            state: p
                .states
                .iter()
                .map(|s| Int::new_const(format!("{}{suffix}", s.name)))
                .collect(),
            ctx: p
                .labels
                .iter()
                .map(|l| Bool::new_const(format!("context_has_{l}{suffix}")))
                .collect(),
            attrs: p
                .attrs
                .iter()
                .map(|at| finite(&at.ty).then(|| Int::new_const(format!("{}{suffix}", at.name))))
                .collect(),
            mon: (1..a.steps.len().min(MAX_STEPS))
                .map(|i| Bool::new_const(format!("matched_{i}_steps{suffix}")))
                .collect(),
        }
    }

    /// Every constant, in `Inv`'s argument order.
    pub fn args(&self) -> Vec<&dyn z3::ast::Ast> {
        let mut out: Vec<&dyn z3::ast::Ast> = Vec::new();
        out.extend(self.state.iter().map(|x| x as &dyn z3::ast::Ast));
        out.extend(self.ctx.iter().map(|x| x as &dyn z3::ast::Ast));
        out.extend(self.attrs.iter().flatten().map(|x| x as &dyn z3::ast::Ast));
        out.extend(self.mon.iter().map(|x| x as &dyn z3::ast::Ast));
        out
    }

    pub fn sorts(&self) -> Vec<z3::Sort> {
        let mut out = Vec::new();
        out.extend(self.state.iter().map(|_| z3::Sort::int()));
        out.extend(self.ctx.iter().map(|_| z3::Sort::bool()));
        out.extend(self.attrs.iter().flatten().map(|_| z3::Sort::int()));
        out.extend(self.mon.iter().map(|_| z3::Sort::bool()));
        out
    }
}

/// Whether an attribute (or parameter) of this type is a solver variable
/// rather than enumerated: booleans, enums and integers. Integers are
/// exact this way — no classes needed — however they are compared or
/// added; strings and lists stay concrete.
pub fn finite(t: &Type) -> bool {
    matches!(
        t,
        Type::Bool | Type::Enum(_) | Type::IntRange(..) | Type::Int
    )
}

/// The range of an integer type (the runtime refuses values outside it).
fn int_bounds(t: &Type) -> (i64, i64) {
    match t {
        Type::IntRange(lo, hi) => (*lo, *hi),
        _ => (i64::MIN, i64::MAX),
    }
}

/// The domain constraints of a frame: state variables and finite
/// attributes within their types.
pub fn domain(model: &Model<'_>, f: &Frame) -> Bool {
    let p = model.policy;
    let mut parts = Vec::new();
    for (s, x) in p.states.iter().zip(&f.state) {
        let (lo, hi) = match s.kind {
            StateKind::Bool => (0, 1),
            StateKind::Enum(e) => (
                0,
                p.enums.get(usize::from(e)).map_or(1, Vec::len) as i64 - 1,
            ),
            StateKind::Int { lo, hi } => (lo, hi),
        };
        parts.push(x.ge(Int::from_i64(lo)));
        parts.push(x.le(Int::from_i64(hi)));
    }
    for (a, x) in p.attrs.iter().zip(&f.attrs) {
        let Some(x) = x else { continue };
        let (lo, hi) = match a.ty {
            Type::Enum(e) => (
                0,
                p.enums.get(usize::from(e)).map_or(1, Vec::len) as i64 - 1,
            ),
            // An unbounded `int` attribute may be any 64-bit value (found
            // by the exports cross-check: it was limited to 0..1 here).
            Type::IntRange(..) | Type::Int => int_bounds(&a.ty),
            _ => (0, 1),
        };
        parts.push(x.ge(Int::from_i64(lo)));
        parts.push(x.le(Int::from_i64(hi)));
    }
    Bool::and(&parts)
}

/// The initial frame's constraints: initial state, empty context, no
/// pattern step matched; attributes free within their domain.
pub fn initial(model: &Model<'_>, f: &Frame) -> Bool {
    let mut parts = vec![domain(model, f)];
    for (s, x) in model.policy.states.iter().zip(&f.state) {
        parts.push(x.eq(Int::from_i64(s.init)));
    }
    parts.extend(f.ctx.iter().map(Bool::not));
    parts.extend(f.mon.iter().map(Bool::not));
    Bool::and(&parts)
}

/// A term with its exception conditions.
#[derive(Clone)]
struct Term {
    v: Val,
    abs: Bool,
    ovf: Bool,
}

#[derive(Clone)]
enum Val {
    B(Bool),
    I(Int),
    /// Strings, lists and json are always concrete.
    C(Value),
}

impl Term {
    fn exc(&self) -> Bool {
        Bool::or(&[self.abs.clone(), self.ovf.clone()])
    }

    fn konst(v: Value) -> Term {
        Term {
            v: Val::C(v),
            abs: Bool::from_bool(false),
            ovf: Bool::from_bool(false),
        }
    }
}

impl Val {
    fn bool(&self) -> Bool {
        match self {
            Val::B(b) => b.clone(),
            Val::C(Value::Bool(b)) => Bool::from_bool(*b),
            _ => Bool::from_bool(false),
        }
    }

    fn int(&self) -> Option<Int> {
        match self {
            Val::I(i) => Some(i.clone()),
            Val::C(Value::Int(n)) => Some(Int::from_i64(*n)),
            Val::C(Value::Enum(v)) => Some(Int::from_i64(i64::from(*v))),
            _ => None,
        }
    }
}

/// What one event does, as formulas over a frame.
pub struct StepTerms {
    /// The event's symbolic integer arguments: free variables the caller
    /// must quantify (Horn clauses) or keep per step (BMC).
    pub args: Vec<Int>,
    /// The event executes (allowed, or escalated and approved).
    pub exec: Bool,
    /// The rules let the event through (allowed, or escalated and
    /// approved) and its arguments are in range, whatever the effects then
    /// do: `exec` is this and the effects succeeding.
    pub rules_pass: Bool,
    pub next: Frame,
    /// Per gate: the event escalates to it.
    pub gates: Vec<Bool>,
    /// The pattern completes with this event.
    pub done: Bool,
}

/// Builds formulas for one attribute valuation of the non-finite
/// attributes (`concrete`, by attribute index; finite ones are ignored).
pub struct Encoder<'m, 'p> {
    pub model: &'m Model<'p>,
    pub concrete: Vec<Value>,
}

impl Encoder<'_, '_> {
    /// The terms of event `inst` taken in frame `f`, for assertion `a`.
    pub fn step(&self, f: &Frame, inst: &Instance, a: &Assert) -> Result<StepTerms, String> {
        self.step_with(f, inst, a, "")
    }

    /// [`Encoder::step`], naming the symbolic arguments with `suffix`.
    pub fn step_with(
        &self,
        f: &Frame,
        inst: &Instance,
        a: &Assert,
        suffix: &str,
    ) -> Result<StepTerms, String> {
        let p = self.model.policy;
        let params: &[guard_ir::Param] = match inst.event {
            Event::Tool(t) => p.tools.get(usize::from(t)).map_or(&[], |t| &t.params),
            Event::Channel(_) => &[],
        };
        let mut args: Vec<Option<Int>> = vec![None; params.len()];
        let mut arg_ok = Vec::new();
        for (i, param) in params.iter().enumerate() {
            if i < 64 && inst.symbolic & (1u64 << i) != 0 {
                let x = Int::new_const(format!(
                    "{}.{}{suffix}",
                    model_event(p, inst.event),
                    param.name
                ));
                let (lo, hi) = int_bounds(&param.ty);
                arg_ok.push(x.ge(Int::from_i64(lo)));
                arg_ok.push(x.le(Int::from_i64(hi)));
                args[i] = Some(x);
            }
        }
        let cx = Cx { args: &args };
        let (rules, effects, labels): (&[Rule], &[guard_ir::Effect], u64) = match inst.event {
            Event::Tool(t) => {
                let t = p.tools.get(usize::from(t)).ok_or("no such tool")?;
                (&t.rules, &t.effects, t.result_labels)
            }
            Event::Channel(c) => {
                let c = p.channels.get(usize::from(c)).ok_or("no such channel")?;
                (&c.rules, &c.effects, 0)
            }
        };
        let mut any_ovf = Vec::new();
        let (mut deny, mut allow) = (Vec::new(), Vec::new());
        let mut gates: Vec<Vec<Bool>> = vec![Vec::new(); p.gates.len()];
        for r in rules {
            let (holds, ovf) = self.guard(r.guard.as_ref(), f, &f.state, inst, &cx)?;
            any_ovf.push(ovf);
            match r.verdict {
                Verdict::Deny => deny.push(holds),
                Verdict::Allow => allow.push(holds),
                Verdict::Escalate(g) => {
                    if let Some(v) = gates.get_mut(usize::from(g)) {
                        v.push(holds);
                    }
                }
            }
        }
        let gates: Vec<Bool> = gates.iter().map(|v| Bool::or(v)).collect();
        let passes = Bool::or(&[
            Bool::or(&gates),
            Bool::or(&allow),
            Bool::from_bool(p.default_allow),
        ]);
        let mut ok = vec![Bool::or(&any_ovf).not(), Bool::or(&deny).not(), passes];
        ok.extend(arg_ok);
        let rules_pass = Bool::and(&ok);
        // Effects: guards read the pre-state, assignments the running one.
        let mut running = f.state.clone();
        for eff in effects {
            let (holds, ovf) = self.guard(eff.guard.as_ref(), f, &f.state, inst, &cx)?;
            ok.push(ovf.not());
            for (s, value) in &eff.assigns {
                let slot = usize::from(*s);
                let t = self.term(value, f, &running, inst, &cx)?;
                let decl = p.states.get(slot).ok_or("no such state variable")?;
                let n = match (&t.v, &decl.kind) {
                    (Val::B(_) | Val::C(Value::Bool(_)), _) => {
                        t.v.bool().ite(&Int::from_i64(1), &Int::from_i64(0))
                    }
                    _ => t.v.int().ok_or("an assignment of a non-integer value")?,
                };
                let mut fine = vec![t.exc().not()];
                if let StateKind::Int { lo, hi } = decl.kind {
                    fine.push(n.ge(Int::from_i64(lo)));
                    fine.push(n.le(Int::from_i64(hi)));
                }
                ok.push(holds.implies(Bool::and(&fine)));
                if let Some(cell) = running.get_mut(slot) {
                    *cell = holds.ite(&n, cell);
                }
            }
        }
        let exec = Bool::and(&ok);
        let ctx = f
            .ctx
            .iter()
            .enumerate()
            .map(|(bit, c)| {
                if labels & (1u64 << bit) != 0 {
                    Bool::from_bool(true)
                } else {
                    c.clone()
                }
            })
            .collect();
        // The monitor (see `monitor::advance`).
        let n = a.steps.len();
        let mut matches = Vec::with_capacity(n);
        for step in &a.steps {
            let mut any = Vec::new();
            for (e, guard) in &step.events {
                if *e == inst.event {
                    any.push(self.guard(guard.as_ref(), f, &f.state, inst, &cx)?.0);
                }
            }
            let mut m = Bool::or(&any);
            if let Some(g) = step.unless_approved {
                if let Some(through) = gates.get(usize::from(g)) {
                    m = Bool::and(&[m, through.not()]);
                }
            }
            matches.push(m);
        }
        let active = |p: usize| -> Bool {
            if p == 0 {
                Bool::from_bool(true)
            } else {
                f.mon[p - 1].clone()
            }
        };
        let mut mon = Vec::with_capacity(n.saturating_sub(1));
        for q in 1..n {
            let mut parts = vec![Bool::and(&[active(q - 1), matches[q - 1].clone()])];
            if a.links.get(q - 1) == Some(&guard_ir::Link::Eventually) {
                parts.push(active(q));
            }
            mon.push(Bool::or(&parts));
        }
        let done = Bool::and(&[active(n - 1), matches[n - 1].clone()]);
        Ok(StepTerms {
            args: args.into_iter().flatten().collect(),
            exec,
            rules_pass,
            next: Frame {
                state: running,
                ctx,
                attrs: f.attrs.clone(),
                mon,
            },
            gates,
            done,
        })
    }

    /// (holds, overflowed) of an optional guard.
    fn guard(
        &self,
        g: Option<&Expr>,
        f: &Frame,
        state: &[Int],
        inst: &Instance,
        cx: &Cx<'_>,
    ) -> Result<(Bool, Bool), String> {
        let Some(g) = g else {
            return Ok((Bool::from_bool(true), Bool::from_bool(false)));
        };
        let t = self.term(g, f, state, inst, cx)?;
        let holds = Bool::and(&[t.abs.not(), t.ovf.not(), t.v.bool()]);
        Ok((holds, t.ovf))
    }

    /// Whether `e` reads nothing symbolic, so it can be computed now.
    fn closed(&self, e: &Expr, cx: &Cx<'_>) -> bool {
        let p = self.model.policy;
        let here = match &e.kind {
            ExprKind::State(_) | ExprKind::CtxHas(_) => false,
            ExprKind::Param(i) => cx.args.get(usize::from(*i)).is_none_or(Option::is_none),
            ExprKind::Attr(i) => !p.attrs.get(usize::from(*i)).is_some_and(|a| finite(&a.ty)),
            _ => true,
        };
        here && children(e).iter().all(|c| self.closed(c, cx))
    }

    fn term(
        &self,
        e: &Expr,
        f: &Frame,
        state: &[Int],
        inst: &Instance,
        cx: &Cx<'_>,
    ) -> Result<Term, String> {
        let p = self.model.policy;
        if self.closed(e, cx) {
            let env = Env {
                policy: p,
                regexes: &self.model.regexes,
                attrs: &self.concrete,
                state: &[],
                ctx: 0,
                args: &inst.args,
                text: inst.text.as_deref(),
            };
            let f = Bool::from_bool(false);
            let t = Bool::from_bool(true);
            return Ok(match env.eval(e) {
                Ok(v) => Term::konst(v),
                Err(Stop::Absent) => Term {
                    v: Val::C(Value::Bool(false)),
                    abs: t,
                    ovf: f,
                },
                Err(Stop::Overflow) => Term {
                    v: Val::C(Value::Bool(false)),
                    abs: f,
                    ovf: t,
                },
            });
        }
        let no = || Bool::from_bool(false);
        Ok(match &e.kind {
            ExprKind::Param(i) => match cx.args.get(usize::from(*i)).cloned().flatten() {
                Some(x) => Term {
                    v: Val::I(x),
                    abs: no(),
                    ovf: no(),
                },
                None => return Err("a parameter the encoder cannot express".into()),
            },
            ExprKind::State(i) => {
                let x = state
                    .get(usize::from(*i))
                    .ok_or("no such state variable")?
                    .clone();
                let v = match p.states.get(usize::from(*i)).map(|s| &s.kind) {
                    Some(StateKind::Bool) => Val::B(x.eq(Int::from_i64(1))),
                    _ => Val::I(x),
                };
                Term {
                    v,
                    abs: no(),
                    ovf: no(),
                }
            }
            ExprKind::Attr(i) => {
                let x = f
                    .attrs
                    .get(usize::from(*i))
                    .cloned()
                    .flatten()
                    .ok_or("no such attribute")?;
                let v = match p.attrs.get(usize::from(*i)).map(|a| &a.ty) {
                    Some(Type::Bool) => Val::B(x.eq(Int::from_i64(1))),
                    _ => Val::I(x),
                };
                Term {
                    v,
                    abs: no(),
                    ovf: no(),
                }
            }
            ExprKind::CtxHas(bit) => Term {
                v: Val::B(f.ctx.get(usize::from(*bit)).ok_or("no such label")?.clone()),
                abs: no(),
                ovf: no(),
            },
            ExprKind::Not(x) => {
                let x = self.term(x, f, state, inst, cx)?;
                Term {
                    v: Val::B(x.v.bool().not()),
                    ..x
                }
            }
            ExprKind::Neg(x) => {
                let x = self.term(x, f, state, inst, cx)?;
                let n = x.v.int().ok_or("negation of a non-integer")?;
                let over = Bool::and(&[x.exc().not(), n.eq(Int::from_i64(i64::MIN))]);
                Term {
                    v: Val::I(n.unary_minus()),
                    ovf: Bool::or(&[x.ovf.clone(), over]),
                    abs: x.abs,
                }
            }
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                let l = self.term(lhs, f, state, inst, cx)?;
                let r = self.term(rhs, f, state, inst, cx)?;
                let lv = l.v.bool();
                // The right side is evaluated only when the left decides
                // nothing: true for `&&`, false for `||`.
                let goes_on = if *op == BinOp::And {
                    lv.clone()
                } else {
                    lv.not()
                };
                let reach = Bool::and(&[l.exc().not(), goes_on]);
                let v = if *op == BinOp::And {
                    Bool::and(&[lv, r.v.bool()])
                } else {
                    Bool::or(&[lv, r.v.bool()])
                };
                Term {
                    v: Val::B(v),
                    abs: Bool::or(&[l.abs.clone(), Bool::and(&[reach.clone(), r.abs])]),
                    ovf: Bool::or(&[l.ovf.clone(), Bool::and(&[reach, r.ovf])]),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.term(lhs, f, state, inst, cx)?;
                let r = self.term(rhs, f, state, inst, cx)?;
                let reach = l.exc().not();
                let abs = Bool::or(&[l.abs.clone(), Bool::and(&[reach.clone(), r.abs.clone()])]);
                let mut ovf = Bool::or(&[l.ovf.clone(), Bool::and(&[reach, r.ovf.clone()])]);
                let both = Bool::and(&[l.exc().not(), r.exc().not()]);
                let v = match op {
                    BinOp::Eq | BinOp::Ne => {
                        let eq = match (&l.v, &r.v) {
                            (Val::B(_), _) | (_, Val::B(_)) => l.v.bool().iff(r.v.bool()),
                            _ => match (l.v.int(), r.v.int()) {
                                (Some(a), Some(b)) => a.eq(b),
                                _ => return Err("a comparison the encoder cannot express".into()),
                            },
                        };
                        Val::B(if *op == BinOp::Eq { eq } else { eq.not() })
                    }
                    _ => {
                        let (a, b) = match (l.v.int(), r.v.int()) {
                            (Some(a), Some(b)) => (a, b),
                            _ => return Err("arithmetic on a non-integer".into()),
                        };
                        match op {
                            BinOp::Lt => Val::B(a.lt(b)),
                            BinOp::Le => Val::B(a.le(b)),
                            BinOp::Gt => Val::B(a.gt(b)),
                            BinOp::Ge => Val::B(a.ge(b)),
                            _ => {
                                let sum = if *op == BinOp::Add {
                                    Int::add(&[a, b])
                                } else {
                                    Int::sub(&[a, b])
                                };
                                let out = Bool::or(&[
                                    sum.lt(Int::from_i64(i64::MIN)),
                                    sum.gt(Int::from_i64(i64::MAX)),
                                ]);
                                ovf = Bool::or(&[ovf, Bool::and(&[both, out])]);
                                Val::I(sum)
                            }
                        }
                    }
                };
                Term { v, abs, ovf }
            }
            ExprKind::In { lhs, rhs } => {
                let l = self.term(lhs, f, state, inst, cx)?;
                let r = self.term(rhs, f, state, inst, cx)?;
                let Val::C(Value::List(items)) = &r.v else {
                    return Err("`in` over a list the encoder cannot express".into());
                };
                let mut any = Vec::new();
                for item in items {
                    let it = Term::konst(item.clone());
                    any.push(match (&l.v, item) {
                        (Val::B(b), Value::Bool(c)) => b.iff(Bool::from_bool(*c)),
                        _ => match (l.v.int(), it.v.int()) {
                            (Some(a), Some(b)) => a.eq(b),
                            _ => return Err("`in` the encoder cannot express".into()),
                        },
                    });
                }
                let reach = l.exc().not();
                Term {
                    v: Val::B(Bool::or(&any)),
                    abs: Bool::or(&[l.abs.clone(), Bool::and(&[reach.clone(), r.abs])]),
                    ovf: Bool::or(&[l.ovf.clone(), Bool::and(&[reach, r.ovf])]),
                }
            }
            _ => return Err("a string operation on a symbolic value".into()),
        })
    }
}

/// The symbolic arguments of the event being encoded.
struct Cx<'a> {
    args: &'a [Option<Int>],
}

fn model_event(p: &guard_ir::Policy, e: Event) -> String {
    crate::model::event_name(p, e)
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
