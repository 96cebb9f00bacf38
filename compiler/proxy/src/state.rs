//! `--state-dir`: the session's runtime snapshot on disk, so a proxy that
//! is killed and restarted resumes with the same state variables, context
//! labels and pending tickets. One file per session id,
//! `DIR/<session>.snapshot`, replaced atomically after every decision that
//! changes the session: written to a temporary file in the same
//! directory, fsynced, renamed over the old one, and the directory
//! fsynced, so a crash leaves either the old snapshot or the new one.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The snapshot file of one session.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
    file: PathBuf,
}

impl StateStore {
    /// The store of session `session` in `dir` (created if absent). The
    /// session id becomes a file name, so it is limited to letters,
    /// digits, `-`, `_` and `.` (and may not start with a dot).
    pub fn open(dir: &Path, session: &str) -> Result<StateStore, String> {
        let ok = !session.is_empty()
            && session.len() <= 128
            && !session.starts_with('.')
            && session
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            return Err(format!(
                "session id `{session}` cannot name a state file: use 1-128 letters, digits, `-`, `_` or `.`, not starting with `.`"
            ));
        }
        fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the state directory `{}`: {e}", dir.display()))?;
        Ok(StateStore {
            dir: dir.to_path_buf(),
            file: dir.join(format!("{session}.snapshot")),
        })
    }

    /// The path of the snapshot file.
    pub fn path(&self) -> &Path {
        &self.file
    }

    /// The stored snapshot, or `None` when the session has none yet.
    pub fn load(&self) -> Result<Option<Vec<u8>>, String> {
        match fs::read(&self.file) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read `{}`: {e}", self.file.display())),
        }
    }

    /// Replaces the snapshot atomically (see the module docs).
    pub fn save(&self, bytes: &[u8]) -> Result<(), String> {
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            self.file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &self.file)?;
            // The rename is durable only once the directory is.
            File::open(&self.dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("cannot write `{}`: {e}", self.file.display())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::StateStore;

    #[test]
    fn saves_replace_and_load_back() -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("guard-proxy-state-{}", std::process::id()));
        let store = StateStore::open(&dir, "s-1")?;
        assert_eq!(store.load()?, None);
        store.save(b"one")?;
        store.save(b"two")?;
        assert_eq!(store.load()?, Some(b"two".to_vec()));
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["s-1.snapshot".to_owned()]);
        let _ = std::fs::remove_dir_all(&dir);
        for bad in ["", "../x", ".hidden", "a/b", "a b"] {
            assert!(StateStore::open(&dir, bad).is_err(), "{bad:?}");
        }
        Ok(())
    }
}
