//! Read a table as Arrow: the parcels of the seed's example zone as of a
//! date, one `RecordBatch` whose columns name their units (`area_mu`,
//! `price_yuan`) and hold exact decimals. Any Arrow consumer takes it
//! (`DataFusion`, Polars, a Parquet writer); `parkdb::tables` has one per
//! ledger.
//!
//! `cargo run --example arrow_table`

use arrow_array::{Array, Decimal128Array, StringArray};
use chrono::NaiveDate;
use parkdb::example::build_seed;
use parkdb::{Db, ParcelFilter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::temporary()?;
    build_seed(&db)?;
    let end = NaiveDate::from_ymd_opt(2005, 12, 31).ok_or("a date")?;
    let batch = db.as_of(end).parcels_table(&ParcelFilter::default())?;
    println!(
        "{} parcels, {} columns:",
        batch.num_rows(),
        batch.num_columns()
    );
    for field in batch.schema().fields().iter().take(8) {
        println!("  {:<20} {}", field.name(), field.data_type());
    }
    let area = batch
        .column_by_name("area_mu")
        .and_then(|c| c.as_any().downcast_ref::<Decimal128Array>())
        .ok_or("area_mu is a decimal column")?;
    let status = batch
        .column_by_name("status")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or("status is a text column")?;
    // Sum the supplied land exactly, in the column's own scale.
    let mut supplied: i128 = 0;
    for i in 0..batch.num_rows() {
        if !area.is_null(i)
            && matches!(
                status.value(i),
                "allocated" | "under_construction" | "completed"
            )
        {
            supplied += area.value(i);
        }
    }
    // The column's scale is the unit's: ten-thousandths of a 亩.
    let summary = db.as_of(end).land_summary()?;
    assert_eq!(i128::from(summary.total.supplied_mu.millionths()), supplied);
    println!(
        "supplied: {}, as the land summary says",
        summary.total.supplied_mu
    );
    Ok(())
}

#[test]
fn the_example_runs() {
    main().unwrap();
}
