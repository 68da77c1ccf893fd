//! Where a figure comes from: the parcels, firms or applications whose
//! parts make it, each with the event that put it in and where that event
//! came from ([`crate::Origin`]).
//!
//! A part is the figure made of one entity alone (with what it needs
//! beside it: a firm's parcels, for the fees and projects its land
//! decides), by the very function that makes the figure of them all
//! (`LandSummary::from_parcels`, `report::figures`): the
//! parts of a sum add up to it exactly, and a figure as known at a past
//! moment explains as it was known then (the view's horizon reads the
//! records). A rate is not a sum: its explanation names the figures it
//! combines.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow_array::RecordBatch;
use chrono::NaiveDate;

use crate::enterprise::Enterprise;
use crate::error::{Error, Result};
use crate::event::{Body, EventId};
use crate::fund::Application;
use crate::land::{LandFigures, LandSummary, Parcel};
use crate::provenance::Origin;
use crate::report::{figures, AnnualReport, Inputs};
use crate::units::{Mu, Yuan};
use crate::view::{HistoryEntry, View};

/// A figure's value, or one part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// An area, in 亩.
    Area(Mu),
    /// Money, in 元.
    Money(Yuan),
    /// A count of parcels, firms, applications, inspections…
    Count(u64),
}

impl Amount {
    fn is_zero(self) -> bool {
        match self {
            Amount::Area(m) => m == Mu::ZERO,
            Amount::Money(y) => y == Yuan::ZERO,
            Amount::Count(n) => n == 0,
        }
    }

    fn add(self, other: Amount) -> Result<Amount> {
        Ok(match (self, other) {
            (Amount::Area(a), Amount::Area(b)) => Amount::Area(a.checked_add(b)?),
            (Amount::Money(a), Amount::Money(b)) => Amount::Money(a.checked_add(b)?),
            (Amount::Count(a), Amount::Count(b)) => Amount::Count(a + b),
            _ => return Err(Error::Internal("parts of a figure in two units".into())),
        })
    }

    /// As the report writes it: 亩 and 元 with their places, a count bare.
    #[must_use]
    pub fn to_decimal_string(self) -> String {
        match self {
            Amount::Area(m) => m.to_decimal_string(),
            Amount::Money(y) => y.to_decimal_string(),
            Amount::Count(n) => n.to_string(),
        }
    }

    /// The unit: `亩`, `元` or empty for a count.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Amount::Area(_) => "亩",
            Amount::Money(_) => "元",
            Amount::Count(_) => "",
        }
    }
}

/// One entity's part in a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// `parcel`, `enterprise` or `application`.
    pub kind: &'static str,
    /// The entity's id.
    pub entity_id: u64,
    /// The parcel's code, the firm's credit code, the application's title.
    pub code: Option<String>,
    /// The firm's name; a parcel's holder; an application's applicant.
    pub name: Option<String>,
    /// Its part of the figure.
    pub amount: Amount,
    /// The event that put it in: the latest in force of the kinds the
    /// figure counts (else the entity's latest in force), its date, and
    /// where it came from.
    pub event_id: Option<EventId>,
    /// That event's name (`allocated`…).
    pub event: Option<&'static str>,
    /// That event's valid date.
    pub date: Option<NaiveDate>,
    /// Where the entity's part came from.
    pub origin: Origin,
}

/// What makes a figure: its parts, or for a rate the figures it combines.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The figure's field name (`certified_mu`).
    pub figure: String,
    /// Its value; `None` for a rate.
    pub value: Option<Amount>,
    /// The date it is of.
    pub as_of: NaiveDate,
    /// For a rate: how it is made (`supplied_mu / (supplied_mu + developed reserve)`).
    pub derived: Option<String>,
    /// For a rate: the inputs it combines, each with its value as shown
    /// and the event that put it in, with its source.
    pub inputs: Vec<Input>,
    /// What the parts add up to: the figure itself, or for a rate the
    /// input they make (`land_mu`).
    pub parts_of: Option<String>,
    /// Each entity's part, in id order; those of no part are left out.
    pub parts: Vec<Part>,
}

/// One input of a rate (a firm's tax in a year, its land).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The input's name (`tax_yuan`, `land_mu`).
    pub name: String,
    /// The value as shown, with its unit (`150万元`, `120.5亩`).
    pub value: String,
    /// The event that put it in, if one did.
    pub event_id: Option<EventId>,
    /// Where that event came from.
    pub origin: Option<Origin>,
}

impl Explanation {
    /// The sum of the parts (`None` for a rate or no parts).
    ///
    /// # Errors
    /// [`Error::Validation`] on an overflowing sum.
    pub fn total(&self) -> Result<Option<Amount>> {
        let mut parts = self.parts.iter().map(|p| p.amount);
        let Some(first) = parts.next() else {
            return Ok(self.value.map(|v| match v {
                Amount::Area(_) => Amount::Area(Mu::ZERO),
                Amount::Money(_) => Amount::Money(Yuan::ZERO),
                Amount::Count(_) => Amount::Count(0),
            }));
        };
        parts.try_fold(first, Amount::add).map(Some)
    }

    /// The parts as a table: `kind`, `entity_id`, `code`, `name`, `amount`
    /// (decimal 亩 or 元, or a count; its unit in the field's metadata),
    /// `event_id`, `event`, `date`, then the source columns of the events
    /// table (`source`, `source_by`, `source_host`, `import_id`,
    /// `source_file`, `source_sheet`, `source_row`). The schema's metadata
    /// says `figure`, `value`, `as_of`, `parts_of` and, for a rate,
    /// `derived` and its `inputs`.
    ///
    /// # Errors
    /// Never in practice; a column mismatch would be a bug.
    pub fn to_table(&self) -> Result<RecordBatch> {
        use crate::tables::Columns;
        let p = &self.parts;
        let mut c = Columns::default();
        c.text("kind", p.iter().map(|p| Some(p.kind)));
        c.id("entity_id", p.iter().map(|p| Some(p.entity_id)));
        c.text("code", p.iter().map(|p| p.code.as_deref()));
        c.text("name", p.iter().map(|p| p.name.as_deref()));
        match self.value {
            Some(Amount::Area(_)) => {
                c.mu(
                    "amount",
                    p.iter().map(|p| match p.amount {
                        Amount::Area(m) => Some(m),
                        _ => None,
                    }),
                )?;
                c.unit("亩");
            }
            Some(Amount::Money(_)) => {
                c.yuan(
                    "amount",
                    p.iter().map(|p| match p.amount {
                        Amount::Money(y) => Some(y),
                        _ => None,
                    }),
                )?;
                c.unit("元");
            }
            _ => c.id(
                "amount",
                p.iter().map(|p| match p.amount {
                    Amount::Count(n) => Some(n),
                    _ => None,
                }),
            ),
        }
        c.id("event_id", p.iter().map(|p| p.event_id.map(|e| e.0)));
        c.text("event", p.iter().map(|p| p.event));
        c.date("date", p.iter().map(|p| p.date));
        crate::tables::origin_columns(&mut c, p.iter().map(|p| &p.origin));
        let batch = c.finish()?;
        let mut meta = HashMap::from([
            ("figure".to_owned(), self.figure.clone()),
            ("as_of".to_owned(), self.as_of.to_string()),
        ]);
        if let Some(v) = self.value {
            meta.insert("value".to_owned(), v.to_decimal_string());
        }
        if let Some(d) = &self.derived {
            meta.insert("derived".to_owned(), d.clone());
        }
        if let Some(of) = &self.parts_of {
            meta.insert("parts_of".to_owned(), of.clone());
        }
        if !self.inputs.is_empty() {
            let inputs: Vec<String> = self
                .inputs
                .iter()
                .map(|i| {
                    let mut s = format!("{}={}", i.name, i.value);
                    if let (Some(id), Some(o)) = (i.event_id, &i.origin) {
                        let _ = write!(s, " (#{} {})", id.0, o.describe());
                    }
                    s
                })
                .collect();
            meta.insert("inputs".to_owned(), inputs.join("; "));
        }
        let schema = batch.schema().as_ref().clone().with_metadata(meta);
        batch
            .with_schema(Arc::new(schema))
            .map_err(|e| Error::Internal(format!("an explanation's table: {e}")))
    }
}

/// Which entities a figure sums over, and the events that put one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Over {
    Parcels(&'static [&'static str]),
    Firms(&'static [&'static str]),
    Applications(&'static [&'static str]),
}

/// The report's figures: what each sums over. The land figures of a
/// summary are the parcels'.
fn over(figure: &str) -> Option<Over> {
    use Over::{Applications as A, Firms as F, Parcels as P};
    Some(match figure {
        "requisitioned_mu" | "parcel_count" => P(&["requisitioned", "registered", "split_from"]),
        "requisitioned_in_year_mu" => P(&["requisitioned"]),
        "developed_mu" | "developed_in_year_mu" => P(&["developed"]),
        "certified_mu" | "certified_in_year_mu" => P(&["certified"]),
        "supplied_mu" => P(&["allocated", "transferred", "conveyed", "registered"]),
        "reserve_mu" => P(&["requisitioned", "registered", "split_from", "reclaimed"]),
        "under_construction_mu" => P(&["construction_started"]),
        "completed_mu" => P(&["completed"]),
        "idle_mu" | "idle_count" => P(&["idle_declared", "allocated"]),
        "reclaimed_mu" | "reclaimed_count" | "reclaimed_in_year_mu" => P(&["reclaimed"]),
        "commercial_tendered_mu" | "commercial_tendered_count" => P(&["allocated"]),
        "land_cost_yuan" | "land_cost" | "compensation_paid_yuan" => P(&["compensation_paid"]),
        "land_price_collected_yuan" | "idle_fee_collected_yuan" => {
            P(&["payment_received", "payment_refunded"])
        }
        "land_price_outstanding_yuan" => P(&["payments_scheduled", "allocated", "written_off"]),
        "idle_fee_outstanding_yuan" => P(&["idle_declared", "written_off"]),
        "projects_signed" | "projects_on_reclaimed_land" => F(&["signed"]),
        "capital_increases" | "capital_increase_land_mu" | "capital_increase_yuan" => {
            F(&["capital_increased"])
        }
        "in_production" => F(&["in_production"]),
        "under_construction" => F(&["construction_started"]),
        "output_value_yuan" | "tax_yuan" => F(&["year_reported"]),
        "tenants" | "tenants_signed" => F(&["leased"]),
        "high_tech_firms" | "qualifications_in_year" => F(&["qualified"]),
        "honours_in_year" => F(&["honoured"]),
        "inspections_in_year" | "surprise_inspections_in_year" => F(&["inspected"]),
        "incidents_in_year" | "casualties_in_year" => F(&["incident_reported"]),
        "complaints_in_year" => F(&["complaint_received"]),
        "open_compliance_items" => F(&["inspected", "complaint_received"]),
        "management_fee_collected_yuan" => F(&["fee_paid", "fee_refunded"]),
        "management_fee_outstanding_yuan" => F(&["fee_written_off", "fee_paid"]),
        "applications_received" => A(&["received"]),
        "disbursed_yuan" => A(&["disbursed"]),
        "repaid_yuan" => A(&["repaid"]),
        "recovered_yuan" => A(&["recovered"]),
        "overdue_yuan" | "overdue_count" => A(&["disbursed", "approved"]),
        _ => return None,
    })
}

/// How a rate is made, for the figures that are not sums.
fn derived(figure: &str) -> Option<&'static str> {
    Some(match figure {
        "supply_rate" => {
            "supplied_mu / (supplied_mu + the developed land of the reserve): 土地供应率"
        }
        "built_rate" => "completed_mu / supplied_mu: 建成率",
        "land_cost_per_mu_yuan" => "land_cost_yuan / requisitioned_mu, to the fen",
        _ => return None,
    })
}

/// The value of `figure` in a report, if it has one by that name.
fn report_value(r: &AnnualReport, figure: &str) -> Option<Amount> {
    r.areas()
        .iter()
        .find(|(f, _)| *f == figure)
        .map(|(_, v)| Amount::Area(*v))
        .or_else(|| {
            r.amounts()
                .iter()
                .find(|(f, _)| *f == figure)
                .map(|(_, v)| Amount::Money(*v))
        })
        .or_else(|| {
            r.counts()
                .iter()
                .find(|(f, _)| *f == figure)
                .map(|(_, v)| Amount::Count(*v))
        })
}

/// The value of `figure` among a land summary's totals.
fn land_value(f: &LandFigures, figure: &str) -> Option<Amount> {
    f.areas()
        .iter()
        .find(|(l, _)| l.field == figure)
        .map(|(_, v)| Amount::Area(*v))
        .or_else(|| {
            f.counts()
                .iter()
                .find(|(n, _)| *n == figure)
                .map(|(_, v)| Amount::Count(*v))
        })
        .or_else(|| {
            (figure == "land_cost_yuan" || figure == "land_cost")
                .then_some(Amount::Money(f.land_cost))
        })
}

fn unknown(figure: &str, what: &str, names: impl Iterator<Item = &'static str>) -> Error {
    Error::validation(
        "figure",
        format!(
            "{} is not a figure of {what}; its figures are: {}",
            crate::text::shown(figure),
            names.collect::<Vec<_>>().join(", ")
        ),
    )
}

impl View<'_> {
    /// What makes `figure` of the land summary of this view's date
    /// ([`View::land_summary`]): each parcel's part (its area where it
    /// counts, 1 for a count, its land cost), with the event that put it
    /// in; the parts add up to the figure.
    ///
    /// # Errors
    /// [`Error::Validation`] for a name that is no figure of the summary
    /// (the message lists them); storage errors.
    pub fn explain_land(&self, figure: &str) -> Result<Explanation> {
        self.consistently(|v| {
            let date = v.date();
            let parcels = v.all_parcels()?;
            let total = LandSummary::from_parcels(date, &parcels)?.total;
            let names = || {
                LandFigures::AREAS
                    .iter()
                    .map(|a| a.field)
                    .chain([
                        "parcel_count",
                        "idle_count",
                        "reclaimed_count",
                        "land_cost_yuan",
                    ])
                    .chain(["land_cost_per_mu_yuan"])
            };
            if let Some(how) = derived(figure).filter(|_| figure == "land_cost_per_mu_yuan") {
                return Ok(Explanation {
                    figure: figure.to_owned(),
                    value: total.land_cost_per_mu().map(Amount::Money),
                    as_of: date,
                    derived: Some(how.to_owned()),
                    inputs: Vec::new(),
                    parts_of: None,
                    parts: Vec::new(),
                });
            }
            let value = land_value(&total, figure)
                .ok_or_else(|| unknown(figure, "the land summary", names()))?;
            let events = over(figure).map_or(&[][..], |o| match o {
                Over::Parcels(e) | Over::Firms(e) | Over::Applications(e) => e,
            });
            let holders = holder_names(v)?;
            let mut parts = Vec::new();
            for p in &parcels {
                let part = LandSummary::from_parcels(date, std::slice::from_ref(p))?.total;
                let Some(amount) = land_value(&part, figure).filter(|a| !a.is_zero()) else {
                    continue;
                };
                parts.push(v.parcel_part(p, amount, events, date, &holders)?);
            }
            Ok(Explanation {
                figure: figure.to_owned(),
                value: Some(value),
                as_of: date,
                derived: None,
                inputs: Vec::new(),
                parts_of: Some(figure.to_owned()),
                parts,
            })
        })
    }

    /// What makes `figure` of the annual report of `year`
    /// ([`View::annual_report`]): each parcel's, firm's or application's
    /// part, made by the function that makes the report of them all, with
    /// the event that put it in and its source; the parts add up to the
    /// figure. A rate names the figures it combines.
    ///
    /// # Errors
    /// [`Error::Validation`] for a name that is no figure of the report
    /// (the message lists them); storage errors.
    pub fn explain_report(&self, year: i32, figure: &str) -> Result<Explanation> {
        self.consistently(|v| {
            let end = v.report_day(year)?;
            let inputs = v.report_inputs(year, end)?;
            let all = inputs.of_all();
            let report = figures(&all)?;
            let names = || {
                report
                    .areas()
                    .map(|a| a.0)
                    .into_iter()
                    .chain(report.amounts().map(|a| a.0))
                    .chain(report.counts().map(|c| c.0))
                    .chain(["supply_rate", "built_rate"])
            };
            if let Some(how) = derived(figure).filter(|_| figure != "land_cost_per_mu_yuan") {
                return Ok(Explanation {
                    figure: figure.to_owned(),
                    value: None,
                    as_of: inputs.end,
                    derived: Some(how.to_owned()),
                    inputs: Vec::new(),
                    parts_of: None,
                    parts: Vec::new(),
                });
            }
            let value = report_value(&report, figure)
                .ok_or_else(|| unknown(figure, "the annual report", names()))?;
            let over = over(figure).ok_or_else(|| {
                Error::Internal(format!(
                    "the report's figure {figure} says not what it sums"
                ))
            })?;
            let holders = holder_names(v)?;
            let one = |parcels: &[Parcel], firms: &[Enterprise], apps: &[Application], later| {
                let report = figures(&Inputs {
                    parcels,
                    firms,
                    apps,
                    later,
                    ..inputs.of_all()
                })?;
                Ok::<_, Error>(report_value(&report, figure).filter(|a| !a.is_zero()))
            };
            let mut parts = Vec::new();
            match over {
                Over::Parcels(events) => {
                    for p in &inputs.parcels {
                        if let Some(amount) = one(std::slice::from_ref(p), &[], &[], &[])? {
                            parts.push(v.parcel_part(p, amount, events, inputs.end, &holders)?);
                        }
                    }
                }
                Over::Firms(events) => {
                    // A firm's part reads the parcels it ever held (its fees
                    // run over its tenure, its projects over the land it
                    // holds) and its record as it stands.
                    let mut held: HashMap<u64, Vec<Parcel>> = HashMap::new();
                    for p in &inputs.parcels {
                        let mut holders: Vec<u64> =
                            p.tenure.iter().filter_map(|t| t.1.map(|h| h.0)).collect();
                        holders.extend(p.holder.map(|h| h.0));
                        holders.sort_unstable();
                        holders.dedup();
                        for h in holders {
                            held.entry(h).or_default().push(p.clone());
                        }
                    }
                    let later: HashMap<u64, &Enterprise> =
                        inputs.later.iter().map(|e| (e.id.0, e)).collect();
                    let mut ids: Vec<u64> = inputs.firms.iter().map(|e| e.id.0).collect();
                    ids.extend(inputs.later.iter().map(|e| e.id.0));
                    ids.sort_unstable();
                    ids.dedup();
                    let firms: HashMap<u64, &Enterprise> =
                        inputs.firms.iter().map(|e| (e.id.0, e)).collect();
                    for id in ids {
                        let own = firms.get(&id).map(|e| std::slice::from_ref(*e));
                        let now = later.get(&id).map(|e| std::slice::from_ref(*e));
                        let parcels = held.get(&id).map_or(&[][..], Vec::as_slice);
                        let Some(amount) =
                            one(parcels, own.unwrap_or(&[]), &[], now.unwrap_or(&[]))?
                        else {
                            continue;
                        };
                        let e = own.or(now).and_then(<[Enterprise]>::first);
                        if let Some(e) = e {
                            parts.push(v.firm_part(e, amount, events, inputs.end)?);
                        }
                    }
                }
                Over::Applications(events) => {
                    for a in &inputs.apps {
                        if let Some(amount) = one(&[], &[], std::slice::from_ref(a), &[])? {
                            parts
                                .push(v.application_part(a, amount, events, inputs.end, &holders)?);
                        }
                    }
                }
            }
            Ok(Explanation {
                figure: figure.to_owned(),
                value: Some(value),
                as_of: inputs.end,
                derived: None,
                inputs: Vec::new(),
                parts_of: Some(figure.to_owned()),
                parts,
            })
        })
    }

    fn parcel_part(
        &self,
        p: &Parcel,
        amount: Amount,
        events: &[&str],
        until: NaiveDate,
        holders: &HashMap<u64, String>,
    ) -> Result<Part> {
        let history = self.parcel_history(p.id)?;
        let (event_id, event, date, origin) =
            self.deciding(&history, events, until, crate::land::ParcelEvent::name)?;
        Ok(Part {
            kind: "parcel",
            entity_id: p.id.0,
            code: Some(p.code.clone()),
            name: p.holder.and_then(|h| holders.get(&h.0).cloned()),
            amount,
            event_id,
            event,
            date,
            origin,
        })
    }

    fn firm_part(
        &self,
        e: &Enterprise,
        amount: Amount,
        events: &[&str],
        until: NaiveDate,
    ) -> Result<Part> {
        let history = self.enterprise_history(e.id)?;
        let (event_id, event, date, origin) = self.deciding(
            &history,
            events,
            until,
            crate::enterprise::EnterpriseEvent::name,
        )?;
        Ok(Part {
            kind: "enterprise",
            entity_id: e.id.0,
            code: e.credit_code.clone(),
            name: Some(e.name.clone()),
            amount,
            event_id,
            event,
            date,
            origin,
        })
    }

    fn application_part(
        &self,
        a: &Application,
        amount: Amount,
        events: &[&str],
        until: NaiveDate,
        holders: &HashMap<u64, String>,
    ) -> Result<Part> {
        let history = self.application_history(a.id)?;
        let (event_id, event, date, origin) =
            self.deciding(&history, events, until, crate::fund::ApplicationEvent::name)?;
        Ok(Part {
            kind: "application",
            entity_id: a.id.0,
            code: Some(a.title.clone()),
            name: holders.get(&a.applicant.0).cloned(),
            amount,
            event_id,
            event,
            date,
            origin,
        })
    }

    /// The event of `history` that put an entity in a figure: the latest
    /// in force by `until` named among `events`, else its latest in force.
    #[allow(clippy::type_complexity)]
    fn deciding<B>(
        &self,
        history: &[HistoryEntry<B>],
        events: &[&str],
        until: NaiveDate,
        name: impl Fn(&B) -> &'static str,
    ) -> Result<(
        Option<EventId>,
        Option<&'static str>,
        Option<NaiveDate>,
        Origin,
    )> {
        let in_force: Vec<(&HistoryEntry<B>, &'static str)> = history
            .iter()
            .filter(|h| h.voided_by.is_none() && h.event.valid <= until)
            .filter_map(|h| match &h.event.body {
                Body::Domain(b) => Some((h, name(b))),
                Body::Void { .. } => None,
            })
            .collect();
        let chosen = in_force
            .iter()
            .rev()
            .find(|(_, n)| events.contains(n))
            .or_else(|| in_force.last());
        let Some((h, n)) = chosen else {
            return Ok((None, None, None, Origin::UNKNOWN));
        };
        let origin = self.origin(h.event.id)?;
        let date = Some(h.event.valid).filter(|d| *d != NaiveDate::MIN);
        Ok((Some(h.event.id), Some(*n), date, origin))
    }
}

/// The names of the firms, by id, as the view knows them.
fn holder_names(v: &View<'_>) -> Result<HashMap<u64, String>> {
    Ok(v.enterprises()?
        .into_iter()
        .map(|e| (e.id.0, e.name))
        .collect())
}

/// The totals of the receivables table an explanation adds up.
const RECEIVABLE_FIGURES: [&str; 6] = [
    "amount_yuan",
    "due_yuan",
    "paid_yuan",
    "written_off_yuan",
    "outstanding_yuan",
    "overdue_yuan",
];

impl View<'_> {
    /// What makes a total of the receivables of this view's date
    /// ([`View::receivables`]): `figure` one of its amounts
    /// (`outstanding_yuan`, `overdue_yuan`, `due_yuan`, `paid_yuan`,
    /// `written_off_yuan`, `amount_yuan`), of one `charge` or all. Each debt
    /// is a part (a parcel's land price or idle fee, a firm's management
    /// fee), with the event that put it in and its source; the parts add
    /// up to the column's total.
    ///
    /// # Errors
    /// [`Error::Validation`] for another name; storage errors.
    pub fn explain_receivables(
        &self,
        figure: &str,
        charge: Option<crate::money::Charge>,
    ) -> Result<Explanation> {
        use crate::money::Charge;
        if !RECEIVABLE_FIGURES.contains(&figure) {
            return Err(unknown(
                figure,
                "the receivables",
                RECEIVABLE_FIGURES.into_iter(),
            ));
        }
        self.consistently(|v| {
            let date = v.date();
            let rows = v.receivables()?;
            let holders = holder_names(v)?;
            let mut parts = Vec::new();
            let mut value = Yuan::ZERO;
            for r in rows.iter().filter(|r| charge.is_none_or(|c| c == r.charge)) {
                let p = &r.position;
                let amount = match figure {
                    "amount_yuan" => p.amount,
                    "due_yuan" => p.due,
                    "paid_yuan" => p.paid,
                    "written_off_yuan" => p.written_off,
                    "outstanding_yuan" => p.outstanding,
                    _ => p.overdue,
                };
                value = value.checked_add(amount)?;
                if amount == Yuan::ZERO {
                    continue;
                }
                let events: &[&str] = match (r.charge, figure) {
                    (Charge::ManagementFee, "paid_yuan") => &["fee_paid", "fee_refunded"],
                    (Charge::ManagementFee, "written_off_yuan") => &["fee_written_off"],
                    (Charge::ManagementFee, _) => &["leased", "signed", "registered"],
                    (_, "paid_yuan") => &["payment_received", "payment_refunded"],
                    (_, "written_off_yuan") => &["written_off"],
                    (Charge::IdleFee, _) => &["idle_declared"],
                    _ => &["payments_scheduled", "allocated", "transferred"],
                };
                let mut part = match &r.parcel {
                    Some((id, _)) => {
                        let parcel = v.parcel(*id)?;
                        v.parcel_part(&parcel, Amount::Money(amount), events, date, &holders)?
                    }
                    None => {
                        let firm = v.enterprise(r.debtor)?;
                        v.firm_part(&firm, Amount::Money(amount), events, date)?
                    }
                };
                part.name = holders.get(&r.debtor.0).cloned().or(part.name);
                parts.push(part);
            }
            Ok(Explanation {
                figure: match charge {
                    Some(c) => format!("{figure} ({})", c.code()),
                    None => figure.to_owned(),
                },
                value: Some(Amount::Money(value)),
                as_of: date,
                derived: None,
                inputs: Vec::new(),
                parts_of: Some(figure.to_owned()),
                parts,
            })
        })
    }

    /// What makes a firm's value of `metric` in the evaluation of `year`
    /// ([`View::enterprise_years`]): a rate, so the explanation names its
    /// inputs (the figure the firm reported, with the event and its source,
    /// and the land), and its parts are the parcels whose areas make the
    /// land (`parts_of` is `land_mu`). A value that cannot be computed says
    /// why.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a firm the register does not hold;
    /// [`Error::Validation`] for an unknown metric; storage errors.
    pub fn explain_evaluation(
        &self,
        year: i32,
        firm: crate::ids::EnterpriseId,
        metric: crate::indicators::Metric,
        include_leased: bool,
    ) -> Result<Explanation> {
        use crate::indicators::Metric;
        self.consistently(|v| {
            let end = crate::report::year_end(year)?;
            let at = v.as_of(end);
            let candidates = v.enterprise_years(year, include_leased)?;
            let c = candidates
                .iter()
                .find(|c| c.enterprise == firm)
                .ok_or_else(|| Error::not_found(crate::Entity::Enterprise, firm.to_string()))?;
            let e = at.enterprise(firm)?;
            let figures = e.yearly.get(year);
            let history = at.enterprise_history(firm)?;
            let reported = history.iter().rev().find(|h| {
                h.voided_by.is_none()
                    && matches!(&h.event.body, Body::Domain(crate::enterprise::EnterpriseEvent::YearReported { year: y, .. }) if *y == year)
            });
            let (event_id, origin) = match reported {
                Some(h) => (Some(h.event.id), Some(v.origin(h.event.id)?)),
                None => (None, None),
            };
            let input = |name: &str, value: String| Input {
                name: name.to_owned(),
                value,
                event_id,
                origin: origin.clone(),
            };
            let money = |y: Option<Yuan>| y.map_or_else(|| "未报送".to_owned(), Yuan::report_wan);
            let quantity = |q: Option<crate::units::Quantity>, unit: &str| {
                q.map_or_else(|| "未报送".to_owned(), |q| format!("{}{unit}", q.to_decimal_string()))
            };
            let f = figures.as_ref();
            let (numerator, denominator): (Input, Option<Input>) = match metric {
                Metric::TaxPerMu => (input("tax", money(f.and_then(|f| f.tax))), None),
                Metric::ValueAddedPerMu => {
                    (input("value_added", money(f.and_then(|f| f.value_added))), None)
                }
                Metric::InvestmentPerMu => (
                    Input {
                        name: "investment".into(),
                        value: e.total_investment().map_or_else(|e| e.to_string(), Yuan::report_wan),
                        event_id: None,
                        origin: None,
                    },
                    None,
                ),
                Metric::ValueAddedPerEnergy => (
                    input("value_added", money(f.and_then(|f| f.value_added))),
                    Some(input("energy", quantity(f.and_then(|f| f.energy_tce), "吨标煤"))),
                ),
                Metric::ValueAddedPerEmission => (
                    input("value_added", money(f.and_then(|f| f.value_added))),
                    Some(input("emissions", quantity(f.and_then(|f| f.emissions_t), "吨"))),
                ),
                Metric::LabourProductivity => (
                    input("value_added", money(f.and_then(|f| f.value_added))),
                    Some(input(
                        "employees",
                        f.and_then(|f| f.employees).map_or_else(|| "未报送".to_owned(), |n| format!("{n}人")),
                    )),
                ),
                Metric::RdRatio => (
                    input("rd", money(f.and_then(|f| f.rd))),
                    Some(input("revenue", money(f.and_then(|f| f.revenue)))),
                ),
                Metric::TaxPerElectricity => (
                    input("tax", money(f.and_then(|f| f.tax))),
                    Some(input("electricity", quantity(f.and_then(|f| f.electricity_kwh), "千瓦时"))),
                ),
            };
            let per_land = denominator.is_none();
            let value = c.values.get(&metric).map_or_else(
                || "not computed".to_owned(),
                |d| match d {
                    Ok(x) => format!("{x:.4} {}", metric.unit()),
                    Err(why) => format!("missing: {why}"),
                },
            );
            let mut inputs = vec![numerator];
            let mut parts = Vec::new();
            if per_land {
                inputs.push(Input {
                    name: "land_mu".into(),
                    value: format!("{}亩", c.land.to_decimal_string()),
                    event_id: None,
                    origin: None,
                });
                let holders = holder_names(v)?;
                let mut held = Mu::ZERO;
                for p in at.all_parcels()? {
                    if p.retired.is_none() && p.holder == Some(firm) {
                        held = held.checked_add(p.area)?;
                        let events = &["allocated", "transferred"];
                        parts.push(at.parcel_part(&p, Amount::Area(p.area), events, end, &holders)?);
                    }
                }
                // Leased floor space counts as land where the scheme says so:
                // the parcels then make the land held.
                if held != c.land {
                    inputs.push(Input {
                        name: "land_held_mu".into(),
                        value: format!("{}亩", held.to_decimal_string()),
                        event_id: None,
                        origin: None,
                    });
                }
            } else if let Some(d) = denominator {
                inputs.push(d);
            }
            let how = format!(
                "{} / {} = {value}",
                inputs[0].name,
                inputs[1].name
            );
            let parts_of = per_land.then(|| {
                inputs
                    .last()
                    .map_or_else(|| "land_mu".to_owned(), |i| i.name.clone())
            });
            Ok(Explanation {
                figure: format!("{} of {}", metric.code(), c.name),
                value: None,
                as_of: end,
                derived: Some(how),
                inputs,
                parts_of,
                parts,
            })
        })
    }
}
