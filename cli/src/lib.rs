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

mod command;
pub mod serve;

pub use command::main;
