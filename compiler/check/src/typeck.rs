//! Type checking: turns the resolved AST of one policy into the HIR.
//!
//! Passes, each over every module of the policy in load order:
//! 1. declare every entity (names, ids, duplicates) — [`crate::resolve`];
//! 2. type the declarations (parameters, attributes, state with their
//!    initial values, gates);
//! 3. check rules, effect blocks, assertions ([`items`]) and tests
//!    ([`tests`]), typing expressions with [`expr`].
//!
//! Later passes run even when earlier ones found errors; a failed
//! sub-expression has type `Type::Error`, which unifies with everything so
//! each mistake is reported once. The HIR is returned only if no error was
//! reported for this policy.

mod expr;
mod items;
mod tests;
mod values;

use std::collections::HashMap;
use std::path::Path;

use guard_diagnostics::{Code, Diagnostic, SourceMap, Span};
use guard_syntax::ast;

use crate::hir::{self, EnumId, Type, Value};
use crate::load::{Loaded, ModuleIdx};
use crate::resolve::{Entity, Kind, Names, ValueRef};

/// State shared by every pass over one policy.
pub(crate) struct Checker<'a> {
    pub loaded: &'a Loaded,
    /// The policy's modules, imports before importers, root last.
    pub modules: Vec<ModuleIdx>,
    pub names: Names,
    pub diags: Vec<Diagnostic>,
    pub program: hir::Program,
    /// Structural enum interning: sorted variant names to id.
    enum_ids: HashMap<Vec<String>, EnumId>,
}

/// Checks the policy rooted at `root`. Returns the HIR when the policy
/// has no errors, and every diagnostic for it either way.
pub(crate) fn check_policy(
    loaded: &Loaded,
    root: ModuleIdx,
    sources: &SourceMap,
    syntax_errors: bool,
) -> (Option<hir::Program>, Vec<Diagnostic>) {
    let root_file = loaded.modules[root].file;
    let name = loaded.modules[root]
        .ast
        .items
        .iter()
        .find_map(|i| match &i.kind {
            ast::ItemKind::Policy(n) => Some(n.text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| {
            Path::new(sources.name(root_file))
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "policy".to_string())
        });
    let mut c = Checker {
        loaded,
        modules: loaded.closure(root),
        names: Names::default(),
        diags: Vec::new(),
        program: hir::Program {
            name,
            root: root_file,
            default_allow: false,
            labels: Vec::new(),
            effects: Vec::new(),
            enums: Vec::new(),
            tools: Vec::new(),
            attrs: Vec::new(),
            states: Vec::new(),
            gates: Vec::new(),
            channels: Vec::new(),
            rules: Vec::new(),
            on_blocks: Vec::new(),
            asserts: Vec::new(),
            tests: Vec::new(),
        },
        enum_ids: HashMap::new(),
    };
    c.build_scopes();
    c.declare();
    c.type_declarations();
    c.check_items();
    c.check_tests();
    c.check_limits();
    let has_errors = syntax_errors || c.diags.iter().any(Diagnostic::is_error);
    let mut diags = c.diags;
    if has_errors {
        return (None, diags);
    }
    diags.extend(crate::lint::lint(&c.program, loaded, sources));
    (Some(c.program), diags)
}

/// Where a type expression appears, which decides what it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeUse {
    Param,
    Return,
    Attr,
    State,
}

impl<'a> Checker<'a> {
    fn items(&self) -> Vec<(ModuleIdx, &'a ast::Item)> {
        let loaded: &'a Loaded = self.loaded;
        self.modules
            .iter()
            .flat_map(|&m| loaded.modules[m].ast.items.iter().map(move |i| (m, i)))
            .collect()
    }

    fn info(&self, m: ModuleIdx, name: &ast::Ident, item: &ast::Item) -> hir::DeclInfo {
        hir::DeclInfo {
            name: name.text.clone(),
            name_span: name.span,
            span: item.span,
            doc: item.doc.clone(),
            in_stdlib: self.loaded.modules[m].in_stdlib,
        }
    }

    /// Whether a declaration is left out of the policy: a stdlib item
    /// nobody imports, or a duplicate (reported, and remembered so that
    /// uses of the name in this module do not cascade).
    fn skip_decl(
        &mut self,
        kind: Kind,
        m: ModuleIdx,
        previous: Option<Span>,
        name: &str,
        span: Span,
        what: &str,
    ) -> bool {
        if !self.included(m, name) {
            return true;
        }
        if self.check_duplicate(previous, name, span, what) {
            self.names.redeclared.insert((kind, name.to_string(), m));
            return true;
        }
        false
    }

    /// Pass 1: give every entity an id and a placeholder declaration.
    fn declare(&mut self) {
        let mut default_span: Option<Span> = None;
        for (m, item) in self.items() {
            match &item.kind {
                ast::ItemKind::Label(names) => {
                    for n in names {
                        let prev = self.names.labels.get(&n.text).map(|e| e.span);
                        if self.skip_decl(Kind::Label, m, prev, &n.text, n.span, "label") {
                            continue;
                        }
                        let id = hir::LabelId(self.program.labels.len() as u32);
                        self.program.labels.push(hir::LabelDecl {
                            info: self.info(m, n, item),
                        });
                        self.names
                            .labels
                            .insert(n.text.clone(), entity(id, m, n.span));
                    }
                }
                ast::ItemKind::Effect(names) => {
                    for n in names {
                        let prev = self.names.effects.get(&n.text).map(|e| e.span);
                        if self.skip_decl(Kind::Effect, m, prev, &n.text, n.span, "effect") {
                            continue;
                        }
                        let id = self.program.effects.len() as u32;
                        self.program.effects.push(hir::EffectDecl {
                            info: self.info(m, n, item),
                        });
                        self.names
                            .effects
                            .insert(n.text.clone(), entity(id, m, n.span));
                    }
                }
                ast::ItemKind::Tool(t) => {
                    let name = t.name.dotted();
                    let prev = self.names.tools.get(&name).map(|e| e.span);
                    if self.skip_decl(Kind::Tool, m, prev, &name, t.name.span, "tool") {
                        continue;
                    }
                    let id = hir::ToolId(self.program.tools.len() as u32);
                    let ident = ast::Ident {
                        text: name.clone(),
                        span: t.name.span,
                    };
                    self.program.tools.push(hir::ToolDecl {
                        name: name.clone(),
                        info: self.info(m, &ident, item),
                        params: Vec::new(),
                        ret: None,
                        labels: Vec::new(),
                        effects: Vec::new(),
                    });
                    self.names.tools.insert(name, entity(id, m, t.name.span));
                }
                ast::ItemKind::Attr(a) => {
                    let prev = self.names.values.get(&a.name.text).map(|e| e.span);
                    if self.skip_decl(Kind::Value, m, prev, &a.name.text, a.name.span, "name") {
                        continue;
                    }
                    let id = hir::AttrId(self.program.attrs.len() as u32);
                    self.program.attrs.push(hir::AttrDecl {
                        info: self.info(m, &a.name, item),
                        ty: Type::Error,
                    });
                    self.names.values.insert(
                        a.name.text.clone(),
                        entity(ValueRef::Attr(id), m, a.name.span),
                    );
                }
                ast::ItemKind::State(s) => {
                    let prev = self.names.values.get(&s.name.text).map(|e| e.span);
                    if self.skip_decl(Kind::Value, m, prev, &s.name.text, s.name.span, "name") {
                        continue;
                    }
                    let id = hir::StateId(self.program.states.len() as u32);
                    self.program.states.push(hir::StateDecl {
                        info: self.info(m, &s.name, item),
                        ty: Type::Error,
                        init: Value::Bool(false),
                    });
                    self.names.values.insert(
                        s.name.text.clone(),
                        entity(ValueRef::State(id), m, s.name.span),
                    );
                }
                ast::ItemKind::Gate(g) => {
                    let prev = self.names.gates.get(&g.name.text).map(|e| e.span);
                    if self.skip_decl(Kind::Gate, m, prev, &g.name.text, g.name.span, "gate") {
                        continue;
                    }
                    let id = hir::GateId(self.program.gates.len() as u32);
                    self.program.gates.push(hir::GateDecl {
                        info: self.info(m, &g.name, item),
                        approvers: Vec::new(),
                        timeout_ms: None,
                    });
                    self.names
                        .gates
                        .insert(g.name.text.clone(), entity(id, m, g.name.span));
                }
                ast::ItemKind::Channel(ch) => {
                    let prev = self.names.channels.get(&ch.text).map(|e| e.span);
                    if self.skip_decl(Kind::Channel, m, prev, &ch.text, ch.span, "channel") {
                        continue;
                    }
                    let id = hir::ChannelId(self.program.channels.len() as u32);
                    self.program.channels.push(hir::ChannelDecl {
                        info: self.info(m, ch, item),
                    });
                    self.names
                        .channels
                        .insert(ch.text.clone(), entity(id, m, ch.span));
                }
                ast::ItemKind::Default(d) => {
                    if let Some(prev) = default_span {
                        self.diags.push(
                            Diagnostic::new(
                                Code::E0302,
                                item.span,
                                "`default` is given more than once",
                            )
                            .with_label("repeated here")
                            .with_secondary(prev, "first given here"),
                        );
                    } else {
                        default_span = Some(item.span);
                        self.program.default_allow = d.allow;
                    }
                }
                ast::ItemKind::Assert(a) => {
                    let prev = self.names.asserts.get(&a.name.text).copied();
                    if !self.check_duplicate(prev, &a.name.text, a.name.span, "assertion") {
                        self.names.asserts.insert(a.name.text.clone(), a.name.span);
                    }
                }
                ast::ItemKind::Test(t) => {
                    let prev = self.names.tests.get(&t.name.value).copied();
                    if !self.check_duplicate(prev, &t.name.value, t.name.span, "test") {
                        self.names.tests.insert(t.name.value.clone(), t.name.span);
                    }
                }
                ast::ItemKind::Policy(_)
                | ast::ItemKind::Use(_)
                | ast::ItemKind::Rule(_)
                | ast::ItemKind::On(_) => {}
            }
        }
    }

    /// Pass 2: types of parameters, attributes, state; gate metadata.
    fn type_declarations(&mut self) {
        for (m, item) in self.items() {
            match &item.kind {
                ast::ItemKind::Tool(t) => self.type_tool(m, t),
                ast::ItemKind::Attr(a) => {
                    let Some(Entity {
                        id: ValueRef::Attr(id),
                        ..
                    }) = self.names.values.get(&a.name.text).copied()
                    else {
                        continue;
                    };
                    if self.program.attrs[id.index()].info.name_span != a.name.span {
                        continue;
                    }
                    let ty = self.lower_type(&a.ty, TypeUse::Attr);
                    self.program.attrs[id.index()].ty = ty;
                }
                ast::ItemKind::State(s) => self.type_state(m, s),
                ast::ItemKind::Gate(g) => self.type_gate(m, g),
                _ => {}
            }
        }
    }

    fn type_tool(&mut self, m: ModuleIdx, t: &ast::Tool) {
        let name = t.name.dotted();
        let Some(e) = self.names.tools.get(&name).copied() else {
            return;
        };
        if e.span != t.name.span {
            return;
        }
        let mut params: Vec<hir::ParamDecl> = Vec::new();
        for p in &t.params {
            if let Some(prev) = params.iter().find(|q| q.name == p.name.text) {
                let prev = prev.span;
                self.check_duplicate(Some(prev), &p.name.text, p.name.span, "parameter");
                continue;
            }
            let ty = self.lower_type(&p.ty, TypeUse::Param);
            params.push(hir::ParamDecl {
                name: p.name.text.clone(),
                ty,
                optional: p.optional,
                span: p.span,
            });
        }
        let ret = t.ret.as_ref().map(|r| self.lower_type(r, TypeUse::Return));
        let mut labels = Vec::new();
        for l in t.labels.iter().flatten() {
            if let Some(id) = self.lookup(crate::resolve::Kind::Label, m, &l.text, l.span) {
                if !labels.contains(&id) {
                    labels.push(id);
                }
            }
        }
        let mut effects = Vec::new();
        for eff in t.effects.iter().flatten() {
            // Effect tags need no import: the stdlib's are always known.
            let std_effects = crate::resolve::stdlib_names(crate::resolve::Kind::Effect);
            if !self.names.effects.contains_key(&eff.text)
                && !std_effects.contains(&eff.text.as_str())
                && !self.loaded.modules[m].in_stdlib
            {
                let mut known: Vec<String> = self.names.effects.keys().cloned().collect();
                known.extend(std_effects.iter().map(|s| s.to_string()));
                known.sort();
                let mut d = Diagnostic::new(
                    Code::W0018,
                    eff.span,
                    format!("effect tag `{}` is not declared anywhere", eff.text),
                )
                .with_label("unknown effect tag")
                .with_note(
                    "effect tags are free-form, but a misspelt one silently describes nothing",
                );
                match crate::suggest::best(&eff.text, known.iter().map(String::as_str)) {
                    Some(s) => {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("replace with `{s}`"),
                            eff.span,
                            s,
                        );
                    }
                    None => {
                        d = d.with_help(format!(
                            "declare it with `effect {};` if it is intended",
                            eff.text
                        ));
                    }
                }
                self.diags.push(d);
            }
            if !effects.contains(&eff.text) {
                effects.push(eff.text.clone());
            }
        }
        let decl = &mut self.program.tools[e.id.index()];
        decl.params = params;
        decl.ret = ret;
        decl.labels = labels;
        decl.effects = effects;
    }

    fn type_state(&mut self, m: ModuleIdx, s: &ast::State) {
        let Some(Entity {
            id: ValueRef::State(id),
            span,
            ..
        }) = self.names.values.get(&s.name.text).copied()
        else {
            return;
        };
        if span != s.name.span {
            return;
        }
        let ty = self.lower_type(&s.ty, TypeUse::State);
        let init = self.constant(m, &s.init, &ty, "the initial value of a state variable");
        let init = init.unwrap_or(match &ty {
            Type::IntRange(lo, _) => Value::Int(*lo),
            Type::Enum(e) => Value::Enum(*e, 0),
            _ => Value::Bool(false),
        });
        let decl = &mut self.program.states[id.index()];
        decl.ty = ty;
        decl.init = init;
    }

    fn type_gate(&mut self, m: ModuleIdx, g: &ast::Gate) {
        let Some(e) = self.names.gates.get(&g.name.text).copied() else {
            return;
        };
        if e.span != g.name.span {
            return;
        }
        let mut seen: Vec<&ast::GateField> = Vec::new();
        let mut approvers = Vec::new();
        let mut timeout = None;
        for f in &g.fields {
            if let Some(prev) = seen.iter().find(|p| p.name.text == f.name.text) {
                let prev = prev.name.span;
                self.check_duplicate(Some(prev), &f.name.text, f.name.span, "gate field");
                continue;
            }
            seen.push(f);
            match f.name.text.as_str() {
                "approvers" => {
                    let want = Type::List(Box::new(Type::Str));
                    if let Some(Value::List(items)) =
                        self.constant(m, &f.value, &want, "a gate field")
                    {
                        approvers = items
                            .into_iter()
                            .filter_map(|v| match v {
                                Value::Str(s) => Some(s),
                                _ => None,
                            })
                            .collect();
                    }
                }
                "timeout" => match self.constant(m, &f.value, &Type::Duration, "a gate field") {
                    Some(Value::Duration(0)) => self.diags.push(
                        Diagnostic::new(
                            Code::E0305,
                            f.value.span,
                            "a gate timeout must be positive",
                        )
                        .with_label("zero timeout")
                        .with_help("leave `timeout` out to wait for an answer indefinitely"),
                    ),
                    Some(Value::Duration(ms)) => timeout = Some(ms),
                    _ => {}
                },
                other => {
                    let mut d = Diagnostic::new(
                        Code::E0117,
                        f.name.span,
                        format!("unknown gate field `{other}`"),
                    )
                    .with_label("not a gate field")
                    .with_note("a gate has the fields `approvers` (a list of strings) and `timeout` (a duration)");
                    if let Some(s) = crate::suggest::best(other, ["approvers", "timeout"]) {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("replace with `{s}`"),
                            f.name.span,
                            s,
                        );
                    }
                    self.diags.push(d);
                }
            }
        }
        let decl = &mut self.program.gates[e.id.index()];
        decl.approvers = approvers;
        decl.timeout_ms = timeout;
    }

    /// E0401: what the bytecode format cannot represent, reported at the
    /// first declaration past each limit.
    fn check_limits(&mut self) {
        use hir::limits::*;
        let mut over: Vec<(Span, String)> = Vec::new();
        if let Some(l) = self.program.labels.get(MAX_LABELS) {
            over.push((l.info.name_span, format!("more than {MAX_LABELS} labels")));
        }
        if let Some(g) = self.program.gates.get(MAX_GATES) {
            over.push((g.info.name_span, format!("more than {MAX_GATES} gates")));
        }
        for t in &self.program.tools {
            if t.params.len() > MAX_PARAMS {
                over.push((
                    t.info.name_span,
                    format!("a tool with more than {MAX_PARAMS} parameters"),
                ));
            }
        }
        if let Some(s) = self.program.states.get(MAX_INDEX) {
            over.push((
                s.info.name_span,
                format!("more than {MAX_INDEX} state variables"),
            ));
        }
        if let Some(a) = self.program.attrs.get(MAX_INDEX) {
            over.push((
                a.info.name_span,
                format!("more than {MAX_INDEX} attributes"),
            ));
        }
        let compiled = self
            .program
            .rules
            .iter()
            .filter_map(|r| r.when.as_ref())
            .chain(
                self.program
                    .on_blocks
                    .iter()
                    .flat_map(|o| o.when.iter().chain(o.assigns.iter().map(|a| &a.value))),
            );
        for e in compiled {
            if e.stack_depth() > MAX_STACK {
                over.push((e.span, format!("a condition nested too deeply to compile (more than {MAX_STACK} operands pending)")));
            }
        }
        for (span, what) in over {
            self.diags.push(
                Diagnostic::new(Code::E0401, span, format!("the policy has {what}"))
                    .with_label("beyond a limit of the bytecode format")
                    .with_note("labels and gates are 64-bit sets at run time; a tool takes at most 255 parameters"),
            );
        }
    }

    /// Lowers a written type, reporting what is not allowed where.
    pub(crate) fn lower_type(&mut self, t: &ast::TypeExpr, usage: TypeUse) -> Type {
        let ty = match &t.kind {
            ast::TypeExprKind::Named(n) => match n.text.as_str() {
                "bool" => Type::Bool,
                "int" => Type::Int,
                "str" => Type::Str,
                "path" => Type::Path,
                "url" => Type::Url,
                "json" => Type::Json,
                "list" => {
                    self.diags.push(
                        Diagnostic::new(Code::E0209, t.span, "`list` needs an element type")
                            .with_label("missing `<T>`")
                            .with_fix("write `list<str>`", t.span, "list<str>"),
                    );
                    return Type::Error;
                }
                other => {
                    let names = ["bool", "int", "str", "path", "url", "json", "list"];
                    let mut d = Diagnostic::new(Code::E0106, n.span, format!("unknown type `{other}`"))
                        .with_label("not a type")
                        .with_note("the types are bool, int, str, path, url, json, list<T>, enum { .. } and int[lo..hi]");
                    // JSON Schema and other languages spell types their way.
                    let alias = match other {
                        "string" | "String" | "text" => Some("str"),
                        "boolean" => Some("bool"),
                        "integer" | "number" | "i64" | "u32" => Some("int"),
                        "object" | "any" => Some("json"),
                        "array" => Some("list<str>"),
                        _ => None,
                    };
                    if let Some(s) = alias.or_else(|| crate::suggest::best(other, names)) {
                        d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                            format!("replace with `{s}`"),
                            n.span,
                            s,
                        );
                    }
                    self.diags.push(d);
                    return Type::Error;
                }
            },
            ast::TypeExprKind::Applied { name, arg } => {
                if name.text != "list" {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0106,
                            name.span,
                            format!("unknown generic type `{}`", name.text),
                        )
                        .with_label("only `list<T>` takes a type argument"),
                    );
                    return Type::Error;
                }
                let elem = self.lower_type(arg, TypeUse::Param);
                match elem {
                    Type::Str | Type::Int | Type::Path | Type::Url | Type::Bool | Type::Enum(_) => {
                        Type::List(Box::new(elem))
                    }
                    Type::Error => Type::Error,
                    other => {
                        self.diags.push(
                            Diagnostic::new(
                                Code::E0209,
                                arg.span,
                                format!("a list cannot hold `{}`", self.type_name(&other)),
                            )
                            .with_label("element type not allowed")
                            .with_note("list elements are bool, int, str, path, url or an enum; use `json` for nested data"),
                        );
                        Type::Error
                    }
                }
            }
            ast::TypeExprKind::Ranged { name, lo, hi } => {
                if name.text != "int" {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0209,
                            t.span,
                            format!("`{}` cannot take a range", name.text),
                        )
                        .with_label("only `int[lo..hi]` is a range type"),
                    );
                    return Type::Error;
                }
                if lo.value > hi.value {
                    self.diags.push(
                        Diagnostic::new(
                            Code::E0206,
                            lo.span.to(hi.span),
                            format!("empty range: {} is greater than {}", lo.value, hi.value),
                        )
                        .with_label("lower bound above upper bound"),
                    );
                    return Type::Error;
                }
                Type::IntRange(lo.value, hi.value)
            }
            ast::TypeExprKind::Enum(variants) => {
                if variants.is_empty() {
                    self.diags.push(
                        Diagnostic::new(Code::E0213, t.span, "an enum needs at least one variant")
                            .with_label("empty enum"),
                    );
                    return Type::Error;
                }
                let mut names: Vec<String> = Vec::new();
                for v in variants {
                    if names.contains(&v.text) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::E0213,
                                v.span,
                                format!("variant `{}` is listed twice", v.text),
                            )
                            .with_label("duplicate variant"),
                        );
                        continue;
                    }
                    names.push(v.text.clone());
                }
                Type::Enum(self.intern_enum(names))
            }
        };
        self.check_type_use(ty, t.span, usage)
    }

    fn check_type_use(&mut self, ty: Type, span: Span, usage: TypeUse) -> Type {
        let problem = match (&ty, usage) {
            (Type::IntRange(..), TypeUse::Param | TypeUse::Return) => {
                Some("a range type is only for state and attributes; a parameter is a plain `int`")
            }
            (Type::Json, TypeUse::Attr | TypeUse::State) => {
                Some("`json` is only for tool parameters and results")
            }
            (t, TypeUse::State) if !t.is_finite() => {
                let help = match t {
                    Type::Int => "give it a range, for example `int[0..10]`",
                    _ => "state must be `bool`, an `enum { .. }` or `int[lo..hi]`",
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::E0204,
                        span,
                        format!("state cannot have type `{}`", self.type_name(t)),
                    )
                    .with_label("not a finite type")
                    .with_note(
                        "session state must be finite so every reachable state can be verified",
                    )
                    .with_help(help),
                );
                return Type::Error;
            }
            _ => None,
        };
        if let Some(msg) = problem {
            self.diags.push(
                Diagnostic::new(
                    Code::E0209,
                    span,
                    format!("type `{}` is not allowed here", self.type_name(&ty)),
                )
                .with_label(msg),
            );
            return Type::Error;
        }
        ty
    }

    fn intern_enum(&mut self, variants: Vec<String>) -> EnumId {
        let mut key = variants.clone();
        key.sort();
        if let Some(&id) = self.enum_ids.get(&key) {
            return id;
        }
        let id = EnumId(self.program.enums.len() as u32);
        self.program.enums.push(hir::EnumDecl { variants });
        self.enum_ids.insert(key, id);
        id
    }

    /// How a type is written, for messages.
    pub(crate) fn type_name(&self, t: &Type) -> String {
        match t {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::IntRange(lo, hi) => format!("int[{lo}..{hi}]"),
            Type::Str => "str".into(),
            Type::Path => "path".into(),
            Type::Url => "url".into(),
            Type::Json => "json".into(),
            Type::Duration => "duration".into(),
            Type::Enum(e) => format!(
                "enum {{ {} }}",
                self.program.enums[e.index()].variants.join(", ")
            ),
            Type::List(t) => format!("list<{}>", self.type_name(t)),
            Type::EmptyList => "list".into(),
            Type::Error => "{error}".into(),
        }
    }
}

fn entity<T>(id: T, module: ModuleIdx, span: Span) -> Entity<T> {
    Entity { id, module, span }
}
