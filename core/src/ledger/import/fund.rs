//! Rows of the fund's steps sheet (项目流程): review, approval, rejection,
//! disbursement, repayment, recovery, write-off, closing.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fund::{AwardKind, RecoveryVia};
use crate::ids::code_enum;
use crate::units::Yuan;
use crate::writer::{Award, Writer};

use super::lookups::Lookups;
use super::row::{blame, Row, RowError};

code_enum!(
    /// What a row of a fund steps sheet records (its `step` column).
    ApplicationStep, "step", {
        Reviewed = "reviewed" / "评审",
        Approved = "approved" / "立项" | "批准",
        Rejected = "rejected" / "不予立项" | "否决",
        Disbursed = "disbursed" / "拨付" | "拨款",
        Repaid = "repaid" / "还款",
        Recovered = "recovered" / "追讨" | "回收",
        WrittenOff = "written_off" / "核销",
        Closed = "closed" / "结项",
    }
);

pub(super) fn application_step(
    w: &mut Writer,
    lookups: &Lookups,
    row: &Row<'_>,
) -> Result<(), RowError> {
    let app = lookups.application(row)?;
    let step = row.need("step", row.code("step", ApplicationStep::parse))?;
    let date = row.need("date", row.date("date"))?;
    let amount = || row.need("amount", row.money("amount"));
    let why = row.text("reason").unwrap_or_default();
    let result = match step {
        ApplicationStep::Reviewed => {
            let text = row.need("scores", Ok(row.text("scores")))?;
            let scores = text
                .split([',', '，', ';', '、', ' '])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<u32>().map_err(|_| {
                        row.err(
                            "scores",
                            format!("{} is not a whole-number score", crate::text::shown(s)),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            w.attempt(|w| w.review(app, date, &scores))
        }
        ApplicationStep::Approved => {
            let award = Award {
                batch: row.need("batch", Ok(row.text("batch")))?,
                grant: row.money("grant")?.unwrap_or(Yuan::ZERO),
                interest_subsidy: row.money("interest_subsidy")?.unwrap_or(Yuan::ZERO),
                loan: row.money("loan")?.unwrap_or(Yuan::ZERO),
                repay_by: row.date("repay_by")?,
                ..Award::default()
            };
            w.attempt(|w| w.approve(app, date, award))
        }
        ApplicationStep::Rejected => w.attempt(|w| w.reject(app, date, &why)),
        ApplicationStep::Disbursed => {
            let kind = row.need("kind", row.code("kind", AwardKind::parse))?;
            let amount = amount()?;
            w.attempt(|w| w.disburse(app, date, amount, kind))
        }
        ApplicationStep::Repaid => {
            let amount = amount()?;
            w.attempt(|w| w.repay(app, date, amount))
        }
        ApplicationStep::Recovered => {
            let via = row
                .code("via", RecoveryVia::parse)?
                .unwrap_or(RecoveryVia::Demand);
            let amount = amount()?;
            w.attempt(|w| w.recover(app, date, amount, via))
        }
        ApplicationStep::WrittenOff => w.attempt(|w| w.write_off(app, date, &why)),
        ApplicationStep::Closed => w.attempt(|w| w.close_application(app, date)),
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}
