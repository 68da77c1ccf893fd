//! Rows of the land ledger's event sheets: a parcel's steps (地块事件) and
//! the buildings reported on a parcel.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::code_enum;
use crate::land::SupplyMethod;
use crate::units::Yuan;
use crate::writer::{Allocation, Writer};

use super::lookups::Lookups;
use super::row::{blame, Row, RowError};

code_enum!(
    /// What a row of a parcel events sheet records (its `event` column).
    ParcelStep, "event", {
        Developed = "developed" / "开发" | "前期开发" | "填土",
        Certified = "certified" / "办证",
        Allocated = "allocated" / "供地" | "出让" | "划拨",
        ConstructionStarted = "construction_started" / "动工" | "开工",
        Completed = "completed" / "竣工",
        IdleDeclared = "idle_declared" / "认定闲置" | "闲置",
        Reclaimed = "reclaimed" / "收回",
        Transferred = "transferred" / "转让",
    }
);

pub(super) fn parcel_event(
    w: &mut Writer,
    lookups: &Lookups,
    row: &Row<'_>,
) -> Result<(), RowError> {
    let code = row.need("code", Ok(row.text("code")))?;
    let event = row.need("event", row.code("event", ParcelStep::parse))?;
    let date = row.need("date", row.date("date"))?;
    let parcel = w
        .parcel_by_code(&code)
        .map_err(|_| row.err("code", format!("no parcel has code {code:?}")))?
        .id;
    let result = match event {
        ParcelStep::Developed => w.attempt(|w| w.develop(parcel, date)),
        ParcelStep::Certified => {
            let number = row.need("certificate", Ok(row.text("certificate")))?;
            w.attempt(|w| w.certify(parcel, date, &number))
        }
        ParcelStep::Allocated => {
            let terms = Allocation {
                holder: lookups.firm(row)?,
                date,
                method: row.need("method", row.code("method", SupplyMethod::parse))?,
                price: row.need("price", row.money("price"))?,
                start_by: row.date("start_by")?,
                complete_by: row.date("complete_by")?,
            };
            w.attempt(|w| w.allocate(parcel, terms))
        }
        ParcelStep::ConstructionStarted => w.attempt(|w| w.start_construction(parcel, date)),
        ParcelStep::Completed => w.attempt(|w| w.complete_construction(parcel, date)),
        ParcelStep::IdleDeclared => {
            let fee = row.money("fee")?;
            w.attempt(|w| w.declare_idle(parcel, date, fee))
        }
        ParcelStep::Reclaimed => {
            let why = row.text("reason").unwrap_or_default();
            w.attempt(|w| w.reclaim(parcel, date, &why))
        }
        ParcelStep::Transferred => {
            let to = lookups.firm(row)?;
            let price = row.money("price")?.unwrap_or(Yuan::ZERO);
            w.attempt(|w| w.transfer(parcel, to, date, price))
        }
    };
    result.map(|_| ()).map_err(|e| blame(row, &e))
}

/// A row of a buildings sheet: the building, registered unless it is
/// already (on the same parcel), and each stage its dates give, in order
/// (imported again, nothing new is written).
pub(super) fn building(w: &mut Writer, row: &Row<'_>) -> Result<(), RowError> {
    use crate::land::{BuildingSpec, BuildingStage, BuildingUse};
    let code = row.need("building", Ok(row.text("building")))?;
    let parcel_code = row.need("code", Ok(row.text("code")))?;
    let date = row.need("date", row.date("date"))?;
    let parcel = w
        .parcel_by_code(&parcel_code)
        .map_err(|_| row.err("code", format!("no parcel has code {parcel_code:?}")))?;
    let floor = row.need("floor_area_m2", row.quantity("floor_area_m2"))?;
    let spec = BuildingSpec {
        code: code.clone(),
        name: row.text("name"),
        use_: row
            .code("use", BuildingUse::parse)?
            .unwrap_or(BuildingUse::Factory),
        floor_area_m2: floor,
        lettable_m2: row.quantity("lettable_m2")?.unwrap_or(floor),
        footprint_m2: row.quantity("footprint_m2")?,
    };
    match w.building_parcel(&code).map_err(|e| blame(row, &e))? {
        Some(p) if p.id == parcel.id => {}
        Some(p) => {
            return Err(row.err(
                "code",
                format!("building {code} stands on {} in the database", p.code),
            ))
        }
        None => {
            w.attempt(|w| w.register_building(parcel.id, date, spec))
                .map_err(|e| blame(row, &e))?;
        }
    }
    for (field, stage) in [
        ("preparation", BuildingStage::Preparation),
        ("under_construction", BuildingStage::UnderConstruction),
        ("topped_out", BuildingStage::ToppedOut),
        ("completed", BuildingStage::Completed),
        ("in_use", BuildingStage::InUse),
    ] {
        if let Some(on) = row.date(field)? {
            w.attempt(|w| w.reach_building_stage(&code, on, stage))
                .map_err(|e| blame(row, &e))?;
        }
    }
    if let Some(by) = row.date("planned_in_use")? {
        w.attempt(|w| w.plan_building_stage(&code, date, BuildingStage::InUse, by))
            .map_err(|e| blame(row, &e))?;
    }
    Ok(())
}
