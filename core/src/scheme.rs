//! Evaluation schemes (亩均效益评价) and target frameworks (科技进步考核).
//!
//! A scheme scores each enterprise in scope as
//! `Σ min(value / benchmark, cap) × weight` over its items, ranks the
//! scores and grades them by percentile cut-offs or absolute thresholds.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::enterprise::EnterpriseId;
use crate::error::{Error, Result};
use crate::ids::code_enum;
use crate::indicators::{Derived, Direction, Metric, Missing};
use crate::units::{Mu, Quantity};

/// What an item scores when its value is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MissingRule {
    /// Zero.
    Zero,
    /// The mean of this item's scores among the firms in scope that have a
    /// value (Huangyan's rule for firms without emission data).
    ScopeMean,
}

impl MissingRule {
    /// The rule's code (`zero`, `scope_mean`), as schemes in Python and
    /// JSON give it.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            MissingRule::Zero => "zero",
            MissingRule::ScopeMean => "scope_mean",
        }
    }
}

/// One scored indicator of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeItem {
    /// The indicator scored (亩均税收, 亩均增加值…).
    pub metric: Metric,
    /// Its weight (权重): the points at the benchmark.
    pub weight: f64,
    /// 基准值: the value that scores the full weight.
    pub benchmark: f64,
    /// The most an item scores, as a multiple of its weight.
    pub cap: f64,
    /// Whether a higher value is better.
    pub direction: Direction,
    /// How a firm without the value is scored.
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
#[non_exhaustive]
pub enum Grading {
    /// (grade, share of firms): `[("A", 0.2), ("B", 0.6), ("C", 0.95), ("D", 1.0)]`
    /// gives A to the top 20%, B to 60%, C to 95%, D to the rest. A firm's
    /// share is the fraction of firms strictly ahead of it, so tied firms
    /// share a grade.
    Percentile(Vec<(String, f64)>),
    /// (grade, minimum score), best first; the last grade takes the rest.
    Absolute(Vec<(String, f64)>),
}

impl Grading {
    /// The kind of grading (`percentile`, `absolute`) and its cuts.
    #[must_use]
    pub fn cuts(&self) -> (&'static str, &[(String, f64)]) {
        match self {
            Grading::Percentile(c) => ("percentile", c),
            Grading::Absolute(c) => ("absolute", c),
        }
    }
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
    /// The resource priced (electricity, water, sewage…).
    pub resource: Resource,
    /// The grade it applies to.
    pub grade: String,
    /// 元 per unit (kWh, m³, t), exact to 0.0001 元.
    pub rate: Quantity,
    /// (straight years in the grade, the rate from then).
    pub escalation: Option<(u32, Quantity)>,
}

/// An evaluation scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    /// Its name.
    pub name: String,
    /// Where the method and numbers come from.
    pub source: String,
    /// The items scored.
    pub items: Vec<SchemeItem>,
    /// Which firms it evaluates.
    pub scope: Scope,
    /// How scores become grades.
    pub grading: Grading,
    /// The prices its grades drive (none in the presets).
    #[serde(default)]
    pub surcharges: Vec<Surcharge>,
}

/// One enterprise's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationRow {
    /// The firm.
    pub enterprise: EnterpriseId,
    /// Its registered name.
    pub name: String,
    /// The land it used.
    pub land: Mu,
    /// Each item's value, or why it is missing.
    pub values: BTreeMap<Metric, Derived>,
    /// Each item's score (missing items scored by their rule).
    pub item_scores: BTreeMap<Metric, f64>,
    /// Its total score, if it was scored.
    pub score: Option<f64>,
    /// 1 is best; tied scores share a rank.
    pub rank: Option<u32>,
    /// Its grade (A, B, C, D), if graded.
    pub grade: Option<String>,
    /// Whether the scheme's scope takes it in.
    pub in_scope: bool,
    /// Why the firm is out of scope, or which items are missing and why.
    pub reason: Option<String>,
}

/// The result of [`crate::View::evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The scheme's name.
    pub scheme: String,
    /// The year evaluated.
    pub year: i32,
    /// One row per firm: by rank, best first; those out of scope last.
    pub rows: Vec<EvaluationRow>,
}

impl Evaluation {
    /// How many firms got each grade.
    #[must_use]
    pub fn grade_counts(&self) -> BTreeMap<String, u32> {
        Graded::grade_counts(self)
    }
}

/// What the evaluation needs of one enterprise.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The firm.
    pub enterprise: EnterpriseId,
    /// Its registered name.
    pub name: String,
    /// The land it used.
    pub land: Mu,
    /// Whether it is above designated size (规上), if reported.
    pub above_scale: Option<bool>,
    /// Why it cannot be evaluated at all (no figures, closed), if so.
    pub unfit: Option<String>,
    /// Each item's value, or why it is missing.
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
        let metrics = self.metrics();
        let mut columns = Candidates::with_capacity(&metrics, candidates.len());
        for mut c in candidates {
            columns.push(
                c.enterprise,
                &c.name,
                c.land,
                c.above_scale,
                c.unfit.map(|why| Unfit::Other(why.into())),
                |m| match c.values.remove(&m) {
                    Some(Ok(v)) => Ok(v),
                    Some(Err(why)) => Err(why),
                    None => Err(Missing::NotComputed),
                },
            );
        }
        Ok(self.score_columns(year, columns)?.into_evaluation())
    }

    /// Scores, ranks and grades candidates held in columns: what
    /// [`Scheme::score`] does, without a map or a text per firm.
    ///
    /// # Errors
    /// [`Error::Validation`] if the scheme is invalid or the candidates
    /// carry other metrics than the scheme's items, in their order.
    pub fn score_columns(&self, year: i32, candidates: Candidates) -> Result<Scores> {
        self.validate()?;
        let metrics = self.metrics();
        if candidates.metrics != metrics {
            return Err(Error::validation(
                "candidates",
                "the candidates carry other metrics than the scheme's items",
            ));
        }
        let k = metrics.len();
        let n = candidates.len();
        let mut exempt = self.scope.exempt.clone();
        exempt.sort_unstable();
        let mut unfit = candidates.unfit.iter().map(|u| u.0).peekable();
        let scope: Vec<Scoped> = (0..n)
            .map(|r| {
                if unfit.next_if_eq(&r).is_some() {
                    return Scoped::Unfit;
                }
                let id = candidates
                    .enterprise
                    .get(r)
                    .copied()
                    .unwrap_or(EnterpriseId(0));
                if exempt.binary_search(&id).is_ok() {
                    return Scoped::Exempt;
                }
                if let Some(want) = self.scope.above_scale {
                    match candidates.above_scale.get(r).copied().flatten() {
                        None => return Scoped::ScaleUnknown,
                        Some(a) if a != want => {
                            return if want {
                                Scoped::NotAboveScale
                            } else {
                                Scoped::AboveScale
                            };
                        }
                        Some(_) => {}
                    }
                }
                if candidates
                    .land
                    .get(r)
                    .is_some_and(|l| *l < self.scope.min_land)
                {
                    Scoped::SmallLand
                } else {
                    Scoped::In
                }
            })
            .collect();

        // Item scores where there are values, summed per item in row
        // order; then the missing-data rules.
        let mut item_scores = vec![f64::NAN; n * k];
        let mut sums = vec![(0.0, 0u32); k];
        for (r, _) in scope.iter().enumerate().filter(|s| *s.1 == Scoped::In) {
            for (j, (item, (sum, count))) in self.items.iter().zip(&mut sums).enumerate() {
                let cell = r * k + j;
                let (Some(v), Some(out)) = (candidates.values.get(cell), item_scores.get_mut(cell))
                else {
                    continue;
                };
                if !v.is_nan() {
                    let s = Self::item_score(item, *v);
                    *out = s;
                    *sum += s;
                    *count += 1;
                }
            }
        }
        let fills: Vec<f64> = self
            .items
            .iter()
            .zip(&sums)
            .map(|(item, &(sum, count))| {
                if item.missing == MissingRule::ScopeMean && count > 0 {
                    sum / f64::from(count)
                } else {
                    0.0
                }
            })
            .collect();
        // A row's score adds its items up in the metrics' order (as a
        // map by metric did).
        let mut in_order: Vec<usize> = (0..k).collect();
        in_order.sort_by_key(|&j| metrics[j]);
        let mut score = vec![f64::NAN; n];
        for (r, _) in scope.iter().enumerate().filter(|s| *s.1 == Scoped::In) {
            let row = item_scores.get_mut(r * k..(r + 1) * k).unwrap_or_default();
            for (s, fill) in row.iter_mut().zip(&fills) {
                if s.is_nan() {
                    *s = *fill;
                }
            }
            if let Some(total) = score.get_mut(r) {
                *total = in_order.iter().filter_map(|&j| row.get(j)).sum();
            }
        }

        // Competition ranking: ties share the better rank. In order of
        // score, best first, the firms ahead of each are a prefix that
        // only grows.
        let mut order: Vec<(f64, usize)> = score
            .iter()
            .enumerate()
            .filter(|(r, _)| scope.get(*r) == Some(&Scoped::In))
            .map(|(r, s)| (*s, r))
            .collect();
        order.sort_by(|a, b| b.0.total_cmp(&a.0));
        let cuts = match &self.grading {
            Grading::Percentile(cuts) | Grading::Absolute(cuts) => cuts,
        };
        let last = u32::try_from(cuts.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let scored = order.len();
        let mut rank = vec![0u32; n];
        let mut grade = vec![u32::MAX; n];
        let mut ahead = 0;
        for &(s, r) in &order {
            while order.get(ahead).is_some_and(|x| x.0 > s + 1e-9) {
                ahead += 1;
            }
            if let Some(out) = rank.get_mut(r) {
                *out = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
            }
            let g = match &self.grading {
                Grading::Percentile(cuts) => {
                    let share = ahead as f64 / scored as f64;
                    cuts.iter().position(|(_, c)| share < *c)
                }
                Grading::Absolute(cuts) => cuts.iter().position(|(_, min)| s >= *min),
            };
            if let Some(out) = grade.get_mut(r) {
                *out = g.map_or(last, |g| u32::try_from(g).unwrap_or(last));
            }
        }
        let mut shown: Vec<usize> = (0..n).collect();
        let key = |r: usize| {
            let rank = rank.get(r).copied().filter(|x| *x > 0);
            let id = candidates
                .enterprise
                .get(r)
                .copied()
                .unwrap_or(EnterpriseId(0));
            (rank.is_none(), rank, id)
        };
        shown.sort_by_key(|&r| key(r));
        Ok(Scores {
            scheme: self.name.clone(),
            year,
            min_land: self.scope.min_land,
            grades: cuts.iter().map(|c| c.0.clone()).collect(),
            rules: self.items.iter().map(|i| i.missing).collect(),
            candidates,
            scope,
            by_item: item_scores,
            score,
            rank,
            grade,
            shown,
        })
    }
}

/// Why a firm cannot be evaluated at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unfit {
    /// Closed (on the date, where known).
    Closed(Option<NaiveDate>),
    /// No figures reported for the year.
    NoFigures(i32),
    /// Any other reason, as text.
    Other(Box<str>),
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfit::Closed(on) => {
                f.write_str("closed on ")?;
                on.map_or(Ok(()), |d| write!(f, "{d}"))
            }
            Unfit::NoFigures(year) => write!(f, "no figures for {year}"),
            Unfit::Other(why) => f.write_str(why),
        }
    }
}

/// What an evaluation needs of every enterprise, a column per field: the
/// values of a scheme's metrics (in its items' order) with why each
/// missing one is missing, and the firm's id, name, land, scale and
/// whether it can be evaluated at all. [`Scheme::score_columns`] scores
/// them; the names share one text, so a province's candidates take a few
/// allocations, not a map and a text per firm.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    metrics: Vec<Metric>,
    enterprise: Vec<EnterpriseId>,
    names: String,
    name_ends: Vec<usize>,
    land: Vec<Mu>,
    above_scale: Vec<Option<bool>>,
    /// (row, why), by row.
    unfit: Vec<(usize, Unfit)>,
    /// Row by row, a value per metric; NaN where missing.
    values: Vec<f64>,
    /// (cell of `values`, why), by cell.
    missing: Vec<(usize, Missing)>,
}

impl Candidates {
    /// No candidates yet, for a scheme's `metrics` ([`Scheme::metrics`]).
    #[must_use]
    pub fn new(metrics: &[Metric]) -> Candidates {
        Candidates::with_capacity(metrics, 0)
    }

    /// [`Candidates::new`] with room for `n` firms (at most 2²⁴ reserved:
    /// more grow as they come).
    #[must_use]
    pub fn with_capacity(metrics: &[Metric], n: usize) -> Candidates {
        let n = n.min(1 << 24);
        Candidates {
            metrics: metrics.to_vec(),
            enterprise: Vec::with_capacity(n),
            name_ends: Vec::with_capacity(n),
            land: Vec::with_capacity(n),
            above_scale: Vec::with_capacity(n),
            values: Vec::with_capacity(n * metrics.len()),
            ..Candidates::default()
        }
    }

    /// How many firms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.enterprise.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.enterprise.is_empty()
    }

    /// Adds a firm; `value` gives each metric's value or why it is missing.
    pub fn push(
        &mut self,
        enterprise: EnterpriseId,
        name: &str,
        land: Mu,
        above_scale: Option<bool>,
        unfit: Option<Unfit>,
        mut value: impl FnMut(Metric) -> std::result::Result<f64, Missing>,
    ) {
        let row = self.enterprise.len();
        self.enterprise.push(enterprise);
        self.names.push_str(name);
        self.name_ends.push(self.names.len());
        self.land.push(land);
        self.above_scale.push(above_scale);
        if let Some(why) = unfit {
            self.unfit.push((row, why));
        }
        for &m in &self.metrics {
            match value(m) {
                // A NaN value is no value: it would score as nothing.
                Ok(v) if !v.is_nan() => self.values.push(v),
                Ok(_) => {
                    self.missing
                        .push((self.values.len(), Missing::Other("not a number".into())));
                    self.values.push(f64::NAN);
                }
                Err(why) => {
                    self.missing.push((self.values.len(), why));
                    self.values.push(f64::NAN);
                }
            }
        }
    }

    /// The candidates as rows, each with its values by metric.
    #[must_use]
    pub fn to_rows(&self) -> Vec<Candidate> {
        let k = self.metrics.len();
        (0..self.len())
            .map(|r| Candidate {
                enterprise: self.enterprise.get(r).copied().unwrap_or(EnterpriseId(0)),
                name: self.name(r).to_owned(),
                land: self.land.get(r).copied().unwrap_or(Mu::ZERO),
                above_scale: self.above_scale.get(r).copied().flatten(),
                unfit: self.unfit(r).map(ToString::to_string),
                values: self
                    .metrics
                    .iter()
                    .enumerate()
                    .map(|(j, m)| (*m, self.value(r * k + j).map_err(Clone::clone)))
                    .collect(),
            })
            .collect()
    }

    fn name(&self, r: usize) -> &str {
        let start = r
            .checked_sub(1)
            .and_then(|p| self.name_ends.get(p))
            .copied()
            .unwrap_or(0);
        let end = self.name_ends.get(r).copied().unwrap_or(start);
        self.names.get(start..end).unwrap_or_default()
    }

    fn value(&self, cell: usize) -> std::result::Result<f64, &Missing> {
        match self.values.get(cell) {
            Some(v) if !v.is_nan() => Ok(*v),
            _ => match self.missing.binary_search_by_key(&cell, |m| m.0) {
                Ok(at) => Err(&self.missing[at].1),
                Err(_) => Err(&Missing::NotComputed),
            },
        }
    }

    fn unfit(&self, r: usize) -> Option<&Unfit> {
        self.unfit
            .binary_search_by_key(&r, |u| u.0)
            .ok()
            .and_then(|at| self.unfit.get(at))
            .map(|u| &u.1)
    }
}

/// Whether a firm is in a scheme's scope, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scoped {
    In,
    Unfit,
    Exempt,
    ScaleUnknown,
    NotAboveScale,
    AboveScale,
    SmallLand,
}

/// An evaluation in columns: what [`Scheme::score_columns`] and
/// [`crate::View::scores`] give. Row `i` is the `i`-th firm in the order
/// of [`Evaluation::rows`] (by rank, best first; firms out of scope last,
/// by id); [`Scores::row`] and [`Scores::into_evaluation`] make the rows
/// themselves.
#[derive(Debug, Clone)]
pub struct Scores {
    /// The scheme's name.
    pub scheme: String,
    /// The year evaluated.
    pub year: i32,
    min_land: Mu,
    grades: Vec<String>,
    rules: Vec<MissingRule>,
    candidates: Candidates,
    scope: Vec<Scoped>,
    /// Row by row, a score per item (in scope only).
    by_item: Vec<f64>,
    score: Vec<f64>,
    rank: Vec<u32>,
    /// Each row's grade, a place in `grades`.
    grade: Vec<u32>,
    /// The candidates' rows in the order shown.
    shown: Vec<usize>,
}

impl Scores {
    /// How many firms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// The scheme's metrics, in its items' order.
    #[must_use]
    pub fn metrics(&self) -> &[Metric] {
        &self.candidates.metrics
    }

    fn at(&self, i: usize) -> usize {
        self.shown.get(i).copied().unwrap_or(usize::MAX)
    }

    fn scoped(&self, i: usize) -> Option<usize> {
        let r = self.at(i);
        (self.scope.get(r) == Some(&Scoped::In)).then_some(r)
    }

    fn item(&self, metric: Metric) -> Option<usize> {
        self.candidates.metrics.iter().position(|m| *m == metric)
    }

    /// Row `i`'s enterprise; `None` past the last row.
    #[must_use]
    pub fn enterprise(&self, i: usize) -> Option<EnterpriseId> {
        self.candidates.enterprise.get(self.at(i)).copied()
    }

    /// Row `i`'s name; `None` past the last row.
    #[must_use]
    pub fn name(&self, i: usize) -> Option<&str> {
        (i < self.len()).then(|| self.candidates.name(self.at(i)))
    }

    /// The land row `i` uses; `None` past the last row.
    #[must_use]
    pub fn land(&self, i: usize) -> Option<Mu> {
        self.candidates.land.get(self.at(i)).copied()
    }

    /// Row `i`'s value of `metric`, or why it is missing; `None` for a
    /// metric the scheme does not score.
    #[must_use]
    pub fn value(&self, i: usize, metric: Metric) -> Option<std::result::Result<f64, &Missing>> {
        let k = self.candidates.metrics.len();
        let j = self.item(metric)?;
        Some(
            self.candidates
                .value(self.at(i).saturating_mul(k).saturating_add(j)),
        )
    }

    /// Row `i`'s score on `metric`'s item (in scope only).
    #[must_use]
    pub fn item_score(&self, i: usize, metric: Metric) -> Option<f64> {
        let k = self.candidates.metrics.len();
        let r = self.scoped(i)?;
        self.by_item.get(r * k + self.item(metric)?).copied()
    }

    /// Row `i`'s score (in scope only).
    #[must_use]
    pub fn score(&self, i: usize) -> Option<f64> {
        self.score.get(self.scoped(i)?).copied()
    }

    /// Row `i`'s rank, 1 the best (in scope only).
    #[must_use]
    pub fn rank(&self, i: usize) -> Option<u32> {
        self.rank.get(self.scoped(i)?).copied()
    }

    /// Row `i`'s grade (in scope only).
    #[must_use]
    pub fn grade(&self, i: usize) -> Option<&str> {
        let g = self.grade.get(self.scoped(i)?)?;
        self.grades
            .get(usize::try_from(*g).ok()?)
            .map(String::as_str)
    }

    /// Whether row `i` is in the scheme's scope.
    #[must_use]
    pub fn in_scope(&self, i: usize) -> bool {
        self.scoped(i).is_some()
    }

    /// Why row `i` is out of scope, or which items are missing and why.
    #[must_use]
    pub fn reason(&self, i: usize) -> Option<String> {
        let row = self.at(i);
        let candidates = &self.candidates;
        let text = |s: &str| Some(s.to_owned());
        match self.scope.get(row)? {
            Scoped::Unfit => candidates.unfit(row).map(ToString::to_string),
            Scoped::Exempt => text("exempt"),
            Scoped::ScaleUnknown => text("above-scale status not reported"),
            Scoped::NotAboveScale => text("not above scale (规下)"),
            Scoped::AboveScale => text("above scale (规上)"),
            Scoped::SmallLand => Some(format!(
                "uses {} of land, less than {}",
                self.land(i).unwrap_or(Mu::ZERO),
                self.min_land
            )),
            Scoped::In => {
                let k = candidates.metrics.len();
                let mut notes: Option<String> = None;
                for (j, (metric, rule)) in candidates.metrics.iter().zip(&self.rules).enumerate() {
                    if let Err(why) = candidates.value(row * k + j) {
                        let rule = match rule {
                            MissingRule::Zero => "scored 0",
                            MissingRule::ScopeMean => "scored the scope mean",
                        };
                        let note = format!("{}: {why}, {rule}", metric.code());
                        notes = Some(match notes.take() {
                            Some(n) => format!("{n}; {note}"),
                            None => note,
                        });
                    }
                }
                notes
            }
        }
    }

    /// Row `i` as an [`EvaluationRow`]; `None` past the last row.
    #[must_use]
    pub fn row(&self, i: usize) -> Option<EvaluationRow> {
        let metrics = &self.candidates.metrics;
        Some(EvaluationRow {
            enterprise: self.enterprise(i)?,
            name: self.name(i)?.to_owned(),
            land: self.land(i)?,
            values: metrics
                .iter()
                .filter_map(|m| Some((*m, self.value(i, *m)?.map_err(Clone::clone))))
                .collect(),
            item_scores: metrics
                .iter()
                .filter_map(|m| Some((*m, self.item_score(i, *m)?)))
                .collect(),
            score: self.score(i),
            rank: self.rank(i),
            grade: self.grade(i).map(str::to_owned),
            in_scope: self.in_scope(i),
            reason: self.reason(i),
        })
    }

    /// The evaluation as rows.
    #[must_use]
    pub fn into_evaluation(self) -> Evaluation {
        let rows = (0..self.len()).filter_map(|i| self.row(i)).collect();
        Evaluation {
            scheme: self.scheme,
            year: self.year,
            rows,
        }
    }

    /// How many firms got each grade.
    #[must_use]
    pub fn grade_counts(&self) -> BTreeMap<String, u32> {
        Graded::grade_counts(self)
    }
}

/// An evaluation as rows of a table: [`Evaluation`]'s rows or
/// [`Scores`]' columns, as [`crate::tables::evaluation_batch`] reads them.
pub trait Graded: std::fmt::Debug {
    /// The scheme's name.
    fn scheme(&self) -> &str;
    /// The year evaluated.
    fn year(&self) -> i32;
    /// How many firms.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`'s enterprise; `None` past the last row.
    fn enterprise(&self, i: usize) -> Option<EnterpriseId>;
    /// Row `i`'s name; `None` past the last row.
    fn name(&self, i: usize) -> Option<&str>;
    /// The land row `i` uses; `None` past the last row.
    fn land(&self, i: usize) -> Option<Mu>;
    /// Row `i`'s value of `metric`, if it has one.
    fn value(&self, i: usize, metric: Metric) -> Option<f64>;
    /// Row `i`'s score on `metric`'s item.
    fn item_score(&self, i: usize, metric: Metric) -> Option<f64>;
    /// Row `i`'s score.
    fn score(&self, i: usize) -> Option<f64>;
    /// Row `i`'s rank.
    fn rank(&self, i: usize) -> Option<u32>;
    /// Row `i`'s grade.
    fn grade(&self, i: usize) -> Option<&str>;
    /// Whether row `i` is in scope.
    fn in_scope(&self, i: usize) -> bool;
    /// Why row `i` is out of scope, or which items are missing and why.
    fn reason(&self, i: usize) -> Option<Cow<'_, str>>;
    /// How many firms got each grade (those with none left out).
    fn grade_counts(&self) -> BTreeMap<String, u32> {
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for i in 0..self.len() {
            if let Some(g) = self.grade(i) {
                *counts.entry(g).or_default() += 1;
            }
        }
        counts.into_iter().map(|(g, n)| (g.to_owned(), n)).collect()
    }
}

impl Graded for Evaluation {
    fn scheme(&self) -> &str {
        &self.scheme
    }
    fn year(&self) -> i32 {
        self.year
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn enterprise(&self, i: usize) -> Option<EnterpriseId> {
        self.rows.get(i).map(|r| r.enterprise)
    }
    fn name(&self, i: usize) -> Option<&str> {
        self.rows.get(i).map(|r| r.name.as_str())
    }
    fn land(&self, i: usize) -> Option<Mu> {
        self.rows.get(i).map(|r| r.land)
    }
    fn value(&self, i: usize, metric: Metric) -> Option<f64> {
        self.rows
            .get(i)?
            .values
            .get(&metric)?
            .as_ref()
            .ok()
            .copied()
    }
    fn item_score(&self, i: usize, metric: Metric) -> Option<f64> {
        self.rows.get(i)?.item_scores.get(&metric).copied()
    }
    fn score(&self, i: usize) -> Option<f64> {
        self.rows.get(i)?.score
    }
    fn rank(&self, i: usize) -> Option<u32> {
        self.rows.get(i)?.rank
    }
    fn grade(&self, i: usize) -> Option<&str> {
        self.rows.get(i)?.grade.as_deref()
    }
    fn in_scope(&self, i: usize) -> bool {
        self.rows.get(i).is_some_and(|r| r.in_scope)
    }
    fn reason(&self, i: usize) -> Option<Cow<'_, str>> {
        self.rows.get(i)?.reason.as_deref().map(Cow::Borrowed)
    }
}

impl Graded for Scores {
    fn scheme(&self) -> &str {
        &self.scheme
    }
    fn year(&self) -> i32 {
        self.year
    }
    fn len(&self) -> usize {
        Scores::len(self)
    }
    fn enterprise(&self, i: usize) -> Option<EnterpriseId> {
        Scores::enterprise(self, i)
    }
    fn name(&self, i: usize) -> Option<&str> {
        Scores::name(self, i)
    }
    fn land(&self, i: usize) -> Option<Mu> {
        Scores::land(self, i)
    }
    fn value(&self, i: usize, metric: Metric) -> Option<f64> {
        Scores::value(self, i, metric)?.ok()
    }
    fn item_score(&self, i: usize, metric: Metric) -> Option<f64> {
        Scores::item_score(self, i, metric)
    }
    fn score(&self, i: usize) -> Option<f64> {
        Scores::score(self, i)
    }
    fn rank(&self, i: usize) -> Option<u32> {
        Scores::rank(self, i)
    }
    fn grade(&self, i: usize) -> Option<&str> {
        Scores::grade(self, i)
    }
    fn in_scope(&self, i: usize) -> bool {
        Scores::in_scope(self, i)
    }
    fn reason(&self, i: usize) -> Option<Cow<'_, str>> {
        Scores::reason(self, i).map(Cow::Owned)
    }
}

/// The names of the preset schemes, as [`preset`] takes them.
pub const PRESETS: [&str; 2] = ["huangyan_2022", "huangyan_2022_small"];

/// A preset scheme by name (one of [`PRESETS`]).
///
/// # Errors
/// [`Error::Validation`] of `scheme`, naming the presets, when `name` is
/// none of them.
pub fn preset(name: &str) -> Result<Scheme> {
    match name {
        "huangyan_2022" => Ok(huangyan_2022()),
        "huangyan_2022_small" => Ok(huangyan_2022_small()),
        other => Err(Error::validation(
            "scheme",
            format!(
                "{} is not one of {}",
                crate::text::shown(other),
                PRESETS.join(", ")
            ),
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
            min_land: Mu::from_millionths(3 * Mu::SCALE),
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
            min_land: Mu::from_millionths(3 * Mu::SCALE),
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
    /// Its name.
    pub name: String,
    /// (indicator code, target, weight).
    pub targets: Vec<(String, f64, f64)>,
}

/// A target framework's result for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The period assessed (`2005`, `2005-Q1`, `2005-03`).
    pub period: String,
    /// (indicator code, value if observed, score).
    pub items: Vec<(String, Option<f64>, f64)>,
    /// The score: Σ min(value / target, 1) × weight.
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
