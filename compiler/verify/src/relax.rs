//! Relaxing what the classes cannot split: a string parameter compared
//! with a string attribute (`ends_with(lower(to), org_domain)`). Both are
//! unbounded and related, so no finite set of witnesses for either is
//! provably complete. Instead, each such atom — the smallest boolean
//! expression that reads both — becomes a fresh boolean parameter of its
//! tool, free to take either value on every event.
//!
//! The relaxed policy has every behaviour of the real one (and maybe
//! more), so a proof on it is a proof. A trace found on it may not be
//! real: `concretize` looks for real argument values that give each
//! relaxed atom the value the trace chose, and the result is replayed on
//! the runtime like any trace. When no such values are found the answer is
//! "unknown", never a guess.

use guard_ir::{Asserts, Event, Expr, ExprKind, Param, Policy, Type};

use crate::classes::{self, Subject};
use crate::eval::{decide, Env, Regexes, Stop};
use crate::model::Instance;
use crate::symbolic::finite;
use crate::trace::{Trace, TraceStep};
use crate::value::Value;

/// One relaxed atom: `atom` (over the tool's original parameters) stands
/// as the synthetic parameter `param`.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub tool: u16,
    pub param: u8,
    pub atom: Expr,
}

#[derive(Debug, Clone)]
pub struct Relaxed {
    pub policy: Policy,
    pub asserts: Asserts,
    pub synthetic: Vec<Synthetic>,
}

/// The relaxed policy, or `None` when no atom needs relaxing.
pub fn relax(policy: &Policy, asserts: &Asserts) -> Option<Relaxed> {
    let mut p = policy.clone();
    let mut a = asserts.clone();
    let mut synthetic = Vec::new();
    for t in 0..p.tools.len() {
        let mut r = Rewriter {
            policy,
            tool: t as u16,
            found: Vec::new(),
            base: policy.tools[t].params.len(),
        };
        let tool = &mut p.tools[t];
        for rule in &mut tool.rules {
            rule.guard = rule.guard.take().map(|g| r.rewrite(g));
        }
        for eff in &mut tool.effects {
            eff.guard = eff.guard.take().map(|g| r.rewrite(g));
            for (_, v) in &mut eff.assigns {
                *v = r.rewrite(v.clone());
            }
        }
        for asrt in &mut a.asserts {
            for step in &mut asrt.steps {
                for (e, g) in &mut step.events {
                    if *e == Event::Tool(t as u16) {
                        *g = g.take().map(|g| r.rewrite(g));
                    }
                }
            }
        }
        for (k, atom) in r.found.into_iter().enumerate() {
            let optional = reads(&atom).0.iter().any(|&i| {
                policy.tools[t]
                    .params
                    .get(usize::from(i))
                    .is_some_and(|q| q.optional)
            });
            tool.params.push(Param {
                name: format!("({})", atom_text(policy, t, &atom)),
                ty: Type::Bool,
                optional,
            });
            synthetic.push(Synthetic {
                tool: t as u16,
                param: (r.base + k) as u8,
                atom,
            });
        }
    }
    (!synthetic.is_empty()).then_some(Relaxed {
        policy: p,
        asserts: a,
        synthetic,
    })
}

struct Rewriter<'a> {
    policy: &'a Policy,
    tool: u16,
    found: Vec<Expr>,
    base: usize,
}

impl Rewriter<'_> {
    fn coupled(&self, e: &Expr) -> bool {
        let (params, attrs) = reads(e);
        let tool = &self.policy.tools[usize::from(self.tool)];
        let unbounded_param = params.iter().any(|&i| {
            tool.params
                .get(usize::from(i))
                .is_some_and(|q| !finite(&q.ty) && q.ty != Type::Json)
        });
        let unbounded_attr = attrs.iter().any(|&i| {
            self.policy
                .attrs
                .get(usize::from(i))
                .is_some_and(|a| !finite(&a.ty))
        });
        unbounded_param && unbounded_attr
    }

    fn rewrite(&mut self, e: Expr) -> Expr {
        // `a != b` is `!(a == b)`: one atom, so the two can never be
        // chosen inconsistently.
        if let ExprKind::Binary {
            op: guard_ir::BinOp::Ne,
            lhs,
            rhs,
        } = &e.kind
        {
            if self.coupled(&e) {
                let eq = Expr {
                    kind: ExprKind::Binary {
                        op: guard_ir::BinOp::Eq,
                        lhs: lhs.clone(),
                        rhs: rhs.clone(),
                    },
                    ty: Type::Bool,
                };
                return Expr {
                    kind: ExprKind::Not(Box::new(self.rewrite(eq))),
                    ty: Type::Bool,
                };
            }
        }
        if e.ty == Type::Bool
            && self.coupled(&e)
            && !children(&e)
                .iter()
                .any(|c| c.ty == Type::Bool && self.coupled(c))
        {
            let k = match self.found.iter().position(|f| *f == e) {
                Some(k) => k,
                None => {
                    self.found.push(e.clone());
                    self.found.len() - 1
                }
            };
            return Expr {
                kind: ExprKind::Param((self.base + k) as u8),
                ty: Type::Bool,
            };
        }
        let mut e = e;
        let f = |r: &mut Self, x: Box<Expr>| Box::new(r.rewrite(*x));
        e.kind = match e.kind {
            ExprKind::Not(x) => ExprKind::Not(f(self, x)),
            ExprKind::Neg(x) => ExprKind::Neg(f(self, x)),
            ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
                op,
                lhs: f(self, lhs),
                rhs: f(self, rhs),
            },
            ExprKind::In { lhs, rhs } => ExprKind::In {
                lhs: f(self, lhs),
                rhs: f(self, rhs),
            },
            ExprKind::List(items) => {
                ExprKind::List(items.into_iter().map(|i| self.rewrite(i)).collect())
            }
            k => k,
        };
        e
    }
}

/// The parameters and attributes an expression reads.
fn reads(e: &Expr) -> (Vec<u8>, Vec<u16>) {
    let mut out = (Vec::new(), Vec::new());
    fn go(e: &Expr, out: &mut (Vec<u8>, Vec<u16>)) {
        match &e.kind {
            ExprKind::Param(i) | ExprKind::Has(i) => out.0.push(*i),
            ExprKind::Attr(i) => out.1.push(*i),
            _ => {}
        }
        for c in children(e) {
            go(c, out);
        }
    }
    go(e, &mut out);
    out
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

/// A short name for a relaxed atom, for reports.
fn atom_text(policy: &Policy, tool: usize, e: &Expr) -> String {
    let (params, attrs) = reads(e);
    let mut names: Vec<String> = params
        .iter()
        .filter_map(|&i| {
            policy.tools[tool]
                .params
                .get(usize::from(i))
                .map(|p| p.name.clone())
        })
        .chain(
            attrs
                .iter()
                .filter_map(|&i| policy.attrs.get(usize::from(i)).map(|a| a.name.clone())),
        )
        .collect();
    names.dedup();
    format!("relation of {}", names.join(" and "))
}

/// Replaces a relaxed trace by a real one: for every event, argument
/// values of the original tool that give each synthetic parameter the
/// value the trace chose and decide the same on the original policy.
/// `None` when no such values were found.
pub fn concretize(
    relaxed: &Relaxed,
    original: &Policy,
    regexes: &Regexes,
    exprs_regexes: &[String],
    trace: &Trace,
) -> Option<Trace> {
    // The session's values for the related attributes are part of the
    // search: the engine's choice (any value of its class) may make some
    // atom constant (`ends_with(x, "")` always holds).
    for attrs in attr_candidates(relaxed, original, trace) {
        let t = Trace {
            attrs,
            steps: trace.steps.clone(),
        };
        if let Some(found) = concretize_with(relaxed, original, regexes, exprs_regexes, &t) {
            return Some(found);
        }
    }
    None
}

/// The trace's attribute values first, then variations of the string
/// attributes that relaxed atoms read: the policy's string constants and
/// a few plain values.
fn attr_candidates(relaxed: &Relaxed, original: &Policy, trace: &Trace) -> Vec<Vec<Value>> {
    let mut related: Vec<u16> = relaxed
        .synthetic
        .iter()
        .flat_map(|s| reads(&s.atom).1)
        .collect();
    related.sort_unstable();
    related.dedup();
    let mut literals: Vec<String> = vec!["@example.com".into(), "example.com".into(), "a".into()];
    let mut stack: Vec<&Expr> = Vec::new();
    for t in &original.tools {
        stack.extend(t.rules.iter().filter_map(|r| r.guard.as_ref()));
    }
    while let Some(e) = stack.pop() {
        if let ExprKind::Str(s) = &e.kind {
            if !literals.contains(s) {
                literals.push(s.clone());
            }
        }
        stack.extend(children(e));
    }
    literals.truncate(12);
    let mut out = vec![trace.attrs.clone()];
    for &i in &related {
        let is_str = original
            .attrs
            .get(usize::from(i))
            .is_some_and(|a| matches!(a.ty, Type::Str | Type::Path | Type::Url));
        if !is_str {
            continue;
        }
        let mut next = Vec::new();
        for base in &out {
            next.push(base.clone());
            for l in &literals {
                let mut v = base.clone();
                if let Some(slot) = v.get_mut(usize::from(i)) {
                    *slot = Value::Str(l.clone());
                }
                next.push(v);
            }
        }
        next.truncate(2048);
        out = next;
    }
    out
}

fn concretize_with(
    relaxed: &Relaxed,
    original: &Policy,
    regexes: &Regexes,
    exprs_regexes: &[String],
    trace: &Trace,
) -> Option<Trace> {
    let mut steps = Vec::with_capacity(trace.steps.len());
    let (mut state, mut ctx): (Vec<i64>, u64) =
        (original.states.iter().map(|s| s.init).collect(), 0);
    for step in &trace.steps {
        let inst = &step.instance;
        let mut args = inst.args.clone();
        let mine: Vec<&Synthetic> = match inst.event {
            Event::Tool(t) => relaxed.synthetic.iter().filter(|s| s.tool == t).collect(),
            Event::Channel(_) => Vec::new(),
        };
        let real = match inst.event {
            Event::Tool(t) => original.tools.get(usize::from(t))?.params.len(),
            Event::Channel(_) => 0,
        };
        args.truncate(real);
        let concrete = if mine.is_empty() {
            Some(args.clone())
        } else {
            search(
                original,
                regexes,
                exprs_regexes,
                trace,
                inst,
                &mine,
                &args,
                &state,
                ctx,
                step,
            )
        }?;
        let instance = Instance {
            event: inst.event,
            args: concrete,
            text: inst.text.clone(),
            symbolic: 0,
        };
        steps.push(TraceStep {
            instance,
            ..step.clone()
        });
        state.clone_from(&step.state);
        ctx = step.ctx;
    }
    Some(Trace {
        attrs: trace.attrs.clone(),
        steps,
    })
}

/// Candidate argument vectors for one event, tried in order.
#[allow(clippy::too_many_arguments)]
fn search(
    original: &Policy,
    regexes: &Regexes,
    exprs_regexes: &[String],
    trace: &Trace,
    inst: &Instance,
    mine: &[&Synthetic],
    args: &[Option<Value>],
    state: &[i64],
    ctx: u64,
    step: &TraceStep,
) -> Option<Vec<Option<Value>>> {
    let Event::Tool(t) = inst.event else {
        return None;
    };
    let tool = original.tools.get(usize::from(t))?;
    // The atoms with the attributes' values written in, so the classes of
    // each related parameter can be computed exactly for this session.
    // Every expression of the event (rules, effects) with the attributes'
    // values written in: in this session the classes of each related
    // parameter are then exact.
    let mut atoms: Vec<Expr> = mine
        .iter()
        .map(|s| substitute(&s.atom, &trace.attrs))
        .collect();
    atoms.extend(
        crate::model::exprs_of(original, None, inst.event)
            .iter()
            .map(|e| substitute(e, &trace.attrs)),
    );
    let atom_refs: Vec<&Expr> = atoms.iter().collect();
    let related: Vec<u8> = {
        let mut v: Vec<u8> = mine.iter().flat_map(|s| reads(&s.atom).0).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut candidates: Vec<Vec<Option<Value>>> = vec![args.to_vec()];
    for &p in &related {
        let q = tool.params.get(usize::from(p))?;
        let w = classes::witnesses(
            Subject::Param(p),
            &q.ty,
            q.optional,
            &atom_refs,
            exprs_regexes,
        );
        let mut next = Vec::new();
        for c in &candidates {
            // The engine's own value first: it already satisfies every
            // test that was not relaxed.
            let own = c.get(usize::from(p)).cloned().flatten();
            let values = std::iter::once(own)
                .filter(Option::is_some)
                .chain(w.values.iter().cloned());
            for v in values {
                let mut c = c.clone();
                if let Some(slot) = c.get_mut(usize::from(p)) {
                    *slot = v;
                }
                next.push(c);
            }
        }
        next.truncate(4096);
        candidates = next;
    }
    candidates.into_iter().find(|c| {
        let env = Env {
            policy: original,
            regexes,
            attrs: &trace.attrs,
            state,
            ctx,
            args: c,
            text: inst.text.as_deref(),
        };
        let wanted = mine.iter().all(|s| {
            let want = inst.args.get(usize::from(s.param)).cloned().flatten();
            match (env.eval(&s.atom), want) {
                (Ok(v), Some(w)) => v == w,
                (Err(Stop::Absent), None) => true,
                _ => false,
            }
        });
        let d = decide(&env, inst.event);
        wanted && d.outcome == step.outcome && d.next == Some((step.state.clone(), step.ctx))
    })
}

/// `e` with every attribute replaced by its value (those of symbolic
/// types stay: they are never related here).
fn substitute(e: &Expr, attrs: &[Value]) -> Expr {
    let kind = match &e.kind {
        ExprKind::Attr(i) => match attrs.get(usize::from(*i)) {
            Some(Value::Str(s)) => ExprKind::Str(s.clone()),
            Some(Value::Int(n)) => ExprKind::Int(*n),
            Some(Value::Bool(b)) => ExprKind::Bool(*b),
            _ => ExprKind::Attr(*i),
        },
        ExprKind::Not(x) => ExprKind::Not(Box::new(substitute(x, attrs))),
        ExprKind::Neg(x) => ExprKind::Neg(Box::new(substitute(x, attrs))),
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: Box::new(substitute(lhs, attrs)),
            rhs: Box::new(substitute(rhs, attrs)),
        },
        ExprKind::In { lhs, rhs } => ExprKind::In {
            lhs: Box::new(substitute(lhs, attrs)),
            rhs: Box::new(substitute(rhs, attrs)),
        },
        ExprKind::Match { lhs, regex } => ExprKind::Match {
            lhs: Box::new(substitute(lhs, attrs)),
            regex: *regex,
        },
        ExprKind::Call { func, args } => ExprKind::Call {
            func: *func,
            args: args.iter().map(|a| substitute(a, attrs)).collect(),
        },
        ExprKind::List(items) => {
            ExprKind::List(items.iter().map(|i| substitute(i, attrs)).collect())
        }
        k => k.clone(),
    };
    Expr {
        kind,
        ty: e.ty.clone(),
    }
}
