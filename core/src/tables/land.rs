//! The land ledger's tables: parcels.

use super::*;
use crate::engine::Policy;
use crate::geometry::Crs;

impl View<'_> {
    /// The inefficient land (低效用地) as of this view's date, as a table
    /// ([`inefficient_batch`]).
    ///
    /// # Errors
    /// Storage errors.
    pub fn inefficient_table(
        &self,
        rules: &crate::inefficient::Rules,
        evaluation: Option<&crate::scheme::Evaluation>,
    ) -> Result<RecordBatch> {
        self.consistently(|v| {
            let rows = v.inefficient_land(rules, evaluation)?;
            let names = v.names_of(rows.iter().filter_map(|r| r.holder))?;
            inefficient_batch(&rows, &names)
        })
    }

    /// The parcels table under this horizon; `idle`, `idle_fee_yuan` and
    /// `reclaimable` are derived as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels_table(&self, filter: &ParcelFilter) -> Result<RecordBatch> {
        self.consistently(|v| v.parcels_table_in(filter, None))
    }

    /// The parcels table of [`View::parcels_in`]: parcels by shape.
    ///
    /// # Errors
    /// As [`View::parcels_in`].
    pub fn parcels_table_in(
        &self,
        filter: &ParcelFilter,
        spatial: Option<crate::view::Spatial<'_>>,
    ) -> Result<RecordBatch> {
        self.consistently(|v| {
            let parcels = v.parcels_shared_in(filter, spatial)?;
            let names = v.names_of(parcels.iter().filter_map(|p| p.holder))?;
            parcels_batch(&parcels, &names, v.date(), &v.policy()?)
        })
    }

    /// [`View::parcels_table_in`] as the batches it is built in
    /// ([`parcels_batches`]), not copied into one.
    ///
    /// # Errors
    /// As [`View::parcels_in`].
    pub fn parcels_batches_in(
        &self,
        filter: &ParcelFilter,
        spatial: Option<crate::view::Spatial<'_>>,
    ) -> Result<Vec<RecordBatch>> {
        self.consistently(|v| {
            let parcels = v.parcels_shared_in(filter, spatial)?;
            let names = v.names_of(parcels.iter().filter_map(|p| p.holder))?;
            parcels_batches(&parcels, &names, v.date(), &v.policy()?)
        })
    }

    /// Parcels as a table (for [`View::neighbours`] and the like).
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn table_of_parcels<P: std::ops::Deref<Target = Parcel> + Sync>(
        &self,
        parcels: &[P],
    ) -> Result<RecordBatch> {
        self.consistently(|v| {
            let names = v.names_of(parcels.iter().filter_map(|p| p.holder))?;
            parcels_batch(parcels, &names, v.date(), &v.policy()?)
        })
    }

    /// One parcel as a one-row parcels table.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist under this horizon.
    pub fn parcel_table(&self, id: crate::land::ParcelId) -> Result<RecordBatch> {
        self.consistently(|v| {
            let parcel = v.parcel(id)?;
            v.table_of_parcels(&[&parcel])
        })
    }
}

/// The coordinate system of a parcels table's `boundary` column: the
/// database's default, else the one most of the boundaries are in.
pub(crate) fn table_crs<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    policy: &Policy,
) -> Option<Crs> {
    if policy.default_crs.is_some() {
        return policy.default_crs;
    }
    // A park's boundaries are in one system or a few: a short list to count
    // in, put in the systems' order so that a tie goes to the last of them.
    let mut counts: Vec<(Crs, usize)> = Vec::new();
    for crs in parcels
        .iter()
        .filter_map(|p| p.boundary.as_ref().map(|b| b.crs()))
    {
        match counts.iter_mut().find(|(c, _)| *c == crs) {
            Some((_, n)) => *n += 1,
            None => counts.push((crs, 1)),
        }
    }
    counts.sort_unstable();
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

/// Parcels as a table, idle status derived as of `at`; `names` gives holder names.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn parcels_batch<P: std::ops::Deref<Target = Parcel> + Sync>(
    parcels: &[P],
    names: &(impl NameOf + ?Sized),
    at: NaiveDate,
    policy: &Policy,
) -> Result<RecordBatch> {
    super::one_batch(parcels_batches(parcels, names, at, policy)?)
}

/// [`parcels_batch`] as the batches it is built in (one per
/// `BLOCK_ROWS` parcels, in order), not copied into one: for readers
/// that take a stream of batches (Arrow's C stream, pyarrow, polars,
/// DuckDB), for whom the copy is time and memory spent for nothing.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn parcels_batches<P: std::ops::Deref<Target = Parcel> + Sync>(
    parcels: &[P],
    names: &(impl NameOf + ?Sized),
    at: NaiveDate,
    policy: &Policy,
) -> Result<Vec<RecordBatch>> {
    let crs = table_crs(parcels, policy);
    let geo_metadata = super::geoarrow_metadata(crs);
    let tolerance = policy.tolerance_ppm();
    // Built a block of rows at a time, so that the 30 passes over a block
    // find its parcels in the processor's cache; a large table's blocks are
    // shared out between two threads.
    let block = |rows: &[P]| -> Result<RecordBatch> {
        let mut c = parcel_columns_ledger(rows, names)?;
        let rest = parcel_columns_supply(rows, at)?;
        c.fields.extend(rest.fields);
        c.arrays.extend(rest.arrays);
        let shapes = parcel_columns_boundary(rows, crs, &geo_metadata, tolerance, at)?;
        c.fields.extend(shapes.fields);
        c.arrays.extend(shapes.arrays);
        c.finish()
    };
    if parcels.len() <= BLOCK_ROWS {
        return Ok(vec![block(parcels)?]);
    }
    let blocks: Vec<&[P]> = parcels.chunks(BLOCK_ROWS).collect();
    let (even, odd): (Vec<_>, Vec<_>) = blocks.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let build = |part: Vec<(usize, &&[P])>| -> Result<Vec<(usize, RecordBatch)>> {
        part.into_iter()
            .map(|(i, rows)| Ok((i, block(rows)?)))
            .collect()
    };
    let (mut built, other) =
        crate::threads::both("building the parcels table", || build(even), || build(odd))?;
    built.extend(other);
    built.sort_by_key(|(i, _)| *i);
    Ok(built.into_iter().map(|(_, b)| b).collect())
}

/// Rows of a table built together (see [`parcels_batch`]): about as many
/// parcels, with their texts and shapes, as a core's 2 MiB cache holds
/// across the 30 passes over them (about 15% faster than four times as
/// many, measured on a million parcels).
const BLOCK_ROWS: usize = 4_096;

/// The parcels table's columns up to the certificate.
fn parcel_columns_ledger<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    names: &(impl NameOf + ?Sized),
) -> Result<Columns> {
    let mut c = Columns::default();
    c.id("parcel_id", parcels.iter().map(|p| Some(p.id.0)));
    c.text("code", parcels.iter().map(|p| Some(p.code.as_str())));
    c.mu("area_mu", parcels.iter().map(|p| Some(p.area)))?;
    c.text("land_use", parcels.iter().map(|p| Some(p.land_use.code())));
    c.text("status", parcels.iter().map(|p| Some(p.status().code())));
    c.id("holder_id", parcels.iter().map(|p| p.holder.map(|h| h.0)));
    c.text(
        "holder_name",
        parcels
            .iter()
            .map(|p| p.holder.and_then(|h| names.name_of(h))),
    );
    c.text("location", parcels.iter().map(|p| p.location.as_deref()));
    // A parcel entered without its requisition (from published results)
    // has none to show: never the day it entered in its place.
    c.date(
        "requisitioned",
        parcels
            .iter()
            .map(|p| (!p.requisition_unknown).then_some(p.requisitioned)),
    );
    c.flag(
        "developed",
        parcels.iter().map(|p| Some(p.developed.is_some())),
    );
    c.date("developed_on", parcels.iter().map(|p| p.developed));
    c.flag(
        "certified",
        parcels.iter().map(|p| Some(p.certificate.is_some())),
    );
    c.date(
        "certified_on",
        parcels
            .iter()
            .map(|p| p.certificate.as_ref().map(|x| x.date)),
    );
    c.text(
        "certificate",
        parcels
            .iter()
            .map(|p| p.certificate.as_ref().map(|x| x.number.as_str())),
    );
    Ok(c)
}

/// The parcels table's columns from supply on, idleness derived as of `at`.
fn parcel_columns_supply<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    at: NaiveDate,
) -> Result<Columns> {
    let idle: Vec<IdleState> = parcels.iter().map(|p| p.idle_as_of(at)).collect();
    let mut c = Columns::default();
    c.text(
        "supply_method",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().map(|s| s.method.code())),
    );
    c.date(
        "supplied_on",
        parcels.iter().map(|p| p.supply.as_ref().map(|s| s.date)),
    );
    c.yuan(
        "price_yuan",
        parcels.iter().map(|p| p.supply.as_ref().map(|s| s.price)),
    )?;
    c.date(
        "start_by",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().and_then(|s| s.start_by)),
    );
    c.date(
        "complete_by",
        parcels
            .iter()
            .map(|p| p.supply.as_ref().and_then(|s| s.complete_by)),
    );
    c.date(
        "construction_started",
        parcels.iter().map(|p| p.construction_started),
    );
    c.date("completed_on", parcels.iter().map(|p| p.completed));
    c.flag("idle", idle.iter().map(|i| Some(i.is_idle())));
    c.yuan("idle_fee_yuan", parcels.iter().map(|p| p.idle_fee_owed(at)))?;
    c.yuan(
        "potential_idle_fee_yuan",
        parcels.iter().map(|p| p.potential_idle_fee(at)),
    )?;
    let overdue: Vec<Option<i64>> = parcels.iter().map(|p| p.start_overdue_days(at)).collect();
    c.flag("start_overdue", overdue.iter().map(|d| Some(d.is_some())));
    c.int("start_overdue_days", overdue.iter().copied());
    c.flag(
        "reclaimable",
        idle.iter()
            .map(|i| Some(matches!(i, IdleState::Reclaimable { .. }))),
    );
    c.date(
        "idle_declared_on",
        parcels
            .iter()
            .map(|p| p.idle_declared.as_ref().map(|d| d.date)),
    );
    c.id(
        "times_reclaimed",
        parcels.iter().map(|p| Some(p.reclamations.len() as u64)),
    );
    c.flag(
        "ever_reclaimed",
        parcels.iter().map(|p| Some(p.ever_reclaimed)),
    );
    c.id("parent_id", parcels.iter().map(|p| p.parent.map(|x| x.0)));
    c.date("retired_on", parcels.iter().map(|p| p.retired));
    contract_columns(&mut c, parcels, at)?;
    Ok(c)
}

/// The contract terms of a parcel's supply in force, if recorded.
fn contract(p: &Parcel) -> Option<&crate::land::Contract> {
    p.supply.as_ref().and_then(|s| s.contract.as_deref())
}

/// The parcels table's columns of published records: the day a parcel
/// entered without its requisition, the supply contract's other terms,
/// and the mortgages in force as of `at`.
fn contract_columns<P: std::ops::Deref<Target = Parcel>>(
    c: &mut Columns,
    parcels: &[P],
    at: NaiveDate,
) -> Result<()> {
    c.date(
        "entered_unrequisitioned_on",
        parcels
            .iter()
            .map(|p| p.requisition_unknown.then_some(p.requisitioned)),
    );
    c.date(
        "deliver_by",
        parcels
            .iter()
            .map(|p| contract(p).and_then(|k| k.deliver_by)),
    );
    c.text(
        "use_terms",
        parcels.iter().map(|p| {
            contract(p).filter(|k| !k.terms.is_empty()).map(|k| {
                k.terms
                    .iter()
                    .map(|t| format!("{}{}年", t.use_.as_deref().unwrap_or(""), t.years))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        }),
    );
    super::quantity(
        c,
        "plot_ratio_min",
        parcels
            .iter()
            .map(|p| contract(p).and_then(|k| k.plot_ratio_min)),
    )?;
    super::quantity(
        c,
        "plot_ratio_max",
        parcels
            .iter()
            .map(|p| contract(p).and_then(|k| k.plot_ratio_max)),
    )?;
    c.text(
        "project",
        parcels
            .iter()
            .map(|p| contract(p).and_then(|k| k.project.as_deref())),
    );
    let mortgages: Vec<Vec<&crate::land::Mortgage>> = parcels
        .iter()
        .map(|p| p.mortgages.iter().filter(|m| m.in_force(at)).collect())
        .collect();
    c.flag("mortgaged", mortgages.iter().map(|m| Some(!m.is_empty())));
    let sums = mortgages
        .iter()
        .map(|m| {
            (!m.is_empty())
                .then(|| crate::units::Yuan::sum(m.iter().map(|m| m.amount)))
                .transpose()
        })
        .collect::<Result<Vec<_>>>()?;
    c.yuan("mortgage_yuan", sums)?;
    c.text(
        "mortgagees",
        mortgages.iter().map(|m| {
            (!m.is_empty()).then(|| {
                m.iter()
                    .map(|m| m.mortgagee.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        }),
    );
    Ok(())
}

/// The parcels table's boundary columns: `boundary` (GeoArrow WKB in
/// `crs`, reprojected where a boundary is kept in another), the surveyed
/// `boundary_area_mu` and `area_mismatch` against the tolerance.
fn parcel_columns_boundary<P: std::ops::Deref<Target = Parcel>>(
    parcels: &[P],
    crs: Option<Crs>,
    geo_metadata: &str,
    tolerance_ppm: u32,
    as_of: NaiveDate,
) -> Result<Columns> {
    let mut c = Columns::default();
    // Written straight into the column's buffer, sized up front.
    let bytes = parcels
        .iter()
        .filter_map(|p| p.boundary.as_ref())
        .map(|b| 16 * b.points() + 64)
        .sum();
    let mut wkb = arrow_array::builder::BinaryBuilder::with_capacity(parcels.len(), bytes);
    let failed = |e: std::io::Error| Error::Internal(format!("writing a boundary as WKB: {e}"));
    for p in parcels {
        match (&p.boundary, crs) {
            (Some(b), Some(crs)) if b.crs() != crs => {
                crate::geometry::write_wkb(&b.shape_in(crs)?, &mut wkb).map_err(failed)?;
                wkb.append_value(b"");
            }
            (Some(b), _) => {
                b.write_wkb(&mut wkb).map_err(failed)?;
                wkb.append_value(b"");
            }
            (None, _) => wkb.append_null(),
        }
    }
    c.geometry("boundary", wkb.finish(), geo_metadata);
    c.mu(
        "boundary_area_mu",
        parcels
            .iter()
            .map(|p| p.boundary.as_ref().map(|b| b.area())),
    )?;
    c.flag(
        "area_mismatch",
        parcels.iter().map(|p| {
            p.boundary
                .as_ref()
                .map(|b| b.area_mismatch(p.area, tolerance_ppm))
        }),
    );
    c.text("note", parcels.iter().map(|p| p.note.as_deref()));
    let buildings = || parcels.iter().map(|p| p.buildings.map(|b| (b, p.area)));
    quantity(
        &mut c,
        "floor_area_m2",
        buildings().map(|b| b.map(|b| b.0.floor_area_m2)),
    )?;
    quantity(
        &mut c,
        "footprint_m2",
        buildings().map(|b| b.map(|b| b.0.footprint_m2)),
    )?;
    c.float(
        "plot_ratio",
        buildings().map(|b| b.and_then(|(b, area)| b.plot_ratio(area))),
    );
    c.float(
        "building_coverage",
        buildings().map(|b| b.and_then(|(b, area)| b.coverage(area))),
    );
    quantity(
        &mut c,
        "register_floor_area_m2",
        parcels.iter().map(|p| p.register_floor_area(as_of)),
    )?;
    c.float(
        "register_plot_ratio",
        parcels.iter().map(|p| p.register_plot_ratio(as_of)),
    );
    c.float(
        "register_coverage",
        parcels.iter().map(|p| p.register_coverage(as_of)),
    );
    Ok(c)
}

/// Land summaries as a table, one row per summary: `as_of`, then the areas
/// in [`crate::LandFigures::AREAS`] order and the counts; `land_use` is
/// null for the zone's totals, else the land use of a row of its breakdown
/// (with `by_land_use`).
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn land_summaries_batch(
    summaries: &[crate::LandSummary],
    by_land_use: bool,
) -> Result<RecordBatch> {
    let mut rows: Vec<(NaiveDate, Option<&'static str>, &crate::LandFigures)> = Vec::new();
    for s in summaries {
        rows.push((s.as_of, None, &s.total));
        if by_land_use {
            for (use_, f) in &s.by_land_use {
                rows.push((s.as_of, Some(use_.code()), f));
            }
        }
    }
    let mut c = Columns::default();
    c.date("as_of", rows.iter().map(|r| Some(r.0)));
    c.text("land_use", rows.iter().map(|r| r.1));
    for (i, label) in crate::LandFigures::AREAS.iter().enumerate() {
        c.mu(label.field, rows.iter().map(|r| Some(r.2.areas()[i].1)))?;
    }
    for (i, (field, _)) in crate::LandFigures::default().counts().iter().enumerate() {
        c.int(
            field,
            rows.iter()
                .map(|r| Some(i64::try_from(r.2.counts()[i].1).unwrap_or(i64::MAX))),
        );
    }
    for (i, (field, _)) in crate::LandFigures::default().amounts().iter().enumerate() {
        c.yuan(field, rows.iter().map(|r| r.2.amounts()[i].1))?;
    }
    c.finish()
}

/// Inefficient land as a table: one row per parcel, with its kind (code
/// and Chinese term), since when and the rule; `names` gives holder names.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn inefficient_batch(
    rows: &[crate::inefficient::InefficientParcel],
    names: &(impl NameOf + ?Sized),
) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.id("parcel_id", rows.iter().map(|r| Some(r.parcel.0)));
    c.text("code", rows.iter().map(|r| Some(r.code.as_str())));
    c.mu("area_mu", rows.iter().map(|r| Some(r.area)))?;
    c.text("kind", rows.iter().map(|r| Some(r.kind.code())));
    c.text("kind_zh", rows.iter().map(|r| Some(r.kind.chinese())));
    c.id("holder_id", rows.iter().map(|r| r.holder.map(|h| h.0)));
    c.text(
        "holder",
        rows.iter().map(|r| r.holder.and_then(|h| names.name_of(h))),
    );
    c.date("since", rows.iter().map(|r| Some(r.since)));
    c.text("rule", rows.iter().map(|r| Some(r.rule.as_str())));
    c.finish()
}

impl View<'_> {
    /// [`View::buildings`] as a table.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn buildings_table(&self) -> Result<RecordBatch> {
        self.consistently(|v| buildings_batch(&v.buildings()?, v.date()))
    }
}

/// The buildings register as a table: one row per building.
///
/// # Errors
/// Never in practice; a column mismatch would be a bug.
pub fn buildings_batch(rows: &[crate::view::BuildingRow], date: NaiveDate) -> Result<RecordBatch> {
    let mut c = Columns::default();
    c.text(
        "code",
        rows.iter().map(|r| Some(r.building.spec.code.as_str())),
    );
    c.text("name", rows.iter().map(|r| r.building.spec.name.as_deref()));
    c.id("parcel_id", rows.iter().map(|r| Some(r.parcel.0)));
    c.text("parcel", rows.iter().map(|r| Some(r.parcel_code.as_str())));
    c.text(
        "use",
        rows.iter().map(|r| Some(r.building.spec.use_.code())),
    );
    c.text(
        "use_zh",
        rows.iter().map(|r| Some(r.building.spec.use_.chinese())),
    );
    quantity(
        &mut c,
        "floor_area_m2",
        rows.iter().map(|r| Some(r.building.spec.floor_area_m2)),
    )?;
    quantity(
        &mut c,
        "lettable_m2",
        rows.iter().map(|r| Some(r.building.spec.lettable_m2)),
    )?;
    c.date(
        "registered",
        rows.iter().map(|r| Some(r.building.registered)),
    );
    c.text(
        "stage",
        rows.iter()
            .map(|r| r.stage.map(crate::land::BuildingStage::code)),
    );
    c.text(
        "stage_zh",
        rows.iter()
            .map(|r| r.stage.map(crate::land::BuildingStage::chinese)),
    );
    c.date("completed", rows.iter().map(|r| r.building.completed()));
    let next: Vec<Option<(crate::land::BuildingStage, NaiveDate)>> =
        rows.iter().map(|r| r.building.next_planned(date)).collect();
    c.text("next_stage", next.iter().map(|n| n.map(|x| x.0.code())));
    c.date("next_by", next.iter().map(|n| n.map(|x| x.1)));
    quantity(&mut c, "leased_m2", rows.iter().map(|r| Some(r.leased)))?;
    quantity(
        &mut c,
        "vacant_m2",
        rows.iter().map(|r| {
            Some(Quantity::from_units(
                (r.building.spec.lettable_m2.units() - r.leased.units()).max(0),
            ))
        }),
    )?;
    c.float(
        "occupancy",
        rows.iter().map(crate::view::BuildingRow::occupancy),
    );
    c.int(
        "tenants",
        rows.iter().map(|r| i64::try_from(r.tenants).ok()),
    );
    c.finish()
}
