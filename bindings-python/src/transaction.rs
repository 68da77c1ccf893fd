//! `Transaction`: an open unit of work and every write method.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parkdb::compliance::{
    Complaint, Domain, Honour, HonourLevel, Incident, Inspection, Qualification, QualificationKind,
};
use parkdb::indicators::{Direction, SubjectKind};
use parkdb::land::{BuildingSpec, BuildingStage, BuildingUse};
use parkdb::money::{
    Charge, Collection, CollectionAction, Compensation, CompensationKind, FeeBasis, FeePeriod,
    FeeRate, Instalment, Payment, Refund,
};
use parkdb::{
    Account, Allocation, ApplicationId, Award, AwardKind, EnterpriseId, EventId, IdKind, LandUse,
    Mu, NewEnterprise, NewParcel, ParcelId, Policy, ProgrammeId, RecoveryVia, SupplyMethod,
    YearlyFigures, Yuan,
};
use pyo3::prelude::*;

use crate::convert::{
    self, closed, date, opt_date, opt_mu, opt_quantity, opt_yuan, quantity, to_py, validation,
    yuan, IntoPy, Text, Whole,
};

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

    /// A firm from its id, credit code, other id or unique registered
    /// name, seeing this transaction's own writes.
    fn firm(&self, py: Python<'_>, key: FirmKey) -> PyResult<EnterpriseId> {
        match key {
            FirmKey::Id(id) => Ok(EnterpriseId(id)),
            FirmKey::Key(key) => self
                .with(py, move |w| w.enterprise_by_key(&key))
                .map(|e| e.id),
        }
    }

    /// Whose debt a money write is on, and its charge: a parcel's (地款
    /// unless `kind` says 闲置费) or an enterprise's (管理费).
    fn account(
        &self,
        py: Python<'_>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<Whole<u64>>,
        kind: Option<Text>,
    ) -> PyResult<(Account, Charge)> {
        let account = match (parcel, enterprise) {
            (Some(p), None) => Account::Parcel(self.parcel(py, p)?),
            (None, Some(e)) => Account::Enterprise(EnterpriseId(e.0)),
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

    #[pyo3(signature = (name, *, credit_code=None, industry=None, founded=None, high_tech=false, allow_invalid_code=false, registered=None, tax_id=None, org_code=None, licence=None))]
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
        tax_id: Option<Text>,
        org_code: Option<Text>,
        licence: Option<Text>,
    ) -> PyResult<u64> {
        let ids: Vec<(IdKind, String)> = [
            (IdKind::TaxId, tax_id),
            (IdKind::OrgCode, org_code),
            (IdKind::Licence, licence),
        ]
        .into_iter()
        .filter_map(|(kind, v)| v.map(|v| (kind, v.0)))
        .collect();
        let new = NewEnterprise {
            name: name.0,
            credit_code: credit_code.map(String::from),
            industry: industry.map(String::from),
            founded: opt_date(founded, "founded")?,
            high_tech,
            allow_invalid_code,
            registered: opt_date(registered, "registered")?,
        };
        self.with(py, |w| {
            // The firm and its ids together, or neither.
            w.attempt(|w| {
                let id = w.add_enterprise(new)?;
                for (kind, value) in &ids {
                    w.record_enterprise_id(id, *kind, value)?;
                }
                Ok(id)
            })
        })
        .map(|id| id.0)
    }

    fn record_enterprise_id(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        kind: Text,
        value: Text,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let kind = IdKind::parse(&kind).py_err(py)?;
        self.with(py, |w| w.record_enterprise_id(firm, kind, &value))
            .map(|e| e.0)
    }

    #[pyo3(signature = (code, area_mu=None, *, land_use=Text("industrial".into()), requisitioned, location=None, area_m2=None, area_ha=None, boundary=None, crs=None))]
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
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let new = NewParcel {
            area: area_arg(py, area_mu, area_m2, area_ha)?,
            land_use: LandUse::parse(&land_use).py_err(py)?,
            requisitioned: date(requisitioned, "requisitioned")?,
            location: location.map(String::from),
            code: code.0,
            boundary: boundary
                .map(|b| crate::geometry::outline(b, crs))
                .transpose()?,
        };
        self.with(py, |w| w.add_parcel(new)).map(|id| id.0)
    }

    #[pyo3(signature = (code, area_mu=None, *, land_use=Text("industrial".into()), entered, holder=None, location=None, area_m2=None, area_ha=None, boundary=None, crs=None))]
    #[allow(clippy::too_many_arguments)]
    fn register_parcel(
        &self,
        py: Python<'_>,
        code: Text,
        area_mu: Option<&Bound<'_, PyAny>>,
        land_use: Text,
        entered: &Bound<'_, PyAny>,
        holder: Option<FirmKey>,
        location: Option<Text>,
        area_m2: Option<&Bound<'_, PyAny>>,
        area_ha: Option<&Bound<'_, PyAny>>,
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let holder = holder.map(|h| self.firm(py, h)).transpose()?;
        let new = NewParcel {
            area: area_arg(py, area_mu, area_m2, area_ha)?,
            land_use: LandUse::parse(&land_use).py_err(py)?,
            requisitioned: date(entered, "entered")?,
            location: location.map(String::from),
            code: code.0,
            boundary: boundary
                .map(|b| crate::geometry::outline(b, crs))
                .transpose()?,
        };
        self.with(py, |w| w.register_parcel(new, holder))
            .map(|id| id.0)
    }

    #[pyo3(signature = (parcel, on, *, deliver_by=None, terms=None, plot_ratio_min=None, plot_ratio_max=None, instalments=None, industry=None, grade=None, approved_by=None, project=None, notice=None))]
    #[allow(clippy::too_many_arguments)]
    fn agree_contract(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        deliver_by: Option<&Bound<'_, PyAny>>,
        terms: Option<&Bound<'_, PyAny>>,
        plot_ratio_min: Option<&Bound<'_, PyAny>>,
        plot_ratio_max: Option<&Bound<'_, PyAny>>,
        instalments: Option<Vec<Bound<'_, PyAny>>>,
        industry: Option<Text>,
        grade: Option<Text>,
        approved_by: Option<Text>,
        project: Option<Text>,
        notice: Option<Text>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let mut contract = parkdb::Contract::new();
        contract.deliver_by = opt_date(deliver_by, "deliver_by")?;
        contract.terms = use_terms(py, terms)?;
        contract.plot_ratio_min = plot_ratio_min
            .map(|q| quantity(q, "plot_ratio_min"))
            .transpose()?;
        contract.plot_ratio_max = plot_ratio_max
            .map(|q| quantity(q, "plot_ratio_max"))
            .transpose()?;
        contract.instalments = instalments
            .unwrap_or_default()
            .iter()
            .map(|a| yuan(a, "instalments"))
            .collect::<PyResult<_>>()?;
        contract.industry = industry.map(String::from);
        contract.grade = grade.map(String::from);
        contract.approved_by = approved_by.map(String::from);
        contract.project = project.map(String::from);
        contract.notice = notice.map(String::from);
        self.with(py, |w| w.agree_contract(p, d, contract))
            .map(|e| e.0)
    }

    #[pyo3(signature = (parcel, enterprise, on, *, price_yuan=None, how=None))]
    fn convey(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        price_yuan: Option<&Bound<'_, PyAny>>,
        how: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let price = opt_yuan(price_yuan, "price_yuan")?;
        self.with(py, |w| w.convey(p, firm, d, price, how.as_deref()))
            .map(|e| e.0)
    }

    #[pyo3(signature = (parcel, mortgagee, on, *, amount_yuan, until=None, appraised_yuan=None, area_mu=None, right_certificate=None, use_certificate=None, notice=None))]
    #[allow(clippy::too_many_arguments)]
    fn mortgage(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        mortgagee: Text,
        on: &Bound<'_, PyAny>,
        amount_yuan: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        appraised_yuan: Option<&Bound<'_, PyAny>>,
        area_mu: Option<&Bound<'_, PyAny>>,
        right_certificate: Option<Text>,
        use_certificate: Option<Text>,
        notice: Option<Text>,
    ) -> PyResult<u64> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let mut m = parkdb::Mortgage::new(
            mortgagee.0,
            yuan(amount_yuan, "amount_yuan")?,
            d,
            opt_date(until, "until")?,
        );
        m.appraised = opt_yuan(appraised_yuan, "appraised_yuan")?;
        m.area = area_mu
            .map(|a| area_arg(py, Some(a), None, None))
            .transpose()?;
        m.right_certificate = right_certificate.map(String::from);
        m.use_certificate = use_certificate.map(String::from);
        m.notice = notice.map(String::from);
        self.with(py, |w| w.mortgage(p, m)).map(|e| e.0)
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
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        method: Text,
        price_yuan: &Bound<'_, PyAny>,
        start_by: Option<&Bound<'_, PyAny>>,
        complete_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let p = self.parcel(py, parcel)?;
        let terms = Allocation {
            holder: firm,
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
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        price_yuan: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let price = opt_yuan(price_yuan, "price_yuan")?.unwrap_or(parkdb::Yuan::ZERO);
        self.with(py, |w| w.transfer(p, firm, d, price))
            .map(|e| e.0)
    }

    #[pyo3(signature = (parcel, on, parts, *, crs=None))]
    fn split(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parts: Vec<Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<u64>> {
        let (p, d) = (self.parcel(py, parcel)?, date(on, "date")?);
        let parts = parts
            .iter()
            .map(|part| split_part(part, crs))
            .collect::<PyResult<Vec<_>>>()?;
        self.with(py, |w| w.split_parts(p, d, &parts))
            .map(|ids| ids.into_iter().map(|i| i.0).collect())
    }

    /// Sets (or with None removes) a parcel's boundary; `on` defaults to
    /// the date of the parcel's latest event.
    #[pyo3(signature = (parcel, boundary, *, crs=None, on=None))]
    fn set_boundary(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        boundary: Option<&Bound<'_, PyAny>>,
        crs: Option<&Bound<'_, PyAny>>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        let outline = boundary
            .map(|b| crate::geometry::outline(b, crs))
            .transpose()?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.set_boundary(p, d, outline.as_ref())
        })
        .map(|e| e.0)
    }

    /// Sets (or with None removes) a parcel's note (备注); `on` defaults to
    /// the date of the parcel's latest event.
    #[pyo3(signature = (parcel, note, *, on=None))]
    fn set_parcel_note(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        note: Option<Text>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.set_parcel_note(p, d, note.as_deref())
        })
        .map(|e| e.0)
    }

    /// The buildings on a parcel (floor area and footprint in m²) as of
    /// `on` (default: the date of the parcel's latest event).
    #[pyo3(signature = (parcel, *, floor_area_m2, footprint_m2, on=None))]
    fn report_buildings(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        floor_area_m2: &Bound<'_, PyAny>,
        footprint_m2: &Bound<'_, PyAny>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        let floor = quantity(floor_area_m2, "floor_area_m2")?;
        let footprint = quantity(footprint_m2, "footprint_m2")?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => w.parcel(p)?.last_event,
            };
            w.report_buildings(p, d, floor, footprint)
        })
        .map(|e| e.0)
    }

    /// Sets (or with None removes) an enterprise's note (备注); `on`
    /// defaults to the date of its latest event.
    #[pyo3(signature = (enterprise, note, *, on=None))]
    fn set_enterprise_note(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        note: Option<Text>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let e = firm;
        let on = opt_date(on, "on")?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => {
                    let firm = w.enterprise(e)?;
                    Some(firm.last_event)
                        .filter(|d| *d != chrono::NaiveDate::MIN)
                        .unwrap_or_else(|| w.began().date_naive())
                }
            };
            w.set_enterprise_note(e, d, note.as_deref())
        })
        .map(|e| e.0)
    }

    /// The coordinate system of boundaries given without one (None: none).
    fn set_default_crs(&self, py: Python<'_>, crs: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let crs = crs.map(crate::geometry::crs_of).transpose()?;
        self.with(py, |w| w.set_default_crs(crs))
    }

    /// How far a surveyed area may differ from the registered one, as a
    /// share of it (0.01 is 1%); None restores 1%.
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

    #[pyo3(signature = (event_id, *, reason))]
    fn void(&self, py: Python<'_>, event_id: Whole<u64>, reason: Text) -> PyResult<u64> {
        self.with(py, |w| w.void(EventId(event_id.0), &reason))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, investment_yuan=None, land_mu=None))]
    fn enterprise_signed(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        investment_yuan: Option<&Bound<'_, PyAny>>,
        land_mu: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        let investment = opt_yuan(investment_yuan, "investment_yuan")?.unwrap_or(Yuan::ZERO);
        let land = opt_mu(land_mu, "land_mu")?.unwrap_or(Mu::ZERO);
        self.with(py, |w| w.enterprise_signed(firm, d, investment, land))
            .map(|e| e.0)
    }

    fn enterprise_construction_started(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_construction_started(firm, d))
            .map(|e| e.0)
    }

    fn enterprise_in_production(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_in_production(firm, d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, investment_yuan=None, land_mu=None))]
    fn capital_increased(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        investment_yuan: Option<&Bound<'_, PyAny>>,
        land_mu: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        let investment = opt_yuan(investment_yuan, "investment_yuan")?.unwrap_or(Yuan::ZERO);
        let land = opt_mu(land_mu, "land_mu")?.unwrap_or(Mu::ZERO);
        self.with(py, |w| w.capital_increased(firm, d, investment, land))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, reason=Text(String::new())))]
    fn enterprise_suspended(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_suspended(firm, d, &reason))
            .map(|e| e.0)
    }

    fn enterprise_resumed(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_resumed(firm, d))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, on, *, reason=Text(String::new())))]
    fn enterprise_closed(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        on: &Bound<'_, PyAny>,
        reason: Text,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.enterprise_closed(firm, d, &reason))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, year, *, output_yuan=None, revenue_yuan=None, tax_yuan=None, value_added_yuan=None, employees=None, rd_yuan=None, energy_tce=None, electricity_kwh=None, emissions_t=None, above_scale=None, water_m3=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_year(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
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
        water_m3: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
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
            water_m3: opt_quantity(water_m3, "water_m3")?,
        };
        self.with(py, |w| w.report_year(firm, year.0, figures))
            .map(|e| e.0)
    }

    #[pyo3(signature = (enterprise, *, building, area_m2, start, unit=None, end=None))]
    #[allow(clippy::too_many_arguments)]
    fn lease(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        building: Text,
        area_m2: &Bound<'_, PyAny>,
        start: &Bound<'_, PyAny>,
        unit: Option<Text>,
        end: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let area = convert::quantity(area_m2, "area_m2")?;
        let (s, e) = (date(start, "start")?, opt_date(end, "end")?);
        self.with(py, |w| {
            w.lease(firm, &building, unit.as_deref(), area, s, e)
        })
        .map(|e| e.0)
    }

    fn end_lease(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        index: Whole<u32>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "date")?;
        self.with(py, |w| w.end_lease(firm, index.0, d))
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
        enterprise: FirmKey,
        title: Text,
        received: &Bound<'_, PyAny>,
        requested_yuan: &Bound<'_, PyAny>,
        field: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let (d, r) = (
            date(received, "received")?,
            yuan(requested_yuan, "requested_yuan")?,
        );
        self.with(py, |w| {
            w.apply(
                ProgrammeId(programme.0),
                firm,
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

    /// A management fee rate (管理费标准) from `since`.
    #[pyo3(signature = (basis, amount, *, since, period=Text("year".into())))]
    fn set_fee_rate(
        &self,
        py: Python<'_>,
        basis: Text,
        amount: &Bound<'_, PyAny>,
        since: &Bound<'_, PyAny>,
        period: Text,
    ) -> PyResult<()> {
        let rate = FeeRate {
            from: date(since, "since")?,
            basis: FeeBasis::parse(&basis).py_err(py)?,
            period: FeePeriod::parse(&period).py_err(py)?,
            amount: yuan(amount, "amount")?,
        };
        self.with(py, |w| w.set_fee_rate(rate))
    }

    /// 分期付款: `instalments` as (due, amount) pairs; `on` defaults to the
    /// date of the parcel's supply.
    #[pyo3(signature = (parcel, instalments, *, on=None))]
    fn schedule_land_payments(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        instalments: Vec<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
        on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let on = opt_date(on, "on")?;
        let list = instalments
            .iter()
            .map(|(due, amount)| {
                Ok(Instalment {
                    due: date(due, "due")?,
                    amount: yuan(amount, "amount")?,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        self.with(py, |w| {
            let d = match on {
                Some(d) => d,
                None => {
                    let parcel = w.parcel(p)?;
                    parcel.supply.map_or(parcel.last_event, |s| s.date)
                }
            };
            w.schedule_land_payments(p, d, &list)
        })
        .map(|e| e.0)
    }

    /// 收款 on a parcel (地款, 闲置费) or an enterprise (管理费).
    #[pyo3(signature = (amount, *, on, parcel=None, enterprise=None, kind=None, reference=None, payer=None, advance=false))]
    #[allow(clippy::too_many_arguments)]
    fn receive_payment(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<Whole<u64>>,
        kind: Option<Text>,
        reference: Option<Text>,
        payer: Option<Whole<u64>>,
        advance: bool,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let payment = Payment {
            charge,
            amount: yuan(amount, "amount")?,
            reference: reference.map(|r| r.0),
            payer: payer.map(|p| EnterpriseId(p.0)),
            advance,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.receive_payment(account, d, payment))
            .map(|e| e.0)
    }

    /// 退款 on a parcel or an enterprise.
    #[pyo3(signature = (amount, *, on, parcel=None, enterprise=None, kind=None, reference=None, payer=None))]
    #[allow(clippy::too_many_arguments)]
    fn refund_payment(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<Whole<u64>>,
        kind: Option<Text>,
        reference: Option<Text>,
        payer: Option<Whole<u64>>,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let refund = Refund {
            charge,
            amount: yuan(amount, "amount")?,
            reference: reference.map(|r| r.0),
            payer: payer.map(|p| EnterpriseId(p.0)),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.refund_payment(account, d, refund))
            .map(|e| e.0)
    }

    /// 核销 / 减免: all that is outstanding, or `amount` of it.
    #[pyo3(signature = (*, on, reason, parcel=None, enterprise=None, kind=None, amount=None, debtor=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_off_debt(
        &self,
        py: Python<'_>,
        on: &Bound<'_, PyAny>,
        reason: Text,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<Whole<u64>>,
        kind: Option<Text>,
        amount: Option<&Bound<'_, PyAny>>,
        debtor: Option<Whole<u64>>,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let amount = opt_yuan(amount, "amount")?;
        let d = date(on, "on")?;
        let debtor = debtor.map(|x| EnterpriseId(x.0));
        self.with(py, |w| {
            w.write_off_debt(account, d, charge, amount, &reason, debtor)
        })
        .map(|e| e.0)
    }

    /// 追缴: a collection step (notice, meeting, legal).
    #[pyo3(signature = (action, *, on, parcel=None, enterprise=None, kind=None, note=None))]
    #[allow(clippy::too_many_arguments)]
    fn record_collection(
        &self,
        py: Python<'_>,
        action: Text,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<Whole<u64>>,
        kind: Option<Text>,
        note: Option<Text>,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let collection = Collection {
            charge,
            action: CollectionAction::parse(&action).py_err(py)?,
            note: note.map(|n| n.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_collection(account, d, collection))
            .map(|e| e.0)
    }

    /// 征地补偿, 调地 or 办证费 paid by the zone for a parcel's land.
    #[pyo3(signature = (parcel, kind, amount, *, payee, on, area_mu=None, reference=None))]
    #[allow(clippy::too_many_arguments)]
    fn pay_compensation(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        kind: Text,
        amount: &Bound<'_, PyAny>,
        payee: Text,
        on: &Bound<'_, PyAny>,
        area_mu: Option<&Bound<'_, PyAny>>,
        reference: Option<Text>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let compensation = Compensation {
            kind: CompensationKind::parse(&kind).py_err(py)?,
            payee: payee.0,
            amount: yuan(amount, "amount")?,
            area: opt_mu(area_mu, "area_mu")?,
            reference: reference.map(|r| r.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.pay_compensation(p, d, compensation))
            .map(|e| e.0)
    }

    /// 认定: a qualification awarded to an enterprise on `on`.
    #[pyo3(signature = (enterprise, kind, *, on, number=None, programme=None, valid_until=None))]
    #[allow(clippy::too_many_arguments)]
    fn qualify(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        kind: Text,
        on: &Bound<'_, PyAny>,
        number: Option<Text>,
        programme: Option<Text>,
        valid_until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let q = Qualification {
            kind: QualificationKind::parse(&kind).py_err(py)?,
            number: number.map(|n| n.0),
            programme: programme.map(|p| p.0),
            valid_until: opt_date(valid_until, "valid_until")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.qualify(firm, d, q)).map(|e| e.0)
    }

    /// 撤销: revokes the qualification of `kind` that holds on `on`.
    #[pyo3(signature = (enterprise, kind, *, on, reason, number=None))]
    fn revoke_qualification(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        kind: Text,
        on: &Bound<'_, PyAny>,
        reason: Text,
        number: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let kind = QualificationKind::parse(&kind).py_err(py)?;
        let d = date(on, "on")?;
        self.with(py, |w| {
            w.revoke_qualification(firm, d, kind, number.as_deref(), &reason)
        })
        .map(|e| e.0)
    }

    /// An honour (科学技术奖).
    #[pyo3(signature = (enterprise, award, *, on, level, grade, year, project=None, co_winners=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn honour(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        award: Text,
        on: &Bound<'_, PyAny>,
        level: Text,
        grade: Text,
        year: Whole<i32>,
        project: Option<Text>,
        co_winners: Vec<String>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let h = Honour {
            award: award.0,
            level: HonourLevel::parse(&level).py_err(py)?,
            class: grade.0,
            year: year.0,
            project: project.map(|p| p.0),
            co_winners,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.honour(firm, d, h)).map(|e| e.0)
    }

    /// An inspection (环保 or 安全; 突击 when `surprise`).
    #[pyo3(signature = (enterprise, domain, *, on, surprise=false, findings=None, rectify_by=None))]
    #[allow(clippy::too_many_arguments)]
    fn record_inspection(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        on: &Bound<'_, PyAny>,
        surprise: bool,
        findings: Option<Text>,
        rectify_by: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let i = Inspection {
            domain: Domain::parse(&domain).py_err(py)?,
            surprise,
            findings: findings.map(|f| f.0),
            rectify_by: opt_date(rectify_by, "rectify_by")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_inspection(firm, d, i))
            .map(|e| e.0)
    }

    /// 整改完成: the firm's inspection number `inspection` (0 for its first).
    #[pyo3(signature = (enterprise, inspection, *, on, note=None))]
    fn rectify(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        inspection: Whole<u32>,
        on: &Bound<'_, PyAny>,
        note: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "on")?;
        self.with(py, |w| w.rectify(firm, d, inspection.0, note.as_deref()))
            .map(|e| e.0)
    }

    /// An incident (事故).
    #[pyo3(signature = (enterprise, domain, kind, *, on, quantity_t=None, casualties=Whole(0), response_hours=None, outcome=None))]
    #[allow(clippy::too_many_arguments)]
    fn record_incident(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        kind: Text,
        on: &Bound<'_, PyAny>,
        quantity_t: Option<&Bound<'_, PyAny>>,
        casualties: Whole<u32>,
        response_hours: Option<&Bound<'_, PyAny>>,
        outcome: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let i = Incident {
            domain: Domain::parse(&domain).py_err(py)?,
            kind: kind.0,
            quantity_t: opt_quantity(quantity_t, "quantity_t")?,
            casualties: casualties.0,
            response_hours: opt_quantity(response_hours, "response_hours")?,
            outcome: outcome.map(|o| o.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_incident(firm, d, i))
            .map(|e| e.0)
    }

    /// A complaint (投诉) about a firm.
    #[pyo3(signature = (enterprise, domain, subject, *, on, source=None))]
    fn record_complaint(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        domain: Text,
        subject: Text,
        on: &Bound<'_, PyAny>,
        source: Option<Text>,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let c = Complaint {
            domain: Domain::parse(&domain).py_err(py)?,
            subject: subject.0,
            source: source.map(|s| s.0),
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.record_complaint(firm, d, c))
            .map(|e| e.0)
    }

    /// The firm's complaint number `complaint` (0 for its first) resolved.
    #[pyo3(signature = (enterprise, complaint, *, on, resolution))]
    fn resolve_complaint(
        &self,
        py: Python<'_>,
        enterprise: FirmKey,
        complaint: Whole<u32>,
        on: &Bound<'_, PyAny>,
        resolution: Text,
    ) -> PyResult<u64> {
        let firm = self.firm(py, enterprise)?;
        let d = date(on, "on")?;
        self.with(py, |w| {
            w.resolve_complaint(firm, d, complaint.0, &resolution)
        })
        .map(|e| e.0)
    }

    /// A building (物业) registered on the parcel it stands on.
    #[pyo3(signature = (parcel, code, *, floor_area_m2, lettable_m2, on, r#use=Text("factory".into()), name=None, footprint_m2=None))]
    #[allow(clippy::too_many_arguments)]
    fn register_building(
        &self,
        py: Python<'_>,
        parcel: &Bound<'_, PyAny>,
        code: Text,
        floor_area_m2: &Bound<'_, PyAny>,
        lettable_m2: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        r#use: Text,
        name: Option<Text>,
        footprint_m2: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let p = self.parcel(py, parcel)?;
        let spec = BuildingSpec {
            code: code.0,
            name: name.map(|n| n.0),
            use_: BuildingUse::parse(&r#use).py_err(py)?,
            floor_area_m2: quantity(floor_area_m2, "floor_area_m2")?,
            lettable_m2: quantity(lettable_m2, "lettable_m2")?,
            footprint_m2: opt_quantity(footprint_m2, "footprint_m2")?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.register_building(p, d, spec))
            .map(|e| e.0)
    }

    /// A building reached a stage on `on`.
    #[pyo3(signature = (code, stage, *, on))]
    fn reach_building_stage(
        &self,
        py: Python<'_>,
        code: Text,
        stage: Text,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let stage = BuildingStage::parse(&stage).py_err(py)?;
        let d = date(on, "on")?;
        self.with(py, |w| w.reach_building_stage(&code, d, stage))
            .map(|e| e.0)
    }

    /// A stage planned for a building by `by`, recorded on `on`.
    #[pyo3(signature = (code, stage, *, by, on))]
    fn plan_building_stage(
        &self,
        py: Python<'_>,
        code: Text,
        stage: Text,
        by: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
    ) -> PyResult<u64> {
        let stage = BuildingStage::parse(&stage).py_err(py)?;
        let (by, d) = (date(by, "by")?, date(on, "on")?);
        self.with(py, |w| w.plan_building_stage(&code, d, stage, by))
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

/// A part of a split: `(code, area)`, `(code, area, boundary)` or a
/// mapping with `code`, `area_mu`, `boundary` and `crs`.
fn split_part(
    part: &Bound<'_, PyAny>,
    crs: Option<&Bound<'_, PyAny>>,
) -> PyResult<parkdb::SplitPart> {
    let py = part.py();
    if let Ok(d) = part.cast::<pyo3::types::PyDict>() {
        let get = |k: &str| d.get_item(k);
        let code: Text = get("code")?
            .ok_or_else(|| convert::validation(py, "parts", "a part needs its code".into()))?
            .extract()?;
        let area = get("area_mu")?.or(get("area")?).ok_or_else(|| {
            convert::validation(py, "parts", format!("part {}: give area_mu", code.0))
        })?;
        let own_crs = get("crs")?;
        let boundary = get("boundary")?.filter(|b| !b.is_none());
        return Ok(parkdb::SplitPart {
            area: convert::mu(&area, "area_mu")?,
            boundary: boundary
                .map(|b| crate::geometry::outline(&b, own_crs.as_ref().or(crs)))
                .transpose()?,
            code: code.0,
        });
    }
    let items: Vec<Bound<'_, PyAny>> = part.extract().map_err(|_| {
        convert::validation(
            py,
            "parts",
            "a part is (code, area) or (code, area, boundary)".into(),
        )
    })?;
    match &items[..] {
        [code, area] | [code, area, _] => {
            let code: Text = code.extract()?;
            let boundary = items.get(2).filter(|b| !b.is_none());
            Ok(parkdb::SplitPart {
                area: convert::mu(area, "area_mu")?,
                boundary: boundary
                    .map(|b| crate::geometry::outline(b, crs))
                    .transpose()?,
                code: code.0,
            })
        }
        _ => Err(convert::validation(
            py,
            "parts",
            "a part is (code, area) or (code, area, boundary)".into(),
        )),
    }
}

/// 土地使用年限 as Python gives it: years (an int, the parcel's own use)
/// or a mapping of use to years (`{"其他工业用地": 50, "其他商服用地": 40}`).
fn use_terms(py: Python<'_>, terms: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<parkdb::UseTerm>> {
    let Some(terms) = terms else {
        return Ok(Vec::new());
    };
    if let Ok(Whole(years)) = terms.extract::<Whole<u16>>() {
        return Ok(vec![parkdb::UseTerm { use_: None, years }]);
    }
    let Ok(map) = terms.cast::<pyo3::types::PyDict>() else {
        return Err(validation(
            py,
            "terms",
            "expected years (an int) or a mapping of use to years".into(),
        ));
    };
    map.iter()
        .map(|(k, v)| {
            Ok(parkdb::UseTerm {
                use_: Some(k.extract::<String>()?),
                years: v.extract::<Whole<u16>>()?.0,
            })
        })
        .collect()
}
