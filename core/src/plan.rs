//! A year's plan against its results (计划与完成情况): targets on figures
//! the ledgers derive (any figure of the annual report: land requisitioned,
//! projects signed, a batch's approvals…) and milestones the ledgers
//! cannot derive, marked done with a date.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::AnnualReport;
use crate::view::View;

/// A target on a derived figure: reach `goal` by `by` (or the year's end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What is planned, in the plan's words: `预计征地500亩`.
    pub name: String,
    /// A figure of the annual report (`requisitioned_in_year_mu`,
    /// `projects_signed`, `tax_yuan`, `floor_area_completed_m2`…), or
    /// `approved_in_batch:<batch>` for the projects approved in a batch.
    pub figure: String,
    /// The figure's goal.
    pub goal: f64,
    /// The deadline, if it has one (else the year's end).
    pub by: Option<NaiveDate>,
}

/// A milestone the ledgers cannot derive (ISO14001认证): done on a date, or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// What it is (ISO14001认证).
    pub name: String,
    /// The deadline, if it has one.
    pub by: Option<NaiveDate>,
    /// The day it was done, if it was.
    pub done: Option<NaiveDate>,
}

/// A year's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Its name.
    pub name: String,
    /// The year it plans.
    pub year: i32,
    /// Targets measured by the report's figures.
    pub targets: Vec<Target>,
    /// Milestones done or not.
    pub milestones: Vec<Milestone>,
}

/// How far one item of a plan is, as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    /// The target's or milestone's name.
    pub name: String,
    /// The figure a target is measured by; `None` for a milestone.
    pub figure: Option<String>,
    /// A target's goal; `None` for a milestone.
    pub goal: Option<f64>,
    /// The figure's value by the date (or the deadline, if earlier).
    pub value: Option<f64>,
    /// Value over goal (1 when met).
    pub share: Option<f64>,
    /// The deadline, if any.
    pub by: Option<NaiveDate>,
    /// A milestone's date done, if done by the date.
    pub done: Option<NaiveDate>,
    /// Met: the goal reached (by its deadline, if it has one), or the
    /// milestone done (in time, if it has a deadline).
    pub met: bool,
}

/// A plan's progress as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The plan's name.
    pub plan: String,
    /// The plan's year.
    pub year: i32,
    /// The day the progress is of.
    pub as_of: NaiveDate,
    /// One row per target and milestone, in the plan's order.
    pub rows: Vec<ProgressRow>,
}

impl Progress {
    /// The progress as Chinese lines, in the style of the work reports.
    #[must_use]
    pub fn text(&self) -> String {
        // A plan is measured within its own year: before it, not "未完成".
        if self.as_of.year() < self.year {
            return format!(
                "{}:{}年的计划,截至{}尚未开始。",
                self.plan,
                self.year,
                self.as_of.format("%Y年%-m月%-d日")
            );
        }
        let mut out = format!(
            "{}完成情况(截至{}):",
            self.plan,
            self.as_of.format("%Y年%-m月%-d日")
        );
        let items: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let state = if r.met { "已完成" } else { "未完成" };
                match (r.goal, r.value) {
                    (Some(goal), Some(value)) => {
                        format!("{}:{state}(完成{value}/{goal})", r.name)
                    }
                    _ => match r.done {
                        Some(d) if r.met => format!("{}:{state}({d})", r.name),
                        Some(d) => format!("{}:逾期完成({d})", r.name),
                        None => format!("{}:{state}", r.name),
                    },
                }
            })
            .collect();
        out.push_str(&items.join(";"));
        out.push('。');
        out
    }
}

/// The value of a figure in a report.
fn figure(report: &AnnualReport, name: &str) -> Option<f64> {
    if name == "floor_area_completed_m2" {
        return Some(report.floor_area_completed_m2.to_f64());
    }
    if let Some(batch) = name.strip_prefix("approved_in_batch:") {
        #[allow(clippy::cast_precision_loss)]
        return Some(
            report
                .approved_by_batch
                .get(batch)
                .map_or(0.0, |b| b.count as f64),
        );
    }
    report
        .areas()
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_f64())
        .or_else(|| {
            report
                .amounts()
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_f64())
        })
        .or_else(|| {
            #[allow(clippy::cast_precision_loss)]
            report
                .counts()
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v as f64)
        })
}

impl Plan {
    /// Refuses a target on a figure the report does not have, or a goal
    /// that is not a positive number.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the target.
    pub fn validate(&self, sample: &AnnualReport) -> Result<()> {
        for t in &self.targets {
            if figure(sample, &t.figure).is_none() {
                return Err(Error::validation(
                    "figure",
                    format!(
                        "{}: {} is not a figure of the annual report (nor approved_in_batch:<batch>)",
                        t.name,
                        crate::text::shown(&t.figure)
                    ),
                ));
            }
            if !(t.goal.is_finite() && t.goal > 0.0) {
                return Err(Error::validation(
                    "goal",
                    format!("{}: the goal must be a positive number", t.name),
                ));
            }
        }
        Ok(())
    }
}

impl View<'_> {
    /// How far `plan` is as of `as_of`: each target's figure for the plan's
    /// year up to the date (its deadline, if earlier), and each milestone.
    ///
    /// # Errors
    /// [`Error::Validation`] for a figure the report does not have or a
    /// goal not above zero; storage errors.
    pub fn plan_progress(&self, plan: &Plan, as_of: NaiveDate) -> Result<Progress> {
        self.consistently(|v| {
            let start = NaiveDate::from_ymd_opt(plan.year, 1, 1)
                .ok_or_else(|| Error::validation("year", format!("{} is not a year", plan.year)))?;
            let upto = |by: Option<NaiveDate>| by.map_or(as_of, |b| b.min(as_of)).max(start);
            // One report per day a figure is read on: the date, and each
            // deadline before it.
            let mut reports = std::collections::BTreeMap::new();
            reports.insert(upto(None), v.report_until(plan.year, upto(None))?);
            plan.validate(&reports[&upto(None)])?;
            let mut rows = Vec::new();
            for t in &plan.targets {
                let day = upto(t.by);
                if let std::collections::btree_map::Entry::Vacant(slot) = reports.entry(day) {
                    slot.insert(v.report_until(plan.year, day)?);
                }
                let value = figure(&reports[&day], &t.figure);
                let share = value.map(|v| (v / t.goal).min(1.0));
                rows.push(ProgressRow {
                    name: t.name.clone(),
                    figure: Some(t.figure.clone()),
                    goal: Some(t.goal),
                    value,
                    share,
                    by: t.by,
                    done: None,
                    met: value.is_some_and(|v| v >= t.goal),
                });
            }
            for m in &plan.milestones {
                let done = m.done.filter(|d| *d <= as_of);
                rows.push(ProgressRow {
                    name: m.name.clone(),
                    figure: None,
                    goal: None,
                    value: None,
                    share: Some(if done.is_some() { 1.0 } else { 0.0 }),
                    by: m.by,
                    done,
                    met: done.is_some_and(|d| m.by.is_none_or(|by| d <= by)),
                });
            }
            Ok(Progress {
                plan: plan.name.clone(),
                year: plan.year,
                as_of,
                rows,
            })
        })
    }
}
