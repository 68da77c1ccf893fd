//! An enterprise's yearly figures, packed: the register of a province holds
//! ten years of figures for half a million firms, and a map of full
//! [`YearlyFigures`] per firm spends most of its memory on fields never
//! reported and on tree nodes. [`Yearly`] keeps each year as a header (the
//! year, which fields are reported, and 规上) followed by the reported
//! values as variable-length integers (a few bytes each: amounts in fen
//! rarely need more than five), in one allocation per firm; a year's
//! figures are unpacked on reading, which costs a few nanoseconds.
//!
//! A checkpoint keeps the packed bytes as they are (checked when read
//! back); a human-readable format (JSON) sees a map of years to figures.
//! Events carry [`YearlyFigures`], never this.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::YearlyFigures;
use crate::units::{Quantity, Yuan};

/// The values a year may report, in their packed order (all but 规上,
/// which lives in the year's flags).
const VALUES: u32 = 10;
/// The year's flags: bit `i` (`i < VALUES`) says value `i` is reported;
/// these two say whether 规上 is reported and what it is.
const ABOVE_SCALE_KNOWN: u16 = 1 << VALUES;
const ABOVE_SCALE: u16 = 1 << (VALUES + 1);
const MASK: u16 = (1 << VALUES) - 1;
/// A year's header: the year (4 bytes) and its flags (2), little-endian.
const HEADER: usize = 6;

/// An enterprise's figures by year, in year order; one year at most once.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Yearly {
    /// Per year: its header, then each reported value, zigzag-encoded in
    /// seven-bit groups (LEB128), the last byte of each without the high bit.
    bytes: Box<[u8]>,
}

fn values(f: &YearlyFigures) -> [Option<i64>; VALUES as usize] {
    [
        f.output_value.map(Yuan::fen),
        f.revenue.map(Yuan::fen),
        f.tax.map(Yuan::fen),
        f.value_added.map(Yuan::fen),
        f.employees.map(i64::from),
        f.rd.map(Yuan::fen),
        f.energy_tce.map(Quantity::units),
        f.electricity_kwh.map(Quantity::units),
        f.emissions_t.map(Quantity::units),
        f.water_m3.map(Quantity::units),
    ]
}

/// A value zigzag-encoded (small magnitudes of either sign take few
/// bytes), then as [`put_unsigned`].
#[allow(clippy::cast_sign_loss)]
fn put(v: i64, out: &mut Vec<u8>) {
    put_unsigned(((v << 1) ^ (v >> 63)) as u64, out);
}

/// A value in seven-bit groups (LEB128), the last byte without the high bit.
pub(super) fn put_unsigned(mut z: u64, out: &mut Vec<u8>) {
    while z >= 0x80 {
        // The low seven bits, with the high bit saying more follow.
        out.push((z & 0x7f) as u8 | 0x80);
        z >>= 7;
    }
    #[allow(clippy::cast_possible_truncation)]
    out.push(z as u8);
}

/// The value at the start of `bytes` and the rest after it.
#[allow(clippy::cast_possible_wrap)]
fn take(bytes: &[u8]) -> (i64, &[u8]) {
    let mut z = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        z |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let v = (z >> 1) as i64 ^ -((z & 1) as i64);
            return (v, &bytes[i + 1..]);
        }
    }
    // Only `put` writes these bytes: a value always ends.
    (0, &[])
}

fn pack(year: i32, f: &YearlyFigures, out: &mut Vec<u8>) {
    let mut flags = match f.above_scale {
        Some(true) => ABOVE_SCALE_KNOWN | ABOVE_SCALE,
        Some(false) => ABOVE_SCALE_KNOWN,
        None => 0,
    };
    let vals = values(f);
    for (i, v) in vals.iter().enumerate() {
        if v.is_some() {
            flags |= 1 << i;
        }
    }
    out.extend_from_slice(&year.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    for v in vals.into_iter().flatten() {
        put(v, out);
    }
}

/// The year and flags of the header that starts `bytes`.
fn header(bytes: &[u8]) -> (i32, u16) {
    let year = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    (year, u16::from_le_bytes([bytes[4], bytes[5]]))
}

/// How many bytes the year that starts `bytes` takes, header and values
/// (all of `bytes` if its values do not end).
fn extent(bytes: &[u8]) -> usize {
    let (_, flags) = header(bytes);
    let rest = bytes.get(HEADER..).unwrap_or_default();
    HEADER + ends_at(rest, (flags & MASK).count_ones()).unwrap_or(rest.len())
}

/// How many bytes the varint that starts `bytes` takes, if it ends.
fn value_len(bytes: &[u8]) -> Option<usize> {
    ends_at(bytes, 1)
}

/// How many bytes of `bytes` hold the next `ends` varints, each ending at
/// a byte without its high bit: eight bytes looked at together, the last
/// few one at a time. `None` if they do not all end.
fn ends_at(bytes: &[u8], mut ends: u32) -> Option<usize> {
    let mut len = 0;
    let mut rest = bytes;
    while ends > 0 {
        let Some((word, after)) = rest.split_first_chunk::<8>() else {
            break;
        };
        // A set high bit per byte that ends a value.
        let last = !u64::from_le_bytes(*word) & 0x8080_8080_8080_8080;
        let n = last.count_ones();
        if n >= ends {
            // The byte of the `ends`-th end: clear the ends before it.
            let mut at = last;
            for _ in 1..ends {
                at &= at - 1;
            }
            return Some(len + at.trailing_zeros() as usize / 8 + 1);
        }
        ends -= n;
        len += 8;
        rest = after;
    }
    for b in rest {
        if ends == 0 {
            break;
        }
        len += 1;
        if b & 0x80 == 0 {
            ends -= 1;
        }
    }
    (ends == 0).then_some(len)
}

/// The figures of the year that starts `bytes`.
fn unpack(bytes: &[u8]) -> YearlyFigures {
    let (_, flags) = header(bytes);
    let mut rest = &bytes[HEADER..];
    let mut value = |i: u32| {
        if flags & (1 << i) == 0 {
            None
        } else {
            let (v, after) = take(rest);
            rest = after;
            Some(v)
        }
    };
    let output_value = value(0).map(Yuan::from_fen);
    let revenue = value(1).map(Yuan::from_fen);
    let tax = value(2).map(Yuan::from_fen);
    let value_added = value(3).map(Yuan::from_fen);
    // Packed from a u32: it fits.
    let employees = value(4).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let rd = value(5).map(Yuan::from_fen);
    let energy_tce = value(6).map(Quantity::from_units);
    let electricity_kwh = value(7).map(Quantity::from_units);
    let emissions_t = value(8).map(Quantity::from_units);
    let water_m3 = value(9).map(Quantity::from_units);
    YearlyFigures {
        output_value,
        revenue,
        tax,
        value_added,
        employees,
        rd,
        energy_tce,
        electricity_kwh,
        emissions_t,
        above_scale: (flags & ABOVE_SCALE_KNOWN != 0).then_some(flags & ABOVE_SCALE != 0),
        water_m3,
    }
}

impl Yearly {
    /// How many years have figures.
    #[must_use]
    pub fn len(&self) -> usize {
        self.spans().count()
    }

    /// Whether no year has figures.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The figures of `year`, if it has any.
    #[must_use]
    pub fn get(&self, year: i32) -> Option<YearlyFigures> {
        let (at, end) = self.span(year);
        (at < end).then(|| unpack(&self.bytes[at..end]))
    }

    /// Whether `year` has figures.
    #[must_use]
    pub fn contains(&self, year: i32) -> bool {
        let (at, end) = self.span(year);
        at < end
    }

    /// The years with figures, earliest first.
    pub fn years(&self) -> impl DoubleEndedIterator<Item = i32> + ExactSizeIterator + use<> {
        self.spans()
            .map(|(year, _)| year)
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// Each year with its figures, earliest first.
    #[must_use]
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            spans: self.spans(),
        }
    }

    /// Each year with the range of its bytes, earliest first.
    fn spans(&self) -> Spans<'_> {
        Spans {
            bytes: &self.bytes,
            at: 0,
        }
    }

    /// Where `year`'s bytes are, or would go: their start and end (equal
    /// when it has none).
    fn span(&self, year: i32) -> (usize, usize) {
        for (y, range) in self.spans() {
            match y.cmp(&year) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return (range.start, range.end),
                std::cmp::Ordering::Greater => return (range.start, range.start),
            }
        }
        (self.bytes.len(), self.bytes.len())
    }

    /// Sets `year`'s figures, replacing any it had. The other years' bytes
    /// are copied as they are.
    pub fn insert(&mut self, year: i32, figures: &YearlyFigures) {
        let (at, end) = self.span(year);
        let mut bytes = Vec::with_capacity(self.bytes.len() + HEADER + 10 * VALUES as usize);
        bytes.extend_from_slice(&self.bytes[..at]);
        pack(year, figures, &mut bytes);
        bytes.extend_from_slice(&self.bytes[end..]);
        self.bytes = bytes.into_boxed_slice();
    }

    /// Removes `year`'s figures, returning them.
    pub fn remove(&mut self, year: i32) -> Option<YearlyFigures> {
        let (at, end) = self.span(year);
        if at == end {
            return None;
        }
        let old = unpack(&self.bytes[at..end]);
        let mut bytes = self.bytes[..at].to_vec();
        bytes.extend_from_slice(&self.bytes[end..]);
        self.bytes = bytes.into_boxed_slice();
        Some(old)
    }

    /// From years in rising order, each once.
    fn from_sorted(years: &[(i32, YearlyFigures)]) -> Yearly {
        let mut bytes = Vec::with_capacity(years.len() * (HEADER + 4 * VALUES as usize));
        for (year, f) in years {
            pack(*year, f, &mut bytes);
        }
        Yearly {
            bytes: bytes.into_boxed_slice(),
        }
    }
}

/// The years of packed bytes with the range each takes, earliest first:
/// the one walk every read of a [`Yearly`] makes.
#[derive(Debug, Clone)]
struct Spans<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Iterator for Spans<'_> {
    type Item = (i32, std::ops::Range<usize>);

    fn next(&mut self) -> Option<(i32, std::ops::Range<usize>)> {
        let rest = self.bytes.get(self.at..).filter(|r| !r.is_empty())?;
        let start = self.at;
        self.at += extent(rest);
        Some((header(rest).0, start..self.at))
    }
}

/// The years of a [`Yearly`] with their figures, earliest first.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    spans: Spans<'a>,
}

impl Iterator for Iter<'_> {
    type Item = (i32, YearlyFigures);

    fn next(&mut self) -> Option<(i32, YearlyFigures)> {
        let (year, range) = self.spans.next()?;
        Some((year, unpack(&self.spans.bytes[range])))
    }
}

impl<'a> IntoIterator for &'a Yearly {
    type Item = (i32, YearlyFigures);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Later figures of a year replace earlier ones, as a map's insert does.
impl FromIterator<(i32, YearlyFigures)> for Yearly {
    fn from_iter<I: IntoIterator<Item = (i32, YearlyFigures)>>(iter: I) -> Yearly {
        let mut all: Vec<(i32, YearlyFigures)> = iter.into_iter().collect();
        // Stable: of one year's entries, the last stays last.
        all.sort_by_key(|(y, _)| *y);
        let mut kept: Vec<(i32, YearlyFigures)> = Vec::with_capacity(all.len());
        for (year, f) in all {
            match kept.last_mut() {
                Some(last) if last.0 == year => *last = (year, f),
                _ => kept.push((year, f)),
            }
        }
        Yearly::from_sorted(&kept)
    }
}

impl fmt::Debug for Yearly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// In a binary format (a checkpoint, through bincode) as its packed bytes,
/// checked when read back; in a human-readable one (JSON) as a map of
/// years to figures.
impl Serialize for Yearly {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !serializer.is_human_readable() {
            return serializer.serialize_bytes(&self.bytes);
        }
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (year, f) in self {
            map.serialize_entry(&year, &f)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Yearly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Yearly, D::Error> {
        struct Years;
        impl<'de> Visitor<'de> for Years {
            type Value = Yearly;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of years to figures, or their packed bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Yearly, E> {
                Yearly::from_packed(bytes).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yearly, A::Error> {
                // Packed as they come while in order.
                let years = map.size_hint().unwrap_or(0).min(64);
                let mut bytes = Vec::with_capacity(years * (HEADER + 4 * VALUES as usize));
                let mut last = None;
                while let Some((year, f)) = map.next_entry::<i32, YearlyFigures>()? {
                    if last.is_some_and(|l| year <= l) {
                        // Out of order: the rest through a sort.
                        let mut all: Vec<(i32, YearlyFigures)> = Yearly {
                            bytes: bytes.into_boxed_slice(),
                        }
                        .iter()
                        .collect();
                        all.push((year, f));
                        while let Some(entry) = map.next_entry::<i32, YearlyFigures>()? {
                            all.push(entry);
                        }
                        return Ok(all.into_iter().collect());
                    }
                    pack(year, &f, &mut bytes);
                    last = Some(year);
                }
                Ok(Yearly {
                    bytes: bytes.into_boxed_slice(),
                })
            }
        }
        if deserializer.is_human_readable() {
            deserializer.deserialize_map(Years)
        } else {
            deserializer.deserialize_bytes(Years)
        }
    }
}

impl Yearly {
    /// Packed bytes as [`Serialize`] wrote them, if they pass
    /// [`check_packed`].
    fn from_packed(bytes: &[u8]) -> Result<Yearly, String> {
        check_packed(bytes)?;
        Ok(Yearly {
            bytes: bytes.into(),
        })
    }

    /// `year`'s packed bytes, if it has figures.
    pub(crate) fn packed(&self, year: i32) -> Option<&[u8]> {
        let (at, end) = self.span(year);
        self.bytes.get(at..end).filter(|b| !b.is_empty())
    }

    /// Each year with its packed bytes, earliest first (what a checkpoint
    /// keeps of the register's figures by year).
    pub(crate) fn packed_years(&self) -> impl Iterator<Item = (i32, &[u8])> {
        self.spans()
            .map(|(year, range)| (year, self.bytes.get(range).unwrap_or_default()))
    }
}

/// The figures of one year packed as [`Yearly::packed_years`] gives them,
/// checked as [`Yearly`]'s bytes read from a file are.
///
/// # Errors
/// Bytes packing would not write, or of more or fewer years than one.
pub(crate) fn one_year(bytes: &[u8]) -> Result<(i32, YearlyFigures), String> {
    check_packed(bytes)?;
    if bytes.len() < HEADER || extent(bytes) != bytes.len() {
        return Err("packed yearly figures: not one year".into());
    }
    Ok((header(bytes).0, unpack(bytes)))
}

/// Whether packed bytes are exactly what packing would write: years
/// rising, known flags only, each value ending within ten bytes and
/// written in its fewest, a head count that fits `u32`. Anything else is
/// an error, never a panic: the bytes come from a file.
fn check_packed(bytes: &[u8]) -> Result<(), String> {
    let mut rest = bytes;
    let mut last: Option<i32> = None;
    while !rest.is_empty() {
        if rest.len() < HEADER {
            return Err("packed yearly figures end inside a year's header".into());
        }
        let (year, flags) = header(rest);
        if last.is_some_and(|l| year <= l) {
            return Err(format!("packed yearly figures: year {year} out of order"));
        }
        if flags >> (VALUES + 2) != 0
            || (flags & ABOVE_SCALE != 0 && flags & ABOVE_SCALE_KNOWN == 0)
        {
            return Err(format!("packed yearly figures: unknown flags in {year}"));
        }
        rest = &rest[HEADER..];
        for i in 0..VALUES {
            if flags & (1 << i) == 0 {
                continue;
            }
            let Some(len) = value_len(rest) else {
                return Err(format!(
                    "packed yearly figures: a value of {year} does not end"
                ));
            };
            // Ten bytes hold 64 bits (the tenth only its lowest); a
            // longer value, or one ending in a zero group, was not
            // written by packing.
            if len > 10 || (len == 10 && rest[9] > 1) || (len > 1 && rest[len - 1] == 0) {
                return Err(format!(
                    "packed yearly figures: a malformed value in {year}"
                ));
            }
            // Only the head count has a narrower range to check; the
            // other values need not be decoded to be checked.
            if i == 4 {
                let v = take(rest).0;
                if u32::try_from(v).is_err() {
                    return Err(format!("packed yearly figures: {v} employees in {year}"));
                }
            }
            rest = &rest[len..];
        }
        last = Some(year);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn figures(seed: i64) -> YearlyFigures {
        YearlyFigures {
            output_value: Some(Yuan::from_fen(seed * 100)),
            revenue: (seed % 2 == 0).then(|| Yuan::from_fen(-seed)),
            tax: Some(Yuan::from_fen(i64::MAX.wrapping_sub(seed))),
            value_added: None,
            employees: (seed % 3 == 0).then_some(u32::MAX),
            rd: Some(Yuan::from_fen(i64::MIN.wrapping_add(seed))),
            energy_tce: Some(Quantity::from_units(seed)),
            electricity_kwh: None,
            emissions_t: (seed % 5 == 0).then(|| Quantity::from_units(0)),
            above_scale: [None, Some(true), Some(false)]
                [usize::try_from(seed.rem_euclid(3)).unwrap()],
            water_m3: Some(Quantity::from_units(7)),
        }
    }

    fn map_of(years: &[i32]) -> BTreeMap<i32, YearlyFigures> {
        years.iter().map(|y| (*y, figures(i64::from(*y)))).collect()
    }

    #[test]
    fn reads_back_what_a_map_holds() {
        let years = [i32::MIN, -1, 0, 2005, 2022, 2023, i32::MAX];
        let map = map_of(&years);
        let packed: Yearly = map.clone().into_iter().collect();
        assert_eq!(packed.len(), map.len());
        for (y, f) in &map {
            assert_eq!(packed.get(*y).as_ref(), Some(f), "year {y}");
        }
        assert_eq!(packed.get(2006), None);
        assert_eq!(packed.get(2024), None);
        assert_eq!(packed.iter().collect::<BTreeMap<_, _>>(), map);
        assert_eq!(
            packed.years().rev().take(2).collect::<Vec<_>>(),
            [i32::MAX, 2023]
        );
        let empty = YearlyFigures::default();
        let only: Yearly = [(2020, empty.clone())].into_iter().collect();
        assert_eq!(only.get(2020), Some(empty));
    }

    #[test]
    fn insert_and_remove_keep_the_order_and_replace() {
        let mut packed = Yearly::default();
        assert!(packed.is_empty());
        for y in [2010, 2005, 2020, 2005] {
            packed.insert(y, &figures(i64::from(y) + 1));
        }
        assert_eq!(packed.years().collect::<Vec<_>>(), [2005, 2010, 2020]);
        assert_eq!(packed.get(2005), Some(figures(2006)));
        assert_eq!(packed.remove(2010), Some(figures(2011)));
        assert_eq!(packed.remove(2010), None);
        assert!(packed.contains(2020) && !packed.contains(2010));
        // A year replaced by figures of another width leaves its neighbours.
        packed.insert(2010, &figures(3));
        packed.insert(2005, &YearlyFigures::default());
        assert_eq!(packed.get(2005), Some(YearlyFigures::default()));
        assert_eq!(packed.get(2010), Some(figures(3)));
        assert_eq!(packed.get(2020), Some(figures(2021)));
        packed.insert(2005, &figures(30));
        assert_eq!(
            packed.iter().collect::<Vec<_>>(),
            [
                (2005, figures(30)),
                (2010, figures(3)),
                (2020, figures(2021))
            ]
        );
        assert_eq!(packed.remove(2005), Some(figures(30)));
        assert_eq!(packed.years().collect::<Vec<_>>(), [2010, 2020]);
        let later: Yearly = [(1, figures(1)), (1, figures(2))].into_iter().collect();
        assert_eq!(later.get(1), Some(figures(2)));
    }

    #[test]
    fn values_keep_every_bit() {
        let edges = [
            0,
            1,
            -1,
            63,
            -64,
            64,
            -65,
            8191,
            8192,
            i64::from(i32::MAX),
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let mut bytes = Vec::new();
        for v in edges {
            put(v, &mut bytes);
        }
        let mut rest = &bytes[..];
        for v in edges {
            let (back, after) = take(rest);
            assert_eq!(back, v);
            rest = after;
        }
        assert!(rest.is_empty());
        // Small values take one byte; the widest ten.
        let mut one = Vec::new();
        put(-64, &mut one);
        assert_eq!(one.len(), 1);
        let mut wide = Vec::new();
        put(i64::MIN, &mut wide);
        assert_eq!(wide.len(), 10);
    }

    #[test]
    fn a_years_extent_is_where_its_last_value_ends() {
        // Where its last value ends, as the bytes are defined: at the n-th
        // byte without its high bit.
        let by_bytes = |bytes: &[u8]| {
            let n = (header(bytes).1 & MASK).count_ones() as usize;
            let mut ends = bytes[HEADER..]
                .iter()
                .enumerate()
                .filter(|(_, b)| *b & 0x80 == 0);
            n.checked_sub(1)
                .and_then(|k| ends.nth(k))
                .map_or(HEADER, |(i, _)| HEADER + i + 1)
        };
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // A varint past its first eight bytes, and one that never ends.
        let mut long = vec![0x80; 9];
        long.push(0x01);
        assert_eq!(value_len(&long), Some(10));
        assert_eq!(value_len(&[0x80; 12]), None);
        assert_eq!(value_len(&[0x85, 0x01]), Some(2));
        // A year with no values is its header.
        let mut empty = Vec::new();
        pack(2022, &YearlyFigures::default(), &mut empty);
        pack(2023, &figures(3), &mut empty);
        assert_eq!(extent(&empty), HEADER);
        let widths = [0_u32, 6, 13, 20, 40, 63];
        for _ in 0..2000 {
            let mut value = || {
                let v = next();
                let width = widths[(v % 6) as usize];
                let magnitude = (next() >> (64 - width.max(1))).cast_signed();
                (v % 4 != 0).then_some(if v % 2 == 0 {
                    -magnitude - 1
                } else {
                    magnitude
                })
            };
            let f = YearlyFigures {
                output_value: value().map(Yuan::from_fen),
                revenue: value().map(Yuan::from_fen),
                tax: value().map(Yuan::from_fen),
                value_added: value().map(Yuan::from_fen),
                employees: value().map(|v| u32::try_from(v.rem_euclid(1 << 20)).unwrap()),
                rd: value().map(Yuan::from_fen),
                energy_tce: value().map(Quantity::from_units),
                electricity_kwh: value().map(Quantity::from_units),
                emissions_t: value().map(Quantity::from_units),
                water_m3: value().map(Quantity::from_units),
                above_scale: None,
            };
            let mut bytes = Vec::new();
            pack(2022, &f, &mut bytes);
            let whole = bytes.len();
            // Another year after it, and none.
            pack(2023, &f, &mut bytes);
            assert_eq!(extent(&bytes), whole);
            assert_eq!(extent(&bytes[..whole]), whole);
            // Cut inside its values: all that is there.
            if whole > HEADER {
                assert_eq!(extent(&bytes[..whole - 1]), whole - 1);
            }
            assert_eq!(by_bytes(&bytes), whole);
            assert_eq!(unpack(&bytes[..whole]), f);
            for at in HEADER..bytes.len() {
                let rest = &bytes[at..];
                let want = rest.iter().position(|b| b & 0x80 == 0).map(|p| p + 1);
                assert_eq!(value_len(rest), want, "at {at}");
            }
        }
    }

    #[test]
    fn a_checkpoint_keeps_the_bytes_json_sees_a_map() {
        let map = map_of(&[2003, 2004, 2022]);
        let packed: Yearly = map.clone().into_iter().collect();
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&packed, config).unwrap();
        // A length and the packed bytes, nothing per field.
        assert_eq!(
            &bytes[bytes.len() - packed.bytes.len()..],
            &packed.bytes[..]
        );
        let (back, _): (Yearly, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, packed);
        let empty = bincode::serde::encode_to_vec(Yearly::default(), config).unwrap();
        assert_eq!(
            bincode::serde::decode_from_slice::<Yearly, _>(&empty, config)
                .unwrap()
                .0,
            Yearly::default()
        );
        // JSON: the map of years to figures.
        let json = serde_json::to_value(&packed).unwrap();
        assert_eq!(json, serde_json::to_value(&map).unwrap());
        assert_eq!(serde_json::from_value::<Yearly>(json).unwrap(), packed);
        // A map out of order still reads as one; of a year given twice, the later.
        let json =
            r#"{"2010": {"tax": 1}, "2022": {"tax": 5}, "2003": {"tax": 3}, "2010": {"tax": 9}}"#;
        let loose: Yearly = serde_json::from_str(json).unwrap();
        assert_eq!(loose.years().collect::<Vec<_>>(), [2003, 2010, 2022]);
        assert_eq!(loose.get(2022).unwrap().tax, Some(Yuan::from_fen(5)));
        assert_eq!(
            loose.get(2010).unwrap().tax,
            Some(Yuan::from_fen(9)),
            "the later wins"
        );
    }

    #[test]
    fn packed_bytes_not_written_by_packing_are_refused() {
        let good = Yearly::from_iter([(2021, figures(4)), (2022, figures(5))]);
        assert_eq!(Yearly::from_packed(&good.bytes), Ok(good.clone()));
        let year = |y: i32, flags: u16| {
            let mut b = y.to_le_bytes().to_vec();
            b.extend_from_slice(&flags.to_le_bytes());
            b
        };
        let mut twice = year(2022, 0);
        twice.extend(year(2022, 0));
        let mut employees = year(2022, 1 << 4);
        put(-1, &mut employees);
        let mut overlong = year(2022, 1);
        overlong.extend([0x81, 0x00]);
        let mut too_long = year(2022, 1);
        too_long.extend([0xff; 10]);
        too_long.push(0x01);
        let mut unending = year(2022, 1);
        unending.push(0x80);
        let bad: [(&str, Vec<u8>); 8] = [
            ("header", good.bytes[..3].to_vec()),
            ("order", twice),
            ("flags", year(2022, 1 << 12)),
            ("flags", year(2022, ABOVE_SCALE)),
            ("employees", employees),
            ("malformed", overlong),
            ("malformed", too_long),
            ("does not end", unending),
        ];
        for (why, bytes) in bad {
            let err = Yearly::from_packed(&bytes).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
        // Through serde, an error, not a panic.
        let config = bincode::config::standard();
        let framed =
            bincode::serde::encode_to_vec(serde_bytes_of(&year(2022, 1 << 13)), config).unwrap();
        assert!(bincode::serde::decode_from_slice::<Yearly, _>(&framed, config).is_err());
    }

    /// Bytes as serde's bytes, as [`Yearly`] writes its own.
    fn serde_bytes_of(bytes: &[u8]) -> impl Serialize + '_ {
        struct Raw<'a>(&'a [u8]);
        impl Serialize for Raw<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Raw(bytes)
    }
}
