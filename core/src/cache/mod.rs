//! The in-memory view of current records: folded once from the stored
//! events (only events are stored), kept up to date at every commit, so
//! reads of the present (and of any date after a record's last event) need
//! no disk access and no decoding. It also keeps each record's lookups
//! (status, holder, land use, industry, codes…: see [`Record::lookups`]),
//! built from the records on the first query that needs them, and the
//! lookups its events ever added (every holder a parcel had: see
//! [`Record::history`]), none of them stored: filters are answered from
//! memory. Once a read of the past over many records has needed them, a
//! kind's event runs are held here too, each decoded on first use, so
//! later reads of the past neither touch disk nor decode.
//!
//! A ledger loads from its checkpoint when one matches the stored events
//! (see [`crate::checkpoint`]), the units of work stored after it folded on
//! top; the view writes a ledger's checkpoint when the handle closes and
//! after large units of work.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::changes::Changes;
use crate::checkpoint;
use crate::error::Result;
use crate::record::{self, PerLedger, PerRecord, Record};
use crate::storage::Store;

mod alone;
mod kind;
mod load;
mod runs;
#[cfg(test)]
mod tests;

use alone::{
    load_steps_alone, read_codes_alone, read_records_alone, read_register_alone, CodesAlone,
    KeptAlone, RecordsAlone,
};
pub(crate) use alone::{Alone, RegisterAlone};
use kind::Kind;
use load::{fold_all, load_checkpoint, worth_one_pass};
pub(crate) use runs::{read_runs, Runs};

/// Every kind loaded so far (a kind loads on its first read).
#[derive(Default)]
pub(crate) struct Cache {
    kinds: RwLock<PerLedger<Loaded>>,
    /// The event runs of each kind read as of a past date so far (loaded in
    /// one pass on the first such read, each decoded on first use). No read
    /// of the past goes to disk again, and none decodes a run twice.
    runs: RwLock<PerLedger<LoadedRuns>>,
    /// The spatial index of the current parcels, once a query by shape
    /// needed it; dropped when a unit of work changes parcels.
    spatial: RwLock<Option<Arc<crate::spatial::Index>>>,
    /// The database's policy, once read (a read of the present needs it
    /// for the boundary columns; it must not need the disk).
    policy: RwLock<Option<crate::policy::Policy>>,
    /// Where the database's checkpoints are (a temporary one has none).
    place: Option<checkpoint::Place>,
    /// Per loaded kind: how its view stands against its checkpoint.
    saved: Mutex<BTreeMap<u8, Saved>>,
    /// Per kind that keeps steps and is not loaded: its steps, read alone
    /// from its checkpoint (see [`Cache::steps_alone`]).
    alone: KeptAlone<crate::steps::Steps>,
    /// Per kind that is not loaded: its codes, read alone from its
    /// checkpoint (or none, while it has no events) and kept up to date
    /// by each commit (see [`Cache::codes_alone`]).
    codes: KeptAlone<CodesAlone>,
    /// Per kind that is not loaded: where its checkpoint keeps each
    /// record, for point reads one record at a time (see
    /// [`Cache::record_alone`]), kept up to date by each commit.
    records_alone: KeptAlone<RecordsAlone>,
    /// Per kind: how many of its records units of work folded one by one
    /// from their stored events while it was not loaded (see
    /// [`Cache::worth_loading`]).
    folded_alone: Mutex<BTreeMap<u8, u64>>,
}

/// The fewest records of a kind units of work fold one by one before it
/// is worth loading (see [`Cache::worth_loading`]).
const LOAD_AFTER: u64 = 4096;

/// How a kind's view stands against its checkpoint on disk.
#[derive(Debug, Clone, Copy, Default)]
struct Saved {
    /// The events the checkpoint covers (0: none was usable, or the kind
    /// is not loaded).
    covered: u64,
    /// Events units of work added beyond it.
    since: u64,
    /// Whether the view was loaded from the checkpoint; `None`: the kind
    /// is not loaded (units of work added to it all the same).
    loaded_from_it: Option<bool>,
}

/// A kind's current records, once loaded.
struct Loaded;

impl PerRecord for Loaded {
    type Of<R: Record> = Option<Kind<R>>;
}

/// A kind's event runs, once loaded.
struct LoadedRuns;

impl PerRecord for LoadedRuns {
    type Of<R: Record> = Option<Runs<R::Event>>;
}

impl Drop for Cache {
    /// A province's loaded view holds millions of records, and freeing
    /// them took 7% of a `parkdb export parcels`: they are freed on a
    /// thread of their own, so a closing handle (or a snapshot replaced
    /// under a server's readers) does not wait, and a process that ends
    /// meanwhile simply ends. Freeing memory has no effect to wait for.
    /// A small view (a park's, a database in memory) is freed where it is
    /// dropped: a thread would cost more than the freeing, and a leak
    /// check (the fuzzer's) would count memory freed later on another
    /// thread as lost.
    fn drop(&mut self) {
        if self.is_small() {
            return;
        }
        let kinds = std::mem::take(self.kinds.get_mut().unwrap_or_else(PoisonError::into_inner));
        let runs = std::mem::take(self.runs.get_mut().unwrap_or_else(PoisonError::into_inner));
        let spatial = self
            .spatial
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        // If no thread can be made, the closure, and what it holds, is
        // dropped here instead.
        let _ = std::thread::Builder::new()
            .name("parkdb-free".into())
            .spawn(move || drop((kinds, runs, spatial)));
    }
}

/// Below this many loaded records, and with no runs of events kept, a
/// view is freed where it is dropped (see [`Cache`]'s `drop`).
const FREED_ALONE_FROM: usize = 20_000;

impl Cache {
    /// Whether the view holds fewer than [`FREED_ALONE_FROM`] records and
    /// no runs of events.
    fn is_small(&mut self) -> bool {
        fn records<R: Record>(kinds: &PerLedger<Loaded>) -> usize {
            R::mine(kinds).as_ref().map_or(0, |k| k.records.len())
        }
        fn runs<R: Record>(runs: &PerLedger<LoadedRuns>) -> bool {
            R::mine(runs).is_some()
        }
        use crate::enterprise::Enterprise;
        use crate::fund::{Application, Programme};
        use crate::indicators::Indicator;
        use crate::land::Parcel;
        let kinds = self.kinds.get_mut().unwrap_or_else(PoisonError::into_inner);
        let loaded = records::<Parcel>(kinds)
            + records::<Enterprise>(kinds)
            + records::<Programme>(kinds)
            + records::<Application>(kinds)
            + records::<Indicator>(kinds);
        let all = self.runs.get_mut().unwrap_or_else(PoisonError::into_inner);
        let kept = runs::<Parcel>(all)
            || runs::<Enterprise>(all)
            || runs::<Programme>(all)
            || runs::<Application>(all)
            || runs::<Indicator>(all);
        loaded < FREED_ALONE_FROM && !kept
    }

    /// Sets where the database's checkpoints are.
    pub(crate) fn set_place(&mut self, place: checkpoint::Place) {
        self.place = Some(place);
    }

    /// Where the database's checkpoints are, if it has any.
    pub(crate) fn place(&self) -> Option<&checkpoint::Place> {
        self.place.as_ref()
    }

    /// Loads kind `R`: from its checkpoint if one matches the store, else
    /// by folding every stored event (a checkpoint that cannot be used, or
    /// fails on the way, is ignored: the events decide).
    fn load<R: Record>(&self, store: &dyn Store) -> Result<Kind<R>> {
        if let Some(place) = &self.place {
            if let Ok(opened) = checkpoint::open(place, store, R::KIND) {
                let covered = opened.events;
                if let Ok((kind, since)) = load_checkpoint::<R>(store, opened) {
                    self.saved_mut().insert(
                        R::KIND,
                        Saved {
                            covered,
                            since,
                            loaded_from_it: Some(true),
                        },
                    );
                    return Ok(kind);
                }
            }
        }
        let kind = fold_all::<R>(store)?;
        let since = crate::counts::of_kind(store, R::KIND)?;
        self.saved_mut().insert(
            R::KIND,
            Saved {
                covered: 0,
                since,
                loaded_from_it: Some(false),
            },
        );
        Ok(kind)
    }

    /// Whether kind `kind` is loaded, and if so whether from its checkpoint.
    pub(crate) fn loaded_from_checkpoint(&self, kind: u8) -> Option<bool> {
        self.saved_mut().get(&kind).and_then(|s| s.loaded_from_it)
    }

    fn saved_mut(&self) -> std::sync::MutexGuard<'_, BTreeMap<u8, Saved>> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kinds worth checkpointing. At close (`large` false): the
    /// loaded ones folded without a usable checkpoint, or whose view holds
    /// a tenth more events than their checkpoint covers (a few units of
    /// work since are folded on top at the next load more cheaply than a
    /// province's checkpoint is written again); and those not loaded that
    /// large units of work added to (an import: the closing handle loads
    /// them, so the next process need not fold). After a unit of work
    /// (`large` true): the loaded ones that grew by a large amount, as
    /// much as their checkpoint covers.
    pub(crate) fn unsaved(&self, large: bool) -> Vec<u8> {
        if !self.place.as_ref().is_some_and(checkpoint::Place::writable) {
            return Vec::new();
        }
        self.saved_mut()
            .iter()
            .filter(|(_, s)| {
                let grew = s.since >= checkpoint::LARGE && s.since >= s.covered;
                s.since > 0
                    && match (large, s.loaded_from_it) {
                        (true, None) => false,
                        (false, Some(_)) => {
                            s.covered == 0 || s.since.saturating_mul(10) >= s.covered
                        }
                        (true, Some(_)) | (false, None) => grew,
                    }
            })
            .map(|(kind, _)| *kind)
            .collect()
    }

    /// Writes the checkpoint of kind `R`: from the loaded records, or, if
    /// it is not loaded and its digest is its codes alone, from its stored
    /// events without loading it (else it loads first). Call with the
    /// commit lock held (shared), so the view and the store agree.
    pub(crate) fn save<R: Record>(&self, store: &dyn Store) -> Result<()> {
        let Some(place) = &self.place else {
            return Ok(());
        };
        if R::DIGEST_IS_CODES && self.if_loaded::<R, _>(|_| ()).is_none() {
            // Not loaded (as after an import that only added to it): its
            // checkpoint is written as its stored events fold, and it
            // stays unloaded. What was kept beside it is let go first
            // (read again from the new checkpoint when asked for), to
            // make room for the fold's.
            self.codes.let_go(R::KIND);
            self.alone.let_go(R::KIND);
            self.records_alone.let_go(R::KIND);
            checkpoint::Partial::begin(place, R::KIND)?.finish_folding::<R>(store)?;
        } else {
            self.with::<R, _>(store, |_| ())?;
            // The temporary file first: a crash from here on leaves it.
            let partial = checkpoint::Partial::begin(place, R::KIND)?;
            self.make_steps_again::<R>(store)?;
            let kinds = self.kinds.read().unwrap_or_else(PoisonError::into_inner);
            let Some(kind) = R::mine(&kinds) else {
                return Ok(());
            };
            let records: Vec<&R> = kind.records.values().map(|r| &**r).collect();
            let mut history: checkpoint::History = kind
                .history
                .iter()
                .map(|((family, value), ids)| (*family, value.to_vec(), ids.iter().collect()))
                .collect();
            history.sort_unstable();
            partial.finish(store, &records, &history, &kind.steps)?;
        }
        let covered = crate::counts::of_kind(store, R::KIND)?;
        let mut saved = self.saved_mut();
        let entry = saved.entry(R::KIND).or_default();
        entry.covered = covered;
        entry.since = 0;
        Ok(())
    }

    /// Makes again the steps of the loaded records of kind `R` that units
    /// of work changed (before a checkpoint keeps them): from their
    /// stored events, one entity at a time, or in one pass over the
    /// kind's events when they are many. Call with the commit lock held.
    fn make_steps_again<R: Record>(&self, store: &dyn Store) -> Result<()> {
        if !R::STEPS {
            return Ok(());
        }
        let (unknown, total) = self
            .if_loaded::<R, _>(|k| (k.steps.unknown().clone(), k.records.len()))
            .unwrap_or_default();
        if unknown.is_empty() {
            return Ok(());
        }
        let mut made = Vec::with_capacity(unknown.len());
        if worth_one_pass(unknown.len(), total) {
            record::for_each_stored::<R>(store, &mut |id, events| {
                if unknown.contains(&id) {
                    made.push((id, record::stored_fold_with_steps::<R, _>(id, &events?)?.1));
                }
                Ok(true)
            })?;
        } else {
            for &id in &unknown {
                let events = record::stored_events::<R>(store, id)?;
                made.push((id, record::stored_fold_with_steps::<R, _>(id, &events)?.1));
            }
        }
        let mut kinds = self.kinds.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(kind) = R::mine_mut(&mut kinds) {
            kind.steps.set_many(made);
        }
        Ok(())
    }

    /// Forgets everything loaded: each kind reloads from the store on its
    /// next read (after the store reopened from disk).
    pub(crate) fn reset(&self) {
        *self.kinds.write().unwrap_or_else(PoisonError::into_inner) = PerLedger::default();
        *self.runs.write().unwrap_or_else(PoisonError::into_inner) = PerLedger::default();
        *self.spatial.write().unwrap_or_else(PoisonError::into_inner) = None;
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = None;
        self.saved_mut().clear();
        self.alone.let_go_all();
        self.codes.let_go_all();
        self.records_alone.let_go_all();
        self.folded_alone_mut().clear();
    }

    /// The database's policy, read from the store the first time.
    pub(crate) fn policy(&self, store: &dyn Store) -> Result<crate::policy::Policy> {
        if let Some(p) = &*self.policy.read().unwrap_or_else(PoisonError::into_inner) {
            return Ok(p.clone());
        }
        let p = crate::policy::Policy::stored(store)?;
        *self.policy.write().unwrap_or_else(PoisonError::into_inner) = Some(p.clone());
        Ok(p)
    }

    /// The spatial index of the current parcels, built if needed.
    pub(crate) fn spatial(&self, store: &dyn Store) -> Result<Arc<crate::spatial::Index>> {
        if let Some(index) = &*self.spatial.read().unwrap_or_else(PoisonError::into_inner) {
            return Ok(index.clone());
        }
        let index = Arc::new(self.with::<crate::land::Parcel, _>(store, |k| {
            crate::spatial::Index::build(k.records.values())
        })?);
        *self.spatial.write().unwrap_or_else(PoisonError::into_inner) = Some(index.clone());
        Ok(index)
    }

    /// Record `id` of kind `R` as committed, read alone from its
    /// checkpoint while the kind is not loaded: where the checkpoint keeps
    /// each record is read the first time (24 bytes a record), then each
    /// read is one record's bytes from the file, checked against their
    /// own checksum, where the entity's stored events are a block of 64
    /// entities' runs for sled to find. `None`: this cannot answer (the
    /// kind is loaded, a unit of work touched the entity since the
    /// checkpoint, or no checkpoint serves); the caller folds the
    /// entity's events, as it does when the record's bytes do not check.
    /// Call with the commit lock held (shared).
    pub(crate) fn record_alone<R: Record>(&self, store: &dyn Store, id: u64) -> Option<Alone<R>> {
        if self.if_loaded::<R, _>(|_| ()).is_some() {
            return None;
        }
        let place = self.place.as_ref()?;
        let alone = self
            .records_alone
            .get_or_read(R::KIND, || read_records_alone::<R>(place, store).ok())?;
        match alone.read::<R>(id) {
            Ok(found) => found,
            Err(_) => {
                // Damaged where it was read: never trusted over the
                // events, and not read again.
                self.records_alone.refuse(R::KIND);
                None
            }
        }
    }

    /// The codes of kind `R` while its records are not loaded: read alone
    /// from its checkpoint the first time (a code and an id per record,
    /// sorted, where the records are a million structs to decode and their
    /// lookups a million entries to make), with the entities units of
    /// work stored after it touched folded on top, or none at all while
    /// the kind has no events; kept up to date by each commit until the
    /// records load. `None`: the records are loaded (their lookups serve),
    /// or the kind has events and no checkpoint serves. Call with the
    /// commit lock held (shared), or as the writer.
    pub(crate) fn codes_alone<R: Record>(&self, store: &dyn Store) -> Option<Arc<CodesAlone>> {
        let family = R::CODE?;
        if self.if_loaded::<R, _>(|_| ()).is_some() {
            return None;
        }
        self.codes.get_or_read(R::KIND, || {
            let read = self
                .place
                .as_ref()
                .and_then(|place| read_codes_alone::<R>(place, store).ok());
            read.or_else(|| {
                let none = crate::counts::of_kind(store, R::KIND).ok()? == 0;
                none.then(|| CodesAlone::empty(family))
            })
        })
    }

    /// The id of the record of kind `R` whose unique code (a lookup of
    /// `family`) is `code`, committed: from the codes kept beside the kind
    /// while it is not loaded ([`Cache::codes_alone`]), else from the
    /// loaded records' lookups (loading them if need be). Call with the
    /// commit lock held (shared), or as the writer.
    pub(crate) fn code_owner<R: Record>(
        &self,
        store: &dyn Store,
        family: u8,
        code: &[u8],
    ) -> Result<Option<u64>> {
        if R::CODE == Some(family) {
            if let Some(codes) = self.codes_alone::<R>(store) {
                return Ok(codes.unique(code));
            }
        }
        self.with::<R, _>(store, |m| m.unique(family, code).map(|r| r.id()))
    }

    /// Notes that a unit of work folded a record of kind `R` from its
    /// stored events, the kind not loaded, and says whether to load it
    /// now: once units of work have folded as many of its records one by
    /// one as an eighth of them (at least [`LOAD_AFTER`]), loading them
    /// all is quicker than going on (an import's yearly figures touch
    /// every firm of the register, each read from its block of events).
    pub(crate) fn worth_loading<R: Record>(&self, store: &dyn Store) -> bool {
        let folded = {
            let mut all = self.folded_alone_mut();
            let folded = all.entry(R::KIND).or_default();
            *folded += 1;
            *folded
        };
        folded >= LOAD_AFTER
            && folded % 256 == 0
            && record::Ids::next::<R>(store).is_ok_and(|next| folded >= next / 8)
    }

    fn folded_alone_mut(&self) -> std::sync::MutexGuard<'_, BTreeMap<u8, u64>> {
        self.folded_alone
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The steps of kind `R` while its records are not loaded: read alone
    /// from its checkpoint the first time (a few dozen bytes per state
    /// that changed the land figures, in arrays, where the records are a
    /// million structs to decode), with the entities units of work stored
    /// after it touched folded on top, and kept until a unit of work
    /// changes the kind or its records load. `None`: the records are
    /// loaded (their steps serve), the kind keeps none, or no checkpoint
    /// serves (the caller loads the records, which reports what is
    /// wrong). Call with the commit lock held (shared).
    pub(crate) fn steps_alone<R: Record>(
        &self,
        store: &dyn Store,
    ) -> Option<Arc<crate::steps::Steps>> {
        if !R::STEPS || self.if_loaded::<R, _>(|_| ()).is_some() {
            return None;
        }
        let place = self.place.as_ref()?;
        self.alone
            .get_or_read(R::KIND, || load_steps_alone::<R>(place, store).ok())
    }

    /// A year of the register while its records are not loaded: the
    /// firms' section and the year's figures (if `year`) read alone from its
    /// checkpoint (a few dozen MB for a province, where the records are
    /// 500,000 firms to decode), with the firms units of work stored after
    /// it touched, for the caller to fold. Read afresh each call; `None`:
    /// the records are loaded (they serve), or no checkpoint serves (the
    /// caller loads the records, which reports what is wrong). Call with
    /// the commit lock held (shared).
    pub(crate) fn register_alone(
        &self,
        store: &dyn Store,
        year: Option<i32>,
    ) -> Option<RegisterAlone> {
        use crate::enterprise::Enterprise;
        if self.if_loaded::<Enterprise, _>(|_| ()).is_some() {
            return None;
        }
        read_register_alone(self.place.as_ref()?, store, year).ok()
    }

    /// Runs `f` on the current records of kind `R`, loading them first if needed.
    pub(crate) fn with<R: Record, T>(
        &self,
        store: &dyn Store,
        f: impl FnOnce(&Kind<R>) -> T,
    ) -> Result<T> {
        {
            let kinds = self.kinds.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(kind) = R::mine(&kinds) {
                return Ok(f(kind));
            }
        }
        let mut kinds = self.kinds.write().unwrap_or_else(PoisonError::into_inner);
        let slot = R::mine_mut(&mut kinds);
        if slot.is_none() {
            *slot = Some(self.load::<R>(store)?);
            // The records' own steps and lookups serve from now on, and
            // the count of records folded one by one starts again.
            self.alone.let_go(R::KIND);
            self.codes.let_go(R::KIND);
            self.records_alone.let_go(R::KIND);
            self.folded_alone_mut().remove(&R::KIND);
        }
        let kind = slot
            .as_ref()
            .ok_or_else(|| crate::Error::Internal("a kind just loaded is gone".into()))?;
        Ok(f(kind))
    }

    /// Runs `f` on the current records of kind `R` if they are loaded;
    /// `None` if they are not (a point read then goes to the store).
    pub(crate) fn if_loaded<R: Record, T>(&self, f: impl FnOnce(&Kind<R>) -> T) -> Option<T> {
        let kinds = self.kinds.read().unwrap_or_else(PoisonError::into_inner);
        R::mine(&kinds).as_ref().map(f)
    }

    /// Runs `f` with the event runs of kind `R`, if they are loaded;
    /// `None` if they are not.
    pub(crate) fn with_runs<R: Record, T>(
        &self,
        f: impl FnOnce(&Runs<R::Event>) -> T,
    ) -> Option<T> {
        let runs = self.runs.read().unwrap_or_else(PoisonError::into_inner);
        R::mine(&runs).as_ref().map(f)
    }

    /// Loads every stored event run of kind `R`, in one pass, unless loaded.
    pub(crate) fn load_runs<R: Record>(&self, store: &dyn Store) -> Result<()> {
        let mut runs = self.runs.write().unwrap_or_else(PoisonError::into_inner);
        let slot = R::mine_mut(&mut runs);
        if slot.is_none() {
            // Each half of the ids on a thread of its own; the upper half's
            // runs are placed from the middle id on, so the halves join
            // end to end.
            let limit = record::Ids::next::<R>(store)?;
            let [low, high] = record::Ids::halves(limit);
            let read = |ids: record::Ids| read_runs::<R>(store, ids, limit);
            let (mut loaded, upper) =
                crate::threads::both("reading stored events", || read(low), || read(high))?;
            let mid = usize::try_from(high.from)
                .map_err(|_| crate::Error::Corrupt("entity id out of range".into()))?;
            loaded.by_entity.resize_with(mid, Vec::new);
            loaded.by_entity.extend(upper.by_entity);
            *slot = Some(loaded);
        }
        Ok(())
    }

    /// Brings the loaded event runs up to date with the runs a committed
    /// unit of work wrote, and the loaded kinds with the records it changed
    /// and the lookups its events added for good.
    pub(crate) fn apply(&self, changes: &Changes) {
        if let Some(policy) = crate::policy::Policy::in_batch(&changes.batch) {
            // A policy that cannot be decoded is read again from the store.
            *self.policy.write().unwrap_or_else(PoisonError::into_inner) = policy.ok();
        }
        if !crate::land::Parcel::mine(&changes.records).is_empty() {
            *self.spatial.write().unwrap_or_else(PoisonError::into_inner) = None;
        }
        self.apply_kind::<crate::land::Parcel>(changes);
        self.apply_kind::<crate::enterprise::Enterprise>(changes);
        self.apply_kind::<crate::fund::Programme>(changes);
        self.apply_kind::<crate::fund::Application>(changes);
        self.apply_kind::<crate::indicators::Indicator>(changes);
    }

    /// [`Cache::apply`] for the records of one kind.
    fn apply_kind<R: Record>(&self, changes: &Changes) {
        {
            let mut runs = self.runs.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(loaded) = R::mine_mut(&mut runs) {
                for run in changes.runs.iter().filter(|r| r.kind == R::KIND) {
                    loaded.insert(run.entity, run.first, &run.bytes);
                }
            }
        }
        let added: u64 = changes
            .runs
            .iter()
            .filter(|r| r.kind == R::KIND)
            .map(|r| r.count)
            .sum();
        if added > 0 {
            self.saved_mut().entry(R::KIND).or_default().since += added;
        }
        if added > 0 || !R::mine(&changes.records).is_empty() {
            self.alone.let_go(R::KIND);
            // The codes and where the records are are kept up to date,
            // not read again: an import adds to a kind it does not load.
            self.codes
                .update(R::KIND, |codes| codes.apply::<R>(changes));
            self.records_alone
                .update(R::KIND, |records| records.apply::<R>(changes));
        }
        let mut kinds = self.kinds.write().unwrap_or_else(PoisonError::into_inner);
        let Some(kind) = R::mine_mut(&mut kinds) else {
            return;
        };
        for (id, record) in R::mine(&changes.records) {
            kind.insert(*id, record.clone());
            if R::STEPS {
                kind.steps.forget(*id);
            }
        }
        for lookup in changes.lookups.iter().filter(|l| l.kind == R::KIND) {
            kind.add_history((lookup.family, lookup.value.clone()), lookup.entity);
        }
    }
}
