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
    /// All land of the zone (征地), a split parent counted once through its children.
    pub requisitioned_mu: Mu,
    pub developed_mu: Mu,
    pub certified_mu: Mu,
    /// Held by an enterprise (已供应).
    pub supplied_mu: Mu,
    /// Not held: the zone's reserve.
    pub reserve_mu: Mu,
    pub under_construction_mu: Mu,
    pub completed_mu: Mu,
    /// Idle as of the date (闲置), declared or derived.
    pub idle_mu: Mu,
    /// Reclaimed (收回) up to the date; a parcel reclaimed twice counts twice.
    pub reclaimed_mu: Mu,
    pub parcel_count: u64,
    pub idle_count: u64,
    pub reclaimed_count: u64,
    /// What the zone paid for the land by the date (征地补偿, 调地, 办证费),
    /// a split parent's payments counted once, on it.
    pub land_cost: Yuan,
}

/// One area of [`LandFigures`]: its field (and column) name, and its label
/// in a work report, in Chinese and in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaLabel {
    pub field: &'static str,
    pub chinese: &'static str,
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
                    .ratio(Mu::SCALE, self.requisitioned_mu.units())
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
        self.land_cost = self.land_cost.checked_add(s.cost)?;
        for _ in 0..s.reclaimed {
            self.reclaimed_mu = self.reclaimed_mu.checked_add(s.area)?;
        }
        self.reclaimed_count += u64::from(s.reclaimed);
        if s.status == ParcelStatus::Retired {
            return Ok(());
        }
        let add = |field: &mut Mu, yes: bool| -> Result<()> {
            if yes {
                *field = field.checked_add(s.area)?;
            }
            Ok(())
        };
        let idle = s.idle_since.is_some_and(|d| d <= as_of);
        add(&mut self.requisitioned_mu, true)?;
        add(&mut self.developed_mu, s.developed)?;
        add(&mut self.certified_mu, s.certified)?;
        add(&mut self.supplied_mu, s.holder.is_some())?;
        add(&mut self.reserve_mu, s.holder.is_none())?;
        add(
            &mut self.under_construction_mu,
            s.status == ParcelStatus::UnderConstruction,
        )?;
        add(&mut self.completed_mu, s.status == ParcelStatus::Completed)?;
        add(&mut self.idle_mu, idle)?;
        self.parcel_count += 1;
        self.idle_count += u64::from(idle);
        Ok(())
    }
}

/// How many bytes a step takes in a checkpoint ([`Step::put`]).
pub(crate) const STEP_BYTES: usize = 40;

/// A parcel's part in the land figures while one of its states stood,
/// from `from` until its next step: what the figures of any date in that
/// span need of it, and nothing else. The in-memory view keeps each
/// parcel's steps (see `crate::steps`), so that the figures of a past
/// date are a pass over them, not a fold of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) from: NaiveDate,
    land_use: LandUse,
    status: ParcelStatus,
    area: Mu,
    /// What the zone paid for its land (its account's cost).
    cost: Yuan,
    /// Its reclamations by the date counted.
    reclaimed: u32,
    developed: bool,
    certified: bool,
    holder: Option<EnterpriseId>,
    /// The first day it counts idle in this state, if it does.
    idle_since: Option<NaiveDate>,
}

impl Step {
    /// The part of `p` in the figures of `at`.
    pub(crate) fn of(p: &Parcel, at: NaiveDate) -> Step {
        Step {
            from: at,
            land_use: p.land_use,
            status: p.status(),
            area: p.area,
            cost: p.account.as_ref().map_or(Yuan::ZERO, |a| a.cost()),
            reclaimed: u32::try_from(p.reclamations.iter().filter(|r| r.date <= at).count())
                .unwrap_or(u32::MAX),
            developed: p.developed.is_some(),
            certified: p.certificate.is_some(),
            holder: p.holder,
            idle_since: p.idle_since(),
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

    /// The step as a checkpoint keeps it: [`STEP_BYTES`] bytes in fixed
    /// places, little-endian, so a checkpoint's steps are read as an
    /// array, not decoded field by field: the day of `from`, the day of
    /// `idle_since` (0 if none), the area in ten-thousandths of a 亩, the
    /// cost in fen, the holder's id (0 if none), the reclamations, the
    /// land use's and the status's bytes, the flags (developed, certified,
    /// held, idle) and a zero.
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        let day = crate::days::to_days;
        out.extend_from_slice(&day(self.from).to_le_bytes());
        out.extend_from_slice(&self.idle_since.map_or(0, day).to_le_bytes());
        out.extend_from_slice(&self.area.units().to_le_bytes());
        out.extend_from_slice(&self.cost.fen().to_le_bytes());
        out.extend_from_slice(&self.holder.map_or(0, |h| h.0).to_le_bytes());
        out.extend_from_slice(&self.reclaimed.to_le_bytes());
        let flags = u8::from(self.developed)
            | u8::from(self.certified) << 1
            | u8::from(self.holder.is_some()) << 2
            | u8::from(self.idle_since.is_some()) << 3;
        out.extend_from_slice(&[self.land_use.byte(), self.status.byte(), flags, 0]);
    }

    /// The step [`Step::put`] wrote; anything it cannot have written is
    /// [`crate::Error::Corrupt`].
    pub(crate) fn take(b: &[u8; STEP_BYTES]) -> Result<Step> {
        let bad = |what: &str| crate::Error::Corrupt(format!("a checkpoint's step has {what}"));
        let four = |at: usize| {
            let mut w = [0; 4];
            w.copy_from_slice(&b[at..at + 4]);
            w
        };
        let eight = |at: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&b[at..at + 8]);
            w
        };
        let day = |n: i32| crate::days::from_day_number(n).ok_or_else(|| bad("a day out of range"));
        let [land_use, status, flags, zero] = four(36);
        if flags >> 4 != 0 || zero != 0 {
            return Err(bad("unknown flags"));
        }
        let (held, idle) = (flags & 4 != 0, flags & 8 != 0);
        let holder = u64::from_le_bytes(eight(24));
        let idle_day = i32::from_le_bytes(four(4));
        if (!held && holder != 0) || (!idle && idle_day != 0) {
            return Err(bad("a value where none is"));
        }
        Ok(Step {
            from: day(i32::from_le_bytes(four(0)))?,
            land_use: LandUse::ALL
                .iter()
                .copied()
                .find(|u| u.byte() == land_use)
                .ok_or_else(|| bad("an unknown land use"))?,
            status: ParcelStatus::ALL
                .iter()
                .copied()
                .find(|s| s.byte() == status)
                .ok_or_else(|| bad("an unknown status"))?,
            area: Mu::from_units(i64::from_le_bytes(eight(8))),
            cost: Yuan::from_fen(i64::from_le_bytes(eight(16))),
            reclaimed: u32::from_le_bytes(four(32)),
            developed: flags & 1 != 0,
            certified: flags & 2 != 0,
            holder: held.then_some(EnterpriseId(holder)),
            idle_since: if idle { Some(day(idle_day)?) } else { None },
        })
    }

    /// Who held it, unless it was split (a split parent's land is its
    /// children's), and its area.
    pub(crate) fn held(&self) -> Option<(EnterpriseId, Mu)> {
        let holder = self
            .holder
            .filter(|_| self.status != ParcelStatus::Retired)?;
        Some((holder, self.area))
    }

    /// Whether two steps count alike on any date (their dates aside).
    pub(crate) fn same_part(&self, other: &Step) -> bool {
        Step {
            from: other.from,
            ..*self
        } == *other
    }
}

/// The land ledger as of a date: totals and by land use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LandSummary {
    pub as_of: NaiveDate,
    pub total: LandFigures,
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
            .entry(s.land_use)
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
