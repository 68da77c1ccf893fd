//! The database handle: opening, durability, units of work, backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use chrono::{DateTime, NaiveDate, Utc};

pub use crate::engine::{Durability, Policy};
use crate::engine::{Engine, WriterSlot};
use crate::error::{Error, Result};
use crate::event::{EventId, Horizon, Recorded};
use crate::seal;
use crate::storage::codec;
use crate::storage::{keys, Batch, MemStore, SledStore, Store, Tree};
use crate::view::View;
use crate::writer::Writer;

/// How to open a database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// When a write is flushed to disk.
    pub durability: Durability,
}

/// Where a ledger's checkpoint stands ([`Db::checkpoints`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointStatus {
    /// The ledger: `parcel`, `enterprise`, `programme`, `application` or
    /// `indicator`.
    pub ledger: String,
    /// Its file, in the database's `checkpoint` directory.
    pub path: PathBuf,
    /// Why a new process would not load it ("there is none", "it is
    /// damaged (…)", "it does not match the events (…)"); `None` if it
    /// would (folding on top what was stored after it).
    pub unused: Option<String>,
    /// How this handle loaded the ledger into memory: `Some(true)` from
    /// the checkpoint, `Some(false)` by folding every event, `None` not
    /// yet (a ledger loads on its first wide read).
    pub loaded_from_checkpoint: Option<bool>,
}

/// An open parkdb database. Cheap to clone; all clones share one handle.
#[derive(Clone)]
pub struct Db {
    pub(crate) engine: Arc<Engine>,
    /// Who this handle's writes are by (their source), else the system's
    /// user ([`Db::set_by`]).
    by: Option<Arc<str>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.engine.path)
            .field("by", &self.by)
            .finish()
    }
}

fn open_databases() -> &'static Mutex<HashMap<PathBuf, Weak<Engine>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<Engine>>>> = OnceLock::new();
    OPEN.get_or_init(Mutex::default)
}

/// The read-only snapshots this process holds, by the directory they copy,
/// with the fingerprint of the files they were copied from: a snapshot of
/// files that have not changed since is shared, not copied again.
type Snapshots = HashMap<PathBuf, (crate::files::Fingerprint, Weak<Engine>)>;

fn read_only_snapshots() -> &'static Mutex<Snapshots> {
    static SHARED: OnceLock<Mutex<Snapshots>> = OnceLock::new();
    SHARED.get_or_init(Mutex::default)
}

/// How long a database's files must have been still before a snapshot of
/// them is shared (see [`crate::files::Fingerprint::still_for`]).
const STILL_BEFORE_SHARING: std::time::Duration = std::time::Duration::from_secs(1);

impl Db {
    pub(crate) fn from_engine(engine: Arc<Engine>) -> Db {
        Db { engine, by: None }
    }

    fn from_store(
        store: Box<dyn Store>,
        durability: Durability,
        path: Option<PathBuf>,
    ) -> Result<Db> {
        Ok(Db::from_engine(Arc::new(Engine::open(
            store, durability, path,
        )?)))
    }

    /// Opens (creating if needed) the database in directory `path`, with
    /// every write flushed before it returns.
    ///
    /// Opening a directory this process already has open returns the same
    /// database; another process holding it gives [`Error::InUse`].
    ///
    /// # Errors
    /// [`Error::InUse`], [`Error::Io`], [`Error::Corrupt`] or [`Error::IncompatibleFormat`].
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        Db::open_with(path, Options::default())
    }

    /// Opens with explicit [`Options`]. If the database is already open in
    /// this process, the open handle is returned and `options` are ignored.
    ///
    /// # Errors
    /// As [`Db::open`].
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Db> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::validation(
                "path",
                "the path of the database's directory is empty",
            ));
        }
        let new = !path.exists();
        crate::files::create_private_dir(path)?;
        let canonical = path
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", path.display()), e))?;
        let mut open = open_databases()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = open.get(&canonical).and_then(Weak::upgrade) {
            // A child made by fork finds its parent's handle here: it must
            // open its own (which the parent's lock refuses while it lives).
            if engine.pid == std::process::id() {
                return Ok(Db::from_engine(engine));
            }
        }
        let store = SledStore::open(&canonical, false)?;
        // Private files, whatever the umask when they were made: sled
        // makes snapshot and blob files as it goes, which the close
        // protects again. A new database's must be; an existing one's are
        // made so where this user may (the files may be another's).
        if new {
            crate::files::protect_files(&canonical)?;
        } else {
            let _ = crate::files::protect_files(&canonical);
        }
        seal::verify(&canonical, &store)?;
        let db = Db::from_store(Box::new(store), options.durability, Some(canonical.clone()))?;
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(canonical, Arc::downgrade(&db.engine));
        Ok(db)
    }

    /// A database that lives in a temporary directory, removed when the
    /// last handle is dropped.
    ///
    /// # Errors
    /// [`Error::Storage`] if the temporary directory cannot be made.
    pub fn temporary() -> Result<Db> {
        let dir = temporary_dir()?;
        let store = SledStore::open(&dir, true)?;
        crate::files::protect_files(&dir)?;
        Db::from_store(Box::new(store), Durability::Eventual, None)
    }

    /// A database held in memory alone: no directory, no files, gone when
    /// the last handle drops. The whole engine (units of work, views,
    /// checks) over a store of ordered maps, for runs that open a great
    /// many databases and need none of them on disk: the fuzzer's model of
    /// the engine.
    pub(crate) fn in_memory() -> Result<Db> {
        Db::from_store(Box::new(MemStore::default()), Durability::Eventual, None)
    }

    /// Opens a read-only snapshot of the database in `path`, waiting up to
    /// two seconds for a consistent one (see [`Db::open_read_only_waiting`]).
    ///
    /// # Errors
    /// As [`Db::open_read_only_waiting`].
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Db> {
        Db::open_read_only_waiting(path, std::time::Duration::from_secs(2))
    }

    /// Opens a read-only snapshot of the database in `path`: its files are
    /// copied aside (a private temporary directory, removed with the
    /// handle) and the copy opened, so the handle holds no lock on `path`
    /// and any number of processes can read while one writes. A copy taken
    /// while a writer flushes may miss what the seal and the counts say was
    /// flushed: it is then refused by the same checks that guard an
    /// ordinary open, and taken again, for at most `wait`. Writes are
    /// refused with [`Error::ReadOnly`]; [`Db::refreshed`] takes a new
    /// snapshot.
    ///
    /// Snapshots of one state are one copy: while a snapshot of `path` is
    /// open in this process and the database's files have not changed
    /// since it was copied (no writer has flushed), another open (or
    /// [`Db::refreshed`]) shares it, with what it has loaded, instead of
    /// copying the files again. Files changed within the last second are
    /// copied anew, as a write within the same tick of the file system's
    /// clock would not show.
    ///
    /// # Errors
    /// [`Error::Validation`] if `path` holds no database; [`Error::InUse`]
    /// if no consistent copy could be taken within `wait`;
    /// [`Error::Io`], [`Error::Corrupt`] or [`Error::IncompatibleFormat`].
    pub fn open_read_only_waiting(path: impl AsRef<Path>, wait: std::time::Duration) -> Result<Db> {
        let path = path.as_ref();
        if !path.join("conf").exists() && !path.join("db").exists() {
            return Err(Error::validation(
                "path",
                format!("no database at {}", path.display()),
            ));
        }
        // The state on disk before the copy: a snapshot of it already
        // open is shared.
        let canonical = path
            .canonicalize()
            .map_err(|e| Error::io(format!("cannot resolve {}", path.display()), e))?;
        let before = crate::files::Fingerprint::of(&canonical).ok();
        if let Some(before) = &before {
            let shared = read_only_snapshots()
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&canonical)
                .filter(|(copied, _)| copied == before)
                .and_then(|(_, engine)| engine.upgrade());
            if let Some(engine) = shared {
                return Ok(Db::from_engine(engine));
            }
        }
        let deadline = std::time::Instant::now() + wait;
        loop {
            let dir = temporary_dir()?;
            let opened = crate::files::copy_database(path, &dir).and_then(|()| {
                let store = SledStore::open(&dir, true)?;
                seal::verify(&dir, &store)?;
                let engine = Engine::open(Box::new(store), Durability::Eventual, None)?;
                Ok(Db::from_engine(Arc::new(engine.into_read_only(path))))
            });
            if opened.is_err() {
                // The store, if it opened, removed the copy with itself.
                let _ = std::fs::remove_dir_all(&dir);
            }
            match opened {
                Ok(db) => {
                    // Shared only when the files were still before the copy
                    // and are the same after it: the copy is of that state.
                    if let Some(before) = before.filter(|b| b.still_for(STILL_BEFORE_SHARING)) {
                        if crate::files::Fingerprint::of(&canonical)
                            .is_ok_and(|after| after == before)
                        {
                            let mut shared = read_only_snapshots()
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner);
                            shared.retain(|_, (_, engine)| engine.strong_count() > 0);
                            shared.insert(canonical, (before, Arc::downgrade(&db.engine)));
                        }
                    }
                    return Ok(db);
                }
                // A copy torn by a flush in progress: sled may fail on it
                // in several ways before parkdb's own checks do.
                Err(Error::Corrupt(_) | Error::Storage(_) | Error::Io { .. })
                    if std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(Error::Corrupt(why)) => {
                    return Err(Error::InUse {
                        path: format!(
                            "{} (a writer kept changing it; no consistent copy within {:?}: {why})",
                            path.display(),
                            wait
                        ),
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A new read-only snapshot of the same database, with what writers
    /// added since this one was taken (for a read-write handle, itself).
    ///
    /// # Errors
    /// As [`Db::open_read_only`].
    pub fn refreshed(&self) -> Result<Db> {
        match &self.engine.read_only_of {
            Some(origin) => Db::open_read_only(origin),
            None => Ok(self.clone()),
        }
    }

    /// Whether this is a read-only snapshot.
    #[must_use]
    pub fn is_read_only(&self) -> bool {
        self.engine.read_only_of.is_some()
    }

    /// The directory of the database, if it is not temporary.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.engine.path.as_deref()
    }

    /// The durability chosen when the database was opened.
    #[must_use]
    pub fn durability(&self) -> Durability {
        self.engine.durability
    }

    /// Runs `f` as one unit of work: every write it makes is stored
    /// together, or, if it returns an error, none is.
    ///
    /// ```
    /// # use parkdb::{Db, NewParcel, LandUse, Mu};
    /// # use chrono::NaiveDate;
    /// let db = Db::temporary()?;
    /// let d = NaiveDate::from_ymd_opt(2004, 5, 1).unwrap();
    /// let (a, b) = db.write(|w| {
    ///     let a = w.add_parcel(NewParcel::new("GP-1", "10".parse()?, LandUse::Industrial, d))?;
    ///     let b = w.add_parcel(NewParcel::new("GP-2", "12.5".parse()?, LandUse::Industrial, d))?;
    ///     Ok((a, b))
    /// })?;
    /// assert_eq!(db.parcel(b)?.area, "12.5".parse::<Mu>()?);
    /// # let _ = a;
    /// # Ok::<(), parkdb::Error>(())
    /// ```
    ///
    /// # Errors
    /// Whatever `f` returns, or a storage error on commit.
    pub fn write<T>(&self, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
        let mut tx = self.begin()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Records `who` as the writer of every unit of work this handle
    /// begins from now on (their events' source, see [`Db::origin`]); `None`:
    /// the system's user name. A unit of work may name its own
    /// ([`Writer::set_by`]). Clones made before keep theirs.
    ///
    /// # Errors
    /// [`Error::Validation`] for a name the rules of names refuse (empty,
    /// control characters, too long; see [`crate::text::name`]).
    pub fn set_by(&mut self, who: Option<&str>) -> Result<()> {
        self.by = who
            .map(|w| crate::text::name("by", w))
            .transpose()?
            .map(Arc::from);
        Ok(())
    }

    /// Who this handle's writes are by, if it was told ([`Db::set_by`]).
    #[must_use]
    pub fn by(&self) -> Option<&str> {
        self.by.as_deref()
    }

    /// Where event `id` came from: the API call, import (file, sheet,
    /// row) or boundary file that wrote it, and who wrote it. An event
    /// stored before parkdb kept sources, or an id no event has, is
    /// [`SourceKind::Unknown`](crate::SourceKind::Unknown).
    ///
    /// # Errors
    /// Storage errors; a damaged source is [`Error::Corrupt`].
    pub fn origin(&self, id: EventId) -> Result<crate::Origin> {
        crate::provenance::origin_of(self.engine.store.as_ref(), id.0)
    }

    /// Every import the database stored (ledgers and boundary files), in
    /// the order they were stored: when, by whom, which files, how many
    /// events and their ids (the events table's `import_id` finds them).
    ///
    /// # Errors
    /// Storage errors; a damaged source is [`Error::Corrupt`].
    pub fn imports(&self) -> Result<Vec<crate::ImportSummary>> {
        let sources = crate::provenance::Sources::read(self.engine.store.as_ref())?;
        Ok(crate::provenance::imports(&sources))
    }

    /// Opens a unit of work that lives until [`Transaction::commit`]; dropped
    /// without a commit, it writes nothing. One is open at a time: `begin`
    /// waits for the open one to finish, on another thread; on the thread
    /// that has it open, it is refused.
    ///
    /// # Errors
    /// [`Error::Conflict`] when this thread has a transaction open;
    /// [`Error::Storage`] or [`Error::Corrupt`] reading the database's clock.
    pub fn begin(&self) -> Result<Transaction> {
        let slot = WriterSlot::acquire(self.engine.clone())?;
        self.engine.ready()?;
        let writer = Writer::begin(self.engine.clone(), self.by.clone())?;
        Ok(Transaction::new(writer, slot))
    }

    /// As [`Db::begin`], but waits at most `wait` for a transaction open on
    /// another thread: `None` if it is still open then (a caller that must
    /// stay responsive, to a Ctrl-C say, waits in such steps).
    ///
    /// # Errors
    /// As [`Db::begin`].
    pub fn try_begin_for(&self, wait: std::time::Duration) -> Result<Option<Transaction>> {
        let Some(slot) = WriterSlot::acquire_for(self.engine.clone(), Some(wait))? else {
            return Ok(None);
        };
        self.engine.ready()?;
        let writer = Writer::begin(self.engine.clone(), self.by.clone())?;
        Ok(Some(Transaction::new(writer, slot)))
    }

    /// Checks the whole database: every entity's stored events fold under
    /// the rules (and agree with the in-memory view, if loaded), codes are
    /// unique, the index and counts match the events, and the seal the
    /// flushed counter. Problems are reported, not raised: an `Err` means
    /// the check itself could not run (I/O).
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Storage`] if the store cannot be read.
    pub fn check(&self) -> Result<crate::check::CheckReport> {
        crate::check::check(&self.engine)
    }

    /// Makes every write so far durable. If the disk refuses, the store
    /// reopens from disk: with eventual durability the writes that were
    /// not flushed are then gone (as after a crash), and reads show what
    /// the disk holds.
    ///
    /// # Errors
    /// [`Error::Storage`] if the disk refuses.
    pub fn flush(&self) -> Result<()> {
        self.engine.flush_or_recover()
    }

    /// Writes each ledger's checkpoint afresh from its stored events: the
    /// old checkpoints are deleted, the in-memory view folded again from
    /// the events and written beside the database (`checkpoint/`), for new
    /// processes to load instead of folding. parkdb writes checkpoints by
    /// itself when a handle closes and after large units of work; this is
    /// for after an import in a process that read nothing, or when
    /// [`Db::check`] finds a checkpoint that differs from the events.
    /// Waits for an open unit of work, and holds others off meanwhile. A
    /// temporary database keeps no checkpoints: for it this does nothing.
    ///
    /// # Errors
    /// [`Error::ReadOnly`] on a read-only snapshot; [`Error::Conflict`]
    /// when this thread has a transaction open; [`Error::Io`] when the
    /// files cannot be written; [`Error::Corrupt`] as a read would.
    pub fn checkpoint(&self) -> Result<()> {
        self.engine.ready()?;
        let _slot = WriterSlot::acquire(self.engine.clone())?;
        self.engine.rebuild_checkpoints()
    }

    /// Where each ledger's checkpoint stands; empty for a temporary
    /// database (it keeps none).
    ///
    /// # Errors
    /// [`Error::Storage`] if the store cannot be read.
    pub fn checkpoints(&self) -> Result<Vec<CheckpointStatus>> {
        let Some(place) = self.engine.cache.place() else {
            return Ok(Vec::new());
        };
        self.engine.ready()?;
        let _read = self.engine.read_guard();
        Ok(crate::record::KINDS
            .iter()
            .map(|&kind| CheckpointStatus {
                ledger: crate::counts::ledger_name(kind),
                path: place.file(kind),
                unused: crate::checkpoint::open(place, self.engine.store.as_ref(), kind)
                    .err()
                    .map(|why| why.to_string()),
                loaded_from_checkpoint: self.engine.cache.loaded_from_checkpoint(kind),
            })
            .collect())
    }

    /// Flushes and lets go of this handle; the database closes when its
    /// last handle (every clone) is gone. Closing the last handle does all
    /// a close does and reports every failure: the final flush (with
    /// eventual durability, writes that returned may then be lost), the
    /// checkpoints of the ledgers read (for the next process to load
    /// instead of folding) and making the files sled made since the open
    /// private. After it, dropping the engine does no more I/O. A handle
    /// dropped without `close` does the same at its drop, with no one to
    /// report a failure to.
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Io`] for the step that failed; when
    /// several did, an [`Error::Storage`] naming each.
    pub fn close(self) -> Result<()> {
        let last = Arc::strong_count(&self.engine) == 1;
        let mut failed = Vec::new();
        let flushed = self.flush();
        let flushed_ok = flushed.is_ok();
        failed.extend(flushed.err());
        if last && flushed_ok && self.engine.pid == std::process::id() {
            let unsaved = self.engine.cache.unsaved(false);
            failed.extend(self.engine.checkpoint(&unsaved).err());
        }
        // The files sled made since the open, private too (a snapshot's
        // copy is its own).
        if let (Some(path), None) = (&self.engine.path, &self.engine.read_only_of) {
            failed.extend(crate::files::protect_files(path).err());
        }
        if last {
            self.engine
                .closed
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        match failed.len() {
            0 => Ok(()),
            1 => Err(failed.remove(0)),
            _ => Err(Error::Storage(format!(
                "closing the database: {}",
                failed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
        }
    }

    /// Reads as of now: everything known, every event in force.
    #[must_use]
    pub fn now(&self) -> View<'_> {
        // A store a failed write closed reopens here once the disk has
        // room; until then reads answer from memory or report the failure.
        if !self.engine.store.is_open() {
            let _ = self.engine.ready();
        }
        View::new(&self.engine, Horizon::NOW)
    }

    /// Reads the state as of the end of `date` (events valid on or before it).
    #[must_use]
    pub fn as_of(&self, date: NaiveDate) -> View<'_> {
        self.now().as_of(date)
    }

    /// Reads what the database knew at `time`, ignoring what was recorded
    /// later (events and corrections alike).
    #[must_use]
    pub fn as_known_at(&self, time: DateTime<Utc>) -> View<'_> {
        self.now().known_at(time)
    }

    /// The policies in force.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored policy cannot be read.
    pub fn policy(&self) -> Result<Policy> {
        Policy::stored(self.engine.store.as_ref())
    }

    /// The recorded time of the latest unit of work, if any.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored time cannot be read.
    pub fn last_recorded(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .engine
            .store
            .get(Tree::Meta, keys::meta::LAST_RECORDED)?
            .map(|v| codec::decode::<Recorded>(&v, "last recorded time"))
            .transpose()?
            .map(Recorded::to_datetime))
    }

    /// How many events the database holds (voids included).
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored counter cannot be read.
    pub fn event_count(&self) -> Result<u64> {
        Ok(
            match self.engine.store.get(Tree::Meta, keys::meta::NEXT_EVENT)? {
                Some(v) => keys::u64_at(&v, 0)?.saturating_sub(1),
                None => 0,
            },
        )
    }

    /// Bytes the database uses on disk.
    ///
    /// # Errors
    /// [`Error::Storage`] on I/O failure.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.engine.store.size_on_disk()
    }

    /// Writes a consistent copy of the database to the directory `path`,
    /// which must not exist or be an empty directory; the copy opens with
    /// [`Db::open`]. The copy is written beside `path` under a hidden
    /// name, flushed, sealed and synced, then renamed into place: a backup
    /// interrupted at any moment leaves `path` absent (and the hidden
    /// remains, which the next backup to `path` removes), never a copy
    /// that looks whole and is not.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty path, or one that holds files or
    /// is not a directory; [`Error::Conflict`] when this thread has a
    /// transaction open; [`Error::Storage`] on I/O failure.
    pub fn backup(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let target = crate::backup::Target::new(path)?;
        // Holding the writer slot keeps every unit of work out while we copy.
        let _slot = WriterSlot::acquire(self.engine.clone())?;
        target.write(|partial| {
            let copy = SledStore::open(partial, false)?;
            for tree in Tree::ALL {
                let mut batch = Batch::default();
                self.engine.store.for_each_prefix(tree, &[], &mut |k, v| {
                    batch.put(tree, k.to_vec(), v.to_vec());
                    Ok(true)
                })?;
                copy.apply(&batch)?;
            }
            copy.flush()?;
            seal::Seal::open(partial)?.write(&copy)?;
            crate::files::protect_files(partial)
        })
    }
}

impl Writer {
    /// The database this unit of work writes to (a handle on it).
    #[must_use]
    pub fn db(&self) -> Db {
        Db::from_engine(self.engine_handle().clone())
    }
}

/// A new private directory for a temporary database or a read-only copy:
/// unique within the process by a counter (two threads can read the same
/// clock), and across processes by the process id and time. The first
/// one a process makes removes those that killed processes left.
fn temporary_dir() -> Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = std::env::temp_dir();
    if n == 0 {
        crate::files::remove_abandoned_temporaries(&temp);
    }
    let dir = temp.join(format!(
        "{}{}-{}-{n}",
        crate::files::TEMPORARY_PREFIX,
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    crate::files::create_private_dir(&dir)?;
    Ok(dir)
}

/// An open unit of work (see [`Db::begin`]). Use it as a [`Writer`];
/// [`Transaction::commit`] stores everything, dropping it stores nothing.
///
/// A unit of work belongs to the thread that began it, and the compiler
/// holds that rule: a `Transaction` is neither `Send` nor `Sync`. It
/// cannot be held across an `.await` in a task a multi-threaded runtime
/// may move (`tokio::spawn` refuses the future), where it would keep the
/// one writer's slot while its task waits, and every other task that
/// writes would block a worker thread behind it. From async code, write
/// in a blocking task: `tokio::task::spawn_blocking(move || db.write(|w|
/// …))` (see `examples/service.rs`). A host that manages threads itself
/// (parkdb's Python bindings) takes the unit out of this rule with
/// [`Transaction::detach`].
///
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// let db = parkdb::Db::temporary().unwrap();
/// needs_send(db.begin().unwrap()); // a Transaction is not Send
/// ```
pub struct Transaction {
    unit: DetachedTransaction,
    /// Not `Send`, not `Sync`: the unit stays on its thread.
    _on_its_thread: std::marker::PhantomData<*const ()>,
}

impl Transaction {
    pub(crate) fn new(writer: Writer, slot: WriterSlot) -> Transaction {
        Transaction {
            unit: DetachedTransaction {
                writer,
                slot: Some(slot),
            },
            _on_its_thread: std::marker::PhantomData,
        }
    }

    /// Stores every write of the unit, all or nothing, and ends it.
    ///
    /// # Errors
    /// [`Error::Storage`] if the store refuses; then nothing was written.
    pub fn commit(self) -> Result<()> {
        self.unit.commit()
    }

    /// Ends the unit without writing anything.
    pub fn rollback(self) {}

    /// The unit as one that may be moved to, and ended on, another thread:
    /// for a host that keeps its own rule about threads (the Python
    /// bindings, whose `Database.close()` rolls back a unit left open on
    /// any thread). The thread that began the unit is still the one
    /// [`Db::begin`] refuses a second unit on while this one is open.
    #[must_use]
    pub fn detach(self) -> DetachedTransaction {
        self.unit
    }
}

/// A unit of work that may cross threads ([`Transaction::detach`]); the
/// same calls as a [`Transaction`].
pub struct DetachedTransaction {
    writer: Writer,
    slot: Option<WriterSlot>,
}

impl DetachedTransaction {
    /// Stores every write of the unit, all or nothing, and ends it.
    ///
    /// # Errors
    /// [`Error::Storage`] if the store refuses; then nothing was written.
    pub fn commit(self) -> Result<()> {
        let DetachedTransaction { writer, slot } = self;
        let engine = writer.engine_handle().clone();
        let result = writer
            .into_changes()
            .and_then(|changes| engine.commit(changes));
        drop(slot);
        result
    }

    /// Ends the unit without writing anything.
    pub fn rollback(self) {}
}

impl std::ops::Deref for Transaction {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.unit.writer
    }
}

impl std::ops::DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.unit.writer
    }
}

impl std::ops::Deref for DetachedTransaction {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.writer
    }
}

impl std::ops::DerefMut for DetachedTransaction {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::Db;
    use crate::units::Mu;
    use crate::{LandUse, NewParcel};

    /// Sets every file's modification time an hour back, as for a database
    /// no writer has touched in a while.
    fn age(dir: &Path) {
        for entry in std::fs::read_dir(dir).expect("a directory").flatten() {
            let path = entry.path();
            if path.is_dir() {
                age(&path);
            } else {
                let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
                std::fs::File::options()
                    .append(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(hour_ago))
                    .expect("a file's time set");
            }
        }
    }

    fn add_parcel(db: &Db, code: &str) {
        db.write(|w| {
            w.add_parcel(NewParcel::new(
                code,
                Mu::from_mu(10)?,
                LandUse::Industrial,
                chrono::NaiveDate::from_ymd_opt(2005, 1, 1).expect("a date"),
            ))
            .map(|_| ())
        })
        .expect("a parcel");
    }

    fn parcels(db: &Db) -> usize {
        db.now()
            .parcels(&crate::view::ParcelFilter::default())
            .expect("parcels")
            .len()
    }

    #[test]
    fn snapshots_of_files_unchanged_are_one_copy_and_a_write_makes_a_new_one() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("db");
        let db = Db::open(&path).expect("a database");
        add_parcel(&db, "GP-1");
        db.close().expect("closed");
        age(&path);
        let first = Db::open_read_only(&path).expect("a snapshot");
        let second = Db::open_read_only(&path).expect("a snapshot");
        assert!(
            Arc::ptr_eq(&first.engine, &second.engine),
            "one state, one copy"
        );
        let refreshed = first.refreshed().expect("refreshed");
        assert!(Arc::ptr_eq(&first.engine, &refreshed.engine));
        assert_eq!(parcels(&second), 1);
        // A writer flushes: the next snapshot is a new copy, with the write.
        let db = Db::open(&path).expect("a database");
        add_parcel(&db, "GP-2");
        db.flush().expect("flushed");
        let after_write = Db::open_read_only(&path).expect("a snapshot");
        assert!(!Arc::ptr_eq(&first.engine, &after_write.engine));
        assert_eq!((parcels(&first), parcels(&after_write)), (1, 2));
        // Files written a moment ago are not trusted to show a write within
        // the same tick: copied again.
        let at_once = Db::open_read_only(&path).expect("a snapshot");
        assert!(!Arc::ptr_eq(&after_write.engine, &at_once.engine));
        // Once the last handle of a snapshot is gone, its copy is too.
        db.close().expect("closed");
        age(&path);
        let last = Db::open_read_only(&path).expect("a snapshot");
        let copy_of_e = Arc::downgrade(&last.engine);
        drop(last);
        assert!(copy_of_e.upgrade().is_none());
        let again = Db::open_read_only(&path).expect("a snapshot");
        assert_eq!(parcels(&again), 2);
    }
}
