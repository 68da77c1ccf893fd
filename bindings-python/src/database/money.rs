//! Reads of the zone's money: receivables, payments, and the
//! receivables' explanations.

use pyo3::prelude::*;

use crate::convert::{IntoPy, Text, Whole};
use crate::table::Table;

use super::{view, Database};

tables! {
    /// Every amount owed to the zone as of a date (地款, 闲置费, 管理费).
    receivables => receivables_table;
    /// Money received, refunded and paid out for land, in `year` if given.
    payments(year) => payments_table;
}

#[pymethods]
impl Database {
    /// What makes a total of the receivables as of `as_of`, as a table.
    #[pyo3(signature = (figure, as_of, charge=None, known_at=None))]
    fn explain_receivables<'py>(
        &self,
        py: Python<'py>,
        figure: Text,
        as_of: &Bound<'py, PyAny>,
        charge: Option<Text>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        let db = self.db(py)?;
        let v = view(&db, Some(as_of), known_at)?;
        let charge = charge
            .as_deref()
            .map(parkdb::money::Charge::parse)
            .transpose()
            .py_err(py)?;
        let batch = py
            .detach(|| v.explain_receivables(&figure, charge)?.to_table())
            .py_err(py)?;
        Ok(Table::new(vec![batch]))
    }
}
