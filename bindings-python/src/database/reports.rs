//! The annual report (as figures and as a Word document), its
//! explanations, and a plan's progress.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{IntoPy, Text, Whole};
use crate::report;
use crate::table::Table;

use super::{explaining, read_stamped, view, Database};

#[pymethods]
impl Database {
    #[pyo3(signature = (year, known_at=None, plan=None))]
    fn annual_report<'py>(
        &self,
        py: Python<'py>,
        year: Whole<i32>,
        known_at: Option<&Bound<'py, PyAny>>,
        plan: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let plan = plan.map(report::plan_from_dict).transpose()?;
        let v = view(&db, None, known_at)?;
        let (r, stamp) = read_stamped(py, &db, known_at, || v.annual_report(year.0))?;
        let (r, progress) = py
            .detach(|| {
                let end = chrono::NaiveDate::from_ymd_opt(year.0, 12, 31).ok_or_else(|| {
                    parkdb::Error::Validation {
                        field: "year".into(),
                        reason: format!("{} is not a year", year.0),
                    }
                })?;
                let progress = plan.as_ref().map(|p| v.plan_progress(p, end)).transpose()?;
                Ok::<_, parkdb::Error>((r, progress))
            })
            .py_err(py)?;
        let d = report::annual_report_dict(py, &r)?;
        d.set_item("_known_at", stamp)?;
        if let Some(p) = progress {
            let text: String = d
                .get_item("text")?
                .map_or(Ok(String::new()), |t| t.extract())?;
            d.set_item("text", format!("{text}{}\n", p.text()))?;
            d.set_item("plan_progress", report::progress_list(py, &p)?)?;
        }
        Ok(d)
    }

    /// Writes the annual report of `year` as a Word document to `path`.
    #[pyo3(signature = (year, path, known_at=None, zone=None, plan=None, scheme=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_docx<'py>(
        &self,
        py: Python<'py>,
        year: Whole<i32>,
        path: std::path::PathBuf,
        known_at: Option<&Bound<'py, PyAny>>,
        zone: Option<Text>,
        plan: Option<&Bound<'py, PyDict>>,
        scheme: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<()> {
        let db = self.db(py)?;
        let v = explaining(&db, None, known_at)?;
        let options = parkdb::document::DocumentOptions {
            zone: zone.map(|z| z.to_string()),
            plans: plan
                .map(report::plan_from_dict)
                .transpose()?
                .into_iter()
                .collect(),
            scheme: scheme.map(report::scheme_from_dict).transpose()?,
        };
        py.detach(|| parkdb::document::write_report_docx(&v, year.0, &options, &path))
            .py_err(py)
    }

    /// What makes a figure of the annual report of `year`, as a table.
    #[pyo3(signature = (year, figure, known_at=None))]
    fn explain_report<'py>(
        &self,
        py: Python<'py>,
        year: Whole<i32>,
        figure: Text,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = explaining(&db, None, known_at)?;
        let batch = py
            .detach(|| v.explain_report(year.0, &figure)?.to_table())
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// How far a plan is as of a date: a table and its text.
    #[pyo3(signature = (plan, as_of=None, known_at=None))]
    fn plan_progress<'py>(
        &self,
        py: Python<'py>,
        plan: &Bound<'py, PyDict>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(Table, String)> {
        let db = self.db(py)?;
        let plan = report::plan_from_dict(plan)?;
        let v = view(&db, as_of, known_at)?;
        let (batch, text) = py
            .detach(|| {
                let p = v.plan_progress(&plan, v.date())?;
                Ok::<_, parkdb::Error>((parkdb::tables::progress_batch(&p)?, p.text()))
            })
            .py_err(py)?;
        Ok((Table::new(vec![batch]), text))
    }
}
