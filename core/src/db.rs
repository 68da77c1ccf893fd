//! The database handle: opening, durability, units of work, backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{
    Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, RwLockReadGuard, Weak,
};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::event::{Horizon, Recorded};
use crate::seal;
use crate::storage::codec::{self, FORMAT_VERSION};
use crate::storage::{keys, Batch, SledStore, Store, Tree};
use crate::view::View;
use crate::writer::Writer;

/// What a crash may lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every write is flushed to disk before it returns: a crash loses
    /// nothing that returned `Ok`.
    #[default]
    Immediate,
    /// Writes reach disk in the background within about half a second, or
    /// at [`Db::flush`]: a crash may lose the writes of that last moment,
    /// always whole units of work, never part of one.
    Eventual,
}

/// How to open a database.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub durability: Durability,
}

/// Rules with an effective date, set per database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// From this date, developing (填土) land without a certificate is refused
    /// (已征土地,还没有办证的坚决一律不填土). Earlier history loads as it happened.
    #[serde(with = "crate::days::opt")]
    pub no_development_without_certificate_from: Option<NaiveDate>,
}

pub(crate) struct Inner {
    pub(crate) store: Box<dyn Store>,
    /// Serialises units of work: the thread whose transaction is open.
    writer_busy: Mutex<Option<std::thread::ThreadId>>,
    writer_free: Condvar,
    /// Readers hold it shared while they read several keys, and a commit
    /// holds it exclusively, so a read never sees half a unit of work.
    pub(crate) commit: RwLock<()>,
    /// Current records (folded from the stored events), with their lookups;
    /// updated at each commit.
    pub(crate) cache: crate::cache::Cache,
    durability: Durability,
    path: Option<PathBuf>,
    /// The seal of a database on disk (a temporary one has none).
    seal: Option<seal::Seal>,
    /// The process that opened it: a child made by `fork` shares its memory
    /// but not the storage engine's threads and locks, and must not use it.
    pid: u32,
}

impl Inner {
    /// Refuses a process made by `fork` after this handle was opened.
    fn same_process(&self) -> Result<()> {
        if self.pid == std::process::id() {
            return Ok(());
        }
        Err(Error::Storage(format!(
            "this database was opened by process {} before it forked: a child \
             cannot use that handle; open the database in a process of its own \
             once the parent has closed it",
            self.pid
        )))
    }

    /// Flushes the engine, then seals what was flushed.
    fn flush(&self) -> Result<()> {
        self.same_process()?;
        self.store.flush()?;
        match &self.seal {
            Some(seal) => seal.write(self.store.as_ref()),
            None => Ok(()),
        }
    }

    /// After a write or flush the store refused (a full disk): reopens the
    /// store from disk, and makes the in-memory view what the disk holds.
    /// With eventual durability, writes not yet flushed are gone, as after
    /// a crash, so the view is dropped (and reloads on the next read) even
    /// if the store cannot reopen yet; with immediate durability the view
    /// held only flushed writes and stays until the store reopens.
    /// Call with the commit lock held.
    fn recover(&self) -> Result<()> {
        if self.durability == Durability::Eventual {
            self.cache.reset();
        }
        self.store.reopen()?;
        self.cache.reset();
        Ok(())
    }

    /// Reopens a store a failed write closed, if it is closed.
    pub(crate) fn ready(&self) -> Result<()> {
        self.same_process()?;
        if self.store.is_open() {
            return Ok(());
        }
        let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
        if self.store.is_open() {
            return Ok(());
        }
        self.recover()
    }

    /// Flushes; a failed flush reopens the store (see [`Inner::recover`]).
    fn flush_or_recover(&self) -> Result<()> {
        self.ready()?;
        let flushed = self.flush();
        if flushed.is_err() {
            let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
            let _ = self.recover();
        }
        flushed
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing flushes; an error here has no one to go to (call
        // `Db::close` to see it), and the data is as safe as the chosen
        // durability made it.
        let _ = self.flush();
    }
}

/// An open parkdb database. Cheap to clone; all clones share one handle.
#[derive(Clone)]
pub struct Db {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn open_databases() -> &'static Mutex<HashMap<PathBuf, Weak<Inner>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<Inner>>>> = OnceLock::new();
    OPEN.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Db {
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
        let mut open = lock(open_databases());
        if let Some(inner) = open.get(&canonical).and_then(Weak::upgrade) {
            // A child made by fork finds its parent's handle here: it must
            // open its own (which the parent's lock refuses while it lives).
            if inner.pid == std::process::id() {
                return Ok(Db { inner });
            }
        }
        let store = SledStore::open(&canonical, false)?;
        if new {
            crate::files::protect_files(&canonical)?;
        }
        seal::verify(&canonical, &store)?;
        let db = Db::from_store(Box::new(store), options.durability, Some(canonical.clone()))?;
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(canonical, Arc::downgrade(&db.inner));
        Ok(db)
    }

    /// A database that lives in a temporary directory, removed when the
    /// last handle is dropped.
    ///
    /// # Errors
    /// [`Error::Storage`] if the temporary directory cannot be made.
    pub fn temporary() -> Result<Db> {
        // Unique within the process by a counter (two threads can read the
        // same clock), and across processes by the process id and time.
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
        let store = SledStore::open(&dir, true)?;
        crate::files::protect_files(&dir)?;
        Db::from_store(Box::new(store), Durability::Eventual, None)
    }

    fn from_store(
        store: Box<dyn Store>,
        durability: Durability,
        path: Option<PathBuf>,
    ) -> Result<Db> {
        match store.get(Tree::Meta, keys::meta::FORMAT)? {
            Some(v) => {
                let found = *v
                    .first()
                    .ok_or_else(|| Error::Corrupt("empty format version".into()))?;
                if found > FORMAT_VERSION {
                    return Err(Error::IncompatibleFormat {
                        found,
                        supported: FORMAT_VERSION,
                    });
                }
                if found == 0 {
                    return Err(Error::Corrupt("format version 0".into()));
                }
                if found < FORMAT_VERSION {
                    crate::counts::upgrade_format_3(store.as_ref())?;
                }
            }
            None => {
                let mut batch = Batch::default();
                batch.put(
                    Tree::Meta,
                    keys::meta::FORMAT.to_vec(),
                    vec![FORMAT_VERSION],
                );
                store.apply(&batch)?;
                store.flush()?;
            }
        }
        crate::counts::verify_at_open(store.as_ref())?;
        Ok(Db {
            inner: Arc::new(Inner {
                store,
                writer_busy: Mutex::new(None),
                writer_free: Condvar::new(),
                commit: RwLock::new(()),
                cache: crate::cache::Cache::default(),
                durability,
                seal: path.as_deref().map(seal::Seal::open).transpose()?,
                path,
                pid: std::process::id(),
            }),
        })
    }

    /// The directory of the database, if it is not temporary.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The durability chosen when the database was opened.
    #[must_use]
    pub fn durability(&self) -> Durability {
        self.inner.durability
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

    /// Opens a unit of work that lives until [`Transaction::commit`]; dropped
    /// without a commit, it writes nothing. One is open at a time: `begin`
    /// waits for the open one to finish, on another thread; on the thread
    /// that has it open, it is refused.
    ///
    /// # Errors
    /// [`Error::Conflict`] when this thread has a transaction open;
    /// [`Error::Storage`] or [`Error::Corrupt`] reading the database's clock.
    pub fn begin(&self) -> Result<Transaction> {
        let slot = WriterSlot::acquire(self.inner.clone())?;
        self.inner.ready()?;
        let writer = Writer::begin(self.clone())?;
        Ok(Transaction {
            writer,
            slot: Some(slot),
        })
    }

    /// As [`Db::begin`], but waits at most `wait` for a transaction open on
    /// another thread: `None` if it is still open then (a caller that must
    /// stay responsive, to a Ctrl-C say, waits in such steps).
    ///
    /// # Errors
    /// As [`Db::begin`].
    pub fn try_begin_for(&self, wait: std::time::Duration) -> Result<Option<Transaction>> {
        let Some(slot) = WriterSlot::acquire_for(self.inner.clone(), Some(wait))? else {
            return Ok(None);
        };
        self.inner.ready()?;
        let writer = Writer::begin(self.clone())?;
        Ok(Some(Transaction {
            writer,
            slot: Some(slot),
        }))
    }

    /// Stores a unit of work and brings the in-memory view up to date,
    /// readers held off meanwhile. The view changes only once the store
    /// took the unit (and, with immediate durability, the disk has it): a
    /// commit that fails leaves the view as it was, and reopens the store
    /// from disk (see [`Inner::recover`]), so the handle works again once
    /// the disk has room.
    fn commit(&self, writer: &mut Writer) -> Result<()> {
        writer.finish()?;
        let inner = &*self.inner;
        let _commit = inner.commit.write().unwrap_or_else(PoisonError::into_inner);
        let batch = writer.batch();
        let stored = inner.store.apply(batch).and_then(|()| {
            if inner.durability == Durability::Immediate {
                inner.flush()
            } else {
                Ok(())
            }
        });
        match stored {
            Ok(()) => {
                inner
                    .cache
                    .apply(writer.runs(), writer.decoded(), writer.history());
                Ok(())
            }
            Err(e) => match inner.recover() {
                // The disk may have taken the unit before refusing (a
                // failed sync of a complete write): then it is stored, and
                // the view (reloading from disk) shows it.
                Ok(()) if holds(inner.store.as_ref(), batch)? => Ok(()),
                Ok(()) => Err(failed_commit(e, inner.durability, "")),
                Err(_) => Err(failed_commit(
                    e,
                    inner.durability,
                    "; the database reopens at its next use",
                )),
            },
        }
    }

    /// Makes every write so far durable. If the disk refuses, the store
    /// reopens from disk: with eventual durability the writes that were
    /// not flushed are then gone (as after a crash), and reads show what
    /// the disk holds.
    ///
    /// # Errors
    /// [`Error::Storage`] if the disk refuses.
    pub fn flush(&self) -> Result<()> {
        self.inner.flush_or_recover()
    }

    /// Flushes and lets go of this handle; the database closes when its
    /// last handle (every clone) is gone. Unlike dropping the handle, this
    /// reports a final flush that failed (with eventual durability, writes
    /// that returned may then be lost).
    ///
    /// # Errors
    /// [`Error::Storage`] if the disk refuses the final flush.
    pub fn close(self) -> Result<()> {
        self.flush()
    }

    /// Reads as of now: everything known, every event in force.
    #[must_use]
    pub fn now(&self) -> View<'_> {
        // A store a failed write closed reopens here once the disk has
        // room; until then reads answer from memory or report the failure.
        let _ = self.inner.ready();
        View::new(self, Horizon::NOW)
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

    pub(crate) fn read_guard(&self) -> RwLockReadGuard<'_, ()> {
        self.inner
            .commit
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The policies in force.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored policy cannot be read.
    pub fn policy(&self) -> Result<Policy> {
        match self.inner.store.get(Tree::Meta, keys::meta::POLICY)? {
            Some(v) => codec::decode(&v, "policy"),
            None => Ok(Policy::default()),
        }
    }

    /// The recorded time of the latest unit of work, if any.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored time cannot be read.
    pub fn last_recorded(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .inner
            .store
            .get(Tree::Meta, keys::meta::LAST_RECORDED)?
            .map(|v| codec::decode::<Recorded>(&v, "last recorded time"))
            .transpose()?
            .map(Recorded::to_datetime))
    }

    /// Bytes the database uses on disk.
    ///
    /// # Errors
    /// [`Error::Storage`] on I/O failure.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.inner.store.size_on_disk()
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
        let _slot = WriterSlot::acquire(self.inner.clone())?;
        target.write(|partial| {
            let copy = SledStore::open(partial, false)?;
            for tree in Tree::ALL {
                let mut batch = Batch::default();
                self.inner.store.for_each_prefix(tree, &[], &mut |k, v| {
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

/// Whether the store holds every write of `batch` (each key with its value).
fn holds(store: &dyn Store, batch: &Batch) -> Result<bool> {
    for ((tree, key), value) in &batch.ops {
        if store.get(*tree, key)? != *value {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The error of a commit the store refused: nothing of the unit is stored.
/// An I/O error stays one (its kind says "no space", say).
fn failed_commit(cause: Error, durability: Durability, then: &str) -> Error {
    let lost = match durability {
        Durability::Immediate => "",
        Durability::Eventual => " (nor were the writes since the last flush)",
    };
    let what = format!("the unit of work was not stored{lost}{then}");
    match cause {
        Error::Io { context, source } => Error::Io {
            context: format!("{what}; {context}"),
            source,
        },
        Error::Storage(m) => Error::Storage(format!("{what}: {m}")),
        other => Error::Storage(format!("{what}: {other}")),
    }
}

/// The right to write: held by the one open transaction.
struct WriterSlot {
    inner: Arc<Inner>,
}

impl WriterSlot {
    /// Waits for the slot. A thread that holds it already (a transaction
    /// it has open) would wait for itself forever: that is refused.
    fn acquire(inner: Arc<Inner>) -> Result<WriterSlot> {
        WriterSlot::acquire_for(inner, None)?
            .ok_or_else(|| Error::Internal("the writer slot was not taken".into()))
    }

    /// As [`WriterSlot::acquire`], waiting at most `wait` (`None` if the
    /// slot is still held then).
    fn acquire_for(
        inner: Arc<Inner>,
        wait: Option<std::time::Duration>,
    ) -> Result<Option<WriterSlot>> {
        inner.same_process()?;
        let me = std::thread::current().id();
        let deadline = wait.map(|w| std::time::Instant::now() + w);
        let mut holder = lock(&inner.writer_busy);
        while let Some(other) = *holder {
            if other == me {
                return Err(Error::conflict(
                    crate::error::Entity::Transaction,
                    "open",
                    "this thread has a transaction open: commit or roll it back first \
                     (or make this write through it)",
                ));
            }
            holder = match deadline {
                None => inner
                    .writer_free
                    .wait(holder)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    inner
                        .writer_free
                        .wait_timeout(holder, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
        *holder = Some(me);
        drop(holder);
        Ok(Some(WriterSlot { inner }))
    }
}

impl Drop for WriterSlot {
    fn drop(&mut self) {
        *lock(&self.inner.writer_busy) = None;
        self.inner.writer_free.notify_one();
    }
}

/// An open unit of work (see [`Db::begin`]). Use it as a [`Writer`];
/// [`Transaction::commit`] stores everything, dropping it stores nothing.
pub struct Transaction {
    writer: Writer,
    slot: Option<WriterSlot>,
}

impl Transaction {
    /// Stores every write of the unit, all or nothing, and ends it.
    ///
    /// # Errors
    /// [`Error::Storage`] if the store refuses; then nothing was written.
    pub fn commit(mut self) -> Result<()> {
        let db = self.writer.db().clone();
        let result = db.commit(&mut self.writer);
        self.slot.take();
        result
    }

    /// Ends the unit without writing anything.
    pub fn rollback(self) {}
}

impl std::ops::Deref for Transaction {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.writer
    }
}

impl std::ops::DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.writer
    }
}
