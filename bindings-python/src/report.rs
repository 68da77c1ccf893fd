//! Reports and schemes across the boundary: the annual report as a dict,
//! schemes to and from dicts (the presets' numbers live in the core only).

use parkdb::indicators::{Direction, Metric};
use parkdb::report::AnnualReport;
use parkdb::scheme::{Grading, MissingRule, Resource, Scheme, SchemeItem, Scope, Surcharge};
use parkdb::{EnterpriseId, Mu, Yuan};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, py_decimal, validation, IntoPy, Whole};

fn yuan(py: Python<'_>, y: Yuan) -> PyResult<Bound<'_, PyAny>> {
    py_decimal(py, &y.to_decimal_string())
}

fn mu(py: Python<'_>, m: Mu) -> PyResult<Bound<'_, PyAny>> {
    py_decimal(py, &m.to_decimal_string())
}

/// The annual report's fields, with `text` (Chinese paragraphs) added.
pub(crate) fn annual_report_dict<'py>(
    py: Python<'py>,
    r: &AnnualReport,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("year", r.year)?;
    d.set_item("as_of", r.as_of)?;
    for (k, v) in r.areas() {
        d.set_item(k, mu(py, v)?)?;
    }
    for (k, v) in r.amounts() {
        d.set_item(k, yuan(py, v)?)?;
    }
    for (k, v) in r.counts() {
        d.set_item(k, v)?;
    }
    d.set_item("supply_rate", r.supply_rate)?;
    d.set_item("built_rate", r.built_rate)?;
    d.set_item(
        "leased_m2",
        py_decimal(py, &r.leased_m2.to_decimal_string())?,
    )?;
    let reclaimed = PyList::empty(py);
    for x in &r.reclaimed {
        let item = PyDict::new(py);
        item.set_item("code", &x.code)?;
        item.set_item("area_mu", mu(py, x.area)?)?;
        item.set_item("former_holder", &x.former_holder)?;
        item.set_item("date", x.date)?;
        reclaimed.append(item)?;
    }
    d.set_item("reclaimed", reclaimed)?;
    let inefficient = PyDict::new(py);
    for f in &r.inefficient {
        let item = PyDict::new(py);
        item.set_item("parcels", f.parcels)?;
        item.set_item("area_mu", mu(py, f.area)?)?;
        inefficient.set_item(f.kind.code(), item)?;
    }
    d.set_item("inefficient_land", inefficient)?;
    let finance = PyDict::new(py);
    for c in &r.finance.charges {
        let item = PyDict::new(py);
        item.set_item("collected_yuan", yuan(py, c.collected)?)?;
        item.set_item("written_off_yuan", yuan(py, c.written_off)?)?;
        item.set_item("outstanding_yuan", yuan(py, c.outstanding)?)?;
        item.set_item("overdue_yuan", yuan(py, c.overdue)?)?;
        item.set_item("debtors", c.debtors)?;
        finance.set_item(c.charge.code(), item)?;
    }
    let paid_out = PyDict::new(py);
    for (kind, amount) in &r.finance.compensation {
        paid_out.set_item(kind.code(), yuan(py, *amount)?)?;
    }
    finance.set_item("compensation", paid_out)?;
    finance.set_item("collection_steps", r.finance.collection_steps)?;
    d.set_item("finance", finance)?;
    d.set_item(
        "floor_area_completed_m2",
        py_decimal(py, &r.floor_area_completed_m2.to_decimal_string())?,
    )?;
    let buildings = PyList::empty(py);
    for b in &r.buildings {
        let item = PyDict::new(py);
        item.set_item("code", &b.building.spec.code)?;
        item.set_item("stage", b.stage.map(parkdb::land::BuildingStage::code))?;
        item.set_item(
            "lettable_m2",
            py_decimal(py, &b.building.spec.lettable_m2.to_decimal_string())?,
        )?;
        item.set_item("leased_m2", py_decimal(py, &b.leased.to_decimal_string())?)?;
        item.set_item("tenants", b.tenants)?;
        item.set_item("occupancy", b.occupancy())?;
        buildings.append(item)?;
    }
    d.set_item("buildings", buildings)?;
    let batches = PyDict::new(py);
    for (name, b) in &r.approved_by_batch {
        let item = PyDict::new(py);
        item.set_item("count", b.count)?;
        item.set_item("total_yuan", yuan(py, b.total)?)?;
        item.set_item("grant_yuan", yuan(py, b.awarded.grant)?)?;
        item.set_item(
            "interest_subsidy_yuan",
            yuan(py, b.awarded.interest_subsidy)?,
        )?;
        item.set_item("loan_yuan", yuan(py, b.awarded.loan)?)?;
        batches.set_item(name, item)?;
    }
    d.set_item("approved_by_batch", batches)?;
    let by_kind = PyDict::new(py);
    by_kind.set_item("grant", yuan(py, r.disbursed_by_kind.grant)?)?;
    by_kind.set_item(
        "interest_subsidy",
        yuan(py, r.disbursed_by_kind.interest_subsidy)?,
    )?;
    by_kind.set_item("loan", yuan(py, r.disbursed_by_kind.loan)?)?;
    d.set_item("disbursed_by_kind", by_kind)?;
    d.set_item("text", r.text())?;
    Ok(d)
}

fn scheme_dict<'py>(py: Python<'py>, s: &Scheme) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", &s.name)?;
    d.set_item("source", &s.source)?;
    let items = PyList::empty(py);
    for i in &s.items {
        let item = PyDict::new(py);
        item.set_item("indicator", i.metric.code())?;
        item.set_item("weight", i.weight)?;
        item.set_item("benchmark", i.benchmark)?;
        item.set_item("cap", i.cap)?;
        item.set_item("direction", i.direction.code())?;
        item.set_item("missing", i.missing.code())?;
        items.append(item)?;
    }
    d.set_item("items", items)?;
    d.set_item("above_scale", s.scope.above_scale)?;
    d.set_item(
        "min_land_mu",
        py_decimal(py, &s.scope.min_land.to_decimal_string())?,
    )?;
    d.set_item(
        "exempt",
        s.scope.exempt.iter().map(|e| e.0).collect::<Vec<_>>(),
    )?;
    d.set_item("include_leased", s.scope.include_leased)?;
    let (kind, cuts) = s.grading.cuts();
    d.set_item("grading", kind)?;
    d.set_item("grades", cuts.to_vec())?;
    let surcharges = PyList::empty(py);
    for s in &s.surcharges {
        let item = PyDict::new(py);
        item.set_item("resource", s.resource.code())?;
        item.set_item("grade", &s.grade)?;
        item.set_item("rate_yuan", py_decimal(py, &s.rate.to_decimal_string())?)?;
        item.set_item("after_years", s.escalation.map(|e| e.0))?;
        item.set_item(
            "rate_after_yuan",
            s.escalation
                .map(|e| py_decimal(py, &e.1.to_decimal_string()))
                .transpose()?,
        )?;
        surcharges.append(item)?;
    }
    d.set_item("surcharges", surcharges)?;
    Ok(d)
}

/// A preset scheme as a dict (`huangyan_2022`, `huangyan_2022_small`).
#[pyfunction]
pub(crate) fn scheme_preset<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
    let scheme = parkdb::scheme::preset(name).py_err(py)?;
    scheme_dict(py, &scheme)
}

fn field<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?
        .ok_or_else(|| validation(d.py(), "scheme", format!("missing {key:?}")))
}

/// A scheme from the dict form (as `parkdb.schemes.Scheme.to_dict()` gives).
/// A plan from its dict (`parkdb.schemes.Plan.to_dict()`).
pub(crate) fn plan_from_dict(d: &Bound<'_, PyDict>) -> PyResult<parkdb::plan::Plan> {
    let opt_day =
        |v: Option<Bound<'_, PyAny>>, name: &str| -> PyResult<Option<chrono::NaiveDate>> {
            match v {
                Some(v) if !v.is_none() => convert::date(&v, name).map(Some),
                _ => Ok(None),
            }
        };
    let mut targets = Vec::new();
    for t in field(d, "targets")?.extract::<Vec<Bound<'_, PyDict>>>()? {
        targets.push(parkdb::plan::Target {
            name: field(&t, "name")?.extract()?,
            figure: field(&t, "figure")?.extract()?,
            goal: field(&t, "goal")?.extract()?,
            by: opt_day(t.get_item("by")?, "by")?,
        });
    }
    let mut milestones = Vec::new();
    for m in field(d, "milestones")?.extract::<Vec<Bound<'_, PyDict>>>()? {
        milestones.push(parkdb::plan::Milestone {
            name: field(&m, "name")?.extract()?,
            by: opt_day(m.get_item("by")?, "by")?,
            done: opt_day(m.get_item("done")?, "done")?,
        });
    }
    Ok(parkdb::plan::Plan {
        name: field(d, "name")?.extract()?,
        year: field(d, "year")?.extract::<Whole<i32>>()?.0,
        targets,
        milestones,
    })
}

/// A plan's progress: its rows as a list of dicts, for a report.
pub(crate) fn progress_list<'py>(
    py: Python<'py>,
    p: &parkdb::plan::Progress,
) -> PyResult<Bound<'py, PyList>> {
    let rows = PyList::empty(py);
    for r in &p.rows {
        let item = PyDict::new(py);
        item.set_item("name", &r.name)?;
        item.set_item("figure", &r.figure)?;
        item.set_item("goal", r.goal)?;
        item.set_item("value", r.value)?;
        item.set_item("by", r.by)?;
        item.set_item("done", r.done)?;
        item.set_item("met", r.met)?;
        rows.append(item)?;
    }
    Ok(rows)
}

pub(crate) fn scheme_from_dict(d: &Bound<'_, PyDict>) -> PyResult<Scheme> {
    let py = d.py();
    let mut items = Vec::new();
    for item in field(d, "items")?.extract::<Vec<Bound<'_, PyDict>>>()? {
        let metric = Metric::parse(&field(&item, "indicator")?.extract::<String>()?).py_err(py)?;
        let missing = match field(&item, "missing")?.extract::<String>()?.as_str() {
            "zero" => MissingRule::Zero,
            "scope_mean" => MissingRule::ScopeMean,
            other => {
                return Err(validation(
                    py,
                    "missing",
                    format!(
                        "{} is not one of zero, scope_mean",
                        parkdb::text::shown(other)
                    ),
                ))
            }
        };
        items.push(SchemeItem {
            metric,
            weight: field(&item, "weight")?.extract()?,
            benchmark: field(&item, "benchmark")?.extract()?,
            cap: field(&item, "cap")?.extract()?,
            direction: Direction::parse(&field(&item, "direction")?.extract::<String>()?)
                .py_err(py)?,
            missing,
        });
    }
    let min_land = match d.get_item("min_land_mu")? {
        Some(v) if !v.is_none() => convert::mu(&v, "min_land_mu")?,
        _ => Mu::ZERO,
    };
    let mut surcharges = Vec::new();
    if let Some(list) = d.get_item("surcharges")?.filter(|v| !v.is_none()) {
        for s in list.extract::<Vec<Bound<'_, PyDict>>>()? {
            let resource =
                Resource::parse(&field(&s, "resource")?.extract::<String>()?).py_err(py)?;
            let rate = convert::quantity(&field(&s, "rate_yuan")?, "rate_yuan")?;
            let after = s
                .get_item("after_years")?
                .filter(|v| !v.is_none())
                .map(|v| v.extract::<Whole<u32>>())
                .transpose()?;
            let higher = s
                .get_item("rate_after_yuan")?
                .filter(|v| !v.is_none())
                .map(|v| convert::quantity(&v, "rate_after_yuan"))
                .transpose()?;
            let escalation = match (after, higher) {
                (Some(years), Some(rate)) => Some((years.0, rate)),
                (None, None) => None,
                _ => {
                    return Err(validation(
                        py,
                        "surcharges",
                        "after_years and rate_after_yuan are given together".into(),
                    ))
                }
            };
            surcharges.push(Surcharge {
                resource,
                grade: field(&s, "grade")?.extract()?,
                rate,
                escalation,
            });
        }
    }
    let cuts: Vec<(String, f64)> = field(d, "grades")?.extract()?;
    let grading = match field(d, "grading")?.extract::<String>()?.as_str() {
        "percentile" => Grading::Percentile(cuts),
        "absolute" => Grading::Absolute(cuts),
        other => {
            return Err(validation(
                py,
                "grading",
                format!(
                    "{} is not one of percentile, absolute",
                    parkdb::text::shown(other)
                ),
            ))
        }
    };
    let scheme = Scheme {
        name: field(d, "name")?.extract()?,
        source: field(d, "source")?
            .extract::<Option<String>>()?
            .unwrap_or_default(),
        items,
        scope: Scope {
            above_scale: field(d, "above_scale")?.extract()?,
            min_land,
            exempt: field(d, "exempt")?
                .extract::<Vec<u64>>()?
                .into_iter()
                .map(EnterpriseId)
                .collect(),
            include_leased: field(d, "include_leased")?.extract()?,
        },
        grading,
        surcharges,
    };
    scheme.validate().py_err(py)?;
    Ok(scheme)
}

/// Every firm of every park in a Parquet dataset evaluated on one ranking.
#[pyfunction]
#[pyo3(signature = (dir, scheme, year, parks=None))]
pub(crate) fn evaluate_dataset(
    py: Python<'_>,
    dir: std::path::PathBuf,
    scheme: &Bound<'_, PyDict>,
    year: Whole<i32>,
    parks: Option<Vec<String>>,
) -> PyResult<crate::table::Table> {
    let scheme = scheme_from_dict(scheme)?;
    let batch = py
        .detach(|| {
            parkdb::ledger::evaluate_dataset_of(&dir, &scheme, year.0, parks.as_deref())
                .and_then(|e| e.table(&scheme))
        })
        .py_err(py)?;
    Ok(crate::table::Table::new(vec![batch]))
}

/// The province report of a Parquet dataset: its table, its text, and a
/// workbook written if asked.
#[pyfunction]
#[pyo3(signature = (dir, scheme, year, xlsx=None, parks=None))]
pub(crate) fn province_report(
    py: Python<'_>,
    dir: std::path::PathBuf,
    scheme: &Bound<'_, PyDict>,
    year: Whole<i32>,
    xlsx: Option<std::path::PathBuf>,
    parks: Option<Vec<String>>,
) -> PyResult<(crate::table::Table, String)> {
    let scheme = scheme_from_dict(scheme)?;
    let (batch, text) = py
        .detach(|| {
            let report =
                parkdb::ledger::province_report_of(&dir, &scheme, year.0, parks.as_deref())?;
            let batch = report.table()?;
            if let Some(path) = &xlsx {
                parkdb::ledger::write_xlsx(&[("province", &batch)], path)?;
            }
            Ok::<_, parkdb::Error>((batch, report.text()))
        })
        .py_err(py)?;
    Ok((crate::table::Table::new(vec![batch]), text))
}

/// A Parquet dataset checked whole: every park with its tables (rows,
/// checksums, intact), and every problem.
#[pyfunction]
pub(crate) fn check_dataset(py: Python<'_>, dir: std::path::PathBuf) -> PyResult<Py<PyDict>> {
    let check = py
        .detach(|| parkdb::ledger::check_dataset(&dir))
        .py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("clean", check.is_clean())?;
    let parks = PyList::empty(py);
    for p in &check.parks {
        let park = PyDict::new(py);
        park.set_item("park", &p.park)?;
        park.set_item("as_of", p.as_of)?;
        park.set_item("exported_at", p.exported_at)?;
        park.set_item("events", p.events)?;
        park.set_item("crs", p.crs.map(|c| c.to_string()))?;
        let tables = PyList::empty(py);
        for t in &p.tables {
            let table = PyDict::new(py);
            table.set_item("table", &t.table)?;
            table.set_item("path", &t.path)?;
            table.set_item("rows", t.rows)?;
            table.set_item("crc32", t.crc32)?;
            table.set_item("intact", t.intact)?;
            tables.append(table)?;
        }
        park.set_item("tables", tables)?;
        parks.append(park)?;
    }
    d.set_item("parks", parks)?;
    d.set_item("problems", PyList::new(py, &check.problems)?)?;
    d.set_item("text", check.text())?;
    Ok(d.unbind())
}
