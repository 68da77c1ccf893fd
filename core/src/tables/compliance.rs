//! The tables of firms' records: qualifications, honours and compliance
//! (inspections, incidents, complaints), as of a date.

use super::*;

impl View<'_> {
    /// Every qualification awarded by [`View::date`], whether it holds then.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn qualifications_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| qualifications_batch(&v.enterprises()?, v.date()))
    }

    /// Every honour given by [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn honours_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| honours_batch(&v.enterprises()?))
    }

    /// Inspections, incidents and complaints by [`View::date`], with what
    /// is still open then.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn compliance_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| compliance_batch(&v.enterprises()?, v.date()))
    }
}

/// Qualifications: one row each, with `valid` as of `date`.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn qualifications_batch(firms: &[Enterprise], date: NaiveDate) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, &crate::compliance::Held)> = firms
        .iter()
        .flat_map(|e| {
            e.record
                .iter()
                .flat_map(move |r| r.qualifications.iter().map(move |q| (e, q)))
        })
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("enterprise", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.text(
        "kind",
        rows.iter().map(|r| Some(r.1.qualification.kind.code())),
    );
    c.text(
        "kind_zh",
        rows.iter().map(|r| Some(r.1.qualification.kind.chinese())),
    );
    c.text(
        "number",
        rows.iter().map(|r| r.1.qualification.number.as_deref()),
    );
    c.text(
        "programme",
        rows.iter().map(|r| r.1.qualification.programme.as_deref()),
    );
    c.date("awarded", rows.iter().map(|r| Some(r.1.awarded)));
    c.date(
        "valid_until",
        rows.iter().map(|r| r.1.qualification.valid_until),
    );
    c.date(
        "revoked",
        rows.iter().map(|r| r.1.revoked.as_ref().map(|x| x.0)),
    );
    c.text(
        "revoked_reason",
        rows.iter()
            .map(|r| r.1.revoked.as_ref().map(|x| x.1.as_str())),
    );
    c.flag("valid", rows.iter().map(|r| Some(r.1.holds_on(date))));
    c.finish()
}

/// Honours: one row each.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn honours_batch(firms: &[Enterprise]) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, &(NaiveDate, crate::compliance::Honour))> = firms
        .iter()
        .flat_map(|e| {
            e.record
                .iter()
                .flat_map(move |r| r.honours.iter().map(move |h| (e, h)))
        })
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("enterprise", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.date("date", rows.iter().map(|r| Some(r.1 .0)));
    c.text("award", rows.iter().map(|r| Some(r.1 .1.award.as_str())));
    c.text("level", rows.iter().map(|r| Some(r.1 .1.level.code())));
    c.text(
        "level_zh",
        rows.iter().map(|r| Some(r.1 .1.level.chinese())),
    );
    c.text("class", rows.iter().map(|r| Some(r.1 .1.class.as_str())));
    c.int("year", rows.iter().map(|r| Some(i64::from(r.1 .1.year))));
    c.text("project", rows.iter().map(|r| r.1 .1.project.as_deref()));
    c.text(
        "co_winners",
        rows.iter().map(|r| Some(r.1 .1.co_winners.join("、"))),
    );
    c.finish()
}

/// One row of the compliance table.
struct ComplianceRow<'a> {
    firm: &'a Enterprise,
    category: &'static str,
    date: NaiveDate,
    domain: crate::compliance::Domain,
    surprise: Option<bool>,
    detail: Option<&'a str>,
    source: Option<&'a str>,
    quantity_t: Option<Quantity>,
    casualties: Option<u32>,
    response_hours: Option<Quantity>,
    due: Option<NaiveDate>,
    closed: Option<&'a (NaiveDate, Option<String>)>,
    /// Whether the item is open or closed at all (incidents are neither).
    tracked: bool,
}

/// Inspections, incidents and complaints: one row each, `open` and
/// `overdue` as of `date`.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn compliance_batch(firms: &[Enterprise], date: NaiveDate) -> Result<RecordBatch> {
    let mut rows: Vec<ComplianceRow<'_>> = Vec::new();
    for e in firms {
        let Some(r) = &e.record else { continue };
        for i in &r.inspections {
            rows.push(ComplianceRow {
                firm: e,
                category: "inspection",
                date: i.date,
                domain: i.item.domain,
                surprise: Some(i.item.surprise),
                detail: i.item.findings.as_deref(),
                source: None,
                quantity_t: None,
                casualties: None,
                response_hours: None,
                due: i.item.rectify_by,
                closed: i.closed.as_ref(),
                tracked: i.item.rectify_by.is_some(),
            });
        }
        for (d, i) in &r.incidents {
            rows.push(ComplianceRow {
                firm: e,
                category: "incident",
                date: *d,
                domain: i.domain,
                surprise: None,
                detail: Some(i.kind.as_str()),
                source: i.outcome.as_deref(),
                quantity_t: i.quantity_t,
                casualties: Some(i.casualties),
                response_hours: i.response_hours,
                due: None,
                closed: None,
                tracked: false,
            });
        }
        for c in &r.complaints {
            rows.push(ComplianceRow {
                firm: e,
                category: "complaint",
                date: c.date,
                domain: c.item.domain,
                surprise: None,
                detail: Some(c.item.subject.as_str()),
                source: c.item.source.as_deref(),
                quantity_t: None,
                casualties: None,
                response_hours: None,
                due: None,
                closed: c.closed.as_ref(),
                tracked: true,
            });
        }
    }
    rows.sort_by_key(|r| (r.date, r.firm.id, r.category));
    let mut c = Columns::default();
    c.text("category", rows.iter().map(|r| Some(r.category)));
    c.id("enterprise_id", rows.iter().map(|r| Some(r.firm.id.0)));
    c.text(
        "enterprise",
        rows.iter().map(|r| Some(r.firm.name.as_str())),
    );
    c.date("date", rows.iter().map(|r| Some(r.date)));
    c.text("domain", rows.iter().map(|r| Some(r.domain.code())));
    c.text("domain_zh", rows.iter().map(|r| Some(r.domain.chinese())));
    c.flag("surprise", rows.iter().map(|r| r.surprise));
    c.text("detail", rows.iter().map(|r| r.detail));
    // Who complained, or an incident's outcome.
    c.text("source", rows.iter().map(|r| r.source));
    quantity(&mut c, "quantity_t", rows.iter().map(|r| r.quantity_t))?;
    c.int(
        "casualties",
        rows.iter().map(|r| r.casualties.map(i64::from)),
    );
    quantity(
        &mut c,
        "response_hours",
        rows.iter().map(|r| r.response_hours),
    )?;
    c.date("due", rows.iter().map(|r| r.due));
    c.date("closed", rows.iter().map(|r| r.closed.map(|x| x.0)));
    c.text(
        "resolution",
        rows.iter().map(|r| r.closed.and_then(|x| x.1.as_deref())),
    );
    c.flag(
        "open",
        rows.iter().map(|r| r.tracked.then_some(r.closed.is_none())),
    );
    c.flag(
        "overdue",
        rows.iter().map(|r| {
            r.tracked
                .then(|| r.closed.is_none() && r.due.is_some_and(|d| d < date))
        }),
    );
    c.finish()
}
