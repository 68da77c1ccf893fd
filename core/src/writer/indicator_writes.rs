//! Writes of indicator definitions and observations.

use super::*;
use crate::indicators::{self, period_end, Direction, IndicatorEvent, IndicatorId, SubjectKind};
use crate::units::Quantity;

impl Writer {
    fn indicator_id(&self, code: &str) -> Result<Option<u64>> {
        self.code_owner::<Indicator>(keys::index::INDICATOR_CODE, code)
    }

    /// Defines an indicator (code unique, e.g. `R&D_GDP`).
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty code or name; [`Error::Conflict`] for a code in use.
    pub fn define_indicator(
        &mut self,
        code: &str,
        name: &str,
        unit: Option<&str>,
        direction: Direction,
        subject: SubjectKind,
    ) -> Result<IndicatorId> {
        self.attempt(|w| {
            if code.trim().is_empty() || name.trim().is_empty() {
                return Err(Error::validation(
                    "code",
                    "an indicator needs a code and a name",
                ));
            }
            let code = crate::text::code("code", code)?;
            let name = crate::text::name("name", name)?;
            let unit = crate::text::optional("unit", unit, crate::text::name)?;
            if w.indicator_id(&code)?.is_some() {
                return Err(Error::conflict(
                    Entity::Indicator,
                    code,
                    "indicator code already defined",
                ));
            }
            let id = IndicatorId(w.next_id(&keys::meta::next_id(keys::kind::INDICATOR))?);
            let date = w.began.to_datetime().date_naive();
            let event = IndicatorEvent::Defined {
                code,
                name,
                unit,
                direction,
                subject,
            };
            let state = indicators::apply(None, id, date, &event)?;
            w.append::<Indicator>(id.0, date, Body::Domain(event))?;
            w.store::<Indicator>(None, state)?;
            Ok(id)
        })
    }

    /// Observes a value of an indicator for a subject (`zone`, or an
    /// enterprise or parcel id) and a period (`2005`, `2005-Q1`, `2005-03`).
    /// A second observation of the same subject and period is a revision.
    /// The event is valid at the period's end.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown indicator or subject; [`Error::Validation`] for a bad period.
    pub fn observe(
        &mut self,
        code: &str,
        subject: &str,
        period: &str,
        value: Quantity,
        source: Option<&str>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let id = w
                .indicator_id(code.trim())?
                .ok_or_else(|| Error::not_found(Entity::Indicator, code))?;
            let indicator: Indicator = w.require(id)?;
            let subject = subject.trim();
            match indicator.subject {
                SubjectKind::Zone if subject != "zone" => {
                    return Err(Error::validation(
                        "subject",
                        format!("{code} is observed on the zone, not {subject:?}"),
                    ));
                }
                SubjectKind::Enterprise => {
                    let e: u64 = subject.parse().map_err(|_| {
                        Error::validation(
                            "subject",
                            format!("{code} is observed on an enterprise id, not {subject:?}"),
                        )
                    })?;
                    w.require::<Enterprise>(e)?;
                }
                SubjectKind::Parcel => {
                    let p: u64 = subject.parse().map_err(|_| {
                        Error::validation(
                            "subject",
                            format!("{code} is observed on a parcel id, not {subject:?}"),
                        )
                    })?;
                    w.require::<Parcel>(p)?;
                }
                SubjectKind::Zone => {}
            }
            let date = period_end(period)?;
            w.record_event::<Indicator>(
                id,
                date,
                IndicatorEvent::Observed {
                    subject: subject.to_owned(),
                    period: period.to_owned(),
                    value,
                    source: match source {
                        Some(s) => crate::text::note("source", s)?,
                        None => None,
                    },
                },
            )
        })
    }
}
