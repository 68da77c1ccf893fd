//! An enterprise's yearly figures, packed: the register of a province holds
//! ten years of figures for half a million firms, and a map of full
//! [`YearlyFigures`] per firm spends most of its memory on fields never
//! reported and on tree nodes. [`Yearly`] keeps each year as one word (the
//! year, which fields are reported, and 规上) followed by the reported
//! values, in one allocation per firm; a year's figures are unpacked on
//! reading, which costs a few nanoseconds.
//!
//! It is stored (in a state, an event, a checkpoint) exactly as the map of
//! years to figures it replaced, so no stored byte changed with it.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::YearlyFigures;
use crate::units::{Quantity, Yuan};

/// The values a year may report, in their packed order (all but 规上,
/// which lives in the year's word).
const VALUES: u32 = 10;
/// The year's word: bit `i` (`i < VALUES`) says value `i` is reported;
/// these two say whether 规上 is reported and what it is.
const ABOVE_SCALE_KNOWN: i64 = 1 << VALUES;
const ABOVE_SCALE: i64 = 1 << (VALUES + 1);
const MASK: i64 = (1 << VALUES) - 1;

/// An enterprise's figures by year, in year order; one year at most once.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Yearly {
    /// Per year: its word (year in the high 32 bits, then the flags), then
    /// one word per reported value.
    words: Box<[i64]>,
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

fn pack(year: i32, f: &YearlyFigures, out: &mut Vec<i64>) {
    let mut word = i64::from(year) << 32;
    match f.above_scale {
        Some(true) => word |= ABOVE_SCALE_KNOWN | ABOVE_SCALE,
        Some(false) => word |= ABOVE_SCALE_KNOWN,
        None => {}
    }
    let at = out.len();
    out.push(0);
    for (i, v) in values(f).into_iter().enumerate() {
        if let Some(v) = v {
            word |= 1 << i;
            out.push(v);
        }
    }
    out[at] = word;
}

/// The year of a year's word.
#[allow(clippy::cast_possible_truncation)]
fn year_of(word: i64) -> i32 {
    (word >> 32) as i32
}

/// How many value words follow a year's word.
fn width(word: i64) -> usize {
    (word & MASK).count_ones() as usize
}

/// The figures of the year whose word starts `words`.
fn unpack(words: &[i64]) -> YearlyFigures {
    let word = words[0];
    let mut rest = words[1..].iter().copied();
    let mut value = |i: u32| {
        if word & (1 << i) == 0 {
            None
        } else {
            rest.next()
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
        above_scale: (word & ABOVE_SCALE_KNOWN != 0).then_some(word & ABOVE_SCALE != 0),
        water_m3,
    }
}

impl Yearly {
    /// How many years have figures.
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether no year has figures.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The figures of `year`, if it has any.
    #[must_use]
    pub fn get(&self, year: i32) -> Option<YearlyFigures> {
        let (at, end) = self.span(year);
        (at < end).then(|| unpack(&self.words[at..end]))
    }

    /// Whether `year` has figures.
    #[must_use]
    pub fn contains(&self, year: i32) -> bool {
        let (at, end) = self.span(year);
        at < end
    }

    /// The years with figures, earliest first.
    pub fn years(&self) -> impl DoubleEndedIterator<Item = i32> + ExactSizeIterator + use<> {
        self.iter().map(|(y, _)| y).collect::<Vec<_>>().into_iter()
    }

    /// Each year with its figures, earliest first.
    #[must_use]
    pub fn iter(&self) -> Iter<'_> {
        Iter { words: &self.words }
    }

    /// Where `year`'s words are, or would go: their start and end (equal
    /// when it has none).
    fn span(&self, year: i32) -> (usize, usize) {
        let mut at = 0;
        while let Some(&word) = self.words.get(at) {
            let end = at + 1 + width(word);
            match year_of(word).cmp(&year) {
                std::cmp::Ordering::Less => at = end,
                std::cmp::Ordering::Equal => return (at, end),
                std::cmp::Ordering::Greater => break,
            }
        }
        (at, at)
    }

    /// Sets `year`'s figures, replacing any it had. The other years' words
    /// are copied as they are.
    pub fn insert(&mut self, year: i32, figures: &YearlyFigures) {
        let (at, end) = self.span(year);
        let mut words = Vec::with_capacity(self.words.len() + 1 + VALUES as usize);
        words.extend_from_slice(&self.words[..at]);
        pack(year, figures, &mut words);
        words.extend_from_slice(&self.words[end..]);
        self.words = words.into_boxed_slice();
    }

    /// Removes `year`'s figures, returning them.
    pub fn remove(&mut self, year: i32) -> Option<YearlyFigures> {
        let (at, end) = self.span(year);
        if at == end {
            return None;
        }
        let old = unpack(&self.words[at..end]);
        let mut words = self.words[..at].to_vec();
        words.extend_from_slice(&self.words[end..]);
        self.words = words.into_boxed_slice();
        Some(old)
    }

    /// From years in rising order, each once.
    fn from_sorted(years: &[(i32, YearlyFigures)]) -> Yearly {
        let mut words = Vec::with_capacity(years.len() * (1 + VALUES as usize));
        for (year, f) in years {
            pack(*year, f, &mut words);
        }
        Yearly {
            words: words.into_boxed_slice(),
        }
    }
}

/// The years of a [`Yearly`] with their figures, earliest first.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    words: &'a [i64],
}

impl Iterator for Iter<'_> {
    type Item = (i32, YearlyFigures);

    fn next(&mut self) -> Option<(i32, YearlyFigures)> {
        let &word = self.words.first()?;
        let figures = unpack(self.words);
        self.words = self.words.get(1 + width(word)..).unwrap_or_default();
        Some((year_of(word), figures))
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

/// As the map of years to figures it replaced: the same bytes.
impl Serialize for Yearly {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
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
                f.write_str("a map of years to figures")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yearly, A::Error> {
                let mut all = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(entry) = map.next_entry::<i32, YearlyFigures>()? {
                    all.push(entry);
                }
                if all.windows(2).all(|w| w[0].0 < w[1].0) {
                    Ok(Yearly::from_sorted(&all))
                } else {
                    Ok(all.into_iter().collect())
                }
            }
        }
        deserializer.deserialize_map(Years)
    }
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
    fn stored_as_the_map_it_replaced() {
        let map = map_of(&[2003, 2004, 2022]);
        let packed: Yearly = map.clone().into_iter().collect();
        let config = bincode::config::standard();
        let a = bincode::serde::encode_to_vec(&map, config).unwrap();
        let b = bincode::serde::encode_to_vec(&packed, config).unwrap();
        assert_eq!(a, b);
        let (back, _): (Yearly, usize) = bincode::serde::decode_from_slice(&a, config).unwrap();
        assert_eq!(back, packed);
        // A map out of order (never written by parkdb) still reads as one.
        let json = r#"{"2022": {"tax": 5}, "2003": {"tax": 3}}"#;
        let loose: Yearly = serde_json::from_str(json).unwrap();
        assert_eq!(loose.years().collect::<Vec<_>>(), [2003, 2022]);
        assert_eq!(loose.get(2022).unwrap().tax, Some(Yuan::from_fen(5)));
    }
}
