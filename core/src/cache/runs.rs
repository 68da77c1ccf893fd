//! A kind's event runs held in memory for reads of the past: loaded
//! encoded in one pass, each decoded on first use.

use std::sync::Arc;

use crate::error::Result;
use crate::event::Event;
use crate::record::{self, Record};
use crate::storage::{codec, Store, Tree};

/// The event runs of one kind by entity id (ids are dense from 1), each
/// entity's in order of first event id: loaded encoded, decoded on first use.
pub(crate) struct Runs<B> {
    pub(super) by_entity: Vec<Vec<Run<B>>>,
}

/// One stored run of events.
pub(crate) struct Run<B> {
    pub(super) first: u64,
    /// The stored value the run is part of (a block's runs share it).
    pub(super) value: Arc<[u8]>,
    /// Where in `value` the run is.
    pub(super) at: std::ops::Range<usize>,
    pub(super) decoded: std::sync::OnceLock<Arc<[Event<B>]>>,
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

    /// The run's events added to `out`: decoded for this read only when
    /// they were not decoded before (a scan of every entity keeps none of
    /// a province's ten million events decoded).
    pub(crate) fn decode_into(&self, out: &mut Vec<Event<B>>) -> Result<()>
    where
        B: Clone,
    {
        if let Some(events) = self.decoded.get() {
            out.extend(events.iter().cloned());
            return Ok(());
        }
        let encoded = self.value.get(self.at.clone()).unwrap_or_default();
        out.extend(codec::decode_events(encoded, self.first)?);
        Ok(())
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

    pub(super) fn insert(&mut self, entity: u64, first: u64, encoded: &[u8]) {
        if let Ok(at) = usize::try_from(entity) {
            self.insert_at(at, first, &Arc::from(encoded), 0..encoded.len());
        }
    }

    /// Inserts a run at a place in `by_entity`.
    pub(super) fn insert_at(
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

/// The stored event runs of kind `R` of the entities in `ids` (whole
/// blocks of ids), placed from `ids.from` on: `runs.of(id - ids.from)`.
/// `limit` is the kind's next id: a run stored under one beyond it is
/// damage.
pub(crate) fn read_runs<R: Record>(
    store: &dyn Store,
    ids: record::Ids,
    limit: u64,
) -> Result<Runs<R::Event>> {
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
    Ok(part)
}
