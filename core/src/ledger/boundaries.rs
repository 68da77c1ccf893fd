//! Boundaries from the survey files parks receive: a GeoJSON file
//! (a `FeatureCollection`) or an ESRI shapefile (`.shp` with its `.dbf` and,
//! if present, `.prj`), each feature matched to a parcel by the code in a
//! field the import names (`地块编号`). All or nothing, as the ledgers'
//! import: every unknown code or invalid shape is reported with its
//! feature number, and if there is one, nothing is written. Surveyed
//! areas beyond the tolerance are reported too, but do not stop the
//! import: the survey is what it is, and `check()` keeps listing them.

use std::path::Path;

use chrono::NaiveDate;

use super::import::RowError;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::geometry::{Crs, Outline};

/// How to import boundaries.
#[derive(Debug, Clone, Default)]
pub struct BoundaryOptions {
    /// The field holding the parcel's code (地块编号).
    pub code_field: String,
    /// The coordinate system, when the file does not name one (GeoJSON's
    /// `crs` member, a shapefile's `.prj`). Without either, a GeoJSON file
    /// is WGS 84 longitude/latitude, as RFC 7946 defines GeoJSON; a
    /// shapefile is in the database's default.
    pub crs: Option<Crs>,
    /// The date the boundaries take effect; else each parcel's latest event.
    pub on: Option<NaiveDate>,
    /// The encoding of a shapefile's `.dbf` text (`GBK`, `GB18030`,
    /// `UTF-8`…): it wins over the `.cpg` beside it. Without either, the
    /// text must be UTF-8; a `.dbf` that is not is refused, naming this.
    pub encoding: Option<String>,
    /// The Gauss-Krüger zone (EPSG:4513–4554) a file in longitude and
    /// latitude is measured in: the zone the park registers its land in.
    /// Without it, the database's default CRS when that is a zone, else
    /// the zone each shape falls in.
    pub zone: Option<Crs>,
    /// Check and report only.
    pub dry_run: bool,
}

/// What an import of boundaries did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundaryReport {
    /// Features read.
    pub features: usize,
    /// Boundaries set (or, in a dry run, that would be).
    pub matched: usize,
    /// Features refused: an unknown code, a missing code, an invalid shape.
    pub errors: Vec<RowError>,
    /// Parcels whose surveyed area differs from the registered one beyond
    /// the tolerance (set all the same).
    pub mismatches: Vec<RowError>,
    /// True when the boundaries were stored.
    pub written: bool,
}

/// One feature of a survey file: its number (from 1), the code, the shape.
struct Feature {
    number: usize,
    code: Option<String>,
    outline: std::result::Result<Outline, String>,
}

/// Imports the boundaries in `path` (`.geojson`/`.json` or `.shp`).
///
/// # Errors
/// [`Error::Io`] or [`Error::Validation`] for a file that cannot be read
/// at all; bad features are in the report, not errors.
pub fn import_boundaries(
    db: &Db,
    path: &Path,
    options: &BoundaryOptions,
) -> Result<BoundaryReport> {
    let sheet = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "geojson" | "json" | "shp") {
        super::read::regular_file(path, &super::read::ReadLimits::default())?;
    }
    let (features, file_crs, fields) = match ext.as_str() {
        "geojson" | "json" => read_geojson(path, &options.code_field)?,
        "shp" => read_shapefile(path, &options.code_field, options.encoding.as_deref())?,
        _ => {
            return Err(Error::validation(
                "file",
                format!("{sheet}: boundaries are read from .geojson, .json or .shp files"),
            ))
        }
    };
    if !features.is_empty() && !fields.contains(&options.code_field) {
        return Err(Error::validation(
            "code_field",
            format!(
                "{sheet}: no feature has a field {}; its fields are: {}",
                crate::text::shown(&options.code_field),
                fields.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let geojson = matches!(ext.as_str(), "geojson" | "json");
    let crs = file_crs.or(options.crs).or(geojson.then_some(Crs::WGS84));
    let fault = |number: usize, column: &str, reason: String| RowError {
        sheet: sheet.clone(),
        row: number,
        column: column.to_owned(),
        reason,
    };
    let mut report = BoundaryReport {
        features: features.len(),
        ..BoundaryReport::default()
    };
    let source = crate::provenance::source_file(path)?;
    let mut unit = db.begin()?;
    // Each boundary's event names the file and the feature it came from.
    unit.importing(crate::SourceKind::Boundaries)?;
    let tolerance = unit.policy().tolerance_ppm();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for f in &features {
        let Some(code) = f.code.as_deref().filter(|c| !c.trim().is_empty()) else {
            report.errors.push(fault(
                f.number,
                &options.code_field,
                "has no parcel code".into(),
            ));
            continue;
        };
        // Two shapes for one parcel: which is its boundary cannot be known.
        if let Some(first) = seen.insert(code, f.number) {
            report.errors.push(fault(
                f.number,
                &options.code_field,
                format!("{code} again: feature {first} gives its boundary too"),
            ));
            continue;
        }
        let outline = match &f.outline {
            Ok(o) => o.clone(),
            Err(why) => {
                report.errors.push(fault(f.number, "geometry", why.clone()));
                continue;
            }
        };
        let outline = match (outline.crs(), crs) {
            (None, Some(c)) => outline.in_crs(c),
            _ => outline,
        };
        let outline = match options.zone {
            Some(zone) => outline.measured_in(zone),
            None => outline,
        };
        let parcel = match unit.parcel_by_code(code) {
            Ok(p) => p,
            Err(e) => {
                report
                    .errors
                    .push(fault(f.number, &options.code_field, format!("{code}: {e}")));
                continue;
            }
        };
        let on = options.on.unwrap_or(parcel.last_event);
        unit.at_row(Some((Some(&source), "", f.number as u64)));
        match unit.set_boundary(parcel.id, on, Some(&outline)) {
            Ok(_) => {
                report.matched += 1;
                // The boundary as the writer checked and measured it.
                let set = unit.parcel(parcel.id)?.boundary;
                if let Some(shape) = set.filter(|b| b.area_mismatch(parcel.area, tolerance)) {
                    report.mismatches.push(fault(
                        f.number,
                        "geometry",
                        format!(
                            "parcel {code}: surveyed {} against {} registered",
                            shape.area(),
                            parcel.area
                        ),
                    ));
                }
            }
            Err(e) => report
                .errors
                .push(fault(f.number, "geometry", format!("{code}: {e}"))),
        }
    }
    if report.errors.is_empty() && !options.dry_run {
        unit.commit()?;
        report.written = true;
    } else {
        unit.rollback();
    }
    Ok(report)
}

/// A survey file's features, the coordinate system it names, and the names
/// of the fields its features hold.
type Survey = (
    Vec<Feature>,
    Option<Crs>,
    std::collections::BTreeSet<String>,
);

fn read_geojson(path: &Path, code_field: &str) -> Result<Survey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::validation("file", format!("{}: not GeoJSON: {e}", path.display())))?;
    let crs = crate::geometry::geojson_crs(&value)?;
    let features = value
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| {
            Error::validation(
                "file",
                format!(
                    "{}: a FeatureCollection is needed, with a feature per parcel",
                    path.display()
                ),
            )
        })?;
    let fields = features
        .iter()
        .filter_map(|f| f.get("properties").and_then(|p| p.as_object()))
        .flat_map(|p| p.keys().cloned())
        .collect();
    Ok((
        features
            .iter()
            .enumerate()
            .map(|(i, f)| Feature {
                number: i + 1,
                code: f
                    .get("properties")
                    .and_then(|p| p.get(code_field))
                    .and_then(|c| match c {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }),
                outline: match f.get("geometry") {
                    Some(g) if !g.is_null() => {
                        Outline::geojson(&g.to_string()).map_err(|e| e.to_string())
                    }
                    _ => Err("has no geometry".into()),
                },
            })
            .collect(),
        crs,
        fields,
    ))
}

fn read_shapefile(path: &Path, code_field: &str, encoding: Option<&str>) -> Result<Survey> {
    let crs = match std::fs::read_to_string(path.with_extension("prj")) {
        Ok(prj) => Some(crs_of_prj(&prj).ok_or_else(|| {
            Error::validation(
                "crs",
                format!(
                    "{}: the .prj names a coordinate system parkdb does not recognise; \
                     remove it and give the CRS",
                    path.display()
                ),
            )
        })?),
        Err(_) => None,
    };
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::validation(
            "file",
            format!("{}: cannot read the shapefile: {e}", path.display()),
        )
    };
    let mut reader = match encoding {
        // The .dbf read in the encoding given, whatever its .cpg says.
        Some(label) => {
            let encoding = shapefile::dbase::encoding::DynEncoding::from_name(label.trim())
                .ok_or_else(|| {
                    Error::validation(
                        "encoding",
                        format!(
                            "{} is not an encoding parkdb knows (GBK, GB18030, UTF-8, Big5…)",
                            crate::text::shown(label)
                        ),
                    )
                })?;
            let shapes = shapefile::ShapeReader::from_path(path).map_err(|e| unreadable(&e))?;
            let dbf = path.with_extension("dbf");
            let file = std::fs::File::open(&dbf)
                .map_err(|e| Error::io(format!("reading {}", dbf.display()), e))?;
            let records = shapefile::dbase::ReaderBuilder::new()
                .with_encoding(encoding)
                .build(std::io::BufReader::new(file))
                .map_err(|e| unreadable(&e))?;
            shapefile::Reader::new(shapes, records)
        }
        None => shapefile::Reader::from_path(path).map_err(|e| unreadable(&e))?,
    };
    let label = encoding.map_or_else(
        || {
            if path.with_extension("cpg").exists() {
                "its .cpg's".to_owned()
            } else {
                "UTF-8 (it has no .cpg)".to_owned()
            }
        },
        crate::text::shown,
    );
    let mut features = Vec::new();
    let mut fields = std::collections::BTreeSet::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| {
            Error::validation(
                "file",
                format!("{}: feature {}: {e}", path.display(), i + 1),
            )
        })?;
        if i == 0 {
            fields.extend(record.clone().into_iter().map(|(name, _)| name));
        }
        let code = match record.get(code_field) {
            Some(shapefile::dbase::FieldValue::Character(Some(s))) => Some(s.trim().to_owned()),
            Some(shapefile::dbase::FieldValue::Numeric(Some(n))) => Some(n.to_string()),
            Some(shapefile::dbase::FieldValue::Integer(n)) => Some(n.to_string()),
            _ => None,
        };
        // Text read in the wrong encoding comes out as replacement
        // characters: refuse it rather than match codes that are not the
        // survey's (a field's name, or any feature's code).
        let garbled = if i == 0 {
            fields.iter().find(|n| n.contains('\u{fffd}')).cloned()
        } else {
            None
        }
        .or_else(|| {
            code.as_deref()
                .filter(|c| c.contains('\u{fffd}'))
                .map(|_| format!("feature {}'s {code_field}", i + 1))
        });
        if let Some(what) = garbled {
            return Err(Error::validation(
                "encoding",
                format!(
                    "{}: the .dbf's text ({what}) is not in {label}: give its encoding \
                     (encoding=\"GBK\", --encoding GBK) or a .cpg naming it",
                    path.display()
                ),
            ));
        }
        let outline = match shape {
            shapefile::Shape::Polygon(p) => {
                Ok(rings_to_outline(p.rings().iter().map(|r| match r {
                    shapefile::PolygonRing::Outer(pts) => {
                        (true, pts.iter().map(|q| (q.x, q.y)).collect())
                    }
                    shapefile::PolygonRing::Inner(pts) => {
                        (false, pts.iter().map(|q| (q.x, q.y)).collect())
                    }
                })))
            }
            other => Err(format!(
                "a boundary is a polygon, not a {}",
                other.shapetype()
            )),
        };
        features.push(Feature {
            number: i + 1,
            code,
            outline,
        });
    }
    Ok((features, crs, fields))
}

/// A shapefile polygon's rings (each outer ring followed by its holes) as
/// an outline of one polygon per outer ring.
fn rings_to_outline(rings: impl Iterator<Item = (bool, Vec<(f64, f64)>)>) -> Outline {
    let mut polygons: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
    for (outer, ring) in rings {
        match polygons.last_mut() {
            Some(p) if !outer => p.push(ring),
            _ => polygons.push(vec![ring]),
        }
    }
    Outline::polygons(polygons)
}

/// The CRS a `.prj` (ESRI WKT) names: an EPSG authority, or the ESRI names
/// of CGCS2000 and its Gauss-Krüger zones.
fn crs_of_prj(prj: &str) -> Option<Crs> {
    if let Some(at) = prj.rfind("AUTHORITY[\"EPSG\",") {
        let code: String = prj[at + 17..]
            .trim_start_matches('"')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(c) = code.parse::<u32>() {
            return Crs::epsg(c).ok();
        }
    }
    let upper = prj.to_ascii_uppercase();
    let number_after = |key: &str| -> Option<u32> {
        let at = upper.find(key)? + key.len();
        upper[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    };
    if upper.starts_with("PROJCS") {
        if let Some(zone) = number_after("GK_ZONE_") {
            return Crs::epsg(4513 + zone.checked_sub(25)?).ok();
        }
        if let Some(cm) = number_after("GK_CM_") {
            return Crs::epsg(4534 + (cm / 3).checked_sub(25)?).ok();
        }
        return None;
    }
    if upper.contains("CHINA_GEODETIC_COORDINATE_SYSTEM_2000") || upper.contains("CGCS2000") {
        return Some(Crs::CGCS2000);
    }
    if upper.contains("WGS_1984") || upper.contains("WGS 84") {
        return Some(Crs::WGS84);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::crs_of_prj;

    #[test]
    fn prj_files_name_their_crs() {
        let zone = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",39500000.0],UNIT["Meter",1.0]]"#;
        assert_eq!(crs_of_prj(zone).unwrap().code(), 4527);
        let cm = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]"#;
        assert_eq!(crs_of_prj(cm).unwrap().code(), 4548);
        let geo = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000"]]"#;
        assert_eq!(crs_of_prj(geo).unwrap().code(), 4490);
        let epsg = r#"PROJCS["x",AUTHORITY["EPSG","4490"],AUTHORITY["EPSG","4526"]]"#;
        assert_eq!(crs_of_prj(epsg).unwrap().code(), 4526);
        assert!(crs_of_prj(r#"PROJCS["WGS_1984_Web_Mercator"]"#).is_none());
    }
}
