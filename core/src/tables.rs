//! Ledgers as Arrow record batches: tidy tables for pandas, polars, `DuckDB`.
//!
//! Columns are `snake_case` English with the unit in the name; area is
//! `decimal128(18, 4)` 亩, money `decimal128(18, 2)` 元 (exact), dates `date32`,
//! categories stable lowercase codes.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch,
    TimestampMicrosecondArray, UInt64Array,
};
use arrow_schema::{Field, Schema};
use chrono::NaiveDate;

use crate::enterprise::{Enterprise, Lease, YearlyFigures};
use crate::error::{Error, Result};
use crate::event::{Body, Event};
use crate::fund::{Application, AwardKind, Overdue, Programme, ProgrammeBudget};
use crate::indicators::{Indicator, Metric, Observation};
use crate::land::{IdleState, Parcel};
use crate::scheme::Evaluation;
use crate::units::{Mu, Quantity, Yuan};
use crate::view::{HistoryEntry, ParcelFilter, View};

const UNIX_EPOCH_DAY: i32 = 719_163; // days from 0001-01-01 (CE) to 1970-01-01

fn days(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d) - UNIX_EPOCH_DAY
}

/// Builds a record batch column by column.
#[derive(Default)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Columns {
    fn push(&mut self, name: &str, array: ArrayRef) {
        self.fields
            .push(Field::new(name, array.data_type().clone(), true));
        self.arrays.push(array);
    }

    pub(crate) fn id<I: IntoIterator<Item = Option<u64>>>(&mut self, name: &str, values: I) {
        self.push(name, Arc::new(values.into_iter().collect::<UInt64Array>()));
    }

    pub(crate) fn text<S: AsRef<str>, I: IntoIterator<Item = Option<S>>>(
        &mut self,
        name: &str,
        values: I,
    ) {
        // Sized up front: a growing string buffer would be copied at each doubling.
        let values: Vec<Option<S>> = values.into_iter().collect();
        let bytes = values.iter().flatten().map(|v| v.as_ref().len()).sum();
        let mut b = arrow_array::builder::StringBuilder::with_capacity(values.len(), bytes);
        for v in values {
            b.append_option(v);
        }
        self.push(name, Arc::new(b.finish()));
    }

    pub(crate) fn flag<I: IntoIterator<Item = Option<bool>>>(&mut self, name: &str, values: I) {
        self.push(name, Arc::new(values.into_iter().collect::<BooleanArray>()));
    }

    pub(crate) fn date<I: IntoIterator<Item = Option<NaiveDate>>>(
        &mut self,
        name: &str,
        values: I,
    ) {
        self.push(
            name,
            Arc::new(
                values
                    .into_iter()
                    .map(|d| d.map(days))
                    .collect::<Date32Array>(),
            ),
        );
    }

    pub(crate) fn timestamp<I: IntoIterator<Item = Option<i64>>>(&mut self, name: &str, values: I) {
        let array = values
            .into_iter()
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        self.push(name, Arc::new(array));
    }

    fn decimal<I: IntoIterator<Item = Option<i128>>>(
        &mut self,
        name: &str,
        values: I,
        scale: i8,
    ) -> Result<()> {
        let array = values
            .into_iter()
            .collect::<Decimal128Array>()
            .with_precision_and_scale(18, scale)
            .map_err(|e| Error::validation(name, e.to_string()))?;
        self.push(name, Arc::new(array));
        Ok(())
    }

    pub(crate) fn mu<I: IntoIterator<Item = Option<Mu>>>(
        &mut self,
        name: &str,
        values: I,
    ) -> Result<()> {
        self.decimal(
            name,
            values.into_iter().map(|v| v.map(|m| i128::from(m.units()))),
            4,
        )
    }

    pub(crate) fn yuan<I: IntoIterator<Item = Option<Yuan>>>(
        &mut self,
        name: &str,
        values: I,
    ) -> Result<()> {
        self.decimal(
            name,
            values.into_iter().map(|v| v.map(|y| i128::from(y.fen()))),
            2,
        )
    }

    pub(crate) fn finish(self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(self.fields));
        RecordBatch::try_new(schema, self.arrays)
            .map_err(|e| Error::Internal(format!("building a table: {e}")))
    }
}

impl View<'_> {
    /// The parcels table under this horizon; `idle`, `idle_fee_yuan` and
    /// `reclaimable` are derived as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels_table(&self, filter: &ParcelFilter) -> Result<RecordBatch> {
        let parcels = self.parcels_shared(filter)?;
        let names = self.names_of(parcels.iter().filter_map(|p| p.holder))?;
        parcels_batch(&parcels, &names, self.date())
    }

    /// One parcel as a one-row parcels table.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist under this horizon.
    pub fn parcel_table(&self, id: crate::land::ParcelId) -> Result<RecordBatch> {
        let parcel = self.parcel(id)?;
        let names = self.names_of(parcel.holder)?;
        parcels_batch(&[&parcel], &names, self.date())
    }

    /// The enterprise register under this horizon, with status and project figures.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn enterprises_table(&self, filter: &crate::view::EnterpriseFilter) -> Result<RecordBatch> {
        enterprises_batch(&self.enterprises_where(filter)?)
    }

    /// Yearly figures under this horizon; `year` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn yearly_table(&self, year: Option<i32>) -> Result<RecordBatch> {
        yearly_batch(&self.enterprises()?, year)
    }

    /// Incubator leases, occupancy as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn leases_table(&self) -> Result<RecordBatch> {
        leases_batch(&self.enterprises()?, self.date())
    }

    /// Applications to the fund matching `filter`; overdue as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn applications_table(
        &self,
        filter: &crate::view::ApplicationFilter,
    ) -> Result<RecordBatch> {
        let apps = self.applications(filter)?;
        let names = self.names_of(apps.iter().map(|a| a.applicant))?;
        applications_batch(&apps, &names, self.date())
    }

    /// The fund's money movements; `year` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn disbursements_table(&self, year: Option<i32>) -> Result<RecordBatch> {
        disbursements_batch(
            &self.applications(&crate::view::ApplicationFilter::default())?,
            year,
        )
    }

    /// Programmes with their budgets.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn programmes_table(&self) -> Result<RecordBatch> {
        let mut rows = Vec::new();
        for p in self.programmes()? {
            let budget = self.programme_budget(p.id)?;
            rows.push((p, budget));
        }
        programmes_batch(&rows)
    }

    /// Loans overdue as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn overdue_table(&self) -> Result<RecordBatch> {
        let overdue = self.overdue()?;
        let names = self.names_of(overdue.iter().map(|o| o.applicant))?;
        overdue_batch(&overdue, &names)
    }

    /// Indicator observations; `code` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn observations_table(&self, code: Option<&str>) -> Result<RecordBatch> {
        let indicators: Vec<Indicator> = self
            .indicators()?
            .into_iter()
            .filter(|i| code.is_none_or(|c| i.code == c))
            .collect();
        observations_batch(&indicators)
    }
}

pub use crate::view::Names;

/// Parcels as a table, idle status derived as of `at`; `names` gives holder names.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn parcels_batch<P: std::ops::Deref<Target = Parcel> + Sync>(
    parcels: &[P],
    names: &Names,
    at: NaiveDate,
) -> Result<RecordBatch> {
    // Built a block of rows at a time, so that the 29 passes over a block
    // find its parcels in the processor's cache; a large table's blocks are
    // shared out between two threads.
    let block = |rows: &[P]| -> Result<RecordBatch> {
        let mut c = parcel_columns_ledger(rows, names)?;
        let rest = parcel_columns_supply(rows, at)?;
        c.fields.extend(rest.fields);
        c.arrays.extend(rest.arrays);
        c.finish()
    };
    if parcels.len() <= BLOCK_ROWS {
        return block(parcels);
    }
    let blocks: Vec<&[P]> = parcels.chunks(BLOCK_ROWS).collect();
    let (even, odd): (Vec<_>, Vec<_>) = blocks.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let build = |part: Vec<(usize, &&[P])>| -> Result<Vec<(usize, RecordBatch)>> {
        part.into_iter()
            .map(|(i, rows)| Ok((i, block(rows)?)))
            .collect()
    };
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| build(odd));
        let mine = build(even);
        let other = other
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("building the parcels table failed".into())));
        (mine, other)
    });
    let mut built = a?;
    built.extend(b?);
    built.sort_by_key(|(i, _)| *i);
    let batches: Vec<RecordBatch> = built.into_iter().map(|(_, b)| b).collect();
    arrow_select::concat::concat_batches(&batches[0].schema(), &batches)
        .map_err(|e| Error::Internal(format!("building a table: {e}")))
}

/// Rows of a table built together (see [`parcels_batch`]).
const BLOCK_ROWS: usize = 16_384;

/// The parcels table's columns up to the certificate.
fn parcel_columns_ledger<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    names: &Names,
) -> Result<Columns> {
    let mut c = Columns::default();
    c.id("parcel_id", parcels.iter().map(|p| Some(p.id.0)));
    c.text("code", parcels.iter().map(|p| Some(p.code.as_str())));
    c.mu("area_mu", parcels.iter().map(|p| Some(p.area)))?;
    c.text("land_use", parcels.iter().map(|p| Some(p.land_use.code())));
    c.text("status", parcels.iter().map(|p| Some(p.status().code())));
    c.id("holder_id", parcels.iter().map(|p| p.holder.map(|h| h.0)));
    c.text(
        "holder_name",
        parcels.iter().map(|p| {
            p.holder
                .and_then(|h| names.get(&h))
                .map(|e| e.name.as_str())
        }),
    );
    c.text("location", parcels.iter().map(|p| p.location.as_deref()));
    c.date(
        "requisitioned",
        parcels.iter().map(|p| Some(p.requisitioned)),
    );
    c.flag(
        "developed",
        parcels.iter().map(|p| Some(p.developed.is_some())),
    );
    c.date("developed_on", parcels.iter().map(|p| p.developed));
    c.flag(
        "certified",
        parcels.iter().map(|p| Some(p.certificate.is_some())),
    );
    c.date(
        "certified_on",
        parcels
            .iter()
            .map(|p| p.certificate.as_ref().map(|x| x.date)),
    );
    c.text(
        "certificate",
        parcels
            .iter()
            .map(|p| p.certificate.as_ref().map(|x| x.number.as_str())),
    );
    Ok(c)
}

/// The parcels table's columns from supply on, idleness derived as of `at`.
fn parcel_columns_supply<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    at: NaiveDate,
) -> Result<Columns> {
    let idle: Vec<IdleState> = parcels.iter().map(|p| p.idle_as_of(at)).collect();
    let mut c = Columns::default();
    c.text(
        "supply_method",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().map(|s| s.method.code())),
    );
    c.date(
        "supplied_on",
        parcels.iter().map(|p| p.supply.as_ref().map(|s| s.date)),
    );
    c.yuan(
        "price_yuan",
        parcels.iter().map(|p| p.supply.as_ref().map(|s| s.price)),
    )?;
    c.date(
        "start_by",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().and_then(|s| s.start_by)),
    );
    c.date(
        "complete_by",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().and_then(|s| s.complete_by)),
    );
    c.date(
        "construction_started",
        parcels.iter().map(|p| p.construction_started),
    );
    c.date("completed_on", parcels.iter().map(|p| p.completed));
    c.flag("idle", idle.iter().map(|i| Some(i.is_idle())));
    c.yuan("idle_fee_yuan", idle.iter().map(|i| i.fee()))?;
    c.flag(
        "reclaimable",
        idle.iter()
            .map(|i| Some(matches!(i, IdleState::Reclaimable { .. }))),
    );
    c.date(
        "idle_declared_on",
        parcels
            .iter()
            .map(|p| p.idle_declared.as_ref().map(|d| d.date)),
    );
    c.id(
        "times_reclaimed",
        parcels.iter().map(|p| Some(p.reclamations.len() as u64)),
    );
    c.flag(
        "ever_reclaimed",
        parcels.iter().map(|p| Some(p.ever_reclaimed)),
    );
    c.id("parent_id", parcels.iter().map(|p| p.parent.map(|x| x.0)));
    c.date("retired_on", parcels.iter().map(|p| p.retired));
    Ok(c)
}

/// A history as a table: one row per event, voids included.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn history_batch<B>(
    entries: &[HistoryEntry<B>],
    name: impl Fn(&B) -> &'static str,
    describe: impl Fn(&B) -> String,
) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("event_id", entries.iter().map(|h| Some(h.event.id.0)));
    // A registration of unknown date is valid "since always": no date to show.
    c.date(
        "valid",
        entries
            .iter()
            .map(|h| Some(h.event.valid).filter(|d| *d != NaiveDate::MIN)),
    );
    c.timestamp("recorded", entries.iter().map(|h| Some(h.event.recorded.0)));
    c.text(
        "event",
        entries.iter().map(|h| Some(event_name(&h.event, &name))),
    );
    c.text(
        "detail",
        entries.iter().map(|h| Some(detail(&h.event, &describe))),
    );
    c.id(
        "voided_by",
        entries.iter().map(|h| h.voided_by.map(|v| v.0)),
    );
    c.finish()
}

fn event_name<B>(e: &Event<B>, name: &impl Fn(&B) -> &'static str) -> &'static str {
    match &e.body {
        Body::Domain(b) => name(b),
        Body::Void { .. } => "void",
    }
}

fn detail<B>(e: &Event<B>, describe: &impl Fn(&B) -> String) -> String {
    match &e.body {
        Body::Domain(b) => describe(b),
        Body::Void { target, reason } => format!("voids {target}: {reason}"),
    }
}

fn quantity(
    c: &mut Columns,
    name: &str,
    values: impl IntoIterator<Item = Option<Quantity>>,
) -> Result<()> {
    c.decimal(
        name,
        values.into_iter().map(|v| v.map(|q| i128::from(q.units()))),
        4,
    )
}

fn float(c: &mut Columns, name: &str, values: impl IntoIterator<Item = Option<f64>>) {
    c.push(name, Arc::new(values.into_iter().collect::<Float64Array>()));
}

/// The register with status and project figures, one row per enterprise.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn enterprises_batch(firms: &[Enterprise]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("enterprise_id", firms.iter().map(|e| Some(e.id.0)));
    c.text("name", firms.iter().map(|e| Some(e.name.as_str())));
    c.text(
        "credit_code",
        firms.iter().map(|e| e.credit_code.as_deref()),
    );
    c.text("industry", firms.iter().map(|e| e.industry.as_deref()));
    c.text("status", firms.iter().map(|e| Some(e.status.code())));
    c.date("founded", firms.iter().map(|e| e.founded));
    c.flag("high_tech", firms.iter().map(|e| Some(e.high_tech)));
    c.date("registered", firms.iter().map(|e| e.registered));
    c.date("signed", firms.iter().map(|e| e.signed));
    c.date(
        "construction_started",
        firms.iter().map(|e| e.construction_started),
    );
    c.date("in_production", firms.iter().map(|e| e.in_production));
    c.date("closed", firms.iter().map(|e| e.closed));
    c.yuan(
        "planned_investment_yuan",
        firms.iter().map(|e| Some(e.planned_investment)),
    )?;
    c.mu(
        "planned_land_mu",
        firms.iter().map(|e| Some(e.planned_land)),
    )?;
    c.yuan(
        "added_investment_yuan",
        firms
            .iter()
            .map(|e| Yuan::sum(e.capital_increases.iter().map(|x| x.1)).ok()),
    )?;
    c.mu(
        "added_land_mu",
        firms
            .iter()
            .map(|e| Mu::sum(e.capital_increases.iter().map(|x| x.2)).ok()),
    )?;
    c.id(
        "capital_increases",
        firms.iter().map(|e| Some(e.capital_increases.len() as u64)),
    );
    c.finish()
}

/// Yearly figures, one row per enterprise and year (`year` filters).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn yearly_batch(firms: &[Enterprise], year: Option<i32>) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, i32, &YearlyFigures)> = firms
        .iter()
        .flat_map(|e| e.yearly.iter().map(move |(y, f)| (e, *y, f)))
        .filter(|(_, y, _)| year.is_none_or(|want| *y == want))
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("year", rows.iter().map(|r| u64::try_from(r.1).ok()));
    c.yuan("output_yuan", rows.iter().map(|r| r.2.output_value))?;
    c.yuan("revenue_yuan", rows.iter().map(|r| r.2.revenue))?;
    c.yuan("tax_yuan", rows.iter().map(|r| r.2.tax))?;
    c.yuan("value_added_yuan", rows.iter().map(|r| r.2.value_added))?;
    c.id(
        "employees",
        rows.iter().map(|r| r.2.employees.map(u64::from)),
    );
    c.yuan("rd_yuan", rows.iter().map(|r| r.2.rd))?;
    quantity(&mut c, "energy_tce", rows.iter().map(|r| r.2.energy_tce))?;
    quantity(
        &mut c,
        "electricity_kwh",
        rows.iter().map(|r| r.2.electricity_kwh),
    )?;
    quantity(&mut c, "emissions_t", rows.iter().map(|r| r.2.emissions_t))?;
    c.flag("above_scale", rows.iter().map(|r| r.2.above_scale));
    c.finish()
}

/// Incubator leases, one row per lease, `occupied` as of `at`.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn leases_batch(firms: &[Enterprise], at: NaiveDate) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, usize, &Lease)> = firms
        .iter()
        .flat_map(|e| e.leases.iter().enumerate().map(move |(i, l)| (e, i, l)))
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("lease_index", rows.iter().map(|r| Some(r.1 as u64)));
    c.text("building", rows.iter().map(|r| Some(r.2.building.as_str())));
    c.text("unit", rows.iter().map(|r| r.2.unit.as_deref()));
    quantity(&mut c, "area_m2", rows.iter().map(|r| Some(r.2.area_m2)))?;
    c.date("start", rows.iter().map(|r| Some(r.2.start)));
    c.date("end", rows.iter().map(|r| r.2.end));
    c.flag("occupied", rows.iter().map(|r| Some(r.2.occupies(at))));
    c.finish()
}

/// Applications to the fund, one row each, with awards and money by kind.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn applications_batch(
    apps: &[Application],
    names: &Names,
    at: NaiveDate,
) -> Result<RecordBatch> {
    let awarded = |a: &Application, k: AwardKind| a.approval.as_ref().map(|p| p.awarded.get(k));
    let overdue: Vec<Option<Yuan>> = apps
        .iter()
        .map(|a| a.overdue_as_of(at).ok().flatten().map(|o| o.amount))
        .collect();
    let mut c = Columns::default();
    c.id("application_id", apps.iter().map(|a| Some(a.id.0)));
    c.id("programme_id", apps.iter().map(|a| Some(a.programme.0)));
    c.id("applicant_id", apps.iter().map(|a| Some(a.applicant.0)));
    c.text(
        "applicant",
        apps.iter()
            .map(|a| names.get(&a.applicant).map(|e| e.name.as_str())),
    );
    c.text("title", apps.iter().map(|a| Some(a.title.as_str())));
    c.text("field", apps.iter().map(|a| a.field.as_deref()));
    c.yuan("requested_yuan", apps.iter().map(|a| Some(a.requested)))?;
    c.date("received", apps.iter().map(|a| Some(a.received)));
    c.text("status", apps.iter().map(|a| Some(a.status.code())));
    c.id(
        "review_count",
        apps.iter().map(|a| Some(a.scores.len() as u64)),
    );
    float(
        &mut c,
        "score_mean",
        apps.iter().map(Application::score_mean),
    );
    c.id(
        "score_spread",
        apps.iter().map(|a| a.score_spread().map(u64::from)),
    );
    c.text(
        "batch",
        apps.iter()
            .map(|a| a.approval.as_ref().map(|p| p.batch.as_str())),
    );
    c.date(
        "approved",
        apps.iter().map(|a| a.approval.as_ref().map(|p| p.date)),
    );
    c.yuan(
        "grant_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::Grant)),
    )?;
    c.yuan(
        "interest_subsidy_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::InterestSubsidy)),
    )?;
    c.yuan(
        "loan_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::Loan)),
    )?;
    c.yuan(
        "disbursed_yuan",
        apps.iter().map(|a| a.disbursed.total().ok()),
    )?;
    c.yuan(
        "repaid_yuan",
        apps.iter()
            .map(|a| Yuan::sum(a.repayments.iter().map(|r| r.1)).ok()),
    )?;
    c.yuan(
        "recovered_yuan",
        apps.iter()
            .map(|a| Yuan::sum(a.recoveries.iter().map(|r| r.1)).ok()),
    )?;
    c.yuan(
        "outstanding_yuan",
        apps.iter().map(|a| a.outstanding().ok()),
    )?;
    c.yuan("overdue_yuan", overdue)?;
    c.date(
        "repay_by",
        apps.iter().map(|a| {
            a.approval
                .as_ref()
                .and_then(|p| p.repayment.last().map(|r| r.0))
        }),
    );
    c.date(
        "rejected",
        apps.iter().map(|a| a.rejected.as_ref().map(|r| r.0)),
    );
    c.finish()
}

/// Money movements of the fund: disbursements, repayments and recoveries, one row each.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn disbursements_batch(apps: &[Application], year: Option<i32>) -> Result<RecordBatch> {
    let mut rows: Vec<(&Application, NaiveDate, &'static str, &'static str, Yuan)> = Vec::new();
    for a in apps {
        for (d, kind, amount) in &a.disbursements {
            rows.push((a, *d, "disbursement", kind.code(), *amount));
        }
        for (d, amount) in &a.repayments {
            rows.push((a, *d, "repayment", AwardKind::Loan.code(), *amount));
        }
        for (d, amount, via) in &a.recoveries {
            rows.push((
                a,
                *d,
                if matches!(via, crate::fund::RecoveryVia::Court) {
                    "recovery_court"
                } else {
                    "recovery_demand"
                },
                AwardKind::Loan.code(),
                *amount,
            ));
        }
    }
    rows.retain(|r| year.is_none_or(|y| chrono::Datelike::year(&r.1) == y));
    rows.sort_by_key(|r| (r.1, r.0.id));
    let mut c = Columns::default();
    c.id("application_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.id("programme_id", rows.iter().map(|r| Some(r.0.programme.0)));
    c.date("date", rows.iter().map(|r| Some(r.1)));
    c.text("movement", rows.iter().map(|r| Some(r.2)));
    c.text("kind", rows.iter().map(|r| Some(r.3)));
    c.yuan("amount_yuan", rows.iter().map(|r| Some(r.4)))?;
    c.finish()
}

/// Programmes of the fund with their budget, committed, disbursed and remaining money.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn programmes_batch(rows: &[(Programme, ProgrammeBudget)]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("programme_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("year", rows.iter().map(|r| u64::try_from(r.0.year).ok()));
    c.yuan("budget_yuan", rows.iter().map(|r| Some(r.1.budget)))?;
    c.yuan("committed_yuan", rows.iter().map(|r| Some(r.1.committed)))?;
    c.yuan("disbursed_yuan", rows.iter().map(|r| Some(r.1.disbursed)))?;
    c.yuan("remaining_yuan", rows.iter().map(|r| Some(r.1.remaining)))?;
    c.finish()
}

/// Overdue loans, one row each.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn overdue_batch(rows: &[Overdue], names: &Names) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("application_id", rows.iter().map(|o| Some(o.application.0)));
    c.id("applicant_id", rows.iter().map(|o| Some(o.applicant.0)));
    c.text(
        "applicant",
        rows.iter()
            .map(|o| names.get(&o.applicant).map(|e| e.name.as_str())),
    );
    c.text("title", rows.iter().map(|o| Some(o.title.as_str())));
    c.yuan("overdue_yuan", rows.iter().map(|o| Some(o.amount)))?;
    c.yuan("outstanding_yuan", rows.iter().map(|o| Some(o.outstanding)))?;
    c.date("due_since", rows.iter().map(|o| Some(o.due_since)));
    c.push(
        "days_overdue",
        Arc::new(rows.iter().map(|o| Some(o.days)).collect::<Int64Array>()),
    );
    c.finish()
}

/// Indicator observations, one row per (indicator, subject, period).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn observations_batch(indicators: &[Indicator]) -> Result<RecordBatch> {
    let rows: Vec<(&Indicator, &Observation)> = indicators
        .iter()
        .flat_map(|i| i.observations.values().map(move |o| (i, o)))
        .collect();
    let mut c = Columns::default();
    c.text("code", rows.iter().map(|r| Some(r.0.code.as_str())));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.text("unit", rows.iter().map(|r| r.0.unit.as_deref()));
    c.text("subject", rows.iter().map(|r| Some(r.1.subject.as_str())));
    c.text("period", rows.iter().map(|r| Some(r.1.period.as_str())));
    quantity(&mut c, "value", rows.iter().map(|r| Some(r.1.value)))?;
    c.text("source", rows.iter().map(|r| r.1.source.as_deref()));
    c.finish()
}

/// An evaluation: per enterprise each indicator value and item score, the
/// total score, rank, grade, whether in scope, and why not (or which items
/// are missing).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn evaluation_batch(eval: &Evaluation, metrics: &[Metric]) -> Result<RecordBatch> {
    let rows = &eval.rows;
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.enterprise.0)));
    c.text("name", rows.iter().map(|r| Some(r.name.as_str())));
    c.mu("land_mu", rows.iter().map(|r| Some(r.land)))?;
    for m in metrics {
        float(
            &mut c,
            m.code(),
            rows.iter()
                .map(|r| r.values.get(m).and_then(|v| v.as_ref().ok().copied())),
        );
    }
    for m in metrics {
        float(
            &mut c,
            &format!("{}_score", m.code()),
            rows.iter().map(|r| r.item_scores.get(m).copied()),
        );
    }
    float(&mut c, "score", rows.iter().map(|r| r.score));
    c.id("rank", rows.iter().map(|r| r.rank.map(u64::from)));
    c.text("grade", rows.iter().map(|r| r.grade.as_deref()));
    c.flag("in_scope", rows.iter().map(|r| Some(r.in_scope)));
    c.text("reason", rows.iter().map(|r| r.reason.as_deref()));
    c.finish()
}
