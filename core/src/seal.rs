//! The seal: a small file beside the engine's, written after each flush,
//! that remembers how many events the database had. sled recovers a
//! damaged log by dropping what follows the damage; the seal turns that
//! silent loss of flushed writes into an [`Error::Corrupt`] on open.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::storage::Store;

pub(crate) const FILE: &str = "parkdb.seal";
/// The first seal: a file replaced at each flush.
const TAG_1: &str = "parkdb-seal-1 next_event=";
/// Fixed-width, rewritten in place, with a check that a torn write fails.
const TAG_2: &str = "parkdb-seal-2 next_event=";

use crate::counts::next_event;

fn check(n: u64) -> u64 {
    (n ^ 0x5EA1_5EA1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn text(n: u64) -> String {
    format!("{TAG_2}{n:020} check={:020}\n", check(n))
}

/// The seal file of an open database, kept open: a flush rewrites it in
/// place with one write (no new file, no rename).
pub(crate) struct Seal {
    /// The file, and whether its length is already a seal's.
    file: Mutex<(std::fs::File, bool)>,
    path: PathBuf,
}

impl Seal {
    pub(crate) fn open(dir: &Path) -> Result<Seal> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = dir.join(FILE);
        // Private whatever the umask, as the database's other files are.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        Ok(Seal {
            file: Mutex::new((file, false)),
            path,
        })
    }

    /// Records the flushed state (call after a flush returned).
    pub(crate) fn write(&self, store: &dyn Store) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let text = text(next_event(store)?);
        let mut guard = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let (file, sized) = &mut *guard;
        let written = file.write_all_at(text.as_bytes(), 0).and_then(|()| {
            if !*sized {
                file.set_len(text.len() as u64)?;
                *sized = true;
            }
            Ok(())
        });
        written.map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))
    }
}

/// The event count a seal's text records, if it is whole.
fn sealed(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Some(n) = text.strip_prefix(TAG_1) {
        return n.parse().ok();
    }
    let (n, c) = text.strip_prefix(TAG_2)?.split_once(" check=")?;
    let n: u64 = n.parse().ok()?;
    (c.parse::<u64>().ok()? == check(n)).then_some(n)
}

/// The event counter the seal of the database in `dir` records, if it
/// has a whole one (a missing or torn seal proves nothing).
pub(crate) fn sealed_in(dir: &Path) -> Option<u64> {
    std::fs::read_to_string(dir.join(FILE))
        .ok()
        .and_then(|t| sealed(&t))
}

/// Checks that nothing flushed before the last seal is missing.
pub(crate) fn verify(dir: &Path, store: &dyn Store) -> Result<()> {
    let Some(sealed) = sealed_in(dir) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_seal_reads_and_a_torn_one_proves_nothing() {
        assert_eq!(sealed(&text(12_345)), Some(12_345));
        assert_eq!(sealed("parkdb-seal-1 next_event=77\n"), Some(77));
        // Digits of two seals mixed by a torn write fail the check.
        let torn = text(19_999).replacen("0000000000000001", "0000000000000002", 1);
        assert_eq!(sealed(&torn), None);
        assert_eq!(sealed(""), None);
        assert_eq!(sealed("parkdb-seal-2 next_event=5"), None);
    }
}
