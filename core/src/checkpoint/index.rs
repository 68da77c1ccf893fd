//! The record index: where each record of a checkpoint is, for a point
//! read of one record alone.

use std::io::Write;

use crate::error::{Error, Result};
use crate::record::Record;

use super::format::*;

/// Where each record of a checkpoint is, for a read of one record alone
/// (a point read in a process that has not loaded the ledger): per record
/// in id order its id, where its bytes start in the two halves of the
/// records taken as one run, their length and their CRC-32, which the
/// read checks (the halves' own checksums cover the whole, not a record
/// read alone). 24 bytes a record, after their count.
pub(crate) struct RecordIndex {
    pub(super) part: Vec<u8>,
}

/// An entry of a [`RecordIndex`]: where a record's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placed {
    pub(crate) id: u64,
    pub(crate) at: u64,
    pub(crate) len: u32,
    pub(crate) crc: u32,
}

pub(super) const PLACED: usize = 24;

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
pub(super) type Placements = Vec<(u64, u32, u32)>;

/// The count a half of the records starts with, encoded.
pub(super) fn count_prefix(count: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode(&count, &mut out)?;
    Ok(out)
}

/// Writes a [`RecordIndex`] of two halves: each its length in bytes (all
/// of it, count included) and its placements.
pub(super) fn write_index(halves: [(u64, &Placements); 2], out: &mut dyn Write) -> Result<()> {
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

/// Where record `id`, encoded as `one`, goes in a [`RecordIndex`] but for
/// its place: (id, length, CRC-32).
pub(super) fn placement(id: u64, one: &[u8]) -> Result<(u64, u32, u32)> {
    let len = u32::try_from(one.len())
        .map_err(|_| Error::Internal("a record of more than 4 GiB in a checkpoint".into()))?;
    Ok((id, len, crc32fast::hash(one)))
}
