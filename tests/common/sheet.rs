//! A ledger's sheet written as CSV text, for the tests of imports (a
//! module of its own: `common` is shared with the command's tests and
//! builds without the ledgers).

/// A sheet from CSV text (a header line, then rows numbered from 2, as a
/// spreadsheet numbers them), named after its ledger.
pub fn sheet(name: &str, csv: &str) -> parkdb::ledger::Sheet {
    let mut lines = csv.lines();
    let headers = lines
        .next()
        .expect("a header")
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .enumerate()
        .map(|(i, l)| (i + 2, l.split(',').map(str::to_owned).collect()))
        .collect();
    parkdb::ledger::Sheet {
        name: name.into(),
        headers,
        rows,
        ..parkdb::ledger::Sheet::default()
    }
}
