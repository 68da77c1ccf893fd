//! Rows of the money sheets: a parcel's instalments (应收台账) and the
//! payments, refunds, write-offs, collection steps and compensation
//! (收款台账).

use serde::{Deserialize, Serialize};

use crate::enterprise::EnterpriseId;
use crate::error::Result;
use crate::ids::code_enum;
use crate::writer::Writer;

use super::lookups::Lookups;
use super::row::{blame, firm_ref, reason, Row, RowError};

code_enum!(
    /// What a row of a payments sheet records (its `flow` column; default
    /// a receipt).
    PaymentStep, "flow", {
        Received = "received" / "收款" | "收入" | "实收",
        Refunded = "refunded" / "退款" | "退还",
        WrittenOff = "written_off" / "核销" | "减免",
        Collection = "collection" / "追缴" | "催缴",
        PaidOut = "paid_out" / "支出" | "补偿支出" | "付款",
    }
);

/// The applied schedules: each parcel's rows as one schedule (its rows in
/// due order), dated by the row's 合同日期 or the parcel's supply. Returns
/// the bad rows and the count of rows whose schedule wrote something.
pub(super) fn schedules(w: &mut Writer, rows: &[Row<'_>]) -> (Vec<RowError>, usize) {
    use crate::money::Instalment;
    let mut errors = Vec::new();
    let mut changed = 0;
    let mut by_parcel: Vec<(String, Vec<&Row<'_>>)> = Vec::new();
    for row in rows {
        let Some(code) = row.text("code") else {
            errors.push(row.err("code", "is empty; this column is required"));
            continue;
        };
        match by_parcel.iter_mut().find(|(c, _)| *c == code) {
            Some((_, rs)) => rs.push(row),
            None => by_parcel.push((code, vec![row])),
        }
    }
    for (code, rows) in by_parcel {
        let first = rows[0];
        let before = w.events_written();
        // A schedule's events come from its first row.
        w.at_row(Some((first.file, first.sheet, first.number as u64)));
        let result = (|| -> Result<(), RowError> {
            let parcel = w
                .parcel_by_code(&code)
                .map_err(|_| first.err("code", format!("no parcel has code {code:?}")))?;
            let mut instalments = Vec::new();
            let mut dated = None;
            for row in &rows {
                instalments.push(Instalment {
                    due: row.need("due", row.date("due"))?,
                    amount: row.need("amount", row.money("amount"))?,
                });
                dated = dated.or(row.date("date")?);
            }
            let on = dated
                .or(parcel.supply.as_ref().map(|s| s.date))
                .unwrap_or(parcel.last_event);
            w.attempt(|w| w.schedule_land_payments(parcel.id, on, &instalments))
                .map(|_| ())
                .map_err(|e| blame(first, &e))
        })();
        match result {
            Err(e) => errors.push(e),
            Ok(()) if w.events_written() > before => changed += rows.len(),
            Ok(()) => {}
        }
    }
    (errors, changed)
}

/// A row of a payments sheet: money received, refunded, written off or
/// paid out, or a collection step; on the parcel (地款, 闲置费, compensation)
/// or the enterprise (管理费).
pub(super) fn payment(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    use crate::money::{Charge, Collection, CollectionAction, Compensation, CompensationKind};
    use crate::money::{Payment, Refund};
    use crate::writer::Account;
    let date = row.need("date", row.date("date"))?;
    let flow = row
        .code("flow", PaymentStep::parse)?
        .unwrap_or(PaymentStep::Received);
    let kind = row.need("kind", Ok(row.text("kind")))?;
    let amount = row.need("amount", row.money("amount"));
    let parcel = || -> Result<crate::ParcelId, RowError> {
        let code = row.need("code", Ok(row.text("code")))?;
        w.parcel_by_code(&code)
            .map(|p| p.id)
            .map_err(|_| row.err("code", format!("no parcel has code {code:?}")))
    };
    let firm = || -> Result<Option<EnterpriseId>, RowError> {
        if firm_ref(row).is_some() {
            lookups.firm(row).map(Some)
        } else {
            Ok(None)
        }
    };
    if flow == PaymentStep::PaidOut {
        let kind = CompensationKind::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?;
        let compensation = Compensation {
            kind,
            payee: row.need("payee", Ok(row.text("payee")))?,
            amount: amount?,
            area: row.area("area")?,
            reference: row.text("reference"),
        };
        let parcel = parcel()?;
        return w
            .attempt(|w| w.pay_compensation(parcel, date, compensation))
            .map(|_| ())
            .map_err(|e| blame(row, &e));
    }
    let charge = Charge::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?;
    let (account, who) = if charge == Charge::ManagementFee {
        let firm = firm()?.ok_or_else(|| {
            row.err(
                "enterprise",
                "management fees need the enterprise that owes them",
            )
        })?;
        (Account::Enterprise(firm), None)
    } else {
        (Account::Parcel(parcel()?), firm()?)
    };
    let reference = row.text("reference");
    let result = match flow {
        PaymentStep::Received => {
            let payment = Payment {
                charge,
                amount: amount?,
                reference,
                payer: who,
                advance: row.flag("advance")?.unwrap_or(false),
            };
            w.attempt(|w| w.receive_payment(account, date, payment))
        }
        PaymentStep::Refunded => {
            let refund = Refund {
                charge,
                amount: amount?,
                reference,
                payer: who,
            };
            w.attempt(|w| w.refund_payment(account, date, refund))
        }
        PaymentStep::WrittenOff => {
            let why = row.need("reason", Ok(row.text("reason")))?;
            let amount = row.money("amount")?;
            w.attempt(|w| w.write_off_debt(account, date, charge, amount, &why, who))
        }
        PaymentStep::Collection => {
            let action = row
                .code("action", CollectionAction::parse)?
                .unwrap_or(CollectionAction::Notice);
            let collection = Collection {
                charge,
                action,
                note: row.text("reason"),
            };
            w.attempt(|w| w.record_collection(account, date, collection))
        }
        PaymentStep::PaidOut => unreachable!("handled above"),
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}
