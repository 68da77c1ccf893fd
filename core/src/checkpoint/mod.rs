//! Checkpoints: a ledger's in-memory view (its current records, with the
//! fields events set that a stored state skips, and the lookups its events
//! added for good) written to a file beside the database's, so that a new
//! process loads it instead of folding every stored event again.
//!
//! A checkpoint is derived data, never trusted over the events. It names
//! what it covers: the store's format, the event counter and the ledger's
//! event count when it was written, and the checksum of the event index
//! entry of the last unit of work before it (which a database that went
//! another way since, restored from a backup say, no longer has). It is
//! used only when all of these match the store, its own checksums hold and
//! its layout is this build's; the units of work stored after it (by this
//! version or an older one that writes no checkpoints) are folded on top,
//! entity by entity. Anything else (absent, damaged, written by another
//! layout, ahead of the store, of another history) and the ledger folds
//! from its events as if there were none. Delete the `checkpoint`
//! directory at any time: nothing is lost.
//!
//! A file is written whole under a temporary name, synced and renamed over
//! the old one, so a crash leaves the old checkpoint or the new, never
//! part of one. Read-only snapshots read the checkpoint of the database
//! they copy and never write one.

mod format;
mod index;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub(crate) use format::{enabled, Place, LARGE};
pub(crate) use index::{record_at, RecordIndex};
pub(crate) use read::{
    decode_history, decode_records, open, open_alone, remove, touched_since, History, OnDisk,
    Opened,
};
pub(crate) use write::Partial;
