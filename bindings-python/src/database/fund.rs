//! Reads of the science & technology fund: programmes, grants,
//! disbursements, what is overdue.

use parkdb::{ApplicationFilter, ApplicationStatus, ProgrammeId};
use pyo3::prelude::*;

use crate::convert::{IntoPy, Text, Whole};
use crate::table::Table;
use crate::transaction::FirmKey;

use super::{firm_id, Database};

tables! {
    /// The fund's programmes as of a date.
    programmes => programmes_table;
    /// Grants paid out, in `year` if given.
    disbursements(year) => disbursements_table;
}

#[pymethods]
impl Database {
    #[pyo3(signature = (as_of=None, known_at=None, programme=None, applicant=None, status=None))]
    #[allow(clippy::too_many_arguments)]
    fn grants<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'py, PyAny>>,
        known_at: Option<&Bound<'py, PyAny>>,
        programme: Option<Whole<u64>>,
        applicant: Option<FirmKey>,
        status: Option<Text>,
    ) -> PyResult<Table> {
        let applicant = match applicant {
            Some(a) => Some(firm_id(py, &self.db(py)?, a)?),
            None => None,
        };
        let filter = ApplicationFilter {
            programme: programme.map(|p| ProgrammeId(p.0)),
            applicant,
            status: status
                .as_deref()
                .map(ApplicationStatus::parse)
                .transpose()
                .py_err(py)?,
        };
        self.read(py, as_of, known_at, |v| v.applications_table(&filter))
    }

    #[pyo3(signature = (as_of, known_at=None))]
    fn overdue<'py>(
        &self,
        py: Python<'py>,
        as_of: &Bound<'py, PyAny>,
        known_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Table> {
        self.read(
            py,
            Some(as_of),
            known_at,
            #[allow(clippy::redundant_closure_for_method_calls)]
            |v| v.overdue_table(),
        )
    }
}
