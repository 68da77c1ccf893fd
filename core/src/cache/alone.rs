//! What is kept beside a kind that is not loaded, read alone from its
//! checkpoint: its steps, its codes, where its records are, a year of the
//! register; per kind what was read, or that it could not be read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::changes::Changes;
use crate::checkpoint;
use crate::error::Result;
use crate::record::{self, Record};
use crate::storage::Store;

use super::kind::{add, Family, Value};
use super::load::{fold_touched, Touched};

/// The steps of kind `R` from its checkpoint alone, the records left on
/// disk, with the entities units of work stored after it touched folded
/// on top (see [`Cache::steps_alone`]).
pub(super) fn load_steps_alone<R: Record>(
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
pub(super) fn open_alone<R: Record>(
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
pub(super) fn fold_beyond<R: Record>(
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
pub(super) fn touched_beyond<R: Record>(
    store: &dyn Store,
    disk: &checkpoint::OnDisk,
) -> Result<Vec<u64>> {
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

pub(super) fn read_register_alone(
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
    pub(super) fn locked(&self) -> std::sync::MutexGuard<'_, BTreeMap<u8, Option<Arc<T>>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What is kept for `kind`, or what `read` gives, kept (`None`: it
    /// could not be read, now or before).
    pub(super) fn get_or_read(&self, kind: u8, read: impl FnOnce() -> Option<T>) -> Option<Arc<T>> {
        let mut kept = self.locked();
        if let Some(found) = kept.get(&kind) {
            return found.clone();
        }
        let found = read().map(Arc::new);
        kept.insert(kind, found.clone());
        found
    }

    /// Lets go of what is kept for `kind`: read again when next asked for.
    pub(super) fn let_go(&self, kind: u8) {
        self.locked().remove(&kind);
    }

    pub(super) fn let_go_all(&self) {
        self.locked().clear();
    }

    /// Keeps that what `kind` keeps cannot serve (damaged where read).
    pub(super) fn refuse(&self, kind: u8) {
        self.locked().insert(kind, None);
    }

    /// Brings what is kept for `kind` up to date in place with what a
    /// commit changed; held by a reader meanwhile, it is let go (read
    /// again when next asked for). What could not be read stays so.
    pub(super) fn update(&self, kind: u8, apply: impl FnOnce(&mut T)) {
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
    pub(super) fn empty(family: u8) -> CodesAlone {
        CodesAlone {
            family,
            section: Vec::new(),
            starts: Vec::new(),
            touched: BTreeSet::new(),
            since: Family::default(),
        }
    }

    /// Notes that entity `id` holds `code` now (`None`: none).
    pub(super) fn note(&mut self, id: u64, code: Option<&[u8]>) {
        self.touched.insert(id);
        if let Some(code) = code {
            add(&mut self.since, Value::from(code), id);
        }
    }

    /// Takes in what a committed unit of work changed of kind `R`: the
    /// codes its records let go, then the codes they hold.
    pub(super) fn apply<R: Record>(&mut self, changes: &Changes) {
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
    pub(super) fn index(section: Vec<u8>) -> Result<CodesAlone> {
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
    pub(super) fn entry(&self, start: u32) -> (&[u8], u64) {
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
    pub(super) fn read<R: Record>(&self, id: u64) -> Result<Option<Alone<R>>> {
        if self.touched.contains(&id) {
            return Ok(None);
        }
        match self.index.find(id) {
            Some(placed) => Ok(Some(Alone::Held(self.disk.record::<R>(placed)?))),
            None => Ok(Some(Alone::NoneSuch)),
        }
    }

    /// Takes in what a committed unit of work changed of kind `R`.
    pub(super) fn apply<R: Record>(&mut self, changes: &Changes) {
        self.touched
            .extend(R::mine(&changes.records).keys().copied());
    }
}

pub(super) fn read_records_alone<R: Record>(
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

pub(super) fn read_codes_alone<R: Record>(
    place: &checkpoint::Place,
    store: &dyn Store,
) -> Result<CodesAlone> {
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
