//! Writes of a firm's record: qualifications, honours, inspections and
//! their rectification, incidents, complaints and their resolution.

use super::*;
use crate::compliance::{
    default_end, Complaint, Honour, Incident, Inspection, Qualification, QualificationKind,
};
use crate::units::Quantity;

fn not_negative(field: &str, q: Option<Quantity>) -> Result<()> {
    match q {
        Some(v) if v < Quantity::ZERO => Err(Error::validation(
            field,
            format!("{v} must not be negative"),
        )),
        _ => Ok(()),
    }
}

impl Writer {
    // ---- qualifications, honours, compliance ----

    /// 认定: a qualification awarded on `date`; without an end, a
    /// 高新技术企业 or 专精特新 holds three years and a 科技型中小企业 one.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad text; [`Error::NotFound`];
    /// [`Error::Lifecycle`] for an end before the award or a certificate
    /// number recorded already.
    pub fn qualify(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        qualification: Qualification,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let q = Qualification {
                number: crate::text::optional_note("number", qualification.number.as_deref())?,
                programme: crate::text::optional_note(
                    "programme",
                    qualification.programme.as_deref(),
                )?,
                valid_until: qualification
                    .valid_until
                    .or_else(|| default_end(qualification.kind, date)),
                ..qualification
            };
            if let Some(u) = q.valid_until {
                crate::days::check_date("valid_until", u)?;
            }
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Qualified(q))
        })
    }

    /// 撤销: revokes the qualification of `kind` (and `number`, if given)
    /// that holds on `date`.
    ///
    /// # Errors
    /// [`Error::Validation`] without a reason; [`Error::NotFound`];
    /// [`Error::Lifecycle`] when none holds then.
    pub fn revoke_qualification(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        kind: QualificationKind,
        number: Option<&str>,
        reason: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let event = EnterpriseEvent::QualificationRevoked {
                kind,
                number: crate::text::optional_note("number", number)?,
                reason: crate::text::required_note("reason", reason, "a revocation")?,
            };
            w.record_event::<Enterprise>(e.0, date, event)
        })
    }

    /// An honour (科学技术奖): its award, level, class, year, project and
    /// co-winners.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty award or class, or a year after
    /// the honour's date; [`Error::NotFound`].
    pub fn honour(&mut self, e: EnterpriseId, date: NaiveDate, honour: Honour) -> Result<EventId> {
        self.attempt(|w| {
            if !(1949..=chrono::Datelike::year(&date)).contains(&honour.year) {
                return Err(Error::validation(
                    "year",
                    format!("an honour given on {date} cannot be for {}", honour.year),
                ));
            }
            let h = Honour {
                award: crate::text::name("award", &honour.award)?,
                class: crate::text::name("class", &honour.class)?,
                project: crate::text::optional_note("project", honour.project.as_deref())?,
                co_winners: honour
                    .co_winners
                    .iter()
                    .map(|c| crate::text::name("co_winners", c))
                    .collect::<Result<_>>()?,
                ..honour
            };
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Honoured(h))
        })
    }

    /// An inspection (环保 or 安全; 突击 when `surprise`), with its findings
    /// and a rectification deadline if they need one.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad text; [`Error::NotFound`];
    /// [`Error::Lifecycle`] for a deadline before the inspection.
    pub fn record_inspection(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        inspection: Inspection,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let i = Inspection {
                findings: crate::text::optional_note("findings", inspection.findings.as_deref())?,
                ..inspection
            };
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Inspected(i))
        })
    }

    /// 整改完成: the inspection at `inspection` (0 for the firm's first)
    /// rectified on `date`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Lifecycle`] for an unknown
    /// inspection, one that asked for nothing, one rectified already, or a
    /// date before it.
    pub fn rectify(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        inspection: u32,
        note: Option<&str>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let event = EnterpriseEvent::Rectified {
                index: inspection,
                note: crate::text::optional_note("note", note)?,
            };
            w.record_event::<Enterprise>(e.0, date, event)
        })
    }

    /// An incident (事故): what happened, how much was released, the
    /// casualties, how long the response took, the outcome.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty kind or a negative quantity;
    /// [`Error::NotFound`].
    pub fn record_incident(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        incident: Incident,
    ) -> Result<EventId> {
        self.attempt(|w| {
            not_negative("quantity_t", incident.quantity_t)?;
            not_negative("response_hours", incident.response_hours)?;
            let i = Incident {
                kind: crate::text::name("kind", &incident.kind)?,
                outcome: crate::text::optional_note("outcome", incident.outcome.as_deref())?,
                ..incident
            };
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::IncidentReported(i))
        })
    }

    /// A complaint (投诉) about the firm.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty subject; [`Error::NotFound`].
    pub fn record_complaint(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        complaint: Complaint,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let c = Complaint {
                subject: crate::text::required_note("subject", &complaint.subject, "a complaint")?,
                source: crate::text::optional_note("source", complaint.source.as_deref())?,
                ..complaint
            };
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::ComplaintReceived(c))
        })
    }

    /// The complaint at `complaint` (0 for the firm's first) resolved.
    ///
    /// # Errors
    /// [`Error::Validation`] without a resolution; [`Error::NotFound`];
    /// [`Error::Lifecycle`] for an unknown complaint, one resolved
    /// already, or a date before it.
    pub fn resolve_complaint(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        complaint: u32,
        resolution: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let event = EnterpriseEvent::ComplaintResolved {
                index: complaint,
                resolution: crate::text::required_note("resolution", resolution, "a resolution")?,
            };
            w.record_event::<Enterprise>(e.0, date, event)
        })
    }
}
