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
//! - then the table of sections ([`crate::sections`]), each keyed by its
//!   year, the firms' by `i32::MIN`, and the codes' section
//!   ([`crate::record::write_codes`]).
//!
//! Anything that does not read back exactly so is an error, never a
//! panic: the bytes come from a file.

use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

use super::{Enterprise, EnterpriseStatus, YearlyFigures};
use crate::error::{Error, Result};
use crate::sections::{ReadAt, Reader, Sections, Writer};
use crate::units::Yuan;

/// The key of the firms' section.
const FIRMS: i32 = i32::MIN;
const CLOSED: u8 = 1;
const INVESTMENT_UNKNOWN: u8 = 2;

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn damaged(why: &str) -> Error {
    Error::Corrupt(format!("a checkpoint's figures by year are damaged: {why}"))
}

/// Writes the sections of `firms` (in id order) to `part`.
///
/// # Errors
/// [`Error::Io`] when the part refuses a write.
pub(crate) fn write(firms: &[&Enterprise], part: &mut Writer<'_>) -> Result<()> {
    part.section(FIRMS, |s| {
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
        part.section(year, |s| {
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
    Ok(())
}

/// The firms' section and, if asked for, a year's (empty when no firm
/// has figures for it), read alone from a part `size` bytes long.
///
/// # Errors
/// [`Error::Corrupt`] when the table or a section does not read back
/// whole.
pub(crate) fn read(
    size: u64,
    read_at: ReadAt<'_>,
    year: Option<i32>,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let sections = Sections::read(size, read_at)?;
    let firms = sections
        .get(FIRMS, read_at)?
        .ok_or_else(|| damaged("no firms' section"))?;
    let figures = match year {
        Some(year) if year != FIRMS => sections.get(year, read_at)?.unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok((firms, figures))
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
}

fn read_day(r: &mut Reader<'_>) -> Result<Option<NaiveDate>> {
    let d = i32::from_le_bytes(r.array()?);
    if d == i32::MIN {
        return Ok(None);
    }
    NaiveDate::from_num_days_from_ce_opt(d)
        .map(Some)
        .ok_or_else(|| damaged("a day out of range"))
}

/// Visits the firms of a firms' section, in id order.
///
/// # Errors
/// [`Error::Corrupt`] when the section does not read back whole; `f`'s.
pub(crate) fn firms(section: &[u8], f: &mut dyn FnMut(Firm<'_>) -> Result<()>) -> Result<()> {
    let mut r = Reader(section);
    let mut last = None;
    while !r.is_empty() {
        let id = u64::from_le_bytes(r.array()?);
        if last.is_some_and(|l| id <= l) {
            return Err(damaged("firms out of order"));
        }
        last = Some(id);
        let latest = read_day(&mut r)?.ok_or_else(|| damaged("a firm without its latest day"))?;
        let [flags] = r.array()?;
        if flags & !(CLOSED | INVESTMENT_UNKNOWN) != 0 {
            return Err(damaged("unknown flags"));
        }
        let closed_on = read_day(&mut r)?;
        let fen = i64::from_le_bytes(r.array()?);
        let name = r.text()?;
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
