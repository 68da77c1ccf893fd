//! The spatial index of the in-memory view: the bounding boxes of the
//! current parcels' boundaries in an R*-tree per coordinate system, so a
//! query by shape (within, intersects, neighbours) looks at the parcels
//! near it, not at every parcel. Built on the first such query from the
//! current records and dropped when a unit of work changes parcels.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use geo::BoundingRect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::error::Result;
use crate::geometry::{Boundary, Crs, Region};
use crate::land::Parcel;

type Entry = GeomWithData<Rectangle<[f64; 2]>, u64>;

/// Bounding boxes of boundaries, by coordinate system.
#[derive(Default)]
pub(crate) struct Index {
    trees: HashMap<Crs, RTree<Entry>>,
}

fn envelope(r: geo::Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

impl Index {
    /// The index of the boundaries of the parcels that are not retired.
    pub(crate) fn build<'a>(parcels: impl Iterator<Item = &'a Arc<Parcel>>) -> Index {
        let mut entries: HashMap<Crs, Vec<Entry>> = HashMap::new();
        for p in parcels.filter(|p| p.retired.is_none()) {
            if let Some(b) = &p.boundary {
                let r = b.bbox();
                entries.entry(b.crs()).or_default().push(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    p.id.0,
                ));
            }
        }
        Index {
            trees: entries
                .into_iter()
                .map(|(crs, e)| (crs, RTree::bulk_load(e)))
                .collect(),
        }
    }

    /// The ids whose boxes meet the box of `region` (in each tree's CRS),
    /// or with `inside`, lie within it.
    pub(crate) fn candidates(
        &self,
        region: &Region,
        default: Option<Crs>,
        inside: bool,
    ) -> Result<BTreeSet<u64>> {
        let mut ids = BTreeSet::new();
        for (crs, tree) in &self.trees {
            let Some(r) = region.geometry_in(default, *crs)?.bounding_rect() else {
                continue;
            };
            if inside {
                ids.extend(tree.locate_in_envelope(&envelope(r)).map(|e| e.data));
            } else {
                ids.extend(
                    tree.locate_in_envelope_intersecting(&envelope(r))
                        .map(|e| e.data),
                );
            }
        }
        Ok(ids)
    }

    /// The ids whose boxes meet the box of `boundary`.
    pub(crate) fn near(&self, boundary: &Boundary) -> Result<BTreeSet<u64>> {
        self.candidates(&Region::from(boundary), None, false)
    }
}
