//! Reads of the land ledger: parcels, maps, buildings, the land summary
//! and its explanations, inefficient land; survey files in.

use parkdb::{LandUse, ParcelFilter, ParcelStatus, Spatial};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, opt_date, IntoPy, Text, Whole};
use crate::report;
use crate::table::Table;
use crate::transaction::FirmKey;

use super::{explaining, firm_id, ledger_error, parcel_id, read_stamped, view, Database};

tables! {
    /// The buildings register as of a date: stages, leased and vacant area.
    buildings => buildings_table;
}

#[pymethods]
impl Database {
    #[pyo3(signature = (key, as_of=None, known_at=None))]
    fn parcel<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let id = parcel_id(py, &db, key)?;
        let v = view(&db, as_of, known_at)?;
        let batch = py.detach(|| v.parcel_table(id)).py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    #[pyo3(signature = (as_of=None, known_at=None, status=None, holder=None, land_use=None, *, within=None, intersects=None, crs=None))]
    #[allow(clippy::too_many_arguments)]
    fn parcels<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        status: Option<Text>,
        holder: Option<FirmKey>,
        land_use: Option<Text>,
        within: Option<&Bound<'py, PyAny>>,
        intersects: Option<&Bound<'py, PyAny>>,
        crs: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let holder = match holder {
            Some(h) => Some(firm_id(py, &self.db(py)?, h)?),
            None => None,
        };
        let filter = ParcelFilter {
            status: status
                .as_deref()
                .map(ParcelStatus::parse)
                .transpose()
                .py_err(py)?,
            holder,
            land_use: land_use
                .as_deref()
                .map(LandUse::parse)
                .transpose()
                .py_err(py)?,
        };
        let shape = match (within, intersects) {
            (Some(_), Some(_)) => {
                return Err(crate::convert::validation(
                    py,
                    "within",
                    "give within= or intersects=, not both".into(),
                ))
            }
            (Some(w), None) => Some((true, crate::geometry::region(w, crs)?)),
            (None, Some(i)) => Some((false, crate::geometry::region(i, crs)?)),
            (None, None) => None,
        };
        // The table's batches as built: the readers take a stream of
        // batches, and copying them into one is time and memory for nothing.
        self.read_batches(py, as_of, known_at, |v| {
            let spatial = shape.as_ref().map(|(within, r)| {
                if *within {
                    Spatial::Within(r)
                } else {
                    Spatial::Intersects(r)
                }
            });
            v.parcels_batches_in(&filter, spatial)
        })
    }

    /// The map of the parcels as SVG text: coloured by `status`,
    /// `land_use`, `idle` or `grade` (with a scheme and a year).
    #[pyo3(signature = (as_of=None, known_at=None, color=Text("status".into()), scheme=None, year=None))]
    fn map<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        color: Text,
        scheme: Option<&Bound<'py, PyDict>>,
        year: Option<Whole<i32>>,
    ) -> PyResult<(String, usize)> {
        let db = self.db(py)?;
        let v = view(&db, as_of, known_at)?;
        let scheme = scheme.map(report::scheme_from_dict).transpose()?;
        let map = py
            .detach(|| {
                let evaluation = match (color.0.as_str(), &scheme, year) {
                    ("grade", Some(s), Some(y)) => Some(v.scores(s, y.0)?),
                    ("grade", _, _) => return Err(parkdb::Error::Validation {
                        field: "color".into(),
                        reason:
                            "a map by grade needs scheme= and year= (the evaluation to colour by)"
                                .into(),
                    }),
                    _ => None,
                };
                let how = match (color.0.as_str(), &evaluation) {
                    ("status" | "状态", _) => parkdb::MapColor::Status,
                    ("land_use" | "用途", _) => parkdb::MapColor::LandUse,
                    ("idle" | "闲置", _) => parkdb::MapColor::Idle,
                    (_, Some(e)) => parkdb::MapColor::Grade(e),
                    (other, None) => {
                        return Err(parkdb::Error::Validation {
                            field: "color".into(),
                            reason: format!(
                            "a map is coloured by status, land_use, idle or grade, not {other:?}"
                        ),
                        })
                    }
                };
                v.map(how)
            })
            .py_err(py)?;
        Ok((map.svg().to_owned(), map.parcels_drawn()))
    }

    /// The parcels sharing a stretch of boundary with a parcel.
    #[pyo3(signature = (parcel, as_of=None, known_at=None))]
    fn neighbours<'py>(
        &self,
        py: Python<'py>,
        parcel: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let id = parcel_id(py, &db, parcel)?;
        self.read(py, as_of, known_at, |v| {
            let parcels = v.neighbours(id)?;
            v.table_of_parcels(&parcels.iter().collect::<Vec<_>>())
        })
    }

    #[pyo3(signature = (dates, *, known_at=None, by_land_use=false))]
    fn land_summaries<'py>(
        &self,
        py: Python<'py>,
        dates: Vec<Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        by_land_use: bool,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, None, known_at)?;
        let dates = dates
            .iter()
            .map(|d| convert::date(d, "dates"))
            .collect::<PyResult<Vec<_>>>()?;
        let batch = py
            .detach(|| {
                let summaries = dates
                    .iter()
                    .map(|d| v.as_of(*d).land_summary())
                    .collect::<parkdb::Result<Vec<_>>>()?;
                parkdb::tables::land_summaries_batch(&summaries, by_land_use)
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    #[pyo3(signature = (as_of, known_at=None))]
    fn land_summary<'py>(
        &self,
        py: Python<'py>,
        as_of: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let v = view(&db, Some(as_of), known_at)?;
        let (s, stamp) = read_stamped(py, &db, known_at, || v.land_summary())?;
        let d = figures(py, &s.total)?;
        d.set_item("_known_at", stamp)?;
        d.set_item("as_of", s.as_of)?;
        let by = PyDict::new(py);
        for (use_, f) in &s.by_land_use {
            by.set_item(use_.code(), figures(py, f)?)?;
        }
        d.set_item("by_land_use", by)?;
        Ok(d)
    }

    /// What makes a figure of the land summary as of `as_of`, as a table.
    #[pyo3(signature = (figure, as_of, known_at=None))]
    fn explain_land<'py>(
        &self,
        py: Python<'py>,
        figure: Text,
        as_of: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = explaining(&db, Some(as_of), known_at)?;
        let batch = py
            .detach(|| v.explain_land(&figure)?.to_table())
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// Inefficient land (低效用地) as of a date; with a scheme and a year,
    /// also the parcels of producing holders graded below the standard.
    #[pyo3(signature = (as_of=None, scheme=None, year=None, known_at=None, unsupplied_years=Whole(2), start_within_years=Whole(1), production_within_years=Whole(1), below_grades=vec!["D".to_owned()], min_plot_ratio=1.0, min_building_coverage=0.3))]
    #[allow(clippy::too_many_arguments)]
    fn inefficient_land<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        scheme: Option<&Bound<'py, PyDict>>,
        year: Option<Whole<i32>>,
        known_at: Option<&Bound<'py, PyAny>>,
        unsupplied_years: Whole<u32>,
        start_within_years: Whole<u32>,
        production_within_years: Whole<u32>,
        below_grades: Vec<String>,
        min_plot_ratio: f64,
        min_building_coverage: f64,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let scheme = scheme.map(report::scheme_from_dict).transpose()?;
        let year = match (&scheme, year) {
            (Some(_), None) => {
                return Err(crate::convert::validation(
                    py,
                    "year",
                    "a scheme needs the year its evaluation grades".into(),
                ))
            }
            (_, y) => y.map(|y| y.0),
        };
        let rules = parkdb::inefficient::Rules {
            unsupplied_years: unsupplied_years.0,
            start_within_years: start_within_years.0,
            production_within_years: production_within_years.0,
            below_grades,
            min_plot_ratio,
            min_building_coverage,
        };
        let v = view(&db, as_of, known_at)?;
        let graded_by = view(&db, None, known_at)?;
        let batch = py
            .detach(|| {
                let evaluation = match (&scheme, year) {
                    (Some(s), Some(y)) => Some(graded_by.evaluate(s, y)?),
                    _ => None,
                };
                v.inefficient_table(&rules, evaluation.as_ref())
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// Imports boundaries from a survey file; returns the report.
    #[pyo3(signature = (path, *, code_field=Text("地块编号".into()), crs=None, on=None, dry_run=false, encoding=None, zone=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_boundaries<'py>(
        &self,
        py: Python<'py>,
        path: std::path::PathBuf,
        code_field: Text,
        crs: Option<&Bound<'py, PyAny>>,
        on: Option<&Bound<'py, PyAny>>,
        dry_run: bool,
        encoding: Option<Text>,
        zone: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let options = parkdb::ledger::BoundaryOptions {
            code_field: code_field.0,
            crs: crs.map(crate::geometry::crs_of).transpose()?,
            on: opt_date(on, "on")?,
            dry_run,
            encoding: encoding.map(|e| e.0),
            zone: zone.map(crate::geometry::crs_of).transpose()?,
        };
        let r = py
            .detach(|| parkdb::ledger::import_boundaries(&db, &path, &options))
            .py_err(py)?;
        if !r.errors.is_empty() {
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
            return Err(ledger_error(
                py,
                &r.errors,
                "bad features",
                file.as_deref(),
            )?);
        }
        let d = PyDict::new(py);
        d.set_item("features", r.features)?;
        d.set_item("matched", r.matched)?;
        d.set_item("written", r.written)?;
        let rows = |list: &[parkdb::ledger::RowError]| -> PyResult<Bound<'py, PyList>> {
            let out = PyList::empty(py);
            for e in list {
                let item = PyDict::new(py);
                item.set_item("feature", e.row)?;
                item.set_item("field", &e.column)?;
                item.set_item("reason", &e.reason)?;
                item.set_item("message", e.to_string())?;
                out.append(item)?;
            }
            Ok(out)
        };
        d.set_item("errors", rows(&r.errors)?)?;
        d.set_item("mismatches", rows(&r.mismatches)?)?;
        Ok(d)
    }
}

fn figures<'py>(py: Python<'py>, f: &parkdb::LandFigures) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let area = |m: parkdb::Mu| convert::py_decimal(py, &m.to_decimal_string());
    for (label, value) in f.areas() {
        d.set_item(label.field, area(value)?)?;
    }
    d.set_item("requisition_unknown_mu", area(f.requisition_unknown_mu)?)?;
    for (field, count) in f.counts() {
        d.set_item(field, count)?;
    }
    for (field, amount) in f.amounts() {
        match amount {
            Some(a) => d.set_item(field, convert::py_decimal(py, &a.to_decimal_string())?)?,
            None => d.set_item(field, py.None())?,
        }
    }
    Ok(d)
}
