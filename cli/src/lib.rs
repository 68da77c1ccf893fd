//! The `parkdb` command and the park's dashboard, on the `parkdb` library.
//!
//! - [`main`] runs the command line (`parkdb import`, `report`, `summary`,
//!   `export-parquet`, `serve`, …): the binary of this crate, and the
//!   Python wheel's `parkdb` command, call it.
//! - [`serve`] is the dashboard and the tables over HTTP (`parkdb serve`):
//!   axum on tokio, reading a read-only snapshot of the database.
//!
//! The library itself (`parkdb`) pulls neither a command-line parser nor an
//! async runtime: an embedder who names it compiles the ledgers alone.

#![warn(missing_docs)]

mod command;
pub mod serve;

pub use command::main;

/// An error's words for a person at the terminal or the dashboard: a
/// validation's reason alone (`2005-13-01 is not a date (…)`), any other
/// error as it displays.
pub(crate) fn said(e: &parkdb::Error) -> String {
    match e {
        parkdb::Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}
