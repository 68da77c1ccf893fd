//! `Database`: an open database and its life (close, flush, backup,
//! check, events and history); its reads by ledger in the files beside
//! this one, each a `#[pymethods]` block. A table read of a common shape
//! is a line of [`tables!`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parkdb::{ApplicationId, Db, EnterpriseId, ParcelId, View};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{closed, instant, opt_date, to_py, validation, IntoPy, Text, Whole};
use crate::table::Table;
use crate::transaction::{FirmKey, OpenUnit, Transaction, Unit};

/// Table reads of one shape, each with its doc: `name(as_of=None,
/// known_at=None)`, or with `(year)` also `year=None` first, each the
/// view's table named after `=>`.
macro_rules! tables {
    ($($(#[$doc:meta])* $name:ident $(($year:ident))? => $table:ident;)*) => {
        $(tables!(@one [$(#[$doc])*] $name $table $($year)?);)*
    };
    (@one [$($doc:tt)*] $name:ident $table:ident) => {
        #[pymethods]
        impl Database {
            $($doc)*
            #[pyo3(signature = (as_of=None, known_at=None))]
            fn $name<'py>(
                &self,
                py: Python<'py>,
                as_of: Option<&Bound<'py, PyAny>>,
                known_at: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Table> {
                #[allow(clippy::redundant_closure_for_method_calls)]
                self.read(py, as_of, known_at, |v| v.$table())
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident $table:ident year) => {
        #[pymethods]
        impl Database {
            $($doc)*
            #[pyo3(signature = (year=None, as_of=None, known_at=None))]
            fn $name<'py>(
                &self,
                py: Python<'py>,
                year: Option<Whole<i32>>,
                as_of: Option<&Bound<'py, PyAny>>,
                known_at: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Table> {
                let year = year.map(|y| y.0);
                self.read(py, as_of, known_at, move |v| v.$table(year))
            }
        }
    };
}

// After the macro: the files of reads use it.
mod enterprise;
mod fund;
mod io;
mod land;
mod money;
mod reports;

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
    pub(super) fn read(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        known_at: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&View<'_>) -> parkdb::Result<arrow_array::RecordBatch> + Send,
    ) -> PyResult<Table> {
        self.read_batches(py, as_of, known_at, |v| f(v).map(|b| vec![b]))
    }

    /// [`Database::read`] of a table built in batches, kept as they are.
    pub(super) fn read_batches(
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
pub(super) fn view<'a>(
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
pub(super) fn stamped<T>(
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
pub(super) fn read_stamped<T: Send>(
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
pub(super) fn explaining<'a>(
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

pub(super) fn parcel_id(py: Python<'_>, db: &Db, key: &Bound<'_, PyAny>) -> PyResult<ParcelId> {
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
pub(super) fn firm_id(py: Python<'_>, db: &Db, key: FirmKey) -> PyResult<EnterpriseId> {
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
}

/// The `LedgerError` of an import's problems: the message lists every one,
/// `problems` holds them as dicts (`sheet`, `row`, `column`, `reason`; a
/// survey file's also `feature` and `field`, named after the file).
pub(super) fn ledger_error(
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
