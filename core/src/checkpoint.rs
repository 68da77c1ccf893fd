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

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::Record;
use crate::storage::codec::FORMAT_VERSION;
use crate::storage::{keys, Store, Tree};

const MAGIC: &[u8; 8] = b"PARKDBCP";
/// The layout of the records a checkpoint holds. Raise it when a record's
/// fields (or those of anything it holds) change: checkpoints of another
/// layout are ignored. A unit test (`the_layout_is_pinned`) pins the
/// encoding of the example zone's records, so a change that forgets to
/// raise it fails there.
pub(crate) const LAYOUT: u32 = 6;
/// Units of work that together add at least this many events to a loaded
/// ledger (and at least as many as its checkpoint covers) write it again.
pub(crate) const LARGE: u64 = 100_000;
/// How many parts a checkpoint has (see [`Opened`]).
const PARTS: usize = 7;

/// Whether checkpoints are read and written: unless the environment sets
/// `PARKDB_CHECKPOINTS=off` (to measure a fold, or to keep no files but
/// the database's).
pub(crate) fn enabled() -> bool {
    std::env::var_os("PARKDB_CHECKPOINTS").is_none_or(|v| v != "off")
}

/// Where a database's checkpoints are, and whether this handle writes them.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    dir: PathBuf,
    writable: bool,
}

impl Place {
    /// The checkpoints of the database in `database`.
    pub(crate) fn of(database: &Path, writable: bool) -> Place {
        Place {
            dir: database.join(crate::files::CHECKPOINTS),
            writable,
        }
    }

    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    pub(crate) fn file(&self, kind: u8) -> PathBuf {
        self.dir
            .join(format!("{}.ckpt", crate::counts::ledger_name(kind)))
    }
}

/// What a checkpoint covers, and the checksums of its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    layout: u32,
    /// The parkdb version that wrote it.
    version: String,
    /// The store's format.
    format: u8,
    kind: u8,
    /// The event counter: every event below it is covered.
    next_event: u64,
    /// How many events of the kind it covers.
    events: u64,
    /// The last unit of work it covers: its first event id, the CRC-32 of
    /// its event index entry and that of the first value of events it
    /// wrote (which holds when they were recorded).
    anchor: Option<(u64, u32, u32)>,
    records: u64,
    /// Each part's length and CRC-32: two halves of the records, the
    /// lookups events added for good, two halves of the records' steps,
    /// where each record is ([`RecordIndex`]), then what is kept of the
    /// records to be read alone ([`Record::write_digest`]).
    parts: Vec<(u64, u32)>,
}

/// A checkpoint found to match the store: what it covers and its parts,
/// still encoded.
pub(crate) struct Opened {
    pub(crate) next_event: u64,
    pub(crate) events: u64,
    /// The file, read whole (its parts are read in place, not copied).
    bytes: Vec<u8>,
    /// Where its parts are: two halves of the records, the lower ids
    /// first, the lookups events added for good, two halves of the
    /// records' steps ([`crate::steps`]), where each record is
    /// ([`RecordIndex`]), then the records' digest.
    parts: [std::ops::Range<usize>; PARTS],
}

impl Opened {
    /// The two halves of the records, the lower ids first.
    pub(crate) fn halves(&self) -> [&[u8]; 2] {
        [self.part(0), self.part(1)]
    }

    /// The lookups events added for good.
    pub(crate) fn history(&self) -> &[u8] {
        self.part(2)
    }

    /// The two halves of the records' steps, the lower ids first.
    pub(crate) fn steps(&self) -> [&[u8]; 2] {
        [self.part(3), self.part(4)]
    }

    /// What is kept of the records to be read alone
    /// ([`Record::write_digest`]).
    pub(crate) fn digest(&self) -> &[u8] {
        self.part(6)
    }

    /// Where each record is ([`RecordIndex`]).
    pub(crate) fn index(&self) -> &[u8] {
        self.part(5)
    }

    /// The bytes of the records' halves, one after the other, as
    /// [`RecordIndex`] places records in them.
    pub(crate) fn records(&self) -> &[u8] {
        self.bytes
            .get(self.parts[0].start..self.parts[1].end)
            .unwrap_or_default()
    }

    fn part(&self, i: usize) -> &[u8] {
        self.bytes.get(self.parts[i].clone()).unwrap_or_default()
    }
}

/// Where each record of a checkpoint is, for a read of one record alone
/// (a point read in a process that has not loaded the ledger): per record
/// in id order its id, where its bytes start in the two halves of the
/// records taken as one run, their length and their CRC-32, which the
/// read checks (the halves' own checksums cover the whole, not a record
/// read alone). 24 bytes a record, after their count.
pub(crate) struct RecordIndex {
    part: Vec<u8>,
}

/// An entry of a [`RecordIndex`]: where a record's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placed {
    pub(crate) id: u64,
    pub(crate) at: u64,
    pub(crate) len: u32,
    pub(crate) crc: u32,
}

const PLACED: usize = 24;

impl RecordIndex {
    /// Checks an index's shape: its length and its ids in order.
    pub(crate) fn new(part: Vec<u8>) -> Result<RecordIndex> {
        let damaged = |why: &str| Error::Corrupt(format!("a checkpoint's record index {why}"));
        let count = part
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| damaged("is truncated"))?;
        let fits = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(PLACED))
            .and_then(|n| n.checked_add(8));
        if fits != Some(part.len()) {
            return Err(damaged("is of the wrong length"));
        }
        let index = RecordIndex { part };
        let ids = (0..index.len()).map(|i| index.entry(i).id);
        if !ids.clone().zip(ids.skip(1)).all(|(a, b)| a < b) {
            return Err(damaged("is not in id order"));
        }
        Ok(index)
    }

    pub(crate) fn len(&self) -> usize {
        (self.part.len() - 8) / PLACED
    }

    pub(crate) fn entry(&self, i: usize) -> Placed {
        let at = 8 + i * PLACED;
        let mut entry = [0; PLACED];
        if let Some(bytes) = self.part.get(at..at + PLACED) {
            entry.copy_from_slice(bytes);
        }
        let [id, at] = [&entry[..8], &entry[8..16]].map(|b| {
            let mut word = [0; 8];
            word.copy_from_slice(b);
            u64::from_le_bytes(word)
        });
        let [len, crc] = [&entry[16..20], &entry[20..]].map(|b| {
            let mut word = [0; 4];
            word.copy_from_slice(b);
            u32::from_le_bytes(word)
        });
        Placed { id, at, len, crc }
    }

    /// Where record `id` is, if the checkpoint holds it.
    pub(crate) fn find(&self, id: u64) -> Option<Placed> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            let e = self.entry(mid);
            match e.id.cmp(&id) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(e),
            }
        }
        None
    }
}

/// The record `placed` locates in `bytes` (the records' halves as one
/// run, or the run read from its place): its checksum checked, decoded
/// whole.
pub(crate) fn record_at<R: Record>(bytes: &[u8], placed: Placed) -> Result<R> {
    let damaged = || Error::Corrupt("a checkpoint's record does not match its checksum".into());
    if crc32fast::hash(bytes) != placed.crc || bytes.len() != placed.len as usize {
        return Err(damaged());
    }
    let ((record, extras), used): ((R, R::Extras), usize) = decode(bytes, "record")?;
    if used != bytes.len() {
        return Err(damaged());
    }
    Ok(record.with_extras(extras))
}

/// Where each encoded record of a half is: (id, length, CRC-32), in order.
type Placements = Vec<(u64, u32, u32)>;

/// The count a half of the records starts with, encoded.
fn count_prefix(count: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode(&count, &mut out)?;
    Ok(out)
}

/// Writes a [`RecordIndex`] of two halves: each its length in bytes (all
/// of it, count included) and its placements.
fn write_index(halves: [(u64, &Placements); 2], out: &mut dyn Write) -> Result<()> {
    let io = |e| Error::io("cannot write a checkpoint", e);
    let count: usize = halves.iter().map(|h| h.1.len()).sum();
    out.write_all(&(count as u64).to_le_bytes()).map_err(io)?;
    let mut base = 0;
    for (len, placed) in halves {
        // Each half starts with its count ([`write_records`]).
        let mut at = base + count_prefix(placed.len() as u64)?.len() as u64;
        for &(id, n, crc) in placed {
            let mut entry = [0; PLACED];
            entry[..8].copy_from_slice(&id.to_le_bytes());
            entry[8..16].copy_from_slice(&at.to_le_bytes());
            entry[16..20].copy_from_slice(&n.to_le_bytes());
            entry[20..].copy_from_slice(&crc.to_le_bytes());
            out.write_all(&entry).map_err(io)?;
            at += u64::from(n);
        }
        base += len;
    }
    Ok(())
}

/// Why a checkpoint was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unused {
    /// There is none.
    Absent,
    /// It cannot be read whole: damaged, truncated, or not a checkpoint.
    Damaged(String),
    /// Written by another layout or format.
    Other(String),
    /// It does not describe this store's events.
    Mismatch(String),
}

impl std::fmt::Display for Unused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unused::Absent => write!(f, "there is none"),
            Unused::Damaged(why) => write!(f, "it is damaged ({why})"),
            Unused::Other(why) => write!(f, "it was written by {why}"),
            Unused::Mismatch(why) => write!(f, "it does not match the events ({why})"),
        }
    }
}

/// The anchor of a store whose event counter is `next_event`: the last
/// unit of work below it, with the checksums of its index entry and of the
/// first value of events it wrote.
fn anchor(store: &dyn Store, next_event: u64) -> Result<Option<(u64, u32, u32)>> {
    if next_event <= 1 {
        return Ok(None);
    }
    let prefix = [keys::index::EVENT];
    let key = keys::index_key(keys::index::EVENT, &[&(next_event - 1).to_be_bytes()]);
    let Some((k, v)) = store.last_at_or_below(Tree::Index, &prefix, &key)? else {
        return Ok(None);
    };
    let unit = keys::u64_at(&k, 1)?;
    let events = match keys::decode_runs(unit, &v)?.first() {
        Some(&(first, kind, entity)) => store
            .get(
                Tree::Events,
                &keys::event(kind, keys::block_of(entity), first),
            )?
            .map_or(0, |value| crc32fast::hash(&value)),
        None => 0,
    };
    Ok(Some((unit, crc32fast::hash(&v), events)))
}

fn encode<T: Serialize, W: Write + ?Sized>(value: &T, mut out: &mut W) -> Result<()> {
    bincode::serde::encode_into_std_write(value, &mut out, bincode::config::standard()).map_err(
        |e| match e {
            bincode::error::EncodeError::Io { inner, .. } => {
                Error::io("cannot write a checkpoint", inner)
            }
            e => Error::Internal(format!("cannot encode a checkpoint: {e}")),
        },
    )?;
    Ok(())
}

fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<(T, usize)> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map_err(|e| Error::Corrupt(format!("cannot decode a checkpoint's {what}: {e}")))
}

/// Writes records (in id order) as a part: their count, then each, the
/// record and the fields its own events set ([`Record::extras`]); says
/// where each record went: (id, length, CRC-32), in order.
fn write_records<R: Record>(records: &[&R], out: &mut dyn Write) -> Result<Placements> {
    let io = |e| Error::io("cannot write a checkpoint", e);
    out.write_all(&count_prefix(records.len() as u64)?)
        .map_err(io)?;
    let mut placed = Vec::with_capacity(records.len());
    let mut one = Vec::new();
    for r in records {
        one.clear();
        encode(&(r, r.extras()), &mut one)?;
        out.write_all(&one).map_err(io)?;
        placed.push(placement(r.id(), &one)?);
    }
    Ok(placed)
}

/// Where record `id`, encoded as `one`, goes in a [`RecordIndex`] but for
/// its place: (id, length, CRC-32).
fn placement(id: u64, one: &[u8]) -> Result<(u64, u32, u32)> {
    let len = u32::try_from(one.len())
        .map_err(|_| Error::Internal("a record of more than 4 GiB in a checkpoint".into()))?;
    Ok((id, len, crc32fast::hash(one)))
}

/// The part [`write_records`] writes, in memory.
#[cfg(test)]
pub(crate) fn encode_records<R: Record>(records: &[&R]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_records(records, &mut out)?;
    Ok(out)
}

/// Visits the records of a part made by [`write_records`], in order.
pub(crate) fn decode_records<R: Record>(part: &[u8], f: &mut dyn FnMut(R)) -> Result<()> {
    let (count, mut at): (u64, usize) = decode(part, "record count")?;
    for _ in 0..count {
        let ((record, extras), used): ((R, R::Extras), usize) =
            decode(part.get(at..).unwrap_or_default(), "records")?;
        at += used;
        f(record.with_extras(extras));
    }
    if at != part.len() {
        return Err(Error::Corrupt(
            "a checkpoint's records part has trailing bytes".into(),
        ));
    }
    Ok(())
}

/// The lookups events added for good, as a part: (family, value, ids).
pub(crate) type History = Vec<(u8, Vec<u8>, Vec<u64>)>;

pub(crate) fn decode_history(part: &[u8]) -> Result<History> {
    Ok(decode(part, "lookups")?.0)
}

/// The room a checkpoint's file keeps for its header, after the magic
/// and the header's length: the parts are written after it as they are
/// encoded, and the header (a few dozen bytes; what the parts' lengths
/// and checksums are is known only then) last, into this room, the rest
/// of which stays zero.
const HEAD_ROOM: usize = 1024;

/// A checkpoint being written: its temporary file, made before its parts
/// are encoded. Dropped unfinished, it removes the file; a crash leaves
/// it, and the next write replaces it.
pub(crate) struct Partial {
    file: std::fs::File,
    temporary: PathBuf,
    target: PathBuf,
    dir: PathBuf,
    done: bool,
}

/// A writer that counts the bytes through it and their CRC-32.
struct Counted<W> {
    inner: W,
    len: u64,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or_default();
        self.crc.update(written);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Partial {
    /// Starts the checkpoint of `kind`.
    pub(crate) fn begin(place: &Place, kind: u8) -> Result<Partial> {
        if !place.writable {
            return Err(Error::ReadOnly(
                "a read-only snapshot writes no checkpoint".into(),
            ));
        }
        crate::files::create_private_dir(&place.dir)?;
        let target = place.file(kind);
        let temporary = target.with_extension("ckpt.partial");
        // It holds every record of the ledger: private, as the database's
        // own files are.
        let mut file = std::os::unix::fs::OpenOptionsExt::mode(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true),
            0o600,
        )
        .open(&temporary)
        .map_err(|e| Error::io(format!("cannot create {}", temporary.display()), e))?;
        (|| {
            file.write_all(MAGIC)?;
            file.write_all(&u32::try_from(HEAD_ROOM).unwrap_or(u32::MAX).to_be_bytes())?;
            file.write_all(&[0; HEAD_ROOM])
        })()
        .map_err(|e| Error::io(format!("cannot write {}", temporary.display()), e))?;
        Ok(Partial {
            file,
            temporary,
            target,
            dir: place.dir.clone(),
            done: false,
        })
    }

    /// Writes one part after those before it, through a buffer straight
    /// to the file: its length and CRC-32.
    fn part(&mut self, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<(u64, u32)> {
        let mut out = std::io::BufWriter::with_capacity(
            1 << 20,
            Counted {
                inner: &mut self.file,
                len: 0,
                crc: crc32fast::Hasher::new(),
            },
        );
        write(&mut out)?;
        let counted = out
            .into_inner()
            .map_err(|e| Error::io("cannot write a checkpoint", e.into_error()))?;
        Ok((counted.len, counted.crc.finalize()))
    }

    /// Writes the checkpoint of kind `R` (see [`Opened`]): `records` in
    /// id order, the lookups events added for good and the records'
    /// steps, streamed to the file as they are encoded (only the upper
    /// half of the records is held in memory, encoded meanwhile on a
    /// thread of its own), covering the store as it is now: call with
    /// the commit lock held, so no unit of work lands meanwhile. Replaces
    /// the old checkpoint only once the new one is whole on disk.
    pub(crate) fn finish<R: Record>(
        mut self,
        store: &dyn Store,
        records: &[&R],
        history: &History,
        steps: &crate::steps::Steps,
    ) -> Result<()> {
        let (lower, upper) = records.split_at(records.len() / 2);
        let [low, high] = steps.halves();
        // The lower half streamed to the file while another thread encodes
        // the upper, which follows it: encoding is most of the work.
        let mut placed_low = Vec::new();
        let (first, (second, placed_high)) = crate::threads::both(
            "writing a checkpoint",
            || {
                self.part(|out| {
                    placed_low = write_records(lower, out)?;
                    Ok(())
                })
            },
            || {
                let mut part = Vec::new();
                write_records(upper, &mut part).map(|placed| (part, placed))
            },
        )?;
        let after = self.part(|out| {
            out.write_all(&second)
                .map_err(|e| Error::io("cannot write a checkpoint", e))
        })?;
        drop(second);
        let parts = vec![
            first,
            after,
            self.part(|out| encode(history, out))?,
            self.part(|out| low.write_to(out))?,
            self.part(|out| high.write_to(out))?,
            self.part(|out| write_index([(first.0, &placed_low), (after.0, &placed_high)], out))?,
            self.part(|out| R::write_digest(records, out))?,
        ];
        self.seal::<R>(store, records.len() as u64, parts)
    }

    /// Writes the checkpoint of kind `R` (see [`Opened`]) from its stored
    /// events, the kind not loaded: the records folded and encoded a half
    /// of the ids per thread (each half's encoded records, codes, lookups
    /// and steps held until written, not the records themselves), so a
    /// handle closing after an import that did not load the kind writes
    /// its checkpoint without holding a million records. For a kind whose
    /// digest is its codes alone ([`Record::DIGEST_IS_CODES`]); the file
    /// reads back as [`Partial::finish`]'s does. Call with the commit lock
    /// held, as that.
    pub(crate) fn finish_folding<R: Record>(mut self, store: &dyn Store) -> Result<()> {
        if !R::DIGEST_IS_CODES {
            return Err(Error::Internal(format!(
                "the checkpoint of the {} ledger is written from its records",
                R::ENTITY
            )));
        }
        let ([mut lower, upper], events) = crate::record::fold_halves::<R, _>(
            "writing a checkpoint",
            store,
            Folded::<R>::new,
            Folded::<R>::take,
        )?;
        crate::counts::verify_loaded(store, R::KIND, events)?;
        let records = lower.count + upper.count;
        let mut parts = Vec::with_capacity(PARTS);
        for half in [&lower, &upper] {
            // As `write_records` writes them: the count, then each record.
            let count = count_prefix(half.count)?;
            parts.push(self.part(|out| {
                out.write_all(&count)
                    .and_then(|()| out.write_all(&half.records))
                    .map_err(|e| Error::io("cannot write a checkpoint", e))
            })?);
        }
        // What is written is let go: the steps and codes are what is left.
        lower.records = Vec::new();
        drop(upper.records);
        lower.steps.join(upper.steps);
        // Every id of the upper half is above the lower's: each key's ids
        // stay in order.
        for (key, ids) in upper.history {
            lower.history.entry(key).or_default().extend(ids);
        }
        let history: History = std::mem::take(&mut lower.history)
            .into_iter()
            .map(|((family, value), ids)| (family, value, ids))
            .collect();
        parts.push(self.part(|out| encode(&history, out))?);
        drop(history);
        let [low_steps, high_steps] = lower.steps.halves();
        parts.push(self.part(|out| low_steps.write_to(out))?);
        parts.push(self.part(|out| high_steps.write_to(out))?);
        let halves = [(parts[0].0, &lower.placed), (parts[1].0, &upper.placed)];
        parts.push(self.part(|out| write_index(halves, out))?);
        let mut codes = lower.codes;
        codes.extend(upper.codes);
        parts.push(self.part(|out| {
            let mut part = crate::sections::Writer::new(out);
            if let Some(family) = R::CODE {
                crate::record::write_code_section(family, codes, &mut part)?;
            }
            part.finish()
        })?);
        self.seal::<R>(store, records, parts)
    }

    /// Writes the header of a checkpoint whose parts are written, covering
    /// the store as it is now, and puts the file in its place.
    fn seal<R: Record>(
        mut self,
        store: &dyn Store,
        records: u64,
        parts: Vec<(u64, u32)>,
    ) -> Result<()> {
        let next_event = crate::counts::next_event(store)?;
        let header = Header {
            layout: LAYOUT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            format: FORMAT_VERSION,
            kind: R::KIND,
            next_event,
            events: crate::counts::of_kind(store, R::KIND)?,
            anchor: anchor(store, next_event)?,
            records,
            parts,
        };
        let mut head = Vec::new();
        encode(&header, &mut head)?;
        if head.len() > HEAD_ROOM {
            return Err(Error::Internal(format!(
                "a checkpoint's header takes {} bytes, more than its room",
                head.len()
            )));
        }
        let io = |what: &str, e: std::io::Error| {
            Error::io(format!("cannot {what} {}", self.temporary.display()), e)
        };
        std::os::unix::fs::FileExt::write_all_at(&self.file, &head, (MAGIC.len() + 4) as u64)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| io("write", e))?;
        std::fs::rename(&self.temporary, &self.target).map_err(|e| io("rename", e))?;
        self.done = true;
        // The rename is durable once the directory is; if that sync fails,
        // a crash leaves the old checkpoint or the new, both whole.
        let _ = crate::files::sync_dir(&self.dir);
        Ok(())
    }
}

/// A half of a kind's ids folded from their stored events, for
/// [`Partial::finish_folding`].
struct Folded<R: Record> {
    /// The records, each as [`write_records`] encodes it.
    records: Vec<u8>,
    count: u64,
    /// Where each is in `records` ([`RecordIndex`]).
    placed: Placements,
    /// (code, id) of the records that have one ([`Record::CODE`]).
    codes: Vec<(Box<[u8]>, u64)>,
    /// The lookups events added for good: (family, value) → ids, in order.
    history: BTreeMap<(u8, Vec<u8>), Vec<u64>>,
    steps: crate::steps::Steps,
    kind: std::marker::PhantomData<R>,
}

impl<R: Record> Folded<R> {
    /// Nothing folded yet of the half `ids`.
    fn new(ids: crate::record::Ids) -> Folded<R> {
        Folded {
            records: Vec::new(),
            count: 0,
            placed: Vec::new(),
            codes: Vec::new(),
            history: BTreeMap::new(),
            steps: if R::STEPS {
                crate::steps::Steps::from(ids.from)
            } else {
                crate::steps::Steps::default()
            },
            kind: std::marker::PhantomData,
        }
    }

    /// Takes in one entity, as a load does (`cache::fold_all`).
    fn take(
        &mut self,
        (id, events, folded, steps): crate::record::FoldedEntity<'_, R>,
    ) -> Result<()> {
        for key in crate::record::history_in::<R>(events) {
            let ids = self.history.entry(key).or_default();
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        if let Some(r) = folded {
            let start = self.records.len();
            encode(&(&r, r.extras()), &mut self.records)?;
            let one = self.records.get(start..).unwrap_or_default();
            self.placed.push(placement(id, one)?);
            self.count += 1;
            if let Some((family, code)) = r.code() {
                if Some(family) == R::CODE {
                    self.codes.push((code.into(), id));
                }
            }
        }
        if R::STEPS {
            self.steps.push(id, steps.as_deref());
        }
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Reads the checkpoint of `kind` and checks it against the store.
pub(crate) fn open(
    place: &Place,
    store: &dyn Store,
    kind: u8,
) -> std::result::Result<Opened, Unused> {
    let bytes = match std::fs::read(place.file(kind)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unused::Absent),
        Err(e) => return Err(Unused::Damaged(format!("cannot read it: {e}"))),
    };
    let (header, mut at) = header_of(&bytes)?;
    this_builds(&header, kind)?;
    let mut parts = Vec::new();
    for (len, crc) in &header.parts {
        let len = usize::try_from(*len).map_err(|_| damaged("part too long"))?;
        let range = at..at
            .checked_add(len)
            .ok_or_else(|| damaged("part too long"))?;
        let part = bytes
            .get(range.clone())
            .ok_or_else(|| damaged("truncated"))?;
        if crc32fast::hash(part) != *crc {
            return Err(damaged("a part's checksum does not match"));
        }
        parts.push(range);
        at += len;
    }
    let parts: [std::ops::Range<usize>; PARTS] = parts
        .try_into()
        .map_err(|_| damaged("parts of the wrong number"))?;
    if at != bytes.len() {
        return Err(damaged("parts of the wrong length"));
    }
    matches(&header, store)?;
    Ok(Opened {
        next_event: header.next_event,
        events: header.events,
        bytes,
        parts,
    })
}

/// A checkpoint of `kind` that matches the store, its parts to be read
/// alone (the steps, the digest: the file's other parts are not read;
/// their checksums are checked when they are).
pub(crate) fn open_alone(
    place: &Place,
    store: &dyn Store,
    kind: u8,
) -> std::result::Result<OnDisk, Unused> {
    use std::io::Read;
    let mut file = match std::fs::File::open(place.file(kind)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unused::Absent),
        Err(e) => return Err(Unused::Damaged(format!("cannot read it: {e}"))),
    };
    let io = |e: std::io::Error| Unused::Damaged(format!("cannot read it: {e}"));
    let mut head = vec![0; MAGIC.len() + 4];
    file.read_exact(&mut head).map_err(io)?;
    let len = u32::from_be_bytes(head[MAGIC.len()..].try_into().unwrap_or_default());
    // A header is a few dozen bytes: a length beyond reason is damage,
    // not a reason to allocate.
    if len > 1 << 16 {
        return Err(damaged("header of the wrong length"));
    }
    head.resize(head.len() + len as usize, 0);
    file.read_exact(&mut head[MAGIC.len() + 4..]).map_err(io)?;
    let (header, start) = header_of(&head)?;
    this_builds(&header, kind)?;
    if header.parts.len() != PARTS {
        return Err(damaged("parts of the wrong number"));
    }
    let mut at = start as u64;
    let mut places = Vec::new();
    for &(len, crc) in &header.parts {
        places.push((at, len, crc));
        at = at
            .checked_add(len)
            .ok_or_else(|| damaged("part too long"))?;
    }
    if file.metadata().map_err(io)?.len() != at {
        return Err(damaged("parts of the wrong length"));
    }
    matches(&header, store)?;
    let places: [(u64, u64, u32); PARTS] = places
        .try_into()
        .map_err(|_| damaged("parts of the wrong number"))?;
    Ok(OnDisk {
        records: header.records,
        covered: Covered {
            next_event: header.next_event,
            events: header.events,
        },
        file,
        places,
    })
}

/// A checkpoint found to match the store, on disk.
pub(crate) struct OnDisk {
    pub(crate) covered: Covered,
    /// How many records it holds.
    pub(crate) records: u64,
    file: std::fs::File,
    /// Each part's offset, length and CRC-32.
    places: [(u64, u64, u32); PARTS],
}

impl OnDisk {
    fn file_part(&self, i: usize) -> FilePart<'_> {
        let (offset, len, _) = self.places[i];
        FilePart {
            file: &self.file,
            offset,
            len,
        }
    }

    /// The digest's length, and a reader of its bytes at an offset (its
    /// own sections carry their checksums: see [`Record::write_digest`]).
    pub(crate) fn digest(&self) -> (u64, impl Fn(u64, &mut [u8]) -> Result<()> + '_) {
        let part = self.file_part(6);
        (part.len, move |at, into: &mut [u8]| {
            crate::steps::Source::read_at(&part, at, into)
        })
    }

    /// Reads where each record is, and checks its checksum.
    pub(crate) fn index(&self) -> Result<RecordIndex> {
        let part = self.file_part(5);
        let len = usize::try_from(part.len)
            .map_err(|_| Error::Corrupt("a checkpoint's record index is too long".into()))?;
        let mut bytes = vec![0; len];
        crate::steps::Source::read_at(&part, 0, &mut bytes)?;
        if crc32fast::hash(&bytes) != self.places[5].2 {
            return Err(Error::Corrupt(
                "a checkpoint's record index does not match its checksum".into(),
            ));
        }
        RecordIndex::new(bytes)
    }

    /// The record `placed` locates, read alone from the file (see
    /// [`record_at`]).
    pub(crate) fn record<R: Record>(&self, placed: Placed) -> Result<R> {
        let (start, first, _) = self.places[0];
        let run = FilePart {
            file: &self.file,
            offset: start,
            len: first + self.places[1].1,
        };
        if placed.at.saturating_add(u64::from(placed.len)) > run.len {
            return Err(Error::Corrupt(
                "a checkpoint's record lies beyond its records".into(),
            ));
        }
        let mut bytes = vec![0; placed.len as usize];
        crate::steps::Source::read_at(&run, placed.at, &mut bytes)?;
        record_at(&bytes, placed)
    }

    /// Reads the steps, each half on a thread of its own, and checks
    /// their checksums.
    pub(crate) fn steps(&self) -> Result<crate::steps::Steps> {
        let (lower, upper) = (self.file_part(3), self.file_part(4));
        let (steps, found) = crate::steps::Steps::read([&lower, &upper])?;
        if found != [self.places[3].2, self.places[4].2] {
            return Err(Error::Corrupt(
                "a checkpoint's steps do not match their checksum".into(),
            ));
        }
        Ok(steps)
    }
}

/// A part of a checkpoint file, read where it lies.
struct FilePart<'a> {
    file: &'a std::fs::File,
    offset: u64,
    len: u64,
}

impl crate::steps::Source for FilePart<'_> {
    fn size(&self) -> u64 {
        self.len
    }

    fn read_at(&self, at: u64, into: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        let end = at.checked_add(into.len() as u64);
        if end.is_none_or(|end| end > self.len) {
            return Err(Error::Corrupt("a checkpoint's part is truncated".into()));
        }
        self.file
            .read_exact_at(into, self.offset + at)
            .map_err(|e| Error::io("cannot read a checkpoint", e))
    }
}

/// What a checkpoint covers: every event below `next_event`, `events` of
/// them of its kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Covered {
    pub(crate) next_event: u64,
    pub(crate) events: u64,
}

fn damaged(why: &str) -> Unused {
    Unused::Damaged(why.to_string())
}

/// The header at the start of a checkpoint's bytes, and where its parts
/// begin.
fn header_of(bytes: &[u8]) -> std::result::Result<(Header, usize), Unused> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| damaged("not a parkdb checkpoint"))?;
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| damaged("truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    let head = rest.get(..len).ok_or_else(|| damaged("truncated header"))?;
    let (header, used): (Header, usize) =
        decode(head, "header").map_err(|e| Unused::Damaged(e.to_string()))?;
    // The header's room beyond it is zero ([`HEAD_ROOM`]).
    if head
        .get(used..)
        .is_none_or(|rest| rest.iter().any(|b| *b != 0))
    {
        return Err(damaged("header of the wrong length"));
    }
    Ok((header, MAGIC.len() + 4 + len))
}

/// Whether a checkpoint's header is this build's and of `kind`.
fn this_builds(header: &Header, kind: u8) -> std::result::Result<(), Unused> {
    // Another version may fold the same events differently (a rule
    // mended, a field derived anew): its checkpoint is not this one's.
    if header.layout != LAYOUT
        || header.version != env!("CARGO_PKG_VERSION")
        || header.format != FORMAT_VERSION
        || header.kind != kind
    {
        return Err(Unused::Other(format!(
            "parkdb {} (layout {}, format {}, kind {})",
            header.version, header.layout, header.format, header.kind
        )));
    }
    Ok(())
}

/// Whether a checkpoint's header describes the store's events.
fn matches(header: &Header, store: &dyn Store) -> std::result::Result<(), Unused> {
    let mismatch = |why: String| Unused::Mismatch(why);
    let (next_event, found) = (|| {
        Ok::<_, Error>((
            crate::counts::next_event(store)?,
            anchor(store, header.next_event)?,
        ))
    })()
    .map_err(|e| mismatch(format!("cannot read the store: {e}")))?;
    if header.next_event > next_event {
        return Err(mismatch(format!(
            "it covers {} events, the database has {}",
            header.next_event - 1,
            next_event - 1
        )));
    }
    if found != header.anchor {
        return Err(mismatch(
            "the last unit of work it covers is not stored as it was".into(),
        ));
    }
    Ok(())
}

/// The entities of kind `R` that units of work stored from event
/// `next_event` on touched.
pub(crate) fn touched_since<R: Record>(
    store: &dyn Store,
    next_event: u64,
) -> Result<BTreeSet<u64>> {
    let start = keys::index_key(keys::index::EVENT, &[&next_event.to_be_bytes()]);
    let end = [keys::index::EVENT + 1];
    let mut touched = BTreeSet::new();
    store.for_each_between(Tree::Index, &start, &end, &mut |k, v| {
        for (_, kind, entity) in keys::decode_runs(keys::u64_at(k, 1)?, v)? {
            if kind == R::KIND {
                touched.insert(entity);
            }
        }
        Ok(true)
    })?;
    Ok(touched)
}

/// Deletes the checkpoint of `kind`, if there is one.
pub(crate) fn remove(place: &Place, kind: u8) -> Result<()> {
    match std::fs::remove_file(place.file(kind)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(
            format!("cannot remove {}", place.file(kind).display()),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprise::Enterprise;
    use crate::fund::{Application, Programme};
    use crate::indicators::Indicator;
    use crate::land::Parcel;

    /// The CRC-32 of the example zone's records of kind `R` as a
    /// checkpoint encodes them (boundaries left out: their areas are
    /// measured in floating point).
    fn layout_of<R: Record>(db: &crate::Db, strip: fn(&mut R)) -> u32 {
        let engine = &db.engine;
        let records: Vec<R> = engine
            .cache
            .with::<R, _>(engine.store.as_ref(), |k| {
                k.records.values().map(|r| (**r).clone()).collect()
            })
            .unwrap();
        let mut records = records;
        records.iter_mut().for_each(strip);
        crc32fast::hash(&encode_records(&records.iter().collect::<Vec<_>>()).unwrap())
    }

    fn digest_of<R: Record>(db: &crate::Db) -> u32 {
        let records: Vec<R> = db
            .engine
            .cache
            .with::<R, _>(db.engine.store.as_ref(), |k| {
                k.records.values().map(|r| (**r).clone()).collect()
            })
            .unwrap();
        let mut digest = Vec::new();
        R::write_digest(&records.iter().collect::<Vec<_>>(), &mut digest).unwrap();
        crc32fast::hash(&digest)
    }

    fn steps_of(db: &crate::Db) -> crate::steps::Steps {
        let mut steps = crate::steps::Steps::from(1);
        crate::record::for_each_stored::<Parcel>(db.engine.store.as_ref(), &mut |id, events| {
            let made = crate::record::stored_fold_with_steps::<Parcel, _>(id, &events?)?.1;
            assert!(made.is_some());
            steps.push(id, made.as_deref());
            Ok(true)
        })
        .unwrap();
        steps
    }

    /// The example zone in a database closed once (which wrote its
    /// checkpoints) and opened again.
    fn example_zone_closed_and_opened() -> (tempfile::TempDir, crate::Db) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zone.parkdb");
        {
            let db = crate::Db::open(&path).unwrap();
            crate::example::build_seed(&db).unwrap();
        }
        let db = crate::Db::open(&path).unwrap();
        (dir, db)
    }

    /// Writes kind `R`'s checkpoint again with part `i` as `edit` makes it
    /// from the part and the records, under checksums that hold. The
    /// problems `check()` finds.
    fn check_with_part_of<R: Record>(
        db: &crate::Db,
        i: usize,
        edit: impl FnOnce(&[u8], &mut Vec<R>) -> Vec<u8>,
    ) -> Vec<String> {
        let place = db.engine.cache.place().unwrap().clone();
        let store = db.engine.store.as_ref();
        let file = place.file(R::KIND);
        let bytes = std::fs::read(&file).unwrap();
        let (mut header, start) = header_of(&bytes).unwrap();
        let opened = open(&place, store, R::KIND).unwrap();
        let mut records = Vec::new();
        for half in opened.halves() {
            decode_records::<R>(half, &mut |r| records.push(r)).unwrap();
        }
        assert!(db.check().unwrap().is_clean());
        let size = |parts: &[(u64, u32)]| usize::try_from(parts.iter().map(|p| p.0).sum::<u64>());
        let before = start + size(&header.parts[..i]).unwrap();
        let after = start + size(&header.parts[..=i]).unwrap();
        let part = edit(&bytes[before..after], &mut records);
        header.parts[i] = (part.len() as u64, crc32fast::hash(&part));
        let mut head = Vec::new();
        encode(&header, &mut head).unwrap();
        head.resize(HEAD_ROOM, 0);
        let mut out = bytes[..MAGIC.len() + 4].to_vec();
        out.extend(head);
        out.extend(&bytes[start..before]);
        out.extend(part);
        out.extend(&bytes[after..]);
        std::fs::write(&file, out).unwrap();
        assert!(open(&place, store, R::KIND).is_ok());
        db.check().unwrap().problems
    }

    /// [`check_with_part_of`] the digest of the records as `edit` changes
    /// them: the records still match the folds, the digest not.
    fn check_with_digest_of<R: Record>(
        db: &crate::Db,
        edit: impl FnOnce(&mut Vec<R>),
    ) -> Vec<String> {
        check_with_part_of::<R>(db, 6, |_, records| {
            edit(records);
            let mut digest = Vec::new();
            R::write_digest(&records.iter().collect::<Vec<_>>(), &mut digest).unwrap();
            digest
        })
    }

    #[test]
    fn check_finds_a_record_index_that_does_not_place_the_records() {
        let (_dir, db) = example_zone_closed_and_opened();
        // The places of the first two records swapped: each read alone
        // would take the other's bytes.
        let problems = check_with_part_of::<Parcel>(&db, 5, |index, _| {
            let mut index = index.to_vec();
            let (first, second) = (8 + 8..8 + 16, 8 + PLACED + 8..8 + PLACED + 16);
            let at = index[first.clone()].to_vec();
            assert_ne!(at, index[second.clone()]);
            index.copy_within(second.clone(), first.start);
            index[second].copy_from_slice(&at);
            index
        });
        assert!(
            problems
                .iter()
                .any(|p| p.contains("record index does not place")),
            "{problems:?}"
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        // Read alone, those records' bytes do not check: point reads fold
        // the events instead, and find what the loaded records hold.
        let parcels = db.now().all_parcels().unwrap();
        db.engine.cache.reset();
        for p in &parcels {
            assert_eq!(
                format!("{:?}", db.now().parcel(p.id).unwrap()),
                format!("{p:?}")
            );
        }
        assert!(db.engine.cache.if_loaded::<Parcel, _>(|_| ()).is_none());
    }

    /// What kind `R`'s checkpoint on disk holds: its records re-encoded
    /// in one part (the halves may split elsewhere), its lookups, steps
    /// and digest as written, and its record index but for the places
    /// (which move with the split).
    fn held_by_checkpoint<R: Record>(db: &crate::Db) -> [Vec<u8>; 6] {
        let place = db.engine.cache.place().unwrap().clone();
        let opened = open(&place, db.engine.store.as_ref(), R::KIND).unwrap();
        let mut records = Vec::new();
        for half in opened.halves() {
            decode_records::<R>(half, &mut |r| records.push(r)).unwrap();
        }
        let [low, high] = opened.steps();
        [
            encode_records(&records.iter().collect::<Vec<_>>()).unwrap(),
            opened.history().to_vec(),
            low.to_vec(),
            high.to_vec(),
            opened.digest().to_vec(),
            {
                let index = RecordIndex::new(opened.index().to_vec()).unwrap();
                assert_eq!(index.len(), records.len());
                (0..index.len())
                    .flat_map(|i| {
                        let e = index.entry(i);
                        [e.id, u64::from(e.len), u64::from(e.crc)]
                    })
                    .flat_map(u64::to_le_bytes)
                    .collect()
            },
        ]
    }

    /// Kind `R`'s checkpoint written from its loaded records and then
    /// from its stored events, the kind not loaded: the same file but for
    /// where the records' halves split. The kind stays unloaded.
    fn written_both_ways<R: Record>(db: &crate::Db) {
        let engine = &db.engine;
        let store = engine.store.as_ref();
        engine.cache.with::<R, _>(store, |_| ()).unwrap();
        engine.cache.save::<R>(store).unwrap();
        let from_records = held_by_checkpoint::<R>(db);
        engine.cache.reset();
        engine.cache.save::<R>(store).unwrap();
        assert!(
            engine.cache.if_loaded::<R, _>(|_| ()).is_none(),
            "{}",
            R::ENTITY
        );
        let folded = held_by_checkpoint::<R>(db);
        for (i, what) in ["records", "lookups", "steps", "steps", "digest", "index"]
            .iter()
            .enumerate()
        {
            assert!(from_records[i] == folded[i], "{} {what}", R::ENTITY);
        }
        // And it loads, as a new process would.
        engine.cache.reset();
        engine.cache.with::<R, _>(store, |_| ()).unwrap();
        assert_eq!(engine.cache.loaded_from_checkpoint(R::KIND), Some(true));
        assert!(db.check().unwrap().is_clean());
    }

    #[test]
    fn a_checkpoint_folded_from_the_events_is_the_one_written_from_the_records() {
        use crate::land::SupplyMethod;
        use crate::units::{Mu, Yuan};
        use crate::writer::{Allocation, NewParcel};
        let (_dir, db) = example_zone_closed_and_opened();
        let firms = db.now().enterprises().unwrap();
        let day = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap() + chrono::Days::new(d.into())
        };
        // Enough parcels for both halves of the ids, with holders (ever
        // held: lookups kept for good), transfers and reclamations.
        db.write(|tx| {
            for i in 0..400u32 {
                let id = tx.add_parcel(NewParcel::new(
                    format!("T-{i:04}"),
                    Mu::from_units(1_000 + i64::from(i)),
                    crate::land::LandUse::Industrial,
                    day(i),
                ))?;
                if i % 3 == 0 {
                    continue;
                }
                let holder = firms[i as usize % firms.len()].id;
                let held = |date, fen| Allocation {
                    holder,
                    date,
                    method: SupplyMethod::Listing,
                    price: Yuan::from_fen(fen),
                    start_by: None,
                    complete_by: None,
                };
                tx.allocate(id, held(day(i + 10), i64::from(i) * 100))?;
                if i % 7 == 0 {
                    tx.reclaim(id, day(i + 400), "闲置")?;
                }
                if i % 14 == 0 {
                    // Held again by the same firm: one id in its lookup.
                    tx.allocate(id, held(day(i + 500), 100))?;
                }
            }
            Ok(())
        })
        .unwrap();
        written_both_ways::<Parcel>(&db);
        written_both_ways::<Programme>(&db);
        written_both_ways::<Application>(&db);
        written_both_ways::<Indicator>(&db);
    }

    #[test]
    fn each_record_is_read_alone_where_the_index_places_it() {
        // Both ways of writing a checkpoint: from the loaded records (the
        // register, the parcels of a closing handle that read them) and
        // from the events (the parcels of one that only wrote them).
        let (_dir, db) = example_zone_closed_and_opened();
        let engine = &db.engine;
        let store = engine.store.as_ref();
        let place = engine.cache.place().unwrap().clone();
        let alone_then_loaded = |from_events: bool| {
            if from_events {
                let _read = engine.read_guard();
                Partial::begin(&place, Parcel::KIND)
                    .unwrap()
                    .finish_folding::<Parcel>(store)
                    .unwrap();
            }
            let _read = engine.read_guard();
            let opened = open(&place, store, Parcel::KIND).unwrap();
            let mut ids = Vec::new();
            for half in opened.halves() {
                decode_records::<Parcel>(half, &mut |r| ids.push(r.id.0)).unwrap();
            }
            let alone: Vec<String> = ids
                .iter()
                .map(|id| match engine.cache.record_alone::<Parcel>(store, *id) {
                    Some(crate::cache::Alone::Held(p)) => format!("{p:?}"),
                    other => panic!("parcel {id} not read alone: {other:?}"),
                })
                .collect();
            // An id the checkpoint does not hold, no unit of work touched:
            // no such parcel.
            assert!(matches!(
                engine.cache.record_alone::<Parcel>(store, 1 << 40),
                Some(crate::cache::Alone::NoneSuch)
            ));
            (ids, alone)
        };
        for from_events in [false, true] {
            let (ids, alone) = alone_then_loaded(from_events);
            assert!(ids.len() > 10);
            let _read = engine.read_guard();
            let loaded: Vec<String> = engine
                .cache
                .with::<Parcel, _>(store, |k| {
                    ids.iter()
                        .map(|id| format!("{:?}", k.records[id]))
                        .collect()
                })
                .unwrap();
            assert_eq!(alone, loaded, "written from the events: {from_events}");
            // Loaded, the records answer, not the checkpoint.
            assert!(engine.cache.record_alone::<Parcel>(store, ids[0]).is_none());
            engine.cache.reset();
        }
        assert!(db.check().unwrap().is_clean());
    }

    #[test]
    fn the_register_is_not_written_from_its_events() {
        let (_dir, db) = example_zone_closed_and_opened();
        let place = db.engine.cache.place().unwrap().clone();
        let partial = Partial::begin(&place, Enterprise::KIND).unwrap();
        assert!(matches!(
            partial.finish_folding::<Enterprise>(db.engine.store.as_ref()),
            Err(Error::Internal(_))
        ));
        // And saving it loads it instead.
        db.engine
            .cache
            .save::<Enterprise>(db.engine.store.as_ref())
            .unwrap();
        assert!(db.engine.cache.if_loaded::<Enterprise, _>(|_| ()).is_some());
    }

    #[test]
    fn check_finds_codes_other_than_the_records() {
        let (_dir, db) = example_zone_closed_and_opened();
        let problems = check_with_digest_of::<Parcel>(&db, |parcels| {
            parcels[0].code.push_str("-X");
        });
        assert!(
            problems
                .iter()
                .any(|p| p.contains("parcel ledger's checkpoint keeps other codes than")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("figures by year")),
            "{problems:?}"
        );
    }

    #[test]
    fn check_finds_figures_by_year_other_than_the_records() {
        let (_dir, db) = example_zone_closed_and_opened();
        // One firm renamed: its name is in the firms' section, not a code.
        let problems = check_with_digest_of::<Enterprise>(&db, |firms| {
            firms[0].name.push_str(" (renamed)");
        });
        assert!(
            problems
                .iter()
                .any(|p| p
                    .contains("enterprise ledger's checkpoint keeps other figures by year than")),
            "{problems:?}"
        );
        // And an evaluation read from it shows what it holds: the check
        // is what finds such a file.
        let scheme = crate::scheme::huangyan_2022();
        let scores = db.now().scores(&scheme, 2005).unwrap();
        assert!((0..scores.len()).any(|i| scores.name(i).ends_with(" (renamed)")));
    }

    #[test]
    fn steps_read_alone_from_a_damaged_file_are_refused_never_a_panic() {
        let (_dir, db) = example_zone_closed_and_opened();
        let place = db.engine.cache.place().unwrap().clone();
        let store = db.engine.store.as_ref();
        let file = place.file(Parcel::KIND);
        let good = std::fs::read(&file).unwrap();
        let whole = open_alone(&place, store, Parcel::KIND)
            .unwrap()
            .steps()
            .unwrap();
        let opened = open(&place, store, Parcel::KIND).unwrap();
        assert_eq!(
            format!("{:?}", crate::steps::Steps::decode(opened.steps()).unwrap()),
            format!("{whole:?}"),
            "read alone or with the records, the same steps"
        );
        let steps = |bytes: &[u8]| {
            std::fs::write(&file, bytes).unwrap();
            open_alone(&place, store, Parcel::KIND).map(|on_disk| on_disk.steps())
        };
        // Cut anywhere: refused.
        for len in (0..good.len())
            .step_by(good.len() / 97 + 1)
            .chain([8, 12, 13])
        {
            assert!(!matches!(steps(&good[..len]), Ok(Ok(_))), "cut at {len}");
        }
        // A byte changed in the header or the steps: refused, or (in the
        // header's other fields) read as they are; never a panic.
        let header = good.len().min(200);
        let tail = good.len() - 64;
        for at in (0..header).chain(tail..good.len()) {
            let mut bad = good.clone();
            bad[at] ^= 0x5A;
            match steps(&bad) {
                Err(Unused::Damaged(_) | Unused::Other(_) | Unused::Mismatch(_))
                | Ok(Err(Error::Corrupt(_))) => {}
                Ok(Ok(read)) => assert_eq!(format!("{read:?}"), format!("{whole:?}"), "byte {at}"),
                other => panic!("byte {at}: {:?}", other.map(|r| r.map(|_| ()))),
            }
        }
        // A header that claims to be longer than any header is.
        let mut bad = good.clone();
        bad[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(steps(&bad), Err(Unused::Damaged(_))));
        std::fs::remove_file(&file).unwrap();
        assert!(matches!(
            open_alone(&place, store, Parcel::KIND),
            Err(Unused::Absent)
        ));
    }

    #[test]
    fn the_header_waits_in_its_room_and_a_file_without_the_room_still_reads() {
        let (_dir, db) = example_zone_closed_and_opened();
        let place = db.engine.cache.place().unwrap().clone();
        let store = db.engine.store.as_ref();
        let file = place.file(Parcel::KIND);
        let good = std::fs::read(&file).unwrap();
        // The parts, streamed, begin after the room; the header, written
        // last, fills its start and the rest stays zero.
        let (header, start) = header_of(&good).unwrap();
        assert_eq!(start, MAGIC.len() + 4 + HEAD_ROOM);
        let mut head = Vec::new();
        encode(&header, &mut head).unwrap();
        assert!(head.len() < HEAD_ROOM / 4);
        assert_eq!(&good[MAGIC.len() + 4..][..head.len()], head.as_slice());
        assert!(good[MAGIC.len() + 4 + head.len()..start]
            .iter()
            .all(|b| *b == 0));
        let parcels = db
            .engine
            .cache
            .with::<Parcel, _>(store, |k| k.records.len() as u64)
            .unwrap();
        assert_eq!(header.records, parcels);
        // A checkpoint whose header takes exactly its length (as parkdb
        // wrote them before streaming its parts) reads the same.
        let whole = open(&place, store, Parcel::KIND).unwrap();
        let mut compact = MAGIC.to_vec();
        compact.extend_from_slice(&u32::try_from(head.len()).unwrap().to_be_bytes());
        compact.extend_from_slice(&head);
        compact.extend_from_slice(&good[start..]);
        std::fs::write(&file, &compact).unwrap();
        let read = open(&place, store, Parcel::KIND).unwrap();
        for (a, b) in read.halves().iter().zip(whole.halves()) {
            assert_eq!(*a, b);
        }
        assert_eq!(read.steps(), whole.steps());
        assert!(open_alone(&place, store, Parcel::KIND).is_ok());
        // A byte of the room beyond the header that is not zero: damage.
        let mut bad = good.clone();
        bad[start - 1] = 1;
        std::fs::write(&file, &bad).unwrap();
        assert!(matches!(
            open(&place, store, Parcel::KIND),
            Err(Unused::Damaged(_))
        ));
    }

    #[test]
    fn the_layout_is_pinned() {
        // A change to the fields of a record (or of anything it holds)
        // changes these. Then raise LAYOUT, so checkpoints written before
        // are ignored rather than misread, and pin the new values here.
        let db = crate::Db::temporary().unwrap();
        crate::example::build_seed(&db).unwrap();
        let found = [
            layout_of::<Parcel>(&db, |p| p.boundary = None),
            layout_of::<Enterprise>(&db, |_| ()),
            layout_of::<Programme>(&db, |_| ()),
            layout_of::<Application>(&db, |_| ()),
            layout_of::<Indicator>(&db, |_| ()),
            // The parcels' steps, made from their events.
            crc32fast::hash(&steps_of(&db).encode().unwrap().concat()),
            // What is read alone: the register's codes and figures by
            // year, the parcels' codes.
            digest_of::<Enterprise>(&db),
            digest_of::<Parcel>(&db),
        ];
        assert_eq!(
            (LAYOUT, found),
            (
                6,
                [
                    0xA98D_54EA,
                    0x7F4C_8050,
                    0xA34D_E366,
                    0x5E94_BBC3,
                    0xD202_EF8D,
                    0x400E_2C6C,
                    0x1123_42B3,
                    0x8D78_6C7B
                ]
            ),
            "the records' layout changed: raise checkpoint::LAYOUT and pin the new values"
        );
    }
}
