//! Lowering a `hir::Program` to the IR: distribute rules and effect blocks
//! to the tools and channels they cover, resolve parameter names to each
//! tool's positions, number regexes, and check the format's limits.
//!
//! Two rewrites happen here, both semantics-preserving: `x in [a, b]` with
//! non-constant elements becomes `x == a || x == b` (the bytecode has
//! constant lists only), and `len` of a list literal becomes its length.

mod asserts;

pub use asserts::lower_asserts;

use std::collections::HashMap;

use guard_check::hir::{self, ExprKind as H, Value};
use guard_diagnostics::{Code, Diagnostic, Span};

use crate::{
    Attr, BinOp, Channel, Effect, Expr, ExprKind, Gate, Param, Policy, Redaction, Rule, RuleInfo,
    State, StateKind, Tool, Type, Verdict, MAX_GATES, MAX_INDEX, MAX_LABELS, MAX_PARAMS,
};

/// Lowers a checked program. The checker already enforces the format's
/// limits; they are checked again here because lowering must never
/// truncate an index, whatever program it is handed.
pub fn lower(p: &hir::Program) -> Result<Policy, Vec<Diagnostic>> {
    let mut l = Lower {
        p,
        regexes: Vec::new(),
        regex_ids: HashMap::new(),
        errors: Vec::new(),
    };
    l.limits();
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    let mut tools: Vec<Tool> = p
        .tools
        .iter()
        .map(|t| Tool {
            name: t.name.clone(),
            params: t
                .params
                .iter()
                .map(|q| Param {
                    name: q.name.clone(),
                    ty: ty(&q.ty),
                    optional: q.optional,
                })
                .collect(),
            result_labels: t.labels.iter().fold(0u64, |bits, l| bits | (1 << l.0)),
            rules: Vec::new(),
            effects: Vec::new(),
        })
        .collect();
    let mut channels: Vec<Channel> = p
        .channels
        .iter()
        .map(|c| Channel {
            name: c.info.name.clone(),
            rules: Vec::new(),
            effects: Vec::new(),
            redactions: Vec::new(),
        })
        .collect();
    let mut rules = Vec::new();
    for r in &p.rules {
        rules.push(RuleInfo {
            id: r.id.0,
            span: r.span,
            because: r.because.clone(),
        });
        match (&r.target, &r.verdict) {
            (hir::Target::Output(c), hir::Verdict::Redact { regex, replacement }) => {
                let regex = l.regex(regex);
                let guard = r.when.as_ref().map(|w| l.expr(w, None));
                channels[c.index()].redactions.push(Redaction {
                    id: r.id.0,
                    regex,
                    replacement: replacement.clone(),
                    guard,
                });
            }
            (hir::Target::Output(c), v) => {
                let guard = r.when.as_ref().map(|w| l.expr(w, None));
                channels[c.index()].rules.push(Rule {
                    id: r.id.0,
                    verdict: verdict(v),
                    guard,
                });
            }
            (hir::Target::Tools { tools: ids, .. }, v) => {
                for &t in ids {
                    let guard = r.when.as_ref().map(|w| l.expr(w, Some(p.tool(t))));
                    tools[t.index()].rules.push(Rule {
                        id: r.id.0,
                        verdict: verdict(v),
                        guard,
                    });
                }
            }
        }
    }
    for o in &p.on_blocks {
        let mut effect_for = |tool: Option<&hir::ToolDecl>| Effect {
            guard: o.when.as_ref().map(|w| l.expr(w, tool)),
            assigns: o
                .assigns
                .iter()
                .map(|a| (a.state.0 as u16, l.expr(&a.value, tool)))
                .collect(),
        };
        match &o.target {
            hir::Target::Output(c) => channels[c.index()].effects.push(effect_for(None)),
            hir::Target::Tools { tools: ids, .. } => {
                for &t in ids {
                    tools[t.index()].effects.push(effect_for(Some(p.tool(t))));
                }
            }
        }
    }
    Ok(Policy {
        name: p.name.clone(),
        default_allow: p.default_allow,
        labels: p.labels.iter().map(|l| l.info.name.clone()).collect(),
        enums: p.enums.iter().map(|e| e.variants.clone()).collect(),
        tools,
        channels,
        attrs: p
            .attrs
            .iter()
            .map(|a| Attr {
                name: a.info.name.clone(),
                ty: ty(&a.ty),
            })
            .collect(),
        states: p
            .states
            .iter()
            .map(|s| State {
                name: s.info.name.clone(),
                kind: match s.ty {
                    hir::Type::Bool => StateKind::Bool,
                    hir::Type::Enum(e) => StateKind::Enum(e.0 as u16),
                    hir::Type::IntRange(lo, hi) => StateKind::Int { lo, hi },
                    // The checker admits only finite state types.
                    _ => StateKind::Bool,
                },
                init: match s.init {
                    Value::Bool(b) => i64::from(b),
                    Value::Int(n) => n,
                    Value::Enum(_, v) => i64::from(v),
                    _ => 0,
                },
            })
            .collect(),
        gates: p
            .gates
            .iter()
            .map(|g| Gate {
                name: g.info.name.clone(),
                approvers: g.approvers.clone(),
                timeout_ms: g.timeout_ms,
            })
            .collect(),
        regexes: l.regexes,
        rules,
    })
}

struct Lower<'a> {
    p: &'a hir::Program,
    regexes: Vec<String>,
    regex_ids: HashMap<String, u16>,
    errors: Vec<Diagnostic>,
}

impl Lower<'_> {
    fn limits(&mut self) {
        let p = self.p;
        if p.labels.len() > MAX_LABELS {
            let l = &p.labels[MAX_LABELS].info;
            self.limit(l.name_span, format!("more than {MAX_LABELS} labels"));
        }
        if p.gates.len() > MAX_GATES {
            let g = &p.gates[MAX_GATES].info;
            self.limit(g.name_span, format!("more than {MAX_GATES} gates"));
        }
        for t in &p.tools {
            if t.params.len() > MAX_PARAMS {
                self.limit(
                    t.info.name_span,
                    format!("`{}` has more than {MAX_PARAMS} parameters", t.name),
                );
            }
        }
        let counts = [
            (p.states.len(), "state variables"),
            (p.attrs.len(), "attributes"),
            (p.enums.len(), "enum types"),
        ];
        for (n, what) in counts {
            if n > MAX_INDEX {
                self.limit(
                    p.tools.first().map(|t| t.info.span).unwrap_or_default(),
                    format!("more than 65535 {what}"),
                );
            }
        }
    }

    fn limit(&mut self, span: Span, what: String) {
        self.errors.push(
            Diagnostic::new(Code::E0401, span, format!("the policy has {what}"))
                .with_label("beyond a limit of the bytecode format")
                .with_note("labels and gates are bit sets of 64 bits at run time; tools take at most 255 parameters"),
        );
    }

    fn regex(&mut self, source: &str) -> u16 {
        if let Some(&i) = self.regex_ids.get(source) {
            return i;
        }
        let i = self.regexes.len() as u16;
        self.regexes.push(source.to_string());
        self.regex_ids.insert(source.to_string(), i);
        i
    }

    /// Lowers an expression evaluated for `tool` (or for a channel when
    /// `None`).
    fn expr(&mut self, e: &hir::Expr, tool: Option<&hir::ToolDecl>) -> Expr {
        let t = ty(&e.ty);
        let kind = match &e.kind {
            H::Lit(v) => return value(v, &e.ty),
            H::Param(name) => ExprKind::Param(param_index(tool, name)),
            H::Has(name) => ExprKind::Has(param_index(tool, name)),
            H::State(s) => ExprKind::State(s.0 as u16),
            H::Attr(a) => ExprKind::Attr(a.0 as u16),
            H::Text => ExprKind::Text,
            H::List(items) => ExprKind::List(items.iter().map(|i| self.expr(i, tool)).collect()),
            H::Not(x) => ExprKind::Not(Box::new(self.expr(x, tool))),
            H::Neg(x) => ExprKind::Neg(Box::new(self.expr(x, tool))),
            H::Binary { op, lhs, rhs } => ExprKind::Binary {
                op: *op,
                lhs: Box::new(self.expr(lhs, tool)),
                rhs: Box::new(self.expr(rhs, tool)),
            },
            H::In { lhs, rhs } => {
                let l = self.expr(lhs, tool);
                match &rhs.kind {
                    // `x in [a, b]` with some non-constant element: the
                    // bytecode has constant lists only.
                    H::List(items) => {
                        return any_equal(l, items.iter().map(|i| self.expr(i, tool)).collect())
                    }
                    H::Lit(Value::List(items)) if items.is_empty() => {
                        return bool_expr(false);
                    }
                    _ => ExprKind::In {
                        lhs: Box::new(l),
                        rhs: Box::new(self.expr(rhs, tool)),
                    },
                }
            }
            H::Glob { lhs, regex, .. } => ExprKind::Match {
                lhs: Box::new(self.expr(lhs, tool)),
                regex: self.regex(regex),
            },
            H::Regex { lhs, pattern } => ExprKind::Match {
                lhs: Box::new(self.expr(lhs, tool)),
                regex: self.regex(pattern),
            },
            H::ContextHas(l) => ExprKind::CtxHas(l.0 as u8),
            H::Call { func, args } => {
                if let (hir::Builtin::Len, [arg]) = (func, args.as_slice()) {
                    if let H::List(items) = &arg.kind {
                        return Expr {
                            kind: ExprKind::Int(items.len() as i64),
                            ty: Type::Int,
                        };
                    }
                }
                ExprKind::Call {
                    func: *func,
                    args: args.iter().map(|a| self.expr(a, tool)).collect(),
                }
            }
        };
        Expr { kind, ty: t }
    }
}

fn any_equal(lhs: Expr, items: Vec<Expr>) -> Expr {
    let mut out: Option<Expr> = None;
    for item in items {
        let eq = Expr {
            kind: ExprKind::Binary {
                op: BinOp::Eq,
                lhs: Box::new(lhs.clone()),
                rhs: Box::new(item),
            },
            ty: Type::Bool,
        };
        out = Some(match out {
            None => eq,
            Some(prev) => Expr {
                kind: ExprKind::Binary {
                    op: BinOp::Or,
                    lhs: Box::new(prev),
                    rhs: Box::new(eq),
                },
                ty: Type::Bool,
            },
        });
    }
    out.unwrap_or_else(|| bool_expr(false))
}

fn bool_expr(b: bool) -> Expr {
    Expr {
        kind: ExprKind::Bool(b),
        ty: Type::Bool,
    }
}

fn value(v: &Value, t: &hir::Type) -> Expr {
    let kind = match v {
        Value::Bool(b) => ExprKind::Bool(*b),
        Value::Int(n) => ExprKind::Int(*n),
        Value::Str(s) => ExprKind::Str(s.clone()),
        // Durations only occur in gate fields, never in code.
        Value::Duration(ms) => ExprKind::Int(i64::try_from(*ms).unwrap_or(i64::MAX)),
        Value::Enum(e, v) => ExprKind::Enum {
            e: e.0 as u16,
            variant: *v as u16,
        },
        Value::List(items) => {
            let elem = match t {
                hir::Type::List(el) => (**el).clone(),
                _ => hir::Type::Str,
            };
            ExprKind::List(items.iter().map(|i| value(i, &elem)).collect())
        }
    };
    Expr { kind, ty: ty(t) }
}

/// The position of parameter `name` in `tool`. The checker guarantees it
/// exists on every tool of the target.
fn param_index(tool: Option<&hir::ToolDecl>, name: &str) -> u8 {
    tool.and_then(|t| t.param(name))
        .map(|(i, _)| i as u8)
        .unwrap_or(u8::MAX)
}

fn verdict(v: &hir::Verdict) -> Verdict {
    match v {
        hir::Verdict::Allow => Verdict::Allow,
        hir::Verdict::Deny => Verdict::Deny,
        hir::Verdict::Escalate(g) => Verdict::Escalate(g.0 as u16),
        // Redactions are routed to their channel before this is called, so
        // this arm is unreachable; if that ever changes, fail closed.
        hir::Verdict::Redact { .. } => Verdict::Deny,
    }
}

/// The IR type of a HIR type.
pub(crate) fn ty(t: &hir::Type) -> Type {
    match t {
        hir::Type::Bool => Type::Bool,
        hir::Type::Int | hir::Type::Duration => Type::Int,
        hir::Type::IntRange(lo, hi) => Type::IntRange(*lo, *hi),
        hir::Type::Str | hir::Type::Error => Type::Str,
        hir::Type::Path => Type::Path,
        hir::Type::Url => Type::Url,
        hir::Type::Json => Type::Json,
        hir::Type::Enum(e) => Type::Enum(e.0 as u16),
        hir::Type::List(el) => Type::List(Box::new(ty(el))),
        hir::Type::EmptyList => Type::List(Box::new(Type::Str)),
    }
}
