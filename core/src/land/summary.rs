//! Land figures as of a date (`land_summary`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{LandUse, Parcel, ParcelStatus};
use crate::error::Result;
use crate::ids::EnterpriseId;
use crate::units::{Mu, Yuan};

/// Areas of the land ledger in one breakdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LandFigures {
    /// All land of the zone (征地), a split parent counted once through its
    /// children; land entered without its requisition (from published
    /// results) counted from the day it entered, and also in
    /// `requisition_unknown_mu`.
    pub requisitioned_mu: Mu,
    /// Of `requisitioned_mu`, the land whose requisition is not known
    /// (entered from published supply, transfer or mortgage results).
    pub requisition_unknown_mu: Mu,
    /// Developed (前期开发).
    pub developed_mu: Mu,
    /// Certified (办证).
    pub certified_mu: Mu,
    /// Held by an enterprise (已供应).
    pub supplied_mu: Mu,
    /// Not held: the zone's reserve.
    pub reserve_mu: Mu,
    /// Held, construction started and not complete.
    pub under_construction_mu: Mu,
    /// Held, construction complete.
    pub completed_mu: Mu,
    /// Idle as of the date (闲置), declared or derived.
    pub idle_mu: Mu,
    /// Reclaimed (收回) up to the date; a parcel reclaimed twice counts twice.
    pub reclaimed_mu: Mu,
    /// Parcels of the zone as of the date (a split parent counted once, through its children).
    pub parcel_count: u64,
    /// Of them, idle.
    pub idle_count: u64,
    /// Reclamations up to the date.
    pub reclaimed_count: u64,
    /// What the zone paid for the land by the date (征地补偿, 调地, 办证费),
    /// a split parent's payments counted once, on it.
    pub land_cost: Yuan,
}

/// One area of [`LandFigures`]: its field (and column) name, and its label
/// in a work report, in Chinese and in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaLabel {
    /// The field's (and column's) name.
    pub field: &'static str,
    /// Its label in a Chinese work report.
    pub chinese: &'static str,
    /// Its label in English.
    pub english: &'static str,
}

const fn label(field: &'static str, chinese: &'static str, english: &'static str) -> AreaLabel {
    AreaLabel {
        field,
        chinese,
        english,
    }
}

impl LandFigures {
    /// The areas, in the order a work report gives them: the one list the
    /// command, the Python package and its tables read.
    pub const AREAS: [AreaLabel; 9] = [
        label("requisitioned_mu", "征地", "requisitioned"),
        label("developed_mu", "开发用地", "developed"),
        label("certified_mu", "已办证", "certified"),
        label("supplied_mu", "已供应", "supplied"),
        label("reserve_mu", "储备", "reserve"),
        label("under_construction_mu", "在建", "under construction"),
        label("completed_mu", "竣工", "completed"),
        label("idle_mu", "闲置", "idle"),
        label("reclaimed_mu", "累计收回", "reclaimed"),
    ];

    /// Each area with its label, in [`LandFigures::AREAS`] order.
    #[must_use]
    pub fn areas(&self) -> [(AreaLabel, Mu); 9] {
        let values = [
            self.requisitioned_mu,
            self.developed_mu,
            self.certified_mu,
            self.supplied_mu,
            self.reserve_mu,
            self.under_construction_mu,
            self.completed_mu,
            self.idle_mu,
            self.reclaimed_mu,
        ];
        let mut i = 0;
        values.map(|v| {
            i += 1;
            (Self::AREAS[i - 1], v)
        })
    }

    /// The counts, by field name.
    #[must_use]
    pub fn counts(&self) -> [(&'static str, u64); 3] {
        [
            ("parcel_count", self.parcel_count),
            ("idle_count", self.idle_count),
            ("reclaimed_count", self.reclaimed_count),
        ]
    }

    /// The cost of land per 亩 requisitioned, rounded to the fen; `None`
    /// without land.
    #[must_use]
    pub fn land_cost_per_mu(&self) -> Option<Yuan> {
        self.requisitioned_mu
            .is_positive()
            .then(|| {
                self.land_cost
                    .ratio(Mu::SCALE, self.requisitioned_mu.millionths())
                    .ok()
            })
            .flatten()
    }

    /// The amounts, by field name.
    #[must_use]
    pub fn amounts(&self) -> [(&'static str, Option<Yuan>); 2] {
        [
            ("land_cost_yuan", Some(self.land_cost)),
            ("land_cost_per_mu_yuan", self.land_cost_per_mu()),
        ]
    }

    /// Adds a parcel's part, counted as of `as_of` (a date within the
    /// span of the step).
    fn add(&mut self, s: &Step, as_of: NaiveDate) -> Result<()> {
        let (area, status, reclaimed) = (s.area(), s.status(), s.reclaimed());
        self.land_cost = self.land_cost.checked_add(s.cost())?;
        for _ in 0..reclaimed {
            self.reclaimed_mu = self.reclaimed_mu.checked_add(area)?;
        }
        self.reclaimed_count += u64::from(reclaimed);
        if status == ParcelStatus::Retired {
            return Ok(());
        }
        let add = |field: &mut Mu, yes: bool| -> Result<()> {
            if yes {
                *field = field.checked_add(area)?;
            }
            Ok(())
        };
        let idle = s.idle_on(crate::days::to_days(as_of));
        let held = s.flags & HELD != 0;
        add(&mut self.requisitioned_mu, true)?;
        add(
            &mut self.requisition_unknown_mu,
            s.flags & UNREQUISITIONED != 0,
        )?;
        add(&mut self.developed_mu, s.flags & DEVELOPED != 0)?;
        add(&mut self.certified_mu, s.flags & CERTIFIED != 0)?;
        add(&mut self.supplied_mu, held)?;
        add(&mut self.reserve_mu, !held)?;
        add(
            &mut self.under_construction_mu,
            status == ParcelStatus::UnderConstruction,
        )?;
        add(&mut self.completed_mu, status == ParcelStatus::Completed)?;
        add(&mut self.idle_mu, idle)?;
        self.parcel_count += 1;
        self.idle_count += u64::from(idle);
        Ok(())
    }
}

/// How many bytes a step takes, in memory as in a checkpoint.
pub(crate) const STEP_BYTES: usize = 40;

/// A parcel's part in the land figures while one of its states stood,
/// from `from` until its next step: what the figures of any date in that
/// span need of it, and nothing else. The in-memory view keeps each
/// parcel's steps (see `crate::steps`), so that the figures of a past
/// date are a pass over them, not a fold of events.
///
/// A step is its bytes, in fixed places and little-endian, the same in
/// memory and in a checkpoint, which is read straight into the view's
/// array of steps and checked ([`Step::check`]), not decoded: the day of
/// `from`, the day it counts idle from (0 if it does not), the area in
/// ten-thousandths of a 亩, the cost in fen, the holder's id (0 if none),
/// its reclamations by `from`, the land use's and the status's bytes, the
/// flags (developed, certified, held, idle) and a zero.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Step {
    from: [u8; 4],
    idle_since: [u8; 4],
    area: [u8; 8],
    /// What the zone paid for its land (its account's cost).
    cost: [u8; 8],
    holder: [u8; 8],
    reclaimed: [u8; 4],
    land_use: u8,
    status: u8,
    flags: u8,
    zero: u8,
}

// The places above are the checkpoint's layout: the struct is exactly
// their bytes.
const _: () = assert!(std::mem::size_of::<Step>() == STEP_BYTES);

const DEVELOPED: u8 = 1;
const CERTIFIED: u8 = 2;
const HELD: u8 = 4;
const IDLE: u8 = 8;
const UNREQUISITIONED: u8 = 16;

impl Step {
    /// The part of `p` in the figures of `at`.
    pub(crate) fn of(p: &Parcel, at: NaiveDate) -> Step {
        let day = crate::days::to_days;
        let reclaimed = p.reclamations.iter().filter(|r| r.date <= at).count();
        let cost = p.account.as_ref().map_or(Yuan::ZERO, |a| a.cost());
        let (developed, certified) = (p.developed.is_some(), p.certificate.is_some());
        let idle_since = p.idle_since();
        Step {
            from: day(at).to_le_bytes(),
            idle_since: idle_since.map_or(0, day).to_le_bytes(),
            area: p.area.millionths().to_le_bytes(),
            cost: cost.fen().to_le_bytes(),
            holder: p.holder.map_or(0, |h| h.0).to_le_bytes(),
            reclaimed: u32::try_from(reclaimed).unwrap_or(u32::MAX).to_le_bytes(),
            land_use: p.land_use.byte(),
            status: p.status().byte(),
            flags: if developed { DEVELOPED } else { 0 }
                | if certified { CERTIFIED } else { 0 }
                | if p.holder.is_some() { HELD } else { 0 }
                | if idle_since.is_some() { IDLE } else { 0 }
                | if p.requisition_unknown {
                    UNREQUISITIONED
                } else {
                    0
                },
            zero: 0,
        }
    }

    /// The step of `p`, as it stood from `from` (the date of its latest
    /// event in force), if its part is the same on every later day until
    /// it changes: `None` if it holds a reclamation dated after `from`
    /// (no event makes one; a read of the past then folds its events).
    pub(crate) fn kept(p: &Parcel, from: NaiveDate) -> Option<Step> {
        p.reclamations
            .iter()
            .all(|r| r.date <= from)
            .then(|| Step::of(p, from))
    }

    /// Whether these are the bytes of a step, as [`Step::of`] makes them;
    /// anything else is [`crate::Error::Corrupt`]. After it, every
    /// accessor reads a value that is one.
    pub(crate) fn check(&self) -> Result<()> {
        let bad = |what: &str| crate::Error::Corrupt(format!("a checkpoint's step has {what}"));
        let day = |d: [u8; 4]| crate::days::from_day_number(i32::from_le_bytes(d)).is_some();
        if self.flags >> 5 != 0 || self.zero != 0 {
            return Err(bad("unknown flags"));
        }
        if (self.flags & HELD == 0 && self.holder != [0; 8])
            || (self.flags & IDLE == 0 && self.idle_since != [0; 4])
        {
            return Err(bad("a value where none is"));
        }
        if !day(self.from) || (self.flags & IDLE != 0 && !day(self.idle_since)) {
            return Err(bad("a day out of range"));
        }
        if LandUse::from_byte(self.land_use).is_none() {
            return Err(bad("an unknown land use"));
        }
        if ParcelStatus::from_byte(self.status).is_none() {
            return Err(bad("an unknown status"));
        }
        Ok(())
    }

    /// The day number of `from` (see `crate::days`).
    pub(crate) fn begins_day(&self) -> i32 {
        i32::from_le_bytes(self.from)
    }

    /// The date its span begins on.
    pub(crate) fn begins(&self) -> NaiveDate {
        crate::days::from_day_number(self.begins_day()).unwrap_or(crate::days::FIRST_DATE)
    }

    /// The same part from another date.
    #[cfg(test)]
    pub(crate) fn with_from(self, from: NaiveDate) -> Step {
        Step {
            from: crate::days::to_days(from).to_le_bytes(),
            ..self
        }
    }

    pub(crate) fn land_use(&self) -> LandUse {
        LandUse::from_byte(self.land_use).unwrap_or(LandUse::Other)
    }

    pub(crate) fn status(&self) -> ParcelStatus {
        ParcelStatus::from_byte(self.status).unwrap_or(ParcelStatus::Reserve)
    }

    fn area(&self) -> Mu {
        Mu::from_millionths(i64::from_le_bytes(self.area))
    }

    fn cost(&self) -> Yuan {
        Yuan::from_fen(i64::from_le_bytes(self.cost))
    }

    fn reclaimed(&self) -> u32 {
        u32::from_le_bytes(self.reclaimed)
    }

    pub(crate) fn holder(&self) -> Option<EnterpriseId> {
        (self.flags & HELD != 0).then(|| EnterpriseId(u64::from_le_bytes(self.holder)))
    }

    /// Whether it counts idle on `day` (a day number).
    fn idle_on(&self, day: i32) -> bool {
        self.flags & IDLE != 0 && i32::from_le_bytes(self.idle_since) <= day
    }

    /// Who held it, unless it was split (a split parent's land is its
    /// children's), and its area.
    pub(crate) fn held(&self) -> Option<(EnterpriseId, Mu)> {
        let holder = self
            .holder()
            .filter(|_| self.status() != ParcelStatus::Retired)?;
        Some((holder, self.area()))
    }

    /// Whether two steps count alike on any date (their dates aside).
    pub(crate) fn same_part(&self, other: &Step) -> bool {
        Step {
            from: other.from,
            ..*self
        } == *other
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("from", &self.begins())
            .field("land_use", &self.land_use())
            .field("status", &self.status())
            .field("area", &self.area())
            .field("cost", &self.cost())
            .field("reclaimed", &self.reclaimed())
            .field("developed", &(self.flags & DEVELOPED != 0))
            .field("certified", &(self.flags & CERTIFIED != 0))
            .field("holder", &self.holder())
            .field(
                "idle_since",
                &(self.flags & IDLE != 0)
                    .then(|| crate::days::from_day_number(i32::from_le_bytes(self.idle_since))),
            )
            .finish_non_exhaustive()
    }
}

/// The land ledger as of a date: totals and by land use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LandSummary {
    /// The day the figures are of.
    pub as_of: NaiveDate,
    /// The zone's totals.
    pub total: LandFigures,
    /// The figures of each land use present.
    pub by_land_use: BTreeMap<LandUse, LandFigures>,
}

impl LandSummary {
    /// An empty summary as of a date.
    pub(crate) fn new(as_of: NaiveDate) -> LandSummary {
        LandSummary {
            as_of,
            ..LandSummary::default()
        }
    }

    /// Adds a parcel in its state as of the summary's date.
    pub(crate) fn add(&mut self, p: &Parcel) -> Result<()> {
        self.add_step(&Step::of(p, self.as_of))
    }

    /// Adds a parcel's part through a step whose span holds the
    /// summary's date.
    pub(crate) fn add_step(&mut self, s: &Step) -> Result<()> {
        self.total.add(s, self.as_of)?;
        self.by_land_use
            .entry(s.land_use())
            .or_default()
            .add(s, self.as_of)
    }

    /// Sums parcels in their state as of `as_of` (retired parents included,
    /// for their reclamations).
    pub(crate) fn from_parcels<'a>(
        as_of: NaiveDate,
        parcels: impl IntoIterator<Item = &'a Parcel>,
    ) -> Result<LandSummary> {
        let mut s = LandSummary {
            as_of,
            ..LandSummary::default()
        };
        for p in parcels {
            s.add(p)?;
        }
        Ok(s)
    }
}
