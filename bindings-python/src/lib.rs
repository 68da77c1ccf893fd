//! `parkdb._native`: the Rust core for the pure-Python `parkdb` package.
//!
//! Every rule lives in the `parkdb` crate; this module only converts
//! Python values in and out, maps errors to `parkdb.errors`, and releases
//! the GIL around work that touches the database.

mod convert;
mod database;
mod geometry;
mod report;
mod table;
mod transaction;

use parkdb::{Db, Durability, Options};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use convert::{validation, IntoPy, Text};
use database::Database;
use table::{table_rows, Table};
use transaction::Transaction;

/// Opens (creating if needed) the database at `path`; the same path open
/// twice in this process gives the same database.
#[pyfunction]
#[pyo3(signature = (path, durability=Text("immediate".into())))]
fn open(py: Python<'_>, path: std::path::PathBuf, durability: Text) -> PyResult<Database> {
    let durability = match &*durability {
        "immediate" => Durability::Immediate,
        "eventual" => Durability::Eventual,
        other => {
            return Err(validation(
                py,
                "durability",
                format!(
                    "{} is not one of immediate, eventual",
                    parkdb::text::shown(other)
                ),
            ));
        }
    };
    let db = py
        .detach(|| Db::open_with(&path, Options { durability }))
        .py_err(py)?;
    Ok(Database::new(db))
}

/// An SVG drawn as PNG bytes at twice its size (a map, for Word and mail).
#[pyfunction]
fn svg_to_png(py: Python<'_>, svg: Text) -> PyResult<Bound<'_, pyo3::types::PyBytes>> {
    let (png, _, _) = py
        .detach(|| parkdb::png::svg_to_png(&svg, 2.0))
        .py_err(py)?;
    Ok(pyo3::types::PyBytes::new(py, &png))
}

/// A read-only snapshot of the database at `path`, waiting at most `wait`
/// seconds for a consistent copy.
#[pyfunction]
#[pyo3(signature = (path, wait=2.0))]
fn open_read_only(py: Python<'_>, path: std::path::PathBuf, wait: f64) -> PyResult<Database> {
    let wait = std::time::Duration::try_from_secs_f64(wait)
        .map_err(|_| validation(py, "wait", format!("{wait} is not a number of seconds")))?;
    let db = py
        .detach(|| Db::open_read_only_waiting(&path, wait))
        .py_err(py)?;
    Ok(Database::new(db))
}

/// A database in a temporary directory, removed when closed.
#[pyfunction]
fn temporary(py: Python<'_>) -> PyResult<Database> {
    let db = py.detach(Db::temporary).py_err(py)?;
    Ok(Database::new(db))
}

/// Builds the seed's example zone into an empty database.
#[pyfunction]
fn build_example(py: Python<'_>, db: &Database) -> PyResult<()> {
    let db = db.db(py)?;
    py.detach(|| parkdb::example::build_seed(&db).map(|_| ()))
        .py_err(py)
}

/// True when `code` is a valid unified social credit code (GB 32100-2015).
#[pyfunction]
fn validate_credit_code(code: Text) -> bool {
    parkdb::validate_credit_code(&code)
}

/// The `parkdb` command line (the wheel's `parkdb` command): runs `argv`
/// (the program's name first) and returns the exit status.
///
/// Run as the command (`exit_on_interrupt`), a Ctrl-C ends the process at
/// once with status 130, as it ends the Rust binary: the command runs on a
/// thread of its own while this one watches for the signal Python caught.
/// Nothing half-done is stored (an import is one unit of work, committed at
/// its end or not at all), and no traceback is printed. Called from Python
/// code otherwise, it runs to its end.
#[pyfunction]
#[pyo3(signature = (argv, exit_on_interrupt=false))]
fn cli(py: Python<'_>, argv: Vec<std::ffi::OsString>, exit_on_interrupt: bool) -> PyResult<u8> {
    if !exit_on_interrupt {
        return Ok(py.detach(|| parkdb_cli::main(argv)));
    }
    let command = std::thread::Builder::new()
        .name("parkdb-command".into())
        .spawn(move || parkdb_cli::main(argv))
        .map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!("cannot start the command: {e}"))
        })?;
    loop {
        if command.is_finished() {
            let code = command.join().unwrap_or(1);
            // The command may have ended because of the Ctrl-C itself (the
            // server stops on it): Python's own pending KeyboardInterrupt
            // must not then raise after it, with a traceback.
            if let Err(e) = py.check_signals() {
                if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
                    use std::io::Write as _;
                    let _ = std::io::stdout().flush();
                    std::process::exit(i32::from(code));
                }
                return Err(e);
            }
            return Ok(code);
        }
        if let Err(e) = py.check_signals() {
            if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
                eprintln!("interrupted: nothing more was written");
                std::process::exit(130);
            }
            return Err(e);
        }
        py.detach(|| std::thread::sleep(std::time::Duration::from_millis(50)));
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Database>()?;
    m.add_class::<Transaction>()?;
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(open, m)?)?;
    m.add_function(wrap_pyfunction!(svg_to_png, m)?)?;
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    m.add_function(wrap_pyfunction!(temporary, m)?)?;
    m.add_function(wrap_pyfunction!(open_read_only, m)?)?;
    m.add_function(wrap_pyfunction!(build_example, m)?)?;
    m.add_function(wrap_pyfunction!(validate_credit_code, m)?)?;
    m.add_function(wrap_pyfunction!(table_rows, m)?)?;
    m.add_function(wrap_pyfunction!(report::scheme_preset, m)?)?;
    m.add_function(wrap_pyfunction!(report::evaluate_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(report::province_report, m)?)?;
    m.add_function(wrap_pyfunction!(report::check_dataset, m)?)?;
    m.add("FORMAT_VERSION", parkdb::FORMAT_VERSION)?;
    let limits = PyDict::new(m.py());
    let defaults = parkdb::ledger::ReadLimits::default();
    for (name, value) in [
        ("file_bytes", defaults.file_bytes),
        ("inflated_bytes", defaults.inflated_bytes),
        ("rows", defaults.rows),
        ("columns", defaults.columns),
        ("cells", defaults.cells),
    ] {
        limits.set_item(name, value)?;
    }
    m.add("IMPORT_LIMITS", limits)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    let vocabulary = PyDict::new(m.py());
    for (name, terms) in parkdb::vocabulary() {
        vocabulary.set_item(name, terms)?;
    }
    m.add("VOCABULARY", vocabulary)?;
    let areas: Vec<(&str, &str)> = parkdb::LandFigures::AREAS
        .iter()
        .map(|l| (l.field, l.chinese))
        .collect();
    m.add("LAND_AREAS", areas)?;
    Ok(())
}
