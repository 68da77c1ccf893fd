//! [`Store`] over sled 0.34.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use super::{codec, keys, Batch, Store, Tree, Visit};
use crate::error::{Error, Result};

/// The one sled tree that holds every key space since format 2.
const TREE: &str = "parkdb";

/// sled's page cache, an eighth of sled's default: parkdb keeps current
/// records decoded in its own in-memory view and writes a block of 64
/// entities to a value, so sled's cache serves mostly writes. At province
/// scale (a million parcels) 128 MiB imports as fast as 512 MiB did and
/// holds 270 MiB less at the import's peak (the province benchmark's
/// `--import-only`, 2026-12-03).
const SLED_CACHE_BYTES: u64 = 128 << 20;

/// How long an open waits for a lock that a closing handle still holds.
const LOCK_WAIT_MS: u64 = 1_000;

/// The format whose four key spaces were four sled trees.
const FORMAT_1: u8 = 1;

/// The format that stored each entity's current state beside its events.
const FORMAT_2: u8 = 2;

/// The format formats 1 and 2 are migrated to here; format 4 adds
/// checksums and counts (see `crate::counts`), which need the record types.
const FORMAT_3: u8 = 3;

/// sled's handle on a database's directory, reopened from disk after a
/// failed write (see [`Store::reopen`]).
pub(crate) struct SledStore {
    dir: PathBuf,
    /// A temporary database: its directory goes when the store does.
    temporary: bool,
    /// `None` after a failed reopen: every call tries again.
    open: RwLock<Option<Open>>,
    /// Whether `open` holds a database: read on every read of the handle,
    /// so without the lock.
    is_open: std::sync::atomic::AtomicBool,
    /// The process that opened it (see `Drop`).
    pid: u32,
}

/// An open sled database and parkdb's one tree in it (both cheap to clone).
#[derive(Clone)]
struct Open {
    db: sled::Db,
    tree: sled::Tree,
}

/// `key` under its key space's prefix.
fn full_key(tree: Tree, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(key.len() + 1);
    k.push(tree.prefix());
    k.extend_from_slice(key);
    k
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
    /// Opens the database in `path`; a `temporary` one is removed with
    /// the store.
    pub(crate) fn open(path: &Path, temporary: bool) -> Result<SledStore> {
        let open = Open::new(path)?;
        Ok(SledStore {
            dir: path.to_path_buf(),
            temporary,
            open: RwLock::new(Some(open)),
            is_open: std::sync::atomic::AtomicBool::new(true),
            pid: std::process::id(),
        })
    }

    /// The open database; an error after a failed write whose reopen
    /// failed too (see [`Store::reopen`]).
    fn handle(&self) -> Result<Open> {
        self.open
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                Error::Storage(
                    "the database closed after a failed write and could not reopen yet \
                     (is the disk full?); it tries again at its next use"
                        .into(),
                )
            })
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        // A child made by fork holds a copy of its parent's handle: closing
        // it would flush into the parent's files, and a temporary
        // database's directory is the parent's to remove. Let it go as is.
        if self.pid != std::process::id() {
            if let Some(open) = self.open.get_mut().map(Option::take).ok().flatten() {
                std::mem::forget(open);
            }
            return;
        }
        if self.temporary {
            // sled's files close with its handle; then the directory goes.
            drop(self.open.get_mut().map(Option::take));
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Open {
    fn new(path: &Path) -> Result<Open> {
        let open = || {
            // A handle closed a moment ago may still hold the directory's
            // lock while sled's threads wind down: wait briefly before
            // calling the database in use.
            let mut waited = 0;
            loop {
                match guarded("opening the database", || Self::open_unguarded(path)) {
                    Err(Error::InUse { .. }) if waited < LOCK_WAIT_MS => {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        waited += 20;
                    }
                    other => return other,
                }
            }
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

    fn open_unguarded(path: &Path) -> Result<Open> {
        let config = sled::Config::new()
            .path(path)
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(Some(500))
            .cache_capacity(SLED_CACHE_BYTES);
        let db = config.open().map_err(|e| open_error(path, e))?;
        Self::from_db(db)
    }

    fn from_db(db: sled::Db) -> Result<Open> {
        let tree = db.open_tree(TREE)?;
        let store = Open { db, tree };
        store.migrate_format_1()?;
        store.migrate_format_2()?;
        Ok(store)
    }

    /// Format 2 also stored each entity's current state beside its events,
    /// the holder history, and each run of events under a key of its own;
    /// format 3 stores only the events and their index (states and history
    /// are derived from the events, in memory), a block of entities' runs
    /// to a value. One atomic batch removes the stored states and history,
    /// moves the runs each unit of work wrote for a block into one value
    /// (the event index says which unit wrote which run) and sets the
    /// format; a crash before it leaves format 2 as it was.
    fn migrate_format_2(&self) -> Result<()> {
        let format = full_key(Tree::Meta, keys::meta::FORMAT);
        if self.tree.get(&format)?.as_deref() != Some(&[FORMAT_2][..]) {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for item in self.tree.scan_prefix([Tree::Records.prefix()]) {
            batch.remove(item?.0);
        }
        // The holder history is derived in memory from the events now.
        for item in self.tree.scan_prefix([Tree::Index.prefix()]) {
            let (k, _) = item?;
            if !k.get(1).copied().is_some_and(keys::index::stored) {
                batch.remove(k);
            }
        }
        // Which unit of work wrote each run, from the event index.
        let mut unit_of = HashMap::new();
        let index = full_key(Tree::Index, &[keys::index::EVENT]);
        for item in self.tree.scan_prefix(&index) {
            let (k, v) = item?;
            let unit = keys::u64_at(&k, 2)?;
            for (first, _, _) in keys::decode_runs(unit, &v)? {
                unit_of.insert(first, unit);
            }
        }
        let mut old = Vec::new();
        for item in self.tree.scan_prefix([Tree::Events.prefix()]) {
            let (k, v) = item?;
            batch.remove(k.clone());
            old.push((k.subslice(1, k.len() - 1), v));
        }
        // After every removal: a new key never equals an old one (a run's
        // first event id is its own), but the batch keeps the last word.
        for (k, v) in in_blocks(old, &unit_of)? {
            batch.insert(full_key(Tree::Events, &k), v);
        }
        batch.insert(format, &[FORMAT_3]);
        self.tree.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    /// Moves a format-1 database (a sled tree per key space) into the one
    /// tree, in one atomic batch, then drops the old trees. A crash before
    /// the batch leaves format 1 as it was; after it, the next open only
    /// drops the old trees. A format from the future is left untouched.
    fn migrate_format_1(&self) -> Result<()> {
        let names = self.db.tree_names();
        let has = |t: Tree| {
            names
                .iter()
                .any(|n| n.as_ref() == t.format1_name().as_bytes())
        };
        if !Tree::ALL.into_iter().any(has) {
            return Ok(());
        }
        if self
            .tree
            .get(full_key(Tree::Meta, keys::meta::FORMAT))?
            .is_none()
        {
            let old_meta = self.db.open_tree(Tree::Meta.format1_name())?;
            let found = old_meta
                .get(keys::meta::FORMAT)?
                .and_then(|v| v.first().copied());
            if let Some(found) = found.filter(|f| *f != FORMAT_1) {
                return Err(Error::IncompatibleFormat {
                    found,
                    supported: super::codec::FORMAT_VERSION,
                });
            }
            let mut batch = sled::Batch::default();
            let mut events = Vec::new();
            for t in Tree::ALL.into_iter().filter(|t| has(*t)) {
                for item in &self.db.open_tree(t.format1_name())? {
                    let (k, v) = item?;
                    // States and lookups, now derived in memory, are left behind.
                    if t == Tree::Records
                        || t == Tree::Index && !k.first().copied().is_some_and(keys::index::stored)
                    {
                        continue;
                    }
                    if t == Tree::Events {
                        events.push((k, v));
                    } else {
                        batch.insert(full_key(t, &k), v);
                    }
                }
            }
            // Format 1 indexed each event alone: each is a unit of its own.
            for (k, v) in in_blocks(events, &HashMap::new())? {
                batch.insert(full_key(Tree::Events, &k), v);
            }
            batch.insert(full_key(Tree::Meta, keys::meta::FORMAT), &[FORMAT_3]);
            self.tree.apply_batch(batch)?;
            self.db.flush()?;
        }
        for t in Tree::ALL.into_iter().filter(|t| has(*t)) {
            self.db.drop_tree(t.format1_name())?;
        }
        self.db.flush()?;
        Ok(())
    }
}

/// Hands each pair of a sled scan to `f`, without the key-space prefix.
fn visit(items: sled::Iter, f: Visit<'_>) -> Result<()> {
    for item in items {
        let (k, v) = item?;
        if !f(&k[1..], &v)? {
            break;
        }
    }
    Ok(())
}

/// A run of events as formats 1 and 2 stored it: (first event id, entity, run).
type OldRun = (u64, u64, sled::IVec);

/// Runs of events as formats 1 and 2 stored them (keyed by kind, entity and
/// first event id) as format 3 stores them: the runs one unit of work wrote
/// for one block in one value. `unit_of` names each run's unit by its first
/// event id; a run it does not name is a unit of its own.
fn in_blocks(
    old: Vec<(sled::IVec, sled::IVec)>,
    unit_of: &HashMap<u64, u64>,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut blocks: BTreeMap<(u8, u64, u64), Vec<OldRun>> = BTreeMap::new();
    for (k, v) in old {
        let (kind, entity, first) = keys::decode_event(&k)?;
        let unit = unit_of.get(&first).copied().unwrap_or(first);
        blocks
            .entry((kind, keys::block_of(entity), unit))
            .or_default()
            .push((first, entity, v));
    }
    let mut out = Vec::with_capacity(blocks.len());
    for ((kind, block, _), mut runs) in blocks {
        runs.sort_by_key(|(first, _, _)| *first);
        let framed: Vec<codec::BlockRun<'_>> = runs
            .iter()
            .map(|(first, entity, run)| codec::BlockRun {
                entity: *entity,
                first: *first,
                run,
            })
            .collect();
        out.push((
            keys::event(kind, block, runs[0].0),
            codec::encode_block(&framed)?,
        ));
    }
    Ok(out)
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
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::io(format!("cannot remove {}", entry.path().display()), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn open_error(path: &Path, e: sled::Error) -> Error {
    if let sled::Error::Io(io) = &e {
        if io.to_string().contains("lock") || io.kind() == std::io::ErrorKind::WouldBlock {
            return Error::InUse {
                path: path.display().to_string(),
            };
        }
    }
    Error::from(e)
}

/// sled's errors as parkdb's: I/O errors keep their source, sled's
/// corruption is [`Error::Corrupt`]. sled stays behind the storage trait.
impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        match e {
            // sled hands a stored error on as a copy whose message is the
            // original's debug form: say what kind it was instead.
            sled::Error::Io(io) if io.to_string().starts_with("Os {") => {
                let kind = io.kind();
                Error::io(
                    "the storage engine",
                    std::io::Error::new(kind, kind.to_string()),
                )
            }
            sled::Error::Io(io) => Error::io("the storage engine", io),
            sled::Error::Corruption { at, .. } => Error::Corrupt(match at {
                Some(at) => format!("sled reports corruption at {at}"),
                None => "sled reports corruption".into(),
            }),
            // parkdb has only ever written sled 0.34's format: a `conf`
            // it cannot read is damaged, not old.
            sled::Error::Unsupported(why) if why.contains("earlier than") => Error::Corrupt(
                format!("the storage engine's configuration file (conf) is damaged: {why}"),
            ),
            other => Error::Storage(other.to_string()),
        }
    }
}

impl Store for SledStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let open = self.handle()?;
        guarded("reading", || {
            Ok(open.tree.get(full_key(tree, key))?.map(|v| v.to_vec()))
        })
    }

    fn last_at_or_below(
        &self,
        tree: Tree,
        prefix: &[u8],
        key: &[u8],
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let open = self.handle()?;
        guarded("reading", || {
            let start = full_key(tree, prefix);
            let end = full_key(tree, key);
            match open.tree.range(start..=end).next_back() {
                Some(item) => {
                    let (k, v) = item?;
                    Ok(Some((k[1..].to_vec(), v.to_vec())))
                }
                None => Ok(None),
            }
        })
    }

    fn for_each_prefix(&self, tree: Tree, prefix: &[u8], f: Visit<'_>) -> Result<()> {
        let open = self.handle()?;
        guarded("reading", || {
            visit(open.tree.scan_prefix(full_key(tree, prefix)), f)
        })
    }

    fn for_each_between(&self, tree: Tree, start: &[u8], end: &[u8], f: Visit<'_>) -> Result<()> {
        let open = self.handle()?;
        guarded("reading", || {
            visit(
                open.tree.range(full_key(tree, start)..full_key(tree, end)),
                f,
            )
        })
    }

    fn apply(&self, batch: &Batch) -> Result<()> {
        let open = self.handle()?;
        guarded("writing", || open.apply(batch))
    }

    fn flush(&self) -> Result<()> {
        let open = self.handle()?;
        guarded("flushing", || {
            open.db.flush()?;
            Ok(())
        })
    }

    fn size_on_disk(&self) -> Result<u64> {
        let open = self.handle()?;
        guarded("measuring", || Ok(open.db.size_on_disk()?))
    }

    fn is_open(&self) -> bool {
        self.is_open.load(std::sync::atomic::Ordering::Acquire)
    }

    fn reopen(&self) -> Result<()> {
        let mut slot = self.open.write().unwrap_or_else(PoisonError::into_inner);
        // sled keeps refusing once a write to its log failed: close it (what
        // it had not flushed is lost, as after a crash) and read the
        // directory again. The old handle must let go of the directory's
        // lock first, which `Open::new` waits for.
        self.is_open
            .store(false, std::sync::atomic::Ordering::Release);
        drop(slot.take());
        *slot = Some(Open::new(&self.dir)?);
        self.is_open
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }
}

impl Open {
    fn apply(&self, batch: &Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        // One sled batch on one tree is atomic, also across a crash; parkdb's
        // writer slot makes it the only writer, so no transaction is needed.
        let mut out = sled::Batch::default();
        for ((tree, key), value) in &batch.ops {
            match value {
                Some(v) => out.insert(full_key(*tree, key), v.as_slice()),
                None => out.remove(full_key(*tree, key)),
            }
        }
        self.tree.apply_batch(out)?;
        // sled frees the pages a write replaced through epoch-based
        // reclamation, which only goes on as threads pin: a batch pins once,
        // however many keys it writes, so garbage would pile up for as long
        // as a bulk import runs (gigabytes at province scale). Each flush
        // hands this thread's garbage on and collects some of what is due.
        for _ in 0..=batch.ops.len() / 32 {
            sled::crossbeam_pin().flush();
        }
        Ok(())
    }
}
