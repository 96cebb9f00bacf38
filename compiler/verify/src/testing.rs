//! Helpers the verifier's unit tests share: compiling a policy from
//! source with no file system (a `use` of a file fails to resolve).

use std::path::Path;

use guard_check::hir;

/// A file system with no files.
pub(crate) struct NoFs;

impl guard_check::FileSystem for NoFs {
    fn read_to_string(&self, _: &Path) -> std::io::Result<String> {
        Err(std::io::ErrorKind::NotFound.into())
    }
}

/// The checked program of `src`; panics (a failing test) if it does not
/// check.
pub(crate) fn program(src: &str) -> hir::Program {
    let mut checked = guard_check::check_source("t.guard", src, &NoFs);
    checked
        .policies
        .iter_mut()
        .find_map(|p| p.program.take())
        .unwrap_or_else(|| panic!("does not check: {:#?}", checked.diagnostics))
}
