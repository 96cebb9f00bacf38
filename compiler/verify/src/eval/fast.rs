//! A faster reading of specialised guards and effects (`Specialized`),
//! for the searches that decide the same few expressions millions of
//! times. After folding, what is left of a guard is mostly state
//! variables, context labels, small integers and their comparisons and
//! sums: here those are evaluated on scalars without building a `Value`,
//! while anything else (strings, lists, regexes, calls) is handed to
//! `Env::eval` as it is.
//!
//! Why it means the same. Each node computes what `Env::eval` computes
//! for the same expression, step for step: the same operand order, the
//! same short-circuiting of `&&` and `||`, the same exceptions (an absent
//! parameter, an overflow) raised by the same checked arithmetic, and
//! values kept apart by kind (`Scalar` keeps `Value`'s variants, so
//! equality between kinds is false as it is for values). A node whose
//! operands are not all scalar is not compiled at all: `Env::eval` reads
//! it. Should such a node ever yield something that is not a scalar, the
//! whole expression is evaluated again by `Env::eval` (evaluation has no
//! effects, so that only costs time). Tests compare the two readings on
//! every guard of the examples and fixtures.

use guard_ir::{BinOp, Expr, ExprKind, StateKind, Type};

use super::{Env, Stop};
use crate::value::Value;

/// A scalar value, kind included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Bool(bool),
    Int(i64),
    Enum(u16),
}

impl Scalar {
    fn truth(self) -> bool {
        matches!(self, Scalar::Bool(true))
    }

    /// `eval`'s reading of an integer operand (anything else is 0).
    fn int(self) -> i64 {
        match self {
            Scalar::Int(n) => n,
            _ => 0,
        }
    }

    fn of(v: Value) -> Option<Scalar> {
        match v {
            Value::Bool(b) => Some(Scalar::Bool(b)),
            Value::Int(n) => Some(Scalar::Int(n)),
            Value::Enum(v) => Some(Scalar::Enum(v)),
            _ => None,
        }
    }

    pub(crate) fn value(self) -> Value {
        match self {
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(n) => Value::Int(n),
            Scalar::Enum(v) => Value::Enum(v),
        }
    }
}

/// Why a fast evaluation did not produce a scalar.
enum Halt {
    Stop(Stop),
    /// Something that is not a scalar came up: use `Env::eval`.
    Slow,
}

impl From<Stop> for Halt {
    fn from(s: Stop) -> Self {
        Halt::Stop(s)
    }
}

enum Node {
    Const(Scalar),
    State(u16),
    Ctx(u8),
    Param(u8),
    Has(u8),
    Attr(u16),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
    /// Read by `Env::eval`.
    Slow(Expr),
}

/// One expression, compiled, with the original for the slow path.
pub(crate) struct Compiled {
    node: Node,
    expr: Expr,
}

fn scalar_type(t: &Type) -> bool {
    matches!(
        t,
        Type::Bool | Type::Int | Type::IntRange(..) | Type::Enum(_)
    )
}

impl Compiled {
    pub fn new(e: &Expr) -> Compiled {
        let node = compile(e).unwrap_or_else(|| Node::Slow(e.clone()));
        Compiled {
            node,
            expr: e.clone(),
        }
    }

    /// `Env::eval`'s value of the expression.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value, Stop> {
        match run(&self.node, env) {
            Ok(s) => Ok(s.value()),
            Err(Halt::Stop(s)) => Err(s),
            Err(Halt::Slow) => env.eval(&self.expr),
        }
    }

    /// `Env::holds` of the expression as a guard.
    pub fn holds(&self, env: &Env<'_>) -> Result<bool, Stop> {
        match run(&self.node, env) {
            Ok(s) => Ok(s.truth()),
            Err(Halt::Stop(Stop::Absent)) => Ok(false),
            Err(Halt::Stop(Stop::Overflow)) => Err(Stop::Overflow),
            Err(Halt::Slow) => env.holds(Some(&self.expr)),
        }
    }
}

/// `Env::holds` of an optional compiled guard.
pub(crate) fn holds(g: Option<&Compiled>, env: &Env<'_>) -> Result<bool, Stop> {
    g.map_or(Ok(true), |g| g.holds(env))
}

/// The node for `e`, or `None` when `e` is not a scalar (its parent then
/// becomes a slow node).
fn compile(e: &Expr) -> Option<Node> {
    if !scalar_type(&e.ty) {
        return None;
    }
    let slow = || Some(Node::Slow(e.clone()));
    let sub = |x: &Expr| compile(x).map(Box::new);
    Some(match &e.kind {
        ExprKind::Bool(b) => Node::Const(Scalar::Bool(*b)),
        ExprKind::Int(n) => Node::Const(Scalar::Int(*n)),
        ExprKind::Enum { variant, .. } => Node::Const(Scalar::Enum(*variant)),
        ExprKind::State(i) => Node::State(*i),
        ExprKind::CtxHas(bit) => Node::Ctx(*bit),
        ExprKind::Param(i) => Node::Param(*i),
        ExprKind::Has(i) => Node::Has(*i),
        ExprKind::Attr(i) => Node::Attr(*i),
        ExprKind::Not(x) => match sub(x) {
            Some(x) => Node::Not(x),
            None => return slow(),
        },
        ExprKind::Neg(x) => match sub(x) {
            Some(x) => Node::Neg(x),
            None => return slow(),
        },
        ExprKind::Binary { op, lhs, rhs } => match (sub(lhs), sub(rhs)) {
            (Some(l), Some(r)) => match op {
                BinOp::And => Node::And(l, r),
                BinOp::Or => Node::Or(l, r),
                _ => Node::Bin(*op, l, r),
            },
            _ => return slow(),
        },
        _ => return slow(),
    })
}

fn run(n: &Node, env: &Env<'_>) -> Result<Scalar, Halt> {
    Ok(match n {
        Node::Const(s) => *s,
        Node::State(i) => {
            let i = usize::from(*i);
            let v = env.state.get(i).copied().unwrap_or(0);
            match env.policy.states.get(i).map(|s| &s.kind) {
                Some(StateKind::Bool) => Scalar::Bool(v != 0),
                Some(StateKind::Enum(_)) => Scalar::Enum(u16::try_from(v).unwrap_or(u16::MAX)),
                _ => Scalar::Int(v),
            }
        }
        Node::Ctx(bit) => Scalar::Bool(env.ctx & (1u64 << bit) != 0),
        Node::Param(i) => match env.args.get(usize::from(*i)) {
            Some(Some(v)) => Scalar::of(v.clone()).ok_or(Halt::Slow)?,
            _ => return Err(Halt::Stop(Stop::Absent)),
        },
        Node::Has(i) => Scalar::Bool(matches!(env.args.get(usize::from(*i)), Some(Some(_)))),
        Node::Attr(i) => match env.attrs.get(usize::from(*i)) {
            Some(v) => Scalar::of(v.clone()).ok_or(Halt::Slow)?,
            None => Scalar::Bool(false),
        },
        Node::Not(x) => Scalar::Bool(!run(x, env)?.truth()),
        Node::Neg(x) => Scalar::Int(
            run(x, env)?
                .int()
                .checked_neg()
                .ok_or(Halt::Stop(Stop::Overflow))?,
        ),
        Node::And(l, r) => Scalar::Bool(run(l, env)?.truth() && run(r, env)?.truth()),
        Node::Or(l, r) => Scalar::Bool(run(l, env)?.truth() || run(r, env)?.truth()),
        Node::Bin(op, l, r) => {
            let (l, r) = (run(l, env)?, run(r, env)?);
            let overflow = Halt::Stop(Stop::Overflow);
            match op {
                BinOp::Eq => Scalar::Bool(l == r),
                BinOp::Ne => Scalar::Bool(l != r),
                BinOp::Lt => Scalar::Bool(l.int() < r.int()),
                BinOp::Le => Scalar::Bool(l.int() <= r.int()),
                BinOp::Gt => Scalar::Bool(l.int() > r.int()),
                BinOp::Ge => Scalar::Bool(l.int() >= r.int()),
                BinOp::Add => Scalar::Int(l.int().checked_add(r.int()).ok_or(overflow)?),
                BinOp::Sub => Scalar::Int(l.int().checked_sub(r.int()).ok_or(overflow)?),
                BinOp::And | BinOp::Or => Scalar::Bool(false),
            }
        }
        Node::Slow(e) => Scalar::of(env.eval(e)?).ok_or(Halt::Slow)?,
    })
}

#[cfg(test)]
mod tests {
    use guard_ir::{Event, Expr, StateKind};

    use super::Compiled;
    use crate::eval::{Env, Specialized};
    use crate::graph::{no_asserts, policy_model};
    use crate::testing::workspace_programs;

    /// Every guard, effect guard and assignment of every example and
    /// fixture, plain and specialised, read both ways in many states
    /// (every variable's bounds and a value between, every context) with
    /// every instance of the model: the same value, or the same exception.
    #[test]
    fn compiled_expressions_read_as_env_reads_them() {
        let mut compared = 0usize;
        for (path, program) in workspace_programs(&["examples", "tests/prove", "tests/deep"]) {
            let policy = guard_ir::lower(&program).unwrap();
            let asserts = no_asserts(&policy);
            let model = policy_model(&policy, &asserts, Default::default());
            // A few states: each variable at its low end, high end and a
            // value between, the others at their initial values.
            let init = model.init();
            let mut states = vec![init.clone()];
            for (i, s) in policy.states.iter().enumerate() {
                let (lo, hi) = match s.kind {
                    StateKind::Bool => (0, 1),
                    StateKind::Enum(e) => (0, policy.enums[usize::from(e)].len() as i64 - 1),
                    StateKind::Int { lo, hi } => (lo, hi),
                };
                for v in [lo, hi, lo + (hi - lo) / 2] {
                    let mut st = init.clone();
                    st[i] = v;
                    states.push(st);
                }
            }
            let ctxs = [0u64, u64::MAX, 0x5555_5555_5555_5555];
            for attrs in model.attr_sets.iter().take(8) {
                for inst in &model.instances {
                    let (rules, effects) = match inst.event {
                        Event::Tool(t) => {
                            let t = &policy.tools[usize::from(t)];
                            (&t.rules, &t.effects)
                        }
                        Event::Channel(c) => {
                            let c = &policy.channels[usize::from(c)];
                            (&c.rules, &c.effects)
                        }
                    };
                    let stateless = crate::bfs::stateless_env(&model, attrs, inst);
                    let spec = Specialized::new(&stateless, inst.event);
                    let mut exprs: Vec<&Expr> = Vec::new();
                    for (rs, es) in [(rules, effects), (&spec.rules, &spec.effects)] {
                        exprs.extend(rs.iter().filter_map(|r| r.guard.as_ref()));
                        for e in es {
                            exprs.extend(e.guard.as_ref());
                            exprs.extend(e.assigns.iter().map(|(_, v)| v));
                        }
                    }
                    for e in exprs {
                        let c = Compiled::new(e);
                        for st in &states {
                            for &ctx in &ctxs {
                                let env = Env {
                                    state: st,
                                    ctx,
                                    ..stateless
                                };
                                assert_eq!(c.eval(&env), env.eval(e), "{}: {e:?}", path.display());
                                assert_eq!(
                                    c.holds(&env),
                                    env.holds(Some(e)),
                                    "{}: {e:?}",
                                    path.display()
                                );
                                compared += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(compared > 1000, "{compared}");
    }
}
