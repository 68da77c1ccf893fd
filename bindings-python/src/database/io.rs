//! Ledgers in (台账 workbooks and CSV) and the province dataset out.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{instant, opt_date, validation, IntoPy, Text};

use super::{ledger_error, Database};

#[pymethods]
impl Database {
    /// Imports ledgers (台账) from .xlsx/.csv files in one unit of work.
    #[pyo3(signature = (paths, *, dry_run=false, limits=None, strict=false, layout=None))]
    fn import_ledgers<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<std::path::PathBuf>,
        dry_run: bool,
        limits: Option<std::collections::BTreeMap<String, u64>>,
        strict: bool,
        layout: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let layout = layout
            .map(|l| parkdb::ledger::Layout::parse(&l))
            .transpose()
            .py_err(py)?;
        let mut bounds = parkdb::ledger::ReadLimits::default();
        for (name, value) in limits.unwrap_or_default() {
            bounds.set(&name, value).py_err(py)?;
        }
        let report = py
            .detach(|| {
                let mut sheets = Vec::new();
                for p in &paths {
                    sheets.extend(parkdb::ledger::read_file_with(p, &bounds)?);
                }
                parkdb::ledger::import(
                    &db,
                    &sheets,
                    parkdb::ledger::ImportOptions {
                        dry_run,
                        strict,
                        layout,
                        progress: None,
                    },
                )
            })
            .py_err(py)?;
        if !report.is_clean() {
            return Err(ledger_error(py, &report.errors, "bad rows", None)?);
        }
        let d = PyDict::new(py);
        let rows = PyDict::new(py);
        for (ledger, n) in &report.rows {
            rows.set_item(*ledger, n)?;
        }
        d.set_item("rows", rows)?;
        let skipped = PyList::empty(py);
        for s in &report.skipped {
            let item = PyDict::new(py);
            item.set_item("sheet", &s.sheet)?;
            item.set_item("row", s.row)?;
            item.set_item("column", &s.column)?;
            item.set_item("reason", &s.reason)?;
            skipped.append(item)?;
        }
        d.set_item("skipped", skipped)?;
        d.set_item("written", report.written)?;
        let changed = PyDict::new(py);
        for (ledger, n) in &report.changed {
            changed.set_item(*ledger, n)?;
        }
        d.set_item("changed", changed)?;
        d.set_item("events", report.events)?;
        Ok(d)
    }

    #[pyo3(signature = (dir, *, park, as_of=None, known_at=None, crs=None, wait=60.0))]
    #[allow(clippy::too_many_arguments)]
    fn export_parquet<'py>(
        &self,
        py: Python<'py>,
        dir: std::path::PathBuf,
        park: Text,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        crs: Option<&Bound<'py, PyAny>>,
        wait: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let wait = std::time::Duration::try_from_secs_f64(wait)
            .map_err(|_| validation(py, "wait", format!("{wait} is not a number of seconds")))?;
        let options = parkdb::ledger::ExportOptions {
            as_of: opt_date(as_of, "as_of")?,
            known_at: match known_at {
                Some(t) if !t.is_none() => Some(instant(t)?),
                _ => None,
            },
            crs: match crs {
                Some(c) if !c.is_none() => Some(crate::geometry::crs_of(c)?),
                _ => None,
            },
            wait,
        };
        let m = py
            .detach(|| parkdb::ledger::export_parquet_with(&db, &dir, &park, &options))
            .py_err(py)?;
        let d = PyDict::new(py);
        d.set_item("park", &m.park)?;
        d.set_item("as_of", m.as_of)?;
        d.set_item("events", m.events)?;
        d.set_item("crs", m.crs.map(|c| c.to_string()))?;
        let files = PyDict::new(py);
        for (path, rows, _) in &m.files {
            files.set_item(path, rows)?;
        }
        d.set_item("rows", files)?;
        Ok(d)
    }
}
