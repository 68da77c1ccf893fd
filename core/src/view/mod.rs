//! Reads under a horizon: now, as of a date, as known at a time. This
//! module holds the engine of reads (one record, every record, a fold of
//! events under the horizon, lookups); each ledger's queries live beside
//! it: `land.rs`, `enterprise.rs`, `fund.rs`.

mod enterprise;
mod fund;
mod land;
mod money;

pub use enterprise::EnterpriseFilter;
pub(crate) use enterprise::RegisterYear;
pub use fund::ApplicationFilter;
pub(crate) use land::buildings_of;
pub use land::{BuildingRow, ParcelFilter, Spatial};
pub(crate) use money::finance_of;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Datelike as _;
use chrono::{DateTime, NaiveDate, Utc};

use crate::engine::Engine;
use crate::enterprise::{Enterprise, EnterpriseEvent, EnterpriseId, EnterpriseStatus};
use crate::error::{Error, Result};
use crate::event::{Body, Event, EventId, Horizon, Recorded};
use crate::fund::{
    Application, ApplicationEvent, ApplicationId, ApplicationStatus, BatchTotals, Overdue,
    Programme, ProgrammeBudget, ProgrammeId,
};
use crate::geometry::{Boundary, Crs, Region};
use crate::indicators::Indicator;
use crate::land::{LandSummary, LandUse, Parcel, ParcelEvent, ParcelId, ParcelStatus};
use crate::record::{self, Record};
use crate::storage::keys;
use crate::units::Yuan;

/// One event in an entity's history, with the void that superseded it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry<B> {
    /// The event.
    pub event: Event<B>,
    /// The void event that supersedes this one, if any (as known under the horizon).
    pub voided_by: Option<EventId>,
}

/// An entity's id, unique code (if it has one) and events.
pub(crate) type EntityHistory<B> = (u64, Option<String>, Vec<HistoryEntry<B>>);

/// Enterprises by id, for the names a table shows beside ids.
pub type Names = std::collections::HashMap<crate::enterprise::EnterpriseId, Arc<Enterprise>>;

/// Enterprises' names by id, as a table shows them beside ids: [`Names`],
/// or what a read found (see `View::names_of`).
pub trait NameOf: Sync {
    /// The name of `id`, if known.
    fn name_of(&self, id: EnterpriseId) -> Option<&str>;
}

impl NameOf for Names {
    fn name_of(&self, id: EnterpriseId) -> Option<&str> {
        self.get(&id).map(|e| e.name.as_str())
    }
}

/// The names a read found: from the records, or from the firms' section
/// of the register's checkpoint read alone (the names copied into one text,
/// each a range of it: checked as text once, not at each row that shows
/// it) with the firms it cannot answer for folded.
#[derive(Default)]
pub(crate) struct FirmNames {
    records: Names,
    text: String,
    at: std::collections::HashMap<
        EnterpriseId,
        std::ops::Range<usize>,
        foldhash::fast::RandomState,
    >,
}

impl NameOf for FirmNames {
    fn name_of(&self, id: EnterpriseId) -> Option<&str> {
        match self.at.get(&id) {
            Some(range) => self.text.get(range.clone()),
            None => self.records.name_of(id),
        }
    }
}

/// A read of the database under a [`Horizon`]. Made by [`Db::now`](crate::Db::now),
/// [`Db::as_of`](crate::Db::as_of) and [`Db::as_known_at`](crate::Db::as_known_at); each can be narrowed further.
///
/// A `View` is a snapshot: every read through it sees the units of work
/// committed before it was made and none committed after, however long it
/// is kept, as a read transaction of redb or `SQLite` does. It holds no lock:
/// writers go on meanwhile, and once one has committed, the `View`'s reads
/// are made as the database knew it at the last commit it saw
/// (`as_known_at` of that moment, which a unit's recorded time, taken at
/// its commit, makes exact), folding events rather than reading the
/// in-memory view. Keep a `View` for what must agree with itself (a
/// report, a page, an export); make a new one (`db.now()`) to see newer
/// writes.
#[derive(Clone, Copy)]
pub struct View<'a> {
    engine: &'a Engine,
    horizon: Horizon,
    /// The units of work it sees (`None` once pinned into its horizon).
    pin: Option<crate::engine::Pin>,
}

/// What the in-memory view says of a record under a horizon
/// ([`View::in_memory`]).
enum InMemory<R> {
    /// The record as it stood (`None`: it did not exist yet).
    Serves(Option<Arc<R>>),
    /// Memory does not serve: fold the entity's events.
    Fold,
}

/// The ids a scan reads together are whole blocks of this many, as the
/// events are stored ([`View::stored_runs`]).
pub(crate) const SCAN_BLOCK: u64 = 1 << crate::storage::keys::BLOCK_BITS;

impl<'a> View<'a> {
    pub(crate) fn new(engine: &'a Engine, horizon: Horizon) -> View<'a> {
        View {
            engine,
            horizon,
            pin: Some(engine.pin()),
        }
    }

    /// Runs a read as this view's snapshot: on the in-memory view when no
    /// unit of work committed since the view was made (checked again after
    /// the read, which a commit in the middle may have changed), else as
    /// known at the last unit it saw.
    pub(crate) fn consistently<T>(&self, read: impl Fn(&View<'a>) -> Result<T>) -> Result<T> {
        let Some(pin) = self.pin.filter(|_| self.horizon.known_at.is_none()) else {
            return read(self);
        };
        if self.engine.pinned().committed == pin.committed {
            let out = read(self)?;
            if self.engine.pin().committed == pin.committed {
                return Ok(out);
            }
        }
        let then = View {
            engine: self.engine,
            horizon: Horizon {
                known_at: Some(pin.recorded.unwrap_or(Recorded(i64::MIN))),
                ..self.horizon
            },
            pin: None,
        };
        read(&then)
    }

    /// The same read, as of the end of `date`.
    #[must_use]
    pub fn as_of(self, date: NaiveDate) -> View<'a> {
        View {
            horizon: Horizon {
                as_of: Some(date),
                ..self.horizon
            },
            ..self
        }
    }

    /// The same read, as the database knew it at `time`.
    #[must_use]
    pub fn known_at(self, time: DateTime<Utc>) -> View<'a> {
        View {
            horizon: Horizon {
                known_at: Some(Recorded::from_datetime(time)),
                ..self.horizon
            },
            ..self
        }
    }

    /// One record under the horizon, with the read guard held.
    pub(crate) fn one_record<R: Record + Dated>(&self, id: u64) -> Result<Option<R>> {
        let _read = self.engine.read_guard();
        self.one::<R>(id)
    }

    /// The enterprises `ids` names, as they stood under this horizon (for
    /// the names tables show): from the in-memory view in one pass where
    /// it holds them as they stood; while the register is not loaded,
    /// from the firms' section of its checkpoint read alone (a table of
    /// parcels in a new process needs its holders' names, not 500,000
    /// firms decoded).
    pub(crate) fn names_of(
        &self,
        ids: impl IntoIterator<Item = EnterpriseId>,
    ) -> Result<FirmNames> {
        let _read = self.engine.read_guard();
        // Sorted and without repeats: one lookup per enterprise, in key order.
        let mut ids: Vec<EnterpriseId> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut names = FirmNames::default();
        let mut stale = Vec::new();
        if self.horizon.known_at.is_some() {
            stale = ids;
        } else if !self.names_alone(&ids, &mut names, &mut stale) {
            self.engine.cache.with::<Enterprise, _>(self.store(), |m| {
                for id in ids {
                    match m.records.get(&id.0) {
                        Some(e) if self.current_serves(e.last_event) => {
                            names.records.insert(id, e.clone());
                        }
                        Some(_) => stale.push(id),
                        None => {}
                    }
                }
            })?;
        }
        for id in stale {
            if let Some(e) = self.one_shared::<Enterprise>(id.0)? {
                names.records.insert(id, e);
            }
        }
        Ok(names)
    }

    /// [`View::names_of`] from the register's checkpoint alone: whether it
    /// served (the register not loaded, a checkpoint that matches and
    /// reads back whole). The ids it cannot answer for go to `stale`.
    fn names_alone(
        &self,
        ids: &[EnterpriseId],
        names: &mut FirmNames,
        stale: &mut Vec<EnterpriseId>,
    ) -> bool {
        let Some(read) = self.engine.cache.register_alone(self.store(), None) else {
            return false;
        };
        let touched: BTreeSet<u64> = read.touched.iter().copied().collect();
        let mut wanted = ids.iter().peekable();
        let mut found = Vec::new();
        let listed = crate::enterprise::digest::firms(&read.firms, &mut |f| {
            while let Some(id) = wanted.next_if(|id| id.0 < f.id) {
                found.push((*id, None));
            }
            if wanted.next_if(|id| id.0 == f.id).is_some() {
                let serves = !touched.contains(&f.id) && self.current_serves(f.latest);
                let at = serves.then(|| {
                    names.text.push_str(f.name);
                    names.text.len() - f.name.len()..names.text.len()
                });
                found.push((EnterpriseId(f.id), at));
            }
            Ok(())
        });
        if listed.is_err() {
            names.text.clear();
            return false;
        }
        for (id, at) in found.into_iter().chain(wanted.map(|id| (*id, None))) {
            match at {
                Some(at) => {
                    names.at.insert(id, at);
                }
                None => stale.push(id),
            }
        }
        true
    }

    /// Every record of a kind under the horizon, with the read guard held.
    pub(crate) fn all_records<R: Record + Dated>(&self) -> Result<Vec<R>> {
        let _read = self.engine.read_guard();
        self.all::<R>()
    }

    /// The horizon of this read.
    #[must_use]
    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    /// The date figures are derived for: `as_of`, or today (UTC).
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        self.horizon
            .as_of
            .unwrap_or_else(|| Utc::now().date_naive())
    }

    /// The latest year the work report has figures for, no later than this
    /// view's date: that of the latest event on the land ledger or the
    /// fund, or the latest year a firm reported figures for. A firm's
    /// dated register entries (a lease that begins next January) are not
    /// a year of figures. `None` for a database with none. The year a
    /// dashboard opens on.
    ///
    /// # Errors
    /// Storage errors.
    pub fn latest_year_with_data(&self) -> Result<Option<i32>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            let limit = v.date().year();
            let parcels = v.all_shared::<Parcel>()?;
            let firms = v.all_shared::<Enterprise>()?;
            let apps = v.all_shared::<Application>()?;
            let latest = parcels
                .iter()
                .map(|p| p.last_event().min(v.date()).year())
                .chain(apps.iter().map(|a| a.last_event().min(v.date()).year()))
                .chain(
                    firms
                        .iter()
                        .filter_map(|e| e.yearly.years().next_back())
                        .map(|y| y.min(limit)),
                )
                .max();
            Ok(latest)
        })
    }

    /// The latest date an event in force speaks of, in any ledger, no
    /// later than this view's date; `None` for an empty database.
    ///
    /// # Errors
    /// Storage errors.
    pub fn latest_date(&self) -> Result<Option<NaiveDate>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            let parcels = v.all_shared::<Parcel>()?;
            let firms = v.all_shared::<Enterprise>()?;
            let apps = v.all_shared::<Application>()?;
            let latest = parcels
                .iter()
                .map(|p| p.last_event())
                .chain(firms.iter().map(|e| e.last_event()))
                .chain(apps.iter().map(|a| a.last_event()))
                .max();
            Ok(latest.map(|d| d.min(v.date())))
        })
    }

    fn store(&self) -> &dyn crate::storage::Store {
        self.engine.store.as_ref()
    }

    /// Where each event of a history came from, in its order (see
    /// [`crate::Origin`]): for [`crate::tables::history_with_origins_batch`].
    ///
    /// # Errors
    /// Storage errors; a damaged source is [`Error::Corrupt`].
    pub fn origins<B>(&self, entries: &[HistoryEntry<B>]) -> Result<Vec<crate::Origin>> {
        let mut unit: Option<crate::provenance::UnitSource> = None;
        let mut out = Vec::with_capacity(entries.len());
        for h in entries {
            let id = h.event.id.0;
            if !unit.as_ref().is_some_and(|u| u.first <= id && id <= u.last) {
                unit = crate::provenance::unit_of(self.store(), id)?;
            }
            out.push(
                unit.as_ref()
                    .map_or(crate::Origin::UNKNOWN, |u| u.origin(id)),
            );
        }
        Ok(out)
    }

    /// Where event `id` came from.
    pub(crate) fn origin(&self, id: EventId) -> Result<crate::Origin> {
        crate::provenance::origin_of(self.store(), id.0)
    }

    /// Every stored unit of work's source, for a table of many events.
    pub(crate) fn sources(&self) -> Result<crate::provenance::Sources> {
        crate::provenance::Sources::read(self.store())
    }

    /// An entity's events: from the in-memory runs of its kind once a read
    /// of many records' past has loaded them, else from disk.
    fn events<R: Record>(&self, id: u64) -> Result<Vec<Event<R::Event>>> {
        if let Some(events) = self.engine.cache.with_runs::<R, _>(|runs| {
            let mut out = Vec::new();
            for run in runs.of(id) {
                out.extend(run.events()?.iter().cloned());
            }
            Ok(out)
        }) {
            return events;
        }
        record::stored_events::<R>(self.store(), id)
    }

    /// Folds records whose current state is later than this view's date,
    /// loading their kind's event runs into memory when there are many.
    fn fold_stale<R: Record + Dated>(
        &self,
        stale: &[u64],
        f: &mut dyn FnMut(R) -> Result<()>,
    ) -> Result<()> {
        if stale.len() > STALE_IN_MEMORY {
            self.engine.cache.load_runs::<R>(self.store())?;
        }
        // A chunk of ids at a time, `f` called outside any lock (it may read
        // more); many chunks are folded on two threads.
        let chunks: Vec<&[u64]> = stale.chunks(1024).collect();
        if chunks.len() < 4 {
            for chunk in chunks {
                for r in self.fold_chunk::<R>(chunk)? {
                    f(r)?;
                }
            }
            return Ok(());
        }
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Vec<R>>>(4);
        std::thread::scope(|s| {
            let odd = &chunks;
            s.spawn(move || {
                for chunk in odd.iter().skip(1).step_by(2) {
                    let folded = self.fold_chunk::<R>(chunk);
                    let failed = folded.is_err();
                    // A closed channel: this thread's reader has stopped.
                    if send.send(folded).is_err() || failed {
                        break;
                    }
                }
            });
            // Returning early drops `receive`, which ends the other thread.
            for chunk in chunks.iter().step_by(2) {
                for r in self.fold_chunk::<R>(chunk)? {
                    f(r)?;
                }
                if let Ok(folded) = receive.recv() {
                    for r in folded? {
                        f(r)?;
                    }
                }
            }
            for folded in receive {
                for r in folded? {
                    f(r)?;
                }
            }
            Ok(())
        })
    }

    /// Folds a chunk of records as of this view's horizon: from their
    /// kind's runs in memory, under one lock, else from disk.
    fn fold_chunk<R: Record + Dated>(&self, chunk: &[u64]) -> Result<Vec<R>> {
        let in_memory = self.engine.cache.with_runs::<R, _>(|runs| {
            let mut out = Vec::with_capacity(chunk.len());
            for id in chunk {
                let folded = match runs.of(*id) {
                    [run] => record::stored_fold::<R, _>(*id, run.events()?, &self.horizon)?,
                    several => {
                        let mut events: Vec<&Event<R::Event>> = Vec::new();
                        for run in several {
                            events.extend(run.events()?);
                        }
                        record::stored_fold::<R, _>(*id, &events, &self.horizon)?
                    }
                };
                out.extend(folded);
            }
            Ok::<_, Error>(out)
        });
        if let Some(folded) = in_memory {
            return folded;
        }
        let mut out = Vec::with_capacity(chunk.len());
        for id in chunk {
            out.extend(record::stored_fold::<R, _>(
                *id,
                &self.events::<R>(*id)?,
                &self.horizon,
            )?);
        }
        Ok(out)
    }

    /// The stored current state serves when nothing in force is later than
    /// `as_of` and nothing recorded is hidden.
    fn current_serves(&self, last_event: NaiveDate) -> bool {
        self.horizon.known_at.is_none() && self.horizon.as_of.is_none_or(|d| last_event <= d)
    }

    /// Whether a record cannot have existed as of this view's date.
    fn not_yet<R: Dated>(&self, r: &R) -> bool {
        self.horizon.as_of.is_some_and(|d| d < r.exists_from())
    }

    fn one<R: Record + Dated>(&self, id: u64) -> Result<Option<R>> {
        Ok(self.one_shared::<R>(id)?.map(|r| (*r).clone()))
    }

    /// A record under this horizon, shared with the in-memory view when it
    /// holds it as it stood.
    fn one_shared<R: Record + Dated>(&self, id: u64) -> Result<Option<Arc<R>>> {
        match self.in_memory::<R>(id) {
            InMemory::Serves(record) => Ok(record),
            InMemory::Fold => {
                Ok(
                    record::stored_fold::<R, _>(id, &self.events::<R>(id)?, &self.horizon)?
                        .map(Arc::new),
                )
            }
        }
    }

    /// A record as this horizon sees it, from what is held in memory (the
    /// loaded kind, or the one record from the checkpoint), when that
    /// serves.
    fn in_memory<R: Record + Dated>(&self, id: u64) -> InMemory<R> {
        if self.horizon.known_at.is_some() {
            return InMemory::Fold;
        }
        // Point reads do not load a kind into memory: until a wider read
        // has, they read the one record from the checkpoint, or fold the
        // one entity's stored events.
        let held = match self
            .engine
            .cache
            .if_loaded::<R, _>(|m| m.records.get(&id).cloned())
        {
            Some(held) => Some(held),
            None => self
                .engine
                .cache
                .record_alone::<R>(self.store(), id)
                .map(|r| r.held().map(Arc::new)),
        };
        let Some(current) = held else {
            return InMemory::Fold;
        };
        let Some(current) = current else {
            return InMemory::Serves(None);
        };
        if self.current_serves(current.last_event()) {
            return InMemory::Serves(Some(current));
        }
        if self.not_yet(&*current) {
            return InMemory::Serves(None);
        }
        InMemory::Fold
    }

    /// Visits every record under this horizon without copying the ones the
    /// in-memory view holds as they are.
    pub(crate) fn visit<R: Record + Dated>(
        &self,
        f: &mut dyn FnMut(&R) -> Result<()>,
    ) -> Result<()> {
        if self.horizon.known_at.is_some() {
            for r in self.all::<R>()? {
                f(&r)?;
            }
            return Ok(());
        }
        let _read = self.engine.read_guard();
        let mut stale = Vec::new();
        self.engine
            .cache
            .with::<R, _>(self.store(), |m| -> Result<()> {
                for (id, r) in &m.records {
                    if self.current_serves(r.last_event()) {
                        f(r)?;
                    } else if !self.not_yet(&**r) {
                        stale.push(*id);
                    }
                }
                Ok(())
            })??;
        self.fold_stale::<R>(&stale, &mut |r| f(&r))
    }

    fn all<R: Record + Dated>(&self) -> Result<Vec<R>> {
        Ok(self
            .all_shared::<R>()?
            .into_iter()
            .map(Arc::unwrap_or_clone)
            .collect())
    }

    /// Every record under this horizon, by id, shared with the in-memory
    /// view where it holds them as they stood.
    pub(crate) fn all_shared<R: Record + Dated>(&self) -> Result<Vec<Arc<R>>> {
        if self.horizon.known_at.is_none() {
            let mut out = Vec::new();
            let mut stale = Vec::new();
            self.engine.cache.with::<R, _>(self.store(), |m| {
                out.reserve(m.records.len());
                for (id, r) in &m.records {
                    if self.current_serves(r.last_event()) {
                        out.push(r.clone());
                    } else if !self.not_yet(&**r) {
                        stale.push(*id);
                    }
                }
            })?;
            self.fold_stale::<R>(&stale, &mut |r| {
                out.push(Arc::new(r));
                Ok(())
            })?;
            // The records come in id order; those folded again go in theirs.
            if !stale.is_empty() {
                out.sort_by_key(|r| r.id());
            }
            return Ok(out);
        }
        let mut out = Vec::new();
        record::for_each_stored::<R>(self.store(), &mut |id, events| {
            if let Some(r) = record::stored_fold::<R, _>(id, &events?, &self.horizon)? {
                out.push(Arc::new(r));
            }
            Ok(true)
        })?;
        Ok(out)
    }

    /// An entity's events as known under the horizon, in valid-date order
    /// (events of one date as recorded): history entered late in its place.
    fn history_of<R: Record>(&self, id: u64) -> Result<Vec<HistoryEntry<R::Event>>> {
        self.history_from::<R>(id, self.events::<R>(id)?)
    }

    /// The history made of `events`, entity `id`'s as this view knows it.
    fn history_from<R: Record>(
        &self,
        id: u64,
        events: Vec<Event<R::Event>>,
    ) -> Result<Vec<HistoryEntry<R::Event>>> {
        let mut events: Vec<Event<R::Event>> = events
            .into_iter()
            .filter(|e| self.horizon.known_at.is_none_or(|t| e.recorded <= t))
            .collect();
        if !events.is_sorted_by_key(|e| (e.valid, e.id)) {
            events.sort_by_key(|e| (e.valid, e.id));
        }
        if events.is_empty() {
            return Err(Error::not_found(R::ENTITY, R::display_id(id)));
        }
        let voids: Vec<(EventId, EventId)> = events
            .iter()
            .filter_map(|e| match &e.body {
                Body::Void { target, .. } => Some((*target, e.id)),
                Body::Domain(_) => None,
            })
            .collect();
        Ok(events
            .into_iter()
            .map(|event| HistoryEntry {
                voided_by: voids.iter().find(|(t, _)| *t == event.id).map(|(_, v)| *v),
                event,
            })
            .collect())
    }

    /// Runs `scan` with the commit lock held (shared), handing it kind
    /// `R`'s next id: a scan reads ids `1..next` a block at a time
    /// ([`View::stored_runs`], [`View::entity_history`]), on this thread or
    /// on others that `scan` waits for.
    pub(crate) fn scanning<R: Record, T>(&self, scan: impl FnOnce(u64) -> Result<T>) -> Result<T> {
        let _read = self.engine.read_guard();
        let next = record::Ids::next::<R>(self.store())?;
        scan(next)
    }

    /// The stored event runs of kind `R`'s entities `from..until` (both
    /// multiples of [`SCAN_BLOCK`]), read for a scan
    /// and not kept: a province's ten million events are never all held.
    pub(crate) fn stored_runs<R: Record>(
        &self,
        from: u64,
        until: u64,
        next: u64,
    ) -> Result<crate::cache::Runs<R::Event>> {
        let ids = record::Ids {
            from,
            until: Some(until),
        };
        crate::cache::read_runs::<R>(self.store(), ids, next)
    }

    /// Entity `id` of kind `R` with its events (from `runs`, read from
    /// `from` on) and its code; `None` when nothing of it was known yet.
    pub(crate) fn entity_history<R: Record + Dated>(
        &self,
        id: u64,
        runs: &crate::cache::Runs<R::Event>,
        from: u64,
    ) -> Result<Option<EntityHistory<R::Event>>> {
        let mut events = Vec::new();
        for run in runs.of(id.saturating_sub(from)) {
            run.decode_into(&mut events)?;
        }
        // The record for its code: from memory, else folded from the
        // events at hand (not read from the store a second time).
        let record = match self.in_memory::<R>(id) {
            InMemory::Serves(record) => record,
            InMemory::Fold => {
                record::stored_fold::<R, _>(id, &events, &self.horizon)?.map(Arc::new)
            }
        };
        let code = record.and_then(|r| {
            r.code()
                .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        });
        let history = match self.history_from::<R>(id, events) {
            Ok(history) => history,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some((id, code, history)))
    }

    /// The id of the record whose unique code (a lookup of `family`) is `code`.
    pub(crate) fn unique_id<R: Record + Send + Sync + 'static>(
        &self,
        family: u8,
        code: &str,
    ) -> Result<Option<u64>> {
        // Before the records load, the codes read alone from the
        // checkpoint serve: a lookup by code in a new process need not
        // load a million records.
        let code = crate::text::lookup(code);
        self.engine
            .cache
            .code_owner::<R>(self.store(), family, code.as_bytes())
    }

    /// The ids whose in-memory lookup of `family` is `value`.
    fn lookup<R: Record + Send + Sync + 'static>(
        &self,
        family: u8,
        value: &[u8],
    ) -> Result<BTreeSet<u64>> {
        self.engine
            .cache
            .with::<R, _>(self.store(), |m| m.ids(family, value))
    }
}

impl View<'_> {}

/// More records than this to fold as of a past date load their kind's
/// event runs into memory (one pass over the stored events) first.
const STALE_IN_MEMORY: usize = 256;

/// The ids that index lookups leave, or `None` (no filter: every record).
#[derive(Default)]
struct Candidates(Option<BTreeSet<u64>>);

impl Candidates {
    /// Keeps only the ids also in `ids`.
    fn narrow(&mut self, ids: BTreeSet<u64>) {
        self.0 = Some(match self.0.take() {
            Some(c) => c.intersection(&ids).copied().collect(),
            None => ids,
        });
    }

    /// The records under the view's horizon: the candidates, or all.
    fn load<R: Record + Dated>(self, view: &View<'_>) -> Result<Vec<Arc<R>>> {
        match self.0 {
            Some(ids) => {
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    if let Some(r) = view.one_shared::<R>(id)? {
                        out.push(r);
                    }
                }
                Ok(out)
            }
            None => view.all_shared::<R>(),
        }
    }
}

/// Records that know the date of their latest event in force.
pub(crate) trait Dated {
    fn last_event(&self) -> NaiveDate;
    /// No state of the record exists as of a date before this one (its
    /// first event is not valid earlier): a read of such a date need not
    /// fold its events.
    fn exists_from(&self) -> NaiveDate {
        NaiveDate::MIN
    }
}

/// Every record kind keeps the date of its latest event in force.
macro_rules! dated {
    ($($t:ty),*) => {
        $(impl Dated for $t {
            fn last_event(&self) -> NaiveDate {
                self.last_event
            }
        })*
    };
}

dated!(Enterprise, Indicator, Programme, Application);

impl Dated for Parcel {
    fn last_event(&self) -> NaiveDate {
        self.latest_any()
    }

    /// A parcel begins with its requisition (a split's children inherit
    /// their parent's date, earlier than the split that creates them).
    fn exists_from(&self) -> NaiveDate {
        self.requisitioned
    }
}
