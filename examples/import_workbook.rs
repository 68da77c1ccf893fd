//! Import a workbook of ledgers (台账) as a park keeps it: a title and a
//! unit line above the header, a 合计 row and signatures below. A dry run
//! first (every bad row, nothing written), then the import; the same
//! workbook again writes nothing.
//!
//! `cargo run --example import_workbook [-- WORKBOOK.xlsx]` (default: the
//! example workbook in `examples/ledgers/`).

use parkdb::ledger::{import, read_file_with, ImportOptions, ReadLimits};
use parkdb::Db;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(std::env::args().nth(1))
}

fn run(argument: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let path = argument.map_or_else(
        || {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/ledgers/东岸工业园台账.xlsx")
        },
        std::path::PathBuf::from,
    );
    // The bounds of what a file may hold; raise one for a larger file.
    let sheets = read_file_with(&path, &ReadLimits::default())?;
    let db = Db::temporary()?;

    let import_all = |dry_run| {
        import(
            &db,
            &sheets,
            ImportOptions {
                dry_run,
                ..ImportOptions::default()
            },
        )
    };
    let checked = import_all(true)?;
    for (ledger, rows) in &checked.rows {
        println!("{ledger}: {rows} rows");
    }
    for s in &checked.skipped {
        println!("set aside: {s}");
    }
    if !checked.is_clean() {
        for e in &checked.errors {
            eprintln!("{e}");
        }
        return Err(format!("{} bad rows; nothing was written", checked.errors.len()).into());
    }
    let done = import_all(false)?;
    println!("imported: {} events written", done.events);
    let again = import_all(false)?;
    println!("again: {} events written", again.events);
    assert!(done.written && done.events > 0);
    assert_eq!(again.events, 0);
    Ok(())
}

#[test]
fn the_example_runs() {
    run(None).unwrap();
}
