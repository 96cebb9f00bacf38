//! The symbol index of one analysis: every declaration (a [`Def`]) and
//! every name that refers to one (a [`Ref`]), across the root file and all
//! the files and stdlib modules it `use`s.
//!
//! Why the server has its own index rather than reading the checker's HIR:
//! the checker returns a program only when there are no errors, and an
//! editor needs definitions and hovers most while the file is broken. The
//! index is built from the ASTs, which the parser produces for every item
//! that parses, so it is always there. Names resolve as the checker
//! resolves them: tools, labels, effects, gates and channels each have one
//! namespace per policy; a bare name in a condition is a parameter of the
//! rule's tool(s) first, then a state variable, then an attribute.

use std::collections::HashMap;

use guard_diagnostics::{FileId, Span};
use guard_syntax::ast::{self, ExprKind, ItemKind, TargetKind};

/// Index into [`Index::defs`].
pub type DefId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefKind {
    Policy,
    Tool,
    Param,
    State,
    Attr,
    Gate,
    Label,
    Effect,
    Channel,
    Assertion,
    Test,
}

impl DefKind {
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Policy => "policy",
            DefKind::Tool => "tool",
            DefKind::Param => "parameter",
            DefKind::State => "state",
            DefKind::Attr => "attr",
            DefKind::Gate => "gate",
            DefKind::Label => "label",
            DefKind::Effect => "effect",
            DefKind::Channel => "channel",
            DefKind::Assertion => "assert",
            DefKind::Test => "test",
        }
    }
}

/// One declaration.
#[derive(Debug, Clone)]
pub struct Def {
    pub kind: DefKind,
    /// The name as written (dotted for tools).
    pub name: String,
    /// The span of the name.
    pub span: Span,
    /// The whole item (or parameter).
    pub item_span: Span,
    pub doc: Option<String>,
    /// The declaring tool, for parameters.
    pub parent: Option<DefId>,
}

/// A use of a declared name.
#[derive(Debug, Clone, Copy)]
pub struct Ref {
    pub span: Span,
    pub def: DefId,
}

/// A rule, for hovers on its verdict keyword.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub verdict_span: Span,
    pub item_span: Span,
}

#[derive(Debug, Default)]
pub struct Index {
    pub defs: Vec<Def>,
    pub refs: Vec<Ref>,
    pub rules: Vec<RuleInfo>,
    /// Tool name → its declaration.
    tools: HashMap<String, DefId>,
    /// `(kind, name)` → declaration, for every kind but tools and params.
    names: HashMap<(DefKind, String), DefId>,
    /// Tool → its parameters' declarations, by name.
    params: HashMap<DefId, HashMap<String, DefId>>,
    /// Whether [`Index::add`] enters declarations into the name tables.
    entering: bool,
}

impl Index {
    /// Builds the index of the given parsed files, each with its stdlib
    /// module path (`std::labels`) if it is an embedded stdlib module.
    /// Declarations come first (all files), then references, so the order
    /// of items never matters. The policy's own files are declared before
    /// the stdlib, and a stdlib name is visible only when a `use` imports
    /// it (the whole module, or the name in a selection), as in the
    /// checker.
    pub fn build(files: &[(FileId, &ast::SourceFile, Option<&str>)]) -> Index {
        let mut visible: HashMap<&str, Option<Vec<String>>> = HashMap::new();
        for (_, file, _) in files {
            for item in &file.items {
                if let ItemKind::Use(ast::Use::Module { path, names }) = &item.kind {
                    let module = path
                        .iter()
                        .map(|s| s.text.as_str())
                        .collect::<Vec<_>>()
                        .join("::");
                    let Some((_, _, Some(m))) =
                        files.iter().find(|(_, _, m)| *m == Some(module.as_str()))
                    else {
                        continue;
                    };
                    let entry = visible.entry(m).or_insert_with(|| Some(Vec::new()));
                    match (names, entry.as_mut()) {
                        (None, _) => *entry = None,
                        (Some(ns), Some(list)) => list.extend(ns.iter().map(ast::ToolPath::dotted)),
                        (Some(_), None) => {}
                    }
                }
            }
        }
        let mut ix = Index::default();
        for (_, file, _) in files.iter().filter(|(_, _, m)| m.is_none()) {
            for item in &file.items {
                ix.declare(item, true);
            }
        }
        for (_, file, module) in files {
            let Some(m) = module else { continue };
            for item in &file.items {
                let before = ix.defs.len();
                ix.declare(item, false);
                // Enter the new declarations into the name tables when
                // the policy imports them.
                for id in before..ix.defs.len() {
                    let shown = match visible.get(m) {
                        Some(None) => true,
                        Some(Some(list)) => {
                            let name = ix.defs[id].name.clone();
                            let parent_shown = ix.defs[id]
                                .parent
                                .is_some_and(|p| list.contains(&ix.defs[p].name));
                            list.contains(&name) || parent_shown
                        }
                        None => false,
                    };
                    if shown {
                        ix.enter(id);
                    }
                }
            }
        }
        for (_, file, _) in files {
            for item in &file.items {
                ix.reference(item);
            }
        }
        ix
    }

    pub fn tool(&self, name: &str) -> Option<DefId> {
        self.tools.get(name).copied()
    }

    pub fn lookup(&self, kind: DefKind, name: &str) -> Option<DefId> {
        if kind == DefKind::Tool {
            return self.tool(name);
        }
        self.names.get(&(kind, name.to_string())).copied()
    }

    /// The parameters of a tool, by name.
    pub fn params_of(&self, tool: DefId) -> impl Iterator<Item = DefId> + '_ {
        let mut ids: Vec<DefId> = self
            .params
            .get(&tool)
            .map(|m| m.values().copied().collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids.into_iter()
    }

    /// Every declaration of a kind, in declaration order.
    pub fn of_kind(&self, kind: DefKind) -> impl Iterator<Item = (DefId, &Def)> + '_ {
        self.defs
            .iter()
            .enumerate()
            .filter(move |(_, d)| d.kind == kind)
    }

    /// The declaration or reference whose name covers `offset` in `file`
    /// (the innermost, so a parameter wins over a tool path).
    pub fn at(&self, file: FileId, offset: u32) -> Option<(DefId, Span)> {
        let hit = |span: Span| span.file == file && span.start <= offset && offset <= span.end;
        let from_refs = self
            .refs
            .iter()
            .filter(|r| hit(r.span))
            .map(|r| (r.def, r.span));
        let from_defs = self
            .defs
            .iter()
            .enumerate()
            .filter(|(_, d)| hit(d.span))
            .map(|(i, d)| (i, d.span));
        from_refs.chain(from_defs).min_by_key(|(_, s)| s.len())
    }

    /// Every span that names `def`: its declaration first, then the uses.
    pub fn occurrences(&self, def: DefId) -> Vec<Span> {
        let mut out = Vec::new();
        if let Some(d) = self.defs.get(def) {
            out.push(d.span);
        }
        out.extend(self.refs.iter().filter(|r| r.def == def).map(|r| r.span));
        out
    }

    /// Records a declaration; `enter` also makes it visible by name.
    fn add(&mut self, def: Def) -> DefId {
        let id = self.defs.len();
        self.defs.push(def);
        if self.entering {
            self.enter(id);
        }
        id
    }

    fn enter(&mut self, id: DefId) {
        let Some(def) = self.defs.get(id) else { return };
        match def.kind {
            DefKind::Tool => {
                self.tools.entry(def.name.clone()).or_insert(id);
            }
            DefKind::Param => {
                if let Some(p) = def.parent {
                    self.params
                        .entry(p)
                        .or_default()
                        .entry(def.name.clone())
                        .or_insert(id);
                }
            }
            kind => {
                self.names.entry((kind, def.name.clone())).or_insert(id);
            }
        }
    }

    fn simple(&mut self, kind: DefKind, name: &ast::Ident, item: &ast::Item) -> DefId {
        self.add(Def {
            kind,
            name: name.text.clone(),
            span: name.span,
            item_span: item.span,
            doc: item.doc.clone(),
            parent: None,
        })
    }

    fn declare(&mut self, item: &ast::Item, enter: bool) {
        self.entering = enter;
        match &item.kind {
            ItemKind::Policy(name) => {
                self.simple(DefKind::Policy, name, item);
            }
            ItemKind::Label(names) => {
                for n in names {
                    self.simple(DefKind::Label, n, item);
                }
            }
            ItemKind::Effect(names) => {
                for n in names {
                    self.simple(DefKind::Effect, n, item);
                }
            }
            ItemKind::Tool(t) => {
                let tool = self.add(Def {
                    kind: DefKind::Tool,
                    name: t.name.dotted(),
                    span: t.name.span,
                    item_span: item.span,
                    doc: item.doc.clone(),
                    parent: None,
                });
                for p in &t.params {
                    self.add(Def {
                        kind: DefKind::Param,
                        name: p.name.text.clone(),
                        span: p.name.span,
                        item_span: p.span,
                        doc: None,
                        parent: Some(tool),
                    });
                }
            }
            ItemKind::Attr(a) => {
                self.simple(DefKind::Attr, &a.name, item);
            }
            ItemKind::State(s) => {
                self.simple(DefKind::State, &s.name, item);
            }
            ItemKind::Gate(g) => {
                self.simple(DefKind::Gate, &g.name, item);
            }
            ItemKind::Channel(c) => {
                self.simple(DefKind::Channel, c, item);
            }
            ItemKind::Assert(a) => {
                self.simple(DefKind::Assertion, &a.name, item);
            }
            ItemKind::Test(t) => {
                self.add(Def {
                    kind: DefKind::Test,
                    name: t.name.value.clone(),
                    span: t.name.span,
                    item_span: item.span,
                    doc: item.doc.clone(),
                    parent: None,
                });
            }
            ItemKind::Use(_) | ItemKind::Default(_) | ItemKind::Rule(_) | ItemKind::On(_) => {}
        }
    }

    fn refer(&mut self, kind: DefKind, name: &ast::Ident) {
        if let Some(def) = self.lookup(kind, &name.text) {
            self.refs.push(Ref {
                span: name.span,
                def,
            });
        }
    }

    fn refer_tool(&mut self, path: &ast::ToolPath) -> Option<DefId> {
        let def = self.tool(&path.dotted())?;
        self.refs.push(Ref {
            span: path.span,
            def,
        });
        Some(def)
    }

    fn reference(&mut self, item: &ast::Item) {
        match &item.kind {
            ItemKind::Use(ast::Use::Module {
                names: Some(names), ..
            }) => {
                // A selection names labels, effects or tools of the module.
                for n in names {
                    if self.refer_tool(n).is_some() {
                        continue;
                    }
                    if let [one] = n.segments.as_slice() {
                        for kind in [DefKind::Label, DefKind::Effect, DefKind::Gate] {
                            if self.lookup(kind, &one.text).is_some() {
                                self.refer(kind, one);
                                break;
                            }
                        }
                    }
                }
            }
            ItemKind::Tool(t) => {
                for l in t.labels.iter().flatten() {
                    self.refer(DefKind::Label, l);
                }
                for e in t.effects.iter().flatten() {
                    self.refer(DefKind::Effect, e);
                }
            }
            ItemKind::State(s) => self.expr(&s.init, &[]),
            ItemKind::Gate(g) => {
                for f in &g.fields {
                    self.expr(&f.value, &[]);
                }
            }
            ItemKind::Rule(r) => {
                self.rules.push(RuleInfo {
                    verdict_span: r.verdict_span,
                    item_span: item.span,
                });
                let tools = self.target(&r.target);
                if let ast::Verdict::Escalate { gate } = &r.verdict {
                    self.refer(DefKind::Gate, gate);
                }
                if let Some(w) = &r.when {
                    self.expr(w, &tools);
                }
            }
            ItemKind::On(o) => {
                let tools = self.target(&o.target);
                if let Some(w) = &o.when {
                    self.expr(w, &tools);
                }
                for a in &o.body {
                    self.refer(DefKind::State, &a.name);
                    self.expr(&a.value, &tools);
                }
            }
            ItemKind::Assert(a) => {
                let steps =
                    std::iter::once(&a.pattern.first).chain(a.pattern.rest.iter().map(|(_, s)| s));
                for step in steps {
                    let tools = self.target(&step.target);
                    if let Some(w) = &step.when {
                        self.expr(w, &tools);
                    }
                    if let Some(g) = &step.unless_approved {
                        self.refer(DefKind::Gate, g);
                    }
                }
            }
            ItemKind::Test(t) => self.test(t),
            _ => {}
        }
    }

    fn test(&mut self, t: &ast::Test) {
        for a in &t.with {
            self.refer(DefKind::Attr, &a.name);
            self.expr(&a.value, &[]);
        }
        for step in &t.steps {
            match step {
                ast::TestStep::Event {
                    event, expected, ..
                } => {
                    match event {
                        ast::Event::Call { tool, args, .. } => {
                            let def = self.refer_tool(tool);
                            for a in args {
                                let param = def.and_then(|d| {
                                    self.params
                                        .get(&d)
                                        .and_then(|m| m.get(&a.name.text))
                                        .copied()
                                });
                                if let Some(p) = param {
                                    self.refs.push(Ref {
                                        span: a.name.span,
                                        def: p,
                                    });
                                }
                                self.expr(&a.value, &[]);
                            }
                        }
                        ast::Event::Output { channel, text, .. } => {
                            self.refer(DefKind::Channel, channel);
                            self.expr(text, &[]);
                        }
                    }
                    if let ast::ExpectedKind::Escalate { gates, .. } = &expected.kind {
                        for g in gates {
                            self.refer(DefKind::Gate, g);
                        }
                    }
                }
                ast::TestStep::Expect { expr, .. } => self.expr(expr, &[]),
            }
        }
    }

    /// Records the references of a target; returns the tools it covers.
    fn target(&mut self, target: &ast::Target) -> Vec<DefId> {
        match &target.kind {
            TargetKind::Tool(p) => self.refer_tool(p).into_iter().collect(),
            TargetKind::Set(ps) => ps.iter().filter_map(|p| self.refer_tool(p)).collect(),
            TargetKind::Glob(segs) => self
                .of_kind(DefKind::Tool)
                .filter(|(_, d)| glob_matches(segs, &d.name))
                .map(|(i, _)| i)
                .collect(),
            TargetKind::Any => self.of_kind(DefKind::Tool).map(|(i, _)| i).collect(),
            TargetKind::Output(c) => {
                self.refer(DefKind::Channel, c);
                Vec::new()
            }
        }
    }

    /// The declaration a bare name in a condition means.
    pub fn resolve_value(&self, name: &str, tools: &[DefId]) -> Option<DefId> {
        tools
            .iter()
            .find_map(|t| self.params.get(t).and_then(|m| m.get(name)).copied())
            .or_else(|| self.lookup(DefKind::State, name))
            .or_else(|| self.lookup(DefKind::Attr, name))
    }

    fn expr(&mut self, e: &ast::Expr, tools: &[DefId]) {
        // An explicit stack: expressions may nest 512 deep.
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Name(n) | ExprKind::Has(n) => {
                    if let Some(def) = self.resolve_value(&n.text, tools) {
                        self.refs.push(Ref { span: n.span, def });
                    }
                }
                ExprKind::ContextHas(l) => self.refer(DefKind::Label, l),
                ExprKind::List(xs) => stack.extend(xs),
                ExprKind::Call { args, .. } => stack.extend(args),
                ExprKind::Unary { expr, .. } | ExprKind::Paren(expr) => stack.push(expr),
                ExprKind::Binary { lhs, rhs, .. } | ExprKind::In { lhs, rhs } => {
                    stack.push(lhs);
                    stack.push(rhs);
                }
                ExprKind::Matches { lhs, .. } => stack.push(lhs),
                ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Duration(_) => {
                }
            }
        }
    }
}

/// Whether a glob target (`None` for `*`) matches a dotted tool name: a
/// `*` matches one segment, a trailing `*` one or more.
pub fn glob_matches(segs: &[Option<ast::Ident>], name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match seg {
            None if last => return parts.len() > i,
            None => {
                if parts.get(i).is_none() {
                    return false;
                }
            }
            Some(id) => {
                if parts.get(i) != Some(&id.text.as_str()) {
                    return false;
                }
            }
        }
    }
    parts.len() == segs.len()
}
