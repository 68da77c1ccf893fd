//! A park's export staged and committed: its tables written aside under
//! `_staging/park=<CODE>/`, a commit file, then the partitions swapped in
//! and the manifest written; an export holds its park meanwhile (a lock
//! beside its staging), and an export interrupted after its commit is
//! finished by the next export or read of the dataset.

use std::path::{Path, PathBuf};

use crate::error::{Entity, Error, Result};

/// A park's export held: an exclusive lock on `_staging/park=<CODE>.lock`
/// (the file stays; the lock goes with the handle, and with the process).
pub(super) struct ParkLock {
    _held: std::fs::File,
}

impl ParkLock {
    pub(super) fn acquire(dir: &Path, park: &str, wait: std::time::Duration) -> Result<ParkLock> {
        let staging = dir.join("_staging");
        std::fs::create_dir_all(&staging).map_err(|e| io("create", &staging, e))?;
        let path = staging.join(format!("park={park}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("open", &path, e))?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(ParkLock { _held: file }),
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::conflict(
                        Entity::Dataset,
                        format!("park={park}"),
                        format!(
                            "another export of park {park} into {} is under way (waited {:.0?}); try again when it is done",
                            dir.display(),
                            wait
                        ),
                    ))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &path, e)),
            }
        }
    }

    /// The lock when no export holds the park now, else `None`.
    fn try_now(dir: &Path, park: &str) -> Result<Option<ParkLock>> {
        match ParkLock::acquire(dir, park, std::time::Duration::ZERO) {
            Ok(lock) => Ok(Some(lock)),
            Err(Error::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The file whose presence says a park's staged export is complete.
pub(super) const COMMIT: &str = "COMMIT.json";

pub(super) fn staging(dir: &Path, park: &str) -> PathBuf {
    dir.join("_staging").join(format!("park={park}"))
}

/// Writes `text` to `path` through a file beside it, synced, renamed.
pub(super) fn write_synced(path: &Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    let aside = path.with_extension("partial");
    let mut f = std::fs::File::create(&aside).map_err(|e| io("create", &aside, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| io("write", &aside, e))?;
    std::fs::rename(&aside, path).map_err(|e| io("move", path, e))
}

/// Finishes the exports of `dir` that were interrupted after their commit
/// (every park's); exports interrupted before it are left to their park's
/// next export, which removes them.
///
/// # Errors
/// [`Error::Io`] if a partition cannot be moved.
pub fn finish_interrupted(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir.join("_staging")) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(park) = name.strip_prefix("park=") {
            // A park code holds no dot: `park=<CODE>.old` is an old export
            // set aside, `park=<CODE>.lock` the lock of its exports. A park
            // an export holds now is that export's to finish.
            if !park.contains('.') && entry.path().join(COMMIT).exists() {
                if let Some(_held) = ParkLock::try_now(dir, park)? {
                    finish_park(dir, park)?;
                }
            }
        }
    }
    Ok(())
}

/// Swaps a park's committed, staged export in: each table's partition
/// (the old one moved aside first), then the manifest; then removes what
/// is left. Does nothing without a commit file. Running it again after an
/// interruption picks up where it stopped.
pub(super) fn finish_park(dir: &Path, park: &str) -> Result<()> {
    let staging = staging(dir, park);
    let commit = staging.join(COMMIT);
    let Ok(text) = std::fs::read_to_string(&commit) else {
        return Ok(());
    };
    let old = dir.join("_staging").join(format!("park={park}.old"));
    for name in TABLES {
        let staged = staging.join(name);
        if !staged.exists() {
            continue; // swapped in before an interruption
        }
        let target = dir.join(name).join(format!("park={park}"));
        if target.exists() {
            std::fs::create_dir_all(&old).map_err(|e| io("create", &old, e))?;
            let aside = old.join(name);
            if aside.exists() {
                std::fs::remove_dir_all(&aside).map_err(|e| io("remove", &aside, e))?;
            }
            std::fs::rename(&target, &aside).map_err(|e| io("move", &target, e))?;
        }
        std::fs::create_dir_all(dir.join(name)).map_err(|e| io("create", dir, e))?;
        std::fs::rename(&staged, &target).map_err(|e| io("move", &staged, e))?;
    }
    let manifests = dir.join("_manifests");
    std::fs::create_dir_all(&manifests).map_err(|e| io("create", &manifests, e))?;
    write_synced(&manifests.join(format!("park={park}.json")), &text)?;
    std::fs::remove_dir_all(&staging).map_err(|e| io("remove", &staging, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| io("remove", &old, e))?;
    }
    Ok(())
}

/// The tables of a park's dataset, by name.
pub const TABLES: [&str; 11] = [
    "parcels",
    "enterprises",
    "yearly",
    "leases",
    "grants",
    "disbursements",
    "programmes",
    "overdue",
    "observations",
    "events",
    "inefficient",
];

pub(super) fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("cannot {what} {}", path.display()), e)
}
