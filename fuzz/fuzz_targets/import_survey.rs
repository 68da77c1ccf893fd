#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| parkdb::fuzzing::import_survey(data));
