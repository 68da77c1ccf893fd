//! `parkdb._native.Table`: record batches exported through the Arrow
//! `PyCapsule` interface, so pyarrow, polars and `DuckDB` read them without a copy.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_schema::{Field, Schema, SchemaRef};
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
        let reader = Box::new(ArrayIterator::new(
            arrays,
            Field::new_struct("", fields, false).into(),
        ));
        to_stream_pycapsule(py, reader, requested_schema)
    }

    fn __len__(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
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
    use arrow_schema::DataType;
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
