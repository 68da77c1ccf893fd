//! The one error type of parkdb.

use std::fmt;

/// What an entity is, in error messages and keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// A parcel of the land ledger.
    Parcel,
    /// A firm of the register.
    Enterprise,
    /// A programme of the fund.
    Programme,
    /// An application to the fund.
    Application,
    /// An indicator.
    Indicator,
    /// An event.
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
    Validation {
        /// The argument or column refused.
        field: String,
        /// Why.
        reason: String,
    },

    /// The entity or event does not exist (or did not exist at the date asked).
    #[error("{entity} {key} not found")]
    NotFound {
        /// What kind of thing.
        entity: Entity,
        /// The id, code or name asked for.
        key: String,
    },

    /// A step the lifecycle of the entity does not allow at this point:
    /// `kind` says which rule, for a program to branch on; `rule` says it
    /// in words, with the dates and amounts of the case.
    #[error("{entity} {subject}: {rule}")]
    Lifecycle {
        /// What kind of thing.
        entity: Entity,
        /// Which one (its code or id).
        subject: String,
        /// The rule, in words, with the dates and amounts of the case.
        rule: String,
        /// Which rule, for a program to branch on.
        kind: Rule,
    },

    /// The write clashes with what is stored (a duplicate code, say).
    #[error("{entity} {key}: {reason}")]
    Conflict {
        /// What kind of thing.
        entity: Entity,
        /// The code or key that clashes.
        key: String,
        /// Why.
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
        /// What parkdb was doing.
        context: String,
        /// The error itself.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },

    /// Another process has the database open (sled's lock on its directory
    /// is held). Python: `InUseError`, a `StorageError`.
    #[error("the database at {path} is in use by another process")]
    InUse {
        /// The database's directory.
        path: String,
    },

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
        /// The file refused.
        file: String,
        /// Which bound.
        limit: ReadLimit,
        /// What the file holds (at least; reading stops at the bound).
        found: u64,
        /// The bound.
        allowed: u64,
    },

    /// The database was written by a format this version cannot read.
    #[error("database format {found} is newer than this parkdb reads (format {supported}); upgrade parkdb to open it")]
    IncompatibleFormat {
        /// The format the database was written in.
        found: u8,
        /// The newest format this version reads.
        supported: u8,
    },
}

/// Which lifecycle rule a write broke ([`Error::Lifecycle`]'s `kind`),
/// for a program to branch on without reading the message. Python gives
/// it as `LifecycleError.kind`, the [`Rule::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The entity's first event must create it (requisition a parcel,
    /// register a firm, create a programme, receive an application,
    /// define an indicator).
    NotCreated,
    /// The entity exists already.
    AlreadyExists,
    /// A date before the entity entered the ledger, or before its latest
    /// event where events must come in date order.
    OutOfOrder,
    /// The step was taken already (developed, certified, started,
    /// completed, declared idle, a lease ended, a record entered twice).
    AlreadyDone,
    /// The entity's state does not allow the step (completing what has
    /// not started, approving what was not received, suspending a firm
    /// that is not active, declaring land idle that is being built on).
    NotAllowedNow,
    /// The parcel is in the reserve and the step needs a holder
    /// (reclaim, transfer, idle, construction).
    InReserve,
    /// The parcel has a holder and the step needs it in the reserve
    /// (allocation), or is already held by the one named.
    AlreadyHeld,
    /// The parcel was split: its parts take the step.
    Split,
    /// Amounts that do not fit: parts that do not sum to the whole, more
    /// than is outstanding, awarded or paid, a footprint larger than its
    /// floor area or its land.
    Amount,
    /// Something named within the entity does not exist (a lease, a
    /// building, an inspection, a complaint, a qualification held).
    NoSuchItem,
    /// The entity has ended (a firm closed, a debt closed).
    Ended,
    /// A policy of the park's forbids the step (developing land without
    /// its certificate, under 已征土地还没有办证的坚决一律不填土).
    Policy,
    /// A void that cannot be (of a void, of an event that creates or
    /// splits its entity, of one already void), or a ledger's row for an
    /// event the database voided.
    Void,
}

impl Rule {
    /// The rule's code (`not_created`, `in_reserve`, …), as Python's
    /// `LifecycleError.kind` gives it.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Rule::NotCreated => "not_created",
            Rule::AlreadyExists => "already_exists",
            Rule::OutOfOrder => "out_of_order",
            Rule::AlreadyDone => "already_done",
            Rule::NotAllowedNow => "not_allowed_now",
            Rule::InReserve => "in_reserve",
            Rule::AlreadyHeld => "already_held",
            Rule::Split => "split",
            Rule::Amount => "amount",
            Rule::NoSuchItem => "no_such_item",
            Rule::Ended => "ended",
            Rule::Policy => "policy",
            Rule::Void => "void",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A lifecycle rule broken, before it is said of which entity: what
/// the ledgers' own steps (a debt's payment, a building's stage) return,
/// made an [`Error::Lifecycle`] by the write that took the step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    /// Which rule, for a program to branch on.
    pub kind: Rule,
    /// The rule, in words, with the dates and amounts of the case.
    pub reason: String,
}

impl Refusal {
    /// `kind`, in words.
    pub fn new(kind: Rule, reason: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            reason: reason.into(),
        }
    }

    /// This refusal, of `subject` of `entity`.
    #[must_use]
    pub fn of(self, entity: Entity, subject: impl Into<String>) -> Error {
        Error::Lifecycle {
            entity,
            subject: subject.into(),
            rule: self.reason,
            kind: self.kind,
        }
    }
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
        kind: Rule,
        rule: impl Into<String>,
    ) -> Self {
        Error::Lifecycle {
            entity,
            subject: subject.into(),
            rule: rule.into(),
            kind,
        }
    }

    /// The lifecycle rule this error is the refusal of, if it is one.
    #[must_use]
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Error::Lifecycle { kind, .. } => Some(*kind),
            _ => None,
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
