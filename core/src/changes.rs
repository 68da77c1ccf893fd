//! What a unit of work hands the engine at commit: the batch to store,
//! the runs of events it wrote, the new states of the records it changed
//! and the lookups its events added for good. The writer fills it; the
//! engine stores the batch and the in-memory view takes the rest.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::record::{PerLedger, PerRecord, Record};
use crate::storage::Batch;

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
}
