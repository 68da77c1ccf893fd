//! What a unit of work hands the engine at commit: the batch to store,
//! the runs of events it wrote, the new states of the records it changed
//! and the lookups its events added for good. The writer fills it; the
//! engine stores the batch and the in-memory view takes the rest.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;

use crate::error::Result;
use crate::event::Recorded;
use crate::record::{PerLedger, PerRecord, Record};
use crate::storage::{codec, keys, Batch, Store, Tree};

/// The new states of the records a unit of work changed, by id, per kind:
/// read back by the unit and, at commit, taken by the in-memory view (only
/// events are stored).
pub(crate) struct Changed;

impl PerRecord for Changed {
    type Of<R: Record> = BTreeMap<u64, Arc<R>>;
}

/// A lookup an event added for good (every holder a parcel ever had).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lookup {
    pub(crate) kind: u8,
    pub(crate) family: u8,
    pub(crate) value: Vec<u8>,
    pub(crate) entity: u64,
}

/// A run of events a unit of work wrote: the events it recorded in a row
/// for one entity.
pub(crate) struct PendingRun {
    pub(crate) first: u64,
    pub(crate) kind: u8,
    pub(crate) entity: u64,
    /// How many events it holds.
    pub(crate) count: u64,
    /// As [`crate::storage::codec::encode_events`] makes it.
    pub(crate) bytes: Vec<u8>,
}

/// A finished unit of work, consumed by [`crate::engine::Engine::commit`].
pub(crate) struct Changes {
    pub(crate) batch: Batch,
    pub(crate) runs: Vec<PendingRun>,
    pub(crate) records: PerLedger<Changed>,
    pub(crate) lookups: Vec<Lookup>,
    /// The unique codes changed records held before ([`Lookup::value`]
    /// the code).
    pub(crate) released: Vec<Lookup>,
    /// Where the unit's events came from, stored once it is recorded.
    pub(crate) source: Option<crate::provenance::UnitSource>,
}

impl Changes {
    /// Records the unit of work now, as it commits: called by the engine
    /// holding the commit lock, so no reader is between the instant and
    /// the moment readers see the unit. Every run gets that instant, and
    /// the runs go into the batch, one value per block of entities (keyed
    /// by the first event id among its runs). Returns the instant.
    pub(crate) fn stamp(&mut self, store: &dyn Store) -> Result<Recorded> {
        let last = store
            .get(Tree::Meta, keys::meta::LAST_RECORDED)?
            .map(|v| codec::decode::<Recorded>(&v, "last recorded time"))
            .transpose()?;
        let recorded = commit_instant(last);
        for run in &mut self.runs {
            codec::restamp_events(&mut run.bytes, recorded)?;
        }
        let mut blocks: BTreeMap<(u8, u64), Vec<codec::BlockRun<'_>>> = BTreeMap::new();
        for r in &self.runs {
            blocks
                .entry((r.kind, keys::block_of(r.entity)))
                .or_default()
                .push(codec::BlockRun {
                    entity: r.entity,
                    first: r.first,
                    run: &r.bytes,
                });
        }
        for ((kind, block), runs) in blocks {
            self.batch.put(
                Tree::Events,
                keys::event(kind, block, runs[0].first),
                codec::encode_block(&runs)?,
            );
        }
        if let Some(mut source) = self.source.take() {
            source.recorded = recorded;
            self.batch.put(
                Tree::Meta,
                crate::provenance::key(source.first),
                codec::encode(&source)?,
            );
        }
        self.batch.put(
            Tree::Meta,
            keys::meta::LAST_RECORDED.to_vec(),
            codec::encode(&recorded)?,
        );
        Ok(recorded)
    }
}

/// The recorded time of a unit of work committing now, the commit lock
/// held. It is later than every instant a reader can have taken before the
/// commit took the lock (the clock is read until it moves past the instant
/// the lock was taken, which takes a microsecond), and later than the last
/// unit's, so a clock that steps back never puts a unit before an
/// earlier one (it then counts on from the last).
fn commit_instant(last: Option<Recorded>) -> Recorded {
    let taken = Recorded::from_datetime(Utc::now());
    let waiting = std::time::Instant::now();
    let mut now = taken;
    while now <= taken && waiting.elapsed() < std::time::Duration::from_millis(1) {
        std::hint::spin_loop();
        now = Recorded::from_datetime(Utc::now());
    }
    let now = if now > taken {
        now
    } else {
        Recorded(taken.0 + 1)
    };
    match last {
        Some(last) if last >= now => Recorded(last.0 + 1),
        _ => now,
    }
}
