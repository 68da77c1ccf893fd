//! Tables and the annual report out to CSV and `.xlsx`.
//!
//! Text cells that begin with `=`, `+`, `-` or `@` (also after leading
//! line feeds, spaces, no-break or zero-width spaces or a byte-order mark),
//! or with a tab or carriage return, get a leading `'`, so a spreadsheet
//! never runs them as formulas.
//! Numbers stay numbers; decimals are written exactly in CSV.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::error::{Error, Result};
use crate::report::AnnualReport;

/// A text cell made safe for spreadsheets: one that begins with a formula
/// character, or with a tab or carriage return, gets a leading `'`; so
/// does one whose formula character follows a line feed, space, no-break
/// space, zero-width space or byte-order mark (spreadsheets skip those).
#[must_use]
pub fn neutralise(text: &str) -> String {
    let skipped = text.trim_start_matches(['\n', ' ', '\u{a0}', '\u{200b}', '\u{feff}']);
    match (text.chars().next(), skipped.chars().next()) {
        (Some('\t' | '\r'), _) | (_, Some('=' | '+' | '-' | '@' | '\t' | '\r')) => {
            format!("'{text}")
        }
        _ => text.to_owned(),
    }
}

/// One cell, as the table holds it.
enum Cell {
    Empty,
    Text(String),
    /// An exact decimal: its text, and the float a spreadsheet shows.
    Number(String, f64),
    Date(chrono::NaiveDate),
    Flag(bool),
}

fn cell(col: &dyn Array, row: usize) -> Cell {
    match raw_cell(col, row) {
        Cell::Text(t) if matches!(col.data_type(), DataType::Utf8) => Cell::Text(neutralise(&t)),
        other => other,
    }
}

/// A cell's text as a person reads it (exact decimals, ISO dates), or
/// `None` when it is null: what a page of the dashboard shows.
#[must_use]
pub fn cell_text(col: &dyn Array, row: usize) -> Option<String> {
    match raw_cell(col, row) {
        Cell::Empty => None,
        Cell::Text(t) | Cell::Number(t, _) => Some(t),
        Cell::Date(d) => Some(d.to_string()),
        Cell::Flag(b) => Some(b.to_string()),
    }
}

/// One cell as the table holds it, text unchanged.
fn raw_cell(col: &dyn Array, row: usize) -> Cell {
    if col.is_null(row) {
        return Cell::Empty;
    }
    match col.data_type() {
        DataType::Utf8 => Cell::Text(col.as_string::<i32>().value(row).to_owned()),
        DataType::UInt64 => {
            let v = col.as_primitive::<UInt64Type>().value(row);
            Cell::Number(v.to_string(), v as f64)
        }
        DataType::Int64 => {
            let v = col.as_primitive::<Int64Type>().value(row);
            Cell::Number(v.to_string(), v as f64)
        }
        DataType::Float64 => {
            let v = col.as_primitive::<Float64Type>().value(row);
            Cell::Number(v.to_string(), v)
        }
        DataType::Decimal128(_, _) => {
            let text = col.as_primitive::<Decimal128Type>().value_as_string(row);
            let f = text.parse().unwrap_or(f64::NAN);
            Cell::Number(text, f)
        }
        DataType::Date32 => col
            .as_primitive::<Date32Type>()
            .value_as_date(row)
            .map_or(Cell::Empty, Cell::Date),
        DataType::Timestamp(_, _) => {
            let micros = col.as_primitive::<TimestampMicrosecondType>().value(row);
            Cell::Text(
                chrono::DateTime::from_timestamp_micros(micros)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
            )
        }
        DataType::Boolean => Cell::Flag(col.as_boolean().value(row)),
        other => Cell::Text(format!("<{other}>")),
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("cannot write {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// Writes a table as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese right).
///
/// # Errors
/// [`Error::Storage`] if the file cannot be written.
pub fn write_csv(batch: &RecordBatch, path: &Path) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| io(path, e))?;
    write_csv_to(batch, std::io::BufWriter::new(file)).map_err(|e| io(path, e))
}

/// Writes a table as CSV to `out` (UTF-8 with a BOM), as [`write_csv`] does.
///
/// # Errors
/// What writing to `out` returns.
pub fn write_csv_to(batch: &RecordBatch, mut out: impl std::io::Write) -> std::io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    w.write_record(&names)?;
    for row in 0..batch.num_rows() {
        let record: Vec<String> = batch
            .columns()
            .iter()
            .map(|c| match cell(c.as_ref(), row) {
                Cell::Empty => String::new(),
                Cell::Text(t) | Cell::Number(t, _) => t,
                Cell::Date(d) => d.to_string(),
                Cell::Flag(b) => b.to_string(),
            })
            .collect();
        w.write_record(&record)?;
    }
    w.flush()
}

fn xlsx_error(e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("cannot write the workbook: {e}"))
}

fn fill_sheet(sheet: &mut Worksheet, batch: &RecordBatch) -> Result<()> {
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, field) in batch.schema_ref().fields().iter().enumerate() {
        let col = u16::try_from(c).map_err(xlsx_error)?;
        sheet
            .write_string_with_format(0, col, field.name(), &bold)
            .map_err(xlsx_error)?;
        for row in 0..batch.num_rows() {
            let r = u32::try_from(row + 1).map_err(xlsx_error)?;
            match cell(batch.column(c).as_ref(), row) {
                Cell::Empty => {}
                Cell::Text(t) => {
                    sheet.write_string(r, col, t).map_err(xlsx_error)?;
                }
                Cell::Number(_, f) => {
                    sheet.write_number(r, col, f).map_err(xlsx_error)?;
                }
                Cell::Date(d) => {
                    let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(
                        u16::try_from(chrono::Datelike::year(&d)).map_err(xlsx_error)?,
                        u8::try_from(chrono::Datelike::month(&d)).map_err(xlsx_error)?,
                        u8::try_from(chrono::Datelike::day(&d)).map_err(xlsx_error)?,
                    )
                    .map_err(xlsx_error)?;
                    sheet
                        .write_datetime_with_format(r, col, &dt, &date)
                        .map_err(xlsx_error)?;
                }
                Cell::Flag(b) => {
                    sheet.write_boolean(r, col, b).map_err(xlsx_error)?;
                }
            }
        }
    }
    Ok(())
}

/// Writes tables as sheets of one `.xlsx` workbook: (sheet name, table).
///
/// # Errors
/// [`Error::Storage`] if the workbook cannot be written.
pub fn write_xlsx(sheets: &[(&str, &RecordBatch)], path: &Path) -> Result<()> {
    workbook(sheets)?.save(path).map_err(|e| io(path, e))
}

/// Tables as sheets of one `.xlsx` workbook, as bytes (what
/// [`write_xlsx`] writes to a file).
///
/// # Errors
/// [`Error::Storage`] if the workbook cannot be made.
pub fn xlsx_bytes(sheets: &[(&str, &RecordBatch)]) -> Result<Vec<u8>> {
    workbook(sheets)?.save_to_buffer().map_err(xlsx_error)
}

fn workbook(sheets: &[(&str, &RecordBatch)]) -> Result<Workbook> {
    let mut book = Workbook::new();
    for (name, batch) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).map_err(xlsx_error)?;
        fill_sheet(sheet, batch)?;
    }
    Ok(book)
}

/// Writes the annual report as a workbook: a sheet of figures (指标, 数值,
/// 单位), the reclaimed parcels, the approval batches, and the text.
///
/// # Errors
/// [`Error::Storage`] if the workbook cannot be written.
pub fn write_report_xlsx(report: &AnnualReport, path: &Path) -> Result<()> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let figures: Vec<(&str, String, &str)> = vec![
        (
            "征地 requisitioned_mu",
            report.requisitioned_mu.to_decimal_string(),
            "亩",
        ),
        (
            "开发用地 developed_mu",
            report.developed_mu.to_decimal_string(),
            "亩",
        ),
        (
            "已办证 certified_mu",
            report.certified_mu.to_decimal_string(),
            "亩",
        ),
        (
            "本年办证 certified_in_year_mu",
            report.certified_in_year_mu.to_decimal_string(),
            "亩",
        ),
        (
            "已供应 supplied_mu",
            report.supplied_mu.to_decimal_string(),
            "亩",
        ),
        ("闲置 idle_mu", report.idle_mu.to_decimal_string(), "亩"),
        (
            "本年收回 reclaimed_in_year_mu",
            report.reclaimed_in_year_mu.to_decimal_string(),
            "亩",
        ),
        (
            "商住用地出让 commercial_tendered_mu",
            report.commercial_tendered_mu.to_decimal_string(),
            "亩",
        ),
        (
            "引进工业项目 projects_signed",
            report.projects_signed.to_string(),
            "个",
        ),
        (
            "利用闲置用地 projects_on_reclaimed_land",
            report.projects_on_reclaimed_land.to_string(),
            "个",
        ),
        (
            "增资项目 capital_increases",
            report.capital_increases.to_string(),
            "个",
        ),
        (
            "增资用地 capital_increase_land_mu",
            report.capital_increase_land_mu.to_decimal_string(),
            "亩",
        ),
        (
            "投产企业 in_production",
            report.in_production.to_string(),
            "家",
        ),
        (
            "在建企业 under_construction",
            report.under_construction.to_string(),
            "家",
        ),
        (
            "生产总值 output_value_yuan",
            report.output_value_yuan.to_decimal_string(),
            "元",
        ),
        (
            "受理项目 applications_received",
            report.applications_received.to_string(),
            "项",
        ),
        (
            "拨付 disbursed_yuan",
            report.disbursed_yuan.to_decimal_string(),
            "元",
        ),
        (
            "回收 recovered_yuan",
            report.recovered_yuan.to_decimal_string(),
            "元",
        ),
        (
            "逾期未还 overdue_yuan",
            report.overdue_yuan.to_decimal_string(),
            "元",
        ),
        ("科创中心企业 tenants", report.tenants.to_string(), "家"),
        (
            "签约入驻 tenants_signed",
            report.tenants_signed.to_string(),
            "家",
        ),
        (
            "租赁面积 leased_m2",
            report.leased_m2.to_decimal_string(),
            "㎡",
        ),
    ];
    let sheet = book.add_worksheet();
    sheet
        .set_name(format!("{}年度报告", report.year))
        .map_err(xlsx_error)?;
    for (c, h) in ["指标 figure", "数值 value", "单位 unit"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string_with_format(0, u16::try_from(c).map_err(xlsx_error)?, *h, &bold)
            .map_err(xlsx_error)?;
    }
    for (i, (name, value, unit)) in figures.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(xlsx_error)?;
        sheet.write_string(r, 0, *name).map_err(xlsx_error)?;
        match value.parse::<f64>() {
            Ok(v) => sheet.write_number(r, 1, v).map_err(xlsx_error)?,
            Err(_) => sheet.write_string(r, 1, value).map_err(xlsx_error)?,
        };
        sheet.write_string(r, 2, *unit).map_err(xlsx_error)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("收回闲置土地").map_err(xlsx_error)?;
    for (c, h) in [
        "地块编号 code",
        "面积(亩) area_mu",
        "原用地单位 former_holder",
        "收回日期 date",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, u16::try_from(c).map_err(xlsx_error)?, *h, &bold)
            .map_err(xlsx_error)?;
    }
    for (i, r) in report.reclaimed.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(xlsx_error)?;
        sheet
            .write_string(row, 0, neutralise(&r.code))
            .map_err(xlsx_error)?;
        sheet
            .write_number(row, 1, r.area.to_f64())
            .map_err(xlsx_error)?;
        sheet
            .write_string(row, 2, neutralise(&r.former_holder))
            .map_err(xlsx_error)?;
        sheet
            .write_string(row, 3, r.date.to_string())
            .map_err(xlsx_error)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("立项批次").map_err(xlsx_error)?;
    for (c, h) in [
        "批次 batch",
        "项目数 count",
        "合计(元) total_yuan",
        "无偿资助(元) grant_yuan",
        "贷款贴息(元) interest_subsidy_yuan",
        "有偿资助(元) loan_yuan",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, u16::try_from(c).map_err(xlsx_error)?, *h, &bold)
            .map_err(xlsx_error)?;
    }
    for (i, (batch, b)) in report.approved_by_batch.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(xlsx_error)?;
        sheet
            .write_string(row, 0, neutralise(batch))
            .map_err(xlsx_error)?;
        sheet
            .write_number(row, 1, b.count as f64)
            .map_err(xlsx_error)?;
        for (c, v) in [
            b.total,
            b.awarded.grant,
            b.awarded.interest_subsidy,
            b.awarded.loan,
        ]
        .iter()
        .enumerate()
        {
            sheet
                .write_number(row, u16::try_from(c + 2).map_err(xlsx_error)?, v.to_f64())
                .map_err(xlsx_error)?;
        }
    }
    let sheet = book.add_worksheet();
    sheet.set_name("报告正文").map_err(xlsx_error)?;
    for (i, line) in report.text().lines().enumerate() {
        sheet
            .write_string(u32::try_from(i).map_err(xlsx_error)?, 0, neutralise(line))
            .map_err(xlsx_error)?;
    }
    book.save(path).map_err(|e| io(path, e))
}
