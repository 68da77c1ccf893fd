//! The seed's example zone: its land ledger derives the figures the zone's
//! annual report gives.

mod common;

use common::{d, mu};
use parkdb::example::build_seed;
use parkdb::{Db, LandUse, ParcelStatus};

#[test]
fn the_example_zone_reproduces_the_seed_land_figures() {
    let db = Db::temporary().unwrap();
    let zone = build_seed(&db).unwrap();
    let s = db.land_summary(d("2005-12-31")).unwrap();
    assert_eq!(s.total.requisitioned_mu, mu("10100"));
    assert_eq!(s.total.developed_mu, mu("7960"));
    assert_eq!(s.total.certified_mu, mu("4509"));
    assert_eq!(s.total.reclaimed_mu, mu("151.3452"));
    assert_eq!(s.total.reclaimed_count, 3);
    assert_eq!(
        s.by_land_use[&LandUse::CommercialResidential].supplied_mu,
        mu("100")
    );

    // The three reclaimed parcels, their areas and former holders.
    let reclaimed: Vec<(String, String)> = zone
        .reclaimed
        .iter()
        .map(|(p, _)| {
            let p = db.parcel(*p).unwrap();
            let former = db.enterprise(p.reclamations[0].former_holder).unwrap().name;
            (p.area.to_decimal_string(), former)
        })
        .collect();
    assert_eq!(
        reclaimed,
        vec![
            (
                "52.7272".to_string(),
                "顺德市励精纺织贸易有限公司".to_string()
            ),
            ("35.618".to_string(), "林健、林嘉敏".to_string()),
            ("63".to_string(), "黄奋强".to_string()),
        ]
    );
    // Before the reclamations the three were idle.
    let before = db.land_summary(d("2004-12-31")).unwrap().total;
    assert_eq!(before.idle_mu, mu("151.3452"));
    assert_eq!(before.idle_count, 3);
    assert_eq!(before.certified_mu, mu("0"));

    assert_eq!(zone.in_production.len(), 52);
    assert_eq!(zone.under_construction.len(), 17);
    assert_eq!(zone.new_projects.len(), 11);
    for (_, p) in &zone.under_construction {
        assert_eq!(
            db.parcel(*p).unwrap().status(),
            ParcelStatus::UnderConstruction
        );
    }
    let cap: Vec<_> = zone
        .capital_increases
        .iter()
        .map(|(_, p)| db.parcel(*p).unwrap().area)
        .collect();
    assert_eq!(cap, vec![mu("40"), mu("10"), mu("10")]);
    assert!(db.check().unwrap().is_clean());
}

/// The example goes into a new database only: added to one with data, it
/// mixed silently with the user's ledgers (from Python and the CLI alike).
#[test]
fn the_example_is_refused_for_a_database_with_data() {
    let db = Db::temporary().unwrap();
    common::parcel(&db, "GP-001", "10", "2005-01-01");
    match build_seed(&db) {
        Err(parkdb::Error::Validation { reason, .. }) => {
            assert!(reason.contains("empty"), "{reason}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(db.now().all_parcels().unwrap().len(), 1);
}
