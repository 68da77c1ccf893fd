//! A checkpoint's format: its magic, layout and parts, the header that
//! names what it covers, where a database keeps its checkpoints, and why
//! one is not used.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::storage::codec::FORMAT_VERSION;
use crate::storage::{keys, Store, Tree};

pub(super) const MAGIC: &[u8; 8] = b"PARKDBCP";
/// The layout of the records a checkpoint holds. Raise it when a record's
/// fields (or those of anything it holds) change: checkpoints of another
/// layout are ignored. A unit test (`the_layout_is_pinned`) pins the
/// encoding of the example zone's records, so a change that forgets to
/// raise it fails there.
pub(crate) const LAYOUT: u32 = 11;
/// Units of work that together add at least this many events to a loaded
/// ledger (and at least as many as its checkpoint covers) write it again.
pub(crate) const LARGE: u64 = 100_000;
/// How many parts a checkpoint has (see [`Opened`]).
pub(super) const PARTS: usize = 7;

/// Whether checkpoints are read and written: unless the environment sets
/// `PARKDB_CHECKPOINTS=off` (to measure a fold, or to keep no files but
/// the database's).
pub(crate) fn enabled() -> bool {
    std::env::var_os("PARKDB_CHECKPOINTS").is_none_or(|v| v != "off")
}

/// Where a database's checkpoints are, and whether this handle writes them.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub(super) dir: PathBuf,
    pub(super) writable: bool,
}

impl Place {
    /// The checkpoints of the database in `database`.
    pub(crate) fn of(database: &Path, writable: bool) -> Place {
        Place {
            dir: database.join(crate::files::CHECKPOINTS),
            writable,
        }
    }

    pub(crate) fn writable(&self) -> bool {
        self.writable
    }

    pub(crate) fn file(&self, kind: u8) -> PathBuf {
        self.dir
            .join(format!("{}.ckpt", crate::counts::ledger_name(kind)))
    }
}

/// What a checkpoint covers, and the checksums of its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) layout: u32,
    /// The parkdb version that wrote it.
    pub(super) version: String,
    /// The store's format.
    pub(super) format: u8,
    pub(super) kind: u8,
    /// The event counter: every event below it is covered.
    pub(super) next_event: u64,
    /// How many events of the kind it covers.
    pub(super) events: u64,
    /// The last unit of work it covers: its first event id, the CRC-32 of
    /// its event index entry and that of the first value of events it
    /// wrote (which holds when they were recorded).
    pub(super) anchor: Option<(u64, u32, u32)>,
    pub(super) records: u64,
    /// Each part's length and CRC-32: two halves of the records, the
    /// lookups events added for good, two halves of the records' steps,
    /// where each record is ([`RecordIndex`]), then what is kept of the
    /// records to be read alone ([`Record::write_digest`]).
    pub(super) parts: Vec<(u64, u32)>,
}

/// Why a checkpoint was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unused {
    /// There is none.
    Absent,
    /// It cannot be read whole: damaged, truncated, or not a checkpoint.
    Damaged(String),
    /// Written by another layout or format.
    Other(String),
    /// It does not describe this store's events.
    Mismatch(String),
}

impl std::fmt::Display for Unused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unused::Absent => write!(f, "there is none"),
            Unused::Damaged(why) => write!(f, "it is damaged ({why})"),
            Unused::Other(why) => write!(f, "it was written by {why}"),
            Unused::Mismatch(why) => write!(f, "it does not match the events ({why})"),
        }
    }
}

/// The anchor of a store whose event counter is `next_event`: the last
/// unit of work below it, with the checksums of its index entry and of the
/// first value of events it wrote.
pub(super) fn anchor(store: &dyn Store, next_event: u64) -> Result<Option<(u64, u32, u32)>> {
    if next_event <= 1 {
        return Ok(None);
    }
    let prefix = [keys::index::EVENT];
    let key = keys::index_key(keys::index::EVENT, &[&(next_event - 1).to_be_bytes()]);
    let Some((k, v)) = store.last_at_or_below(Tree::Index, &prefix, &key)? else {
        return Ok(None);
    };
    let unit = keys::u64_at(&k, 1)?;
    let events = match keys::decode_runs(unit, &v)?.first() {
        Some(&(first, kind, entity)) => store
            .get(
                Tree::Events,
                &keys::event(kind, keys::block_of(entity), first),
            )?
            .map_or(0, |value| crc32fast::hash(&value)),
        None => 0,
    };
    Ok(Some((unit, crc32fast::hash(&v), events)))
}

pub(super) fn encode<T: Serialize, W: Write + ?Sized>(value: &T, mut out: &mut W) -> Result<()> {
    bincode::serde::encode_into_std_write(value, &mut out, bincode::config::standard()).map_err(
        |e| match e {
            bincode::error::EncodeError::Io { inner, .. } => {
                Error::io("cannot write a checkpoint", inner)
            }
            e => Error::Internal(format!("cannot encode a checkpoint: {e}")),
        },
    )?;
    Ok(())
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<(T, usize)> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map_err(|e| Error::Corrupt(format!("cannot decode a checkpoint's {what}: {e}")))
}

/// What a checkpoint covers: every event below `next_event`, `events` of
/// them of its kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Covered {
    pub(crate) next_event: u64,
    pub(crate) events: u64,
}

pub(super) fn damaged(why: &str) -> Unused {
    Unused::Damaged(why.to_string())
}

/// The header at the start of a checkpoint's bytes, and where its parts
/// begin.
pub(super) fn header_of(bytes: &[u8]) -> std::result::Result<(Header, usize), Unused> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| damaged("not a parkdb checkpoint"))?;
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| damaged("truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    let head = rest.get(..len).ok_or_else(|| damaged("truncated header"))?;
    let (header, used): (Header, usize) =
        decode(head, "header").map_err(|e| Unused::Damaged(e.to_string()))?;
    // The header's room beyond it is zero ([`HEAD_ROOM`]).
    if head
        .get(used..)
        .is_none_or(|rest| rest.iter().any(|b| *b != 0))
    {
        return Err(damaged("header of the wrong length"));
    }
    Ok((header, MAGIC.len() + 4 + len))
}

/// Whether a checkpoint's header is this build's and of `kind`.
pub(super) fn this_builds(header: &Header, kind: u8) -> std::result::Result<(), Unused> {
    // Another version may fold the same events differently (a rule
    // mended, a field derived anew): its checkpoint is not this one's.
    if header.layout != LAYOUT
        || header.version != env!("CARGO_PKG_VERSION")
        || header.format != FORMAT_VERSION
        || header.kind != kind
    {
        return Err(Unused::Other(format!(
            "parkdb {} (layout {}, format {}, kind {})",
            header.version, header.layout, header.format, header.kind
        )));
    }
    Ok(())
}

/// Whether a checkpoint's header describes the store's events.
pub(super) fn matches(header: &Header, store: &dyn Store) -> std::result::Result<(), Unused> {
    let mismatch = |why: String| Unused::Mismatch(why);
    let (next_event, found) = (|| {
        Ok::<_, Error>((
            crate::counts::next_event(store)?,
            anchor(store, header.next_event)?,
        ))
    })()
    .map_err(|e| mismatch(format!("cannot read the store: {e}")))?;
    if header.next_event > next_event {
        return Err(mismatch(format!(
            "it covers {} events, the database has {}",
            header.next_event - 1,
            next_event - 1
        )));
    }
    if found != header.anchor {
        return Err(mismatch(
            "the last unit of work it covers is not stored as it was".into(),
        ));
    }
    Ok(())
}
