//! Ledgers as Arrow record batches: tidy tables for pandas, polars, `DuckDB`.
//!
//! Columns are `snake_case` English with the unit in the name; area is
//! `decimal128(18, 4)` 亩, money `decimal128(18, 2)` 元 (exact), dates `date32`,
//! categories stable lowercase codes.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, UInt64Array,
};
use arrow_schema::{Field, Schema};
use chrono::NaiveDate;

use crate::enterprise::{Enterprise, EnterpriseId};
use crate::error::{Error, Result};
use crate::event::{Body, Event};
use crate::land::{IdleState, Parcel};
use crate::units::{Mu, Yuan};
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
        self.push(name, Arc::new(values.into_iter().collect::<StringArray>()));
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
            .map_err(|e| Error::validation("table", e.to_string()))
    }
}

fn names(view: &View<'_>) -> Result<HashMap<EnterpriseId, String>> {
    Ok(view
        .enterprises()?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

impl View<'_> {
    /// The parcels table under this horizon; `idle`, `idle_fee_yuan` and
    /// `reclaimable` are derived as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels_table(&self, filter: &ParcelFilter) -> Result<RecordBatch> {
        let parcels = self.parcels(filter)?;
        let names = names(self)?;
        parcels_batch(&parcels, &names, self.date())
    }

    /// The enterprise register under this horizon.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn enterprises_table(&self) -> Result<RecordBatch> {
        enterprises_batch(&self.enterprises()?)
    }
}

/// Parcels as a table, idle status derived as of `at`; `names` gives holder names.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn parcels_batch(
    parcels: &[Parcel],
    names: &HashMap<EnterpriseId, String>,
    at: NaiveDate,
) -> Result<RecordBatch> {
    let idle: Vec<IdleState> = parcels.iter().map(|p| p.idle_as_of(at)).collect();
    let mut c = Columns::default();
    c.id("parcel_id", parcels.iter().map(|p| Some(p.id.0)));
    c.text("code", parcels.iter().map(|p| Some(p.code.as_str())));
    c.mu("area_mu", parcels.iter().map(|p| Some(p.area)))?;
    c.text("land_use", parcels.iter().map(|p| Some(p.land_use.code())));
    c.text("status", parcels.iter().map(|p| Some(p.status().code())));
    c.id("holder_id", parcels.iter().map(|p| p.holder.map(|h| h.0)));
    c.text(
        "holder_name",
        parcels
            .iter()
            .map(|p| p.holder.and_then(|h| names.get(&h)).map(String::as_str)),
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
    c.finish()
}

/// Enterprises as a table.
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
    c.date("founded", firms.iter().map(|e| e.founded));
    c.flag("high_tech", firms.iter().map(|e| Some(e.high_tech)));
    c.date("registered", firms.iter().map(|e| e.registered));
    c.finish()
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
    c.date("valid", entries.iter().map(|h| Some(h.event.valid)));
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
