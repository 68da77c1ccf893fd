//! A row of a ledger as the import sees it: its cells by field, parsed
//! (text, dates, amounts in their units, codes, boundaries), and what is
//! wrong with it (`RowError`, `Refused`, `blame`).

use chrono::NaiveDate;

use super::super::columns::Unit;
use super::super::dates::parse_date;
use crate::error::{Error, Result};
use crate::geometry::{Crs, Outline};
use crate::units::{Mu, Quantity, Yuan};

/// Why a row was not applied: one problem, or several (a snapshot row's
/// contradictions, each against its column).
pub(super) struct Refused(pub(super) Vec<RowError>);

impl From<RowError> for Refused {
    fn from(e: RowError) -> Refused {
        Refused(vec![e])
    }
}

/// A bad row: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The sheet (for a CSV file, its name without extension).
    pub sheet: String,
    /// The row as the spreadsheet numbers it (the header is row 1); 0 for the sheet itself.
    pub row: usize,
    /// The column's header as written, or empty when the whole row is at fault.
    pub column: String,
    /// What is wrong, in words.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column.is_empty()) {
            (0, _) => write!(f, "{}: {}", self.sheet, self.reason),
            (r, true) => write!(f, "{}, row {r}: {}", self.sheet, self.reason),
            (r, false) => write!(
                f,
                "{}, row {r}, column {}: {}",
                self.sheet, self.column, self.reason
            ),
        }
    }
}

/// Which field each column of a sheet gives (`None` for a column not
/// read), shared by the sheet's rows: a row keeps its cells as the sheet
/// holds them and finds a field's cell through this map, so a million rows
/// cost a slice each rather than a map each.
pub(super) type Fields = std::sync::Arc<[Option<(&'static str, Unit)>]>;

/// A row's cells by field, with the header each came from.
pub(super) struct Row<'s> {
    /// The file the sheet was read from, if any.
    pub(super) file: Option<&'s crate::SourceFile>,
    pub(super) sheet: &'s str,
    pub(super) number: usize,
    headers: &'s [String],
    values: &'s [String],
    fields: Fields,
}

/// One cell of a row: the header it is under, its text and its column's unit.
#[derive(Clone, Copy)]
pub(super) struct Cell<'s> {
    pub(super) header: &'s str,
    pub(super) text: &'s str,
    pub(super) unit: Unit,
}

impl<'s> Row<'s> {
    /// The rows of `sheet`, each cell under the field its column gives
    /// (`columns`, one per header; `None` for a column not read).
    pub(super) fn all_of(
        sheet: &'s super::super::read::Sheet,
        columns: &[Option<(&'static str, Unit)>],
    ) -> Vec<Row<'s>> {
        let fields: Fields = columns.into();
        sheet
            .rows
            .iter()
            .map(|(number, cells)| Row {
                file: sheet.file.as_ref(),
                sheet: &sheet.name,
                number: *number,
                headers: &sheet.headers,
                values: cells,
                fields: fields.clone(),
            })
            .collect()
    }

    /// The row's cell of `field`, if a column gives it and the row reaches
    /// that column.
    pub(super) fn cell(&self, field: &str) -> Option<Cell<'s>> {
        self.cells()
            .find(|(name, _)| *name == field)
            .map(|(_, c)| c)
    }

    /// The row's cells, each with the field its column gives, in the
    /// sheet's order of columns.
    pub(super) fn cells(&self) -> impl Iterator<Item = (&'static str, Cell<'s>)> + '_ {
        let (headers, values) = (self.headers, self.values);
        self.fields
            .iter()
            .zip(headers)
            .zip(values)
            .filter_map(|((column, header), text)| {
                column.map(|(field, unit)| {
                    (
                        field,
                        Cell {
                            header: header.as_str(),
                            text: text.as_str(),
                            unit,
                        },
                    )
                })
            })
    }

    pub(super) fn err(&self, field: &str, reason: impl Into<String>) -> RowError {
        let column = self.cell(field).map_or(field, |c| c.header).to_owned();
        RowError {
            sheet: self.sheet.to_owned(),
            row: self.number,
            column,
            reason: reason.into(),
        }
    }

    pub(super) fn whole(&self, reason: impl Into<String>) -> RowError {
        RowError {
            sheet: self.sheet.to_owned(),
            row: self.number,
            column: String::new(),
            reason: reason.into(),
        }
    }

    pub(super) fn raw(&self, field: &str) -> Option<&'s str> {
        self.cell(field).map(|c| c.text).filter(|v| !v.is_empty())
    }

    pub(super) fn text(&self, field: &str) -> Option<String> {
        self.raw(field).map(str::to_owned)
    }

    pub(super) fn need<T>(
        &self,
        field: &str,
        v: Result<Option<T>, RowError>,
    ) -> Result<T, RowError> {
        v?.ok_or_else(|| self.err(field, "is empty; this column is required"))
    }

    pub(super) fn date(&self, field: &str) -> Result<Option<NaiveDate>, RowError> {
        self.raw(field)
            .map(|t| {
                parse_date(t).ok_or_else(|| {
                    let why = if super::super::dates::is_bare_number(t) {
                        " (a number is read as a date only from a cell formatted as a date)"
                    } else {
                        ""
                    };
                    self.err(
                        field,
                        format!(
                            "{} is not a date (2005-03-01, 2005/3/1, 2005年3月1日){why}",
                            crate::text::shown(t)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// A number's cell in Unicode's compatibility form: full-width digits,
    /// commas, points and spaces (１，２０５．５) read as their ASCII forms.
    pub(super) fn number_text(&self, field: &str) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        self.raw(field)
            .map(|t| t.nfkc().collect::<String>().trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// Parses money: in the unit the cell names (`129.89万元`,
    /// `1.2亿元`), else in the column's (元, or 万元 when its header says so).
    pub(super) fn money(&self, field: &str) -> Result<Option<Yuan>, RowError> {
        let Some(t) = self.number_text(field) else {
            return Ok(None);
        };
        let unit = self.cell(field).map_or(Unit::Base, |c| c.unit);
        let parsed = if unit == Unit::Wan {
            Yuan::parse_or(&t, Yuan::parse_wan)
        } else {
            Yuan::parse_or(&t, Yuan::parse_yuan)
        };
        parsed.map(Some).map_err(|e| self.err(field, reason(&e)))
    }

    /// Parses an area: in the unit the cell names (`1.867291公顷`,
    /// `21587㎡`), else in the column's (亩, or ㎡ or 公顷 when its header
    /// says so).
    pub(super) fn area(&self, field: &str) -> Result<Option<Mu>, RowError> {
        let Some(t) = self.number_text(field) else {
            return Ok(None);
        };
        let parsed = match self.cell(field).map(|c| c.unit) {
            Some(Unit::SquareMetres) => Mu::parse_or(&t, Mu::parse_m2),
            Some(Unit::Hectares) => Mu::parse_or(&t, Mu::parse_hectares),
            _ => Mu::parse_or(&t, Mu::parse_mu),
        };
        parsed.map(Some).map_err(|e| self.err(field, reason(&e)))
    }

    /// A boundary from the `boundary` column (WKT or GeoJSON) or the
    /// `boundary_points` column (界址点: `x,y` pairs separated by `;` or
    /// line breaks, x the easting), in the row's `crs` if it names one.
    pub(super) fn boundary(&self) -> Result<Option<Outline>, RowError> {
        let outline = match (self.raw("boundary"), self.raw("boundary_points")) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    "boundary",
                    "give the boundary once: as WKT or as boundary points, not both",
                ))
            }
            (Some(t), None) => Outline::parse(t).map_err(|e| self.err("boundary", reason(&e)))?,
            (None, Some(t)) => {
                let mut points = Vec::new();
                for (k, pair) in t
                    .split([';', '；', '\n'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .enumerate()
                {
                    let nums: Vec<f64> = pair
                        .split([',', '，', ' ', '\t'])
                        .filter(|n| !n.is_empty())
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .map_err(|_| {
                            self.err(
                                "boundary_points",
                                format!(
                                    "point {}: {} is not a pair of numbers x,y",
                                    k + 1,
                                    crate::text::shown(pair)
                                ),
                            )
                        })?;
                    let [x, y] = nums[..] else {
                        return Err(self.err(
                            "boundary_points",
                            format!("point {} has {} numbers, not x,y", k + 1, nums.len()),
                        ));
                    };
                    points.push((x, y));
                }
                Outline::points(&points)
            }
            (None, None) => return Ok(None),
        };
        match self.raw("crs") {
            Some(c) => {
                let crs = Crs::parse(c).map_err(|e| self.err("crs", reason(&e)))?;
                match outline.crs() {
                    Some(own) if own != crs => Err(self.err(
                        "crs",
                        format!("the boundary names {own} but this column says {crs}"),
                    )),
                    _ => Ok(Some(outline.in_crs(crs))),
                }
            }
            None => Ok(Some(outline)),
        }
    }

    pub(super) fn quantity(&self, field: &str) -> Result<Option<Quantity>, RowError> {
        let Some(t) = self.number_text(field) else {
            return Ok(None);
        };
        Quantity::parse(&t.replace(',', ""), field)
            .map(Some)
            .map_err(|e| self.err(field, reason(&e)))
    }

    pub(super) fn int<T: std::str::FromStr>(&self, field: &str) -> Result<Option<T>, RowError> {
        self.number_text(field)
            .map(|t| {
                t.parse::<T>().map_err(|_| {
                    self.err(
                        field,
                        format!("{} is not a whole number", crate::text::shown(&t)),
                    )
                })
            })
            .transpose()
    }

    pub(super) fn flag(&self, field: &str) -> Result<Option<bool>, RowError> {
        self.raw(field)
            .map(|t| match t.to_lowercase().as_str() {
                "是" | "yes" | "y" | "true" | "1" | "√" => Ok(true),
                "否" | "no" | "n" | "false" | "0" => Ok(false),
                _ => Err(self.err(
                    field,
                    format!("{} is not 是/否 or yes/no", crate::text::shown(t)),
                )),
            })
            .transpose()
    }

    pub(super) fn code<T>(
        &self,
        field: &str,
        parse: impl Fn(&str) -> Result<T>,
    ) -> Result<Option<T>, RowError> {
        self.raw(field)
            .map(|t| parse(t).map_err(|e| self.err(field, reason(&e))))
            .transpose()
    }
}

pub(super) fn reason(e: &Error) -> String {
    match e {
        Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

pub(super) fn blame(row: &Row<'_>, e: &Error) -> RowError {
    let at = |field: &str| {
        row.cell(field).map(|c| RowError {
            sheet: row.sheet.to_owned(),
            row: row.number,
            column: c.header.to_owned(),
            reason: e.to_string(),
        })
    };
    match e {
        Error::Conflict {
            entity: crate::Entity::Enterprise,
            ..
        } => at("credit_code").unwrap_or_else(|| row.whole(e.to_string())),
        Error::Conflict {
            entity: crate::Entity::Parcel,
            ..
        } => at("code").unwrap_or_else(|| row.whole(e.to_string())),
        Error::Validation { field, reason } => {
            let column = row
                .cells()
                .find(|(name, _)| field.starts_with(name) || field == name)
                .map(|(_, c)| c.header);
            match column {
                Some(c) => RowError {
                    sheet: row.sheet.to_owned(),
                    row: row.number,
                    column: c.to_owned(),
                    reason: reason.clone(),
                },
                None => row.whole(e.to_string()),
            }
        }
        other => row.whole(other.to_string()),
    }
}

/// Who a row names: a credit code, else a name.
pub(super) fn firm_ref(row: &Row<'_>) -> Option<(Option<String>, Option<String>)> {
    let code = row.text("credit_code").map(|c| c.to_uppercase());
    let name = row.text("enterprise");
    (code.is_some() || name.is_some()).then_some((code, name))
}
