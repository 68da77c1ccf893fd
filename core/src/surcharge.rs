//! The prices grades drive (差别化价格): each firm's surcharge on the
//! electricity, water and emissions it reported, by its grade in a
//! scheme's evaluation and the straight years it has held that grade.
//!
//! A year's grades come from the evaluation of that year. The straight
//! years count back through the evaluations of the years before, each read
//! as known at the moment its grades were published when that moment is
//! given (so a figure corrected later does not change a grade already
//! published), else under the same horizon as the year itself.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::enterprise::EnterpriseId;
use crate::error::{Error, Result};
use crate::scheme::{Evaluation, Resource, Scheme, Surcharge};
use crate::units::{Quantity, Yuan};
use crate::view::View;

/// One firm's surcharge on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurchargeRow {
    /// The firm.
    pub enterprise: EnterpriseId,
    /// Its registered name.
    pub name: String,
    /// Its grade this year.
    pub grade: String,
    /// The resource priced.
    pub resource: Resource,
    /// The straight years in the grade, this year included, counted back
    /// only as far as the scheme's longest escalation looks (a scheme with
    /// none counts this year alone).
    pub years_in_grade: u32,
    /// What it used, as reported; `None` if not reported.
    pub used: Option<Quantity>,
    /// 元 per unit.
    pub rate: Quantity,
    /// `used × rate`, rounded half away from zero to the fen; `None` when
    /// the use was not reported.
    pub amount: Option<Yuan>,
}

/// `used × rate` in fen: both in ten-thousandths, so the product is in
/// 10⁻⁸ 元, 10⁻⁶ fen.
fn charge(used: Quantity, rate: Quantity) -> Result<Yuan> {
    let micro_fen = i128::from(used.units()) * i128::from(rate.units());
    let fen = (micro_fen + 500_000 * micro_fen.signum()) / 1_000_000;
    i64::try_from(fen)
        .map(Yuan::from_fen)
        .map_err(|_| Error::validation("surcharge", format!("{used} × {rate} 元 overflows")))
}

fn grades(e: &Evaluation) -> HashMap<EnterpriseId, &str> {
    e.rows
        .iter()
        .filter(|r| r.in_scope)
        .filter_map(|r| Some((r.enterprise, r.grade.as_deref()?)))
        .collect()
}

impl View<'_> {
    /// Each firm's surcharges for `year` under `scheme`'s policies, in
    /// the evaluation's order; `graded_at` gives, per earlier year, the
    /// moment its grades were published.
    ///
    /// # Errors
    /// [`Error::Validation`] for an invalid scheme or an amount out of
    /// range; storage errors.
    pub fn surcharges(
        &self,
        scheme: &Scheme,
        year: i32,
        graded_at: &BTreeMap<i32, DateTime<Utc>>,
    ) -> Result<Vec<SurchargeRow>> {
        self.consistently(|v| {
            let this = v.evaluate(scheme, year)?;
            let deepest = scheme
                .surcharges
                .iter()
                .filter_map(|s| s.escalation.map(|e| e.0))
                .max()
                .unwrap_or(1);
            // Earlier years' grades, evaluated only as far back as a streak
            // can matter.
            let mut earlier: Vec<Evaluation> = Vec::new();
            for back in 1..deepest {
                let y = year - i32::try_from(back).unwrap_or(i32::MAX);
                let view = match graded_at.get(&y) {
                    Some(t) => v.known_at(*t),
                    None => *v,
                };
                earlier.push(view.evaluate(scheme, y)?);
            }
            let earlier: Vec<HashMap<EnterpriseId, &str>> = earlier.iter().map(grades).collect();
            let firms = v
                .as_of(crate::report::year_end(year)?)
                .all_shared::<crate::enterprise::Enterprise>()?;
            let figures: HashMap<EnterpriseId, crate::enterprise::YearlyFigures> = firms
                .iter()
                .filter_map(|e| Some((e.id, e.yearly.get(year)?)))
                .collect();
            let mut out = Vec::new();
            for row in this.rows.iter().filter(|r| r.in_scope) {
                let Some(grade) = row.grade.as_deref() else {
                    continue;
                };
                let streak = 1 + earlier
                    .iter()
                    .take_while(|g| g.get(&row.enterprise) == Some(&grade))
                    .count();
                let streak = u32::try_from(streak).unwrap_or(u32::MAX);
                for s in scheme.surcharges.iter().filter(|s| s.grade == grade) {
                    let used = figures.get(&row.enterprise).and_then(|f| use_of(f, s));
                    let rate = match s.escalation {
                        Some((years, higher)) if streak >= years => higher,
                        _ => s.rate,
                    };
                    out.push(SurchargeRow {
                        enterprise: row.enterprise,
                        name: row.name.clone(),
                        grade: grade.to_owned(),
                        resource: s.resource,
                        years_in_grade: streak,
                        used,
                        rate,
                        amount: used.map(|u| charge(u, rate)).transpose()?,
                    });
                }
            }
            Ok(out)
        })
    }
}

fn use_of(f: &crate::enterprise::YearlyFigures, s: &Surcharge) -> Option<Quantity> {
    match s.resource {
        Resource::Electricity => f.electricity_kwh,
        Resource::Water => f.water_m3,
        Resource::Emissions => f.emissions_t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_round_half_away_from_zero_to_the_fen() {
        let q = |s: &str| Quantity::parse(s, "q").unwrap();
        assert_eq!(
            charge(q("1234567.5"), q("0.3")).unwrap(),
            Yuan::from_fen(37_037_025)
        );
        // 0.0125 × 0.3 = 0.00375 元 = 0.375 fen → 0 fen; 0.05 × 0.3 = 1.5 fen → 2.
        assert_eq!(charge(q("0.0125"), q("0.3")).unwrap(), Yuan::ZERO);
        assert_eq!(charge(q("0.05"), q("0.3")).unwrap(), Yuan::from_fen(2));
    }
}
