//! Indicators (指标): definitions and observations kept with their revisions,
//! and indicators derived from the ledgers on demand.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::enterprise::YearlyFigures;
use crate::error::{Entity, Error, Result, Rule};
use crate::ids::code_enum;
use crate::land::{LandSummary, Parcel};
use crate::units::{Mu, Quantity, Yuan};

pub use crate::ids::IndicatorId;
code_enum!(
    /// Whether more is better.
    Direction, "direction", {
        Higher = "higher" / "越高越好",
        Lower = "lower" / "越低越好",
    }
);

code_enum!(
    /// What an indicator is measured on.
    SubjectKind, "subject", {
        Zone = "zone" / "园区",
        Enterprise = "enterprise" / "企业",
        Parcel = "parcel" / "地块",
    }
);

/// One observed value, as revised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The subject: `zone`, or an enterprise or parcel id as text.
    pub subject: String,
    /// The period: a year (`2005`), a quarter (`2005-Q1`), a month (`2005-03`).
    pub period: String,
    /// The value, exact.
    pub value: Quantity,
    /// Where it comes from (统计局, 科技局…), if said.
    pub source: Option<String>,
    /// When it was observed (the event's date).
    #[serde(with = "crate::days::day")]
    pub date: NaiveDate,
}

/// An indicator: its definition and every observation, as revised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Its number in this database.
    pub id: IndicatorId,
    /// Its code, unique (e.g. `R&D_GDP`).
    pub code: String,
    /// Its name (R&D经费占GDP比重).
    pub name: String,
    /// Its unit (`%`, 万元), if any.
    pub unit: Option<String>,
    /// Whether a higher value is better.
    pub direction: Direction,
    /// What it is observed on: the zone, a firm or a parcel.
    pub subject: SubjectKind,
    /// Observations by (subject, period).
    pub observations: BTreeMap<(String, String), Observation>,
    /// The valid date of its latest event.
    #[serde(with = "crate::days::day")]
    pub last_event: NaiveDate,
}

/// What happened to an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IndicatorEvent {
    /// Defined, with what it observes.
    Defined {
        /// Its code.
        code: String,
        /// Its name.
        name: String,
        /// Its unit.
        unit: Option<String>,
        /// Whether a higher value is better.
        direction: Direction,
        /// What it is observed on.
        subject: SubjectKind,
    },
    /// A value for (subject, period); a second one revises the first.
    Observed {
        /// The subject: `zone`, or a firm's or parcel's id as text.
        subject: String,
        /// The period (`2005`, `2005-Q1`, `2005-03`).
        period: String,
        /// The value.
        value: Quantity,
        /// Where it comes from.
        source: Option<String>,
    },
}

impl IndicatorEvent {
    /// The event's stable name (`defined`, `observed`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            IndicatorEvent::Defined { .. } => "defined",
            IndicatorEvent::Observed { .. } => "observed",
        }
    }

    /// The event in a sentence, as timelines and explanations show it.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            IndicatorEvent::Defined {
                code, name, unit, ..
            } => {
                format!(
                    "{code} {name}{}",
                    unit.as_deref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                )
            }
            IndicatorEvent::Observed {
                subject,
                period,
                value,
                ..
            } => format!("{subject} {period}: {value}"),
        }
    }
}

pub(crate) fn apply(
    state: Option<Indicator>,
    id: IndicatorId,
    date: NaiveDate,
    event: &IndicatorEvent,
) -> Result<Indicator> {
    match (state, event) {
        (
            None,
            IndicatorEvent::Defined {
                code,
                name,
                unit,
                direction,
                subject,
            },
        ) => Ok(Indicator {
            id,
            code: code.clone(),
            name: name.clone(),
            unit: unit.clone(),
            direction: *direction,
            subject: *subject,
            observations: BTreeMap::new(),
            last_event: date,
        }),
        (
            Some(mut i),
            IndicatorEvent::Observed {
                subject,
                period,
                value,
                source,
            },
        ) => {
            i.observations.insert(
                (subject.clone(), period.clone()),
                Observation {
                    subject: subject.clone(),
                    period: period.clone(),
                    value: *value,
                    source: source.clone(),
                    date,
                },
            );
            i.last_event = i.last_event.max(date);
            Ok(i)
        }
        (None, _) => Err(Error::lifecycle(
            Entity::Indicator,
            id.to_string(),
            Rule::NotCreated,
            "the first event must define the indicator",
        )),
        (Some(i), IndicatorEvent::Defined { .. }) => Err(Error::lifecycle(
            Entity::Indicator,
            i.code,
            Rule::AlreadyExists,
            "the indicator is already defined",
        )),
    }
}

/// Checks a period: `YYYY`, `YYYY-Qn` or `YYYY-MM`. Returns its last day.
///
/// # Errors
/// [`Error::Validation`] for anything else.
pub fn period_end(period: &str) -> Result<NaiveDate> {
    let bad = || {
        Error::validation(
            "period",
            format!("{period:?} is not a year (2005), quarter (2005-Q1) or month (2005-03)"),
        )
    };
    let (year, rest) = period
        .split_once('-')
        .map_or((period, None), |(y, r)| (y, Some(r)));
    let year: i32 = year.parse().map_err(|_| bad())?;
    if !(1949..=9999).contains(&year) || period.len() < 4 {
        return Err(bad());
    }
    let last_month = match rest {
        None => 12,
        Some(q) if q.starts_with('Q') => match q[1..].parse::<u32>() {
            Ok(n @ 1..=4) => n * 3,
            _ => return Err(bad()),
        },
        Some(m) if m.len() == 2 => match m.parse::<u32>() {
            Ok(n @ 1..=12) => n,
            _ => return Err(bad()),
        },
        Some(_) => return Err(bad()),
    };
    let next = if last_month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, last_month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).ok_or_else(bad)
}

code_enum!(
    /// Indicators parkdb derives per enterprise and year, in the units of the
    /// Huangyan preset: 万元/亩, 万元/吨标煤, 万元/吨, 万元/人, a ratio, 元/千瓦时.
    Metric, "indicator", {
        /// 亩均税收 (万元/亩).
        TaxPerMu = "tax_per_mu" / "亩均税收",
        /// 亩均增加值 (万元/亩).
        ValueAddedPerMu = "value_added_per_mu" / "亩均增加值",
        /// 单位能耗增加值 (万元/吨标煤).
        ValueAddedPerEnergy = "value_added_per_energy" / "单位能耗增加值",
        /// 单位排放增加值 (万元/吨).
        ValueAddedPerEmission = "value_added_per_emission" / "单位排放增加值",
        /// 全员劳动生产率 (万元/人).
        LabourProductivity = "labour_productivity" / "全员劳动生产率",
        /// R&D占比 (R&D expense / revenue).
        RdRatio = "rd_ratio" / "R&D占比",
        /// 单位电耗税收 (元/千瓦时).
        TaxPerElectricity = "tax_per_electricity" / "单位电耗税收",
        /// 投资强度 (万元/亩).
        InvestmentPerMu = "investment_per_mu" / "投资强度",
    }
);

impl Metric {
    /// The unit the value is in.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Metric::TaxPerMu | Metric::ValueAddedPerMu | Metric::InvestmentPerMu => "万元/亩",
            Metric::ValueAddedPerEnergy => "万元/吨标煤",
            Metric::ValueAddedPerEmission => "万元/吨",
            Metric::LabourProductivity => "万元/人",
            Metric::RdRatio => "ratio",
            Metric::TaxPerElectricity => "元/千瓦时",
        }
    }
}

/// A derived value, or why it is missing (a [`Missing`], which displays
/// as the reason in words).
pub type Derived = std::result::Result<f64, Missing>;

/// Why a derived value is missing: kept as a small value per firm and item,
/// written out as text (the [`Derived`] reason) only when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    /// The firm reported no figures for the year.
    NoFigures(i32),
    /// The firm held no land at the year's end.
    NoLand(i32),
    /// A figure (named) was not reported.
    NotReported(&'static str),
    /// A denominator (named) is zero.
    Zero(&'static str),
    /// The candidate did not carry the value.
    NotComputed,
    /// Any other reason, as text.
    Other(Box<str>),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::NoFigures(year) => write!(f, "no figures for {year}"),
            Missing::NoLand(year) => write!(f, "no land held at the end of {year}"),
            Missing::NotReported(name) => write!(f, "no {name} reported"),
            Missing::Zero(name) => write!(f, "{name} is zero"),
            Missing::NotComputed => f.write_str("not computed"),
            Missing::Other(why) => f.write_str(why),
        }
    }
}

/// What an enterprise's indicators for a year are computed from.
#[derive(Debug, Clone)]
pub struct EnterpriseYear<'a> {
    /// The investment signed and added (投资强度's numerator), or why not known.
    pub investment: std::result::Result<Yuan, Missing>,
    /// The year.
    pub year: i32,
    /// Its yearly figures, if reported.
    pub figures: Option<&'a YearlyFigures>,
    /// Land used: parcels held at year end, plus leased space where counted.
    pub land: Mu,
}

fn ratio(
    num: Option<f64>,
    num_name: &'static str,
    den: Option<f64>,
    den_name: &'static str,
) -> std::result::Result<f64, Missing> {
    let num = num.ok_or(Missing::NotReported(num_name))?;
    match den {
        None => Err(Missing::NotReported(den_name)),
        Some(d) if d <= 0.0 => Err(Missing::Zero(den_name)),
        Some(d) => Ok(num / d),
    }
}

impl EnterpriseYear<'_> {
    /// One derived indicator, or the reason it cannot be computed.
    ///
    /// # Errors
    /// The reason ([`Missing`]) when a figure is missing or a denominator
    /// is zero.
    pub fn metric(&self, metric: Metric) -> Derived {
        self.derive(metric)
    }

    /// [`EnterpriseYear::metric`] with the reason kept as a [`Missing`].
    ///
    /// # Errors
    /// Why the value cannot be computed.
    pub fn derive(&self, metric: Metric) -> std::result::Result<f64, Missing> {
        let Some(f) = self.figures else {
            return Err(Missing::NoFigures(self.year));
        };
        let wan = |y: Option<Yuan>| y.map(Yuan::to_wan_f64);
        let per_land = |num: Option<f64>, name: &'static str| {
            if self.land.is_positive() {
                ratio(num, name, Some(self.land.to_f64()), "land")
            } else {
                Err(Missing::NoLand(self.year))
            }
        };
        match metric {
            Metric::TaxPerMu => per_land(wan(f.tax), "tax"),
            Metric::ValueAddedPerMu => per_land(wan(f.value_added), "value added"),
            Metric::ValueAddedPerEnergy => ratio(
                wan(f.value_added),
                "value added",
                f.energy_tce.map(Quantity::to_f64),
                "energy use",
            ),
            Metric::ValueAddedPerEmission => ratio(
                wan(f.value_added),
                "value added",
                f.emissions_t.map(Quantity::to_f64),
                "emissions",
            ),
            Metric::LabourProductivity => ratio(
                wan(f.value_added),
                "value added",
                f.employees.map(f64::from),
                "employees",
            ),
            Metric::RdRatio => ratio(
                f.rd.map(Yuan::to_f64),
                "R&D expense",
                f.revenue.map(Yuan::to_f64),
                "revenue",
            ),
            Metric::TaxPerElectricity => ratio(
                f.tax.map(Yuan::to_f64),
                "tax",
                f.electricity_kwh.map(Quantity::to_f64),
                "electricity use",
            ),
            Metric::InvestmentPerMu => match &self.investment {
                Ok(investment) => per_land(Some(investment.to_wan_f64()), "investment"),
                Err(why) => Err(why.clone()),
            },
        }
    }
}

/// The land an enterprise uses: the area of `parcels` plus, when
/// `leased_m2` is given, that floor space in 亩.
///
/// # Errors
/// [`Error::Validation`] on overflow.
pub fn land_used(parcels: &[Parcel], leased_m2: Option<Quantity>) -> Result<Mu> {
    with_leased(Mu::sum(parcels.iter().map(|p| p.area))?, leased_m2)
}

/// Land held plus leased space (m² as 亩) when the scheme counts it.
pub(crate) fn with_leased(held: Mu, leased_m2: Option<Quantity>) -> Result<Mu> {
    match leased_m2 {
        Some(m2) => held.checked_add(Mu::from_m2_quantity(m2)?),
        None => Ok(held),
    }
}

/// Zone-level rates derived from a land summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZoneRates {
    /// 土地供应率: supplied / land ready for supply (supplied + developed reserve).
    pub supply_rate: Option<f64>,
    /// 建成率: completed / supplied.
    pub built_rate: Option<f64>,
}

/// 土地供应率 and 建成率 from the summary and its parcels as of the same date.
#[must_use]
pub fn zone_rates(summary: &LandSummary, parcels: &[Parcel]) -> ZoneRates {
    let developed_reserve: i64 = parcels
        .iter()
        .filter(|p| p.retired.is_none() && p.holder.is_none() && p.developed.is_some())
        .map(|p| p.area.millionths())
        .sum();
    let supplied = summary.total.supplied_mu.millionths();
    let ready = supplied + developed_reserve;
    ZoneRates {
        supply_rate: (ready > 0).then(|| supplied as f64 / ready as f64),
        built_rate: (supplied > 0)
            .then(|| summary.total.completed_mu.millionths() as f64 / supplied as f64),
    }
}
