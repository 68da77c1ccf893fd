//! Sheets from `.csv` and `.xlsx` files: headers and rows of cell text.
//!
//! A data officer's workbook is a report for people: a title above the
//! header (`东岸工业园地块台账（截至2014年12月31日）`), lines such as
//! `填报单位：…` and `单位：万元`, a `合计` row, signatures below the data
//! (`填表人：…  审核人：…`). The header is found where it is — the first of
//! the first rows with two or more cells the sheet's ledger knows — and the
//! other lines are set aside with the reason, for the import report. A
//! unit line gives its unit to the money and area columns whose header
//! names none.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use crate::error::{Error, Result};

/// One sheet: its name, headers, and rows of cell text with their row
/// numbers as the spreadsheet shows them (the header is row 1).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The sheet's name (for a CSV file, the file's name without extension).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// Lines that are not data (titles, unit lines, totals, signatures):
    /// their row numbers and why they were set aside.
    pub skipped: Vec<(usize, String)>,
}

/// Rows a title may take above the header.
const HEADER_SEARCH: usize = 10;

/// A sheet from its rows as read (row numbers as the spreadsheet shows
/// them), the header found where it is.
fn lay_out(name: String, lines: Vec<(usize, Vec<String>)>) -> Sheet {
    use super::columns::{resolve, FieldKind, Ledger};
    let mut sheet = Sheet {
        name,
        ..Sheet::default()
    };
    let ledger = Ledger::from_name(&sheet.name);
    let known = |cells: &[String]| -> usize {
        ledger.map_or(0, |l| {
            cells
                .iter()
                .filter(|c| !c.trim().is_empty() && resolve(l, c).is_ok())
                .count()
        })
    };
    let mut header_at = lines
        .iter()
        .take(HEADER_SEARCH)
        .position(|(_, cells)| known(cells) >= 2)
        .unwrap_or(0);
    // A header of two levels: group cells (主要经济指标) over the columns
    // they group, and columns merged down over both rows. The row found
    // may be either level.
    let is_known =
        |c: &String| !c.trim().is_empty() && ledger.is_some_and(|l| resolve(l, c).is_ok());
    let fills = |top: &[String], bottom: &[String]| {
        bottom.iter().any(is_known)
            && bottom
                .iter()
                .all(|c| c.trim().is_empty() || is_known(c) || super::import::is_ignored_column(c))
            && top
                .iter()
                .enumerate()
                .any(|(i, t)| is_known(t) && bottom.get(i).is_none_or(|b| b.trim().is_empty()))
    };
    let mut two_levels = None;
    if let Some((_, below)) = lines.get(header_at + 1) {
        if fills(&lines[header_at].1, below) {
            two_levels = Some(header_at);
        }
    }
    if two_levels.is_none() && header_at > 0 {
        let (_, above) = &lines[header_at - 1];
        let here = &lines[header_at].1;
        if above
            .iter()
            .enumerate()
            .any(|(i, t)| is_known(t) && here.get(i).is_none_or(|b| b.trim().is_empty()))
        {
            header_at -= 1;
            two_levels = Some(header_at);
        }
    }
    let mut unit: Option<String> = None;
    let mut lines = lines.into_iter();
    for (number, cells) in lines.by_ref().take(header_at) {
        let text = cells
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let reason = match compact
            .split_once("单位：")
            .or_else(|| compact.split_once("单位:"))
            .filter(|(before, _)| !before.ends_with("填报") && !before.ends_with("填表"))
        {
            Some((_, u)) => {
                unit = Some(u.to_owned());
                format!("a unit line ({u}): the unit of money and area columns that name none")
            }
            None => format!("above the header: {}", crate::text::shown(&text)),
        };
        sheet.skipped.push((number, reason));
    }
    let Some((_, mut headers)) = lines.next() else {
        return sheet;
    };
    if two_levels.is_some() {
        if let Some((_, bottom)) = lines.next() {
            headers = combine_levels(&headers, &bottom);
        }
    }
    // A unit line's units go to the columns whose header names none.
    sheet.headers = headers
        .into_iter()
        .map(|h| {
            let (Some(l), Some(u)) = (ledger, &unit) else {
                return h;
            };
            let Ok((field, _)) = resolve(l, &h) else {
                return h;
            };
            if super::columns::split_header(&h).1.is_some() {
                return h;
            }
            let wanted = match field.kind {
                FieldKind::Money if u.contains("万元") => Some("万元"),
                FieldKind::Money if u.contains('元') => Some("元"),
                FieldKind::Area if u.contains('亩') => Some("亩"),
                FieldKind::Area if u.contains("公顷") => Some("公顷"),
                FieldKind::Area if u.contains("平方米") || u.contains('㎡') => Some("㎡"),
                _ => None,
            };
            wanted.map_or(h.clone(), |w| format!("{h}({w})"))
        })
        .collect();
    for (number, cells) in lines {
        let first = cells
            .iter()
            .map(|c| c.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            .find(|c| !c.is_empty() && c.parse::<f64>().is_err())
            .unwrap_or_default();
        let joined: String = cells.concat();
        if ["合计", "小计", "总计"]
            .iter()
            .any(|t| first.starts_with(t))
        {
            sheet.skipped.push((
                number,
                format!("a {first} row (totals are derived, not imported)"),
            ));
        } else if ["填表人", "审核人", "填报日期", "制表人", "负责人"]
            .iter()
            .any(|t| joined.contains(t))
            && cells.iter().filter(|c| !c.is_empty()).count() <= 3
        {
            sheet
                .skipped
                .push((number, "a signature line below the data".into()));
        } else {
            sheet.rows.push((number, cells));
        }
    }
    sheet
}

/// One header from two levels: a column's lower cell if it has one, else
/// its upper cell (merged down over both rows). A group cell's unit
/// (`主要经济指标（万元）`) goes to the columns under it that name none: those
/// from its column up to the next upper cell.
fn combine_levels(top: &[String], bottom: &[String]) -> Vec<String> {
    let width = top.len().max(bottom.len());
    let mut group_unit: Option<String> = None;
    (0..width)
        .map(|i| {
            let upper = top.get(i).map_or("", |c| c.trim());
            let lower = bottom.get(i).map_or("", |c| c.trim());
            if !upper.is_empty() {
                group_unit = super::columns::split_header(upper).1;
            }
            if lower.is_empty() {
                return upper.to_owned();
            }
            match (&group_unit, super::columns::split_header(lower).1) {
                (Some(u), None) => format!("{lower}({u})"),
                _ => lower.to_owned(),
            }
        })
        .collect()
}

/// Reads every sheet of an `.xlsx`/`.xls`/`.ods` workbook, or a `.csv` file (UTF-8, a BOM allowed).
///
/// # Errors
/// [`Error::Validation`] for an unknown extension or an unreadable file.
pub fn read_file(path: &Path) -> Result<Vec<Sheet>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    match ext.as_str() {
        "csv" => read_csv(path).map(|s| vec![s]),
        "xlsx" | "xlsm" | "xls" | "ods" => read_workbook(path),
        other => Err(Error::validation(
            "file",
            format!("{}: {other:?} is not .csv or .xlsx", path.display()),
        )),
    }
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::validation("file", format!("{}: {e}", path.display()))
}

fn read_csv(path: &Path) -> Result<Sheet> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_path(path)
        .map_err(|e| unreadable(path, e))?;
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(path, e))?;
        let cells: Vec<String> = record
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        if cells.iter().any(|c| !c.is_empty()) {
            lines.push((i + 1, cells));
        }
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();
    Ok(lay_out(name, lines))
}

/// Cell text: numbers without a spurious `.0`, dates as ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.0}")
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map_or_else(|| dt.as_f64().to_string(), |d| d.date().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_workbook(path: &Path) -> Result<Vec<Sheet>> {
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(path, e))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut lines = Vec::new();
        for (i, row) in range.rows().enumerate() {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            if cells.iter().any(|c| !c.is_empty()) {
                lines.push((first_row + i + 1, cells));
            }
        }
        if !lines.is_empty() {
            sheets.push(lay_out(name, lines));
        }
    }
    Ok(sheets)
}
