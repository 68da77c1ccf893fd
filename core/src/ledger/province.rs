//! A province of parks, read back from a dataset ([`super::dataset`]): one
//! evaluation of every firm of every park on one ranking, and a report of
//! the parks side by side. No database is opened: the Parquet files are
//! the input, each checked against its park's manifest first.
//!
//! A firm's land is what it held in its park's export, so a park is
//! evaluated for a year only from an export as of the year's end or later
//! (an earlier one is refused): export as of 31 December to evaluate a year
//! as the park's own database would.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use arrow_array::{
    Array, BooleanArray, Date32Array, Decimal128Array, RecordBatch, StringArray, UInt64Array,
};
use chrono::NaiveDate;

pub use super::manifests::{dataset_parks, DatasetPark};
use crate::enterprise::{EnterpriseId, YearlyFigures};
use crate::error::{Error, Result};
use crate::indicators::{with_leased, EnterpriseYear, Missing};
use crate::inefficient::{InefficientKind, Rules};
use crate::report::push_candidate;
use crate::scheme::{Candidates, Evaluation, Scheme};
use crate::units::{Mu, Quantity, Yuan};

/// A column of a dataset's table, of the type parkdb writes.
fn column<'a, T: Array + 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or_else(|| {
            Error::Corrupt(format!(
                "a dataset table has no column {name} of the type parkdb writes"
            ))
        })
}

/// An optional column: absent in exports older than it.
fn column_if<'a, T: Array + 'static>(batch: &'a RecordBatch, name: &str) -> Option<&'a T> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
}

/// A decimal of a dataset as minor units at the scale parkdb writes it
/// (`scale`), or from one of the `earlier` scales an older parkdb wrote
/// (read exactly at `scale`): `None` for null; a value at another scale,
/// or one that does not fit, refused (never read as another number or as
/// missing).
fn minor_units(a: &Decimal128Array, i: usize, scale: i8, earlier: &[i8]) -> Result<Option<i64>> {
    if a.is_null(i) {
        return Ok(None);
    }
    let value = a.value(i);
    let found = a.scale();
    if found != scale && !earlier.contains(&found) {
        return Err(Error::Corrupt(format!(
            "a dataset holds {value} at decimal scale {found} where parkdb writes scale {scale}"
        )));
    }
    u32::try_from(scale - found)
        .ok()
        .and_then(|shift| value.checked_mul(10i128.pow(shift)))
        .and_then(|v| i64::try_from(v).ok())
        .map(Some)
        .ok_or_else(|| {
            Error::Corrupt(format!(
                "a dataset holds {value}, beyond what parkdb stores"
            ))
        })
}

/// Money of a dataset (元 at scale 2).
fn yuan_at(a: &Decimal128Array, i: usize) -> Result<Option<Yuan>> {
    Ok(minor_units(a, i, 2, &[])?.map(Yuan::from_fen))
}

/// A quantity of a dataset (scale 4).
fn quantity_at(a: &Decimal128Array, i: usize) -> Result<Option<Quantity>> {
    Ok(minor_units(a, i, 4, &[])?.map(Quantity::from_units))
}

/// An area of a dataset: 0.000001 亩 (scale 6), or 0.0001 亩 (scale 4) in
/// parks exported before storage format 9. An export never leaves an area
/// null: a null one is damage, refused.
fn area_at(a: &Decimal128Array, i: usize) -> Result<Mu> {
    minor_units(a, i, 6, &[4])?
        .map(Mu::from_millionths)
        .ok_or_else(|| Error::Corrupt("a dataset holds an area that is null".into()))
}

fn date(a: &Date32Array, i: usize) -> Option<NaiveDate> {
    (!a.is_null(i)).then(|| a.value_as_date(i)).flatten()
}

/// A firm as its park's enterprises table has it.
struct Firm {
    id: u64,
    name: String,
    closed: bool,
    closed_on: Option<NaiveDate>,
    investment: Option<Yuan>,
}

/// What one park's tables say of its firms in a year.
struct ParkYear {
    firms: Vec<Firm>,
    figures: HashMap<u64, YearlyFigures>,
    land: HashMap<u64, Mu>,
}

fn park_year(dir: &Path, park: &DatasetPark, year: i32, include_leased: bool) -> Result<ParkYear> {
    let end = crate::report::year_end(year)?;
    if park.as_of < end {
        return Err(Error::validation(
            "dataset",
            format!(
                "park {} was exported as of {}, before the end of {year}: its firms' land at the year's end is not in it; export it as of {end} or later",
                park.park, park.as_of
            ),
        ));
    }
    let e = park.table(dir, "enterprises")?;
    let ids = column::<UInt64Array>(&e, "enterprise_id")?;
    let names = column::<StringArray>(&e, "name")?;
    let status = column::<StringArray>(&e, "status")?;
    let closed = column::<Date32Array>(&e, "closed")?;
    let planned = column::<Decimal128Array>(&e, "planned_investment_yuan")?;
    let added = column::<Decimal128Array>(&e, "added_investment_yuan")?;
    let mut firms = Vec::with_capacity(e.num_rows());
    for i in 0..e.num_rows() {
        let investment = match (yuan_at(planned, i)?, yuan_at(added, i)?) {
            (Some(p), Some(a)) => Some(p.checked_add(a)?),
            (p, a) => p.or(a),
        };
        firms.push(Firm {
            id: ids.value(i),
            name: names.value(i).to_owned(),
            closed: status.value(i) == "closed",
            closed_on: date(closed, i),
            investment,
        });
    }

    let y = park.table(dir, "yearly")?;
    let years = column::<UInt64Array>(&y, "year")?;
    let firm_of = column::<UInt64Array>(&y, "enterprise_id")?;
    let money = |name: &str| column::<Decimal128Array>(&y, name);
    let (output, revenue, tax, va, rd) = (
        money("output_yuan")?,
        money("revenue_yuan")?,
        money("tax_yuan")?,
        money("value_added_yuan")?,
        money("rd_yuan")?,
    );
    let (energy, electricity, emissions) = (
        money("energy_tce")?,
        money("electricity_kwh")?,
        money("emissions_t")?,
    );
    let water = column_if::<Decimal128Array>(&y, "water_m3");
    let employees = column::<UInt64Array>(&y, "employees")?;
    let above = column::<BooleanArray>(&y, "above_scale")?;
    let wanted = u64::try_from(year).ok();
    let mut figures = HashMap::new();
    for i in (0..y.num_rows()).filter(|i| Some(years.value(*i)) == wanted) {
        let employees = if employees.is_null(i) {
            None
        } else {
            let n = employees.value(i);
            Some(u32::try_from(n).map_err(|_| {
                Error::Corrupt(format!(
                    "a dataset holds {n} employees, beyond what parkdb stores"
                ))
            })?)
        };
        figures.insert(
            firm_of.value(i),
            YearlyFigures {
                output_value: yuan_at(output, i)?,
                revenue: yuan_at(revenue, i)?,
                tax: yuan_at(tax, i)?,
                value_added: yuan_at(va, i)?,
                employees,
                rd: yuan_at(rd, i)?,
                energy_tce: quantity_at(energy, i)?,
                electricity_kwh: quantity_at(electricity, i)?,
                emissions_t: quantity_at(emissions, i)?,
                above_scale: (!above.is_null(i)).then(|| above.value(i)),
                water_m3: water.map(|w| quantity_at(w, i)).transpose()?.flatten(),
            },
        );
    }

    let p = park.table(dir, "parcels")?;
    let holder = column::<UInt64Array>(&p, "holder_id")?;
    let area = column::<Decimal128Array>(&p, "area_mu")?;
    let pstatus = column::<StringArray>(&p, "status")?;
    let mut land: HashMap<u64, Mu> = HashMap::new();
    for i in 0..p.num_rows() {
        if holder.is_null(i) || pstatus.value(i) == "retired" {
            continue;
        }
        let a = area_at(area, i)?;
        let sum = land.entry(holder.value(i)).or_insert(Mu::ZERO);
        *sum = sum.checked_add(a)?;
    }
    if include_leased {
        let l = park.table(dir, "leases")?;
        let tenant = column::<UInt64Array>(&l, "enterprise_id")?;
        let m2 = column::<Decimal128Array>(&l, "area_m2")?;
        let start = column::<Date32Array>(&l, "start")?;
        let until = column::<Date32Array>(&l, "end")?;
        let mut leased: HashMap<u64, Quantity> = HashMap::new();
        for i in 0..l.num_rows() {
            let occupies =
                date(start, i).is_some_and(|s| s <= end) && date(until, i).is_none_or(|u| end <= u);
            if occupies {
                let sum = leased.entry(tenant.value(i)).or_insert(Quantity::ZERO);
                *sum = sum.checked_add(quantity_at(m2, i)?.unwrap_or(Quantity::ZERO))?;
            }
        }
        for (id, m2) in leased {
            let held = land.get(&id).copied().unwrap_or(Mu::ZERO);
            land.insert(id, with_leased(held, Some(m2))?);
        }
    }
    Ok(ParkYear {
        firms,
        figures,
        land,
    })
}

/// The evaluation of every firm of every park in the dataset on one
/// ranking: the rows, and each row's park and the firm's id in it (the
/// rows' own ids number the firms across the dataset).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetEvaluation {
    /// The ranking across the dataset's firms.
    pub evaluation: Evaluation,
    /// Per firm of the dataset (indexed by the row's `enterprise` id): the
    /// park's code and the firm's id in its park.
    pub firms: Vec<(String, EnterpriseId)>,
    /// Per firm of the dataset, its figures for the year, if reported.
    pub figures: Vec<Option<YearlyFigures>>,
    /// The parks read, as their manifests name them.
    pub parks: Vec<DatasetPark>,
}

/// Evaluates every firm of every park in the dataset in `dir` with
/// `scheme` on `year`'s figures, as one ranking.
///
/// # Errors
/// [`Error::Validation`] for an invalid scheme, one that exempts firms (a
/// firm's id names a firm of one park only), a park exported before the
/// year's end; [`Error::Corrupt`] or [`Error::Io`] reading the dataset.
pub fn evaluate_dataset(dir: &Path, scheme: &Scheme, year: i32) -> Result<DatasetEvaluation> {
    evaluate_dataset_of(dir, scheme, year, None)
}

/// The parks of the dataset in `dir` a province read of `year` takes: all
/// of them, or those `parks` names. Each must have been exported as of the
/// year's end or later; every park that was not is named in one refusal,
/// never mixed in or left out in silence.
///
/// # Errors
/// [`Error::Validation`] for a park the dataset does not hold, or parks
/// exported before the year's end; as [`dataset_parks`].
pub fn parks_for_year(dir: &Path, year: i32, parks: Option<&[String]>) -> Result<Vec<DatasetPark>> {
    let all = dataset_parks(dir)?;
    let chosen: Vec<DatasetPark> = match parks {
        None => all,
        Some(names) => {
            let held: Vec<&str> = all.iter().map(|p| p.park.as_str()).collect();
            let unknown: Vec<&String> = names
                .iter()
                .filter(|n| !held.contains(&n.as_str()))
                .collect();
            if !unknown.is_empty() || names.is_empty() {
                return Err(Error::validation(
                    "parks",
                    format!(
                        "the dataset holds parks {}; {}",
                        held.join(", "),
                        if names.is_empty() {
                            "name at least one".to_owned()
                        } else {
                            format!(
                                "it holds no {}",
                                unknown
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                ));
            }
            all.into_iter()
                .filter(|p| names.contains(&p.park))
                .collect()
        }
    };
    let end = crate::report::year_end(year)?;
    let (early, covered): (Vec<&DatasetPark>, Vec<&DatasetPark>) =
        chosen.iter().partition(|p| p.as_of < end);
    if !early.is_empty() {
        let named: Vec<String> = early
            .iter()
            .map(|p| format!("{} (as of {})", p.park, p.as_of))
            .collect();
        let rest: Vec<&str> = covered.iter().map(|p| p.park.as_str()).collect();
        return Err(Error::validation(
            "dataset",
            format!(
                "{} exported before the end of {year}, so the dataset does not hold their firms' land at the year's end: {}; export {} as of {end} or later{}",
                if early.len() == 1 { "a park was" } else { "parks were" },
                named.join(", "),
                if early.len() == 1 { "it" } else { "them" },
                if rest.is_empty() {
                    String::new()
                } else {
                    format!(", or leave {} out: parks=[{}] (the command's --parks {})",
                        if early.len() == 1 { "it" } else { "them" },
                        rest.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", "),
                        rest.join(","))
                }
            ),
        ));
    }
    Ok(chosen)
}

/// [`evaluate_dataset`] of the parks `parks` names (all when `None`).
///
/// # Errors
/// As [`evaluate_dataset`] and [`parks_for_year`].
pub fn evaluate_dataset_of(
    dir: &Path,
    scheme: &Scheme,
    year: i32,
    parks: Option<&[String]>,
) -> Result<DatasetEvaluation> {
    scheme.validate()?;
    if !scheme.scope.exempt.is_empty() {
        return Err(Error::validation(
            "exempt",
            "a dataset's parks number their firms each on their own: exemptions by id cannot say whose; evaluate without them and filter the rows by park and id",
        ));
    }
    let parks = parks_for_year(dir, year, parks)?;
    let metrics = scheme.metrics();
    let mut candidates = Candidates::new(&metrics);
    let mut firms = Vec::new();
    let mut figures = Vec::new();
    for park in &parks {
        let data = park_year(dir, park, year, scheme.scope.include_leased)?;
        for Firm {
            id,
            name,
            closed,
            closed_on,
            investment,
        } in data.firms
        {
            let index = EnterpriseId(firms.len() as u64);
            firms.push((park.park.clone(), EnterpriseId(id)));
            let reported = data.figures.get(&id).cloned();
            push_candidate(
                &mut candidates,
                index,
                &name,
                closed,
                closed_on,
                &EnterpriseYear {
                    investment: investment
                        .ok_or_else(|| Missing::Other("investment not known".into())),
                    year,
                    figures: reported.as_ref(),
                    land: data.land.get(&id).copied().unwrap_or(Mu::ZERO),
                },
            );
            figures.push(reported);
        }
    }
    Ok(DatasetEvaluation {
        evaluation: scheme.score_columns(year, candidates)?.into_evaluation(),
        firms,
        figures,
        parks,
    })
}

impl DatasetEvaluation {
    /// The evaluation as a table: `park` and `land_as_of` (the date the
    /// park's land was read as of) first, then the columns of
    /// [`crate::tables::evaluation_batch`] with each firm's id in its park.
    ///
    /// # Errors
    /// Never in practice; a column mismatch would be a bug.
    pub fn table(&self, scheme: &Scheme) -> Result<RecordBatch> {
        let metrics: Vec<_> = scheme.items.iter().map(|i| i.metric).collect();
        let rows = &self.evaluation.rows;
        let of = |i: usize| {
            let r = rows.get(i)?;
            usize::try_from(r.enterprise.0)
                .ok()
                .and_then(|i| self.firms.get(i))
        };
        let as_of: HashMap<&str, NaiveDate> = self
            .parks
            .iter()
            .map(|p| (p.park.as_str(), p.as_of))
            .collect();
        let mut c = crate::tables::Columns::default();
        c.text("park", (0..rows.len()).map(|i| of(i).map(|f| f.0.as_str())));
        c.date(
            "land_as_of",
            (0..rows.len()).map(|i| of(i).and_then(|f| as_of.get(f.0.as_str()).copied())),
        );
        crate::tables::evaluation_columns(&mut c, &self.evaluation, &metrics, |i| {
            of(i).map(|f| f.1 .0)
        })?;
        c.finish()
    }
}

/// One park's line in the province report.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkFigures {
    /// The park's code, as its manifest names it.
    pub park: String,
    /// The date its land was read as of.
    pub as_of: NaiveDate,
    /// Land requisitioned by the date.
    pub requisitioned_mu: Mu,
    /// Land supplied as of the date.
    pub supplied_mu: Mu,
    /// Land idle as of the date.
    pub idle_mu: Mu,
    /// Reclaimed (收回) up to the date; a parcel reclaimed twice counts twice.
    pub reclaimed_mu: Mu,
    /// Firms evaluated (in scope) and how many got each grade.
    pub evaluated: u32,
    /// How many firms got each grade.
    pub grades: BTreeMap<String, u32>,
    /// The year's tax and value added of the firms evaluated, and the land they use.
    pub tax: Yuan,
    /// Their value added in the year.
    pub value_added: Yuan,
    /// The land they use.
    pub land_evaluated: Mu,
    /// 亩均税收 and 亩均增加值 of the firms evaluated (万元/亩).
    pub tax_per_mu: Option<f64>,
    /// 亩均增加值 of the firms evaluated (万元/亩).
    pub value_added_per_mu: Option<f64>,
    /// 1 is best, by tax per mu; parks without evaluated land come last, unranked.
    pub rank: Option<u32>,
    /// Firms whose figures for the year the park's export holds: none
    /// says why none was evaluated.
    pub reported: u32,
    /// Inefficient land (低效用地) by kind: the four kinds of the park's
    /// export (default rules, as of its date) and 投而未达标 from this
    /// evaluation (completed parcels of producing holders graded in
    /// [`crate::inefficient::Rules::below_grades`]).
    pub inefficient: BTreeMap<InefficientKind, Mu>,
}

/// The parks of a dataset side by side for a year: land, grades, tax and
/// value added per mu, ranked by tax per mu.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvinceReport {
    /// The scheme's name.
    pub scheme: String,
    /// The year.
    pub year: i32,
    /// The grades in the scheme's order.
    pub grade_names: Vec<String>,
    /// One line per park, ranked.
    pub parks: Vec<ParkFigures>,
}

/// The province report of the dataset in `dir` for `year`, its firms
/// graded by one evaluation across the parks ([`evaluate_dataset`]).
///
/// # Errors
/// As [`evaluate_dataset`].
pub fn province_report(dir: &Path, scheme: &Scheme, year: i32) -> Result<ProvinceReport> {
    province_report_of(dir, scheme, year, None)
}

/// [`province_report`] of the parks `parks` names (all when `None`).
///
/// # Errors
/// As [`evaluate_dataset_of`].
pub fn province_report_of(
    dir: &Path,
    scheme: &Scheme,
    year: i32,
    parks: Option<&[String]>,
) -> Result<ProvinceReport> {
    let evaluated = evaluate_dataset_of(dir, scheme, year, parks)?;
    let mut parks: Vec<ParkFigures> = Vec::new();
    for park in &evaluated.parks {
        let p = park.table(dir, "parcels")?;
        let area = column::<Decimal128Array>(&p, "area_mu")?;
        let holder = column::<UInt64Array>(&p, "holder_id")?;
        let status = column::<StringArray>(&p, "status")?;
        let idle = column::<BooleanArray>(&p, "idle")?;
        let times = column::<UInt64Array>(&p, "times_reclaimed")?;
        let mut f = ParkFigures {
            park: park.park.clone(),
            as_of: park.as_of,
            requisitioned_mu: Mu::ZERO,
            supplied_mu: Mu::ZERO,
            idle_mu: Mu::ZERO,
            reclaimed_mu: Mu::ZERO,
            evaluated: 0,
            grades: BTreeMap::new(),
            tax: Yuan::ZERO,
            value_added: Yuan::ZERO,
            land_evaluated: Mu::ZERO,
            tax_per_mu: None,
            value_added_per_mu: None,
            rank: None,
            reported: 0,
            inefficient: BTreeMap::new(),
        };
        for i in 0..p.num_rows() {
            let a = area_at(area, i)?;
            for _ in 0..times.value(i) {
                f.reclaimed_mu = f.reclaimed_mu.checked_add(a)?;
            }
            if status.value(i) == "retired" {
                continue;
            }
            f.requisitioned_mu = f.requisitioned_mu.checked_add(a)?;
            if !holder.is_null(i) {
                f.supplied_mu = f.supplied_mu.checked_add(a)?;
            }
            if !idle.is_null(i) && idle.value(i) {
                f.idle_mu = f.idle_mu.checked_add(a)?;
            }
        }
        f.inefficient = inefficient(dir, park, &p, &evaluated)?;
        parks.push(f);
    }
    let index: HashMap<String, usize> = parks
        .iter()
        .enumerate()
        .map(|(i, p)| (p.park.clone(), i))
        .collect();
    for ((park, _), figures) in evaluated.firms.iter().zip(&evaluated.figures) {
        if figures.is_some() {
            parks[index[park]].reported += 1;
        }
    }
    for r in &evaluated.evaluation.rows {
        let Some((park, _)) = usize::try_from(r.enterprise.0)
            .ok()
            .and_then(|i| evaluated.firms.get(i))
        else {
            continue;
        };
        if !r.in_scope {
            continue;
        }
        let f = &mut parks[index[park]];
        f.evaluated += 1;
        f.land_evaluated = f.land_evaluated.checked_add(r.land)?;
        // The year's tax and value added of the firms in scope, from the
        // figures the evaluation read.
        if let Some(y) = usize::try_from(r.enterprise.0)
            .ok()
            .and_then(|i| evaluated.figures.get(i))
            .and_then(Option::as_ref)
        {
            f.tax = f.tax.checked_add(y.tax.unwrap_or(Yuan::ZERO))?;
            f.value_added = f
                .value_added
                .checked_add(y.value_added.unwrap_or(Yuan::ZERO))?;
        }
        if let Some(g) = &r.grade {
            *f.grades.entry(g.clone()).or_insert(0) += 1;
        }
    }
    for f in &mut parks {
        if f.land_evaluated.is_positive() {
            let land = f.land_evaluated.to_f64();
            f.tax_per_mu = Some(f.tax.to_wan_f64() / land);
            f.value_added_per_mu = Some(f.value_added.to_wan_f64() / land);
        }
    }
    // Competition ranking by tax per mu, best first; ties share a rank.
    parks.sort_by(|a, b| {
        b.tax_per_mu
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.tax_per_mu.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.park.cmp(&b.park))
    });
    let ranked: Vec<f64> = parks.iter().filter_map(|p| p.tax_per_mu).collect();
    for p in &mut parks {
        p.rank = p.tax_per_mu.map(|t| {
            u32::try_from(ranked.partition_point(|x| *x > t + 1e-12) + 1).unwrap_or(u32::MAX)
        });
    }
    let grade_names = match &scheme.grading {
        crate::scheme::Grading::Percentile(c) | crate::scheme::Grading::Absolute(c) => {
            c.iter().map(|g| g.0.clone()).collect()
        }
    };
    Ok(ProvinceReport {
        scheme: scheme.name.clone(),
        year,
        grade_names,
        parks,
    })
}

/// A park's inefficient land by kind: its export's table, and the parcels
/// the evaluation across the parks finds below the standard.
fn inefficient(
    dir: &Path,
    park: &DatasetPark,
    parcels: &RecordBatch,
    evaluated: &DatasetEvaluation,
) -> Result<BTreeMap<InefficientKind, Mu>> {
    let mut out: BTreeMap<InefficientKind, Mu> = BTreeMap::new();
    let mut add = |kind: InefficientKind, area: Mu| -> Result<()> {
        let sum = out.entry(kind).or_insert(Mu::ZERO);
        *sum = sum.checked_add(area)?;
        Ok(())
    };
    let mut listed = std::collections::HashSet::new();
    // Exports older than the table have none: their four kinds are unknown.
    if park.has_table("inefficient") {
        let t = park.table(dir, "inefficient")?;
        let code = column::<StringArray>(&t, "code")?;
        let kind = column::<StringArray>(&t, "kind")?;
        let area = column::<Decimal128Array>(&t, "area_mu")?;
        for i in 0..t.num_rows() {
            let k = InefficientKind::parse(kind.value(i))
                .map_err(|_| Error::Corrupt(format!("an unknown kind {}", kind.value(i))))?;
            add(k, area_at(area, i)?)?;
            listed.insert(code.value(i).to_owned());
        }
    }
    let below = Rules::default().below_grades;
    let graded: std::collections::HashSet<u64> = evaluated
        .evaluation
        .rows
        .iter()
        .filter(|r| r.in_scope && r.grade.as_ref().is_some_and(|g| below.contains(g)))
        .filter_map(|r| evaluated.firms.get(usize::try_from(r.enterprise.0).ok()?))
        .filter(|f| f.0 == park.park)
        .map(|f| f.1 .0)
        .collect();
    let e = park.table(dir, "enterprises")?;
    let ids = column::<UInt64Array>(&e, "enterprise_id")?;
    let status = column::<StringArray>(&e, "status")?;
    let since = column::<Date32Array>(&e, "in_production")?;
    // Producing as `View::inefficient_land` has it: in production now, or
    // since a date up to the park's.
    let producing: std::collections::HashSet<u64> = (0..e.num_rows())
        .filter(|i| {
            status.value(*i) == "in_production" || date(since, *i).is_some_and(|d| d <= park.as_of)
        })
        .map(|i| ids.value(i))
        .collect();
    let code = column::<StringArray>(parcels, "code")?;
    let holder = column::<UInt64Array>(parcels, "holder_id")?;
    let pstatus = column::<StringArray>(parcels, "status")?;
    let area = column::<Decimal128Array>(parcels, "area_mu")?;
    for i in 0..parcels.num_rows() {
        let held_by = (!holder.is_null(i)).then(|| holder.value(i));
        if pstatus.value(i) == "completed"
            && !listed.contains(code.value(i))
            && held_by.is_some_and(|h| producing.contains(&h) && graded.contains(&h))
        {
            add(InefficientKind::ProducingBelowStandard, area_at(area, i)?)?;
        }
    }
    Ok(out)
}

impl ProvinceReport {
    /// One row per park, ranked: `rank`, `park`, `as_of`, the land
    /// figures (亩, exact), `evaluated` and `grade_<G>` (firms per grade),
    /// `tax_yuan`, `value_added_yuan` and `land_evaluated_mu` (exact), and
    /// `tax_per_mu` / `value_added_per_mu` (万元/亩).
    ///
    /// # Errors
    /// Never in practice; a column mismatch would be a bug.
    pub fn table(&self) -> Result<RecordBatch> {
        let p = &self.parks;
        let mut c = crate::tables::Columns::default();
        c.id("rank", p.iter().map(|r| r.rank.map(u64::from)));
        c.text("park", p.iter().map(|r| Some(r.park.as_str())));
        c.date("as_of", p.iter().map(|r| Some(r.as_of)));
        c.mu(
            "requisitioned_mu",
            p.iter().map(|r| Some(r.requisitioned_mu)),
        )?;
        c.mu("supplied_mu", p.iter().map(|r| Some(r.supplied_mu)))?;
        c.mu("idle_mu", p.iter().map(|r| Some(r.idle_mu)))?;
        c.mu("reclaimed_mu", p.iter().map(|r| Some(r.reclaimed_mu)))?;
        c.id("evaluated", p.iter().map(|r| Some(u64::from(r.evaluated))));
        for g in &self.grade_names {
            c.id(
                &format!("grade_{g}"),
                p.iter()
                    .map(|r| Some(u64::from(r.grades.get(g).copied().unwrap_or(0)))),
            );
        }
        c.yuan("tax_yuan", p.iter().map(|r| Some(r.tax)))?;
        c.yuan("value_added_yuan", p.iter().map(|r| Some(r.value_added)))?;
        c.mu(
            "land_evaluated_mu",
            p.iter().map(|r| Some(r.land_evaluated)),
        )?;
        c.float("tax_per_mu", p.iter().map(|r| r.tax_per_mu));
        c.unit("万元/亩");
        c.float("value_added_per_mu", p.iter().map(|r| r.value_added_per_mu));
        c.unit("万元/亩");
        for kind in InefficientKind::ALL {
            c.mu(
                &format!("{}_mu", kind.code()),
                p.iter()
                    .map(|r| Some(r.inefficient.get(kind).copied().unwrap_or(Mu::ZERO))),
            )?;
        }
        c.finish()
    }

    /// The report as Chinese paragraphs: a line per park, ranked.
    #[must_use]
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{}年度园区亩均效益对比({},{}个园区,按亩均税收排序)",
            self.year,
            self.scheme,
            self.parks.len()
        );
        for p in &self.parks {
            let grades: Vec<String> = self
                .grade_names
                .iter()
                .map(|g| format!("{g}类{}家", p.grades.get(g).copied().unwrap_or(0)))
                .collect();
            let per_mu = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.2}万元"));
            let inefficient: Vec<String> = p
                .inefficient
                .iter()
                .map(|(k, a)| format!("{}{}亩", k.chinese(), a.to_decimal_string()))
                .collect();
            let inefficient = if inefficient.is_empty() {
                "无".to_owned()
            } else {
                inefficient.join("、")
            };
            let _ = writeln!(
                t,
                "{}. {}(截至{}):征地{}亩,已供应{}亩,闲置{}亩,累计收回{}亩;低效用地{};参评企业{}家({});亩均税收{},亩均增加值{}。",
                p.rank.map_or("—".to_owned(), |r| r.to_string()),
                p.park,
                p.as_of,
                p.requisitioned_mu.to_decimal_string(),
                p.supplied_mu.to_decimal_string(),
                p.idle_mu.to_decimal_string(),
                p.reclaimed_mu.to_decimal_string(),
                inefficient,
                p.evaluated,
                grades.join("、"),
                per_mu(p.tax_per_mu),
                per_mu(p.value_added_per_mu),
            );
            if p.evaluated == 0 {
                let why = if p.reported == 0 {
                    format!("其导出数据中没有{}年度经济指标", self.year)
                } else {
                    format!(
                        "{}家企业有{}年度经济指标,但均不在评价范围内",
                        p.reported, self.year
                    )
                };
                let _ = writeln!(t, "   {}无企业参评:{}。", p.park, why);
            }
        }
        t
    }
}
