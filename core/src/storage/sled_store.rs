//! [`Store`] over sled 0.34.

use std::path::Path;

use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::{Batch, Pairs, Store, Tree, Visit};
use crate::error::{Error, Result};

pub(crate) struct SledStore {
    db: sled::Db,
    trees: [sled::Tree; 4],
}

/// Runs a call into sled, turning a panic (sled panics on some damaged
/// files) into [`Error::Corrupt`]: no panic crosses parkdb's API.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no detail");
        Err(Error::Corrupt(format!(
            "the storage engine failed while {what}: {detail}"
        )))
    })
}

impl SledStore {
    pub(crate) fn open(path: &Path, temporary: bool) -> Result<SledStore> {
        let open = || {
            guarded("opening the database", || {
                Self::open_unguarded(path, temporary)
            })
        };
        match open() {
            // sled 0.34.7 writes a snapshot to `snap.<lsn>.generating` and
            // renames it when complete, but on recovery takes a leftover
            // `.generating` file (from a process killed mid-snapshot) for the
            // latest snapshot and reports corruption. Such a file is never a
            // finished snapshot: remove it and open again, once.
            Err(Error::Corrupt(_)) if remove_unfinished_snapshots(path)? > 0 => open(),
            other => other,
        }
    }

    fn open_unguarded(path: &Path, temporary: bool) -> Result<SledStore> {
        let config = sled::Config::new()
            .path(path)
            .temporary(temporary)
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(Some(500));
        let db = config.open().map_err(open_error)?;
        Self::from_db(db)
    }

    fn from_db(db: sled::Db) -> Result<SledStore> {
        let trees = [
            db.open_tree(Tree::Meta.name())?,
            db.open_tree(Tree::Records.name())?,
            db.open_tree(Tree::Events.name())?,
            db.open_tree(Tree::Index.name())?,
        ];
        Ok(SledStore { db, trees })
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        &self.trees[tree as usize]
    }
}

/// Removes snapshot files a killed process left unfinished; returns how many.
fn remove_unfinished_snapshots(dir: &Path) -> Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path()).map_err(|e| {
                Error::Storage(format!("cannot remove {}: {e}", entry.path().display()))
            })?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn open_error(e: sled::Error) -> Error {
    if let sled::Error::Io(io) = &e {
        let text = io.to_string();
        if text.contains("lock") || io.kind() == std::io::ErrorKind::WouldBlock {
            return Error::Storage(format!(
                "the database is in use by another process ({text})"
            ));
        }
    }
    Error::from(e)
}

impl Store for SledStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        guarded("reading", || {
            Ok(self.tree(tree).get(key)?.map(|v| v.to_vec()))
        })
    }

    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Pairs> {
        let mut out = Vec::new();
        self.for_each_prefix(tree, prefix, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(true)
        })?;
        Ok(out)
    }

    fn for_each_prefix(&self, tree: Tree, prefix: &[u8], f: Visit<'_>) -> Result<()> {
        for item in self.tree(tree).scan_prefix(prefix) {
            let (k, v) = item?;
            if !f(&k, &v)? {
                break;
            }
        }
        Ok(())
    }

    fn apply(&self, batch: &Batch) -> Result<()> {
        guarded("writing", || self.apply_unguarded(batch))
    }

    fn flush(&self) -> Result<()> {
        guarded("flushing", || {
            self.db.flush()?;
            Ok(())
        })
    }

    fn size_on_disk(&self) -> Result<u64> {
        guarded("measuring", || Ok(self.db.size_on_disk()?))
    }
}

impl SledStore {
    fn apply_unguarded(&self, batch: &Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let [meta, records, events, index] = &self.trees;
        let result = (meta, records, events, index).transaction(|(m, r, e, i)| {
            for ((tree, key), value) in &batch.ops {
                let t = match tree {
                    Tree::Meta => m,
                    Tree::Records => r,
                    Tree::Events => e,
                    Tree::Index => i,
                };
                match value {
                    Some(v) => {
                        t.insert(key.as_slice(), v.as_slice())?;
                    }
                    None => {
                        t.remove(key.as_slice())?;
                    }
                }
            }
            Ok::<(), ConflictableTransactionError<Error>>(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }
}
