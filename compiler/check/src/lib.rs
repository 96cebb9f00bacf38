//! The middle of the front end: from parsed files to a typed, resolved
//! program ([`hir::Program`]) plus every diagnostic the source deserves.
//!
//! Pipeline, per root file: [`load`] parses the root and everything it
//! `use`s (stdlib modules are embedded, relative files are read through a
//! [`FileSystem`]), detecting import cycles; [`resolve`] builds the scopes
//! and declares every entity; [`typeck`] resolves and types every
//! expression, target, assertion and test into the HIR; [`lint`] reports
//! the warnings. Each phase keeps going after errors so one run reports
//! everything.
//!
//! Invariants: a `Program` is returned only when there are no errors, and
//! then every name in it is resolved and every expression is well typed;
//! no input makes this crate panic.

pub mod glob;
pub mod hir;
mod lint;
mod load;
mod resolve;
mod stdlib;
mod suggest;
mod typeck;

use std::path::{Path, PathBuf};

use guard_diagnostics::{Diagnostic, FileId, SourceMap};

pub use load::normalise;
pub use stdlib::{stdlib_module_names, stdlib_source};

/// How the checker reads files named by `use "./x.guard"`. The CLI reads
/// the disk; the language server overlays unsaved editor buffers.
pub trait FileSystem {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String>;
}

/// The real file system.
pub struct RealFs;

impl FileSystem for RealFs {
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// A root file that could not be read at all (a usage/I-O error, exit 2),
/// as opposed to a `use` of a missing file (a policy error, E0108).
#[derive(Debug)]
pub struct IoError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// One checked policy: the root file and, when it has no errors, its HIR.
#[derive(Debug)]
pub struct CheckedPolicy {
    pub root: FileId,
    pub program: Option<hir::Program>,
}

/// Everything one `check` run produced.
#[derive(Debug, Default)]
pub struct Checked {
    pub sources: SourceMap,
    /// Deduplicated, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    pub policies: Vec<CheckedPolicy>,
    pub io_errors: Vec<IoError>,
}

impl Checked {
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// Checks the given `.guard` files. Files that another given file imports
/// are checked as part of that importer rather than as policies of their
/// own, so a directory holding a policy and its shared declarations is
/// reported once and without lints that only make sense for whole policies.
pub fn check_paths(paths: &[PathBuf], fs: &dyn FileSystem) -> Checked {
    load::check_paths(paths, fs)
}

/// Checks one in-memory policy. Relative `use`s resolve against the
/// directory of `name`.
pub fn check_source(name: &str, text: &str, fs: &dyn FileSystem) -> Checked {
    load::check_source(name, text, fs)
}
