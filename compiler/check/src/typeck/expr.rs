//! Expression typing. A bare name means, in this order: a parameter of the
//! target's tools, the output payload `text` (output targets only), a
//! visible state variable or attribute, and finally an enum variant —
//! of the expected enum type when one is known, else of the only enum that
//! has it.
//!
//! Types are checked bottom-up with an optional expected type flowing down,
//! which is how `env == prod` and `phase in [plan, act]` find the enum.

use guard_diagnostics::{Code, Diagnostic, Span};
use guard_syntax::ast;

use crate::glob;
use crate::hir::{self, Builtin, Expr, ExprKind, ToolId, Type, Value};
use crate::load::ModuleIdx;
use crate::resolve::{Kind, ValueRef};
use crate::typeck::values::{const_value, unify};
use crate::typeck::Checker;

/// The largest compiled regex accepted (the runtime uses the same bound).
pub(crate) const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// What an expression may refer to.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub module: ModuleIdx,
    /// The tools whose parameters are in scope (a rule's target).
    pub tools: Vec<ToolId>,
    /// The output payload `text` is in scope.
    pub text: bool,
    /// State variables and attributes are in scope.
    pub values: bool,
}

impl Env {
    /// Only constants (and enum variants).
    pub fn constant(module: ModuleIdx) -> Env {
        Env {
            module,
            tools: Vec::new(),
            text: false,
            values: false,
        }
    }
}

/// A parameter as seen through a (possibly multi-tool) target.
enum ParamLookup {
    /// Every tool has it with this type; `optional` if any tool marks it so.
    Found {
        ty: Type,
        optional: bool,
    },
    /// Some tools have it, some don't, or types differ.
    Partial(String),
    Absent,
}

impl Checker<'_> {
    fn param(&self, env: &Env, name: &str) -> ParamLookup {
        if env.tools.is_empty() {
            return ParamLookup::Absent;
        }
        let mut ty: Option<Type> = None;
        let mut optional = false;
        let mut missing = Vec::new();
        let mut differs = None;
        for &t in &env.tools {
            let tool = self.program.tool(t);
            match tool.param(name) {
                Some((_, p)) => {
                    optional |= p.optional;
                    match &ty {
                        None => ty = Some(p.ty.clone()),
                        Some(prev) if *prev != p.ty => {
                            differs = Some(format!(
                                "`{}` is `{}` on `{}` but `{}` on another targeted tool",
                                name,
                                self.type_name(&p.ty),
                                tool.name,
                                self.type_name(prev)
                            ));
                        }
                        Some(_) => {}
                    }
                }
                None => missing.push(tool.name.clone()),
            }
        }
        match (ty, differs) {
            (None, _) => ParamLookup::Absent,
            (Some(_), Some(why)) => ParamLookup::Partial(why),
            (Some(ty), None) if missing.is_empty() => ParamLookup::Found { ty, optional },
            (Some(_), None) => ParamLookup::Partial(format!(
                "{} {} no parameter `{name}`",
                list_names(&missing),
                if missing.len() == 1 { "has" } else { "have" }
            )),
        }
    }

    /// Types `e`, with `expected` as a hint for enum variants and empty
    /// lists. Does not itself report a mismatch with `expected`.
    pub(crate) fn expr(&mut self, e: &ast::Expr, env: &Env, expected: Option<&Type>) -> Expr {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Int(v) => (ExprKind::Lit(Value::Int(*v)), Type::Int),
            ast::ExprKind::Str(s) => (ExprKind::Lit(Value::Str(s.clone())), Type::Str),
            ast::ExprKind::Bool(b) => (ExprKind::Lit(Value::Bool(*b)), Type::Bool),
            ast::ExprKind::Duration(ms) => (ExprKind::Lit(Value::Duration(*ms)), Type::Duration),
            ast::ExprKind::Paren(inner) => {
                let inner = self.expr(inner, env, expected);
                return Expr { span, ..inner };
            }
            ast::ExprKind::Name(id) => return self.name(id, env, expected),
            ast::ExprKind::List(items) => return self.list(items, env, expected, span),
            ast::ExprKind::Unary { op, expr } => {
                let want = match op {
                    ast::UnOp::Not => Type::Bool,
                    ast::UnOp::Neg => Type::Int,
                };
                let inner = self.expr(expr, env, Some(&want));
                self.require(&inner, &want, "operand");
                match op {
                    ast::UnOp::Not => (ExprKind::Not(Box::new(inner)), Type::Bool),
                    ast::UnOp::Neg => {
                        if let ExprKind::Lit(Value::Int(v)) = inner.kind {
                            match v.checked_neg() {
                                Some(n) => (ExprKind::Lit(Value::Int(n)), Type::Int),
                                None => {
                                    self.overflow(span);
                                    (ExprKind::Lit(Value::Int(0)), Type::Error)
                                }
                            }
                        } else {
                            (ExprKind::Neg(Box::new(inner)), Type::Int)
                        }
                    }
                }
            }
            ast::ExprKind::Binary { op, lhs, rhs } => return self.binary(*op, lhs, rhs, env, span),
            ast::ExprKind::In { lhs, rhs } => {
                let l = self.expr(lhs, env, None);
                let want = Type::List(Box::new(l.ty.clone()));
                let r = self.expr(rhs, env, Some(&want));
                match &r.ty {
                    Type::List(elem) => {
                        if unify(&l.ty, elem).is_none() {
                            let msg = format!(
                                "cannot look for a `{}` in a `{}`",
                                self.type_name(&l.ty),
                                self.type_name(&r.ty)
                            );
                            self.diags.push(
                                Diagnostic::new(Code::E0201, span, msg)
                                    .with_label("element types differ"),
                            );
                        }
                    }
                    Type::EmptyList | Type::Error => {}
                    other => {
                        let msg = format!(
                            "the right side of `in` must be a list, found `{}`",
                            self.type_name(other)
                        );
                        self.diags.push(
                            Diagnostic::new(Code::E0211, r.span, msg)
                                .with_label("not a list")
                                .with_help("to search inside a string use `contains(s, part)`"),
                        );
                    }
                }
                (
                    ExprKind::In {
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                    },
                    Type::Bool,
                )
            }
            ast::ExprKind::Matches { lhs, kind, pattern } => {
                let l = self.expr(lhs, env, None);
                if !l.ty.is_stringy() {
                    let msg = format!(
                        "`matches` needs a str, path or url, found `{}`",
                        self.type_name(&l.ty)
                    );
                    self.diags
                        .push(Diagnostic::new(Code::E0201, l.span, msg).with_label("not text"));
                }
                match kind {
                    ast::MatchKind::Regex => {
                        self.compile_regex(pattern);
                        (
                            ExprKind::Regex {
                                lhs: Box::new(l),
                                pattern: pattern.value.clone(),
                            },
                            Type::Bool,
                        )
                    }
                    ast::MatchKind::Glob => {
                        let regex = match glob::to_regex(&pattern.value) {
                            Ok(r) => r,
                            Err(err) => {
                                self.diags.push(
                                    Diagnostic::new(
                                        Code::E0208,
                                        pattern.span,
                                        format!("invalid glob: {err}"),
                                    )
                                    .with_label("cannot compile this glob")
                                    .with_note("`*` matches within one `/` segment, `**` across segments, `?` one character, `[a-z]` a class; `\\\\` escapes"),
                                );
                                String::new()
                            }
                        };
                        (
                            ExprKind::Glob {
                                lhs: Box::new(l),
                                pattern: pattern.value.clone(),
                                regex,
                            },
                            Type::Bool,
                        )
                    }
                }
            }
            ast::ExprKind::ContextHas(label) => {
                match self.lookup(Kind::Label, env.module, &label.text, label.span) {
                    Some(id) => (ExprKind::ContextHas(id), Type::Bool),
                    None => (ExprKind::Lit(Value::Bool(false)), Type::Error),
                }
            }
            ast::ExprKind::Has(p) => return self.has(p, env, span),
            ast::ExprKind::Call { func, args } => return self.call(func, args, env, span),
        };
        Expr { kind, ty, span }
    }

    fn name(&mut self, id: &ast::Ident, env: &Env, expected: Option<&Type>) -> Expr {
        let span = id.span;
        let name = id.text.as_str();
        match self.param(env, name) {
            ParamLookup::Found { ty, .. } => {
                return Expr {
                    kind: ExprKind::Param(name.to_string()),
                    ty,
                    span,
                }
            }
            ParamLookup::Partial(why) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E0118,
                        span,
                        format!("parameter `{name}` is not shared by every targeted tool"),
                    )
                    .with_label(why)
                    .with_help("a rule on a glob, set or `*` may only use parameters that every tool in it has, with the same type; write one rule per tool instead"),
                );
                return error_expr(span);
            }
            ParamLookup::Absent => {}
        }
        if env.text && name == "text" {
            return Expr {
                kind: ExprKind::Text,
                ty: Type::Str,
                span,
            };
        }
        if env.values {
            if let Some(e) = self.names.values.get(name).copied() {
                if self.visible(env.module, name, e.module) {
                    return match e.id {
                        ValueRef::State(s) => Expr {
                            kind: ExprKind::State(s),
                            ty: self.program.states[s.index()].ty.clone(),
                            span,
                        },
                        ValueRef::Attr(a) => Expr {
                            kind: ExprKind::Attr(a),
                            ty: self.program.attrs[a.index()].ty.clone(),
                            span,
                        },
                    };
                }
            }
        }
        if !env.values {
            if let Some(e) = self.names.values.get(name).copied() {
                if self.visible(env.module, name, e.module) {
                    let what = match e.id {
                        ValueRef::State(_) => "a state variable",
                        ValueRef::Attr(_) => "an attribute",
                    };
                    self.diags.push(
                        Diagnostic::new(Code::E0205, span, "expected a constant value")
                            .with_label(format!("`{name}` is {what}, not a constant"))
                            .with_help("write a literal or an enum variant"),
                    );
                    return error_expr(span);
                }
            }
        }
        // An enum variant: the expected enum first, else a unique owner.
        let owners_of = |c: &Self| -> Vec<(hir::EnumId, u32)> {
            (0..c.program.enums.len())
                .filter_map(|i| {
                    let e = hir::EnumId(i as u32);
                    c.variant_index(e, name).map(|v| (e, v))
                })
                .collect()
        };
        if let Some(Type::Enum(e)) = expected {
            if let Some(v) = self.variant_index(*e, name) {
                return variant(*e, v, span);
            }
            let others = owners_of(self);
            if let Some((other, _)) = others.first() {
                let wanted = self.type_name(&Type::Enum(*e));
                let theirs = self.type_name(&Type::Enum(*other));
                self.diags.push(
                    Diagnostic::new(
                        Code::E0114,
                        span,
                        format!("`{name}` is not a variant of `{wanted}`"),
                    )
                    .with_label("variant of another enum")
                    .with_note(format!("`{name}` belongs to `{theirs}`")),
                );
                return error_expr(span);
            }
        }
        let owners = owners_of(self);
        match owners.as_slice() {
            [(e, v)] => return variant(*e, *v, span),
            [] => {}
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|(e, _)| self.type_name(&Type::Enum(*e)))
                    .collect();
                self.diags.push(
                    Diagnostic::new(
                        Code::E0115,
                        span,
                        format!("`{name}` is a variant of several enums"),
                    )
                    .with_label("ambiguous variant")
                    .with_note(format!("it belongs to {}", list.join(" and ")))
                    .with_help("compare it with a value of the enum you mean, e.g. `env == prod`"),
                );
                return error_expr(span);
            }
        }
        // Nothing: report with the best suggestion among what is in scope.
        if let Some(Type::Enum(e)) = expected {
            let variants = self.program.enums[e.index()].variants.clone();
            let mut d = Diagnostic::new(
                Code::E0114,
                span,
                format!(
                    "`{name}` is not a variant of `{}`",
                    self.type_name(&Type::Enum(*e))
                ),
            )
            .with_label("unknown variant");
            if let Some(s) = crate::suggest::best(name, variants.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                    format!("replace with `{s}`"),
                    span,
                    s,
                );
            }
            self.diags.push(d);
            return error_expr(span);
        }
        let mut candidates: Vec<String> = Vec::new();
        for &t in &env.tools {
            candidates.extend(self.program.tool(t).params.iter().map(|p| p.name.clone()));
        }
        if env.text {
            candidates.push("text".into());
        }
        if env.values {
            candidates.extend(
                self.names
                    .values
                    .iter()
                    .filter(|(n, e)| self.visible(env.module, n, e.module))
                    .map(|(n, _)| n.clone()),
            );
        }
        for en in &self.program.enums {
            candidates.extend(en.variants.iter().cloned());
        }
        let mut d = self.unknown(Kind::Value, name, span, &candidates);
        d.message = format!("unknown name `{name}`");
        d.primary.message =
            "not a parameter, state variable, attribute or enum variant in scope here".into();
        if env.tools.is_empty() && !env.text && env.values {
            d = d.with_note("tool parameters are only in scope in rules, effect blocks and assertion steps on that tool");
        }
        self.diags.push(d);
        error_expr(span)
    }

    fn variant_index(&self, e: hir::EnumId, name: &str) -> Option<u32> {
        self.program.enums[e.index()]
            .variants
            .iter()
            .position(|v| v == name)
            .map(|i| i as u32)
    }

    fn list(
        &mut self,
        items: &[ast::Expr],
        env: &Env,
        expected: Option<&Type>,
        span: Span,
    ) -> Expr {
        let elem_hint = match expected {
            Some(Type::List(t)) => Some((**t).clone()),
            _ => None,
        };
        let mut elems = Vec::new();
        let mut ty: Option<Type> = None;
        for item in items {
            let hint = ty.clone().or_else(|| elem_hint.clone());
            let e = self.expr(item, env, hint.as_ref());
            ty = match ty {
                None => Some(e.ty.clone()),
                Some(prev) => match unify(&prev, &e.ty) {
                    Some(t) => Some(t),
                    None => {
                        let msg = format!(
                            "list elements must have one type: `{}` after `{}`",
                            self.type_name(&e.ty),
                            self.type_name(&prev)
                        );
                        self.diags.push(
                            Diagnostic::new(Code::E0201, e.span, msg).with_label("different type"),
                        );
                        Some(Type::Error)
                    }
                },
            };
            elems.push(e);
        }
        let ty = match ty {
            None => Type::EmptyList,
            Some(t) => Type::List(Box::new(t)),
        };
        let values: Option<Vec<Value>> = elems.iter().map(const_value).collect();
        let kind = match values {
            Some(v) => ExprKind::Lit(Value::List(v)),
            None => ExprKind::List(elems),
        };
        Expr { kind, ty, span }
    }

    fn binary(
        &mut self,
        op: ast::BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        env: &Env,
        span: Span,
    ) -> Expr {
        use ast::BinOp as B;
        let (l, r, ty) = match op {
            B::Or | B::And => {
                let l = self.expr(lhs, env, Some(&Type::Bool));
                let r = self.expr(rhs, env, Some(&Type::Bool));
                self.require(&l, &Type::Bool, "operand");
                self.require(&r, &Type::Bool, "operand");
                (l, r, Type::Bool)
            }
            B::Eq | B::Ne => {
                // Type the side that is more than a bare variant first, so
                // `prod == env` finds `env`'s enum.
                let (l, r) = if self.is_bare_variant(lhs, env) {
                    let r = self.expr(rhs, env, None);
                    let l = self.expr(lhs, env, Some(&r.ty));
                    (l, r)
                } else {
                    let l = self.expr(lhs, env, None);
                    let r = self.expr(rhs, env, Some(&l.ty));
                    (l, r)
                };
                if unify(&l.ty, &r.ty).is_none() {
                    let msg = format!(
                        "cannot compare `{}` with `{}`",
                        self.type_name(&l.ty),
                        self.type_name(&r.ty)
                    );
                    self.diags.push(
                        Diagnostic::new(Code::E0201, span, msg)
                            .with_secondary(l.span, format!("`{}`", self.type_name(&l.ty)))
                            .with_secondary(r.span, format!("`{}`", self.type_name(&r.ty))),
                    );
                } else if matches!(l.ty, Type::Json | Type::Duration) {
                    let msg = format!("`{}` values cannot be compared", self.type_name(&l.ty));
                    self.diags.push(
                        Diagnostic::new(Code::E0210, span, msg)
                            .with_label("`json` is opaque to rules; test it with `has`"),
                    );
                }
                (l, r, Type::Bool)
            }
            B::Lt | B::Le | B::Gt | B::Ge | B::Add | B::Sub => {
                let l = self.expr(lhs, env, Some(&Type::Int));
                let r = self.expr(rhs, env, Some(&Type::Int));
                for side in [&l, &r] {
                    if !side.ty.is_int() {
                        let msg = format!(
                            "`{}` needs integers, found `{}`",
                            op.as_str(),
                            self.type_name(&side.ty)
                        );
                        self.diags.push(
                            Diagnostic::new(Code::E0210, side.span, msg)
                                .with_label("not an integer"),
                        );
                    }
                }
                let ty = if matches!(op, B::Add | B::Sub) {
                    Type::Int
                } else {
                    Type::Bool
                };
                (l, r, ty)
            }
        };
        // Fold constant integer arithmetic so `-1 + 3` is a constant.
        if let (ExprKind::Lit(Value::Int(a)), ExprKind::Lit(Value::Int(b))) = (&l.kind, &r.kind) {
            let folded = match op {
                B::Add => Some(a.checked_add(*b)),
                B::Sub => Some(a.checked_sub(*b)),
                _ => None,
            };
            match folded {
                Some(Some(v)) => {
                    return Expr {
                        kind: ExprKind::Lit(Value::Int(v)),
                        ty: Type::Int,
                        span,
                    }
                }
                Some(None) => {
                    self.overflow(span);
                    return error_expr(span);
                }
                None => {}
            }
        }
        Expr {
            kind: ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r),
            },
            ty,
            span,
        }
    }

    fn is_bare_variant(&self, e: &ast::Expr, env: &Env) -> bool {
        let ast::ExprKind::Name(id) = &e.kind else {
            return false;
        };
        matches!(self.param(env, &id.text), ParamLookup::Absent)
            && !(env.text && id.text == "text")
            && !(env.values && self.names.values.contains_key(&id.text))
    }

    fn has(&mut self, p: &ast::Ident, env: &Env, span: Span) -> Expr {
        match self.param(env, &p.text) {
            ParamLookup::Found { optional, .. } => {
                if !optional {
                    self.diags.push(
                        Diagnostic::new(
                            Code::W0016,
                            span,
                            format!("`has({})` is always true: the parameter is required", p.text),
                        )
                        .with_label("always true")
                        .with_help("mark the parameter optional with `?` in the tool declaration, or drop the test"),
                    );
                }
                Expr {
                    kind: ExprKind::Has(p.text.clone()),
                    ty: Type::Bool,
                    span,
                }
            }
            ParamLookup::Partial(why) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::E0118,
                        p.span,
                        format!(
                            "parameter `{}` is not shared by every targeted tool",
                            p.text
                        ),
                    )
                    .with_label(why),
                );
                error_expr(span)
            }
            ParamLookup::Absent => {
                let is_value = env.values && self.names.values.contains_key(&p.text);
                if is_value {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0212,
                            p.span,
                            format!("`has` tests tool parameters, and `{}` is not one", p.text),
                        )
                        .with_label("a state variable or attribute is always present"),
                    );
                } else {
                    let candidates: Vec<String> = env
                        .tools
                        .iter()
                        .flat_map(|&t| self.program.tool(t).params.iter().map(|q| q.name.clone()))
                        .collect();
                    let mut d = Diagnostic::new(
                        Code::E0113,
                        p.span,
                        format!("unknown parameter `{}`", p.text),
                    )
                    .with_label("no parameter of this name");
                    if env.tools.is_empty() {
                        d = d.with_note(
                            "`has` is only meaningful where a tool's parameters are in scope",
                        );
                    } else if let Some(s) =
                        crate::suggest::best(&p.text, candidates.iter().map(String::as_str))
                    {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("replace with `{s}`"),
                            p.span,
                            s,
                        );
                    }
                    self.diags.push(d);
                }
                error_expr(span)
            }
        }
    }

    fn call(&mut self, func: &ast::Ident, args: &[ast::Expr], env: &Env, span: Span) -> Expr {
        let Some(&(_, builtin)) = Builtin::ALL.iter().find(|(n, _)| *n == func.text) else {
            let mut d = Diagnostic::new(Code::E0112, func.span, format!("unknown function `{}`", func.text))
                .with_label("not a built-in function")
                .with_note("the functions are starts_with, ends_with, contains, len, lower, host, scheme and has");
            if let Some(s) = crate::suggest::best(&func.text, Builtin::ALL.iter().map(|(n, _)| *n))
            {
                d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                    format!("replace with `{s}`"),
                    func.span,
                    s,
                );
            }
            self.diags.push(d);
            for a in args {
                self.expr(a, env, None);
            }
            return error_expr(span);
        };
        let typed: Vec<Expr> = args.iter().map(|a| self.expr(a, env, None)).collect();
        let arity = match builtin {
            Builtin::StartsWith | Builtin::EndsWith | Builtin::Contains => 2,
            _ => 1,
        };
        if typed.len() != arity {
            let sig = signature(builtin);
            self.diags.push(
                Diagnostic::new(
                    Code::E0203,
                    span,
                    format!(
                        "`{}` takes {arity} argument{}, but {} {} given",
                        func.text,
                        if arity == 1 { "" } else { "s" },
                        typed.len(),
                        if typed.len() == 1 { "was" } else { "were" }
                    ),
                )
                .with_label(format!("expected `{sig}`")),
            );
            return error_expr(span);
        }
        let ok = |t: &Type| -> bool {
            match builtin {
                Builtin::Host | Builtin::Scheme => matches!(t, Type::Url | Type::Error),
                Builtin::Len => t.is_stringy() || matches!(t, Type::List(_) | Type::EmptyList),
                _ => t.is_stringy(),
            }
        };
        for a in &typed {
            if !ok(&a.ty) {
                let msg = format!("`{}` cannot take a `{}`", func.text, self.type_name(&a.ty));
                let mut d = Diagnostic::new(Code::E0201, a.span, msg)
                    .with_label(format!("expected `{}`", signature(builtin)));
                if matches!(builtin, Builtin::Host | Builtin::Scheme) && a.ty == Type::Str {
                    d = d.with_help("declare the parameter as `url` so the runtime parses it");
                }
                self.diags.push(d);
            }
        }
        let ty = match builtin {
            Builtin::Len => Type::Int,
            Builtin::Lower | Builtin::Host | Builtin::Scheme => Type::Str,
            _ => Type::Bool,
        };
        Expr {
            kind: ExprKind::Call {
                func: builtin,
                args: typed,
            },
            ty,
            span,
        }
    }

    /// Compiles a regex exactly as the runtime will (whole-value anchored,
    /// with the same engine and size limits), so a pattern that parses but
    /// is too large to compile is a check-time error, not a load failure.
    pub(crate) fn compile_regex(&mut self, pattern: &ast::StrLit) {
        let detail = match regex_syntax::ParserBuilder::new()
            .build()
            .parse(&pattern.value)
        {
            Err(regex_syntax::Error::Parse(e)) => Some(e.kind().to_string()),
            Err(regex_syntax::Error::Translate(e)) => Some(e.kind().to_string()),
            Err(e) => Some(e.to_string()),
            Ok(_) => regex_automata::meta::Regex::builder()
                .configure(
                    regex_automata::meta::Regex::config().nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
                )
                .build(&format!("^(?:{})$", pattern.value))
                .err()
                .map(|e| match e.size_limit() {
                    Some(limit) => format!("it compiles to more than {} KiB", limit / 1024),
                    None => e.to_string(),
                }),
        };
        if let Some(detail) = detail {
            self.diags.push(
                Diagnostic::new(
                    Code::E0207,
                    pattern.span,
                    format!("invalid regular expression: {detail}"),
                )
                .with_label("cannot compile this regex")
                .with_note("regexes use Rust `regex` syntax and must match the whole value"),
            );
        }
    }

    fn overflow(&mut self, span: Span) {
        self.diags.push(
            Diagnostic::new(Code::E0006, span, "integer arithmetic overflows")
                .with_label("result does not fit in 64 bits"),
        );
    }
}

fn variant(e: hir::EnumId, v: u32, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Lit(Value::Enum(e, v)),
        ty: Type::Enum(e),
        span,
    }
}

pub(crate) fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Lit(Value::Bool(false)),
        ty: Type::Error,
        span,
    }
}

fn signature(b: Builtin) -> &'static str {
    match b {
        Builtin::StartsWith => "starts_with(text, prefix) -> bool",
        Builtin::EndsWith => "ends_with(text, suffix) -> bool",
        Builtin::Contains => "contains(text, part) -> bool",
        Builtin::Len => "len(text or list) -> int",
        Builtin::Lower => "lower(text) -> str",
        Builtin::Host => "host(url) -> str",
        Builtin::Scheme => "scheme(url) -> str",
    }
}

fn list_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n if n <= 3 => quoted.join(", "),
        n => format!("{} and {} more", quoted[..2].join(", "), n - 2),
    }
}
