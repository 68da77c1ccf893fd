//! A short smoke pass of every fuzz target (`fuzz/fuzz_targets/`), on
//! inputs generated here: the full runs are `cargo fuzz run TARGET` in `fuzz/`.

#![cfg(feature = "ledgers")]

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

/// Headers the ledgers and the published layouts go by, and cells of the
/// kinds they hold, so that generated sheets reach the rows' handlers.
fn sheet_text() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    let header = proptest::sample::select(vec![
        "地块编号",
        "面积",
        "面积(公顷)",
        "用途",
        "征地日期",
        "企业名称",
        "统一社会信用代码",
        "受让人",
        "供地日期",
        "供应方式",
        "成交价款(万元)",
        "动工日期",
        "竣工日期",
        "收回日期",
        "金额",
        "日期",
        "宗地编号",
        "电子监管号",
        "合同签订日期",
        "事件",
        "年度",
        "产值",
    ])
    .prop_map(str::to_owned);
    let cell = "P[0-2]|[0-9]{1,4}(\\.[0-9]{1,6})?|20[0-9]{2}-[01][0-9]-[0-3][0-9]|industrial|工业|挂牌出让|协议出让|东岸精密机械有限公司|91330100000000001X|\\PC{0,6}";
    (
        proptest::collection::vec(header, 1..7),
        proptest::collection::vec(proptest::collection::vec(cell, 0..7), 0..5),
    )
}

fn csv_of(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut text = headers.join(",");
    for row in rows {
        text.push('\n');
        text.push_str(&row.join(","));
    }
    text
}

fn xlsx_of(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in (0u16..).zip(headers) {
        sheet.write_string(0, c, h).unwrap();
    }
    for (r, row) in (1u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n),
                Err(_) => sheet.write_string(r, c, cell),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn import_csv((headers, rows) in sheet_text(), pick in any::<u8>()) {
        let mut data = vec![pick];
        data.extend_from_slice(csv_of(&headers, &rows).as_bytes());
        fuzzing::import_csv(&data);
    }

    #[test]
    fn import_csv_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzzing::import_csv(&data);
    }

    /// A workbook as written, then with bytes of it changed.
    #[test]
    fn import_xlsx(
        (headers, rows) in sheet_text(),
        pick in any::<u8>(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
    ) {
        let mut data = vec![pick];
        data.extend_from_slice(&xlsx_of(&headers, &rows));
        for (at, byte) in flips {
            let at = 1 + at % (data.len() - 1);
            data[at] = byte;
        }
        fuzzing::import_xlsx(&data);
    }

    #[test]
    fn import_survey_geojson(
        code in "P[0-3]|\\PC{0,4}",
        ring in proptest::collection::vec((-200.0f64..600_000.0, -100.0f64..4_000_000.0), 0..6),
        crs in "|,\"crs\":\\{\"type\":\"name\",\"properties\":\\{\"name\":\"EPSG:(4527|4490|4326|9999)\"\\}\\}",
    ) {
        let points: Vec<String> = ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
        let text = format!(
            "{{\"type\":\"FeatureCollection\"{crs},\"features\":[{{\"type\":\"Feature\",\"properties\":{{\"地块编号\":\"{code}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}]}}",
            points.join(",")
        );
        let mut data = vec![0u8];
        data.extend_from_slice(text.as_bytes());
        fuzzing::import_survey(&data);
    }

    #[test]
    fn import_survey_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        fuzzing::import_survey(&data);
    }

    #[test]
    fn set_shape(
        pick in any::<u8>(),
        ring in proptest::collection::vec((-200.0f64..600_000.0, -100.0f64..4_000_000.0), 0..6),
        text in "POLYGON ?\\(\\([0-9 .,-]{0,40}\\)\\)|MULTIPOLYGON \\(\\(\\([0-9 .,-]{0,30}\\)\\)\\)|\\PC{0,20}",
    ) {
        let closed: Vec<String> = ring.iter().chain(ring.first()).map(|(x, y)| format!("{x} {y}")).collect();
        for shape in [format!("POLYGON(({}))", closed.join(",")), text] {
            let mut data = vec![pick];
            data.extend_from_slice(shape.as_bytes());
            fuzzing::set_shape(&data);
        }
    }
}
