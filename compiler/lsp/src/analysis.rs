//! One analysis: the checker's run on a root document (the same
//! `guard_check::check_source` pipeline as `guardc check`, so the codes and
//! messages are the same), plus the ASTs, line indexes and symbol
//! [`Index`] of every file that run loaded.
//!
//! Analyses are immutable snapshots; the engine builds one per root
//! document on demand and drops its cache on every edit.

use std::path::{Path, PathBuf};

use guard_check::{Checked, FileSystem};
use guard_diagnostics::{FileId, Span};
use guard_syntax::ast;
use lsp_types::{Location, Position, Range, Url};

use crate::index::Index;
use crate::line_index::{Encoding, LineIndex};

/// Where files of an analysis live, for turning file names into URIs.
pub trait Locator {
    /// The URI of a file as the checker's source map names it: an
    /// absolute path or a stdlib module path such as `std::labels`.
    fn uri_of(&self, name: &str) -> Option<Url>;
    /// Whether the file (by source-map name) is part of the standard
    /// library, which is read-only.
    fn is_stdlib(&self, name: &str) -> bool;
}

pub struct Analysis {
    pub checked: Checked,
    pub root: FileId,
    pub asts: Vec<ast::SourceFile>,
    pub lines: Vec<LineIndex>,
    pub index: Index,
    pub uris: Vec<Option<Url>>,
    pub stdlib: Vec<bool>,
    pub encoding: Encoding,
}

impl Analysis {
    /// Checks `text` as the policy at `path`, reading its imports through
    /// `fs`.
    pub fn new(
        path: &Path,
        text: &str,
        fs: &dyn FileSystem,
        locator: &dyn Locator,
        encoding: Encoding,
    ) -> Analysis {
        let name = path.to_string_lossy();
        let checked = guard_check::check_source(&name, text, fs);
        let root = FileId(0);
        let mut asts = Vec::new();
        let mut lines = Vec::new();
        let mut uris = Vec::new();
        let mut stdlib = Vec::new();
        for (id, file) in checked.sources.iter() {
            let (tree, _) = guard_syntax::parse_file(id, &file.text);
            asts.push(tree);
            lines.push(LineIndex::new(&file.text));
            uris.push(locator.uri_of(&file.name));
            stdlib.push(locator.is_stdlib(&file.name));
        }
        let files: Vec<(FileId, &ast::SourceFile, Option<&str>)> = asts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let id = FileId(u32::try_from(i).unwrap_or(u32::MAX));
                let name = checked.sources.name(id);
                (id, a, name.starts_with("std::").then_some(name))
            })
            .collect();
        let index = Index::build(&files);
        Analysis {
            checked,
            root,
            asts,
            lines,
            index,
            uris,
            stdlib,
            encoding,
        }
    }

    pub fn text(&self, file: FileId) -> &str {
        self.checked.sources.text(file)
    }

    pub fn root_text(&self) -> &str {
        self.text(self.root)
    }

    pub fn is_stdlib(&self, file: FileId) -> bool {
        self.stdlib.get(file.0 as usize).copied().unwrap_or(false)
    }

    pub fn uri(&self, file: FileId) -> Option<&Url> {
        self.uris.get(file.0 as usize).and_then(Option::as_ref)
    }

    pub fn file_of_uri(&self, uri: &Url) -> Option<FileId> {
        self.uris
            .iter()
            .position(|u| u.as_ref() == Some(uri))
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    /// The LSP range of a span.
    pub fn range(&self, span: Span) -> Range {
        let Some(idx) = self.lines.get(span.file.0 as usize) else {
            return Range::default();
        };
        idx.range(
            self.text(span.file),
            span.start as usize,
            span.end as usize,
            self.encoding,
        )
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(
            self.uri(span.file)?.clone(),
            self.range(span),
        ))
    }

    /// The byte offset of a position in the root file.
    pub fn offset(&self, pos: Position) -> u32 {
        let Some(idx) = self.lines.get(self.root.0 as usize) else {
            return 0;
        };
        let off = idx.offset(self.root_text(), pos, self.encoding);
        u32::try_from(off).unwrap_or(u32::MAX)
    }

    /// The source of a span with runs of whitespace collapsed to one space,
    /// for one-line signatures in hovers.
    pub fn snippet_flat(&self, span: Span) -> String {
        self.checked
            .sources
            .snippet(span)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The AST item of a file whose span contains `span`.
    pub fn item_at(&self, span: Span) -> Option<&ast::Item> {
        self.asts
            .get(span.file.0 as usize)?
            .items
            .iter()
            .find(|i| i.span.start <= span.start && span.end <= i.span.end)
    }
}

/// Reads open documents before the disk, so imports see unsaved edits.
pub struct Overlay<'a> {
    pub open: &'a [(PathBuf, &'a str)],
    pub fs: &'a dyn FileSystem,
}

impl FileSystem for Overlay<'_> {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        match self.open.iter().find(|(p, _)| p == path) {
            Some((_, text)) => Ok((*text).to_string()),
            None => self.fs.read_to_string(path),
        }
    }
}
