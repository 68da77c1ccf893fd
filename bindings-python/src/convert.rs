//! Python values in, parkdb values out: dates, exact quantities, codes, errors.

use chrono::{DateTime, NaiveDate, Utc};
use parkdb::{Error, Mu, Quantity, Yuan};
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDateTime, PyFloat, PyInt, PyString};

/// Raises the parkdb exception that matches `e` (classes from `parkdb.errors`).
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let (class, attrs): (&str, Vec<(&str, String)>) = match &e {
        Error::Validation { field, reason } => (
            "ValidationError",
            vec![("field", field.clone()), ("reason", reason.clone())],
        ),
        Error::NotFound { entity, key } => (
            "NotFoundError",
            vec![("entity", entity.to_string()), ("key", key.clone())],
        ),
        Error::Lifecycle {
            entity,
            subject,
            rule,
            kind,
        } => (
            "LifecycleError",
            vec![
                ("entity", entity.to_string()),
                ("subject", subject.clone()),
                ("rule", rule.clone()),
                ("kind", kind.code().to_owned()),
            ],
        ),
        Error::Conflict {
            entity,
            key,
            reason,
        } => (
            "ConflictError",
            vec![
                ("entity", entity.to_string()),
                ("key", key.clone()),
                ("reason", reason.clone()),
            ],
        ),
        Error::TooLarge { limit, .. } => (
            "LedgerError",
            vec![
                ("field", "file".to_owned()),
                ("reason", e.to_string()),
                ("limit", limit.name().to_owned()),
            ],
        ),
        Error::Corrupt(_) => ("CorruptError", vec![]),
        Error::IncompatibleFormat { .. } => ("IncompatibleFormatError", vec![]),
        Error::InUse { path } => ("InUseError", vec![("path", path.clone())]),
        Error::Closed(_) => ("ClosedError", vec![]),
        Error::ReadOnly(_) => ("ReadOnlyError", vec![]),
        Error::Internal(_) => ("InternalError", vec![]),
        _ => ("StorageError", vec![]),
    };
    let build = || -> PyResult<PyErr> {
        let errors = py.import("parkdb.errors")?;
        let exc = errors.getattr(class)?.call1((e.to_string(),))?;
        for (k, v) in attrs {
            exc.setattr(k, v)?;
        }
        if let Error::TooLarge { file, .. } = &e {
            // A LedgerError's problems, as an import's bad rows give them.
            let problem = pyo3::types::PyDict::new(py);
            problem.set_item("sheet", file)?;
            problem.set_item("row", py.None())?;
            problem.set_item("column", "")?;
            problem.set_item("reason", e.to_string())?;
            exc.setattr("problems", pyo3::types::PyList::new(py, [problem])?)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// The error of a call on a closed database.
pub(crate) fn closed(py: Python<'_>) -> PyErr {
    to_py(py, Error::Closed("the database is closed".into()))
}

/// `Result<T, parkdb::Error>` → `PyResult<T>`.
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

pub(crate) fn validation(py: Python<'_>, field: &str, reason: String) -> PyErr {
    to_py(
        py,
        Error::Validation {
            field: field.into(),
            reason,
        },
    )
}

/// A date from `datetime.date`, `datetime.datetime` (its date) or "YYYY-MM-DD".
pub(crate) fn date(value: &Bound<'_, PyAny>, field: &str) -> PyResult<NaiveDate> {
    let d = any_date(value, field)?;
    parkdb::check_date(field, d).py_err(value.py())?;
    Ok(d)
}

fn any_date(value: &Bound<'_, PyAny>, field: &str) -> PyResult<NaiveDate> {
    let py = value.py();
    if value.is_instance_of::<PyDateTime>() {
        return value.call_method0("date")?.extract::<NaiveDate>();
    }
    if value.is_instance_of::<PyDate>() {
        return value.extract::<NaiveDate>();
    }
    if let Ok(s) = value.cast::<PyString>() {
        return text_date(py, s.to_str()?, field);
    }
    // numpy.datetime64 prints as its ISO date (and time).
    if value.get_type().name().is_ok_and(|n| n == "datetime64") {
        return text_date(py, &value.str()?.to_cow()?, field);
    }
    Err(validation(
        py,
        field,
        format!(
            "expected a datetime.date or an ISO date string, got {}",
            type_name(value)
        ),
    ))
}

/// A date written as the ledgers write them: `2005-12-31`, `2005/12/31`,
/// `2005.12.31`, `2005年12月31日` (a bare number is not taken as a date).
fn text_date(py: Python<'_>, text: &str, field: &str) -> PyResult<NaiveDate> {
    let t = text.trim();
    if t.contains(['-', '/', '.', '年']) {
        if let Some(d) = parkdb::ledger::dates::parse_date(t) {
            return Ok(d);
        }
        let numbers: Vec<u32> = t
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect();
        if let [y, m, d, ..] = numbers[..] {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                return Err(validation(
                    py,
                    field,
                    format!(
                        "{} is not a day of the calendar: {y} has no {m}/{d}",
                        parkdb::text::shown(t)
                    ),
                ));
            }
        }
    }
    Err(validation(
        py,
        field,
        format!(
            "{} is not a date; write 2005-12-31, 2005/12/31 or 2005年12月31日",
            parkdb::text::shown(text)
        ),
    ))
}

pub(crate) fn opt_date(
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<NaiveDate>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => date(v, field).map(Some),
    }
}

/// A moment from Python, as Python and its libraries mean it:
/// - an aware `datetime` (or `pandas.Timestamp`) is the moment it says;
/// - a naive `datetime` is local time (Python's own convention, as
///   `datetime.astimezone()` reads it), and a `date` is the start of that
///   day in local time;
/// - a naive `pandas.Timestamp` and a `numpy.datetime64` are UTC, as pandas
///   and `NumPy` mean them (`Timestamp.timestamp()` reads naive as UTC);
/// - text in ISO 8601 (`2024-03-01`, `2024-03-01T09:30`, with or without an
///   offset or `Z`), read as `datetime.fromisoformat` reads it, then as above.
pub(crate) fn instant(value: &Bound<'_, PyAny>) -> PyResult<DateTime<Utc>> {
    let py = value.py();
    let refuse = |what: String| validation(py, "known_at", what);
    let module = value
        .get_type()
        .module()
        .map(|m| m.to_string())
        .unwrap_or_default();
    if module == "numpy" && type_name(value) == "datetime64" {
        let numpy = py.import("numpy")?;
        let micros = numpy.getattr("datetime64")?.call1((value, "us"))?;
        let naive = micros.call_method0("item")?;
        if naive.is_none() {
            return Err(refuse(
                "a numpy.datetime64 that is NaT is not a moment".into(),
            ));
        }
        return Ok(naive.extract::<chrono::NaiveDateTime>()?.and_utc());
    }
    if module.starts_with("pandas") && value.is_instance_of::<PyDateTime>() {
        if value.getattr("tzinfo")?.is_none() {
            return Ok(value
                .call_method0("to_pydatetime")?
                .extract::<chrono::NaiveDateTime>()?
                .and_utc());
        }
        return in_utc(&value.call_method0("to_pydatetime")?);
    }
    let moment = if value.is_instance_of::<PyDateTime>() {
        value.clone()
    } else if value.is_instance_of::<PyDate>() {
        let datetime = py.import("datetime")?;
        let midnight = datetime.getattr("time")?.call0()?;
        datetime
            .getattr("datetime")?
            .call_method1("combine", (value, midnight))?
    } else if let Ok(s) = value.cast::<PyString>() {
        let text = s.to_str()?.trim().to_owned();
        py.import("datetime")?
            .getattr("datetime")?
            .call_method1("fromisoformat", (text.as_str(),))
            .map_err(|_| {
                refuse(format!(
                    "{} is not an ISO 8601 date or time (2024-03-01, 2024-03-01T09:30+08:00)",
                    parkdb::text::shown(&text)
                ))
            })?
    } else {
        return Err(refuse(format!(
            "expected a datetime, a date, ISO text, a pandas.Timestamp or a numpy.datetime64, got {}",
            type_name(value)
        )));
    };
    // Naive: local time, as Python means it; aware: unchanged.
    let aware = if moment.getattr("tzinfo")?.is_none() {
        moment
            .call_method0("astimezone")
            .map_err(|e| refuse(format!("{moment} cannot be read as local time: {e}")))?
    } else {
        moment
    };
    in_utc(&aware)
}

/// An aware `datetime` (any `tzinfo`: fixed, `zoneinfo`, `pytz`) in UTC.
fn in_utc(aware: &Bound<'_, PyAny>) -> PyResult<DateTime<Utc>> {
    let utc = aware
        .py()
        .import("datetime")?
        .getattr("timezone")?
        .getattr("utc")?;
    aware
        .call_method1("astimezone", (utc,))?
        .extract::<DateTime<Utc>>()
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "an unknown type".into(), |n| n.to_string())
}

/// The decimal text of an exact number: `int`, `str`, `Decimal`; a float
/// (never exact) is rounded to `places` decimals, the places its unit
/// keeps, as the design promises.
fn decimal_text(value: &Bound<'_, PyAny>, field: &str, places: usize) -> PyResult<String> {
    let py = value.py();
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(validation(
            py,
            field,
            "expected a number, got a bool".into(),
        ));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(value.str()?.to_str()?.to_owned());
    }
    // A NumPy scalar (numpy.int64, numpy.float64…, say from a DataFrame's
    // column) is read as the Python number it holds.
    if value.hasattr("dtype")? && value.hasattr("item")? {
        let item = value.call_method0("item")?;
        if !item.is(value) && (item.is_instance_of::<PyInt>() || item.is_instance_of::<PyFloat>()) {
            return decimal_text(&item, field, places);
        }
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Err(validation(py, field, format!("{v} is not a finite number")));
        }
        return Ok(format!("{v:.places$}"));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    if value.is_instance(&decimal)? {
        if !value.call_method0("is_finite")?.extract::<bool>()? {
            return Err(validation(py, field, "a Decimal that is not finite".into()));
        }
        let text: String = value.call_method1("__format__", ("f",))?.extract()?;
        return Ok(text);
    }
    Err(validation(
        py,
        field,
        format!(
            "expected int, str, Decimal or float, got {}",
            type_name(value)
        ),
    ))
}

/// Parses an exact number's text with `parse` (which takes the unit the
/// text names, else the argument's: [`Mu::parse_or`], [`Yuan::parse_or`]);
/// a float is first rounded to `places`.
fn parsed<T>(
    value: &Bound<'_, PyAny>,
    field: &str,
    places: usize,
    parse: impl FnOnce(&str) -> parkdb::Result<T>,
) -> PyResult<T> {
    let text = decimal_text(value, field, places)?;
    parse(text.trim()).map_err(|e| to_py(value.py(), relabel(e, field)))
}

/// Area in 亩, or in the unit its text names (`"1.867291公顷"`,
/// `"21587㎡"`), exact to 0.000001 亩.
pub(crate) fn mu(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Mu> {
    parsed(value, field, 6, |t| Mu::parse_or(t, Mu::parse_mu))
}

/// Area in m² (exact: 0.01 m² is 0.000015 亩).
pub(crate) fn mu_from_m2(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Mu> {
    parsed(value, field, 2, |t| Mu::parse_or(t, Mu::parse_m2))
}

/// Area in 公顷 (exact to six places: 0.000001 公顷 is 0.000015 亩).
pub(crate) fn mu_from_hectares(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Mu> {
    parsed(value, field, 6, |t| Mu::parse_or(t, Mu::parse_hectares))
}

/// Money in 元, or in the unit its text names (`"129.89万元"`, `"1.2亿元"`),
/// exact to the fen.
pub(crate) fn yuan(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Yuan> {
    parsed(value, field, 2, |t| Yuan::parse_or(t, Yuan::parse_yuan))
}

pub(crate) fn opt_yuan(value: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<Yuan>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => yuan(v, field).map(Some),
    }
}

pub(crate) fn opt_mu(value: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<Mu>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => mu(v, field).map(Some),
    }
}

/// A quantity (energy, electricity, emissions, m²), exact to 0.0001.
pub(crate) fn quantity(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Quantity> {
    let text = decimal_text(value, field, 4)?;
    Quantity::parse(&text, field).map_err(|e| to_py(value.py(), e))
}

pub(crate) fn opt_quantity(
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<Quantity>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => quantity(v, field).map(Some),
    }
}

fn relabel(e: Error, field: &str) -> Error {
    match e {
        Error::Validation { reason, .. } => Error::Validation {
            field: field.into(),
            reason,
        },
        other => other,
    }
}

/// Python `decimal.Decimal` from fixed-point text.
pub(crate) fn py_decimal<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("decimal")?.getattr("Decimal")?.call1((text,))
}

/// A whole-number argument (an id, a count, a year), as the bindings take
/// it: any integer Python has (`int`, `NumPy`'s integers), but not a `bool`
/// (`True` is not enterprise 1), and a negative or too large number is a
/// `ValidationError`, not an `OverflowError`. pyo3 notes which argument.
pub(crate) struct Whole<T>(pub T);

impl<'a, 'py, T: TryFrom<i64> + TryFrom<u64>> FromPyObject<'a, 'py> for Whole<T> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        if obj.is_instance_of::<pyo3::types::PyBool>() {
            return Err(validation(
                py,
                "argument",
                format!("expected a whole number, got the bool {}", obj.str()?),
            ));
        }
        let fits = match obj.extract::<i64>() {
            Ok(n) => T::try_from(n).ok(),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => {
                obj.extract::<u64>().ok().and_then(|n| T::try_from(n).ok())
            }
            Err(e) => return Err(e),
        };
        fits.map(Whole).ok_or_else(|| {
            let shown = obj
                .str()
                .map(|s| parkdb::text::shown(&s.to_string_lossy()))
                .unwrap_or_default();
            validation(
                py,
                "argument",
                format!("{shown} is out of range here (ids and counts are not negative)"),
            )
        })
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

/// A text argument: a `str` that holds a lone surrogate (which no file or
/// table can store) is a `ValidationError`, not a `UnicodeEncodeError`.
#[derive(Debug)]
pub(crate) struct Text(pub String);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = obj.py();
        let s = obj.cast::<PyString>().map_err(PyErr::from)?;
        match s.to_str() {
            Ok(text) => Ok(Text(text.to_owned())),
            Err(_) => Err(validation(
                py,
                "argument",
                format!(
                    "{} holds a lone surrogate, which is not text",
                    parkdb::text::shown(&s.to_string_lossy())
                ),
            )),
        }
    }
}
