//! The zone's money: what firms owe it (地款, 闲置费, 管理费), what they paid,
//! and what the zone paid out for land (征地补偿, 办证). Pure values and rules;
//! the events that carry them belong to parcels (land payments, idle fees,
//! compensation) and to enterprises (management fees).
//!
//! A debt is created by the ledger itself: an allocation or a transfer at a
//! price owes the price (地款), a declaration of idleness owes its fee
//! (闲置费), and management fees are billed from the fee rates and who held
//! or leased what, and when ([`bill_fees`]). Payments, refunds and
//! write-offs are events against a debt; its position as of a date
//! ([`Debt::position`]) says what was due, paid, outstanding and overdue,
//! and for how long ([`AgingBucket`]).
//!
//! The reclaim rule: a reclaim (收回) closes the holder's open land-price
//! debts on its date. What was paid stays with the zone (settled) unless a
//! refund is recorded; what was unpaid is cancelled with the land's return
//! (the zone takes the land, not the money), so it is no longer owed.
//! Payments dated after the reclaim cannot go to the closed debt.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Refusal, Result, Rule};
use crate::ids::{code_enum, EnterpriseId};
use crate::units::{Mu, Quantity, Yuan};

code_enum!(
    /// What a debt is for.
    Charge, "charge", {
        /// 地款: the price of land supplied or transferred.
        LandPrice = "land_price" / "地款" | "购地款" | "土地款" | "土地出让金",
        /// 闲置费: the fee on idle land.
        IdleFee = "idle_fee" / "闲置费" | "土地闲置费",
        /// 管理费: the zone's management fee.
        ManagementFee = "management_fee" / "管理费",
    }
);

code_enum!(
    /// A step taken to collect a debt (追缴).
    CollectionAction, "action", {
        /// A written notice (催缴通知).
        Notice = "notice" / "催缴通知" | "通知" | "催款通知",
        /// A meeting with the debtor (约谈).
        Meeting = "meeting" / "约谈" | "会谈" | "面谈",
        /// A legal step (律师函, 诉讼).
        Legal = "legal" / "法律程序" | "律师函" | "诉讼",
    }
);

code_enum!(
    /// What the zone paid out for a parcel's land.
    CompensationKind, "kind", {
        /// 土地补偿费, to the village collective.
        Land = "land" / "土地补偿费",
        /// 安置补助费.
        Resettlement = "resettlement" / "安置补助费",
        /// 地上附着物和青苗补偿费.
        Attachments = "attachments" / "地上附着物和青苗补偿费" | "附着物补偿费" | "青苗补偿费",
        /// 调地: a household's plot exchanged, with compensation for what stood on it.
        Swap = "swap" / "调地",
        /// 办证费: the cost of the land certificate.
        Certification = "certification" / "办证费" | "办证",
    }
);

code_enum!(
    /// What a management fee is charged on.
    FeeBasis, "basis", {
        /// Per 亩 of land held.
        HeldMu = "held_mu" / "按亩" | "每亩" | "亩",
        /// Per m² leased in the incubator.
        LeasedM2 = "leased_m2" / "按平方米" | "每平方米" | "平方米",
    }
);

code_enum!(
    /// The period a fee rate is per.
    FeePeriod, "period", {
        Year = "year" / "年" | "每年",
        Month = "month" / "月" | "每月",
    }
);

code_enum!(
    /// How long an amount has been overdue.
    AgingBucket, "bucket", {
        /// Not yet due.
        Current = "current" / "未到期",
        UpTo90 = "0_90" / "90天以内",
        UpTo180 = "91_180" / "91-180天",
        UpTo365 = "181_365" / "181-365天",
        OverAYear = "over_365" / "一年以上",
    }
);

impl AgingBucket {
    /// The bucket of an amount overdue by `days` (0: not overdue).
    #[must_use]
    pub fn of_days(days: i64) -> AgingBucket {
        match days {
            ..=0 => AgingBucket::Current,
            1..=90 => AgingBucket::UpTo90,
            91..=180 => AgingBucket::UpTo180,
            181..=365 => AgingBucket::UpTo365,
            _ => AgingBucket::OverAYear,
        }
    }
}

/// A payment received (收款) against a debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// What it pays (地款, 闲置费, 管理费).
    pub charge: Charge,
    /// How much.
    pub amount: Yuan,
    /// The voucher or reference (凭证号).
    pub reference: Option<String>,
    /// Who paid, when not the holder whose debt is the latest (a former
    /// holder paying what it still owes).
    pub payer: Option<EnterpriseId>,
    /// An advance (预收): more than is outstanding, kept as a credit.
    pub advance: bool,
}

/// Money given back (退款) on a debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// What it gives back on.
    pub charge: Charge,
    /// How much.
    pub amount: Yuan,
    /// The voucher or reference (凭证号).
    pub reference: Option<String>,
    /// Who is refunded, when not the latest holder.
    pub payer: Option<EnterpriseId>,
}

/// A debt written off (核销) or, for an idle fee, waived (减免).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOff {
    /// The debt's charge.
    pub charge: Charge,
    /// How much is written off.
    pub amount: Yuan,
    /// Why.
    pub reason: String,
    /// Whose debt, when not the latest holder's.
    pub debtor: Option<EnterpriseId>,
}

/// A step taken to collect (追缴).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// The debt's charge.
    pub charge: Charge,
    /// The step (催缴通知, 约谈, 诉讼…).
    pub action: CollectionAction,
    /// What was done, in words.
    pub note: Option<String>,
}

/// A payment the zone made for a parcel's land (征地补偿, 办证).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compensation {
    /// What it was paid for (征地补偿, 调地, 办证费).
    pub kind: CompensationKind,
    /// Who was paid: a village collective, a household, an office.
    pub payee: String,
    /// How much.
    pub amount: Yuan,
    /// For a swap (调地): the area of the household's plot exchanged.
    pub area: Option<Mu>,
    /// The voucher or reference.
    pub reference: Option<String>,
}

/// One instalment of a schedule (分期付款).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// The day it falls due.
    #[serde(with = "crate::days::day")]
    pub due: NaiveDate,
    /// How much.
    pub amount: Yuan,
}

/// What a ledger entry on a debt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EntryKind {
    /// 收款: paid.
    Paid,
    /// 退款: given back.
    Refunded,
    /// 核销 or 减免: written off.
    WrittenOff,
}

/// A dated entry on a debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The day of the entry.
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// What it did.
    pub kind: EntryKind,
    /// How much.
    pub amount: Yuan,
    /// The reference of a payment or refund, the reason of a write-off.
    pub note: Option<String>,
    /// A payment beyond what was outstanding (预收).
    pub advance: bool,
}

impl Entry {
    /// A payment received.
    #[must_use]
    pub fn paid(date: NaiveDate, p: &Payment) -> Entry {
        Entry {
            date,
            kind: EntryKind::Paid,
            amount: p.amount,
            note: p.reference.clone(),
            advance: p.advance,
        }
    }

    /// A refund given.
    #[must_use]
    pub fn refunded(date: NaiveDate, r: &Refund) -> Entry {
        Entry {
            date,
            kind: EntryKind::Refunded,
            amount: r.amount,
            note: r.reference.clone(),
            advance: false,
        }
    }

    /// A write-off, its reason as the note.
    #[must_use]
    pub fn written_off(date: NaiveDate, w: &WriteOff) -> Entry {
        Entry {
            date,
            kind: EntryKind::WrittenOff,
            amount: w.amount,
            note: Some(w.reason.clone()),
            advance: false,
        }
    }
}

/// Paid less refunded, and written off, over `entries`, in fen.
fn settled<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> (i128, i128) {
    entries.into_iter().fold((0, 0), |(paid, off), e| {
        let a = i128::from(e.amount.fen());
        match e.kind {
            EntryKind::Paid => (paid + a, off),
            EntryKind::Refunded => (paid - a, off),
            EntryKind::WrittenOff => (paid, off + a),
        }
    })
}

/// An amount owed to the zone, with what was done about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debt {
    /// What it is for (地款, 闲置费, 管理费).
    pub charge: Charge,
    /// Who owes it.
    pub debtor: EnterpriseId,
    /// When it arose (the allocation, transfer or declaration).
    #[serde(with = "crate::days::day")]
    pub created: NaiveDate,
    /// The whole amount charged.
    pub amount: Yuan,
    /// The schedule; empty: the whole amount is due when the debt arises.
    pub instalments: Vec<Instalment>,
    /// When a reclaim closed it.
    #[serde(with = "crate::days::opt")]
    pub closed: Option<NaiveDate>,
    /// What was paid, refunded and written off on it, in order.
    pub entries: Vec<Entry>,
}

/// Where a debt stands as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The whole amount charged.
    pub amount: Yuan,
    /// What had fallen due by the date (instalments due on or before it).
    pub due: Yuan,
    /// Paid, less refunds.
    pub paid: Yuan,
    /// Written off (核销, 减免).
    pub written_off: Yuan,
    /// Cancelled by a reclaim (the unpaid balance when the land came back).
    pub cancelled: Yuan,
    /// Still owed, due or not (negative: a credit from an advance).
    pub outstanding: Yuan,
    /// Owed and past its due date.
    pub overdue: Yuan,
    /// The due date of the oldest instalment not yet covered, if overdue.
    pub oldest_due: Option<NaiveDate>,
    /// Days since the oldest unpaid due date (0 when nothing is overdue).
    pub days_overdue: i64,
}

impl Position {
    /// Its aging bucket (账龄), from the days overdue.
    #[must_use]
    pub fn bucket(&self) -> AgingBucket {
        AgingBucket::of_days(self.days_overdue)
    }
}

fn yuan(fen: i128) -> Yuan {
    // Sums of stored amounts, each checked into i64 when written.
    Yuan::from_fen(i64::try_from(fen).unwrap_or(if fen < 0 { i64::MIN } else { i64::MAX }))
}

impl Debt {
    /// A new debt; `amount` is positive.
    #[must_use]
    pub fn new(charge: Charge, debtor: EnterpriseId, created: NaiveDate, amount: Yuan) -> Debt {
        Debt {
            charge,
            debtor,
            created,
            amount,
            instalments: Vec::new(),
            closed: None,
            entries: Vec::new(),
        }
    }

    /// The schedule in force: the instalments, or the whole amount due when
    /// the debt arose.
    #[must_use]
    pub fn schedule(&self) -> Vec<Instalment> {
        if self.instalments.is_empty() && self.charge != Charge::ManagementFee {
            vec![Instalment {
                due: self.created,
                amount: self.amount,
            }]
        } else {
            self.instalments.clone()
        }
    }

    /// Paid less refunded, and written off, over every entry.
    fn settled(&self) -> (i128, i128) {
        settled(&self.entries)
    }

    /// What is still owed over every entry (before any cancellation).
    #[must_use]
    pub fn open_amount(&self) -> Yuan {
        let (paid, off) = self.settled();
        yuan(i128::from(self.amount.fen()) - paid - off)
    }

    /// The position as of `date`: the debt as folded under a horizon holds
    /// only entries valid by then; `date` places the schedule.
    #[must_use]
    pub fn position(&self, date: NaiveDate) -> Position {
        let (paid, off) = self.settled();
        let amount = i128::from(self.amount.fen());
        let open = amount - paid - off;
        let cancelled = if self.closed.is_some_and(|c| c <= date) {
            open.max(0)
        } else {
            0
        };
        let outstanding = open - cancelled;
        let schedule = self.schedule();
        let due: i128 = schedule
            .iter()
            .filter(|i| i.due <= date)
            .map(|i| i128::from(i.amount.fen()))
            .sum();
        // Payments and write-offs cover the oldest instalments first.
        let mut covered = paid + off + cancelled;
        let mut oldest_due = None;
        let mut overdue = 0i128;
        for i in schedule.iter().filter(|i| i.due < date) {
            let a = i128::from(i.amount.fen());
            let left = (a - covered.max(0)).max(0);
            covered -= a;
            if left > 0 {
                oldest_due = oldest_due.or(Some(i.due));
                overdue += left;
            }
        }
        let days_overdue = oldest_due.map_or(0, |d| (date - d).num_days());
        Position {
            amount: self.amount,
            due: yuan(due),
            paid: yuan(paid),
            written_off: yuan(off),
            cancelled: yuan(cancelled),
            outstanding: yuan(outstanding),
            overdue: yuan(overdue),
            oldest_due,
            days_overdue,
        }
    }

    /// Refusal text when this debt cannot take an entry on `date`.
    fn closed_before(&self, date: NaiveDate) -> Option<Refusal> {
        self.closed.filter(|c| *c < date).map(|c| {
            Refusal::new(
                Rule::Ended,
                format!(
                    "the {} debt of {} arising on {} was closed by the reclaim on {c}",
                    self.charge.chinese(),
                    self.debtor,
                    self.created
                ),
            )
        })
    }

    /// Records a payment, refusing one larger than what is outstanding
    /// unless it is an advance.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn pay(&mut self, date: NaiveDate, p: &Payment) -> std::result::Result<(), Refusal> {
        if let Some(why) = self.closed_before(date) {
            return Err(why);
        }
        let open = self.open_amount();
        if p.amount > open && !p.advance {
            return Err(Refusal::new(
                Rule::Amount,
                format!(
                "a payment of {} is more than the {} outstanding on {date} on the {} debt of {} \
                 (mark it as an advance to keep the difference as a credit)",
                p.amount,
                open.max(Yuan::ZERO),
                self.charge.chinese(),
                self.debtor
            ),
            ));
        }
        self.entries.push(Entry::paid(date, p));
        Ok(())
    }

    /// The write-off of `amount` (or, with `None`, of all that is
    /// outstanding) on `date`, checked against the debt as it stands.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]): nothing outstanding, more than is
    /// outstanding, a debt a reclaim closed.
    pub fn checked_write_off(
        &self,
        date: NaiveDate,
        amount: Option<Yuan>,
        reason: String,
        debtor: Option<EnterpriseId>,
    ) -> std::result::Result<WriteOff, Refusal> {
        let open = self.open_amount();
        if amount.is_none() && !open.is_positive() {
            return Err(Refusal::new(
                Rule::Amount,
                format!(
                    "nothing of the {} debt of {} is outstanding to write off",
                    self.charge.chinese(),
                    self.debtor
                ),
            ));
        }
        let w = WriteOff {
            charge: self.charge,
            amount: amount.unwrap_or(open),
            reason,
            debtor,
        };
        self.clone().write_off(date, &w)?;
        Ok(w)
    }

    /// Records a refund, at most what was paid.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn refund(&mut self, date: NaiveDate, r: &Refund) -> std::result::Result<(), Refusal> {
        let (paid, _) = self.settled();
        if i128::from(r.amount.fen()) > paid {
            return Err(Refusal::new(
                Rule::Amount,
                format!(
                    "a refund of {} is more than the {} paid on the {} debt of {}",
                    r.amount,
                    yuan(paid),
                    self.charge.chinese(),
                    self.debtor
                ),
            ));
        }
        self.entries.push(Entry::refunded(date, r));
        Ok(())
    }

    /// Records a write-off, at most what is outstanding.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn write_off(&mut self, date: NaiveDate, w: &WriteOff) -> std::result::Result<(), Refusal> {
        if let Some(why) = self.closed_before(date) {
            return Err(why);
        }
        let open = self.open_amount();
        if w.amount > open {
            return Err(Refusal::new(
                Rule::Amount,
                format!(
                    "a write-off of {} is more than the {} outstanding on the {} debt of {}",
                    w.amount,
                    open.max(Yuan::ZERO),
                    self.charge.chinese(),
                    self.debtor
                ),
            ));
        }
        self.entries.push(Entry::written_off(date, w));
        Ok(())
    }

    /// Sets the schedule: instalments in date order, none before the debt
    /// arose, summing exactly to its amount.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn reschedule(&mut self, instalments: &[Instalment]) -> std::result::Result<(), Refusal> {
        if let Some(c) = self.closed {
            return Err(Refusal::new(
                Rule::Ended,
                format!(
                    "the {} debt of {} was closed by the reclaim on {c}",
                    self.charge.chinese(),
                    self.debtor
                ),
            ));
        }
        let total: i128 = instalments.iter().map(|i| i128::from(i.amount.fen())).sum();
        if total != i128::from(self.amount.fen()) {
            return Err(Refusal::new(
                Rule::Amount,
                format!(
                    "the instalments sum to {}, not the price of {}",
                    yuan(total),
                    self.amount
                ),
            ));
        }
        if let Some(early) = instalments.iter().find(|i| i.due < self.created) {
            return Err(Refusal::new(
                Rule::OutOfOrder,
                format!(
                    "an instalment due on {} is before the debt arose on {}",
                    early.due, self.created
                ),
            ));
        }
        let mut sorted = instalments.to_vec();
        sorted.sort_by_key(|i| i.due);
        self.instalments = sorted;
        Ok(())
    }

    /// Closes the debt on a reclaim, refusing when entries after the date
    /// were made against it (history entered late that contradicts them).
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn close(&mut self, date: NaiveDate) -> std::result::Result<(), Refusal> {
        if let Some(late) = self.entries.iter().find(|e| e.date > date) {
            return Err(Refusal::new(
                Rule::OutOfOrder,
                format!(
                    "the {} debt of {} has an entry on {} after the reclaim on {date}",
                    self.charge.chinese(),
                    self.debtor,
                    late.date
                ),
            ));
        }
        if self.closed.is_none() {
            self.closed = Some(date);
        }
        Ok(())
    }
}

fn reference(r: Option<&String>) -> String {
    r.map(|r| format!(" ({r})")).unwrap_or_default()
}

fn by(who: Option<EnterpriseId>) -> String {
    who.map(|w| format!(" by {w}")).unwrap_or_default()
}

/// A payment in a line (history tables).
#[must_use]
pub fn describe_payment(p: &Payment) -> String {
    format!(
        "{} {} received{}{}{}",
        p.charge.chinese(),
        p.amount,
        by(p.payer),
        if p.advance { " as an advance" } else { "" },
        reference(p.reference.as_ref())
    )
}

/// A refund in a line.
#[must_use]
pub fn describe_refund(r: &Refund) -> String {
    format!(
        "{} {} refunded{}{}",
        r.charge.chinese(),
        r.amount,
        by(r.payer),
        reference(r.reference.as_ref())
    )
}

/// A write-off in a line.
#[must_use]
pub fn describe_write_off(w: &WriteOff) -> String {
    format!(
        "{} {} written off{}: {}",
        w.charge.chinese(),
        w.amount,
        by(w.debtor),
        w.reason
    )
}

/// A collection step in a line.
#[must_use]
pub fn describe_collection(c: &Collection) -> String {
    format!(
        "{} collection: {}{}",
        c.charge.chinese(),
        c.action.chinese(),
        c.note
            .as_ref()
            .map(|n| format!(", {n}"))
            .unwrap_or_default()
    )
}

/// Checks an amount is positive.
///
/// # Errors
/// [`Error::Validation`] naming `field`.
pub fn positive(field: &str, amount: Yuan) -> Result<()> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("{amount} must be more than zero"),
        ))
    }
}

/// The money on a parcel: its debts, collection steps and what the zone
/// paid for its land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandAccount {
    /// The date of the latest money event in force (a read as of an
    /// earlier date folds the parcel again).
    #[serde(with = "crate::days::day")]
    pub latest: NaiveDate,
    /// Land-price and idle-fee debts, in the order they arose.
    pub debts: Vec<Debt>,
    /// The steps taken to collect, by date.
    #[serde(with = "crate::days::dated")]
    pub collections: Vec<(NaiveDate, Collection)>,
    /// What the zone paid for the land, by date.
    #[serde(with = "crate::days::dated")]
    pub compensation: Vec<(NaiveDate, Compensation)>,
}

impl Default for LandAccount {
    fn default() -> Self {
        LandAccount {
            latest: NaiveDate::MIN,
            debts: Vec::new(),
            collections: Vec::new(),
            compensation: Vec::new(),
        }
    }
}

impl LandAccount {
    /// The debt a payment, refund or write-off of `charge` on `date` goes to:
    /// `debtor`'s latest of that charge arisen by then, else the latest.
    ///
    /// # Errors
    /// Why none is owed ([`Refusal`], [`Rule::NoSuchItem`]).
    pub fn debt_for(
        &mut self,
        charge: Charge,
        date: NaiveDate,
        debtor: Option<EnterpriseId>,
    ) -> std::result::Result<&mut Debt, Refusal> {
        self.debts
            .iter_mut()
            .rev()
            .find(|d| {
                d.charge == charge && d.created <= date && debtor.is_none_or(|who| d.debtor == who)
            })
            .ok_or_else(|| {
                Refusal::new(
                    Rule::NoSuchItem,
                    match debtor {
                        Some(who) => format!(
                            "{who} owes no {} on this parcel by {date}",
                            charge.chinese()
                        ),
                        None => format!("no {} is owed on this parcel by {date}", charge.chinese()),
                    },
                )
            })
    }

    /// What the zone paid for the land, by [`CompensationKind`], as folded.
    #[must_use]
    pub fn cost(&self) -> Yuan {
        yuan(
            self.compensation
                .iter()
                .map(|(_, c)| i128::from(c.amount.fen()))
                .sum(),
        )
    }
}

/// The management fees an enterprise has paid, refunded, had written off,
/// and the steps taken to collect them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeeAccount {
    /// What was paid, refunded and written off, in order.
    pub entries: Vec<Entry>,
    /// The steps taken to collect, by date.
    #[serde(with = "crate::days::dated")]
    pub collections: Vec<(NaiveDate, Collection)>,
}

/// The vouchers (凭证号) of the payments among `entries`: a voucher is used
/// once, by one payment (a refund may name the payment's).
pub(crate) fn vouchers<'a>(
    entries: impl Iterator<Item = &'a Entry>,
) -> impl Iterator<Item = &'a str> {
    entries
        .filter(|e| e.kind == EntryKind::Paid)
        .filter_map(|e| e.note.as_deref())
}

impl FeeAccount {
    /// Management fees paid, less refunds.
    #[must_use]
    pub fn paid(&self) -> Yuan {
        yuan(settled(&self.entries).0)
    }
}

/// A management fee rate from a date (管理费标准).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRate {
    /// The first day it applies.
    #[serde(with = "crate::days::day")]
    pub from: NaiveDate,
    /// What it is charged on: land held (per 亩) or space leased (per m²).
    pub basis: FeeBasis,
    /// How often it falls due.
    pub period: FeePeriod,
    /// 元 per 亩 (or per m²) per period; zero stops the fee.
    pub amount: Yuan,
}

/// Something a fee is charged on: land held or space leased, over days
/// (`from` to `to`, both inclusive; `None`: still held).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chargeable {
    /// Land held or space leased.
    pub basis: FeeBasis,
    /// Millionths of a 亩 (held land, as [`Mu::millionths`]) or
    /// ten-thousandths of a m² (leased space, as [`Quantity::units`]).
    pub units: i64,
    /// The first day charged.
    pub from: NaiveDate,
    /// The last day charged; `None` while still held.
    pub to: Option<NaiveDate>,
}

impl Chargeable {
    /// Land held.
    #[must_use]
    pub fn land(area: Mu, from: NaiveDate, to: Option<NaiveDate>) -> Chargeable {
        Chargeable {
            basis: FeeBasis::HeldMu,
            units: area.millionths(),
            from,
            to,
        }
    }

    /// Space leased.
    #[must_use]
    pub fn space(area: Quantity, from: NaiveDate, to: Option<NaiveDate>) -> Chargeable {
        Chargeable {
            basis: FeeBasis::LeasedM2,
            units: area.units(),
            from,
            to,
        }
    }
}

/// A management fee bill: what fell due at the end of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bill {
    /// The last day of the period; the bill is due then.
    pub due: NaiveDate,
    /// How much.
    pub amount: Yuan,
}

fn period_bounds(period: FeePeriod, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (y, m) = (day.year(), day.month());
    let first = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day);
    match period {
        FeePeriod::Year => (
            first(y, 1),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(day),
        ),
        FeePeriod::Month => {
            let next = if m == 12 {
                first(y + 1, 1)
            } else {
                first(y, m + 1)
            };
            (first(y, m), next.pred_opt().unwrap_or(day))
        }
    }
}

/// The management fees billed on `things` by the end of each period up to
/// `until` (a period ending after it is not yet billed): per period, the
/// rate in force each day × the quantity held that day, pro rata by the
/// days of the period, rounded half up to the fen per period and rate.
#[must_use]
pub fn bill_fees(things: &[Chargeable], rates: &[FeeRate], until: NaiveDate) -> Vec<Bill> {
    let mut bills = std::collections::BTreeMap::<NaiveDate, i128>::new();
    for basis in FeeBasis::ALL {
        let mut mine: Vec<&FeeRate> = rates.iter().filter(|r| r.basis == *basis).collect();
        mine.sort_by_key(|r| r.from);
        for (k, rate) in mine.iter().enumerate() {
            if !rate.amount.is_positive() {
                continue;
            }
            let rate_to = mine.get(k + 1).and_then(|n| n.from.pred_opt());
            for thing in things.iter().filter(|t| t.basis == *basis) {
                let from = thing.from.max(rate.from);
                let to = match (thing.to, rate_to) {
                    (Some(a), Some(b)) => a.min(b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => until,
                }
                .min(until);
                let mut day = from;
                while day <= to {
                    let (start, end) = period_bounds(rate.period, day);
                    if end > until {
                        break;
                    }
                    let last = end.min(to);
                    let days = (last - day).num_days() + 1;
                    let period_days = (end - start).num_days() + 1;
                    let num =
                        i128::from(rate.amount.fen()) * i128::from(thing.units) * i128::from(days);
                    let scale = match thing.basis {
                        FeeBasis::HeldMu => Mu::SCALE,
                        FeeBasis::LeasedM2 => Quantity::SCALE,
                    };
                    let den = i128::from(scale) * i128::from(period_days);
                    *bills.entry(end).or_default() += (2 * num + den) / (2 * den);
                    match end.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
            }
        }
    }
    bills
        .into_iter()
        .filter(|(_, fen)| *fen > 0)
        .map(|(due, fen)| Bill {
            due,
            amount: yuan(fen),
        })
        .collect()
}

/// An enterprise's management fees by `date`, as a debt: billed at
/// `rates` on what it leased and the spans it held land (`things`), with
/// its account's entries against them.
#[must_use]
pub fn fees_due(
    debtor: EnterpriseId,
    things: &[Chargeable],
    rates: &[FeeRate],
    date: NaiveDate,
    account: Option<&FeeAccount>,
) -> Debt {
    fee_debt(debtor, &bill_fees(things, rates, date), account)
}

/// The management fees of an enterprise as a debt: the bills as its
/// schedule, the account's entries against it.
#[must_use]
pub fn fee_debt(debtor: EnterpriseId, bills: &[Bill], account: Option<&FeeAccount>) -> Debt {
    // Arisen with the first bill, or with an advance paid before any.
    let first = bills
        .first()
        .map(|b| b.due)
        .or_else(|| account.and_then(|a| a.entries.iter().map(|e| e.date).min()))
        .unwrap_or(NaiveDate::MIN);
    let amount = yuan(bills.iter().map(|b| i128::from(b.amount.fen())).sum());
    Debt {
        charge: Charge::ManagementFee,
        debtor,
        created: first,
        amount,
        instalments: bills
            .iter()
            .map(|b| Instalment {
                due: b.due,
                amount: b.amount,
            })
            .collect(),
        closed: None,
        entries: account.map(|a| a.entries.clone()).unwrap_or_default(),
    }
}

/// An amount owed to the zone as of a date: a row of `receivables`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receivable {
    /// What it is for.
    pub charge: Charge,
    /// Who owes it.
    pub debtor: EnterpriseId,
    /// The parcel of a land price or idle fee: id and code.
    pub parcel: Option<(crate::ids::ParcelId, String)>,
    /// When the debt arose (a management fee: its first bill).
    pub arose: NaiveDate,
    /// Where it stands as of the date.
    pub position: Position,
    /// The latest collection step taken by the date.
    pub last_step: Option<(NaiveDate, CollectionAction)>,
    /// Paid (less refunds) after that step.
    pub paid_since_step: Yuan,
}

impl Receivable {
    /// A debt's row as of `date`, with the collection steps on its account.
    #[must_use]
    pub fn of(
        debt: &Debt,
        parcel: Option<(crate::ids::ParcelId, String)>,
        steps: &[(NaiveDate, Collection)],
        date: NaiveDate,
    ) -> Receivable {
        let last_step = steps
            .iter()
            .filter(|(d, c)| c.charge == debt.charge && *d <= date)
            .map(|(d, c)| (*d, c.action))
            .max_by_key(|(d, _)| *d);
        let paid_since_step = last_step.map_or(Yuan::ZERO, |(since, _)| {
            yuan(
                settled(
                    debt.entries
                        .iter()
                        .filter(|e| e.date >= since && e.date <= date),
                )
                .0,
            )
        });
        Receivable {
            charge: debt.charge,
            debtor: debt.debtor,
            parcel,
            arose: debt.created,
            position: debt.position(date),
            last_step,
            paid_since_step,
        }
    }
}

code_enum!(
    /// Which way money moved.
    Flow, "flow", {
        /// Received by the zone (收款).
        Received = "received" / "收款",
        /// Given back by the zone (退款).
        Refunded = "refunded" / "退款",
        /// Paid by the zone for land (征地补偿, 办证).
        PaidOut = "paid_out" / "支出",
    }
);

/// Money that moved: a row of `payments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// The day the money moved.
    pub date: NaiveDate,
    /// Which way: received, refunded or paid by the zone.
    pub flow: Flow,
    /// What a receipt or refund was for.
    pub charge: Option<Charge>,
    /// What a payment by the zone was for.
    pub compensation: Option<CompensationKind>,
    /// How much.
    pub amount: Yuan,
    /// Who paid, or was refunded.
    pub enterprise: Option<EnterpriseId>,
    /// The parcel of a land price, idle fee or compensation: id and code.
    pub parcel: Option<(crate::ids::ParcelId, String)>,
    /// Who the zone paid.
    pub payee: Option<String>,
    /// The voucher or reference.
    pub reference: Option<String>,
    /// A payment beyond what was outstanding (预收).
    pub advance: bool,
    /// For a swap, the area exchanged.
    pub area: Option<Mu>,
}

impl Movement {
    /// The receipts and refunds of a debt.
    pub fn of_debt<'a>(
        debt: &'a Debt,
        parcel: Option<&'a (crate::ids::ParcelId, String)>,
    ) -> impl Iterator<Item = Movement> + 'a {
        debt.entries.iter().filter_map(move |e| {
            let flow = match e.kind {
                EntryKind::Paid => Flow::Received,
                EntryKind::Refunded => Flow::Refunded,
                EntryKind::WrittenOff => return None,
            };
            Some(Movement {
                date: e.date,
                flow,
                charge: Some(debt.charge),
                compensation: None,
                amount: e.amount,
                enterprise: Some(debt.debtor),
                parcel: parcel.cloned(),
                payee: None,
                reference: e.note.clone(),
                advance: e.advance,
                area: None,
            })
        })
    }

    /// A payment by the zone for a parcel's land.
    #[must_use]
    pub fn of_compensation(
        date: NaiveDate,
        c: &Compensation,
        parcel: (crate::ids::ParcelId, String),
    ) -> Movement {
        Movement {
            date,
            flow: Flow::PaidOut,
            charge: None,
            compensation: Some(c.kind),
            amount: c.amount,
            enterprise: None,
            parcel: Some(parcel),
            payee: Some(c.payee.clone()),
            reference: c.reference.clone(),
            advance: false,
            area: c.area,
        }
    }

    /// The amount with its sign for the zone's cash: in positive, out negative.
    #[must_use]
    pub fn signed(&self) -> i128 {
        let a = i128::from(self.amount.fen());
        match self.flow {
            Flow::Received => a,
            Flow::Refunded | Flow::PaidOut => -a,
        }
    }
}

/// One charge in a year's finance figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeFigures {
    /// The charge.
    pub charge: Charge,
    /// Received in the year, less refunds.
    pub collected: Yuan,
    /// Written off in the year.
    pub written_off: Yuan,
    /// Owed at the year's end, due or not.
    pub outstanding: Yuan,
    /// Owed and past due at the year's end.
    pub overdue: Yuan,
    /// Debtors owing at the year's end.
    pub debtors: u64,
}

/// A year's money in the seed's terms (财务): each charge collected and
/// outstanding, and what the zone paid for land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceFigures {
    /// The year.
    pub year: i32,
    /// 地款, 闲置费 and 管理费, in that order.
    pub charges: Vec<ChargeFigures>,
    /// Paid by the zone in the year, by kind (征地补偿 and 办证).
    pub compensation: Vec<(CompensationKind, Yuan)>,
    /// Collection steps taken in the year.
    pub collection_steps: u64,
}

impl FinanceFigures {
    /// The figures of one charge.
    #[must_use]
    pub fn charge(&self, charge: Charge) -> ChargeFigures {
        self.charges
            .iter()
            .find(|c| c.charge == charge)
            .copied()
            .unwrap_or(FinanceFigures::default_charge(charge))
    }

    /// Everything the zone paid for land in the year.
    #[must_use]
    pub fn compensation_total(&self) -> Yuan {
        yuan(
            self.compensation
                .iter()
                .map(|(_, a)| i128::from(a.fen()))
                .sum(),
        )
    }

    /// The year's figures from every debt as of the year's end, the
    /// payments by the zone and the collection steps of the year.
    #[must_use]
    pub fn of_year<'a>(
        year: i32,
        debts: impl IntoIterator<Item = &'a Debt>,
        paid_out: impl IntoIterator<Item = (NaiveDate, &'a Compensation)>,
        steps: impl IntoIterator<Item = NaiveDate>,
    ) -> FinanceFigures {
        let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        let in_year = |d: NaiveDate| d.year() == year;
        let mut charges: Vec<(ChargeFigures, std::collections::BTreeSet<u64>)> =
            [Charge::LandPrice, Charge::IdleFee, Charge::ManagementFee]
                .into_iter()
                .map(|charge| {
                    (
                        FinanceFigures::default_charge(charge),
                        std::collections::BTreeSet::new(),
                    )
                })
                .collect();
        for debt in debts {
            let Some((figures, debtors)) = charges.iter_mut().find(|c| c.0.charge == debt.charge)
            else {
                continue;
            };
            let (collected, off) = settled(debt.entries.iter().filter(|e| in_year(e.date)));
            figures.collected = yuan(i128::from(figures.collected.fen()) + collected);
            figures.written_off = yuan(i128::from(figures.written_off.fen()) + off);
            let at = debt.position(end);
            if at.outstanding.is_positive() {
                figures.outstanding =
                    yuan(i128::from(figures.outstanding.fen()) + i128::from(at.outstanding.fen()));
                figures.overdue =
                    yuan(i128::from(figures.overdue.fen()) + i128::from(at.overdue.fen()));
                debtors.insert(debt.debtor.0);
            }
        }
        let mut compensation = std::collections::BTreeMap::<CompensationKind, i128>::new();
        for (date, c) in paid_out {
            if in_year(date) {
                *compensation.entry(c.kind).or_default() += i128::from(c.amount.fen());
            }
        }
        FinanceFigures {
            year,
            charges: charges
                .into_iter()
                .map(|(mut f, debtors)| {
                    f.debtors = debtors.len() as u64;
                    f
                })
                .collect(),
            compensation: compensation
                .into_iter()
                .map(|(k, v)| (k, yuan(v)))
                .collect(),
            collection_steps: steps.into_iter().filter(|d| in_year(*d)).count() as u64,
        }
    }

    fn default_charge(charge: Charge) -> ChargeFigures {
        ChargeFigures {
            charge,
            collected: Yuan::ZERO,
            written_off: Yuan::ZERO,
            outstanding: Yuan::ZERO,
            overdue: Yuan::ZERO,
            debtors: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn y(n: i64) -> Yuan {
        Yuan::from_yuan(n).unwrap()
    }

    #[test]
    fn aging_covers_the_oldest_instalments_first() {
        let mut debt = Debt::new(Charge::LandPrice, EnterpriseId(1), d("2005-01-01"), y(300));
        debt.reschedule(&[
            Instalment {
                due: d("2005-01-01"),
                amount: y(100),
            },
            Instalment {
                due: d("2005-04-01"),
                amount: y(100),
            },
            Instalment {
                due: d("2005-07-01"),
                amount: y(100),
            },
        ])
        .unwrap();
        let p = Payment {
            charge: Charge::LandPrice,
            amount: y(150),
            reference: None,
            payer: None,
            advance: false,
        };
        debt.pay(d("2005-02-01"), &p).unwrap();
        let at = debt.position(d("2005-08-01"));
        assert_eq!(at.due, y(300));
        assert_eq!(at.paid, y(150));
        assert_eq!(at.outstanding, y(150));
        assert_eq!(at.overdue, y(150));
        // The second instalment is half covered: overdue since April 1.
        assert_eq!(at.oldest_due, Some(d("2005-04-01")));
        assert_eq!(at.days_overdue, 122);
        assert_eq!(at.bucket(), AgingBucket::UpTo180);
        let early = debt.position(d("2005-03-01"));
        assert_eq!((early.due, early.overdue), (y(100), Yuan::ZERO));
        assert_eq!(early.bucket(), AgingBucket::Current);
    }

    #[test]
    fn fees_are_pro_rata_by_days_and_billed_at_period_end() {
        let rates = [FeeRate {
            from: d("2005-01-01"),
            basis: FeeBasis::HeldMu,
            period: FeePeriod::Year,
            amount: y(365),
        }];
        // 10 亩 held from March 1 to the end of 2005: 306 days of 365.
        let held = [Chargeable::land(
            Mu::from_mu(10).unwrap(),
            d("2005-03-01"),
            None,
        )];
        let bills = bill_fees(&held, &rates, d("2006-06-30"));
        assert_eq!(
            bills,
            vec![Bill {
                due: d("2005-12-31"),
                amount: y(3060)
            }]
        );
        assert!(bill_fees(&held, &rates, d("2005-12-30")).is_empty());
    }
}
