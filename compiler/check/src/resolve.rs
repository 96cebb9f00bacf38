//! Name resolution: declares every entity of one policy and answers "what
//! does this name mean here?".
//!
//! Entities (tools, labels, effects, state, attributes, gates, channels,
//! assertions, tests) live in one policy-wide namespace per kind, so two
//! declarations of one name anywhere in the policy are a duplicate (E0110).
//! Visibility is per file: a name is usable in a file that declares it or
//! `use`s the module declaring it (whole, or by a braced selection). A
//! selective import of a stdlib catalogue brings only the selected tools
//! into the policy; the other kinds of a stdlib module are always declared
//! (they are small and harmless when unused).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use guard_diagnostics::{Code, Diagnostic, Span};
use guard_syntax::ast;

use crate::hir::{AttrId, ChannelId, GateId, LabelId, StateId, ToolId};
use crate::load::ModuleIdx;
use crate::suggest;
use crate::typeck::Checker;

/// A declared entity: its id, the module declaring it, where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entity<T> {
    pub id: T,
    pub module: ModuleIdx,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueRef {
    State(StateId),
    Attr(AttrId),
}

/// What one file can see besides its own declarations.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    whole: HashSet<ModuleIdx>,
    selected: HashMap<String, HashSet<ModuleIdx>>,
}

/// The policy-wide name tables.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub tools: HashMap<String, Entity<ToolId>>,
    pub labels: HashMap<String, Entity<LabelId>>,
    pub effects: HashMap<String, Entity<u32>>,
    pub values: HashMap<String, Entity<ValueRef>>,
    pub gates: HashMap<String, Entity<GateId>>,
    pub channels: HashMap<String, Entity<ChannelId>>,
    pub asserts: HashMap<String, Span>,
    pub tests: HashMap<String, Span>,
    pub scopes: HashMap<ModuleIdx, Scope>,
    /// Names a module declared again (E0110 reported): lookups of them
    /// from that module stay silent instead of cascading.
    pub redeclared: HashSet<(Kind, String, ModuleIdx)>,
}

/// The kinds of names, for messages and lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Tool,
    Label,
    Effect,
    Value,
    Gate,
    Channel,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Label => "label",
            Kind::Effect => "effect",
            Kind::Value => "state variable or attribute",
            Kind::Gate => "gate",
            Kind::Channel => "channel",
        }
    }

    fn code(self) -> Code {
        match self {
            Kind::Tool => Code::E0102,
            Kind::Label => Code::E0103,
            Kind::Effect => Code::W0018,
            Kind::Value => Code::E0101,
            Kind::Gate => Code::E0104,
            Kind::Channel => Code::E0105,
        }
    }
}

/// Every name each stdlib module declares, for "add `use std::…`" hints.
fn stdlib_index() -> &'static Vec<(&'static str, Kind, String)> {
    static INDEX: OnceLock<Vec<(&'static str, Kind, String)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut out = Vec::new();
        for module in crate::stdlib::stdlib_module_names() {
            let src = crate::stdlib::stdlib_source(module).unwrap_or("");
            let (file, _) = guard_syntax::parse_file(guard_diagnostics::FileId(u32::MAX), src);
            for item in &file.items {
                for (kind, name) in declared_names(&item.kind) {
                    out.push((module, kind, name));
                }
            }
        }
        out
    })
}

/// The (kind, name) pairs an item declares, for kinds that have scopes.
fn declared_names(item: &ast::ItemKind) -> Vec<(Kind, String)> {
    match item {
        ast::ItemKind::Label(ls) => ls.iter().map(|l| (Kind::Label, l.text.clone())).collect(),
        ast::ItemKind::Effect(es) => es.iter().map(|e| (Kind::Effect, e.text.clone())).collect(),
        ast::ItemKind::Tool(t) => vec![(Kind::Tool, t.name.dotted())],
        ast::ItemKind::Attr(a) => vec![(Kind::Value, a.name.text.clone())],
        ast::ItemKind::State(s) => vec![(Kind::Value, s.name.text.clone())],
        ast::ItemKind::Gate(g) => vec![(Kind::Gate, g.name.text.clone())],
        ast::ItemKind::Channel(c) => vec![(Kind::Channel, c.text.clone())],
        _ => Vec::new(),
    }
}

impl Checker<'_> {
    /// Builds the scope of every module of the policy and reports
    /// selections of names a module does not declare.
    pub(crate) fn build_scopes(&mut self) {
        for &m in &self.modules.clone() {
            let mut scope = Scope::default();
            for edge in &self.loaded.modules[m].uses {
                let Some(target) = edge.target else { continue };
                match &edge.selection {
                    None => {
                        scope.whole.insert(target);
                    }
                    Some(names) => {
                        let declared: Vec<String> = self.loaded.modules[target]
                            .ast
                            .items
                            .iter()
                            .flat_map(|i| declared_names(&i.kind))
                            .map(|(_, n)| n)
                            .collect();
                        for name in names {
                            let dotted = name.dotted();
                            if declared.contains(&dotted) {
                                scope.selected.entry(dotted).or_default().insert(target);
                            } else {
                                let module = &self.loaded.modules[target].display;
                                let mut d = Diagnostic::new(
                                    Code::E0107,
                                    name.span,
                                    format!("`{module}` has no item `{dotted}`"),
                                )
                                .with_label("not declared there");
                                if let Some(s) =
                                    suggest::best(&dotted, declared.iter().map(String::as_str))
                                {
                                    d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                                        format!("use `{s}`"),
                                        name.span,
                                        s,
                                    );
                                }
                                self.diags.push(d);
                            }
                        }
                    }
                }
            }
            self.names.scopes.insert(m, scope);
        }
    }

    /// Whether item `name` of module `m` joins the policy: always for the
    /// user's files; for a stdlib module, when some file of the policy
    /// imports it whole or selects the item by name. (A catalogue that
    /// selects the labels it uses thereby brings in just those.)
    pub(crate) fn included(&self, m: ModuleIdx, name: &str) -> bool {
        if !self.loaded.modules[m].in_stdlib {
            return true;
        }
        self.names.scopes.values().any(|s| {
            s.whole.contains(&m) || s.selected.get(name).is_some_and(|set| set.contains(&m))
        })
    }

    pub(crate) fn visible(&self, from: ModuleIdx, name: &str, declared_in: ModuleIdx) -> bool {
        if from == declared_in {
            return true;
        }
        let Some(scope) = self.names.scopes.get(&from) else {
            return false;
        };
        scope.whole.contains(&declared_in)
            || scope
                .selected
                .get(name)
                .is_some_and(|s| s.contains(&declared_in))
    }

    /// Reports a duplicate declaration if `name` is taken in `kind`.
    pub(crate) fn check_duplicate(
        &mut self,
        previous: Option<Span>,
        name: &str,
        span: Span,
        what: &str,
    ) -> bool {
        if let Some(prev) = previous {
            self.diags.push(
                Diagnostic::new(
                    Code::E0110,
                    span,
                    format!("{what} `{name}` is declared more than once"),
                )
                .with_label("declared again here")
                .with_secondary(prev, "first declared here"),
            );
            return true;
        }
        false
    }

    /// The visible entity called `name`, or a diagnostic explaining why
    /// there is none (unknown, or declared but not imported), with a
    /// did-you-mean suggestion among visible names of the same kind.
    pub(crate) fn lookup<T: Copy>(
        &mut self,
        kind: Kind,
        from: ModuleIdx,
        name: &str,
        span: Span,
    ) -> Option<T>
    where
        Names: Table<T>,
    {
        let found = Table::<T>::table(&self.names).get(name).copied();
        if let Some(e) = found {
            if self.visible(from, name, e.module) {
                return Some(e.id);
            }
            if self
                .names
                .redeclared
                .contains(&(kind, name.to_string(), from))
            {
                return None;
            }
            let module = self.loaded.modules[e.module].display.clone();
            let how = if self.loaded.modules[e.module].in_stdlib {
                format!("use {module}::{{{name}}};")
            } else {
                let importer = &self.loaded.modules[from].display;
                format!("use \"{}\";", relative_use_path(importer, &module))
            };
            self.diags.push(
                Diagnostic::new(
                    kind.code(),
                    span,
                    format!("{} `{name}` is not imported into this file", kind.noun()),
                )
                .with_label("not in scope here")
                .with_secondary(e.span, "declared here")
                .with_help(format!("add `{how}`")),
            );
            return None;
        }
        let candidates: Vec<String> = Table::<T>::table(&self.names)
            .iter()
            .filter(|(n, e)| self.visible(from, n, e.module))
            .map(|(n, _)| n.clone())
            .collect();
        let d = self.unknown(kind, name, span, &candidates);
        self.diags.push(d);
        None
    }

    /// The "unknown NAME" diagnostic with the best suggestion: a close
    /// visible name, else a stdlib module that declares exactly this name.
    pub(crate) fn unknown(
        &self,
        kind: Kind,
        name: &str,
        span: Span,
        candidates: &[String],
    ) -> Diagnostic {
        let mut sorted: Vec<&str> = candidates.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        let mut d = Diagnostic::new(
            kind.code(),
            span,
            format!("unknown {} `{name}`", kind.noun()),
        )
        .with_label(format!("no {} of this name", kind.noun()));
        if let Some(module) = stdlib_index()
            .iter()
            .find(|(_, k, n)| *k == kind && n == name)
            .map(|(m, _, _)| *m)
        {
            d = d.with_help(format!(
                "`{name}` is declared in `{module}`: add `use {module}::{{{name}}};`"
            ));
        } else if let Some(s) = suggest::best(name, sorted.iter().copied()) {
            d = d.with_help(format!("did you mean `{s}`?")).with_fix(
                format!("replace with `{s}`"),
                span,
                s,
            );
        }
        d
    }
}

/// Access to one of the name tables by entity type.
pub(crate) trait Table<T> {
    fn table(&self) -> &HashMap<String, Entity<T>>;
}

macro_rules! table {
    ($t:ty, $field:ident) => {
        impl Table<$t> for Names {
            fn table(&self) -> &HashMap<String, Entity<$t>> {
                &self.$field
            }
        }
    };
}

table!(ToolId, tools);
table!(LabelId, labels);
table!(ValueRef, values);
table!(GateId, gates);
table!(ChannelId, channels);

/// Every name of `kind` that some stdlib module declares, sorted.
pub(crate) fn stdlib_names(kind: Kind) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = stdlib_index()
        .iter()
        .filter(|(_, k, _)| *k == kind)
        .map(|(_, _, n)| n.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// How file `importer` spells a `use` of file `target`: a path relative to
/// the importer's directory (both are given as the loader displays them).
pub(crate) fn relative_use_path(importer: &str, target: &str) -> String {
    use std::path::{Component, Path};
    let from: Vec<Component> = Path::new(importer)
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    let to: Vec<Component> = Path::new(target).components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::relative_use_path;

    #[test]
    fn use_paths_are_relative_to_the_importer() {
        assert_eq!(
            relative_use_path("m/user.guard", "m/lib.guard"),
            "./lib.guard"
        );
        assert_eq!(
            relative_use_path("m/a/user.guard", "m/lib.guard"),
            "../lib.guard"
        );
        assert_eq!(
            relative_use_path("user.guard", "shared/x.guard"),
            "./shared/x.guard"
        );
        assert_eq!(
            relative_use_path("/w/a/b.guard", "/w/c/d.guard"),
            "../c/d.guard"
        );
    }
}
