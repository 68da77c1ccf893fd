//! The database's directory on disk: private to its owner, as a data
//! directory of `PostgreSQL` is (the directory 0700, its files 0600),
//! whatever the umask; temporary databases left by a killed process are
//! removed by the next one made.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// The name every temporary database's directory starts with.
pub(crate) const TEMPORARY_PREFIX: &str = "parkdb-";

/// Creates `dir` (and any missing parent) readable by its owner only; a
/// directory that exists already is left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    // The mode is masked by the umask: set it as asked.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(format!("cannot protect {}", dir.display()), e))
}

/// Makes every file in `dir` (and in its folders: sled's `blobs/`)
/// readable by its owner only, and every folder 0700: the storage engine
/// creates its files with the umask's mode.
pub(crate) fn protect_files(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let mode = if is_dir { 0o700 } else { 0o600 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(format!("cannot protect {}", path.display()), e))?;
        if is_dir {
            protect_files(&path)?;
        }
    }
    Ok(())
}

/// Syncs a directory, so that the files created, renamed or removed in it
/// are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("cannot sync {}", dir.display()), e))
}

/// The directory of a database's checkpoints (see `checkpoint`): derived
/// data, never copied.
pub(crate) const CHECKPOINTS: &str = "checkpoint";

/// Copies the database in `from` into the empty directory `to`: the seal
/// first, so that the copy holds at least what the seal says was flushed,
/// then every other file, recursively.
pub(crate) fn copy_database(from: &Path, to: &Path) -> Result<()> {
    let seal = from.join(crate::seal::FILE);
    if seal.exists() {
        std::fs::copy(&seal, to.join(crate::seal::FILE))
            .map_err(|e| Error::io(format!("cannot copy {}", seal.display()), e))?;
    }
    copy_tree(from, to, true)?;
    protect_files(to)
}

fn copy_tree(from: &Path, to: &Path, top: bool) -> Result<()> {
    let entries = std::fs::read_dir(from)
        .map_err(|e| Error::io(format!("cannot read {}", from.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("cannot read {}", from.display()), e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        // The seal is copied first; checkpoints are read where they are.
        if top && (entry.file_name() == crate::seal::FILE || entry.file_name() == CHECKPOINTS) {
            continue;
        }
        if source.is_dir() {
            create_private_dir(&target)?;
            copy_tree(&source, &target, false)?;
        } else {
            // A file removed meanwhile (a snapshot replaced) is simply absent.
            match std::fs::copy(&source, &target) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::io(format!("cannot copy {}", source.display()), e));
                }
            }
        }
    }
    Ok(())
}

/// What a database's files are on disk, the checkpoints aside: each
/// file's path, length and last modification, in order. Two equal
/// fingerprints taken when the files had been still a while (see
/// [`Fingerprint::still_for`]) are the same stored state: a write changes
/// a file's modification time to its own moment.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint(Vec<(std::path::PathBuf, u64, std::time::SystemTime)>);

impl Fingerprint {
    /// The fingerprint of the database in `dir`.
    pub(crate) fn of(dir: &Path) -> Result<Fingerprint> {
        fn walk(
            dir: &Path,
            top: bool,
            out: &mut Vec<(std::path::PathBuf, u64, std::time::SystemTime)>,
        ) -> Result<()> {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
            for entry in entries {
                let entry =
                    entry.map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
                if top && entry.file_name() == CHECKPOINTS {
                    continue;
                }
                let path = entry.path();
                let meta = entry
                    .metadata()
                    .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
                if meta.is_dir() {
                    walk(&path, false, out)?;
                } else {
                    let modified = meta
                        .modified()
                        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
                    out.push((path, meta.len(), modified));
                }
            }
            Ok(())
        }
        let mut files = Vec::new();
        walk(dir, true, &mut files)?;
        files.sort();
        Ok(Fingerprint(files))
    }

    /// Whether no file was modified within `quiet` before now. A file's
    /// modification time is taken from a clock that ticks every few
    /// milliseconds, so two writes in one tick look alike; once the files
    /// have been still longer than a tick, any later write shows.
    pub(crate) fn still_for(&self, quiet: std::time::Duration) -> bool {
        let now = std::time::SystemTime::now();
        self.0.iter().all(|(_, _, modified)| {
            now.duration_since(*modified)
                .is_ok_and(|since| since >= quiet)
        })
    }
}

/// Removes temporary databases whose process no longer runs (killed
/// before it could remove its own).
pub(crate) fn remove_abandoned_temporaries(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    let me = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMPORARY_PREFIX)) else {
            continue;
        };
        let mut parts = rest.split('-');
        let (Some(pid), Some(nanos), Some(n), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(numeric(pid) && numeric(nanos) && numeric(n)) || pid == me {
            continue;
        }
        // Only a directory that holds what parkdb's engine writes.
        let path = entry.path();
        if !path.join("conf").exists() && !path.join("db").exists() {
            continue;
        }
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}
