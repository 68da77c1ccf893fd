//! Importing ledgers: every row checked, every bad row reported with its
//! sheet, row, column and reason, and nothing written unless all are good.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::columns::{resolve, Field, Ledger, Unit};
use super::dates::parse_date;
use super::read::Sheet;
use crate::db::Db;
use crate::enterprise::{Enterprise, EnterpriseId, YearlyFigures};
use crate::error::{Error, Result};
use crate::fund::{Application, ApplicationId, AwardKind, Programme, ProgrammeId, RecoveryVia};
use crate::geometry::{Crs, Outline};
use crate::ids::code_enum;
use crate::land::SupplyMethod;
use crate::units::{Mu, Quantity, Yuan};
use crate::writer::{Allocation, Award, Writer};

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
    pub sheet: String,
    /// The row as the spreadsheet numbers it (the header is row 1); 0 for the sheet itself.
    pub row: usize,
    /// The column's header as written, or empty when the whole row is at fault.
    pub column: String,
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

/// How to import.
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Check every row, report, and write nothing.
    pub dry_run: bool,
    /// Called with (rows applied so far, rows in all) as the import goes.
    pub progress: Option<&'a mut dyn FnMut(usize, usize)>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows read per ledger, in the order the ledgers are applied.
    pub rows: Vec<(&'static str, usize)>,
    pub errors: Vec<RowError>,
    /// Lines set aside, not imported and not errors: titles, unit lines,
    /// totals, signatures (with the sheet, the row and why).
    pub skipped: Vec<RowError>,
    /// True when the rows were stored (no errors, not a dry run).
    pub written: bool,
    /// Rows per ledger that wrote something (a new entity or event), in
    /// the order of `rows`; a ledger imported again writes nothing for the
    /// rows the database already holds. Counted in a dry run too.
    pub changed: Vec<(&'static str, usize)>,
    /// Events written (or, in a dry run, that would be).
    pub events: u64,
}

impl ImportReport {
    /// True when every row was good.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A row's cells by field, with the header each came from.
pub(super) struct Row<'s> {
    sheet: &'s str,
    number: usize,
    cells: HashMap<&'static str, (&'s str, &'s str, Unit)>,
}

impl<'s> Row<'s> {
    pub(super) fn err(&self, field: &str, reason: impl Into<String>) -> RowError {
        let column = self.cells.get(field).map_or(field, |c| c.0).to_owned();
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
        self.cells.get(field).map(|c| c.1).filter(|v| !v.is_empty())
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
                    self.err(
                        field,
                        format!(
                            "{} is not a date (2005-03-01, 2005/3/1, 2005年3月1日)",
                            crate::text::shown(t)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// A number's cell in Unicode's compatibility form: full-width digits,
    /// commas, points and spaces (１，２０５．５) read as their ASCII forms.
    fn number_text(&self, field: &str) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        self.raw(field)
            .map(|t| t.nfkc().collect::<String>().trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    pub(super) fn money(&self, field: &str) -> Result<Option<Yuan>, RowError> {
        let Some(t) = self.number_text(field) else {
            return Ok(None);
        };
        let unit = self.cells[field].2;
        let parsed = if unit == Unit::Wan {
            Yuan::parse_wan(&t)
        } else {
            Yuan::parse_yuan(&t)
        };
        parsed.map(Some).map_err(|e| self.err(field, reason(&e)))
    }

    pub(super) fn area(&self, field: &str) -> Result<Option<Mu>, RowError> {
        let Some(t) = self.number_text(field) else {
            return Ok(None);
        };
        let parsed = match self.cells[field].2 {
            Unit::SquareMetres => Mu::parse_m2(&t),
            Unit::Hectares => Mu::parse_hectares(&t),
            _ => Mu::parse_mu(&t),
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

    fn int<T: std::str::FromStr>(&self, field: &str) -> Result<Option<T>, RowError> {
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

fn reason(e: &Error) -> String {
    match e {
        Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// Who a row names: a credit code, else a name.
fn firm_ref(row: &Row<'_>) -> Option<(Option<String>, Option<String>)> {
    let code = row.text("credit_code").map(|c| c.to_uppercase());
    let name = row.text("enterprise");
    (code.is_some() || name.is_some()).then_some((code, name))
}

pub(super) struct Lookups {
    by_code: HashMap<String, EnterpriseId>,
    /// Enterprises by name, each with whether it has a credit code.
    by_name: HashMap<String, Vec<(EnterpriseId, bool)>>,
    programmes: HashMap<String, ProgrammeId>,
    applications: HashMap<String, ApplicationId>,
    /// The applications the database holds, by programme, applicant and
    /// title: (id, received, requested).
    received: HashMap<(ProgrammeId, EnterpriseId, String), (ApplicationId, NaiveDate, Yuan)>,
}

impl Lookups {
    fn load(w: &Writer) -> Result<Lookups> {
        let mut l = Lookups {
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            programmes: HashMap::new(),
            applications: HashMap::new(),
            received: HashMap::new(),
        };
        for e in w.records::<Enterprise>()? {
            l.add_firm(&e.name, e.credit_code.as_deref(), e.id);
        }
        for p in w.records::<Programme>()? {
            l.programmes.insert(p.name, p.id);
        }
        for a in w.records::<Application>()? {
            l.received.insert(
                (a.programme, a.applicant, a.title),
                (a.id, a.received, a.requested),
            );
        }
        Ok(l)
    }

    pub(super) fn add_firm(&mut self, name: &str, code: Option<&str>, id: EnterpriseId) {
        if let Some(c) = code {
            self.by_code.insert(c.to_owned(), id);
        }
        self.by_name
            .entry(name.to_owned())
            .or_default()
            .push((id, code.is_some()));
    }

    fn firm(&self, row: &Row<'_>) -> Result<EnterpriseId, RowError> {
        match firm_ref(row) {
            None => Err(row.whole("names no enterprise: give 企业名称 or 统一社会信用代码")),
            Some((Some(code), _)) => self.coded(row, "credit_code", &code),
            Some((None, Some(name))) => self.named(row, "enterprise", &name),
            Some((None, None)) => unreachable!("firm_ref returns a code or a name"),
        }
    }

    /// The enterprise with credit code `code`, else an error at `field`.
    fn coded(&self, row: &Row<'_>, field: &str, code: &str) -> Result<EnterpriseId, RowError> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| row.err(field, format!("no enterprise has credit code {code}")))
    }

    /// The one enterprise named `name` (with whether it has a credit
    /// code): `None` if none is, an error at `field` if several are.
    fn one_named(
        &self,
        row: &Row<'_>,
        field: &str,
        name: &str,
    ) -> Result<Option<(EnterpriseId, bool)>, RowError> {
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(Some(*one)),
            Some([_, ..]) => Err(row.err(
                field,
                format!("{name:?} names several enterprises; give the credit code"),
            )),
            _ => Ok(None),
        }
    }

    /// The one enterprise named `name`, else an error at `field`.
    fn named(&self, row: &Row<'_>, field: &str, name: &str) -> Result<EnterpriseId, RowError> {
        self.one_named(row, field, name)?
            .map(|(id, _)| id)
            .ok_or_else(|| row.err(field, format!("no enterprise is named {name:?}")))
    }

    /// The enterprise a cell names: a credit code (18 characters) or a name.
    pub(super) fn firm_named(
        &self,
        row: &Row<'_>,
        field: &str,
        text: &str,
    ) -> Result<EnterpriseId, RowError> {
        let code = text.trim().to_uppercase();
        if code.len() == 18 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return self.coded(row, field, &code);
        }
        self.named(row, field, text)
    }

    /// The registered enterprise a register row means: by its credit code
    /// if it gives one, else by its name; `None` for a new one. A code the
    /// register lacks, on a row whose name is a firm registered without a
    /// code, is a contradiction: no event gives a firm its code.
    pub(super) fn existing_firm(
        &self,
        row: &Row<'_>,
        code: Option<&str>,
        name: &str,
    ) -> Result<Option<EnterpriseId>, RowError> {
        let Some(code) = code else {
            return Ok(self.one_named(row, "name", name)?.map(|(id, _)| id));
        };
        if let Some(id) = self.by_code.get(code) {
            return Ok(Some(*id));
        }
        match self.one_named(row, "name", name) {
            Ok(Some((_, false))) => Err(row.err(
                "credit_code",
                format!(
                    "the register holds {name} without a credit code; the ledger says {code}: \
                     a firm's credit code is entered with the firm, not added by an import"
                ),
            )),
            _ => Ok(None),
        }
    }

    fn application(&self, row: &Row<'_>) -> Result<ApplicationId, RowError> {
        let r = row.text("ref").unwrap_or_default();
        if let Some(id) = self.applications.get(&r) {
            return Ok(*id);
        }
        r.strip_prefix('A')
            .and_then(|n| n.parse().ok())
            .map(ApplicationId)
            .ok_or_else(|| row.err("ref", format!("no application {r:?} in this import (an earlier one is named A and its id, e.g. A12)")))
    }
}

/// The rows of one ledger, ready to apply.
struct Prepared<'s> {
    ledger: Ledger,
    rows: Vec<Row<'s>>,
}

/// Columns kept for a sheet's readers: 序号 (a running number), and 备注
/// in a ledger that keeps no notes.
pub(super) fn is_ignored_column(header: &str) -> bool {
    let (name, _) = super::columns::split_header(header);
    matches!(
        name.to_lowercase().as_str(),
        "序号" | "no" | "no." | "备注" | "说明" | "note" | "notes" | "remarks"
    )
}

fn prepare<'s>(sheets: &'s [Sheet], errors: &mut Vec<RowError>) -> Vec<Prepared<'s>> {
    let mut out: Vec<Prepared<'s>> = Vec::new();
    for sheet in sheets {
        let Some(ledger) = Ledger::from_name(&sheet.name) else {
            errors.push(RowError {
                sheet: sheet.name.clone(),
                row: 0,
                column: String::new(),
                reason: format!(
                    "is not a ledger parkdb knows; name the sheet or file after one of: {}",
                    Ledger::ALL
                        .iter()
                        .map(|l| l.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            continue;
        };
        let mut columns: Vec<Option<(&'static Field, Unit)>> = Vec::new();
        let mut bad_header = false;
        for h in &sheet.headers {
            if h.trim().is_empty() {
                columns.push(None);
                continue;
            }
            match resolve(ledger, h) {
                Ok(c) => columns.push(Some(c)),
                // A running number, and remarks where the ledger keeps
                // none (the register and the parcel ledger keep them as
                // notes, event ledgers as the event's reason), are for the
                // people who read the sheet: not imported.
                Err(_) if is_ignored_column(h) => columns.push(None),
                Err(reason) => {
                    bad_header = true;
                    errors.push(RowError {
                        sheet: sheet.name.clone(),
                        row: 1,
                        column: h.clone(),
                        reason,
                    });
                    columns.push(None);
                }
            }
        }
        for field in ledger.fields().iter().filter(|f| f.required) {
            let has = columns.iter().flatten().any(|(f, _)| f.name == field.name);
            let alternative = field.name == "enterprise" || field.name == "credit_code";
            if !has && !alternative {
                bad_header = true;
                errors.push(RowError {
                    sheet: sheet.name.clone(),
                    row: 1,
                    column: format!("{}/{}", field.chinese[0], field.name),
                    reason: "a required column is missing".into(),
                });
            }
        }
        if bad_header {
            continue;
        }
        let rows = sheet
            .rows
            .iter()
            .map(|(number, cells)| {
                let mut map = HashMap::new();
                for ((cell, header), column) in cells.iter().zip(&sheet.headers).zip(&columns) {
                    if let Some((field, unit)) = column {
                        map.insert(field.name, (header.as_str(), cell.as_str(), *unit));
                    }
                }
                Row {
                    sheet: &sheet.name,
                    number: *number,
                    cells: map,
                }
            })
            .collect();
        match out.iter_mut().find(|p| p.ledger == ledger) {
            Some(p) => p.rows.extend(rows),
            None => out.push(Prepared { ledger, rows }),
        }
    }
    out.sort_by_key(|p| p.ledger);
    // Rows of events apply in date order, whatever order the sheet keeps
    // (history entered late is folded in its place; sorting spares the
    // rules a construction row read before its supply row).
    for p in &mut out {
        if p.ledger.fields().iter().any(|f| f.name == "date") {
            p.rows
                .sort_by_key(|r| r.raw("date").and_then(super::dates::parse_date));
        }
    }
    out
}

/// Imports sheets into `db` in one unit of work: enterprises, parcels,
/// parcel events, yearly figures, programmes, applications and their steps,
/// in that order. If any row is bad (or `dry_run`), nothing is written and
/// the report lists every bad row.
///
/// # Errors
/// Storage errors only; bad rows are in the report.
pub fn import(db: &Db, sheets: &[Sheet], options: ImportOptions<'_>) -> Result<ImportReport> {
    let skipped = sheets
        .iter()
        .flat_map(|s| {
            s.skipped.iter().map(|(row, reason)| RowError {
                sheet: s.name.clone(),
                row: *row,
                column: String::new(),
                reason: reason.clone(),
            })
        })
        .collect();
    let mut report = ImportReport {
        skipped,
        ..ImportReport::default()
    };
    let prepared = prepare(sheets, &mut report.errors);
    report.rows = prepared
        .iter()
        .map(|p| (p.ledger.name(), p.rows.len()))
        .collect();
    let total: usize = prepared.iter().map(|p| p.rows.len()).sum();
    let mut progress = options.progress;
    let mut abandon = false;
    let result = db.write(|w| {
        // What the database already holds is not written again.
        w.merging();
        let mut lookups = Lookups::load(w)?;
        let mut done = 0;
        for p in &prepared {
            let mut changed = 0;
            if p.ledger == Ledger::Schedules {
                // A parcel's instalments are one schedule: its rows together.
                let (errors, rows_changed) = schedules(w, &p.rows);
                report.errors.extend(errors);
                changed += rows_changed;
                done += p.rows.len();
                if let Some(cb) = progress.as_mut() {
                    cb(done, total);
                }
                report.changed.push((p.ledger.name(), changed));
                continue;
            }
            for row in &p.rows {
                let before = w.events_written();
                if let Err(Refused(e)) = apply_row(w, &mut lookups, p.ledger, row) {
                    report.errors.extend(e);
                }
                changed += usize::from(w.events_written() > before);
                done += 1;
                if let Some(cb) = progress.as_mut() {
                    cb(done, total);
                }
            }
            report.changed.push((p.ledger.name(), changed));
        }
        report.events = w.events_written();
        if options.dry_run || !report.errors.is_empty() {
            abandon = true;
            return Err(Error::validation("import", "abandoned"));
        }
        Ok(())
    });
    match result {
        Ok(()) => report.written = true,
        Err(_) if abandon => {}
        Err(e) => return Err(e),
    }
    report
        .errors
        .sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
    Ok(report)
}

/// Checks one row's cells and applies it as one step: a failure undoes the
/// step and is reported against the row.
fn apply_row(
    w: &mut Writer,
    lookups: &mut Lookups,
    ledger: Ledger,
    row: &Row<'_>,
) -> Result<(), Refused> {
    match ledger {
        Ledger::Enterprises => super::snapshot::enterprise_row(w, lookups, row)?,
        Ledger::Parcels => super::snapshot::parcel_row(w, lookups, row)?,
        Ledger::ParcelEvents => parcel_event(w, lookups, row)?,
        Ledger::Schedules => unreachable!("schedules are applied a parcel at a time"),
        Ledger::Payments => payment(w, lookups, row)?,
        Ledger::Buildings => building(w, row)?,
        Ledger::Qualifications => qualification(w, lookups, row)?,
        Ledger::Compliance => compliance(w, lookups, row)?,
        Ledger::Yearly => {
            let firm = lookups.firm(row)?;
            let year = row.need("year", row.int::<i32>("year"))?;
            let figures = YearlyFigures {
                output_value: row.money("output")?,
                revenue: row.money("revenue")?,
                tax: row.money("tax")?,
                value_added: row.money("value_added")?,
                employees: row.int("employees")?,
                rd: row.money("rd")?,
                energy_tce: row.quantity("energy_tce")?,
                electricity_kwh: row.quantity("electricity_kwh")?,
                emissions_t: row.quantity("emissions_t")?,
                above_scale: row.flag("above_scale")?,
                water_m3: row.quantity("water_m3")?,
            };
            w.attempt(|w| w.report_year(firm, year, figures))
                .map_err(|e| blame(row, &e))?;
        }
        Ledger::Programmes => {
            let name = row.need("programme", Ok(row.text("programme")))?;
            let year = row.need("year", row.int::<i32>("year"))?;
            let budget = row.need("budget", row.money("budget"))?;
            let created = match row.date("created")? {
                Some(d) => d,
                None => NaiveDate::from_ymd_opt(year, 1, 1)
                    .ok_or_else(|| row.err("year", format!("{year} is not a year")))?,
            };
            if let Some(p) = lookups.programmes.get(&name) {
                // Imported again: the same programme, or a contradiction.
                let p = w.load::<Programme>(p.0).map_err(|e| blame(row, &e))?;
                let mut errors = Vec::new();
                if let Some(p) = p {
                    let mut differ = |field: &str, stored: String| {
                        errors.push(row.err(
                            field,
                            format!(
                                "the database holds {stored} for programme {name:?}; the ledger says {}",
                                row.raw(field).unwrap_or_default()
                            ),
                        ));
                    };
                    if p.year != year {
                        differ("year", p.year.to_string());
                    }
                    if p.budget != budget {
                        differ("budget", p.budget.to_string());
                    }
                    if row.raw("created").is_some() && p.created != created {
                        differ("created", p.created.to_string());
                    }
                }
                return if errors.is_empty() {
                    Ok(())
                } else {
                    Err(Refused(errors))
                };
            }
            let id = w
                .attempt(|w| w.add_programme(&name, year, budget, created))
                .map_err(|e| blame(row, &e))?;
            lookups.programmes.insert(name, id);
        }
        Ledger::Applications => {
            let r = row.need("ref", Ok(row.text("ref")))?;
            if lookups.applications.contains_key(&r) {
                return Err(row
                    .err("ref", format!("application {r:?} appears twice"))
                    .into());
            }
            let programme_name = row.need("programme", Ok(row.text("programme")))?;
            let programme = *lookups.programmes.get(&programme_name).ok_or_else(|| {
                row.err(
                    "programme",
                    format!("no programme is named {programme_name:?}"),
                )
            })?;
            let firm = lookups.firm(row)?;
            let title = row.need("title", Ok(row.text("title")))?;
            let requested = row.need("requested", row.money("requested"))?;
            let received = row.need("received", row.date("received"))?;
            let field = row.text("field");
            // Imported again: the application of this programme, applicant
            // and title the database holds, or a contradiction.
            if let Some((id, was_received, was_requested)) = lookups
                .received
                .get(&(programme, firm, title.clone()))
                .copied()
            {
                let mut errors = Vec::new();
                if was_received != received {
                    errors.push(row.err(
                        "received",
                        format!("the database received {title:?} on {was_received}; the ledger says {received}"),
                    ));
                }
                if was_requested != requested {
                    errors.push(row.err(
                        "requested",
                        format!("the database holds a request of {was_requested} for {title:?}; the ledger says {requested}"),
                    ));
                }
                if !errors.is_empty() {
                    return Err(Refused(errors));
                }
                lookups.applications.insert(r, id);
                return Ok(());
            }
            let id = w
                .attempt(|w| {
                    w.apply(
                        programme,
                        firm,
                        &title,
                        received,
                        requested,
                        field.as_deref(),
                    )
                })
                .map_err(|e| blame(row, &e))?;
            lookups.applications.insert(r, id);
        }
        Ledger::ApplicationSteps => application_step(w, lookups, row)?,
    }
    Ok(())
}

pub(super) fn blame(row: &Row<'_>, e: &Error) -> RowError {
    let at = |field: &str| {
        row.cells.get(field).map(|c| RowError {
            sheet: row.sheet.to_owned(),
            row: row.number,
            column: c.0.to_owned(),
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
                .cells
                .iter()
                .find(|(name, _)| field.starts_with(**name) || field == *name)
                .map(|(_, c)| c.0);
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

code_enum!(
    /// What a row of a parcel events sheet records (its `event` column).
    ParcelStep, "event", {
        Developed = "developed" / "开发" | "前期开发" | "填土",
        Certified = "certified" / "办证",
        Allocated = "allocated" / "供地" | "出让" | "划拨",
        ConstructionStarted = "construction_started" / "动工" | "开工",
        Completed = "completed" / "竣工",
        IdleDeclared = "idle_declared" / "认定闲置" | "闲置",
        Reclaimed = "reclaimed" / "收回",
        Transferred = "transferred" / "转让",
    }
);

code_enum!(
    /// What a row of a fund steps sheet records (its `step` column).
    ApplicationStep, "step", {
        Reviewed = "reviewed" / "评审",
        Approved = "approved" / "立项" | "批准",
        Rejected = "rejected" / "不予立项" | "否决",
        Disbursed = "disbursed" / "拨付" | "拨款",
        Repaid = "repaid" / "还款",
        Recovered = "recovered" / "追讨" | "回收",
        WrittenOff = "written_off" / "核销",
        Closed = "closed" / "结项",
    }
);

fn parcel_event(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    let code = row.need("code", Ok(row.text("code")))?;
    let event = row.need("event", row.code("event", ParcelStep::parse))?;
    let date = row.need("date", row.date("date"))?;
    let parcel = w
        .parcel_by_code(&code)
        .map_err(|_| row.err("code", format!("no parcel has code {code:?}")))?
        .id;
    let result = match event {
        ParcelStep::Developed => w.attempt(|w| w.develop(parcel, date)),
        ParcelStep::Certified => {
            let number = row.need("certificate", Ok(row.text("certificate")))?;
            w.attempt(|w| w.certify(parcel, date, &number))
        }
        ParcelStep::Allocated => {
            let terms = Allocation {
                holder: lookups.firm(row)?,
                date,
                method: row.need("method", row.code("method", SupplyMethod::parse))?,
                price: row.need("price", row.money("price"))?,
                start_by: row.date("start_by")?,
                complete_by: row.date("complete_by")?,
            };
            w.attempt(|w| w.allocate(parcel, terms))
        }
        ParcelStep::ConstructionStarted => w.attempt(|w| w.start_construction(parcel, date)),
        ParcelStep::Completed => w.attempt(|w| w.complete_construction(parcel, date)),
        ParcelStep::IdleDeclared => {
            let fee = row.money("fee")?;
            w.attempt(|w| w.declare_idle(parcel, date, fee))
        }
        ParcelStep::Reclaimed => {
            let why = row.text("reason").unwrap_or_default();
            w.attempt(|w| w.reclaim(parcel, date, &why))
        }
        ParcelStep::Transferred => {
            let to = lookups.firm(row)?;
            let price = row.money("price")?.unwrap_or(Yuan::ZERO);
            w.attempt(|w| w.transfer(parcel, to, date, price))
        }
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

code_enum!(
    /// What a row of a payments sheet records (its `flow` column; default
    /// a receipt).
    PaymentStep, "flow", {
        Received = "received" / "收款" | "收入" | "实收",
        Refunded = "refunded" / "退款" | "退还",
        WrittenOff = "written_off" / "核销" | "减免",
        Collection = "collection" / "追缴" | "催缴",
        PaidOut = "paid_out" / "支出" | "补偿支出" | "付款",
    }
);

/// The applied schedules: each parcel's rows as one schedule (its rows in
/// due order), dated by the row's 合同日期 or the parcel's supply. Returns
/// the bad rows and the count of rows whose schedule wrote something.
fn schedules(w: &mut Writer, rows: &[Row<'_>]) -> (Vec<RowError>, usize) {
    use crate::money::Instalment;
    let mut errors = Vec::new();
    let mut changed = 0;
    let mut by_parcel: Vec<(String, Vec<&Row<'_>>)> = Vec::new();
    for row in rows {
        let Some(code) = row.text("code") else {
            errors.push(row.err("code", "is empty; this column is required"));
            continue;
        };
        match by_parcel.iter_mut().find(|(c, _)| *c == code) {
            Some((_, rs)) => rs.push(row),
            None => by_parcel.push((code, vec![row])),
        }
    }
    for (code, rows) in by_parcel {
        let first = rows[0];
        let before = w.events_written();
        let result = (|| -> Result<(), RowError> {
            let parcel = w
                .parcel_by_code(&code)
                .map_err(|_| first.err("code", format!("no parcel has code {code:?}")))?;
            let mut instalments = Vec::new();
            let mut dated = None;
            for row in &rows {
                instalments.push(Instalment {
                    due: row.need("due", row.date("due"))?,
                    amount: row.need("amount", row.money("amount"))?,
                });
                dated = dated.or(row.date("date")?);
            }
            let on = dated
                .or(parcel.supply.as_ref().map(|s| s.date))
                .unwrap_or(parcel.last_event);
            w.attempt(|w| w.schedule_land_payments(parcel.id, on, &instalments))
                .map(|_| ())
                .map_err(|e| blame(first, &e))
        })();
        match result {
            Err(e) => errors.push(e),
            Ok(()) if w.events_written() > before => changed += rows.len(),
            Ok(()) => {}
        }
    }
    (errors, changed)
}

/// A row of a payments sheet: money received, refunded, written off or
/// paid out, or a collection step; on the parcel (地款, 闲置费, compensation)
/// or the enterprise (管理费).
fn payment(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    use crate::money::{Charge, Collection, CollectionAction, Compensation, CompensationKind};
    use crate::money::{Payment, Refund};
    use crate::writer::Account;
    let date = row.need("date", row.date("date"))?;
    let flow = row
        .code("flow", PaymentStep::parse)?
        .unwrap_or(PaymentStep::Received);
    let kind = row.need("kind", Ok(row.text("kind")))?;
    let amount = row.need("amount", row.money("amount"));
    let parcel = || -> Result<crate::ParcelId, RowError> {
        let code = row.need("code", Ok(row.text("code")))?;
        w.parcel_by_code(&code)
            .map(|p| p.id)
            .map_err(|_| row.err("code", format!("no parcel has code {code:?}")))
    };
    let firm = || -> Result<Option<EnterpriseId>, RowError> {
        if firm_ref(row).is_some() {
            lookups.firm(row).map(Some)
        } else {
            Ok(None)
        }
    };
    if flow == PaymentStep::PaidOut {
        let kind = CompensationKind::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?;
        let compensation = Compensation {
            kind,
            payee: row.need("payee", Ok(row.text("payee")))?,
            amount: amount?,
            area: row.area("area")?,
            reference: row.text("reference"),
        };
        let parcel = parcel()?;
        return w
            .attempt(|w| w.pay_compensation(parcel, date, compensation))
            .map(|_| ())
            .map_err(|e| blame(row, &e));
    }
    let charge = Charge::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?;
    let (account, who) = if charge == Charge::ManagementFee {
        let firm = firm()?.ok_or_else(|| {
            row.err(
                "enterprise",
                "management fees need the enterprise that owes them",
            )
        })?;
        (Account::Enterprise(firm), None)
    } else {
        (Account::Parcel(parcel()?), firm()?)
    };
    let reference = row.text("reference");
    let result = match flow {
        PaymentStep::Received => {
            let payment = Payment {
                charge,
                amount: amount?,
                reference,
                payer: who,
                advance: row.flag("advance")?.unwrap_or(false),
            };
            w.attempt(|w| w.receive_payment(account, date, payment))
        }
        PaymentStep::Refunded => {
            let refund = Refund {
                charge,
                amount: amount?,
                reference,
                payer: who,
            };
            w.attempt(|w| w.refund_payment(account, date, refund))
        }
        PaymentStep::WrittenOff => {
            let why = row.need("reason", Ok(row.text("reason")))?;
            let amount = row.money("amount")?;
            w.attempt(|w| w.write_off_debt(account, date, charge, amount, &why, who))
        }
        PaymentStep::Collection => {
            let action = row
                .code("action", CollectionAction::parse)?
                .unwrap_or(CollectionAction::Notice);
            let collection = Collection {
                charge,
                action,
                note: row.text("reason"),
            };
            w.attempt(|w| w.record_collection(account, date, collection))
        }
        PaymentStep::PaidOut => unreachable!("handled above"),
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

/// A row of a buildings sheet: the building, registered unless it is
/// already (on the same parcel), and each stage its dates give, in order
/// (imported again, nothing new is written).
fn building(w: &mut Writer, row: &Row<'_>) -> Result<(), RowError> {
    use crate::land::{BuildingSpec, BuildingStage, BuildingUse};
    let code = row.need("building", Ok(row.text("building")))?;
    let parcel_code = row.need("code", Ok(row.text("code")))?;
    let date = row.need("date", row.date("date"))?;
    let parcel = w
        .parcel_by_code(&parcel_code)
        .map_err(|_| row.err("code", format!("no parcel has code {parcel_code:?}")))?;
    let floor = row.need("floor_area_m2", row.quantity("floor_area_m2"))?;
    let spec = BuildingSpec {
        code: code.clone(),
        name: row.text("name"),
        use_: row
            .code("use", BuildingUse::parse)?
            .unwrap_or(BuildingUse::Factory),
        floor_area_m2: floor,
        lettable_m2: row.quantity("lettable_m2")?.unwrap_or(floor),
        footprint_m2: row.quantity("footprint_m2")?,
    };
    match w.building_parcel(&code).map_err(|e| blame(row, &e))? {
        Some(p) if p.id == parcel.id => {}
        Some(p) => {
            return Err(row.err(
                "code",
                format!("building {code} stands on {} in the database", p.code),
            ))
        }
        None => {
            w.attempt(|w| w.register_building(parcel.id, date, spec))
                .map_err(|e| blame(row, &e))?;
        }
    }
    for (field, stage) in [
        ("preparation", BuildingStage::Preparation),
        ("under_construction", BuildingStage::UnderConstruction),
        ("topped_out", BuildingStage::ToppedOut),
        ("completed", BuildingStage::Completed),
        ("in_use", BuildingStage::InUse),
    ] {
        if let Some(on) = row.date(field)? {
            w.attempt(|w| w.reach_building_stage(&code, on, stage))
                .map_err(|e| blame(row, &e))?;
        }
    }
    if let Some(by) = row.date("planned_in_use")? {
        w.attempt(|w| w.plan_building_stage(&code, date, BuildingStage::InUse, by))
            .map_err(|e| blame(row, &e))?;
    }
    Ok(())
}

/// A row of a qualifications sheet: a qualification, or an honour when
/// the row gives a level (级别).
fn qualification(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    use crate::compliance::{Honour, HonourLevel, Qualification, QualificationKind};
    let firm = lookups.firm(row)?;
    let date = row.need("date", row.date("date"))?;
    let kind = row.need("kind", Ok(row.text("kind")))?;
    let result = if let Some(level) = row.code("level", HonourLevel::parse)? {
        let honour = Honour {
            award: kind,
            level,
            class: row.need("class", Ok(row.text("class")))?,
            year: row
                .int::<i32>("year")?
                .unwrap_or_else(|| chrono::Datelike::year(&date)),
            project: row.text("project"),
            co_winners: row
                .text("co_winners")
                .map(|c| {
                    c.split(['、', ',', '，', ';'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        w.attempt(|w| w.honour(firm, date, honour))
    } else {
        let q = Qualification {
            kind: QualificationKind::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?,
            number: row.text("number"),
            programme: row.text("programme"),
            valid_until: row.date("valid_until")?,
        };
        w.attempt(|w| w.qualify(firm, date, q))
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

code_enum!(
    /// What a row of a compliance sheet records (its `category` column).
    ComplianceStep, "category", {
        Inspection = "inspection" / "检查" | "例行检查" | "计划检查",
        SurpriseInspection = "surprise_inspection" / "突击检查" | "夜间检查",
        Rectified = "rectified" / "整改完成" | "整改",
        Incident = "incident" / "事故" | "突发事件",
        Complaint = "complaint" / "投诉",
        Resolved = "resolved" / "办结" | "投诉办结",
    }
);

/// A row of a compliance sheet. A 整改完成 or 办结 row closes the firm's
/// earliest open inspection or complaint (imported again, a row whose
/// item was closed that day writes nothing).
fn compliance(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    use crate::compliance::{Complaint, Domain, Incident, Inspection};
    let firm = lookups.firm(row)?;
    let date = row.need("date", row.date("date"))?;
    let step = row.need("category", row.code("category", ComplianceStep::parse))?;
    let domain = row.need("domain", row.code("domain", Domain::parse))?;
    let record = || -> Result<crate::compliance::FirmRecord, RowError> {
        Ok(w.enterprise(firm)
            .map_err(|e| blame(row, &e))?
            .record
            .map(|r| *r)
            .unwrap_or_default())
    };
    let result = match step {
        ComplianceStep::Inspection | ComplianceStep::SurpriseInspection => {
            let i = Inspection {
                domain,
                surprise: step == ComplianceStep::SurpriseInspection,
                findings: row.text("detail"),
                rectify_by: row.date("rectify_by")?,
            };
            w.attempt(|w| w.record_inspection(firm, date, i))
        }
        ComplianceStep::Incident => {
            let i = Incident {
                domain,
                kind: row.need("detail", Ok(row.text("detail")))?,
                quantity_t: row.quantity("quantity_t")?,
                casualties: row.int::<u32>("casualties")?.unwrap_or(0),
                response_hours: row.quantity("response_hours")?,
                outcome: row.text("outcome"),
            };
            w.attempt(|w| w.record_incident(firm, date, i))
        }
        ComplianceStep::Complaint => {
            let c = Complaint {
                domain,
                subject: row.need("detail", Ok(row.text("detail")))?,
                source: row.text("source"),
            };
            w.attempt(|w| w.record_complaint(firm, date, c))
        }
        ComplianceStep::Rectified => {
            let r = record()?;
            let open = r
                .inspections
                .iter()
                .position(|i| i.item.rectify_by.is_some() && i.closed.is_none());
            match open {
                Some(index) => {
                    let note = row.text("detail");
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    w.attempt(|w| w.rectify(firm, date, index, note.as_deref()))
                }
                None if r
                    .inspections
                    .iter()
                    .any(|i| i.closed.as_ref().is_some_and(|c| c.0 == date)) =>
                {
                    return Ok(())
                }
                None => return Err(row.whole("the firm has no inspection awaiting rectification")),
            }
        }
        ComplianceStep::Resolved => {
            let r = record()?;
            let open = r.complaints.iter().position(|c| c.closed.is_none());
            match open {
                Some(index) => {
                    let resolution = row.need("detail", Ok(row.text("detail")))?;
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    w.attempt(|w| w.resolve_complaint(firm, date, index, &resolution))
                }
                None if r
                    .complaints
                    .iter()
                    .any(|c| c.closed.as_ref().is_some_and(|x| x.0 == date)) =>
                {
                    return Ok(())
                }
                None => return Err(row.whole("the firm has no complaint open")),
            }
        }
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

fn application_step(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    let app = lookups.application(row)?;
    let step = row.need("step", row.code("step", ApplicationStep::parse))?;
    let date = row.need("date", row.date("date"))?;
    let amount = || row.need("amount", row.money("amount"));
    let why = row.text("reason").unwrap_or_default();
    let result = match step {
        ApplicationStep::Reviewed => {
            let text = row.need("scores", Ok(row.text("scores")))?;
            let scores = text
                .split([',', '，', ';', '、', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<u32>().map_err(|_| {
                        row.err(
                            "scores",
                            format!("{} is not a whole-number score", crate::text::shown(s)),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            w.attempt(|w| w.review(app, date, &scores))
        }
        ApplicationStep::Approved => {
            let award = Award {
                batch: row.need("batch", Ok(row.text("batch")))?,
                grant: row.money("grant")?.unwrap_or(Yuan::ZERO),
                interest_subsidy: row.money("interest_subsidy")?.unwrap_or(Yuan::ZERO),
                loan: row.money("loan")?.unwrap_or(Yuan::ZERO),
                repay_by: row.date("repay_by")?,
                ..Award::default()
            };
            w.attempt(|w| w.approve(app, date, award))
        }
        ApplicationStep::Rejected => w.attempt(|w| w.reject(app, date, &why)),
        ApplicationStep::Disbursed => {
            let kind = row.need("kind", row.code("kind", AwardKind::parse))?;
            let amount = amount()?;
            w.attempt(|w| w.disburse(app, date, amount, kind))
        }
        ApplicationStep::Repaid => {
            let amount = amount()?;
            w.attempt(|w| w.repay(app, date, amount))
        }
        ApplicationStep::Recovered => {
            let via = row
                .code("via", RecoveryVia::parse)?
                .unwrap_or(RecoveryVia::Demand);
            let amount = amount()?;
            w.attempt(|w| w.recover(app, date, amount, via))
        }
        ApplicationStep::WrittenOff => w.attempt(|w| w.write_off(app, date, &why)),
        ApplicationStep::Closed => w.attempt(|w| w.close_application(app, date)),
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}
