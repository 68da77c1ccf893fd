//! Writes to the enterprise register.

use super::*;
use crate::enterprise::{IdKind, Lease, YearlyFigures};
use crate::industry::normalize_industry;
use crate::units::Quantity;

impl Writer {
    /// Registers an enterprise. A credit code must pass its check character
    /// unless `allow_invalid_code` (it must still be 18 characters of the
    /// code alphabet), and must be unique; an industry code must exist in
    /// GB/T 4754-2017.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty name, a bad code or industry;
    /// [`Error::Conflict`] for a code already registered.
    pub fn add_enterprise(&mut self, new: NewEnterprise) -> Result<EnterpriseId> {
        self.attempt(|w| {
            if new.name.trim().is_empty() {
                return Err(Error::validation("name", "an enterprise needs a name"));
            }
            let name = crate::text::name("name", &new.name)?;
            if let (Some(founded), Some(registered)) = (new.founded, new.registered) {
                if founded > registered {
                    return Err(Error::validation(
                        "founded",
                        format!("{name}: founded {founded}, after it registered in the zone ({registered})"),
                    ));
                }
            }
            let code = crate::text::optional("credit_code", new.credit_code.as_deref(), crate::text::code)?
                .map(|c| c.to_uppercase());
            if let Some(code) = &code {
                if let Err(e) = check_credit_code(code) {
                    let only_check_char = check_credit_code_shape(code).is_ok();
                    if !(new.allow_invalid_code && only_check_char) {
                        return Err(e);
                    }
                }
                if let Some(owner) =
                    w.code_owner::<Enterprise>(keys::index::ENTERPRISE_CODE, code)?
                {
                    return Err(Error::conflict(
                        Entity::Enterprise,
                        code.clone(),
                        format!("credit code already registered to E{owner}"),
                    ));
                }
            }
            let industry = crate::text::optional("industry", new.industry.as_deref(), crate::text::code)?
                .map(|i| normalize_industry(&i))
                .transpose()?;
            let id = w.next_id(&keys::meta::next_id(keys::kind::ENTERPRISE))?;
            let date = new.registered.or(new.founded).unwrap_or(NaiveDate::MIN);
            let event = EnterpriseEvent::Registered {
                name,
                credit_code: code,
                industry,
                founded: new.founded,
                high_tech: new.high_tech,
            };
            let state = enterprise::apply(None, EnterpriseId(id), date, &event)?;
            w.append::<Enterprise>(id, date, Body::Domain(event))?;
            w.store::<Enterprise>(None, state)?;
            Ok(EnterpriseId(id))
        })
    }

    /// Records a firm's id other than its credit code (纳税人识别号,
    /// 组织机构代码, 工商注册号; see [`crate::enterprise::check_other_id`]),
    /// in force from the firm's registration. An id names one firm: one
    /// another firm holds, as another id or as its credit code, is refused.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Validation`] for a malformed id;
    /// [`Error::Conflict`] for an id another firm holds; [`Error::Lifecycle`]
    /// for an id the firm holds already.
    pub fn record_enterprise_id(
        &mut self,
        firm: EnterpriseId,
        kind: IdKind,
        value: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let e: Enterprise = w.require(firm.0)?;
            let id = crate::enterprise::check_other_id(kind, value)?;
            let owner = match w.other_id_owner(&id)? {
                Some(owner) => Some(owner),
                None => w
                    .code_owner::<Enterprise>(keys::index::ENTERPRISE_CODE, &id)?
                    .map(EnterpriseId),
            };
            if let Some(owner) = owner.filter(|o| *o != firm) {
                return Err(Error::conflict(
                    Entity::Enterprise,
                    id,
                    format!("the id is {owner}'s already"),
                ));
            }
            // From the firm's creation: the date add_enterprise gave it.
            let date = e.registered.or(e.founded).unwrap_or(NaiveDate::MIN);
            w.record_event_on::<Enterprise>(
                firm.0,
                date,
                EnterpriseEvent::IdRecorded { kind, value: id },
            )
        })
    }

    /// The firm that holds `id` as an id other than its credit code, as
    /// this unit of work sees it.
    pub(crate) fn other_id_owner(&self, id: &str) -> Result<Option<EnterpriseId>> {
        let mut candidates = self
            .engine
            .cache
            .with::<Enterprise, _>(self.engine(), |m| {
                m.ids(keys::index::ENTERPRISE_OTHER_ID, id.as_bytes())
            })?;
        candidates.extend(
            Enterprise::mine(&self.pending.records)
                .iter()
                .filter(|(_, e)| e.other_ids.iter().any(|(_, v)| v == id))
                .map(|(firm, _)| *firm),
        );
        for firm in candidates {
            if let Some(e) = self.load::<Enterprise>(firm)? {
                if e.other_ids.iter().any(|(_, v)| v == id) {
                    return Ok(Some(e.id));
                }
            }
        }
        Ok(None)
    }

    /// An enterprise by any key a person has for it, as this unit of work
    /// sees it: its id (digits), credit code, another id or exact
    /// registered name (see [`crate::View::enterprise_by_key`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] saying which kinds of key were tried;
    /// [`Error::Conflict`] for a name several firms are registered under.
    pub fn enterprise_by_key(&self, key: &str) -> Result<Enterprise> {
        let key = key.trim();
        if let Some(e) = key
            .parse::<u64>()
            .ok()
            .map(|id| self.load::<Enterprise>(id))
            .transpose()?
            .flatten()
        {
            return Ok(e);
        }
        let code = key.to_uppercase();
        if let Some(id) = self.code_owner::<Enterprise>(keys::index::ENTERPRISE_CODE, &code)? {
            return self.require(id);
        }
        let all = self.records::<Enterprise>()?;
        crate::enterprise::by_other_id_or_name(key, all.iter())
    }

    /// An enterprise as this unit of work sees it.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id.
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Enterprise> {
        self.require(id.0)
    }

    fn non_negative(field: &str, investment: Yuan, land: Mu) -> Result<()> {
        if investment < Yuan::ZERO {
            return Err(Error::validation(
                field,
                format!("investment must not be negative, got {investment}"),
            ));
        }
        if land < Mu::ZERO {
            return Err(Error::validation(
                field,
                format!("land must not be negative, got {land}"),
            ));
        }
        Ok(())
    }

    /// 签约/引进: the enterprise's investment project is signed, with the
    /// planned investment and land.
    ///
    /// # Errors
    /// [`Error::Validation`] for negative amounts; [`Error::Lifecycle`] if a project is already signed.
    pub fn enterprise_signed(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        investment: Yuan,
        land: Mu,
    ) -> Result<EventId> {
        self.attempt(|w| {
            Self::non_negative("signed", investment, land)?;
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Signed { investment, land })
        })
    }

    /// 在建: construction of the project started.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] unless the project is signed.
    pub fn enterprise_construction_started(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::ConstructionStarted)
        })
    }

    /// 投产: the project is in production.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] unless the project is signed or under construction.
    pub fn enterprise_in_production(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
    ) -> Result<EventId> {
        self.attempt(|w| w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::InProduction))
    }

    /// 增资: more investment and/or land (科华增资40亩).
    ///
    /// # Errors
    /// [`Error::Validation`] for negative or empty increases; [`Error::Lifecycle`]
    /// for a firm without a live project.
    pub fn capital_increased(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        investment: Yuan,
        land: Mu,
    ) -> Result<EventId> {
        self.attempt(|w| {
            Self::non_negative("capital_increased", investment, land)?;
            if investment == Yuan::ZERO && land == Mu::ZERO {
                return Err(Error::validation(
                    "capital_increased",
                    "an increase needs investment or land",
                ));
            }
            w.record_event::<Enterprise>(
                e.0,
                date,
                EnterpriseEvent::CapitalIncreased { investment, land },
            )
        })
    }

    /// 停产.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] for a firm already suspended or without a project.
    pub fn enterprise_suspended(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        reason: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Enterprise>(
                e.0,
                date,
                EnterpriseEvent::Suspended {
                    reason: crate::text::note("reason", reason)?.unwrap_or_default(),
                },
            )
        })
    }

    /// Back from a suspension, to the status before it.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] unless suspended.
    pub fn enterprise_resumed(&mut self, e: EnterpriseId, date: NaiveDate) -> Result<EventId> {
        self.attempt(|w| w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Resumed))
    }

    /// 关闭: the enterprise closes; no lifecycle event may follow.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] if already closed.
    pub fn enterprise_closed(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        reason: &str,
    ) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Enterprise>(
                e.0,
                date,
                EnterpriseEvent::Closed {
                    reason: crate::text::note("reason", reason)?.unwrap_or_default(),
                },
            )
        })
    }

    /// Reports a year's figures. A second report for the same year is a
    /// revision: the fields it gives replace the earlier ones, which stay in
    /// history (see `as_known_at`). The event is valid at the year's end.
    ///
    /// # Errors
    /// [`Error::Validation`] for negative figures, an implausible year or an
    /// empty report; [`Error::Lifecycle`] for a year before registration.
    pub fn report_year(
        &mut self,
        e: EnterpriseId,
        year: i32,
        figures: YearlyFigures,
    ) -> Result<EventId> {
        self.attempt(|w| {
            if figures == YearlyFigures::default() {
                return Err(Error::validation(
                    "figures",
                    "a report needs at least one figure",
                ));
            }
            let date = NaiveDate::from_ymd_opt(year, 12, 31)
                .filter(|_| (1949..=9999).contains(&year))
                .ok_or_else(|| {
                    Error::validation("year", format!("{year} is not a plausible year"))
                })?;
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::YearReported { year, figures })
        })
    }

    /// A tenancy in the incubator (科创中心) from `start`, until `end` if known.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty building, a non-positive area, or an end before the start.
    pub fn lease(
        &mut self,
        e: EnterpriseId,
        building: &str,
        unit: Option<&str>,
        area_m2: Quantity,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            if building.trim().is_empty() {
                return Err(Error::validation("building", "a lease needs a building"));
            }
            let lease = Lease {
                building: crate::text::name("building", building)?,
                unit: crate::text::optional("unit", unit, crate::text::code)?,
                area_m2,
                start,
                end,
            };
            if area_m2.is_positive() && end.is_none_or(|x| start <= x) {
                w.check_lettable(&lease.building, area_m2, start, end)?;
            }
            w.record_event::<Enterprise>(e.0, start, EnterpriseEvent::Leased(lease))
        })
    }

    /// Sets (or, with `None` or empty text, removes) an enterprise's note
    /// (备注) from `date`.
    ///
    /// # Errors
    /// [`Error::Validation`] for a note with control characters or over
    /// 4,000 characters; [`Error::NotFound`]; [`Error::Lifecycle`] for a
    /// date before the enterprise was registered.
    pub fn set_enterprise_note(
        &mut self,
        e: EnterpriseId,
        date: NaiveDate,
        note: Option<&str>,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let note = crate::text::optional_note("note", note)?;
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::Noted { note })
        })
    }

    /// Ends the enterprise's lease number `index` (in order of leasing, from 0) on `date`.
    ///
    /// # Errors
    /// [`Error::Lifecycle`] for an unknown or already ended lease.
    pub fn end_lease(&mut self, e: EnterpriseId, index: u32, date: NaiveDate) -> Result<EventId> {
        self.attempt(|w| {
            w.record_event::<Enterprise>(e.0, date, EnterpriseEvent::LeaseEnded { index })
        })
    }
}
