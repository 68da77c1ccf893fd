//! Snapshot ledgers: one row per parcel (地块台账) or enterprise (企业名录)
//! with its lifecycle as columns of dates, updated every month and
//! imported again. A row becomes the events its dates imply, in date
//! order; what the database already holds is left alone, so the same
//! workbook imported twice writes nothing the second time and an updated
//! one writes only what is new. A value that contradicts the database and
//! that no later event can express (an area, a requisition date, a holder
//! replaced without a transfer, a date already recorded otherwise) refuses
//! the row with the stored value and the ledger's, and with it the import.
//!
//! Corrections are explicit: the wrong event is voided (`parkdb void`,
//! `db.void`) and the ledger imported again, which then writes the
//! ledger's value.

use chrono::NaiveDate;

use super::lookups::Lookups;
use super::row::{blame, Refused, Row};
use crate::enterprise::{Enterprise, EnterpriseId, IdKind, NewEnterprise};
use crate::error::Result;
use crate::land::{LandUse, Parcel, SupplyMethod};
use crate::units::{Mu, Yuan};
use crate::writer::{Allocation, NewParcel, Writer};

/// The contradictions found in one row, each against its column.
pub(super) struct Contradictions<'r, 's> {
    row: &'r Row<'s>,
    found: Vec<super::row::RowError>,
}

impl<'r, 's> Contradictions<'r, 's> {
    pub(super) fn new(row: &'r Row<'s>) -> Self {
        Contradictions {
            row,
            found: Vec::new(),
        }
    }

    /// Notes that the database holds `stored` where the ledger says `given`.
    pub(super) fn differ(&mut self, field: &str, stored: impl std::fmt::Display, hint: &str) {
        let given = self.row.raw(field).unwrap_or_default();
        self.found.push(self.row.err(
            field,
            format!("the database holds {stored}; the ledger says {given}: {hint}"),
        ));
    }

    pub(super) fn done(self) -> Result<(), Refused> {
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(Refused(self.found))
        }
    }
}

pub(super) const VOID_FIRST: &str =
    "a recorded event is corrected by voiding it (parkdb void) and importing again";

/// One dated step a snapshot row implies.
type Step<'a> = (
    NaiveDate,
    &'static str,
    Box<dyn FnOnce(&mut Writer) -> Result<()> + 'a>,
);

/// Applies the steps in date order, each as a step of its own; a refusal
/// is reported against the step's column.
fn apply_steps(w: &mut Writer, row: &Row<'_>, mut steps: Vec<Step<'_>>) -> Result<(), Refused> {
    steps.sort_by_key(|s| s.0);
    let mut errors = Vec::new();
    for (_, field, step) in steps {
        if let Err(e) = w.attempt(step) {
            let mut err = blame(row, &e);
            if err.column.is_empty() {
                err = row.err(field, e.to_string());
            }
            errors.push(err);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Refused(errors))
    }
}

/// A row of 地块台账: a new parcel with its history, or what is new about
/// one the database holds.
pub(super) fn parcel_row(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), Refused> {
    let code = row.need("code", Ok(row.text("code")))?;
    let area = row.need("area", row.area("area"))?;
    let land_use = row.need("land_use", row.code("land_use", LandUse::parse))?;
    let requisitioned = row.need("requisitioned", row.date("requisitioned"))?;
    let location = row.text("location");
    let boundary = row.boundary()?;
    let developed = row.date("developed")?;
    let certified = row.date("certified")?;
    let certificate = row.text("certificate");
    let supplied = row.date("supplied")?;
    let holder = row.raw("holder");
    let method = row.code("method", SupplyMethod::parse)?;
    let price = row.money("price")?;
    let start_by = row.date("start_by")?;
    let complete_by = row.date("complete_by")?;
    let started = row.date("construction_started")?;
    let completed = row.date("completed")?;
    let note = row.text("note");
    let floor = row.quantity("floor_area_m2")?;
    let footprint = row.quantity("footprint_m2")?;
    together(
        row,
        ("floor_area_m2", floor.is_some()),
        ("footprint_m2", footprint.is_some()),
        "buildings are reported with floor area and footprint",
    )?;
    let buildings = floor.zip(footprint);
    // The row is the ledger as of its latest date: a note (and the
    // buildings) date from then.
    let as_of = [
        Some(requisitioned),
        developed,
        certified,
        supplied,
        started,
        completed,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(requisitioned);
    together(
        row,
        ("certified", certified.is_some()),
        ("certificate", certificate.is_some()),
        "a certificate needs its number and its date",
    )?;
    let supply = match (supplied, holder) {
        (None, None) => {
            if let Some(f) = ["method", "price", "start_by", "complete_by"]
                .into_iter()
                .find(|f| row.raw(f).is_some())
            {
                return Err(row
                    .err(f, "supply terms need the supply date and the holder")
                    .into());
            }
            None
        }
        (Some(_), None) => {
            return Err(row
                .err("supplied", "a supply needs the holder (用地单位)")
                .into())
        }
        (None, Some(_)) => {
            return Err(row
                .err("holder", "a holder needs the supply date (供地日期)")
                .into())
        }
        (Some(date), Some(name)) => Some(Allocation {
            holder: lookups.firm_named(row, "holder", name)?,
            date,
            method: row.need("method", Ok(method))?,
            price: row.need("price", Ok(price))?,
            start_by,
            complete_by,
        }),
    };

    let existing = w.parcel_by_code(&code).ok();
    let parcel = match &existing {
        None => {
            let new = NewParcel {
                code,
                area,
                land_use,
                requisitioned,
                location,
                boundary: boundary.clone(),
            };
            w.attempt(|w| w.add_parcel(new))
                .map_err(|e| blame(row, &e))?
        }
        Some(p) => {
            let mut found = Contradictions::new(row);
            if p.area != area {
                found.differ(
                    "area",
                    p.area,
                    "an area changes by a split, not in the ledger",
                );
            }
            if p.requisitioned != requisitioned {
                found.differ(
                    "requisitioned",
                    p.requisitioned,
                    "the requisition date creates the parcel and cannot change",
                );
            }
            if p.land_use != land_use {
                found.differ(
                    "land_use",
                    p.land_use.chinese(),
                    "a parcel's use does not change",
                );
            }
            if let (Some(stored), Some(given)) = (&p.location, &location) {
                if stored != given {
                    found.differ("location", stored, "a parcel's location does not change");
                }
            }
            if boundary.is_some() && p.boundary.is_some() {
                let given = boundary.as_ref().map(|b| w.checked_boundary(b));
                let same = matches!(
                    (&given, &p.boundary),
                    (Some(Ok(g)), Some(s)) if g.stored() == s.stored()
                );
                if !same {
                    found.differ(
                        if row.raw("boundary").is_some() {
                            "boundary"
                        } else {
                            "boundary_points"
                        },
                        "another boundary",
                        "a resurvey is imported with its date (parkdb import-boundaries --on DATE)",
                    );
                }
            }
            let holder_name = p
                .holder
                .and_then(|h| w.load::<Enterprise>(h.0).ok().flatten())
                .map(|e| e.name);
            held(&mut found, p, holder_name, supply.as_ref());
            dated(&mut found, "developed", p.developed, developed);
            dated(
                &mut found,
                "certified",
                p.certificate.as_ref().map(|cert| cert.date),
                certified,
            );
            if let (Some(stored), Some(given)) = (&p.certificate, &certificate) {
                if stored.date == certified.unwrap_or(stored.date) && &stored.number != given {
                    found.differ("certificate", &stored.number, VOID_FIRST);
                }
            }
            dated(
                &mut found,
                "construction_started",
                p.construction_started,
                started,
            );
            dated(&mut found, "completed", p.completed, completed);
            found.done()?;
            p.id
        }
    };
    let now = existing.as_ref();
    let mut steps: Vec<Step<'_>> = Vec::new();
    if let (Some(b), Some(p)) = (boundary.as_ref(), now) {
        if p.boundary.is_none() {
            let on = p.requisitioned;
            steps.push((
                on,
                "boundary",
                Box::new(move |w| w.set_boundary(parcel, on, Some(b)).map(drop)),
            ));
        }
    }
    if let Some(d) = developed.filter(|_| now.is_none_or(|p| p.developed.is_none())) {
        steps.push((
            d,
            "developed",
            Box::new(move |w| w.develop(parcel, d).map(drop)),
        ));
    }
    if let (Some(d), Some(number)) = (certified, certificate) {
        if now.is_none_or(|p| p.certificate.is_none()) {
            steps.push((
                d,
                "certified",
                Box::new(move |w| w.certify(parcel, d, &number).map(drop)),
            ));
        }
    }
    if let Some(terms) = supply {
        if now.is_none_or(|p| p.holder.is_none()) {
            steps.push((
                terms.date,
                "supplied",
                Box::new(move |w| w.allocate(parcel, terms).map(drop)),
            ));
        }
    }
    if let Some(d) = started.filter(|_| now.is_none_or(|p| p.construction_started.is_none())) {
        steps.push((
            d,
            "construction_started",
            Box::new(move |w| w.start_construction(parcel, d).map(drop)),
        ));
    }
    if let Some(d) = completed.filter(|_| now.is_none_or(|p| p.completed.is_none())) {
        steps.push((
            d,
            "completed",
            Box::new(move |w| w.complete_construction(parcel, d).map(drop)),
        ));
    }
    if let Some((floor, footprint)) = buildings.filter(|b| {
        now.is_none_or(|p| {
            p.buildings
                .is_none_or(|s| (s.floor_area_m2, s.footprint_m2) != *b)
        })
    }) {
        let on = now.map_or(as_of, |p| p.last_event.max(as_of));
        steps.push((
            on,
            "buildings",
            Box::new(move |w| w.report_buildings(parcel, on, floor, footprint).map(drop)),
        ));
    }
    if let Some(text) = note.filter(|n| now.is_none_or(|p| p.note.as_ref() != Some(n))) {
        let on = now.map_or(as_of, |p| p.last_event.max(as_of));
        steps.push((
            on,
            "note",
            Box::new(move |w| w.set_parcel_note(parcel, on, Some(&text)).map(drop)),
        ));
    }
    apply_steps(w, row, steps)
}

/// Two columns given together or not at all: the one given is blamed,
/// naming the one left empty.
fn together(row: &Row<'_>, a: (&str, bool), b: (&str, bool), rule: &str) -> Result<(), Refused> {
    if a.1 == b.1 {
        return Ok(());
    }
    let (has, lacks) = if a.1 { (a.0, b.0) } else { (b.0, a.0) };
    Err(row.err(has, format!("{rule}; {lacks} is empty")).into())
}

/// A lifecycle date the database holds against the ledger's.
fn dated(
    found: &mut Contradictions<'_, '_>,
    field: &str,
    stored: Option<NaiveDate>,
    given: Option<NaiveDate>,
) {
    if let (Some(s), Some(g)) = (stored, given) {
        if s != g {
            found.differ(field, s, VOID_FIRST);
        }
    }
}

/// The holder and supply terms the database holds against the ledger's.
fn held(
    found: &mut Contradictions<'_, '_>,
    p: &Parcel,
    holder_name: Option<String>,
    supply: Option<&Allocation>,
) {
    let (Some(given), Some(holder)) = (supply, p.holder) else {
        return;
    };
    if holder != given.holder {
        found.differ(
            "holder",
            format!("{} ({holder}) as holder", holder_name.unwrap_or_default()),
            "a new holder comes by a transfer (转让, in 地块事件), not by a new name in the ledger",
        );
        return;
    }
    let Some(terms) = &p.supply else { return };
    if terms.date != given.date {
        // Held since a transfer or a later supply: the ledger's date is
        // the original supply, which the database has in history.
        return;
    }
    if terms.method != given.method {
        found.differ("method", terms.method.chinese(), VOID_FIRST);
    }
    if terms.price != given.price {
        found.differ("price", terms.price, VOID_FIRST);
    }
    if given.start_by.is_some() && terms.start_by != given.start_by {
        found.differ("start_by", show(terms.start_by), VOID_FIRST);
    }
    if given.complete_by.is_some() && terms.complete_by != given.complete_by {
        found.differ("complete_by", show(terms.complete_by), VOID_FIRST);
    }
}

fn show(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// A row of 企业名录: a new enterprise with its project's dates, or what is
/// new about one the register holds (found by credit code, else by name).
pub(super) fn enterprise_row(
    w: &mut Writer,
    lookups: &mut Lookups,
    row: &Row<'_>,
) -> Result<(), Refused> {
    let new = NewEnterprise {
        name: row.need("name", Ok(row.text("name")))?,
        credit_code: row.text("credit_code").map(|c| c.to_uppercase()),
        industry: row.text("industry"),
        founded: row.date("founded")?,
        high_tech: row.flag("high_tech")?.unwrap_or(false),
        allow_invalid_code: row.flag("allow_invalid_code")?.unwrap_or(false),
        registered: row.date("registered")?,
    };
    let signed = row.date("signed")?;
    let investment = row.money("investment")?;
    let land = row.area("land")?;
    let started = row.date("construction_started")?;
    let producing = row.date("in_production")?;
    let note = row.text("note");
    if signed.is_none() {
        if let Some(f) = ["investment", "land"]
            .into_iter()
            .find(|f| row.raw(f).is_some())
        {
            return Err(row
                .err(
                    f,
                    "a project's investment and land need its signing date (签约日期)",
                )
                .into());
        }
    }
    let new_registered = new.registered.or(new.founded);
    // Its other ids, checked as the register keeps them.
    let mut other_ids = Vec::new();
    for (field, kind) in [
        ("tax_id", IdKind::TaxId),
        ("org_code", IdKind::OrgCode),
        ("licence", IdKind::Licence),
    ] {
        if let Some(t) = row.raw(field) {
            let id = crate::enterprise::check_other_id(kind, t)
                .map_err(|e| row.err(field, super::row::reason(&e)))?;
            other_ids.push((field, kind, id));
        }
    }
    // Without a credit code, a firm is found by another id before its name.
    let by_other_id = other_ids
        .iter()
        .find_map(|(_, _, id)| lookups.by_other_id.get(id).copied())
        .filter(|_| new.credit_code.is_none());
    let found = match by_other_id {
        Some(id) => Some(id),
        None => lookups.existing_firm(row, new.credit_code.as_deref(), &new.name)?,
    };
    let existing = found
        .map(|id| w.load::<Enterprise>(id.0))
        .transpose()
        .map_err(|e| blame(row, &e))?
        .flatten();
    let firm: EnterpriseId = match &existing {
        None => {
            let (name, code) = (new.name.clone(), new.credit_code.clone());
            let id = w
                .attempt(|w| w.add_enterprise(new))
                .map_err(|e| blame(row, &e))?;
            lookups.add_firm(&name, code.as_deref(), id);
            id
        }
        Some(e) => {
            let mut found = Contradictions::new(row);
            if e.name != new.name {
                found.differ(
                    "name",
                    &e.name,
                    "an enterprise keeps its name in the register",
                );
            }
            if let (Some(stored), Some(given)) = (&e.industry, &new.industry) {
                let given = crate::industry::normalize_industry(given).unwrap_or(given.clone());
                if *stored != given {
                    found.differ("industry", stored, "an enterprise keeps its industry code");
                }
            }
            for (field, stored, given) in [
                ("founded", e.founded, new.founded),
                ("registered", e.registered, new.registered),
            ] {
                if let (Some(s), Some(g)) = (stored, given) {
                    if s != g {
                        found.differ(field, s, "a date of the register does not change");
                    }
                }
            }
            if row.raw("high_tech").is_some() && e.high_tech != new.high_tech {
                found.differ(
                    "high_tech",
                    if e.high_tech { "是" } else { "否" },
                    "the register's high-tech flag does not change by import",
                );
            }
            dated(&mut found, "signed", e.signed, signed);
            if e.signed.is_some() && e.signed == signed {
                if investment.is_some_and(|i| i != e.planned_investment) {
                    found.differ("investment", e.planned_investment, VOID_FIRST);
                }
                if land.is_some_and(|l| l != e.planned_land) {
                    found.differ("land", e.planned_land, VOID_FIRST);
                }
            }
            dated(
                &mut found,
                "construction_started",
                e.construction_started,
                started,
            );
            dated(&mut found, "in_production", e.in_production, producing);
            found.done()?;
            e.id
        }
    };
    // An id the firm does not hold yet is added: a firm may carry several
    // (its 15-character 纳税人识别号 and, after 三证合一, its 18-character one).
    for (field, kind, id) in other_ids {
        if existing
            .as_ref()
            .is_some_and(|e| e.ids_of(kind).any(|held| held == id))
        {
            continue;
        }
        w.attempt(|w| w.record_enterprise_id(firm, kind, &id))
            .map_err(|e| row.err(field, super::row::reason(&e)))?;
        lookups.by_other_id.insert(id, firm);
    }
    let now = existing.as_ref();
    let mut steps: Vec<Step<'_>> = Vec::new();
    if let Some(d) = signed.filter(|_| now.is_none_or(|e| e.signed.is_none())) {
        let (investment, land) = (investment.unwrap_or(Yuan::ZERO), land.unwrap_or(Mu::ZERO));
        steps.push((
            d,
            "signed",
            Box::new(move |w| w.enterprise_signed(firm, d, investment, land).map(drop)),
        ));
    }
    if let Some(d) = started.filter(|_| now.is_none_or(|e| e.construction_started.is_none())) {
        steps.push((
            d,
            "construction_started",
            Box::new(move |w| w.enterprise_construction_started(firm, d).map(drop)),
        ));
    }
    if let Some(d) = producing.filter(|_| now.is_none_or(|e| e.in_production.is_none())) {
        steps.push((
            d,
            "in_production",
            Box::new(move |w| w.enterprise_in_production(firm, d).map(drop)),
        ));
    }
    if let Some(text) = note.filter(|n| now.is_none_or(|e| e.note.as_ref() != Some(n))) {
        // The row is the register as of its latest date: a note dates from
        // then (else from the firm's latest event, else from today).
        let latest = [signed, started, producing, new_registered]
            .into_iter()
            .flatten()
            .chain(now.map(|e| e.last_event).filter(|d| *d != NaiveDate::MIN))
            .max();
        let on = latest.unwrap_or_else(|| w.began().date_naive());
        steps.push((
            on,
            "note",
            Box::new(move |w| w.set_enterprise_note(firm, on, Some(&text)).map(drop)),
        ));
    }
    apply_steps(w, row, steps)
}
