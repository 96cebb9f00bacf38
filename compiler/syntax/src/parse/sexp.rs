//! A compact S-expression rendering of the AST, for tests: one line per
//! item, spans left out, so an expected tree fits in a string literal.
//! Example: `allow a.b when !x == 1;` renders as
//! `(allow a.b (when (! (== x 1))))`.

use std::fmt::Write;

use crate::ast::*;

pub fn item(item: &Item) -> String {
    let mut out = String::new();
    write_item(&mut out, &item.kind);
    out
}

fn names(ids: &[Ident]) -> String {
    ids.iter()
        .map(|i| i.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_item(out: &mut String, kind: &ItemKind) {
    let _ = match kind {
        ItemKind::Policy(n) => write!(out, "(policy {})", n.text),
        ItemKind::Use(Use::Module { path, names: None }) => {
            write!(out, "(use {})", join(path, "::"))
        }
        ItemKind::Use(Use::Module {
            path,
            names: Some(ns),
        }) => write!(
            out,
            "(use {} {{{}}})",
            join(path, "::"),
            ns.iter()
                .map(ToolPath::dotted)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ItemKind::Use(Use::File(s)) => write!(out, "(use {:?})", s.value),
        ItemKind::Label(ls) => write!(out, "(label {})", names(ls)),
        ItemKind::Effect(es) => write!(out, "(effect {})", names(es)),
        ItemKind::Tool(t) => {
            let params: Vec<String> = t
                .params
                .iter()
                .map(|p| {
                    format!(
                        "({} {}{})",
                        p.name.text,
                        ty(&p.ty),
                        if p.optional { "?" } else { "" }
                    )
                })
                .collect();
            let _ = write!(out, "(tool {} ({})", t.name.dotted(), params.join(" "));
            if let Some(r) = &t.ret {
                let _ = write!(out, " -> {}", ty(r));
            }
            if let Some(l) = &t.labels {
                let _ = write!(out, " labels[{}]", names(l));
            }
            if let Some(e) = &t.effects {
                let _ = write!(out, " effects[{}]", names(e));
            }
            write!(out, ")")
        }
        ItemKind::Attr(a) => write!(out, "(attr {} {})", a.name.text, ty(&a.ty)),
        ItemKind::State(s) => write!(
            out,
            "(state {} {} {})",
            s.name.text,
            ty(&s.ty),
            expr(&s.init)
        ),
        ItemKind::Gate(g) => {
            let fields: Vec<String> = g
                .fields
                .iter()
                .map(|f| format!("({} {})", f.name.text, expr(&f.value)))
                .collect();
            write!(out, "(gate {} {})", g.name.text, fields.join(" "))
        }
        ItemKind::Channel(c) => write!(out, "(channel {})", c.text),
        ItemKind::Default(d) => write!(out, "(default {})", if d.allow { "allow" } else { "deny" }),
        ItemKind::Rule(r) => {
            let verdict = match &r.verdict {
                Verdict::Allow => "allow".to_string(),
                Verdict::Deny => "deny".to_string(),
                Verdict::Escalate { gate } => format!("escalate-to {}", gate.text),
                Verdict::Redact { regex, replacement } => {
                    format!("redact {:?} {:?}", regex.value, replacement.value)
                }
            };
            let _ = write!(out, "({verdict} {}", target(&r.target));
            if let Some(w) = &r.when {
                let _ = write!(out, " (when {})", expr(w));
            }
            if let Some(b) = &r.because {
                let _ = write!(out, " (because {:?})", b.value);
            }
            write!(out, ")")
        }
        ItemKind::On(o) => {
            let _ = write!(out, "(on {}", target(&o.target));
            if let Some(w) = &o.when {
                let _ = write!(out, " (when {})", expr(w));
            }
            for a in &o.body {
                let _ = write!(out, " (= {} {})", a.name.text, expr(&a.value));
            }
            write!(out, ")")
        }
        ItemKind::Assert(a) => {
            let kind = match a.kind {
                AssertKind::Never => "never",
                AssertKind::Possible => "possible",
            };
            let _ = write!(
                out,
                "(assert {} {kind} {}",
                a.name.text,
                step(&a.pattern.first)
            );
            for (link, s) in &a.pattern.rest {
                let l = match link {
                    Link::Eventually => "~>",
                    Link::Next => "->",
                };
                let _ = write!(out, " {l} {}", step(s));
            }
            write!(out, ")")
        }
        ItemKind::Test(t) => {
            let _ = write!(out, "(test {:?}", t.name.value);
            for w in &t.with {
                let _ = write!(out, " (with {} {})", w.name.text, expr(&w.value));
            }
            for s in &t.steps {
                let _ = match s {
                    TestStep::Expect { expr: e, .. } => write!(out, " (expect {})", expr(e)),
                    TestStep::Event {
                        event, expected, ..
                    } => {
                        write!(out, " ({} => {})", ev(event), exp(expected))
                    }
                };
            }
            write!(out, ")")
        }
    };
}

fn join(ids: &[Ident], sep: &str) -> String {
    ids.iter()
        .map(|i| i.text.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

fn ty(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named(n) => n.text.clone(),
        TypeExprKind::Applied { name, arg } => format!("{}<{}>", name.text, ty(arg)),
        TypeExprKind::Ranged { name, lo, hi } => {
            format!("{}[{}..{}]", name.text, lo.value, hi.value)
        }
        TypeExprKind::Enum(vs) => format!("enum{{{}}}", names(vs)),
    }
}

fn target(t: &Target) -> String {
    match &t.kind {
        TargetKind::Tool(p) => p.dotted(),
        TargetKind::Glob(segs) => format!(
            "(glob {})",
            segs.iter()
                .map(|s| s.as_ref().map_or("*", |i| i.text.as_str()))
                .collect::<Vec<_>>()
                .join(".")
        ),
        TargetKind::Any => "*".to_string(),
        TargetKind::Set(ps) => format!(
            "{{{}}}",
            ps.iter()
                .map(ToolPath::dotted)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        TargetKind::Output(c) => format!("(output {})", c.text),
    }
}

fn step(s: &Step) -> String {
    let mut out = format!("(step {}", target(&s.target));
    if let Some(w) = &s.when {
        let _ = write!(out, " (when {})", expr(w));
    }
    if let Some(g) = &s.unless_approved {
        let _ = write!(out, " (unless-approved {})", g.text);
    }
    out.push(')');
    out
}

fn ev(e: &Event) -> String {
    match e {
        Event::Call { tool, args, .. } => format!(
            "(call {}{})",
            tool.dotted(),
            args.iter()
                .map(|a| format!(" ({} {})", a.name.text, expr(&a.value)))
                .collect::<String>()
        ),
        Event::Output { channel, text, .. } => format!("(output {} {})", channel.text, expr(text)),
    }
}

fn exp(e: &Expected) -> String {
    match &e.kind {
        ExpectedKind::Allow => "allow".to_string(),
        ExpectedKind::Deny => "deny".to_string(),
        ExpectedKind::Escalate { gates, approved } => format!(
            "(escalate {}{})",
            names(gates),
            match approved {
                None => "",
                Some(true) => " approved",
                Some(false) => " rejected",
            }
        ),
    }
}

pub fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Duration(ms) => format!("{ms}ms"),
        ExprKind::List(xs) => format!("[{}]", xs.iter().map(expr).collect::<Vec<_>>().join(" ")),
        ExprKind::Name(n) => n.text.clone(),
        ExprKind::Call { func, args } => format!(
            "(call {}{})",
            func.text,
            args.iter()
                .map(|a| format!(" {}", expr(a)))
                .collect::<String>()
        ),
        ExprKind::Has(n) => format!("(has {})", n.text),
        ExprKind::Unary { op, expr: x } => {
            let op = match op {
                UnOp::Not => "!",
                UnOp::Neg => "neg",
            };
            format!("({op} {})", expr(x))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), expr(lhs), expr(rhs))
        }
        ExprKind::In { lhs, rhs } => format!("(in {} {})", expr(lhs), expr(rhs)),
        ExprKind::Matches { lhs, kind, pattern } => {
            let k = match kind {
                MatchKind::Glob => "glob",
                MatchKind::Regex => "regex",
            };
            format!("(matches-{k} {} {:?})", expr(lhs), pattern.value)
        }
        ExprKind::ContextHas(l) => format!("(context-has {})", l.text),
        ExprKind::Paren(x) => format!("(paren {})", expr(x)),
    }
}
