//! Lints: warnings about policies that are well typed but very likely do
//! not do what their author meant. They run on the finished HIR of a
//! policy without errors, and only about the user's own files (the
//! embedded stdlib is not linted; a catalogue tool selected by name is).
//!
//! The theme is silent failure: a guardrail that looks right and lets
//! things through. Unused declarations, rules that can never fire, regexes
//! and globs that cannot match what they are applied to, conditions that
//! go false when an optional argument is absent.

mod patterns;

use std::collections::{BTreeSet, HashSet};

use guard_diagnostics::{Code, Diagnostic, SourceMap};

use crate::hir::{self, ExprKind, Program, Target, TargetForm, Verdict};
use crate::load::Loaded;

pub(crate) fn lint(program: &Program, loaded: &Loaded, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unused(program, &mut out);
    unmentioned_tools(program, loaded, &mut out);
    gates_without_approvers(program, &mut out);
    overriding_rules(program, &mut out);
    untested_labels(program, &mut out);
    optional_params(program, &mut out);
    patterns::lint_patterns(program, sources, &mut out);
    out
}

/// W0001–W0005: declarations nothing reads.
fn unused(p: &Program, out: &mut Vec<Diagnostic>) {
    let mut states = BTreeSet::new();
    let mut attrs = BTreeSet::new();
    let mut labels_tested = BTreeSet::new();
    let mut note = |e: &hir::Expr, assigned: Option<hir::StateId>| {
        e.walk(&mut |x| match &x.kind {
            // Reading a counter only to bump it does not use it.
            ExprKind::State(s) if Some(*s) != assigned => {
                states.insert(*s);
            }
            ExprKind::Attr(a) => {
                attrs.insert(*a);
            }
            ExprKind::ContextHas(l) => {
                labels_tested.insert(*l);
            }
            _ => {}
        })
    };
    for r in &p.rules {
        r.when.iter().for_each(|w| note(w, None));
    }
    for o in &p.on_blocks {
        o.when.iter().for_each(|w| note(w, None));
        for a in &o.assigns {
            note(&a.value, Some(a.state));
        }
    }
    for a in &p.asserts {
        for s in &a.steps {
            s.when.iter().for_each(|w| note(w, None));
        }
    }
    for t in &p.tests {
        for s in &t.steps {
            if let hir::TestStep::Expect { expr, .. } = s {
                note(expr, None);
            }
        }
    }
    for (i, s) in p.states.iter().enumerate() {
        if !s.info.in_stdlib && !states.contains(&hir::StateId(i as u32)) {
            out.push(
                Diagnostic::new(
                    Code::W0001,
                    s.info.name_span,
                    format!("state `{}` is never read", s.info.name),
                )
                .with_label("no rule, assertion or test reads it")
                .with_help("use it in a `when` condition, or remove it"),
            );
        }
    }
    for (i, a) in p.attrs.iter().enumerate() {
        if !a.info.in_stdlib && !attrs.contains(&hir::AttrId(i as u32)) {
            out.push(
                Diagnostic::new(
                    Code::W0002,
                    a.info.name_span,
                    format!("attribute `{}` is never read", a.info.name),
                )
                .with_label("unused attribute")
                .with_help("use it in a condition, or remove it"),
            );
        }
    }
    let escalated: HashSet<hir::GateId> = p
        .rules
        .iter()
        .filter_map(|r| match r.verdict {
            Verdict::Escalate(g) => Some(g),
            _ => None,
        })
        .collect();
    for (i, g) in p.gates.iter().enumerate() {
        if !g.info.in_stdlib && !escalated.contains(&hir::GateId(i as u32)) {
            out.push(
                Diagnostic::new(
                    Code::W0003,
                    g.info.name_span,
                    format!("gate `{}` is never used", g.info.name),
                )
                .with_label("no `escalate` rule names it")
                .with_help("escalate to it with `escalate TOOL to GATE;`, or remove it"),
            );
        }
    }
    let attached: HashSet<hir::LabelId> = p
        .tools
        .iter()
        .flat_map(|t| t.labels.iter().copied())
        .collect();
    for (i, l) in p.labels.iter().enumerate() {
        let id = hir::LabelId(i as u32);
        if !l.info.in_stdlib && !attached.contains(&id) && !labels_tested.contains(&id) {
            out.push(
                Diagnostic::new(Code::W0004, l.info.name_span, format!("label `{}` is never used", l.info.name))
                    .with_label("no tool carries it and no condition tests it")
                    .with_help("attach it with `labels [..]` on a tool and test it with `context has`, or remove it"),
            );
        }
    }
    let ruled: HashSet<hir::ChannelId> = p
        .rules
        .iter()
        // `redact` rewrites text but decides nothing: a channel with only
        // redactions still gets the default verdict.
        .filter(|r| !matches!(r.verdict, Verdict::Redact { .. }))
        .filter_map(|r| match r.target {
            Target::Output(c) => Some(c),
            _ => None,
        })
        .collect();
    for (i, c) in p.channels.iter().enumerate() {
        if !c.info.in_stdlib && !ruled.contains(&hir::ChannelId(i as u32)) {
            let verdict = if p.default_allow { "allowed" } else { "denied" };
            out.push(
                Diagnostic::new(
                    Code::W0005,
                    c.info.name_span,
                    format!("channel `{}` has no output rule", c.info.name),
                )
                .with_label(format!("every output on it is {verdict} by default"))
                .with_help(format!(
                    "add `allow output {};` or a more specific rule",
                    c.info.name
                )),
            );
        }
    }
}

/// W0006: a tool no rule mentions gets the default verdict for every call.
fn unmentioned_tools(p: &Program, loaded: &Loaded, out: &mut Vec<Diagnostic>) {
    let mentioned: HashSet<hir::ToolId> = p
        .rules
        .iter()
        .flat_map(|r| r.target.tools().iter().copied())
        .collect();
    for (i, t) in p.tools.iter().enumerate() {
        if mentioned.contains(&hir::ToolId(i as u32)) {
            continue;
        }
        let span = if t.info.in_stdlib {
            // A catalogue tool is linted only if the user picked it by name.
            let picked = loaded.modules.iter().flat_map(|m| &m.uses).find_map(|u| {
                u.selection
                    .as_ref()?
                    .iter()
                    .find(|s| s.dotted() == t.name)
                    .map(|s| s.span)
            });
            match picked {
                Some(span) => span,
                None => continue,
            }
        } else {
            t.info.name_span
        };
        let verdict = if p.default_allow { "allowed" } else { "denied" };
        out.push(
            Diagnostic::new(
                Code::W0006,
                span,
                format!("no rule mentions tool `{}`", t.name),
            )
            .with_label(format!("every call is {verdict} by `default`"))
            .with_help(format!(
                "write the rule that says what `{}` may do, even if it is `deny {};`",
                t.name, t.name
            )),
        );
    }
}

/// W0007
fn gates_without_approvers(p: &Program, out: &mut Vec<Diagnostic>) {
    for g in &p.gates {
        if !g.info.in_stdlib && g.approvers.is_empty() {
            out.push(
                Diagnostic::new(Code::W0007, g.info.name_span, format!("gate `{}` has no approvers", g.info.name))
                    .with_label("nobody is named to approve")
                    .with_note("the host receives the approvers with every escalation; with none, it cannot route the request")
                    .with_help("add `approvers: [\"team\"];`"),
            );
        }
    }
}

/// W0010: an unconditional `deny` (or `escalate`) on `*` or a glob makes
/// every weaker rule on the tools it covers dead.
fn overriding_rules(p: &Program, out: &mut Vec<Diagnostic>) {
    for r in &p.rules {
        let Target::Tools { tools, form } = &r.target else {
            continue;
        };
        if r.when.is_some() || !matches!(form, TargetForm::Any | TargetForm::Glob(_)) {
            continue;
        }
        let strength = |v: &Verdict| match v {
            Verdict::Deny => 2,
            Verdict::Escalate(_) => 1,
            _ => 0,
        };
        let mine = strength(&r.verdict);
        if mine == 0 {
            continue;
        }
        let covered: Vec<&hir::Rule> = p
            .rules
            .iter()
            .filter(|o| o.id != r.id && strength(&o.verdict) < mine)
            .filter(|o| {
                !o.target.tools().is_empty()
                    && o.target
                        .tools()
                        .iter()
                        .all(|t| tools.binary_search(t).is_ok())
            })
            .collect();
        if covered.is_empty() {
            continue;
        }
        let (what, verb) = match r.verdict {
            Verdict::Deny => ("denies", "can never allow or escalate"),
            _ => ("escalates", "can never allow without approval"),
        };
        let mut d = Diagnostic::new(
            Code::W0010,
            r.target_span,
            format!(
                "this rule {what} every call to {} tool{}, overriding {} other rule{}",
                tools.len(),
                if tools.len() == 1 { "" } else { "s" },
                covered.len(),
                if covered.len() == 1 { "" } else { "s" }
            ),
        )
        .with_label("unconditional and covers every tool of the other rules")
        .with_note("deny beats escalate beats allow, whatever the order of rules");
        for o in covered.iter().take(3) {
            d = d.with_secondary(o.span, format!("this rule {verb}"));
        }
        d = d.with_help("add a `when` condition, or narrow the target");
        out.push(d);
    }
}

/// W0014: `context has L` where no tool's result carries `L`.
fn untested_labels(p: &Program, out: &mut Vec<Diagnostic>) {
    let attached: HashSet<hir::LabelId> = p
        .tools
        .iter()
        .flat_map(|t| t.labels.iter().copied())
        .collect();
    let mut reported = HashSet::new();
    for (_, e) in p.expressions() {
        e.walk(&mut |x| {
            if let ExprKind::ContextHas(l) = x.kind {
                if !attached.contains(&l) && reported.insert(x.span) {
                    let name = &p.labels[l.index()].info.name;
                    out.push(
                        Diagnostic::new(
                            Code::W0014,
                            x.span,
                            format!("no tool's result carries label `{name}`"),
                        )
                        .with_label("always false")
                        .with_note(
                            "`context` only ever holds labels of results of executed tool calls",
                        )
                        .with_help(format!(
                            "add `labels [{name}]` to the tools whose results carry it"
                        )),
                    );
                }
            }
        });
    }
}

/// W0015: a `deny`/`escalate` condition that reads an optional parameter
/// where it may be absent. An absent parameter makes the whole condition
/// false, so the rule silently does not fire for calls that omit it.
fn optional_params(p: &Program, out: &mut Vec<Diagnostic>) {
    for r in &p.rules {
        if !matches!(r.verdict, Verdict::Deny | Verdict::Escalate(_)) {
            continue;
        }
        let Some(when) = &r.when else { continue };
        let optional: HashSet<&str> = r
            .target
            .tools()
            .iter()
            .flat_map(|&t| {
                p.tool(t)
                    .params
                    .iter()
                    .filter(|q| q.optional)
                    .map(|q| q.name.as_str())
            })
            .collect();
        if optional.is_empty() {
            continue;
        }
        let mut unguarded = Vec::new();
        guard_walk(when, &HashSet::new(), &optional, &mut unguarded);
        let mut seen = HashSet::new();
        for (name, span) in unguarded {
            if !seen.insert(name.clone()) {
                continue;
            }
            let verb = if matches!(r.verdict, Verdict::Deny) {
                "deny"
            } else {
                "escalate"
            };
            out.push(
                Diagnostic::new(Code::W0015, span, format!("optional parameter `{name}` may be absent here"))
                    .with_label(format!("if `{name}` is absent the whole condition is false"))
                    .with_secondary(r.verdict_span, format!("so this rule does not {verb} calls without `{name}`"))
                    .with_help(format!("write `!has({name}) || ...` to also {verb} calls without it, or `has({name}) && ...` to say it only applies when present")),
            );
        }
    }
}

/// Finds parameter reads not protected by a `has` that is known true at
/// that point under left-to-right short-circuit evaluation.
fn guard_walk(
    e: &hir::Expr,
    present: &HashSet<String>,
    optional: &HashSet<&str>,
    out: &mut Vec<(String, guard_diagnostics::Span)>,
) {
    match &e.kind {
        ExprKind::Param(name) => {
            if optional.contains(name.as_str()) && !present.contains(name) {
                out.push((name.clone(), e.span));
            }
        }
        ExprKind::Binary {
            op: hir::BinOp::And,
            lhs,
            rhs,
        } => {
            guard_walk(lhs, present, optional, out);
            let mut more = present.clone();
            more.extend(facts(lhs, true));
            guard_walk(rhs, &more, optional, out);
        }
        ExprKind::Binary {
            op: hir::BinOp::Or,
            lhs,
            rhs,
        } => {
            guard_walk(lhs, present, optional, out);
            let mut more = present.clone();
            more.extend(facts(lhs, false));
            guard_walk(rhs, &more, optional, out);
        }
        ExprKind::Has(_) | ExprKind::Lit(_) => {}
        _ => match &e.kind {
            ExprKind::Not(x) | ExprKind::Neg(x) => guard_walk(x, present, optional, out),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => {
                guard_walk(lhs, present, optional, out);
                guard_walk(rhs, present, optional, out);
            }
            ExprKind::Glob { lhs, .. } | ExprKind::Regex { lhs, .. } => {
                guard_walk(lhs, present, optional, out)
            }
            ExprKind::Call { args, .. } | ExprKind::List(args) => {
                for a in args {
                    guard_walk(a, present, optional, out);
                }
            }
            _ => {}
        },
    }
}

/// Parameters known present when `e` evaluates to `value`.
fn facts(e: &hir::Expr, value: bool) -> Vec<String> {
    match (&e.kind, value) {
        (ExprKind::Has(p), true) => vec![p.clone()],
        (ExprKind::Not(x), v) => facts(x, !v),
        (
            ExprKind::Binary {
                op: hir::BinOp::And,
                lhs,
                rhs,
            },
            true,
        )
        | (
            ExprKind::Binary {
                op: hir::BinOp::Or,
                lhs,
                rhs,
            },
            false,
        ) => {
            let mut f = facts(lhs, value);
            f.extend(facts(rhs, value));
            f
        }
        _ => Vec::new(),
    }
}
