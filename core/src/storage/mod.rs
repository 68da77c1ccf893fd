//! The storage layer: a few ordered key spaces of bytes behind a small trait,
//! so the domain never talks to the engine directly.
//!
//! Key spaces ("trees"): `meta` (format version, counters, policies),
//! `events` (every event, in runs: the events one unit of work records in
//! a row for one entity; the runs a unit writes for a block of 64 entities
//! share a key), `index` (which unit of work wrote which runs). Keys are
//! hand-made order-preserving bytes ([`keys`]); values are one
//! format-version byte followed by bincode or, for blocks, a small framing
//! of their runs ([`codec`]). Since format 2 all key spaces live in one
//! sled tree under a one-byte prefix, so that a unit of work is one atomic
//! sled batch rather than a multi-tree transaction. Since format 3 nothing
//! else is stored: an entity's current state is the fold of its events,
//! kept in memory with every lookup (`records`, the key space where format
//! 2 stored states, is only read to migrate).

pub(crate) mod codec;
pub(crate) mod keys;
mod mem_store;
mod sled_store;

use std::collections::BTreeMap;

use crate::error::Result;

pub(crate) use mem_store::MemStore;
pub(crate) use sled_store::SledStore;

/// The trees of a parkdb database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tree {
    Meta,
    Records,
    Events,
    Index,
}

impl Tree {
    pub(crate) const ALL: [Tree; 4] = [Tree::Meta, Tree::Records, Tree::Events, Tree::Index];

    /// The name of the sled tree that held this key space in format 1.
    pub(crate) fn format1_name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Records => "records",
            Tree::Events => "events",
            Tree::Index => "index",
        }
    }

    /// The byte that starts every key of this key space in the one tree.
    pub(crate) fn prefix(self) -> u8 {
        match self {
            Tree::Meta => b'm',
            Tree::Records => b'r',
            Tree::Events => b'e',
            Tree::Index => b'i',
        }
    }
}

/// Pending writes over all trees: `Some(value)` inserts, `None` removes.
#[derive(Debug, Default, Clone)]
pub(crate) struct Batch {
    pub(crate) ops: BTreeMap<(Tree, Vec<u8>), Option<Vec<u8>>>,
}

impl Batch {
    pub(crate) fn put(&mut self, tree: Tree, key: Vec<u8>, value: Vec<u8>) {
        self.ops.insert((tree, key), Some(value));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// A visitor of key-value pairs; returns whether to go on.
pub(crate) type Visit<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> Result<bool>;

/// What parkdb needs of a storage engine.
pub(crate) trait Store: Send + Sync {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Visits every pair whose key starts with `prefix`, in key order,
    /// without collecting them; stops early when `f` returns `false`.
    fn for_each_prefix(&self, tree: Tree, prefix: &[u8], f: Visit<'_>) -> Result<()>;
    /// Visits every pair with `start <= key < end`, in key order; stops
    /// early when `f` returns `false`.
    fn for_each_between(&self, tree: Tree, start: &[u8], end: &[u8], f: Visit<'_>) -> Result<()>;
    /// The pair with the greatest key at or below `key` among those that
    /// start with `prefix`.
    fn last_at_or_below(
        &self,
        tree: Tree,
        prefix: &[u8],
        key: &[u8],
    ) -> Result<Option<(Vec<u8>, Vec<u8>)>>;
    /// Applies every write of the batch, all or nothing.
    fn apply(&self, batch: &Batch) -> Result<()>;
    /// Makes every applied batch durable.
    fn flush(&self) -> Result<()>;
    /// Bytes used on disk.
    fn size_on_disk(&self) -> Result<u64>;
    /// False after a failed write closed the store and reopening failed.
    fn is_open(&self) -> bool;
    /// Closes the store and opens it again from disk: after a write or a
    /// flush failed (a full disk), the engine refuses everything until
    /// then, and what it had not flushed is gone. On failure the store
    /// stays closed, refusing every call, until a later `reopen`.
    fn reopen(&self) -> Result<()>;
}
