//! The register's figures by year, as its checkpoint keeps them beside its
//! records: what an evaluation reads of each firm (its name, whether and
//! when it closed, its investment, the date of its latest event) and each
//! year's figures of every firm, a section per year. A new process then
//! evaluates a year by reading two sections (for a province, some 40 MB),
//! not by decoding 500,000 firms with ten years of figures each.
//!
//! The part is written in one pass per section and read a section at a
//! time (little-endian throughout):
//!
//! - the firms' section: per firm in id order its id (`u64`), the day of
//!   its latest event (`i32`, days from the common era), flags (`u8`: 1
//!   closed, 2 its investment unknown), the day it closed (`i32`,
//!   `i32::MIN` if not known), its investment in fen (`i64`), its name
//!   (`u32` length, then UTF-8) and, if its investment is unknown, why
//!   (the same way);
//! - a section per year with figures: per firm that has some, in id
//!   order, its id as the difference from the one before (LEB128; the
//!   first from 0), the length of its year's packed bytes (`u8`) and the
//!   bytes, as [`super::Yearly`] holds them;
//! - the table of sections: per section its key (`i32`: the year, or
//!   `i32::MIN` for the firms), offset and length in the part (`u64`
//!   each) and CRC-32 (`u32`); then how many sections (`u32`) and the
//!   table's CRC-32 (`u32`).
//!
//! Anything that does not read back exactly so is an error, never a
//! panic: the bytes come from a file.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::{Datelike, NaiveDate};

use super::{Enterprise, EnterpriseStatus, YearlyFigures};
use crate::error::{Error, Result};
use crate::units::Yuan;

/// The key of the firms' section.
const FIRMS: i32 = i32::MIN;
/// A section's line in the table: key, offset, length, CRC-32.
const LINE: usize = 4 + 8 + 8 + 4;
const CLOSED: u8 = 1;
const INVESTMENT_UNKNOWN: u8 = 2;

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn damaged(why: &str) -> Error {
    Error::Corrupt(format!("a checkpoint's figures by year are damaged: {why}"))
}

/// A section being written: its length and CRC-32 so far.
struct Section<'a> {
    out: &'a mut dyn Write,
    len: u64,
    crc: crc32fast::Hasher,
}

impl Section<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io("cannot write a checkpoint", e))?;
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<()> {
        let len = u32::try_from(text.len())
            .map_err(|_| Error::Internal("a text too long for a checkpoint".into()))?;
        self.put(&len.to_le_bytes())?;
        self.put(text.as_bytes())
    }
}

/// Writes the digest of `firms` (in id order) to `out`.
///
/// # Errors
/// [`Error::Io`] when `out` refuses a write.
pub(crate) fn write(firms: &[&Enterprise], out: &mut dyn Write) -> Result<()> {
    let mut table = Vec::new();
    let mut offset = 0u64;
    let mut section = |key: i32,
                       out: &mut dyn Write,
                       fill: &mut dyn FnMut(&mut Section<'_>) -> Result<()>|
     -> Result<()> {
        let mut s = Section {
            out,
            len: 0,
            crc: crc32fast::Hasher::new(),
        };
        fill(&mut s)?;
        table.extend_from_slice(&key.to_le_bytes());
        table.extend_from_slice(&offset.to_le_bytes());
        table.extend_from_slice(&s.len.to_le_bytes());
        table.extend_from_slice(&s.crc.finalize().to_le_bytes());
        offset += s.len;
        Ok(())
    };
    section(FIRMS, out, &mut |s| {
        for e in firms {
            let investment = e.total_investment();
            let mut flags = 0;
            if e.status == EnterpriseStatus::Closed {
                flags |= CLOSED;
            }
            if investment.is_err() {
                flags |= INVESTMENT_UNKNOWN;
            }
            s.put(&e.id.0.to_le_bytes())?;
            s.put(&day(e.last_event).to_le_bytes())?;
            s.put(&[flags])?;
            s.put(&e.closed.map_or(i32::MIN, day).to_le_bytes())?;
            s.put(&investment.as_ref().map_or(0, |y| y.fen()).to_le_bytes())?;
            s.text(&e.name)?;
            if let Err(why) = &investment {
                s.text(&why.to_string())?;
            }
        }
        Ok(())
    })?;
    let years: BTreeSet<i32> = firms
        .iter()
        .flat_map(|e| e.yearly.packed_years().map(|y| y.0))
        .collect();
    for year in years {
        section(year, out, &mut |s| {
            let mut last = 0u64;
            let mut gap = Vec::with_capacity(10);
            for e in firms {
                let Some(bytes) = e.yearly.packed(year) else {
                    continue;
                };
                gap.clear();
                super::yearly::put_unsigned(e.id.0.wrapping_sub(last), &mut gap);
                last = e.id.0;
                s.put(&gap)?;
                let len = u8::try_from(bytes.len()).map_err(|_| {
                    Error::Internal("a year's packed figures take more than 255 bytes".into())
                })?;
                s.put(&[len])?;
                s.put(bytes)?;
            }
            Ok(())
        })?;
    }
    let lines = u32::try_from(table.len() / LINE)
        .map_err(|_| Error::Internal("too many years for a checkpoint".into()))?;
    let crc = crc32fast::hash(&table);
    table.extend_from_slice(&lines.to_le_bytes());
    table.extend_from_slice(&crc.to_le_bytes());
    out.write_all(&table)
        .map_err(|e| Error::io("cannot write a checkpoint", e))
}

/// The table of a digest's sections: (key, offset, length, CRC-32).
pub(crate) struct Sections(Vec<(i32, u64, u64, u32)>);

impl Sections {
    /// Reads the table of a part `size` bytes long through `read_at`
    /// (bytes at an offset in the part).
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the table does not read back whole.
    pub(crate) fn read(
        size: u64,
        read_at: &dyn Fn(u64, &mut [u8]) -> Result<()>,
    ) -> Result<Sections> {
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
            let (key, rest) = line.split_at(4);
            let (offset, rest) = rest.split_at(8);
            let (length, crc) = rest.split_at(8);
            let key = i32::from_le_bytes(key.try_into().unwrap_or_default());
            let offset = u64::from_le_bytes(offset.try_into().unwrap_or_default());
            let length = u64::from_le_bytes(length.try_into().unwrap_or_default());
            if offset.checked_add(length).is_none_or(|e| e > end) {
                return Err(damaged("a section beyond the part"));
            }
            out.push((
                key,
                offset,
                length,
                u32::from_le_bytes(crc.try_into().unwrap_or_default()),
            ));
        }
        Ok(Sections(out))
    }

    /// The bytes of the firms' section, checked.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when it is missing or does not match its checksum.
    pub(crate) fn firms(&self, read_at: &dyn Fn(u64, &mut [u8]) -> Result<()>) -> Result<Vec<u8>> {
        self.section(FIRMS, read_at)?
            .ok_or_else(|| damaged("no firms' section"))
    }

    /// The bytes of `year`'s section, checked; empty when no firm has
    /// figures for it.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when it does not match its checksum.
    pub(crate) fn year(
        &self,
        year: i32,
        read_at: &dyn Fn(u64, &mut [u8]) -> Result<()>,
    ) -> Result<Vec<u8>> {
        if year == FIRMS {
            return Ok(Vec::new());
        }
        Ok(self.section(year, read_at)?.unwrap_or_default())
    }

    fn section(
        &self,
        key: i32,
        read_at: &dyn Fn(u64, &mut [u8]) -> Result<()>,
    ) -> Result<Option<Vec<u8>>> {
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

/// What an evaluation reads of a firm, from the firms' section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Firm<'a> {
    pub(crate) id: u64,
    /// The date of its latest event in force.
    pub(crate) latest: NaiveDate,
    pub(crate) closed: bool,
    pub(crate) closed_on: Option<NaiveDate>,
    /// Planned plus added, or why not known.
    pub(crate) investment: std::result::Result<Yuan, &'a str>,
    pub(crate) name: &'a str,
    /// Where the name is in the section.
    pub(crate) name_at: std::ops::Range<usize>,
}

/// Reads a section front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(damaged("a section ends inside an entry"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?
            .try_into()
            .map_err(|_| damaged("a section ends inside an entry"))
    }

    fn text(&mut self) -> Result<&'a str> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| damaged("a name is not UTF-8"))
    }

    fn day(&mut self) -> Result<Option<NaiveDate>> {
        let d = i32::from_le_bytes(self.array()?);
        if d == i32::MIN {
            return Ok(None);
        }
        NaiveDate::from_num_days_from_ce_opt(d)
            .map(Some)
            .ok_or_else(|| damaged("a day out of range"))
    }

    fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let [b] = self.array()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(damaged("an id gap does not end"))
    }
}

/// Visits the firms of a firms' section, in id order.
///
/// # Errors
/// [`Error::Corrupt`] when the section does not read back whole; `f`'s.
pub(crate) fn firms(section: &[u8], f: &mut dyn FnMut(Firm<'_>) -> Result<()>) -> Result<()> {
    let mut r = Reader(section);
    let mut last = None;
    while !r.0.is_empty() {
        let id = u64::from_le_bytes(r.array()?);
        if last.is_some_and(|l| id <= l) {
            return Err(damaged("firms out of order"));
        }
        last = Some(id);
        let latest = r
            .day()?
            .ok_or_else(|| damaged("a firm without its latest day"))?;
        let [flags] = r.array()?;
        if flags & !(CLOSED | INVESTMENT_UNKNOWN) != 0 {
            return Err(damaged("unknown flags"));
        }
        let closed_on = r.day()?;
        let fen = i64::from_le_bytes(r.array()?);
        let name = r.text()?;
        let end = section.len() - r.0.len();
        let investment = if flags & INVESTMENT_UNKNOWN == 0 {
            Ok(Yuan::from_fen(fen))
        } else {
            Err(r.text()?)
        };
        f(Firm {
            id,
            latest,
            closed: flags & CLOSED != 0,
            closed_on,
            investment,
            name,
            name_at: end - name.len()..end,
        })?;
    }
    Ok(())
}

/// The firms of `year`'s section with their figures, in id order: an
/// error ([`Error::Corrupt`]) when the section does not read back whole
/// or holds another year's figures.
pub(crate) fn year(section: &[u8], year: i32) -> YearFigures<'_> {
    YearFigures {
        reader: Reader(section),
        year,
        id: 0,
        first: true,
    }
}

/// See [`year`].
pub(crate) struct YearFigures<'a> {
    reader: Reader<'a>,
    year: i32,
    id: u64,
    first: bool,
}

impl YearFigures<'_> {
    fn entry(&mut self) -> Result<(u64, YearlyFigures)> {
        let r = &mut self.reader;
        let gap = r.leb()?;
        if gap == 0 && !self.first {
            return Err(damaged("firms out of order"));
        }
        self.first = false;
        self.id = self
            .id
            .checked_add(gap)
            .ok_or_else(|| damaged("an id out of range"))?;
        let [len] = r.array()?;
        let (found, figures) =
            super::yearly::one_year(r.take(usize::from(len))?).map_err(|e| damaged(&e))?;
        if found != self.year {
            return Err(damaged("a year's section holds another year"));
        }
        Ok((self.id, figures))
    }
}

impl Iterator for YearFigures<'_> {
    type Item = Result<(u64, YearlyFigures)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.reader.0.is_empty() {
            return None;
        }
        let entry = self.entry();
        if entry.is_err() {
            // Nothing after damage is read.
            self.reader.0 = &[];
        }
        Some(entry)
    }
}
