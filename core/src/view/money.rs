//! Reads of money: what is owed to the zone as of a date, what moved, and
//! a year's finance figures. Land prices and idle fees are on the parcels;
//! management fees are billed from the fee rates and who held or leased
//! what, and when.

use std::borrow::Borrow;
use std::collections::HashMap;

use super::*;
use crate::money::{
    fee_debt, fees_due, Chargeable, Collection, Debt, FeeRate, FinanceFigures, Movement, Receivable,
};

/// The management fees of every enterprise as of a view's date: its fee
/// debt and its collection steps.
struct Fees {
    debts: Vec<(Debt, Vec<(NaiveDate, Collection)>)>,
}

impl View<'_> {
    /// Every enterprise's management fees under this horizon.
    fn fees(&self, parcels: &[Arc<Parcel>]) -> Result<Fees> {
        let firms = self.all_shared::<Enterprise>()?;
        Ok(fees_of(
            parcels,
            &firms,
            &self.policy()?.fee_rates,
            self.date(),
        ))
    }

    /// An enterprise's management fees as of this view's date: the bills as
    /// the schedule, its payments, refunds and write-offs.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown enterprise; storage errors.
    pub fn management_fees(&self, enterprise: EnterpriseId) -> Result<Debt> {
        self.consistently(|v| {
            let firm = v.enterprise(enterprise)?;
            let mut things = firm.leased_spans();
            let ever: Vec<Arc<Parcel>> = {
                let _read = v.engine.read_guard();
                let ids = v.engine.cache.with::<Parcel, _>(v.store(), |m| {
                    m.history_ids(keys::index::PARCEL_EVER_HELD, &enterprise.0.to_be_bytes())
                })?;
                let mut out = Vec::new();
                for id in ids {
                    out.extend(v.one_shared::<Parcel>(id)?);
                }
                out
            };
            for p in &ever {
                things.extend(p.held_spans(enterprise));
            }
            Ok(fees_due(
                enterprise,
                &things,
                &v.policy()?.fee_rates,
                v.date(),
                firm.fees.as_deref(),
            ))
        })
    }

    /// Every amount owed to the zone as of this view's date (地款, 闲置费,
    /// 管理费), with what fell due, was paid and is overdue, and the latest
    /// collection step: one per debt with anything outstanding (a credit
    /// from an advance included), by charge, then debtor.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn receivables(&self) -> Result<Vec<Receivable>> {
        self.consistently(|v| {
            let date = v.date();
            let parcels = v.all_shared::<Parcel>()?;
            let mut out = Vec::new();
            for p in &parcels {
                let Some(account) = &p.account else { continue };
                for debt in &account.debts {
                    let row = Receivable::of(
                        debt,
                        Some((p.id, p.code.clone())),
                        &account.collections,
                        date,
                    );
                    if row.position.outstanding != Yuan::ZERO {
                        out.push(row);
                    }
                }
            }
            for (debt, steps) in v.fees(&parcels)?.debts {
                let row = Receivable::of(&debt, None, &steps, date);
                if row.position.outstanding != Yuan::ZERO {
                    out.push(row);
                }
            }
            out.sort_by(|a, b| {
                (a.charge, a.debtor, &a.parcel, a.arose)
                    .cmp(&(b.charge, b.debtor, &b.parcel, b.arose))
            });
            Ok(out)
        })
    }

    /// Money that moved up to this view's date (in `year` only, if given):
    /// receipts and refunds of every charge, and what the zone paid for
    /// land; by date.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn payments(&self, year: Option<i32>) -> Result<Vec<Movement>> {
        self.consistently(|v| {
            let parcels = v.all_shared::<Parcel>()?;
            let mut out = Vec::new();
            for p in &parcels {
                let Some(account) = &p.account else { continue };
                let parcel = (p.id, p.code.clone());
                for debt in &account.debts {
                    out.extend(Movement::of_debt(debt, Some(&parcel)));
                }
                for (date, c) in &account.compensation {
                    out.push(Movement::of_compensation(*date, c, parcel.clone()));
                }
            }
            for e in v.all_shared::<Enterprise>()? {
                if let Some(fees) = &e.fees {
                    let debt = fee_debt(e.id, &[], Some(fees));
                    out.extend(Movement::of_debt(&debt, None));
                }
            }
            if let Some(y) = year {
                out.retain(|m| chrono::Datelike::year(&m.date) == y);
            }
            out.sort_by(|a, b| {
                (a.date, a.flow, a.enterprise, &a.parcel).cmp(&(
                    b.date,
                    b.flow,
                    b.enterprise,
                    &b.parcel,
                ))
            });
            Ok(out)
        })
    }
}

/// Every enterprise's management fees as of `date` at `rates`: what each
/// held (the parcels' tenures) and leased, billed, with its account and
/// collection steps; firms with neither bills nor an account left out.
fn fees_of<P, E>(parcels: &[P], firms: &[E], rates: &[FeeRate], date: NaiveDate) -> Fees
where
    P: Borrow<Parcel>,
    E: Borrow<Enterprise>,
{
    let mut things: HashMap<EnterpriseId, Vec<Chargeable>> = HashMap::new();
    for p in parcels.iter().map(Borrow::borrow) {
        let mut holders: Vec<EnterpriseId> = p.tenure.iter().filter_map(|t| t.1).collect();
        holders.sort_unstable();
        holders.dedup();
        for h in holders {
            things.entry(h).or_default().extend(p.held_spans(h));
        }
    }
    let mut debts = Vec::new();
    for e in firms.iter().map(Borrow::borrow) {
        let mut mine = things.remove(&e.id).unwrap_or_default();
        mine.extend(e.leased_spans());
        let debt = fees_due(e.id, &mine, rates, date, e.fees.as_deref());
        if debt.instalments.is_empty() && e.fees.is_none() {
            continue;
        }
        let steps = e
            .fees
            .as_ref()
            .map(|f| f.collections.clone())
            .unwrap_or_default();
        debts.push((debt, steps));
    }
    Fees { debts }
}

/// A year's finance figures from the parcels and firms as of its end.
pub(crate) fn finance_of<P, E>(
    parcels: &[P],
    firms: &[E],
    rates: &[FeeRate],
    date: NaiveDate,
    year: i32,
) -> FinanceFigures
where
    P: Borrow<Parcel>,
    E: Borrow<Enterprise>,
{
    let fees = fees_of(parcels, firms, rates, date);
    let accounts: Vec<&crate::money::LandAccount> = parcels
        .iter()
        .filter_map(|p| p.borrow().account.as_deref())
        .collect();
    let debts = accounts
        .iter()
        .flat_map(|a| a.debts.iter())
        .chain(fees.debts.iter().map(|(d, _)| d));
    let paid_out = accounts
        .iter()
        .flat_map(|a| a.compensation.iter().map(|(d, c)| (*d, c)));
    let steps = accounts
        .iter()
        .flat_map(|a| a.collections.iter().map(|(d, _)| *d))
        .chain(
            fees.debts
                .iter()
                .flat_map(|(_, s)| s.iter().map(|(d, _)| *d)),
        );
    FinanceFigures::of_year(year, debts, paid_out, steps)
}
