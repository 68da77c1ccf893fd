//! parkdb: an embedded database for an industrial park (开发区/工业区) and
//! the district science & technology bureau that funds its firms.
//!
//! It keeps ledgers of events — land, enterprises — and derives every
//! figure from them: nothing is typed in as a total. Every event has a valid
//! date and a recorded time, so any read can be made as of a date, or as the
//! database knew it at a past moment.
//!
//! ```
//! use chrono::NaiveDate;
//! use parkdb::{Allocation, Db, LandUse, NewEnterprise, NewParcel, ParcelStatus, SupplyMethod};
//!
//! let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! let db = Db::temporary()?;
//! let firm = db.add_enterprise(NewEnterprise::named("顺德市励精纺织贸易有限公司"))?;
//! let p = db.add_parcel(NewParcel::new("GP-017", "52.7272".parse()?, LandUse::Industrial, d("2003-05-01")))?;
//! db.certify(p, d("2003-09-01"), "佛府(顺)国用(2003)第0401285号")?;
//! db.allocate(p, Allocation {
//!     holder: firm, date: d("2003-10-01"), method: SupplyMethod::Agreement,
//!     price: "3163632".parse()?, start_by: Some(d("2004-04-01")), complete_by: None,
//! })?;
//! // Two years past the agreed start without construction: reclaimable.
//! assert!(db.as_of(d("2006-05-01")).parcel(p)?.idle_as_of(d("2006-05-01")).is_idle());
//! db.reclaim(p, d("2006-06-01"), "闲置满两年")?;
//! assert_eq!(db.parcel(p)?.status(), ParcelStatus::Reserve);
//! assert_eq!(db.as_of(d("2006-05-31")).parcel(p)?.holder, Some(firm));
//! assert!(db.check()?.is_clean());
//! # Ok::<(), parkdb::Error>(())
//! ```
//!
//! # Crate features
//!
//! - `ledgers` (default): import of Excel/CSV ledgers (台账) and survey
//!   files, export of tables and reports, Parquet datasets and the province
//!   read back from them ([`ledger`]). Most programs that embed parkdb load
//!   the ledgers a park keeps; without it (`default-features = false`) the
//!   engine, the ledgers, reads, writes, reports and Arrow tables remain.
//! - `cli`, `serve`: empty, kept so that manifests naming them still build.
//!   The `parkdb` command and its dashboard are the `parkdb-cli` crate.
//!
//! No feature brings an async runtime or a command-line parser. The guide
//! for embedders is `docs/embedding.md` in the repository.

#![warn(missing_docs)]

mod api;
mod backup;
mod cache;
mod changes;
pub mod chart;
mod check;
mod checkpoint;
pub mod compliance;
mod counts;
mod days;
mod db;
#[cfg(feature = "docx")]
pub mod document;
mod engine;
pub mod enterprise;
mod error;
mod event;
pub mod example;
pub mod explain;
mod files;
pub mod fund;
#[doc(hidden)]
pub mod fuzzing;
pub mod geometry;
mod ids;
pub mod indicators;
pub mod industry;
pub mod inefficient;
pub mod land;
#[cfg(feature = "ledgers")]
pub mod ledger;
pub mod map;
pub mod money;
pub mod plan;
#[cfg(feature = "images")]
pub mod png;
mod policy;
mod provenance;
mod record;
pub mod report;
pub mod scheme;
mod seal;
mod sections;
mod spatial;
mod steps;
mod storage;
pub mod surcharge;
pub mod tables;
pub mod text;
mod threads;
pub mod units;
mod view;
mod writer;

pub use check::{CheckReport, Finding};
pub use days::{check_date, FIRST_DATE, LAST_DATE};
pub use db::{CheckpointStatus, Db, DetachedTransaction, Durability, Options, Policy, Transaction};
pub use enterprise::{validate_credit_code, Enterprise, EnterpriseId, IdKind, NewEnterprise};
pub use enterprise::{EnterpriseStatus, Lease, YearlyFigures};
pub use error::{Entity, Error, ReadLimit, Refusal, Result, Rule};
pub use event::{Body, Event, EventId, Horizon, Recorded};
pub use fund::{ApplicationId, ApplicationStatus, AwardKind, ProgrammeId, RecoveryVia};
pub use geometry::{Boundary, Crs, Outline, Region};
pub use land::{
    Contract, IdleState, LandFigures, LandSummary, LandUse, Mortgage, Parcel, ParcelEvent,
    ParcelId, ParcelStatus, SupplyMethod, UseTerm,
};
pub use map::{Map, MapColor};
pub use provenance::{ImportSummary, Origin, SourceFile, SourceKind};
pub use units::Quantity;
pub use units::{Mu, Yuan};
pub use view::{
    ApplicationFilter, BuildingRow, EnterpriseFilter, HistoryEntry, ParcelFilter, Spatial, View,
};
pub use writer::{Account, Allocation, Award, NewParcel, Savepoint, SplitPart, Writer};

/// The storage format this version of parkdb writes.
pub const FORMAT_VERSION: u8 = storage::codec::FORMAT_VERSION;

/// One coded vocabulary: each value's stable code and its Chinese term, in
/// order (see [`vocabulary`]).
pub type Terms = Vec<(&'static str, &'static str)>;

/// Every coded vocabulary parkdb publishes, by the name the Python package
/// gives it (`LAND_USES`, `PARCEL_STATUSES`…): the one definition the
/// command, the importer's messages and the Python package read, so a
/// value added to an enum reaches them all.
#[must_use]
pub fn vocabulary() -> Vec<(&'static str, Terms)> {
    macro_rules! terms {
        ($enum:ty) => {
            <$enum>::ALL
                .iter()
                .map(|v| (v.code(), v.chinese()))
                .collect::<Terms>()
        };
    }
    vec![
        ("LAND_USES", terms!(LandUse)),
        ("SUPPLY_METHODS", terms!(SupplyMethod)),
        ("PARCEL_STATUSES", terms!(ParcelStatus)),
        ("ENTERPRISE_STATUSES", terms!(EnterpriseStatus)),
        ("APPLICATION_STATUSES", terms!(ApplicationStatus)),
        ("AWARD_KINDS", terms!(AwardKind)),
        ("RECOVERY_VIAS", terms!(RecoveryVia)),
        ("DIRECTIONS", terms!(indicators::Direction)),
        ("SUBJECT_KINDS", terms!(indicators::SubjectKind)),
        ("CHARGES", terms!(money::Charge)),
        ("COLLECTION_ACTIONS", terms!(money::CollectionAction)),
        ("COMPENSATION_KINDS", terms!(money::CompensationKind)),
        ("FEE_BASES", terms!(money::FeeBasis)),
        ("FEE_PERIODS", terms!(money::FeePeriod)),
        ("AGING_BUCKETS", terms!(money::AgingBucket)),
        ("FLOWS", terms!(money::Flow)),
        ("QUALIFICATION_KINDS", terms!(compliance::QualificationKind)),
        ("HONOUR_LEVELS", terms!(compliance::HonourLevel)),
        ("DOMAINS", terms!(compliance::Domain)),
        ("BUILDING_USES", terms!(land::BuildingUse)),
        ("BUILDING_STAGES", terms!(land::BuildingStage)),
    ]
}

/// The Arrow crates parkdb's tables are built on (arrow 59), so that a
/// program reads them without pinning the same versions itself:
/// `parkdb::arrow::array::RecordBatch`.
pub mod arrow {
    pub use arrow_array as array;
    pub use arrow_schema as schema;
}

// The README's and the guides' Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/embedding.md")]
struct EmbeddingGuideDoctests;
