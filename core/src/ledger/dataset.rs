//! Datasets other engines read: every table of one park as Parquet, in the
//! hive layout `DIR/<table>/park=<CODE>/part-0.parquet` that `DuckDB`
//! (`read_parquet(…, hive_partitioning = true)`), polars
//! (`scan_parquet(…, hive_partitioning=True)`), pyarrow datasets and Spark
//! read as one table with a `park` column. A province's parks export into
//! one directory; parkdb grows no engine of its own for them.
//!
//! A park's export replaces its earlier one whole: every table is written
//! aside first (`DIR/_staging/`), then committed, then each partition
//! renamed into place, and the park's manifest
//! (`DIR/_manifests/park=<CODE>.json`; engines skip directories starting
//! with `_`) written last, naming every file with its rows and CRC-32.

use std::path::Path;

use arrow_array::RecordBatch;
use chrono::{DateTime, NaiveDate, Utc};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::geometry::Crs;
use crate::view::View;

use super::manifests::{crs_of_projjson, park_code};
pub use super::staging::finish_interrupted;
use super::staging::io;
pub use super::staging::TABLES;
use super::staging::{finish_park, staging, write_synced, ParkLock, COMMIT};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub park: String,
    /// The date the tables were read as of: the one asked for, else the
    /// day of the export (always recorded).
    pub as_of: Option<NaiveDate>,
    pub known_at: Option<DateTime<Utc>>,
    /// The event counter's value: how many events the database held.
    pub events: u64,
    /// Each table's file (relative to the dataset's directory), rows and CRC-32.
    pub files: Vec<(String, u64, u32)>,
    /// The coordinate system of the parcels' boundaries: the dataset's
    /// (`None` while no park of it has a boundary).
    pub crs: Option<Crs>,
}

/// How a park is exported ([`export_parquet_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The date the tables are read as of (default: the day of the export).
    pub as_of: Option<NaiveDate>,
    /// What the database knew at a moment (default: all it knows).
    pub known_at: Option<DateTime<Utc>>,
    /// The dataset's coordinate system. A dataset has one: the first
    /// export that has boundaries fixes it (this, else the system most of
    /// the park's boundaries are in), and every later park's boundaries are
    /// reprojected into it (their surveyed areas stay those measured in the
    /// park's own plane). Another system than the dataset's is refused.
    pub crs: Option<Crs>,
    /// How long to wait while another export of the same park is under
    /// way (default 60 s).
    pub wait: std::time::Duration,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            as_of: None,
            known_at: None,
            crs: None,
            wait: std::time::Duration::from_secs(60),
        }
    }
}

fn table(view: &View<'_>, events: &View<'_>, name: &str, crs: Option<Crs>) -> Result<RecordBatch> {
    match name {
        "parcels" => {
            let parcels = view.parcels_shared_in(&crate::view::ParcelFilter::default(), None)?;
            let names = view.names_of(parcels.iter().filter_map(|p| p.holder))?;
            let mut policy = view.policy()?;
            if crs.is_some() {
                policy.default_crs = crs;
            }
            crate::tables::parcels_batch(&parcels, &names, view.date(), &policy)
        }
        "enterprises" => view.enterprises_table(&crate::view::EnterpriseFilter::default()),
        "yearly" => view.yearly_table(None),
        "leases" => view.leases_table(),
        "grants" => view.applications_table(&crate::view::ApplicationFilter::default()),
        "disbursements" => view.disbursements_table(None),
        "programmes" => view.programmes_table(),
        "overdue" => view.overdue_table(),
        "observations" => view.observations_table(None),
        // Under the default rules; 投而未达标 needs an evaluation, which a
        // province makes across its parks (`province_report`).
        "inefficient" => view.inefficient_table(&crate::inefficient::Rules::default(), None),
        _ => events.events_table(&crate::tables::EventFilter::default()),
    }
}

/// A file being written, with the CRC-32 of what went into it.
struct Checksummed {
    file: std::fs::File,
    crc: crc32fast::Hasher,
}

impl std::io::Write for Checksummed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// `batch` with GeoParquet's `geo` metadata when a column is GeoArrow WKB
/// (the parcels' `boundary`): encoding, geometry types, the CRS as PROJJSON
/// and the bounding box of the column.
fn with_geo_metadata(batch: &RecordBatch) -> Result<RecordBatch> {
    use arrow_array::Array;
    let schema = batch.schema();
    let mut columns = serde_json::Map::new();
    for (i, field) in schema.fields().iter().enumerate() {
        if field
            .metadata()
            .get("ARROW:extension:name")
            .map(String::as_str)
            != Some("geoarrow.wkb")
        {
            continue;
        }
        let ext: serde_json::Value = field
            .metadata()
            .get("ARROW:extension:metadata")
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or_default();
        let mut column = serde_json::json!({
            "encoding": "WKB",
            "geometry_types": ["Polygon", "MultiPolygon"],
        });
        if let Some(crs) = ext.get("crs") {
            column["crs"] = crs.clone();
        }
        let mut bbox: Option<[f64; 4]> = None;
        if let Some(values) = batch
            .column(i)
            .as_any()
            .downcast_ref::<arrow_array::BinaryArray>()
        {
            for k in 0..values.len() {
                if values.is_null(k) {
                    continue;
                }
                let Some(r) = crate::geometry::wkb_bounds(values.value(k)) else {
                    continue;
                };
                bbox = Some(match bbox {
                    None => r,
                    Some(b) => [
                        b[0].min(r[0]),
                        b[1].min(r[1]),
                        b[2].max(r[2]),
                        b[3].max(r[3]),
                    ],
                });
            }
        }
        if let Some(b) = bbox {
            column["bbox"] = serde_json::json!(b);
        }
        columns.insert(field.name().clone(), column);
    }
    let Some(primary) = columns.keys().next().cloned() else {
        return Ok(batch.clone());
    };
    let geo =
        serde_json::json!({"version": "1.1.0", "primary_column": primary, "columns": columns});
    let mut metadata = schema.metadata().clone();
    metadata.insert("geo".to_owned(), geo.to_string());
    let schema = std::sync::Arc::new(schema.as_ref().clone().with_metadata(metadata));
    batch
        .clone()
        .with_schema(schema)
        .map_err(|e| Error::Internal(format!("a table's GeoParquet metadata: {e}")))
}

/// Writes `batch` as a Parquet file, synced; its CRC-32.
fn write_parquet(batch: &RecordBatch, path: &Path) -> Result<u32> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let file = std::fs::File::create(path).map_err(|e| io("create", path, e))?;
    let out = Checksummed {
        file,
        crc: crc32fast::Hasher::new(),
    };
    let failed = |e: parquet::errors::ParquetError| {
        Error::Internal(format!("writing {}: {e}", path.display()))
    };
    // A table with a GeoArrow column is GeoParquet 1.1: the `geo` key in
    // the file's own key-value metadata, where readers other than Arrow's
    // look (DuckDB; parkdb's check), and in the schema's, which the Arrow
    // schema in the footer carries (geopandas through pyarrow).
    let batch = with_geo_metadata(batch)?;
    let geo = batch.schema().metadata().get("geo").map(|g| {
        vec![parquet::file::metadata::KeyValue::new(
            "geo".to_owned(),
            g.clone(),
        )]
    });
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(geo)
        .build();
    let mut writer = ArrowWriter::try_new(out, batch.schema(), Some(props)).map_err(failed)?;
    writer.write(&batch).map_err(failed)?;
    let out = writer.into_inner().map_err(failed)?;
    out.file.sync_all().map_err(|e| io("sync", path, e))?;
    Ok(out.crc.finalize())
}

/// Writes every table of the database, as of `as_of` (default: now) and as
/// known at `known_at`, as park `park` of the dataset in `dir`, replacing
/// that park's earlier export whole: [`export_parquet_with`] with those.
///
/// # Errors
/// As [`export_parquet_with`].
pub fn export_parquet(
    db: &Db,
    dir: &Path,
    park: &str,
    as_of: Option<NaiveDate>,
    known_at: Option<DateTime<Utc>>,
) -> Result<Manifest> {
    export_parquet_with(
        db,
        dir,
        park,
        &ExportOptions {
            as_of,
            known_at,
            ..ExportOptions::default()
        },
    )
}

/// Writes every table of the database as park `park` of the dataset in
/// `dir`, replacing that park's earlier export whole.
///
/// The tables are written under `_staging/park=<CODE>/` (which engines
/// skip), then a commit file naming the new manifest; only then are the
/// park's partitions swapped in and the manifest written. An export
/// interrupted before its commit file leaves the old export as it was; one
/// interrupted after it is finished by the next export of the park or the
/// next read of the dataset ([`finish_interrupted`]). An export holds its
/// park (a lock beside its staging, let go when it ends, also when its
/// process dies): another export of the same park waits for it, up to
/// `options.wait`; exports of different parks run side by side.
///
/// # Errors
/// [`Error::Validation`] for a park code that cannot name a directory, or
/// a coordinate system other than the dataset's; [`Error::Conflict`] when
/// another export of the park is still under way after the wait;
/// [`Error::Io`] if a file cannot be written; storage errors reading.
pub fn export_parquet_with(
    db: &Db,
    dir: &Path,
    park: &str,
    options: &ExportOptions,
) -> Result<Manifest> {
    let park = park_code(park)?;
    let _held = ParkLock::acquire(dir, &park, options.wait)?;
    let now = match options.known_at {
        Some(t) => db.as_known_at(t),
        None => db.now(),
    };
    let view = match options.as_of {
        Some(d) => now.as_of(d),
        None => now,
    };
    super::manifests::refuse_older_areas(dir, &park)?;
    let crs = match (options.crs, super::manifests::dataset_crs(dir, &park)?) {
        (Some(asked), Some((held, by))) if asked != held => {
            return Err(Error::validation(
                "crs",
                format!(
                    "the dataset in {} is in {held} (park {by}'s export fixed it): export park {park} in {held}, or into a dataset of its own",
                    dir.display()
                ),
            ))
        }
        (Some(asked), _) => Some(asked),
        (None, held) => held.map(|(c, _)| c),
    };
    let staging = staging(dir, &park);
    // What an earlier export of this park left: finished if it committed,
    // else thrown away.
    finish_park(dir, &park)?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io("remove", &staging, e))?;
    }
    let partition = format!("park={park}");
    let mut files = Vec::new();
    let mut written_crs = crs;
    for name in TABLES {
        let batch = table(&view, &now, name, crs)?;
        if name == "parcels" {
            written_crs = batch_crs(&batch).or(crs);
        }
        let aside = staging.join(name);
        std::fs::create_dir_all(&aside).map_err(|e| io("create", &aside, e))?;
        let crc = write_parquet(&batch, &aside.join("part-0.parquet"))?;
        files.push((
            format!("{name}/{partition}/part-0.parquet"),
            batch.num_rows() as u64,
            crc,
        ));
    }
    let manifest = Manifest {
        park,
        as_of: Some(view.date()),
        known_at: options.known_at,
        events: db.event_count()?,
        files,
        crs: written_crs,
    };
    let text = manifest_json(&manifest, Utc::now());
    write_synced(&staging.join(COMMIT), &text)?;
    finish_park(dir, &manifest.park)?;
    Ok(manifest)
}

/// The coordinate system a table's `boundary` column says it is in (its
/// GeoArrow metadata), if it has one and a boundary is in it.
fn batch_crs(batch: &RecordBatch) -> Option<Crs> {
    use arrow_array::Array;
    let field = batch.schema().field_with_name("boundary").ok()?.clone();
    let column = batch.column_by_name("boundary")?;
    if column.null_count() == column.len() {
        return None;
    }
    let meta: serde_json::Value =
        serde_json::from_str(field.metadata().get("ARROW:extension:metadata")?).ok()?;
    crs_of_projjson(meta.get("crs")?)
}

/// The manifest as JSON: park, format and parkdb versions, as-of,
/// known-at, when it was exported, the event count and every file.
fn manifest_json(m: &Manifest, exported_at: DateTime<Utc>) -> String {
    let files: Vec<serde_json::Value> = m
        .files
        .iter()
        .map(|(path, rows, crc)| serde_json::json!({"path": path, "rows": rows, "crc32": crc}))
        .collect();
    let json = serde_json::json!({
        "park": m.park,
        "format_version": crate::FORMAT_VERSION,
        "parkdb_version": env!("CARGO_PKG_VERSION"),
        "as_of": m.as_of.map(|d| d.to_string()),
        "crs": m.crs.map(|c| c.to_string()),
        "known_at": m.known_at.map(|t| t.to_rfc3339()),
        "exported_at": exported_at.to_rfc3339(),
        "events": m.events,
        "files": files,
    });
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
