//! Ledgers in and out: the Excel and CSV ledgers (台账) that parks and
//! bureaus keep, imported all or nothing with a message for every bad row;
//! tables and the annual report exported to CSV and `.xlsx`.
//!
//! The columns each ledger may have, in Chinese or English, are listed in
//! one place: [`columns`].

pub mod boundaries;
pub mod columns;
pub mod dataset;
pub mod dates;
pub mod export;
pub mod import;
pub mod manifests;
pub mod province;
pub mod read;
mod staging;

pub use boundaries::{import_boundaries, BoundaryOptions, BoundaryReport};
pub use dataset::{
    export_parquet, export_parquet_with, finish_interrupted, ExportOptions, Manifest,
};
pub use export::{
    cell_text, neutralise, write_csv, write_csv_to, write_report_xlsx, write_xlsx, xlsx_bytes,
};
pub use import::{import, ImportOptions, ImportReport, Layout, RowError};
pub use manifests::{check_dataset, DatasetCheck, ParkCheck, TableCheck};
pub use province::{
    dataset_parks, evaluate_dataset, evaluate_dataset_of, parks_for_year, province_report,
    province_report_of, DatasetEvaluation, DatasetPark, ParkFigures, ProvinceReport,
};
pub use read::{read_file, read_file_with, ReadLimits, Sheet};
