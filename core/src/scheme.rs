//! Evaluation schemes (亩均效益评价) and target frameworks (科技进步考核).
//!
//! A scheme scores each enterprise in scope as
//! `Σ min(value / benchmark, cap) × weight` over its items, ranks the
//! scores and grades them by percentile cut-offs or absolute thresholds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::enterprise::EnterpriseId;
use crate::error::{Error, Result};
use crate::ids::code_enum;
use crate::indicators::{Derived, Direction, Metric};
use crate::units::{Mu, Quantity};

/// What an item scores when its value is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MissingRule {
    /// Zero.
    Zero,
    /// The mean of this item's scores among the firms in scope that have a
    /// value (Huangyan's rule for firms without emission data).
    ScopeMean,
}

/// One scored indicator of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeItem {
    pub metric: Metric,
    pub weight: f64,
    /// 基准值: the value that scores the full weight.
    pub benchmark: f64,
    /// The most an item scores, as a multiple of its weight.
    pub cap: f64,
    pub direction: Direction,
    pub missing: MissingRule,
}

/// Who a scheme evaluates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// `Some(true)`: above-scale firms (规上) only; `Some(false)`: the others only.
    pub above_scale: Option<bool>,
    /// Firms using less land are out of scope (e.g. 3亩).
    pub min_land: Mu,
    /// Firms exempt from the evaluation.
    pub exempt: Vec<EnterpriseId>,
    /// Count leased floor space (converted to 亩) as land used.
    pub include_leased: bool,
}

/// How scores become grades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Grading {
    /// (grade, share of firms): `[("A", 0.2), ("B", 0.6), ("C", 0.95), ("D", 1.0)]`
    /// gives A to the top 20%, B to 60%, C to 95%, D to the rest. A firm's
    /// share is the fraction of firms strictly ahead of it, so tied firms
    /// share a grade.
    Percentile(Vec<(String, f64)>),
    /// (grade, minimum score), best first; the last grade takes the rest.
    Absolute(Vec<(String, f64)>),
}

code_enum!(
    /// A resource a grade-driven surcharge is charged on, by the yearly
    /// figure that measures it.
    Resource, "resource", {
        Electricity = "electricity_kwh" / "用电",
        Water = "water_m3" / "用水",
        Emissions = "emissions_t" / "排污",
    }
);

/// A price a grade drives (差别化电价、水价、排污费): a surcharge per unit
/// of a resource on the firms graded `grade`, at a higher rate once a firm
/// has been in that grade for `escalation.0` straight years (this year
/// included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surcharge {
    pub resource: Resource,
    pub grade: String,
    /// 元 per unit (kWh, m³, t), exact to 0.0001 元.
    pub rate: Quantity,
    /// (straight years in the grade, the rate from then).
    pub escalation: Option<(u32, Quantity)>,
}

/// An evaluation scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    pub name: String,
    /// Where the method and numbers come from.
    pub source: String,
    pub items: Vec<SchemeItem>,
    pub scope: Scope,
    pub grading: Grading,
    /// The prices its grades drive (none in the presets).
    #[serde(default)]
    pub surcharges: Vec<Surcharge>,
}

/// One enterprise's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRow {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub land: Mu,
    /// Each item's value, or why it is missing.
    pub values: BTreeMap<Metric, Derived>,
    /// Each item's score (missing items scored by their rule).
    pub item_scores: BTreeMap<Metric, f64>,
    pub score: Option<f64>,
    /// 1 is best; tied scores share a rank.
    pub rank: Option<u32>,
    pub grade: Option<String>,
    pub in_scope: bool,
    /// Why the firm is out of scope, or which items are missing and why.
    pub reason: Option<String>,
}

/// The result of [`crate::View::evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub scheme: String,
    pub year: i32,
    pub rows: Vec<EvaluationRow>,
}

impl Evaluation {
    /// How many firms got each grade.
    #[must_use]
    pub fn grade_counts(&self) -> BTreeMap<String, u32> {
        let mut out = BTreeMap::new();
        for g in self.rows.iter().filter_map(|r| r.grade.clone()) {
            *out.entry(g).or_insert(0) += 1;
        }
        out
    }
}

/// What the evaluation needs of one enterprise.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub land: Mu,
    pub above_scale: Option<bool>,
    /// Why it cannot be evaluated at all (no figures, closed), if so.
    pub unfit: Option<String>,
    pub values: BTreeMap<Metric, Derived>,
}

impl Scheme {
    /// The metrics the scheme scores, in item order (each once in a
    /// scheme that passes [`Scheme::validate`]).
    #[must_use]
    pub fn metrics(&self) -> Vec<Metric> {
        self.items.iter().map(|i| i.metric).collect()
    }

    /// Checks the scheme's numbers.
    ///
    /// # Errors
    /// [`Error::Validation`] for a non-positive benchmark, weight or cap, a
    /// metric scored by two items, or a bad grading.
    pub fn validate(&self) -> Result<()> {
        for item in &self.items {
            let ok = |v: f64| v.is_finite() && v > 0.0;
            if !ok(item.benchmark) || !ok(item.weight) || !ok(item.cap) {
                return Err(Error::validation(
                    "scheme",
                    format!(
                        "{}: weight, benchmark and cap must be positive",
                        item.metric.code()
                    ),
                ));
            }
        }
        for s in &self.surcharges {
            let mut rates = std::iter::once(s.rate).chain(s.escalation.map(|e| e.1));
            if rates.any(|r| !r.is_positive()) {
                return Err(Error::validation(
                    "surcharges",
                    format!(
                        "{} on grade {}: a rate must be positive",
                        s.resource.code(),
                        s.grade
                    ),
                ));
            }
            if s.escalation.is_some_and(|e| e.0 < 2) {
                return Err(Error::validation(
                    "surcharges",
                    format!(
                        "{} on grade {}: a higher rate needs two or more straight years",
                        s.resource.code(),
                        s.grade
                    ),
                ));
            }
        }
        if self.items.is_empty() {
            return Err(Error::validation(
                "scheme",
                "a scheme needs at least one item",
            ));
        }
        let metrics = self.metrics();
        if let Some(twice) = metrics
            .iter()
            .enumerate()
            .find(|(i, m)| metrics[..*i].contains(m))
        {
            // A row keeps one score per metric: a second item would lose its weight.
            return Err(Error::validation(
                "scheme",
                format!(
                    "{} is scored by two items: give each metric one",
                    twice.1.code()
                ),
            ));
        }
        let cuts = match &self.grading {
            Grading::Percentile(c) | Grading::Absolute(c) => c,
        };
        if cuts.is_empty() {
            return Err(Error::validation(
                "grading",
                "a grading needs at least one grade",
            ));
        }
        if let Grading::Percentile(c) = &self.grading {
            if c.windows(2).any(|w| w[0].1 >= w[1].1)
                || c.iter().any(|g| !(0.0..=1.0).contains(&g.1))
            {
                return Err(Error::validation(
                    "grading",
                    "percentile cut-offs rise from 0 to 1",
                ));
            }
        }
        Ok(())
    }

    fn item_score(item: &SchemeItem, value: f64) -> f64 {
        let relative = match item.direction {
            Direction::Higher => value / item.benchmark,
            Direction::Lower if value > 0.0 => item.benchmark / value,
            Direction::Lower => item.cap,
        };
        relative.clamp(0.0, item.cap) * item.weight
    }

    /// Scores, ranks and grades the candidates.
    ///
    /// # Errors
    /// [`Error::Validation`] if the scheme is invalid.
    pub fn score(&self, year: i32, candidates: Vec<Candidate>) -> Result<Evaluation> {
        self.validate()?;
        let mut rows: Vec<EvaluationRow> = candidates
            .into_iter()
            .map(|mut c| {
                let out_of_scope = c.unfit.take().or_else(|| {
                    if self.scope.exempt.contains(&c.enterprise) {
                        Some("exempt".to_owned())
                    } else if let Some(want) = self.scope.above_scale {
                        match c.above_scale {
                            None => Some("above-scale status not reported".to_owned()),
                            Some(a) if a != want => Some(if want {
                                "not above scale (规下)".to_owned()
                            } else {
                                "above scale (规上)".to_owned()
                            }),
                            Some(_) => None,
                        }
                    } else {
                        None
                    }
                    .or_else(|| {
                        (c.land < self.scope.min_land).then(|| {
                            format!("uses {} of land, less than {}", c.land, self.scope.min_land)
                        })
                    })
                });
                // Moved, not copied: the whole map when it holds the
                // scheme's items and no other (as `View::evaluate`'s
                // candidates do).
                let values = if c.values.len() == self.items.len()
                    && self.items.iter().all(|i| c.values.contains_key(&i.metric))
                {
                    std::mem::take(&mut c.values)
                } else {
                    self.items
                        .iter()
                        .map(|i| {
                            let value = c.values.remove(&i.metric);
                            (
                                i.metric,
                                value.unwrap_or_else(|| Err("not computed".into())),
                            )
                        })
                        .collect()
                };
                EvaluationRow {
                    enterprise: c.enterprise,
                    name: c.name,
                    land: c.land,
                    values,
                    item_scores: BTreeMap::new(),
                    score: None,
                    rank: None,
                    grade: None,
                    in_scope: out_of_scope.is_none(),
                    reason: out_of_scope,
                }
            })
            .collect();

        // Item scores where there are values, then the missing-data rules:
        // two passes over the rows, each row's values visited once a pass
        // (a pass per item took a cache miss per row and item). Sums add
        // up in row order, as before. A row's values are the items'
        // metrics in the metrics' order, so a walk over them meets the
        // items in `in_order`, with no search.
        let mut in_order: Vec<usize> = (0..self.items.len()).collect();
        in_order.sort_by_key(|&i| self.items[i].metric);
        let mut sums = vec![(0.0, 0u32); self.items.len()];
        for row in rows.iter_mut().filter(|r| r.in_scope) {
            for ((metric, value), &i) in row.values.iter().zip(&in_order) {
                let (Some(item), Some((sum, n)), Ok(v)) =
                    (self.items.get(i), sums.get_mut(i), value)
                else {
                    continue;
                };
                if item.metric != *metric {
                    return Err(Error::Internal(format!(
                        "{}: a row's values are not the scheme's items",
                        row.name
                    )));
                }
                let s = Self::item_score(item, *v);
                row.item_scores.insert(item.metric, s);
                *sum += s;
                *n += 1;
            }
        }
        let fills: Vec<f64> = self
            .items
            .iter()
            .zip(&sums)
            .map(|(item, &(sum, n))| {
                if item.missing == MissingRule::ScopeMean && n > 0 {
                    sum / f64::from(n)
                } else {
                    0.0
                }
            })
            .collect();
        for row in rows.iter_mut().filter(|r| r.in_scope) {
            // Notes in the items' order, for a row that misses a value.
            if row.values.values().any(Result::is_err) {
                for (item, fill) in self.items.iter().zip(&fills) {
                    if let Some(Err(why)) = row.values.get(&item.metric) {
                        row.item_scores.insert(item.metric, *fill);
                        let rule = match item.missing {
                            MissingRule::Zero => "scored 0",
                            MissingRule::ScopeMean => "scored the scope mean",
                        };
                        let note = format!("{}: {why}, {rule}", item.metric.code());
                        row.reason = Some(match row.reason.take() {
                            Some(r) => format!("{r}; {note}"),
                            None => note,
                        });
                    }
                }
            }
            row.score = Some(row.item_scores.values().sum());
        }

        // Competition ranking: ties share the better rank. In order of
        // score, best first, the firms ahead of each are a prefix that
        // only grows.
        let mut order: Vec<(f64, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.score.map(|s| (s, i)))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let n = order.len();
        let mut ahead = 0;
        for &(s, i) in &order {
            while order.get(ahead).is_some_and(|x| x.0 > s + 1e-9) {
                ahead += 1;
            }
            let Some(row) = rows.get_mut(i) else { continue };
            row.rank = Some(u32::try_from(ahead + 1).unwrap_or(u32::MAX));
            row.grade = Some(match &self.grading {
                Grading::Percentile(cuts) => {
                    let share = ahead as f64 / n as f64;
                    cuts.iter()
                        .find(|(_, c)| share < *c)
                        .or(cuts.last())
                        .map(|g| g.0.clone())
                        .unwrap_or_default()
                }
                Grading::Absolute(cuts) => cuts
                    .iter()
                    .find(|(_, min)| s >= *min)
                    .or(cuts.last())
                    .map(|g| g.0.clone())
                    .unwrap_or_default(),
            });
        }
        rows.sort_by(|a, b| {
            (a.rank.is_none(), a.rank, a.enterprise).cmp(&(b.rank.is_none(), b.rank, b.enterprise))
        });
        Ok(Evaluation {
            scheme: self.name.clone(),
            year,
            rows,
        })
    }
}

/// The names of the preset schemes, as [`preset`] takes them.
pub const PRESETS: [&str; 2] = ["huangyan_2022", "huangyan_2022_small"];

/// A preset scheme by name (one of [`PRESETS`]).
///
/// # Errors
/// A message naming the presets when `name` is none of them.
pub fn preset(name: &str) -> std::result::Result<Scheme, String> {
    match name {
        "huangyan_2022" => Ok(huangyan_2022()),
        "huangyan_2022_small" => Ok(huangyan_2022_small()),
        other => Err(format!(
            "{} is not one of {}",
            crate::text::shown(other),
            PRESETS.join(", ")
        )),
    }
}

/// The per-mu efficiency evaluation of Huangyan district (黄岩区), Taizhou,
/// Zhejiang, for data year 2022, above-scale industrial firms (规上工业企业).
///
/// Source: the Huangyan district 2022 工业企业亩均效益综合评价 method as
/// set out in parkdb's design: weights 30/20/20/10/10/10 on 亩均税收,
/// 亩均增加值, 单位能耗增加值, 单位排放增加值, 全员劳动生产率 and R&D占比,
/// benchmarks 24.097 万元/亩, 136.16 万元/亩, 2.694 万元/吨标煤,
/// 4929.81 万元/吨, 18.14 万元/人 and 0.0302; firms without emission data
/// score that item at the mean of the firms evaluated. The cap of twice an
/// item's weight, the 3亩 minimum and the A 20% / B 60% / C 95% / D grading
/// are parkdb's defaults for the preset, not taken from the method; adjust
/// them on the returned value where the local rules differ.
#[must_use]
pub fn huangyan_2022() -> Scheme {
    let item = |metric, weight, benchmark, missing| SchemeItem {
        metric,
        weight,
        benchmark,
        cap: 2.0,
        direction: Direction::Higher,
        missing,
    };
    Scheme {
        name: "huangyan_2022".into(),
        source: "黄岩区2022年度规上工业企业亩均效益综合评价".into(),
        items: vec![
            item(Metric::TaxPerMu, 30.0, 24.097, MissingRule::Zero),
            item(Metric::ValueAddedPerMu, 20.0, 136.16, MissingRule::Zero),
            item(Metric::ValueAddedPerEnergy, 20.0, 2.694, MissingRule::Zero),
            item(
                Metric::ValueAddedPerEmission,
                10.0,
                4929.81,
                MissingRule::ScopeMean,
            ),
            item(Metric::LabourProductivity, 10.0, 18.14, MissingRule::Zero),
            item(Metric::RdRatio, 10.0, 0.0302, MissingRule::Zero),
        ],
        scope: Scope {
            above_scale: Some(true),
            min_land: Mu::from_units(3 * Mu::SCALE),
            exempt: Vec::new(),
            include_leased: false,
        },
        grading: default_grading(),
        surcharges: Vec::new(),
    }
}

/// Huangyan 2022 for firms below designated size (规下): score =
/// 亩均税收 / 11.5932 × 50 + 单位电耗税收 / 0.2352 × 50 (source as
/// [`huangyan_2022`]; cap, scope minimum and grading are parkdb's defaults).
#[must_use]
pub fn huangyan_2022_small() -> Scheme {
    let item = |metric, benchmark| SchemeItem {
        metric,
        weight: 50.0,
        benchmark,
        cap: 2.0,
        direction: Direction::Higher,
        missing: MissingRule::Zero,
    };
    Scheme {
        name: "huangyan_2022_small".into(),
        source: "黄岩区2022年度规下工业企业亩均效益综合评价".into(),
        items: vec![
            item(Metric::TaxPerMu, 11.5932),
            item(Metric::TaxPerElectricity, 0.2352),
        ],
        scope: Scope {
            above_scale: Some(false),
            min_land: Mu::from_units(3 * Mu::SCALE),
            exempt: Vec::new(),
            include_leased: false,
        },
        grading: default_grading(),
        surcharges: Vec::new(),
    }
}

fn default_grading() -> Grading {
    Grading::Percentile(vec![
        ("A".into(), 0.2),
        ("B".into(), 0.6),
        ("C".into(), 0.95),
        ("D".into(), 1.0),
    ])
}

/// A target framework (科技进步考核): each indicator has a target (监测标准)
/// and a weight; score = Σ min(value / target, 1) × weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetFramework {
    pub name: String,
    /// (indicator code, target, weight).
    pub targets: Vec<(String, f64, f64)>,
}

/// A target framework's result for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub period: String,
    /// (indicator code, value if observed, score).
    pub items: Vec<(String, Option<f64>, f64)>,
    pub score: f64,
    /// The highest score possible (the sum of weights).
    pub max_score: f64,
}

impl TargetFramework {
    /// Scores observed values (by indicator code); a missing value scores 0.
    ///
    /// # Errors
    /// [`Error::Validation`] for a non-positive target or weight.
    pub fn score(&self, period: &str, values: &BTreeMap<String, f64>) -> Result<Assessment> {
        let mut items = Vec::new();
        let mut total = 0.0;
        let mut max = 0.0;
        for (code, target, weight) in &self.targets {
            if !(target.is_finite() && *target > 0.0 && weight.is_finite() && *weight > 0.0) {
                return Err(Error::validation(
                    "targets",
                    format!("{code}: target and weight must be positive"),
                ));
            }
            let value = values.get(code).copied();
            let s = value.map_or(0.0, |v| (v / target).clamp(0.0, 1.0) * weight);
            total += s;
            max += weight;
            items.push((code.clone(), value, s));
        }
        Ok(Assessment {
            period: period.to_owned(),
            items,
            score: total,
            max_score: max,
        })
    }
}
