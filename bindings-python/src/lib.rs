//! `parkdb._native`: the Rust core for the pure-Python `parkdb` package.
//!
//! Every rule lives in the `parkdb` crate; this module only converts
//! Python values in and out, maps errors to `parkdb.errors`, and releases
//! the GIL around work that touches the database.

mod convert;
mod report;
mod table;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parkdb::indicators::{Direction, SubjectKind};
use parkdb::{
    Allocation, ApplicationFilter, ApplicationId, ApplicationStatus, Award, AwardKind, Db,
    Durability, EnterpriseFilter, EnterpriseId, EnterpriseStatus, EventId, LandUse, Mu,
    NewEnterprise, NewParcel, Options, ParcelFilter, ParcelId, ParcelStatus, Policy, ProgrammeId,
    RecoveryVia, SupplyMethod, View, YearlyFigures, Yuan,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use convert::{
    date, instant, opt_date, opt_mu, opt_quantity, opt_yuan, to_py, validation, yuan, IntoPy, Text,
    Whole,
};
use table::{table_rows, Table};

fn closed(py: Python<'_>) -> PyErr {
    to_py(py, parkdb::Error::Closed("the database is closed".into()))
}

/// An open database (the native half of `parkdb.Database`).
#[pyclass(module = "parkdb._native", frozen)]
struct Database {
    db: Mutex<Option<Db>>,
    /// Set by `close`: transactions begun before it can no longer commit.
    closed: Arc<AtomicBool>,
    /// The transactions begun here: `close` rolls back those still open,
    /// so that none keeps the database (and this thread's right to write)
    /// alive after it.
    begun: Mutex<Vec<std::sync::Weak<OpenUnit>>>,
    /// The process that opened it: a child made by `os.fork()` must open
    /// the database again (the engine's threads did not come along).
    pid: u32,
}

/// A transaction's native half.
type OpenUnit = Mutex<Unit>;

/// Where a transaction is.
enum Unit {
    Open(Box<parkdb::Transaction>),
    /// Committed or rolled back.
    Ended,
    /// Rolled back by the database's `close` while it was open.
    ClosedUnder,
}

impl Unit {
    /// Ends the unit; the transaction if it was open.
    fn end(&mut self) -> Option<Box<parkdb::Transaction>> {
        match std::mem::replace(self, Unit::Ended) {
            Unit::Open(tx) => Some(tx),
            Unit::ClosedUnder => {
                *self = Unit::ClosedUnder;
                None
            }
            Unit::Ended => None,
        }
    }

    /// The error of a unit that is not open.
    fn not_open(&self, py: Python<'_>) -> PyErr {
        match self {
            Unit::ClosedUnder => closed_under(py),
            _ => ended(py),
        }
    }
}

impl Database {
    fn new(db: Db) -> Database {
        Database {
            db: Mutex::new(Some(db)),
            closed: Arc::new(AtomicBool::new(false)),
            begun: Mutex::new(Vec::new()),
            pid: std::process::id(),
        }
    }
}

fn forked(py: Python<'_>) -> PyErr {
    to_py(
        py,
        parkdb::Error::Storage(
            "this database was opened by the parent process before os.fork(): a child \
             cannot use it; open it in a process of its own (multiprocessing's spawn) \
             once the parent has closed it"
                .into(),
        ),
    )
}

impl Database {
    /// A table read under an optional as-of date and known-at time, without the GIL.
    fn read(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        known_at: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&View<'_>) -> parkdb::Result<arrow_array::RecordBatch> + Send,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, as_of, known_at)?;
        let batch = py.detach(|| f(&v)).py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    fn db(&self, py: Python<'_>) -> PyResult<Db> {
        if self.pid != std::process::id() {
            return Err(forked(py));
        }
        self.db
            .lock()
            .map_err(|_| closed(py))?
            .clone()
            .ok_or_else(|| closed(py))
    }
}

/// Reads under an optional as-of date and known-at time.
fn view<'a>(
    db: &'a Db,
    as_of: Option<&Bound<'_, PyAny>>,
    known_at: Option<&Bound<'_, PyAny>>,
) -> PyResult<View<'a>> {
    let mut v = db.now();
    if let Some(d) = opt_date(as_of, "as_of")? {
        v = v.as_of(d);
    }
    if let Some(t) = known_at.filter(|t| !t.is_none()) {
        v = v.known_at(instant(t)?);
    }
    Ok(v)
}

fn parcel_id(py: Python<'_>, db: &Db, key: &Bound<'_, PyAny>) -> PyResult<ParcelId> {
    if let Ok(Whole(id)) = key.extract::<Whole<u64>>() {
        return Ok(ParcelId(id));
    }
    if let Ok(code) = key.extract::<String>() {
        return py
            .detach(|| db.parcel_by_code(&code))
            .map(|p| p.id)
            .py_err(py);
    }
    Err(validation(
        py,
        "parcel",
        "expected a parcel id (int) or code (str)".into(),
    ))
}

#[pymethods]
impl Database {
    /// Whether the handle is still open.
    #[getter]
    fn closed(&self) -> bool {
        self.db.lock().map(|d| d.is_none()).unwrap_or(true)
    }

    /// The database directory, or None for a temporary database.
    #[getter]
    fn path(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.db(py)?.path().map(|p| p.display().to_string()))
    }

    /// Flushes and closes; a flush that fails is raised (after closing).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::SeqCst);
        if self.pid != std::process::id() {
            return Ok(());
        }
        let db = self.db.lock().ok().and_then(|mut d| d.take());
        let begun = std::mem::take(&mut *self.begun.lock().unwrap_or_else(|e| e.into_inner()));
        // Without the GIL: a thread writing through one of them holds its
        // lock until its write returns, and needs the GIL to return.
        py.detach(|| {
            for unit in begun.iter().filter_map(std::sync::Weak::upgrade) {
                let mut unit = unit.lock().unwrap_or_else(|e| e.into_inner());
                if let Unit::Open(tx) = std::mem::replace(&mut *unit, Unit::ClosedUnder) {
                    tx.rollback();
                } else {
                    *unit = Unit::Ended;
                }
            }
        });
        match db {
            Some(db) => py.detach(|| db.flush()).py_err(py),
            None => Ok(()),
        }
    }

    /// Opens a unit of work (see `Database.transaction`). Waiting for a
    /// transaction of another thread, it lets Ctrl-C through.
    fn begin(&self, py: Python<'_>) -> PyResult<Transaction> {
        let db = self.db(py)?;
        loop {
            let step = std::time::Duration::from_millis(100);
            if let Some(tx) = py.detach(|| db.try_begin_for(step)).py_err(py)? {
                let unit = Arc::new(Mutex::new(Unit::Open(Box::new(tx))));
                let mut begun = self.begun.lock().unwrap_or_else(|e| e.into_inner());
                begun.retain(|w| w.strong_count() > 0);
                begun.push(Arc::downgrade(&unit));
                return Ok(Transaction {
                    tx: unit,
                    closed: self.closed.clone(),
                });
            }
            py.check_signals()?;
        }
    }

    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let db = self.db(py)?;
        py.detach(|| db.flush()).py_err(py)
    }

    fn backup(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let db = self.db(py)?;
        py.detach(|| db.backup(&path)).py_err(py)
    }

    fn check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let r = py.detach(|| db.check()).py_err(py)?;
        let d = PyDict::new(py);
        d.set_item("clean", r.is_clean())?;
        d.set_item("records", r.records)?;
        d.set_item("events", r.events)?;
        d.set_item("index_entries", r.index_entries)?;
        d.set_item("problems", PyList::new(py, &r.problems)?)?;
        Ok(d)
    }

    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.db(py)?.policy().py_err(py)?;
        let d = PyDict::new(py);
        d.set_item(
            "no_development_without_certificate_from",
            p.no_development_without_certificate_from,
        )?;
        Ok(d)
    }

    fn size_on_disk(&self, py: Python<'_>) -> PyResult<u64> {
        self.db(py)?.size_on_disk().py_err(py)
    }

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

    #[pyo3(signature = (as_of=None, known_at=None, status=None, holder=None, land_use=None))]
    fn parcels<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        status: Option<Text>,
        holder: Option<Whole<u64>>,
        land_use: Option<Text>,
    ) -> PyResult<Table> {
        let filter = ParcelFilter {
            status: status
                .as_deref()
                .map(ParcelStatus::parse)
                .transpose()
                .py_err(py)?,
            holder: holder.map(|h| EnterpriseId(h.0)),
            land_use: land_use
                .as_deref()
                .map(LandUse::parse)
                .transpose()
                .py_err(py)?,
        };
        self.read(py, as_of, known_at, |v| v.parcels_table(&filter))
    }

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
            let code: String = key.extract()?;
            py.detach(|| v.enterprise_by_code(&code)).py_err(py)?
        };
        Ok(Table::new(vec![
            parkdb::tables::enterprises_batch(&[e]).py_err(py)?
        ]))
    }

    #[pyo3(signature = (year=None, as_of=None, known_at=None))]
    fn yearly<'py>(
        &self,
        py: Python<'py>,
        year: Option<Whole<i32>>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, as_of, known_at, |v| v.yearly_table(year.map(|y| y.0)))
    }

    #[pyo3(signature = (as_of=None, known_at=None))]
    fn leases<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, as_of, known_at, |v| v.leases_table())
    }

    #[pyo3(signature = (as_of=None, known_at=None, programme=None, applicant=None, status=None))]
    #[allow(clippy::too_many_arguments)]
    fn grants<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        programme: Option<Whole<u64>>,
        applicant: Option<Whole<u64>>,
        status: Option<Text>,
    ) -> PyResult<Table> {
        let filter = ApplicationFilter {
            programme: programme.map(|p| ProgrammeId(p.0)),
            applicant: applicant.map(|a| EnterpriseId(a.0)),
            status: status
                .as_deref()
                .map(ApplicationStatus::parse)
                .transpose()
                .py_err(py)?,
        };
        self.read(py, as_of, known_at, |v| v.applications_table(&filter))
    }

    #[pyo3(signature = (year=None, as_of=None, known_at=None))]
    fn disbursements<'py>(
        &self,
        py: Python<'py>,
        year: Option<Whole<i32>>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, as_of, known_at, |v| {
            v.disbursements_table(year.map(|y| y.0))
        })
    }

    #[pyo3(signature = (as_of=None, known_at=None))]
    fn programmes<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, as_of, known_at, |v| v.programmes_table())
    }

    #[pyo3(signature = (as_of, known_at=None))]
    fn overdue<'py>(
        &self,
        py: Python<'py>,
        as_of: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(py, Some(as_of), known_at, |v| v.overdue_table())
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

    #[pyo3(signature = (year, known_at=None))]
    fn annual_report<'py>(
        &self,
        py: Python<'py>,
        year: Whole<i32>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let v = view(&db, None, known_at)?;
        let r = py.detach(|| v.annual_report(year.0)).py_err(py)?;
        report::annual_report_dict(py, &r)
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
                v.evaluate(&scheme, year.0)
                    .and_then(|e| parkdb::tables::evaluation_batch(&e, &metrics))
            })
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
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

    #[pyo3(signature = (kind, key, known_at=None))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        kind: Text,
        key: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, None, known_at)?;
        let batch = match &*kind {
            "parcel" => {
                let id = parcel_id(py, &db, key)?;
                py.detach(|| {
                    v.parcel_history(id).and_then(|h| {
                        parkdb::tables::history_batch(
                            &h,
                            parkdb::ParcelEvent::name,
                            parkdb::ParcelEvent::describe,
                        )
                    })
                })
            }
            "enterprise" => {
                let id = EnterpriseId(key.extract()?);
                py.detach(|| {
                    v.enterprise_history(id).and_then(|h| {
                        parkdb::tables::history_batch(
                            &h,
                            parkdb::enterprise::EnterpriseEvent::name,
                            parkdb::enterprise::EnterpriseEvent::describe,
                        )
                    })
                })
            }
            "application" => {
                let id = ApplicationId(key.extract()?);
                py.detach(|| {
                    v.application_history(id).and_then(|h| {
                        parkdb::tables::history_batch(
                            &h,
                            parkdb::fund::ApplicationEvent::name,
                            parkdb::fund::ApplicationEvent::describe,
                        )
                    })
                })
            }
            other => {
                return Err(validation(
                    py,
                    "kind",
                    format!(
                        "{} is not one of parcel, enterprise, application",
                        parkdb::text::shown(other)
                    ),
                ));
            }
        }
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
        let s = py.detach(|| v.land_summary()).py_err(py)?;
        let d = figures(py, &s.total)?;
        d.set_item("as_of", s.as_of)?;
        let by = PyDict::new(py);
        for (use_, f) in &s.by_land_use {
            by.set_item(use_.code(), figures(py, f)?)?;
        }
        d.set_item("by_land_use", by)?;
        Ok(d)
    }
}

fn figures<'py>(py: Python<'py>, f: &parkdb::LandFigures) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let area = |m: Mu| convert::py_decimal(py, &m.to_decimal_string());
    d.set_item("requisitioned_mu", area(f.requisitioned_mu)?)?;
    d.set_item("developed_mu", area(f.developed_mu)?)?;
    d.set_item("certified_mu", area(f.certified_mu)?)?;
    d.set_item("supplied_mu", area(f.supplied_mu)?)?;
    d.set_item("reserve_mu", area(f.reserve_mu)?)?;
    d.set_item("under_construction_mu", area(f.under_construction_mu)?)?;
    d.set_item("completed_mu", area(f.completed_mu)?)?;
    d.set_item("idle_mu", area(f.idle_mu)?)?;
    d.set_item("reclaimed_mu", area(f.reclaimed_mu)?)?;
    d.set_item("parcel_count", f.parcel_count)?;
    d.set_item("idle_count", f.idle_count)?;
    d.set_item("reclaimed_count", f.reclaimed_count)?;
    Ok(d)
}

/// An open unit of work (the native half of `parkdb.Transaction`).
#[pyclass(module = "parkdb._native", frozen)]
struct Transaction {
    tx: Arc<OpenUnit>,
    /// The database's: once it is closed, the transaction is ended.
    closed: Arc<AtomicBool>,
}

fn ended(py: Python<'_>) -> PyErr {
    to_py(
        py,
        parkdb::Error::Closed("the transaction has ended".into()),
    )
}

fn closed_under(py: Python<'_>) -> PyErr {
    to_py(
        py,
        parkdb::Error::Closed(
            "the database was closed while this transaction was open: nothing of it was stored"
                .into(),
        ),
    )
}

impl Transaction {
    fn with<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut parkdb::Writer) -> parkdb::Result<T> + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        let mut guard = self.tx.lock().map_err(|_| closed(py))?;
        if self.closed.load(Ordering::SeqCst) && guard.end().is_some() {
            return Err(closed_under(py));
        }
        match &mut *guard {
            Unit::Open(tx) => py.detach(|| f(tx)).py_err(py),
            other => Err(other.not_open(py)),
        }
    }

    /// A parcel id from an id or a code, seeing this transaction's own writes.
    fn parcel(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<ParcelId> {
        if let Ok(Whole(id)) = key.extract::<Whole<u64>>() {
            return Ok(ParcelId(id));
        }
        if let Ok(code) = key.extract::<String>() {
            return self
                .with(py, move |w| w.parcel_by_code(&code))
                .map(|p| p.id);
        }
        Err(validation(
            py,
            "parcel",
            "expected a parcel id (int) or code (str)".into(),
        ))
    }
}

fn area_arg(
    py: Python<'_>,
    area_mu: Option<&Bound<'_, PyAny>>,
    area_m2: Option<&Bound<'_, PyAny>>,
    area_ha: Option<&Bound<'_, PyAny>>,
) -> PyResult<Mu> {
    match (area_mu, area_m2, area_ha) {
        (Some(v), None, None) => convert::mu(v, "area_mu"),
        (None, Some(v), None) => convert::mu_from_m2(v, "area_m2"),
        (None, None, Some(v)) => convert::mu_from_hectares(v, "area_ha"),
        _ => Err(validation(
            py,
            "area",
            "give exactly one of area_mu, area_m2, area_ha".into(),
        )),
    }
}

#[pymethods]
impl Transaction {
    fn commit(&self, py: Python<'_>) -> PyResult<()> {
        let mut unit = self.tx.lock().map_err(|_| closed(py))?;
        match unit.end() {
            Some(_) if self.closed.load(Ordering::SeqCst) => Err(closed_under(py)),
            Some(tx) => py.detach(|| tx.commit()).py_err(py),
            None => Err(unit.not_open(py)),
        }
    }

    fn rollback(&self) {
        if let Ok(mut unit) = self.tx.lock() {
            unit.end();
        }
    }

    #[getter]
    fn active(&self) -> bool {
        self.tx
            .lock()
            .map(|u| matches!(*u, Unit::Open(_)))
            .unwrap_or(false)
    }

    #[pyo3(signature = (name, *, credit_code=None, industry=None, founded=None, high_tech=false, allow_invalid_code=false, registered=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_enterprise(
        &self,
        py: Python<'_>,
        name: Text,
        credit_code: Option<Text>,
        industry: Option<Text>,
        founded: Option<&Bound<'_, PyAny>>,
        high_tech: bool,
        allow_invalid_code: bool,
        registered: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let new = NewEnterprise {
            name: name.0,
            credit_code: credit_code.map(String::from),
            industry: industry.map(String::from),
            founded: opt_date(founded, "founded")?,
            high_tech,
            allow_invalid_code,
            registered: opt_date(registered, "registered")?,
        };
        self.with(py, |w| w.add_enterprise(new)).map(|id| id.0)
    }

    #[pyo3(signature = (code, area_mu=None, *, land_use=Text("industrial".into()), requisitioned, location=None, area_m2=None, area_ha=None))]
    #[allow(clippy::too_many_arguments)]
    fn add_parcel(
        &self,
        py: Python<'_>,
        code: Text,
        area_mu: Option<&Bound<'_, PyAny>>,
        land_use: Text,
        requisitioned: &Bound<'_, PyAny>,
        location: Option<Text>,
        area_m2: Option<&Bound<'_, PyAny>>,
        area_ha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let new = NewParcel {
            area: area_arg(py, area_mu, area_m2, area_ha)?,
            land_use: LandUse::parse(&land_use).py_err(py)?,
            requisitioned: date(requisitioned, "requisitioned")?,
            location: location.map(String::from),
            code: code.0,
        };
        self.with(py, |w| w.add_parcel(new)).map(|id| id.0)
    }

    fn develop(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.develop(p, d)).map(|e| e.0)
    }

    #[pyo3(signature = (parcel, on, *, certificate))]
    fn certify(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        certificate: Text,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.certify(p, d, &certificate))
            .map(|e| e.0)
    }

    #[pyo3(signature = (parcel, enterprise, on, *, method, price_yuan, start_by=None, complete_by=None))]
    #[allow(clippy::too_many_arguments)]
    fn allocate(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        method: Text,
        price_yuan: &Bound<'_, PyAny>,
        start_by: Option<&Bound<'_, PyAny>>,
        complete_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let terms = Allocation {
            holder: EnterpriseId(enterprise.0),
            date: date(on, "date")?,
            method: SupplyMethod::parse(&method).py_err(py)?,
            price: yuan(price_yuan, "price_yuan")?,
            start_by: opt_date(start_by, "start_by")?,
            complete_by: opt_date(complete_by, "complete_by")?,
        };
        self.with(py, |w| w.allocate(p, terms)).map(|e| e.0)
    }

    fn start_construction(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.start_construction(p, d)).map(|e| e.0)
    }

    fn complete_construction(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.complete_construction(p, d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (parcel, on, *, fee_yuan=None))]
    fn declare_idle(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        fee_yuan: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let fee = opt_yuan(fee_yuan, "fee_yuan")?;
        self.with(py, |w| w.declare_idle(p, d, fee)).map(|e| e.0)
    }

    #[pyo3(signature = (parcel, on, *, reason=Text(String::new())))]
    fn reclaim(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        self.with(py, |w| w.reclaim(p, d, &reason)).map(|e| e.0)
    }

    #[pyo3(signature = (parcel, enterprise, on, *, price_yuan=None))]
    fn transfer(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        price_yuan: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let price = opt_yuan(price_yuan, "price_yuan")?.unwrap_or(parkdb::Yuan::ZERO);
        self.with(py, |w| w.transfer(p, EnterpriseId(enterprise.0), d, price))
            .map(|e| e.0)
    }

    fn split(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parts: Vec<(String, Bound<'_, PyAny>)>,
    ) -> PyResult<Vec<u64>> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let parts = parts
            .iter()
            .map(|(code, area)| Ok((code.clone(), convert::mu(area, "area_mu")?)))
            .collect::<PyResult<Vec<_>>>()?;
        self.with(py, |w| w.split(p, d, &parts))
            .map(|ids| ids.into_iter().map(|i| i.0).collect())
    }

    #[pyo3(signature = (event_id, *, reason))]
    fn void(&self, py: Python<'_>, event_id: Whole<u64>, reason: Text) -> PyResult<u64> {
        self.with(py, |w| w.void(EventId(event_id.0), &reason))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, investment_yuan=None, land_mu=None))]
    fn enterprise_signed(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        investment_yuan: Option<&Bound<'_, PyAny>>,
        land_mu: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        let investment = opt_yuan(investment_yuan, "investment_yuan")?.unwrap_or(Yuan::ZERO);
        let land = opt_mu(land_mu, "land_mu")?.unwrap_or(Mu::ZERO);
        self.with(py, |w| {
            w.enterprise_signed(EnterpriseId(enterprise.0), d, investment, land)
        })
        .map(|e| e.0)
    }

    fn enterprise_construction_started(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| {
            w.enterprise_construction_started(EnterpriseId(enterprise.0), d)
        })
        .map(|e| e.0)
    }

    fn enterprise_in_production(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| {
            w.enterprise_in_production(EnterpriseId(enterprise.0), d)
        })
        .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, investment_yuan=None, land_mu=None))]
    fn capital_increased(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        investment_yuan: Option<&Bound<'_, PyAny>>,
        land_mu: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        let investment = opt_yuan(investment_yuan, "investment_yuan")?.unwrap_or(Yuan::ZERO);
        let land = opt_mu(land_mu, "land_mu")?.unwrap_or(Mu::ZERO);
        self.with(py, |w| {
            w.capital_increased(EnterpriseId(enterprise.0), d, investment, land)
        })
        .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, reason=Text(String::new())))]
    fn enterprise_suspended(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| {
            w.enterprise_suspended(EnterpriseId(enterprise.0), d, &reason)
        })
        .map(|e| e.0)
    }

    fn enterprise_resumed(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_resumed(EnterpriseId(enterprise.0), d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, reason=Text(String::new())))]
    fn enterprise_closed(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| {
            w.enterprise_closed(EnterpriseId(enterprise.0), d, &reason)
        })
        .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, year, *, output_yuan=None, revenue_yuan=None, tax_yuan=None, value_added_yuan=None, employees=None, rd_yuan=None, energy_tce=None, electricity_kwh=None, emissions_t=None, above_scale=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_year(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        year: Whole<i32>,
        output_yuan: Option<&Bound<'_, PyAny>>,
        revenue_yuan: Option<&Bound<'_, PyAny>>,
        tax_yuan: Option<&Bound<'_, PyAny>>,
        value_added_yuan: Option<&Bound<'_, PyAny>>,
        employees: Option<Whole<u32>>,
        rd_yuan: Option<&Bound<'_, PyAny>>,
        energy_tce: Option<&Bound<'_, PyAny>>,
        electricity_kwh: Option<&Bound<'_, PyAny>>,
        emissions_t: Option<&Bound<'_, PyAny>>,
        above_scale: Option<bool>,
    ) -> PyResult<u64> {
        let figures = YearlyFigures {
            output_value: opt_yuan(output_yuan, "output_yuan")?,
            revenue: opt_yuan(revenue_yuan, "revenue_yuan")?,
            tax: opt_yuan(tax_yuan, "tax_yuan")?,
            value_added: opt_yuan(value_added_yuan, "value_added_yuan")?,
            employees: employees.map(|n| n.0),
            rd: opt_yuan(rd_yuan, "rd_yuan")?,
            energy_tce: opt_quantity(energy_tce, "energy_tce")?,
            electricity_kwh: opt_quantity(electricity_kwh, "electricity_kwh")?,
            emissions_t: opt_quantity(emissions_t, "emissions_t")?,
            above_scale,
        };
        self.with(py, |w| {
            w.report_year(EnterpriseId(enterprise.0), year.0, figures)
        })
        .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, *, building, area_m2, start, unit=None, end=None))]
    #[allow(clippy::too_many_arguments)]
    fn lease(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        building: Text,
        area_m2: &Bound<'_, PyAny>,
        start: &Bound<'_, PyAny>,
        unit: Option<Text>,
        end: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let area = convert::quantity(area_m2, "area_m2")?;
        let (s, e) = (date(start, "start")?, opt_date(end, "end")?);
        self.with(py, |w| {
            w.lease(
                EnterpriseId(enterprise.0),
                &building,
                unit.as_deref(),
                area,
                s,
                e,
            )
        })
        .map(|e| e.0)
    }

    fn end_lease(
        &self,
        py: Python<'_>,
        enterprise: Whole<u64>,
        index: Whole<u32>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| w.end_lease(EnterpriseId(enterprise.0), index.0, d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (name, year, *, budget_yuan, created=None))]
    fn add_programme(
        &self,
        py: Python<'_>,
        name: Text,
        year: Whole<i32>,
        budget_yuan: &Bound<'_, PyAny>,
        created: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let budget = yuan(budget_yuan, "budget_yuan")?;
        let created = match opt_date(created, "created")? {
            Some(d) => d,
            None => chrono::NaiveDate::from_ymd_opt(year.0, 1, 1)
                .ok_or_else(|| validation(py, "year", format!("{} is not a year", year.0)))?,
        };
        self.with(py, |w| w.add_programme(&name, year.0, budget, created))
            .map(|p| p.0)
    }

    fn set_budget(
        &self,
        py: Python<'_>,
        programme: Whole<u64>,
        on: &Bound<'_, PyAny>,
        budget_yuan: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (d, b) = (date(on, "date")?, yuan(budget_yuan, "budget_yuan")?);
        self.with(py, |w| w.set_budget(ProgrammeId(programme.0), d, b))
            .map(|e| e.0)
    }

    #[pyo3(signature = (programme, enterprise, title, received, *, requested_yuan, field=None))]
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        py: Python<'_>,
        programme: Whole<u64>,
        enterprise: Whole<u64>,
        title: Text,
        received: &Bound<'_, PyAny>,
        requested_yuan: &Bound<'_, PyAny>,
        field: Option<Text>,
    ) -> PyResult<u64> {
        let (d, r) = (
            date(received, "received")?,
            yuan(requested_yuan, "requested_yuan")?,
        );
        self.with(py, |w| {
            w.apply(
                ProgrammeId(programme.0),
                EnterpriseId(enterprise.0),
                &title,
                d,
                r,
                field.as_deref(),
            )
        })
        .map(|a| a.0)
    }

    #[pyo3(signature = (application, on, *, scores))]
    fn review(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        scores: Vec<u32>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| w.review(ApplicationId(application.0), d, &scores))
            .map(|e| e.0)
    }

    #[pyo3(signature = (application, on, *, batch, grant_yuan=None, interest_subsidy_yuan=None, loan_yuan=None, repay_by=None, schedule=None, override_budget=false))]
    #[allow(clippy::too_many_arguments)]
    fn approve(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        batch: Text,
        grant_yuan: Option<&Bound<'_, PyAny>>,
        interest_subsidy_yuan: Option<&Bound<'_, PyAny>>,
        loan_yuan: Option<&Bound<'_, PyAny>>,
        repay_by: Option<&Bound<'_, PyAny>>,
        schedule: Option<Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>>,
        override_budget: bool,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        let schedule = schedule
            .unwrap_or_default()
            .iter()
            .map(|(due, amount)| Ok((date(due, "schedule")?, yuan(amount, "schedule")?)))
            .collect::<PyResult<Vec<_>>>()?;
        let award = Award {
            batch: batch.0,
            grant: opt_yuan(grant_yuan, "grant_yuan")?.unwrap_or(Yuan::ZERO),
            interest_subsidy: opt_yuan(interest_subsidy_yuan, "interest_subsidy_yuan")?
                .unwrap_or(Yuan::ZERO),
            loan: opt_yuan(loan_yuan, "loan_yuan")?.unwrap_or(Yuan::ZERO),
            repay_by: opt_date(repay_by, "repay_by")?,
            schedule,
            override_budget,
        };
        self.with(py, |w| w.approve(ApplicationId(application.0), d, award))
            .map(|e| e.0)
    }

    #[pyo3(signature = (application, on, *, reason=Text(String::new())))]
    fn reject(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| w.reject(ApplicationId(application.0), d, &reason))
            .map(|e| e.0)
    }

    #[pyo3(signature = (application, on, amount_yuan, *, kind))]
    fn disburse(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        amount_yuan: &Bound<'_, PyAny>,
        kind: Text,
    ) -> PyResult<u64> {
        let (d, a) = (date(on, "date")?, yuan(amount_yuan, "amount_yuan")?);
        let kind = AwardKind::parse(&kind).py_err(py)?;
        self.with(py, |w| w.disburse(ApplicationId(application.0), d, a, kind))
            .map(|e| e.0)
    }

    fn repay(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        amount_yuan: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let (d, a) = (date(on, "date")?, yuan(amount_yuan, "amount_yuan")?);
        self.with(py, |w| w.repay(ApplicationId(application.0), d, a))
            .map(|e| e.0)
    }

    #[pyo3(signature = (application, on, amount_yuan, *, via))]
    fn recover(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        amount_yuan: &Bound<'_, PyAny>,
        via: Text,
    ) -> PyResult<u64> {
        let (d, a) = (date(on, "date")?, yuan(amount_yuan, "amount_yuan")?);
        let via = RecoveryVia::parse(&via).py_err(py)?;
        self.with(py, |w| w.recover(ApplicationId(application.0), d, a, via))
            .map(|e| e.0)
    }

    #[pyo3(signature = (application, on, *, reason=Text(String::new())))]
    fn write_off(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| {
            w.write_off(ApplicationId(application.0), d, &reason)
        })
        .map(|e| e.0)
    }

    fn close_application(
        &self,
        py: Python<'_>,
        application: Whole<u64>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let d = date(on, "date")?;
        self.with(py, |w| w.close_application(ApplicationId(application.0), d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (code, name, *, unit=None, direction=Text("higher".into()), subject=Text("zone".into())))]
    fn define_indicator(
        &self,
        py: Python<'_>,
        code: Text,
        name: Text,
        unit: Option<Text>,
        direction: Text,
        subject: Text,
    ) -> PyResult<u64> {
        let direction = Direction::parse(&direction).py_err(py)?;
        let subject = SubjectKind::parse(&subject).py_err(py)?;
        self.with(py, |w| {
            w.define_indicator(&code, &name, unit.as_deref(), direction, subject)
        })
        .map(|i| i.0)
    }

    #[pyo3(signature = (code, period, value, *, subject=Text("zone".to_string()), source=None))]
    fn observe(
        &self,
        py: Python<'_>,
        code: Text,
        period: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        subject: Text,
        source: Option<Text>,
    ) -> PyResult<u64> {
        let period: String = period.str()?.to_str()?.to_owned();
        let value = convert::quantity(value, "value")?;
        self.with(py, |w| {
            w.observe(&code, &subject, &period, value, source.as_deref())
        })
        .map(|e| e.0)
    }

    #[pyo3(signature = (*, no_development_without_certificate_from=None))]
    fn set_policy(
        &self,
        py: Python<'_>,
        no_development_without_certificate_from: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let policy = Policy {
            no_development_without_certificate_from: opt_date(
                no_development_without_certificate_from,
                "no_development_without_certificate_from",
            )?,
        };
        self.with(py, |w| w.set_policy(policy))
    }
}

/// Opens (creating if needed) the database at `path`; the same path open
/// twice in this process gives the same database.
#[pyfunction]
#[pyo3(signature = (path, durability=Text("immediate".into())))]
fn open(py: Python<'_>, path: std::path::PathBuf, durability: Text) -> PyResult<Database> {
    let durability = match &*durability {
        "immediate" => Durability::Immediate,
        "eventual" => Durability::Eventual,
        other => {
            return Err(validation(
                py,
                "durability",
                format!(
                    "{} is not one of immediate, eventual",
                    parkdb::text::shown(other)
                ),
            ));
        }
    };
    let db = py
        .detach(|| Db::open_with(&path, Options { durability }))
        .py_err(py)?;
    Ok(Database::new(db))
}

/// A database in a temporary directory, removed when closed.
#[pyfunction]
fn temporary(py: Python<'_>) -> PyResult<Database> {
    let db = py.detach(Db::temporary).py_err(py)?;
    Ok(Database::new(db))
}

/// Builds the seed's example zone into an empty database.
#[pyfunction]
fn build_example(py: Python<'_>, db: &Database) -> PyResult<()> {
    let db = db.db(py)?;
    py.detach(|| parkdb::example::build_seed(&db).map(|_| ()))
        .py_err(py)
}

/// True when `code` is a valid unified social credit code (GB 32100-2015).
#[pyfunction]
fn validate_credit_code(code: Text) -> bool {
    parkdb::validate_credit_code(&code)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Database>()?;
    m.add_class::<Transaction>()?;
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(temporary, m)?)?;
    m.add_function(wrap_pyfunction!(build_example, m)?)?;
    m.add_function(wrap_pyfunction!(validate_credit_code, m)?)?;
    m.add_function(wrap_pyfunction!(table_rows, m)?)?;
    m.add_function(wrap_pyfunction!(report::scheme_preset, m)?)?;
    m.add("FORMAT_VERSION", parkdb::FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let vocabulary = PyDict::new(m.py());
    for (name, terms) in parkdb::vocabulary() {
        vocabulary.set_item(name, terms)?;
    }
    m.add("VOCABULARY", vocabulary)?;
    Ok(())
}
