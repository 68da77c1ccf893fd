//! `parkdb._native.Table`: record batches exported through the Arrow
//! `PyCapsule` interface, so pyarrow, polars and `DuckDB` read them without a copy.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use pyo3_arrow::error::PyArrowResult;
use pyo3_arrow::ffi::{to_schema_pycapsule, to_stream_pycapsule, ArrayIterator};

#[pyclass(module = "parkdb._native", frozen)]
pub(crate) struct Table {
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
}

impl Table {
    pub(crate) fn new(batches: Vec<RecordBatch>) -> Table {
        let schema = batches
            .first()
            .map_or_else(|| Arc::new(Schema::empty()), RecordBatch::schema);
        Table { batches, schema }
    }
}

#[pymethods]
impl Table {
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyArrowResult<Bound<'py, PyCapsule>> {
        to_schema_pycapsule(py, self.schema.as_ref())
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyCapsule>>,
    ) -> PyArrowResult<Bound<'py, PyCapsule>> {
        let fields = self.schema.fields().clone();
        let arrays = self
            .batches
            .clone()
            .into_iter()
            .map(|b| Ok(Arc::new(StructArray::from(b)) as ArrayRef));
        // The schema's own metadata rides on the stream's struct field, as
        // the C data interface carries a schema's.
        let reader = Box::new(ArrayIterator::new(
            arrays,
            Field::new_struct("", fields, false)
                .with_metadata(self.schema.metadata().clone())
                .into(),
        ));
        to_stream_pycapsule(py, reader, requested_schema)
    }

    fn __len__(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The table with its decimals (money, area) as `float64` and its
    /// dates as millisecond timestamps: the columns pandas computes on
    /// (`Table.to_pandas`). Other columns keep their fields, metadata
    /// included (the boundary's GeoArrow type). Arrow's own casts on two
    /// threads, here rather than pyarrow's a column at a time: half the
    /// time on a million parcels (0.05 s), and each float the nearest to
    /// its exact value, which pyarrow's decimal cast is not always.
    fn computing(&self, py: Python<'_>) -> PyResult<Table> {
        let fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Decimal128(..) | DataType::Decimal256(..) => {
                    Field::new(f.name(), DataType::Float64, f.is_nullable())
                }
                DataType::Date32 => Field::new(
                    f.name(),
                    DataType::Timestamp(TimeUnit::Millisecond, None),
                    f.is_nullable(),
                ),
                _ => f.as_ref().clone(),
            })
            .collect();
        let schema = Arc::new(Schema::new_with_metadata(
            fields,
            self.schema.metadata().clone(),
        ));
        let cast = |b: &RecordBatch| -> Result<RecordBatch, ArrowError> {
            let columns = b
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| {
                    if c.data_type() == f.data_type() {
                        Ok(Arc::clone(c))
                    } else {
                        arrow_cast::cast(c, f.data_type())
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(Arc::clone(&schema), columns)
        };
        // Half the batches on a second thread: the time is mostly the new
        // columns' memory first touched, which two threads share out.
        let (first, second) = self.batches.split_at(self.batches.len() / 2);
        let all = |part: &[RecordBatch]| part.iter().map(cast).collect::<Result<Vec<_>, _>>();
        let batches = py
            .detach(|| {
                std::thread::scope(|s| {
                    let other = s.spawn(|| all(second));
                    let mut batches = all(first)?;
                    let rest = other.join().map_err(|_| {
                        ArrowError::ComputeError("a thread converting a table failed".into())
                    })?;
                    batches.extend(rest?);
                    Ok::<_, ArrowError>(batches)
                })
            })
            .map_err(|e| {
                pyo3::exceptions::PyValueError::new_err(format!("converting a table: {e}"))
            })?;
        Ok(Table {
            batches,
            schema: Arc::clone(&schema),
        })
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
}

/// Rows of a table as dicts of Python values, without pyarrow: decimals as
/// `Decimal`, dates as `datetime.date`, timestamps as aware `datetime`.
#[pyfunction]
#[pyo3(signature = (table, limit=None))]
pub(crate) fn table_rows<'py>(
    py: Python<'py>,
    table: &Table,
    limit: Option<usize>,
) -> PyResult<Bound<'py, pyo3::types::PyList>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType, UInt64Type,
    };
    use arrow_array::Array;
    use pyo3::types::{PyDict, PyList};

    let rows = PyList::empty(py);
    let limit = limit.unwrap_or(usize::MAX);
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    let names: Vec<String> = table
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for batch in &table.batches {
        for row in 0..batch.num_rows() {
            if rows.len() >= limit {
                return Ok(rows);
            }
            let d = PyDict::new(py);
            for (col, name) in batch.columns().iter().zip(&names) {
                if col.is_null(row) {
                    d.set_item(name, py.None())?;
                    continue;
                }
                match col.data_type() {
                    DataType::UInt64 => {
                        d.set_item(name, col.as_primitive::<UInt64Type>().value(row))?;
                    }
                    DataType::Int64 => {
                        d.set_item(name, col.as_primitive::<Int64Type>().value(row))?;
                    }
                    DataType::Float64 => {
                        d.set_item(name, col.as_primitive::<Float64Type>().value(row))?;
                    }
                    DataType::Boolean => d.set_item(name, col.as_boolean().value(row))?,
                    DataType::Utf8 => d.set_item(name, col.as_string::<i32>().value(row))?,
                    // A boundary: WKB bytes (shapely.from_wkb reads them).
                    DataType::Binary => d.set_item(
                        name,
                        pyo3::types::PyBytes::new(py, col.as_binary::<i32>().value(row)),
                    )?,
                    DataType::Date32 => {
                        d.set_item(name, col.as_primitive::<Date32Type>().value_as_date(row))?;
                    }
                    DataType::Timestamp(_, _) => {
                        let micros = col.as_primitive::<TimestampMicrosecondType>().value(row);
                        d.set_item(name, chrono::DateTime::from_timestamp_micros(micros))?;
                    }
                    DataType::Decimal128(_, _) => {
                        let text = col.as_primitive::<Decimal128Type>().value_as_string(row);
                        d.set_item(name, decimal.call1((text,))?)?;
                    }
                    other => {
                        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                            "column {name}: no Python conversion for {other}"
                        )));
                    }
                }
            }
            rows.append(d)?;
        }
    }
    Ok(rows)
}
