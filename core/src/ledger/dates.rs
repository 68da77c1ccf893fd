//! Dates as ledgers write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses `2005-03-01`, `2005/3/1`, `2005.3.1`, `2005年3月1日` or `20050301`,
/// optionally followed by a time of day (`2005-03-01 00:00:00`, as a
/// workbook's date-and-time cell reads).
///
/// A bare number (`2005`, `38412`, `1e3`) is not a date: an Excel serial
/// day number is read only from a cell formatted as a date, where the
/// workbook reader turns it into a date ([`from_excel_serial`]). Text after
/// the date that is not a time of day (`2013-03-01 garbage`) is refused.
#[must_use]
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    let (date_part, time_part) = match t.split_once([' ', 'T']) {
        Some((d, rest)) => (d, rest.trim()),
        None => (t, ""),
    };
    if !time_part.is_empty()
        && ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .all(|f| NaiveTime::parse_from_str(time_part, f).is_err())
    {
        return None;
    }
    let normal: String = date_part
        .replace(['年', '月', '/', '.'], "-")
        .replace('日', "");
    let mut parts = normal.split('-');
    let mut number = || -> Option<u32> {
        let p = parts.next()?;
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (y, m, d) = (number()?, number()?, number()?);
    if parts.any(|p| !p.is_empty()) || !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Whether a date's text is a bare number (`2005`, `38412`, `1e3`), which
/// parkdb never reads as a date: said so in the refusal.
#[must_use]
pub fn is_bare_number(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty() && t.len() != 8 && t.parse::<f64>().is_ok()
}

/// A date as a person types it, within those parkdb writes (1900 to 2200).
///
/// # Errors
/// [`crate::Error::Validation`] of `date`, whose reason says what a date
/// looks like (for the command line and the dashboard).
pub fn date_arg(text: &str) -> crate::Result<NaiveDate> {
    let date = parse_date(text).ok_or_else(|| {
        crate::Error::validation(
            "date",
            format!(
                "{} is not a date (2005-12-31, 2005/12/31, 2005年12月31日)",
                crate::text::shown(text)
            ),
        )
    })?;
    crate::days::check_date("date", date)?;
    Ok(date)
}

/// The widest offset from UTC a time zone has (UTC+14:00, Kiribati).
const MAX_OFFSET_SECONDS: i32 = 14 * 3600;

/// A moment as a person types it: with an offset
/// (`2024-03-01T09:30+08:00`), the moment it says; without one
/// (`2024-03-01 09:30`, `2024-03-01`: the start of that day), local time.
///
/// # Errors
/// [`crate::Error::Validation`] of `moment`, saying what was wrong (for
/// the command line and the dashboard).
pub fn parse_moment(text: &str) -> crate::Result<DateTime<Utc>> {
    let invalid = |reason: String| crate::Error::validation("moment", reason);
    let t = text.trim();
    let with_offset = DateTime::parse_from_rfc3339(t).ok().or_else(|| {
        [
            "%Y-%m-%dT%H:%M%:z",
            "%Y-%m-%d %H:%M%:z",
            "%Y-%m-%d %H:%M:%S%.f%:z",
        ]
        .iter()
        .find_map(|f| DateTime::parse_from_str(t, f).ok())
    });
    if let Some(m) = with_offset {
        let offset = m.offset().local_minus_utc();
        if offset.abs() > MAX_OFFSET_SECONDS {
            return Err(invalid(format!(
                "{}: an offset from UTC beyond ±14:00 is no time zone's",
                crate::text::shown(t)
            )));
        }
        crate::days::check_date("moment", m.date_naive())?;
        return Ok(m.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .or_else(|| parse_date(t).map(|d| d.and_time(NaiveTime::MIN)))
    .ok_or_else(|| {
        invalid(format!(
            "{} is not a moment (2024-03-01T09:30+08:00, 2024-03-01 09:30, 2024-03-01)",
            crate::text::shown(t)
        ))
    })?;
    crate::days::check_date("moment", naive.date())?;
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|m| m.with_timezone(&Utc))
        .ok_or_else(|| invalid(format!("{naive} does not exist in local time")))
}

/// The date of an Excel serial number (days since 1899-12-30, with
/// Excel's phantom 1900-02-29 counted below serial 61).
#[must_use]
pub fn from_excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // In range by the check above, so the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_forms() {
        let d = NaiveDate::from_ymd_opt(2005, 3, 1).unwrap();
        for t in [
            "2005-03-01",
            "2005/3/1",
            "2005.3.1",
            "2005年3月1日",
            "20050301",
            "2005-03-01 00:00:00",
            "2005-03-01T08:30",
            " 2005/03/01 ",
        ] {
            assert_eq!(parse_date(t), Some(d), "{t}");
        }
        for t in [
            "",
            "2005-02-30",
            "3/1/2005",
            "abc",
            "2005年13月1日",
            "0",
            // A bare number is never a date: a year, a serial typed as text,
            // a number in exponent form.
            "2005",
            "38412",
            "1e3",
            // Text after the date that is not a time.
            "2013-03-01 garbage",
            "2013-03-01 25:00",
            "2013-03-01-02",
            "2005-+3-01",
        ] {
            assert_eq!(parse_date(t), None, "{t}");
        }
        assert!(is_bare_number("38412") && is_bare_number("1e3") && !is_bare_number("20050301"));
    }

    #[test]
    fn arguments_outside_what_parkdb_writes_are_refused() {
        assert!(date_arg("2005-12-31").is_ok());
        assert!(date_arg("1899-12-31")
            .unwrap_err()
            .to_string()
            .contains("1900-01-01"));
        assert!(date_arg("9999-12-31").is_err());
        assert!(parse_moment("2024-03-01T09:30+14:00").is_ok());
        assert_eq!(
            parse_moment("2024-03-01T09:30+08:00").unwrap(),
            parse_moment("2024-03-01T01:30:00Z").unwrap()
        );
        assert!(parse_moment("2024-03-01T09:30+23:59")
            .unwrap_err()
            .to_string()
            .contains("±14:00"));
        assert!(parse_moment("2024-03-01T09:30-14:30").is_err());
        assert!(parse_moment("9000-03-01T09:30+08:00").is_err());
        assert!(parse_moment("9000-03-01").is_err());
        assert_eq!(from_excel_serial(1.0), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(from_excel_serial(61.0), NaiveDate::from_ymd_opt(1900, 3, 1));
    }
}
