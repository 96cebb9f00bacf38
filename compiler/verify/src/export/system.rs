//! An assertion's model as a plain transition system, the one structure
//! every printer reads: variables with their roles and domains, the
//! initial condition, and per event (and attribute group) the `exec`
//! condition, the next value of every variable and the `done` condition —
//! each read back from the terms `symbolic::Encoder::step` builds for the
//! engines.
//!
//! Two readings of one `Model`, as guardc's engines have them:
//! `Symbolic` (Spacer and BMC: `sym_instances`, integer parameters as
//! per-event arguments, bool/enum/integer attributes as variables, the
//! other attributes one group per valuation) and `Enumerated` (BFS:
//! `instances`, every attribute concrete, one group per valuation in
//! `attr_sets`, fed to the encoder as constants in the frame).

use guard_ir::{Assert, AssertKind, Policy, StateKind, Type};
use z3::ast::{Ast, Bool, Int};

use super::term::{self, Op, T};
use crate::model::Model;
use crate::monitor::MAX_STEPS;
use crate::spacer::concrete_groups;
use crate::symbolic::{finite, initial, Encoder, Frame};
use crate::trace::{event_text, value_text};
use crate::value::Value;

/// Which of guardc's readings of the model an export is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The Z3 engines' (Spacer, BMC).
    Symbolic,
    /// Breadth-first search's.
    Enumerated,
}

/// What a variable of the system is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A `state` variable with its initial value.
    State(i64),
    /// A context label (initially absent).
    Label,
    /// A session attribute, or the attribute group: any value of its
    /// domain, fixed for the session.
    Attr,
    /// A monitor position (initially inactive).
    Monitor,
}

pub struct Var {
    /// A symbol both SMT-LIB and Promela accept, unique in the system.
    pub name: String,
    /// What it is in the policy, for comments.
    pub about: String,
    pub role: Role,
    /// Integer variables' values; `None` for booleans.
    pub domain: Option<(i64, i64)>,
}

/// One event of the model in one attribute group.
pub struct Step {
    /// The event as Guard source, for comments.
    pub label: String,
    /// How many symbolic integer arguments (`T::Arg`) the event has.
    pub args: usize,
    pub exec: T,
    /// The next value of every variable.
    pub next: Vec<T>,
    /// The pattern completes with this event.
    pub done: T,
}

/// An assertion's model as a transition system over `vars`.
pub struct System {
    pub header: Vec<String>,
    pub kind: AssertKind,
    pub vars: Vec<Var>,
    pub init: T,
    pub steps: Vec<Step>,
}

/// The most events (times attribute groups) one export may have: past it
/// the files would be too large for the tools to be of use.
const MAX_EVENTS: usize = 50_000;

/// The z3 constant of variable `i`, unlike any name the encoder gives.
fn z3_name(i: usize) -> String {
    format!("guard!export!{i}")
}

impl System {
    pub fn build(
        model: &Model<'_>,
        a: &Assert,
        reading: Reading,
        inexact: Option<&str>,
    ) -> Result<System, String> {
        if a.steps.len() > MAX_STEPS {
            return Err(format!("the pattern has more than {MAX_STEPS} steps"));
        }
        let p = model.policy;
        let symbolic = reading == Reading::Symbolic;
        let mut vars = Vars::default();
        let mut frame = Frame {
            state: Vec::new(),
            ctx: Vec::new(),
            attrs: Vec::new(),
            mon: Vec::new(),
        };
        for s in &p.states {
            let z = vars.add(
                format!("s_{}", s.name),
                format!("state {}", s.name),
                Role::State(s.init),
                Some(state_domain(p, &s.kind)),
            );
            frame.state.push(Int::new_const(z));
        }
        for l in &p.labels {
            let z = vars.add(
                format!("ctx_{l}"),
                format!("context has {l}"),
                Role::Label,
                None,
            );
            frame.ctx.push(Bool::new_const(z));
        }
        for at in &p.attrs {
            frame.attrs.push(if symbolic && finite(&at.ty) {
                let z = vars.add(
                    format!("attr_{}", at.name),
                    format!("attribute {}", at.name),
                    Role::Attr,
                    Some(attr_domain(p, &at.ty)),
                );
                Some(Int::new_const(z))
            } else {
                None
            });
        }
        for i in 1..a.steps.len() {
            let z = vars.add(
                format!("mon_{i}"),
                format!("the first {i} steps matched, step {} awaited", i + 1),
                Role::Monitor,
                None,
            );
            frame.mon.push(Bool::new_const(z));
        }
        let (instances, groups) = if symbolic {
            (&model.sym_instances, concrete_groups(model))
        } else {
            (&model.instances, model.attr_sets.clone())
        };
        if instances.len().saturating_mul(groups.len()) > MAX_EVENTS {
            return Err(format!(
                "the model has {} events in {} attribute groups, more than {MAX_EVENTS} to export",
                instances.len(),
                groups.len()
            ));
        }
        let group = (groups.len() > 1).then(|| {
            vars.add(
                "group".into(),
                "the valuation of the attributes below".into(),
                Role::Attr,
                Some((0, groups.len() as i64 - 1)),
            )
        });
        let group_var = group.as_ref().map(|_| vars.vars.len() - 1);
        let vars = vars.vars;
        let var = |name: &str| -> Option<T> {
            let i: usize = name.strip_prefix("guard!export!")?.parse().ok()?;
            Some(T::Var(i))
        };
        let mut header = vec![
            format!(
                "policy {}, assertion `{}` ({})",
                p.name,
                a.name,
                match a.kind {
                    AssertKind::Never => "never",
                    AssertKind::Possible => "possible",
                }
            ),
            format!(
                "the {} model: {} events (one per argument class), {} variables",
                if symbolic { "symbolic" } else { "enumerated" },
                instances.len(),
                vars.len()
            ),
        ];
        if let Some(why) = inexact {
            header.push(format!(
                "the model is NOT exact ({why}): a verdict here is about the model only"
            ));
        }
        let mut init = None;
        let mut steps = Vec::new();
        for (g, values) in groups.iter().enumerate() {
            let mut frame = frame.clone();
            if !symbolic {
                // Every attribute is a constant of this group.
                for ((slot, at), v) in frame.attrs.iter_mut().zip(&p.attrs).zip(values) {
                    if finite(&at.ty) {
                        *slot = Some(Int::from_i64(number(v)));
                    }
                }
            }
            if group.is_some() {
                let shown: Vec<String> = p
                    .attrs
                    .iter()
                    .zip(values)
                    .filter(|(at, _)| !(symbolic && finite(&at.ty)))
                    .map(|(at, v)| format!("{} = {}", at.name, value_text(p, v, &at.ty)))
                    .collect();
                header.push(format!("group {g}: {}", shown.join(", ")));
            }
            if init.is_none() {
                init = Some(term::from_z3(&initial(model, &frame).simplify(), &var)?);
            }
            let enc = Encoder {
                model,
                concrete: values.clone(),
            };
            for inst in instances {
                let st = enc.step(&frame, inst, a)?;
                let args: Vec<String> = st.args.iter().map(|x| x.decl().name()).collect();
                let read = |ast: &dyn Ast| {
                    term::from_z3(ast, &|name: &str| {
                        var(name).or_else(|| args.iter().position(|n| n == name).map(T::Arg))
                    })
                };
                let mut exec = read(&st.exec.simplify())?;
                if exec == T::Bool(false) {
                    continue;
                }
                if let Some(gv) = group_var {
                    exec = T::and(vec![T::eq(T::Var(gv), T::Int(g as i128)), exec]);
                }
                let mut next = Vec::with_capacity(vars.len());
                for x in &st.next.state {
                    next.push(read(&x.simplify())?);
                }
                for x in &st.next.ctx {
                    next.push(read(&x.simplify())?);
                }
                if symbolic {
                    for x in st.next.attrs.iter().flatten() {
                        next.push(read(&x.simplify())?);
                    }
                }
                for x in &st.next.mon {
                    next.push(read(&x.simplify())?);
                }
                next.extend(group_var.map(T::Var));
                let mut label = event_text(p, inst);
                if group.is_some() {
                    label.push_str(&format!(" in group {g}"));
                }
                steps.push(Step {
                    label,
                    args: args.len(),
                    exec,
                    next,
                    done: read(&st.done.simplify())?,
                });
            }
        }
        let mut init = init.unwrap_or(T::Bool(false));
        if let Some(g) = group_var {
            init = T::and(vec![
                init,
                T::App(Op::Ge, vec![T::Var(g), T::Int(0)]),
                T::App(Op::Lt, vec![T::Var(g), T::Int(groups.len() as i128)]),
            ]);
        }
        Ok(System {
            header,
            kind: a.kind,
            vars,
            init,
            steps,
        })
    }

    pub fn is_int(&self, v: usize) -> bool {
        self.vars.get(v).is_some_and(|x| x.domain.is_some())
    }

    /// The most symbolic arguments one event has.
    pub fn max_args(&self) -> usize {
        self.steps.iter().map(|s| s.args).max().unwrap_or(0)
    }

    /// What a reachable and an unreachable pattern mean for the assertion.
    pub fn meaning(&self) -> (&'static str, &'static str) {
        match self.kind {
            AssertKind::Never => ("violated", "proved"),
            AssertKind::Possible => ("witnessed", "impossible"),
        }
    }
}

/// The variables, with unique names.
#[derive(Default)]
struct Vars {
    vars: Vec<Var>,
    used: std::collections::HashSet<String>,
}

impl Vars {
    /// Adds a variable; returns the name of its z3 constant.
    fn add(
        &mut self,
        name: String,
        about: String,
        role: Role,
        domain: Option<(i64, i64)>,
    ) -> String {
        let mut ident = term::ident(&name);
        while !self.used.insert(ident.clone()) {
            ident.push('_');
        }
        self.vars.push(Var {
            name: ident,
            about,
            role,
            domain,
        });
        z3_name(self.vars.len() - 1)
    }
}

/// A finite attribute's value as the encoder's integer (booleans 0/1,
/// enums by variant index).
fn number(v: &Value) -> i64 {
    match v {
        Value::Bool(b) => i64::from(*b),
        Value::Int(n) => *n,
        Value::Enum(e) => i64::from(*e),
        _ => 0,
    }
}

/// The values a state variable takes (booleans 0/1, enums by index), as in
/// `symbolic::domain`.
fn state_domain(p: &Policy, k: &StateKind) -> (i64, i64) {
    match k {
        StateKind::Bool => (0, 1),
        StateKind::Enum(e) => (0, enum_max(p, *e)),
        StateKind::Int { lo, hi } => (*lo, *hi),
    }
}

fn attr_domain(p: &Policy, t: &Type) -> (i64, i64) {
    match t {
        Type::Enum(e) => (0, enum_max(p, *e)),
        Type::IntRange(lo, hi) => (*lo, *hi),
        Type::Int => (i64::MIN, i64::MAX),
        _ => (0, 1),
    }
}

fn enum_max(p: &Policy, e: u16) -> i64 {
    p.enums.get(usize::from(e)).map_or(1, Vec::len) as i64 - 1
}
