//! The land ledger's reads: parcels, their history, holdings, the summary.

use super::*;
use crate::land::Step;

/// Which parcels to list; every field left `None` matches all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParcelFilter {
    /// Only parcels of this status.
    pub status: Option<ParcelStatus>,
    /// Only parcels this firm holds.
    pub holder: Option<EnterpriseId>,
    /// Only parcels of this land use.
    pub land_use: Option<LandUse>,
}

/// How parcels are compared with a shape in a query by shape. Only
/// parcels with a boundary, and not retired by a split, are found.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Spatial<'a> {
    /// Parcels whose boundary lies within the shape.
    Within(&'a Region),
    /// Parcels whose boundary meets the shape (a point, a line or an area).
    Intersects(&'a Region),
}

impl Spatial<'_> {
    fn region(&self) -> &Region {
        match self {
            Spatial::Within(r) | Spatial::Intersects(r) => r,
        }
    }
}

/// A query shape in each coordinate system the boundaries it meets are
/// in, reprojected once per system.
struct Reprojected<'a> {
    spatial: Spatial<'a>,
    default: Option<Crs>,
    by_crs: std::collections::HashMap<Crs, Shape>,
}

/// A query shape in one coordinate system, with its box, and whether it is
/// its box (an axis-aligned rectangle, as map windows are): then a box
/// inside it is inside, and no exact test is needed.
struct Shape {
    geometry: geo::Geometry<f64>,
    bbox: Option<geo::Rect<f64>>,
    is_box: bool,
}

impl Shape {
    fn new(geometry: geo::Geometry<f64>) -> Shape {
        use geo::{Area, BoundingRect};
        let bbox = geometry.bounding_rect();
        let is_box = matches!(&geometry, geo::Geometry::Polygon(p) if p.interiors().is_empty())
            && bbox.is_some_and(|b| {
                let area = geometry.unsigned_area();
                area > 0.0 && (b.width() * b.height() - area).abs() <= area * 1e-12
            });
        Shape {
            geometry,
            bbox,
            is_box,
        }
    }

    /// Whether the box `b` lies within this shape's box.
    fn box_holds(&self, b: geo::Rect<f64>) -> bool {
        self.bbox.is_some_and(|q| crate::geometry::rect_holds(q, b))
    }

    /// Whether the box `b` meets this shape's box.
    fn box_meets(&self, b: geo::Rect<f64>) -> bool {
        self.bbox.is_some_and(|q| crate::geometry::rects_meet(q, b))
    }
}

impl Reprojected<'_> {
    fn matches(&mut self, b: &Boundary) -> Result<bool> {
        let g = match self.by_crs.entry(b.crs()) {
            std::collections::hash_map::Entry::Occupied(g) => g.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => slot.insert(Shape::new(
                self.spatial.region().geometry_in(self.default, b.crs())?,
            )),
        };
        Ok(match self.spatial {
            Spatial::Within(_) if !g.box_holds(b.bbox()) => false,
            Spatial::Within(_) if g.is_box => true,
            Spatial::Within(_) => b.within(&g.geometry),
            Spatial::Intersects(_) if !g.box_meets(b.bbox()) => false,
            Spatial::Intersects(_) if g.is_box && g.box_holds(b.bbox()) => true,
            Spatial::Intersects(_) => b.intersects(&g.geometry),
        })
    }
}

impl View<'_> {
    /// The database's policy (the default coordinate system, the area tolerance).
    ///
    /// # Errors
    /// [`Error::Corrupt`] if the stored policy cannot be read.
    pub fn policy(&self) -> Result<crate::Policy> {
        self.engine.cache.policy(self.store())
    }

    /// Parcels under this horizon that match `filter` and lie within or
    /// meet a shape; a shape naming no coordinate system is in the
    /// database's default. Reads of the present go through the spatial
    /// index of the in-memory view.
    ///
    /// # Errors
    /// [`Error::Validation`] for a shape without a coordinate system (and
    /// no default) or one that cannot be reprojected; storage errors.
    pub fn parcels_in(&self, filter: &ParcelFilter, spatial: Spatial<'_>) -> Result<Vec<Parcel>> {
        self.consistently(|v| {
            Ok(v.parcels_shared_in(filter, Some(spatial))?
                .into_iter()
                .map(Arc::unwrap_or_clone)
                .collect())
        })
    }

    /// The parcels that share a stretch of boundary with `id` (相邻地块)
    /// under this horizon; parcels touching it at a corner only are not
    /// neighbours. None when it has no boundary.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the parcel did not exist under this horizon.
    pub fn neighbours(&self, id: ParcelId) -> Result<Vec<Parcel>> {
        self.consistently(|v| {
            let parcel = v.parcel(id)?;
            let Some(outline) = parcel.boundary.clone() else {
                return Ok(Vec::new());
            };
            let region = Region::from(&*outline);
            let near =
                v.parcels_shared_in(&ParcelFilter::default(), Some(Spatial::Intersects(&region)))?;
            let mut out = Vec::new();
            for p in near {
                if p.id == id {
                    continue;
                }
                if let Some(b) = &p.boundary {
                    if outline.shares_edge(b)? {
                        out.push(Arc::unwrap_or_clone(p));
                    }
                }
            }
            Ok(out)
        })
    }

    /// A parcel as it stood under this horizon.
    ///
    /// # Errors
    /// [`Error::NotFound`] if it did not exist then.
    pub fn parcel(&self, id: ParcelId) -> Result<Parcel> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.one::<Parcel>(id.0)?
                .ok_or_else(|| Error::not_found(crate::Entity::Parcel, id))
        })
    }

    /// A parcel by its code (地块编号).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown code or a parcel that did not exist then.
    pub fn parcel_by_code(&self, code: &str) -> Result<Parcel> {
        self.consistently(|v| {
            let id = {
                let _read = v.engine.read_guard();
                v.unique_id::<Parcel>(keys::index::PARCEL_CODE, code)?
            };
            let id = id.ok_or_else(|| Error::not_found(crate::Entity::Parcel, code))?;
            v.parcel(ParcelId(id))
        })
    }

    /// The parcels an enterprise ever held, by any event, voided or not:
    /// candidates for who held what as of a date or as known at a moment.
    fn ever_held(&self, holder: EnterpriseId) -> Result<BTreeSet<u64>> {
        self.engine.cache.with::<Parcel, _>(self.store(), |m| {
            m.history_ids(keys::index::PARCEL_EVER_HELD, &holder.0.to_be_bytes())
        })
    }

    /// Parcels under this horizon that match `filter`, by id. Filters go
    /// through indexes; a read as of a date folds only the candidates.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn parcels(&self, filter: &ParcelFilter) -> Result<Vec<Parcel>> {
        self.consistently(|v| {
            Ok(v.parcels_shared(filter)?
                .into_iter()
                .map(Arc::unwrap_or_clone)
                .collect())
        })
    }

    /// [`View::parcels`], shared with the in-memory view (no copies).
    pub(crate) fn parcels_shared(&self, filter: &ParcelFilter) -> Result<Vec<Arc<Parcel>>> {
        self.parcels_shared_in(filter, None)
    }

    /// [`View::parcels_shared`], and by shape.
    pub(crate) fn parcels_shared_in(
        &self,
        filter: &ParcelFilter,
        spatial: Option<Spatial<'_>>,
    ) -> Result<Vec<Arc<Parcel>>> {
        let mut shape = match spatial {
            Some(s) => Some(Reprojected {
                spatial: s,
                default: self.policy()?.default_crs,
                by_crs: std::collections::HashMap::new(),
            }),
            None => None,
        };
        let _read = self.engine.read_guard();
        let now = self.horizon == Horizon::NOW;
        let mut candidates = Candidates::default();
        if let (Some(s), true) = (&shape, now) {
            let index = self.engine.cache.spatial(self.store())?;
            let inside = matches!(s.spatial, Spatial::Within(_));
            candidates.narrow(index.candidates(s.spatial.region(), s.default, inside)?);
        }
        // Before the parcels' records load, the present's candidates can
        // come from each parcel's last step (what the steps alone hold).
        let by_steps = if now && shape.is_none() {
            self.filtered_by_steps(filter)
        } else {
            None
        };
        if let Some(ids) = by_steps {
            candidates.narrow(ids);
        } else {
            if let Some(h) = filter.holder {
                candidates.narrow(if now {
                    self.lookup::<Parcel>(keys::index::PARCEL_HOLDER, &h.0.to_be_bytes())?
                } else {
                    self.ever_held(h)?
                });
            }
            if let Some(u) = filter.land_use {
                candidates.narrow(self.lookup::<Parcel>(keys::index::PARCEL_USE, &[u.byte()])?);
            }
            if let (Some(s), true) = (filter.status, now) {
                candidates.narrow(self.lookup::<Parcel>(keys::index::PARCEL_STATUS, &[s.byte()])?);
            }
        }
        let parcels = candidates.load::<Parcel>(self)?;
        let mut out = Vec::with_capacity(parcels.len());
        for p in parcels {
            if filter.status.is_some_and(|s| p.status() != s)
                || filter.holder.is_some_and(|h| p.holder != Some(h))
                || filter.land_use.is_some_and(|u| p.land_use != u)
            {
                continue;
            }
            if let Some(shape) = &mut shape {
                match (&p.boundary, p.retired) {
                    (Some(b), None) if shape.matches(b)? => {}
                    _ => continue,
                }
            }
            out.push(p);
        }
        Ok(out)
    }

    /// The parcels that may pass `filter` in the present, from each
    /// parcel's last step (its status, holder and land use after every
    /// event) while the records are not loaded, and those whose steps
    /// are not known: each is then read alone and filtered on its record.
    /// `None` where the steps do not serve (the records are loaded, no
    /// checkpoint, no field to filter on) or so many pass that loading
    /// the records is cheaper than reading each. Call with the commit
    /// lock held (shared).
    fn filtered_by_steps(&self, filter: &ParcelFilter) -> Option<BTreeSet<u64>> {
        if *filter == ParcelFilter::default() {
            return None;
        }
        let steps = self.engine.cache.steps_alone::<Parcel>(self.store())?;
        let mut ids: BTreeSet<u64> = steps.unknown().clone();
        let mut keep = |id: u64, s: &Step| {
            // Past the limit, nothing more is kept: the records load.
            if filter.status.is_none_or(|x| s.status() == x)
                && filter.holder.is_none_or(|h| s.holder() == Some(h))
                && filter.land_use.is_none_or(|u| s.land_use() == u)
                && ids.len() <= READ_ALONE
            {
                ids.insert(id);
            }
            Ok(())
        };
        match filter.holder {
            // A holder's parcels are few: found in the steps' index by holder.
            Some(h) => {
                for id in steps.held_by(h) {
                    if let Some(s) = steps.of(id).and_then(<[Step]>::last) {
                        keep(id, s).ok()?;
                    }
                }
            }
            None => steps.each_last(&mut keep).ok()?,
        }
        (ids.len() <= READ_ALONE).then_some(ids)
    }

    /// Every parcel under this horizon, retired parents included.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn all_parcels(&self) -> Result<Vec<Parcel>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.all::<Parcel>()
        })
    }

    /// The land ledger's figures as of [`View::date`].
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn land_summary(&self) -> Result<LandSummary> {
        self.consistently(|v| {
            let mut summary = LandSummary::new(v.date());
            v.visit_steps(&mut |s| summary.add_step(s))?;
            Ok(summary)
        })
    }

    /// Visits each parcel's part in the land figures of [`View::date`]
    /// (its step of that date, see `crate::steps`), retired parents
    /// included. A past date folds nothing but the parcels units of work
    /// changed since the view was loaded.
    pub(crate) fn visit_steps(&self, f: &mut dyn FnMut(&Step) -> Result<()>) -> Result<()> {
        let date = self.date();
        if self.horizon.known_at.is_some() {
            return self.visit::<Parcel>(&mut |p| f(&Step::of(p, date)));
        }
        {
            // Before the parcels' records load (a fresh process), their
            // steps read alone from the checkpoint serve, unless a step
            // begins after today in a read of the present (the present
            // holds every event, a date's steps those in force by it);
            // the few parcels whose steps are not known are folded.
            let _read = self.engine.read_guard();
            if let Some(steps) = self.engine.cache.steps_alone::<Parcel>(self.store()) {
                let present = self.horizon.as_of.is_none();
                if steps.unknown().len() <= STEPS_UNKNOWN_FOLDED
                    && (!present || steps.latest().is_none_or(|last| last <= date))
                {
                    steps.each_at(date, f)?;
                    let unknown: Vec<u64> = steps.unknown().iter().copied().collect();
                    return self.fold_stale::<Parcel>(&unknown, &mut |p| f(&Step::of(&p, date)));
                }
            }
        }
        if self.horizon.as_of.is_none() {
            return self.visit::<Parcel>(&mut |p| f(&Step::of(p, date)));
        }
        let _read = self.engine.read_guard();
        let mut changed = Vec::new();
        self.engine
            .cache
            .with::<Parcel, _>(self.store(), |k| -> Result<()> {
                k.steps.each_at(date, f)?;
                // Every record whose steps are not known: as it is now, if
                // it was so then, else folded.
                for id in k.steps.unknown() {
                    let Some(p) = k.records.get(id) else {
                        continue;
                    };
                    if self.current_serves(p.last_event()) {
                        f(&Step::of(p, date))?;
                    } else if !self.not_yet(&**p) {
                        changed.push(*id);
                    }
                }
                Ok(())
            })??;
        self.fold_stale::<Parcel>(&changed, &mut |p| f(&Step::of(&p, date)))
    }

    /// Every event of a parcel, voids included, in recording order.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown parcel.
    pub fn parcel_history(&self, id: ParcelId) -> Result<Vec<HistoryEntry<ParcelEvent>>> {
        self.consistently(|v| {
            let _read = v.engine.read_guard();
            v.history_of::<Parcel>(id.0)
        })
    }

    /// The parcels an enterprise holds under this horizon (as of its date).
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn holdings(&self, enterprise: EnterpriseId) -> Result<Vec<Parcel>> {
        self.consistently(|v| {
            v.parcels(&ParcelFilter {
                holder: Some(enterprise),
                ..ParcelFilter::default()
            })
        })
    }
}

/// At most this many parcels a filter finds in their steps are read one
/// by one (each folded from its events) before the records load; more,
/// and the records load (see [`View::filtered_by_steps`]).
const READ_ALONE: usize = 2_000;

/// At most this many parcels whose steps are not known are folded from
/// their events for the land figures before the records load; more, and
/// the records load (see [`View::visit_steps`]).
const STEPS_UNKNOWN_FOLDED: usize = 1024;

/// A building of the register as of a date, with what is let in it.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingRow {
    /// The parcel it stands on.
    pub parcel: ParcelId,
    /// The parcel's code.
    pub parcel_code: String,
    /// The building, as registered.
    pub building: crate::land::Building,
    /// The stage it has reached by the date, if any.
    pub stage: Option<crate::land::BuildingStage>,
    /// Leased on the date, m².
    pub leased: crate::units::Quantity,
    /// Firms leasing in it on the date.
    pub tenants: u64,
}

impl BuildingRow {
    /// 出租率: leased over lettable.
    #[must_use]
    pub fn occupancy(&self) -> Option<f64> {
        let lettable = self.building.spec.lettable_m2;
        lettable
            .is_positive()
            .then(|| self.leased.to_f64() / lettable.to_f64())
    }
}

impl View<'_> {
    /// Every building of the register as of [`View::date`], with its stage,
    /// what is leased in it and by how many tenants.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn buildings(&self) -> Result<Vec<BuildingRow>> {
        self.consistently(|v| {
            let parcels = v.all_shared::<Parcel>()?;
            let firms = v.all_shared::<crate::enterprise::Enterprise>()?;
            buildings_of(&parcels, &firms, v.date())
        })
    }
}

impl View<'_> {
    /// The buildings registered on one parcel as of [`View::date`], as
    /// [`View::buildings`] reads them; none read when it has none.
    ///
    /// # Errors
    /// Storage or corruption errors.
    pub fn buildings_on(&self, parcel: &Parcel) -> Result<Vec<BuildingRow>> {
        self.consistently(|v| {
            if parcel.register.is_empty() {
                return Ok(Vec::new());
            }
            let firms = v.all_shared::<crate::enterprise::Enterprise>()?;
            buildings_of(&[parcel], &firms, v.date())
        })
    }
}

/// The buildings registered on `parcels` as of `date`, with what `firms`
/// lease in each then: one pass over the leases, whatever the number of
/// buildings.
///
/// # Errors
/// [`crate::Error::Validation`] on an overflowing area.
pub(crate) fn buildings_of<P, E>(
    parcels: &[P],
    firms: &[E],
    date: NaiveDate,
) -> Result<Vec<BuildingRow>>
where
    P: std::borrow::Borrow<Parcel>,
    E: std::borrow::Borrow<crate::enterprise::Enterprise>,
{
    use crate::units::Quantity;
    use std::borrow::Borrow;
    let mut rows = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in parcels.iter().map(Borrow::borrow) {
        for b in &p.register {
            at.insert(b.spec.code.as_str(), rows.len());
            rows.push(BuildingRow {
                parcel: p.id,
                parcel_code: p.code.clone(),
                building: b.clone(),
                stage: b.stage_on(date),
                leased: Quantity::ZERO,
                tenants: 0,
            });
        }
    }
    for lease in firms.iter().flat_map(|e| e.borrow().leases_on(date)) {
        if let Some(&i) = at.get(lease.building.as_str()) {
            rows[i].leased = rows[i].leased.checked_add(lease.area_m2)?;
            rows[i].tenants += 1;
        }
    }
    rows.sort_by(|a, b| a.building.spec.code.cmp(&b.building.spec.code));
    Ok(rows)
}
