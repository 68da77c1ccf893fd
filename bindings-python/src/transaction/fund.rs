//! The science & technology fund's writes: programmes and applications.

use parkdb::{ApplicationId, Award, AwardKind, ProgrammeId, RecoveryVia, Yuan};
use pyo3::prelude::*;

use crate::convert::{date, opt_date, opt_yuan, validation, yuan, IntoPy, Text, Whole};

use super::{FirmKey, Transaction};

steps! {
/// 不予立项: the application is rejected.
///
/// Raises ``LifecycleError`` (the application is not received).
///
///     db.reject(a, "2005-04-01", reason="不符合申报条件")
reject(application, reason);
/// 核销: writes off what is outstanding on the loan.
///
/// Raises ``LifecycleError`` (no loan outstanding).
///
///     db.write_off(a, "2009-01-01", reason="企业注销")
write_off(application, reason);
/// 结项: closes an approved application with nothing outstanding.
///
/// Raises ``LifecycleError`` (a loan outstanding, or not approved).
///
///     db.close_application(a, "2007-06-01")
close_application(application);
}

#[pymethods]
impl Transaction {
    /// A programme of the fund: a year's appropriation (区财政拨款). Returns its id.
    ///
    /// Raises ``ValidationError`` (empty name, a year outside 1900–2200, negative
    /// budget), ``ConflictError`` (a programme of the same name and year).
    ///
    ///     g = db.add_programme("2005年度科技三项费用", 2005, budget_yuan="13,140,000")
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

    /// The programme's budget changes (a supplementary appropriation, say).
    ///
    /// Raises ``ValidationError`` (negative budget).
    ///
    ///     db.set_budget(g, "2005-07-01", "15,000,000")
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

    /// 受理: receives an application from an enterprise under a programme.
    /// Returns its id.
    ///
    /// Raises ``NotFoundError`` (programme or applicant), ``ValidationError`` (empty
    /// title, non-positive request).
    ///
    ///     a = db.apply(g, e, "新型LED封装", "2005-02-01", requested_yuan="500,000")
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

    /// 评审: experts' scores, 0 to 100.
    ///
    /// Raises ``ValidationError`` (no scores, one above 100), ``LifecycleError``
    /// (the application is not received).
    ///
    ///     db.review(a, "2005-03-01", scores=[82, 90, 77])
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

    /// 立项: approves an application in a named batch with an award per kind.
    /// A loan needs ``repay_by`` or a ``schedule`` summing to it; awards beyond the
    /// programme's budget are refused unless ``override_budget``.
    ///
    /// Raises ``ValidationError`` (bad amounts or terms), ``ConflictError`` (beyond
    /// the budget), ``LifecycleError`` (the application is not received).
    ///
    ///     db.approve(a, "2005-04-01", batch="第一批", grant_yuan="200,000",
    ///                loan_yuan="300,000", repay_by="2007-04-01")
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

    /// 拨付: pays a tranche of one kind (``grant``, ``interest_subsidy``,
    /// ``loan``); what is disbursed of a kind may not exceed its award.
    ///
    /// Raises ``ValidationError`` (non-positive amount), ``LifecycleError`` (before
    /// approval, or beyond the award).
    ///
    ///     db.disburse(a, "2005-05-01", "200,000", kind="grant")
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

    /// 还款: a repayment of the loan, at most what is outstanding.
    ///
    /// Raises ``ValidationError`` (non-positive amount), ``LifecycleError`` (beyond
    /// the outstanding loan).
    ///
    ///     db.repay(a, "2007-04-01", "300,000")
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

    /// 追讨: money recovered from a debtor, by ``demand`` or through the ``court``.
    ///
    /// Raises as ``repay``.
    ///
    ///     db.recover(a, "2008-01-01", "100,000", via="court")
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
}
