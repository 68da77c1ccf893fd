//! Sheets from `.csv` and `.xlsx` files: headers and rows of cell text.

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
        .from_path(path)
        .map_err(|e| unreadable(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| unreadable(path, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(path, e))?;
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push((i + 2, cells));
        }
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_owned();
    Ok(Sheet {
        name,
        headers,
        rows,
    })
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
        let mut rows = range.rows().enumerate();
        let Some((_, header)) = rows.next() else {
            continue;
        };
        let mut headers = vec![String::new(); first_col];
        headers.extend(header.iter().map(cell_text));
        let mut out = Vec::new();
        for (i, row) in rows {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            if cells.iter().any(|c| !c.is_empty()) {
                out.push((first_row + i + 1, cells));
            }
        }
        sheets.push(Sheet {
            name,
            headers,
            rows: out,
        });
    }
    Ok(sheets)
}
