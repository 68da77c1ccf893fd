//! The enterprise register's tables: enterprises, yearly figures, leases.

use super::*;

impl View<'_> {
    /// The enterprise register under this horizon, with status and project figures.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn enterprises_table(&self, filter: &crate::view::EnterpriseFilter) -> Result<RecordBatch> {
        self.consistently(|v| enterprises_batch(&v.enterprises_where(filter)?, v.date()))
    }

    /// Yearly figures under this horizon; `year` filters.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn yearly_table(&self, year: Option<i32>) -> Result<RecordBatch> {
        self.consistently(|v| yearly_batch(&v.enterprises()?, year))
    }

    /// Incubator leases, occupancy as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn leases_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| leases_batch(&v.enterprises()?, v.date()))
    }
}

/// The register with status and project figures, one row per enterprise;
/// `high_tech` as of `date` (from the firm's 高新技术企业 qualifications
/// when it has any).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn enterprises_batch<E: std::borrow::Borrow<Enterprise>>(
    firms: &[E],
    date: NaiveDate,
) -> Result<RecordBatch> {
    let firms: Vec<&Enterprise> = firms.iter().map(std::borrow::Borrow::borrow).collect();
    let mut c = Columns::default();
    c.id("enterprise_id", firms.iter().map(|e| Some(e.id.0)));
    c.text("name", firms.iter().map(|e| Some(e.name.as_str())));
    c.text(
        "credit_code",
        firms.iter().map(|e| e.credit_code.as_deref()),
    );
    c.text("industry", firms.iter().map(|e| e.industry.as_deref()));
    c.text("status", firms.iter().map(|e| Some(e.status.code())));
    c.date("founded", firms.iter().map(|e| e.founded));
    c.flag(
        "high_tech",
        firms.iter().map(|e| Some(e.high_tech_on(date))),
    );
    c.date("registered", firms.iter().map(|e| e.registered));
    c.date("signed", firms.iter().map(|e| e.signed));
    c.date(
        "construction_started",
        firms.iter().map(|e| e.construction_started),
    );
    c.date("in_production", firms.iter().map(|e| e.in_production));
    c.date("closed", firms.iter().map(|e| e.closed));
    c.yuan(
        "planned_investment_yuan",
        firms.iter().map(|e| Some(e.planned_investment)),
    )?;
    c.mu(
        "planned_land_mu",
        firms.iter().map(|e| Some(e.planned_land)),
    )?;
    c.yuan(
        "added_investment_yuan",
        firms
            .iter()
            .map(|e| Yuan::sum(e.capital_increases.iter().map(|x| x.1)).ok()),
    )?;
    c.mu(
        "added_land_mu",
        firms
            .iter()
            .map(|e| Mu::sum(e.capital_increases.iter().map(|x| x.2)).ok()),
    )?;
    c.id(
        "capital_increases",
        firms.iter().map(|e| Some(e.capital_increases.len() as u64)),
    );
    c.text("note", firms.iter().map(|e| e.note.as_deref()));
    // A firm's ids of a kind, in the order recorded, joined by "; ".
    for kind in crate::enterprise::IdKind::ALL {
        c.text(
            kind.code(),
            firms.iter().map(|e| {
                let ids: Vec<&str> = e.ids_of(*kind).collect();
                (!ids.is_empty()).then(|| ids.join("; "))
            }),
        );
    }
    c.finish()
}

/// Yearly figures, one row per enterprise and year (`year` filters).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn yearly_batch<E: std::borrow::Borrow<Enterprise>>(
    firms: &[E],
    year: Option<i32>,
) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, i32, YearlyFigures)> = firms
        .iter()
        .map(std::borrow::Borrow::borrow)
        .flat_map(|e| e.yearly.iter().map(move |(y, f)| (e, y, f)))
        .filter(|(_, y, _)| year.is_none_or(|want| *y == want))
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("year", rows.iter().map(|r| u64::try_from(r.1).ok()));
    c.yuan("output_yuan", rows.iter().map(|r| r.2.output_value))?;
    c.yuan("revenue_yuan", rows.iter().map(|r| r.2.revenue))?;
    c.yuan("tax_yuan", rows.iter().map(|r| r.2.tax))?;
    c.yuan("value_added_yuan", rows.iter().map(|r| r.2.value_added))?;
    c.id(
        "employees",
        rows.iter().map(|r| r.2.employees.map(u64::from)),
    );
    c.yuan("rd_yuan", rows.iter().map(|r| r.2.rd))?;
    quantity(&mut c, "energy_tce", rows.iter().map(|r| r.2.energy_tce))?;
    quantity(
        &mut c,
        "electricity_kwh",
        rows.iter().map(|r| r.2.electricity_kwh),
    )?;
    quantity(&mut c, "emissions_t", rows.iter().map(|r| r.2.emissions_t))?;
    c.flag("above_scale", rows.iter().map(|r| r.2.above_scale));
    quantity(&mut c, "water_m3", rows.iter().map(|r| r.2.water_m3))?;
    c.finish()
}

/// Incubator leases, one row per lease, `occupied` as of `at`.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn leases_batch(firms: &[Enterprise], at: NaiveDate) -> Result<RecordBatch> {
    let rows: Vec<(&Enterprise, usize, &Lease)> = firms
        .iter()
        .flat_map(|e| e.leases.iter().enumerate().map(move |(i, l)| (e, i, l)))
        .collect();
    let mut c = Columns::default();
    c.id("enterprise_id", rows.iter().map(|r| Some(r.0.id.0)));
    c.text("name", rows.iter().map(|r| Some(r.0.name.as_str())));
    c.id("lease_index", rows.iter().map(|r| Some(r.1 as u64)));
    c.text("building", rows.iter().map(|r| Some(r.2.building.as_str())));
    c.text("unit", rows.iter().map(|r| r.2.unit.as_deref()));
    quantity(&mut c, "area_m2", rows.iter().map(|r| Some(r.2.area_m2)))?;
    c.date("start", rows.iter().map(|r| Some(r.2.start)));
    c.date("end", rows.iter().map(|r| r.2.end));
    c.flag("occupied", rows.iter().map(|r| Some(r.2.occupies(at))));
    c.finish()
}
