//! Land figures as of a date (`land_summary`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{LandUse, Parcel, ParcelStatus};
use crate::error::Result;
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

    fn add(&mut self, p: &Parcel, as_of: NaiveDate) -> Result<()> {
        if let Some(account) = &p.account {
            self.land_cost = self.land_cost.checked_add(account.cost())?;
        }
        let reclaimed = p.reclamations.iter().filter(|r| r.date <= as_of).count() as u64;
        for _ in 0..reclaimed {
            self.reclaimed_mu = self.reclaimed_mu.checked_add(p.area)?;
        }
        self.reclaimed_count += reclaimed;
        if p.status() == ParcelStatus::Retired {
            return Ok(());
        }
        let add = |field: &mut Mu, yes: bool| -> Result<()> {
            if yes {
                *field = field.checked_add(p.area)?;
            }
            Ok(())
        };
        let status = p.status();
        let idle = p.idle_as_of(as_of).is_idle();
        add(&mut self.requisitioned_mu, true)?;
        add(&mut self.developed_mu, p.developed.is_some())?;
        add(&mut self.certified_mu, p.certificate.is_some())?;
        add(&mut self.supplied_mu, p.holder.is_some())?;
        add(&mut self.reserve_mu, p.holder.is_none())?;
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
        self.total.add(p, self.as_of)?;
        self.by_land_use
            .entry(p.land_use)
            .or_default()
            .add(p, self.as_of)
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
            s.total.add(p, as_of)?;
            s.by_land_use.entry(p.land_use).or_default().add(p, as_of)?;
        }
        Ok(s)
    }
}
