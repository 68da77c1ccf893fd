//! `parkdb`: the command-line tool for data officers — load the Excel/CSV
//! ledgers (台账), export tables, print the annual report. The `parkdb`
//! binary and the Python wheel's `parkdb` command both run [`main`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use parkdb::ledger::{self, ImportOptions};
use parkdb::scheme::Graded;
use parkdb::tables::Named;
use parkdb::{Db, View};

/// A date typed at the command line, or what a date looks like.
fn date(text: &str) -> Result<chrono::NaiveDate, String> {
    parkdb::ledger::dates::date_arg(text).map_err(|e| crate::said(&e))
}

/// A moment from the command line: with an offset, the moment it says;
/// without one, local time (as a person at the terminal means it).
fn moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parkdb::ledger::dates::parse_moment(text).map_err(|e| crate::said(&e))
}

/// A preset scheme by name, or which names there are.
fn preset(name: &str) -> Result<parkdb::scheme::Scheme, String> {
    parkdb::scheme::preset(name).map_err(|e| crate::said(&e))
}

/// `println!` that ends quietly when stdout is closed (`parkdb report 2005 | head`).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// `print!` that ends quietly when stdout is closed.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if write!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

#[derive(Parser)]
#[command(name = "parkdb", version, about = "parkdb: the ledgers of an industrial park and its S&T fund", long_about = None)]
struct Cli {
    /// The database directory (or set `PARKDB_DB`).
    #[arg(long, global = true, env = "PARKDB_DB", default_value = "park.parkdb")]
    db: PathBuf,
    /// Read what the database knew at this moment (export, report,
    /// evaluate, summary): ISO 8601, with an offset (`2024-03-01T09:30+08:00`)
    /// or without one, in local time (`2024-03-01 09:30`, `2024-03-01`: the
    /// start of that day).
    #[arg(long, global = true)]
    known_at: Option<String>,
    /// Read a snapshot of the database (export, report, evaluate, summary,
    /// check): no lock is taken, so it works while another process writes.
    #[arg(long, global = true)]
    read_only: bool,
    /// Who writes (import, boundaries, example): kept as the source of
    /// every event written (or set `PARKDB_BY`); the system's user name
    /// when not given.
    #[arg(long, global = true, env = "PARKDB_BY")]
    by: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// A table `export` writes: one of the ledgers' named tables, or a
/// plan's progress (which needs the plan).
#[derive(Clone, Copy)]
enum Table {
    Named(Named),
    PlanProgress,
}

/// Every table, in the order `--help` lists them.
static TABLES: std::sync::LazyLock<Vec<Table>> = std::sync::LazyLock::new(|| {
    Named::ALL
        .into_iter()
        .map(Table::Named)
        .chain([Table::PlanProgress])
        .collect()
});

impl ValueEnum for Table {
    fn value_variants<'a>() -> &'a [Self] {
        &TABLES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            Table::Named(t) => clap::builder::PossibleValue::new(t.name()).help(t.help()),
            Table::PlanProgress => clap::builder::PossibleValue::new("plan-progress")
                .help("How far a plan (--plan FILE, as JSON) is as of the date"),
        })
    }
}

impl Table {
    /// The table of the ledgers it names; `None` for a plan's progress.
    fn named(self) -> Option<Named> {
        match self {
            Table::Named(t) => Some(t),
            Table::PlanProgress => None,
        }
    }
}

/// A published layout named on the command line (its code or its Chinese name).
fn parse_layout(text: &str) -> Result<ledger::Layout, String> {
    ledger::Layout::parse(text).map_err(|e| e.to_string())
}

/// What colours a map's parcels.
#[derive(Clone, Copy, ValueEnum)]
enum MapColorArg {
    Status,
    LandUse,
    Idle,
    Grade,
}

#[derive(Subcommand)]
enum Command {
    /// Create an empty database.
    Init,
    /// Import ledgers from .xlsx or .csv files, all or nothing.
    ///
    /// Each sheet (or CSV file) is named after its ledger: 企业名录, 地块台账,
    /// 地块事件, 年度经济指标, 科技计划, 项目申报, 项目流程 (or enterprises,
    /// parcels, `parcel_events`, yearly, programmes, applications,
    /// `application_steps`). A file of 中国土地市场网's results (供地结果,
    /// 土地转让, 土地抵押) is recognised by its headers and taken as
    /// published. Every bad row is reported with its sheet, row, column and
    /// reason; if there is one, nothing is written.
    Import {
        /// The files to import, in one unit of work.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Refuse a column the ledger does not keep (by default it is set
        /// aside and listed).
        #[arg(long)]
        strict: bool,
        /// Read every file as this published layout: `supply_results`
        /// (供地结果), `transfers` (土地转让) or `mortgages` (土地抵押).
        #[arg(long, value_parser = parse_layout)]
        layout: Option<ledger::Layout>,
        /// Raise a bound of what a file may hold, as NAME=N: `file_bytes`,
        /// `inflated_bytes`, `rows`, `columns` or `cells` (`--limit rows=3000000`).
        #[arg(long = "limit", value_name = "NAME=N")]
        limits: Vec<String>,
    },
    /// Import parcels' boundaries from a survey file (.geojson or .shp with
    /// its .dbf and .prj), matched by the parcel code in --code-field; all
    /// or nothing.
    ImportBoundaries {
        file: PathBuf,
        /// The field holding the parcel's code.
        #[arg(long, default_value = "地块编号")]
        code_field: String,
        /// The coordinate system when the file names none (EPSG:4527, 4490…).
        #[arg(long)]
        crs: Option<String>,
        /// The date the boundaries take effect (default: each parcel's latest event).
        #[arg(long)]
        on: Option<String>,
        /// The encoding of a shapefile's .dbf (GBK, GB18030, UTF-8…), over its .cpg.
        #[arg(long)]
        encoding: Option<String>,
        /// The Gauss-Krüger zone a file in longitude and latitude is
        /// measured in (EPSG:4528…): the park's own (default: the
        /// database's default CRS when it is a zone, else each shape's).
        #[arg(long)]
        zone: Option<String>,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export a table to .csv or .xlsx (by the extension of --out).
    Export {
        #[arg(value_enum)]
        table: Table,
        /// The file to write: .csv or .xlsx.
        #[arg(long)]
        out: PathBuf,
        /// The date the table is read as of (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// For yearly, disbursements and payments: only this year.
        #[arg(long)]
        year: Option<i32>,
        /// For plan-progress: the plan, as JSON ({"name", "year", "targets":
        /// [{"name", "figure", "goal", "by"}], "milestones": [{"name", "by",
        /// "done"}]}).
        #[arg(long)]
        plan: Option<PathBuf>,
    },
    /// Write every table as Parquet, as one park of a dataset in DIR
    /// (DIR/<table>/park=<CODE>/part-0.parquet, read by `DuckDB`, polars,
    /// pyarrow and Spark), replacing that park's earlier export.
    ExportParquet {
        dir: PathBuf,
        /// The park's code in the dataset (letters, digits, - and _).
        #[arg(long)]
        park: String,
        /// The date the tables are read as of (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// The dataset's coordinate system (EPSG:4490, 4527…): its first
        /// export fixes it, later parks are reprojected into it.
        #[arg(long)]
        crs: Option<String>,
        /// Seconds to wait while another export of the park is under way.
        #[arg(long, default_value_t = 60)]
        wait: u64,
    },
    /// Print the annual report of a year; optionally write it as .xlsx or text.
    Report {
        year: i32,
        /// Also write the report as a workbook.
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// Also write the report's text to a file.
        #[arg(long)]
        text: Option<PathBuf>,
        /// Also write the report as a Word document (.docx): its sections,
        /// tables, charts, the year-end map and where its headline figures
        /// come from.
        #[arg(long)]
        docx: Option<PathBuf>,
        /// The zone's name, for the document's title.
        #[arg(long)]
        zone: Option<String>,
    },
    /// Explain a figure of the annual report (or of the land summary of
    /// the year's end, or a total of the receivables then): the parcels,
    /// firms or applications that make it, each with its amount, the event
    /// that put it in and where that event came from; the amounts add up
    /// to the figure.
    Explain {
        year: i32,
        /// The figure's field name (`certified_mu`, `tax_yuan`, `reserve_mu`,
        /// `outstanding_yuan`…).
        figure: String,
        /// For a total of the receivables: one charge only (`land_price`,
        /// `idle_fee`, `management_fee`).
        #[arg(long)]
        charge: Option<String>,
        /// Also write the explanation as a table (.csv, .xlsx, .parquet).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Draw the map of the parcels with a boundary as SVG (地块图).
    Map {
        /// What colours the parcels.
        #[arg(long, value_enum, default_value = "status")]
        color: MapColorArg,
        /// The date the map shows (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// For --color grade: the scheme (`huangyan_2022`, `huangyan_2022_small`).
        #[arg(long)]
        scheme: Option<String>,
        /// For --color grade: the year evaluated.
        #[arg(long)]
        year: Option<i32>,
        /// The .svg file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Evaluate every enterprise with a scheme (`huangyan_2022`, `huangyan_2022_small`).
    Evaluate {
        scheme: String,
        year: i32,
        /// Write the evaluation to .csv or .xlsx.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Evaluate every park of a Parquet dataset (written by
        /// export-parquet) on one ranking instead of the database.
        #[arg(long)]
        dataset: Option<PathBuf>,
        /// With --dataset: only these parks (comma-separated).
        #[arg(long, value_delimiter = ',')]
        parks: Option<Vec<String>>,
    },
    /// Print the province report of a Parquet dataset's parks for a year:
    /// land, grades, tax and value added per mu, ranked.
    ProvinceReport {
        dir: PathBuf,
        scheme: String,
        year: i32,
        /// Also write it as a workbook (.xlsx) or table (.csv).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only these parks (comma-separated; default: every park).
        #[arg(long, value_delimiter = ',')]
        parks: Option<Vec<String>>,
    },
    /// Print the land ledger's figures as of a date.
    Summary {
        #[arg(long)]
        as_of: String,
    },
    /// Serve the park's dashboard and its tables over HTTP, read-only,
    /// from a snapshot (刷新 on a page, or POST /refresh, takes a new one).
    Serve {
        /// The address to listen on; beyond loopback only with --token.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port (0: any free one).
        #[arg(long, default_value_t = 8090)]
        port: u16,
        /// A token every request must carry (a bearer header, or the login
        /// link printed at start); or set `PARKDB_TOKEN`.
        #[arg(long, env = "PARKDB_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Tables, evaluations and maps built at once (default 1: a build uses both cores).
        #[arg(long)]
        builds: Option<usize>,
        /// Requests that wait for a build; beyond them the server answers 503.
        #[arg(long, default_value_t = 32)]
        queue: usize,
        /// MiB of tables kept and built together.
        #[arg(long, default_value_t = 2048)]
        budget_mib: usize,
    },
    /// Check the database's integrity.
    Check,
    /// Check a Parquet dataset (written by export-parquet): every park,
    /// its as-of, its rows and checksums, what is missing or extra.
    CheckDataset { dir: PathBuf },
    /// Write a consistent copy of the database to a new directory.
    Backup { target: PathBuf },
    /// Write each ledger's checkpoint afresh from its events (the folded
    /// view new processes load instead of folding every event), or with
    /// --status say where each stands.
    Checkpoint {
        #[arg(long)]
        status: bool,
    },
    /// List the imports the database stored (ledgers and boundary files):
    /// when, by whom, which files and their SHA-256, how many events.
    Imports {
        /// Also write the list as a table (.csv, .xlsx, .parquet).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Build the seed document's example zone and bureau into an empty database.
    Example,
}

/// The view a read command reads through: now, or as known at `known_at`.
fn view<'a>(db: &'a Db, known_at: Option<&str>) -> Result<View<'a>, String> {
    Ok(match known_at {
        Some(t) => db.as_known_at(moment(t)?),
        None => db.now(),
    })
}

/// The database at `path`, its writes `by` someone (`--by`).
fn open_by(path: &Path, by: Option<&str>, must_exist: bool) -> Result<Db, String> {
    let mut db = open(path, must_exist)?;
    db.set_by(by).map_err(|e| crate::said(&e))?;
    Ok(db)
}

fn open(path: &Path, must_exist: bool) -> Result<Db, String> {
    if must_exist && !path.exists() {
        return Err(format!(
            "no database at {}; create one with `parkdb --db {} init`",
            path.display(),
            path.display()
        ));
    }
    Db::open(path).map_err(|e| e.to_string())
}

/// The database a read command reads: the database itself, or a
/// snapshot of it with `--read-only`.
fn reader(path: &Path, read_only: bool) -> Result<Db, String> {
    if read_only {
        return Db::open_read_only(path).map_err(|e| e.to_string());
    }
    open(path, true)
}

fn write_table(batch: &arrow_array::RecordBatch, name: &str, out: &Path) -> Result<(), String> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    match ext.as_str() {
        "csv" => ledger::write_csv(batch, out),
        "xlsx" => ledger::write_xlsx(&[(name, batch)], out),
        other => return Err(format!("{}: {other:?} is not .csv or .xlsx", out.display())),
    }
    .map_err(|e| e.to_string())?;
    say!("wrote {} rows to {}", batch.num_rows(), out.display());
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Init => {
            let existed = cli.db.exists();
            open_by(&cli.db, cli.by.as_deref(), false)?;
            say!(
                "{} database at {}",
                if existed {
                    "opened the existing"
                } else {
                    "created a"
                },
                cli.db.display()
            );
        }
        Command::ImportBoundaries {
            file,
            code_field,
            crs,
            on,
            encoding,
            zone,
            dry_run,
        } => {
            let db = open_by(&cli.db, cli.by.as_deref(), true)?;
            let crs_arg = |text: Option<String>| {
                text.as_deref()
                    .map(parkdb::Crs::parse)
                    .transpose()
                    .map_err(|e| e.to_string())
            };
            let options = ledger::BoundaryOptions {
                code_field,
                crs: crs_arg(crs)?,
                on: on.as_deref().map(date).transpose()?,
                encoding,
                zone: crs_arg(zone)?,
                dry_run,
            };
            let report =
                ledger::import_boundaries(&db, &file, &options).map_err(|e| e.to_string())?;
            for e in &report.errors {
                eprintln!("{e}");
            }
            for m in &report.mismatches {
                say!("area mismatch: {m}");
            }
            if !report.errors.is_empty() {
                eprintln!("{} bad features; nothing was written", report.errors.len());
                return Ok(ExitCode::FAILURE);
            }
            say!(
                "{} of {} features matched; {}",
                report.matched,
                report.features,
                if report.written {
                    "boundaries set"
                } else {
                    "dry run, nothing written"
                }
            );
        }
        Command::Import {
            files,
            dry_run,
            strict,
            layout,
            limits,
        } => {
            let mut bounds = ledger::ReadLimits::default();
            for limit in &limits {
                let (name, value) = limit
                    .split_once('=')
                    .and_then(|(n, v)| Some((n, v.trim().parse::<u64>().ok()?)))
                    .ok_or_else(|| format!("--limit {limit}: give it as NAME=N"))?;
                bounds.set(name.trim(), value).map_err(|e| e.to_string())?;
            }
            let db = open_by(&cli.db, cli.by.as_deref(), true)?;
            let mut sheets = Vec::new();
            for f in &files {
                sheets.extend(ledger::read_file_with(f, &bounds).map_err(|e| e.to_string())?);
            }
            let total: usize = sheets.iter().map(|s| s.rows.len()).sum();
            let bar = (total > 2000).then(|| {
                let bar = indicatif::ProgressBar::new(total as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {eta}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar
            });
            let mut tick = |done: usize, _: usize| {
                if let Some(b) = &bar {
                    b.set_position(done as u64);
                }
            };
            let report = ledger::import(
                &db,
                &sheets,
                ImportOptions {
                    dry_run,
                    strict,
                    layout,
                    progress: Some(&mut tick),
                },
            )
            .map_err(|e| e.to_string())?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            for ((ledger, n), (_, changed)) in report.rows.iter().zip(&report.changed) {
                if changed == n {
                    say!("{ledger}: {n} rows");
                } else {
                    say!("{ledger}: {n} rows, {changed} with something new");
                }
            }
            for s in &report.skipped {
                say!("skipped {s}");
            }
            for e in &report.errors {
                eprintln!("{e}");
            }
            if !report.is_clean() {
                eprintln!("{} bad rows; nothing was written", report.errors.len());
                return Ok(ExitCode::FAILURE);
            }
            let events = report.events;
            say!(
                "{}",
                match (report.written, events) {
                    (_, 0) => "nothing new: the database holds every row already".to_owned(),
                    (true, n) => format!("imported: {n} events written"),
                    (false, n) =>
                        format!("checked: every row is good; {n} events to write (dry run, nothing written)"),
                }
            );
        }
        Command::Export {
            table,
            out,
            as_of,
            year,
            plan,
        } => {
            let db = reader(&cli.db, cli.read_only)?;
            let mut view = view(&db, cli.known_at.as_deref())?;
            if let Some(d) = as_of.as_deref() {
                view = view.as_of(date(d)?);
            }
            let (name, batch) = match table.named() {
                Some(named) => (named.name(), named.read(&view, year)),
                None => {
                    let path =
                        plan.ok_or("export plan-progress needs --plan FILE (a plan as JSON)")?;
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    let plan: parkdb::plan::Plan = serde_json::from_str(&text)
                        .map_err(|e| format!("{} is not a plan: {e}", path.display()))?;
                    (
                        "plan_progress",
                        view.plan_progress(&plan, view.date())
                            .and_then(|p| parkdb::tables::progress_batch(&p)),
                    )
                }
            };
            write_table(&batch.map_err(|e| e.to_string())?, name, &out)?;
        }
        Command::ExportParquet {
            dir,
            park,
            as_of,
            crs,
            wait,
        } => {
            let db = reader(&cli.db, cli.read_only)?;
            let options = ledger::ExportOptions {
                as_of: as_of.as_deref().map(date).transpose()?,
                known_at: cli.known_at.as_deref().map(moment).transpose()?,
                crs: crs
                    .as_deref()
                    .map(parkdb::geometry::Crs::parse)
                    .transpose()
                    .map_err(|e| e.to_string())?,
                wait: std::time::Duration::from_secs(wait),
            };
            let m = ledger::export_parquet_with(&db, &dir, &park, &options)
                .map_err(|e| e.to_string())?;
            let rows: u64 = m.files.iter().map(|f| f.1).sum();
            say!(
                "wrote park {} to {}: {} tables, {rows} rows, as of {}{}",
                m.park,
                dir.display(),
                m.files.len(),
                m.as_of.map(|d| d.to_string()).unwrap_or_default(),
                m.crs
                    .map(|c| format!(", boundaries in {c}"))
                    .unwrap_or_default()
            );
        }
        Command::Map {
            color,
            as_of,
            scheme,
            year,
            out,
        } => {
            let db = reader(&cli.db, cli.read_only)?;
            let mut v = view(&db, cli.known_at.as_deref())?;
            if let Some(d) = as_of.as_deref().map(date).transpose()? {
                v = v.as_of(d);
            }
            let evaluation = match (color, scheme, year) {
                (MapColorArg::Grade, Some(s), Some(y)) => {
                    Some(v.scores(&preset(&s)?, y).map_err(|e| e.to_string())?)
                }
                (MapColorArg::Grade, _, _) => {
                    return Err("--color grade needs --scheme and --year".into())
                }
                _ => None,
            };
            let how = match (color, &evaluation) {
                (MapColorArg::Status, _) => parkdb::MapColor::Status,
                (MapColorArg::LandUse, _) => parkdb::MapColor::LandUse,
                (MapColorArg::Idle, _) => parkdb::MapColor::Idle,
                (MapColorArg::Grade, Some(e)) => parkdb::MapColor::Grade(e),
                (MapColorArg::Grade, None) => {
                    return Err("--color grade needs an evaluation".into())
                }
            };
            let map = v.map(how).map_err(|e| e.to_string())?;
            map.save(&out).map_err(|e| e.to_string())?;
            say!("wrote {}: {} parcels", out.display(), map.parcels_drawn());
        }
        Command::Report {
            year,
            xlsx,
            text,
            docx,
            zone,
        } => {
            let db = reader(&cli.db, cli.read_only)?;
            let report = view(&db, cli.known_at.as_deref())?
                .annual_report(year)
                .map_err(|e| e.to_string())?;
            say_raw!("{}", report.text());
            if let Some(path) = xlsx {
                ledger::write_report_xlsx(&report, &path).map_err(|e| e.to_string())?;
                say!("wrote {}", path.display());
                // The map of the year's end beside the workbook, when
                // parcels have boundaries.
                let end = chrono::NaiveDate::from_ymd_opt(year, 12, 31)
                    .ok_or_else(|| format!("no year {year}"))?;
                let map = view(&db, cli.known_at.as_deref())?
                    .as_of(end)
                    .map(parkdb::MapColor::Status)
                    .map_err(|e| e.to_string())?;
                if map.parcels_drawn() > 0 {
                    let svg = path.with_extension("地块图.svg");
                    map.save(&svg).map_err(|e| e.to_string())?;
                    say!("wrote {}", svg.display());
                }
            }
            if let Some(path) = text {
                std::fs::write(&path, report.text())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                say!("wrote {}", path.display());
            }
            if let Some(path) = docx {
                let options = parkdb::document::DocumentOptions {
                    zone,
                    ..parkdb::document::DocumentOptions::default()
                };
                parkdb::document::write_report_docx(
                    &view(&db, cli.known_at.as_deref())?,
                    year,
                    &options,
                    &path,
                )
                .map_err(|e| e.to_string())?;
                say!("wrote {}", path.display());
            }
        }
        Command::Explain {
            year,
            figure,
            charge,
            out,
        } => {
            let db = reader(&cli.db, cli.read_only)?;
            let v = view(&db, cli.known_at.as_deref())?;
            let explained = match v.explain_report(year, &figure) {
                Ok(e) => e,
                // A figure of the land summary the report does not give, or
                // a total of the receivables at the year's end.
                Err(report_err) => {
                    let end = chrono::NaiveDate::from_ymd_opt(year, 12, 31)
                        .ok_or_else(|| format!("no year {year}"))?;
                    let charge = charge
                        .as_deref()
                        .map(parkdb::money::Charge::parse)
                        .transpose()
                        .map_err(|e| crate::said(&e))?;
                    let at = v.as_of(end);
                    at.explain_land(&figure)
                        .or_else(|_| at.explain_receivables(&figure, charge))
                        .map_err(|_| crate::said(&report_err))?
                }
            };
            let table = explained.to_table().map_err(|e| e.to_string())?;
            match (&explained.value, &explained.derived) {
                (Some(value), _) => say!(
                    "{} as of {}: {}{} = the sum of {} parts",
                    explained.figure,
                    explained.as_of,
                    value.to_decimal_string(),
                    value.unit(),
                    explained.parts.len()
                ),
                (None, Some(how)) => say!("{} as of {}: {how}", explained.figure, explained.as_of),
                (None, None) => say!("{} as of {}", explained.figure, explained.as_of),
            }
            if table.num_rows() > 0 {
                say_raw!("{}", parkdb::tables::Pretty::new(&table).head(50));
            }
            if let Some(path) = out {
                write_table(&table, "explanation", &path)?;
                say!("wrote {}", path.display());
            }
        }
        Command::Evaluate {
            scheme,
            year,
            out,
            dataset,
            parks,
        } => {
            let s = preset(&scheme)?;
            let (eval, parks): (Box<dyn Graded>, _) = match &dataset {
                Some(dir) => {
                    let d = ledger::evaluate_dataset_of(dir, &s, year, parks.as_deref())
                        .map_err(|e| e.to_string())?;
                    let parks: Vec<String> = d.firms.iter().map(|f| f.0.clone()).collect();
                    let table = d.table(&s).map_err(|e| e.to_string())?;
                    (Box::new(d.evaluation), Some((parks, table)))
                }
                None => {
                    let db = reader(&cli.db, cli.read_only)?;
                    let eval = view(&db, cli.known_at.as_deref())?
                        .scores(&s, year)
                        .map_err(|e| e.to_string())?;
                    (Box::new(eval), None)
                }
            };
            let mut out_of_scope = 0;
            for i in 0..eval.len() {
                if !eval.in_scope(i) {
                    out_of_scope += 1;
                    continue;
                }
                let park = parks
                    .as_ref()
                    .and_then(|p| p.0.get(usize::try_from(eval.enterprise(i)?.0).ok()?))
                    .map(|p| format!("{p}  "))
                    .unwrap_or_default();
                say!(
                    "{:>4} {:<2} {:>8.2}  {park}{}",
                    eval.rank(i).unwrap_or(0),
                    eval.grade(i).unwrap_or(""),
                    eval.score(i).unwrap_or(0.0),
                    eval.name(i).unwrap_or_default()
                );
            }
            let counts: Vec<String> = eval
                .grade_counts()
                .iter()
                .map(|(g, n)| format!("{g}: {n}"))
                .collect();
            say!("{}; out of scope: {out_of_scope}", counts.join(", "));
            if let Some(out) = out {
                let batch = match parks {
                    Some((_, table)) => table,
                    None => {
                        let metrics: Vec<_> = s.items.iter().map(|i| i.metric).collect();
                        parkdb::tables::evaluation_batch(&*eval, &metrics)
                            .map_err(|e| e.to_string())?
                    }
                };
                write_table(&batch, "evaluation", &out)?;
            }
        }
        Command::ProvinceReport {
            dir,
            scheme,
            year,
            out,
            parks,
        } => {
            let s = preset(&scheme)?;
            let report = ledger::province_report_of(&dir, &s, year, parks.as_deref())
                .map_err(|e| e.to_string())?;
            say!("{}", report.text().trim_end());
            if let Some(out) = out {
                let table = report.table().map_err(|e| e.to_string())?;
                write_table(&table, "province", &out)?;
            }
        }
        Command::Summary { as_of } => {
            let db = reader(&cli.db, cli.read_only)?;
            let s = view(&db, cli.known_at.as_deref())?
                .as_of(date(&as_of)?)
                .land_summary()
                .map_err(|e| e.to_string())?;
            let t = &s.total;
            say!("截至 {}: {} 宗地块", s.as_of, t.parcel_count);
            for (label, v) in t.areas() {
                let label = format!("{} {}", label.chinese, label.english);
                say!("  {label:<28} {v}");
            }
        }
        Command::Serve {
            host,
            port,
            token,
            builds,
            queue,
            budget_mib,
        } => {
            let defaults = crate::serve::gate::Limits::default();
            let options = crate::serve::Options {
                db: cli.db.clone(),
                host,
                port,
                token,
                limits: crate::serve::gate::Limits {
                    builds: builds.unwrap_or(defaults.builds).max(1),
                    queue,
                    budget: budget_mib.saturating_mul(1 << 20),
                    ..defaults
                },
            };
            crate::serve::run(&options, |line| say!("{line}")).map_err(|e| e.to_string())?;
        }
        Command::Check => {
            let db = reader(&cli.db, cli.read_only)?;
            let r = db.check().map_err(|e| e.to_string())?;
            say!(
                "{} records, {} events, {} index entries",
                r.records,
                r.events,
                r.index_entries
            );
            for p in &r.problems {
                eprintln!("problem: {p}");
            }
            if !r.is_clean() {
                return Ok(ExitCode::FAILURE);
            }
            say!("clean");
            // Findings are for a person to look at; nothing is damaged.
            for f in &r.findings {
                say!("finding ({}): {}", f.kind, f.message);
            }
        }
        Command::CheckDataset { dir } => {
            let check = ledger::check_dataset(&dir).map_err(|e| e.to_string())?;
            say!("{}", check.text().trim_end());
            if !check.is_clean() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Backup { target } => {
            let db = open_by(&cli.db, cli.by.as_deref(), true)?;
            db.backup(&target).map_err(|e| e.to_string())?;
            say!("backed up to {}", target.display());
        }
        Command::Checkpoint { status } => {
            let db = open_by(&cli.db, cli.by.as_deref(), true)?;
            if !status {
                db.checkpoint().map_err(|e| e.to_string())?;
            }
            for c in db.checkpoints().map_err(|e| e.to_string())? {
                match &c.unused {
                    None => say!("{}: {} (usable)", c.ledger, c.path.display()),
                    Some(why) => say!("{}: not used: {why}", c.ledger),
                }
            }
        }
        Command::Imports { out } => {
            let db = reader(&cli.db, cli.read_only)?;
            let imports = db.imports().map_err(|e| e.to_string())?;
            let table = parkdb::tables::imports_batch(&imports).map_err(|e| e.to_string())?;
            say!("{} imports", imports.len());
            if table.num_rows() > 0 {
                say_raw!("{}", parkdb::tables::Pretty::new(&table));
            }
            if let Some(path) = out {
                write_table(&table, "imports", &path)?;
                say!("wrote {}", path.display());
            }
        }
        Command::Example => {
            let db = open_by(&cli.db, cli.by.as_deref(), false)?;
            parkdb::example::build_seed(&db).map_err(|e| e.to_string())?;
            say!(
                "built the example zone and bureau into {}",
                cli.db.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the command line `args` (the first is the program's name) and
/// returns the exit status: 0 when it did what was asked.
pub fn main<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that print to stdout.
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(2);
        }
    };
    match run(cli) {
        Ok(code) if code == ExitCode::SUCCESS => 0,
        Ok(_) => 1,
        Err(message) => {
            eprintln!("parkdb: {message}");
            1
        }
    }
}
