//! parkdb against SQLite on the jobs a province consolidating its parks
//! runs: a deterministic workload of parcels with their events, enterprises,
//! yearly figures and grant applications, loaded and queried by both in the
//! same run, with the answers asserted equal.
//!
//! `cargo bench -p parkdb-bench --bench province -- [--scale F] [--keep DIR]`
//! runs it: scale 1 is 1,000,000 parcels, 500,000 enterprises, 5,000,000
//! yearly rows and 200,000 applications. `--keep DIR` leaves both databases
//! there (for `benches/python_bench.py`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arrow_array::builder::{Date32Builder, Decimal128Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use chrono::{Datelike, NaiveDate};
use parkdb::scheme::{huangyan_2022, Candidates, Graded};
use parkdb::{
    Allocation, Award, Db, Durability, EnterpriseId, LandUse, Mu, NewEnterprise, NewParcel,
    Options, ParcelFilter, ParcelId, Quantity, SupplyMethod, YearlyFigures, Yuan,
};
use rusqlite::{params, Connection};

/// A tiny deterministic generator (xorshift64*): the same workload every run.
pub struct Rng(u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

pub const YEAR: i32 = 2022;
const DATE_BASE: i32 = 10_957; // 2000-01-01 in days since 1970

fn day(n: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(i64::from(n))
}

/// One parcel of the workload: its lifecycle as day numbers (0 = never).
#[derive(Clone)]
pub struct ParcelRow {
    pub code: String,
    pub area_units: i64,
    pub land_use: u8,
    pub requisitioned: i32,
    pub developed: i32,
    pub certified: i32,
    pub holder: u64,
    pub supplied: i32,
    pub price_fen: i64,
    pub started: i32,
    pub completed: i32,
}

/// (firm index, year, output, tax, value added, employees, rd, revenue, energy, emissions, above scale)
pub type YearRow = (u64, i32, i64, i64, i64, u32, i64, i64, i64, i64, bool);

pub struct Workload {
    pub firms: Vec<(String, String, String)>,
    pub parcels: Vec<ParcelRow>,
    /// (firm index, year, output, tax, value added, employees, rd, revenue, energy, emissions, above scale)
    pub yearly: Vec<YearRow>,
    /// (firm index, requested fen, received day, grant fen or 0)
    pub applications: Vec<(u64, i64, i32, i64)>,
}

const CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u64; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn credit_code(n: u64) -> String {
    let mut body = format!("91330100{n:09}");
    let sum: u64 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| CODE_CHARS.iter().position(|c| *c == b).unwrap() as u64 * w)
        .sum();
    body.push(CODE_CHARS[((31 - sum % 31) % 31) as usize] as char);
    body
}

impl Workload {
    pub fn generate(scale: f64) -> Workload {
        let n = |base: f64| ((base * scale) as usize).max(10);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let industries = ["C39", "C33", "C17", "C26", "C36", "C38", "C30", "C27"];
        let firms: Vec<(String, String, String)> = (0..n(500_000.0))
            .map(|i| {
                (
                    format!("企业{i:06}"),
                    credit_code(i as u64),
                    industries[i % industries.len()].to_owned(),
                )
            })
            .collect();
        let parcels = (0..n(1_000_000.0))
            .map(|i| {
                let requisitioned = DATE_BASE + rng.below(5000) as i32;
                let developed = if rng.below(10) < 7 {
                    requisitioned + 30 + rng.below(300) as i32
                } else {
                    0
                };
                let certified = if rng.below(20) < 9 {
                    requisitioned + 60 + rng.below(600) as i32
                } else {
                    0
                };
                let supplied_p = rng.below(10) < 6;
                let (holder, supplied) = if supplied_p {
                    (
                        rng.below(firms.len() as u64),
                        requisitioned.max(developed).max(certified) + 10 + rng.below(200) as i32,
                    )
                } else {
                    (0, 0)
                };
                let started = if supplied_p && rng.below(2) == 0 {
                    supplied + 30 + rng.below(300) as i32
                } else {
                    0
                };
                let completed = if started > 0 && rng.below(10) < 7 {
                    started + 200 + rng.below(500) as i32
                } else {
                    0
                };
                ParcelRow {
                    code: format!("P{i:07}"),
                    area_units: 10_000 + rng.below(1_000_000) as i64,
                    land_use: (rng.below(6)) as u8,
                    requisitioned,
                    developed,
                    certified,
                    holder,
                    supplied,
                    price_fen: rng.below(100_000_000) as i64 * 100,
                    started,
                    completed,
                }
            })
            .collect();
        let years_per_firm = (n(5_000_000.0) / firms.len()).max(1);
        let mut yearly = Vec::new();
        for f in 0..firms.len() as u64 {
            for y in 0..years_per_firm as i32 {
                let output = 100_000_000 + rng.below(50_000_000_000) as i64;
                yearly.push((
                    f,
                    YEAR - y,
                    output,
                    output / 25,
                    output / 4,
                    20 + rng.below(900) as u32,
                    output / 50,
                    output * 95 / 100,
                    (100 + rng.below(9000)) as i64 * 10_000,
                    if rng.below(10) == 0 {
                        0
                    } else {
                        (1 + rng.below(200)) as i64 * 10_000
                    },
                    rng.below(10) < 8,
                ));
            }
        }
        let applications = (0..n(200_000.0))
            .map(|_| {
                let requested = (10 + rng.below(500)) as i64 * 1_000_000;
                (
                    rng.below(firms.len() as u64),
                    requested,
                    DATE_BASE + 6000 + rng.below(300) as i32,
                    if rng.below(2) == 0 { requested / 2 } else { 0 },
                )
            })
            .collect();
        Workload {
            firms,
            parcels,
            yearly,
            applications,
        }
    }
}

// ---------------------------------------------------------------- parkdb

const USES: [LandUse; 6] = [
    LandUse::Industrial,
    LandUse::CommercialResidential,
    LandUse::Commercial,
    LandUse::Logistics,
    LandUse::Public,
    LandUse::Other,
];

pub fn load_parkdb(db: &Db, w: &Workload) -> parkdb::Result<()> {
    const CHUNK: usize = 5_000;
    let mut firm_ids = Vec::with_capacity(w.firms.len());
    for chunk in w.firms.chunks(CHUNK) {
        db.write(|tx| {
            for (name, code, industry) in chunk {
                firm_ids.push(tx.add_enterprise(NewEnterprise {
                    name: name.clone(),
                    credit_code: Some(code.clone()),
                    industry: Some(industry.clone()),
                    registered: Some(day(DATE_BASE)),
                    ..NewEnterprise::default()
                })?);
            }
            Ok(())
        })?;
    }
    for chunk in w.parcels.chunks(CHUNK) {
        db.write(|tx| {
            for p in chunk {
                let id = tx.add_parcel(NewParcel::new(
                    p.code.clone(),
                    Mu::from_millionths(p.area_units * 100),
                    USES[p.land_use as usize],
                    day(p.requisitioned),
                ))?;
                let mut steps: Vec<(i32, u8)> = vec![
                    (p.developed, 1),
                    (p.certified, 2),
                    (p.supplied, 3),
                    (p.started, 4),
                    (p.completed, 5),
                ];
                steps.retain(|s| s.0 > 0);
                steps.sort();
                for (d, kind) in steps {
                    match kind {
                        1 => tx.develop(id, day(d))?,
                        2 => tx.certify(id, day(d), "证")?,
                        3 => tx.allocate(
                            id,
                            Allocation {
                                holder: firm_ids[p.holder as usize],
                                date: day(d),
                                method: SupplyMethod::Listing,
                                price: Yuan::from_fen(p.price_fen),
                                start_by: None,
                                complete_by: None,
                            },
                        )?,
                        4 => tx.start_construction(id, day(d))?,
                        _ => tx.complete_construction(id, day(d))?,
                    };
                }
            }
            Ok(())
        })?;
    }
    for chunk in w.yearly.chunks(CHUNK) {
        db.write(|tx| {
            for y in chunk {
                tx.report_year(firm_ids[y.0 as usize], y.1, figures(y))?;
            }
            Ok(())
        })?;
    }
    let programme = db.write(|tx| {
        tx.add_programme(
            "科技计划",
            YEAR,
            Yuan::from_fen(i64::MAX / 4),
            day(DATE_BASE + 5990),
        )
    })?;
    for chunk in w.applications.chunks(CHUNK) {
        db.write(|tx| {
            for a in chunk {
                let id = tx.apply(
                    programme,
                    firm_ids[a.0 as usize],
                    "项目",
                    day(a.2),
                    Yuan::from_fen(a.1),
                    None,
                )?;
                if a.3 > 0 {
                    tx.approve(
                        id,
                        day(a.2 + 100),
                        Award {
                            batch: "第一批".into(),
                            grant: Yuan::from_fen(a.3),
                            ..Award::default()
                        },
                    )?;
                }
            }
            Ok(())
        })?;
    }
    db.flush()
}

fn figures(y: &YearRow) -> YearlyFigures {
    YearlyFigures {
        output_value: Some(Yuan::from_fen(y.2)),
        revenue: Some(Yuan::from_fen(y.7)),
        tax: Some(Yuan::from_fen(y.3)),
        value_added: Some(Yuan::from_fen(y.4)),
        employees: Some(y.5),
        rd: Some(Yuan::from_fen(y.6)),
        energy_tce: Some(Quantity::from_units(y.8)),
        electricity_kwh: Some(Quantity::from_units(y.8 * 3000)),
        emissions_t: (y.9 > 0).then(|| Quantity::from_units(y.9)),
        above_scale: Some(y.10),
        water_m3: None,
    }
}

// ---------------------------------------------------------------- SQLite

/// A parcel row read whole, as parkdb's reads return whole parcels.
#[allow(dead_code)]
pub struct SqliteParcel {
    pub id: i64,
    pub code: String,
    pub area_units: i64,
    pub land_use: i64,
    pub dates: [Option<i32>; 6],
    pub certificate: Option<String>,
    pub holder: Option<i64>,
    pub method: Option<i64>,
    pub price_fen: Option<i64>,
}

fn sqlite_parcel(r: &rusqlite::Row<'_>) -> rusqlite::Result<SqliteParcel> {
    Ok(SqliteParcel {
        id: r.get(0)?,
        code: r.get(1)?,
        area_units: r.get(2)?,
        land_use: r.get(3)?,
        dates: [
            Some(r.get(4)?),
            r.get(5)?,
            r.get(6)?,
            r.get(9)?,
            r.get(12)?,
            r.get(13)?,
        ],
        certificate: r.get(7)?,
        holder: r.get(8)?,
        method: r.get(10)?,
        price_fen: r.get(11)?,
    })
}

pub fn open_sqlite(path: &Path) -> Connection {
    let c = Connection::open(path).unwrap();
    c.execute_batch("pragma journal_mode = wal; pragma synchronous = normal;")
        .unwrap();
    c
}

pub fn load_sqlite(c: &mut Connection, w: &Workload) {
    c.execute_batch(
        "create table enterprise(id integer primary key, name text not null, credit_code text unique, industry text);
         create index enterprise_industry on enterprise(industry);
         create table parcel(id integer primary key, code text not null unique, area_units integer not null, land_use integer not null,
             requisitioned integer not null, developed integer, certified integer, certificate text, holder integer, supplied integer,
             method integer, price_fen integer, construction integer, completed integer);
         create index parcel_holder on parcel(holder);
         create table parcel_event(id integer primary key, parcel integer not null, kind integer not null, valid integer not null, recorded integer not null);
         create index parcel_event_parcel on parcel_event(parcel);
         create table yearly(enterprise integer not null, year integer not null, output_fen integer, revenue_fen integer, tax_fen integer,
             value_added_fen integer, employees integer, rd_fen integer, energy integer, electricity integer, emissions integer, above_scale integer,
             primary key (enterprise, year)) without rowid;
         create table application(id integer primary key, applicant integer not null, requested_fen integer not null, received integer not null,
             status text not null, grant_fen integer);
         create index application_applicant on application(applicant);",
    )
    .unwrap();
    const CHUNK: usize = 5_000;
    for (k, chunk) in w.firms.chunks(CHUNK).enumerate() {
        let tx = c.transaction().unwrap();
        {
            let mut s = tx
                .prepare_cached(
                    "insert into enterprise(id, name, credit_code, industry) values (?, ?, ?, ?)",
                )
                .unwrap();
            for (i, (name, code, industry)) in chunk.iter().enumerate() {
                s.execute(params![(k * CHUNK + i + 1) as i64, name, code, industry])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let mut event_id = 0i64;
    for (k, chunk) in w.parcels.chunks(CHUNK).enumerate() {
        let tx = c.transaction().unwrap();
        {
            let mut s = tx
                .prepare_cached(
                    "insert into parcel values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .unwrap();
            let mut e = tx
                .prepare_cached("insert into parcel_event values (?, ?, ?, ?, ?)")
                .unwrap();
            let opt = |d: i32| (d > 0).then_some(d);
            for (i, p) in chunk.iter().enumerate() {
                let id = (k * CHUNK + i + 1) as i64;
                let held = p.supplied > 0;
                s.execute(params![
                    id,
                    p.code,
                    p.area_units,
                    p.land_use,
                    p.requisitioned,
                    opt(p.developed),
                    opt(p.certified),
                    (p.certified > 0).then_some("证"),
                    held.then_some(p.holder as i64 + 1),
                    opt(p.supplied),
                    held.then_some(2),
                    held.then_some(p.price_fen),
                    opt(p.started),
                    opt(p.completed)
                ])
                .unwrap();
                for (kind, d) in [
                    (0, p.requisitioned),
                    (1, p.developed),
                    (2, p.certified),
                    (3, p.supplied),
                    (4, p.started),
                    (5, p.completed),
                ] {
                    if d > 0 {
                        event_id += 1;
                        e.execute(params![event_id, id, kind, d, 0]).unwrap();
                    }
                }
            }
        }
        tx.commit().unwrap();
    }
    for chunk in w.yearly.chunks(CHUNK) {
        let tx = c.transaction().unwrap();
        {
            let mut s = tx
                .prepare_cached("insert into yearly values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .unwrap();
            for y in chunk {
                s.execute(params![
                    y.0 as i64 + 1,
                    y.1,
                    y.2,
                    y.7,
                    y.3,
                    y.4,
                    y.5,
                    y.6,
                    y.8,
                    y.8 * 3000,
                    (y.9 > 0).then_some(y.9),
                    y.10
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    for (k, chunk) in w.applications.chunks(CHUNK).enumerate() {
        let tx = c.transaction().unwrap();
        {
            let mut s = tx
                .prepare_cached("insert into application values (?, ?, ?, ?, ?, ?)")
                .unwrap();
            for (i, a) in chunk.iter().enumerate() {
                s.execute(params![
                    (k * CHUNK + i + 1) as i64,
                    a.0 as i64 + 1,
                    a.1,
                    a.2,
                    if a.3 > 0 { "approved" } else { "received" },
                    (a.3 > 0).then_some(a.3)
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
}

// ---------------------------------------------------------------- the rows

/// The land figures both engines compute, in 0.0001 亩 units.
#[derive(Debug, PartialEq, Eq)]
pub struct Figures([i64; 6]);

pub fn summary_parkdb(db: &Db, at: NaiveDate) -> Figures {
    let s = db.land_summary(at).unwrap().total;
    Figures(
        [
            s.requisitioned_mu,
            s.developed_mu,
            s.certified_mu,
            s.supplied_mu,
            s.under_construction_mu,
            s.completed_mu,
        ]
        .map(|m| m.millionths() / 100),
    )
}

pub fn summary_sqlite(c: &Connection, at: NaiveDate) -> Figures {
    let d = at.num_days_from_ce() - 719_163;
    let mut s = c
        .prepare_cached(
            "select coalesce(sum(area_units), 0),
                    coalesce(sum(case when developed <= ?1 then area_units end), 0),
                    coalesce(sum(case when certified <= ?1 then area_units end), 0),
                    coalesce(sum(case when supplied <= ?1 then area_units end), 0),
                    coalesce(sum(case when construction <= ?1 and (completed is null or completed > ?1) then area_units end), 0),
                    coalesce(sum(case when completed <= ?1 then area_units end), 0)
             from parcel where requisitioned <= ?1",
        )
        .unwrap();
    s.query_row([d], |r| {
        Ok(Figures([
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ]))
    })
    .unwrap()
}

/// The Huangyan scores both engines feed the same scoring: (enterprise, score, grade).
pub fn evaluate_parkdb(db: &Db) -> Vec<(u64, i64, String)> {
    let e = db.now().scores(&huangyan_2022(), YEAR).unwrap();
    graded(&e)
}

/// The same, as rows (`View::evaluate`: a map of values and of scores
/// and a name per firm).
pub fn evaluate_parkdb_rows(db: &Db) -> Vec<(u64, i64, String)> {
    let e = db.now().evaluate(&huangyan_2022(), YEAR).unwrap();
    graded(&e)
}

fn graded(e: &impl Graded) -> Vec<(u64, i64, String)> {
    scores((0..e.len()).filter(|i| e.in_scope(*i)).map(|i| {
        (
            e.enterprise(i).unwrap().0,
            e.score(i).unwrap(),
            e.grade(i).unwrap().to_owned(),
        )
    }))
}

fn scores(rows: impl Iterator<Item = (u64, f64, String)>) -> Vec<(u64, i64, String)> {
    let mut v: Vec<_> = rows
        .map(|(e, s, g)| (e, (s * 1e6).round() as i64, g))
        .collect();
    v.sort();
    v
}

pub fn evaluate_sqlite(c: &Connection) -> Vec<(u64, i64, String)> {
    let end = NaiveDate::from_ymd_opt(YEAR, 12, 31)
        .unwrap()
        .num_days_from_ce()
        - 719_163;
    let mut land: HashMap<u64, i64> = HashMap::new();
    let mut s = c
        .prepare_cached(
            "select holder, sum(area_units) from parcel where supplied <= ? group by holder",
        )
        .unwrap();
    for row in s
        .query_map([end], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)?))
        })
        .unwrap()
    {
        let (h, a) = row.unwrap();
        land.insert(h, a);
    }
    let mut q = c
        .prepare_cached(
            "select e.id, e.name, y.tax_fen, y.value_added_fen, y.energy, y.emissions, y.employees, y.rd_fen, y.revenue_fen, y.above_scale, y.electricity, y.output_fen
             from yearly y join enterprise e on e.id = y.enterprise where y.year = ?",
        )
        .unwrap();
    let scheme = huangyan_2022();
    let mut candidates = Candidates::new(&scheme.metrics());
    let rows = q
        .query_map([YEAR], |r| {
            let id = r.get::<_, i64>(0)? as u64;
            let fig = YearlyFigures {
                tax: Some(Yuan::from_fen(r.get(2)?)),
                value_added: Some(Yuan::from_fen(r.get(3)?)),
                energy_tce: Some(Quantity::from_units(r.get(4)?)),
                emissions_t: r.get::<_, Option<i64>>(5)?.map(Quantity::from_units),
                employees: Some(r.get(6)?),
                rd: Some(Yuan::from_fen(r.get(7)?)),
                revenue: Some(Yuan::from_fen(r.get(8)?)),
                above_scale: Some(r.get(9)?),
                electricity_kwh: Some(Quantity::from_units(r.get(10)?)),
                output_value: Some(Yuan::from_fen(r.get(11)?)),
                water_m3: None,
            };
            // The same derivation parkdb uses, from rows SQLite returned.
            let land = Mu::from_millionths(land.get(&id).copied().unwrap_or(0) * 100);
            let ey = parkdb::indicators::EnterpriseYear {
                investment: Ok(Yuan::ZERO),
                year: YEAR,
                figures: Some(&fig),
                land,
            };
            let name = r.get_ref(1)?.as_str()?;
            candidates.push(EnterpriseId(id), name, land, fig.above_scale, None, |m| {
                ey.derive(m)
            });
            Ok(())
        })
        .unwrap();
    for row in rows {
        row.unwrap();
    }
    let e = scheme.score_columns(YEAR, candidates).unwrap();
    graded(&e)
}

/// Every stored column of the parcels with the holder's name: the same
/// facts parkdb's parcels table holds (parkdb also derives status and idleness).
pub fn export_sqlite(c: &Connection) -> RecordBatch {
    let mut id = UInt64Builder::new();
    let mut code = StringBuilder::new();
    let mut area = Decimal128Builder::new();
    let mut land_use = StringBuilder::new();
    let mut holder = UInt64Builder::new();
    let mut holder_name = StringBuilder::new();
    let mut certificate = StringBuilder::new();
    let mut price = Decimal128Builder::new();
    let mut dates: Vec<Date32Builder> = (0..6).map(|_| Date32Builder::new()).collect();
    let mut s = c
        .prepare_cached(
            "select p.id, p.code, p.area_units, p.land_use, p.holder, e.name, p.certificate, p.price_fen,
                    p.requisitioned, p.developed, p.certified, p.supplied, p.construction, p.completed
             from parcel p left join enterprise e on e.id = p.holder order by p.id",
        )
        .unwrap();
    let mut rows = s.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        id.append_value(r.get::<_, i64>(0).unwrap() as u64);
        code.append_value(r.get_ref(1).unwrap().as_str().unwrap());
        area.append_value(i128::from(r.get::<_, i64>(2).unwrap()));
        land_use.append_value(USES[r.get::<_, i64>(3).unwrap() as usize].code());
        holder.append_option(r.get::<_, Option<i64>>(4).unwrap().map(|h| h as u64));
        holder_name.append_option(r.get_ref(5).unwrap().as_str_or_null().unwrap());
        certificate.append_option(r.get_ref(6).unwrap().as_str_or_null().unwrap());
        price.append_option(r.get::<_, Option<i64>>(7).unwrap().map(i128::from));
        for (k, b) in dates.iter_mut().enumerate() {
            b.append_option(r.get::<_, Option<i32>>(8 + k).unwrap());
        }
    }
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("parcel_id", std::sync::Arc::new(id.finish())),
        ("code", std::sync::Arc::new(code.finish())),
        (
            "area_mu",
            std::sync::Arc::new(area.finish().with_precision_and_scale(18, 4).unwrap()),
        ),
        ("land_use", std::sync::Arc::new(land_use.finish())),
        ("holder_id", std::sync::Arc::new(holder.finish())),
        ("holder_name", std::sync::Arc::new(holder_name.finish())),
        ("certificate", std::sync::Arc::new(certificate.finish())),
        (
            "price_yuan",
            std::sync::Arc::new(price.finish().with_precision_and_scale(18, 2).unwrap()),
        ),
    ];
    let names = [
        "requisitioned",
        "developed_on",
        "certified_on",
        "supplied_on",
        "construction_started",
        "completed_on",
    ];
    for (name, mut b) in names.into_iter().zip(dates) {
        columns.push((name, std::sync::Arc::new(b.finish())));
    }
    RecordBatch::try_from_iter(columns).unwrap()
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        dir_size(&e.path())
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The peak resident size since the last reset, in MiB.
fn peak_mib() -> f64 {
    parkdb_bench::status_mib("VmHWM:")
}

/// One line of the table.
pub struct Row {
    pub name: &'static str,
    pub parkdb: f64,
    pub sqlite: f64,
    pub unit: &'static str,
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

/// Runs every row at `scale`; the databases go under `dir`.
pub fn run(scale: f64, dir: &Path) -> Vec<Row> {
    let w = Workload::generate(scale);
    let mut rows = Vec::new();
    let pk_path = dir.join("province.parkdb");
    let sq_path = dir.join("province.sqlite");
    let _ = std::fs::remove_dir_all(&pk_path);
    let _ = std::fs::remove_file(&sq_path);

    let (db, pk_load) = time(|| {
        let db = Db::open_with(
            &pk_path,
            Options {
                durability: Durability::Eventual,
            },
        )
        .unwrap();
        load_parkdb(&db, &w).unwrap();
        db
    });
    let (conn, sq_load) = time(|| {
        let mut c = open_sqlite(&sq_path);
        load_sqlite(&mut c, &w);
        c
    });
    rows.push(Row {
        name: "bulk import (all four ledgers)",
        parkdb: pk_load,
        sqlite: sq_load,
        unit: "s",
    });

    // Both reopened, as a later session would find them.
    drop(db);
    drop(conn);
    let (db, pk) = time(|| {
        Db::open_with(
            &pk_path,
            Options {
                durability: Durability::Eventual,
            },
        )
        .unwrap()
    });
    let (mut conn, sq) = time(|| open_sqlite(&sq_path));
    rows.push(Row {
        name: "open",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    // The first read after opening: parkdb folds the one parcel's events;
    // SQLite reads through its page cache.
    let (_, pk) = time(|| db.parcel(ParcelId(1)).unwrap().area.millionths() / 100);
    let (_, sq) = time(|| {
        conn.query_row("select area_units from parcel where id = 1", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    });
    rows.push(Row {
        name: "first read after import",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    // The first wide read, a holder's parcels: parkdb reads the parcels'
    // steps alone from the checkpoint (and makes their index by holder);
    // the parcels' records load on the first read that needs them (the
    // parcels table below).
    let holder = EnterpriseId(1);
    let (a, pk) = time(|| {
        db.parcels(&ParcelFilter {
            holder: Some(holder),
            ..ParcelFilter::default()
        })
        .unwrap()
        .len()
    });
    let (b, sq) = time(|| {
        conn.query_row(
            "select count(*) from parcel where holder = ?",
            [holder.0 as i64],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize
    });
    assert_eq!(a, b, "parcels of a holder disagree");
    rows.push(Row {
        name: "first wide read (a holder's parcels, from the steps)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    let mut rng = Rng(42);
    let n = w.parcels.len() as u64;
    let probes: Vec<u64> = (0..20_000).map(|_| 1 + rng.below(n)).collect();
    let (_, pk) = time(|| {
        probes
            .iter()
            .map(|id| db.parcel(ParcelId(*id)).unwrap().area.millionths() / 100)
            .sum::<i64>()
    });
    let (_, sq) = time(|| {
        let mut s = conn
            .prepare_cached("select * from parcel where id = ?")
            .unwrap();
        probes
            .iter()
            .map(|id| s.query_row([*id as i64], sqlite_parcel).unwrap().area_units)
            .sum::<i64>()
    });
    rows.push(Row {
        name: "point read by id (20,000)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    let codes: Vec<String> = probes.iter().map(|id| format!("P{:07}", id - 1)).collect();
    let (a, pk) = time(|| {
        codes
            .iter()
            .map(|c| db.parcel_by_code(c).unwrap().area.millionths() / 100)
            .sum::<i64>()
    });
    let (b, sq) = time(|| {
        let mut s = conn
            .prepare_cached("select * from parcel where code = ?")
            .unwrap();
        codes
            .iter()
            .map(|c| s.query_row([c], sqlite_parcel).unwrap().area_units)
            .sum::<i64>()
    });
    assert_eq!(a, b, "point reads by code disagree");
    rows.push(Row {
        name: "point read by code (20,000)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    let holders: Vec<u64> = (0..5_000)
        .map(|_| 1 + rng.below(w.firms.len() as u64))
        .collect();
    let (a, pk) = time(|| {
        holders
            .iter()
            .map(|h| {
                db.parcels(&ParcelFilter {
                    holder: Some(EnterpriseId(*h)),
                    ..ParcelFilter::default()
                })
                .unwrap()
                .len()
            })
            .sum::<usize>()
    });
    let (b, sq) = time(|| {
        let mut s = conn
            .prepare_cached("select * from parcel where holder = ?")
            .unwrap();
        holders
            .iter()
            .map(|h| {
                s.query_map([*h as i64], sqlite_parcel)
                    .unwrap()
                    .map(Result::unwrap)
                    .count()
            })
            .sum::<usize>()
    });
    assert_eq!(a, b, "parcels of a holder disagree");
    rows.push(Row {
        name: "parcels of one holder (5,000)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    let mid = day(DATE_BASE + 3000);
    let (a, pk) = time(|| summary_parkdb(&db, mid));
    let (b, sq) = time(|| summary_sqlite(&conn, mid));
    assert_eq!(a, b, "land_summary disagrees");
    rows.push(Row {
        name: "land_summary(as_of)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });
    // A second date: parkdb's event runs are in memory since the first.
    let later = day(DATE_BASE + 3365);
    let (a, pk) = time(|| summary_parkdb(&db, later));
    let (b, sq) = time(|| summary_sqlite(&conn, later));
    assert_eq!(a, b, "land_summary disagrees");
    rows.push(Row {
        name: "land_summary(as_of), a second date",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    let (a, pk) = time(|| evaluate_parkdb(&db));
    let (b, sq) = time(|| evaluate_sqlite(&conn));
    assert_eq!(a.len(), b.len(), "evaluations disagree on scope");
    assert_eq!(a, b, "evaluations disagree");
    rows.push(Row {
        name: "evaluate(huangyan_2022, year)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });
    // The rows Rust's `View::evaluate` returns (made from the columns),
    // against the same SQLite time.
    let (rows_form, pk) = time(|| evaluate_parkdb_rows(&db));
    assert_eq!(rows_form, b, "the rows disagree with the columns");
    rows.push(Row {
        name: "evaluate as rows, a second call (View::evaluate)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    // The first read that loads the parcels' records (from the checkpoint).
    let (a, pk) = time(|| {
        db.now()
            .parcels_table(&ParcelFilter::default())
            .unwrap()
            .num_rows()
    });
    let (b, sq) = time(|| export_sqlite(&conn).num_rows());
    assert_eq!(a, b);
    rows.push(Row {
        name: "parcels table to Arrow (loads the parcels' records)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    // Single-event writes: each its own unit of work.
    let writes: Vec<u64> = (0..300).map(|_| 1 + rng.below(n)).collect();
    let date = day(DATE_BASE + 7000);
    let (_, pk) = time(|| {
        for id in &writes {
            let _ = db.develop(ParcelId(*id), date);
        }
    });
    let (_, sq) = time(|| {
        for id in &writes {
            let tx = conn.transaction().unwrap();
            tx.execute(
                "update parcel set developed = coalesce(developed, ?) where id = ?",
                params![DATE_BASE + 7000, *id as i64],
            )
            .unwrap();
            tx.execute(
                "insert into parcel_event(parcel, kind, valid, recorded) values (?, 1, ?, 0)",
                params![*id as i64, DATE_BASE + 7000],
            )
            .unwrap();
            tx.commit().unwrap();
        }
    });
    rows.push(Row {
        name: "single-event write, no flush (300)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });
    let durable = Db::open_with(
        dir.join("durable.parkdb"),
        Options {
            durability: Durability::Immediate,
        },
    )
    .unwrap();
    let firm = durable.add_enterprise(NewEnterprise::named("E")).unwrap();
    let ids: Vec<ParcelId> = (0..100)
        .map(|i| {
            durable
                .add_parcel(NewParcel::new(
                    format!("D{i}"),
                    Mu::from_millionths(1_000_000),
                    LandUse::Industrial,
                    day(DATE_BASE),
                ))
                .unwrap()
        })
        .collect();
    let (_, pk) = time(|| {
        for id in &ids {
            durable
                .allocate(
                    *id,
                    Allocation {
                        holder: firm,
                        date,
                        method: SupplyMethod::Listing,
                        price: Yuan::ZERO,
                        start_by: None,
                        complete_by: None,
                    },
                )
                .unwrap();
        }
    });
    conn.execute_batch("pragma synchronous = full").unwrap();
    let (_, sq_t) = time(|| {
        for id in 0..100i64 {
            let tx = conn.transaction().unwrap();
            tx.execute(
                "update parcel set holder = 1, supplied = ? where id = ?",
                params![DATE_BASE + 7000, id + 1],
            )
            .unwrap();
            tx.execute(
                "insert into parcel_event(parcel, kind, valid, recorded) values (?, 3, ?, 0)",
                params![id + 1, DATE_BASE + 7000],
            )
            .unwrap();
            tx.commit().unwrap();
        }
    });
    rows.push(Row {
        name: "single-event write, flushed (100)",
        parkdb: pk,
        sqlite: sq_t,
        unit: "s",
    });

    rows.extend(spatial_rows(
        &db,
        &mut conn,
        w.parcels.len() as u64,
        &mut rng,
    ));

    db.flush().unwrap();
    // The checkpoints (derived, deletable) apart from the database.
    let checkpoints = dir_size(&pk_path.join("checkpoint")) as f64 / 1_048_576.0;
    let pk_bytes = dir_size(&pk_path) as f64 / 1_048_576.0 - checkpoints;
    conn.execute_batch("pragma wal_checkpoint(truncate)")
        .unwrap();
    let sq_bytes = (std::fs::metadata(&sq_path).map(|m| m.len()).unwrap_or(0)) as f64 / 1_048_576.0;
    rows.push(Row {
        name: "bytes on disk",
        parkdb: pk_bytes,
        sqlite: sq_bytes,
        unit: "MiB",
    });
    rows.push(Row {
        name: "checkpoints on disk (derived), against SQLite's file",
        parkdb: checkpoints,
        sqlite: sq_bytes,
        unit: "MiB",
    });
    drop(durable);
    rows
}

/// The parcels laid out as 100 m squares, a thousand to a row, in
/// CGCS2000's zone 39: parcel `id`'s corner.
fn square_of(id: u64) -> (f64, f64) {
    (
        39_450_000.0 + ((id - 1) % 1_000) as f64 * 100.0,
        3_000_000.0 + ((id - 1) / 1_000) as f64 * 100.0,
    )
}

/// Boundaries for every parcel, then queries by shape: parkdb's
/// `parcels_in(Within)` (its R*-tree in memory) against SQLite's R*Tree
/// module (`rtree`, built into the bundled SQLite) joined to the parcels.
fn spatial_rows(db: &Db, conn: &mut Connection, n: u64, rng: &mut Rng) -> Vec<Row> {
    let mut rows = Vec::new();
    let crs = parkdb::Crs::epsg(4527).unwrap();
    let (_, pk) = time(|| {
        let ids: Vec<u64> = (1..=n).collect();
        for chunk in ids.chunks(5_000) {
            db.write(|tx| {
                for id in chunk {
                    let (x, y) = square_of(*id);
                    let p = tx.parcel(ParcelId(*id))?;
                    let outline = parkdb::Outline::points(&[
                        (x, y),
                        (x + 100.0, y),
                        (x + 100.0, y + 100.0),
                        (x, y + 100.0),
                    ])
                    .in_crs(crs);
                    tx.set_boundary(ParcelId(*id), p.last_event, Some(&outline))?;
                }
                Ok(())
            })
            .unwrap();
        }
    });
    let (_, sq) = time(|| {
        conn.execute_batch(
            "create virtual table parcel_rtree using rtree(id, minx, maxx, miny, maxy);
             create table parcel_shape(id integer primary key, wkb blob not null);",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut r = tx
                .prepare_cached("insert into parcel_rtree values (?, ?, ?, ?, ?)")
                .unwrap();
            let mut s = tx
                .prepare_cached("insert into parcel_shape values (?, ?)")
                .unwrap();
            for id in 1..=n {
                let (x, y) = square_of(id);
                r.execute(params![id as i64, x, x + 100.0, y, y + 100.0])
                    .unwrap();
                // The same shape as parkdb keeps, as WKB (93 bytes a square).
                let mut wkb = vec![1u8, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0];
                for (px, py) in [
                    (x, y),
                    (x + 100.0, y),
                    (x + 100.0, y + 100.0),
                    (x, y + 100.0),
                    (x, y),
                ] {
                    wkb.extend_from_slice(&px.to_le_bytes());
                    wkb.extend_from_slice(&py.to_le_bytes());
                }
                s.execute(params![id as i64, wkb]).unwrap();
            }
        }
        tx.commit().unwrap();
    });
    rows.push(Row {
        name: "set every parcel's boundary",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });

    // Windows of about 20 × 20 parcels anywhere in the layout.
    let rows_of_parcels = n.div_ceil(1_000).max(1);
    let windows: Vec<(f64, f64, f64, f64)> = (0..100)
        .map(|_| {
            let x = 39_450_000.0 + rng.below(1_000) as f64 * 100.0 - 50.0;
            let y = 3_000_000.0 + rng.below(rows_of_parcels) as f64 * 100.0 - 50.0;
            (x, y, x + 2_000.0, y + 2_000.0)
        })
        .collect();
    let any = ParcelFilter::default();
    let query = |w: &(f64, f64, f64, f64)| {
        parkdb::Region::parse(&format!(
            "POLYGON (({0} {1}, {2} {1}, {2} {3}, {0} {3}, {0} {1}))",
            w.0, w.1, w.2, w.3
        ))
        .unwrap()
        .in_crs(crs)
    };
    let first = query(&windows[0]);
    let (a, pk) = time(|| {
        db.now()
            .parcels_in(&any, parkdb::Spatial::Within(&first))
            .unwrap()
            .len()
    });
    let sqlite_within = |c: &Connection, w: &(f64, f64, f64, f64)| -> usize {
        let mut s = c
            .prepare_cached(
                "select p.id, p.area_units, s.wkb from parcel p join parcel_rtree r on r.id = p.id
                 join parcel_shape s on s.id = p.id
                 where r.minx >= ?1 and r.maxx <= ?2 and r.miny >= ?3 and r.maxy <= ?4",
            )
            .unwrap();
        s.query_map(params![w.0, w.2, w.1, w.3], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .unwrap()
        .count()
    };
    let (b, sq) = time(|| sqlite_within(conn, &windows[0]));
    assert_eq!(a, b);
    rows.push(Row {
        name: "parcels(within=…), first (parkdb builds its index)",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });
    let (a, pk) = time(|| {
        windows
            .iter()
            .map(|w| {
                db.now()
                    .parcels_in(&any, parkdb::Spatial::Within(&query(w)))
                    .unwrap()
                    .len()
            })
            .sum::<usize>()
    });
    let (b, sq) = time(|| {
        windows
            .iter()
            .map(|w| sqlite_within(conn, w))
            .sum::<usize>()
    });
    assert_eq!(a, b);
    rows.push(Row {
        name: "parcels(within=…), 100 windows of 20 × 20",
        parkdb: pk,
        sqlite: sq,
        unit: "s",
    });
    rows
}

/// Peak memory of each engine's import, each in a process of its own
/// (`--import-only ENGINE`), read from the kernel's high-water mark: the
/// import's own, and with the close after it (parkdb writes the
/// checkpoints of what the import filled).
pub fn peak_memory_rows(scale: f64, dir: &Path) -> Vec<Row> {
    let exe = std::env::current_exe().unwrap();
    let peaks = |engine: &str| -> [f64; 2] {
        let out = std::process::Command::new(&exe)
            .args([
                "--import-only",
                engine,
                "--scale",
                &scale.to_string(),
                "--keep",
                &dir.join(format!("mem-{engine}")).display().to_string(),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut numbers = text
            .split_whitespace()
            .map(|n| n.parse().unwrap_or(f64::NAN));
        [
            numbers.next().unwrap_or(f64::NAN),
            numbers.next().unwrap_or(f64::NAN),
        ]
    };
    let [parkdb, parkdb_closed] = peaks("parkdb");
    let [sqlite, sqlite_closed] = peaks("sqlite");
    vec![
        Row {
            name: "peak memory, import",
            parkdb,
            sqlite,
            unit: "MiB",
        },
        Row {
            name: "peak memory, import and close",
            parkdb: parkdb_closed,
            sqlite: sqlite_closed,
            unit: "MiB",
        },
    ]
}

/// The child of [`peak_memory_rows`]: imports into one engine, prints its
/// peak in MiB before closing and with the close.
fn import_only(engine: &str, scale: f64, dir: &Path) {
    let w = Workload::generate(scale);
    std::fs::create_dir_all(dir).unwrap();
    let base = peak_mib();
    let (peak, closed) = match engine {
        "parkdb" => {
            let db = Db::open_with(
                dir.join("p.parkdb"),
                Options {
                    durability: Durability::Eventual,
                },
            )
            .unwrap();
            load_parkdb(&db, &w).unwrap();
            let peak = peak_mib() - base;
            // Closing writes the checkpoints of the ledgers the import
            // filled; `close` waits for it.
            db.close().unwrap();
            (peak, peak_mib() - base)
        }
        _ => {
            let mut conn = open_sqlite(&dir.join("s.sqlite"));
            load_sqlite(&mut conn, &w);
            let peak = peak_mib() - base;
            drop(conn);
            (peak, peak_mib() - base)
        }
    };
    println!("{peak:.1} {closed:.1}");
}

pub fn print(rows: &[Row], scale: f64) {
    println!("| row (scale {scale}) | parkdb | SQLite | parkdb / SQLite |");
    println!("|---|---:|---:|---:|");
    for r in rows {
        let ratio = if r.sqlite > 0.0 {
            r.parkdb / r.sqlite
        } else {
            f64::NAN
        };
        println!(
            "| {} | {:.3} {} | {:.3} {} | {:.2}× |",
            r.name, r.parkdb, r.unit, r.sqlite, r.unit, ratio
        );
    }
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let scale: f64 = value("--scale").and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let keep = value("--keep").map(PathBuf::from);
    let tmp = std::env::temp_dir().join(format!("parkdb-bench-{}", std::process::id()));
    let dir = keep.clone().unwrap_or(tmp.clone());
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(engine) = value("--import-only") {
        import_only(&engine, scale, &dir);
        return;
    }
    let started = Instant::now();
    let mut rows = run(scale, &dir);
    rows.extend(peak_memory_rows(scale, &dir));
    print(&rows, scale);
    println!(
        "\n(run took {:.0?}; {})",
        Duration::from_secs(started.elapsed().as_secs()),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
