//! `Transaction`: an open unit of work, and its write methods by ledger
//! (each file a `#[pymethods]` block; their docstrings are the Python
//! ones). A write method of a common shape is a line of [`steps!`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parkdb::money::Charge;
use parkdb::{Account, EnterpriseId, EventId, Mu, ParcelId, Policy};
use pyo3::prelude::*;

use crate::convert::{self, closed, date, opt_date, to_py, validation, IntoPy, Text, Whole};

/// Write methods of one shape, each with its docstring: a step on a
/// parcel, a firm or an application on a date (`develop(parcel)`,
/// `enterprise_resumed(enterprise)`, `close_application(application)`),
/// with a reason (keyword, default empty) where named
/// (`reclaim(parcel, reason)`), or a firm's investment and land (keywords,
/// default zero: `capital_increased(enterprise, investment)`). Each is
/// `Writer`'s method of that name.
macro_rules! steps {
    ($($(#[$doc:meta])* $name:ident($who:ident $(, $what:ident)?);)*) => {
        $(steps!(@one [$(#[$doc])*] $name $who $($what)?);)*
    };
    (@one [$($doc:tt)*] $name:ident parcel) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            fn $name(&self, py: Python<'_>, parcel: &Bound<'_, PyAny>, on: &Bound<'_, PyAny>) -> PyResult<u64> {
                let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
                self.with(py, |w| w.$name(p, d)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident enterprise) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            fn $name(&self, py: Python<'_>, enterprise: FirmKey, on: &Bound<'_, PyAny>) -> PyResult<u64> {
                let firm = self.firm(py, enterprise)?;
                let d = date(on, "date")?;
                self.with(py, |w| w.$name(firm, d)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident enterprise investment) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            #[pyo3(signature = (enterprise, on, *, investment_yuan=None, land_mu=None))]
            fn $name(
                &self,
                py: Python<'_>,
                enterprise: FirmKey,
                on: &Bound<'_, PyAny>,
                investment_yuan: Option<&Bound<'_, PyAny>>,
                land_mu: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<u64> {
                let firm = self.firm(py, enterprise)?;
                let d = date(on, "date")?;
                let investment = $crate::convert::opt_yuan(investment_yuan, "investment_yuan")?
                    .unwrap_or(parkdb::Yuan::ZERO);
                let land = $crate::convert::opt_mu(land_mu, "land_mu")?.unwrap_or(parkdb::Mu::ZERO);
                self.with(py, |w| w.$name(firm, d, investment, land)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident application) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            fn $name(&self, py: Python<'_>, application: Whole<u64>, on: &Bound<'_, PyAny>) -> PyResult<u64> {
                let d = date(on, "date")?;
                self.with(py, |w| w.$name(parkdb::ApplicationId(application.0), d)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident application reason) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            #[pyo3(signature = (application, on, *, reason=Text(String::new())), text_signature = "($self, application, on, *, reason='')")]
            fn $name(&self, py: Python<'_>, application: Whole<u64>, on: &Bound<'_, PyAny>, reason: Text) -> PyResult<u64> {
                let d = date(on, "date")?;
                self.with(py, |w| w.$name(parkdb::ApplicationId(application.0), d, &reason)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident parcel reason) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            #[pyo3(signature = (parcel, on, *, reason=Text(String::new())), text_signature = "($self, parcel, on, *, reason='')")]
            fn $name(&self, py: Python<'_>, parcel: &Bound<'_, PyAny>, on: &Bound<'_, PyAny>, reason: Text) -> PyResult<u64> {
                let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
                self.with(py, |w| w.$name(p, d, &reason)).map(|e| e.0)
            }
        }
    };
    (@one [$($doc:tt)*] $name:ident enterprise reason) => {
        #[pymethods]
        impl Transaction {
            $($doc)*
            #[pyo3(signature = (enterprise, on, *, reason=Text(String::new())), text_signature = "($self, enterprise, on, *, reason='')")]
            fn $name(&self, py: Python<'_>, enterprise: FirmKey, on: &Bound<'_, PyAny>, reason: Text) -> PyResult<u64> {
                let firm = self.firm(py, enterprise)?;
                let d = date(on, "date")?;
                self.with(py, |w| w.$name(firm, d, &reason)).map(|e| e.0)
            }
        }
    };
}

// After the macro: the files of write methods use it.
mod buildings;
mod compliance;
mod enterprise;
mod fund;
mod land;
mod money;

/// A transaction's native half.
pub(crate) type OpenUnit = Mutex<Unit>;

/// Where a transaction is.
pub(crate) enum Unit {
    Open(Box<parkdb::DetachedTransaction>),
    /// Committed or rolled back.
    Ended,
    /// Rolled back by the database's `close` while it was open.
    ClosedUnder,
}

impl Unit {
    /// Ends the unit; the transaction if it was open.
    fn end(&mut self) -> Option<Box<parkdb::DetachedTransaction>> {
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

/// An open unit of work (the native half of `parkdb.Transaction`).
/// A firm as a Python argument names it: its id (an int), or its credit
/// code, another id (纳税人识别号…) or unique registered name (a str).
pub(crate) enum FirmKey {
    Id(u64),
    Key(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for FirmKey {
    type Error = PyErr;

    fn extract(ob: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if ob.is_instance_of::<pyo3::types::PyString>() {
            return Ok(FirmKey::Key(ob.extract::<String>()?));
        }
        // A number: an id, or the whole-number refusal saying why not.
        ob.extract::<Whole<u64>>().map(|Whole(id)| FirmKey::Id(id))
    }
}

#[pyclass(module = "parkdb._native", frozen)]
pub(crate) struct Transaction {
    pub(crate) tx: Arc<OpenUnit>,
    /// The database's: once it is closed, the transaction is ended.
    pub(crate) closed: Arc<AtomicBool>,
    /// The open savepoints, innermost last.
    pub(crate) savepoints: Mutex<Vec<parkdb::Savepoint>>,
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
    pub(super) fn with<T>(
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
    pub(super) fn parcel(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<ParcelId> {
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

    /// A firm from its id, credit code, other id or unique registered
    /// name, seeing this transaction's own writes.
    pub(super) fn firm(&self, py: Python<'_>, key: FirmKey) -> PyResult<EnterpriseId> {
        match key {
            FirmKey::Id(id) => Ok(EnterpriseId(id)),
            FirmKey::Key(key) => self
                .with(py, move |w| w.enterprise_by_key(&key))
                .map(|e| e.id),
        }
    }

    /// Whose debt a money write is on, and its charge: a parcel's (地款
    /// unless `kind` says 闲置费) or an enterprise's (管理费).
    pub(super) fn account(
        &self,
        py: Python<'_>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<FirmKey>,
        kind: Option<Text>,
    ) -> PyResult<(Account, Charge)> {
        let account = match (parcel, enterprise) {
            (Some(p), None) => Account::Parcel(self.parcel(py, p)?),
            (None, Some(e)) => Account::Enterprise(self.firm(py, e)?),
            _ => {
                return Err(validation(
                    py,
                    "parcel",
                    "name either a parcel (地款, 闲置费) or an enterprise (管理费)".into(),
                ))
            }
        };
        let charge = match (kind, account) {
            (Some(k), _) => Charge::parse(&k).py_err(py)?,
            (None, Account::Parcel(_)) => Charge::LandPrice,
            (None, Account::Enterprise(_)) => Charge::ManagementFee,
            (None, other) => {
                return Err(convert::validation(
                    py,
                    "kind",
                    format!("name the charge (kind=) of {other:?}"),
                ))
            }
        };
        Ok((account, charge))
    }
}

pub(super) fn area_arg(
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

    /// Opens a savepoint (the native half of `Transaction.savepoint()`).
    #[pyo3(name = "_begin_savepoint")]
    fn begin_savepoint(&self, py: Python<'_>) -> PyResult<()> {
        let point = self.with(py, |w| Ok(w.savepoint()))?;
        self.savepoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(point);
        Ok(())
    }

    /// Ends the innermost savepoint, undoing its writes if `undo`.
    #[pyo3(name = "_end_savepoint")]
    fn end_savepoint(&self, py: Python<'_>, undo: bool) -> PyResult<()> {
        let point = self
            .savepoints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .ok_or_else(|| {
                to_py(
                    py,
                    parkdb::Error::Closed("no savepoint is open in this transaction".into()),
                )
            })?;
        self.with(py, move |w| {
            if undo {
                w.rollback_to(point)
            } else {
                w.release(point)
            }
        })
    }

    #[getter]
    fn active(&self) -> bool {
        self.tx.lock().is_ok_and(|u| matches!(*u, Unit::Open(_)))
    }

    /// Supersedes an event entered by mistake: it stays in history, no longer
    /// counts, and the entity is refolded without it. Returns the void's id.
    ///
    /// Raises ``NotFoundError``, ``ValidationError`` (a reason that says nothing),
    /// ``LifecycleError`` (a void, a creation, a split, or a void that would leave
    /// an illegal history).
    ///
    ///     db.void(event_id, reason="录入错误")
    #[pyo3(signature = (event_id, *, reason))]
    fn void(&self, py: Python<'_>, event_id: Whole<u64>, reason: Text) -> PyResult<u64> {
        self.with(py, |w| w.void(EventId(event_id.0), &reason))
            .map(|e| e.0)
    }

    /// Sets the coordinate system of boundaries given without one: CGCS2000
    /// (4490), one of its 3-degree Gauss-Krüger zones (4513–4554) or WGS 84 (4326).
    ///
    /// Raises ``ValidationError`` (a coordinate system parkdb does not keep).
    ///
    ///     db.set_default_crs("EPSG:4527")
    fn set_default_crs(&self, py: Python<'_>, crs: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let crs = crs.map(crate::geometry::crs_of).transpose()?;
        self.with(py, |w| w.set_default_crs(crs))
    }

    /// Sets how far a surveyed area may differ from the registered one before
    /// the parcel is flagged (``area_mismatch``), as a share of it; ``None``
    /// restores 1%.
    ///
    /// Raises ``ValidationError`` (a tolerance below 0 or above 1).
    ///
    ///     db.set_area_tolerance(0.02)
    fn set_area_tolerance(
        &self,
        py: Python<'_>,
        tolerance: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let refuse = |shown: String| {
            convert::validation(
                py,
                "tolerance",
                format!("a tolerance is a share of the registered area (0.01 is 1%), not {shown}"),
            )
        };
        let ppm = match tolerance.filter(|t| !t.is_none()) {
            None => None,
            Some(t) if t.is_instance_of::<pyo3::types::PyBool>() => {
                return Err(refuse(t.to_string()))
            }
            Some(t) => {
                let share: f64 = t.extract().map_err(|_| refuse(t.to_string()))?;
                if !(0.0..=4_000.0).contains(&share) {
                    return Err(refuse(share.to_string()));
                }
                // Finite, non-negative and small: the rounded millionths fit
                // a u32 exactly. The writer refuses more than 100%.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Some((share * 1_000_000.0).round() as u32)
            }
        };
        self.with(py, |w| w.set_area_tolerance_ppm(ppm))
    }

    /// Sets the database's dated policies.
    ///
    /// ``no_development_without_certificate_from``: from this date, developing
    /// (填土) land without a certificate is refused (not given: no such rule).
    ///
    /// ``idle_periods``: when held land not started becomes idle (闲置) and
    /// reclaimable without compensation (无偿收回), as a list of
    /// ``{"from": date, "idle_after_months": 12, "reclaimable_after_months": 24}``,
    /// each for the supplies whose agreed start (约定动工日期) is on or after its
    /// ``from``. Without one, the rule of 闲置土地处置办法 (国土资源部令第53号,
    /// 2012): idle a year past the agreed start, reclaimable after two. A supply
    /// keeps the periods in force when it was recorded (set the policy before
    /// importing the supplies it governs); not given: the periods stay as set.
    /// ``parcels()`` (``idle``, ``reclaimable``, ``start_overdue``), the land
    /// summary and the reports follow them.
    ///
    /// Raises ``ValidationError`` (an idle period of no months, reclaimable
    /// before idle).
    ///
    ///     db.set_policy(no_development_without_certificate_from="2005-01-01")
    ///     db.set_policy(idle_periods=[{"from": "2020-01-01", "idle_after_months": 6,
    ///                                  "reclaimable_after_months": 24}])
    #[pyo3(signature = (*, no_development_without_certificate_from=None, idle_periods=None))]
    fn set_policy(
        &self,
        py: Python<'_>,
        no_development_without_certificate_from: Option<&Bound<'_, PyAny>>,
        idle_periods: Option<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<()> {
        let from = opt_date(
            no_development_without_certificate_from,
            "no_development_without_certificate_from",
        )?;
        let periods = idle_periods
            .map(|list| {
                list.iter()
                    .map(|p| -> PyResult<parkdb::land::IdlePeriods> {
                        let get = |key: &str| -> PyResult<Bound<'_, PyAny>> {
                            p.get_item(key).map_err(|_| {
                                validation(
                                    py,
                                    "idle_periods",
                                    format!("each idle period is a mapping with {key:?}"),
                                )
                            })
                        };
                        Ok(parkdb::land::IdlePeriods {
                            from: date(&get("from")?, "from")?,
                            idle_after_months: get("idle_after_months")?.extract::<Whole<u32>>()?.0,
                            reclaimable_after_months: get("reclaimable_after_months")?
                                .extract::<Whole<u32>>()?
                                .0,
                        })
                    })
                    .collect::<PyResult<Vec<_>>>()
            })
            .transpose()?;
        self.with(py, |w| {
            let now = w.policy();
            w.set_policy(Policy {
                no_development_without_certificate_from: from,
                idle_periods: periods.unwrap_or_else(|| now.idle_periods.clone()),
                ..now
            })
        })
    }
}
