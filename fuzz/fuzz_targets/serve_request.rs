#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    parkdb_cli::serve::fuzzing::serve_request(data);
});
