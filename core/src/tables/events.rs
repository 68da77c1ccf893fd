//! The events table: one row per event of every ledger, with each event's
//! own facts as typed columns, so that "land supplied per year" is a group
//! by over `allocated` events rather than over the latest supply date.

use super::*;
use crate::enterprise::EnterpriseEvent;
use crate::fund::{ApplicationEvent, ProgrammeEvent};
use crate::indicators::IndicatorEvent;
use crate::land::ParcelEvent;
use crate::provenance::{Origin, Sources, UnitSource};

/// An event's own facts, as the events table's columns; `None` where the
/// event has no such fact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The enterprise an allocation supplies, or an application's applicant.
    pub holder_id: Option<u64>,
    /// The enterprise a transfer passes the parcel to.
    pub to_id: Option<u64>,
    /// The programme an application is made to.
    pub programme_id: Option<u64>,
    /// An area in 亩: a requisition's, the land of a signing or a capital
    /// increase, a boundary's surveyed area.
    pub area_mu: Option<Mu>,
    /// A leased floor area in ㎡.
    pub area_m2: Option<Quantity>,
    /// The price of an allocation or a transfer.
    pub price_yuan: Option<Yuan>,
    /// An idle-land fee.
    pub fee_yuan: Option<Yuan>,
    /// Money moved or promised: a disbursement, repayment, recovery, a
    /// request, an award's total, an investment, a budget.
    pub amount_yuan: Option<Yuan>,
    /// `grant`, `interest_subsidy` or `loan`, for a disbursement.
    pub award_kind: Option<&'static str>,
    /// The supply method of an allocation.
    pub method: Option<&'static str>,
    /// The land use of a requisition.
    pub land_use: Option<&'static str>,
    /// A programme's year, or the year a report of figures is for.
    pub year: Option<i32>,
    /// A certificate's number.
    pub certificate: Option<String>,
    /// The reason of a reclaim, suspension, closing, rejection, write-off or void.
    pub reason: Option<String>,
    /// A boundary set, as WKT, and its coordinate system (`EPSG:4527`).
    pub boundary_wkt: Option<String>,
    /// The boundary's coordinate system (`EPSG:4527`).
    pub crs: Option<String>,
    /// A note (备注) set.
    pub note: Option<String>,
    /// What a payment, refund, write-off or collection step is for
    /// (`land_price`, `idle_fee`, `management_fee`).
    pub charge: Option<&'static str>,
    /// What a compensation paid by the zone is for (`land`, `resettlement`,
    /// `attachments`, `swap`, `certification`).
    pub compensation: Option<&'static str>,
    /// A collection step (`notice`, `meeting`, `legal`).
    pub action: Option<&'static str>,
    /// A payment's or refund's voucher.
    pub reference: Option<String>,
    /// Who a compensation was paid to.
    pub payee: Option<String>,
    /// A qualification's kind (`high_tech`, `backbone`…).
    pub qualification: Option<&'static str>,
    /// What an inspection, incident or complaint is about (`environment`,
    /// `safety`).
    pub domain: Option<&'static str>,
    /// The building a register event is about, and the stage it reached
    /// or plans.
    pub building: Option<String>,
    /// The stage reached or planned (`in_use`…).
    pub stage: Option<&'static str>,
}

impl Facts {
    fn payment(p: &crate::money::Payment) -> Facts {
        Facts {
            holder_id: p.payer.map(|e| e.0),
            amount_yuan: Some(p.amount),
            charge: Some(p.charge.code()),
            reference: p.reference.clone(),
            ..Facts::default()
        }
    }

    fn refund(r: &crate::money::Refund) -> Facts {
        Facts {
            holder_id: r.payer.map(|e| e.0),
            amount_yuan: Some(r.amount),
            charge: Some(r.charge.code()),
            reference: r.reference.clone(),
            ..Facts::default()
        }
    }

    fn write_off(w: &crate::money::WriteOff) -> Facts {
        Facts {
            holder_id: w.debtor.map(|e| e.0),
            amount_yuan: Some(w.amount),
            charge: Some(w.charge.code()),
            reason: Some(w.reason.clone()),
            ..Facts::default()
        }
    }

    fn collection(c: &crate::money::Collection) -> Facts {
        Facts {
            charge: Some(c.charge.code()),
            action: Some(c.action.code()),
            note: c.note.clone(),
            ..Facts::default()
        }
    }
}

/// The facts of an event of one ledger.
pub trait EventFacts {
    /// The facts of this event, as the events table's columns hold them.
    fn facts(&self) -> Facts;
}

impl EventFacts for ParcelEvent {
    fn facts(&self) -> Facts {
        match self {
            ParcelEvent::Requisitioned { area, land_use, .. } => Facts {
                area_mu: Some(*area),
                land_use: Some(land_use.code()),
                ..Facts::default()
            },
            ParcelEvent::Registered {
                area,
                land_use,
                holder,
                ..
            } => Facts {
                area_mu: Some(*area),
                land_use: Some(land_use.code()),
                holder_id: holder.map(|h| h.0),
                ..Facts::default()
            },
            ParcelEvent::ContractAgreed(c) => Facts {
                amount_yuan: Yuan::sum(c.instalments.iter().copied())
                    .ok()
                    .filter(|_| !c.instalments.is_empty()),
                note: c.project.clone(),
                ..Facts::default()
            },
            ParcelEvent::Mortgaged(m) => Facts {
                amount_yuan: Some(m.amount),
                area_mu: m.area,
                certificate: m.right_certificate.clone(),
                ..Facts::default()
            },
            ParcelEvent::SplitFrom { state, .. } => Facts {
                area_mu: Some(state.area),
                ..Facts::default()
            },
            ParcelEvent::Certified { number } => Facts {
                certificate: Some(number.clone()),
                ..Facts::default()
            },
            ParcelEvent::Allocated {
                holder,
                method,
                price,
                ..
            } => Facts {
                holder_id: Some(holder.0),
                method: Some(method.code()),
                price_yuan: Some(*price),
                ..Facts::default()
            },
            ParcelEvent::IdleDeclared { fee } => Facts {
                fee_yuan: Some(*fee),
                ..Facts::default()
            },
            ParcelEvent::Reclaimed { reason } => Facts {
                reason: Some(reason.clone()).filter(|r| !r.is_empty()),
                ..Facts::default()
            },
            ParcelEvent::Conveyed { to, price, how } => Facts {
                to_id: Some(to.0),
                price_yuan: *price,
                method: None,
                reason: how.clone(),
                ..Facts::default()
            },
            ParcelEvent::Transferred { to, price } => Facts {
                to_id: Some(to.0),
                price_yuan: Some(*price),
                ..Facts::default()
            },
            ParcelEvent::BoundarySet { boundary } => {
                let b = boundary
                    .as_ref()
                    .and_then(|b| crate::geometry::Boundary::from_stored(b).ok());
                Facts {
                    area_mu: b.as_ref().map(crate::geometry::Boundary::area),
                    boundary_wkt: b.as_ref().map(crate::geometry::Boundary::to_wkt),
                    crs: b.map(|b| b.crs().to_string()),
                    ..Facts::default()
                }
            }
            ParcelEvent::Noted { note } => Facts {
                note: note.clone(),
                ..Facts::default()
            },
            ParcelEvent::PaymentsScheduled { instalments } => Facts {
                amount_yuan: Yuan::sum(instalments.iter().map(|i| i.amount)).ok(),
                charge: Some(crate::money::Charge::LandPrice.code()),
                ..Facts::default()
            },
            ParcelEvent::PaymentReceived(p) => Facts::payment(p),
            ParcelEvent::PaymentRefunded(r) => Facts::refund(r),
            ParcelEvent::WrittenOff(w) => Facts::write_off(w),
            ParcelEvent::CollectionTaken(c) => Facts::collection(c),
            ParcelEvent::CompensationPaid(c) => Facts {
                amount_yuan: Some(c.amount),
                area_mu: c.area,
                compensation: Some(c.kind.code()),
                reference: c.reference.clone(),
                payee: Some(c.payee.clone()),
                ..Facts::default()
            },
            ParcelEvent::BuildingRegistered(b) => Facts {
                area_m2: Some(b.floor_area_m2),
                building: Some(b.code.clone()),
                ..Facts::default()
            },
            ParcelEvent::BuildingStageReached { code, stage }
            | ParcelEvent::BuildingStagePlanned { code, stage, .. } => Facts {
                building: Some(code.clone()),
                stage: Some(stage.code()),
                ..Facts::default()
            },
            ParcelEvent::Developed
            | ParcelEvent::ConstructionStarted
            | ParcelEvent::Completed
            | ParcelEvent::BuildingsReported { .. }
            | ParcelEvent::Split { .. } => Facts::default(),
        }
    }
}

impl EventFacts for EnterpriseEvent {
    fn facts(&self) -> Facts {
        match self {
            EnterpriseEvent::Signed { investment, land }
            | EnterpriseEvent::CapitalIncreased { investment, land } => Facts {
                amount_yuan: Some(*investment),
                area_mu: Some(*land),
                ..Facts::default()
            },
            EnterpriseEvent::Suspended { reason } | EnterpriseEvent::Closed { reason } => Facts {
                reason: Some(reason.clone()).filter(|r| !r.is_empty()),
                ..Facts::default()
            },
            EnterpriseEvent::Noted { note } | EnterpriseEvent::Rectified { note, .. } => Facts {
                note: note.clone(),
                ..Facts::default()
            },
            EnterpriseEvent::YearReported { year, .. } => Facts {
                year: Some(*year),
                ..Facts::default()
            },
            EnterpriseEvent::Leased(lease) => Facts {
                area_m2: Some(lease.area_m2),
                ..Facts::default()
            },
            EnterpriseEvent::FeePaid(p) => Facts::payment(p),
            EnterpriseEvent::FeeRefunded(r) => Facts::refund(r),
            EnterpriseEvent::FeeWrittenOff(w) => Facts::write_off(w),
            EnterpriseEvent::FeeCollection(c) => Facts::collection(c),
            EnterpriseEvent::Qualified(q) => Facts {
                qualification: Some(q.kind.code()),
                certificate: q.number.clone(),
                note: q.programme.clone(),
                ..Facts::default()
            },
            EnterpriseEvent::QualificationRevoked {
                kind,
                number,
                reason,
            } => Facts {
                qualification: Some(kind.code()),
                certificate: number.clone(),
                reason: Some(reason.clone()),
                ..Facts::default()
            },
            EnterpriseEvent::Honoured(h) => Facts {
                year: Some(h.year),
                note: Some(format!("{}{}{}", h.level.chinese(), h.award, h.class)),
                ..Facts::default()
            },
            EnterpriseEvent::Inspected(i) => Facts {
                domain: Some(i.domain.code()),
                note: i.findings.clone(),
                ..Facts::default()
            },
            EnterpriseEvent::IncidentReported(i) => Facts {
                domain: Some(i.domain.code()),
                note: Some(i.kind.clone()),
                ..Facts::default()
            },
            EnterpriseEvent::ComplaintReceived(c) => Facts {
                domain: Some(c.domain.code()),
                note: Some(c.subject.clone()),
                ..Facts::default()
            },
            EnterpriseEvent::ComplaintResolved { resolution, .. } => Facts {
                reason: Some(resolution.clone()),
                ..Facts::default()
            },
            EnterpriseEvent::Registered { .. }
            | EnterpriseEvent::ConstructionStarted
            | EnterpriseEvent::InProduction
            | EnterpriseEvent::Resumed
            | EnterpriseEvent::IdRecorded { .. }
            | EnterpriseEvent::LeaseEnded { .. } => Facts::default(),
        }
    }
}

impl EventFacts for ProgrammeEvent {
    fn facts(&self) -> Facts {
        match self {
            ProgrammeEvent::Created { year, budget, .. } => Facts {
                year: Some(*year),
                amount_yuan: Some(*budget),
                ..Facts::default()
            },
            ProgrammeEvent::BudgetChanged { budget } => Facts {
                amount_yuan: Some(*budget),
                ..Facts::default()
            },
        }
    }
}

impl EventFacts for ApplicationEvent {
    fn facts(&self) -> Facts {
        match self {
            ApplicationEvent::Received {
                programme,
                applicant,
                requested,
                ..
            } => Facts {
                programme_id: Some(programme.0),
                holder_id: Some(applicant.0),
                amount_yuan: Some(*requested),
                ..Facts::default()
            },
            ApplicationEvent::Approved { awarded, .. } => Facts {
                amount_yuan: awarded.total().ok(),
                ..Facts::default()
            },
            ApplicationEvent::Rejected { reason } | ApplicationEvent::WrittenOff { reason } => {
                Facts {
                    reason: Some(reason.clone()).filter(|r| !r.is_empty()),
                    ..Facts::default()
                }
            }
            ApplicationEvent::Disbursed { kind, amount } => Facts {
                award_kind: Some(kind.code()),
                amount_yuan: Some(*amount),
                ..Facts::default()
            },
            ApplicationEvent::Repaid { amount } | ApplicationEvent::Recovered { amount, .. } => {
                Facts {
                    amount_yuan: Some(*amount),
                    ..Facts::default()
                }
            }
            ApplicationEvent::Reviewed { .. } | ApplicationEvent::Closed => Facts::default(),
        }
    }
}

impl EventFacts for IndicatorEvent {
    fn facts(&self) -> Facts {
        Facts::default()
    }
}

/// The facts of an event, a void's reason included.
fn facts_of<B: EventFacts>(e: &Event<B>) -> Facts {
    match &e.body {
        Body::Domain(b) => b.facts(),
        Body::Void { reason, .. } => Facts {
            reason: Some(reason.clone()),
            ..Facts::default()
        },
    }
}

/// Adds the facts' columns, in [`Facts`] order.
fn facts_columns(c: &mut Columns, facts: Vec<Facts>) -> Result<()> {
    let mut columns = FactColumns::default();
    for f in facts {
        columns.push(f);
    }
    columns.finish(c)
}

/// The facts of many events, a column each, filled one event at a time:
/// a fact's column holds a small value per event, not a whole [`Facts`].
#[derive(Default)]
struct FactColumns {
    holder_id: Vec<Option<u64>>,
    to_id: Vec<Option<u64>>,
    programme_id: Vec<Option<u64>>,
    area_mu: Vec<Option<Mu>>,
    area_m2: Vec<Option<Quantity>>,
    price_yuan: Vec<Option<Yuan>>,
    fee_yuan: Vec<Option<Yuan>>,
    amount_yuan: Vec<Option<Yuan>>,
    award_kind: Vec<Option<&'static str>>,
    method: Vec<Option<&'static str>>,
    land_use: Vec<Option<&'static str>>,
    year: Vec<Option<i32>>,
    certificate: Vec<Option<String>>,
    reason: Vec<Option<String>>,
    boundary_wkt: Vec<Option<String>>,
    crs: Vec<Option<String>>,
    note: Vec<Option<String>>,
    charge: Vec<Option<&'static str>>,
    compensation: Vec<Option<&'static str>>,
    action: Vec<Option<&'static str>>,
    reference: Vec<Option<String>>,
    payee: Vec<Option<String>>,
    qualification: Vec<Option<&'static str>>,
    domain: Vec<Option<&'static str>>,
    building: Vec<Option<String>>,
    stage: Vec<Option<&'static str>>,
}

impl FactColumns {
    /// Room for `n` events' facts.
    fn with_capacity(n: usize) -> FactColumns {
        FactColumns {
            holder_id: Vec::with_capacity(n),
            to_id: Vec::with_capacity(n),
            programme_id: Vec::with_capacity(n),
            area_mu: Vec::with_capacity(n),
            area_m2: Vec::with_capacity(n),
            price_yuan: Vec::with_capacity(n),
            fee_yuan: Vec::with_capacity(n),
            amount_yuan: Vec::with_capacity(n),
            award_kind: Vec::with_capacity(n),
            method: Vec::with_capacity(n),
            land_use: Vec::with_capacity(n),
            year: Vec::with_capacity(n),
            certificate: Vec::with_capacity(n),
            reason: Vec::with_capacity(n),
            boundary_wkt: Vec::with_capacity(n),
            crs: Vec::with_capacity(n),
            note: Vec::with_capacity(n),
            charge: Vec::with_capacity(n),
            compensation: Vec::with_capacity(n),
            action: Vec::with_capacity(n),
            reference: Vec::with_capacity(n),
            payee: Vec::with_capacity(n),
            qualification: Vec::with_capacity(n),
            domain: Vec::with_capacity(n),
            building: Vec::with_capacity(n),
            stage: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, f: Facts) {
        self.holder_id.push(f.holder_id);
        self.to_id.push(f.to_id);
        self.programme_id.push(f.programme_id);
        self.area_mu.push(f.area_mu);
        self.area_m2.push(f.area_m2);
        self.price_yuan.push(f.price_yuan);
        self.fee_yuan.push(f.fee_yuan);
        self.amount_yuan.push(f.amount_yuan);
        self.award_kind.push(f.award_kind);
        self.method.push(f.method);
        self.land_use.push(f.land_use);
        self.year.push(f.year);
        self.certificate.push(f.certificate);
        self.reason.push(f.reason);
        self.boundary_wkt.push(f.boundary_wkt);
        self.crs.push(f.crs);
        self.note.push(f.note);
        self.charge.push(f.charge);
        self.compensation.push(f.compensation);
        self.action.push(f.action);
        self.reference.push(f.reference);
        self.payee.push(f.payee);
        self.qualification.push(f.qualification);
        self.domain.push(f.domain);
        self.building.push(f.building);
        self.stage.push(f.stage);
    }

    fn finish(self, c: &mut Columns) -> Result<()> {
        c.id("holder_id", self.holder_id);
        c.id("to_id", self.to_id);
        c.id("programme_id", self.programme_id);
        c.mu("area_mu", self.area_mu)?;
        quantity(c, "area_m2", self.area_m2)?;
        c.yuan("price_yuan", self.price_yuan)?;
        c.yuan("fee_yuan", self.fee_yuan)?;
        c.yuan("amount_yuan", self.amount_yuan)?;
        c.text("award_kind", self.award_kind);
        c.text("method", self.method);
        c.text("land_use", self.land_use);
        c.int("year", self.year.into_iter().map(|y| y.map(i64::from)));
        c.text("certificate", self.certificate);
        c.text("reason", self.reason);
        c.text("boundary_wkt", self.boundary_wkt);
        c.text("crs", self.crs);
        c.text("note", self.note);
        c.text("charge", self.charge);
        c.text("compensation", self.compensation);
        c.text("action", self.action);
        c.text("reference", self.reference);
        c.text("payee", self.payee);
        c.text("qualification", self.qualification);
        c.text("domain", self.domain);
        c.text("building", self.building);
        c.text("stage", self.stage);
        Ok(())
    }
}

/// Where each event came from, as the events table's last columns:
/// `source` (its [`crate::SourceKind`] code), `source_by`, `source_host`,
/// `import_id`, `source_file`, `source_sheet` and `source_row` (the row of
/// the sheet, or a boundary file's feature number).
#[derive(Default)]
struct SourceColumns {
    kind: Vec<&'static str>,
    by: arrow_array::builder::StringBuilder,
    host: arrow_array::builder::StringBuilder,
    import: Vec<Option<u64>>,
    file: arrow_array::builder::StringBuilder,
    sheet: arrow_array::builder::StringBuilder,
    row: Vec<Option<u64>>,
}

impl SourceColumns {
    /// The origin of event `id`, which `unit` wrote (`None`: stored before
    /// sources were kept).
    fn push(&mut self, unit: Option<&UnitSource>, id: u64) {
        let Some(u) = unit else {
            self.push_origin(&Origin::UNKNOWN);
            return;
        };
        self.kind.push(u.kind.code());
        self.by.append_option(u.by.as_deref());
        self.host.append_option(u.host.as_deref());
        self.import.push(u.import);
        match u.place_of(id) {
            Some((file, sheet, row)) => {
                self.file.append_option(file.map(|f| f.name.as_str()));
                self.sheet
                    .append_option(Some(sheet).filter(|s| !s.is_empty()));
                self.row.push(Some(row));
            }
            None => {
                self.file.append_option(match u.files.as_slice() {
                    [only] => Some(only.name.as_str()),
                    _ => None,
                });
                self.sheet.append_null();
                self.row.push(None);
            }
        }
    }

    fn push_origin(&mut self, o: &Origin) {
        self.kind.push(o.kind.code());
        self.by.append_option(o.by.as_deref());
        self.host.append_option(o.host.as_deref());
        self.import.push(o.import_id);
        self.file.append_option(o.file.as_deref());
        self.sheet.append_option(o.sheet.as_deref());
        self.row.push(o.row);
    }

    fn finish(mut self, c: &mut Columns) {
        c.text("source", self.kind.into_iter().map(Some));
        c.push("source_by", Arc::new(self.by.finish()));
        c.push("source_host", Arc::new(self.host.finish()));
        c.id("import_id", self.import);
        c.push("source_file", Arc::new(self.file.finish()));
        c.push("source_sheet", Arc::new(self.sheet.finish()));
        c.id("source_row", self.row);
    }
}

/// The source columns of the events table for `origins`, in order.
pub(crate) fn origin_columns<'a>(c: &mut Columns, origins: impl Iterator<Item = &'a Origin>) {
    let mut sources = SourceColumns::default();
    for o in origins {
        sources.push_origin(o);
    }
    sources.finish(c);
}

/// An entity's history as a table: [`history_batch`]'s columns, then the
/// events' facts.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn history_with_facts_batch<B: EventFacts>(
    entries: &[HistoryEntry<B>],
    name: impl Fn(&B) -> &'static str,
    describe: impl Fn(&B) -> String,
) -> Result<RecordBatch> {
    let base = history_batch(entries, name, describe)?;
    let facts: Vec<Facts> = entries.iter().map(|h| facts_of(&h.event)).collect();
    let mut c = Columns::default();
    for (field, array) in base.schema().fields().iter().zip(base.columns()) {
        // The events table's names go last, after the facts.
        if !matches!(field.name().as_str(), "date" | "recorded_at") {
            c.push(field.name(), array.clone());
        }
    }
    facts_columns(&mut c, facts)?;
    c.alias("valid", "date");
    c.alias("recorded", "recorded_at");
    c.finish()
}

/// [`history_with_facts_batch`], then where each event came from
/// (`origins`, one per entry: [`View::origins`]) as the events table's
/// source columns.
///
/// # Errors
/// [`Error::Validation`] when `origins` does not match `entries`.
pub fn history_with_origins_batch<B: EventFacts>(
    entries: &[HistoryEntry<B>],
    origins: &[Origin],
    name: impl Fn(&B) -> &'static str,
    describe: impl Fn(&B) -> String,
) -> Result<RecordBatch> {
    if origins.len() != entries.len() {
        return Err(Error::validation(
            "origins",
            format!("{} origins for {} events", origins.len(), entries.len()),
        ));
    }
    let base = history_with_facts_batch(entries, name, describe)?;
    let mut c = Columns::default();
    for (field, array) in base.schema().fields().iter().zip(base.columns()) {
        if !matches!(field.name().as_str(), "date" | "recorded_at") {
            c.push(field.name(), array.clone());
        }
    }
    origin_columns(&mut c, origins.iter());
    c.alias("valid", "date");
    c.alias("recorded", "recorded_at");
    c.finish()
}

/// The ledgers of the events table, as its `kind` column names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// `parcel`: the land ledger.
    Parcel,
    /// `enterprise`: the register.
    Enterprise,
    /// `programme`: the fund's programmes.
    Programme,
    /// `application`: applications to the fund.
    Application,
    /// `indicator`: indicators.
    Indicator,
}

impl EventKind {
    /// Every kind, in the order of the table.
    pub const ALL: [EventKind; 5] = [
        EventKind::Parcel,
        EventKind::Enterprise,
        EventKind::Programme,
        EventKind::Application,
        EventKind::Indicator,
    ];

    /// The `kind` column's value.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Parcel => "parcel",
            EventKind::Enterprise => "enterprise",
            EventKind::Programme => "programme",
            EventKind::Application => "application",
            EventKind::Indicator => "indicator",
        }
    }

    /// Parses a `kind` value.
    ///
    /// # Errors
    /// [`Error::Validation`] listing the kinds.
    pub fn parse(text: &str) -> Result<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.code() == text.trim())
            .ok_or_else(|| {
                Error::validation(
                    "kind",
                    format!(
                        "{} is not one of parcel, enterprise, programme, application, indicator",
                        crate::text::shown(text)
                    ),
                )
            })
    }
}

/// Which events the events table lists; the default lists every event
/// in force of every ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// One ledger, or all.
    pub kind: Option<EventKind>,
    /// Events valid on or after this date.
    pub since: Option<NaiveDate>,
    /// Events valid on or before this date.
    pub until: Option<NaiveDate>,
    /// Also voided events and the voids themselves (`voided` says which).
    pub include_voided: bool,
}

/// The events table's columns, filled one event at a time (a province's
/// ten million events are never held as rows).
#[derive(Default)]
struct EventColumns {
    kind: Vec<&'static str>,
    entity: Vec<u64>,
    code: arrow_array::builder::StringBuilder,
    event: Vec<u64>,
    name: Vec<&'static str>,
    valid: Vec<Option<NaiveDate>>,
    recorded: Vec<i64>,
    voided_by: Vec<Option<u64>>,
    facts: FactColumns,
    detail: arrow_array::builder::StringBuilder,
    sources: SourceColumns,
}

impl EventColumns {
    /// Room for about `n` rows, so that a block's columns are not copied
    /// as they grow.
    fn with_capacity(n: usize) -> EventColumns {
        use arrow_array::builder::StringBuilder;
        EventColumns {
            kind: Vec::with_capacity(n),
            entity: Vec::with_capacity(n),
            code: StringBuilder::with_capacity(n, n * 8),
            event: Vec::with_capacity(n),
            name: Vec::with_capacity(n),
            valid: Vec::with_capacity(n),
            recorded: Vec::with_capacity(n),
            voided_by: Vec::with_capacity(n),
            facts: FactColumns::with_capacity(n),
            detail: StringBuilder::with_capacity(n, n * 32),
            sources: SourceColumns::default(),
        }
    }
}

impl View<'_> {
    /// Every event as known under this view's horizon (`known_at`), one
    /// row each, in ledger then entity then event order: `kind`,
    /// `entity_id`, `code`, `event_id`, `event`, `date` (valid), `recorded_at`,
    /// `voided`, `voided_by`, the facts ([`Facts`]), `detail` and where the
    /// event came from (`source`, `source_by`, `source_host`, `import_id`,
    /// `source_file`, `source_sheet`, `source_row`; see [`crate::Origin`]).
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn events_table(&self, filter: &EventFilter) -> Result<RecordBatch> {
        self.consistently(|v| {
            // Built in blocks on two threads, then put together.
            let mut batches = Vec::new();
            v.events_batches(filter, 1 << 16, &mut |b| {
                batches.push(b);
                Ok(())
            })?;
            super::one_batch(batches)
        })
    }

    /// [`View::events_table`] handed to `sink` a batch of about `rows`
    /// rows at a time (an entity's events are never split), at least one
    /// batch (empty when no event is listed), so that an export holds a
    /// few batches of a province's events at a time. The batches are built
    /// on two threads and handed over in order. Not made consistent here:
    /// the caller reads through [`View::consistently`].
    pub(crate) fn events_batches(
        &self,
        filter: &EventFilter,
        rows: usize,
        sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let mut any = false;
        let sources = self.sources()?;
        {
            let take = &mut |batch: RecordBatch| {
                any = true;
                sink(batch)
            };
            for kind in EventKind::ALL {
                if filter.kind.is_some_and(|k| k != kind) {
                    continue;
                }
                match kind {
                    EventKind::Parcel => {
                        self.event_blocks::<Parcel>(kind, filter, &sources, rows, take, |e| {
                            (e.name(), e.describe())
                        })?;
                    }
                    EventKind::Enterprise => {
                        self.event_blocks::<Enterprise>(kind, filter, &sources, rows, take, |e| {
                            (e.name(), e.describe())
                        })?;
                    }
                    EventKind::Programme => {
                        self.event_blocks::<Programme>(kind, filter, &sources, rows, take, |e| {
                            (e.name(), e.describe())
                        })?;
                    }
                    EventKind::Application => {
                        self.event_blocks::<Application>(
                            kind,
                            filter,
                            &sources,
                            rows,
                            take,
                            |e| (e.name(), e.describe()),
                        )?;
                    }
                    EventKind::Indicator => {
                        self.event_blocks::<Indicator>(kind, filter, &sources, rows, take, |e| {
                            (e.name(), e.describe())
                        })?;
                    }
                }
            }
        }
        if !any {
            sink(events_batch(EventColumns::default())?)?;
        }
        Ok(())
    }

    /// The rows of kind `R`'s events, a block of entities at a time (about
    /// `rows` rows: an entity has a few events), built on two threads and
    /// handed to `take` in entity order.
    fn event_blocks<R>(
        &self,
        kind: EventKind,
        filter: &EventFilter,
        sources: &Sources,
        rows: usize,
        take: &mut dyn FnMut(RecordBatch) -> Result<()>,
        name: impl Fn(&R::Event) -> (&'static str, String) + Sync,
    ) -> Result<()>
    where
        R: crate::record::Record + crate::view::Dated,
        R::Event: EventFacts,
    {
        // Whole blocks of ids (as events are stored), about `rows` rows.
        let block = crate::view::SCAN_BLOCK;
        let per_block =
            (u64::try_from(rows / 4).unwrap_or(u64::MAX) / block).clamp(1, 1 << 20) * block;
        self.scanning::<R, _>(|next| {
            let blocks = usize::try_from(next.div_ceil(per_block)).unwrap_or(usize::MAX);
            crate::threads::in_order(
                "building the events table",
                blocks,
                |b| {
                    let from = (b as u64).saturating_mul(per_block);
                    let until = from.saturating_add(per_block);
                    let runs = self.stored_runs::<R>(from, until, next)?;
                    let mut out = EventColumns::with_capacity(rows.min(1 << 17));
                    for id in from.max(1)..until.min(next) {
                        if let Some(history) = self.entity_history::<R>(id, &runs, from)? {
                            event_rows(kind, filter, sources, &mut out, &name, history);
                        }
                    }
                    if out.kind.is_empty() {
                        Ok(None)
                    } else {
                        events_batch(out).map(Some)
                    }
                },
                |batch| batch.map_or(Ok(()), &mut *take),
            )
        })
    }
}

/// An entity's events as rows of the events table.
fn event_rows<B: EventFacts>(
    kind: EventKind,
    filter: &EventFilter,
    sources: &Sources,
    rows: &mut EventColumns,
    name: &impl Fn(&B) -> (&'static str, String),
    (entity, code, history): crate::view::EntityHistory<B>,
) {
    for h in history {
        let e = &h.event;
        let void = matches!(e.body, Body::Void { .. });
        if !filter.include_voided && (void || h.voided_by.is_some()) {
            continue;
        }
        let valid = Some(e.valid).filter(|d| *d != NaiveDate::MIN);
        if filter.since.is_some_and(|s| valid.is_none_or(|v| v < s))
            || filter.until.is_some_and(|u| valid.is_some_and(|v| v > u))
        {
            continue;
        }
        let (event, detail) = match &e.body {
            Body::Domain(b) => name(b),
            Body::Void { target, .. } => ("void", format!("voids {target}")),
        };
        rows.kind.push(kind.code());
        rows.entity.push(entity);
        rows.code.append_option(code.as_deref());
        rows.event.push(e.id.0);
        rows.name.push(event);
        rows.valid.push(valid);
        rows.recorded.push(e.recorded.0);
        rows.voided_by.push(h.voided_by.map(|v| v.0));
        rows.facts.push(facts_of(e));
        rows.detail.append_value(detail);
        rows.sources.push(sources.unit(e.id.0), e.id.0);
    }
}

fn events_batch(rows: EventColumns) -> Result<RecordBatch> {
    let EventColumns {
        kind,
        entity,
        mut code,
        event,
        name,
        valid,
        recorded,
        voided_by,
        facts,
        mut detail,
        sources,
    } = rows;
    let mut c = Columns::default();
    c.text("kind", kind.into_iter().map(Some));
    c.id("entity_id", entity.into_iter().map(Some));
    c.push("code", Arc::new(code.finish()));
    c.id("event_id", event.into_iter().map(Some));
    c.text("event", name.into_iter().map(Some));
    c.date("date", valid);
    c.timestamp("recorded_at", recorded.into_iter().map(Some));
    c.flag("voided", voided_by.iter().map(|v| Some(v.is_some())));
    c.id("voided_by", voided_by);
    facts.finish(&mut c)?;
    c.push("detail", Arc::new(detail.finish()));
    sources.finish(&mut c);
    // A history's names for the same columns.
    c.alias("date", "valid");
    c.alias("recorded_at", "recorded");
    c.finish()
}

/// The imports a database stored ([`crate::Db::imports`]) as a table: one
/// row each, in the order they were stored: `import_id`, `source`
/// (`import` or `boundaries`), `recorded_at`, `by`, `host`, `files` and
/// `sha256` (each file's, in order, joined by `; `), `events`,
/// `first_event_id`, `last_event_id`. The events table's `import_id` finds
/// an import's events.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn imports_batch(imports: &[crate::ImportSummary]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("import_id", imports.iter().map(|i| Some(i.id)));
    c.text("source", imports.iter().map(|i| Some(i.kind.code())));
    c.timestamp("recorded_at", imports.iter().map(|i| Some(i.recorded.0)));
    c.text("by", imports.iter().map(|i| i.by.as_deref()));
    c.text("host", imports.iter().map(|i| i.host.as_deref()));
    let joined = |f: fn(&crate::SourceFile) -> &str| {
        imports
            .iter()
            .map(move |i| Some(i.files.iter().map(f).collect::<Vec<_>>().join("; ")))
            .collect::<Vec<_>>()
    };
    c.text("files", joined(|f| f.name.as_str()));
    c.text("sha256", joined(|f| f.sha256.as_str()));
    c.id("events", imports.iter().map(|i| Some(i.events)));
    c.id(
        "first_event_id",
        imports.iter().map(|i| Some(i.first_event)),
    );
    c.id("last_event_id", imports.iter().map(|i| Some(i.last_event)));
    c.finish()
}
