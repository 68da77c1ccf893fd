//! Shapes from Python: WKT or GeoJSON text, a GeoJSON mapping, any object
//! with `__geo_interface__` (shapely, geopandas), a list of boundary
//! points (界址点) as (x, y) pairs; coordinate systems as an EPSG code, a
//! string (`"EPSG:4527"`) or an object with `to_epsg()` (pyproj).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use parkdb::{Crs, Outline, Region};

use crate::convert::{validation, IntoPy};

/// A GeoJSON mapping (or an object's `__geo_interface__`) as JSON text.
fn geojson_text(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let py = value.py();
    let mapping = if value.is_instance_of::<PyDict>() {
        value.clone()
    } else if value.hasattr("__geo_interface__")? {
        value.getattr("__geo_interface__")?
    } else {
        return Ok(None);
    };
    let json = py.import("json")?;
    let text = json.call_method1("dumps", (mapping,)).map_err(|e| {
        validation(
            py,
            "boundary",
            format!("the shape cannot be written as GeoJSON: {e}"),
        )
    })?;
    Ok(Some(text.extract()?))
}

/// A boundary as given from Python.
pub(crate) fn outline(
    value: &Bound<'_, PyAny>,
    crs: Option<&Bound<'_, PyAny>>,
) -> PyResult<Outline> {
    let py = value.py();
    let outline = if let Ok(text) = value.cast::<PyString>() {
        Outline::parse(&text.to_cow()?).py_err(py)?
    } else if let Some(text) = geojson_text(value)? {
        Outline::geojson(&text).py_err(py)?
    } else {
        let points: Vec<(f64, f64)> = value.extract().map_err(|_| {
            validation(
                py,
                "boundary",
                format!(
                    "a boundary is WKT or GeoJSON text, a GeoJSON mapping, a shape with \
                     __geo_interface__ or a list of (x, y) points, not {}",
                    value
                        .get_type()
                        .name()
                        .map_or_else(|_| "this".into(), |n| n.to_string())
                ),
            )
        })?;
        Outline::points(&points)
    };
    Ok(match crs.map(crs_of).transpose()? {
        Some(c) => match outline.crs() {
            Some(own) if own != c => {
                return Err(validation(
                    py,
                    "crs",
                    format!("the boundary names {own} but crs= says {c}"),
                ))
            }
            _ => outline.in_crs(c),
        },
        None => outline,
    })
}

/// A query shape as given from Python: any geometry, or an (x, y) point.
pub(crate) fn region(value: &Bound<'_, PyAny>, crs: Option<&Bound<'_, PyAny>>) -> PyResult<Region> {
    let py = value.py();
    let region = if let Ok(text) = value.cast::<PyString>() {
        Region::parse(&text.to_cow()?).py_err(py)?
    } else if let Some(text) = geojson_text(value)? {
        Region::parse(&text).py_err(py)?
    } else if let Ok((x, y)) = value.extract::<(f64, f64)>() {
        Region::point(x, y).py_err(py)?
    } else {
        return Err(validation(
            py,
            "shape",
            "a shape is WKT or GeoJSON text, a GeoJSON mapping, an object with \
             __geo_interface__ or an (x, y) point"
                .into(),
        ));
    };
    Ok(match crs.map(crs_of).transpose()? {
        Some(c) => region.in_crs(c),
        None => region,
    })
}

/// A coordinate system: 4527, "EPSG:4527", "CGCS2000", or a pyproj CRS.
pub(crate) fn crs_of(value: &Bound<'_, PyAny>) -> PyResult<Crs> {
    let py = value.py();
    if let Ok(text) = value.cast::<PyString>() {
        return Crs::parse(&text.to_cow()?).py_err(py);
    }
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(validation(
            py,
            "crs",
            "a coordinate system is not True or False".into(),
        ));
    }
    if let Ok(code) = value.extract::<u32>() {
        return Crs::epsg(code).py_err(py);
    }
    if value.hasattr("to_epsg")? {
        let code: Option<u32> = value.call_method0("to_epsg")?.extract()?;
        if let Some(code) = code {
            return Crs::epsg(code).py_err(py);
        }
    }
    Err(validation(
        py,
        "crs",
        "a coordinate system is an EPSG code (4527), a string (\"EPSG:4527\") or a pyproj CRS"
            .into(),
    ))
}
