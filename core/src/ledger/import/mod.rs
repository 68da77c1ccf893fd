//! Importing ledgers: every row checked, every bad row reported with its
//! sheet, row, column and reason, and nothing written unless all are good.
//!
//! The driver is here (`import`: the sheets prepared, each ledger's rows
//! applied in one unit of work); a row and its errors are in `row.rs`, the
//! lookups by name in `lookups.rs`, and each ledger's rows in a file of
//! its own (`land.rs`, `money.rs`, `compliance.rs`, `fund.rs`,
//! `snapshot.rs` for ledgers kept as a snapshot, `published.rs` for the
//! layouts 中国土地市场网 publishes).

mod compliance;
mod fund;
mod land;
mod lookups;
mod money;
mod published;
mod row;
mod snapshot;

use chrono::NaiveDate;

use super::columns::{resolve_header, Field, HeaderError, Ledger, Unit};
use super::read::Sheet;
use crate::db::Db;
use crate::enterprise::YearlyFigures;
use crate::error::{Error, Result};
use crate::fund::Programme;
use crate::writer::Writer;
pub use compliance::ComplianceStep;
pub use fund::ApplicationStep;
pub use land::ParcelStep;
use lookups::Lookups;
pub use money::PaymentStep;
pub use published::Layout;
use published::PublishedSheet;
pub use row::RowError;
use row::{blame, Refused, Row};

/// How to import.
#[derive(Default)]
pub struct ImportOptions<'a> {
    /// Check every row, report, and write nothing.
    pub dry_run: bool,
    /// Refuse a column no ledger field goes by, instead of setting it aside
    /// and listing it in [`ImportReport::skipped`].
    pub strict: bool,
    /// Read every sheet as this published layout (供地结果, 土地转让,
    /// 土地抵押) instead of recognising each sheet by its name or headers.
    pub layout: Option<Layout>,
    /// Called with (rows applied so far, rows in all) as the import goes.
    pub progress: Option<&'a mut dyn FnMut(usize, usize)>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows read per ledger, in the order the ledgers are applied.
    pub rows: Vec<(&'static str, usize)>,
    /// The rows refused, each with why; when any is, nothing was written.
    pub errors: Vec<RowError>,
    /// Lines set aside, not imported and not errors: titles, unit lines,
    /// totals, signatures (with the sheet, the row and why).
    pub skipped: Vec<RowError>,
    /// True when the rows were stored (no errors, not a dry run) and
    /// wrote at least one event: a re-import of what the database already
    /// holds is clean and not written.
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

/// The rows of one ledger, ready to apply.
struct Prepared<'s> {
    ledger: Ledger,
    rows: Vec<Row<'s>>,
}

fn prepare<'s>(
    sheets: &'s [Sheet],
    options: &ImportOptions<'_>,
    report: &mut ImportReport,
) -> (Vec<Prepared<'s>>, Vec<PublishedSheet<'s>>) {
    let strict = options.strict;
    let mut out: Vec<Prepared<'s>> = Vec::new();
    let mut published: Vec<PublishedSheet<'s>> = Vec::new();
    let errors = &mut report.errors;
    for sheet in sheets {
        // A published layout: named by the caller, else by its headers
        // when the sheet is not named after a ledger.
        let layout = options.layout.or_else(|| {
            Ledger::from_name(&sheet.name)
                .is_none()
                .then(|| Layout::recognise(&sheet.headers))
                .flatten()
        });
        if let Some(layout) = layout {
            match published::prepare(sheet, layout, &mut report.skipped) {
                Ok(p) => published.push(p),
                Err(e) => errors.push(e),
            }
            continue;
        }
        let Some(ledger) = Ledger::from_name(&sheet.name) else {
            errors.push(RowError {
                sheet: sheet.name.clone(),
                row: 0,
                column: String::new(),
                reason: format!(
                    "is not a ledger parkdb knows; name the sheet or file after one of: {}; \
                     or give the headers of a layout 中国土地市场网 publishes: {}",
                    Ledger::ALL
                        .iter()
                        .map(|l| l.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    Layout::ALL
                        .iter()
                        .map(|l| format!("{} ({})", l.chinese(), l.code()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            continue;
        };
        let mut columns: Vec<Option<(&'static Field, Unit)>> = Vec::new();
        // A required column missing would fail every row the same way: the
        // header's problem is reported once and the rows are not checked.
        let mut bad_header = false;
        for h in &sheet.headers {
            if h.trim().is_empty() {
                columns.push(None);
                continue;
            }
            match resolve_header(ledger, h) {
                Ok((field, unit)) => {
                    // Two columns giving one field: which one the row
                    // means cannot be known.
                    let given = columns
                        .iter()
                        .zip(&sheet.headers)
                        .find(|(c, _)| c.is_some_and(|(f, _)| f.name == field.name));
                    if let Some((_, first)) = given {
                        errors.push(RowError {
                            sheet: sheet.name.clone(),
                            row: 1,
                            column: h.clone(),
                            reason: format!(
                                "gives {}/{} again (column {first:?} gives it): keep one of them",
                                field.chinese[0], field.name
                            ),
                        });
                    }
                    // The first column giving the field is read, so the
                    // rows are checked in the same run.
                    columns.push(given.is_none().then_some((field, unit)));
                }
                // A running number, and remarks where the ledger keeps
                // none (the register and the parcel ledger keep them as
                // notes, event ledgers as the event's reason), are for the
                // people who read the sheet: not imported.
                Err(_) if super::columns::is_ignored_column(h) => columns.push(None),
                Err(HeaderError::Unknown { .. }) if !strict => {
                    report.skipped.push(RowError {
                        sheet: sheet.name.clone(),
                        row: 1,
                        column: h.clone(),
                        reason: format!(
                            "a column the {} ledger does not keep: set aside, not imported",
                            ledger.name()
                        ),
                    });
                    columns.push(None);
                }
                // A column refused (strict, or a unit the field does not
                // take) is left out; the rows are still checked, so one run
                // reports every problem.
                Err(e) => {
                    let reason = e.to_string();
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
        let columns: Vec<_> = columns
            .iter()
            .map(|c| c.map(|(field, unit)| (field.name, unit)))
            .collect();
        let rows = Row::all_of(sheet, &columns);
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
    // Published records apply after the ledgers (their holders may be in
    // the register), supplies before transfers before mortgages, each in
    // date order.
    published.sort_by_key(|p| p.layout);
    for p in &mut published {
        p.rows
            .sort_by_key(|r| r.raw("date").and_then(super::dates::parse_date));
    }
    (out, published)
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
    let (prepared, published) = prepare(sheets, &options, &mut report);
    report.rows = prepared
        .iter()
        .map(|p| (p.ledger.name(), p.rows.len()))
        .chain(published.iter().map(|p| (p.layout.code(), p.rows.len())))
        .collect();
    let total: usize = prepared.iter().map(|p| p.rows.len()).sum::<usize>()
        + published.iter().map(|p| p.rows.len()).sum::<usize>();
    let mut progress = options.progress;
    let mut abandon = false;
    let result = db.write(|w| {
        // What the database already holds is not written again.
        w.merging();
        w.importing(crate::SourceKind::Import)?;
        let mut lookups = Lookups::load(w)?;
        let mut done = 0;
        for p in &prepared {
            let mut changed = 0;
            if p.ledger == Ledger::Schedules {
                // A parcel's instalments are one schedule: its rows together.
                let (errors, rows_changed) = money::schedules(w, &p.rows);
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
                w.at_row(Some((row.file, row.sheet, row.number as u64)));
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
        for p in &published {
            let mut changed = 0;
            for row in &p.rows {
                let before = w.events_written();
                w.at_row(Some((row.file, row.sheet, row.number as u64)));
                if let Err(Refused(e)) =
                    published::apply_row(w, &mut lookups, p.layout, row, &mut report.skipped)
                {
                    report.errors.extend(e);
                }
                changed += usize::from(w.events_written() > before);
                done += 1;
                if let Some(cb) = progress.as_mut() {
                    cb(done, total);
                }
            }
            report.changed.push((p.layout.code(), changed));
        }
        w.at_row(None);
        report.events = w.events_written();
        if options.dry_run || !report.errors.is_empty() {
            abandon = true;
            return Err(Error::validation("import", "abandoned"));
        }
        Ok(())
    });
    match result {
        // A re-import of what the database holds commits nothing: not written.
        Ok(()) => report.written = report.events > 0,
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
        Ledger::Enterprises => snapshot::enterprise_row(w, lookups, row)?,
        Ledger::Parcels => snapshot::parcel_row(w, lookups, row)?,
        Ledger::ParcelEvents => land::parcel_event(w, lookups, row)?,
        Ledger::Schedules => unreachable!("schedules are applied a parcel at a time"),
        Ledger::Payments => money::payment(w, lookups, row)?,
        Ledger::Buildings => land::building(w, row)?,
        Ledger::Qualifications => compliance::qualification(w, lookups, row)?,
        Ledger::Compliance => compliance::compliance(w, lookups, row)?,
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
        Ledger::ApplicationSteps => fund::application_step(w, lookups, row)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests;
