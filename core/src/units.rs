//! Exact quantities: area in [`Mu`] (亩) and money in [`Yuan`] (元).
//!
//! Both are fixed-point integers. They parse from decimal strings exactly,
//! never through a float, and their arithmetic is checked: a sum that would
//! overflow is an error, never a wrapped or saturated number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Parses a plain decimal string ("52.7272", "-3", "0.5") into an integer
/// scaled by `10^scale`, rounding half away from zero past `scale` digits
/// when `round` is true and refusing extra digits otherwise.
///
/// Returns `None` for anything that is not a decimal number or overflows.
/// Whether the whole part of a number is plain digits, or digits in
/// groups of three after the first (`1,205`, `52,000`). A comma anywhere
/// else (`1,5`, `52,7272`) is a decimal comma or a typo, and an underscore
/// (`1_000`, Python source's grouping) is not how a ledger writes a
/// number: both refused, never read as a thousands separator.
fn grouped_digits(part: &str) -> bool {
    if part.contains(',') {
        let mut groups = part.split(',');
        let first = groups.next().unwrap_or_default();
        return (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    }
    part.bytes().all(|b| b.is_ascii_digit())
}

fn parse_fixed(text: &str, scale: u32, round: bool) -> Option<i128> {
    let s = text.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !grouped_digits(int_part) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i128 = 0;
    for b in int_part.bytes().filter(u8::is_ascii_digit) {
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    let frac = frac_part.as_bytes();
    for i in 0..scale as usize {
        let d = frac.get(i).map_or(0, |b| i128::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(d)?;
    }
    if frac.len() > scale as usize {
        let rest = &frac[scale as usize..];
        if !round {
            if rest.iter().any(|&b| b != b'0') {
                return None;
            }
        } else if rest[0] >= b'5' {
            value = value.checked_add(1)?;
        }
    }
    Some(if neg { -value } else { value })
}

/// Formats an integer scaled by `10^scale` as a decimal, trimming trailing
/// zeros of the fraction down to `min_frac` digits.
fn format_fixed(value: i128, scale: u32, min_frac: usize) -> String {
    let unit = 10i128.pow(scale);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let int = abs / unit.unsigned_abs();
    let frac = abs % unit.unsigned_abs();
    let mut frac_s = format!("{frac:0width$}", width = scale as usize);
    while frac_s.len() > min_frac && frac_s.ends_with('0') {
        frac_s.pop();
    }
    if frac_s.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac_s}")
    }
}

fn narrow(value: i128, field: &str, text: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| {
        Error::validation(
            field,
            format!("{} is out of range", crate::text::shown(text)),
        )
    })
}

/// Area in 亩, exact to 0.000001 亩 (stored as millionths in an `i64`).
///
/// 1 亩 = 10000/15 m² exactly, so 1 m² = 0.0015 亩 = 1500 millionths and
/// 1 公顷 = 15 亩: an area in 公顷 to six places or in m² to two places is
/// a whole number of millionths of a 亩, kept exactly. An input that would
/// need more places is refused, never rounded.
///
/// Databases of formats 1 to 8 stored ten-thousandths of a 亩; their values
/// are read as the same areas (see the storage codec).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Mu(i64);

thread_local! {
    /// The storage format of the value being decoded: set by the storage
    /// codec around each decode ([`with_stored_format`]); `u8::MAX`, later
    /// than any, otherwise (checkpoints, values being written: the
    /// current format).
    static STORED_FORMAT: std::cell::Cell<u8> = const { std::cell::Cell::new(u8::MAX) };
}

/// The first storage format that keeps areas in millionths of a 亩.
pub(crate) const MILLIONTHS_FORMAT: u8 = 9;

/// The first storage format with parcels entered without a requisition,
/// supply contracts and mortgages: fields it added to stored values are
/// read only from values of this format on ([`added_in_10`]).
pub(crate) const CONTRACTS_FORMAT: u8 = 10;

/// The first storage format whose stored boundaries may name the zone
/// their area is measured in ([`added_in_11`]).
pub(crate) const SURVEY_PLANE_FORMAT: u8 = 11;

/// Runs `decode` with values read as storage format `format` stored them:
/// areas in ten-thousandths of a 亩 before format 9, millionths since;
/// fields added by a later format left at their defaults.
pub(crate) fn with_stored_format<T>(format: u8, decode: impl FnOnce() -> T) -> T {
    /// Puts the format back however the decode ends.
    struct Restore(u8);
    impl Drop for Restore {
        fn drop(&mut self) {
            STORED_FORMAT.with(|f| f.set(self.0));
        }
    }
    let _restore = Restore(STORED_FORMAT.with(|f| f.replace(format)));
    decode()
}

/// The storage format of the value being decoded.
fn stored_format() -> u8 {
    STORED_FORMAT.with(std::cell::Cell::get)
}

/// Reads a field that storage format `since` added to a stored value:
/// from a value of an earlier format (which does not hold it) its default,
/// read from nothing.
fn added_since<'de, D, T>(since: u8, d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    if stored_format() < since {
        Ok(T::default())
    } else {
        T::deserialize(d)
    }
}

/// Reads a field format 10 added to a stored value ([`added_since`]).
pub(crate) fn added_in_10<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    added_since(CONTRACTS_FORMAT, d)
}

/// Reads a field format 11 added to a stored value ([`added_since`]).
pub(crate) fn added_in_11<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    added_since(SURVEY_PLANE_FORMAT, d)
}

impl<'de> Deserialize<'de> for Mu {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Mu, D::Error> {
        let stored = i64::deserialize(d)?;
        let factor = if stored_format() < MILLIONTHS_FORMAT {
            100
        } else {
            1
        };
        stored
            .checked_mul(factor)
            .map(Mu)
            .ok_or_else(|| serde::de::Error::custom("an area out of range"))
    }
}

/// The error of an area that is not a number in its unit with at most
/// `places` decimals.
fn area_error(text: &str, unit: &str, places: u32) -> Error {
    Error::validation(
        "area",
        format!(
            "{} is not an area in {unit} with at most {places} decimals (parkdb keeps areas exact to 0.000001 亩 and never rounds one)",
            crate::text::shown(text)
        ),
    )
}

impl Mu {
    /// Millionths of a 亩 in one 亩.
    pub const SCALE: i64 = 1_000_000;
    /// Zero area.
    pub const ZERO: Mu = Mu(0);
    /// Millionths of a 亩 in one m²: 1 m² = 0.0015 亩 exactly.
    pub const UNITS_PER_M2: i64 = 1_500;

    /// An area from its count of millionths of a 亩.
    #[must_use]
    pub const fn from_millionths(millionths: i64) -> Mu {
        Mu(millionths)
    }

    /// The count of millionths of a 亩.
    #[must_use]
    pub const fn millionths(self) -> i64 {
        self.0
    }

    /// An area from its count of ten-thousandths of a 亩, the unit of
    /// parkdb before storage format 9.
    #[deprecated(
        since = "0.1.0",
        note = "areas are kept in millionths of a 亩: use Mu::from_millionths"
    )]
    #[must_use]
    pub const fn from_units(units: i64) -> Mu {
        Mu(units.saturating_mul(100))
    }

    /// The count of ten-thousandths of a 亩, cut toward zero: exact only for
    /// an area with at most four decimals.
    #[deprecated(
        since = "0.1.0",
        note = "areas are kept in millionths of a 亩: use Mu::millionths"
    )]
    #[must_use]
    pub const fn units(self) -> i64 {
        self.0 / 100
    }

    /// A whole number of 亩.
    ///
    /// # Errors
    /// [`Error::Validation`] if the area does not fit.
    pub fn from_mu(mu: i64) -> Result<Mu> {
        mu.checked_mul(Self::SCALE)
            .map(Mu)
            .ok_or_else(|| Error::validation("area", format!("{mu} 亩 is out of range")))
    }

    /// Parses 亩 from a decimal string, exactly: "52.7272" is 52,727,200
    /// millionths; more than six decimals that are not zero are refused.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_mu(text: &str) -> Result<Mu> {
        let v = parse_fixed(text, 6, false).ok_or_else(|| area_error(text, "亩", 6))?;
        narrow(v, "area", text).map(Mu)
    }

    /// Parses square metres from a decimal string and converts to 亩
    /// exactly (1 m² = 0.0015 亩): two decimals of m² are always exact; a
    /// value that is not a whole number of millionths of a 亩 is refused.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_m2(text: &str) -> Result<Mu> {
        // millionths = m² × 1500 = (m² in hundred-thousandths) × 15 / 1000.
        let m2_e5 = parse_fixed(text, 5, false).ok_or_else(|| area_error(text, "m²", 2))?;
        exact_div(m2_e5, 15, 1_000)
            .ok_or_else(|| area_error(text, "m²", 2))
            .and_then(|v| narrow(v, "area", text))
            .map(Mu)
    }

    /// Parses 公顷 (hectares) from a decimal string and converts to 亩
    /// exactly (1 公顷 = 15 亩): six decimals of 公顷 are always exact; a
    /// value that is not a whole number of millionths of a 亩 is refused.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_hectares(text: &str) -> Result<Mu> {
        let ha_e7 = parse_fixed(text, 7, false).ok_or_else(|| area_error(text, "公顷", 6))?;
        exact_div(ha_e7, 15, 10)
            .ok_or_else(|| area_error(text, "公顷", 6))
            .and_then(|v| narrow(v, "area", text))
            .map(Mu)
    }

    /// An area measured, not entered (the area of a drawn polygon in m²):
    /// rounded half away from zero to the millionth of a 亩.
    ///
    /// # Errors
    /// [`Error::Validation`] if it is not finite or does not fit.
    pub fn from_measured_m2(m2: f64) -> Result<Mu> {
        let units = (m2 * Self::UNITS_PER_M2 as f64).round();
        if units.is_finite() && units.abs() < 9.0e18 {
            // Rounded and in range just above: the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            Ok(Mu(units as i64))
        } else {
            Err(Error::validation(
                "area",
                format!("a measured area of {m2} m² is out of range"),
            ))
        }
    }

    /// Parses an area in the unit its text names (`"1.867291公顷"`,
    /// `"21587㎡"`, `"52.7272亩"`), else with `unit`, the parser of the
    /// unit a column or an argument is in ([`Mu::parse_m2`],
    /// [`Mu::parse_hectares`], [`Mu::parse_mu`]).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_or(text: &str, unit: impl FnOnce(&str) -> Result<Mu>) -> Result<Mu> {
        if names_its_unit(text) {
            text.parse()
        } else {
            unit(text)
        }
    }

    /// Space in m² (a [`Quantity`] to 0.0001 m²) as 亩, rounded half away
    /// from zero to the millionth of a 亩: exact for m² to two places.
    ///
    /// # Errors
    /// [`Error::Validation`] if it does not fit.
    pub fn from_m2_quantity(m2: Quantity) -> Result<Mu> {
        let scaled = i128::from(m2.units()) * i128::from(Self::UNITS_PER_M2);
        i64::try_from(round_div(scaled, i128::from(Quantity::SCALE)))
            .map(Mu)
            .map_err(|_| Error::validation("area", format!("{m2} m² is out of range")))
    }

    /// The area in m², as a float for display and ratios.
    #[must_use]
    pub fn to_m2_f64(self) -> f64 {
        self.0 as f64 / Self::UNITS_PER_M2 as f64
    }

    /// The area in 亩, as a float for ratios (never for storage).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// Checked addition.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn checked_add(self, other: Mu) -> Result<Mu> {
        self.0
            .checked_add(other.0)
            .map(Mu)
            .ok_or_else(|| Error::validation("area", "sum of areas overflows"))
    }

    /// Checked subtraction.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn checked_sub(self, other: Mu) -> Result<Mu> {
        self.0
            .checked_sub(other.0)
            .map(Mu)
            .ok_or_else(|| Error::validation("area", "difference of areas overflows"))
    }

    /// Checked sum of many areas.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn sum<I: IntoIterator<Item = Mu>>(items: I) -> Result<Mu> {
        items.into_iter().try_fold(Mu::ZERO, Mu::checked_add)
    }

    /// True for a strictly positive area.
    #[must_use]
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The plain decimal in 亩 without unit ("52.7272", "40").
    #[must_use]
    pub fn to_decimal_string(self) -> String {
        format_fixed(i128::from(self.0), 6, 0)
    }
}

/// Whether a number's text ends in its own unit (`公顷`, `万元`, `㎡`)
/// rather than a digit or a point.
fn names_its_unit(text: &str) -> bool {
    text.trim()
        .chars()
        .last()
        .is_some_and(|c| !c.is_ascii_digit() && c != '.')
}

/// `n × numerator / denominator` when it is a whole number, else `None`.
fn exact_div(n: i128, numerator: i128, denominator: i128) -> Option<i128> {
    let scaled = n.checked_mul(numerator)?;
    (scaled % denominator == 0).then(|| scaled / denominator)
}

fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.abs() * 2 >= d {
        q + n.signum()
    } else {
        q
    }
}

/// The value in its unit, as written (`Mu(52.7272)`), not its minor units.
impl fmt::Debug for Mu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mu({})", self.to_decimal_string())
    }
}

impl fmt::Display for Mu {
    /// "52.7272亩".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}亩", self.to_decimal_string())
    }
}

impl FromStr for Mu {
    type Err = Error;
    /// Parses "52.7272", "52.7272亩", "21587㎡" / "21587m2" or "3公顷".
    fn from_str(s: &str) -> Result<Mu> {
        let t = s.trim();
        if let Some(v) = t.strip_suffix('亩') {
            Mu::parse_mu(v)
        } else if let Some(v) = t
            .strip_suffix('㎡')
            .or_else(|| t.strip_suffix("m²"))
            .or_else(|| t.strip_suffix("m2"))
            .or_else(|| t.strip_suffix("平方米"))
        {
            Mu::parse_m2(v)
        } else if let Some(v) = t.strip_suffix("公顷").or_else(|| t.strip_suffix("ha")) {
            Mu::parse_hectares(v)
        } else {
            Mu::parse_mu(t)
        }
    }
}

/// Money in 元, exact to the fen (stored as fen in an `i64`).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Yuan(i64);

impl Yuan {
    /// Fen in one 元.
    pub const SCALE: i64 = 100;
    /// No money.
    pub const ZERO: Yuan = Yuan(0);

    /// An amount from its count of fen.
    #[must_use]
    pub const fn from_fen(fen: i64) -> Yuan {
        Yuan(fen)
    }

    /// The count of fen.
    #[must_use]
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// A whole number of 元.
    ///
    /// # Errors
    /// [`Error::Validation`] if the amount does not fit.
    pub fn from_yuan(yuan: i64) -> Result<Yuan> {
        yuan.checked_mul(Self::SCALE)
            .map(Yuan)
            .ok_or_else(|| Error::validation("amount", format!("{yuan} 元 is out of range")))
    }

    /// Parses 元 from a decimal string exactly ("8915000", "1234.56");
    /// more than two decimals that are not zero are refused.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_yuan(text: &str) -> Result<Yuan> {
        Yuan::parse_in(text, 2, "an amount in 元 with at most two decimals")
    }

    /// Parses an amount written in a unit of `places` decimals of the fen's
    /// unit (2 for 元, 6 for 万元, 10 for 亿元), exactly.
    fn parse_in(text: &str, places: u32, what: &str) -> Result<Yuan> {
        let v = parse_fixed(text, places, false).ok_or_else(|| {
            Error::validation(
                "amount",
                format!("{} is not {what}", crate::text::shown(text)),
            )
        })?;
        narrow(v, "amount", text).map(Yuan)
    }

    /// Parses 万元 from a decimal string exactly ("891.5" is 8,915,000 元).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_wan(text: &str) -> Result<Yuan> {
        Yuan::parse_in(text, 6, "an amount in 万元 exact to the fen")
    }

    /// Parses money in the unit its text names (`"129.89万元"`, `"1.2亿元"`,
    /// `"8915000元"`), else with `unit`, the parser of the unit a column or
    /// an argument is in ([`Yuan::parse_wan`], [`Yuan::parse_yuan`]).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_or(text: &str, unit: impl FnOnce(&str) -> Result<Yuan>) -> Result<Yuan> {
        if names_its_unit(text) {
            text.parse()
        } else {
            unit(text)
        }
    }

    /// Parses 亿元 from a decimal string exactly ("1.25" is 125,000,000 元).
    ///
    /// # Errors
    /// [`Error::Validation`] naming the text and why.
    pub fn parse_yi(text: &str) -> Result<Yuan> {
        Yuan::parse_in(text, 10, "an amount in 亿元 exact to the fen")
    }

    /// The amount in 元 as a float, for ratios (never for storage).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// The amount in 万元 as a float, for ratios.
    #[must_use]
    pub fn to_wan_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// "891.5万元".
    #[must_use]
    pub fn display_wan(self) -> String {
        format!("{}万元", format_fixed(i128::from(self.0), 6, 0))
    }

    /// In 万元 as reports print money: at most four places (rounded half
    /// away from zero to the 元, "158.4074万元" for 1,584,073.78 元).
    #[must_use]
    pub fn report_wan(self) -> String {
        format!(
            "{}万元",
            format_fixed(round_div(i128::from(self.0), 100), 4, 0)
        )
    }

    /// [`Yuan::display_large`] as reports print money: at most four places
    /// of 亿元 or 万元 ("1.2346亿元", "158.4074万元").
    #[must_use]
    pub fn report_large(self) -> String {
        if self.0.unsigned_abs() >= 10_000_000_000 {
            format!(
                "{}亿元",
                format_fixed(round_div(i128::from(self.0), 1_000_000), 4, 0)
            )
        } else {
            self.report_wan()
        }
    }

    /// In 亿元 from one 亿 up ("38亿元"), in 万元 below ("891.5万元").
    #[must_use]
    pub fn display_large(self) -> String {
        if self.0.unsigned_abs() >= 10_000_000_000 {
            format!("{}亿元", format_fixed(i128::from(self.0), 10, 0))
        } else {
            self.display_wan()
        }
    }

    /// The plain decimal in 元 with two decimals ("8915000.00").
    #[must_use]
    pub fn to_decimal_string(self) -> String {
        format_fixed(i128::from(self.0), 2, 2)
    }

    /// Checked addition.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn checked_add(self, other: Yuan) -> Result<Yuan> {
        self.0
            .checked_add(other.0)
            .map(Yuan)
            .ok_or_else(|| Error::validation("amount", "sum of amounts overflows"))
    }

    /// Checked subtraction.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn checked_sub(self, other: Yuan) -> Result<Yuan> {
        self.0
            .checked_sub(other.0)
            .map(Yuan)
            .ok_or_else(|| Error::validation("amount", "difference of amounts overflows"))
    }

    /// Checked sum.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn sum<I: IntoIterator<Item = Yuan>>(items: I) -> Result<Yuan> {
        items.into_iter().try_fold(Yuan::ZERO, Yuan::checked_add)
    }

    /// `self × numerator / denominator`, rounded half away from zero to the
    /// fen, computed in 128 bits (used for fees such as 20% of a price).
    ///
    /// # Errors
    /// [`Error::Validation`] if the denominator is zero or the result does not fit.
    pub fn ratio(self, numerator: i64, denominator: i64) -> Result<Yuan> {
        if denominator == 0 {
            return Err(Error::validation("amount", "ratio with a zero denominator"));
        }
        let n = i128::from(self.0) * i128::from(numerator);
        let v = round_div(n, i128::from(denominator));
        i64::try_from(v)
            .map(Yuan)
            .map_err(|_| Error::validation("amount", "amount out of range"))
    }

    /// True for a strictly positive amount.
    #[must_use]
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// The value in 元, as written (`Yuan(360000.00)`), not in fen.
impl fmt::Debug for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Yuan({})", self.to_decimal_string())
    }
}

impl fmt::Display for Yuan {
    /// "8915000.00元".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}元", self.to_decimal_string())
    }
}

impl FromStr for Yuan {
    type Err = Error;
    /// Parses "8915000", "8915000元", "891.5万", "891.5万元", "1.25亿" or
    /// "1.25亿元".
    fn from_str(s: &str) -> Result<Yuan> {
        let t = s.trim();
        if let Some(v) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) {
            Yuan::parse_wan(v)
        } else if let Some(v) = t.strip_suffix("亿元").or_else(|| t.strip_suffix('亿')) {
            Yuan::parse_yi(v)
        } else {
            Yuan::parse_yuan(t.strip_suffix('元').unwrap_or(t))
        }
    }
}

/// A physical quantity other than area or money — energy in tce,
/// electricity in kWh, emissions in t, floor space in m² — exact to 0.0001
/// of its unit (stored as ten-thousandths in an `i64`). The unit is in the
/// name of the field that holds it.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quantity(i64);

impl Quantity {
    /// Ten-thousandths in one unit.
    pub const SCALE: i64 = 10_000;
    /// Nothing.
    pub const ZERO: Quantity = Quantity(0);

    /// A quantity from its count of ten-thousandths.
    #[must_use]
    pub const fn from_units(units: i64) -> Quantity {
        Quantity(units)
    }

    /// The count of ten-thousandths.
    #[must_use]
    pub const fn units(self) -> i64 {
        self.0
    }

    /// Parses a decimal string exactly (at most four decimals that are not zero).
    ///
    /// # Errors
    /// [`Error::Validation`] naming `field` and the text.
    pub fn parse(text: &str, field: &str) -> Result<Quantity> {
        let v = parse_fixed(text, 4, false).ok_or_else(|| {
            Error::validation(
                field,
                format!(
                    "{} is not a number with at most four decimals",
                    crate::text::shown(text)
                ),
            )
        })?;
        narrow(v, field, text).map(Quantity)
    }

    /// The value as a float, for ratios (never for storage).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }

    /// The plain decimal ("21587", "0.5").
    #[must_use]
    pub fn to_decimal_string(self) -> String {
        format_fixed(i128::from(self.0), 4, 0)
    }

    /// Checked addition.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn checked_add(self, other: Quantity) -> Result<Quantity> {
        self.0
            .checked_add(other.0)
            .map(Quantity)
            .ok_or_else(|| Error::validation("quantity", "sum overflows"))
    }

    /// Checked sum.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn sum<I: IntoIterator<Item = Quantity>>(items: I) -> Result<Quantity> {
        items
            .into_iter()
            .try_fold(Quantity::ZERO, Quantity::checked_add)
    }

    /// True for a strictly positive quantity.
    #[must_use]
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// The value as written (`Quantity(5200.5)`), not its minor units.
impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({})", self.to_decimal_string())
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

#[cfg(test)]
mod debug_tests {
    use super::{Mu, Quantity, Yuan};

    #[test]
    fn debug_prints_the_value_in_its_unit_not_minor_units() {
        assert_eq!(
            format!("{:?}", "360000".parse::<Yuan>().unwrap()),
            "Yuan(360000.00)"
        );
        assert_eq!(
            format!("{:?}", "52.7272".parse::<Mu>().unwrap()),
            "Mu(52.7272)"
        );
        assert_eq!(
            format!("{:?}", Quantity::parse("5200.5", "energy").unwrap()),
            "Quantity(5200.5)"
        );
    }
}
