//! A short smoke pass of the dashboard's fuzz target
//! (`fuzz/fuzz_targets/serve_request.rs`): requests a browser or a stranger
//! may send `parkdb serve`, against the example zone. The full runs are
//! `cargo fuzz run serve_request` in `fuzz/`.

use parkdb_cli::serve::fuzzing::serve_request;
use proptest::prelude::*;

/// The dashboard's routes and the names its queries take, with values of
/// the kinds they hold and some that are not.
fn request() -> impl Strategy<Value = String> {
    let path = proptest::sample::select(vec![
        "",
        "evaluate",
        "evaluate/huangyan_2022/2005",
        "evaluate/x/99999999999",
        "parcels/GP-001",
        "parcels/0",
        "explain/2005/certified_mu",
        "explain/2005/nope",
        "explain-land/idle_mu",
        "enterprises/1",
        "enterprises/-1",
        "parcels",
        "enterprises",
        "receivables",
        "events",
        "map.svg",
        "api",
        "api/report/2005",
        "api/summary",
        "api/evaluate/huangyan_2022/2005",
        "api/parcels",
        "api/events",
        "api/nothing",
        "login",
        "static/app.css",
        "%FF",
    ]);
    let name = proptest::sample::select(vec![
        "as_of", "known_at", "year", "q", "sort", "desc", "page", "per_page", "format", "status",
        "holder", "color", "scheme", "land_use", "code",
    ]);
    let value =
        "2005-12-31|2005|0|-1|99999999999999999999|1|true|csv|xlsx|arrow|json|工业|\\PC{0,8}";
    (path, proptest::collection::vec((name, value), 0..4)).prop_map(|(path, pairs)| {
        let query: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", query.join("&"))
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn serve_request_of_the_dashboards_own_names(target in request()) {
        serve_request(target.as_bytes());
    }

    #[test]
    fn serve_request_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..60)) {
        serve_request(&data);
    }
}

/// The harness reaches the dashboard: its pages and tables answer, a
/// refusal is a refusal.
#[test]
fn the_harness_serves_the_example_zone() {
    assert_eq!(serve_request(b"/api/summary?as_of=2005-12-31"), 200);
    assert_eq!(serve_request(b"parcels?q=GP"), 200);
    assert_eq!(serve_request(b"api/report/2005"), 200);
    assert_eq!(serve_request(b"api/summary?as_of=2005-13-01"), 400);
    assert_eq!(serve_request(b"api/nothing"), 404);
}
