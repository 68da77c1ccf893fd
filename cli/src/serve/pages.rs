//! The dashboard's pages: HTML from templates compiled into the binary,
//! Chinese first with English labels behind a toggle.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use arrow_schema::DataType;
use axum::extract::{Path, State as Shared};
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
use minijinja::value::Value;
use minijinja::{context, Environment};
use serde::Serialize;

use super::grid::{Grid, Selection};
use super::state::{Reading, Snapshot, State, TableKey};
use super::{blocking, segment, Page, Params, Problem};
use parkdb::enterprise::{EnterpriseId, EnterpriseStatus};
use parkdb::land::ParcelId;
use parkdb::tables::Named;
use parkdb::HistoryEntry;
use parkdb::MapColor;
use parkdb::{Body, Event};

/// The scheme pages evaluate with unless told otherwise.
pub(super) const DEFAULT_SCHEME: &str = "huangyan_2022";

/// An enterprise's profile shows the grades of this many of its last years.
const GRADED_YEARS: usize = 3;

/// Rows a page shows unless asked for more.
const PER_PAGE: usize = 50;

/// Above this many parcels the overview links to the map instead of
/// drawing it in the page.
const INLINE_MAP_PARCELS: u64 = 20_000;

pub(super) fn templates() -> parkdb::Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("pickers.html", include_str!("templates/pickers.html")),
        ("rows.html", include_str!("templates/rows.html")),
        ("overview.html", include_str!("templates/overview.html")),
        ("table.html", include_str!("templates/table.html")),
        ("profile.html", include_str!("templates/profile.html")),
        ("evaluate.html", include_str!("templates/evaluate.html")),
    ] {
        env.add_template(name, source)
            .map_err(|e| parkdb::Error::Storage(format!("the page template {name}: {e}")))?;
    }
    // A label in both languages; the stylesheet shows one.
    env.add_function("t", |zh: String, en: String| {
        Value::from_safe_string(format!(
            "<span lang=\"zh\">{}</span><span lang=\"en\">{}</span>",
            parkdb::text::escape_html(&zh),
            parkdb::text::escape_html(if en.is_empty() { &zh } else { &en })
        ))
    });
    Ok(env)
}

#[derive(Serialize)]
struct NavItem {
    name: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// Renders a page with what every page shows (the navigation, the snapshot).
fn render(
    state: &State,
    snap: &Snapshot,
    template: &str,
    title: &str,
    current: &str,
    ctx: Value,
) -> Result<Response, Problem> {
    let nav: Vec<NavItem> = Named::ALL
        .iter()
        .map(|t| NavItem {
            name: t.name(),
            zh: t.chinese(),
            en: t.english(),
        })
        .collect();
    let base = context! {
        title => title,
        heading => title,
        current => current,
        nav => nav,
        taken_at => snap.taken_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string(),
        db_path => state.path.display().to_string(),
    };
    let html = state
        .templates
        .get_template(template)
        .and_then(|t| t.render(context! { ..ctx, ..base }))
        .map_err(|e| {
            Problem::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("the page could not be drawn: {e}"),
            )
        })?;
    Ok(Html(html).into_response())
}

/// A table as the `rows.html` template draws it.
#[derive(Serialize, Default)]
struct GridView {
    id: String,
    columns: Vec<ColumnView>,
    rows: Vec<Vec<CellView>>,
}

#[derive(Serialize)]
struct ColumnView {
    name: String,
    /// Its name in Chinese, where a ledger names it.
    zh: Option<&'static str>,
    sort: Option<String>,
    arrow: &'static str,
}

#[derive(Serialize, Clone)]
struct CellView {
    text: Option<String>,
    href: Option<String>,
    num: bool,
}

impl CellView {
    fn text(text: impl Into<String>) -> CellView {
        CellView {
            text: Some(text.into()),
            href: None,
            num: false,
        }
    }

    fn link(text: impl Into<String>, href: String) -> CellView {
        CellView {
            href: Some(href),
            ..CellView::text(text)
        }
    }
}

/// Where a cell of `column` links: enterprises by id, parcels by code or id.
fn link(table: Option<Named>, column: &str, text: &str) -> Option<String> {
    match column {
        "enterprise_id" | "holder_id" | "applicant_id" | "to_id" | "payer_id" | "debtor_id"
        | "former_holder_id" => Some(format!("/enterprises/{text}")),
        "parcel_id" => Some(format!("/parcels/{text}?by=id")),
        "code" if table == Some(Named::Parcels) => Some(format!("/parcels/{}", segment(text))),
        "parcel" if table == Some(Named::Buildings) => Some(format!("/parcels/{}", segment(text))),
        _ => None,
    }
}

fn numeric(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64 | DataType::UInt64 | DataType::Float64 | DataType::Decimal128(_, _)
    )
}

/// Rows of a table as cells, with links; `sort` makes the headers links.
fn grid_view(
    id: &str,
    grid: &Grid,
    rows: &[u32],
    table: Option<Named>,
    sort: Option<(&Params, Option<&(String, bool)>)>,
) -> GridView {
    let schema = grid.batch.schema();
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            let name = f.name().clone();
            let (sorted, arrow) = match sort.and_then(|s| s.1) {
                Some((c, desc)) if *c == name => (Some(*desc), if *desc { " ▼" } else { " ▲" }),
                _ => (None, ""),
            };
            let sort = sort.map(|(params, _)| {
                let desc = if sorted == Some(false) { "1" } else { "" };
                format!(
                    "?{}",
                    params.with(&[("sort", &name), ("desc", desc), ("page", "")])
                )
            });
            ColumnView {
                zh: parkdb::ledger::columns::chinese_of(&name),
                name,
                sort,
                arrow,
            }
        })
        .collect();
    let nums: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| numeric(f.data_type()))
        .collect();
    let rows = grid
        .texts(rows)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .map(|(i, text)| {
                    let href = text
                        .as_deref()
                        .and_then(|t| link(table, schema.field(i).name(), t));
                    CellView {
                        text,
                        href,
                        num: nums[i],
                    }
                })
                .collect()
        })
        .collect();
    GridView {
        id: id.to_owned(),
        columns,
        rows,
    }
}

/// A whole small table (a profile's section).
fn small_grid(id: &str, batch: RecordBatch) -> GridView {
    let grid = Grid::new(batch);
    let rows: Vec<u32> = (0..u32::try_from(grid.batch.num_rows()).unwrap_or(u32::MAX)).collect();
    grid_view(id, &grid, &rows, None, None)
}

/// What a table page shows of a selection: which page, and how many.
struct Paging {
    page: usize,
    per: usize,
}

fn paging(params: &Params) -> Result<Paging, Problem> {
    let page = params.number::<usize>("page")?.unwrap_or(1);
    let per = params.number::<usize>("per")?.unwrap_or(PER_PAGE);
    if page == 0 {
        return Err(Problem::bad_request("page counts from 1"));
    }
    if !(1..=1000).contains(&per) {
        return Err(Problem::bad_request(format!(
            "per={per}: a page holds 1 to 1000 rows"
        )));
    }
    Ok(Paging { page, per })
}

/// The pickers' fields.
/// `year` is the year field's text, `None` where a page has no year.
fn pickers(params: &Params, reading: &Reading, year: Option<String>, keep: &[&str]) -> Value {
    let hidden: Vec<(String, String)> = params
        .0
        .iter()
        .filter(|(k, v)| {
            !v.is_empty() && (keep.contains(&k.as_str()) || !super::KNOWN.contains(&k.as_str()))
        })
        .cloned()
        .collect();
    context! {
        hidden => hidden,
        year => year,
        as_of => reading.as_of.to_string(),
        known_at => params.get("known_at"),
    }
}

pub(super) async fn table(
    Shared(state): Shared<Arc<State>>,
    Path(name): Path<String>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let named = Named::parse(&name).ok_or_else(|| {
                Problem::not_found(format!("no page {}", parkdb::text::shown(&name)))
            })?;
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            let year = params.year()?.filter(|_| named.takes_year());
            let sel = params.selection();
            let paging = paging(&params)?;
            blocking(move || {
                let snap = state.snapshot();
                let key = TableKey::Named(named, reading, year);
                let (grid, rows) = snap.selection(&key, &sel)?;
                let title = format!("{} · {}", named.chinese(), named.english());
                let ctx = table_context(
                    &params,
                    &reading,
                    year,
                    named.takes_year(),
                    &grid,
                    &rows,
                    &sel,
                    &paging,
                    Some(named),
                    &format!("/api/{}", named.name()),
                );
                render(&state, &snap, "table.html", &title, named.name(), ctx)
            })
            .await
        }
        .await,
    )
}

#[allow(clippy::too_many_arguments)]
fn table_context(
    params: &Params,
    reading: &Reading,
    year: Option<i32>,
    takes_year: bool,
    grid: &Grid,
    rows: &[u32],
    sel: &Selection,
    paging: &Paging,
    table: Option<Named>,
    export: &str,
) -> Value {
    let total = rows.len();
    let start = ((paging.page - 1) * paging.per).min(total);
    let end = (start + paging.per).min(total);
    let page_rows = &rows[start..end];
    let facets: Vec<Value> = grid
        .facets()
        .iter()
        .map(|f| {
            let chosen = sel
                .filters
                .iter()
                .rev()
                .find(|(c, _)| *c == f.column)
                .map(|(_, v)| v.clone());
            context! { column => f.column, zh => parkdb::ledger::columns::chinese_of(&f.column), values => f.values, chosen => chosen }
        })
        .collect();
    // The filter form carries the horizon, the order and the filters it
    // has no field for.
    let mut keep: Vec<(String, String)> = ["as_of", "known_at", "year", "sort", "desc", "per"]
        .iter()
        .filter_map(|k| params.get(k).map(|v| ((*k).to_owned(), v.to_owned())))
        .collect();
    keep.extend(
        sel.filters
            .iter()
            .filter(|(c, _)| !grid.facets().iter().any(|f| f.column == *c))
            .cloned(),
    );
    let reset = format!("?{}", super::encode(&keep));
    let page_link = |p: usize| format!("?{}", params.with(&[("page", &p.to_string())]));
    let year = takes_year.then(|| year.map_or(String::new(), |y| y.to_string()));
    context! {
        keep => keep,
        reset => reset,
        q => sel.q,
        facets => facets,
        total => total,
        first => start + 1,
        last => end,
        prev => (paging.page > 1).then(|| page_link(paging.page - 1)),
        next => (end < total).then(|| page_link(paging.page + 1)),
        export => format!("{export}?{}", params.with(&[("page", ""), ("per", ""), ("format", "")])),
        grid => grid_view("table", grid, page_rows, table, Some((params, sel.sort.as_ref()))),
        ..pickers(params, reading, year, &["q", "sort", "desc", "per"]),
    }
}

/// The year the overview opens on: the latest year with data
/// ([`parkdb::View::latest_year_with_data`]), or this year.
fn default_year(snap: &Snapshot) -> i32 {
    snap.latest_year().unwrap_or_else(|| Utc::now().year())
}

fn year_end(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

/// What colours a map of a page or of `/map.svg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Colour {
    Status,
    Idle,
    LandUse,
    Grade,
}

/// Each colouring: its parameter and its label in the page's picker.
const COLOURS: [(Colour, &str, &str); 4] = [
    (Colour::Status, "status", "地块状态 status"),
    (Colour::Idle, "idle", "闲置 idle"),
    (Colour::LandUse, "land_use", "用途 land use"),
    (Colour::Grade, "grade", "亩均等级 grade"),
];

impl Colour {
    /// The `color` parameter (default `status`).
    pub(super) fn of(params: &Params) -> Result<Colour, Problem> {
        let text = params.get("color").unwrap_or("status");
        COLOURS
            .iter()
            .find(|(_, code, _)| *code == text)
            .map(|(c, _, _)| *c)
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "color={} is not one of status, idle, land_use, grade",
                    parkdb::text::shown(text)
                ))
            })
    }

    fn code(self) -> &'static str {
        COLOURS
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("status", |(_, code, _)| code)
    }
}

/// A map drawn into a page, and whether it is drawn elsewhere instead:
/// with more than [`INLINE_MAP_PARCELS`] parcels a page links to
/// `/map.svg` rather than carry the map; with none drawn it has no map.
fn inline_map(
    snap: &Snapshot,
    reading: &Reading,
    draw: impl FnOnce() -> Result<parkdb::Map, Problem>,
) -> Result<(Option<Value>, bool), Problem> {
    if snap.land_summary(reading)?.total.parcel_count > INLINE_MAP_PARCELS {
        return Ok((None, true));
    }
    let map = draw()?;
    Ok((
        (map.parcels_drawn() > 0).then(|| Value::from_safe_string(map.svg().to_owned())),
        false,
    ))
}

pub(super) async fn overview(Shared(state): Shared<Arc<State>>, uri: Uri) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let year = params.year()?;
            let colour = Colour::of(&params)?;
            blocking(move || {
                let snap = state.snapshot();
                let year = year.unwrap_or_else(|| default_year(&snap));
                let today = Utc::now().date_naive();
                let reading = params.reading(year_end(year).map(|d| d.min(today)))?;
                let report = snap.annual_report(year, reading.known_at)?;
                let summary = snap.land_summary(&reading)?;
                let areas: Vec<Value> = summary
                    .total
                    .areas()
                    .iter()
                    .map(|(l, v)| context! { field => l.field, zh => l.chinese, en => l.english, value => v.to_decimal_string() })
                    .collect();
                let firms = snap.grid(&TableKey::Named(Named::Enterprises, reading, None))?;
                let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
                if let Some(status) = firms.batch.column_by_name("status") {
                    for s in status.as_string::<i32>().iter().flatten() {
                        *by_status.entry(s).or_default() += 1;
                    }
                }
                let firm_status: Vec<Value> = EnterpriseStatus::ALL
                    .iter()
                    .filter_map(|s| by_status.get(s.code()).map(|n| context! { code => s.code(), zh => s.chinese(), count => n }))
                    .collect();
                let batches: Vec<Value> = report
                    .approved_by_batch
                    .iter()
                    .map(|(name, b)| context! { name => name, count => b.count, total => b.total.to_decimal_string() })
                    .collect();
                let (map, map_elsewhere) = inline_map(&snap, &reading, || {
                    colour_map(&snap, &reading, colour, DEFAULT_SCHEME, year)
                })?;
                let mut figures: Vec<(String, String)> = Vec::new();
                figures.extend(report.areas().iter().map(|(k, v)| ((*k).to_owned(), v.to_decimal_string())));
                figures.extend(report.amounts().iter().map(|(k, v)| ((*k).to_owned(), v.to_decimal_string())));
                figures.extend(report.counts().iter().map(|(k, v)| ((*k).to_owned(), v.to_string())));
                let (land_trend, money_trend) = trends(&snap, &reading, year, today)?;
                let (grade_trend, age_chart) = grade_and_age_charts(&snap, &reading, year, today)?;
                let colors: Vec<(&str, &str)> = COLOURS.iter().map(|(_, code, label)| (*code, *label)).collect();
                let ctx = context! {
                    colors => colors,
                    color => colour.code(),
                    summary => context! {
                        parcel_count => summary.total.parcel_count,
                        areas => areas,
                    },
                    firm_status => firm_status,
                    batches => batches,
                    map => map,
                    map_elsewhere => map_elsewhere,
                    map_query => params.with(&[("as_of", &reading.as_of.to_string()), ("year", &year.to_string())]),
                    report_text => report.text(),
                    report_figures => figures,
                    land_trend => land_trend.map(Value::from_safe_string),
                    money_trend => money_trend.map(Value::from_safe_string),
                    grade_trend => grade_trend.map(Value::from_safe_string),
                    age_chart => age_chart.map(Value::from_safe_string),
                    land_query => params.with(&[("as_of", &reading.as_of.to_string()), ("year", ""), ("color", "")]),
                    report_query => params.with(&[("as_of", ""), ("year", ""), ("color", "")]),
                    ..pickers(&params, &reading, Some(year.to_string()), &[]),
                };
                render(&state, &snap, "overview.html", &format!("{year} 年园区总览"), "", ctx)
            })
            .await
        }
        .await,
    )
}

/// The overview's trends to `year` (ten years at most, from the first
/// with land): the land at each year's end (requisitioned, supplied,
/// reclaimed so far, from the land summaries of each year's end) and the
/// firms' output and tax per year (the yearly figures, summed), as SVG
/// bar charts.
fn trends(
    snap: &Snapshot,
    reading: &Reading,
    year: i32,
    today: NaiveDate,
) -> Result<(Option<String>, Option<String>), Problem> {
    use arrow_array::Array as _;
    use parkdb::chart::BarChart;
    let mu = |m: parkdb::Mu| m.to_f64();
    let mut land: Vec<(i32, f64, f64, f64)> = Vec::new();
    for y in (year - 9)..=year {
        let Some(end) = year_end(y) else { continue };
        let at = Reading {
            as_of: end.min(today),
            known_at: reading.known_at,
        };
        let s = snap.land_summary(&at)?;
        let t = &s.total;
        if t.requisitioned_mu.is_positive() || !land.is_empty() {
            land.push((
                y,
                mu(t.requisitioned_mu),
                mu(t.supplied_mu),
                mu(t.reclaimed_mu),
            ));
        }
    }
    let land_chart = (!land.is_empty()).then(|| {
        BarChart {
            categories: land.iter().map(|l| l.0.to_string()).collect(),
            series: vec![
                ("征地".into(), land.iter().map(|l| l.1).collect()),
                ("已供应".into(), land.iter().map(|l| l.2).collect()),
                ("累计收回".into(), land.iter().map(|l| l.3).collect()),
            ],
            unit: "亩(年末)".into(),
        }
        .svg()
    });
    let yearly = snap.grid(&TableKey::Named(
        Named::Yearly,
        yearly_reading(reading, year, today),
        None,
    ))?;
    let batch = &yearly.batch;
    let mut money: BTreeMap<i32, (i128, i128)> = BTreeMap::new();
    if let (Some(years), Some(output), Some(tax)) = (
        batch.column_by_name("year"),
        batch.column_by_name("output_yuan"),
        batch.column_by_name("tax_yuan"),
    ) {
        let years = years.as_primitive::<arrow_array::types::UInt64Type>();
        let output = output.as_primitive::<arrow_array::types::Decimal128Type>();
        let tax = tax.as_primitive::<arrow_array::types::Decimal128Type>();
        for i in 0..batch.num_rows() {
            let Ok(y) = i32::try_from(years.value(i)) else {
                continue;
            };
            if years.is_null(i) || y > year || y <= year - 10 {
                continue;
            }
            let at = money.entry(y).or_default();
            if !output.is_null(i) {
                at.0 += output.value(i);
            }
            if !tax.is_null(i) {
                at.1 += tax.value(i);
            }
        }
    }
    // Fen to 万元.
    let wan = |fen: i128| fen as f64 / 1_000_000.0;
    let money_chart = (!money.is_empty()).then(|| {
        BarChart {
            categories: money.keys().map(ToString::to_string).collect(),
            series: vec![
                (
                    "生产总值".into(),
                    money.values().map(|m| wan(m.0)).collect(),
                ),
                ("税收".into(), money.values().map(|m| wan(m.1)).collect()),
            ],
            unit: "万元".into(),
        }
        .svg()
    });
    Ok((land_chart, money_chart))
}

/// The yearly figures the trends read: as of the year's end (today, for a
/// year not over), whatever day the page shows, so that pages of one year
/// share the one table.
fn yearly_reading(reading: &Reading, year: i32, today: NaiveDate) -> Reading {
    Reading {
        as_of: year_end(year).map_or(reading.as_of, |d| d.min(today)),
        known_at: reading.known_at,
    }
}

/// The overview's other trends: firms by grade in each year with figures
/// (the default scheme's evaluation, ten years at most), and what is owed
/// to the zone by age as of the reading's date, as SVG bar charts.
fn grade_and_age_charts(
    snap: &Snapshot,
    reading: &Reading,
    year: i32,
    today: NaiveDate,
) -> Result<(Option<String>, Option<String>), Problem> {
    use parkdb::chart::BarChart;
    let yearly = snap.grid(&TableKey::Named(
        Named::Yearly,
        yearly_reading(reading, year, today),
        None,
    ))?;
    let mut years: Vec<i32> = yearly
        .batch
        .column_by_name("year")
        .map(|c| {
            c.as_primitive::<arrow_array::types::UInt64Type>()
                .iter()
                .flatten()
                .filter_map(|y| i32::try_from(y).ok())
                .filter(|y| *y <= year && *y > year - 10)
                .collect()
        })
        .unwrap_or_default();
    years.sort_unstable();
    years.dedup();
    let mut by_grade: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (i, y) in years.iter().enumerate() {
        let scores = snap.evaluation(DEFAULT_SCHEME, *y, reading.known_at)?;
        for (grade, n) in scores.grade_counts() {
            by_grade
                .entry(grade)
                .or_insert_with(|| vec![0.0; years.len()])[i] = f64::from(n);
        }
    }
    let grades = (!by_grade.is_empty()).then(|| {
        BarChart {
            categories: years.iter().map(ToString::to_string).collect(),
            series: by_grade
                .into_iter()
                .map(|(g, v)| (format!("{g}类"), v))
                .collect(),
            unit: "家".into(),
        }
        .svg()
    });
    let owed = snap.grid(&TableKey::Named(Named::Receivables, *reading, None))?;
    let mut by_age: BTreeMap<usize, i128> = BTreeMap::new();
    if let (Some(bucket), Some(outstanding)) = (
        owed.batch.column_by_name("bucket"),
        owed.batch.column_by_name("outstanding_yuan"),
    ) {
        let bucket = bucket.as_string::<i32>();
        let outstanding = outstanding.as_primitive::<arrow_array::types::Decimal128Type>();
        for (b, v) in bucket.iter().zip(outstanding.iter()) {
            let (Some(b), Some(v)) = (b, v) else { continue };
            if let Some(at) = parkdb::money::AgingBucket::ALL
                .iter()
                .position(|a| a.code() == b)
            {
                *by_age.entry(at).or_default() += v;
            }
        }
    }
    let ages = (!by_age.is_empty()).then(|| {
        BarChart {
            categories: by_age
                .keys()
                .map(|i| parkdb::money::AgingBucket::ALL[*i].chinese().to_owned())
                .collect(),
            series: vec![(
                "尚欠".into(),
                by_age
                    .values()
                    .map(|fen| *fen as f64 / 1_000_000.0)
                    .collect(),
            )],
            unit: "万元".into(),
        }
        .svg()
    });
    Ok((grades, ages))
}

/// The map of the overview, the evaluation and `/map.svg`: coloured by
/// `colour`, a grade by `scheme`'s evaluation of `year`.
pub(super) fn colour_map(
    snap: &Snapshot,
    reading: &Reading,
    colour: Colour,
    scheme: &str,
    year: i32,
) -> Result<parkdb::Map, Problem> {
    // Drawn through the gate: a map reads every parcel as of its date.
    snap.build(|| {
        let view = reading.view(&snap.db);
        Ok(match colour {
            Colour::Status => view.map(MapColor::Status)?,
            Colour::Idle => view.map(MapColor::Idle)?,
            Colour::LandUse => view.map(MapColor::LandUse)?,
            Colour::Grade => {
                let eval = snap.evaluation(scheme, year, reading.known_at)?;
                view.map(MapColor::Grade(eval.as_ref()))?
            }
        })
    })
}

#[derive(Serialize)]
struct Fact {
    name: String,
    zh: Option<&'static str>,
    text: Option<String>,
    href: Option<String>,
}

/// The one row of `batch` as facts (column, value).
fn facts(batch: RecordBatch, table: Named) -> Vec<Fact> {
    let grid = Grid::new(batch);
    if grid.batch.num_rows() == 0 {
        return Vec::new();
    }
    let row = grid.texts(&[0]).swap_remove(0);
    grid.columns()
        .into_iter()
        .zip(row)
        .filter(|(name, _)| name != "boundary")
        .map(|(name, text)| {
            let href = text
                .as_deref()
                .and_then(|t| link(Some(table), &name, t))
                .filter(|_| name != "code");
            Fact {
                zh: parkdb::ledger::columns::chinese_of(&name),
                name,
                text,
                href,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct Moment {
    date: String,
    event: String,
    detail: String,
    voided: bool,
    /// Where the event came from (`台账导入 地块台账.xlsx › 地块台账 第12行 (王芳@…)`).
    source: String,
}

/// A history as a timeline, latest last.
fn timeline<B>(
    history: &[HistoryEntry<B>],
    origins: &[parkdb::Origin],
    name: impl Fn(&B) -> &'static str,
    describe: impl Fn(&B) -> String,
) -> Vec<Moment> {
    history
        .iter()
        .zip(origins)
        .map(|(h, origin)| {
            let Event { valid, body, .. } = &h.event;
            let (event, detail) = match body {
                Body::Domain(b) => (name(b).to_owned(), describe(b)),
                Body::Void { .. } => ("void".to_owned(), String::new()),
            };
            Moment {
                date: if *valid == NaiveDate::MIN {
                    String::new()
                } else {
                    valid.to_string()
                },
                event,
                detail,
                voided: h.voided_by.is_some(),
                source: origin.describe(),
            }
        })
        .collect()
}

/// Where a figure of the year's report comes from: its parts, each with
/// the event that put it in and that event's source.
pub(super) async fn explain_report(
    Shared(state): Shared<Arc<State>>,
    Path((year, figure)): Path<(String, String)>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let year: i32 = year
                .parse()
                .map_err(|_| Problem::bad_request(format!("{year:?} is not a year")))?;
            let reading = params.reading(year_end(year))?;
            blocking(move || {
                let snap = state.snapshot();
                let e = reading.view(&snap.db).explain_report(year, &figure)?;
                explanation(&state, &snap, &params, &reading, Some(year), &e)
            })
            .await
        }
        .await,
    )
}

/// Where a figure of the land summary of `as_of` comes from.
pub(super) async fn explain_land(
    Shared(state): Shared<Arc<State>>,
    Path(figure): Path<String>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            blocking(move || {
                let snap = state.snapshot();
                let e = reading.view(&snap.db).explain_land(&figure)?;
                explanation(&state, &snap, &params, &reading, None, &e)
            })
            .await
        }
        .await,
    )
}

/// An explanation's page: the figure, its value and date, and its parts.
fn explanation(
    state: &State,
    snap: &super::state::Snapshot,
    params: &Params,
    reading: &Reading,
    year: Option<i32>,
    e: &parkdb::explain::Explanation,
) -> Result<Response, Problem> {
    let value = e
        .value
        .map(|v| format!("{}{}", v.to_decimal_string(), v.unit()));
    let mut facts = vec![
        context! { name => "figure", zh => "指标", text => e.figure.clone() },
        context! { name => "value", zh => "数值", text => value },
        context! { name => "as_of", zh => "截至", text => e.as_of.to_string() },
        context! { name => "parts", zh => "构成项数", text => e.parts.len().to_string() },
    ];
    if let Some(how) = &e.derived {
        facts.push(context! { name => "derived", zh => "计算方法", text => how.clone() });
    }
    let sections = if e.parts.is_empty() {
        Vec::new()
    } else {
        vec![
            context! { zh => "构成", en => "Parts", grid => small_grid("explanation", e.to_table()?) },
        ]
    };
    let ctx = context! {
        facts => facts,
        sections => sections,
        ..pickers(params, reading, year.map(|y| y.to_string()), &[]),
    };
    render(
        state,
        snap,
        "profile.html",
        &format!("{} 的来源", e.figure),
        "",
        ctx,
    )
}

pub(super) async fn parcel(
    Shared(state): Shared<Arc<State>>,
    Path(key): Path<String>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            let by_id = params.0.iter().any(|(k, v)| k == "by" && v == "id");
            blocking(move || {
                let snap = state.snapshot();
                let view = reading.view(&snap.db);
                let parcel = if by_id {
                    let id = super::record_number(&key, "a parcel's")?;
                    view.parcel(ParcelId(id))?
                } else {
                    view.parcel_by_code(&key)?
                };
                let map = view.parcel_map(parcel.id)?;
                let history = view.parcel_history(parcel.id)?;
                let buildings = view.buildings_on(&parcel)?;
                let mut sections = Vec::new();
                if !buildings.is_empty() {
                    sections.push(context! { zh => "楼宇", en => "Buildings", grid => small_grid("buildings", parkdb::tables::buildings_batch(&buildings, reading.as_of)?) });
                }
                let ctx = context! {
                    facts => facts(view.parcel_table(parcel.id)?, Named::Parcels),
                    map => (map.parcels_drawn() > 0).then(|| Value::from_safe_string(map.svg().to_owned())),
                    sections => sections,
                    timeline => timeline(&history, &view.origins(&history)?, parkdb::land::ParcelEvent::name, parkdb::land::ParcelEvent::describe),
                    ..pickers(&params, &reading, None, &["by"]),
                };
                render(&state, &snap, "profile.html", &format!("地块 {}", parcel.code), "parcels", ctx)
            })
            .await
        }
        .await,
    )
}

pub(super) async fn enterprise(
    Shared(state): Shared<Arc<State>>,
    Path(key): Path<String>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let reading = params.reading(None)?;
            let id = super::record_number(&key, "an enterprise's")?;
            blocking(move || {
                let snap = state.snapshot();
                let view = reading.view(&snap.db);
                let firm = view.enterprise(EnterpriseId(id))?;
                let one = std::slice::from_ref(&firm);
                let mut sections = Vec::new();
                // The grade of its last reported years, by the default
                // scheme (each year evaluates every firm, once per snapshot).
                let mut grades = GridView {
                    id: "grades".into(),
                    columns: ["year", "grade", "score", "rank"]
                        .iter()
                        .map(|c| ColumnView { name: (*c).to_owned(), zh: parkdb::ledger::columns::chinese_of(c), sort: None, arrow: "" })
                        .collect(),
                    rows: Vec::new(),
                };
                for year in firm.yearly.years().rev().take(GRADED_YEARS).rev() {
                    let eval = snap.evaluation(DEFAULT_SCHEME, year, reading.known_at)?;
                    if let Some(r) = (0..eval.len()).find(|&i| eval.enterprise(i) == Some(firm.id)) {
                        grades.rows.push(vec![
                            CellView::link(year.to_string(), format!("/evaluate/{DEFAULT_SCHEME}/{year}")),
                            CellView::text(eval.grade(r).map_or_else(|| eval.reason(r).unwrap_or_default(), str::to_owned)),
                            CellView { num: true, ..CellView::text(eval.score(r).map_or(String::new(), |s| format!("{s:.2}"))) },
                            CellView { num: true, ..CellView::text(eval.rank(r).map_or(String::new(), |r| r.to_string())) },
                        ]);
                    }
                }
                if !grades.rows.is_empty() {
                    sections.push(context! { zh => "亩均效益评价", en => "Per-mu evaluation", grid => grades });
                }
                let holdings = view.holdings(firm.id)?;
                if !holdings.is_empty() {
                    let batch = view.table_of_parcels(&holdings.iter().collect::<Vec<_>>())?;
                    let keep = ["parcel_id", "code", "status", "land_use", "area_mu", "location"];
                    let idx: Vec<usize> = keep.iter().filter_map(|c| batch.schema_ref().index_of(c).ok()).collect();
                    let batch = batch.project(&idx).map_err(|e| parkdb::Error::Storage(e.to_string()))?;
                    let grid = Grid::new(batch);
                    let rows: Vec<u32> = (0..u32::try_from(grid.batch.num_rows()).unwrap_or(0)).collect();
                    sections.push(context! { zh => "用地", en => "Parcels", grid => grid_view("holdings", &grid, &rows, Some(Named::Parcels), None) });
                }
                let tables = [
                    ("年度经济指标", "Yearly figures", "yearly", parkdb::tables::yearly_batch(one, None)?),
                    ("项目与资金", "Applications and grants", "grants", view.applications_table(&parkdb::ApplicationFilter { applicant: Some(firm.id), ..Default::default() })?),
                    ("孵化器租赁", "Leases", "leases", parkdb::tables::leases_batch(one, reading.as_of)?),
                    ("资质", "Qualifications", "qualifications", parkdb::tables::qualifications_batch(one, reading.as_of)?),
                    ("荣誉", "Honours", "honours", parkdb::tables::honours_batch(one)?),
                    ("环保安全", "Compliance", "compliance", parkdb::tables::compliance_batch(one, reading.as_of)?),
                ];
                for (zh, en, id, batch) in tables {
                    if batch.num_rows() > 0 {
                        sections.push(context! { zh => zh, en => en, grid => small_grid(id, batch) });
                    }
                }
                let history = view.enterprise_history(firm.id)?;
                let wan = |y: Option<parkdb::Yuan>| y.map_or(0.0, parkdb::Yuan::to_wan_f64);
                let years: Vec<(i32, parkdb::YearlyFigures)> = firm.yearly.iter().collect();
                let series = parkdb::chart::BarChart {
                    categories: years.iter().map(|(y, _)| y.to_string()).collect(),
                    series: vec![
                        ("产值 output".into(), years.iter().map(|(_, f)| wan(f.output_value)).collect()),
                        ("税收 tax".into(), years.iter().map(|(_, f)| wan(f.tax)).collect()),
                    ],
                    unit: "万元".into(),
                };
                let ctx = context! {
                    facts => facts(parkdb::tables::enterprises_batch(one, reading.as_of)?, Named::Enterprises),
                    chart => (!years.is_empty()).then(|| Value::from_safe_string(series.svg())),
                    sections => sections,
                    timeline => timeline(&history, &view.origins(&history)?, parkdb::enterprise::EnterpriseEvent::name, parkdb::enterprise::EnterpriseEvent::describe),
                    ..pickers(&params, &reading, None, &[]),
                };
                render(&state, &snap, "profile.html", &format!("企业 {}", firm.name), "enterprises", ctx)
            })
            .await
        }
        .await,
    )
}

pub(super) async fn evaluate_latest(Shared(state): Shared<Arc<State>>) -> Page {
    Page(
        blocking(move || {
            let snap = state.snapshot();
            let year = default_year(&snap);
            Ok(Redirect::to(&format!("/evaluate/{DEFAULT_SCHEME}/{year}")).into_response())
        })
        .await,
    )
}

pub(super) async fn evaluate(
    Shared(state): Shared<Arc<State>>,
    Path((scheme, year)): Path<(String, String)>,
    uri: Uri,
) -> Page {
    Page(
        async move {
            let params = Params::of(&uri)?;
            let year = super::scheme_year(&scheme, &year)?;
            let reading = params.reading(year_end(year))?;
            let mut sel = params.selection();
            if sel.sort.is_none() {
                sel.sort = Some(("rank".to_owned(), false));
            }
            let paging = paging(&params)?;
            blocking(move || {
                let snap = state.snapshot();
                let eval = snap.evaluation(&scheme, year, reading.known_at)?;
                let key = TableKey::Evaluation(scheme.clone(), year, reading.known_at);
                let (grid, rows) = snap.selection(&key, &sel)?;
                let (map, map_elsewhere) = inline_map(&snap, &reading, || {
                    colour_map(&snap, &reading, Colour::Grade, &scheme, year)
                })?;
                let grades: Vec<(String, u32)> = eval.grade_counts().into_iter().collect();
                let title = format!("{year} 年亩均效益评价（{scheme}）");
                let ctx = context! {
                    grades => grades,
                    out_of_scope => (0..eval.len()).filter(|&i| !eval.in_scope(i)).count(),
                    map => map,
                    map_elsewhere => map_elsewhere,
                    map_query => super::encode(&[
                        ("color".to_owned(), "grade".to_owned()),
                        ("scheme".to_owned(), scheme.clone()),
                        ("year".to_owned(), year.to_string()),
                        ("as_of".to_owned(), reading.as_of.to_string()),
                    ]),
                    ..table_context(&params, &reading, None, false, &grid, &rows, &sel, &paging, None, &format!("/api/evaluate/{scheme}/{year}")),
                };
                render(&state, &snap, "evaluate.html", &title, "", ctx)
            })
            .await
        }
        .await,
    )
}
