//! The fund's reads: programmes, applications, batches, money, overdue loans.

use super::*;

/// Which applications to list; every field left `None` matches all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    /// Only applications to this programme.
    pub programme: Option<ProgrammeId>,
    /// Only this firm's applications.
    pub applicant: Option<EnterpriseId>,
    /// Only applications in this status.
    pub status: Option<ApplicationStatus>,
}

impl View<'_> {
    /// Every event of an application, voids included.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown application.
    pub fn application_history(
        &self,
        id: ApplicationId,
    ) -> Result<Vec<HistoryEntry<ApplicationEvent>>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.history_of::<Application>(id.0)
        })
    }

    /// A programme under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist then.
    pub fn programme(&self, id: ProgrammeId) -> Result<Programme> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.one::<Programme>(id.0)?
                .ok_or_else(|| Error::not_found(crate::Entity::Programme, id))
        })
    }

    /// Every programme under this horizon.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn programmes(&self) -> Result<Vec<Programme>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.all::<Programme>()
        })
    }

    /// An application under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist then.
    pub fn application(&self, id: ApplicationId) -> Result<Application> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.one::<Application>(id.0)?
                .ok_or_else(|| Error::not_found(crate::Entity::Application, id))
        })
    }

    /// Applications under this horizon matching `filter`, through indexes.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn applications(&self, filter: &ApplicationFilter) -> Result<Vec<Application>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            let mut candidates = Candidates::default();
            if let Some(p) = filter.programme {
                candidates.narrow(v.lookup::<Application>(
                    keys::index::APPLICATION_PROGRAMME,
                    &p.0.to_be_bytes(),
                )?);
            }
            if let Some(a) = filter.applicant {
                candidates.narrow(v.lookup::<Application>(
                    keys::index::APPLICATION_APPLICANT,
                    &a.0.to_be_bytes(),
                )?);
            }
            if let (Some(s), true) = (filter.status, v.horizon == Horizon::NOW) {
                candidates
                    .narrow(v.lookup::<Application>(keys::index::APPLICATION_STATUS, &[s.byte()])?);
            }
            let apps = candidates.load::<Application>(v)?;
            Ok(apps
                .into_iter()
                .filter(|a| filter.status.is_none_or(|s| a.status == s))
                .map(Arc::unwrap_or_clone)
                .collect())
        })
    }

    /// Every approval batch: count and awards by kind, in order of first approval.
    ///
    /// # Errors
    /// Storage errors; [`Error::Validation`] on overflow.
    pub fn batch_totals(&self) -> Result<Vec<BatchTotals>> {
        self.consistently(|v| {
            let apps = v.applications(&ApplicationFilter::default())?;
            let mut batches: Vec<(NaiveDate, BatchTotals)> = Vec::new();
            for a in &apps {
                let Some(approval) = &a.approval else {
                    continue;
                };
                let pos = batches.iter().position(|(_, b)| {
                    b.programme == Some(a.programme) && b.batch == approval.batch
                });
                let entry = match pos {
                    Some(i) => &mut batches[i],
                    None => {
                        batches.push((
                            approval.date,
                            BatchTotals {
                                programme: Some(a.programme),
                                batch: approval.batch.clone(),
                                ..BatchTotals::default()
                            },
                        ));
                        batches.last_mut().expect("just pushed")
                    }
                };
                entry.0 = entry.0.min(approval.date);
                entry.1.count += 1;
                entry.1.awarded.add(&approval.awarded)?;
            }
            batches.sort_by_key(|b| (b.0, b.1.programme));
            Ok(batches.into_iter().map(|b| b.1).collect())
        })
    }

    /// Loans overdue as of [`View::date`]: due, unpaid, with days and amount.
    ///
    /// # Errors
    /// Storage errors; [`Error::Validation`] on overflow.
    pub fn overdue(&self) -> Result<Vec<Overdue>> {
        self.consistently(|v| {
            let date = v.date();
            let mut out = Vec::new();
            for a in v.applications(&ApplicationFilter::default())? {
                if let Some(o) = a.overdue_as_of(date)? {
                    out.push(o);
                }
            }
            Ok(out)
        })
    }

    /// A programme's budget, committed awards, disbursements and what remains.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown programme; overflow.
    pub fn programme_budget(&self, id: ProgrammeId) -> Result<ProgrammeBudget> {
        self.consistently(|v| {
            let p = v.programme(id)?;
            let apps = v.applications(&ApplicationFilter {
                programme: Some(id),
                ..ApplicationFilter::default()
            })?;
            let mut committed = Yuan::ZERO;
            let mut disbursed = Yuan::ZERO;
            for a in &apps {
                if let Some(approval) = &a.approval {
                    committed = committed.checked_add(approval.awarded.total()?)?;
                }
                disbursed = disbursed.checked_add(a.disbursed.total()?)?;
            }
            Ok(ProgrammeBudget {
                programme: id,
                budget: p.budget,
                committed,
                disbursed,
                remaining: p.budget.checked_sub(committed)?,
            })
        })
    }

    /// Money recovered (追讨) by dates within `from..=to`.
    ///
    /// # Errors
    /// Storage errors; overflow.
    pub fn recovered_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Yuan> {
        self.consistently(|v| {
            let apps = v.applications(&ApplicationFilter::default())?;
            Yuan::sum(
                apps.iter()
                    .flat_map(|a| a.recoveries.iter())
                    .filter(|r| (from..=to).contains(&r.0))
                    .map(|r| r.1),
            )
        })
    }
}
