//! The benchmark crate: see `province.rs` (run with `cargo bench -p parkdb-bench`).

/// A size from this process's `/proc/self/status` (`VmRSS:`, the resident
/// size; `VmHWM:`, its peak since the last reset), in MiB; 0 where there is
/// no such file.
#[must_use]
pub fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
