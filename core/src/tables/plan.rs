//! A plan's progress as a table.

use super::*;
use crate::plan::Progress;

/// One row per target and milestone: `name`, `figure`, `goal`, `value`,
/// `share`, `by`, `done`, `met`.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn progress_batch(progress: &Progress) -> Result<RecordBatch> {
    let rows = &progress.rows;
    let mut c = Columns::default();
    c.date("as_of", rows.iter().map(|_| Some(progress.as_of)));
    c.text("name", rows.iter().map(|r| Some(r.name.as_str())));
    c.text("figure", rows.iter().map(|r| r.figure.as_deref()));
    c.float("goal", rows.iter().map(|r| r.goal));
    c.float("value", rows.iter().map(|r| r.value));
    c.float("share", rows.iter().map(|r| r.share));
    c.date("by", rows.iter().map(|r| r.by));
    c.date("done", rows.iter().map(|r| r.done));
    c.flag("met", rows.iter().map(|r| Some(r.met)));
    c.finish()
}
