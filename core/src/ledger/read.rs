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

use crate::error::{Error, ReadLimit, Result};

/// One sheet: its name, headers, and rows of cell text with their row
/// numbers as the spreadsheet shows them (the header is row 1).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The sheet's name (for a CSV file, the file's name without extension).
    pub name: String,
    /// The header row's cells, as written.
    pub headers: Vec<String>,
    /// Each data row: its number as the spreadsheet shows it, and its cells' text.
    pub rows: Vec<(usize, Vec<String>)>,
    /// Lines that are not data (titles, unit lines, totals, signatures):
    /// their row numbers and why they were set aside.
    pub skipped: Vec<(usize, String)>,
    /// The file it was read from (its name and SHA-256), which an import
    /// keeps as the source of the events its rows write; `None` for rows
    /// not read from a file.
    pub file: Option<crate::SourceFile>,
}

/// Rows a title may take above the header.
const HEADER_SEARCH: usize = 10;

/// A sheet from its rows as read (row numbers as the spreadsheet shows
/// them), the header found where it is.
fn lay_out(name: String, lines: Vec<(usize, Vec<String>)>) -> Sheet {
    use super::columns::{resolve_header as resolve, FieldKind, Ledger};
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
                .all(|c| c.trim().is_empty() || is_known(c) || super::columns::is_ignored_column(c))
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

/// Bounds on what an import reads from one file, so that a hostile or
/// broken file (a workbook of a few megabytes that inflates to gigabytes,
/// a cell placed a million rows down) is refused with
/// [`Error::TooLarge`] naming the bound, before it is read whole, and
/// never exhausts memory. The defaults take a million-row ledger;
/// raise a bound for a file larger than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// The file's size on disk (default 1 GiB).
    pub file_bytes: u64,
    /// What a workbook's compressed parts may inflate to, all together, as
    /// its zip directory declares them (reading past a declared size is
    /// refused) (default 2 GiB).
    pub inflated_bytes: u64,
    /// Rows of one sheet, counted to the last that holds a value (default
    /// 2,000,000).
    pub rows: u64,
    /// Columns of one sheet, counted to the last that holds a value
    /// (default 1,000).
    pub columns: u64,
    /// Cells that hold a value, in one file (default 50,000,000).
    pub cells: u64,
}

impl Default for ReadLimits {
    fn default() -> ReadLimits {
        ReadLimits {
            file_bytes: 1 << 30,
            inflated_bytes: 2 << 30,
            rows: 2_000_000,
            columns: 1_000,
            cells: 50_000_000,
        }
    }
}

impl ReadLimits {
    /// The bounds by name (`file_bytes`, `inflated_bytes`, `rows`,
    /// `columns`, `cells`), for a caller that takes them as text.
    ///
    /// # Errors
    /// [`Error::Validation`] for a name that is no bound.
    pub fn set(&mut self, name: &str, value: u64) -> Result<()> {
        let slot = match name {
            "file_bytes" => &mut self.file_bytes,
            "inflated_bytes" => &mut self.inflated_bytes,
            "rows" => &mut self.rows,
            "columns" => &mut self.columns,
            "cells" => &mut self.cells,
            other => {
                return Err(Error::validation(
                    "limits",
                    format!(
                        "{} is no bound of an import (file_bytes, inflated_bytes, rows, columns, cells)",
                        crate::text::shown(other)
                    ),
                ))
            }
        };
        *slot = value;
        Ok(())
    }
}

/// Counts what a file holds against its [`ReadLimits`] as it is read.
struct Bounded<'a> {
    path: &'a Path,
    limits: &'a ReadLimits,
    cells: u64,
}

impl Bounded<'_> {
    fn refuse(&self, limit: ReadLimit, found: u64, allowed: u64) -> Error {
        Error::TooLarge {
            file: self.path.display().to_string(),
            limit,
            found,
            allowed,
        }
    }

    /// A cell with a value at (row, column), both from 0.
    fn cell(&mut self, row: u64, column: u64) -> Result<()> {
        if row >= self.limits.rows {
            return Err(self.refuse(ReadLimit::Rows, row + 1, self.limits.rows));
        }
        if column >= self.limits.columns {
            return Err(self.refuse(ReadLimit::Columns, column + 1, self.limits.columns));
        }
        self.cells += 1;
        if self.cells > self.limits.cells {
            return Err(self.refuse(ReadLimit::Cells, self.cells, self.limits.cells));
        }
        Ok(())
    }
}

/// Reads every sheet of an `.xlsx`/`.xls`/`.ods` workbook, or a `.csv` file
/// (UTF-8, a BOM allowed), within the default [`ReadLimits`].
///
/// # Errors
/// As [`read_file_with`].
pub fn read_file(path: &Path) -> Result<Vec<Sheet>> {
    read_file_with(path, &ReadLimits::default())
}

/// [`read_file`] within the given bounds.
///
/// # Errors
/// [`Error::Validation`] for an unknown extension, a path that is not a
/// regular file (a pipe, a device or a directory would block or mislead
/// the read) or an unreadable file; [`Error::TooLarge`] for a file beyond
/// a bound.
pub fn read_file_with(path: &Path, limits: &ReadLimits) -> Result<Vec<Sheet>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    if !matches!(ext.as_str(), "csv" | "xlsx" | "xlsm" | "xls" | "ods") {
        return Err(Error::validation(
            "file",
            format!("{}: {ext:?} is not .csv or .xlsx", path.display()),
        ));
    }
    regular_file(path, limits)?;
    let mut bounded = Bounded {
        path,
        limits,
        cells: 0,
    };
    let mut sheets = match ext.as_str() {
        "csv" => read_csv(path, &mut bounded).map(|s| vec![s]),
        "xlsx" | "xlsm" => read_xlsx(path, &mut bounded),
        _ => read_workbook(path, &mut bounded),
    }?;
    let file = crate::provenance::source_file(path)?;
    for s in &mut sheets {
        s.file = Some(file.clone());
    }
    Ok(sheets)
}

/// Refuses a path that is not a regular file (a directory, a pipe that
/// would block the read forever, a device) or one beyond the file's bound.
pub(crate) fn regular_file(path: &Path, limits: &ReadLimits) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if !meta.is_file() {
        return Err(Error::validation(
            "file",
            format!(
                "{} is not a regular file (a directory, pipe or device): an import reads files",
                path.display()
            ),
        ));
    }
    if meta.len() > limits.file_bytes {
        return Err(Error::TooLarge {
            file: path.display().to_string(),
            limit: ReadLimit::FileBytes,
            found: meta.len(),
            allowed: limits.file_bytes,
        });
    }
    Ok(())
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::validation("file", format!("{}: {e}", path.display()))
}

/// A CSV that cannot be read, said for a person: its line and column
/// (counted from 1, as a spreadsheet does), and for text that is not
/// UTF-8, the encoding it reads in when it does (GBK, as Excel saves CSV
/// on Chinese Windows).
fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let csv::ErrorKind::Utf8 { pos, err } = e.kind() else {
        return unreadable(path, e);
    };
    let line = pos.as_ref().map_or(0, csv::Position::line);
    let column = err.field() + 1;
    let encoding = std::fs::read(path)
        .ok()
        .filter(|bytes| {
            let (_, _, bad) = encoding_rs::GB18030.decode(bytes);
            !bad
        })
        .map_or_else(
            || "an encoding other than UTF-8".to_owned(),
            |_| "GBK (GB18030), as Excel saves CSV on Chinese Windows".to_owned(),
        );
    Error::validation(
        "file",
        format!(
            "{}: line {line}, column {column} is not UTF-8 text; the file reads as {encoding}: save it as \"CSV UTF-8\" or import the workbook itself",
            path.display()
        ),
    )
}

fn read_csv(path: &Path, bounded: &mut Bounded<'_>) -> Result<Sheet> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_path(path)
        .map_err(|e| unreadable(path, e))?;
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let cells: Vec<String> = record
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        for (column, _) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            bounded.cell(i as u64, column as u64)?;
        }
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
        // A date cell's serial within Excel's range (1900-01-01 to
        // 9999-12-31) is its date; beyond it, text no date parses from.
        Data::DateTime(dt) => dt.as_datetime().map_or_else(
            || format!("date serial {} out of range", dt.as_f64()),
            |d| d.date().to_string(),
        ),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Refuses a workbook whose parts would inflate beyond the bound, from
/// the sizes its zip directory declares (the zip reader refuses to read a
/// part past its declared size, so they hold).
fn check_inflation(path: &Path, bounded: &Bounded<'_>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, e))?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| unreadable(path, format!("not a workbook: {e}")))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let Some(size) = archive.by_index_data(i).ok().map(|f| f.size()) else {
            continue;
        };
        total = total.saturating_add(size);
        if total > bounded.limits.inflated_bytes {
            return Err(bounded.refuse(
                ReadLimit::InflatedBytes,
                total,
                bounded.limits.inflated_bytes,
            ));
        }
    }
    Ok(())
}

/// An `.xlsx` workbook read cell by cell: only cells with a value are
/// kept, each row as wide as its last such cell, so a cell placed far out
/// costs no more than any other (a whole range would be allocated to it).
fn read_xlsx(path: &Path, bounded: &mut Bounded<'_>) -> Result<Vec<Sheet>> {
    check_inflation(path, bounded)?;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(path, e))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let mut reader = match book.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(unreadable(path, e)),
        };
        // Excel writes a sheet's cells row by row, left to right: each row
        // is built as it is read. A workbook that writes them out of order
        // is put in order after.
        let mut lines: Vec<(usize, Vec<String>)> = Vec::new();
        let mut in_order = true;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(path, e))? {
            let (row, column) = cell.get_position();
            let text = match cell.get_value() {
                calamine::DataRef::SharedString(s) => s.trim().to_owned(),
                calamine::DataRef::String(s) => s.trim().to_owned(),
                other => cell_text(&Data::from(other.clone())),
            };
            if text.is_empty() {
                continue;
            }
            bounded.cell(u64::from(row), u64::from(column))?;
            let number = row as usize + 1;
            match lines.last_mut() {
                Some((last, cells)) if *last == number => place(cells, column as usize, text),
                last => {
                    in_order &= last.is_none_or(|(last, _)| *last < number);
                    let mut cells = Vec::new();
                    place(&mut cells, column as usize, text);
                    lines.push((number, cells));
                }
            }
        }
        if !in_order {
            lines.sort_by_key(|(number, _)| *number);
            let mut merged: Vec<(usize, Vec<String>)> = Vec::with_capacity(lines.len());
            for (number, cells) in lines {
                match merged.last_mut() {
                    Some((last, into)) if *last == number => {
                        for (column, text) in cells.into_iter().enumerate() {
                            if !text.is_empty() {
                                place(into, column, text);
                            }
                        }
                    }
                    _ => merged.push((number, cells)),
                }
            }
            lines = merged;
        }
        if !lines.is_empty() {
            sheets.push(lay_out(name, lines));
        }
    }
    Ok(sheets)
}

/// Puts `text` in a row's column, the row widened to reach it.
fn place(cells: &mut Vec<String>, column: usize, text: String) {
    if cells.len() <= column {
        cells.resize(column + 1, String::new());
    }
    cells[column] = text;
}

/// An `.xls` or `.ods` workbook, read a sheet at a time (calamine reads
/// these whole; an `.ods` is held to its inflation bound first, and
/// calamine bounds the cells it expands).
fn read_workbook(path: &Path, bounded: &mut Bounded<'_>) -> Result<Vec<Sheet>> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ods"))
    {
        check_inflation(path, bounded)?;
    }
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
            for (column, _) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
                bounded.cell((first_row + i) as u64, column as u64)?;
            }
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
