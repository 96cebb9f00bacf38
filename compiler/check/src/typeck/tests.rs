//! Checking `test` blocks: attributes given with `with`, events against the
//! tool signatures and channels, expected verdicts against the gates, and
//! `expect` conditions over state.
//!
//! A step that expects `deny` may deliberately send a malformed event (an
//! unknown tool, a missing or ill-typed argument): the runtime must deny
//! it before consulting any rule. Such steps are kept, with a warning
//! (W0017) saying so, because a typo there would pass for the wrong reason.

use std::collections::BTreeSet;

use guard_diagnostics::{Code, Diagnostic, Span};
use guard_syntax::ast;

use crate::hir::{self, AttrId, ExprKind, Type, Value};
use crate::load::ModuleIdx;
use crate::resolve::{Kind, ValueRef};
use crate::typeck::expr::Env;
use crate::typeck::values::{assignable, const_value};
use crate::typeck::Checker;

impl Checker<'_> {
    pub(crate) fn check_tests(&mut self) {
        let read = self.attrs_read();
        for (m, item) in self.items() {
            if let ast::ItemKind::Test(t) = &item.kind {
                self.check_test(m, item, t, &read);
            }
        }
    }

    /// Attributes that rules and effect blocks read: a session without
    /// them is denied, so every test must give them.
    fn attrs_read(&self) -> BTreeSet<AttrId> {
        let mut read = BTreeSet::new();
        let mut visit = |e: &hir::Expr| {
            e.walk(&mut |x| {
                if let ExprKind::Attr(a) = x.kind {
                    read.insert(a);
                }
            })
        };
        for r in &self.program.rules {
            r.when.iter().for_each(&mut visit);
        }
        for o in &self.program.on_blocks {
            o.when.iter().for_each(&mut visit);
            o.assigns.iter().for_each(|a| visit(&a.value));
        }
        read
    }

    fn check_test(
        &mut self,
        m: ModuleIdx,
        item: &ast::Item,
        t: &ast::Test,
        read: &BTreeSet<AttrId>,
    ) {
        let mut attrs: Vec<(AttrId, Value)> = Vec::new();
        let mut seen: Vec<(&str, Span)> = Vec::new();
        // Attributes the test names, even with a value that failed to check
        // (that error is reported; E0303 on top would be a cascade).
        let mut named: Vec<AttrId> = Vec::new();
        for w in &t.with {
            if let Some(&(_, prev)) = seen.iter().find(|(n, _)| *n == w.name.text) {
                self.check_duplicate(Some(prev), &w.name.text, w.name.span, "attribute value");
                continue;
            }
            seen.push((&w.name.text, w.name.span));
            let entity = self.names.values.get(&w.name.text).copied();
            let attr = match entity {
                Some(e) if self.visible(m, &w.name.text, e.module) => {
                    match e.id {
                        ValueRef::Attr(a) => Some(a),
                        ValueRef::State(_) => {
                            self.diags.push(
                            Diagnostic::new(Code::E0116, w.name.span, format!("`{}` is a state variable, not an attribute", w.name.text))
                                .with_label("tests set attributes only")
                                .with_help("state starts at its declared initial value; drive it with events"),
                        );
                            None
                        }
                    }
                }
                _ => {
                    let attrs: Vec<&str> = self
                        .program
                        .attrs
                        .iter()
                        .map(|a| a.info.name.as_str())
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::E0116,
                        w.name.span,
                        format!("unknown attribute `{}`", w.name.text),
                    )
                    .with_label("no attribute of this name");
                    if let Some(s) = crate::suggest::best(&w.name.text, attrs) {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("replace with `{s}`"),
                            w.name.span,
                            s,
                        );
                    }
                    self.diags.push(d);
                    None
                }
            };
            if let Some(a) = attr {
                named.push(a);
                let ty = self.program.attrs[a.index()].ty.clone();
                if let Some(v) = self.constant(m, &w.value, &ty, "an attribute value") {
                    attrs.push((a, v));
                }
            }
        }
        let missing: Vec<String> = read
            .iter()
            .filter(|a| !named.contains(a))
            .map(|a| format!("`{}`", self.program.attrs[a.index()].info.name))
            .collect();
        if !missing.is_empty() {
            let example: Vec<String> = missing
                .iter()
                .map(|n| format!("{} = ...", n.trim_matches('`')))
                .collect();
            self.diags.push(
                Diagnostic::new(
                    Code::E0303,
                    t.name.span,
                    format!(
                        "this test does not set {} {}, which the policy reads",
                        if missing.len() == 1 { "attribute" } else { "attributes" },
                        missing.join(", ")
                    ),
                )
                .with_label("attributes missing")
                .with_note("the runtime denies every event of a session that lacks an attribute the policy reads")
                .with_help(format!("add `with {}` after the test name", example.join(", "))),
            );
        }
        let mut steps = Vec::new();
        for s in &t.steps {
            match s {
                ast::TestStep::Event {
                    event,
                    expected,
                    span,
                } => {
                    let exp = self.expected(m, expected);
                    let deny = matches!(expected.kind, ast::ExpectedKind::Deny);
                    let ev = self.event(m, event, deny);
                    if let (Some(event), Some(expected)) = (ev, exp) {
                        steps.push(hir::TestStep::Event {
                            event,
                            expected,
                            span: *span,
                        });
                    }
                }
                ast::TestStep::Expect { expr, span } => {
                    let env = Env {
                        module: m,
                        tools: Vec::new(),
                        text: false,
                        values: true,
                    };
                    let e = self.expr(expr, &env, Some(&Type::Bool));
                    self.require(&e, &Type::Bool, "condition");
                    steps.push(hir::TestStep::Expect {
                        expr: e,
                        span: *span,
                    });
                }
            }
        }
        self.program.tests.push(hir::Test {
            name: t.name.value.clone(),
            name_span: t.name.span,
            attrs,
            steps,
            span: item.span,
        });
    }

    fn expected(&mut self, m: ModuleIdx, e: &ast::Expected) -> Option<hir::Expected> {
        Some(match &e.kind {
            ast::ExpectedKind::Allow => hir::Expected::Allow,
            ast::ExpectedKind::Deny => hir::Expected::Deny,
            ast::ExpectedKind::Escalate { gates, approved } => {
                let mut ids = Vec::new();
                let mut ok = true;
                for g in gates {
                    match self.lookup(Kind::Gate, m, &g.text, g.span) {
                        Some(id) => ids.push(id),
                        None => ok = false,
                    }
                }
                ids.sort();
                ids.dedup();
                if !ok {
                    return None;
                }
                hir::Expected::Escalate {
                    gates: ids,
                    approved: approved.unwrap_or(false),
                }
            }
        })
    }

    /// A step's event. With `deny` expected, malformed events are kept
    /// and flagged W0017; otherwise they are errors.
    fn event(&mut self, m: ModuleIdx, e: &ast::Event, deny: bool) -> Option<hir::TestEvent> {
        match e {
            ast::Event::Call { tool, args, span } => {
                let name = tool.dotted();
                // A tool of the policy that this file does not import is a
                // scope error even in a `deny` step: at run time the tool
                // exists and its rules decide the call.
                let declared = self.names.tools.contains_key(&name);
                let found = if declared {
                    Some(self.lookup::<hir::ToolId>(Kind::Tool, m, &name, tool.span)?)
                } else {
                    None
                };
                let id = match (found, deny) {
                    (Some(id), _) => Some(id),
                    (None, true) => {
                        self.denied_early(
                            tool.span,
                            format!("`{name}` is not a tool of this policy"),
                        );
                        None
                    }
                    (None, false) => {
                        self.lookup::<hir::ToolId>(Kind::Tool, m, &name, tool.span)?;
                        return None;
                    }
                };
                let mut out: Vec<(String, Value)> = Vec::new();
                let mut ok = true;
                for a in args {
                    if out.iter().any(|(n, _)| *n == a.name.text) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::E0110,
                                a.name.span,
                                format!("argument `{}` is given twice", a.name.text),
                            )
                            .with_label("repeated argument"),
                        );
                        ok = false;
                        continue;
                    }
                    let param = id.and_then(|id| {
                        self.program
                            .tool(id)
                            .param(&a.name.text)
                            .map(|(_, p)| p.ty.clone())
                    });
                    let typed = self.expr(&a.value, &Env::constant(m), param.as_ref());
                    let Some(value) = const_value(&typed) else {
                        if typed.ty != Type::Error {
                            self.diags.push(
                                Diagnostic::new(
                                    Code::E0205,
                                    a.value.span,
                                    "a test argument must be a constant",
                                )
                                .with_label("not a constant"),
                            );
                        }
                        ok = false;
                        continue;
                    };
                    match param {
                        Some(ty) if assignable(&typed.ty, &ty) => {}
                        Some(ty) if deny => self.denied_early(
                            a.value.span,
                            format!("`{}` must be `{}`", a.name.text, self.type_name(&ty)),
                        ),
                        Some(ty) => {
                            self.require(&typed, &ty, "argument");
                            ok = false;
                        }
                        None if id.is_none() => {}
                        None if deny => self.denied_early(
                            a.name.span,
                            format!("`{name}` has no parameter `{}`", a.name.text),
                        ),
                        None => {
                            self.unknown_param(id, &a.name);
                            ok = false;
                        }
                    }
                    out.push((a.name.text.clone(), value));
                }
                if let Some(id) = id {
                    let missing: Vec<String> = self
                        .program
                        .tool(id)
                        .params
                        .iter()
                        .filter(|p| !p.optional && !out.iter().any(|(n, _)| *n == p.name))
                        .map(|p| format!("`{}`", p.name))
                        .collect();
                    if !missing.is_empty() {
                        if deny {
                            self.denied_early(
                                *span,
                                format!("missing argument {}", missing.join(", ")),
                            );
                        } else {
                            self.diags.push(
                                Diagnostic::new(
                                    Code::E0304,
                                    *span,
                                    format!("`{name}` needs argument {}", missing.join(", ")),
                                )
                                .with_label("missing arguments")
                                .with_note("a call without a required argument is denied before any rule is consulted"),
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(hir::TestEvent::Call {
                    tool: id,
                    tool_name: name,
                    args: out,
                })
            }
            ast::Event::Output { channel, text, .. } => {
                let found = if self.names.channels.contains_key(&channel.text) {
                    Some(self.lookup::<hir::ChannelId>(
                        Kind::Channel,
                        m,
                        &channel.text,
                        channel.span,
                    )?)
                } else {
                    None
                };
                let id = match (found, deny) {
                    (Some(id), _) => Some(id),
                    (None, true) => {
                        self.denied_early(
                            channel.span,
                            format!("`{}` is not a channel of this policy", channel.text),
                        );
                        None
                    }
                    (None, false) => {
                        self.lookup::<hir::ChannelId>(
                            Kind::Channel,
                            m,
                            &channel.text,
                            channel.span,
                        )?;
                        return None;
                    }
                };
                let typed = self.expr(text, &Env::constant(m), Some(&Type::Str));
                if !self.require(&typed, &Type::Str, "output text") {
                    return None;
                }
                let Some(Value::Str(text)) = const_value(&typed) else {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0205,
                            typed.span,
                            "the output text must be a constant string",
                        )
                        .with_label("not a constant"),
                    );
                    return None;
                };
                Some(hir::TestEvent::Output {
                    channel: id,
                    channel_name: channel.text.clone(),
                    text,
                })
            }
        }
    }

    fn denied_early(&mut self, span: Span, why: String) {
        self.diags.push(
            Diagnostic::new(
                Code::W0017,
                span,
                format!("this step is denied before any rule is consulted: {why}"),
            )
            .with_label("malformed event")
            .with_note("the test still checks that the runtime denies it, but no rule is exercised")
            .with_help("if the mistake is not deliberate, fix the event"),
        );
    }

    fn unknown_param(&mut self, tool: Option<hir::ToolId>, name: &ast::Ident) {
        let Some(tool) = tool else { return };
        let t = self.program.tool(tool);
        let params: Vec<String> = t.params.iter().map(|p| p.name.clone()).collect();
        let mut d = Diagnostic::new(
            Code::E0113,
            name.span,
            format!("`{}` has no parameter `{}`", t.name, name.text),
        )
        .with_label("unknown parameter");
        if let Some(s) = crate::suggest::best(&name.text, params.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                format!("replace with `{s}`"),
                name.span,
                s,
            );
        } else if !params.is_empty() {
            d = d.with_note(format!("its parameters are {}", params.join(", ")));
        }
        self.diags.push(d);
    }
}
