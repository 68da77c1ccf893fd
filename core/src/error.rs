//! The one error type of parkdb.

use std::fmt;

/// What an entity is, in error messages and keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    Parcel,
    Enterprise,
    Programme,
    Application,
    Indicator,
    Event,
    /// A unit of work (a transaction).
    Transaction,
    /// A park's export in a Parquet dataset.
    Dataset,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Parcel => "parcel",
            Entity::Enterprise => "enterprise",
            Entity::Programme => "programme",
            Entity::Application => "application",
            Entity::Indicator => "indicator",
            Entity::Event => "event",
            Entity::Transaction => "transaction",
            Entity::Dataset => "dataset",
        })
    }
}

/// Everything that can go wrong in parkdb.
///
/// Every variant says what was refused and why; when a write method returns an
/// error, nothing of that write (or of the enclosing unit of work) was stored.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that can never be right: a malformed or out-of-range value.
    #[error("invalid {field}: {reason}")]
    Validation { field: String, reason: String },

    /// The entity or event does not exist (or did not exist at the date asked).
    #[error("{entity} {key} not found")]
    NotFound { entity: Entity, key: String },

    /// A step the lifecycle of the entity does not allow at this point.
    #[error("{entity} {subject}: {rule}")]
    Lifecycle {
        entity: Entity,
        subject: String,
        rule: String,
    },

    /// The write clashes with what is stored (a duplicate code, say).
    #[error("{entity} {key}: {reason}")]
    Conflict {
        entity: Entity,
        key: String,
        reason: String,
    },

    /// The storage engine failed.
    #[error("storage: {0}")]
    Storage(String),

    /// An I/O error, with what parkdb was doing and the error itself (kept
    /// whole: `std::error::Error::source` gives it, `kind()` says what it
    /// was, a full disk say). Python raises it as `StorageError`.
    #[error("storage: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },

    /// Another process has the database open (sled's lock on its directory
    /// is held). Python: `InUseError`, a `StorageError`.
    #[error("the database at {path} is in use by another process")]
    InUse { path: String },

    /// The database handle was closed, or the transaction has ended.
    /// Python: `ClosedError`, a `StorageError`.
    #[error("{0}")]
    Closed(String),

    /// A write through a read-only handle. Python: `ReadOnlyError`, a
    /// `StorageError`.
    #[error("{0}")]
    ReadOnly(String),

    /// A fault of parkdb itself (a worker thread that failed, a table that
    /// could not be built): never the caller's input.
    #[error("internal error: {0}")]
    Internal(String),

    /// Stored bytes that cannot be what parkdb wrote.
    #[error("corrupt database: {0}")]
    Corrupt(String),

    /// A file handed to an import that is beyond one of its bounds
    /// ([`crate::ledger::ReadLimits`]): refused before it is read whole,
    /// so a workbook that inflates to gigabytes cannot exhaust memory.
    /// Python: `LedgerError`, with `limit` the bound's name.
    #[error("{file}: {found} {limit}, beyond the import's limit of {allowed}; if the file is what you meant to import, raise the limit (`{name}`)", name = limit.name())]
    TooLarge {
        file: String,
        limit: ReadLimit,
        /// What the file holds (at least; reading stops at the bound).
        found: u64,
        allowed: u64,
    },

    /// The database was written by a format this version cannot read.
    #[error("database format {found} is newer than this parkdb reads (format {supported}); upgrade parkdb to open it")]
    IncompatibleFormat { found: u8, supported: u8 },
}

/// A bound of what an import reads from a file (see
/// [`crate::ledger::ReadLimits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadLimit {
    /// The file's size on disk.
    FileBytes,
    /// What a workbook's compressed parts inflate to, together.
    InflatedBytes,
    /// Rows of one sheet.
    Rows,
    /// The columns of one sheet (the last that holds a value).
    Columns,
    /// Cells that hold a value, in one file.
    Cells,
}

impl ReadLimit {
    /// The bound's name, as `ReadLimits`' field and Python's `limits=` key.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ReadLimit::FileBytes => "file_bytes",
            ReadLimit::InflatedBytes => "inflated_bytes",
            ReadLimit::Rows => "rows",
            ReadLimit::Columns => "columns",
            ReadLimit::Cells => "cells",
        }
    }
}

impl fmt::Display for ReadLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadLimit::FileBytes => "bytes on disk",
            ReadLimit::InflatedBytes => "bytes once inflated",
            ReadLimit::Rows => "rows in a sheet",
            ReadLimit::Columns => "columns in a sheet",
            ReadLimit::Cells => "cells with a value",
        })
    }
}

/// `Result` with parkdb's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Input that can never be right: `field` and why.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(entity: Entity, key: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            key: key.to_string(),
        }
    }

    pub(crate) fn lifecycle(
        entity: Entity,
        subject: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Error::Lifecycle {
            entity,
            subject: subject.into(),
            rule: rule.into(),
        }
    }

    pub(crate) fn conflict(
        entity: Entity,
        key: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Conflict {
            entity,
            key: key.into(),
            reason: reason.into(),
        }
    }
}

impl Error {
    /// An I/O error while doing `context`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source: std::sync::Arc::new(source),
        }
    }

    /// The kind of I/O error behind this one, if it is one.
    #[must_use]
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}
