//! Ledgers as Arrow record batches: tidy tables for pandas, polars, `DuckDB`.
//!
//! Columns are `snake_case` English with the unit in the name; area is
//! `decimal128(18, 4)` 亩, money `decimal128(18, 2)` 元 (exact), dates `date32`,
//! categories stable lowercase codes. Each ledger's tables live beside the
//! column builder: `land.rs`, `enterprise.rs`, `fund.rs`, `indicators.rs`.

mod compliance;
mod enterprise;
mod events;
mod fund;
mod indicators;
mod land;
mod money;
mod named;
mod plan;

pub use compliance::{compliance_batch, honours_batch, qualifications_batch};
pub use enterprise::{enterprises_batch, leases_batch, yearly_batch};
pub(crate) use events::origin_columns;
pub use events::{
    history_with_facts_batch, history_with_origins_batch, imports_batch, EventFacts, EventFilter,
    EventKind, Facts,
};
pub use fund::{applications_batch, disbursements_batch, overdue_batch, programmes_batch};
#[cfg(feature = "ledgers")]
pub(crate) use indicators::evaluation_columns;
pub use indicators::{evaluation_batch, observations_batch, surcharges_batch};
#[cfg_attr(not(feature = "ledgers"), allow(unused_imports))]
pub(crate) use land::table_crs;
pub use land::{
    buildings_batch, inefficient_batch, land_summaries_batch, parcels_batch, parcels_batches,
};
pub use money::{payments_batch, receivables_batch};
pub use named::Named;

/// A table built in batches as one (the batch itself when there is one).
///
/// # Errors
/// [`Error::Internal`] for no batch or batches that disagree: a bug.
fn one_batch(mut batches: Vec<RecordBatch>) -> Result<RecordBatch> {
    if batches.len() == 1 {
        return batches
            .pop()
            .ok_or_else(|| Error::Internal("a table without its batch".into()));
    }
    let schema = batches
        .first()
        .map(RecordBatch::schema)
        .ok_or_else(|| Error::Internal("a table without batches".into()))?;
    arrow_select::concat::concat_batches(&schema, &batches)
        .map_err(|e| Error::Internal(format!("building a table: {e}")))
}

/// A table as text, a box of columns and rows as `arrow`'s pretty printer
/// draws it (Chinese text measured by its width on screen): `println!("{}",
/// Pretty::new(&view.parcels_table(&filter)?))`; [`Pretty::head`] for the
/// first rows of a large one.
#[derive(Debug, Clone, Copy)]
pub struct Pretty<'a> {
    batch: &'a RecordBatch,
    rows: Option<usize>,
}

impl<'a> Pretty<'a> {
    /// Every row of `batch`.
    #[must_use]
    pub fn new(batch: &'a RecordBatch) -> Pretty<'a> {
        Pretty { batch, rows: None }
    }

    /// The first `n` rows only, and a line saying how many there are.
    #[must_use]
    pub fn head(self, n: usize) -> Pretty<'a> {
        Pretty {
            rows: Some(n),
            ..self
        }
    }
}

impl std::fmt::Display for Pretty<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total = self.batch.num_rows();
        let shown = self.rows.map_or(total, |n| n.min(total));
        let batch = utc_as_offset(&self.batch.slice(0, shown));
        // A table that cannot be drawn says so: a Display that fails would
        // make `println!` panic.
        match arrow_cast::pretty::pretty_format_batches(&[batch]) {
            Ok(table) => write!(f, "{table}")?,
            Err(e) => write!(f, "(the table cannot be shown as text: {e})")?,
        }
        if shown < total {
            write!(f, "\n({shown} of {total} rows)")?;
        }
        Ok(())
    }
}
pub use plan::progress_batch;

/// `batch` with its times in UTC named by their offset (`+00:00`), the same
/// instants: the text renderer reads offsets, not zone names.
fn utc_as_offset(batch: &RecordBatch) -> RecordBatch {
    use arrow_array::cast::AsArray;
    use arrow_array::Array as _;
    use arrow_schema::{DataType, TimeUnit};
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match field.data_type() {
            DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) if tz.as_ref() == "UTC" => {
                let times = column
                    .as_primitive::<arrow_array::types::TimestampMicrosecondType>()
                    .clone()
                    .with_timezone("+00:00");
                fields.push(
                    field
                        .as_ref()
                        .clone()
                        .with_data_type(times.data_type().clone()),
                );
                columns.push(Arc::new(times));
            }
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap_or_else(|_| batch.clone())
}

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
use crate::geometry::Crs;
use crate::indicators::{Indicator, Metric, Observation};
use crate::land::{IdleState, Parcel};
use crate::scheme::Graded;
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

    /// Says the unit of the column last pushed, in its field's metadata
    /// (`unit`), for a column whose name cannot say it.
    pub(crate) fn unit(&mut self, unit: &str) {
        if let Some(field) = self.fields.pop() {
            let metadata = std::collections::HashMap::from([("unit".to_owned(), unit.to_owned())]);
            self.fields.push(field.with_metadata(metadata));
        }
    }

    /// A GeoArrow column of WKB (`geoarrow.wkb`), its CRS as PROJJSON in
    /// the field's extension metadata, as geopandas, `DuckDB` and GeoParquet
    /// writers read it.
    /// A column of shapes as WKB, with the GeoArrow metadata of
    /// [`geoarrow_metadata`].
    pub(crate) fn geometry(&mut self, name: &str, wkb: arrow_array::BinaryArray, metadata: &str) {
        let field = Field::new(name, arrow_schema::DataType::Binary, true).with_metadata(
            std::collections::HashMap::from([
                ("ARROW:extension:name".to_owned(), "geoarrow.wkb".to_owned()),
                ("ARROW:extension:metadata".to_owned(), metadata.to_owned()),
            ]),
        );
        self.fields.push(field);
        self.arrays.push(Arc::new(wkb));
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

    pub(crate) fn int<I: IntoIterator<Item = Option<i64>>>(&mut self, name: &str, values: I) {
        self.push(name, Arc::new(values.into_iter().collect::<Int64Array>()));
    }

    pub(crate) fn float<I: IntoIterator<Item = Option<f64>>>(&mut self, name: &str, values: I) {
        self.push(name, Arc::new(values.into_iter().collect::<Float64Array>()));
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
            .map_err(|e| Error::Internal(format!("building the column {name}: {e}")))?;
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
            values
                .into_iter()
                .map(|v| v.map(|m| i128::from(m.millionths()))),
            6,
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

    /// Gives the column `of` a second name, at the end of the table: the
    /// same array under both (no copy), where two tables name one thing
    /// each their own way.
    pub(crate) fn alias(&mut self, of: &str, name: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.name() == of) {
            let field = self.fields[i].as_ref().clone().with_name(name);
            let array = self.arrays[i].clone();
            self.fields.push(field);
            self.arrays.push(array);
        }
    }

    pub(crate) fn finish(self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(self.fields));
        RecordBatch::try_new(schema, self.arrays)
            .map_err(|e| Error::Internal(format!("building a table: {e}")))
    }
}

pub use crate::view::{NameOf, Names};

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
    // The events table's names for the same columns.
    c.alias("valid", "date");
    c.alias("recorded", "recorded_at");
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

pub(crate) fn quantity(
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

/// The GeoArrow extension metadata of a WKB column in `crs` (made once
/// per table: the PROJJSON of a coordinate system is a page of JSON).
pub(crate) fn geoarrow_metadata(crs: Option<Crs>) -> String {
    match crs {
        Some(crs) => serde_json::json!({"crs": crs.projjson(), "crs_type": "projjson"}),
        None => serde_json::json!({}),
    }
    .to_string()
}
