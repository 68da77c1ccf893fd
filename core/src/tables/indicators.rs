//! Indicators' tables: observations, evaluations.

use super::*;

impl View<'_> {
    /// Indicator observations; `code` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn observations_table(&self, code: Option<&str>) -> Result<RecordBatch> {
        self.consistently(|v| {
            let indicators: Vec<Indicator> = v
                .indicators()?
                .into_iter()
                .filter(|i| code.is_none_or(|c| i.code == c))
                .collect();
            observations_batch(&indicators)
        })
    }
}

/// Indicator observations, one row per (indicator, subject, period).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn observations_batch(indicators: &[Indicator]) -> Result<RecordBatch> {
    let rows: Vec<(&Indicator, &Observation)> = indicators
        .iter()
        .flat_map(|i| i.observations.values().map(move |o| (i, o)))
        .collect();
    let mut c = Columns::default();
    c.text("code", rows.iter().map(|r| Some(r.0.code.as_str())));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.text("unit", rows.iter().map(|r| r.0.unit.as_deref()));
    c.text("subject", rows.iter().map(|r| Some(r.1.subject.as_str())));
    c.text("period", rows.iter().map(|r| Some(r.1.period.as_str())));
    quantity(&mut c, "value", rows.iter().map(|r| Some(r.1.value)))?;
    c.text("source", rows.iter().map(|r| r.1.source.as_deref()));
    c.finish()
}

/// Grade-driven surcharges, one row per firm and resource: its grade,
/// straight years in it, what it used, the rate (元 per unit) and the
/// amount (元, null when the use was not reported).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn surcharges_batch(rows: &[crate::surcharge::SurchargeRow]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.enterprise.0)));
    c.text("name", rows.iter().map(|r| Some(r.name.as_str())));
    c.text("grade", rows.iter().map(|r| Some(r.grade.as_str())));
    c.text("resource", rows.iter().map(|r| Some(r.resource.code())));
    c.id(
        "years_in_grade",
        rows.iter().map(|r| Some(u64::from(r.years_in_grade))),
    );
    quantity(&mut c, "used", rows.iter().map(|r| r.used))?;
    quantity(&mut c, "rate_yuan", rows.iter().map(|r| Some(r.rate)))?;
    c.yuan("amount_yuan", rows.iter().map(|r| r.amount))?;
    c.finish()
}

/// An evaluation: per enterprise each indicator value and item score, the
/// total score, rank, grade, whether in scope, and why not (or which items
/// are missing). Takes an [`Evaluation`](crate::scheme::Evaluation)'s rows or [`crate::scheme::Scores`]'
/// columns.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn evaluation_batch<E: Graded + ?Sized>(eval: &E, metrics: &[Metric]) -> Result<RecordBatch> {
    let mut c = Columns::default();
    evaluation_columns(&mut c, eval, metrics, |i| eval.enterprise(i).map(|e| e.0))?;
    c.finish()
}

/// The columns of [`evaluation_batch`], row `i`'s firm's id given by `id`
/// (a dataset's evaluation names firms by their id in their park).
pub(crate) fn evaluation_columns<E: Graded + ?Sized>(
    c: &mut Columns,
    eval: &E,
    metrics: &[Metric],
    id: impl Fn(usize) -> Option<u64>,
) -> Result<()> {
    let rows = 0..eval.len();
    c.id("enterprise_id", rows.clone().map(id));
    c.text("name", rows.clone().map(|i| eval.name(i)));
    c.mu("land_mu", rows.clone().map(|i| eval.land(i)))?;
    for m in metrics {
        c.float(m.code(), rows.clone().map(|i| eval.value(i, *m)));
        c.unit(m.unit());
    }
    for m in metrics {
        c.float(
            &format!("{}_score", m.code()),
            rows.clone().map(|i| eval.item_score(i, *m)),
        );
    }
    c.float("score", rows.clone().map(|i| eval.score(i)));
    c.id("rank", rows.clone().map(|i| eval.rank(i).map(u64::from)));
    c.text("grade", rows.clone().map(|i| eval.grade(i)));
    c.flag("in_scope", rows.clone().map(|i| Some(eval.in_scope(i))));
    let reasons: Vec<Option<std::borrow::Cow<'_, str>>> = rows.map(|i| eval.reason(i)).collect();
    c.text("reason", reasons.iter().map(|r| r.as_deref()));
    Ok(())
}
