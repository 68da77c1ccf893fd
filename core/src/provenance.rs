//! Where each event came from: a call of the API (and who made it, on
//! which host), a ledger import (the file, its SHA-256, the sheet and the
//! row), a boundary import (the file and the feature).
//!
//! A unit of work's events share one source, so it is stored once per
//! unit, beside its events: a `meta` value keyed by the unit's first event
//! id ([`UnitSource`]), with the unit's last event id, and for an import
//! the files it read and, for each row (or feature) that wrote events, the
//! first event id it wrote. An event's origin is then a search by id. The
//! key space is new (format 9 read it as absent): events stored before
//! sources were kept read as [`SourceKind::Unknown`].

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::event::Recorded;
use crate::storage::{codec, keys, Store, Tree};

crate::ids::code_enum!(
    /// What wrote an event.
    SourceKind, "source", {
        /// Stored before parkdb kept sources.
        Unknown = "unknown" / "来源不明",
        /// A call of the API (Rust, Python or the command line's writes).
        Api = "api" / "接口调用",
        /// A ledger (台账) import: a workbook or CSV file.
        Import = "import" / "台账导入",
        /// A boundary import: a GeoJSON file or a shapefile.
        Boundaries = "boundaries" / "界址导入",
        /// The dashboard (none of its pages writes yet).
        Dashboard = "dashboard" / "看板",
    }
);

/// A file an import read: its name as given (no directories) and the
/// SHA-256 of its bytes, in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file's name as given, without directories.
    pub name: String,
    /// The SHA-256 of its bytes, in lowercase hex.
    pub sha256: String,
}

/// Where one event came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// What wrote it: an import, a Python or Rust call, the command line.
    pub kind: SourceKind,
    /// Who wrote it: the `by` of the handle or the unit of work, else the
    /// system's user name.
    pub by: Option<String>,
    /// The host it was written on.
    pub host: Option<String>,
    /// The import that wrote it (see [`crate::Db::imports`]).
    pub import_id: Option<u64>,
    /// The file an import read it from, and its SHA-256.
    pub file: Option<String>,
    /// The file's SHA-256.
    pub sha256: Option<String>,
    /// The sheet (for a CSV file, its name without extension) and the row
    /// number as the spreadsheet shows it; for a boundary file, no sheet
    /// and the feature's number (from 1).
    pub sheet: Option<String>,
    /// The row (or feature) number.
    pub row: Option<u64>,
}

impl Origin {
    /// The origin of an event stored before parkdb kept sources.
    pub const UNKNOWN: Origin = Origin {
        kind: SourceKind::Unknown,
        by: None,
        host: None,
        import_id: None,
        file: None,
        sha256: None,
        sheet: None,
        row: None,
    };

    /// One line for people: `台账导入 地块台账.xlsx › 地块台账 第12行 (王芳@park-pc)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = self.kind.chinese().to_owned();
        if let Some(file) = &self.file {
            s.push(' ');
            s.push_str(file);
        }
        match (&self.sheet, self.row) {
            (Some(sheet), Some(row)) => {
                let _ = write!(s, " › {sheet} 第{row}行");
            }
            (None, Some(feature)) => {
                let _ = write!(s, " › 第{feature}个要素");
            }
            _ => {}
        }
        match (&self.by, &self.host) {
            (Some(by), Some(host)) => {
                let _ = write!(s, " ({by}@{host})");
            }
            (Some(by), None) => {
                let _ = write!(s, " ({by})");
            }
            _ => {}
        }
        s
    }
}

/// What one unit of work stored of its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UnitSource {
    /// When the unit committed (its events' recorded time).
    pub(crate) recorded: Recorded,
    /// The unit's first and last event ids.
    pub(crate) first: u64,
    pub(crate) last: u64,
    pub(crate) kind: SourceKind,
    pub(crate) by: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) import: Option<u64>,
    pub(crate) files: Vec<SourceFile>,
    /// The sheets rows came from: (index in `files`, none for rows not
    /// read from a file; sheet name, empty for a boundary file's features).
    pub(crate) places: Vec<(Option<u32>, String)>,
    /// (first event id, place + 1 or 0 for none, row): the events from that
    /// id to the next mark's came from that row of that place.
    pub(crate) marks: Vec<(u64, u32, u64)>,
}

impl UnitSource {
    /// The origin of event `id`, one of this unit's.
    pub(crate) fn origin(&self, id: u64) -> Origin {
        let mut o = Origin {
            kind: self.kind,
            by: self.by.clone(),
            host: self.host.clone(),
            import_id: self.import,
            ..Origin::UNKNOWN
        };
        if let Some((file, sheet, row)) = self.place_of(id) {
            o.file = file.map(|f| f.name.clone());
            o.sha256 = file.map(|f| f.sha256.clone());
            o.sheet = (!sheet.is_empty()).then(|| sheet.to_owned());
            o.row = Some(row);
        } else if let [only] = self.files.as_slice() {
            o.file = Some(only.name.clone());
            o.sha256 = Some(only.sha256.clone());
        }
        o
    }

    /// The file, sheet and row event `id` came from, if a row wrote it.
    pub(crate) fn place_of(&self, id: u64) -> Option<(Option<&SourceFile>, &str, u64)> {
        let after = self.marks.partition_point(|m| m.0 <= id);
        let &(_, place, row) = self.marks.get(after.checked_sub(1)?)?;
        let (file, sheet) = self
            .places
            .get(usize::try_from(place).ok()?.checked_sub(1)?)?;
        let file = match file {
            Some(f) => Some(self.files.get(usize::try_from(*f).ok()?)?),
            None => None,
        };
        Some((file, sheet.as_str(), row))
    }

    /// How many events the unit wrote.
    pub(crate) fn events(&self) -> u64 {
        self.last.saturating_sub(self.first) + 1
    }
}

/// The key of a unit's source: its first event id.
pub(crate) fn key(first: u64) -> Vec<u8> {
    let mut k = keys::meta::SOURCE_PREFIX.to_vec();
    k.extend_from_slice(&first.to_be_bytes());
    k
}

/// The source of the unit that wrote event `id`; `None` for an event
/// stored before sources were kept.
///
/// # Errors
/// Storage errors; a damaged value is [`crate::Error::Corrupt`].
pub(crate) fn unit_of(store: &dyn Store, id: u64) -> Result<Option<UnitSource>> {
    let found = store.last_at_or_below(Tree::Meta, keys::meta::SOURCE_PREFIX, &key(id))?;
    let Some((_, value)) = found else {
        return Ok(None);
    };
    let unit: UnitSource = codec::decode(&value, "an event's source")?;
    Ok((unit.first <= id && id <= unit.last).then_some(unit))
}

/// The origin of event `id`.
///
/// # Errors
/// As [`unit_of`].
pub(crate) fn origin_of(store: &dyn Store, id: u64) -> Result<Origin> {
    Ok(unit_of(store, id)?.map_or(Origin::UNKNOWN, |u| u.origin(id)))
}

/// Every stored unit's source, in event order: what a table of many
/// events looks its origins up in.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    units: Vec<UnitSource>,
}

impl Sources {
    /// Reads them all (a unit each: a few thousand values for a park,
    /// an import's rows within its one).
    ///
    /// # Errors
    /// Storage errors; a damaged value is [`crate::Error::Corrupt`].
    pub(crate) fn read(store: &dyn Store) -> Result<Sources> {
        let mut units = Vec::new();
        store.for_each_prefix(Tree::Meta, keys::meta::SOURCE_PREFIX, &mut |_, v| {
            units.push(codec::decode::<UnitSource>(v, "an event's source")?);
            Ok(true)
        })?;
        Ok(Sources { units })
    }

    /// The unit that wrote event `id`, if its source is stored.
    pub(crate) fn unit(&self, id: u64) -> Option<&UnitSource> {
        let after = self.units.partition_point(|u| u.first <= id);
        let unit = self.units.get(after.checked_sub(1)?)?;
        (id <= unit.last).then_some(unit)
    }

    /// The stored units, in event order.
    pub(crate) fn units(&self) -> &[UnitSource] {
        &self.units
    }
}

/// One import, as [`crate::Db::imports`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The import's number.
    pub id: u64,
    /// What kind of import.
    pub kind: SourceKind,
    /// When it was stored.
    pub recorded: Recorded,
    /// Who ran it.
    pub by: Option<String>,
    /// The host it ran on.
    pub host: Option<String>,
    /// The files it read.
    pub files: Vec<SourceFile>,
    /// How many events it wrote, and the first and last of their ids.
    pub events: u64,
    /// The first event it wrote.
    pub first_event: u64,
    /// The last event it wrote.
    pub last_event: u64,
}

/// Every import the database stored, in the order they were stored.
pub(crate) fn imports(sources: &Sources) -> Vec<ImportSummary> {
    let mut out: Vec<ImportSummary> = Vec::new();
    for u in sources.units() {
        let Some(id) = u.import else { continue };
        match out.iter_mut().find(|i| i.id == id) {
            // An import stored in more than one unit of work.
            Some(i) => {
                i.events += u.events();
                i.last_event = u.last;
                for f in &u.files {
                    if !i.files.contains(f) {
                        i.files.push(f.clone());
                    }
                }
            }
            None => out.push(ImportSummary {
                id,
                kind: u.kind,
                recorded: u.recorded,
                by: u.by.clone(),
                host: u.host.clone(),
                files: u.files.clone(),
                events: u.events(),
                first_event: u.first,
                last_event: u.last,
            }),
        }
    }
    out
}

/// The system's user name, for writes made without a `by`.
pub(crate) fn system_user() -> Option<&'static str> {
    static USER: OnceLock<Option<String>> = OnceLock::new();
    USER.get_or_init(|| {
        ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
    })
    .as_deref()
}

/// The host's name.
pub(crate) fn host() -> Option<&'static str> {
    static HOST: OnceLock<Option<String>> = OnceLock::new();
    HOST.get_or_init(|| {
        ["HOSTNAME", "COMPUTERNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
    })
    .as_deref()
}

/// What a unit of work keeps of its source while it is open.
#[derive(Debug, Clone)]
pub(crate) struct Tracking {
    pub(crate) kind: SourceKind,
    pub(crate) by: Option<Arc<str>>,
    pub(crate) import: Option<u64>,
    pub(crate) files: Vec<SourceFile>,
    pub(crate) places: Vec<(Option<u32>, String)>,
    /// The place and row the next events come from (place + 1, row).
    pub(crate) at: Option<(u32, u64)>,
}

impl Tracking {
    /// A unit of work of the API, by `by` (else the system's user).
    pub(crate) fn api(by: Option<Arc<str>>) -> Tracking {
        Tracking {
            kind: SourceKind::Api,
            by,
            import: None,
            files: Vec::new(),
            places: Vec::new(),
            at: None,
        }
    }

    /// The place of `sheet` of `file`, added on first use (its number + 1).
    #[cfg_attr(not(feature = "ledgers"), allow(dead_code))]
    pub(crate) fn place(&mut self, file: Option<&SourceFile>, sheet: &str) -> u32 {
        let f = file.map(|file| {
            let i = match self.files.iter().position(|f| f == file) {
                Some(i) => i,
                None => {
                    self.files.push(file.clone());
                    self.files.len() - 1
                }
            };
            u32::try_from(i).unwrap_or(u32::MAX)
        });
        let p = match self.places.iter().position(|(i, s)| *i == f && s == sheet) {
            Some(i) => i,
            None => {
                self.places.push((f, sheet.to_owned()));
                self.places.len() - 1
            }
        };
        u32::try_from(p + 1).unwrap_or(u32::MAX)
    }

    /// What the unit stores, its events `first..=last` written, marked
    /// `marks`; recorded when it commits.
    pub(crate) fn finish(&self, first: u64, last: u64, marks: Vec<(u64, u32, u64)>) -> UnitSource {
        UnitSource {
            recorded: Recorded(0),
            first,
            last,
            kind: self.kind,
            by: match &self.by {
                Some(by) => Some(by.to_string()),
                None => system_user().map(str::to_owned),
            },
            host: host().map(str::to_owned),
            import: self.import,
            files: self.files.clone(),
            places: self.places.clone(),
            marks,
        }
    }
}

/// A file's name without directories, and the SHA-256 of its bytes.
///
/// # Errors
/// [`crate::Error::Io`] when the file cannot be read.
#[cfg(feature = "ledgers")]
pub(crate) fn source_file(path: &std::path::Path) -> Result<SourceFile> {
    use std::io::Read;
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let io = |e| crate::Error::io(format!("cannot read {}", path.display()), e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        sha2::Digest::update(&mut hasher, &buf[..n]);
    }
    let digest = sha2::Digest::finalize(hasher);
    let mut sha256 = String::with_capacity(64);
    for b in digest {
        let _ = write!(sha256, "{b:02x}");
    }
    Ok(SourceFile {
        name: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        sha256,
    })
}
