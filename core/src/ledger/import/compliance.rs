//! Rows of the firms' records: qualifications and honours (资质台账) and
//! inspections, incidents and complaints (环保安全台账).

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::code_enum;
use crate::writer::Writer;

use super::lookups::Lookups;
use super::row::{blame, reason, Row, RowError};

/// A row of a qualifications sheet: a qualification, or an honour when
/// the row gives a level (级别).
pub(super) fn qualification(
    w: &mut Writer,
    lookups: &Lookups,
    row: &Row<'_>,
) -> Result<(), RowError> {
    use crate::compliance::{Honour, HonourLevel, Qualification, QualificationKind};
    let firm = lookups.firm(row)?;
    let date = row.need("date", row.date("date"))?;
    let kind = row.need("kind", Ok(row.text("kind")))?;
    let result = if let Some(level) = row.code("level", HonourLevel::parse)? {
        let honour = Honour {
            award: kind,
            level,
            class: row.need("class", Ok(row.text("class")))?,
            year: row
                .int::<i32>("year")?
                .unwrap_or_else(|| chrono::Datelike::year(&date)),
            project: row.text("project"),
            co_winners: row
                .text("co_winners")
                .map(|c| {
                    c.split(['、', ',', '，', ';'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        w.attempt(|w| w.honour(firm, date, honour))
    } else {
        let q = Qualification {
            kind: QualificationKind::parse(&kind).map_err(|e| row.err("kind", reason(&e)))?,
            number: row.text("number"),
            programme: row.text("programme"),
            valid_until: row.date("valid_until")?,
        };
        w.attempt(|w| w.qualify(firm, date, q))
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

code_enum!(
    /// What a row of a compliance sheet records (its `category` column).
    ComplianceStep, "category", {
        Inspection = "inspection" / "检查" | "例行检查" | "计划检查",
        SurpriseInspection = "surprise_inspection" / "突击检查" | "夜间检查",
        Rectified = "rectified" / "整改完成" | "整改",
        Incident = "incident" / "事故" | "突发事件",
        Complaint = "complaint" / "投诉",
        Resolved = "resolved" / "办结" | "投诉办结",
    }
);

/// A row of a compliance sheet. A 整改完成 or 办结 row closes the firm's
/// earliest open inspection or complaint (imported again, a row whose
/// item was closed that day writes nothing).
pub(super) fn compliance(w: &mut Writer, lookups: &Lookups, row: &Row<'_>) -> Result<(), RowError> {
    use crate::compliance::{Complaint, Domain, Incident, Inspection};
    let firm = lookups.firm(row)?;
    let date = row.need("date", row.date("date"))?;
    let step = row.need("category", row.code("category", ComplianceStep::parse))?;
    let domain = row.need("domain", row.code("domain", Domain::parse))?;
    let record = || -> Result<crate::compliance::FirmRecord, RowError> {
        Ok(w.enterprise(firm)
            .map_err(|e| blame(row, &e))?
            .record
            .map(|r| *r)
            .unwrap_or_default())
    };
    let result = match step {
        ComplianceStep::Inspection | ComplianceStep::SurpriseInspection => {
            let i = Inspection {
                domain,
                surprise: step == ComplianceStep::SurpriseInspection,
                findings: row.text("detail"),
                rectify_by: row.date("rectify_by")?,
            };
            w.attempt(|w| w.record_inspection(firm, date, i))
        }
        ComplianceStep::Incident => {
            let i = Incident {
                domain,
                kind: row.need("detail", Ok(row.text("detail")))?,
                quantity_t: row.quantity("quantity_t")?,
                casualties: row.int::<u32>("casualties")?.unwrap_or(0),
                response_hours: row.quantity("response_hours")?,
                outcome: row.text("outcome"),
            };
            w.attempt(|w| w.record_incident(firm, date, i))
        }
        ComplianceStep::Complaint => {
            let c = Complaint {
                domain,
                subject: row.need("detail", Ok(row.text("detail")))?,
                source: row.text("source"),
            };
            w.attempt(|w| w.record_complaint(firm, date, c))
        }
        ComplianceStep::Rectified => {
            let r = record()?;
            let open = r
                .inspections
                .iter()
                .position(|i| i.item.rectify_by.is_some() && i.closed.is_none());
            match open {
                Some(index) => {
                    let note = row.text("detail");
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    w.attempt(|w| w.rectify(firm, date, index, note.as_deref()))
                }
                None if r
                    .inspections
                    .iter()
                    .any(|i| i.closed.as_ref().is_some_and(|c| c.0 == date)) =>
                {
                    return Ok(())
                }
                None => return Err(row.whole("the firm has no inspection awaiting rectification")),
            }
        }
        ComplianceStep::Resolved => {
            let r = record()?;
            let open = r.complaints.iter().position(|c| c.closed.is_none());
            match open {
                Some(index) => {
                    let resolution = row.need("detail", Ok(row.text("detail")))?;
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    w.attempt(|w| w.resolve_complaint(firm, date, index, &resolution))
                }
                None if r
                    .complaints
                    .iter()
                    .any(|c| c.closed.as_ref().is_some_and(|x| x.0 == date)) =>
                {
                    return Ok(())
                }
                None => return Err(row.whole("the firm has no complaint open")),
            }
        }
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}
