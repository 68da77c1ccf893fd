//! A short smoke pass of every fuzz target (`fuzz/fuzz_targets/`), on
//! inputs generated here: the full runs are `cargo fuzz run TARGET` in `fuzz/`.

use parkdb::fuzzing;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decode_values(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzzing::decode_values(&data);
    }

    #[test]
    fn decode_values_with_a_valid_version(mut data in proptest::collection::vec(any::<u8>(), 1..200)) {
        data[0] = parkdb::FORMAT_VERSION;
        fuzzing::decode_values(&data);
    }

    #[test]
    fn decode_keys(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        fuzzing::decode_keys(&data);
    }

    #[test]
    fn parse_text(text in "\\PC{0,24}|[0-9.,+-]{0,20}|[0-9A-Y]{18}|[0-9]{4}[-/年.][0-9]{1,2}[-/月.][0-9]{1,2}日?") {
        fuzzing::parse_text(text.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn run_operations(data in proptest::collection::vec(any::<u8>(), 0..150)) {
        fuzzing::run_operations(&data);
    }
}
