//! The fund's tables: applications, disbursements, programmes, overdue loans.

use super::*;

impl View<'_> {
    /// Applications to the fund matching `filter`; overdue as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn applications_table(
        &self,
        filter: &crate::view::ApplicationFilter,
    ) -> Result<RecordBatch> {
        self.consistently(|v| {
            let apps = v.applications(filter)?;
            let names = v.names_of(apps.iter().map(|a| a.applicant))?;
            applications_batch(&apps, &names, v.date())
        })
    }

    /// The fund's money movements; `year` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn disbursements_table(&self, year: Option<i32>) -> Result<RecordBatch> {
        self.consistently(|v| {
            disbursements_batch(
                &v.applications(&crate::view::ApplicationFilter::default())?,
                year,
            )
        })
    }

    /// Programmes with their budgets.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn programmes_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| {
            let mut rows = Vec::new();
            for p in v.programmes()? {
                let budget = v.programme_budget(p.id)?;
                rows.push((p, budget));
            }
            programmes_batch(&rows)
        })
    }

    /// Loans overdue as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn overdue_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| {
            let overdue = v.overdue()?;
            let names = v.names_of(overdue.iter().map(|o| o.applicant))?;
            overdue_batch(&overdue, &names)
        })
    }
}

/// Applications to the fund, one row each, with awards and money by kind.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn applications_batch(
    apps: &[Application],
    names: &(impl NameOf + ?Sized),
    at: NaiveDate,
) -> Result<RecordBatch> {
    let awarded = |a: &Application, k: AwardKind| a.approval.as_ref().map(|p| p.awarded.get(k));
    let overdue: Vec<Option<Yuan>> = apps
        .iter()
        .map(|a| a.overdue_as_of(at).ok().flatten().map(|o| o.amount))
        .collect();
    let mut c = Columns::default();
    c.id("application_id", apps.iter().map(|a| Some(a.id.0)));
    c.id("programme_id", apps.iter().map(|a| Some(a.programme.0)));
    c.id("applicant_id", apps.iter().map(|a| Some(a.applicant.0)));
    c.text("applicant", apps.iter().map(|a| names.name_of(a.applicant)));
    c.text("title", apps.iter().map(|a| Some(a.title.as_str())));
    c.text("field", apps.iter().map(|a| a.field.as_deref()));
    c.yuan("requested_yuan", apps.iter().map(|a| Some(a.requested)))?;
    c.date("received", apps.iter().map(|a| Some(a.received)));
    c.text("status", apps.iter().map(|a| Some(a.status.code())));
    c.id(
        "review_count",
        apps.iter().map(|a| Some(a.scores.len() as u64)),
    );
    c.float("score_mean", apps.iter().map(Application::score_mean));
    c.id(
        "score_spread",
        apps.iter().map(|a| a.score_spread().map(u64::from)),
    );
    c.text(
        "batch",
        apps.iter()
            .map(|a| a.approval.as_ref().map(|p| p.batch.as_str())),
    );
    c.date(
        "approved",
        apps.iter().map(|a| a.approval.as_ref().map(|p| p.date)),
    );
    c.yuan(
        "grant_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::Grant)),
    )?;
    c.yuan(
        "interest_subsidy_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::InterestSubsidy)),
    )?;
    c.yuan(
        "loan_yuan",
        apps.iter().map(|a| awarded(a, AwardKind::Loan)),
    )?;
    c.yuan(
        "disbursed_yuan",
        apps.iter().map(|a| a.disbursed.total().ok()),
    )?;
    c.yuan(
        "repaid_yuan",
        apps.iter()
            .map(|a| Yuan::sum(a.repayments.iter().map(|r| r.1)).ok()),
    )?;
    c.yuan(
        "recovered_yuan",
        apps.iter()
            .map(|a| Yuan::sum(a.recoveries.iter().map(|r| r.1)).ok()),
    )?;
    c.yuan(
        "outstanding_yuan",
        apps.iter().map(|a| a.outstanding().ok()),
    )?;
    c.yuan("overdue_yuan", overdue)?;
    c.date(
        "repay_by",
        apps.iter().map(|a| {
            a.approval
                .as_ref()
                .and_then(|p| p.repayment.last().map(|r| r.0))
        }),
    );
    c.date(
        "rejected",
        apps.iter().map(|a| a.rejected.as_ref().map(|r| r.0)),
    );
    c.finish()
}

/// Money movements of the fund: disbursements, repayments and recoveries, one row each.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn disbursements_batch(apps: &[Application], year: Option<i32>) -> Result<RecordBatch> {
    let mut rows: Vec<(&Application, NaiveDate, &'static str, &'static str, Yuan)> = Vec::new();
    for a in apps {
        for (d, kind, amount) in &a.disbursements {
            rows.push((a, *d, "disbursement", kind.code(), *amount));
        }
        for (d, amount) in &a.repayments {
            rows.push((a, *d, "repayment", AwardKind::Loan.code(), *amount));
        }
        for (d, amount, via) in &a.recoveries {
            rows.push((
                a,
                *d,
                if matches!(via, crate::fund::RecoveryVia::Court) {
                    "recovery_court"
                } else {
                    "recovery_demand"
                },
                AwardKind::Loan.code(),
                *amount,
            ));
        }
    }
    rows.retain(|r| year.is_none_or(|y| chrono::Datelike::year(&r.1) == y));
    rows.sort_by_key(|r| (r.1, r.0.id));
    let mut c = Columns::default();
    c.id("application_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.id("programme_id", rows.iter().map(|r| Some(r.0.programme.0)));
    c.date("date", rows.iter().map(|r| Some(r.1)));
    c.text("movement", rows.iter().map(|r| Some(r.2)));
    c.text("kind", rows.iter().map(|r| Some(r.3)));
    c.yuan("amount_yuan", rows.iter().map(|r| Some(r.4)))?;
    c.finish()
}

/// Programmes of the fund with their budget, committed, disbursed and remaining money.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn programmes_batch(rows: &[(Programme, ProgrammeBudget)]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("programme_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("year", rows.iter().map(|r| u64::try_from(r.0.year).ok()));
    c.yuan("budget_yuan", rows.iter().map(|r| Some(r.1.budget)))?;
    c.yuan("committed_yuan", rows.iter().map(|r| Some(r.1.committed)))?;
    c.yuan("disbursed_yuan", rows.iter().map(|r| Some(r.1.disbursed)))?;
    c.yuan("remaining_yuan", rows.iter().map(|r| Some(r.1.remaining)))?;
    c.finish()
}

/// Overdue loans, one row each.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn overdue_batch(rows: &[Overdue], names: &(impl NameOf + ?Sized)) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("application_id", rows.iter().map(|o| Some(o.application.0)));
    c.id("applicant_id", rows.iter().map(|o| Some(o.applicant.0)));
    c.text("applicant", rows.iter().map(|o| names.name_of(o.applicant)));
    c.text("title", rows.iter().map(|o| Some(o.title.as_str())));
    c.yuan("overdue_yuan", rows.iter().map(|o| Some(o.amount)))?;
    c.yuan("outstanding_yuan", rows.iter().map(|o| Some(o.outstanding)))?;
    c.date("due_since", rows.iter().map(|o| Some(o.due_since)));
    c.push(
        "days_overdue",
        Arc::new(rows.iter().map(|o| Some(o.days)).collect::<Int64Array>()),
    );
    c.finish()
}
