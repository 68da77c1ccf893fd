//! A loaded kind: its current records by id, their lookups (built per
//! family on the first query that needs one) and the lookups their events
//! ever added, and each record's steps.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::record::Record;

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
    pub(super) lookups: Box<[std::sync::OnceLock<Family>; 256]>,
    /// Whether any family is built (else a commit has none to update).
    pub(super) any_built: std::sync::atomic::AtomicBool,
    /// (family, value) → the ids of the records one of whose events ever
    /// added that lookup ([`Record::history`]); never removed.
    pub(super) history: Lookups,
    /// Each record's past in brief, for a kind that keeps it
    /// ([`Record::STEPS`]).
    pub(crate) steps: crate::steps::Steps,
}

/// (family, value) → ids. Hashed: most values are codes, one per record,
/// and a hash map takes a million of them far faster than an ordered one;
/// with foldhash (seeded per map) rather than the standard hasher, which
/// took half the time of indexing a province's parcels.
pub(super) type Lookups = HashMap<(u8, Value), IdSet, foldhash::fast::RandomState>;

/// One family's lookups: value → ids.
pub(super) type Family = HashMap<Value, IdSet, foldhash::fast::RandomState>;

/// A lookup's value (a code, a holder's id…), held in exactly its bytes:
/// a map of a million codes holds two slots per code, so each byte of a
/// slot counts.
pub(super) type Value = Box<[u8]>;

pub(super) fn add<K: std::hash::Hash + Eq>(
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
pub(super) fn unbuilt() -> Box<[std::sync::OnceLock<Family>; 256]> {
    Box::new(std::array::from_fn(|_| std::sync::OnceLock::new()))
}

/// The ids of the records that share a lookup. Most lookups (a code, the
/// holder of one parcel) name one record, held without a set.
pub(super) enum IdSet {
    One(u64),
    // Boxed: sets are the rare case, and the common one (one id) then
    // takes 16 bytes a slot, not 32.
    #[allow(clippy::box_collection)]
    Many(Box<BTreeSet<u64>>),
}

const _: () = assert!(std::mem::size_of::<IdSet>() == 16);

impl IdSet {
    /// Takes in the ids of `other`.
    pub(super) fn absorb(&mut self, other: IdSet) {
        match (self, other) {
            (IdSet::Many(mine), IdSet::Many(mut theirs)) => mine.append(&mut *theirs),
            (mine, theirs) => {
                for id in theirs.iter() {
                    mine.add(id);
                }
            }
        }
    }

    pub(super) fn add(&mut self, id: u64) {
        match self {
            IdSet::One(one) if *one == id => {}
            IdSet::One(one) => *self = IdSet::Many(Box::new(BTreeSet::from([*one, id]))),
            IdSet::Many(ids) => {
                ids.insert(id);
            }
        }
    }

    /// Removes `id`; true if none is left.
    pub(super) fn remove(&mut self, id: u64) -> bool {
        match self {
            IdSet::One(one) => *one == id,
            IdSet::Many(ids) => {
                ids.remove(&id);
                ids.is_empty()
            }
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (one, many) = match self {
            IdSet::One(one) => (Some(*one), None),
            IdSet::Many(ids) => (None, Some(ids.iter().copied())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }
}

impl<R: Record> Kind<R> {
    pub(super) fn new() -> Kind<R> {
        Kind {
            records: Map::new(),
            lookups: unbuilt(),
            any_built: std::sync::atomic::AtomicBool::new(false),
            history: Lookups::default(),
            steps: crate::steps::Steps::default(),
        }
    }

    /// The lookups of `family`, built from the records the first time.
    pub(super) fn family(&self, family: u8) -> &Family {
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
    pub(super) fn none_built(&mut self) -> bool {
        !*self.any_built.get_mut()
    }

    pub(super) fn insert(&mut self, id: u64, record: Arc<R>) {
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
    pub(super) fn forget(&mut self, id: u64, keys: Vec<(u8, Vec<u8>)>) {
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
    pub(super) fn join(&mut self, mut other: Kind<R>) {
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

    pub(super) fn add_history(&mut self, (family, value): (u8, Vec<u8>), id: u64) {
        add(&mut self.history, (family, value.into_boxed_slice()), id);
    }

    pub(super) fn remove(&mut self, id: u64) {
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
