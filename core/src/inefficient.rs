//! Inefficient land (低效用地), derived from the ledgers as of a date, per
//! parcel, never typed in: the kinds provinces track in their clean-ups
//! (批而未供、供而未用、用而未尽、建而未投、投而未达标).
//!
//! The five kinds follow from the land ledger (with the buildings reported
//! on a parcel), the register and an evaluation:
//!
//! | kind | the parcel, as of the date |
//! |---|---|
//! | 批而未供 `approved_not_supplied` | requisitioned and never supplied, for longer than [`Rules::unsupplied_years`] |
//! | 供而未用 `supplied_not_used` | held, construction not started, past the agreed start (without one, [`Rules::start_within_years`] after supply) |
//! | 用而未尽 `not_fully_used` | completed, its buildings' plot ratio below [`Rules::min_plot_ratio`] or their coverage below [`Rules::min_building_coverage`] |
//! | 建而未投 `built_not_producing` | completed, the holder not in production [`Rules::production_within_years`] after completion |
//! | 投而未达标 `producing_below_standard` | the holder in production and graded in [`Rules::below_grades`] by the evaluation given |
//!
//! A parcel is of one kind at a time, the first of the five (in the
//! province's order, which follows a parcel's life) that applies, so the
//! areas of the kinds add up. A completed parcel whose buildings were
//! never reported is not 用而未尽: parkdb does not guess the figures.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::enterprise::{EnterpriseId, EnterpriseStatus};
use crate::error::Result;
use crate::ids::code_enum;
use crate::land::{Parcel, ParcelId, ParcelStatus};
use crate::scheme::Evaluation;
use crate::units::Mu;
use crate::view::{ParcelFilter, View};

code_enum!(
    /// A kind of inefficient land (低效用地).
    InefficientKind, "kind", {
        ApprovedNotSupplied = "approved_not_supplied" / "批而未供",
        SuppliedNotUsed = "supplied_not_used" / "供而未用",
        NotFullyUsed = "not_fully_used" / "用而未尽",
        BuiltNotProducing = "built_not_producing" / "建而未投",
        ProducingBelowStandard = "producing_below_standard" / "投而未达标",
    }
);

/// The policy periods, floors and grades the kinds are judged by.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// 批而未供: years after requisition without supply (2).
    pub unsupplied_years: u32,
    /// 供而未用 where the contract agreed no start: years after supply (1).
    pub start_within_years: u32,
    /// 建而未投: years after completion without production (1).
    pub production_within_years: u32,
    /// 投而未达标: the grades below the standard (`["D"]`).
    pub below_grades: Vec<String>,
    /// 用而未尽: the lowest plot ratio (容积率) of built industrial land
    /// (1.0, parkdb's default: set the local 控制指标 of the industry).
    pub min_plot_ratio: f64,
    /// 用而未尽: the lowest building coverage (建筑系数), 0.30 as in the
    /// national 工业项目建设用地控制指标.
    pub min_building_coverage: f64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            unsupplied_years: 2,
            start_within_years: 1,
            production_within_years: 1,
            below_grades: vec!["D".to_owned()],
            min_plot_ratio: 1.0,
            min_building_coverage: 0.30,
        }
    }
}

/// A parcel of inefficient land: its kind, since when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InefficientParcel {
    /// The parcel.
    pub parcel: ParcelId,
    /// Its code.
    pub code: String,
    /// Its area.
    pub area: Mu,
    /// Its kind (批而未供, 供而未用…).
    pub kind: InefficientKind,
    /// Who holds it, if anyone.
    pub holder: Option<EnterpriseId>,
    /// The first day the parcel was of this kind (for 投而未达标, the end
    /// of the evaluated year).
    pub since: NaiveDate,
    /// The rule, with the dates that put the parcel there.
    pub rule: String,
}

/// 用而未尽: the parcel's reported buildings below a floor, since the
/// later of completion and the report.
fn not_fully_used(
    p: &Parcel,
    done: NaiveDate,
    as_of: NaiveDate,
    rules: &Rules,
) -> Option<(InefficientKind, NaiveDate, String)> {
    let Some(b) = p.buildings else {
        // No buildings reported: the register's completed buildings.
        let ratio = p.register_plot_ratio(as_of)?;
        let mut short = Vec::new();
        if ratio < rules.min_plot_ratio {
            short.push(format!(
                "plot ratio {ratio:.2} below {} (the register's completed floor area {} m²)",
                rules.min_plot_ratio,
                p.register_floor_area(as_of).unwrap_or_default()
            ));
        }
        if let Some(coverage) = p
            .register_coverage(as_of)
            .filter(|c| *c < rules.min_building_coverage)
        {
            short.push(format!(
                "building coverage {:.1}% below {}% (the register's footprints)",
                coverage * 100.0,
                rules.min_building_coverage * 100.0
            ));
        }
        return (!short.is_empty()).then(|| {
            (
                InefficientKind::NotFullyUsed,
                done,
                format!("{} on {}", short.join("; "), p.area),
            )
        });
    };
    let ratio = b.plot_ratio(p.area)?;
    let coverage = b.coverage(p.area)?;
    let mut short = Vec::new();
    if ratio < rules.min_plot_ratio {
        short.push(format!(
            "plot ratio {ratio:.2} below {} (floor area {} m²)",
            rules.min_plot_ratio, b.floor_area_m2
        ));
    }
    if coverage < rules.min_building_coverage {
        short.push(format!(
            "building coverage {:.1}% below {}% (footprint {} m²)",
            coverage * 100.0,
            rules.min_building_coverage * 100.0,
            b.footprint_m2
        ));
    }
    (!short.is_empty()).then(|| {
        (
            InefficientKind::NotFullyUsed,
            done.max(b.date),
            format!(
                "{} on {}, as reported on {}",
                short.join("; "),
                p.area,
                b.date
            ),
        )
    })
}

fn after(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * years))
        .unwrap_or(NaiveDate::MAX)
}

impl Rules {
    /// Checks the floors.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for a floor that is negative or not a number.
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("min_plot_ratio", self.min_plot_ratio),
            ("min_building_coverage", self.min_building_coverage),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(crate::Error::validation(
                    field,
                    format!("{v} is not a floor: give a number of 0 or more"),
                ));
            }
        }
        Ok(())
    }
}

impl View<'_> {
    /// The inefficient land as of this view's date, in parcel order. With
    /// an evaluation (of the holders' year), also the parcels whose
    /// producing holder is graded below the standard.
    ///
    /// # Errors
    /// Storage errors.
    pub fn inefficient_land(
        &self,
        rules: &Rules,
        evaluation: Option<&Evaluation>,
    ) -> Result<Vec<InefficientParcel>> {
        self.consistently(|v| {
            rules.validate()?;
            let at = v.date();
            let grades: HashMap<EnterpriseId, &str> = evaluation
                .map(|e| {
                    e.rows
                        .iter()
                        .filter(|r| r.in_scope)
                        .filter_map(|r| Some((r.enterprise, r.grade.as_deref()?)))
                        .collect()
                })
                .unwrap_or_default();
            let mut out = Vec::new();
            // The records shared, not copied: a province has a million.
            for p in v.parcels_shared_in(&ParcelFilter::default(), None)? {
                if let Some((kind, since, rule)) =
                    v.inefficiency(&p, at, rules, evaluation, &grades)?
                {
                    out.push(InefficientParcel {
                        parcel: p.id,
                        code: p.code.clone(),
                        area: p.area,
                        kind,
                        holder: p.holder,
                        since,
                        rule,
                    });
                }
            }
            Ok(out)
        })
    }

    fn inefficiency(
        &self,
        p: &Parcel,
        at: NaiveDate,
        rules: &Rules,
        evaluation: Option<&Evaluation>,
        grades: &HashMap<EnterpriseId, &str>,
    ) -> Result<Option<(InefficientKind, NaiveDate, String)>> {
        use InefficientKind as K;
        Ok(match p.status() {
            ParcelStatus::Retired | ParcelStatus::UnderConstruction => None,
            ParcelStatus::Reserve => {
                let limit = after(p.requisitioned, rules.unsupplied_years);
                (p.reclamations.is_empty() && at > limit).then(|| {
                    (
                        K::ApprovedNotSupplied,
                        limit.succ_opt().unwrap_or(limit),
                        format!(
                            "{} on {}, not supplied within {} years",
                            if p.requisition_unknown {
                                "entered (requisition unknown)"
                            } else {
                                "requisitioned"
                            },
                            p.requisitioned,
                            rules.unsupplied_years
                        ),
                    )
                })
            }
            ParcelStatus::Allocated => {
                let Some(terms) = &p.supply else {
                    return Ok(None);
                };
                let (limit, agreed) = match terms.start_by {
                    Some(d) => (d, format!("agreed start {d}")),
                    None => (
                        after(terms.date, rules.start_within_years),
                        format!(
                            "supplied on {} with no agreed start; {} years allowed",
                            terms.date, rules.start_within_years
                        ),
                    ),
                };
                (at > limit).then(|| {
                    (
                        K::SuppliedNotUsed,
                        limit.succ_opt().unwrap_or(limit),
                        format!("construction not started: {agreed}"),
                    )
                })
            }
            ParcelStatus::Completed => {
                let (Some(done), Some(holder)) = (p.completed, p.holder) else {
                    return Ok(None);
                };
                if let Some(found) = not_fully_used(p, done, at, rules) {
                    return Ok(Some(found));
                }
                let firm = match self.enterprise(holder) {
                    Ok(firm) => firm,
                    // Not in the register as seen from this horizon.
                    Err(crate::Error::NotFound { .. }) => return Ok(None),
                    Err(e) => return Err(e),
                };
                let producing = firm.status == EnterpriseStatus::InProduction
                    || firm.in_production.is_some_and(|d| d <= at);
                if producing {
                    let year_end = evaluation.and_then(|e| NaiveDate::from_ymd_opt(e.year, 12, 31));
                    return Ok(match (grades.get(&holder), year_end) {
                        (Some(grade), Some(end))
                            if rules.below_grades.iter().any(|g| g == grade) =>
                        {
                            Some((
                                K::ProducingBelowStandard,
                                end,
                                format!(
                                    "{} graded {grade} in {} for {}",
                                    firm.name,
                                    evaluation.map_or(String::new(), |e| e.scheme.clone()),
                                    evaluation.map_or(0, |e| e.year)
                                ),
                            ))
                        }
                        _ => None,
                    });
                }
                let limit = after(done, rules.production_within_years);
                (at > limit).then(|| {
                    (
                        K::BuiltNotProducing,
                        limit.succ_opt().unwrap_or(limit),
                        format!(
                            "completed on {done}; {} not in production within {} years",
                            firm.name, rules.production_within_years
                        ),
                    )
                })
            }
        })
    }
}
