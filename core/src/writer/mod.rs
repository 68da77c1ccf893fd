//! A unit of work: reads through its own pending writes, and commits them
//! all at once (see [`crate::Db::write`]). The write methods of each ledger
//! live beside it: `land_writes.rs`, `enterprise_writes.rs`, `fund_writes.rs`.

mod building_writes;
mod compliance_writes;
mod enterprise_writes;
mod fund_writes;
mod indicator_writes;
mod land_writes;
mod money_writes;
mod pending;

/// The work a unit of work does reading back what it holds: the runs of
/// events and the records it visits to answer its own reads. Counted in
/// tests only (a thread's count), so that a test can show an import's
/// work per row the same at any size without timing it.
pub(crate) mod work {
    #[cfg(test)]
    thread_local! {
        static VISITED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// `n` runs or records visited.
    #[inline]
    pub(crate) fn visited(n: usize) {
        #[cfg(test)]
        VISITED.with(|v| v.set(v.get() + n as u64));
        #[cfg(not(test))]
        let _ = n;
    }

    /// What this thread has visited so far (read by the import's tests).
    #[cfg(all(test, feature = "ledgers"))]
    pub(crate) fn so_far() -> u64 {
        VISITED.with(std::cell::Cell::get)
    }
}

pub use fund_writes::Award;
pub use money_writes::Account;
use pending::Pending;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::changes::{Changes, Lookup, PendingRun};
use crate::engine::{Engine, Policy};
use crate::enterprise::{
    self, check_credit_code, check_credit_code_shape, Enterprise, EnterpriseEvent, EnterpriseId,
    NewEnterprise,
};
use crate::error::{Entity, Error, Refusal, Result, Rule};
use crate::event::{Body, Event, EventId, Recorded};
use crate::fund::{Application, Programme};
use crate::geometry::{Boundary, Crs, Outline};
use crate::indicators::Indicator;
use crate::land::{self, Contract, LandUse, Mortgage, Parcel, ParcelEvent, ParcelId, SupplyMethod};
use crate::record::{self, Record};
use crate::storage::{codec, keys, Store, Tree};
use crate::units::{Mu, Yuan};

/// Upper bound of one parcel's area: 10⁸ 亩, more than any province's land.
pub(crate) const MAX_PARCEL_AREA: Mu = Mu::from_millionths(100_000_000 * Mu::SCALE);

/// A new parcel, entering the reserve by requisition (征地).
#[derive(Debug, Clone)]
pub struct NewParcel {
    /// 地块编号, unique in the database.
    pub code: String,
    /// The registered area, exact.
    pub area: Mu,
    /// The land use (用途).
    pub land_use: LandUse,
    /// 征地: the day the zone acquired it.
    pub requisitioned: NaiveDate,
    /// Where it is (坐落).
    pub location: Option<String>,
    /// The boundary (界址), if surveyed; in the database's default
    /// coordinate system unless it names its own.
    pub boundary: Option<Outline>,
}

/// One part of a split (分宗): its code, registered area and, if
/// surveyed, its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitPart {
    /// The part's 地块编号.
    pub code: String,
    /// The part's registered area.
    pub area: Mu,
    /// The part's boundary, if surveyed.
    pub boundary: Option<Outline>,
}

impl SplitPart {
    /// A part with code and area, no boundary.
    #[must_use]
    pub fn new(code: impl Into<String>, area: Mu) -> SplitPart {
        SplitPart {
            code: code.into(),
            area,
            boundary: None,
        }
    }
}

impl NewParcel {
    /// A parcel with code, area, use and requisition date.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        area: Mu,
        land_use: LandUse,
        requisitioned: NaiveDate,
    ) -> NewParcel {
        NewParcel {
            code: code.into(),
            area,
            land_use,
            requisitioned,
            location: None,
            boundary: None,
        }
    }
}

/// The terms of an allocation (出让/划拨) for [`Writer::allocate`].
#[derive(Debug, Clone)]
pub struct Allocation {
    /// The firm it is supplied to.
    pub holder: EnterpriseId,
    /// The day of the supply.
    pub date: NaiveDate,
    /// How it is supplied (出让 by 招标, 拍卖, 挂牌 or agreement, 划拨).
    pub method: SupplyMethod,
    /// The land price.
    pub price: Yuan,
    /// The agreed construction start (约定动工日期); idle status runs from it.
    pub start_by: Option<NaiveDate>,
    /// The agreed completion (约定竣工日期).
    pub complete_by: Option<NaiveDate>,
}

/// A point in a unit of work to roll back to (see [`Writer::savepoint`]).
#[must_use = "a savepoint is released or rolled back"]
pub struct Savepoint {
    point: pending::Savepoint,
    depth: usize,
}

/// One unit of work: its writes are seen by its own reads and stored
/// together at commit. Obtained from [`crate::Db::write`] or [`crate::Db::begin`].
pub struct Writer {
    engine: Arc<Engine>,
    /// When the unit began: the day a void or a dateless write takes as
    /// today. Its events are recorded when it commits
    /// ([`crate::changes::Changes::stamp`]), the moment readers see them.
    began: Recorded,
    /// Everything written and not yet committed: runs of events (stored at
    /// commit a block of entities to a value, indexed together under the
    /// unit's first event id), new states, counters, codes, lookups.
    pending: Pending,
    /// Whether a domain event the entity already has in force (the same
    /// event on the same date, stored before this unit) is taken as known
    /// and not written again: how a ledger imported again adds only what
    /// is new ([`Writer::merging`]).
    merging: bool,
    /// Where its events come from (stored with them at commit).
    source: crate::provenance::Tracking,
}

impl Writer {
    /// A unit of work on `engine`, its events written `by` someone (else
    /// by the system's user).
    pub(crate) fn begin(engine: Arc<Engine>, by: Option<Arc<str>>) -> Result<Writer> {
        let policy = Policy::stored(engine.store.as_ref())?;
        Ok(Writer {
            engine,
            began: Recorded::from_datetime(Utc::now()),
            pending: Pending::new(policy),
            merging: false,
            source: crate::provenance::Tracking::api(by),
        })
    }

    fn engine(&self) -> &dyn Store {
        self.engine.store.as_ref()
    }

    // ---- reads through pending writes ----

    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.pending.get(tree, key) {
            Some(v) => Ok(v.clone()),
            None => self.engine().get(tree, key),
        }
    }

    /// The next id of a counter; the counters this unit moved are stored
    /// at commit ([`Writer::finish`]).
    fn next_id(&mut self, counter: &[u8]) -> Result<u64> {
        let id = match self.pending.counter(counter) {
            Some(next) => next,
            None => match self.engine().get(Tree::Meta, counter)? {
                Some(v) => keys::u64_at(&v, 0)?,
                None => 1,
            },
        };
        let next = id
            .checked_add(1)
            .ok_or_else(|| Error::Corrupt("an id counter ran out".into()))?;
        self.pending.set_counter(counter, next);
        Ok(id)
    }

    pub(crate) fn engine_handle(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// When this unit of work began. Its events are not recorded then but
    /// when it commits, the moment readers see them: what a reader saw at
    /// any instant is what [`crate::Db::as_known_at`] of that instant
    /// reads.
    #[must_use]
    pub fn began(&self) -> chrono::DateTime<Utc> {
        self.began.to_datetime()
    }

    /// When this unit of work began (see [`Writer::began`]).
    #[deprecated(
        since = "0.1.0",
        note = "a unit of work is recorded at its commit, not when it begins: use `began()`"
    )]
    #[must_use]
    pub fn recorded(&self) -> Recorded {
        self.began
    }

    /// Runs `f` as one step of this unit of work: if it fails, its writes are
    /// undone and the unit goes on as before it (an import uses this to
    /// report every bad row, not only the first). Steps nest; every write
    /// method of the writer is itself such a step, so a refused write
    /// leaves nothing behind even when its error is caught and the unit
    /// committed.
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn attempt<T>(&mut self, f: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
        let point = self.pending.savepoint();
        let out = f(self);
        if out.is_err() {
            self.pending.rollback(point);
        } else {
            self.pending.release(point);
        }
        out
    }

    /// Opens a savepoint: the writes after it can be undone together with
    /// [`Writer::rollback_to`] while the unit of work goes on, or kept with
    /// [`Writer::release`]. Savepoints end in the reverse order they were
    /// taken (the innermost first); [`Writer::attempt`] is the closure form,
    /// which cannot get the order wrong.
    pub fn savepoint(&mut self) -> Savepoint {
        let point = self.pending.savepoint();
        Savepoint {
            point,
            depth: self.pending.depth(),
        }
    }

    /// Undoes every write since `savepoint` and ends it.
    ///
    /// # Errors
    /// [`Error::Conflict`] if a savepoint taken after it is still open.
    pub fn rollback_to(&mut self, savepoint: Savepoint) -> Result<()> {
        self.innermost(&savepoint)?;
        self.pending.rollback(savepoint.point);
        Ok(())
    }

    /// Keeps the writes since `savepoint` and ends it.
    ///
    /// # Errors
    /// [`Error::Conflict`] if a savepoint taken after it is still open.
    pub fn release(&mut self, savepoint: Savepoint) -> Result<()> {
        self.innermost(&savepoint)?;
        self.pending.release(savepoint.point);
        Ok(())
    }

    fn innermost(&self, savepoint: &Savepoint) -> Result<()> {
        if savepoint.depth == self.pending.depth() {
            return Ok(());
        }
        Err(Error::conflict(
            Entity::Transaction,
            "savepoint",
            "a savepoint taken after this one is still open: end the innermost first",
        ))
    }

    /// Everything this unit of work has pending, as text in a stable
    /// order: equal before and after a refused write. For tests.
    #[doc(hidden)]
    #[must_use]
    pub fn pending_digest(&self) -> String {
        self.pending.digest()
    }

    /// From now on, a domain event that its entity already has stored and
    /// in force — the same event on the same date — is not written again:
    /// the write returns that event's id. One the database voided is
    /// refused, naming the void. An import runs this way, so a ledger
    /// imported twice writes nothing the second time.
    pub fn merging(&mut self) {
        self.merging = true;
    }

    /// Records `who` as the writer of this unit's events (their source, see
    /// [`crate::Origin`]), instead of the handle's `by` or the system's user.
    ///
    /// # Errors
    /// [`Error::Validation`] for a name the rules of names refuse.
    pub fn set_by(&mut self, who: &str) -> Result<()> {
        self.source.by = Some(Arc::from(crate::text::name("by", who)?));
        Ok(())
    }

    /// Makes this unit an import of `kind` (its events' source names the
    /// import, its files and rows): returns the import's number.
    #[cfg_attr(not(feature = "ledgers"), allow(dead_code))]
    pub(crate) fn importing(&mut self, kind: crate::provenance::SourceKind) -> Result<u64> {
        let id = self.next_id(keys::meta::NEXT_IMPORT)?;
        self.source.kind = kind;
        self.source.import = Some(id);
        Ok(id)
    }

    /// The events written from now on come from `row` of `sheet` of
    /// `file` (a boundary file's feature: no sheet, its number); `None`:
    /// from no row.
    #[cfg_attr(not(feature = "ledgers"), allow(dead_code))]
    pub(crate) fn at_row(
        &mut self,
        at: Option<(Option<&crate::provenance::SourceFile>, &str, u64)>,
    ) {
        self.source.at = at.map(|(file, sheet, row)| (self.source.place(file, sheet), row));
    }

    /// Events this unit of work has written so far.
    #[must_use]
    pub fn events_written(&self) -> u64 {
        self.pending.events
    }

    /// The policies in force in this unit of work.
    #[must_use]
    pub fn policy(&self) -> Policy {
        self.pending.policy.clone()
    }

    /// Sets the database's dated policies. Idle periods apply to supplies
    /// recorded after they are set, by their agreed start: a supply keeps
    /// the periods it was recorded under.
    ///
    /// # Errors
    /// [`Error::Validation`] for idle periods of no months, or reclaimable
    /// before idle; [`Error::Storage`] if it cannot be encoded.
    pub fn set_policy(&mut self, policy: Policy) -> Result<()> {
        self.attempt(|w| {
            for p in &policy.idle_periods {
                if p.idle_after_months == 0 || p.reclaimable_after_months < p.idle_after_months {
                    return Err(Error::validation(
                        "idle_periods",
                        format!(
                            "from {}: idle after {} months and reclaimable after {}: idle takes at least a month, and reclaimable comes no sooner",
                            p.from, p.idle_after_months, p.reclaimable_after_months
                        ),
                    ));
                }
            }
            w.pending.put(
                Tree::Meta,
                keys::meta::POLICY.to_vec(),
                codec::encode(&policy)?,
            );
            w.pending.set_policy(policy);
            Ok(())
        })
    }

    // ---- generic records and events ----

    pub(crate) fn load<R: Record>(&self, id: u64) -> Result<Option<R>> {
        Ok(self.load_shared::<R>(id)?.map(Arc::unwrap_or_clone))
    }

    /// A record as this unit of work sees it, shared, not copied.
    fn load_shared<R: Record>(&self, id: u64) -> Result<Option<Arc<R>>> {
        if let Some(r) = R::mine(&self.pending.records).get(&id) {
            return Ok(Some(r.clone()));
        }
        // Not changed by this unit (every record it changes is in `records`):
        // the committed state, in the in-memory view if loaded, else read
        // alone from the checkpoint, else the fold of its stored events.
        if let Some(r) = self
            .engine
            .cache
            .if_loaded::<R, _>(|m| m.records.get(&id).cloned())
        {
            return Ok(r);
        }
        if let Some(alone) = self.engine.cache.record_alone::<R>(self.engine(), id) {
            return Ok(alone.held().map(Arc::new));
        }
        // Only folds count towards loading: a record read alone is cheap.
        if self.engine.cache.worth_loading::<R>(self.engine()) {
            return self
                .engine
                .cache
                .with::<R, _>(self.engine(), |m| m.records.get(&id).cloned());
        }
        Ok(record::stored::<R>(self.engine(), id)?.map(Arc::new))
    }

    /// Every record of a kind, as this unit of work sees it.
    pub(crate) fn records<R: Record>(&self) -> Result<Vec<R>> {
        let mut ids: std::collections::BTreeSet<u64> = self
            .engine
            .cache
            .with::<R, _>(self.engine(), |m| m.records.keys().copied().collect())?;
        ids.extend(R::mine(&self.pending.records).keys());
        work::visited(ids.len());
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.load::<R>(id)?);
        }
        Ok(out)
    }

    fn require<R: Record>(&self, id: u64) -> Result<R> {
        self.load(id)?
            .ok_or_else(|| Error::not_found(R::ENTITY, R::display_id(id)))
    }

    /// An entity's events: the stored ones, then this unit's.
    fn events_of<R: Record>(&mut self, id: u64) -> Result<Vec<Event<R::Event>>> {
        let mut out = record::stored_events::<R>(self.engine(), id)?;
        for run in self.pending.runs_of(R::KIND, id) {
            codec::decode_events_into(&run.bytes, run.first, &mut out)?;
        }
        Ok(out)
    }

    fn append<R: Record>(
        &mut self,
        entity: u64,
        valid: NaiveDate,
        body: Body<R::Event>,
    ) -> Result<EventId> {
        let kind = R::KIND;
        // `NaiveDate::MIN` is an enterprise registered without a date.
        if valid != NaiveDate::MIN {
            crate::days::check_date("date", valid)?;
        }
        let history = record::history_of::<R>(&body);
        let id = EventId(self.next_id(keys::meta::NEXT_EVENT)?);
        // Stamped again at commit: every run of the unit gets the instant
        // it commits (`Changes::stamp`).
        let event = Event {
            id,
            valid,
            recorded: self.began,
            body,
        };
        // The events one unit of work records in a row for one entity form
        // a run, and the event index holds the run's first id.
        let run = self.pending.run;
        match self.pending.runs.last_mut() {
            Some(last)
                if last.kind == kind
                    && last.entity == entity
                    && run.is_some_and(|l| l + 1 == id.0) =>
            {
                codec::extend_events(&mut last.bytes, &event)?;
                last.count += 1;
            }
            _ => self.pending.runs.push(PendingRun {
                first: id.0,
                kind,
                entity,
                count: 1,
                bytes: codec::encode_events(&event)?,
            }),
        }
        self.pending.events += 1;
        self.pending.run = Some(id.0);
        // A row of an import marks where its events begin.
        let at = self.source.at.unwrap_or((0, 0));
        let last = self.pending.marks.last().map_or((0, 0), |m| (m.1, m.2));
        if at != last {
            self.pending.marks.push((id.0, at.0, at.1));
        }
        if let Some((family, value)) = history {
            self.pending.history.push(Lookup {
                kind,
                family,
                value,
                entity,
            });
        }
        Ok(id)
    }

    /// Ends the unit of work: what it stores and hands the in-memory view
    /// (see [`Writer::finish`]).
    pub(crate) fn into_changes(mut self) -> Result<Changes> {
        let source = self.finish()?;
        let pending = self.pending;
        Ok(Changes {
            batch: pending.batch,
            runs: pending.runs,
            records: pending.records,
            lookups: pending.history,
            released: pending.released,
            source,
        })
    }

    /// Stores the id counters this unit moved, the index of its runs of
    /// events (one entry, keyed by the unit's first event id) and the count
    /// of events of each kind. The runs themselves are stored at commit
    /// ([`crate::changes::Changes::stamp`]), and so is the unit's source,
    /// returned here (none without events).
    fn finish(&mut self) -> Result<Option<crate::provenance::UnitSource>> {
        let mut added: BTreeMap<u8, u64> = BTreeMap::new();
        for r in &self.pending.runs {
            *added.entry(r.kind).or_default() += r.count;
        }
        for (kind, added) in added {
            let key = keys::meta::events_of(kind);
            let stored = match self.engine().get(Tree::Meta, &key)? {
                Some(v) => keys::u64_at(&v, 0)?,
                None => 0,
            };
            self.pending
                .batch
                .put(Tree::Meta, key, (stored + added).to_be_bytes().to_vec());
        }
        let pending = &mut self.pending;
        for (counter, next) in &pending.counters {
            pending
                .batch
                .put(Tree::Meta, counter.clone(), next.to_be_bytes().to_vec());
        }
        let Some(first) = pending.runs.first() else {
            return Ok(None);
        };
        let last = pending.runs.iter().map(|r| r.first + r.count - 1).max();
        let source = self.source.finish(
            first.first,
            last.unwrap_or(first.first),
            std::mem::take(&mut pending.marks),
        );
        let key = keys::index_key(keys::index::EVENT, &[&first.first.to_be_bytes()]);
        let listed: Vec<(u64, u8, u64)> = pending
            .runs
            .iter()
            .map(|r| (r.first, r.kind, r.entity))
            .collect();
        pending
            .batch
            .put(Tree::Index, key, keys::encode_runs(&listed));
        // The runs go into blocks at commit, once stamped.
        pending.run = None;
        Ok(Some(source))
    }

    /// The entity an event belongs to: the run whose first id is the
    /// greatest at or below the event's (the caller finds the event in it).
    fn event_target(&self, event: EventId) -> Result<Option<(u8, u64)>> {
        let in_unit = |runs: &mut dyn DoubleEndedIterator<Item = (u64, u8, u64)>| {
            runs.rev()
                .find(|(first, _, _)| *first <= event.0)
                .map(|(_, kind, entity)| (kind, entity))
        };
        if let Some(found) = in_unit(
            &mut self
                .pending
                .runs
                .iter()
                .map(|r| (r.first, r.kind, r.entity)),
        ) {
            return Ok(Some(found));
        }
        let family = [keys::index::EVENT];
        let key = keys::index_key(keys::index::EVENT, &[&event.0.to_be_bytes()]);
        match self.engine().last_at_or_below(Tree::Index, &family, &key)? {
            Some((k, v)) => Ok(in_unit(
                &mut keys::decode_runs(keys::u64_at(&k, 1)?, &v)?.into_iter(),
            )),
            None => Ok(None),
        }
    }

    /// Keeps a record's new state (read back by this unit, handed to the
    /// in-memory view at commit; only events are stored), with the code it
    /// takes and the programme total it adds to.
    fn store<R: Record>(&mut self, old: Option<&R>, new: R) -> Result<()> {
        // Only a code the change added or let go: most events leave
        // codes alone.
        let before = old.and_then(Record::code);
        if before != new.code() {
            if let Some((family, code)) = new.code() {
                self.pending.take_code(family, code, new.id());
            }
            if let Some((family, code)) = before {
                self.pending.released.push(crate::changes::Lookup {
                    kind: R::KIND,
                    family,
                    value: code.to_vec(),
                    entity: new.id(),
                });
            }
        }
        let before = old.and_then(Record::committed);
        let after = new.committed();
        if before != after {
            if let Some((programme, amount)) = before {
                let total = self.committed_total(programme)?.checked_sub(amount)?;
                self.set_committed_total(programme, total);
            }
            if let Some((programme, amount)) = after {
                let total = self.committed_total(programme)?.checked_add(amount)?;
                self.set_committed_total(programme, total);
            }
        }
        self.pending.put_record::<R>(new.id(), Arc::new(new));
        Ok(())
    }

    /// The record that holds a unique code (a lookup of `family`): one this
    /// unit of work stored, else one committed (in the codes kept while the
    /// kind is not loaded, else in the in-memory view).
    pub(crate) fn code_owner<R: Record + Send + Sync + 'static>(
        &self,
        family: u8,
        code: &str,
    ) -> Result<Option<u64>> {
        let code = crate::text::lookup(code);
        let code = code.as_ref();
        if let Some(id) = self.pending.codes.get(&(family, code.as_bytes().to_vec())) {
            return Ok(Some(*id));
        }
        // While the kind is not loaded, its codes serve alone: a unit of
        // work that adds records (an import) need not load them.
        self.engine
            .cache
            .code_owner::<R>(self.engine(), family, code.as_bytes())
    }

    fn set_committed_total(&mut self, programme: u64, total: Yuan) {
        self.pending.put(
            Tree::Meta,
            keys::meta::committed(programme),
            total.fen().to_be_bytes().to_vec(),
        );
    }

    /// The running total of awards approved under a programme.
    pub(crate) fn committed_total(&self, programme: u64) -> Result<Yuan> {
        match self.get(Tree::Meta, &keys::meta::committed(programme))? {
            Some(v) => Ok(Yuan::from_fen(i64::from_be_bytes(
                v.as_slice()
                    .try_into()
                    .map_err(|_| Error::Corrupt("committed total of the wrong size".into()))?,
            ))),
            None => Ok(Yuan::ZERO),
        }
    }

    /// Applies a domain event to an existing record: rule check, event, state.
    fn record_event<R: Record>(
        &mut self,
        id: u64,
        date: NaiveDate,
        event: R::Event,
    ) -> Result<EventId> {
        // A date out of range is bad input whatever the entity's history:
        // Validation, before any rule of its lifecycle is asked.
        crate::days::check_date("date", date)?;
        self.record_event_on::<R>(id, date, event)
    }

    /// [`Writer::record_event`] on a date parkdb chose rather than one a
    /// caller gave (a firm's creation, "since always" when its
    /// registration is not known): not checked against the dates callers
    /// may give.
    fn record_event_on<R: Record>(
        &mut self,
        id: u64,
        date: NaiveDate,
        event: R::Event,
    ) -> Result<EventId> {
        let old = self
            .load_shared::<R>(id)?
            .ok_or_else(|| Error::not_found(R::ENTITY, R::display_id(id)))?;
        if self.merging {
            if let Some(known) = self.known_event::<R>(id, date, &event)? {
                return Ok(known);
            }
        }
        let new = if R::dated(&event) && date < old.latest() {
            self.entered_late::<R>(&old, id, date, &event)?
        } else {
            R::apply(Some((*old).clone()), id, date, &event)?
        };
        let event_id = self.append::<R>(id, date, Body::Domain(event))?;
        self.store(Some(&*old), new)?;
        Ok(event_id)
    }

    /// The stored event of the entity that is `event` on `date`, if it is in
    /// force; a refusal if the database voided it.
    fn known_event<R: Record>(
        &self,
        id: u64,
        date: NaiveDate,
        event: &R::Event,
    ) -> Result<Option<EventId>> {
        let stored = record::stored_events::<R>(self.engine(), id)?;
        let void_of = |target: EventId| {
            stored.iter().find_map(|v| match &v.body {
                Body::Void { target: t, reason } if *t == target => Some((v.valid, reason)),
                _ => None,
            })
        };
        let mut voided = None;
        for found in &stored {
            if found.valid != date || !matches!(&found.body, Body::Domain(b) if b == event) {
                continue;
            }
            match void_of(found.id) {
                None => return Ok(Some(found.id)),
                Some(v) => voided = voided.or(Some(v)),
            }
        }
        match voided {
            None => Ok(None),
            Some((on, reason)) => Err(Error::lifecycle(
                R::ENTITY,
                R::display_id(id),
                Rule::Void,
                format!(
                    "the database voided this {} of {date} on {on} ({reason}); \
                     the ledger still lists it: remove the row, or enter it again by hand",
                    R::event_name(event)
                ),
            )),
        }
    }

    /// History entered late: an event dated before the entity's latest.
    /// Its whole history is folded again with the event in its place; the
    /// new state if every event stays legal, else the rule broken and by
    /// which event.
    fn entered_late<R: Record>(
        &mut self,
        current: &R,
        id: u64,
        date: NaiveDate,
        event: &R::Event,
    ) -> Result<R> {
        let subject = current.subject();
        let refuse =
            |kind: Rule, rule: String| Error::lifecycle(R::ENTITY, subject.clone(), kind, rule);
        if let Some(rule) = current.closed_on(date) {
            return Err(refuse(Rule::Ended, rule));
        }
        let placed = EventId(u64::MAX);
        let mut events = self.events_of::<R>(id)?;
        events.push(Event {
            id: placed,
            valid: date,
            recorded: self.began,
            body: Body::Domain(event.clone()),
        });
        let order = record::in_order::<R, _>(&events, &crate::event::Horizon::NOW);
        if let [(first, _), (next, body), ..] = order.as_slice() {
            if first.id == placed {
                return Err(refuse(
                    Rule::OutOfOrder,
                    format!(
                        "{date} is before its history begins ({} on {})",
                        R::event_name(body),
                        next.valid
                    ),
                ));
            }
        }
        let mut state = None;
        for (e, body) in order {
            state = Some(R::apply(state, id, e.valid, body).map_err(|err| {
                let Error::Lifecycle {
                    entity,
                    subject,
                    rule,
                    kind,
                } = err
                else {
                    return err;
                };
                let rule = if e.id == placed {
                    format!("entered late on {date}, in its place in history: {rule}")
                } else {
                    format!(
                        "entered late on {date}, it would make the later {} of {} break a rule: {rule}",
                        R::event_name(body),
                        e.valid
                    )
                };
                Error::Lifecycle {
                    entity,
                    subject,
                    rule,
                    kind,
                }
            })?);
        }
        state.ok_or_else(|| refuse(Rule::NotCreated, "has no history".into()))
    }

    /// Supersedes an event: it stays in history, but no longer counts.
    /// The entity's state is refolded without it; if what remains breaks a
    /// rule (voiding an allocation under a started construction, say) the
    /// void is refused.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown event; [`Error::Lifecycle`] for an
    /// event that is already void, a void, one that created its entity,
    /// a split, or one whose removal leaves an illegal history.
    pub fn void(&mut self, event: EventId, reason: &str) -> Result<EventId> {
        self.attempt(|w| {
            struct VoidIn<'a> {
                writer: &'a mut Writer,
                entity: u64,
                event: EventId,
                reason: &'a str,
            }
            impl record::ForKind for VoidIn<'_> {
                type Out = Result<EventId>;
                fn run<R: Record>(self) -> Self::Out {
                    self.writer
                        .void_in::<R>(self.entity, self.event, self.reason)
                }
            }
            if reason.trim().is_empty() {
                return Err(Error::validation("reason", "a void needs a reason"));
            }
            let reason = &crate::text::required_note("reason", reason, "a void needs a reason")?;
            let (kind, entity) = w
                .event_target(event)?
                .ok_or_else(|| Error::not_found(Entity::Event, event))?;
            let void = VoidIn {
                writer: w,
                entity,
                event,
                reason,
            };
            record::for_kind(kind, void).unwrap_or_else(|| {
                Err(Error::Corrupt(format!(
                    "event {event} points at kind {kind}"
                )))
            })
        })
    }

    fn void_in<R: Record>(&mut self, id: u64, target: EventId, reason: &str) -> Result<EventId> {
        let events: Vec<Event<R::Event>> = self.events_of::<R>(id)?;
        let subject = R::display_id(id);
        let refuse = |rule: String| Error::lifecycle(R::ENTITY, subject.clone(), Rule::Void, rule);
        let found = events
            .iter()
            .find(|e| e.id == target)
            .ok_or_else(|| Error::not_found(Entity::Event, target))?;
        match &found.body {
            Body::Void { .. } => return Err(refuse(format!("event {target} is itself a void"))),
            Body::Domain(b) if !R::voidable(b) => {
                return Err(refuse(format!(
                    "event {target} ({}) cannot be voided: it creates or splits the {}",
                    R::event_name(b),
                    R::ENTITY
                )))
            }
            Body::Domain(_) => {}
        }
        if events
            .iter()
            .any(|e| matches!(&e.body, Body::Void { target: t, .. } if *t == target))
        {
            return Err(refuse(format!("event {target} is already void")));
        }
        let old: R = self.require(id)?;
        let today = self.began.to_datetime().date_naive();
        let void_id = self.append::<R>(
            id,
            today,
            Body::Void {
                target,
                reason: reason.to_owned(),
            },
        )?;
        let mut all = events;
        all.push(Event {
            id: void_id,
            valid: today,
            recorded: self.began,
            body: Body::Void {
                target,
                reason: reason.to_owned(),
            },
        });
        let new = record::fold::<R, _>(id, &all, &crate::event::Horizon::NOW)
            .map_err(|e| {
                refuse(format!(
                    "voiding event {target} would leave an illegal history: {e}"
                ))
            })?
            .ok_or_else(|| refuse(format!("voiding event {target} leaves nothing")))?;
        self.store(Some(&old), new)?;
        Ok(void_id)
    }
}
