//! The register's writes: firms, their ids, steps, yearly figures and leases.

use parkdb::{IdKind, NewEnterprise, YearlyFigures};
use pyo3::prelude::*;

use crate::convert::{self, date, opt_date, opt_quantity, opt_yuan, IntoPy, Text, Whole};

use super::{FirmKey, Transaction};

steps! {
/// 签约/引进: the enterprise's project is signed, with its planned
/// investment and land.
///
/// Raises ``ValidationError`` (negative amounts), ``LifecycleError`` (already signed).
///
///     db.enterprise_signed(e, "2004-03-01", investment_yuan="50,000,000", land_mu=40)
enterprise_signed(enterprise, investment);
/// 增资: more investment and/or land (科华增资40亩).
///
/// Raises ``ValidationError`` (negative or empty increase), ``LifecycleError``
/// (no live project).
///
///     db.capital_increased(e, "2005-08-01", investment_yuan="10,000,000", land_mu=40)
capital_increased(enterprise, investment);
/// 在建: construction of the project started.
///
/// Raises ``LifecycleError`` (the project is not signed).
///
///     db.enterprise_construction_started(e, "2004-09-01")
enterprise_construction_started(enterprise);
/// 投产: the project is in production.
///
/// Raises ``LifecycleError`` (the project is neither signed nor under construction).
///
///     db.enterprise_in_production(e, "2005-06-01")
enterprise_in_production(enterprise);
/// 停产: the enterprise's production is suspended.
///
/// Raises ``LifecycleError`` (already suspended, or no project).
///
///     db.enterprise_suspended(e, "2005-10-01", reason="整改")
enterprise_suspended(enterprise, reason);
/// Back from a suspension, to the status before it.
///
/// Raises ``LifecycleError`` (not suspended).
///
///     db.enterprise_resumed(e, "2006-01-01")
enterprise_resumed(enterprise);
/// 关闭: the enterprise closes; no lifecycle event may follow.
///
/// Raises ``LifecycleError`` (already closed).
///
///     db.enterprise_closed(e, "2007-01-01", reason="迁出")
enterprise_closed(enterprise, reason);
}

#[pymethods]
impl Transaction {
    /// Registers an enterprise (企业) and returns its id.
    ///
    /// A unified social credit code (统一社会信用代码, GB 32100) must pass its check
    /// character unless ``allow_invalid_code`` and be unique; an industry must be a
    /// GB/T 4754-2017 code; ``founded`` may not be after ``registered``.
    ///
    /// Its older ids may be given too (``tax_id`` 纳税人识别号 of 15, 17, 18 or 20
    /// characters, ``org_code`` 组织机构代码 with its check character, ``licence``
    /// 工商注册号 of 15 digits); each names one firm, and every argument that
    /// takes a firm then takes any of them, as it takes the id, the credit code
    /// or the unique registered name.
    ///
    /// Raises ``ValidationError`` (empty name, bad code, id or industry),
    /// ``ConflictError`` (a code or id already another firm's).
    ///
    ///     e = db.add_enterprise("东岸精密机械有限公司", credit_code="91330100000000001X",
    ///                           industry="C34", registered="2004-05-01")
    ///     old = db.add_enterprise("烟台开发区某五金厂", tax_id="370613705812957")
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

    /// Records a firm's id other than its credit code: ``kind``
    /// ``tax_id`` (纳税人识别号: 15, 17, 18 or 20 characters), ``org_code``
    /// (组织机构代码: 8 characters and the GB 11714 check character) or
    /// ``licence`` (工商注册号: 15 digits), in force from the firm's registration.
    /// ``db.enterprise(key)`` and every argument that takes a firm find it by
    /// the id.
    ///
    /// Raises ``ValidationError`` (a malformed id), ``ConflictError`` (another
    /// firm's id or credit code), ``LifecycleError`` (an id of that kind recorded
    /// already), ``NotFoundError``.
    ///
    ///     db.record_enterprise_id("烟台开发区某五金厂", "tax_id", "370613705812957")
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

    /// Sets an enterprise's note (备注) from a date (``on``, else the date of
    /// its latest event); ``None`` or empty text removes it. The enterprises
    /// table has it as ``note``. An import keeps a 企业名录 row's 备注 this way.
    ///
    /// Raises ``ValidationError`` (control characters, more than 4,000
    /// characters), ``NotFoundError``, ``LifecycleError`` (a date before the
    /// enterprise was registered).
    ///
    ///     db.set_enterprise_note(e, "骨干企业", on="2005-12-31")
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

    /// Reports a year's figures (valid at the year's end). A second report for
    /// the same year is a revision: the fields it gives replace the earlier ones,
    /// which stay in history (``known_at`` shows them).
    ///
    /// Raises ``ValidationError`` (negative figures, an implausible year, an empty
    /// report), ``LifecycleError`` (a year before registration).
    ///
    /// Water use (``water_m3``) is kept since storage format 7; with
    /// ``electricity_kwh`` and ``emissions_t`` it is what grade-driven surcharges
    /// (``surcharges``) are computed from.
    ///
    ///     db.report_year(e, 2005, output_yuan="380,000,000", tax_yuan="12,000,000",
    ///                    employees=900, energy_tce="5200", above_scale=True)
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

    /// A tenancy in the incubator (科创中心) from ``start``, until ``end`` if known.
    ///
    /// Raises ``ValidationError`` (empty building, non-positive area, an end before
    /// the start).
    ///
    ///     db.lease(e, building="1#厂房", area_m2="2,400", start="2005-06-01")
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

    /// Ends the enterprise's lease number ``index`` (in order of leasing, from 0).
    ///
    /// Raises ``LifecycleError`` (an unknown or already ended lease).
    ///
    ///     db.end_lease(e, 0, "2006-12-31")
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
}
