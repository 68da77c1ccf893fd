//! Dates in storage as day numbers (days from 1970-01-01, a varint in
//! bincode) rather than chrono's text form: smaller records, no parsing.
//! Used with `#[serde(with = "…")]` on every stored date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const EPOCH_FROM_CE: i32 = 719_163;

pub(crate) fn to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// The date of a day number, if it is one.
pub(crate) fn from_day_number(n: i32) -> Option<NaiveDate> {
    n.checked_add(EPOCH_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

fn from_days<E: serde::de::Error>(n: i32) -> Result<NaiveDate, E> {
    from_day_number(n).ok_or_else(|| E::custom(format!("day number {n} is out of range")))
}

/// `NaiveDate`.
pub(crate) mod day {
    use super::*;

    // serde's `with` passes a reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub(crate) fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        to_days(*d).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        from_days(i32::deserialize(d)?)
    }
}

/// `Option<NaiveDate>`.
pub(crate) mod opt {
    use super::*;

    #[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
    pub(crate) fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        d.map(to_days).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Option::<i32>::deserialize(d)?.map(from_days).transpose()
    }
}

/// `Vec<(NaiveDate, T)>`.
pub(crate) mod dated {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: Serialize>(
        v: &[(NaiveDate, T)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|(d, t)| (to_days(*d), t)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<(NaiveDate, T)>, D::Error> {
        Vec::<(i32, T)>::deserialize(d)?
            .into_iter()
            .map(|(n, t)| Ok((from_days(n)?, t)))
            .collect()
    }
}

/// `Vec<(NaiveDate, T, U)>`.
pub(crate) mod dated3 {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: Serialize, U: Serialize>(
        v: &[(NaiveDate, T, U)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|(d, t, u)| (to_days(*d), t, u)))
    }

    pub(crate) fn deserialize<
        'de,
        D: Deserializer<'de>,
        T: Deserialize<'de>,
        U: Deserialize<'de>,
    >(
        d: D,
    ) -> Result<Vec<(NaiveDate, T, U)>, D::Error> {
        Vec::<(i32, T, U)>::deserialize(d)?
            .into_iter()
            .map(|(n, t, u)| Ok((from_days(n)?, t, u)))
            .collect()
    }
}

/// `Option<(NaiveDate, T)>`.
pub(crate) mod opt_dated {
    use super::*;

    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: Serializer, T: Serialize>(
        v: &Option<(NaiveDate, T)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().map(|(d, t)| (to_days(*d), t)).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<(NaiveDate, T)>, D::Error> {
        Option::<(i32, T)>::deserialize(d)?
            .map(|(n, t)| Ok((from_days(n)?, t)))
            .transpose()
    }
}

/// The first date parkdb takes: every reader (Python's `datetime`, pandas,
/// Arrow, Excel) handles 1900–2200, which is generous for a park.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The last date parkdb takes (see [`FIRST_DATE`]).
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Refuses a date outside [`FIRST_DATE`]..=[`LAST_DATE`].
///
/// # Errors
/// [`crate::Error::Validation`] naming the field, the date and the range.
pub fn check_date(field: &str, date: NaiveDate) -> crate::Result<()> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        return Ok(());
    }
    Err(crate::Error::validation(
        field,
        format!("{date} is outside the dates parkdb takes, {FIRST_DATE} to {LAST_DATE}"),
    ))
}
