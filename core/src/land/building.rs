//! The buildings register (物业, the incubator's 厂房): each building on
//! the parcel it stands on, with its floor and lettable area, its use and
//! its stages (前期 → 在建 → 封顶 → 竣工 → 投入使用), reached and planned.
//! Leases name a building by its code; a registered building refuses a
//! lease that would let more than its lettable area on any day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Refusal, Rule};
use crate::ids::code_enum;
use crate::units::Quantity;

code_enum!(
    /// What a building is for.
    BuildingUse, "use", {
        Factory = "factory" / "厂房" | "标准厂房",
        Office = "office" / "办公" | "办公楼",
        Dormitory = "dormitory" / "宿舍",
        Commercial = "commercial" / "商业" | "商业用房",
    }
);

code_enum!(
    /// A building's stage, in order.
    BuildingStage, "stage", {
        Preparation = "preparation" / "前期" | "前期准备",
        UnderConstruction = "under_construction" / "在建",
        ToppedOut = "topped_out" / "封顶" | "全面封顶",
        Completed = "completed" / "竣工",
        InUse = "in_use" / "投入使用" | "使用",
    }
);

/// A building as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingSpec {
    /// Its code, unique in the database: `1#厂房`.
    pub code: String,
    /// Its name, if it has one beside its code.
    pub name: Option<String>,
    /// What it is for (厂房, 办公, 宿舍…).
    pub use_: BuildingUse,
    /// 建筑面积, m².
    pub floor_area_m2: Quantity,
    /// 可出租面积, m² (at most the floor area).
    pub lettable_m2: Quantity,
    /// 基底面积 (footprint), m², if known: with it the register gives a
    /// parcel's building coverage (建筑系数).
    pub footprint_m2: Option<Quantity>,
}

/// A building in the register: its spec and stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Building {
    /// What was registered.
    pub spec: BuildingSpec,
    /// The day it was registered.
    #[serde(with = "crate::days::day")]
    pub registered: NaiveDate,
    /// Stages reached, in order.
    pub stages: Vec<(BuildingStage, NaiveDate)>,
    /// Stages planned, with their dates (the latest plan per stage).
    pub planned: Vec<(BuildingStage, NaiveDate)>,
}

impl Building {
    /// The stage reached by `date`, if any.
    #[must_use]
    pub fn stage_on(&self, date: NaiveDate) -> Option<BuildingStage> {
        self.stages
            .iter()
            .rev()
            .find(|(_, d)| *d <= date)
            .map(|(s, _)| *s)
    }

    /// When it was completed (竣工, or put in use without a completion).
    #[must_use]
    pub fn completed(&self) -> Option<NaiveDate> {
        self.stages
            .iter()
            .find(|(s, _)| *s >= BuildingStage::Completed)
            .map(|(_, d)| *d)
    }

    /// The next stage planned after the one reached by `date`.
    #[must_use]
    pub fn next_planned(&self, date: NaiveDate) -> Option<(BuildingStage, NaiveDate)> {
        let now = self.stage_on(date);
        self.planned
            .iter()
            .filter(|(s, _)| now.is_none_or(|n| *s > n))
            .min_by_key(|(s, _)| *s)
            .copied()
    }

    /// Records a stage reached on `date`: after the last one, not before
    /// it, not before the registration.
    ///
    /// # Errors
    /// The rule broken ([`Refusal`]).
    pub fn reach(&mut self, stage: BuildingStage, date: NaiveDate) -> Result<(), Refusal> {
        if date < self.registered {
            return Err(Refusal::new(
                Rule::OutOfOrder,
                format!(
                    "{} was registered on {}, after {date}",
                    self.spec.code, self.registered
                ),
            ));
        }
        if let Some((last, on)) = self.stages.last() {
            if stage <= *last {
                return Err(Refusal::new(
                    Rule::OutOfOrder,
                    format!(
                        "{} reached {} on {on}; {} does not come after it",
                        self.spec.code,
                        last.chinese(),
                        stage.chinese()
                    ),
                ));
            }
            if date < *on {
                return Err(Refusal::new(
                    Rule::OutOfOrder,
                    format!(
                        "{} reached {} on {on}, after {date}",
                        self.spec.code,
                        last.chinese()
                    ),
                ));
            }
        }
        self.stages.push((stage, date));
        Ok(())
    }
}

/// The most space let at once over `from..=to` by leases given as
/// (area, start, end), in ten-thousandths of a m².
#[must_use]
pub fn peak_let(
    leases: &[(Quantity, NaiveDate, Option<NaiveDate>)],
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> i64 {
    let overlaps = |s: NaiveDate, e: Option<NaiveDate>| {
        to.is_none_or(|t| s <= t) && e.is_none_or(|e| from <= e)
    };
    let live: Vec<&(Quantity, NaiveDate, Option<NaiveDate>)> =
        leases.iter().filter(|l| overlaps(l.1, l.2)).collect();
    // The most at once is reached on some lease's first day in the span.
    let mut starts: Vec<NaiveDate> = live.iter().map(|l| l.1.max(from)).collect();
    starts.push(from);
    starts
        .into_iter()
        .map(|day| {
            live.iter()
                .filter(|l| l.1 <= day && l.2.is_none_or(|e| day <= e))
                .map(|l| l.0.units())
                .sum::<i64>()
        })
        .max()
        .unwrap_or(0)
}
