//! Entry points for fuzzing (`fuzz/`, cargo-fuzz) and its smoke pass in the
//! test suite. Each takes arbitrary bytes and must never panic.

use chrono::{Days, NaiveDate};

use crate::db::Db;
use crate::enterprise::{check_credit_code, EnterpriseEvent, NewEnterprise};
use crate::fund::{ApplicationEvent, ProgrammeEvent};
use crate::indicators::IndicatorEvent;
use crate::land::{LandUse, ParcelEvent, SupplyMethod};
use crate::storage::{codec, keys};
use crate::units::{Mu, Quantity, Yuan};
use crate::writer::{Allocation, NewParcel};

/// Decodes bytes as every stored value type (blocks of event runs, event
/// runs of each kind); errors are fine, panics are not.
pub fn decode_values(data: &[u8]) {
    decode_runs(data, 1);
    if let Ok(runs) = codec::decode_block(data) {
        for r in &runs {
            decode_runs(r.run, r.first);
        }
        if data.first() == Some(&codec::FORMAT_VERSION) {
            assert_eq!(
                codec::encode_block(&runs).ok().as_deref(),
                Some(data),
                "a decoded block re-encodes to itself"
            );
        }
    }
    let _ = codec::decode::<crate::db::Policy>(data, "policy");
}

fn decode_runs(run: &[u8], first: u64) {
    let _ = codec::decode_events::<ParcelEvent>(run, first);
    let _ = codec::decode_events::<EnterpriseEvent>(run, first);
    let _ = codec::decode_events::<ProgrammeEvent>(run, first);
    let _ = codec::decode_events::<ApplicationEvent>(run, first);
    let _ = codec::decode_events::<IndicatorEvent>(run, first);
}

/// Decodes bytes as event keys and event-index entries.
pub fn decode_keys(data: &[u8]) {
    if let Ok((kind, entity, first)) = keys::decode_event(data) {
        assert_eq!(
            keys::event(kind, entity, first),
            data,
            "a decoded event key re-encodes to itself"
        );
    }
    if let Ok(runs) = keys::decode_runs(1, data) {
        if data.len().is_multiple_of(17) {
            assert_eq!(
                keys::encode_runs(&runs),
                data,
                "runs re-encode to themselves"
            );
        }
    }
}

/// Parses text as a credit code, areas, money, quantities and dates.
pub fn parse_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check_credit_code(text);
    for parsed in [
        text.parse::<Mu>(),
        Mu::parse_m2(text),
        Mu::parse_hectares(text),
    ]
    .into_iter()
    .flatten()
    {
        // An area that parses prints back to a decimal that parses to itself.
        assert_eq!(Mu::parse_mu(&parsed.to_decimal_string()).ok(), Some(parsed));
    }
    if let Ok(y) = text.parse::<Yuan>() {
        assert_eq!(Yuan::parse_yuan(&y.to_decimal_string()).ok(), Some(y));
    }
    let _ = Quantity::parse(text, "fuzz");
    let _ = crate::indicators::period_end(text);
    #[cfg(feature = "ledgers")]
    let _ = crate::ledger::dates::parse_date(text);
}

/// Runs the bytes as a sequence of land operations against a database in
/// memory (the engine whole, without a disk: thousands of runs a second),
/// checking after each that the database is sound and its summary adds
/// up. Refusals are expected; panics and broken invariants are not.
pub fn run_operations(data: &[u8]) {
    let db = Db::in_memory().expect("a database in memory");
    let firm = db
        .add_enterprise(NewEnterprise::named("F"))
        .expect("a firm");
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    let mut parcels = Vec::new();
    let mut day = 0u64;
    for chunk in data.chunks(3).take(64) {
        let (op, a, b) = (
            chunk[0] % 9,
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        );
        day += u64::from(b % 60);
        let date = base + Days::new(day);
        let pick = |n: u8| parcels.get(usize::from(n) % parcels.len().max(1)).copied();
        let _ = match (op, pick(a)) {
            (0, _) => db
                .add_parcel(NewParcel::new(
                    format!("P{}", parcels.len()),
                    Mu::from_millionths((i64::from(a) * 1000 + i64::from(b)) * 100),
                    LandUse::Industrial,
                    date,
                ))
                .map(|p| parcels.push(p)),
            (1, Some(p)) => db.develop(p, date).map(drop),
            (2, Some(p)) => db.certify(p, date, "证").map(drop),
            (3, Some(p)) => db
                .allocate(
                    p,
                    Allocation {
                        holder: firm,
                        date,
                        method: SupplyMethod::Listing,
                        price: Yuan::from_fen(i64::from(b)),
                        start_by: Some(date),
                        complete_by: None,
                    },
                )
                .map(drop),
            (4, Some(p)) => db.start_construction(p, date).map(drop),
            (5, Some(p)) => db.complete_construction(p, date).map(drop),
            (6, Some(p)) => db.reclaim(p, date, "fuzz").map(drop),
            (7, Some(p)) => db.declare_idle(p, date, None).map(drop),
            (8, Some(p)) => {
                let area = db.parcel(p).map_or(0, |x| x.area.millionths());
                let first = area * i64::from(b) / 256;
                db.split(
                    p,
                    date,
                    &[
                        (format!("S{day}a{a}"), Mu::from_millionths(first)),
                        (format!("S{day}b{a}"), Mu::from_millionths(area - first)),
                    ],
                )
                .map(|kids| parcels.extend(kids))
            }
            _ => Ok(()),
        };
        let s = db
            .land_summary(base + Days::new(day))
            .expect("a summary")
            .total;
        assert_eq!(
            s.supplied_mu.checked_add(s.reserve_mu).ok(),
            Some(s.requisitioned_mu)
        );
        assert!(s.completed_mu <= s.supplied_mu && s.under_construction_mu <= s.supplied_mu);
        assert!(db.check().expect("a check").is_clean());
    }
}

/// What strangers hand in: ledgers (CSV and workbooks), survey files
/// (GeoJSON, shapefiles) and shapes as WKT, each imported into a database
/// in memory that holds a firm and three parcels. Whatever the bytes, the
/// import answers with a report or a typed error, never a panic; a report
/// with errors (or a boundary import not written) writes nothing; the
/// database stays sound; a ledger imported twice writes nothing the
/// second time.
#[cfg(feature = "ledgers")]
mod handed_in {
    use std::path::PathBuf;

    use chrono::NaiveDate;

    use crate::db::Db;
    use crate::enterprise::NewEnterprise;
    use crate::geometry::{Crs, Outline};
    use crate::land::LandUse;
    use crate::ledger::{self, BoundaryOptions, ImportOptions};
    use crate::units::Mu;
    use crate::writer::NewParcel;

    /// The names a fuzzed sheet takes (its file's name names its ledger,
    /// or none, when its headers must say).
    const SHEETS: [&str; 16] = [
        "地块台账",
        "企业名录",
        "地块流水",
        "分期付款",
        "收款",
        "物业",
        "资质",
        "检查",
        "年报",
        "专项",
        "项目申报",
        "项目流程",
        "供地结果",
        "土地转让",
        "土地抵押",
        "sheet",
    ];

    /// A database in memory with what rows may name: a firm (by its name
    /// and credit code) and parcels `P0`–`P2` with their codes.
    fn seeded() -> Db {
        let db = Db::in_memory().expect("a database in memory");
        let day = NaiveDate::from_ymd_opt(2004, 1, 1).expect("a date");
        db.add_enterprise(NewEnterprise {
            credit_code: Some("91330100000000001X".into()),
            allow_invalid_code: true,
            ..NewEnterprise::named("东岸精密机械有限公司")
        })
        .expect("a firm");
        for i in 0..3 {
            let area = Mu::from_millionths(15_000_000 * (i + 1));
            db.add_parcel(NewParcel::new(
                format!("P{i}"),
                area,
                LandUse::Industrial,
                day,
            ))
            .expect("a parcel");
        }
        db
    }

    /// A directory of this thread's own for the files handed in (the
    /// smoke pass runs its cases on several threads: each case reads back
    /// what it wrote, so a failure replays), removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Scratch {
            let thread = format!("{:?}", std::thread::current().id());
            let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
            let dir =
                std::env::temp_dir().join(format!("parkdb-fuzz-{}-{thread}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("a directory for the fuzzed files");
            Scratch(dir)
        }

        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn events(db: &Db) -> u64 {
        db.event_count().expect("the event count")
    }

    fn sound(db: &Db) {
        let report = db.check().expect("a check");
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    /// Imports `data` as a ledger file with extension `ext`, its name
    /// picked by the first byte.
    pub(super) fn import_file(data: &[u8], ext: &str) {
        let Some((&pick, bytes)) = data.split_first() else {
            return;
        };
        let dir = Scratch::new();
        let path = dir.join(&format!(
            "{}.{ext}",
            SHEETS[usize::from(pick) % SHEETS.len()]
        ));
        std::fs::write(&path, bytes).expect("the fuzzed file written");
        let Ok(sheets) = ledger::read_file(&path) else {
            return;
        };
        let db = seeded();
        let before = events(&db);
        let Ok(first) = ledger::import(&db, &sheets, ImportOptions::default()) else {
            assert_eq!(events(&db), before, "a refused import wrote");
            return;
        };
        sound(&db);
        if !first.errors.is_empty() || !first.written {
            assert_eq!(
                events(&db),
                before,
                "an import with errors wrote: {:?}",
                first.errors
            );
            return;
        }
        let after = events(&db);
        let again = ledger::import(&db, &sheets, ImportOptions::default())
            .expect("what imported once imports again");
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        assert_eq!(events(&db), after, "a ledger imported twice wrote again");
    }

    /// Imports `data` as survey files: a GeoJSON file, or (first byte odd)
    /// a shapefile whose `.shp`, `.shx`, `.dbf` and `.cpg` are cut from
    /// the rest at lengths the next bytes give.
    pub(super) fn import_survey(data: &[u8]) {
        let Some((&pick, rest)) = data.split_first() else {
            return;
        };
        let dir = Scratch::new();
        let path = if pick % 2 == 0 {
            let path = dir.join("survey.geojson");
            std::fs::write(&path, rest).expect("the fuzzed file written");
            path
        } else {
            let mut rest = rest;
            for ext in ["shp", "shx", "dbf"] {
                let n = match rest {
                    [a, b, tail @ ..] => {
                        rest = tail;
                        usize::from(u16::from_le_bytes([*a, *b]))
                    }
                    _ => 0,
                };
                let (part, tail) = rest.split_at(n.min(rest.len()));
                std::fs::write(dir.join(&format!("survey.{ext}")), part).expect("a part written");
                rest = tail;
            }
            std::fs::write(dir.join("survey.cpg"), rest).expect("a part written");
            dir.join("survey.shp")
        };
        let db = seeded();
        let before = events(&db);
        let options = BoundaryOptions {
            code_field: "地块编号".into(),
            crs: (pick % 4 == 1).then(|| Crs::epsg(4527).expect("a zone")),
            ..BoundaryOptions::default()
        };
        let Ok(report) = ledger::import_boundaries(&db, &path, &options) else {
            assert_eq!(events(&db), before, "a refused survey file wrote");
            return;
        };
        if !report.written {
            assert_eq!(events(&db), before, "a survey not written wrote");
        }
        sound(&db);
    }

    /// Reads `data` as a shape (WKT, or GeoJSON text) and, when it is one,
    /// sets it as a parcel's boundary in a coordinate system the first
    /// byte picks: refused or set, the database stays sound and a refusal
    /// writes nothing.
    pub(super) fn set_shape(data: &[u8]) {
        let Some((&pick, rest)) = data.split_first() else {
            return;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let Ok(outline) = Outline::parse(text) else {
            return;
        };
        let crs = [4326, 4490, 4527, 4549, 4513][usize::from(pick) % 5];
        let outline = outline.in_crs(Crs::epsg(crs).expect("a known system"));
        let db = seeded();
        let before = events(&db);
        let day = NaiveDate::from_ymd_opt(2005, 1, 1).expect("a date");
        let parcel = db.parcel_by_code("P0").expect("P0").id;
        if db.set_boundary(parcel, day, Some(&outline)).is_err() {
            assert_eq!(events(&db), before, "a refused boundary wrote");
        }
        sound(&db);
    }
}

/// Imports the bytes as a ledger's CSV file (the first byte picks the
/// sheet's name, so its ledger) into a database in memory holding a firm
/// and three parcels: a refusal or a report with errors writes nothing,
/// the database stays sound, and a second import writes nothing.
#[cfg(feature = "ledgers")]
pub fn import_csv(data: &[u8]) {
    handed_in::import_file(data, "csv");
}

/// As [`import_csv`], the bytes an `.xlsx` workbook.
#[cfg(feature = "ledgers")]
pub fn import_xlsx(data: &[u8]) {
    handed_in::import_file(data, "xlsx");
}

/// Imports the bytes as a survey file (GeoJSON, or a shapefile's `.shp`,
/// `.shx`, `.dbf` and `.cpg` cut from them): a refusal, or an import not
/// written, writes nothing, and the database stays sound.
#[cfg(feature = "ledgers")]
pub fn import_survey(data: &[u8]) {
    handed_in::import_survey(data);
}

/// Reads the bytes as WKT (or GeoJSON text) and sets the shape as a
/// parcel's boundary: a refusal writes nothing, and the database stays
/// sound.
#[cfg(feature = "ledgers")]
pub fn set_shape(data: &[u8]) {
    handed_in::set_shape(data);
}
