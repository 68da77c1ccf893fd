//! Open a database and write a unit of work: several writes stored
//! together or not at all, a refused write that leaves nothing behind, and
//! a read as the database knew it before the unit.
//!
//! `cargo run --example unit_of_work [-- PATH]` (temporary without a path).

use chrono::{NaiveDate, Utc};
use parkdb::{Allocation, Db, Error, LandUse, NewEnterprise, NewParcel, SupplyMethod};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run(std::env::args().nth(1))
}

fn run(argument: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let db = match argument {
        Some(path) => Db::open(path)?,
        None => Db::temporary()?,
    };
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
    let (requisitioned, supplied, start_by) =
        (d("2004-03-01")?, d("2004-06-01")?, d("2004-12-01")?);
    let before = Utc::now();

    // One unit of work: a firm, a parcel and its supply, all or nothing.
    let parcel = db.write(|w| {
        let firm = w.add_enterprise(NewEnterprise::named("东岸精密机械有限公司"))?;
        let parcel = w.add_parcel(NewParcel::new(
            "DA-001",
            "30".parse()?,
            LandUse::Industrial,
            requisitioned,
        ))?;
        w.allocate(
            parcel,
            Allocation {
                holder: firm,
                date: supplied,
                method: SupplyMethod::Listing,
                price: "1800000".parse()?,
                start_by: Some(start_by),
                complete_by: None,
            },
        )?;
        Ok(parcel)
    })?;

    // A unit held open: a refused write inside it leaves nothing behind,
    // and the unit goes on; dropped without a commit, it stores nothing.
    let mut tx = db.begin()?;
    let other = tx.add_enterprise(NewEnterprise::named("西岸化纤有限公司"))?;
    let refused = tx.allocate(
        parcel,
        Allocation {
            holder: other,
            date: d("2005-01-01")?,
            method: SupplyMethod::Agreement,
            price: "1".parse()?,
            start_by: None,
            complete_by: None,
        },
    );
    // The parcel has a holder already: a typed refusal that names the rule.
    match refused {
        Err(Error::Lifecycle { rule, .. }) => println!("refused: {rule}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    tx.commit()?;

    let now = db.now().all_parcels()?;
    let then = db.as_known_at(before).all_parcels()?;
    println!(
        "{} parcel(s) now, {} as the database knew it before the unit",
        now.len(),
        then.len()
    );
    assert_eq!((now.len(), then.len()), (1, 0));
    assert_eq!(db.now().parcel(parcel)?.status().to_string(), "allocated");
    db.close()?;
    Ok(())
}

#[test]
fn the_example_runs() {
    run(None).unwrap();
}
