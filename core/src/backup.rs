//! Where a backup goes: a target checked before anything is written, and a
//! copy written aside and renamed into place once it is whole and synced.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The marker in the name of a copy still being written.
const PARTIAL: &str = ".parkdb-partial-";

/// A checked backup target.
pub(crate) struct Target {
    path: PathBuf,
    parent: PathBuf,
    name: OsString,
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::io(
        format!("cannot {what} {}", path.display()),
        std::io::Error::new(e.kind(), e.to_string()),
    )
}

impl Target {
    /// Refuses an empty path, a path that is not a directory, and a
    /// directory that holds anything.
    pub(crate) fn new(path: &Path) -> Result<Target> {
        if path.as_os_str().is_empty() {
            return Err(Error::validation(
                "path",
                "a backup needs the path of a new directory; the path is empty",
            ));
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(Error::validation(
                    "path",
                    format!("{} exists and is not a directory", path.display()),
                ))
            }
            Ok(_) => {
                let mut entries =
                    std::fs::read_dir(path).map_err(|e| io_error("read", path, &e))?;
                if entries.next().is_some() {
                    return Err(Error::validation(
                        "path",
                        format!("{} exists and is not empty", path.display()),
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("inspect", path, &e)),
        }
        let name = path
            .file_name()
            .ok_or_else(|| {
                Error::validation(
                    "path",
                    format!("{} does not name a directory", path.display()),
                )
            })?
            .to_owned();
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::validation(
                "path",
                format!("{} does not exist", parent.display()),
            ));
        }
        Ok(Target {
            path: path.to_path_buf(),
            parent,
            name,
        })
    }

    /// The hidden name the copy is written under, and the prefix every
    /// such name for this target starts with.
    fn partial(&self) -> (PathBuf, String) {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let prefix = format!(".{}{PARTIAL}", self.name.to_string_lossy());
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let partial = self
            .parent
            .join(format!("{prefix}{}-{n}", std::process::id()));
        (partial, prefix)
    }

    /// Removes copies an interrupted backup to this target left behind
    /// (those of processes that no longer run).
    fn remove_leftovers(&self, prefix: &str) {
        let Ok(entries) = std::fs::read_dir(&self.parent) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
                continue;
            };
            let pid = rest.split('-').next().unwrap_or_default();
            let running =
                pid != std::process::id().to_string() && Path::new("/proc").join(pid).exists();
            if !running {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }

    /// Writes the copy with `fill` into a hidden directory beside the
    /// target, syncs every file of it, and renames it into place.
    pub(crate) fn write(&self, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        let (partial, prefix) = self.partial();
        self.remove_leftovers(&prefix);
        crate::files::create_private_dir(&partial)?;
        let done = fill(&partial)
            .and_then(|()| sync_tree(&partial))
            .and_then(|()| {
                std::fs::rename(&partial, &self.path)
                    .map_err(|e| io_error("move the backup into", &self.path, &e))
            })
            .and_then(|()| crate::files::sync_dir(&self.parent));
        if done.is_err() {
            let _ = std::fs::remove_dir_all(&partial);
        }
        done
    }
}

/// Syncs every file under `dir`, then the directories themselves.
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| io_error("read", dir, &e))? {
        let entry = entry.map_err(|e| io_error("read", dir, &e))?;
        let path = entry.path();
        if entry
            .file_type()
            .map_err(|e| io_error("inspect", &path, &e))?
            .is_dir()
        {
            sync_tree(&path)?;
        } else {
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| io_error("sync", &path, &e))?;
        }
    }
    crate::files::sync_dir(dir)
}
