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

/// Runs the bytes as a sequence of land operations against a temporary
/// database, checking after each that the database is sound and its
/// summary adds up. Refusals are expected; panics and broken invariants are not.
pub fn run_operations(data: &[u8]) {
    let db = Db::temporary().expect("a temporary database");
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
