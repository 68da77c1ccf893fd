//! Writes of the buildings register: buildings on a parcel, their stages
//! reached and planned; and the rule leases answer to (no more let than a
//! building's lettable area on any day).

use super::*;
use crate::land::{peak_let, BuildingSpec, BuildingStage};
use crate::units::Quantity;

impl Writer {
    // ---- buildings ----

    /// The parcel a building code stands on, as this unit sees it.
    pub(crate) fn building_parcel(&self, code: &str) -> Result<Option<Parcel>> {
        let mut ids = self.engine.cache.with::<Parcel, _>(self.engine(), |m| {
            m.ids(keys::index::BUILDING_CODE, code.as_bytes())
        })?;
        ids.extend(
            Parcel::mine(&self.pending.records)
                .iter()
                .filter(|(_, p)| p.register.iter().any(|b| b.spec.code == code))
                .map(|(id, _)| *id),
        );
        for id in ids {
            if let Some(p) = self.load::<Parcel>(id)? {
                if p.register.iter().any(|b| b.spec.code == code) {
                    return Ok(Some(p));
                }
            }
        }
        Ok(None)
    }

    fn require_building(&self, code: &str) -> Result<Parcel> {
        self.building_parcel(code)?.ok_or_else(|| {
            Error::validation(
                "building",
                format!("no building has code {}", crate::text::shown(code)),
            )
        })
    }

    /// Registers a building (物业) on the parcel it stands on, from `date`.
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty code, a floor area not above
    /// zero, a lettable area above it or below zero; [`Error::Conflict`]
    /// for a code in use; [`Error::NotFound`]; [`Error::Lifecycle`] for a
    /// split parcel or a date before the parcel entered the ledger.
    pub fn register_building(
        &mut self,
        parcel: ParcelId,
        date: NaiveDate,
        spec: BuildingSpec,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let spec = BuildingSpec {
                code: crate::text::code("code", &spec.code)?,
                name: crate::text::optional_note("name", spec.name.as_deref())?,
                ..spec
            };
            if !spec.floor_area_m2.is_positive() {
                return Err(Error::validation(
                    "floor_area_m2",
                    format!("{} m² must be more than zero", spec.floor_area_m2),
                ));
            }
            if spec.lettable_m2 < Quantity::ZERO || spec.lettable_m2 > spec.floor_area_m2 {
                return Err(Error::validation(
                    "lettable_m2",
                    format!(
                        "{} m² lettable is not between 0 and the floor area of {} m²",
                        spec.lettable_m2, spec.floor_area_m2
                    ),
                ));
            }
            if let Some(f) = spec.footprint_m2 {
                if f < Quantity::ZERO || f > spec.floor_area_m2 {
                    return Err(Error::validation(
                        "footprint_m2",
                        format!(
                            "a footprint of {f} m² is not between 0 and the floor area of {} m²",
                            spec.floor_area_m2
                        ),
                    ));
                }
            }
            if w.building_parcel(&spec.code)?.is_some() {
                return Err(Error::Conflict {
                    entity: Entity::Parcel,
                    key: spec.code.clone(),
                    reason: format!("building {} is registered already", spec.code),
                });
            }
            w.record_event::<Parcel>(parcel.0, date, ParcelEvent::BuildingRegistered(spec))
        })
    }

    /// A building reached a stage on `date` (在建, 封顶, 竣工, 投入使用), after
    /// the stage it reached last.
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown building; [`Error::Lifecycle`]
    /// for a stage not after the last one, or a date before it.
    pub fn reach_building_stage(
        &mut self,
        code: &str,
        date: NaiveDate,
        stage: BuildingStage,
    ) -> Result<EventId> {
        self.attempt(|w| {
            let p = w.require_building(code)?;
            let event = ParcelEvent::BuildingStageReached {
                code: code.to_owned(),
                stage,
            };
            w.record_event::<Parcel>(p.id.0, date, event)
        })
    }

    /// A stage planned for a building by `by` (recorded on `date`),
    /// replacing an earlier plan for that stage.
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown building or a plan before its
    /// date.
    pub fn plan_building_stage(
        &mut self,
        code: &str,
        date: NaiveDate,
        stage: BuildingStage,
        by: NaiveDate,
    ) -> Result<EventId> {
        self.attempt(|w| {
            crate::days::check_date("by", by)?;
            let p = w.require_building(code)?;
            let event = ParcelEvent::BuildingStagePlanned {
                code: code.to_owned(),
                stage,
                by,
            };
            w.record_event::<Parcel>(p.id.0, date, event)
        })
    }

    /// Refuses a lease of `area` from `start` to `end` in a registered
    /// building that would let more than its lettable area on some day.
    pub(crate) fn check_lettable(
        &self,
        building: &str,
        area: Quantity,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Result<()> {
        let Some(parcel) = self.building_parcel(building)? else {
            return Ok(());
        };
        let Some(b) = parcel.register.iter().find(|b| b.spec.code == building) else {
            return Ok(());
        };
        let mut firms = self
            .engine
            .cache
            .with::<Enterprise, _>(self.engine(), |m| {
                m.ids(keys::index::ENTERPRISE_BUILDING, building.as_bytes())
            })?;
        firms.extend(
            Enterprise::mine(&self.pending.records)
                .iter()
                .filter(|(_, e)| e.leases.iter().any(|l| l.building == building))
                .map(|(id, _)| *id),
        );
        let mut leases = Vec::new();
        for id in firms {
            if let Some(e) = self.load::<Enterprise>(id)? {
                leases.extend(
                    e.leases
                        .iter()
                        .filter(|l| l.building == building)
                        .map(|l| (l.area_m2, l.start, l.end)),
                );
            }
        }
        leases.push((area, start, end));
        let peak = peak_let(&leases, start, end);
        if peak > b.spec.lettable_m2.units() {
            return Err(Error::lifecycle(
                Entity::Enterprise,
                building.to_owned(),
                Rule::Amount,
                format!(
                    "the lease would let {} m² of {building} at once, more than its {} m² lettable",
                    Quantity::from_units(peak),
                    b.spec.lettable_m2
                ),
            ));
        }
        Ok(())
    }
}
