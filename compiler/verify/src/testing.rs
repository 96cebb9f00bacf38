//! Helpers the verifier's unit tests share: compiling a policy from
//! source with no file system (a `use` of a file fails to resolve), and
//! the checked programs of the workspace's `.guard` files.

use std::path::{Path, PathBuf};

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

/// The checked programs of the `.guard` files in `dirs` (relative to the
/// workspace root), in path order; files without a checked policy are
/// skipped. Panics (a failing test) if a file cannot be read or there are
/// no files at all.
pub(crate) fn workspace_programs(dirs: &[&str]) -> Vec<(PathBuf, hir::Program)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        paths.extend(
            entries
                .map(|e| e.unwrap_or_else(|e| panic!("{dir}: {e}")).path())
                .filter(|p| p.extension().is_some_and(|x| x == "guard")),
        );
    }
    paths.sort();
    assert!(!paths.is_empty(), "no .guard files in {dirs:?}");
    paths
        .into_iter()
        .filter_map(|path| {
            let src = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut checked =
                guard_check::check_source(&path.to_string_lossy(), &src, &guard_check::RealFs);
            let program = checked.policies.iter_mut().find_map(|p| p.program.take())?;
            Some((path, program))
        })
        .collect()
}
