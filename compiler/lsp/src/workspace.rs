//! The `.guard` files of the workspace, for references and rename to see
//! files that are neither open nor imported by an open one.
//!
//! This is the server's only directory walk (the engine does no I/O). It
//! runs on each references or rename request, so files created or
//! deleted since are seen, and it is bounded: hidden directories,
//! `target` and `node_modules` are skipped, and the walk stops at
//! [`MAX_FILES`] files so a huge workspace costs a bounded amount.

use std::path::{Path, PathBuf};

/// The most files one walk collects.
pub const MAX_FILES: usize = 2_000;

/// Every `*.guard` file under `roots`, sorted, at most [`MAX_FILES`].
pub fn guard_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in roots {
        walk(root, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = e.file_name();
        let name = name.to_string_lossy();
        // Symbolic links are not followed: a link cycle must not loop.
        let Ok(ty) = e.file_type() else { continue };
        let path = e.path();
        if ty.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                walk(&path, out);
            }
        } else if ty.is_file() && name.ends_with(".guard") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_guard_files_and_skips_build_and_hidden_directories() {
        let root = std::env::temp_dir().join(format!("guard-lsp-ws-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (rel, text) in [
            ("a.guard", ""),
            ("sub/b.guard", ""),
            ("sub/notes.txt", ""),
            ("target/c.guard", ""),
            ("node_modules/d.guard", ""),
            (".git/e.guard", ""),
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap_or(&root)).unwrap_or_default();
            std::fs::write(&p, text).unwrap_or_default();
        }
        let found = guard_files(std::slice::from_ref(&root));
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(found, [root.join("a.guard"), root.join("sub/b.guard")]);
    }
}
