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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::changes::Changes;
use crate::checkpoint;
use crate::error::Result;
use crate::event::Event;
use crate::record::{self, PerLedger, PerRecord, Record};
use crate::storage::{codec, Store, Tree};

/// Current records of one kind, by id.
pub(crate) type Map<R> = BTreeMap<u64, Arc<R>>;

/// The current records of one kind and their lookups.
pub(crate) struct Kind<R> {
    pub(crate) records: Map<R>,
    /// Per family (by its byte), value → the ids of the records with that
    /// lookup: each family built from the records on the first query that
    /// needs it (a summary, a table or an evaluation reads records only; a
    /// holder's parcels need the holders, not a million codes), then kept
    /// up to date at each commit.
    lookups: Box<[std::sync::OnceLock<Family>; 256]>,
    /// Whether any family is built (else a commit has none to update).
    any_built: std::sync::atomic::AtomicBool,
    /// (family, value) → the ids of the records one of whose events ever
    /// added that lookup ([`Record::history`]); never removed.
    history: Lookups,
    /// Each record's past in brief, for a kind that keeps it
    /// ([`Record::STEPS`]).
    pub(crate) steps: crate::steps::Steps,
}

/// (family, value) → ids. Hashed: most values are codes, one per record,
/// and a hash map takes a million of them far faster than an ordered one;
/// with foldhash (seeded per map) rather than the standard hasher, which
/// took half the time of indexing a province's parcels.
type Lookups = HashMap<(u8, Value), IdSet, foldhash::fast::RandomState>;

/// One family's lookups: value → ids.
type Family = HashMap<Value, IdSet, foldhash::fast::RandomState>;

/// A lookup's value (a code, a holder's id…), held in exactly its bytes:
/// a map of a million codes holds two slots per code, so each byte of a
/// slot counts.
type Value = Box<[u8]>;

fn add<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, IdSet, foldhash::fast::RandomState>,
    key: K,
    id: u64,
) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(IdSet::One(id));
        }
        std::collections::hash_map::Entry::Occupied(mut slot) => slot.get_mut().add(id),
    }
}

/// No family built yet.
fn unbuilt() -> Box<[std::sync::OnceLock<Family>; 256]> {
    Box::new(std::array::from_fn(|_| std::sync::OnceLock::new()))
}

/// The ids of the records that share a lookup. Most lookups (a code, the
/// holder of one parcel) name one record, held without a set.
enum IdSet {
    One(u64),
    // Boxed: sets are the rare case, and the common one (one id) then
    // takes 16 bytes a slot, not 32.
    #[allow(clippy::box_collection)]
    Many(Box<BTreeSet<u64>>),
}

const _: () = assert!(std::mem::size_of::<IdSet>() == 16);

impl IdSet {
    /// Takes in the ids of `other`.
    fn absorb(&mut self, other: IdSet) {
        match (self, other) {
            (IdSet::Many(mine), IdSet::Many(mut theirs)) => mine.append(&mut *theirs),
            (mine, theirs) => {
                for id in theirs.iter() {
                    mine.add(id);
                }
            }
        }
    }

    fn add(&mut self, id: u64) {
        match self {
            IdSet::One(one) if *one == id => {}
            IdSet::One(one) => *self = IdSet::Many(Box::new(BTreeSet::from([*one, id]))),
            IdSet::Many(ids) => {
                ids.insert(id);
            }
        }
    }

    /// Removes `id`; true if none is left.
    fn remove(&mut self, id: u64) -> bool {
        match self {
            IdSet::One(one) => *one == id,
            IdSet::Many(ids) => {
                ids.remove(&id);
                ids.is_empty()
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (one, many) = match self {
            IdSet::One(one) => (Some(*one), None),
            IdSet::Many(ids) => (None, Some(ids.iter().copied())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

impl<R: Record> Kind<R> {
    fn new() -> Kind<R> {
        Kind {
            records: Map::new(),
            lookups: unbuilt(),
            any_built: std::sync::atomic::AtomicBool::new(false),
            history: Lookups::default(),
            steps: crate::steps::Steps::default(),
        }
    }

    /// The lookups of `family`, built from the records the first time.
    fn family(&self, family: u8) -> &Family {
        self.lookups[usize::from(family)].get_or_init(|| {
            self.any_built
                .store(true, std::sync::atomic::Ordering::Release);
            let mut lookups = Family::default();
            for (id, record) in &self.records {
                for (f, value) in record.lookups() {
                    if f == family {
                        add(&mut lookups, value.into_boxed_slice(), *id);
                    }
                }
            }
            lookups
        })
    }

    /// Whether no family is built (nothing to keep up to date).
    fn none_built(&mut self) -> bool {
        !*self.any_built.get_mut()
    }

    fn insert(&mut self, id: u64, record: Arc<R>) {
        let old = self.records.insert(id, record.clone());
        if self.none_built() {
            // Each family is built, when asked for, from the records as
            // they are then.
            return;
        }
        debug_assert!(old
            .as_ref()
            .is_none_or(|old| old.same_lookups(&record) == (old.lookups() == record.lookups())));
        let new = match old {
            Some(old) if old.same_lookups(&record) => return,
            Some(old) => {
                self.forget(id, old.lookups());
                record.lookups()
            }
            None => record.lookups(),
        };
        for (family, value) in new {
            if let Some(lookups) = self.lookups[usize::from(family)].get_mut() {
                add(lookups, value.into_boxed_slice(), id);
            }
        }
    }

    /// Removes `id` from the built families' lookups `keys`.
    fn forget(&mut self, id: u64, keys: Vec<(u8, Vec<u8>)>) {
        for (family, value) in keys {
            if let Some(lookups) = self.lookups[usize::from(family)].get_mut() {
                if lookups
                    .get_mut(value.as_slice())
                    .is_some_and(|ids| ids.remove(id))
                {
                    lookups.remove(value.as_slice());
                }
            }
        }
    }

    /// Takes in the records of `other`, all of whose ids are above this
    /// one's (both just loaded: their lookups not built yet).
    fn join(&mut self, mut other: Kind<R>) {
        self.records.append(&mut other.records);
        self.steps.join(std::mem::take(&mut other.steps));
        self.lookups = unbuilt();
        *self.any_built.get_mut() = false;
        self.history.reserve(other.history.len());
        for (key, ids) in other.history {
            match self.history.entry(key) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(ids);
                }
                std::collections::hash_map::Entry::Occupied(mut slot) => {
                    slot.get_mut().absorb(ids);
                }
            }
        }
    }

    fn add_history(&mut self, (family, value): (u8, Vec<u8>), id: u64) {
        add(&mut self.history, (family, value.into_boxed_slice()), id);
    }

    fn remove(&mut self, id: u64) {
        if let Some(old) = self.records.remove(&id) {
            self.forget(id, old.lookups());
        }
    }

    /// The ids of the records whose lookup of `family` is `value`.
    pub(crate) fn ids(&self, family: u8, value: &[u8]) -> BTreeSet<u64> {
        self.family(family)
            .get(value)
            .map(|ids| ids.iter().collect())
            .unwrap_or_default()
    }

    /// The ids of the records one of whose events ever added the lookup
    /// `family` = `value`.
    pub(crate) fn history_ids(&self, family: u8, value: &[u8]) -> BTreeSet<u64> {
        self.history
            .get(&(family, Value::from(value)))
            .map(|ids| ids.iter().collect())
            .unwrap_or_default()
    }

    /// The ids of the records whose lookup of `family` starts with `prefix`
    /// (a pass over the family's values: milliseconds for a province's
    /// register, and only industry filters ask).
    pub(crate) fn ids_with_prefix(&self, family: u8, prefix: &[u8]) -> BTreeSet<u64> {
        self.family(family)
            .iter()
            .filter(|(v, _)| v.starts_with(prefix))
            .flat_map(|(_, ids)| ids.iter())
            .collect()
    }

    /// The one record whose (unique) lookup of `family` is `value`.
    pub(crate) fn unique(&self, family: u8, value: &[u8]) -> Option<&Arc<R>> {
        let ids = self.family(family).get(value)?;
        ids.iter().next().and_then(|id| self.records.get(&id))
    }
}

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

/// The event runs of one kind by entity id (ids are dense from 1), each
/// entity's in order of first event id: loaded encoded, decoded on first use.
pub(crate) struct Runs<B> {
    by_entity: Vec<Vec<Run<B>>>,
}

/// One stored run of events.
pub(crate) struct Run<B> {
    first: u64,
    /// The stored value the run is part of (a block's runs share it).
    value: Arc<[u8]>,
    /// Where in `value` the run is.
    at: std::ops::Range<usize>,
    decoded: std::sync::OnceLock<Arc<[Event<B>]>>,
}

impl<B: serde::de::DeserializeOwned> Run<B> {
    /// The run's events, decoded once.
    pub(crate) fn events(&self) -> Result<&[Event<B>]> {
        if let Some(events) = self.decoded.get() {
            return Ok(events);
        }
        let encoded = self.value.get(self.at.clone()).unwrap_or_default();
        let events: Arc<[Event<B>]> = codec::decode_events(encoded, self.first)?.into();
        Ok(self.decoded.get_or_init(|| events))
    }
}

impl<B> Runs<B> {
    /// The runs of one entity.
    pub(crate) fn of(&self, entity: u64) -> &[Run<B>] {
        usize::try_from(entity)
            .ok()
            .and_then(|i| self.by_entity.get(i))
            .map_or(&[][..], Vec::as_slice)
    }

    fn insert(&mut self, entity: u64, first: u64, encoded: &[u8]) {
        if let Ok(at) = usize::try_from(entity) {
            self.insert_at(at, first, &Arc::from(encoded), 0..encoded.len());
        }
    }

    /// Inserts a run at a place in `by_entity`.
    fn insert_at(
        &mut self,
        at: usize,
        first: u64,
        value: &Arc<[u8]>,
        range: std::ops::Range<usize>,
    ) {
        if self.by_entity.len() <= at {
            self.by_entity.resize_with(at + 1, Vec::new);
        }
        let list = &mut self.by_entity[at];
        let run = Run {
            first,
            value: value.clone(),
            at: range,
            decoded: std::sync::OnceLock::new(),
        };
        match list.binary_search_by_key(&first, |r| r.first) {
            Ok(i) => list[i] = run,
            Err(i) => list.insert(i, run),
        }
    }
}

/// Whether reading `some` of a kind's `all` entities' events is quicker in
/// one pass over the kind than one entity at a time: folding many entities
/// one by one reads their blocks many times over, and past a quarter of
/// the kind a pass over it all is quicker.
fn worth_one_pass(some: usize, all: usize) -> bool {
    some > 10_000 && some * 4 > all
}

/// Loads the records of a kind from a checkpoint that matches the store,
/// folding on top the entities units of work stored after it touched.
/// Returns the kind and how many events it holds beyond the checkpoint.
fn load_checkpoint<R: Record + Send + Sync + 'static>(
    store: &dyn Store,
    opened: checkpoint::Opened,
) -> Result<(Kind<R>, u64)> {
    let [lower, upper] = opened.halves();
    let decode = |part: &[u8]| {
        let mut kind = Kind::new();
        checkpoint::decode_records::<R>(part, &mut |r| {
            let id = r.id();
            kind.insert(id, Arc::new(r));
        })?;
        Ok::<_, crate::Error>(kind)
    };
    let (mut kind, upper) =
        crate::threads::both("reading a checkpoint", || decode(lower), || decode(upper))?;
    kind.join(upper);
    kind.steps = crate::steps::Steps::decode(opened.steps())?;
    for (family, value, ids) in checkpoint::decode_history(opened.history())? {
        let key = (family, value.into_boxed_slice());
        for id in ids {
            add(&mut kind.history, key.clone(), id);
        }
    }
    let beyond = fold_touched::<R>(
        store,
        opened.next_event,
        kind.records.len(),
        &mut |id, events, folded, steps| {
            for key in events
                .iter()
                .filter_map(|e| record::history_of::<R>(&e.body))
            {
                kind.add_history(key, id);
            }
            match folded {
                Some(r) => kind.insert(id, Arc::new(r)),
                None => kind.remove(id),
            }
            if R::STEPS {
                kind.steps.set(id, steps);
            }
        },
    )?;
    crate::counts::verify_loaded(store, R::KIND, opened.events + beyond)?;
    Ok((kind, beyond))
}

/// What [`fold_touched`] hands over of each entity: its id, its stored
/// events, its record and its steps.
type Touched<'a, R> =
    dyn FnMut(u64, &[Event<<R as Record>::Event>], Option<R>, record::MadeSteps) + 'a;

/// Folds each entity of kind `R` that units of work stored from event
/// `next_event` on (after a checkpoint) touched, out of `all`: `f` takes
/// its id, its stored events, its record and its steps. Returns how many
/// events they hold beyond the checkpoint; refuses when so many changed
/// that the checkpoint saves nothing.
fn fold_touched<R: Record>(
    store: &dyn Store,
    next_event: u64,
    all: usize,
    f: &mut Touched<'_, R>,
) -> Result<u64> {
    let touched = checkpoint::touched_since::<R>(store, next_event)?;
    if worth_one_pass(touched.len(), all) {
        return Err(crate::Error::Internal(
            "too many entities changed since the checkpoint".into(),
        ));
    }
    let mut beyond = 0u64;
    for &id in &touched {
        let events = record::stored_events::<R>(store, id)?;
        beyond += events.iter().filter(|e| e.id.0 >= next_event).count() as u64;
        let (folded, steps) = record::stored_fold_with_steps::<R, _>(id, &events)?;
        f(id, &events, folded, steps);
    }
    Ok(beyond)
}

/// The steps of kind `R` from its checkpoint alone, the records left on
/// disk, with the entities units of work stored after it touched folded
/// on top (see [`Cache::steps_alone`]).
fn load_steps_alone<R: Record>(
    place: &checkpoint::Place,
    store: &dyn Store,
) -> Result<crate::steps::Steps> {
    let on_disk = open_alone::<R>(place, store, "steps")?;
    let mut steps = on_disk.steps()?;
    fold_beyond::<R>(store, &on_disk, &mut |id, _, _, made| steps.set(id, made))?;
    Ok(steps)
}

/// The checkpoint of kind `R` that matches the store, to read `what`
/// alone from.
fn open_alone<R: Record>(
    place: &checkpoint::Place,
    store: &dyn Store,
    what: &str,
) -> Result<checkpoint::OnDisk> {
    checkpoint::open_alone(place, store, R::KIND)
        .map_err(|why| crate::Error::Internal(format!("no checkpoint to read {what} from: {why}")))
}

/// Folds for `f` each entity of kind `R` units of work stored after the
/// checkpoint `disk` touched ([`fold_touched`]), and checks that the
/// events they hold beyond it make up the store's count.
fn fold_beyond<R: Record>(
    store: &dyn Store,
    disk: &checkpoint::OnDisk,
    f: &mut Touched<'_, R>,
) -> Result<()> {
    let all = usize::try_from(disk.records).unwrap_or(usize::MAX);
    let beyond = fold_touched::<R>(store, disk.covered.next_event, all, f)?;
    crate::counts::verify_loaded(store, R::KIND, disk.covered.events + beyond)
}

/// The entities of kind `R` units of work stored after a checkpoint read
/// alone touched, in id order ([`fold_beyond`]).
fn touched_beyond<R: Record>(store: &dyn Store, disk: &checkpoint::OnDisk) -> Result<Vec<u64>> {
    let mut touched = Vec::new();
    fold_beyond::<R>(store, disk, &mut |id, _, _, _| touched.push(id))?;
    Ok(touched)
}

/// A year of the register read alone from its checkpoint (see
/// [`Cache::register_alone`]).
pub(crate) struct RegisterAlone {
    /// The firms' section ([`crate::enterprise::digest::firms`]).
    pub(crate) firms: Vec<u8>,
    /// The year's section ([`crate::enterprise::digest::year`]), if one
    /// was asked for.
    pub(crate) figures: Vec<u8>,
    /// The firms units of work stored after the checkpoint touched: their
    /// entries are not theirs any more (the caller folds them).
    pub(crate) touched: Vec<u64>,
}

fn read_register_alone(
    place: &checkpoint::Place,
    store: &dyn Store,
    year: Option<i32>,
) -> Result<RegisterAlone> {
    use crate::enterprise::Enterprise;
    let on_disk = open_alone::<Enterprise>(place, store, "the register")?;
    let (size, read_at) = on_disk.digest();
    let (firms, figures) = crate::enterprise::digest::read(size, &read_at, year)?;
    Ok(RegisterAlone {
        firms,
        figures,
        touched: touched_beyond::<Enterprise>(store, &on_disk)?,
    })
}

/// What is kept beside each kind not loaded, read alone from its
/// checkpoint (its steps, its codes, where its records are): per kind what
/// was read, or `None` when it could not be read, which is not tried again
/// until it is let go (a new checkpoint, a load, a reset).
pub(crate) struct KeptAlone<T>(Mutex<BTreeMap<u8, Option<Arc<T>>>>);

impl<T> Default for KeptAlone<T> {
    fn default() -> Self {
        KeptAlone(Mutex::new(BTreeMap::new()))
    }
}

impl<T> KeptAlone<T> {
    fn locked(&self) -> std::sync::MutexGuard<'_, BTreeMap<u8, Option<Arc<T>>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What is kept for `kind`, or what `read` gives, kept (`None`: it
    /// could not be read, now or before).
    fn get_or_read(&self, kind: u8, read: impl FnOnce() -> Option<T>) -> Option<Arc<T>> {
        let mut kept = self.locked();
        if let Some(found) = kept.get(&kind) {
            return found.clone();
        }
        let found = read().map(Arc::new);
        kept.insert(kind, found.clone());
        found
    }

    /// Lets go of what is kept for `kind`: read again when next asked for.
    fn let_go(&self, kind: u8) {
        self.locked().remove(&kind);
    }

    fn let_go_all(&self) {
        self.locked().clear();
    }

    /// Keeps that what `kind` keeps cannot serve (damaged where read).
    fn refuse(&self, kind: u8) {
        self.locked().insert(kind, None);
    }

    /// Brings what is kept for `kind` up to date in place with what a
    /// commit changed; held by a reader meanwhile, it is let go (read
    /// again when next asked for). What could not be read stays so.
    fn update(&self, kind: u8, apply: impl FnOnce(&mut T)) {
        let mut kept = self.locked();
        match kept.remove(&kind) {
            Some(Some(found)) => {
                if let Ok(mut found) = Arc::try_unwrap(found) {
                    apply(&mut found);
                    kept.insert(kind, Some(Arc::new(found)));
                }
            }
            Some(None) => {
                kept.insert(kind, None);
            }
            None => {}
        }
    }
}

/// A kind's codes while its records are not loaded (see
/// [`Cache::codes_alone`]): those its checkpoint keeps, a lookup by code a
/// binary search in them, and those units of work changed since, kept up
/// to date at each commit (an import adds a million parcels without
/// loading them).
pub(crate) struct CodesAlone {
    family: u8,
    /// The codes' section ([`record::write_codes`]; empty without a
    /// checkpoint).
    section: Vec<u8>,
    /// Where each entry starts, in the section's order of (code, id).
    starts: Vec<u32>,
    /// The entities units of work stored after the checkpoint touched:
    /// their entries are not theirs any more.
    touched: BTreeSet<u64>,
    /// Their codes now: code → ids.
    since: Family,
}

impl CodesAlone {
    /// The codes of a kind that has no records yet.
    fn empty(family: u8) -> CodesAlone {
        CodesAlone {
            family,
            section: Vec::new(),
            starts: Vec::new(),
            touched: BTreeSet::new(),
            since: Family::default(),
        }
    }

    /// Notes that entity `id` holds `code` now (`None`: none).
    fn note(&mut self, id: u64, code: Option<&[u8]>) {
        self.touched.insert(id);
        if let Some(code) = code {
            add(&mut self.since, Value::from(code), id);
        }
    }

    /// Takes in what a committed unit of work changed of kind `R`: the
    /// codes its records let go, then the codes they hold.
    fn apply<R: Record>(&mut self, changes: &Changes) {
        for gone in &changes.released {
            if gone.kind == R::KIND && gone.family == self.family {
                let value = gone.value.as_slice();
                if self
                    .since
                    .get_mut(value)
                    .is_some_and(|ids| ids.remove(gone.entity))
                {
                    self.since.remove(value);
                }
            }
        }
        for (id, record) in R::mine(&changes.records) {
            let code = record.code().filter(|c| c.0 == self.family).map(|c| c.1);
            self.note(*id, code);
        }
    }

    /// Indexes a codes' section, checking its order.
    fn index(section: Vec<u8>) -> Result<CodesAlone> {
        let damaged = || crate::sections::damaged("the codes are not in order");
        let mut r = crate::sections::Reader(&section);
        let [family] = r.array()?;
        let mut starts = Vec::new();
        let mut last: Option<(&[u8], u64)> = None;
        while !r.is_empty() {
            let start = u32::try_from(section.len() - r.0.len()).map_err(|_| damaged())?;
            let len = u16::from_le_bytes(r.array()?);
            let code = r.take(usize::from(len))?;
            let id = u64::from_le_bytes(r.array()?);
            if last.is_some_and(|l| l >= (code, id)) {
                return Err(damaged());
            }
            last = Some((code, id));
            starts.push(start);
        }
        Ok(CodesAlone {
            family,
            starts,
            section,
            touched: BTreeSet::new(),
            since: Family::default(),
        })
    }

    /// The entry at `start`: (code, id).
    fn entry(&self, start: u32) -> (&[u8], u64) {
        let at = start as usize;
        let code = |at: usize| -> Option<(&[u8], u64)> {
            let len = usize::from(u16::from_le_bytes(
                self.section.get(at..at + 2)?.try_into().ok()?,
            ));
            let code = self.section.get(at + 2..at + 2 + len)?;
            let id = self.section.get(at + 2 + len..at + 10 + len)?;
            Some((code, u64::from_le_bytes(id.try_into().ok()?)))
        };
        // Indexed when read: every start holds an entry.
        code(at).unwrap_or((&[], 0))
    }

    /// The id `code` names (the lowest, as the view's lookups answer).
    pub(crate) fn unique(&self, code: &[u8]) -> Option<u64> {
        let first = self.starts.partition_point(|s| self.entry(*s).0 < code);
        let stored = self.starts[first..]
            .iter()
            .map(|s| self.entry(*s))
            .take_while(|e| e.0 == code)
            .map(|e| e.1)
            .find(|id| !self.touched.contains(id));
        let since = self.since.get(code).and_then(|ids| ids.iter().next());
        match (stored, since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A kind's records read one at a time from its checkpoint while they
/// are not loaded (see [`Cache::record_alone`]): where each is, and the
/// entities units of work stored after it touched, whose records are
/// folded from their events instead.
pub(crate) struct RecordsAlone {
    disk: checkpoint::OnDisk,
    index: checkpoint::RecordIndex,
    touched: BTreeSet<u64>,
}

/// What a checkpoint read alone says of a record (see
/// [`Cache::record_alone`]).
#[derive(Debug)]
pub(crate) enum Alone<R> {
    /// The record, as committed.
    Held(R),
    /// None: the checkpoint holds no such record (the entity has no
    /// events in force, or none at all) and no unit of work touched it
    /// since.
    NoneSuch,
}

impl<R> Alone<R> {
    /// The record, if there is one.
    pub(crate) fn held(self) -> Option<R> {
        match self {
            Alone::Held(r) => Some(r),
            Alone::NoneSuch => None,
        }
    }
}

impl RecordsAlone {
    /// What the checkpoint says of record `id`; `None`: it cannot say (a
    /// unit of work touched the entity since).
    fn read<R: Record>(&self, id: u64) -> Result<Option<Alone<R>>> {
        if self.touched.contains(&id) {
            return Ok(None);
        }
        match self.index.find(id) {
            Some(placed) => Ok(Some(Alone::Held(self.disk.record::<R>(placed)?))),
            None => Ok(Some(Alone::NoneSuch)),
        }
    }

    /// Takes in what a committed unit of work changed of kind `R`.
    fn apply<R: Record>(&mut self, changes: &Changes) {
        self.touched
            .extend(R::mine(&changes.records).keys().copied());
    }
}

fn read_records_alone<R: Record>(
    place: &checkpoint::Place,
    store: &dyn Store,
) -> Result<RecordsAlone> {
    let disk = open_alone::<R>(place, store, "records")?;
    let index = disk.index()?;
    if index.len() as u64 != disk.records {
        return Err(crate::Error::Corrupt(
            "a checkpoint's record index does not count its records".into(),
        ));
    }
    let touched = touched_beyond::<R>(store, &disk)?.into_iter().collect();
    Ok(RecordsAlone {
        disk,
        index,
        touched,
    })
}

fn read_codes_alone<R: Record>(place: &checkpoint::Place, store: &dyn Store) -> Result<CodesAlone> {
    let on_disk = open_alone::<R>(place, store, "codes")?;
    let (size, read_at) = on_disk.digest();
    let section = crate::sections::Sections::read(size, &read_at)?
        .get(record::CODES, &read_at)?
        .ok_or_else(|| crate::Error::Internal("a checkpoint without codes".into()))?;
    let mut codes = CodesAlone::index(section)?;
    if Some(codes.family) != R::CODE {
        return Err(crate::sections::damaged("codes of another family"));
    }
    fold_beyond::<R>(store, &on_disk, &mut |id, _, folded, _| {
        let family = codes.family;
        let code = folded.as_ref().and_then(Record::code);
        codes.note(id, code.filter(|c| c.0 == family).map(|c| c.1));
    })?;
    Ok(codes)
}

/// Loads every record of a kind by folding each entity's stored events:
/// two threads each read, decode, fold and index a half of the ids, and
/// the halves are joined. (Handing folded records to a third thread to
/// index was slower: on two cores it waited on the readers and they on it.)
fn fold_all<R: Record + Send + Sync + 'static>(store: &dyn Store) -> Result<Kind<R>> {
    let ([mut lower, upper], count) = record::fold_halves::<R, _>(
        "reading stored events",
        store,
        |ids| {
            let mut part = Kind::new();
            if R::STEPS {
                part.steps = crate::steps::Steps::from(ids.from);
            }
            part
        },
        |part, (id, events, folded, steps)| {
            for key in record::history_in::<R>(events) {
                part.add_history(key, id);
            }
            if let Some(r) = folded {
                part.insert(id, Arc::new(r));
            }
            if R::STEPS {
                part.steps.push(id, steps.as_deref());
            }
            Ok(())
        },
    )?;
    crate::counts::verify_loaded(store, R::KIND, count)?;
    lower.join(upper);
    Ok(lower)
}

impl Drop for Cache {
    /// A province's loaded view holds millions of records, and freeing
    /// them took 7% of a `parkdb export parcels`: they are freed on a
    /// thread of their own, so a closing handle (or a snapshot replaced
    /// under a server's readers) does not wait, and a process that ends
    /// meanwhile simply ends. Freeing memory has no effect to wait for.
    fn drop(&mut self) {
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

impl Cache {
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
            let read = |ids: record::Ids| {
                let mut part = Runs::<R::Event> {
                    by_entity: Vec::new(),
                };
                let (start, end) = ids.event_keys(R::KIND);
                store.for_each_between(Tree::Events, &start, &end, &mut |_, v| {
                    let value: Arc<[u8]> = Arc::from(v);
                    for r in codec::decode_block(&value)? {
                        // Ids are dense below the kind's counter; one beyond
                        // it is damage, not a reason to allocate without bound.
                        if r.entity >= limit || r.entity < ids.from {
                            return Err(crate::Error::Corrupt(format!(
                                "events of kind {} stored under id {}, out of place",
                                R::KIND,
                                r.entity
                            )));
                        }
                        let at = usize::try_from(r.entity - ids.from)
                            .map_err(|_| crate::Error::Corrupt("entity id out of range".into()))?;
                        // The run is a slice of `value`: where it starts.
                        let from = r.run.as_ptr() as usize - value.as_ptr() as usize;
                        part.insert_at(at, r.first, &value, from..from + r.run.len());
                    }
                    Ok(true)
                })?;
                Ok::<_, crate::Error>(part)
            };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a unit of work hands over that changed `records` and let go
    /// of `released` codes: (code, id).
    fn changes_of(records: &[crate::land::Parcel], released: &[(&str, u64)]) -> Changes {
        let mut changes = Changes {
            batch: crate::storage::Batch::default(),
            runs: Vec::new(),
            records: PerLedger::default(),
            lookups: Vec::new(),
            released: released
                .iter()
                .map(|(code, id)| crate::changes::Lookup {
                    kind: crate::land::Parcel::KIND,
                    family: crate::storage::keys::index::PARCEL_CODE,
                    value: code.as_bytes().to_vec(),
                    entity: *id,
                })
                .collect(),
        };
        for r in records {
            crate::land::Parcel::mine_mut(&mut changes.records).insert(r.id.0, Arc::new(r.clone()));
        }
        changes
    }

    fn codes_unique(codes: &CodesAlone, code: &str) -> Option<u64> {
        codes.unique(code.as_bytes())
    }

    #[test]
    fn a_kind_is_worth_loading_after_an_eighth_of_its_records_folded_one_by_one() {
        let db = crate::Db::temporary().unwrap();
        crate::example::build_seed(&db).unwrap();
        let (cache, store) = (&db.engine.cache, db.engine.store.as_ref());
        cache.reset();
        let first = (1..=100_000u64)
            .find(|_| cache.worth_loading::<crate::land::Parcel>(store))
            .unwrap();
        // A small ledger: at the least, not at an eighth of it.
        assert_eq!(first, LOAD_AFTER);
        // Loading it starts the count again.
        assert!(cache.if_loaded::<crate::land::Parcel, _>(|_| ()).is_none());
        cache.with::<crate::land::Parcel, _>(store, |_| ()).unwrap();
        let again = (1..=100_000u64)
            .find(|_| cache.worth_loading::<crate::land::Parcel>(store))
            .unwrap();
        assert_eq!(again, LOAD_AFTER);
        // Counted per kind.
        assert!(!cache.worth_loading::<crate::enterprise::Enterprise>(store));
    }

    #[test]
    fn codes_kept_beside_a_kind_not_loaded_follow_each_commit() {
        let db = crate::Db::temporary().unwrap();
        crate::example::build_seed(&db).unwrap();
        let parcels = db.now().all_parcels().unwrap();
        let (a, b) = (parcels[0].clone(), parcels[1].clone());
        let mut codes = CodesAlone::empty(crate::storage::keys::index::PARCEL_CODE);
        codes.apply::<crate::land::Parcel>(&changes_of(&[a.clone(), b.clone()], &[]));
        assert_eq!(codes_unique(&codes, &a.code), Some(a.id.0));
        assert_eq!(codes_unique(&codes, &b.code), Some(b.id.0));
        assert_eq!(codes_unique(&codes, "nowhere"), None);
        // A changed code: the old one let go, the new one taken.
        let mut renamed = a.clone();
        renamed.code = "RENAMED".into();
        codes.apply::<crate::land::Parcel>(&changes_of(
            std::slice::from_ref(&renamed),
            &[(&a.code, a.id.0)],
        ));
        assert_eq!(codes_unique(&codes, &a.code), None);
        assert_eq!(codes_unique(&codes, "RENAMED"), Some(a.id.0));
        // Let go and taken back in one unit: held.
        codes.apply::<crate::land::Parcel>(&changes_of(
            std::slice::from_ref(&a),
            &[("RENAMED", a.id.0), (&a.code, a.id.0)],
        ));
        assert_eq!(codes_unique(&codes, &a.code), Some(a.id.0));
        assert_eq!(codes_unique(&codes, "RENAMED"), None);
        // A code two records share (as a view's lookups allow): the lowest
        // id answers, and the other once the lowest lets it go.
        let mut twin = b.clone();
        twin.code = a.code.clone();
        codes.apply::<crate::land::Parcel>(&changes_of(&[twin], &[(&b.code, b.id.0)]));
        let (low, high) = (a.id.0.min(b.id.0), a.id.0.max(b.id.0));
        assert_eq!(codes_unique(&codes, &a.code), Some(low));
        let mut gone = if low == a.id.0 { a.clone() } else { b.clone() };
        gone.code = "ELSEWHERE".into();
        codes.apply::<crate::land::Parcel>(&changes_of(&[gone], &[(&a.code, low)]));
        assert_eq!(codes_unique(&codes, &a.code), Some(high));
        assert_eq!(codes_unique(&codes, "ELSEWHERE"), Some(low));
    }

    #[test]
    fn which_kinds_are_checkpointed() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::default();
        let saved = |covered, since, loaded_from_it| Saved {
            covered,
            since,
            loaded_from_it,
        };
        cache.saved_mut().extend([
            // Folded without a checkpoint, then a few events.
            (1, saved(0, 10, Some(false))),
            // Loaded from one, a few events since: folded on top next time.
            (2, saved(1_000_000, 10, Some(true))),
            // Loaded from one, a tenth more since.
            (3, saved(1_000_000, 100_000, Some(true))),
            // Not loaded, an import's worth added.
            (4, saved(0, 150_000, None)),
            // Not loaded, a few added.
            (5, saved(0, 10, None)),
            // Loaded, nothing since.
            (6, saved(0, 0, Some(false))),
        ]);
        // Without a place (a temporary database): none.
        assert!(cache.unsaved(false).is_empty());
        cache.set_place(checkpoint::Place::of(dir.path(), true));
        assert_eq!(cache.unsaved(false), [1, 3, 4]);
        // After a unit of work: loaded kinds that doubled, by 100,000 at least.
        cache
            .saved_mut()
            .insert(7, saved(150_000, 150_000, Some(true)));
        assert_eq!(cache.unsaved(true), [7]);
        // A read-only snapshot writes none.
        cache.set_place(checkpoint::Place::of(dir.path(), false));
        assert!(cache.unsaved(false).is_empty());
    }
}
