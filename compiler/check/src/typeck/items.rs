//! Checking rules, effect blocks and assertions: targets resolve to tool
//! sets or a channel, conditions are boolean in an environment holding the
//! target's parameters, assignments go to state with a fitting value.

use guard_diagnostics::{Code, Diagnostic};
use guard_syntax::ast;

use crate::hir::{self, Target, TargetForm, ToolId, Type};
use crate::load::ModuleIdx;
use crate::resolve::{Kind, ValueRef};
use crate::typeck::expr::Env;
use crate::typeck::values::const_value;
use crate::typeck::Checker;

impl Checker<'_> {
    /// Pass 3: rules, effect blocks and assertions, in load order.
    pub(crate) fn check_items(&mut self) {
        for (m, item) in self.items() {
            match &item.kind {
                ast::ItemKind::Rule(r) => self.check_rule(m, item, r),
                ast::ItemKind::On(o) => self.check_on(m, item, o),
                ast::ItemKind::Assert(a) => self.check_assert(m, item, a),
                _ => {}
            }
        }
    }

    fn check_rule(&mut self, m: ModuleIdx, item: &ast::Item, r: &ast::Rule) {
        let target = self.target(m, &r.target);
        let verdict = match &r.verdict {
            ast::Verdict::Allow => Some(hir::Verdict::Allow),
            ast::Verdict::Deny => Some(hir::Verdict::Deny),
            ast::Verdict::Escalate { gate } => self
                .lookup(Kind::Gate, m, &gate.text, gate.span)
                .map(hir::Verdict::Escalate),
            ast::Verdict::Redact { regex, replacement } => {
                self.compile_regex(regex);
                Some(hir::Verdict::Redact {
                    regex: regex.value.clone(),
                    replacement: replacement.value.clone(),
                })
            }
        };
        let when = r
            .when
            .as_ref()
            .map(|w| self.condition(m, target.as_ref(), w));
        if let (Some(target), Some(verdict)) = (target, verdict) {
            let id = hir::RuleId(self.program.rules.len() as u32);
            self.program.rules.push(hir::Rule {
                id,
                verdict,
                target,
                target_span: r.target.span,
                when,
                because: r.because.as_ref().map(|b| b.value.clone()),
                span: item.span,
                verdict_span: r.verdict_span,
            });
        }
    }

    fn check_on(&mut self, m: ModuleIdx, item: &ast::Item, o: &ast::OnBlock) {
        let target = self.target(m, &o.target);
        let when = o
            .when
            .as_ref()
            .map(|w| self.condition(m, target.as_ref(), w));
        let env = self.env_for(m, target.as_ref());
        let mut assigns = Vec::new();
        for a in &o.body {
            let value_ref = self.names.values.get(&a.name.text).copied();
            let visible = value_ref.is_some_and(|e| self.visible(m, &a.name.text, e.module));
            let is_param = env
                .tools
                .iter()
                .any(|&t| self.program.tool(t).param(&a.name.text).is_some());
            let state = match value_ref {
                Some(e) if visible => match e.id {
                    ValueRef::State(s) if !is_param => Some(s),
                    ValueRef::State(_) => {
                        self.not_assignable(
                            a,
                            "a tool parameter (it shadows the state variable here)",
                        );
                        None
                    }
                    ValueRef::Attr(_) => {
                        self.not_assignable(a, "an attribute, fixed for the session by the host");
                        None
                    }
                },
                _ if is_param => {
                    self.not_assignable(a, "a tool parameter, the event's input");
                    None
                }
                _ => {
                    let _ = self.lookup::<ValueRef>(Kind::Value, m, &a.name.text, a.name.span);
                    None
                }
            };
            let want = state.map(|s| self.program.states[s.index()].ty.clone());
            let value = self.expr(&a.value, &env, want.as_ref());
            if let (Some(s), Some(want)) = (state, want) {
                if self.require(&value, &want, "value") {
                    if let Some(v) = const_value(&value) {
                        self.check_range(&v, &want, a.value.span);
                    }
                }
                assigns.push(hir::Assign {
                    state: s,
                    value,
                    span: a.span,
                });
            }
        }
        if let Some(target) = target {
            self.program.on_blocks.push(hir::OnBlock {
                target,
                when,
                assigns,
                span: item.span,
            });
        }
    }

    fn not_assignable(&mut self, a: &ast::Assign, what: &str) {
        self.diags.push(
            Diagnostic::new(
                Code::E0301,
                a.name.span,
                format!("cannot assign to `{}`", a.name.text),
            )
            .with_label(format!("this is {what}"))
            .with_help("only `state` variables change during a session"),
        );
    }

    fn check_assert(&mut self, m: ModuleIdx, item: &ast::Item, a: &ast::Assert) {
        let mut steps = Vec::new();
        let mut ok = true;
        for step in std::iter::once(&a.pattern.first).chain(a.pattern.rest.iter().map(|(_, s)| s)) {
            let target = self.target(m, &step.target);
            let when = step
                .when
                .as_ref()
                .map(|w| self.condition(m, target.as_ref(), w));
            let gate = match &step.unless_approved {
                Some(g) => match self.lookup(Kind::Gate, m, &g.text, g.span) {
                    Some(id) => Some(id),
                    None => {
                        ok = false;
                        None
                    }
                },
                None => None,
            };
            match target {
                Some(target) => steps.push(hir::Step {
                    target,
                    when,
                    unless_approved: gate,
                    span: step.span,
                }),
                None => ok = false,
            }
        }
        if !ok {
            return;
        }
        self.program.asserts.push(hir::Assert {
            name: a.name.text.clone(),
            kind: match a.kind {
                ast::AssertKind::Never => hir::AssertKind::Never,
                ast::AssertKind::Possible => hir::AssertKind::Possible,
            },
            steps,
            links: a
                .pattern
                .rest
                .iter()
                .map(|(l, _)| match l {
                    ast::Link::Eventually => hir::Link::Eventually,
                    ast::Link::Next => hir::Link::Next,
                })
                .collect(),
            span: item.span,
            name_span: a.name.span,
        });
    }

    /// The environment of a condition on `target`.
    fn env_for(&self, m: ModuleIdx, target: Option<&Target>) -> Env {
        Env {
            module: m,
            tools: target.map(|t| t.tools().to_vec()).unwrap_or_default(),
            text: matches!(target, Some(Target::Output(_))),
            values: true,
        }
    }

    /// Types a `when` condition on `target`.
    fn condition(&mut self, m: ModuleIdx, target: Option<&Target>, w: &ast::Expr) -> hir::Expr {
        let env = self.env_for(m, target);
        let e = self.expr(w, &env, Some(&Type::Bool));
        self.require(&e, &Type::Bool, "condition");
        e
    }

    /// Resolves a target. Globs and `*` range over every tool of the
    /// policy (they are policy-wide), names and sets over visible tools.
    pub(crate) fn target(&mut self, m: ModuleIdx, t: &ast::Target) -> Option<Target> {
        match &t.kind {
            ast::TargetKind::Tool(path) => {
                let id = self.lookup::<ToolId>(Kind::Tool, m, &path.dotted(), path.span)?;
                Some(Target::Tools {
                    tools: vec![id],
                    form: TargetForm::Name,
                })
            }
            ast::TargetKind::Set(paths) => {
                let mut tools = Vec::new();
                let mut ok = true;
                for p in paths {
                    match self.lookup::<ToolId>(Kind::Tool, m, &p.dotted(), p.span) {
                        Some(id) => tools.push(id),
                        None => ok = false,
                    }
                }
                tools.sort();
                tools.dedup();
                (ok && !tools.is_empty()).then_some(Target::Tools {
                    tools,
                    form: TargetForm::Set,
                })
            }
            ast::TargetKind::Any | ast::TargetKind::Glob(_) => {
                let (segments, written): (Vec<Option<&str>>, String) = match &t.kind {
                    ast::TargetKind::Glob(segs) => {
                        let s: Vec<Option<&str>> = segs
                            .iter()
                            .map(|s| s.as_ref().map(|i| i.text.as_str()))
                            .collect();
                        let w = s
                            .iter()
                            .map(|x| x.unwrap_or("*"))
                            .collect::<Vec<_>>()
                            .join(".");
                        (s, w)
                    }
                    _ => (vec![None], "*".to_string()),
                };
                let tools: Vec<ToolId> = (0..self.program.tools.len())
                    .map(|i| ToolId(i as u32))
                    .filter(|&id| tool_glob_matches(&segments, &self.program.tool(id).name))
                    .collect();
                if tools.is_empty() {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0111,
                            t.span,
                            format!("`{written}` matches no tool of this policy"),
                        )
                        .with_label("matches nothing")
                        .with_note("a rule that matches no tool never applies, which for a `deny` silently allows what it was meant to stop")
                        .with_help("check the spelling, or declare or import the tools it should cover"),
                    );
                    return None;
                }
                let form = if matches!(t.kind, ast::TargetKind::Any) {
                    TargetForm::Any
                } else {
                    TargetForm::Glob(written)
                };
                Some(Target::Tools { tools, form })
            }
            ast::TargetKind::Output(ch) => self
                .lookup(Kind::Channel, m, &ch.text, ch.span)
                .map(Target::Output),
        }
    }
}

/// Whether a tool-name glob (`None` segments are `*`) matches a dotted
/// name. A `*` matches exactly one segment, except a trailing `*`, which
/// matches one or more: `fs.*` covers `fs.read` and `fs.dir.list`.
pub(crate) fn tool_glob_matches(pattern: &[Option<&str>], name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    let Some((last, init)) = pattern.split_last() else {
        return false;
    };
    if parts.len() < pattern.len() {
        return false;
    }
    for (p, part) in init.iter().zip(&parts) {
        if let Some(p) = p {
            if p != part {
                return false;
            }
        }
    }
    match last {
        None => true,
        Some(l) => parts.len() == pattern.len() && parts[pattern.len() - 1] == *l,
    }
}

#[cfg(test)]
mod tool_glob_tests {
    use super::tool_glob_matches;

    #[test]
    fn trailing_star_covers_the_namespace() {
        assert!(tool_glob_matches(&[Some("fs"), None], "fs.read"));
        assert!(tool_glob_matches(&[Some("fs"), None], "fs.dir.list"));
        assert!(!tool_glob_matches(&[Some("fs"), None], "fs"));
        assert!(!tool_glob_matches(&[Some("fs"), None], "web.fetch"));
        assert!(tool_glob_matches(&[None], "anything.at.all"));
    }

    #[test]
    fn inner_star_is_one_segment() {
        assert!(tool_glob_matches(&[None, Some("read")], "fs.read"));
        assert!(!tool_glob_matches(&[None, Some("read")], "a.b.read"));
        assert!(!tool_glob_matches(&[None, Some("read")], "fs.write"));
    }
}
