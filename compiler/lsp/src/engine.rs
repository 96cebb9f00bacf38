//! The engine: open documents in, LSP answers out, with no I/O of its own.
//!
//! Documents are held by URI with their version. Files they `use` are read
//! through a [`FileSystem`] (the disk in the server, a map in tests), with
//! open documents taking precedence so unsaved edits are seen. Each query
//! analyses its document as a root policy with the same pipeline as
//! `guardc check`; analyses are cached until the next edit.
//!
//! Every entry point is total: an unknown URI, a position past the end or
//! a half-typed file yields an empty answer, never a panic.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use guard_check::FileSystem;
use guard_diagnostics::FileId;
use lsp_types::{
    CodeActionOrCommand, CodeLens, CompletionItem, DocumentSymbol, FoldingRange, Hover, Location,
    Position, Range, SemanticTokens, TextDocumentContentChangeEvent, TextEdit, Url, WorkspaceEdit,
};

use crate::actions::{self, LensResults};
use crate::analysis::{Analysis, Locator, Overlay};
use crate::line_index::{Encoding, LineIndex};
use crate::navigate::{self, RenameError};
use crate::{complete, diagnostics, hover, outline, tokens};

/// Files kept in memory, by absolute path: for tests and for the
/// property test, where `use`d files must not touch the disk.
#[derive(Debug, Default, Clone)]
pub struct MemoryFs {
    pub files: HashMap<PathBuf, String>,
}

impl FileSystem for MemoryFs {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
}

#[derive(Debug, Clone)]
struct Document {
    text: String,
    version: i32,
    path: PathBuf,
}

pub struct Engine {
    fs: Box<dyn FileSystem>,
    docs: BTreeMap<Url, Document>,
    encoding: Encoding,
    stdlib_root: PathBuf,
    cache: RefCell<HashMap<Url, Rc<Analysis>>>,
    lens_results: LensResults,
    /// The workspace's `.guard` files (the server walks the folders), read
    /// through `fs` unless open: references and rename look in them too.
    workspace: Vec<PathBuf>,
}

/// Maps the checker's file names to URIs.
struct Names<'a> {
    docs: &'a BTreeMap<Url, Document>,
    stdlib_root: &'a Path,
}

impl Locator for Names<'_> {
    fn uri_of(&self, name: &str) -> Option<Url> {
        if let Some(path) = stdlib_path(self.stdlib_root, name) {
            return Url::from_file_path(path).ok();
        }
        if let Some((uri, _)) = self.docs.iter().find(|(_, d)| d.path == Path::new(name)) {
            return Some(uri.clone());
        }
        Url::from_file_path(name).ok()
    }

    fn is_stdlib(&self, name: &str) -> bool {
        name.starts_with("std::") || Path::new(name).starts_with(self.stdlib_root)
    }
}

/// Where a stdlib module (`std::mcp::fetch`) is served from:
/// `ROOT/std/mcp/fetch.guard`.
pub fn stdlib_path(root: &Path, module: &str) -> Option<PathBuf> {
    guard_check::stdlib_source(module)?;
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = module.split("::").collect();
    let (last, dirs) = parts.split_last()?;
    for d in dirs {
        path.push(d);
    }
    path.push(format!("{last}.guard"));
    Some(path)
}

/// The stdlib module served at a path under `root`, if any.
fn stdlib_module(root: &Path, path: &Path) -> Option<&'static str> {
    guard_check::stdlib_module_names().find(|m| stdlib_path(root, m).as_deref() == Some(path))
}

impl Engine {
    /// An engine reading imports through `fs`; stdlib modules are given
    /// URIs under `stdlib_root` (the server writes them there).
    pub fn new(fs: Box<dyn FileSystem>, stdlib_root: PathBuf) -> Engine {
        Engine {
            fs,
            docs: BTreeMap::new(),
            encoding: Encoding::Utf16,
            stdlib_root,
            cache: RefCell::new(HashMap::new()),
            lens_results: HashMap::new(),
            workspace: Vec::new(),
        }
    }

    /// The workspace's files, as of now. Analyses of files that are not
    /// open are dropped, so that changes on disk are read again.
    pub fn set_workspace_files(&mut self, files: Vec<PathBuf>) {
        let open: HashSet<&Url> = self.docs.keys().collect();
        self.cache.borrow_mut().retain(|u, _| open.contains(u));
        self.workspace = files;
    }

    pub fn set_encoding(&mut self, encoding: Encoding) {
        self.encoding = encoding;
        self.invalidate();
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn stdlib_root(&self) -> &Path {
        &self.stdlib_root
    }

    fn invalidate(&mut self) {
        self.cache.borrow_mut().clear();
    }

    pub fn open(&mut self, uri: Url, text: String, version: i32) {
        let path = path_of(&uri);
        self.docs.insert(
            uri,
            Document {
                text,
                version,
                path,
            },
        );
        self.invalidate();
    }

    pub fn close(&mut self, uri: &Url) {
        self.docs.remove(uri);
        self.lens_results.retain(|(u, _, _), _| u != uri);
        self.invalidate();
    }

    /// Applies `didChange` edits in order: ranged edits (incremental sync)
    /// or whole-text replacements. A version older than the one held is
    /// ignored, as the protocol allows no reordering.
    pub fn change(
        &mut self,
        uri: &Url,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let enc = self.encoding;
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        for c in changes {
            match c.range {
                None => doc.text = c.text,
                Some(range) => {
                    let idx = LineIndex::new(&doc.text);
                    let start = idx.offset(&doc.text, range.start, enc);
                    let end = idx.offset(&doc.text, range.end, enc).max(start);
                    doc.text.replace_range(start..end, &c.text);
                }
            }
        }
        doc.version = version;
        self.invalidate();
    }

    /// `didSave` with the saved text, when the client includes it.
    pub fn save(&mut self, uri: &Url, text: Option<String>) {
        if let (Some(doc), Some(text)) = (self.docs.get_mut(uri), text) {
            doc.text = text;
        }
        self.invalidate();
    }

    pub fn text(&self, uri: &Url) -> Option<&str> {
        self.docs.get(uri).map(|d| d.text.as_str())
    }

    pub fn version(&self, uri: &Url) -> Option<i32> {
        self.docs.get(uri).map(|d| d.version)
    }

    pub fn open_documents(&self) -> impl Iterator<Item = &Url> {
        self.docs.keys()
    }

    /// The file-system path a document's `use`s resolve against.
    pub fn path(&self, uri: &Url) -> PathBuf {
        self.docs
            .get(uri)
            .map_or_else(|| path_of(uri), |d| d.path.clone())
    }

    /// The analysis of a document as a root policy: an open document, a
    /// stdlib module's served file, or a file `fs` can read.
    pub fn analysis(&self, uri: &Url) -> Option<Rc<Analysis>> {
        if let Some(a) = self.cache.borrow().get(uri) {
            return Some(Rc::clone(a));
        }
        let path = self.path(uri);
        let text = match self.docs.get(uri) {
            Some(d) => d.text.clone(),
            None => match stdlib_module(&self.stdlib_root, &path) {
                Some(m) => guard_check::stdlib_source(m)?.to_string(),
                None => self.fs.read_to_string(&path).ok()?,
            },
        };
        let open: Vec<(PathBuf, &str)> = self
            .docs
            .values()
            .map(|d| (d.path.clone(), d.text.as_str()))
            .collect();
        let overlay = Overlay {
            open: &open,
            fs: self.fs.as_ref(),
        };
        let names = Names {
            docs: &self.docs,
            stdlib_root: &self.stdlib_root,
        };
        let a = Rc::new(Analysis::new(&path, &text, &overlay, &names, self.encoding));
        self.cache.borrow_mut().insert(uri.clone(), Rc::clone(&a));
        Some(a)
    }

    fn open_analyses(&self) -> Vec<Rc<Analysis>> {
        let uris: Vec<Url> = self.docs.keys().cloned().collect();
        uris.iter().filter_map(|u| self.analysis(u)).collect()
    }

    /// The open documents and the workspace's other files, each analysed
    /// as a root (with what it imports): where references can be.
    fn all_analyses(&self) -> Vec<Rc<Analysis>> {
        let mut all = self.open_analyses();
        for path in &self.workspace {
            let Ok(uri) = Url::from_file_path(path) else {
                continue;
            };
            if !self.docs.contains_key(&uri) {
                all.extend(self.analysis(&uri));
            }
        }
        all
    }

    /// The diagnostics of every open document, and of every non-stdlib
    /// file they import, by URI. Every open document has an entry (empty
    /// when clean), so a client's stale diagnostics get cleared.
    ///
    /// As in `guardc check` on a directory, a file another open document
    /// imports is reported as part of its importer, not as a policy of its
    /// own: a file of shared declarations would otherwise be told that no
    /// rule mentions its tools.
    pub fn diagnostics(&self) -> BTreeMap<Url, Vec<lsp_types::Diagnostic>> {
        let mut out: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for uri in self.docs.keys() {
            out.entry(uri.clone()).or_default();
        }
        let analyses = self.open_analyses();
        let imported: HashSet<&Url> = analyses
            .iter()
            .flat_map(|a| {
                (0..a.uris.len())
                    .filter(move |&i| i != a.root.0 as usize)
                    .filter_map(move |i| a.uris.get(i).and_then(Option::as_ref))
            })
            .collect();
        for a in &analyses {
            let root_imported = a.uri(a.root).is_some_and(|u| imported.contains(u));
            for d in &a.checked.diagnostics {
                let file = d.primary.span.file;
                if a.is_stdlib(file) || (file == a.root && root_imported) {
                    continue;
                }
                let Some(uri) = a.uri(file) else { continue };
                let lsp = diagnostics::to_lsp(a, d);
                let list = out.entry(uri.clone()).or_default();
                if !list.contains(&lsp) {
                    list.push(lsp);
                }
            }
        }
        out
    }

    fn offset(&self, a: &Analysis, pos: Position) -> u32 {
        a.offset(pos)
    }

    pub fn hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let a = self.analysis(uri)?;
        hover::hover(&a, self.offset(&a, pos))
    }

    pub fn definition(&self, uri: &Url, pos: Position) -> Option<Location> {
        let a = self.analysis(uri)?;
        navigate::definition(&a, self.offset(&a, pos))
    }

    pub fn references(&self, uri: &Url, pos: Position, include_declaration: bool) -> Vec<Location> {
        let Some(a) = self.analysis(uri) else {
            return Vec::new();
        };
        let Some((_, key)) = navigate::def_at(&a, self.offset(&a, pos)) else {
            return Vec::new();
        };
        let mut all = self.all_analyses();
        all.push(Rc::clone(&a));
        let refs: Vec<&Analysis> = all.iter().map(|a| a.as_ref()).collect();
        navigate::references(&refs, &key, include_declaration)
    }

    /// The range `prepareRename` reports: the name under the cursor, if it
    /// is a user-declared one.
    pub fn prepare_rename(&self, uri: &Url, pos: Position) -> Result<Range, RenameError> {
        let a = self
            .analysis(uri)
            .ok_or_else(|| RenameError("the document is not open".into()))?;
        let off = self.offset(&a, pos);
        let Some((def, span)) = a.index.at(a.root, off) else {
            return Err(RenameError("there is no declared name here".into()));
        };
        let in_std = a
            .index
            .defs
            .get(def)
            .is_some_and(|d| a.is_stdlib(d.span.file));
        if in_std {
            return Err(RenameError(
                "names from the standard library cannot be renamed".into(),
            ));
        }
        Ok(a.range(span))
    }

    pub fn rename(
        &self,
        uri: &Url,
        pos: Position,
        new_name: &str,
    ) -> Result<WorkspaceEdit, RenameError> {
        let a = self
            .analysis(uri)
            .ok_or_else(|| RenameError("the document is not open".into()))?;
        let Some((def, key)) = navigate::def_at(&a, self.offset(&a, pos)) else {
            return Err(RenameError("there is no declared name here".into()));
        };
        let mut all = self.all_analyses();
        all.push(Rc::clone(&a));
        let refs: Vec<&Analysis> = all.iter().map(|a| a.as_ref()).collect();
        let changes = navigate::rename(&refs, &a, def, &key, new_name)?;
        Ok(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        })
    }

    pub fn completion(&self, uri: &Url, pos: Position) -> Vec<CompletionItem> {
        let Some(a) = self.analysis(uri) else {
            return Vec::new();
        };
        complete::complete(&a, self.offset(&a, pos))
    }

    pub fn document_symbols(&self, uri: &Url) -> Vec<DocumentSymbol> {
        self.analysis(uri)
            .map(|a| outline::symbols(&a))
            .unwrap_or_default()
    }

    /// The whole-document edit `guardc fmt` would make; refused (with the
    /// reason) when the document has syntax errors.
    pub fn formatting(&self, uri: &Url) -> Result<Vec<TextEdit>, String> {
        let text = self.text(uri).ok_or("the document is not open")?;
        match guard_fmt::format(FileId(0), text) {
            Ok(out) if out == text => Ok(Vec::new()),
            Ok(out) => {
                let idx = LineIndex::new(text);
                let range = idx.range(text, 0, text.len(), self.encoding);
                Ok(vec![TextEdit::new(range, out)])
            }
            Err(diags) => Err(match diags.first() {
                Some(d) => format!(
                    "cannot format a file with syntax errors: {} ({})",
                    d.message,
                    d.code.as_str()
                ),
                None => "cannot format this file".to_string(),
            }),
        }
    }

    pub fn semantic_tokens(&self, uri: &Url) -> SemanticTokens {
        self.analysis(uri)
            .map(|a| tokens::semantic_tokens(&a))
            .unwrap_or_default()
    }

    pub fn folding_ranges(&self, uri: &Url) -> Vec<FoldingRange> {
        self.analysis(uri)
            .map(|a| tokens::folding_ranges(&a))
            .unwrap_or_default()
    }

    pub fn code_actions(&self, uri: &Url, range: Range) -> Vec<CodeActionOrCommand> {
        self.analysis(uri)
            .map(|a| actions::code_actions(&a, range))
            .unwrap_or_default()
    }

    pub fn code_lenses(&self, uri: &Url) -> Vec<CodeLens> {
        self.analysis(uri)
            .map(|a| actions::code_lenses(&a, &self.lens_results))
            .unwrap_or_default()
    }

    /// Remembers the outcome of a lens's command, shown as its new title.
    pub fn set_lens_result(
        &mut self,
        uri: Url,
        command: &'static str,
        name: String,
        title: String,
    ) {
        self.lens_results.insert((uri, command, name), title);
    }
}

/// The path a URI's relative `use`s resolve against. Non-file URIs (an
/// unsaved buffer) get a path of their own under a directory no policy
/// lives in, so they still analyse; their relative imports are not found.
pub fn path_of(uri: &Url) -> PathBuf {
    if uri.scheme() == "file" {
        if let Ok(p) = uri.to_file_path() {
            return p;
        }
    }
    let mut p = PathBuf::from("/guard-virtual");
    p.push(uri.scheme());
    for seg in uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty() && *s != "..")
    {
        p.push(seg);
    }
    p
}
