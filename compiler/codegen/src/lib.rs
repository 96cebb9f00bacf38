//! Code generation: the IR to the runtime's image model, and from there to
//! bytes with the runtime's own encoder (the format has one definition, in
//! `guard-runtime`).
//!
//! Expressions compile to stack code (see `guard_runtime::op`): operands
//! first, then the operator; `&&` and `||` short-circuit with forward
//! jumps that keep the deciding value. Strings and constants are interned,
//! so identical literals share one entry.
//!
//! Invariant: the output depends only on the IR and the source map, never
//! on hash-map iteration order or the machine: same sources, same bytes.

use std::collections::HashMap;

use guard_diagnostics::{Code, Diagnostic, SourceMap};
use guard_ir::{self as ir, BinOp, Builtin, ExprKind};
use guard_runtime::model::{self, CodeRef, Const, StrId};
use guard_runtime::op::Op;

/// Options of `guardc build`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Leave out the debug section (rule locations and `because` texts).
    pub strip: bool,
}

/// Compiles a checked program to image bytes.
pub fn build(
    program: &guard_check::hir::Program,
    sources: &SourceMap,
    options: Options,
) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let policy = guard_ir::lower(program)?;
    let image = image(&policy, sources, options)?;
    Ok(guard_runtime::format::encode(&image))
}

/// Generates the image model of a lowered policy.
pub fn image(
    p: &ir::Policy,
    sources: &SourceMap,
    options: Options,
) -> Result<model::Image, Vec<Diagnostic>> {
    let mut g = Gen::default();
    let name = g.string(&p.name);
    let labels = p.labels.iter().map(|l| g.string(l)).collect();
    let enums = p
        .enums
        .iter()
        .map(|e| e.iter().map(|v| g.string(v)).collect())
        .collect();
    let mut tools = Vec::new();
    for t in &p.tools {
        let params = t
            .params
            .iter()
            .map(|q| model::Param {
                name: g.string(&q.name),
                ty: value_type(&q.ty),
                optional: q.optional,
            })
            .collect();
        let rules = g.rules(&t.rules);
        let effects = g.effects(&t.effects);
        tools.push(model::Tool {
            name: g.string(&t.name),
            params,
            result_labels: t.result_labels,
            rules,
            effects,
        });
    }
    let mut channels = Vec::new();
    for c in &p.channels {
        let rules = g.rules(&c.rules);
        let effects = g.effects(&c.effects);
        let redactions = c
            .redactions
            .iter()
            .map(|r| model::Redaction {
                id: r.id,
                regex: r.regex,
                replacement: g.string(&r.replacement),
                guard: r.guard.as_ref().map(|e| g.block(e)),
            })
            .collect();
        channels.push(model::Channel {
            name: g.string(&c.name),
            rules,
            effects,
            redactions,
        });
    }
    let attrs = p
        .attrs
        .iter()
        .map(|a| model::Attr {
            name: g.string(&a.name),
            ty: value_type(&a.ty),
        })
        .collect();
    let states = p
        .states
        .iter()
        .map(|s| model::StateVar {
            name: g.string(&s.name),
            kind: match s.kind {
                ir::StateKind::Bool => model::StateKind::Bool,
                ir::StateKind::Enum(e) => model::StateKind::Enum(e),
                ir::StateKind::Int { lo, hi } => model::StateKind::Int { lo, hi },
            },
            init: s.init,
        })
        .collect();
    let gates = p
        .gates
        .iter()
        .map(|gate| model::Gate {
            name: g.string(&gate.name),
            approvers: gate.approvers.iter().map(|a| g.string(a)).collect(),
            timeout_ms: gate.timeout_ms,
        })
        .collect();
    let regexes = p.regexes.iter().map(|r| g.string(r)).collect();
    // Every regex the code uses is compiled here, ahead of time, so that
    // loading the image only validates tables (regexes only assertions
    // use get none). A use the tables cannot serve exactly is left to the
    // runtime, which then determinizes it at load.
    let redacting: std::collections::BTreeSet<u16> = p
        .channels
        .iter()
        .flat_map(|c| c.redactions.iter().map(|r| r.regex))
        .collect();
    let regex_tables = (0..p.regexes.len())
        .map(|i| {
            let i16 = i as u16;
            guard_runtime::regex_tables(
                &p.regexes[i],
                g.matched.contains(&i16),
                redacting.contains(&i16),
            )
        })
        .collect();
    let debug = (!options.strip).then(|| g.debug(p, sources));
    if let Some(span) = g.too_large {
        return Err(vec![Diagnostic::new(
            Code::E0401,
            span,
            "a condition compiles to more than 64 KiB of code",
        )
        .with_label("split this condition into several rules")]);
    }
    Ok(model::Image {
        name,
        default_allow: p.default_allow,
        strings: g.strings,
        labels,
        enums,
        tools,
        channels,
        attrs,
        states,
        gates,
        regexes,
        regex_tables,
        consts: g.consts,
        code: g.code,
        debug,
    })
}

#[derive(Default)]
struct Gen {
    strings: Vec<String>,
    string_ids: HashMap<String, StrId>,
    consts: Vec<Const>,
    const_ids: HashMap<Const, u16>,
    code: Vec<u8>,
    /// Set when a jump or block does not fit its operand.
    too_large: Option<guard_diagnostics::Span>,
    /// Regexes that some code matches against whole values.
    matched: std::collections::BTreeSet<u16>,
}

impl Gen {
    fn string(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = StrId(self.strings.len() as u32);
        self.strings.push(s.to_string());
        self.string_ids.insert(s.to_string(), id);
        id
    }

    fn constant(&mut self, c: Const) -> u16 {
        if let Some(&id) = self.const_ids.get(&c) {
            return id;
        }
        let id = self.consts.len() as u16;
        self.consts.push(c.clone());
        self.const_ids.insert(c, id);
        id
    }

    fn rules(&mut self, rules: &[ir::Rule]) -> Vec<model::Rule> {
        rules
            .iter()
            .map(|r| model::Rule {
                id: r.id,
                verdict: match r.verdict {
                    ir::Verdict::Allow => model::Verdict::Allow,
                    ir::Verdict::Deny => model::Verdict::Deny,
                    ir::Verdict::Escalate(g) => model::Verdict::Escalate(g),
                },
                guard: r.guard.as_ref().map(|e| self.block(e)),
            })
            .collect()
    }

    fn effects(&mut self, effects: &[ir::Effect]) -> Vec<model::Effect> {
        effects
            .iter()
            .map(|e| model::Effect {
                guard: e.guard.as_ref().map(|g| self.block(g)),
                assigns: e
                    .assigns
                    .iter()
                    .map(|(s, v)| model::Assign {
                        state: *s,
                        value: self.block(v),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Emits one code block ending in `Ret`.
    fn block(&mut self, e: &ir::Expr) -> CodeRef {
        let start = self.code.len();
        self.emit(e);
        self.op(Op::Ret);
        CodeRef {
            start: start as u32,
            len: (self.code.len() - start) as u32,
        }
    }

    fn op(&mut self, op: Op) {
        self.code.push(op as u8);
    }

    fn op_u8(&mut self, op: Op, x: u8) {
        self.code.extend([op as u8, x]);
    }

    fn op_u16(&mut self, op: Op, x: u16) {
        self.code.push(op as u8);
        self.code.extend(x.to_le_bytes());
    }

    /// The constant an IR literal stands for, if it is one.
    fn literal(&mut self, e: &ir::Expr) -> Option<u16> {
        let c = match &e.kind {
            ExprKind::Int(n) => Const::Int(*n),
            ExprKind::Bool(b) => Const::Bool(*b),
            ExprKind::Str(s) => Const::Str(self.string(s)),
            ExprKind::Enum { e, variant } => Const::Enum {
                e: *e,
                variant: *variant,
            },
            ExprKind::List(items) => {
                let ids: Option<Vec<u16>> = items.iter().map(|i| self.literal(i)).collect();
                Const::List(ids?)
            }
            _ => return None,
        };
        Some(self.constant(c))
    }

    fn emit(&mut self, e: &ir::Expr) {
        match &e.kind {
            ExprKind::Bool(true) => self.op(Op::PushTrue),
            ExprKind::Bool(false) => self.op(Op::PushFalse),
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Enum { .. } | ExprKind::List(_) => {
                match self.literal(e) {
                    Some(c) => self.op_u16(Op::PushConst, c),
                    // Lowering leaves only constant lists; a non-constant
                    // one cannot be expressed and fails closed.
                    None => self.op(Op::PushFalse),
                }
            }
            ExprKind::Param(i) => self.op_u8(Op::LoadParam, *i),
            ExprKind::Has(i) => self.op_u8(Op::HasParam, *i),
            ExprKind::State(s) => self.op_u16(Op::LoadState, *s),
            ExprKind::Attr(a) => self.op_u16(Op::LoadAttr, *a),
            ExprKind::Text => self.op(Op::LoadText),
            ExprKind::Not(x) => {
                self.emit(x);
                self.op(Op::Not);
            }
            ExprKind::Neg(x) => {
                self.emit(x);
                self.op(Op::Neg);
            }
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => {
                self.emit(lhs);
                let jump = if *op == BinOp::And {
                    Op::JumpIfFalse
                } else {
                    Op::JumpIfTrue
                };
                self.op_u16(jump, 0);
                let patch = self.code.len() - 2;
                self.emit(rhs);
                let offset = self.code.len() - (patch + 2);
                let offset = u16::try_from(offset).unwrap_or_else(|_| {
                    self.too_large
                        .get_or_insert(guard_diagnostics::Span::default());
                    0
                });
                self.code[patch..patch + 2].copy_from_slice(&offset.to_le_bytes());
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.emit(lhs);
                self.emit(rhs);
                self.op(match op {
                    BinOp::Eq => Op::Eq,
                    BinOp::Ne => Op::Ne,
                    BinOp::Lt => Op::Lt,
                    BinOp::Le => Op::Le,
                    BinOp::Gt => Op::Gt,
                    BinOp::Ge => Op::Ge,
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    // Handled by the arm above.
                    BinOp::And | BinOp::Or => Op::Ret,
                });
            }
            ExprKind::In { lhs, rhs } => {
                self.emit(lhs);
                self.emit(rhs);
                self.op(Op::In);
            }
            ExprKind::Match { lhs, regex } => {
                self.emit(lhs);
                self.op_u16(Op::Match, *regex);
                self.matched.insert(*regex);
            }
            ExprKind::CtxHas(bit) => self.op_u8(Op::CtxHas, *bit),
            ExprKind::Call { func, args } => {
                for a in args {
                    self.emit(a);
                }
                self.op(match func {
                    Builtin::StartsWith => Op::StartsWith,
                    Builtin::EndsWith => Op::EndsWith,
                    Builtin::Contains => Op::Contains,
                    Builtin::Len => Op::Len,
                    Builtin::Lower => Op::Lower,
                    Builtin::Host => Op::Host,
                    Builtin::Scheme => Op::Scheme,
                });
            }
        }
    }

    fn debug(&mut self, p: &ir::Policy, sources: &SourceMap) -> model::Debug {
        let mut files: Vec<StrId> = Vec::new();
        let mut file_ids: HashMap<u32, u16> = HashMap::new();
        let mut rules = Vec::new();
        for r in &p.rules {
            let Some(src) = sources.get(r.span.file) else {
                continue;
            };
            let file = match file_ids.get(&r.span.file.0) {
                Some(&f) => f,
                None => {
                    let f = files.len() as u16;
                    files.push(self.string(&src.name));
                    file_ids.insert(r.span.file.0, f);
                    f
                }
            };
            let at = src.line_col(r.span.start);
            rules.push(model::RuleDebug {
                id: r.id,
                file,
                line: at.line,
                col: at.col,
                start: r.span.start,
                end: r.span.end,
                because: r.because.as_ref().map(|b| self.string(b)),
            });
        }
        model::Debug { files, rules }
    }
}

fn value_type(t: &ir::Type) -> model::ValueType {
    match t {
        ir::Type::Bool => model::ValueType::Bool,
        ir::Type::Int => model::ValueType::Int,
        ir::Type::IntRange(lo, hi) => model::ValueType::IntRange(*lo, *hi),
        ir::Type::Str => model::ValueType::Str,
        ir::Type::Path => model::ValueType::Path,
        ir::Type::Url => model::ValueType::Url,
        ir::Type::Json => model::ValueType::Json,
        ir::Type::Enum(e) => model::ValueType::Enum(*e),
        ir::Type::List(el) => model::ValueType::List(Box::new(value_type(el))),
    }
}
