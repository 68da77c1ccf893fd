//! The benchmark crate: see `province.rs` (run with `cargo bench -p parkdb-bench`).
