//! Reading a checkpoint: opened and checked against the store (layout,
//! checksums, what it covers), its parts decoded whole, or read alone
//! where they lie on disk.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::record::Record;
use crate::storage::{keys, Store, Tree};

use super::format::*;
use super::index::*;

/// A checkpoint found to match the store: what it covers and its parts,
/// still encoded.
pub(crate) struct Opened {
    pub(crate) next_event: u64,
    pub(crate) events: u64,
    /// The file, read whole (its parts are read in place, not copied).
    pub(super) bytes: Vec<u8>,
    /// Where its parts are: two halves of the records, the lower ids
    /// first, the lookups events added for good, two halves of the
    /// records' steps ([`crate::steps`]), where each record is
    /// ([`RecordIndex`]), then the records' digest.
    pub(super) parts: [std::ops::Range<usize>; PARTS],
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

    pub(super) fn part(&self, i: usize) -> &[u8] {
        self.bytes.get(self.parts[i].clone()).unwrap_or_default()
    }
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
    pub(super) file: std::fs::File,
    /// Each part's offset, length and CRC-32.
    pub(super) places: [(u64, u64, u32); PARTS],
}

impl OnDisk {
    pub(super) fn file_part(&self, i: usize) -> FilePart<'_> {
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
pub(super) struct FilePart<'a> {
    pub(super) file: &'a std::fs::File,
    pub(super) offset: u64,
    pub(super) len: u64,
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
