//! Loading: parse each root file and everything it `use`s, once per run.
//!
//! Modules are keyed by what identifies them (`std::labels`, or the
//! absolute, lexically normalised path of a file), so a file imported from
//! several places is parsed once and its declarations exist once. Imports
//! form a directed graph (petgraph); every strongly connected component
//! with a cycle is reported once (E0109) at a `use` inside it. Loading then
//! hands each root's module closure to [`crate::resolve`] and
//! [`crate::typeck`].

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use guard_diagnostics::{Code, Diagnostic, FileId, SourceMap, Span};
use guard_syntax::ast;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::{stdlib, suggest, Checked, CheckedPolicy, FileSystem, IoError};

/// Index into [`Loaded::modules`].
pub(crate) type ModuleIdx = usize;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ModuleKey {
    Std(String),
    File(PathBuf),
}

/// One parsed file or stdlib module.
#[derive(Debug)]
pub(crate) struct Module {
    pub file: FileId,
    /// `std::labels`, or the file's path as diagnostics show it.
    pub display: String,
    pub in_stdlib: bool,
    pub ast: ast::SourceFile,
    pub uses: Vec<UseEdge>,
    /// Directory that relative `use`s resolve against.
    dir: Option<PathBuf>,
}

/// A resolved `use` item.
#[derive(Debug)]
pub(crate) struct UseEdge {
    /// `None` when the target could not be loaded (already reported).
    pub target: Option<ModuleIdx>,
    /// `Some` for `use std::m::{a, b}`.
    pub selection: Option<Vec<ast::ToolPath>>,
    /// The whole `use` item.
    pub span: Span,
}

/// Every module of a run.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub modules: Vec<Module>,
}

impl Loaded {
    /// Modules reachable from `root`, imports before importers (post-order,
    /// `use`s in source order), so the root comes last. This fixes the
    /// numbering of every entity and rule, and means a name declared both
    /// in an import and in the importing file is reported as a duplicate
    /// in the importing file.
    pub fn closure(&self, root: ModuleIdx) -> Vec<ModuleIdx> {
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        // Iterative post-order: (module, index of the next `use` to visit).
        let mut stack = vec![(root, 0usize)];
        seen.insert(root);
        while let Some((m, next)) = stack.pop() {
            let uses = &self.modules[m].uses;
            if let Some(edge) = uses.get(next) {
                stack.push((m, next + 1));
                if let Some(t) = edge.target {
                    if seen.insert(t) {
                        stack.push((t, 0));
                    }
                }
            } else {
                order.push(m);
            }
        }
        order
    }
}

/// Files larger than this are refused: policies are small, and spans are
/// 32-bit offsets.
const MAX_FILE_BYTES: usize = 64 << 20;

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    sources: SourceMap,
    loaded: Loaded,
    by_key: HashMap<ModuleKey, ModuleIdx>,
    diagnostics: Vec<Diagnostic>,
}

pub(crate) fn check_paths(paths: &[PathBuf], fs: &dyn FileSystem) -> Checked {
    let mut loader = Loader::new(fs);
    let mut io_errors = Vec::new();
    let mut roots = Vec::new();
    for path in paths {
        match fs.read_to_string(path) {
            Ok(text) if text.len() > MAX_FILE_BYTES => io_errors.push(IoError {
                path: path.clone(),
                error: std::io::Error::other("file is larger than 64 MiB"),
            }),
            Ok(text) => roots.push(loader.load_file_root(path, text)),
            Err(error) => io_errors.push(IoError {
                path: path.clone(),
                error,
            }),
        }
    }
    let mut checked = loader.finish(&roots);
    checked.io_errors = io_errors;
    checked
}

pub(crate) fn check_source(name: &str, text: &str, fs: &dyn FileSystem) -> Checked {
    let mut loader = Loader::new(fs);
    let root = loader.load_file_root(Path::new(name), text.to_string());
    loader.finish(&[root])
}

impl<'a> Loader<'a> {
    fn new(fs: &'a dyn FileSystem) -> Loader<'a> {
        Loader {
            fs,
            sources: SourceMap::new(),
            loaded: Loaded::default(),
            by_key: HashMap::new(),
            diagnostics: Vec::new(),
        }
    }

    fn load_file_root(&mut self, path: &Path, text: String) -> ModuleIdx {
        let key = ModuleKey::File(absolute(path));
        if let Some(&m) = self.by_key.get(&key) {
            return m;
        }
        let display = normalise(path).display().to_string();
        let dir = Some(
            normalise(path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        );
        self.add_module(key, display, text, false, dir)
    }

    /// Parses a module, registers it, then loads its imports.
    fn add_module(
        &mut self,
        key: ModuleKey,
        display: String,
        text: String,
        in_stdlib: bool,
        dir: Option<PathBuf>,
    ) -> ModuleIdx {
        let file = self.sources.add(display.clone(), text);
        let (ast, diags) = guard_syntax::parse_file(file, self.sources.text(file));
        self.diagnostics.extend(diags);
        let idx = self.loaded.modules.len();
        self.loaded.modules.push(Module {
            file,
            display,
            in_stdlib,
            ast,
            uses: Vec::new(),
            dir,
        });
        self.by_key.insert(key, idx);
        let uses: Vec<(ast::Use, Span)> = self.loaded.modules[idx]
            .ast
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ast::ItemKind::Use(u) => Some((u.clone(), item.span)),
                _ => None,
            })
            .collect();
        for (u, span) in uses {
            let edge = self.load_use(idx, &u, span);
            self.loaded.modules[idx].uses.push(edge);
        }
        idx
    }

    fn load_use(&mut self, from: ModuleIdx, u: &ast::Use, span: Span) -> UseEdge {
        match u {
            ast::Use::Module { path, names } => {
                let module = path
                    .iter()
                    .map(|s| s.text.as_str())
                    .collect::<Vec<_>>()
                    .join("::");
                let path_span = match (path.first(), path.last()) {
                    (Some(a), Some(b)) => a.span.to(b.span),
                    _ => span,
                };
                let target = self.load_std(&module, path_span);
                UseEdge {
                    target,
                    selection: names.clone(),
                    span,
                }
            }
            ast::Use::File(lit) => {
                let target = self.load_relative(from, lit);
                UseEdge {
                    target,
                    selection: None,
                    span,
                }
            }
        }
    }

    fn load_std(&mut self, module: &str, span: Span) -> Option<ModuleIdx> {
        let key = ModuleKey::Std(module.to_string());
        if let Some(&m) = self.by_key.get(&key) {
            return Some(m);
        }
        let Some(src) = stdlib::stdlib_source(module) else {
            let mut d = Diagnostic::new(
                Code::E0107,
                span,
                format!("there is no standard-library module `{module}`"),
            )
            .with_label("unknown module");
            if let Some(s) = suggest::best(module, stdlib::stdlib_module_names()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                let all: Vec<_> = stdlib::stdlib_module_names().collect();
                d = d.with_note(format!("the modules are {}", all.join(", ")));
            }
            self.diagnostics.push(d);
            return None;
        };
        Some(self.add_module(key, module.to_string(), src.to_string(), true, None))
    }

    fn load_relative(&mut self, from: ModuleIdx, lit: &ast::StrLit) -> Option<ModuleIdx> {
        let Some(dir) = self.loaded.modules[from].dir.clone() else {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::E0108,
                    lit.span,
                    "a standard-library module cannot import files",
                )
                .with_label("relative import in the stdlib"),
            );
            return None;
        };
        let path = normalise(&dir.join(&lit.value));
        let key = ModuleKey::File(absolute(&path));
        if let Some(&m) = self.by_key.get(&key) {
            return Some(m);
        }
        match self.fs.read_to_string(&path) {
            Ok(text) if text.len() <= MAX_FILE_BYTES => {
                let display = path.display().to_string();
                let dir = Some(path.parent().map(Path::to_path_buf).unwrap_or_default());
                Some(self.add_module(key, display, text, false, dir))
            }
            Ok(_) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0108,
                        lit.span,
                        format!("cannot import `{}`: larger than 64 MiB", path.display()),
                    )
                    .with_label("imported here"),
                );
                None
            }
            Err(err) => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0108,
                        lit.span,
                        format!("cannot read `{}`: {err}", path.display()),
                    )
                    .with_label("imported here")
                    .with_note(
                        "relative imports resolve against the directory of the importing file",
                    ),
                );
                None
            }
        }
    }

    /// Reports import cycles, picks the policies to check, checks them.
    fn finish(mut self, roots: &[ModuleIdx]) -> Checked {
        self.report_cycles();
        let loaded = self.loaded;
        let mut diagnostics = self.diagnostics;
        let mut policies = Vec::new();
        for &root in &policy_roots(&loaded, roots) {
            // Syntax errors in any file of the policy count as its errors:
            // its HIR would be partial, and lints on it misleading.
            let files: HashSet<FileId> = loaded
                .closure(root)
                .iter()
                .map(|&m| loaded.modules[m].file)
                .collect();
            let syntax_errors = diagnostics
                .iter()
                .any(|d| d.is_error() && files.contains(&d.primary.span.file));
            let (program, diags) =
                crate::typeck::check_policy(&loaded, root, &self.sources, syntax_errors);
            diagnostics.extend(diags);
            policies.push(CheckedPolicy {
                root: loaded.modules[root].file,
                program,
            });
        }
        let mut seen = HashSet::new();
        diagnostics.retain(|d| seen.insert((d.code, d.primary.span, d.message.clone())));
        diagnostics.sort_by(|a, b| {
            (
                a.primary.span.file,
                a.primary.span.start,
                a.primary.span.end,
            )
                .cmp(&(
                    b.primary.span.file,
                    b.primary.span.start,
                    b.primary.span.end,
                ))
        });
        Checked {
            sources: self.sources,
            diagnostics,
            policies,
            io_errors: Vec::new(),
        }
    }

    fn report_cycles(&mut self) {
        let mut graph: DiGraph<ModuleIdx, Span> = DiGraph::new();
        let nodes: Vec<NodeIndex> = (0..self.loaded.modules.len())
            .map(|m| graph.add_node(m))
            .collect();
        for (m, module) in self.loaded.modules.iter().enumerate() {
            for edge in &module.uses {
                if let Some(t) = edge.target {
                    graph.add_edge(nodes[m], nodes[t], edge.span);
                }
            }
        }
        for scc in petgraph::algo::tarjan_scc(&graph) {
            let cyclic = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
            if !cyclic {
                continue;
            }
            // Report at the `use` in the first-loaded module of the cycle
            // that points back into it, and spell out the whole loop.
            let members: HashSet<NodeIndex> = scc.iter().copied().collect();
            let Some(&start) = scc.iter().min_by_key(|n| graph[**n]) else {
                continue;
            };
            let mut path = vec![start];
            let mut at = start;
            let mut first_span = None;
            // Follow the lowest-numbered edge inside the component until a
            // module repeats: that walk is a cycle through `start`'s SCC.
            while let Some(e) = graph
                .edges(at)
                .filter(|e| members.contains(&e.target()))
                .min_by_key(|e| graph[e.target()])
            {
                let next = e.target();
                first_span.get_or_insert(*e.weight());
                path.push(next);
                if path[..path.len() - 1].contains(&next) {
                    break;
                }
                at = next;
            }
            let names: Vec<&str> = path
                .iter()
                .map(|n| self.loaded.modules[graph[*n]].display.as_str())
                .collect();
            if let Some(span) = first_span {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E0109,
                        span,
                        format!("import cycle: {}", names.join(" → ")),
                    )
                    .with_label("this import closes the cycle")
                    .with_help("move the shared declarations into a file that both import"),
                );
            }
        }
    }
}

/// The given files that are policies in their own right: those that no
/// other given file imports (directly or not). Files in an import cycle
/// with each other are all kept, so a cycle never hides a file.
fn policy_roots(loaded: &Loaded, roots: &[ModuleIdx]) -> Vec<ModuleIdx> {
    let mut unique = Vec::new();
    for &r in roots {
        if !unique.contains(&r) {
            unique.push(r);
        }
    }
    let reach: Vec<HashSet<ModuleIdx>> = unique
        .iter()
        .map(|&r| loaded.closure(r).into_iter().collect())
        .collect();
    unique
        .iter()
        .enumerate()
        .filter(|&(i, &r)| {
            !unique
                .iter()
                .enumerate()
                .any(|(j, &other)| j != i && reach[j].contains(&r) && !reach[i].contains(&other))
        })
        .map(|(_, &r)| r)
        .collect()
}

/// Lexical normalisation: drops `.`, resolves `..` against earlier
/// components, never touches the disk (the language server checks unsaved
/// buffers). Public so the language server resolves `use` paths the
/// same way.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn absolute(path: &Path) -> PathBuf {
    normalise(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_lexically() {
        assert_eq!(normalise(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalise(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(normalise(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalise(Path::new("./x.guard")), PathBuf::from("x.guard"));
    }
}
