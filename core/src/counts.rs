//! How many events of each kind are stored, and what it catches.
//!
//! sled recovers a damaged log by dropping what it cannot read: the tail
//! after the damage, or a page the damage was in. Either can take events
//! and leave the counters that describe them. Since format 4 each unit of
//! work stores, beside the event counter, the count of events of each kind;
//! the three must agree when the database opens, a ledger that loads fewer
//! (or more) events than its count is [`Error::Corrupt`] naming what is
//! missing, and [`crate::Db::check`] compares them with every stored event.
//! Damage inside a value is caught by its checksum ([`codec::decode_block`]).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::record::{self, KINDS};
use crate::storage::{codec, keys, Batch, Store, Tree};

fn meta_u64(store: &dyn Store, key: &[u8]) -> Result<Option<u64>> {
    store
        .get(Tree::Meta, key)?
        .map(|v| keys::u64_at(&v, 0))
        .transpose()
}

/// The id the next event gets: every stored event's is below it.
pub(crate) fn next_event(store: &dyn Store) -> Result<u64> {
    Ok(meta_u64(store, keys::meta::NEXT_EVENT)?.unwrap_or(1))
}

/// The stored count of events of `kind`.
pub(crate) fn of_kind(store: &dyn Store, kind: u8) -> Result<u64> {
    Ok(meta_u64(store, &keys::meta::events_of(kind))?.unwrap_or(0))
}

/// Event ids handed out before format 4 that no stored event has.
pub(crate) fn uncounted(store: &dyn Store) -> Result<u64> {
    Ok(meta_u64(store, keys::meta::UNCOUNTED_EVENTS)?.unwrap_or(0))
}

/// The counts a database stores: the event counter, the count of each
/// kind, and the ids handed out before format 4 that no event has.
pub(crate) struct Stored {
    pub(crate) next_event: u64,
    pub(crate) per_kind: Vec<(u8, u64)>,
    pub(crate) uncounted: u64,
}

impl Stored {
    pub(crate) fn read(store: &dyn Store) -> Result<Stored> {
        Ok(Stored {
            next_event: next_event(store)?,
            per_kind: KINDS
                .into_iter()
                .map(|kind| Ok((kind, of_kind(store, kind)?)))
                .collect::<Result<_>>()?,
            uncounted: uncounted(store)?,
        })
    }

    /// What the counts per kind add up to, with the uncounted ids.
    pub(crate) fn counted(&self) -> u64 {
        self.per_kind
            .iter()
            .fold(self.uncounted, |sum, (_, n)| sum.saturating_add(*n))
    }
}

/// The name of a kind's ledger, for messages ("the parcel ledger").
pub(crate) fn ledger_name(kind: u8) -> String {
    record::entity_of(kind).map_or_else(|| format!("kind {kind}"), |e| e.to_string())
}

/// At open: the counts per kind add up to the event counter.
pub(crate) fn verify_at_open(store: &dyn Store) -> Result<()> {
    let stored = Stored::read(store)?;
    let counted = stored.counted();
    if counted != stored.next_event - 1 {
        let per_kind: Vec<String> = stored
            .per_kind
            .iter()
            .map(|(kind, n)| format!("{} {n}", ledger_name(*kind)))
            .collect();
        return Err(Error::Corrupt(format!(
            "the event counter says {} events were stored, the counts per ledger say {counted} ({}): \
             the database's files were damaged; restore it from a backup",
            stored.next_event - 1,
            per_kind.join(", ")
        )));
    }
    Ok(())
}

/// After loading a ledger: it holds as many events as its count says.
pub(crate) fn verify_loaded(store: &dyn Store, kind: u8, found: u64) -> Result<()> {
    let want = of_kind(store, kind)?;
    if found == want {
        return Ok(());
    }
    let what = if found < want {
        format!("{} of its events are missing", want - found)
    } else {
        format!("{} more events are stored than it counts", found - want)
    };
    Err(Error::Corrupt(format!(
        "the {} ledger should hold {want} events and holds {found}: {what}; \
         the database's files were damaged; restore it from a backup",
        ledger_name(kind)
    )))
}

/// Moves a format-3 database to format 4 in one atomic batch: every block
/// value is written again with its checksum, and the events of each kind
/// are counted (event ids that no stored event has are kept as
/// "uncounted", so that the counts add up to the counter).
pub(crate) fn upgrade_format_3(store: &dyn Store) -> Result<()> {
    let mut batch = Batch::default();
    let mut counts: BTreeMap<u8, u64> = BTreeMap::new();
    store.for_each_prefix(Tree::Events, &[], &mut |k, v| {
        let (kind, _, _) = keys::decode_event(k)?;
        let runs = codec::decode_block(v)?;
        for r in &runs {
            *counts.entry(kind).or_default() += record::run_ids(kind, r.first, r.run)?.len() as u64;
        }
        batch.put(Tree::Events, k.to_vec(), codec::encode_block(&runs)?);
        Ok(true)
    })?;
    let total: u64 = counts.values().sum();
    let handed_out = next_event(store)? - 1;
    if total > handed_out {
        return Err(Error::Corrupt(format!(
            "{total} events are stored but the event counter says {handed_out} were handed out"
        )));
    }
    for (kind, n) in counts {
        batch.put(
            Tree::Meta,
            keys::meta::events_of(kind),
            n.to_be_bytes().to_vec(),
        );
    }
    if handed_out > total {
        batch.put(
            Tree::Meta,
            keys::meta::UNCOUNTED_EVENTS.to_vec(),
            (handed_out - total).to_be_bytes().to_vec(),
        );
    }
    batch.put(
        Tree::Meta,
        keys::meta::FORMAT.to_vec(),
        vec![codec::FORMAT_VERSION],
    );
    store.apply(&batch)?;
    store.flush()
}
