//! The engine under a database handle: the store, the in-memory view of
//! current records, the lock that keeps readers off a commit, and the slot
//! of the one writer. [`crate::Db`] wraps it; a [`crate::Writer`] and a
//! [`crate::View`] hold it. It opens a store (checking and upgrading its
//! format), commits the [`Changes`] a unit of work hands it, and recovers a
//! store whose write failed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use crate::cache::Cache;
use crate::changes::Changes;
use crate::error::{Error, Result};
pub use crate::policy::Policy;
use crate::seal;
use crate::storage::codec::FORMAT_VERSION;
use crate::storage::{keys, Batch, Store, Tree};

/// What a crash may lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// Every write is flushed to disk before it returns: a crash loses
    /// nothing that returned `Ok`.
    #[default]
    Immediate,
    /// Writes reach disk in the background within about half a second, or
    /// at [`Db::flush`](crate::Db::flush): a crash may lose the writes of that last moment,
    /// always whole units of work, never part of one.
    Eventual,
}

pub(crate) struct Engine {
    pub(crate) store: Box<dyn Store>,
    /// Serialises units of work: the thread whose transaction is open.
    writer_busy: Mutex<Option<std::thread::ThreadId>>,
    writer_free: Condvar,
    /// Readers hold it shared while they read several keys, and a commit
    /// holds it exclusively, so a read never sees half a unit of work.
    pub(crate) commit: RwLock<()>,
    /// Current records (folded from the stored events), with their lookups;
    /// updated at each commit.
    pub(crate) cache: Cache,
    pub(crate) durability: Durability,
    pub(crate) path: Option<PathBuf>,
    /// The seal of a database on disk (a temporary one has none).
    seal: Option<seal::Seal>,
    /// The process that opened it: a child made by `fork` shares its memory
    /// but not the storage engine's threads and locks, and must not use it.
    pub(crate) pid: u32,
    /// For a read-only snapshot (writes refused), the database it was
    /// copied from.
    pub(crate) read_only_of: Option<PathBuf>,
    /// Whether the store reopened after a write or flush it refused and
    /// has stored no unit of work since (see [`Engine::ready`]).
    reopened: AtomicBool,
    /// Whether `Db::close` of the last handle closed it (then a drop does
    /// nothing more).
    pub(crate) closed: AtomicBool,
    /// Units of work this engine has stored, and the recorded time of the
    /// last the store holds: what a [`crate::View`] pins (see
    /// [`Engine::pin`]). Both change together, under the commit lock.
    committed: AtomicU64,
    last_recorded: std::sync::atomic::AtomicI64,
}

/// The last unit of work a read saw: how many units this engine had
/// stored, and the recorded time of the last one (`None`: none yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pin {
    pub(crate) committed: u64,
    pub(crate) recorded: Option<crate::event::Recorded>,
}

impl Engine {
    /// The engine over `store`: checks its format (upgrading format 3, or
    /// marking a new store with the current one) and its counts.
    pub(crate) fn open(
        store: Box<dyn Store>,
        durability: Durability,
        path: Option<PathBuf>,
    ) -> Result<Engine> {
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
                if found < 4 {
                    crate::counts::upgrade_format_3(store.as_ref())?;
                } else if found < FORMAT_VERSION {
                    // Formats 5 to 11 added events (boundaries, notes,
                    // buildings, water use, money, …), fields and
                    // areas in millionths that earlier versions cannot
                    // read: nothing stored changes (each value keeps its
                    // format byte and reads by it), the mark keeps those
                    // versions out.
                    mark_format(store.as_ref())?;
                }
            }
            None => mark_format(store.as_ref())?,
        }
        crate::counts::verify_at_open(store.as_ref())?;
        // The policy is read now, so reads never need the disk for it.
        let mut cache = Cache::default();
        cache.policy(store.as_ref())?;
        if let Some(path) = &path {
            if crate::checkpoint::enabled() {
                cache.set_place(crate::checkpoint::Place::of(path, true));
            }
        }
        let last_recorded = store
            .get(Tree::Meta, keys::meta::LAST_RECORDED)?
            .map(|v| {
                crate::storage::codec::decode::<crate::event::Recorded>(&v, "last recorded time")
            })
            .transpose()?
            .map_or(i64::MIN, |r| r.0);
        Ok(Engine {
            store,
            writer_busy: Mutex::new(None),
            writer_free: Condvar::new(),
            commit: RwLock::new(()),
            cache,
            durability,
            seal: path.as_deref().map(seal::Seal::open).transpose()?,
            path,
            pid: std::process::id(),
            read_only_of: None,
            reopened: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            committed: AtomicU64::new(0),
            last_recorded: std::sync::atomic::AtomicI64::new(last_recorded),
        })
    }

    /// The units of work stored so far: taken holding the read guard, so
    /// that no commit is half-counted.
    pub(crate) fn pin(&self) -> Pin {
        let _read = self.read_guard();
        self.pinned()
    }

    /// [`Engine::pin`] for a caller that holds the read guard (or the
    /// commit lock) already.
    pub(crate) fn pinned(&self) -> Pin {
        let recorded = self.last_recorded.load(Ordering::Acquire);
        Pin {
            committed: self.committed.load(Ordering::Acquire),
            recorded: (recorded != i64::MIN).then_some(crate::event::Recorded(recorded)),
        }
    }

    /// This engine as a read-only snapshot of the database in `origin`.
    pub(crate) fn into_read_only(mut self, origin: &std::path::Path) -> Engine {
        self.read_only_of = Some(origin.to_path_buf());
        // It reads the checkpoints of the database it copies (checked
        // against its own copy of the events), and writes none.
        if crate::checkpoint::enabled() {
            self.cache
                .set_place(crate::checkpoint::Place::of(origin, false));
        }
        self
    }

    /// Held by readers while they read several keys; a commit takes it
    /// exclusively, so no read sees half a unit of work.
    pub(crate) fn read_guard(&self) -> RwLockReadGuard<'_, ()> {
        self.commit.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a unit of work and brings the in-memory view up to date,
    /// readers held off meanwhile. The view changes only once the store
    /// took the unit (and, with immediate durability, the disk has it): a
    /// commit that fails leaves the view as it was, and reopens the store
    /// from disk (see [`Engine::recover`]), so the handle works again once
    /// the disk has room.
    pub(crate) fn commit(&self, changes: Changes) -> Result<()> {
        self.commit_only(changes)?;
        // After a large unit of work, the checkpoints of the ledgers it
        // grew; a checkpoint that cannot be written only costs the next
        // process a fold.
        let _ = self.checkpoint(&self.cache.unsaved(true));
        Ok(())
    }

    /// Writes the checkpoints of the given kinds, loading those that are
    /// not loaded yet.
    pub(crate) fn checkpoint(&self, kinds: &[u8]) -> Result<()> {
        if kinds.is_empty() {
            return Ok(());
        }
        let _read = self.read_guard();
        let store = self.store.as_ref();
        for &kind in kinds {
            struct Save<'a>(&'a Cache, &'a dyn Store);

            impl crate::record::ForKind for Save<'_> {
                type Out = Result<()>;
                fn run<R: crate::record::Record>(self) -> Result<()> {
                    self.0.save::<R>(self.1)
                }
            }
            crate::record::for_kind(kind, Save(&self.cache, store)).transpose()?;
        }
        Ok(())
    }

    /// Writes every ledger's checkpoint afresh from the stored events: the
    /// old ones deleted, the in-memory view dropped and folded again. Call
    /// holding the writer slot, so no unit of work lands meanwhile.
    pub(crate) fn rebuild_checkpoints(&self) -> Result<()> {
        let Some(place) = self.cache.place().cloned() else {
            return Ok(());
        };
        {
            let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
            for kind in crate::record::KINDS {
                crate::checkpoint::remove(&place, kind)?;
            }
            self.cache.reset();
            self.cache.policy(self.store.as_ref())?;
        }
        // With nothing loaded and no checkpoint left, each kind folds.
        self.checkpoint(&crate::record::KINDS)
    }

    /// [`Engine::commit`] without the checkpoints.
    fn commit_only(&self, mut changes: Changes) -> Result<()> {
        let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
        let recorded = changes.stamp(self.store.as_ref())?;
        let stored = self.store.apply(&changes.batch).and_then(|()| {
            if self.durability == Durability::Immediate {
                self.flush()
            } else {
                Ok(())
            }
        });
        match stored {
            Ok(()) => {
                self.reopened.store(false, Ordering::Release);
                self.cache.apply(&changes);
                self.counted(recorded);
                Ok(())
            }
            Err(e) => match self.recover() {
                // The disk may have taken the unit before refusing (a
                // failed sync of a complete write): then it is stored, and
                // the view (reloading from disk) shows it.
                Ok(()) if holds(self.store.as_ref(), &changes.batch)? => {
                    self.counted(recorded);
                    Ok(())
                }
                Ok(()) => Err(failed_commit(e, self.durability, "")),
                Err(_) => Err(failed_commit(
                    e,
                    self.durability,
                    "; the database reopens at its next use",
                )),
            },
        }
    }

    /// Counts a unit of work stored at `recorded`: views pinned before it
    /// read as known before it from now on. Call with the commit lock held.
    fn counted(&self, recorded: crate::event::Recorded) {
        self.last_recorded.store(recorded.0, Ordering::Release);
        self.committed.fetch_add(1, Ordering::AcqRel);
    }

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
        self.reopened.store(true, Ordering::Release);
        self.cache.reset();
        Ok(())
    }

    /// Reopens a store a failed write closed, if it is closed. A store
    /// that reopened after a refused write and has stored nothing since is
    /// tried with a flush first: reopened while the disk was still full,
    /// it may have failed a write of its own meanwhile and keep refusing
    /// every read and write after it; then it opens again (its disk holds
    /// what it held when it reopened, so nothing read since is lost).
    pub(crate) fn ready(&self) -> Result<()> {
        self.same_process()?;
        if self.store.is_open() && !self.reopened.load(Ordering::Acquire) {
            return Ok(());
        }
        let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
        if !self.store.is_open() {
            return self.recover();
        }
        if self.reopened.load(Ordering::Acquire) && self.store.flush().is_err() {
            return self.recover();
        }
        Ok(())
    }

    /// Flushes; a failed flush reopens the store (see [`Engine::recover`]).
    pub(crate) fn flush_or_recover(&self) -> Result<()> {
        self.ready()?;
        let flushed = self.flush();
        if flushed.is_err() {
            let _commit = self.commit.write().unwrap_or_else(PoisonError::into_inner);
            let _ = self.recover();
        }
        flushed
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // `Db::close` of the last handle did the closing, and reported it.
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        // Closing flushes; an error here has no one to go to (call
        // `Db::close` to see it), and the data is as safe as the chosen
        // durability made it. Then the checkpoints worth writing (see
        // `Cache::unsaved`), for the next process to load instead of
        // folding (a fork's child leaves them to its parent).
        if self.flush().is_ok() && self.pid == std::process::id() {
            let _ = self.checkpoint(&self.cache.unsaved(false));
        }
    }
}

/// Marks the store with the current format.
fn mark_format(store: &dyn Store) -> Result<()> {
    let mut batch = Batch::default();
    batch.put(
        Tree::Meta,
        keys::meta::FORMAT.to_vec(),
        vec![FORMAT_VERSION],
    );
    store.apply(&batch)?;
    store.flush()
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
pub(crate) struct WriterSlot {
    engine: Arc<Engine>,
}

impl WriterSlot {
    /// Waits for the slot. A thread that holds it already (a transaction
    /// it has open) would wait for itself forever: that is refused.
    pub(crate) fn acquire(engine: Arc<Engine>) -> Result<WriterSlot> {
        WriterSlot::acquire_for(engine, None)?
            .ok_or_else(|| Error::Internal("the writer slot was not taken".into()))
    }

    /// As [`WriterSlot::acquire`], waiting at most `wait` (`None` if the
    /// slot is still held then).
    pub(crate) fn acquire_for(
        engine: Arc<Engine>,
        wait: Option<std::time::Duration>,
    ) -> Result<Option<WriterSlot>> {
        engine.same_process()?;
        if let Some(origin) = &engine.read_only_of {
            return Err(Error::ReadOnly(format!(
                "this handle is a read-only snapshot of {}: open it without read_only to write",
                origin.display()
            )));
        }
        let me = std::thread::current().id();
        let deadline = wait.map(|w| std::time::Instant::now() + w);
        let mut holder = lock(&engine.writer_busy);
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
                None => engine
                    .writer_free
                    .wait(holder)
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    engine
                        .writer_free
                        .wait_timeout(holder, left)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0
                }
            };
        }
        *holder = Some(me);
        drop(holder);
        Ok(Some(WriterSlot { engine }))
    }
}

impl Drop for WriterSlot {
    fn drop(&mut self) {
        *lock(&self.engine.writer_busy) = None;
        self.engine.writer_free.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
