//! `Database`: an open database, its reads and its life (close, flush,
//! backup, check).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parkdb::{
    ApplicationFilter, ApplicationId, ApplicationStatus, Db, EnterpriseFilter, EnterpriseId,
    EnterpriseStatus, LandUse, Mu, ParcelFilter, ParcelId, ParcelStatus, ProgrammeId, Spatial,
    View,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, closed, instant, opt_date, to_py, validation, IntoPy, Text, Whole};
use crate::report;
use crate::table::Table;
use crate::transaction::{FirmKey, OpenUnit, Transaction, Unit};

/// An open database (the native half of `parkdb.Database`).
#[pyclass(module = "parkdb._native", frozen)]
pub(crate) struct Database {
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

impl Database {
    pub(crate) fn new(db: Db) -> Database {
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
        self.read_batches(py, as_of, known_at, |v| f(v).map(|b| vec![b]))
    }

    /// [`Database::read`] of a table built in batches, kept as they are.
    fn read_batches(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        known_at: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&View<'_>) -> parkdb::Result<Vec<arrow_array::RecordBatch>> + Send,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, as_of, known_at)?;
        let batches = py.detach(|| f(&v)).py_err(py)?;
        Ok(Table::new(batches))
    }

    pub(crate) fn db(&self, py: Python<'_>) -> PyResult<Db> {
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

/// Runs the read `f` of the present and says as known at which moment it
/// read (the recorded time of the last unit of work, unchanged across
/// it), so that a figure's explanation reads the same state later;
/// `None` for an empty database or a read that writes kept overtaking.
fn stamped<T>(
    db: &Db,
    f: impl Fn() -> parkdb::Result<T>,
) -> parkdb::Result<(T, Option<chrono::DateTime<chrono::Utc>>)> {
    let mut tries = 0;
    loop {
        let before = db.last_recorded()?;
        let out = f()?;
        tries += 1;
        if db.last_recorded()? == before || tries == 3 {
            let same = db.last_recorded()? == before;
            return Ok((out, before.filter(|_| same)));
        }
    }
}

/// Runs the read `f` off the interpreter and, for a read of the present
/// (no `known_at`), says as known at which moment it read ([`stamped`]).
fn read_stamped<T: Send>(
    py: Python<'_>,
    db: &Db,
    known_at: Option<&Bound<'_, PyAny>>,
    f: impl Fn() -> parkdb::Result<T> + Send + Sync,
) -> PyResult<(T, Option<chrono::DateTime<chrono::Utc>>)> {
    let present = known_at.is_none_or(PyAnyMethods::is_none);
    py.detach(|| {
        if present {
            stamped(db, &f)
        } else {
            Ok((f()?, None))
        }
    })
    .py_err(py)
}

/// The view an explanation reads: as known at `known_at` (the moment its
/// figure was read), which is the present while no unit of work was
/// stored since.
fn explaining<'a>(
    db: &'a Db,
    as_of: Option<&Bound<'_, PyAny>>,
    known_at: Option<&Bound<'_, PyAny>>,
) -> PyResult<View<'a>> {
    let moment = known_at.filter(|t| !t.is_none()).map(instant).transpose()?;
    let last = db.last_recorded().ok().flatten();
    if moment.is_some() && moment == last {
        return view(db, as_of, None);
    }
    view(db, as_of, known_at)
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

/// A firm from its id, or its credit code, another id or unique
/// registered name, as the database holds it now.
fn firm_id(py: Python<'_>, db: &Db, key: FirmKey) -> PyResult<EnterpriseId> {
    match key {
        FirmKey::Id(id) => Ok(EnterpriseId(id)),
        FirmKey::Key(key) => py
            .detach(|| db.now().enterprise_by_key(&key))
            .map(|e| e.id)
            .py_err(py),
    }
}

#[pymethods]
impl Database {
    /// Whether the handle is still open.
    #[getter]
    fn closed(&self) -> bool {
        self.db.lock().map_or(true, |d| d.is_none())
    }

    /// The database directory, or None for a temporary database.
    #[getter]
    fn path(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.db(py)?.path().map(|p| p.display().to_string()))
    }

    /// Whether this handle is a read-only snapshot.
    #[getter]
    fn read_only(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.db(py)?.is_read_only())
    }

    /// A read-only handle takes a new snapshot, with what writers added
    /// since; a read-write handle has nothing to do.
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let db = self.db(py)?;
        let fresh = py.detach(|| db.refreshed()).py_err(py)?;
        let mut slot = self.db.lock().map_err(|_| closed(py))?;
        if slot.is_some() {
            *slot = Some(fresh);
        }
        Ok(())
    }

    /// Flushes and closes; a flush that fails is raised (after closing).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.closed.store(true, Ordering::SeqCst);
        if self.pid != std::process::id() {
            return Ok(());
        }
        let db = self.db.lock().ok().and_then(|mut d| d.take());
        let begun = std::mem::take(
            &mut *self
                .begun
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        // Without the GIL: a thread writing through one of them holds its
        // lock until its write returns, and needs the GIL to return.
        py.detach(|| {
            for unit in begun.iter().filter_map(std::sync::Weak::upgrade) {
                let mut unit = unit
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Unit::Open(tx) = std::mem::replace(&mut *unit, Unit::ClosedUnder) {
                    tx.rollback();
                } else {
                    *unit = Unit::Ended;
                }
            }
        });
        // The last handle closes the database as it drops, writing the
        // checkpoints of the ledgers it read: off the GIL too.
        match db {
            Some(db) => py
                .detach(move || {
                    let flushed = db.flush();
                    drop(db);
                    flushed
                })
                .py_err(py),
            None => Ok(()),
        }
    }

    /// Who this handle's writes are by (their events' source), or None
    /// for the system's user name.
    #[getter]
    fn by(&self, py: Python<'_>) -> PyResult<Option<String>> {
        Ok(self.db(py)?.by().map(str::to_owned))
    }

    #[setter]
    fn set_by(&self, py: Python<'_>, who: Option<Text>) -> PyResult<()> {
        let mut slot = self.db.lock().map_err(|_| closed(py))?;
        let db = slot.as_mut().ok_or_else(|| closed(py))?;
        db.set_by(who.as_deref()).py_err(py)
    }

    /// Where event `event_id` came from, as a dict (see `Database.origin`).
    fn origin<'py>(&self, py: Python<'py>, event_id: Whole<u64>) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let o = py
            .detach(|| db.origin(parkdb::EventId(event_id.0)))
            .py_err(py)?;
        let d = PyDict::new(py);
        d.set_item("source", o.kind.code())?;
        d.set_item("by", o.by)?;
        d.set_item("host", o.host)?;
        d.set_item("import_id", o.import_id)?;
        d.set_item("file", o.file)?;
        d.set_item("sha256", o.sha256)?;
        d.set_item("sheet", o.sheet)?;
        d.set_item("row", o.row)?;
        Ok(d)
    }

    /// Every import the database stored, as a table.
    fn imports(&self, py: Python<'_>) -> PyResult<Table> {
        let db = self.db(py)?;
        let batch = py
            .detach(|| parkdb::tables::imports_batch(&db.imports()?))
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }

    /// Opens a unit of work (see `Database.transaction`), its writes by
    /// `by` if given. Waiting for a transaction of another thread, it lets
    /// Ctrl-C through.
    #[pyo3(signature = (by=None))]
    fn begin(&self, py: Python<'_>, by: Option<Text>) -> PyResult<Transaction> {
        let db = self.db(py)?;
        loop {
            let step = std::time::Duration::from_millis(100);
            if let Some(mut tx) = py
                .detach(|| {
                    Ok::<_, parkdb::Error>(db.try_begin_for(step)?.map(parkdb::Transaction::detach))
                })
                .py_err(py)?
            {
                if let Some(by) = by.as_deref() {
                    tx.set_by(by).py_err(py)?;
                }
                let unit = Arc::new(Mutex::new(Unit::Open(Box::new(tx))));
                let mut begun = self
                    .begun
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                begun.retain(|w| w.strong_count() > 0);
                begun.push(Arc::downgrade(&unit));
                return Ok(Transaction {
                    tx: unit,
                    savepoints: Mutex::new(Vec::new()),
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

    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        let db = self.db(py)?;
        py.detach(|| db.checkpoint()).py_err(py)
    }

    fn checkpoints<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let db = self.db(py)?;
        let all = py.detach(|| db.checkpoints()).py_err(py)?;
        let list = PyList::empty(py);
        for c in all {
            let d = PyDict::new(py);
            d.set_item("ledger", &c.ledger)?;
            d.set_item("path", c.path.to_string_lossy())?;
            d.set_item("usable", c.unused.is_none())?;
            d.set_item("unused", &c.unused)?;
            d.set_item("loaded_from_checkpoint", c.loaded_from_checkpoint)?;
            list.append(d)?;
        }
        Ok(list)
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
        let findings = PyList::empty(py);
        for f in &r.findings {
            let item = PyDict::new(py);
            item.set_item("kind", f.kind)?;
            item.set_item("parcels", f.parcels.iter().map(|p| p.0).collect::<Vec<_>>())?;
            item.set_item("message", &f.message)?;
            findings.append(item)?;
        }
        d.set_item("findings", findings)?;
        Ok(d)
    }

    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.db(py)?.policy().py_err(py)?;
        let d = PyDict::new(py);
        d.set_item(
            "no_development_without_certificate_from",
            p.no_development_without_certificate_from,
        )?;
        d.set_item("default_crs", p.default_crs.map(|c| c.to_string()))?;
        d.set_item("area_tolerance", f64::from(p.tolerance_ppm()) / 1_000_000.0)?;
        let periods = pyo3::types::PyList::empty(py);
        for period in &p.idle_periods {
            let item = PyDict::new(py);
            item.set_item("from", period.from)?;
            item.set_item("idle_after_months", period.idle_after_months)?;
            item.set_item("reclaimable_after_months", period.reclaimable_after_months)?;
            periods.append(item)?;
        }
        d.set_item("idle_periods", periods)?;
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

    /// Imports boundaries from a survey file; returns the report.
    #[pyo3(signature = (path, *, code_field=Text("地块编号".into()), crs=None, on=None, dry_run=false, encoding=None))]
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
    ) -> PyResult<Bound<'py, PyDict>> {
        let db = self.db(py)?;
        let options = parkdb::ledger::BoundaryOptions {
            code_field: code_field.0,
            crs: crs.map(crate::geometry::crs_of).transpose()?,
            on: opt_date(on, "on")?,
            dry_run,
            encoding: encoding.map(|e| e.0),
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
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.leases_table(),
        )
    }

    /// The buildings register as of a date: stages, leased and vacant area.
    #[pyo3(signature = (as_of=None, known_at=None))]
    fn buildings<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.buildings_table(),
        )
    }

    /// Qualifications awarded by a date, whether each holds then.
    #[pyo3(signature = (as_of=None, known_at=None))]
    fn qualifications<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.qualifications_table(),
        )
    }

    /// Honours given by a date.
    #[pyo3(signature = (as_of=None, known_at=None))]
    fn honours<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.honours_table(),
        )
    }

    /// Inspections, incidents and complaints by a date, open or not then.
    #[pyo3(signature = (as_of=None, known_at=None))]
    fn compliance<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.compliance_table(),
        )
    }

    /// Every amount owed to the zone as of a date (地款, 闲置费, 管理费).
    #[pyo3(signature = (as_of=None, known_at=None))]
    fn receivables<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.receivables_table(),
        )
    }

    /// Money received, refunded and paid out for land, in `year` if given.
    #[pyo3(signature = (year=None, as_of=None, known_at=None))]
    fn payments<'py>(
        &self,
        py: Python<'py>,
        year: Option<Whole<i32>>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let year = year.map(|y| y.0);
        self.read(py, as_of, known_at, move |v| v.payments_table(year))
    }

    #[pyo3(signature = (as_of=None, known_at=None, programme=None, applicant=None, status=None))]
    #[allow(clippy::too_many_arguments)]
    fn grants<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        programme: Option<Whole<u64>>,
        applicant: Option<FirmKey>,
        status: Option<Text>,
    ) -> PyResult<Table> {
        let applicant = match applicant {
            Some(a) => Some(firm_id(py, &self.db(py)?, a)?),
            None => None,
        };
        let filter = ApplicationFilter {
            programme: programme.map(|p| ProgrammeId(p.0)),
            applicant,
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
        self.read(
            py,
            as_of,
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.programmes_table(),
        )
    }

    #[pyo3(signature = (as_of, known_at=None))]
    fn overdue<'py>(
        &self,
        py: Python<'py>,
        as_of: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            Some(as_of),
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.overdue_table(),
        )
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

    /// What makes a total of the receivables as of `as_of`, as a table.
    #[pyo3(signature = (figure, as_of, charge=None, known_at=None))]
    fn explain_receivables<'py>(
        &self,
        py: Python<'py>,
        figure: Text,
        as_of: &Bound<'py, PyAny>,
        charge: Option<Text>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, Some(as_of), known_at)?;
        let charge = charge
            .as_deref()
            .map(parkdb::money::Charge::parse)
            .transpose()
            .py_err(py)?;
        let batch = py
            .detach(|| v.explain_receivables(&figure, charge)?.to_table())
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

    #[pyo3(signature = (kind=None, *, since=None, until=None, known_at=None, include_voided=false))]
    fn events<'py>(
        &self,
        py: Python<'py>,
        kind: Option<Text>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        include_voided: bool,
    ) -> PyResult<Table> {
        let filter = parkdb::tables::EventFilter {
            kind: kind
                .as_deref()
                .map(parkdb::tables::EventKind::parse)
                .transpose()
                .py_err(py)?,
            since: opt_date(since, "since")?,
            until: opt_date(until, "until")?,
            include_voided,
        };
        self.read(py, None, known_at, |v| v.events_table(&filter))
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
                        parkdb::tables::history_with_origins_batch(
                            &h,
                            &v.origins(&h)?,
                            parkdb::ParcelEvent::name,
                            parkdb::ParcelEvent::describe,
                        )
                    })
                })
            }
            "enterprise" => {
                let id = firm_id(py, &db, key.extract::<FirmKey>()?)?;
                py.detach(|| {
                    v.enterprise_history(id).and_then(|h| {
                        parkdb::tables::history_with_origins_batch(
                            &h,
                            &v.origins(&h)?,
                            parkdb::enterprise::EnterpriseEvent::name,
                            parkdb::enterprise::EnterpriseEvent::describe,
                        )
                    })
                })
            }
            "application" => {
                let id = ApplicationId(key.extract::<Whole<u64>>()?.0);
                py.detach(|| {
                    v.application_history(id).and_then(|h| {
                        parkdb::tables::history_with_origins_batch(
                            &h,
                            &v.origins(&h)?,
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
}

fn figures<'py>(py: Python<'py>, f: &parkdb::LandFigures) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let area = |m: Mu| convert::py_decimal(py, &m.to_decimal_string());
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

/// The `LedgerError` of an import's problems: the message lists every one,
/// `problems` holds them as dicts (`sheet`, `row`, `column`, `reason`; a
/// survey file's also `feature` and `field`, named after the file).
fn ledger_error(
    py: Python<'_>,
    errors: &[parkdb::ledger::RowError],
    what: &str,
    survey_file: Option<&str>,
) -> PyResult<PyErr> {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let problems = PyList::empty(py);
    for e in errors {
        let item = PyDict::new(py);
        item.set_item("sheet", survey_file.unwrap_or(&e.sheet))?;
        item.set_item("row", e.row)?;
        item.set_item("column", &e.column)?;
        item.set_item("reason", &e.reason)?;
        if survey_file.is_some() {
            item.set_item("feature", e.row)?;
            item.set_item("field", &e.column)?;
        }
        problems.append(item)?;
    }
    let message = format!(
        "{} {what}; nothing was written:\n{}",
        lines.len(),
        lines.join("\n")
    );
    let exc = py
        .import("parkdb.errors")?
        .getattr("LedgerError")?
        .call1((message.clone(),))?;
    exc.setattr("field", "rows")?;
    exc.setattr("reason", message)?;
    exc.setattr("problems", problems)?;
    Ok(PyErr::from_value(exc))
}
