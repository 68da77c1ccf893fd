//! A part of a checkpoint made to be read a section at a time (what a
//! ledger keeps beside its records to be read alone: the register's
//! figures by year, each ledger's codes). Little-endian throughout: the
//! sections one after another, then a table of them, per section its key
//! (`i32`), offset and length in the part (`u64` each) and CRC-32
//! (`u32`); then how many sections (`u32`) and the table's CRC-32
//! (`u32`). A reader reads the table from the part's end, then only the
//! sections it needs, each checked against its own checksum.
//!
//! Anything that does not read back exactly so is an error, never a
//! panic: the bytes come from a file.

use std::io::Write;

use crate::error::{Error, Result};

/// A section's line in the table: key, offset, length, CRC-32.
const LINE: usize = 4 + 8 + 8 + 4;

/// Reads bytes of a part at an offset in it.
pub(crate) type ReadAt<'a> = &'a dyn Fn(u64, &mut [u8]) -> Result<()>;

pub(crate) fn damaged(why: &str) -> Error {
    Error::Corrupt(format!("a checkpoint's sections are damaged: {why}"))
}

/// A part being written, section by section.
pub(crate) struct Writer<'a> {
    out: &'a mut dyn Write,
    table: Vec<u8>,
    offset: u64,
}

/// A section being written: its length and CRC-32 so far.
pub(crate) struct Section<'a> {
    out: &'a mut dyn Write,
    len: u64,
    crc: crc32fast::Hasher,
}

impl Section<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io("cannot write a checkpoint", e))?;
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// A text: its length (`u32`), then its UTF-8.
    pub(crate) fn text(&mut self, text: &str) -> Result<()> {
        let len = u32::try_from(text.len())
            .map_err(|_| Error::Internal("a text too long for a checkpoint".into()))?;
        self.put(&len.to_le_bytes())?;
        self.put(text.as_bytes())
    }
}

impl<'a> Writer<'a> {
    pub(crate) fn new(out: &'a mut dyn Write) -> Writer<'a> {
        Writer {
            out,
            table: Vec::new(),
            offset: 0,
        }
    }

    /// Writes the section `key` that `fill` writes.
    pub(crate) fn section(
        &mut self,
        key: i32,
        fill: impl FnOnce(&mut Section<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut s = Section {
            out: &mut *self.out,
            len: 0,
            crc: crc32fast::Hasher::new(),
        };
        fill(&mut s)?;
        let (len, crc) = (s.len, s.crc.finalize());
        self.table.extend_from_slice(&key.to_le_bytes());
        self.table.extend_from_slice(&self.offset.to_le_bytes());
        self.table.extend_from_slice(&len.to_le_bytes());
        self.table.extend_from_slice(&crc.to_le_bytes());
        self.offset += len;
        Ok(())
    }

    /// Writes the table of sections after them.
    pub(crate) fn finish(mut self) -> Result<()> {
        let lines = u32::try_from(self.table.len() / LINE)
            .map_err(|_| Error::Internal("too many sections for a checkpoint".into()))?;
        let crc = crc32fast::hash(&self.table);
        self.table.extend_from_slice(&lines.to_le_bytes());
        self.table.extend_from_slice(&crc.to_le_bytes());
        self.out
            .write_all(&self.table)
            .map_err(|e| Error::io("cannot write a checkpoint", e))
    }
}

/// The table of a part's sections: (key, offset, length, CRC-32).
pub(crate) struct Sections(Vec<(i32, u64, u64, u32)>);

impl Sections {
    /// Reads the table of a part `size` bytes long.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the table does not read back whole.
    pub(crate) fn read(size: u64, read_at: ReadAt<'_>) -> Result<Sections> {
        let mut tail = [0u8; 8];
        let start = size
            .checked_sub(8)
            .ok_or_else(|| damaged("no table of sections"))?;
        read_at(start, &mut tail)?;
        let (lines, crc) = tail.split_at(4);
        let lines = u32::from_le_bytes(lines.try_into().unwrap_or_default()) as usize;
        let crc = u32::from_le_bytes(crc.try_into().unwrap_or_default());
        let len = lines
            .checked_mul(LINE)
            .filter(|len| (*len as u64) <= start)
            .ok_or_else(|| damaged("a table of sections longer than the part"))?;
        let mut table = vec![0u8; len];
        read_at(start - len as u64, &mut table)?;
        if crc32fast::hash(&table) != crc {
            return Err(damaged("the table of sections does not match its checksum"));
        }
        let end = start - len as u64;
        let mut out = Vec::with_capacity(lines);
        for line in table.chunks_exact(LINE) {
            let mut r = Reader(line);
            let key = i32::from_le_bytes(r.array()?);
            let offset = u64::from_le_bytes(r.array()?);
            let length = u64::from_le_bytes(r.array()?);
            let crc = u32::from_le_bytes(r.array()?);
            if offset.checked_add(length).is_none_or(|e| e > end) {
                return Err(damaged("a section beyond the part"));
            }
            out.push((key, offset, length, crc));
        }
        Ok(Sections(out))
    }

    /// The bytes of section `key`, checked; `None` if the part has none.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when it does not match its checksum.
    pub(crate) fn get(&self, key: i32, read_at: ReadAt<'_>) -> Result<Option<Vec<u8>>> {
        let Some(&(_, offset, len, crc)) = self.0.iter().find(|s| s.0 == key) else {
            return Ok(None);
        };
        let len = usize::try_from(len).map_err(|_| damaged("a section too long"))?;
        let mut bytes = vec![0u8; len];
        read_at(offset, &mut bytes)?;
        if crc32fast::hash(&bytes) != crc {
            return Err(damaged("a section does not match its checksum"));
        }
        Ok(Some(bytes))
    }
}

/// The keys of the sections in which two parts differ (a section one of
/// them lacks differs); `None` when either does not read back whole.
pub(crate) fn differing(a: &[u8], b: &[u8]) -> Option<Vec<i32>> {
    fn sections(part: &[u8]) -> Option<Vec<(i32, Vec<u8>)>> {
        let read_at = |at: u64, into: &mut [u8]| -> Result<()> {
            let at = usize::try_from(at).map_err(|_| damaged("an offset beyond the part"))?;
            let bytes = at
                .checked_add(into.len())
                .and_then(|end| part.get(at..end))
                .ok_or_else(|| damaged("a read beyond the part"))?;
            into.copy_from_slice(bytes);
            Ok(())
        };
        let table = Sections::read(part.len() as u64, &read_at).ok()?;
        table
            .0
            .iter()
            .map(|s| Some((s.0, table.get(s.0, &read_at).ok()??)))
            .collect()
    }
    fn of(all: &[(i32, Vec<u8>)], key: i32) -> Option<&[u8]> {
        all.iter().find(|s| s.0 == key).map(|s| s.1.as_slice())
    }
    let (a, b) = (sections(a)?, sections(b)?);
    let mut keys: Vec<i32> = a.iter().chain(&b).map(|s| s.0).collect();
    keys.sort_unstable();
    keys.dedup();
    Some(
        keys.into_iter()
            .filter(|k| of(&a, *k) != of(&b, *k))
            .collect(),
    )
}

/// Reads a section front to back.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(damaged("a section ends inside an entry"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?
            .try_into()
            .map_err(|_| damaged("a section ends inside an entry"))
    }

    /// A text as [`Section::text`] writes it.
    pub(crate) fn text(&mut self) -> Result<&'a str> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| damaged("a text is not UTF-8"))
    }

    /// A value in seven-bit groups (LEB128).
    pub(crate) fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let [b] = self.array()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(damaged("a number does not end"))
    }
}
