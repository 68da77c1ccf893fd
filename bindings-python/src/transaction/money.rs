//! The zone's money: fees, land payments, collections and compensation.

use parkdb::money::{
    Collection, CollectionAction, Compensation, CompensationKind, FeeBasis, FeePeriod, FeeRate,
    Instalment, Payment, Refund,
};
use pyo3::prelude::*;

use crate::convert::{date, opt_date, opt_mu, opt_yuan, yuan, IntoPy, Text};

use super::{FirmKey, Transaction};

#[pymethods]
impl Transaction {
    /// Sets a management fee rate (管理费标准) from a date: ``basis`` is
    /// ``held_mu`` (元 per 亩 of land held, 按亩) or ``leased_m2`` (元 per m² leased
    /// in the incubator, 按平方米), ``period`` ``year`` or ``month``. A rate holds
    /// until the next of the same basis; a rate of 0 stops the fee. Fees are
    /// never typed in: each enterprise's are billed at the end of each period
    /// from who held or leased what, and when, pro rata by the period's days
    /// (a firm that left owes up to its last day), and ``receivables`` shows
    /// what is outstanding.
    ///
    /// Raises ``ValidationError`` (an unknown basis or period, a negative rate).
    ///
    ///     db.set_fee_rate("held_mu", "1200", since="2004-01-01")
    ///     db.set_fee_rate("leased_m2", "8", period="month", since="2004-01-01")
    #[pyo3(signature = (basis, amount, *, since, period=Text("year".into())), text_signature = "($self, basis, amount, *, since, period='year')")]
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

    /// 分期付款: splits the land price owed on a parcel (the latest allocation or
    /// transfer by ``on``, default the supply date) into instalments, given as
    /// ``(due, amount)`` pairs; they must sum exactly to the price and fall due
    /// no earlier than the debt. A new schedule replaces the old. Without one,
    /// the whole price falls due on the day the land is supplied.
    ///
    /// Raises ``ValidationError`` (no instalments, an amount not above zero),
    /// ``NotFoundError``, ``LifecycleError`` (no land price owed by then, a sum
    /// that differs from the price, an instalment before the debt, a debt a
    /// reclaim closed).
    ///
    ///     db.schedule_land_payments("GP-001", [("2004-06-30", "3,000,000"),
    ///                                          ("2005-06-30", "2,000,000")])
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

    /// 收款: money received on a debt. Name the ``parcel`` for its land price
    /// (``kind="land_price"``, the default, 地款) or idle fee (``"idle_fee"``,
    /// 闲置费), or the ``enterprise`` for management fees (管理费). The payment
    /// goes to the latest debt of its kind arisen by ``on`` (the holder's), or
    /// to ``payer``'s when a former holder pays what it still owes. A payment
    /// larger than what is outstanding is refused unless ``advance=True`` (预收:
    /// the difference stays as a credit).
    ///
    /// Raises ``ValidationError`` (an amount not above zero, both or neither of
    /// parcel and enterprise, a kind the account does not keep),
    /// ``NotFoundError``, ``LifecycleError`` (more than outstanding, a parcel
    /// never supplied, a date before the debt arose, a debt closed by a reclaim).
    ///
    ///     db.receive_payment("400,000", parcel="GP-001", on="2004-04-10", reference="收2004-001")
    ///     db.receive_payment("12,000", enterprise=e, on="2005-01-20")
    #[pyo3(signature = (amount, *, on, parcel=None, enterprise=None, kind=None, reference=None, payer=None, advance=false))]
    #[allow(clippy::too_many_arguments)]
    fn receive_payment(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<FirmKey>,
        kind: Option<Text>,
        reference: Option<Text>,
        payer: Option<FirmKey>,
        advance: bool,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let payment = Payment {
            charge,
            amount: yuan(amount, "amount")?,
            reference: reference.map(|r| r.0),
            payer: payer.map(|p| self.firm(py, p)).transpose()?,
            advance,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.receive_payment(account, d, payment))
            .map(|e| e.0)
    }

    /// 退款: money given back on a debt, at most what was paid on it; name the
    /// ``parcel`` or the ``enterprise`` as for ``receive_payment`` (and
    /// ``payer`` for a former holder). After a reclaim the zone keeps what was
    /// paid unless a refund is recorded.
    ///
    /// Raises ``ValidationError``, ``NotFoundError``, ``LifecycleError`` (more
    /// than was paid).
    ///
    ///     db.refund_payment("50,000", parcel="GP-001", payer=a, on="2005-11-01")
    #[pyo3(signature = (amount, *, on, parcel=None, enterprise=None, kind=None, reference=None, payer=None))]
    #[allow(clippy::too_many_arguments)]
    fn refund_payment(
        &self,
        py: Python<'_>,
        amount: &Bound<'_, PyAny>,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<FirmKey>,
        kind: Option<Text>,
        reference: Option<Text>,
        payer: Option<FirmKey>,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let refund = Refund {
            charge,
            amount: yuan(amount, "amount")?,
            reference: reference.map(|r| r.0),
            payer: payer.map(|p| self.firm(py, p)).transpose()?,
        };
        let d = date(on, "on")?;
        self.with(py, |w| w.refund_payment(account, d, refund))
            .map(|e| e.0)
    }

    /// 核销 (for an idle fee 减免): writes off ``amount`` of a debt, or all that is
    /// outstanding on it, with a reason; name the ``parcel`` (``kind`` ``land_price``
    /// or ``idle_fee``) or the ``enterprise`` (management fees).
    ///
    /// Raises ``ValidationError`` (no reason, an amount not above zero),
    /// ``NotFoundError``, ``LifecycleError`` (more than outstanding, nothing to
    /// write off, a debt closed by a reclaim).
    ///
    ///     db.write_off_debt(parcel="GP-001", kind="idle_fee", on="2004-10-01", reason="困难企业减免")
    #[pyo3(signature = (*, on, reason, parcel=None, enterprise=None, kind=None, amount=None, debtor=None))]
    #[allow(clippy::too_many_arguments)]
    fn write_off_debt(
        &self,
        py: Python<'_>,
        on: &Bound<'_, PyAny>,
        reason: Text,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<FirmKey>,
        kind: Option<Text>,
        amount: Option<&Bound<'_, PyAny>>,
        debtor: Option<FirmKey>,
    ) -> PyResult<u64> {
        let (account, charge) = self.account(py, parcel, enterprise, kind)?;
        let amount = opt_yuan(amount, "amount")?;
        let d = date(on, "on")?;
        let debtor = debtor.map(|x| self.firm(py, x)).transpose()?;
        self.with(py, |w| {
            w.write_off_debt(account, d, charge, amount, &reason, debtor)
        })
        .map(|e| e.0)
    }

    /// 追缴: records a step taken to collect a debt — ``notice`` (催缴通知),
    /// ``meeting`` (约谈) or ``legal`` (律师函, 诉讼) — so ``receivables`` shows the
    /// latest step and what was paid after it, and the annual report counts
    /// them.
    ///
    /// Raises ``ValidationError`` (an unknown action), ``NotFoundError``,
    /// ``LifecycleError`` (nothing of the kind owed on the parcel by then).
    ///
    ///     db.record_collection("notice", parcel="GP-001", on="2005-01-15", note="第一次催缴")
    #[pyo3(signature = (action, *, on, parcel=None, enterprise=None, kind=None, note=None))]
    #[allow(clippy::too_many_arguments)]
    fn record_collection(
        &self,
        py: Python<'_>,
        action: Text,
        on: &Bound<'_, PyAny>,
        parcel: Option<&Bound<'_, PyAny>>,
        enterprise: Option<FirmKey>,
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

    /// 征地补偿: money the zone paid for a parcel's land — ``land`` (土地补偿费),
    /// ``resettlement`` (安置补助费), ``attachments`` (地上附着物和青苗补偿费),
    /// ``swap`` (调地: a household's plot exchanged; give its ``area_mu``) or
    /// ``certification`` (办证费) — and to whom. ``land_summary`` sums them as
    /// ``land_cost_yuan`` (and per 亩), the annual report as the year's spending.
    ///
    /// Raises ``ValidationError`` (an amount not above zero, no payee, an area on
    /// anything but a swap), ``NotFoundError``, ``LifecycleError`` (a date before
    /// the parcel entered the ledger).
    ///
    ///     db.pay_compensation("GP-001", "attachments", "86,000", payee="林某户", on="2004-02-01")
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
}
