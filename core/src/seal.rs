//! The seal: a small file beside the engine's, written after each flush,
//! that remembers how many events the database had. sled recovers a
//! damaged log by dropping what follows the damage; the seal turns that
//! silent loss of flushed writes into an [`Error::Corrupt`] on open.

use std::path::Path;

use crate::error::{Error, Result};
use crate::storage::{keys, Store, Tree};

const FILE: &str = "parkdb.seal";
const TAG: &str = "parkdb-seal-1 next_event=";

fn next_event(store: &dyn Store) -> Result<u64> {
    store
        .get(Tree::Meta, keys::meta::NEXT_EVENT)?
        .map_or(Ok(1), |v| keys::u64_at(&v, 0))
}

/// Records the flushed state (call after a flush returned).
pub(crate) fn write(dir: &Path, store: &dyn Store) -> Result<()> {
    let n = next_event(store)?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, format!("{TAG}{n}\n"))
        .and_then(|()| std::fs::rename(&tmp, dir.join(FILE)))
        .map_err(|e| Error::Storage(format!("cannot write {}: {e}", dir.join(FILE).display())))
}

/// Checks that nothing flushed before the last seal is missing.
pub(crate) fn verify(dir: &Path, store: &dyn Store) -> Result<()> {
    // A missing or unreadable seal (never flushed, or torn) proves nothing.
    let Some(sealed) = std::fs::read_to_string(dir.join(FILE)).ok().and_then(|t| {
        t.trim()
            .strip_prefix(TAG)
            .and_then(|n| n.parse::<u64>().ok())
    }) else {
        return Ok(());
    };
    let now = next_event(store)?;
    if now < sealed {
        return Err(Error::Corrupt(format!(
            "{} events that were flushed are missing (the database had {} when last flushed, it has {} now): \
             its files were damaged; restore it from a backup",
            sealed - now,
            sealed - 1,
            now - 1
        )));
    }
    Ok(())
}
