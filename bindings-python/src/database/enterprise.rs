//! Reads of the register: firms, their yearly figures, leases,
//! qualifications, honours and compliance; evaluations and surcharges.

use parkdb::{EnterpriseFilter, EnterpriseId, EnterpriseStatus};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{instant, IntoPy, Text, Whole};
use crate::report;
use crate::table::Table;
use crate::transaction::FirmKey;

use super::{firm_id, view, Database};

tables! {
    /// Leases of space in the zone's buildings as of a date.
    leases => leases_table;
    /// Qualifications awarded by a date, whether each holds then.
    qualifications => qualifications_table;
    /// Honours given by a date.
    honours => honours_table;
    /// Inspections, incidents and complaints by a date, open or not then.
    compliance => compliance_table;
    /// The firms' yearly figures, of `year` if given.
    yearly(year) => yearly_table;
}

#[pymethods]
impl Database {
    #[pyo3(signature = (as_of=None, known_at=None, status=None, industry=None))]
    fn enterprises<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        status: Option<Text>,
        industry: Option<Text>,
    ) -> PyResult<Table> {
        let filter = EnterpriseFilter {
            status: status
                .as_deref()
                .map(EnterpriseStatus::parse)
                .transpose()
                .py_err(py)?,
            industry: industry.map(String::from),
        };
        self.read(py, as_of, known_at, |v| v.enterprises_table(&filter))
    }

    #[pyo3(signature = (key, as_of=None, known_at=None))]
    fn enterprise<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, as_of, known_at)?;
        let e = if let Ok(Whole(id)) = key.extract::<Whole<u64>>() {
            py.detach(|| v.enterprise(EnterpriseId(id))).py_err(py)?
        } else {
            let key: String = key.extract()?;
            py.detach(|| v.enterprise_by_key(&key)).py_err(py)?
        };
        Ok(Table::new(vec![parkdb::tables::enterprises_batch(
            &[e],
            v.date(),
        )
        .py_err(py)?]))
    }

    #[pyo3(signature = (scheme, year, known_at=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyDict>,
        year: Whole<i32>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let scheme = report::scheme_from_dict(scheme)?;
        let v = view(&db, None, known_at)?;
        let metrics: Vec<_> = scheme.items.iter().map(|i| i.metric).collect();
        let batch = py
            .detach(|| {
                v.scores(&scheme, year.0)
                    .and_then(|e| parkdb::tables::evaluation_batch(&e, &metrics))
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// Grade-driven surcharges for `year`; `graded_at` maps an earlier year
    /// to the moment its grades were published.
    #[pyo3(signature = (scheme, year, known_at=None, graded_at=None))]
    fn surcharges<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyDict>,
        year: Whole<i32>,
        known_at: Option<&Bound<'py, PyAny>>,
        graded_at: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let scheme = report::scheme_from_dict(scheme)?;
        let mut published = std::collections::BTreeMap::new();
        if let Some(map) = graded_at {
            for (k, v) in map.iter() {
                published.insert(k.extract::<Whole<i32>>()?.0, instant(&v)?);
            }
        }
        let v = view(&db, None, known_at)?;
        let batch = py
            .detach(|| {
                v.surcharges(&scheme, year.0, &published)
                    .and_then(|rows| parkdb::tables::surcharges_batch(&rows))
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// What makes a firm's value of an indicator in a year's evaluation.
    #[pyo3(signature = (year, enterprise, metric, include_leased=false, known_at=None))]
    fn explain_evaluation<'py>(
        &self,
        py: Python<'py>,
        year: Whole<i32>,
        enterprise: FirmKey,
        metric: Text,
        include_leased: bool,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let firm = firm_id(py, &db, enterprise)?;
        let v = view(&db, None, known_at)?;
        let metric = parkdb::indicators::Metric::parse(&metric).py_err(py)?;
        let batch = py
            .detach(|| {
                v.explain_evaluation(year.0, firm, metric, include_leased)?
                    .to_table()
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    #[pyo3(signature = (code=None, known_at=None))]
    fn observations<'py>(
        &self,
        py: Python<'py>,
        code: Option<Text>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, None, known_at, |v| {
            v.observations_table(code.as_deref())
        })
    }

    #[pyo3(signature = (targets, period, name=Text(String::new()), known_at=None))]
    fn assess<'py>(
        &self,
        py: Python<'py>,
        targets: Vec<(String, f64, f64)>,
        period: &Bound<'py, PyAny>,
        name: Text,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let period: String = period.str()?.to_str()?.to_owned();
        let framework = parkdb::scheme::TargetFramework {
            name: name.0,
            targets,
        };
        let v = view(&db, None, known_at)?;
        let a = py.detach(|| v.assess(&framework, &period)).py_err(py)?;
        let d = PyDict::new(py);
        d.set_item("period", &a.period)?;
        d.set_item("score", a.score)?;
        d.set_item("max_score", a.max_score)?;
        let items = PyList::empty(py);
        for (code, value, score) in &a.items {
            let item = PyDict::new(py);
            item.set_item("code", code)?;
            item.set_item("value", *value)?;
            item.set_item("score", *score)?;
            items.append(item)?;
        }
        d.set_item("items", items)?;
        Ok(d)
    }
}
