//! Dates as ledgers write them.

use chrono::NaiveDate;

/// Parses `2005-03-01`, `2005/3/1`, `2005.3.1`, `2005年3月1日`, `20050301`,
/// or an Excel serial date (`38412`).
#[must_use]
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // An Excel serial day number (1900 date system).
    if t.len() <= 6 {
        if let Ok(serial) = t.parse::<f64>() {
            return from_excel_serial(serial);
        }
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    let normal: String = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let date_part = normal.split([' ', 'T']).next().unwrap_or("");
    let mut parts = date_part.split('-').filter(|p| !p.is_empty());
    let y: i32 = parts.next()?.trim().parse().ok()?;
    let m: u32 = parts.next()?.trim().parse().ok()?;
    let d: u32 = parts.next()?.trim().parse().ok()?;
    if parts.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
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
            "38412",
            "2005-03-01 00:00:00",
            " 2005/03/01 ",
        ] {
            assert_eq!(parse_date(t), Some(d), "{t}");
        }
        for t in ["", "2005-02-30", "3/1/2005", "abc", "2005年13月1日", "0"] {
            assert_eq!(parse_date(t), None, "{t}");
        }
        assert_eq!(from_excel_serial(1.0), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(from_excel_serial(61.0), NaiveDate::from_ymd_opt(1900, 3, 1));
    }
}
