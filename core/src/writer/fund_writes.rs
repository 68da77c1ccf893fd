//! Writes to the science & technology fund.

use super::*;
use crate::fund::{
    apply_application, apply_programme, ApplicationEvent, ApplicationId, AwardKind, ByKind,
    ProgrammeEvent, ProgrammeId, RecoveryVia,
};

/// The awards of an approval for [`Writer::approve`].
#[derive(Debug, Clone, Default)]
pub struct Award {
    /// 批次, e.g. 第一批.
    pub batch: String,
    /// 无偿资助 awarded.
    pub grant: Yuan,
    /// 贷款贴息 awarded.
    pub interest_subsidy: Yuan,
    /// 有偿资助 (a loan) awarded.
    pub loan: Yuan,
    /// When the whole loan falls due (or use `schedule`).
    pub repay_by: Option<NaiveDate>,
    /// Instalments of the loan: (due date, amount), summing to the loan.
    pub schedule: Vec<(NaiveDate, Yuan)>,
    /// Approve even beyond the programme's budget.
    pub override_budget: bool,
}

impl Writer {
    /// A programme of the fund: a year's appropriation (区财政拨款).
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty name, a year outside 1900–2200 or
    /// a negative budget; [`Error::Conflict`] for a programme of the same
    /// name and year.
    pub fn add_programme(
        &mut self,
        name: &str,
        year: i32,
        budget: Yuan,
        created: NaiveDate,
    ) -> Result<ProgrammeId> {
        self.attempt(|w| {
            if name.trim().is_empty() {
                return Err(Error::validation("name", "a programme needs a name"));
            }
            let name = crate::text::name("name", name)?;
            if let Some(twin) = w
                .records::<Programme>()?
                .into_iter()
                .find(|p| p.name == name && p.year == year)
            {
                return Err(Error::conflict(
                    Entity::Programme,
                    format!("{name} ({year})"),
                    format!("a programme of that name and year exists: {}", twin.id),
                ));
            }
            let years = chrono::Datelike::year(&crate::FIRST_DATE)
                ..=chrono::Datelike::year(&crate::LAST_DATE);
            if !years.contains(&year) {
                return Err(Error::validation(
                    "year",
                    format!(
                        "a programme's year must be from {} to {}, got {year}",
                        years.start(),
                        years.end()
                    ),
                ));
            }
            if budget < Yuan::ZERO {
                return Err(Error::validation(
                    "budget_yuan",
                    format!("budget must not be negative, got {budget}"),
                ));
            }
            let id = ProgrammeId(w.next_id(&keys::meta::next_id(keys::kind::PROGRAMME))?);
            let event = ProgrammeEvent::Created { name, year, budget };
            let state = apply_programme(None, id, created, &event)?;
            w.append::<Programme>(id.0, created, Body::Domain(event))?;
            w.store::<Programme>(None, state)?;
            Ok(id)
        })
    }

    /// 受理: receives an application from an enterprise under a programme.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown programme or applicant;
    /// [`Error::Validation`] for an empty title or a non-positive request.
    pub fn apply(
        &mut self,
        programme: ProgrammeId,
        applicant: EnterpriseId,
        title: &str,
        received: NaiveDate,
        requested: Yuan,
        field: Option<&str>,
    ) -> Result<ApplicationId> {
        self.attempt(|w| {
            w.require::<Programme>(programme.0)?;
            w.require::<Enterprise>(applicant.0)?;
            if title.trim().is_empty() {
                return Err(Error::validation("title", "an application needs a title"));
            }
            let title = crate::text::name("title", title)?;
            let field = crate::text::optional("field", field, crate::text::name)?;
            if !requested.is_positive() {
                return Err(Error::validation(
                    "requested_yuan",
                    format!("the request must be positive, got {requested}"),
                ));
            }
            let id = ApplicationId(w.next_id(&keys::meta::next_id(keys::kind::APPLICATION))?);
            let event = ApplicationEvent::Received {
                programme,
                applicant,
                title,
                field,
                requested,
            };
            let state = apply_application(None, id, received, &event)?;
            w.append::<Application>(id.0, received, Body::Domain(event))?;
            w.store::<Application>(None, state)?;
            Ok(id)
        })
    }

    /// Expert review (评审): scores from 0 to 100.
    ///
    /// # Errors
    /// [`Error::Validation`] for no scores or one above 100; [`Error::Lifecycle`]
    /// unless the application is received.
    pub fn review(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        scores: &[u32],
    ) -> Result<EventId> {
        self.attempt(|w| {
            if scores.is_empty() {
                return Err(Error::validation(
                    "scores",
                    "a review needs at least one score",
                ));
            }
            if let Some(s) = scores.iter().find(|s| **s > 100) {
                return Err(Error::validation(
                    "scores",
                    format!("scores are 0 to 100, got {s}"),
                ));
            }
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::Reviewed {
                    scores: scores.to_vec(),
                },
            )
        })
    }

    /// 立项: approves an application in a named batch with an award per kind.
    /// A loan needs a repay-by date or a schedule summing to it. Awards that
    /// take the programme beyond its budget are refused unless `override_budget`.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad amounts or repayment terms; [`Error::Conflict`]
    /// beyond the budget; [`Error::Lifecycle`] unless the application is received.
    pub fn approve(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        award: Award,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let a: Application = w.require(application.0)?;
            let batch = crate::text::name("batch", &award.batch);
            if award.batch.trim().is_empty() {
                return Err(Error::validation(
                    "batch",
                    "an approval names its batch (第一批, …)",
                ));
            }
            let awarded = ByKind {
                grant: award.grant,
                interest_subsidy: award.interest_subsidy,
                loan: award.loan,
            };
            for kind in AwardKind::ALL {
                if awarded.get(*kind) < Yuan::ZERO {
                    return Err(Error::validation(
                        format!("{}_yuan", kind.code()),
                        "must not be negative",
                    ));
                }
            }
            let total = awarded.total()?;
            if total == Yuan::ZERO {
                return Err(Error::validation("award", "an approval awards something"));
            }
            let repayment = match (
                award.loan.is_positive(),
                award.repay_by,
                award.schedule.is_empty(),
            ) {
                (false, None, true) => Vec::new(),
                (false, _, _) => {
                    return Err(Error::validation(
                        "repay_by",
                        "repayment terms without a loan",
                    ))
                }
                (true, Some(_), false) => {
                    return Err(Error::validation(
                        "repay_by",
                        "give a repay-by date or a schedule, not both",
                    ))
                }
                (true, None, true) => {
                    return Err(Error::validation(
                        "repay_by",
                        "a loan needs a repay-by date or a schedule",
                    ))
                }
                (true, Some(by), true) => vec![(by, award.loan)],
                (true, None, false) => {
                    let mut schedule = award.schedule.clone();
                    schedule.sort();
                    if Yuan::sum(schedule.iter().map(|s| s.1))? != award.loan
                        || schedule.iter().any(|s| !s.1.is_positive())
                    {
                        return Err(Error::validation(
                            "schedule",
                            format!(
                                "the instalments must be positive and sum to the loan of {}",
                                award.loan
                            ),
                        ));
                    }
                    schedule
                }
            };
            if repayment.iter().any(|(d, _)| *d <= date) {
                return Err(Error::validation(
                    "repay_by",
                    "a loan falls due after its approval",
                ));
            }
            let programme: Programme = w.require(a.programme.0)?;
            let committed = w.committed_total(a.programme.0)?.checked_add(total)?;
            if committed > programme.budget && !award.override_budget {
                return Err(Error::conflict(
                    Entity::Programme,
                    programme.name.clone(),
                    format!(
                        "awards would reach {} against a budget of {}; approve with override_budget to go beyond it",
                        committed.display_wan(),
                        programme.budget.display_wan()
                    ),
                ));
            }
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::Approved {
                    batch: batch?,
                    awarded,
                    repayment,
                    over_budget: committed > programme.budget,
                },
            )
        })
    }

    /// 不予立项.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] unless the application is received.
    pub fn reject(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        reason: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::Rejected {
                    reason: crate::text::note("reason", reason)?.unwrap_or_default(),
                },
            )
        })
    }

    fn positive(field: &str, amount: Yuan) -> Result<()> {
        if amount.is_positive() {
            Ok(())
        } else {
            Err(Error::validation(
                field,
                format!("must be positive, got {amount}"),
            ))
        }
    }

    /// 拨付: pays a tranche of one kind; the total disbursed of a kind may
    /// not exceed what was awarded of it.
    ///
    /// # Errors
    /// [`Error::Validation`] for a non-positive amount; [`Error::Lifecycle`]
    /// before approval or beyond the award.
    pub fn disburse(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        amount: Yuan,
        kind: AwardKind,
    ) -> Result<EventId> {
        self.attempt(|w| {
            Self::positive("amount_yuan", amount)?;
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::Disbursed { kind, amount },
            )
        })
    }

    /// 还款: a repayment of the loan, at most what is outstanding.
    ///
    /// # Errors
    /// [`Error::Validation`] for a non-positive amount; [`Error::Lifecycle`] beyond the outstanding loan.
    pub fn repay(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        amount: Yuan,
    ) -> Result<EventId> {
        self.attempt(|w| {
            Self::positive("amount_yuan", amount)?;
            w.record_event::<Application>(application.0, date, ApplicationEvent::Repaid { amount })
        })
    }

    /// 追讨: money recovered from a debtor, by demand or through the court.
    ///
    /// # Errors
    /// As [`Writer::repay`].
    pub fn recover(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        amount: Yuan,
        via: RecoveryVia,
    ) -> Result<EventId> {
        self.attempt(|w| {
            Self::positive("amount_yuan", amount)?;
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::Recovered { amount, via },
            )
        })
    }

    /// 核销: writes off what is outstanding on the loan.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] without a loan outstanding.
    pub fn write_off(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
        reason: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Application>(
                application.0,
                date,
                ApplicationEvent::WrittenOff {
                    reason: crate::text::note("reason", reason)?.unwrap_or_default(),
                },
            )
        })
    }

    /// 结项: closes an approved application with nothing outstanding.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] with a loan outstanding or unless approved.
    pub fn close_application(
        &mut self,
        application: ApplicationId,
        date: NaiveDate,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Application>(application.0, date, ApplicationEvent::Closed)
        })
    }

    /// The programme's budget changes (a supplementary appropriation, say).
    ///
    /// # Errors
    /// [`Error::Validation`] for a negative budget.
    pub fn set_budget(
        &mut self,
        programme: ProgrammeId,
        date: NaiveDate,
        budget: Yuan,
    ) -> Result<EventId> {
        self.attempt(|w| {
            if budget < Yuan::ZERO {
                return Err(Error::validation(
                    "budget_yuan",
                    format!("budget must not be negative, got {budget}"),
                ));
            }
            w.record_event::<Programme>(programme.0, date, ProgrammeEvent::BudgetChanged { budget })
        })
    }
}
