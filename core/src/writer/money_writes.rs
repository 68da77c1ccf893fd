//! Writes of money: payments, refunds, write-offs and collection steps on
//! the debts of parcels (地款, 闲置费) and enterprises (管理费), schedules,
//! compensation paid for land, and management fee rates.

use std::collections::BTreeSet;

use super::*;
use crate::money::{
    self, Charge, Collection, Compensation, Debt, FeeRate, Instalment, Payment, Refund,
};

/// Whose debt a payment, refund, write-off or collection step is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Account {
    /// A parcel's land price or idle fee.
    Parcel(ParcelId),
    /// An enterprise's management fees.
    Enterprise(EnterpriseId),
}

impl Account {
    /// Refuses a charge the account does not keep.
    fn check(self, charge: Charge) -> Result<()> {
        match (self, charge) {
            (Account::Parcel(_), Charge::LandPrice | Charge::IdleFee)
            | (Account::Enterprise(_), Charge::ManagementFee) => Ok(()),
            (Account::Parcel(_), Charge::ManagementFee) => Err(Error::validation(
                "charge",
                "management fees are owed by an enterprise: name the enterprise, not a parcel",
            )),
            (Account::Enterprise(_), _) => Err(Error::validation(
                "charge",
                format!(
                    "{} is owed on a parcel: name the parcel, not an enterprise",
                    charge.chinese()
                ),
            )),
        }
    }
}

impl Writer {
    // ---- money ----

    /// Sets a management fee rate from its date (管理费标准); a rate of the
    /// same basis from the same date is replaced.
    ///
    /// # Errors
    /// [`Error::Validation`] for a negative amount.
    pub fn set_fee_rate(&mut self, rate: FeeRate) -> Result<()> {
        if rate.amount < Yuan::ZERO {
            return Err(Error::validation(
                "amount",
                format!("a fee rate cannot be negative, got {}", rate.amount),
            ));
        }
        crate::days::check_date("from", rate.from)?;
        let mut policy = self.policy();
        policy
            .fee_rates
            .retain(|r| !(r.basis == rate.basis && r.from == rate.from));
        policy.fee_rates.push(rate);
        policy.fee_rates.sort_by_key(|r| (r.from, r.basis));
        self.set_policy(policy)
    }

    /// 分期付款: the schedule of the latest land-price debt on a parcel,
    /// replacing any before.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty schedule or an amount not above
    /// zero; [`Error::NotFound`]; [`Error::Lifecycle`] when no land price is
    /// owed by `date`, the instalments do not sum exactly to the price, one
    /// falls before the debt arose, or a reclaim closed the debt.
    pub fn schedule_land_payments(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        instalments: &[Instalment],
    ) -> Result<EventId> {
        self.attempt(|w| {
            if instalments.is_empty() {
                return Err(Error::validation(
                    "instalments",
                    "a schedule needs at least one instalment",
                ));
            }
            for i in instalments {
                money::positive("amount", i.amount)?;
                crate::days::check_date("due", i.due)?;
            }
            w.record_event::<Parcel>(
                parcel.0,
                date,
                ParcelEvent::PaymentsScheduled {
                    instalments: instalments.to_vec(),
                },
            )
        })
    }

    /// 收款: a payment on a parcel's land price or idle fee, or of an
    /// enterprise's management fees.
    ///
    /// # Errors
    /// [`Error::Validation`] for an amount not above zero or a charge the
    /// account does not keep; [`Error::NotFound`]; [`Error::Lifecycle`] for
    /// a payment larger than what is outstanding (unless an advance), on a
    /// parcel never supplied or before the debt arose, or after a reclaim
    /// closed the debt.
    pub fn receive_payment(
        &mut self,
        on: Account,
        date: NaiveDate,
        payment: Payment,
    ) -> Result<EventId> {
        self.attempt(|w| {
            on.check(payment.charge)?;
            money::positive("amount", payment.amount)?;
            let payment = Payment {
                reference: crate::text::optional_note("reference", payment.reference.as_deref())?,
                ..payment
            };
            match on {
                Account::Parcel(p) => {
                    w.payer_exists(payment.payer)?;
                    let voucher = payment.reference.clone();
                    let event = ParcelEvent::PaymentReceived(payment);
                    w.voucher_unused::<Parcel>(p.0, date, &event, voucher.as_deref())?;
                    let id = w.record_event::<Parcel>(p.0, date, event)?;
                    if let Some(v) = voucher {
                        w.pending
                            .take_code(keys::index::PARCEL_VOUCHER, v.as_bytes(), p.0);
                    }
                    Ok(id)
                }
                Account::Enterprise(e) => {
                    w.fee_debt(e, date)?
                        .pay(date, &payment)
                        .map_err(|why| w.refuse_fee(e, why))?;
                    let voucher = payment.reference.clone();
                    let event = EnterpriseEvent::FeePaid(payment);
                    w.voucher_unused::<Enterprise>(e.0, date, &event, voucher.as_deref())?;
                    let id = w.record_event::<Enterprise>(e.0, date, event)?;
                    if let Some(v) = voucher {
                        w.pending
                            .take_code(keys::index::ENTERPRISE_VOUCHER, v.as_bytes(), e.0);
                    }
                    Ok(id)
                }
            }
        })
    }

    /// Refuses a payment whose voucher (凭证号) another payment used, on
    /// any parcel or firm; a payment the database holds already (the same
    /// event on the same day, imported again) is not a second use.
    fn voucher_unused<R: Record>(
        &self,
        id: u64,
        date: NaiveDate,
        event: &R::Event,
        voucher: Option<&str>,
    ) -> Result<()> {
        let Some(voucher) = voucher else {
            return Ok(());
        };
        if self.merging && self.known_event::<R>(id, date, event)?.is_some() {
            return Ok(());
        }
        let on_parcel =
            self.voucher_holder::<Parcel>(keys::index::PARCEL_VOUCHER, voucher, |p| {
                p.vouchers().any(|v| v == voucher).then(|| p.code.clone())
            })?;
        let by = match on_parcel {
            Some(by) => Some(by),
            None => {
                self.voucher_holder::<Enterprise>(keys::index::ENTERPRISE_VOUCHER, voucher, |e| {
                    e.vouchers().any(|v| v == voucher).then(|| e.name.clone())
                })?
            }
        };
        match by {
            None => Ok(()),
            Some(by) => Err(Error::validation(
                "reference",
                format!("voucher {voucher} is used already, by a payment on {by}: a voucher is used once"),
            )),
        }
    }

    /// The record of kind `R` that holds `voucher` (named by `name`): one
    /// this unit of work gave it to, or a committed one.
    fn voucher_holder<R: Record + Send + Sync + 'static>(
        &self,
        family: u8,
        voucher: &str,
        name: impl Fn(&R) -> Option<String>,
    ) -> Result<Option<String>> {
        let mut ids = self
            .engine
            .cache
            .with::<R, _>(self.engine(), |m| m.ids(family, voucher.as_bytes()))?;
        if let Some(id) = self
            .pending
            .codes
            .get(&(family, voucher.as_bytes().to_vec()))
        {
            ids.insert(*id);
        }
        for id in ids {
            if let Some(found) = self.load::<R>(id)?.and_then(|r| name(&r)) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// 退款: money given back, at most what was paid.
    ///
    /// # Errors
    /// As [`Writer::receive_payment`]; [`Error::Lifecycle`] for a refund
    /// larger than what was paid.
    pub fn refund_payment(
        &mut self,
        on: Account,
        date: NaiveDate,
        refund: Refund,
    ) -> Result<EventId> {
        self.attempt(|w| {
            on.check(refund.charge)?;
            money::positive("amount", refund.amount)?;
            let refund = Refund {
                reference: crate::text::optional_note("reference", refund.reference.as_deref())?,
                ..refund
            };
            match on {
                Account::Parcel(p) => {
                    w.payer_exists(refund.payer)?;
                    w.record_event::<Parcel>(p.0, date, ParcelEvent::PaymentRefunded(refund))
                }
                Account::Enterprise(e) => {
                    w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::FeeRefunded(refund))
                }
            }
        })
    }

    /// 核销 (减免 for an idle fee): writes off `amount` of a debt, or, with
    /// `None`, all that is outstanding on it; a reason is required.
    ///
    /// # Errors
    /// As [`Writer::receive_payment`]; [`Error::Validation`] without a
    /// reason; [`Error::Lifecycle`] for more than is outstanding, or
    /// nothing outstanding to write off.
    pub fn write_off_debt(
        &mut self,
        on: Account,
        date: NaiveDate,
        charge: Charge,
        amount: Option<Yuan>,
        reason: &str,
        debtor: Option<EnterpriseId>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            on.check(charge)?;
            let reason = crate::text::required_note("reason", reason, "a write-off")?;
            if let Some(a) = amount {
                money::positive("amount", a)?;
            }
            let write_off = match on {
                Account::Parcel(p) => {
                    w.payer_exists(debtor)?;
                    let mut parcel: Parcel = w.require(p.0)?;
                    let code = parcel.code.clone();
                    parcel
                        .account
                        .get_or_insert_with(Box::default)
                        .debt_for(charge, date, debtor)
                        .and_then(|d| d.checked_write_off(date, amount, reason, debtor))
                        .map_err(|why| why.of(Entity::Parcel, code))?
                }
                Account::Enterprise(e) => w
                    .fee_debt(e, date)?
                    .checked_write_off(date, amount, reason, None)
                    .map_err(|why| w.refuse_fee(e, why))?,
            };
            match on {
                Account::Parcel(p) => {
                    w.record_event::<Parcel>(p.0, date, ParcelEvent::WrittenOff(write_off))
                }
                Account::Enterprise(e) => w.record_event::<Enterprise>(
                    e.0,
                    date,
                    EnterpriseEvent::FeeWrittenOff(write_off),
                ),
            }
        })
    }

    /// 追缴: a step taken to collect a debt.
    ///
    /// # Errors
    /// As [`Writer::receive_payment`]; [`Error::Lifecycle`] when nothing of
    /// the charge was ever owed.
    pub fn record_collection(
        &mut self,
        on: Account,
        date: NaiveDate,
        collection: Collection,
    ) -> Result<EventId> {
        self.attempt(|w| {
            on.check(collection.charge)?;
            let collection = Collection {
                note: crate::text::optional_note("note", collection.note.as_deref())?,
                ..collection
            };
            match on {
                Account::Parcel(p) => {
                    let parcel: Parcel = w.require(p.0)?;
                    if !parcel
                        .debts()
                        .iter()
                        .any(|d| d.charge == collection.charge && d.created <= date)
                    {
                        return Err(Error::lifecycle(
                            Entity::Parcel,
                            parcel.code,
                            Rule::NoSuchItem,
                            format!(
                                "no {} was owed on the parcel by {date}",
                                collection.charge.chinese()
                            ),
                        ));
                    }
                    w.record_event::<Parcel>(p.0, date, ParcelEvent::CollectionTaken(collection))
                }
                Account::Enterprise(e) => w.record_event::<Enterprise>(
                    e.0,
                    date,
                    EnterpriseEvent::FeeCollection(collection),
                ),
            }
        })
    }

    /// 征地补偿, 调地 or 办证费: money the zone paid for a parcel's land.
    ///
    /// # Errors
    /// [`Error::Validation`] for an amount not above zero, an empty payee
    /// or an area on anything but a swap; [`Error::NotFound`];
    /// [`Error::Lifecycle`] for a date before the parcel entered the ledger.
    pub fn pay_compensation(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        compensation: Compensation,
    ) -> Result<EventId> {
        self.attempt(|w| {
            money::positive("amount", compensation.amount)?;
            if let Some(a) = compensation.area {
                if compensation.kind != money::CompensationKind::Swap {
                    return Err(Error::validation(
                        "area",
                        "an area is given for a swap (调地) only",
                    ));
                }
                if !a.is_positive() {
                    return Err(Error::validation(
                        "area",
                        format!("{a} must be more than zero"),
                    ));
                }
            }
            let compensation = Compensation {
                payee: crate::text::name("payee", &compensation.payee)?,
                reference: crate::text::optional_note(
                    "reference",
                    compensation.reference.as_deref(),
                )?,
                ..compensation
            };
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::CompensationPaid(compensation))
        })
    }

    fn payer_exists(&self, who: Option<EnterpriseId>) -> Result<()> {
        if let Some(e) = who {
            self.require::<Enterprise>(e.0)?;
        }
        Ok(())
    }

    fn refuse_fee(&self, e: EnterpriseId, why: Refusal) -> Error {
        let subject = self
            .load::<Enterprise>(e.0)
            .ok()
            .flatten()
            .map_or_else(|| e.to_string(), |x| format!("{} ({e})", x.name));
        why.of(Entity::Enterprise, subject)
    }

    /// The parcels an enterprise ever held, as this unit sees them.
    fn ever_held(&self, e: EnterpriseId) -> Result<BTreeSet<u64>> {
        let mut ids = self.engine.cache.with::<Parcel, _>(self.engine(), |m| {
            m.history_ids(keys::index::PARCEL_EVER_HELD, &e.0.to_be_bytes())
        })?;
        ids.extend(
            Parcel::mine(&self.pending.records)
                .iter()
                .filter(|(_, p)| p.tenure.iter().any(|t| t.1 == Some(e)))
                .map(|(id, _)| *id),
        );
        Ok(ids)
    }

    /// The management fees an enterprise owes on `date` (billed, less paid
    /// and written off), as this unit sees them; negative: a credit.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown enterprise; storage errors.
    pub fn fees_outstanding(&self, e: EnterpriseId, date: NaiveDate) -> Result<Yuan> {
        Ok(self.fee_debt(e, date)?.position(date).outstanding)
    }

    /// An enterprise's management fees as a debt: billed by `date`, with
    /// every payment, refund and write-off, as this unit sees them.
    fn fee_debt(&self, e: EnterpriseId, date: NaiveDate) -> Result<Debt> {
        let firm: Enterprise = self.require(e.0)?;
        let mut things = firm.leased_spans();
        for id in self.ever_held(e)? {
            if let Some(p) = self.load::<Parcel>(id)? {
                things.extend(p.held_spans(e));
            }
        }
        Ok(money::fees_due(
            e,
            &things,
            &self.pending.policy.fee_rates,
            date,
            firm.fees.as_deref(),
        ))
    }
}
