//! Parcel boundaries (界址): shapes with their coordinate reference
//! system, checked when given, measured on the plane, compared and queried.
//!
//! An [`Outline`] is a shape as given — WKT, GeoJSON, a list of 界址点 or
//! geo-types polygons — not yet checked. A [`Boundary`] is an outline that
//! passed every check, with its CRS and its surveyed area: what a parcel
//! keeps. Coordinates are x = easting (longitude), y = northing
//! (latitude), whatever axis order an EPSG definition lists.

pub mod crs;

use std::sync::Arc;

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, BoundingRect, Relate, Validation};
use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Rect};
use serde::{Deserialize, Serialize};

pub use crs::{reproject, Crs};

use crate::error::{Error, Result};
use crate::units::Mu;

/// Points a ring may have (a parcel has tens; a digitised river bank
/// thousands).
const MAX_POINTS: usize = 100_000;

/// A shape as given, not yet checked: polygons, each a list of rings (the
/// first the outside, then holes), each ring a list of points (x, y); and
/// the CRS the input named, if it named one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outline {
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
    crs: Option<Crs>,
    /// The Gauss-Krüger zone a longitude/latitude outline's area is
    /// measured in, when one is chosen ([`Outline::measured_in`]).
    plane: Option<Crs>,
    /// Rings were given as boundary points (界址点), closed implicitly.
    implicit_close: bool,
}

/// What a query compares parcels with: any shape (a point, a line, an
/// area), in a CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    geometry: Geometry<f64>,
    crs: Option<Crs>,
}

fn refuse(what: impl Into<String>) -> Error {
    Error::validation("boundary", what)
}

impl Outline {
    /// WKT (`POLYGON ((…))`, `MULTIPOLYGON (…)`) or GeoJSON text (a
    /// geometry, or a feature with one), told apart by the first character.
    ///
    /// # Errors
    /// [`Error::Validation`] saying what could not be read.
    pub fn parse(text: &str) -> Result<Outline> {
        if text.trim_start().starts_with('{') {
            Outline::geojson(text)
        } else {
            Outline::wkt(text)
        }
    }

    /// A polygon or multipolygon in WKT.
    ///
    /// # Errors
    /// [`Error::Validation`] for text that is not WKT, or another kind of shape.
    pub fn wkt(text: &str) -> Result<Outline> {
        let parsed: wkt::Wkt<f64> = text.trim().parse().map_err(|e| {
            refuse(format!(
                "cannot read {:?} as WKT: {e}",
                crate::text::shown(text)
            ))
        })?;
        let ring =
            |r: &wkt::types::LineString<f64>| r.coords().iter().map(|c| (c.x, c.y)).collect();
        let polygon = |p: &wkt::types::Polygon<f64>| p.rings().iter().map(ring).collect();
        let polygons = match &parsed {
            wkt::Wkt::Polygon(p) => vec![polygon(p)],
            wkt::Wkt::MultiPolygon(m) => m.polygons().iter().map(polygon).collect(),
            other => {
                return Err(refuse(format!(
                    "a boundary is a POLYGON or MULTIPOLYGON, not {}",
                    wkt_kind(other)
                )))
            }
        };
        Ok(Outline {
            polygons,
            crs: None,
            plane: None,
            implicit_close: false,
        })
    }

    /// A GeoJSON Polygon or MultiPolygon, or a Feature holding one; a `crs`
    /// member (GeoJSON 2008) names the CRS.
    ///
    /// # Errors
    /// [`Error::Validation`] for text that is not such GeoJSON.
    pub fn geojson(text: &str) -> Result<Outline> {
        let (geometry, crs) = read_geojson(text, "boundary")?;
        let ring = |r: &Vec<geojson::Position>| {
            r.iter()
                .map(|p| {
                    (
                        p.as_slice().first().copied().unwrap_or(f64::NAN),
                        p.as_slice().get(1).copied().unwrap_or(f64::NAN),
                    )
                })
                .collect()
        };
        let polygon = |p: &geojson::PolygonType| p.iter().map(ring).collect();
        let polygons = match &geometry.value {
            geojson::GeometryValue::Polygon { coordinates } => vec![polygon(coordinates)],
            geojson::GeometryValue::MultiPolygon { coordinates } => {
                coordinates.iter().map(polygon).collect()
            }
            other => {
                return Err(refuse(format!(
                    "a boundary is a Polygon or MultiPolygon, not a {}",
                    other.type_name()
                )))
            }
        };
        Ok(Outline {
            polygons,
            crs,
            plane: None,
            implicit_close: false,
        })
    }

    /// Boundary points (界址点) in order around the parcel; the ring closes
    /// back to the first point whether or not it is repeated at the end.
    #[must_use]
    pub fn points(points: &[(f64, f64)]) -> Outline {
        Outline {
            polygons: vec![vec![points.to_vec()]],
            crs: None,
            plane: None,
            implicit_close: true,
        }
    }

    /// Polygons given ring by ring.
    #[must_use]
    pub fn polygons(polygons: Vec<Vec<Vec<(f64, f64)>>>) -> Outline {
        Outline {
            polygons,
            crs: None,
            plane: None,
            implicit_close: false,
        }
    }

    /// The same outline, its coordinates in `crs`.
    #[must_use]
    pub fn in_crs(mut self, crs: Crs) -> Outline {
        self.crs = Some(crs);
        self
    }

    /// The CRS the outline names, if any.
    #[must_use]
    pub fn crs(&self) -> Option<Crs> {
        self.crs
    }

    /// The same outline, its area measured in the Gauss-Krüger zone
    /// `zone` (EPSG:4513–4554) when its coordinates are longitude and
    /// latitude: the zone the park registers its land in (surveys of
    /// Yantai, at 121.5°E, are registered on 120°E), not the one each
    /// shape falls in. Ignored for an outline in a projected CRS, which
    /// is measured on its own plane.
    #[must_use]
    pub fn measured_in(mut self, zone: Crs) -> Outline {
        self.plane = Some(zone);
        self
    }

    /// The zone chosen to measure the outline in, if any.
    #[must_use]
    pub fn plane(&self) -> Option<Crs> {
        self.plane
    }
}

impl From<Polygon<f64>> for Outline {
    fn from(p: Polygon<f64>) -> Outline {
        Outline::from(MultiPolygon(vec![p]))
    }
}

impl From<MultiPolygon<f64>> for Outline {
    fn from(m: MultiPolygon<f64>) -> Outline {
        Outline::polygons(rings_of(&m))
    }
}

/// A shape's polygons as rings of points, the outside ring first.
fn rings_of(shape: &MultiPolygon<f64>) -> Vec<Vec<Vec<(f64, f64)>>> {
    let ring = |r: &LineString<f64>| r.0.iter().map(|c| (c.x, c.y)).collect();
    shape
        .0
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect()
        })
        .collect()
}

fn wkt_kind(w: &wkt::Wkt<f64>) -> &'static str {
    match w {
        wkt::Wkt::Point(_) => "a POINT",
        wkt::Wkt::LineString(_) => "a LINESTRING",
        wkt::Wkt::Polygon(_) => "a POLYGON",
        wkt::Wkt::MultiPoint(_) => "a MULTIPOINT",
        wkt::Wkt::MultiLineString(_) => "a MULTILINESTRING",
        wkt::Wkt::MultiPolygon(_) => "a MULTIPOLYGON",
        wkt::Wkt::GeometryCollection(_) => "a GEOMETRYCOLLECTION",
    }
}

/// A GeoJSON geometry (or a feature's) and the CRS its `crs` member names.
fn read_geojson(text: &str, what: &str) -> Result<(geojson::Geometry, Option<Crs>)> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| refuse(format!("cannot read the {what} as GeoJSON: {e}")))?;
    let crs = geojson_crs(&value)?;
    let geometry = match value.get("type").and_then(|t| t.as_str()) {
        Some("Feature") => value.get("geometry").cloned().unwrap_or_default(),
        _ => value,
    };
    let geometry = serde_json::from_value::<geojson::Geometry>(geometry)
        .map_err(|e| refuse(format!("cannot read the {what} as GeoJSON: {e}")))?;
    Ok((geometry, crs))
}

/// The CRS a GeoJSON object names in a `crs` member, if any.
pub(crate) fn geojson_crs(value: &serde_json::Value) -> Result<Option<Crs>> {
    match value
        .get("crs")
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    {
        Some(name) => Crs::parse(name).map(Some),
        None => Ok(None),
    }
}

impl Region {
    /// A query shape from WKT or GeoJSON text (any geometry).
    ///
    /// # Errors
    /// [`Error::Validation`] for text that cannot be read.
    pub fn parse(text: &str) -> Result<Region> {
        if text.trim_start().starts_with('{') {
            let (geometry, crs) = read_geojson(text, "shape")?;
            let geometry = Geometry::<f64>::try_from(geometry)
                .map_err(|e| refuse(format!("cannot read the shape as GeoJSON: {e}")))?;
            return Region::new(geometry).map(|r| Region { crs, ..r });
        }
        let parsed: wkt::Wkt<f64> = text.trim().parse().map_err(|e| {
            refuse(format!(
                "cannot read {:?} as WKT: {e}",
                crate::text::shown(text)
            ))
        })?;
        let geometry = Geometry::<f64>::try_from(parsed)
            .map_err(|e| refuse(format!("cannot read the shape as WKT: {e}")))?;
        Region::new(geometry)
    }

    /// A query shape from geo-types.
    ///
    /// # Errors
    /// [`Error::Validation`] for a coordinate that is not a finite number.
    pub fn new(geometry: Geometry<f64>) -> Result<Region> {
        use geo::CoordsIter;
        if geometry
            .coords_iter()
            .any(|c| !c.x.is_finite() || !c.y.is_finite())
        {
            return Err(refuse(
                "the shape has a coordinate that is not a finite number",
            ));
        }
        Ok(Region {
            geometry,
            crs: None,
        })
    }

    /// A point (x = easting or longitude).
    ///
    /// # Errors
    /// [`Error::Validation`] for a coordinate that is not a finite number.
    pub fn point(x: f64, y: f64) -> Result<Region> {
        Region::new(Geometry::Point(geo::Point::new(x, y)))
    }

    /// The same shape, its coordinates in `crs`.
    #[must_use]
    pub fn in_crs(mut self, crs: Crs) -> Region {
        self.crs = Some(crs);
        self
    }

    /// The CRS the shape names, if any.
    #[must_use]
    pub fn crs(&self) -> Option<Crs> {
        self.crs
    }

    /// The shape in `to`, its own CRS (or `default`) taken as the source.
    pub(crate) fn geometry_in(&self, default: Option<Crs>, to: Crs) -> Result<Geometry<f64>> {
        use geo::{CoordsIter, MapCoords};
        let from = self.crs.or(default).ok_or_else(|| {
            Error::validation(
                "crs",
                "the shape names no coordinate system: give crs= or set the database's default (set_default_crs)",
            )
        })?;
        if from == to {
            return Ok(self.geometry.clone());
        }
        // One projection set up for all the points, then placed back in order.
        let mut points: Vec<(f64, f64)> = self.geometry.coords_iter().map(|c| (c.x, c.y)).collect();
        reproject(from, to, &mut points)?;
        let next = std::cell::Cell::new(0);
        let points = &points;
        let next = &next;
        let g = self.geometry.map_coords(|c| {
            let i = next.get();
            next.set(i + 1);
            points.get(i).map_or(c, |&(x, y)| Coord { x, y })
        });
        Ok(g)
    }
}

impl From<Geometry<f64>> for Region {
    fn from(geometry: Geometry<f64>) -> Region {
        Region {
            geometry,
            crs: None,
        }
    }
}

impl From<&Boundary> for Region {
    fn from(b: &Boundary) -> Region {
        Region {
            geometry: Geometry::MultiPolygon(b.shape.clone()),
            crs: Some(b.crs),
        }
    }
}

/// A checked boundary: a valid (multi)polygon in a known CRS, its rings
/// oriented as GeoJSON wants (outside counter-clockwise), with the area
/// surveyed on the plane.
#[derive(Debug, Clone)]
pub struct Boundary {
    crs: Crs,
    /// For a boundary in longitude and latitude, the Gauss-Krüger zone
    /// chosen to measure it in; `None`: the zone it falls in.
    plane: Option<Crs>,
    shape: MultiPolygon<f64>,
    area: Mu,
    bbox: Rect<f64>,
}

impl PartialEq for Boundary {
    fn eq(&self, other: &Boundary) -> bool {
        use geo::CoordsIter;
        self.crs == other.crs
            && self.plane == other.plane
            && self.shape.coords_count() == other.shape.coords_count()
            && self
                .shape
                .coords_iter()
                .zip(other.shape.coords_iter())
                .all(|(a, b)| a.x.to_bits() == b.x.to_bits() && a.y.to_bits() == b.y.to_bits())
    }
}

impl Eq for Boundary {}

/// The shape of a stored boundary's rings.
fn shape_of(stored: &StoredBoundary) -> MultiPolygon<f64> {
    let ring = |r: &Vec<(f64, f64)>| LineString(r.iter().map(|&(x, y)| Coord { x, y }).collect());
    MultiPolygon(
        stored
            .polygons
            .iter()
            .map(|rings| {
                let mut rings = rings.iter().map(ring);
                let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
                Polygon::new(exterior, rings.collect())
            })
            .collect(),
    )
}

/// A parcel's boundary as a checkpoint keeps it (`#[serde(with)]`): its
/// CRS, the zone chosen to measure it in, the shape and the measured area
/// (layout 11 on).
pub(crate) mod saved {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use geo::MultiPolygon;

    use super::Boundary;
    use crate::units::Mu;

    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: Serializer>(
        b: &Option<Arc<Boundary>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        b.as_ref()
            .map(|b| {
                (
                    b.crs.code(),
                    b.plane.map(super::Crs::code),
                    &b.shape,
                    b.area,
                )
            })
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Arc<Boundary>>, D::Error> {
        Option::<(u16, Option<u16>, MultiPolygon<f64>, Mu)>::deserialize(d)?
            .map(|(crs, plane, shape, area)| {
                Boundary::restored(crs, plane, shape, area)
                    .map(Arc::new)
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

/// A boundary as events store it: the CRS's EPSG code and the rings'
/// points, as checked and oriented when it was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredBoundary {
    /// The coordinate system's EPSG code.
    pub crs: u16,
    /// Polygons of rings (the outer first) of (x, y) points; x the easting or longitude.
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
    /// For longitude and latitude, the Gauss-Krüger zone (EPSG code) the
    /// area is measured in when one was chosen; `None`: the zone the shape
    /// falls in (format 11 on; values of earlier formats have none).
    #[serde(default, deserialize_with = "crate::units::added_in_11")]
    pub plane: Option<u16>,
}

// Stored coordinates were checked finite when given.
impl Eq for StoredBoundary {}

/// Where in a shape: "polygon 2, hole 1".
fn ring_name(polygon: usize, ring: usize, polygons: usize) -> String {
    let ring = if ring == 0 {
        "outside ring".to_owned()
    } else {
        format!("hole {ring}")
    };
    if polygons > 1 {
        format!("polygon {}, {ring}", polygon + 1)
    } else {
        ring
    }
}

impl Boundary {
    /// Checks an outline and measures it. The outline's own CRS wins over
    /// `crs` when both are given and agree; when they differ it is refused.
    ///
    /// # Errors
    /// [`Error::Validation`] saying what is wrong and where: no CRS, an
    /// empty shape, a ring of fewer than 3 points, a ring not closed, a
    /// coordinate not a number, a point outside the CRS's area (another
    /// zone, swapped axes), a ring crossing itself or another.
    pub fn new(outline: &Outline, crs: Option<Crs>) -> Result<Boundary> {
        let crs = match (outline.crs, crs) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::validation(
                    "crs",
                    format!("the boundary names {a} but {b} was given for it"),
                ))
            }
            (Some(c), _) | (None, Some(c)) => c,
            (None, None) => {
                return Err(Error::validation(
                    "crs",
                    "the boundary names no coordinate system: give crs= (e.g. EPSG:4527) or \
                     set the database's default (set_default_crs)",
                ))
            }
        };
        if outline.polygons.is_empty() || outline.polygons.iter().all(Vec::is_empty) {
            return Err(refuse("the boundary is empty"));
        }
        let count = outline.polygons.len();
        let mut polygons = Vec::with_capacity(count);
        for (i, rings) in outline.polygons.iter().enumerate() {
            if rings.is_empty() {
                return Err(refuse(format!("polygon {} has no rings", i + 1)));
            }
            let mut checked = Vec::with_capacity(rings.len());
            for (j, ring) in rings.iter().enumerate() {
                let name = ring_name(i, j, count);
                checked.push(check_ring(ring, &name, crs, outline.implicit_close)?);
            }
            let mut rings = checked.into_iter();
            let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
            polygons.push(Polygon::new(exterior, rings.collect()));
        }
        let shape = MultiPolygon(polygons);
        if let Err(e) = shape.check_validation() {
            let at = crossing(&shape)
                .map(|(x, y)| format!(" near ({x}, {y})"))
                .unwrap_or_default();
            return Err(refuse(format!(
                "the boundary is not a valid shape: {e}{at}"
            )));
        }
        let shape = shape.orient(Direction::Default);
        let plane = match outline.plane {
            Some(zone) if crs.is_geographic() => Some(measuring_zone(zone, &shape)?),
            _ => None,
        };
        let boundary = Boundary::measured(crs, plane, shape)?;
        if !boundary.area.is_positive() {
            return Err(refuse(
                "the boundary encloses no area (its points lie on a line, or it is smaller than 0.000001 亩)",
            ));
        }
        Ok(boundary)
    }

    fn measured(crs: Crs, plane: Option<Crs>, shape: MultiPolygon<f64>) -> Result<Boundary> {
        let bbox = shape
            .bounding_rect()
            .ok_or_else(|| refuse("the boundary is empty"))?;
        let area = plane_area(crs, plane, &shape, bbox)?;
        Ok(Boundary {
            crs,
            plane,
            shape,
            area,
            bbox,
        })
    }

    /// A boundary as stored (checked when it was given): measured again,
    /// not checked again.
    pub(crate) fn from_stored(stored: &StoredBoundary) -> Result<Boundary> {
        let crs = Crs::epsg(u32::from(stored.crs))
            .map_err(|_| Error::Corrupt(format!("a stored boundary in EPSG:{}", stored.crs)))?;
        let plane = stored
            .plane
            .map(|p| stored_zone(p, "a stored boundary"))
            .transpose()?;
        Boundary::measured(crs, plane, shape_of(stored))
            .map_err(|e| Error::Corrupt(format!("a stored boundary cannot be measured: {e}")))
    }

    /// A boundary as a checkpoint keeps it: its shape and the area
    /// measured when it was given, taken as they are (a checkpoint's
    /// checksums and its match with the events vouch for them).
    fn restored(
        crs: u16,
        plane: Option<u16>,
        shape: MultiPolygon<f64>,
        area: Mu,
    ) -> Result<Boundary> {
        let crs = Crs::epsg(u32::from(crs))
            .map_err(|_| Error::Corrupt(format!("a saved boundary in EPSG:{crs}")))?;
        let plane = plane
            .map(|p| stored_zone(p, "a saved boundary"))
            .transpose()?;
        let bbox = shape
            .bounding_rect()
            .ok_or_else(|| Error::Corrupt("a saved boundary is empty".into()))?;
        Ok(Boundary {
            crs,
            plane,
            shape,
            area,
            bbox,
        })
    }

    /// The form events store.
    #[must_use]
    pub fn stored(&self) -> StoredBoundary {
        StoredBoundary {
            crs: self.crs.code(),
            polygons: rings_of(&self.shape),
            plane: self.plane.map(Crs::code),
        }
    }

    /// The plane its area is measured on: its own CRS when projected, else
    /// the zone chosen ([`Outline::measured_in`]) or the one it falls in.
    ///
    /// # Errors
    /// [`Error::Validation`] for a shape outside the zones (never one
    /// that was checked).
    pub fn plane(&self) -> Result<Crs> {
        match self.plane {
            Some(p) => Ok(p),
            None => self.crs.plane_for(self.bbox.center().x),
        }
    }

    /// The CRS of the coordinates.
    #[must_use]
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// The shape, in [`Boundary::crs`].
    #[must_use]
    pub fn shape(&self) -> &MultiPolygon<f64> {
        &self.shape
    }

    /// The surveyed area in 亩: on the CRS's plane when it is a
    /// Gauss-Krüger zone; for longitude and latitude, on the plane of the
    /// Gauss-Krüger zone the shape lies in (as surveys measure).
    #[must_use]
    pub fn area(&self) -> Mu {
        self.area
    }

    /// The bounding box, in [`Boundary::crs`].
    #[must_use]
    pub fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    /// The shape as WKT.
    #[must_use]
    pub fn to_wkt(&self) -> String {
        use wkt::ToWkt;
        if self.shape.0.len() == 1 {
            self.shape.0[0].wkt_string()
        } else {
            self.shape.wkt_string()
        }
    }

    /// The shape as WKB (little-endian, ISO), as GeoArrow and GeoParquet carry it.
    #[must_use]
    pub fn to_wkb(&self) -> Vec<u8> {
        wkb_of(&self.shape)
    }

    /// Writes the shape as WKB to `out`, as [`Boundary::to_wkb`] makes it.
    ///
    /// # Errors
    /// What `out` returns.
    pub fn write_wkb(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        write_wkb(&self.shape, out)
    }

    /// How many points the shape has.
    #[must_use]
    pub fn points(&self) -> usize {
        use geo::CoordsIter;
        self.shape.coords_count()
    }

    /// The shape as a GeoJSON geometry.
    #[must_use]
    pub fn to_geojson(&self) -> String {
        let value = if self.shape.0.len() == 1 {
            geojson::GeometryValue::from(&self.shape.0[0])
        } else {
            geojson::GeometryValue::from(&self.shape)
        };
        geojson::Geometry::new(value).to_string()
    }

    /// The shape reprojected to `to`.
    ///
    /// # Errors
    /// [`Error::Validation`] for a point the projection cannot take.
    pub fn shape_in(&self, to: Crs) -> Result<MultiPolygon<f64>> {
        if to == self.crs {
            return Ok(self.shape.clone());
        }
        Region::from(self)
            .geometry_in(None, to)
            .and_then(|g| match g {
                Geometry::MultiPolygon(m) => Ok(m),
                _ => Err(Error::Internal(
                    "a reprojected boundary changed kind".into(),
                )),
            })
    }

    /// Whether the surveyed area differs from `registered` by more than
    /// `tolerance_ppm` parts per million of it.
    #[must_use]
    pub fn area_mismatch(&self, registered: Mu, tolerance_ppm: u32) -> bool {
        let diff = i128::from(self.area.millionths()) - i128::from(registered.millionths());
        diff.abs() * 1_000_000 > i128::from(registered.millionths()) * i128::from(tolerance_ppm)
    }

    /// The area (in m², on this boundary's plane) of its overlap with `other`.
    pub(crate) fn overlap_m2(&self, other: &Boundary) -> Result<f64> {
        if !self.bbox_meets(other)? {
            return Ok(0.0);
        }
        let theirs = other.shape_in(self.crs)?;
        let (a, b) = plane_pair(self.crs, self.plane, &self.shape, &theirs, self.bbox)?;
        Ok(a.intersection(&b).unsigned_area())
    }

    /// The area (m²) of this boundary outside `other`.
    pub(crate) fn outside_m2(&self, other: &Boundary) -> Result<f64> {
        let theirs = other.shape_in(self.crs)?;
        let (a, b) = plane_pair(self.crs, self.plane, &self.shape, &theirs, self.bbox)?;
        Ok(a.difference(&b).unsigned_area())
    }

    /// The surveyed area in m² (measured to the nearest 1/1500 m²).
    #[must_use]
    pub fn area_m2(&self) -> f64 {
        self.area.to_m2_f64()
    }

    fn bbox_meets(&self, other: &Boundary) -> Result<bool> {
        if other.crs == self.crs {
            return Ok(rects_meet(self.bbox, other.bbox));
        }
        let theirs = other.shape_in(self.crs)?;
        Ok(theirs
            .bounding_rect()
            .is_some_and(|r| rects_meet(self.bbox, r)))
    }

    /// Whether the two share a stretch of boundary line (not just a point)
    /// without overlapping: neighbours (相邻地块).
    pub(crate) fn shares_edge(&self, other: &Boundary) -> Result<bool> {
        let theirs = other.shape_in(self.crs)?;
        let m = self.shape.relate(&theirs);
        Ok(m.is_touches()
            && matches!(
                m.get(
                    geo::coordinate_position::CoordPos::OnBoundary,
                    geo::coordinate_position::CoordPos::OnBoundary
                ),
                geo::dimensions::Dimensions::OneDimensional
            ))
    }

    /// Whether the boundary lies within `shape` (in this boundary's CRS).
    pub(crate) fn within(&self, shape: &Geometry<f64>) -> bool {
        use geo::Within;
        self.shape.is_within(shape)
    }

    /// Whether the boundary meets `shape` (in this boundary's CRS).
    pub(crate) fn intersects(&self, shape: &Geometry<f64>) -> bool {
        use geo::Intersects;
        self.shape.intersects(shape)
    }
}

/// A shape as WKB: a POLYGON when it is one, else a MULTIPOLYGON.
#[must_use]
pub fn wkb_of(shape: &MultiPolygon<f64>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let written = write_wkb(shape, &mut out);
    debug_assert!(written.is_ok());
    out
}

/// Writes a shape as WKB (a polygon when it has one part) to `out`.
///
/// # Errors
/// What `out` returns.
pub fn write_wkb(shape: &MultiPolygon<f64>, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let options = wkb::writer::WriteOptions::default();
    let written = if shape.0.len() == 1 {
        wkb::writer::write_polygon(out, &shape.0[0], &options)
    } else {
        wkb::writer::write_multi_polygon(out, shape, &options)
    };
    written.map_err(std::io::Error::other)
}

/// The bounds `[xmin, ymin, xmax, ymax]` of a shape in WKB, if it reads.
#[must_use]
pub fn wkb_bounds(bytes: &[u8]) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    use geo_traits::to_geo::ToGeoGeometry;
    let g: Geometry<f64> = wkb::reader::read_wkb(bytes).ok()?.try_to_geometry()?;
    let r = g.bounding_rect()?;
    Some([r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The overlap or gap between shapes drawn by hand that counts as none: 0.1%
/// of the smaller shape's area, and never less than 1 m².
#[must_use]
pub fn sliver_m2(area_m2: f64) -> f64 {
    (area_m2 / 1000.0).max(1.0)
}

/// Whether the `inner` box lies within the `outer` one (edges included).
pub(crate) fn rect_holds(outer: Rect<f64>, inner: Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && inner.max().x <= outer.max().x
        && inner.max().y <= outer.max().y
}

/// Whether two boxes meet (touching counts).
pub(crate) fn rects_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Checks one ring and makes it a closed line string.
fn check_ring(
    ring: &[(f64, f64)],
    name: &str,
    crs: Crs,
    implicit_close: bool,
) -> Result<LineString<f64>> {
    if ring.len() > MAX_POINTS {
        return Err(refuse(format!(
            "{name} has {} points; parkdb takes at most {MAX_POINTS}",
            ring.len()
        )));
    }
    for (k, &(x, y)) in ring.iter().enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(refuse(format!(
                "{name}, point {}: ({x}, {y}) is not a pair of finite numbers",
                k + 1
            )));
        }
        if let Some(why) = crs.misplaced(x, y) {
            return Err(refuse(format!("{name}, point {}: {why}", k + 1)));
        }
    }
    let mut coords: Vec<Coord<f64>> = ring.iter().map(|&(x, y)| Coord { x, y }).collect();
    let closed = coords.len() >= 2 && coords.first() == coords.last();
    if !closed && !implicit_close {
        let (a, b) = (ring.first(), ring.last());
        return Err(refuse(match (a, b) {
            (Some(a), Some(b)) => format!(
                "{name} is not closed: it starts at ({}, {}) and ends at ({}, {})",
                a.0, a.1, b.0, b.1
            ),
            _ => format!("{name} has no points"),
        }));
    }
    let mut distinct = coords.clone();
    if closed {
        distinct.pop();
    }
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(refuse(format!(
            "{name} has {} distinct point{}; a ring needs at least 3",
            distinct.len(),
            if distinct.len() == 1 { "" } else { "s" }
        )));
    }
    if !closed {
        coords.push(coords[0]);
    }
    Ok(LineString(coords))
}

/// Where two segments of the shape's rings cross, for the error message:
/// the first crossing found (rings of up to a few thousand points).
fn crossing(shape: &MultiPolygon<f64>) -> Option<(f64, f64)> {
    use geo::line_intersection::{line_intersection, LineIntersection};
    let lines: Vec<(usize, usize, geo::Line<f64>)> = shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .enumerate()
        .flat_map(|(r, ring)| ring.lines().enumerate().map(move |(k, l)| (r, k, l)))
        .collect();
    if lines.len() > 5_000 {
        return None;
    }
    let ring_len = |r: usize| lines.iter().filter(|l| l.0 == r).count();
    for (i, a) in lines.iter().enumerate() {
        for b in &lines[i + 1..] {
            let adjacent = a.0 == b.0 && (b.1 == a.1 + 1 || (a.1 == 0 && b.1 + 1 == ring_len(a.0)));
            if adjacent {
                continue;
            }
            match line_intersection(a.2, b.2) {
                Some(LineIntersection::SinglePoint { intersection, .. }) => {
                    return Some((intersection.x, intersection.y))
                }
                Some(LineIntersection::Collinear { intersection }) => {
                    return Some((intersection.start.x, intersection.start.y))
                }
                None => {}
            }
        }
    }
    None
}

/// The shape on the plane areas are measured on: itself when projected,
/// else the zone `chosen` or the one it falls in.
fn on_plane(
    crs: Crs,
    chosen: Option<Crs>,
    shape: &MultiPolygon<f64>,
    bbox: Rect<f64>,
) -> Result<(MultiPolygon<f64>, Crs)> {
    let plane = match chosen {
        Some(zone) if crs.is_geographic() => zone,
        _ => crs.plane_for(bbox.center().x)?,
    };
    if plane == crs {
        return Ok((shape.clone(), crs));
    }
    match Region::from(Geometry::MultiPolygon(shape.clone()))
        .in_crs(crs)
        .geometry_in(None, plane)?
    {
        Geometry::MultiPolygon(m) => Ok((m, plane)),
        _ => Err(Error::Internal(
            "a reprojected boundary changed kind".into(),
        )),
    }
}

fn plane_pair(
    crs: Crs,
    chosen: Option<Crs>,
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
    bbox: Rect<f64>,
) -> Result<(MultiPolygon<f64>, MultiPolygon<f64>)> {
    let (pa, plane) = on_plane(crs, chosen, a, bbox)?;
    if plane == crs {
        return Ok((pa, b.clone()));
    }
    let (pb, _) = on_plane(crs, Some(plane), b, bbox)?;
    Ok((pa, pb))
}

/// The area in 亩 of a shape on its plane, measured to 0.000001 亩.
fn plane_area(
    crs: Crs,
    chosen: Option<Crs>,
    shape: &MultiPolygon<f64>,
    bbox: Rect<f64>,
) -> Result<Mu> {
    let (plane, _) = on_plane(crs, chosen, shape, bbox)?;
    Mu::from_measured_m2(plane.unsigned_area())
        .map_err(|_| refuse("the boundary's area is out of range"))
}

/// The Gauss-Krüger zone a stored or saved boundary names as the plane
/// it is measured on (`what` says which, for the error).
fn stored_zone(code: u16, what: &str) -> Result<Crs> {
    Crs::epsg(u32::from(code))
        .ok()
        .filter(|z| z.zone().is_some())
        .ok_or_else(|| Error::Corrupt(format!("{what} measured in EPSG:{code}, not a zone")))
}

/// The zone a longitude/latitude shape is measured in when `zone` is
/// chosen: a Gauss-Krüger zone the shape lies in or next to (its central
/// meridian within 4.5° of the shape's centre: the zone's own 1.5° and a
/// neighbouring zone's 3°), so that a zone chosen by mistake (another
/// province's) is refused rather than measured far out of it.
fn measuring_zone(zone: Crs, shape: &MultiPolygon<f64>) -> Result<Crs> {
    let Some((number, _)) = zone.zone() else {
        return Err(Error::validation(
            "zone",
            format!("{zone} is not a Gauss-Krüger zone (EPSG:4513–4554) to measure areas in"),
        ));
    };
    let meridian = f64::from(number) * 3.0;
    let x = shape.bounding_rect().map_or(meridian, |r| r.center().x);
    if (x - meridian).abs() > 4.5 {
        return Err(Error::validation(
            "zone",
            format!(
                "the boundary lies at {x:.3}°E, beyond the reach of {zone} (central meridian {meridian}°E): \
                 measure it in the zone it lies in or a neighbouring one"
            ),
        ));
    }
    Ok(zone)
}

/// A boundary kept by a parcel, shared between its states.
pub type SharedBoundary = Arc<Boundary>;

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x0: f64, y0: f64, w: f64, h: f64) -> Outline {
        Outline::points(&[(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)])
    }

    #[test]
    fn a_rectangle_in_a_zone_measures_exactly() {
        // 200 m × 100 m = 20,000 m² = 30 亩.
        let b = Boundary::new(
            &rect(39_512_000.0, 3_400_000.0, 200.0, 100.0),
            Some(Crs::epsg(4527).unwrap()),
        )
        .unwrap();
        assert_eq!(b.area(), "30".parse().unwrap());
        assert!(!b.area_mismatch("30".parse().unwrap(), 10_000));
        assert!(b.area_mismatch("31.6".parse().unwrap(), 10_000));
        let again = Boundary::from_stored(&b.stored()).unwrap();
        assert_eq!(again, b);
        assert_eq!(again.area(), b.area());
    }

    #[test]
    fn wkt_and_geojson_read_alike() {
        let w = Outline::parse("POLYGON ((39512000 3400000, 39512200 3400000, 39512200 3400100, 39512000 3400100, 39512000 3400000))").unwrap();
        let g = Outline::parse(r#"{"type":"Polygon","crs":{"type":"name","properties":{"name":"EPSG:4527"}},"coordinates":[[[39512000,3400000],[39512200,3400000],[39512200,3400100],[39512000,3400100],[39512000,3400000]]]}"#).unwrap();
        assert_eq!(g.crs(), Some(Crs::epsg(4527).unwrap()));
        let crs = Some(Crs::epsg(4527).unwrap());
        assert_eq!(
            Boundary::new(&w, crs).unwrap(),
            Boundary::new(&g, None).unwrap()
        );
    }

    #[test]
    fn invalid_shapes_say_what_and_where() {
        let z = Some(Crs::epsg(4527).unwrap());
        let err = |o: Outline| Boundary::new(&o, z).unwrap_err().to_string();
        let bow = Outline::points(&[
            (39_512_000.0, 3_400_000.0),
            (39_512_100.0, 3_400_100.0),
            (39_512_100.0, 3_400_000.0),
            (39_512_000.0, 3_400_100.0),
        ]);
        let e = err(bow);
        assert!(
            e.contains("self-intersection") && e.contains("near (39512050, 3400050)"),
            "{e}"
        );
        let open = Outline::wkt(
            "POLYGON ((39512000 3400000, 39512200 3400000, 39512200 3400100, 39512000 3400100))",
        );
        // The wkt crate itself may close or refuse; either way it is refused here.
        assert!(open.and_then(|o| Boundary::new(&o, z)).is_err());
        let open = Outline::polygons(vec![vec![vec![
            (39_512_000.0, 3_400_000.0),
            (39_512_200.0, 3_400_000.0),
            (39_512_200.0, 3_400_100.0),
        ]]]);
        assert!(err(open).contains("not closed"));
        assert!(err(Outline::points(&[
            (39_512_000.0, 3_400_000.0),
            (39_512_200.0, 3_400_000.0)
        ]))
        .contains("at least 3"));
        assert!(err(Outline::points(&[
            (39_512_000.0, 3_400_000.0),
            (f64::NAN, 3_400_000.0),
            (39_512_000.0, 3_400_100.0)
        ]))
        .contains("point 2"));
        assert!(err(rect(40_512_000.0, 3_400_000.0, 10.0, 10.0)).contains("zone 40"));
        assert!(Boundary::new(&rect(39_512_000.0, 3_400_000.0, 10.0, 10.0), None).is_err());
        assert!(Outline::parse("POINT (1 2)")
            .unwrap_err()
            .to_string()
            .contains("POLYGON"));
    }

    /// A 200 m × 100 m rectangle (30 亩) surveyed in zone 40 (central
    /// meridian 120°E, EPSG:4528), at 121.6°E: just over the line into
    /// zone 41, as a survey of Yantai may lie.
    fn yantai_rectangle() -> (Boundary, Outline) {
        let zone40 = Crs::epsg(4528).unwrap();
        let planar =
            Boundary::new(&rect(40_641_000.0, 4_150_000.0, 200.0, 100.0), Some(zone40)).unwrap();
        assert_eq!(planar.area(), "30".parse().unwrap());
        let lonlat = planar.shape_in(Crs::CGCS2000).unwrap();
        let x = lonlat.bounding_rect().unwrap().center().x;
        assert!(x > 121.5 && x < 121.7, "{x}");
        (planar, Outline::from(lonlat).in_crs(Crs::CGCS2000))
    }

    #[test]
    fn longitude_and_latitude_are_measured_in_the_zone_chosen() {
        let (planar, outline) = yantai_rectangle();
        let zone40 = Crs::epsg(4528).unwrap();
        // The zone it falls in (41) and the one it was surveyed in (40)
        // measure it differently; the chosen zone gives the survey's area.
        let own = Boundary::new(&outline, None).unwrap();
        let chosen = Boundary::new(&outline.clone().measured_in(zone40), None).unwrap();
        let diff = |a: Mu, b: Mu| (a.millionths() - b.millionths()).abs();
        assert!(
            diff(chosen.area(), planar.area()) <= 2,
            "{} vs {}",
            chosen.area(),
            planar.area()
        );
        assert!(
            diff(own.area(), planar.area()) > 1_000,
            "{} vs {}",
            own.area(),
            planar.area()
        );
        assert_eq!(chosen.plane().unwrap(), zone40);
        assert_eq!(own.plane().unwrap().zone().unwrap().0, 41);
        // Stored and read back, it is measured in the same zone.
        let stored = chosen.stored();
        assert_eq!(stored.plane, Some(4528));
        let again = Boundary::from_stored(&stored).unwrap();
        assert_eq!(again.area(), chosen.area());
        assert_eq!(again, chosen);
        assert_ne!(again, own);
        // A projected outline is measured on its own plane, whatever is chosen.
        let projected = Boundary::new(
            &rect(40_641_000.0, 4_150_000.0, 200.0, 100.0).measured_in(Crs::epsg(4527).unwrap()),
            Some(zone40),
        )
        .unwrap();
        assert_eq!(projected.area(), planar.area());
        assert_eq!(projected.stored().plane, None);
    }

    #[test]
    fn a_zone_out_of_reach_or_not_a_zone_is_refused() {
        let (_, outline) = yantai_rectangle();
        for (code, says) in [
            (4521, "beyond the reach"),
            (4490, "not a Gauss-Krüger zone"),
        ] {
            let e = Boundary::new(&outline.clone().measured_in(Crs::epsg(code).unwrap()), None)
                .unwrap_err();
            assert!(
                matches!(&e, Error::Validation { field, .. } if field == "zone"),
                "{e}"
            );
            assert!(e.to_string().contains(says), "{e}");
        }
        // The neighbouring zone on the other side is within reach.
        assert!(Boundary::new(&outline.measured_in(Crs::epsg(4529).unwrap()), None).is_ok());
    }
}
