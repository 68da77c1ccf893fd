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

    /// The storage engine failed (I/O, a lock held by another process).
    #[error("storage: {0}")]
    Storage(String),

    /// Stored bytes that cannot be what parkdb wrote.
    #[error("corrupt database: {0}")]
    Corrupt(String),

    /// The database was written by a format this version cannot read.
    #[error("database format {found} is newer than this parkdb reads (format {supported}); upgrade parkdb to open it")]
    IncompatibleFormat { found: u8, supported: u8 },
}

/// `Result` with parkdb's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
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

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock => Error::Storage(
                "the database is in use by another process (its lock file is held)".into(),
            ),
            // sled hands a stored error on as a copy whose message is the
            // original's debug form: say what kind it was instead.
            sled::Error::Io(io) if io.to_string().starts_with("Os {") => {
                Error::Storage(io.kind().to_string())
            }
            sled::Error::Io(io) => Error::Storage(io.to_string()),
            sled::Error::Corruption { at, .. } => Error::Corrupt(match at {
                Some(at) => format!("sled reports corruption at {at}"),
                None => "sled reports corruption".into(),
            }),
            other => Error::Storage(other.to_string()),
        }
    }
}
