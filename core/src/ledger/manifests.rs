//! A dataset's parks, from its manifests, held to its partitions. Every
//! partition with files has its park's manifest, every manifest names the
//! park of its own file name, every file it names is there, and no file
//! lies in a park's partition that its manifest does not name: otherwise
//! an engine reading the dataset and a province read through parkdb would
//! disagree, a park left out or counted twice without a word. A read
//! ([`dataset_parks`]) refuses such a dataset; [`check_dataset`] reports
//! the whole of it: every park, its date, its rows, its checksums, what is
//! missing or extra.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use chrono::{DateTime, NaiveDate, Utc};

use super::staging::{io, TABLES};
use crate::error::{Error, Result};
use crate::geometry::Crs;

/// One park of a dataset, as its manifest names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetPark {
    /// The park's code (its partition, `park=<code>`).
    pub park: String,
    /// The date its tables were read as of (the export's `as_of`, else the
    /// day it was exported).
    pub as_of: NaiveDate,
    /// When it was exported, as its manifest says.
    pub exported_at: Option<DateTime<Utc>>,
    /// How many events the park's database held when it was exported.
    pub events: Option<u64>,
    /// The coordinate system of its parcels' boundaries, as its manifest
    /// records it (exports before parkdb held a dataset to one record none).
    pub crs: Option<Crs>,
    /// The storage format of the parkdb that exported it (its manifest's
    /// `format_version`): before 9, its areas are in 0.0001 亩 (Parquet
    /// decimal scale 4), since in 0.000001 亩 (scale 6).
    pub format: Option<u8>,
    /// Each table's file, by table.
    files: BTreeMap<String, ManifestFile>,
}

impl DatasetPark {
    /// Whether its tables keep areas in 0.0001 亩 (exported before storage
    /// format 9; an export that recorded no format is as old).
    #[must_use]
    pub fn areas_in_ten_thousandths(&self) -> bool {
        self.format
            .is_none_or(|f| f < crate::units::MILLIONTHS_FORMAT)
    }
}

/// A file as a manifest names it: its path relative to the dataset, its
/// rows and its CRC-32.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ManifestFile {
    path: String,
    rows: u64,
    crc: u32,
}

/// The parks of the dataset in `dir`, by code, from their manifests; an
/// export interrupted after its commit is finished first.
///
/// # Errors
/// [`Error::Validation`] when the directory holds no park's export;
/// [`Error::Corrupt`] naming each park that is wrong: a manifest that is
/// not one parkdb wrote or that names another park than its file name, a
/// partition with files and no manifest, a file a manifest names that is
/// missing, a file in a park's partition its manifest does not name;
/// [`Error::Io`] if the directory cannot be read.
pub fn dataset_parks(dir: &Path) -> Result<Vec<DatasetPark>> {
    super::staging::finish_interrupted(dir)?;
    let survey = Survey::of(dir)?;
    if !survey.problems.is_empty() {
        return Err(Error::Corrupt(format!(
            "the dataset {} cannot be read as it stands: {}. `parkdb check-dataset` \
             reports every park; exporting a park again mends its partitions",
            dir.display(),
            survey.problems.join("; ")
        )));
    }
    if survey.parks.is_empty() {
        return Err(no_park(dir));
    }
    Ok(survey.parks)
}

fn no_park(dir: &Path) -> Error {
    Error::validation(
        "dataset",
        format!(
            "{} holds no park's export (no _manifests/park=….json)",
            dir.display()
        ),
    )
}

/// What a dataset's directory holds: the parks whose manifests hold, and
/// every problem found, each naming its park.
struct Survey {
    parks: Vec<DatasetPark>,
    problems: Vec<String>,
}

/// A name engines skip (`_manifests`, `_staging`, `.DS_Store`…).
fn hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

impl Survey {
    fn of(dir: &Path) -> Result<Survey> {
        let mut problems = Vec::new();
        let mut parks = Vec::new();
        // Parks with a manifest file, whether or not it could be used: a
        // bad one is one problem, not two.
        let mut manifested = BTreeSet::new();
        let manifests = dir.join("_manifests");
        if let Ok(entries) = std::fs::read_dir(&manifests) {
            for entry in entries {
                let path = entry.map_err(|e| io("read", &manifests, e))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let Some(named) = name
                    .strip_prefix("park=")
                    .and_then(|n| n.strip_suffix(".json"))
                else {
                    continue;
                };
                manifested.insert(named.to_owned());
                let text = std::fs::read_to_string(&path).map_err(|e| io("read", &path, e))?;
                match parse_manifest(&text, &path) {
                    Err(e) => problems.push(format!("park {named}: {e}")),
                    Ok(park) if park.park != named => problems.push(format!(
                        "park {named}: its manifest _manifests/{name} names park {} \
                         (copied or renamed from another park's)",
                        park.park
                    )),
                    Ok(park) => parks.push(park),
                }
            }
        }
        let on_disk = partitions(dir, &mut problems)?;
        for (park, files) in &on_disk {
            if !manifested.contains(park) {
                problems.push(format!(
                    "park {park}: {} file(s) ({}{}) but no manifest _manifests/park={park}.json \
                     (an export that never finished, or a manifest lost): export the park again, \
                     or remove its partitions",
                    files.len(),
                    files.iter().next().map_or("", String::as_str),
                    if files.len() > 1 { ", …" } else { "" }
                ));
            }
        }
        for park in &parks {
            let present = on_disk.get(&park.park);
            for file in park.files.values() {
                if !present.is_some_and(|p| p.contains(&file.path)) {
                    problems.push(format!(
                        "park {}: its manifest names {}, which is missing",
                        park.park, file.path
                    ));
                }
            }
            let named: BTreeSet<&str> = park.files.values().map(|f| f.path.as_str()).collect();
            for file in present.into_iter().flatten() {
                if !named.contains(file.as_str()) {
                    problems.push(format!(
                        "park {}: {file} is not in its manifest (left by another export, or \
                         put there by hand): engines would read it as the park's",
                        park.park
                    ));
                }
            }
        }
        parks.sort_by(|a, b| a.park.cmp(&b.park));
        Ok(Survey { parks, problems })
    }
}

/// The files of each park's partitions, relative to the dataset
/// (`parcels/park=east/part-0.parquet`), by park; what lies in a table's
/// directory outside any park's partition is a problem of its own.
fn partitions(
    dir: &Path,
    problems: &mut Vec<String>,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in TABLES {
        let table_dir = dir.join(table);
        let Ok(entries) = std::fs::read_dir(&table_dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(|e| io("read", &table_dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if hidden(&name) {
                continue;
            }
            let Some(park) = name.strip_prefix("park=") else {
                problems.push(format!(
                    "{table}/{name} lies in no park's partition: engines read it as part of \
                     table {table}"
                ));
                continue;
            };
            let partition = entry.path();
            let Ok(files) = std::fs::read_dir(&partition) else {
                problems.push(format!("park {park}: {table}/{name} is not a directory"));
                continue;
            };
            for file in files {
                let file = file.map_err(|e| io("read", &partition, e))?;
                let file = file.file_name().to_string_lossy().into_owned();
                if !hidden(&file) {
                    found
                        .entry(park.to_owned())
                        .or_default()
                        .insert(format!("{table}/{name}/{file}"));
                }
            }
        }
    }
    Ok(found)
}

fn parse_manifest(text: &str, path: &Path) -> Result<DatasetPark> {
    let bad = |what: &str| Error::Corrupt(format!("the manifest {}: {what}", path.display()));
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    let park = json["park"].as_str().ok_or_else(|| bad("no park"))?;
    let park = park_code(park).map_err(|_| bad("a park code that names no directory"))?;
    let day = |key: &str| {
        json[key]
            .as_str()
            .map(|s| {
                NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                    .map_err(|_| bad(&format!("{key} is not a date")))
            })
            .transpose()
    };
    let as_of = match day("as_of")? {
        Some(d) => d,
        None => day("exported_at")?.ok_or_else(|| bad("neither as_of nor exported_at"))?,
    };
    let exported_at = json["exported_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let mut files = BTreeMap::new();
    for f in json["files"].as_array().ok_or_else(|| bad("no files"))? {
        let file = f["path"]
            .as_str()
            .ok_or_else(|| bad("a file without a path"))?;
        let crc = f["crc32"]
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(|| bad("a file without its CRC-32"))?;
        let rows = f["rows"]
            .as_u64()
            .ok_or_else(|| bad("a file without its rows"))?;
        let table = file.split('/').next().unwrap_or("").to_owned();
        // Only the park's own partition: a manifest never leads a read
        // elsewhere.
        if file != format!("{table}/park={park}/part-0.parquet") {
            return Err(bad(&format!("{file} is not a file of park {park}")));
        }
        let file = ManifestFile {
            path: file.to_owned(),
            rows,
            crc,
        };
        if files.insert(table.clone(), file).is_some() {
            return Err(bad(&format!("table {table} named twice")));
        }
    }
    let crs = match json["crs"].as_str() {
        Some(c) => {
            Some(Crs::parse(c).map_err(|_| bad(&format!("crs {c:?} is no coordinate system")))?)
        }
        None => None,
    };
    Ok(DatasetPark {
        park,
        as_of,
        exported_at,
        events: json["events"].as_u64(),
        crs,
        format: json["format_version"]
            .as_u64()
            .and_then(|f| u8::try_from(f).ok()),
        files,
    })
}

impl DatasetPark {
    /// Whether its manifest names the table (older exports hold fewer).
    #[must_use]
    pub fn has_table(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// One of the park's tables, its file checked against the manifest.
    ///
    /// # Errors
    /// [`Error::Corrupt`] for a table the manifest does not name, a file
    /// whose checksum differs (damaged, or written by another export), or
    /// one that is not Parquet; [`Error::Io`].
    pub fn table(&self, dir: &Path, name: &str) -> Result<RecordBatch> {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let (path, bytes) = self.checked_bytes(dir, name)?;
        let failed = |e: &dyn std::fmt::Display| {
            Error::Corrupt(format!(
                "{} is not a readable Parquet file: {e}",
                path.display()
            ))
        };
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .map_err(|e| failed(&e))?
            .build()
            .map_err(|e| failed(&e))?;
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let batches: Vec<RecordBatch> = reader
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| failed(&e))?;
        arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| failed(&e))
    }

    /// A table's file, read whole and held to the manifest's checksum.
    fn checked_bytes(&self, dir: &Path, name: &str) -> Result<(PathBuf, bytes::Bytes)> {
        let file = self.files.get(name).ok_or_else(|| {
            Error::Corrupt(format!(
                "park {}'s manifest names no table {name}",
                self.park
            ))
        })?;
        let path = dir.join(&file.path);
        let bytes = std::fs::read(&path).map_err(|e| io("read", &path, e))?;
        if crc32fast::hash(&bytes) != file.crc {
            return Err(Error::Corrupt(format!(
                "{} does not match park {}'s manifest (damaged, or left by another export): export the park again",
                path.display(),
                self.park
            )));
        }
        Ok((path, bytes::Bytes::from(bytes)))
    }
}

/// What [`check_dataset`] found: every park whose manifest could be read,
/// with each of its tables, and every problem, each naming its park.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetCheck {
    /// Every park whose manifest could be read.
    pub parks: Vec<ParkCheck>,
    /// Every problem found, each naming its park.
    pub problems: Vec<String>,
}

/// One park of a checked dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkCheck {
    /// The park's code.
    pub park: String,
    /// The date its tables were read as of.
    pub as_of: NaiveDate,
    /// When it was exported, if the manifest says.
    pub exported_at: Option<DateTime<Utc>>,
    /// How many events its database held, if the manifest says.
    pub events: Option<u64>,
    /// The coordinate system of its parcels' boundaries: its manifest's,
    /// else what its parcels file's GeoParquet metadata says; `None`
    /// without boundaries.
    pub crs: Option<Crs>,
    /// Each of its tables.
    pub tables: Vec<TableCheck>,
}

/// One table of a park: its file, the rows and checksum its manifest
/// names, and whether the file holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    /// The table's name.
    pub table: String,
    /// Its file, relative to the dataset.
    pub path: String,
    /// The rows its manifest names.
    pub rows: u64,
    /// The CRC-32 its manifest names.
    pub crc32: u32,
    /// The file is there, its CRC-32 is the manifest's and it is Parquet
    /// of the manifest's rows.
    pub intact: bool,
}

impl DatasetCheck {
    /// No problem found.
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as text, a park a paragraph, then the problems.
    #[must_use]
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for p in &self.parks {
            let rows: u64 = p.tables.iter().map(|t| t.rows).sum();
            let _ = writeln!(
                out,
                "park {}: as of {}, {} tables, {rows} rows{}{}{}",
                p.park,
                p.as_of,
                p.tables.len(),
                p.crs
                    .map(|c| format!(", boundaries in {c}"))
                    .unwrap_or_default(),
                p.events
                    .map(|e| format!(", {e} events"))
                    .unwrap_or_default(),
                p.exported_at
                    .map(|t| format!(", exported {}", t.to_rfc3339()))
                    .unwrap_or_default(),
            );
            for t in &p.tables {
                let _ = writeln!(
                    out,
                    "  {:<14} {:>10} rows  crc32 {:08x}  {}",
                    t.table,
                    t.rows,
                    t.crc32,
                    if t.intact { "ok" } else { "DAMAGED" }
                );
            }
        }
        for problem in &self.problems {
            let _ = writeln!(out, "problem: {problem}");
        }
        if self.is_clean() {
            out.push_str("clean\n");
        }
        out
    }
}

/// Checks the dataset in `dir` whole: every partition against the
/// manifests (as [`dataset_parks`] does), and every file a manifest names
/// read back (its CRC-32, and its rows from the Parquet footer). Problems
/// are reported, not raised; an export interrupted after its commit is
/// finished first, as a read of the dataset would.
///
/// # Errors
/// [`Error::Validation`] when the directory holds no park's export at all
/// (no manifest and no partition); [`Error::Io`] if it cannot be read.
pub fn check_dataset(dir: &Path) -> Result<DatasetCheck> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    super::staging::finish_interrupted(dir)?;
    let mut survey = Survey::of(dir)?;
    if survey.parks.is_empty() && survey.problems.is_empty() {
        return Err(no_park(dir));
    }
    let mut parks = Vec::new();
    for park in &survey.parks {
        let mut tables = Vec::new();
        for (table, file) in &park.files {
            let read = park.checked_bytes(dir, table).and_then(|(path, bytes)| {
                let rows = SerializedFileReader::new(bytes)
                    .map(|r| r.metadata().file_metadata().num_rows())
                    .map_err(|e| {
                        Error::Corrupt(format!(
                            "{} is not a readable Parquet file: {e}",
                            path.display()
                        ))
                    })?;
                if u64::try_from(rows).ok() == Some(file.rows) {
                    Ok(())
                } else {
                    Err(Error::Corrupt(format!(
                        "{} holds {rows} rows, its manifest says {}",
                        file.path, file.rows
                    )))
                }
            });
            if let Err(e) = &read {
                // A missing file is reported by the survey already.
                if dir.join(&file.path).exists() {
                    survey.problems.push(format!("park {}: {e}", park.park));
                }
            }
            tables.push(TableCheck {
                table: table.clone(),
                path: file.path.clone(),
                rows: file.rows,
                crc32: file.crc,
                intact: read.is_ok(),
            });
        }
        let crs = match park.crs {
            Some(crs) => Some(crs),
            None => parcels_crs(dir, park),
        };
        parks.push(ParkCheck {
            park: park.park.clone(),
            as_of: park.as_of,
            exported_at: park.exported_at,
            events: park.events,
            crs,
            tables,
        });
    }
    // One coordinate system: each park in another than most are in is named.
    let mut systems: BTreeMap<Crs, Vec<&str>> = BTreeMap::new();
    for p in &parks {
        if let Some(crs) = p.crs {
            systems.entry(crs).or_default().push(&p.park);
        }
    }
    if systems.len() > 1 {
        let (&most, _) = systems
            .iter()
            .max_by_key(|(_, parks)| parks.len())
            .unwrap_or((&Crs::CGCS2000, &Vec::new()));
        for (crs, named) in &systems {
            if *crs == most {
                continue;
            }
            for park in named {
                survey.problems.push(format!(
                    "park {park}: its boundaries are in {crs}, the dataset's other parks' in {most}; a dataset has one coordinate system (engines read one for the whole table): export park {park} again, which reprojects it into the dataset's"
                ));
            }
        }
    }
    for park in survey.parks.iter().filter(|p| p.areas_in_ten_thousandths()) {
        survey.problems.push(older_areas(&park.park));
    }
    Ok(DatasetCheck {
        parks,
        problems: survey.problems,
    })
}

/// What is wrong with a park whose areas are at another scale than this
/// version writes.
fn older_areas(park: &str) -> String {
    format!(
        "park {park}: exported by a parkdb that kept areas in 0.0001 亩 (decimal scale 4), where this one writes 0.000001 亩 (scale 6); engines read one scale for the whole column and would round the finer one: export park {park} again with this version"
    )
}

/// Refuses an export into a dataset that holds another park exported by a
/// parkdb that kept areas in 0.0001 亩: the dataset's `area_mu` columns
/// would be at two decimal scales, which DuckDB, polars and Spark read at
/// one.
///
/// # Errors
/// [`Error::Validation`] naming the parks to export again.
pub(super) fn refuse_older_areas(dir: &Path, except: &str) -> Result<()> {
    let older: Vec<String> = Survey::of(dir)?
        .parks
        .iter()
        .filter(|p| p.park != except && p.areas_in_ten_thousandths())
        .map(|p| p.park.clone())
        .collect();
    if older.is_empty() {
        return Ok(());
    }
    Err(Error::validation(
        "dataset",
        format!(
            "the dataset in {} holds {} exported by a parkdb that kept areas in 0.0001 亩: export {} again with this version first (areas at two decimal scales would be read at one), or export park {except} into a dataset of its own",
            dir.display(),
            if older.len() == 1 { format!("park {}", older[0]) } else { format!("parks {}", older.join(", ")) },
            if older.len() == 1 { "it" } else { "them" },
        ),
    ))
}

/// The coordinate system a park's parcels file says it is in (the
/// GeoParquet `geo` metadata of its footer), for a manifest that records
/// none.
fn parcels_crs(dir: &Path, park: &DatasetPark) -> Option<Crs> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let (_, bytes) = park.checked_bytes(dir, "parcels").ok()?;
    let reader = SerializedFileReader::new(bytes).ok()?;
    let geo = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()?
        .iter()
        .find(|kv| kv.key == "geo")?
        .value
        .clone()?;
    let geo: serde_json::Value = serde_json::from_str(&geo).ok()?;
    let primary = geo["primary_column"].as_str()?;
    crs_of_projjson(geo["columns"][primary].get("crs")?)
}

/// The dataset's coordinate system, as its parks other than `except` say
/// it (each park's manifest, else its parcels file's metadata, for an
/// export made before manifests recorded it), with a park that has it;
/// `None` while no other park has a boundary.
///
/// # Errors
/// [`Error::Validation`] when they disagree (a dataset written before
/// parkdb held it to one: [`check_dataset`] names the parks).
pub(super) fn dataset_crs(dir: &Path, except: &str) -> Result<Option<(Crs, String)>> {
    let mut found: Option<(Crs, String)> = None;
    for park in Survey::of(dir)?.parks.iter().filter(|p| p.park != except) {
        let Some(crs) = park.crs.or_else(|| parcels_crs(dir, park)) else {
            continue;
        };
        match &found {
            Some((held, by)) if *held != crs => {
                return Err(Error::validation(
                    "crs",
                    format!(
                        "the dataset in {} holds parks in {held} ({by}) and {crs} ({}): `parkdb check-dataset` lists them; export them again into one system",
                        dir.display(),
                        park.park
                    ),
                ))
            }
            Some(_) => {}
            None => found = Some((crs, park.park.clone())),
        }
    }
    Ok(found)
}

/// A park's code as a directory name: letters, digits, `-` and `_`.
pub(super) fn park_code(park: &str) -> Result<String> {
    let code = crate::text::code("park", park)?;
    if code
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        Ok(code)
    } else {
        Err(Error::validation(
            "park",
            format!(
                "{} may hold only letters, digits, - and _ (it names a directory)",
                crate::text::shown(park)
            ),
        ))
    }
}

/// The EPSG code a PROJJSON object names (`"id": {"authority": "EPSG",
/// "code": 4526}`).
pub(super) fn crs_of_projjson(projjson: &serde_json::Value) -> Option<Crs> {
    let id = &projjson["id"];
    if !id["authority"].as_str()?.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    Crs::epsg(u32::try_from(id["code"].as_u64()?).ok()?).ok()
}
