//! The HTTP API: every table as JSON, CSV, xlsx or an Arrow IPC stream
//! (for `pyarrow` and `polars` clients), the annual report and the land
//! figures as JSON, the map as SVG; and the few routes that are neither
//! page nor table (refresh, login, static files, not found).

use std::sync::Arc;

use arrow_array::RecordBatch;
use axum::extract::{Path, State as Shared};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Utc};
use serde_json::{json, Map, Value};

use super::pages::{colour_map, Colour, DEFAULT_SCHEME};
use super::state::{State, TableKey};
use super::{blocking, wants_json, Answer, Page, Params, Problem, SESSION_COOKIE};
use parkdb::land::LandFigures;
use parkdb::report::AnnualReport;
use parkdb::tables::Named;

pub(super) async fn index() -> Answer {
    let tables: Vec<Value> = Named::ALL
        .iter()
        .map(|t| json!({"name": t.name(), "chinese": t.chinese(), "english": t.english(), "help": t.help(), "url": format!("/api/{}", t.name())}))
        .collect();
    Answer(Ok(axum::Json(json!({
        "tables": tables,
        "report": "/api/report/{year}",
        "summary": "/api/summary?as_of=",
        "evaluation": "/api/evaluate/{scheme}/{year}",
        "schemes": parkdb::scheme::PRESETS,
        "map": "/map.svg?as_of=&color=status|idle|land_use|grade&scheme=&year=",
        "parameters": "as_of, known_at, year, q, sort, desc, offset, limit, format=json|csv|xlsx|arrow, and column=value filters",
    }))
    .into_response()))
}

pub(super) async fn table(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    uri: Uri,
) -> Answer {
    Answer(
        async move {
            let named = Named::parse(&name).ok_or_else(|| {
                Problem::not_found(format!(
                    "no table {} (see /api for the tables)",
                    parkdb::text::shown(&name)
                ))
            })?;
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            let year = params.year()?.filter(|_| named.takes_year());
            rows(
                state,
                TableKey::Named(named, reading, year),
                named.name(),
                params,
            )
            .await
        }
        .await,
    )
}

pub(super) async fn evaluation(
    Shared(state): Shared<Arc<State>>,
    Path((scheme, year)): Path<(String, String)>,
    uri: Uri,
) -> Answer {
    Answer(
        async move {
            let year = super::scheme_year(&scheme, &year)?;
            let params = Params::of(&uri)?;
            let known_at = params.reading(None)?.known_at;
            rows(
                state,
                TableKey::Evaluation(scheme, year, known_at),
                "evaluation",
                params,
            )
            .await
        }
        .await,
    )
}

/// A table's selected rows in the format asked for.
async fn rows(
    state: Arc<State>,
    key: TableKey,
    name: &'static str,
    params: Params,
) -> Result<Response, Problem> {
    let format = Format::parse(params.get("format").unwrap_or("json"))?;
    let offset = params.number::<usize>("offset")?.unwrap_or(0);
    let limit = params.number::<usize>("limit")?;
    let selection = params.selection();
    blocking(move || {
        let snap = state.snapshot();
        let (grid, rows) = snap.selection(&key, &selection)?;
        let start = offset.min(rows.len());
        let end = limit.map_or(rows.len(), |l| start.saturating_add(l).min(rows.len()));
        let batch = grid.take(&rows[start..end])?;
        let mut response = format.encode(&batch, name)?;
        if let Ok(v) = rows.len().to_string().parse() {
            response.headers_mut().insert("x-total-count", v);
        }
        Ok(response)
    })
    .await
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Csv,
    Xlsx,
    Arrow,
}

impl Format {
    fn parse(text: &str) -> Result<Format, Problem> {
        match text {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "arrow" => Ok(Format::Arrow),
            other => Err(Problem::bad_request(format!(
                "format={} is not one of json, csv, xlsx, arrow",
                parkdb::text::shown(other)
            ))),
        }
    }

    fn encode(self, batch: &RecordBatch, name: &str) -> Result<Response, Problem> {
        let failed = |e: &dyn std::fmt::Display| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the table could not be written: {e}"),
            )
        };
        let (body, kind, ext) = match self {
            Format::Json => {
                let batch = &moments_as_text(batch).map_err(|e| failed(&e))?;
                let mut out = Vec::new();
                let mut w = arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow_json::writer::JsonArray>(&mut out);
                w.write(batch).map_err(|e| failed(&e))?;
                w.finish().map_err(|e| failed(&e))?;
                drop(w);
                if out.is_empty() {
                    out.extend_from_slice(b"[]");
                }
                (out, "application/json", None)
            }
            Format::Csv => {
                let mut out = Vec::new();
                parkdb::ledger::write_csv_to(batch, &mut out).map_err(|e| failed(&e))?;
                (out, "text/csv; charset=utf-8", Some("csv"))
            }
            Format::Xlsx => (
                parkdb::ledger::xlsx_bytes(&[(name, batch)])?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                Some("xlsx"),
            ),
            Format::Arrow => {
                let mut out = Vec::new();
                let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, batch.schema_ref())
                    .map_err(|e| failed(&e))?;
                w.write(batch).map_err(|e| failed(&e))?;
                w.finish().map_err(|e| failed(&e))?;
                drop(w);
                (out, "application/vnd.apache.arrow.stream", None)
            }
        };
        let mut response = ([(header::CONTENT_TYPE, kind)], body).into_response();
        if let Some(ext) = ext {
            if let Ok(v) = format!("attachment; filename=\"{name}.{ext}\"").parse() {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, v);
            }
        }
        Ok(response)
    }
}

/// A table with its timestamps as RFC 3339 text (`2026-12-02T12:00:00+00:00`),
/// as JSON readers expect them.
fn moments_as_text(batch: &RecordBatch) -> Result<RecordBatch, arrow_schema::ArrowError> {
    use arrow_schema::{DataType, Field, Schema};
    if !batch
        .schema_ref()
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Timestamp(_, _)))
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, col) in batch.schema_ref().fields().iter().zip(batch.columns()) {
        if matches!(field.data_type(), DataType::Timestamp(_, _)) {
            let text: arrow_array::StringArray = (0..col.len())
                .map(|r| parkdb::ledger::cell_text(col.as_ref(), r))
                .collect();
            fields.push(Field::new(field.name(), DataType::Utf8, true));
            columns.push(Arc::new(text) as arrow_array::ArrayRef);
        } else {
            fields.push(field.as_ref().clone());
            columns.push(col.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// The land figures as JSON: counts as numbers, areas as exact decimal text.
fn figures_json(f: &LandFigures) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in f.counts() {
        out.insert(k.to_owned(), json!(v));
    }
    for (label, v) in f.areas() {
        out.insert(label.field.to_owned(), json!(v.to_decimal_string()));
    }
    out
}

pub(super) async fn summary(Shared(state): Shared<Arc<State>>, uri: Uri) -> Answer {
    Answer(
        async move {
            let reading = Params::of(&uri)?.reading(None)?;
            blocking(move || {
                let snap = state.snapshot();
                let s = snap.land_summary(&reading)?;
                let mut out = Map::new();
                out.insert("as_of".into(), json!(s.as_of.to_string()));
                out.extend(figures_json(&s.total));
                let by_use: Map<String, Value> = s
                    .by_land_use
                    .iter()
                    .map(|(u, f)| (u.code().to_owned(), Value::Object(figures_json(f))))
                    .collect();
                out.insert("by_land_use".into(), Value::Object(by_use));
                Ok(axum::Json(Value::Object(out)).into_response())
            })
            .await
        }
        .await,
    )
}

/// The annual report as JSON: the Python `annual_report` dict's figures
/// under the same names, money and areas as exact decimal text.
pub(crate) fn report_json(r: &AnnualReport) -> Value {
    let mut out = Map::new();
    out.insert("year".into(), json!(r.year));
    for (k, v) in r.areas() {
        out.insert(k.into(), json!(v.to_decimal_string()));
    }
    for (k, v) in r.amounts() {
        out.insert(k.into(), json!(v.to_decimal_string()));
    }
    for (k, v) in r.counts() {
        out.insert(k.into(), json!(v));
    }
    out.insert("supply_rate".into(), json!(r.supply_rate));
    out.insert("built_rate".into(), json!(r.built_rate));
    out.insert("leased_m2".into(), json!(r.leased_m2.to_decimal_string()));
    out.insert(
        "reclaimed".into(),
        r.reclaimed
            .iter()
            .map(|x| json!({"code": x.code, "area_mu": x.area.to_decimal_string(), "former_holder": x.former_holder, "date": x.date.to_string()}))
            .collect(),
    );
    out.insert(
        "approved_by_batch".into(),
        r.approved_by_batch
            .iter()
            .map(|(name, b)| {
                (
                    name.clone(),
                    json!({
                        "count": b.count,
                        "total_yuan": b.total.to_decimal_string(),
                        "grant_yuan": b.awarded.grant.to_decimal_string(),
                        "interest_subsidy_yuan": b.awarded.interest_subsidy.to_decimal_string(),
                        "loan_yuan": b.awarded.loan.to_decimal_string(),
                    }),
                )
            })
            .collect::<Map<String, Value>>()
            .into(),
    );
    out.insert(
        "disbursed_by_kind".into(),
        json!({
            "grant": r.disbursed_by_kind.grant.to_decimal_string(),
            "interest_subsidy": r.disbursed_by_kind.interest_subsidy.to_decimal_string(),
            "loan": r.disbursed_by_kind.loan.to_decimal_string(),
        }),
    );
    out.insert(
        "inefficient_land".into(),
        r.inefficient
            .iter()
            .map(|f| {
                (
                    f.kind.code().to_owned(),
                    json!({"parcels": f.parcels, "area_mu": f.area.to_decimal_string()}),
                )
            })
            .collect::<Map<String, Value>>()
            .into(),
    );
    out.insert("text".into(), json!(r.text()));
    Value::Object(out)
}

pub(super) async fn report(
    Shared(state): Shared<Arc<State>>,
    Path(year): Path<String>,
    uri: Uri,
) -> Answer {
    Answer(
        async move {
            let year = super::year(&year)?;
            let known_at = Params::of(&uri)?.reading(None)?.known_at;
            blocking(move || {
                let snap = state.snapshot();
                let report = snap.annual_report(year, known_at)?;
                Ok(axum::Json(report_json(&report)).into_response())
            })
            .await
        }
        .await,
    )
}

pub(super) async fn map_svg(Shared(state): Shared<Arc<State>>, uri: Uri) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            let year = params.year()?;
            let colour = Colour::of(&params)?;
            let scheme = params.get("scheme").unwrap_or(DEFAULT_SCHEME).to_owned();
            parkdb::scheme::preset(&scheme).map_err(|e| Problem::bad_request(crate::said(&e)))?;
            blocking(move || {
                let snap = state.snapshot();
                let year = year.unwrap_or_else(|| reading.as_of.year());
                let map = colour_map(&snap, &reading, colour, &scheme, year)?;
                Ok((
                    [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
                    map.svg().to_owned(),
                )
                    .into_response())
            })
            .await
        }
        .await,
    )
}

pub(super) async fn refresh(Shared(state): Shared<Arc<State>>, headers: HeaderMap) -> Answer {
    if let Some(wait) = state.refresh_wait() {
        return Answer(Err(Problem::too_soon(
            "a refresh was taken a moment ago: each copies the database; try again shortly",
            wait,
        )));
    }
    Answer(
        blocking(move || {
            state.refresh()?;
            // A form on a page comes back to the page; a client gets JSON.
            let back = headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(super::known_page);
            Ok(match back {
                Some(path) => Redirect::to(&path).into_response(),
                None => {
                    axum::Json(json!({"refreshed_at": Utc::now().to_rfc3339()})).into_response()
                }
            })
        })
        .await,
    )
}

pub(super) async fn login(Shared(state): Shared<Arc<State>>, uri: Uri) -> Page {
    Page((|| {
        let params = Params::of(&uri)?;
        if state.token.is_none() {
            return Ok(Redirect::to("/").into_response());
        }
        let session = state
            .log_in(params.get("token"), params.get("code"))
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "this login link is not valid (a one-time link works once; the token works always)",
                )
            })?;
        let mut response = Redirect::to("/").into_response();
        if let Ok(v) = format!(
            "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
            super::state::SESSION_SECONDS
        )
        .parse()
        {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
        Ok(response)
    })())
}

pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/app.css"),
    )
        .into_response()
}

pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/app.js"),
    )
        .into_response()
}

pub(super) async fn not_found(uri: Uri) -> Response {
    Problem::not_found(format!("nothing at {}", uri.path())).respond(wants_json(uri.path()))
}
