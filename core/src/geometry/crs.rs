//! Coordinate reference systems parkdb keeps boundaries in: CGCS2000
//! (EPSG:4490), its 3-degree Gauss-Krüger zones (EPSG:4513–4554, the ones
//! China's cadastral surveys use) and WGS 84 (EPSG:4326). Definitions come
//! from `crs-definitions`; reprojection is `proj4rs` (pure Rust).
//!
//! Coordinates are always x = easting (longitude), y = northing
//! (latitude), as GeoArrow, GeoParquet, GeoJSON and WKT carry them,
//! whatever axis order the EPSG definition lists.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// A coordinate reference system, by its EPSG code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Crs(u16);

/// The first and last 3-degree Gauss-Krüger zones of CGCS2000 (75°E–135°E).
const FIRST_ZONE: u16 = 25;
const LAST_ZONE: u16 = 45;
/// EPSG:4513 is zone 25 with the zone number before the easting
/// (`39500000` in zone 39); EPSG:4534 is zone 25 (central meridian 75°E)
/// without it.
const PREFIXED_FROM: u16 = 4513;
const PLAIN_FROM: u16 = 4534;

/// How far from a zone's central meridian an easting may lie, in metres
/// (1.5° is 167 km at the equator; surveys run somewhat past the edge).
const HALF_WIDTH_M: f64 = 350_000.0;
/// The northings of China (about 3°N to 54°N), with a margin.
const NORTHING_M: std::ops::RangeInclusive<f64> = 0.0..=6_200_000.0;
/// Longitudes and latitudes the 3-degree zones 25–45 cover.
const LONGITUDE: std::ops::RangeInclusive<f64> = 73.5..=136.5;
const LATITUDE: std::ops::RangeInclusive<f64> = 0.0..=56.0;

impl Crs {
    /// CGCS2000, geographic (longitude, latitude in degrees).
    pub const CGCS2000: Crs = Crs(4490);
    /// WGS 84, geographic.
    pub const WGS84: Crs = Crs(4326);

    /// The CRS of an EPSG code parkdb supports.
    ///
    /// # Errors
    /// [`Error::Validation`] naming what is supported.
    pub fn epsg(code: u32) -> Result<Crs> {
        match u16::try_from(code) {
            Ok(c @ (4326 | 4490 | PREFIXED_FROM..=4554)) => Ok(Crs(c)),
            _ => Err(Error::validation(
                "crs",
                format!(
                    "EPSG:{code} is not a coordinate system parkdb keeps boundaries in; \
                     use CGCS2000 (EPSG:4490), a CGCS2000 3-degree Gauss-Krüger zone \
                     (EPSG:4513–4554) or WGS 84 (EPSG:4326)"
                ),
            )),
        }
    }

    /// Reads `EPSG:4527`, `epsg:4527`, `4527`, `CGCS2000`, `WGS84`,
    /// `OGC:CRS84` or an OGC URN (`urn:ogc:def:crs:EPSG::4527`).
    ///
    /// # Errors
    /// [`Error::Validation`] for anything else.
    pub fn parse(text: &str) -> Result<Crs> {
        let t = text.trim();
        let upper = t.to_ascii_uppercase();
        let compact: String = upper
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .collect();
        match compact.as_str() {
            "CGCS2000" | "国家2000" | "2000国家大地坐标系" => return Ok(Crs::CGCS2000),
            "WGS84" | "OGC:CRS84" | "CRS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84" => {
                return Ok(Crs::WGS84)
            }
            _ => {}
        }
        let digits = upper
            .strip_prefix("EPSG:")
            .or_else(|| upper.strip_prefix("URN:OGC:DEF:CRS:EPSG::"))
            .or_else(|| upper.strip_prefix("URN:OGC:DEF:CRS:EPSG:"))
            .unwrap_or(&upper);
        match digits.trim().parse::<u32>() {
            Ok(code) => Crs::epsg(code),
            Err(_) => Err(Error::validation(
                "crs",
                format!(
                    "cannot read {:?} as a coordinate system; give an EPSG code such as \
                     EPSG:4527 or 4490",
                    crate::text::shown(t)
                ),
            )),
        }
    }

    /// The EPSG code.
    #[must_use]
    pub fn code(self) -> u16 {
        self.0
    }

    /// Longitude and latitude in degrees (EPSG:4490, EPSG:4326).
    #[must_use]
    pub fn is_geographic(self) -> bool {
        matches!(self.0, 4326 | 4490)
    }

    /// The Gauss-Krüger zone (25–45) of a projected CRS, and whether its
    /// eastings carry the zone number in front.
    #[must_use]
    pub fn zone(self) -> Option<(u16, bool)> {
        match self.0 {
            c @ PREFIXED_FROM..PLAIN_FROM => Some((c - PREFIXED_FROM + FIRST_ZONE, true)),
            c @ PLAIN_FROM..=4554 => Some((c - PLAIN_FROM + FIRST_ZONE, false)),
            _ => None,
        }
    }

    /// The zone-prefixed Gauss-Krüger CRS whose zone holds `longitude`.
    fn zone_of(longitude: f64) -> Option<Crs> {
        let zone =
            (FIRST_ZONE..=LAST_ZONE).find(|z| (longitude - f64::from(*z) * 3.0).abs() <= 1.5)?;
        Some(Crs(PREFIXED_FROM + zone - FIRST_ZONE))
    }

    /// The plane areas are measured on: the CRS itself when projected, else
    /// the Gauss-Krüger zone (with its prefix) of `longitude`.
    pub(crate) fn plane_for(self, longitude: f64) -> Result<Crs> {
        if !self.is_geographic() {
            return Ok(self);
        }
        Crs::zone_of(longitude).ok_or_else(|| {
            Error::validation(
                "boundary",
                format!(
                    "longitude {longitude} is outside the 3-degree zones 25–45 (73.5°E–136.5°E)"
                ),
            )
        })
    }

    /// The CRS's name, as EPSG gives it.
    #[must_use]
    pub fn name(self) -> String {
        let wkt = crs_definitions::from_code(self.0).map_or("", |d| d.wkt);
        wkt.split_once("[\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or_else(|| format!("EPSG:{}", self.0), |(name, _)| name.to_owned())
    }

    fn proj(self) -> Result<proj4rs::Proj> {
        proj4rs::Proj::from_epsg_code(self.0)
            .map_err(|e| Error::Internal(format!("the definition of EPSG:{}: {e}", self.0)))
    }

    /// What is wrong with the point (x, y) in this CRS, if anything: out of
    /// range, in another zone, or with its axes swapped.
    pub(crate) fn misplaced(self, x: f64, y: f64) -> Option<String> {
        if self.is_geographic() {
            if LONGITUDE.contains(&x) && LATITUDE.contains(&y) {
                return None;
            }
            if LONGITUDE.contains(&y) && LATITUDE.contains(&x) {
                return Some(format!(
                    "({x}, {y}) has its axes swapped: give x = longitude (east), y = latitude"
                ));
            }
            return Some(format!(
                "({x}, {y}) is outside the longitudes 73.5°E–136.5°E and latitudes 0°–56°N \
                 that {self} boundaries may have"
            ));
        }
        let (zone, prefixed) = self.zone()?;
        let origin = if prefixed {
            f64::from(zone) * 1e6 + 500_000.0
        } else {
            500_000.0
        };
        let east_ok = (x - origin).abs() <= HALF_WIDTH_M;
        if east_ok && NORTHING_M.contains(&y) {
            return None;
        }
        if (y - origin).abs() <= HALF_WIDTH_M && NORTHING_M.contains(&x) {
            return Some(format!(
                "({x}, {y}) has its axes swapped: give x = easting, y = northing"
            ));
        }
        if !east_ok {
            let prefix = (x / 1e6).floor();
            let other = (FIRST_ZONE..=LAST_ZONE).find(|z| (f64::from(*z) - prefix).abs() < 0.5);
            if let Some(other) = other.filter(|o| !(prefixed && *o == zone)) {
                if prefixed {
                    return Some(format!(
                        "easting {x} is in zone {other}, but {self} is zone {zone}: \
                         use EPSG:{}",
                        PREFIXED_FROM + other - FIRST_ZONE
                    ));
                }
                return Some(format!(
                    "easting {x} carries the zone number {other} in front; {self} has \
                     eastings without it: use EPSG:{}",
                    PREFIXED_FROM + other - FIRST_ZONE
                ));
            }
            if prefixed && (x - 500_000.0).abs() <= HALF_WIDTH_M {
                return Some(format!(
                    "easting {x} has no zone number in front; {self} (zone {zone}) expects \
                     eastings near {origin}: use EPSG:{} for eastings without it",
                    PLAIN_FROM + zone - FIRST_ZONE
                ));
            }
            return Some(format!(
                "easting {x} is outside zone {zone} of {self} (expected within {HALF_WIDTH_M} m \
                 of {origin})"
            ));
        }
        Some(format!(
            "northing {y} is outside China's northings (0–6,200,000 m)"
        ))
    }

    /// The CRS as PROJJSON, the form GeoArrow and GeoParquet carry.
    #[must_use]
    pub fn projjson(self) -> Value {
        let id = |code: u16| json!({"authority": "EPSG", "code": code});
        let (datum, ellipsoid) = if self.0 == 4326 {
            (
                "World Geodetic System 1984",
                json!({"name": "WGS 84", "semi_major_axis": 6_378_137,
                       "inverse_flattening": 298.257_223_563}),
            )
        } else {
            (
                "China 2000",
                json!({"name": "CGCS2000", "semi_major_axis": 6_378_137,
                       "inverse_flattening": 298.257_222_101}),
            )
        };
        let geographic = |code: u16, name: &str| {
            json!({
                "type": "GeographicCRS",
                "name": name,
                "datum": {"type": "GeodeticReferenceFrame", "name": datum, "ellipsoid": ellipsoid},
                "coordinate_system": {"subtype": "ellipsoidal", "axis": [
                    {"name": "Geodetic latitude", "abbreviation": "Lat", "direction": "north", "unit": "degree"},
                    {"name": "Geodetic longitude", "abbreviation": "Lon", "direction": "east", "unit": "degree"}
                ]},
                "id": id(code)
            })
        };
        let schema = "https://proj.org/schemas/v0.7/projjson.schema.json";
        let Some((zone, prefixed)) = self.zone() else {
            let mut crs = geographic(self.0, &self.name());
            crs["$schema"] = json!(schema);
            return crs;
        };
        let false_easting = if prefixed {
            u32::from(zone) * 1_000_000 + 500_000
        } else {
            500_000
        };
        let param = |name: &str, value: Value, unit: &str, code: u16| json!({"name": name, "value": value, "unit": unit, "id": id(code)});
        let conversion_name = if prefixed {
            format!("3-degree Gauss-Kruger zone {zone}")
        } else {
            format!("3-degree Gauss-Kruger CM {}E", zone * 3)
        };
        json!({
            "$schema": schema,
            "type": "ProjectedCRS",
            "name": self.name(),
            "base_crs": geographic(4490, "China Geodetic Coordinate System 2000"),
            "conversion": {
                "name": conversion_name,
                "method": {"name": "Transverse Mercator", "id": id(9807)},
                "parameters": [
                    param("Latitude of natural origin", json!(0), "degree", 8801),
                    param("Longitude of natural origin", json!(zone * 3), "degree", 8802),
                    param("Scale factor at natural origin", json!(1), "unity", 8805),
                    param("False easting", json!(false_easting), "metre", 8806),
                    param("False northing", json!(0), "metre", 8807)
                ]
            },
            "coordinate_system": {"subtype": "Cartesian", "axis": [
                {"name": "Northing", "abbreviation": "X", "direction": "north", "unit": "metre"},
                {"name": "Easting", "abbreviation": "Y", "direction": "east", "unit": "metre"}
            ]},
            "id": id(self.0)
        })
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.0)
    }
}

impl std::str::FromStr for Crs {
    type Err = Error;
    fn from_str(s: &str) -> Result<Crs> {
        Crs::parse(s)
    }
}

/// Reprojects points (x = easting or longitude in degrees) from one CRS to
/// another, in place.
///
/// # Errors
/// [`Error::Validation`] for a point the projection cannot take.
pub fn reproject(from: Crs, to: Crs, points: &mut [(f64, f64)]) -> Result<()> {
    if from == to || points.is_empty() {
        return Ok(());
    }
    let (src, dst) = (from.proj()?, to.proj()?);
    for p in points.iter_mut() {
        let input = if from.is_geographic() {
            (p.0.to_radians(), p.1.to_radians())
        } else {
            *p
        };
        let (x, y) = proj4rs::adaptors::transform_vertex_2d(&src, &dst, input).map_err(|e| {
            Error::validation(
                "boundary",
                format!(
                    "cannot reproject ({}, {}) from {from} to {to}: {e}",
                    p.0, p.1
                ),
            )
        })?;
        *p = if to.is_geographic() {
            (x.to_degrees(), y.to_degrees())
        } else {
            (x, y)
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_zones() {
        assert_eq!(Crs::parse("EPSG:4527").unwrap().zone(), Some((39, true)));
        assert_eq!(Crs::parse("4554").unwrap().zone(), Some((45, false)));
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:EPSG::4490").unwrap(),
            Crs::CGCS2000
        );
        assert_eq!(Crs::parse("OGC:CRS84").unwrap(), Crs::WGS84);
        assert!(Crs::parse("EPSG:3857").is_err());
        assert!(Crs::parse("mercator").is_err());
        assert_eq!(Crs(4527).name(), "CGCS2000 / 3-degree Gauss-Kruger zone 39");
        assert_eq!(Crs::zone_of(117.4), Some(Crs(4527)));
    }

    #[test]
    fn reprojects_both_ways() {
        let mut pts = [(39_500_000.0, 3_400_000.0)];
        reproject(Crs(4527), Crs::CGCS2000, &mut pts).unwrap();
        assert!((pts[0].0 - 117.0).abs() < 1e-9, "{pts:?}");
        reproject(Crs::CGCS2000, Crs(4527), &mut pts).unwrap();
        assert!((pts[0].0 - 39_500_000.0).abs() < 1e-4, "{pts:?}");
        assert!((pts[0].1 - 3_400_000.0).abs() < 1e-4, "{pts:?}");
    }

    #[test]
    fn misplaced_points() {
        let z39 = Crs(4527);
        assert!(z39.misplaced(39_512_000.0, 3_400_000.0).is_none());
        assert!(z39
            .misplaced(40_512_000.0, 3_400_000.0)
            .unwrap()
            .contains("EPSG:4528"));
        assert!(z39
            .misplaced(3_400_000.0, 39_512_000.0)
            .unwrap()
            .contains("swapped"));
        assert!(z39
            .misplaced(512_000.0, 3_400_000.0)
            .unwrap()
            .contains("EPSG:4548"));
        assert!(Crs::CGCS2000
            .misplaced(30.0, 120.0)
            .unwrap()
            .contains("swapped"));
    }
}
