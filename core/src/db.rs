//! The database handle: opening, durability, units of work, backup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, Weak};

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
}

impl Inner {
    /// Flushes the engine, then seals what was flushed.
    fn flush(&self) -> Result<()> {
        self.store.flush()?;
        match &self.seal {
            Some(seal) => seal.write(self.store.as_ref()),
            None => Ok(()),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing flushes; an error here has no one to go to, and the data
        // is as safe as the chosen durability made it.
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
    /// database; another process holding it gives [`Error::Storage`].
    ///
    /// # Errors
    /// [`Error::Storage`], [`Error::Corrupt`] or [`Error::IncompatibleFormat`].
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
            .map_err(|e| Error::Storage(format!("cannot resolve {}: {e}", path.display())))?;
        let mut open = lock(open_databases());
        if let Some(inner) = open.get(&canonical).and_then(Weak::upgrade) {
            return Ok(Db { inner });
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
        let writer = Writer::begin(self.clone())?;
        Ok(Some(Transaction {
            writer,
            slot: Some(slot),
        }))
    }

    fn commit(&self, writer: &mut Writer) -> Result<()> {
        writer.finish()?;
        let store = self.inner.store.as_ref();
        {
            let _commit = self
                .inner
                .commit
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            store.apply(writer.batch())?;
            self.inner
                .cache
                .apply(writer.runs(), writer.decoded(), writer.history());
        }
        if self.inner.durability == Durability::Immediate {
            self.inner.flush()?;
        }
        Ok(())
    }

    /// Makes every write so far durable.
    ///
    /// # Errors
    /// [`Error::Storage`] if the disk refuses.
    pub fn flush(&self) -> Result<()> {
        self.inner.flush()
    }

    /// Reads as of now: everything known, every event in force.
    #[must_use]
    pub fn now(&self) -> View<'_> {
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

/// The right to write: held by the one open transaction.
struct WriterSlot {
    inner: Arc<Inner>,
}

impl WriterSlot {
    /// Waits for the slot. A thread that holds it already (a transaction
    /// it has open) would wait for itself forever: that is refused.
    fn acquire(inner: Arc<Inner>) -> Result<WriterSlot> {
        WriterSlot::acquire_for(inner, None)?
            .ok_or_else(|| Error::Storage("the writer slot was not taken".into()))
    }

    /// As [`WriterSlot::acquire`], waiting at most `wait` (`None` if the
    /// slot is still held then).
    fn acquire_for(
        inner: Arc<Inner>,
        wait: Option<std::time::Duration>,
    ) -> Result<Option<WriterSlot>> {
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
