//! The science & technology fund (科技三项费用 / 科技计划项目): programmes,
//! applications, review, approval in batches, disbursement by kind,
//! repayment, recovery (追讨), write-off.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Entity, Error, Result, Rule};
use crate::ids::code_enum;
use crate::ids::EnterpriseId;
use crate::units::Yuan;

pub use crate::ids::ApplicationId;
pub use crate::ids::ProgrammeId;
code_enum!(
    /// The kinds of award.
    AwardKind, "kind", {
        /// 无偿资助.
        Grant = "grant" / "无偿资助",
        /// 贷款贴息.
        InterestSubsidy = "interest_subsidy" / "贷款贴息",
        /// 有偿资助: a loan to repay.
        Loan = "loan" / "有偿资助",
    }
);

code_enum!(
    /// Where an application stands.
    ApplicationStatus, "status", {
        /// 受理: received, under review.
        Received = "received" / "受理",
        Approved = "approved" / "立项",
        Rejected = "rejected" / "不予立项",
        Closed = "closed" / "结项",
        WrittenOff = "written_off" / "核销",
    }
);

code_enum!(
    /// How money was recovered (追讨).
    RecoveryVia, "via", {
        /// A demand for payment (催收).
        Demand = "demand" / "催收",
        /// Through the court (法院).
        Court = "court" / "法院",
    }
);

/// A programme of the fund: a year's appropriation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// Its number in this database.
    pub id: ProgrammeId,
    /// Its name (e.g. 2005年度科技计划项目).
    pub name: String,
    /// The year it appropriates for.
    pub year: i32,
    /// The appropriation (区财政拨款).
    pub budget: Yuan,
    /// The day it was created.
    #[serde(with = "crate::days::day")]
    pub created: NaiveDate,
    /// The valid date of its latest event.
    #[serde(with = "crate::days::day")]
    pub last_event: NaiveDate,
}

/// What happened to a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ProgrammeEvent {
    /// Created (设立) with its appropriation.
    Created {
        /// The programme's name.
        name: String,
        /// The year it appropriates for.
        year: i32,
        /// The appropriation.
        budget: Yuan,
    },
    /// The appropriation changed (追加 or 调减).
    BudgetChanged {
        /// The new appropriation.
        budget: Yuan,
    },
}

impl ProgrammeEvent {
    /// The event's stable name (`created`, `budget_changed`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ProgrammeEvent::Created { .. } => "created",
            ProgrammeEvent::BudgetChanged { .. } => "budget_changed",
        }
    }

    /// The event in a sentence, as timelines and explanations show it.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ProgrammeEvent::Created { name, year, budget } => {
                format!("{name} ({year}), budget {budget}")
            }
            ProgrammeEvent::BudgetChanged { budget } => format!("budget now {budget}"),
        }
    }
}

pub(crate) fn apply_programme(
    state: Option<Programme>,
    id: ProgrammeId,
    date: NaiveDate,
    event: &ProgrammeEvent,
) -> Result<Programme> {
    match (state, event) {
        (None, ProgrammeEvent::Created { name, year, budget }) => Ok(Programme {
            id,
            name: name.clone(),
            year: *year,
            budget: *budget,
            created: date,
            last_event: date,
        }),
        (Some(mut p), ProgrammeEvent::BudgetChanged { budget }) => {
            if date < p.last_event {
                return Err(Error::lifecycle(
                    Entity::Programme,
                    p.name.clone(),
                    Rule::OutOfOrder,
                    format!(
                        "events out of date order: {date} is before {}",
                        p.last_event
                    ),
                ));
            }
            p.budget = *budget;
            p.last_event = date;
            Ok(p)
        }
        (None, _) => Err(Error::lifecycle(
            Entity::Programme,
            id.to_string(),
            Rule::NotCreated,
            "the first event must create the programme",
        )),
        (Some(p), ProgrammeEvent::Created { .. }) => Err(Error::lifecycle(
            Entity::Programme,
            p.name,
            Rule::AlreadyExists,
            "the programme already exists",
        )),
    }
}

/// Awards by kind (also used for disbursed and other per-kind sums).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByKind {
    /// 无偿资助: money given.
    pub grant: Yuan,
    /// 贷款贴息: interest paid on a firm's bank loan.
    pub interest_subsidy: Yuan,
    /// 有偿资助: a loan, repaid to the fund.
    pub loan: Yuan,
}

impl ByKind {
    /// The amount of one kind.
    #[must_use]
    pub fn get(&self, kind: AwardKind) -> Yuan {
        match kind {
            AwardKind::Grant => self.grant,
            AwardKind::InterestSubsidy => self.interest_subsidy,
            AwardKind::Loan => self.loan,
        }
    }

    fn slot(&mut self, kind: AwardKind) -> &mut Yuan {
        match kind {
            AwardKind::Grant => &mut self.grant,
            AwardKind::InterestSubsidy => &mut self.interest_subsidy,
            AwardKind::Loan => &mut self.loan,
        }
    }

    /// The sum of the kinds.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn total(&self) -> Result<Yuan> {
        Yuan::sum([self.grant, self.interest_subsidy, self.loan])
    }

    /// Adds another set of amounts kind by kind.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn add(&mut self, other: &ByKind) -> Result<()> {
        for kind in AwardKind::ALL {
            let slot = self.slot(*kind);
            *slot = slot.checked_add(other.get(*kind))?;
        }
        Ok(())
    }
}

/// The approval of an application, in a named batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The day of the approval (立项).
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
    /// 批次, e.g. 第一批.
    pub batch: String,
    /// What was awarded, by kind.
    pub awarded: ByKind,
    /// When a loan falls due: one date for the whole loan, or a schedule.
    #[serde(with = "crate::days::dated")]
    pub repayment: Vec<(NaiveDate, Yuan)>,
    /// The award went beyond the programme's budget by explicit decision.
    pub over_budget: bool,
}

/// An application to the fund: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Its number in this database.
    pub id: ApplicationId,
    /// The programme applied to.
    pub programme: ProgrammeId,
    /// The firm that applied.
    pub applicant: EnterpriseId,
    /// The project's title.
    pub title: String,
    /// 领域, e.g. 医药化工, 农业生态.
    pub field: Option<String>,
    /// The amount asked for.
    pub requested: Yuan,
    /// 受理日期.
    #[serde(with = "crate::days::day")]
    pub received: NaiveDate,
    /// Where the application stands.
    pub status: ApplicationStatus,
    /// Expert scores, all reviews together.
    pub scores: Vec<u32>,
    /// Its approval, once approved.
    pub approval: Option<Approval>,
    /// Its rejection (date and reason), if rejected.
    #[serde(with = "crate::days::opt_dated")]
    pub rejected: Option<(NaiveDate, String)>,
    /// What has been paid out, by kind.
    pub disbursed: ByKind,
    /// Disbursements: (date, kind, amount).
    #[serde(with = "crate::days::dated3")]
    pub disbursements: Vec<(NaiveDate, AwardKind, Yuan)>,
    /// Repayments of the loan: (date, amount).
    #[serde(with = "crate::days::dated")]
    pub repayments: Vec<(NaiveDate, Yuan)>,
    /// Recoveries (追讨): (date, amount, how).
    #[serde(with = "crate::days::dated3")]
    pub recoveries: Vec<(NaiveDate, Yuan, RecoveryVia)>,
    /// Amount written off (核销), with its date.
    #[serde(with = "crate::days::opt_dated")]
    pub written_off: Option<(NaiveDate, Yuan)>,
    /// The day it was closed (结项), if it was.
    #[serde(with = "crate::days::opt")]
    pub closed: Option<NaiveDate>,
    /// The valid date of its latest event.
    #[serde(with = "crate::days::day")]
    pub last_event: NaiveDate,
}

/// A loan that is overdue as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    /// The application whose loan it is.
    pub application: ApplicationId,
    /// The firm that owes it.
    pub applicant: EnterpriseId,
    /// The project's title.
    pub title: String,
    /// Due by the date and not paid.
    pub amount: Yuan,
    /// Since the earliest unpaid due date.
    pub days: i64,
    /// The earliest due date not paid.
    pub due_since: NaiveDate,
    /// The whole outstanding loan (due or not).
    pub outstanding: Yuan,
}

impl Application {
    /// Mean of the expert scores.
    #[must_use]
    pub fn score_mean(&self) -> Option<f64> {
        (!self.scores.is_empty()).then(|| {
            self.scores.iter().map(|s| f64::from(*s)).sum::<f64>() / self.scores.len() as f64
        })
    }

    /// Spread of the expert scores: highest minus lowest.
    #[must_use]
    pub fn score_spread(&self) -> Option<u32> {
        Some(self.scores.iter().max()? - self.scores.iter().min()?)
    }

    /// The loan paid back: repayments and recoveries.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn paid_back(&self) -> Result<Yuan> {
        Yuan::sum(
            self.repayments
                .iter()
                .map(|r| r.1)
                .chain(self.recoveries.iter().map(|r| r.1)),
        )
    }

    /// What is still owed on the loan: disbursed − repaid − recovered − written off.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn outstanding(&self) -> Result<Yuan> {
        let off = self.written_off.map_or(Yuan::ZERO, |w| w.1);
        self.disbursed
            .loan
            .checked_sub(self.paid_back()?)?
            .checked_sub(off)
    }

    /// Overdue as of `date`: the part of the loan due by then (capped at
    /// what was disbursed) and not paid back, with days since the earliest
    /// unpaid due date. `None` when nothing is overdue.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn overdue_as_of(&self, date: NaiveDate) -> Result<Option<Overdue>> {
        if self.written_off.is_some() || self.disbursed.loan == Yuan::ZERO {
            return Ok(None);
        }
        let Some(approval) = &self.approval else {
            return Ok(None);
        };
        let paid = self.paid_back()?;
        let mut due = Yuan::ZERO;
        let mut since = None;
        for (when, amount) in &approval.repayment {
            if *when >= date {
                break;
            }
            due = due.checked_add(*amount)?;
            // The earliest instalment not covered by what was paid back.
            if since.is_none() && due > paid {
                since = Some(*when);
            }
        }
        let due = due.min(self.disbursed.loan);
        let amount = due.checked_sub(paid)?;
        match since {
            Some(since) if amount > Yuan::ZERO => Ok(Some(Overdue {
                application: self.id,
                applicant: self.applicant,
                title: self.title.clone(),
                amount,
                days: (date - since).num_days(),
                due_since: since,
                outstanding: self.outstanding()?,
            })),
            _ => Ok(None),
        }
    }

    fn refuse(&self, kind: Rule, rule: impl Into<String>) -> Error {
        Error::lifecycle(
            Entity::Application,
            format!("{} ({})", self.title, self.id),
            kind,
            rule,
        )
    }
}

/// What happened to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ApplicationEvent {
    /// 受理.
    Received {
        /// The programme applied to.
        programme: ProgrammeId,
        /// The firm that applied.
        applicant: EnterpriseId,
        /// The project's title.
        title: String,
        /// 领域, if given.
        field: Option<String>,
        /// The amount asked for.
        requested: Yuan,
    },
    /// Expert review (评审).
    Reviewed {
        /// The experts' scores of this review.
        scores: Vec<u32>,
    },
    /// 立项 in a batch.
    Approved {
        /// 批次, e.g. 第一批.
        batch: String,
        /// What was awarded, by kind.
        awarded: ByKind,
        /// When the loan falls due: (date, amount).
        #[serde(with = "crate::days::dated")]
        repayment: Vec<(NaiveDate, Yuan)>,
        /// The award goes beyond the budget by explicit decision.
        over_budget: bool,
    },
    /// 不予立项, with the reason.
    Rejected {
        /// Why it was not approved.
        reason: String,
    },
    /// 拨付 a tranche of one kind.
    Disbursed {
        /// Of which award.
        kind: AwardKind,
        /// How much.
        amount: Yuan,
    },
    /// 还款.
    Repaid {
        /// How much was repaid.
        amount: Yuan,
    },
    /// 追讨 — money recovered from a debtor.
    Recovered {
        /// How much was recovered.
        amount: Yuan,
        /// How it was recovered.
        via: RecoveryVia,
    },
    /// 核销: the rest of the loan is written off.
    WrittenOff {
        /// Why the rest is written off.
        reason: String,
    },
    /// 结项.
    Closed,
}

impl ApplicationEvent {
    /// The event's stable name (`received`, `approved`…).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ApplicationEvent::Received { .. } => "received",
            ApplicationEvent::Reviewed { .. } => "reviewed",
            ApplicationEvent::Approved { .. } => "approved",
            ApplicationEvent::Rejected { .. } => "rejected",
            ApplicationEvent::Disbursed { .. } => "disbursed",
            ApplicationEvent::Repaid { .. } => "repaid",
            ApplicationEvent::Recovered { .. } => "recovered",
            ApplicationEvent::WrittenOff { .. } => "written_off",
            ApplicationEvent::Closed => "closed",
        }
    }

    /// The event in a sentence, as timelines and explanations show it.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            ApplicationEvent::Received {
                title,
                requested,
                field,
                ..
            } => {
                format!(
                    "{title}, requested {requested}{}",
                    field
                        .as_deref()
                        .map(|f| format!(", {f}"))
                        .unwrap_or_default()
                )
            }
            ApplicationEvent::Reviewed { scores } => format!("scores {scores:?}"),
            ApplicationEvent::Approved { batch, awarded, .. } => format!(
                "{batch}: grant {}, interest subsidy {}, loan {}",
                awarded.grant, awarded.interest_subsidy, awarded.loan
            ),
            ApplicationEvent::Rejected { reason } => format!("rejected: {reason}"),
            ApplicationEvent::Disbursed { kind, amount } => format!("{} {amount}", kind.code()),
            ApplicationEvent::Repaid { amount } => format!("repaid {amount}"),
            ApplicationEvent::Recovered { amount, via } => {
                format!("recovered {amount} by {}", via.code())
            }
            ApplicationEvent::WrittenOff { reason } => format!("written off: {reason}"),
            ApplicationEvent::Closed => "closed".into(),
        }
    }
}

pub(crate) fn apply_application(
    state: Option<Application>,
    id: ApplicationId,
    date: NaiveDate,
    event: &ApplicationEvent,
) -> Result<Application> {
    use ApplicationStatus as S;
    let mut a = match (state, event) {
        (
            None,
            ApplicationEvent::Received {
                programme,
                applicant,
                title,
                field,
                requested,
            },
        ) => {
            return Ok(Application {
                id,
                programme: *programme,
                applicant: *applicant,
                title: title.clone(),
                field: field.clone(),
                requested: *requested,
                received: date,
                status: S::Received,
                scores: Vec::new(),
                approval: None,
                rejected: None,
                disbursed: ByKind::default(),
                disbursements: Vec::new(),
                repayments: Vec::new(),
                recoveries: Vec::new(),
                written_off: None,
                closed: None,
                last_event: date,
            })
        }
        (None, _) => {
            return Err(Error::lifecycle(
                Entity::Application,
                id.to_string(),
                Rule::NotCreated,
                "the first event must receive the application",
            ))
        }
        (Some(a), ApplicationEvent::Received { .. }) => {
            return Err(a.refuse(Rule::AlreadyExists, "the application was already received"))
        }
        (Some(a), _) => a,
    };
    // Folds and writes keep dated events in date order (history entered
    // late is folded again in its place: `Writer::entered_late`): a guard.
    if date < a.last_event {
        return Err(a.refuse(
            Rule::OutOfOrder,
            format!(
                "events out of date order: {date} is before the application's latest event on {}",
                a.last_event
            ),
        ));
    }
    match event {
        ApplicationEvent::Received { .. } => unreachable!("handled above"),
        ApplicationEvent::Reviewed { scores } => {
            if a.status != S::Received {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!(
                        "only a received application is reviewed; it is {}",
                        a.status
                    ),
                ));
            }
            a.scores.extend_from_slice(scores);
        }
        ApplicationEvent::Approved {
            batch,
            awarded,
            repayment,
            over_budget,
        } => {
            if a.status != S::Received {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!(
                        "only a received application can be approved; it is {}",
                        a.status
                    ),
                ));
            }
            a.status = S::Approved;
            a.approval = Some(Approval {
                date,
                batch: batch.clone(),
                awarded: *awarded,
                repayment: repayment.clone(),
                over_budget: *over_budget,
            });
        }
        ApplicationEvent::Rejected { reason } => {
            if a.status != S::Received {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!(
                        "only a received application can be rejected; it is {}",
                        a.status
                    ),
                ));
            }
            a.status = S::Rejected;
            a.rejected = Some((date, reason.clone()));
        }
        ApplicationEvent::Disbursed { kind, amount } => {
            let Some(approval) = &a.approval else {
                return Err(a.refuse(Rule::NotAllowedNow, "no disbursement before approval"));
            };
            if a.status != S::Approved {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!("no disbursement on an application that is {}", a.status),
                ));
            }
            let awarded = approval.awarded.get(*kind);
            let after = a.disbursed.get(*kind).checked_add(*amount)?;
            if after > awarded {
                return Err(a.refuse(
                    Rule::Amount,
                    format!(
                        "disbursed {} would exceed the {} awarded as {} ({} already disbursed)",
                        after,
                        awarded,
                        kind.code(),
                        a.disbursed.get(*kind)
                    ),
                ));
            }
            *a.disbursed.slot(*kind) = after;
            a.disbursements.push((date, *kind, *amount));
        }
        ApplicationEvent::Repaid { amount } | ApplicationEvent::Recovered { amount, .. } => {
            if !matches!(a.status, S::Approved) {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!("no repayment on an application that is {}", a.status),
                ));
            }
            let outstanding = a.outstanding()?;
            if *amount > outstanding {
                return Err(a.refuse(
                    Rule::Amount,
                    format!("{amount} is more than the {outstanding} outstanding on the loan"),
                ));
            }
            match event {
                ApplicationEvent::Recovered { via, .. } => a.recoveries.push((date, *amount, *via)),
                _ => a.repayments.push((date, *amount)),
            }
        }
        ApplicationEvent::WrittenOff { .. } => {
            let outstanding = a.outstanding()?;
            if a.status != S::Approved || outstanding == Yuan::ZERO {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    "only an approved application with a loan outstanding can be written off",
                ));
            }
            a.written_off = Some((date, outstanding));
            a.status = S::WrittenOff;
        }
        ApplicationEvent::Closed => {
            if a.status != S::Approved {
                return Err(a.refuse(
                    Rule::NotAllowedNow,
                    format!(
                        "only an approved application can be closed; it is {}",
                        a.status
                    ),
                ));
            }
            let outstanding = a.outstanding()?;
            if outstanding > Yuan::ZERO {
                return Err(a.refuse(Rule::Amount, format!("{outstanding} of the loan is outstanding: repay, recover or write it off first")));
            }
            a.status = S::Closed;
            a.closed = Some(date);
        }
    }
    a.last_event = date;
    Ok(a)
}

/// The totals of one approval batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchTotals {
    /// The programme, or none for totals across programmes.
    pub programme: Option<ProgrammeId>,
    /// 批次.
    pub batch: String,
    /// How many applications it approved.
    pub count: u64,
    /// What it awarded, by kind.
    pub awarded: ByKind,
}

impl BatchTotals {
    /// All kinds together.
    ///
    /// # Errors
    /// [`Error::Validation`] on overflow.
    pub fn total(&self) -> Result<Yuan> {
        self.awarded.total()
    }
}

/// A programme's money: budget, committed by approvals, disbursed, remaining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeBudget {
    /// The programme.
    pub programme: ProgrammeId,
    /// Its appropriation.
    pub budget: Yuan,
    /// Awarded by its approvals.
    pub committed: Yuan,
    /// Paid out so far.
    pub disbursed: Yuan,
    /// Budget − committed (negative when an override went beyond it).
    pub remaining: Yuan,
}
