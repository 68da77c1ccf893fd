//! The tables of money: what is owed to the zone as of a date
//! (`receivables`) and what moved (`payments`).

use super::*;
use crate::money::{Movement, Receivable};

impl View<'_> {
    /// Every amount owed to the zone as of [`View::date`]
    /// ([`View::receivables`]) as a table, with debtors' names.
    ///
    /// # Errors
    /// Storage errors.
    pub fn receivables_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| {
            let rows = v.receivables()?;
            let names = v.names_of(rows.iter().map(|r| r.debtor))?;
            receivables_batch(v.date(), &rows, &names)
        })
    }

    /// The money that moved ([`View::payments`]) as a table.
    ///
    /// # Errors
    /// Storage errors.
    pub fn payments_table(&self, year: Option<i32>) -> Result<RecordBatch> {
        self.consistently(|v| {
            let rows = v.payments(year)?;
            let names = v.names_of(rows.iter().filter_map(|r| r.enterprise))?;
            payments_batch(&rows, &names)
        })
    }
}

/// Receivables as a table: one row per open debt, with its charge (code
/// and Chinese term), debtor, parcel, when it arose, the amounts, the
/// overdue days and bucket, and the latest collection step.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn receivables_batch(
    as_of: NaiveDate,
    rows: &[Receivable],
    names: &(impl NameOf + ?Sized),
) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.date("as_of", rows.iter().map(|_| Some(as_of)));
    c.text("charge", rows.iter().map(|r| Some(r.charge.code())));
    c.text("charge_zh", rows.iter().map(|r| Some(r.charge.chinese())));
    c.id("debtor_id", rows.iter().map(|r| Some(r.debtor.0)));
    c.text("debtor", rows.iter().map(|r| names.name_of(r.debtor)));
    c.id(
        "parcel_id",
        rows.iter().map(|r| r.parcel.as_ref().map(|p| p.0 .0)),
    );
    c.text(
        "parcel",
        rows.iter().map(|r| r.parcel.as_ref().map(|p| p.1.as_str())),
    );
    c.date("arose", rows.iter().map(|r| Some(r.arose)));
    c.yuan("amount_yuan", rows.iter().map(|r| Some(r.position.amount)))?;
    c.yuan("due_yuan", rows.iter().map(|r| Some(r.position.due)))?;
    c.yuan("paid_yuan", rows.iter().map(|r| Some(r.position.paid)))?;
    c.yuan(
        "written_off_yuan",
        rows.iter().map(|r| Some(r.position.written_off)),
    )?;
    c.yuan(
        "outstanding_yuan",
        rows.iter().map(|r| Some(r.position.outstanding)),
    )?;
    c.yuan(
        "overdue_yuan",
        rows.iter().map(|r| Some(r.position.overdue)),
    )?;
    c.date("oldest_due", rows.iter().map(|r| r.position.oldest_due));
    c.int(
        "days_overdue",
        rows.iter().map(|r| Some(r.position.days_overdue)),
    );
    c.text(
        "bucket",
        rows.iter().map(|r| Some(r.position.bucket().code())),
    );
    c.date(
        "last_action_date",
        rows.iter().map(|r| r.last_step.map(|s| s.0)),
    );
    c.text(
        "last_action",
        rows.iter().map(|r| r.last_step.map(|s| s.1.code())),
    );
    c.yuan(
        "paid_since_action_yuan",
        rows.iter().map(|r| r.last_step.map(|_| r.paid_since_step)),
    )?;
    c.finish()
}

/// Payments as a table: one row per receipt, refund or payment by the
/// zone, by date.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn payments_batch(rows: &[Movement], names: &(impl NameOf + ?Sized)) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.date("date", rows.iter().map(|r| Some(r.date)));
    c.text("flow", rows.iter().map(|r| Some(r.flow.code())));
    c.text(
        "charge",
        rows.iter()
            .map(|r| r.charge.map(crate::money::Charge::code)),
    );
    c.text(
        "charge_zh",
        rows.iter().map(|r| {
            r.charge
                .map(crate::money::Charge::chinese)
                .or(r.compensation.map(crate::money::CompensationKind::chinese))
        }),
    );
    c.text(
        "compensation",
        rows.iter()
            .map(|r| r.compensation.map(crate::money::CompensationKind::code)),
    );
    c.yuan("amount_yuan", rows.iter().map(|r| Some(r.amount)))?;
    c.id(
        "enterprise_id",
        rows.iter().map(|r| r.enterprise.map(|e| e.0)),
    );
    c.text(
        "enterprise",
        rows.iter()
            .map(|r| r.enterprise.and_then(|e| names.name_of(e))),
    );
    c.id(
        "parcel_id",
        rows.iter().map(|r| r.parcel.as_ref().map(|p| p.0 .0)),
    );
    c.text(
        "parcel",
        rows.iter().map(|r| r.parcel.as_ref().map(|p| p.1.as_str())),
    );
    c.text("payee", rows.iter().map(|r| r.payee.as_deref()));
    c.text("reference", rows.iter().map(|r| r.reference.as_deref()));
    c.flag("advance", rows.iter().map(|r| Some(r.advance)));
    c.mu("area_mu", rows.iter().map(|r| r.area))?;
    c.finish()
}
