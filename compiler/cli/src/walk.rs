//! Turns the paths given to `guardc check` into the list of `.guard` files
//! to check.
//!
//! Rules: a file given by name is checked whatever its extension (the user
//! asked for it); a directory is searched recursively for `*.guard` files,
//! in sorted order so output is the same on every machine, skipping hidden
//! directories (`.git`) and `target` (build output). Symbolic links to files
//! are followed; symbolic links to directories are not, which keeps a link
//! cycle from looping forever. A path that does not exist or a directory
//! that cannot be listed is recorded as an error naming that path, and the
//! walk goes on so that one bad path does not hide the results for the rest.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// The outcome of a walk: the files to check, in order and without
/// duplicates, and the paths that could not be read.
#[derive(Debug, Default)]
pub struct Collected {
    pub files: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, std::io::Error)>,
}

pub fn collect(paths: &[PathBuf]) -> Collected {
    let mut out = Collected::default();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut out),
            Ok(_) => out.files.push(tidy(path)),
            Err(error) => out.errors.push((path.clone(), error)),
        }
    }
    // A file named twice, or found both directly and through its directory,
    // is checked once, where it first appeared.
    let mut seen = std::collections::HashSet::new();
    out.files.retain(|f| seen.insert(f.clone()));
    out
}

fn walk_dir(dir: &Path, out: &mut Collected) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            out.errors.push((tidy(dir), error));
            return;
        }
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(error) => out.errors.push((tidy(dir), error)),
        }
    }
    children.sort();
    for child in children {
        let name = child
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `symlink_metadata` does not follow links, so a link to a
        // directory is seen as a link and skipped below.
        let Ok(meta) = fs::symlink_metadata(&child) else {
            continue;
        };
        if meta.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk_dir(&child, out);
            }
        } else if child.extension().is_some_and(|e| e == "guard") {
            let is_file = meta.is_file() || fs::metadata(&child).is_ok_and(|m| m.is_file());
            if is_file {
                out.files.push(tidy(&child));
            }
        }
    }
}

/// Drops leading `./` components, so `guardc check .` reports `a.guard`
/// rather than `./a.guard` and SARIF paths match repository paths.
fn tidy(path: &Path) -> PathBuf {
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let tidied: PathBuf = components.collect();
    if tidied.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        tidied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("guardc-walk-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn finds_guard_files_sorted_skipping_hidden_and_target() {
        let dir = scratch("sorted");
        for p in [
            "b.guard",
            "a.guard",
            "notes.txt",
            "sub/c.guard",
            ".git/x.guard",
            "target/y.guard",
        ] {
            let p = dir.join(p);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "").unwrap();
        }
        let got = collect(std::slice::from_ref(&dir));
        let names: Vec<_> = got
            .files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.guard", "b.guard", "sub/c.guard"]);
        assert!(got.errors.is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_paths_are_errors_and_files_are_deduplicated() {
        let dir = scratch("dedup");
        let file = dir.join("p.rules");
        fs::write(&file, "").unwrap();
        let got = collect(&[file.clone(), dir.join("missing"), file.clone()]);
        assert_eq!(got.files, [file]);
        assert_eq!(got.errors.len(), 1);
        assert_eq!(got.errors[0].0, dir.join("missing"));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tidy_strips_leading_dot_components() {
        assert_eq!(tidy(Path::new("./a/b.guard")), PathBuf::from("a/b.guard"));
        assert_eq!(tidy(Path::new(".")), PathBuf::from("."));
        assert_eq!(tidy(Path::new("../x")), PathBuf::from("../x"));
    }
}
