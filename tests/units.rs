//! Exact units: parsing, conversion, display, checked arithmetic.

use parkdb::{Mu, Yuan};

#[test]
fn mu_parses_exactly_and_converts_from_m2_and_hectares() {
    assert_eq!(Mu::parse_mu("52.7272").unwrap().millionths(), 52_727_200);
    assert_eq!("52.7272亩".parse::<Mu>().unwrap().millionths(), 52_727_200);
    assert_eq!("10100".parse::<Mu>().unwrap(), Mu::from_mu(10100).unwrap());
    // 1 m² = 0.0015 亩 exactly; 21587 m² = 32.3805 亩.
    assert_eq!("21587㎡".parse::<Mu>().unwrap().millionths(), 32_380_500);
    assert_eq!(
        "21587.37平方米".parse::<Mu>().unwrap().millionths(),
        32_381_055
    );
    // 1 公顷 = 15 亩.
    assert_eq!("2公顷".parse::<Mu>().unwrap(), Mu::from_mu(30).unwrap());
    assert_eq!(Mu::parse_hectares("0.0001").unwrap().millionths(), 1_500);
    assert_eq!(Mu::parse_mu("-0.5").unwrap().millionths(), -500_000);
    assert!(Mu::parse_mu("1e3").is_err());
}

/// 公顷 to six places and m² to two are whole millionths of a 亩: kept
/// exactly. parkdb kept ten-thousandths and rounded 1.867291 公顷 to
/// 28.0094 亩 without a word.
#[test]
fn hectares_to_six_places_and_square_metres_to_two_are_exact() {
    let ha: Mu = "1.867291公顷".parse().unwrap();
    assert_eq!(ha.to_decimal_string(), "28.009365");
    assert_eq!(Mu::parse_hectares("1.867291").unwrap(), ha);
    assert_eq!(Mu::parse_hectares("0.000001").unwrap().millionths(), 15);
    assert_eq!(Mu::parse_m2("0.01").unwrap().millionths(), 15);
    assert_eq!(Mu::parse_mu("52.72721").unwrap().millionths(), 52_727_210);
    assert_eq!(Mu::parse_mu("0.000001").unwrap().to_string(), "0.000001亩");
}

/// An input that would need more than a millionth of a 亩 is refused, not
/// rounded: the message names the text and the unit.
#[test]
fn an_area_finer_than_a_millionth_of_a_mu_is_refused_not_rounded() {
    for (text, unit) in [
        ("52.7272101", "亩"),
        ("666.6667㎡", "m²"),
        ("0.001平方米", "m²"),
        ("1.8672911公顷", "公顷"),
    ] {
        let e = text.parse::<Mu>().unwrap_err().to_string();
        assert!(
            e.contains(unit) && e.contains("never rounds"),
            "{text}: {e}"
        );
    }
    // Zeros past the places are not places.
    assert_eq!(
        Mu::parse_hectares("1.86729100").unwrap(),
        Mu::parse_hectares("1.867291").unwrap()
    );
}

/// Embedders' code written against ten-thousandths keeps its meaning.
#[test]
#[allow(deprecated)]
fn the_ten_thousandths_of_earlier_versions_keep_their_meaning() {
    assert_eq!(Mu::from_units(527_272), Mu::parse_mu("52.7272").unwrap());
    assert_eq!(Mu::parse_mu("52.7272").unwrap().units(), 527_272);
}

#[test]
fn mu_displays_in_mu_and_round_trips() {
    for text in ["52.7272", "35.618", "63", "0.0001", "4509", "28.009365"] {
        let m: Mu = text.parse().unwrap();
        assert_eq!(m.to_decimal_string(), text);
        assert_eq!(m.to_string(), format!("{text}亩"));
        assert_eq!(m.to_decimal_string().parse::<Mu>().unwrap(), m);
    }
}

#[test]
fn yuan_parses_yuan_and_wan_exactly() {
    assert_eq!(
        "891.5万元".parse::<Yuan>().unwrap(),
        Yuan::from_yuan(8_915_000).unwrap()
    );
    assert_eq!("411.5万".parse::<Yuan>().unwrap().fen(), 411_500_000);
    assert_eq!("1234.56".parse::<Yuan>().unwrap().fen(), 123_456);
    assert_eq!(
        "1234.56元".parse::<Yuan>().unwrap().to_string(),
        "1234.56元"
    );
    assert!("0.001".parse::<Yuan>().is_err());
    // 亿元 exactly, to the fen.
    assert_eq!(
        "1.2345678901亿元".parse::<Yuan>().unwrap().fen(),
        12_345_678_901
    );
    assert_eq!(
        "3亿".parse::<Yuan>().unwrap(),
        Yuan::from_yuan(300_000_000).unwrap()
    );
    assert!("1.23456789012亿元".parse::<Yuan>().is_err());
    assert_eq!("129.89万元".parse::<Yuan>().unwrap().fen(), 129_890_000);
    assert_eq!(
        Yuan::from_yuan(8_915_000).unwrap().display_wan(),
        "891.5万元"
    );
    assert_eq!(Yuan::from_fen(1).display_wan(), "0.000001万元");
    // Reports print 万元 to at most four places, rounded to the 元.
    assert_eq!(Yuan::from_fen(158_407_378).display_wan(), "158.407378万元");
    assert_eq!(Yuan::from_fen(158_407_378).report_wan(), "158.4074万元");
    assert_eq!(Yuan::from_fen(-158_407_349).report_wan(), "-158.4073万元");
    assert_eq!(
        Yuan::from_yuan(8_915_000).unwrap().report_wan(),
        "891.5万元"
    );
    assert_eq!(Yuan::from_fen(12_345_678_901).report_large(), "1.2346亿元");
    assert_eq!(Yuan::from_fen(9_999_000_000).report_large(), "9999万元");
    assert_eq!(
        Yuan::from_yuan(3_800_000_000).unwrap().display_large(),
        "38亿元"
    );
    assert_eq!(
        Yuan::from_yuan(125_000_000).unwrap().display_large(),
        "1.25亿元"
    );
    assert_eq!(
        Yuan::from_yuan(99_990_000).unwrap().display_large(),
        "9999万元"
    );
}

#[test]
fn arithmetic_refuses_to_overflow() {
    let big = Mu::from_millionths(i64::MAX);
    assert!(big.checked_add(Mu::from_millionths(1)).is_err());
    assert!(Mu::sum([big, big]).is_err());
    assert!(Mu::from_millionths(i64::MIN)
        .checked_sub(Mu::from_millionths(1))
        .is_err());
    assert!(Yuan::from_fen(i64::MAX)
        .checked_add(Yuan::from_fen(1))
        .is_err());
    assert!(Yuan::from_yuan(i64::MAX).is_err());
    assert!(Mu::parse_mu("99999999999999999999").is_err());
    // 9223372036854775807 × 0.2 = …161.4, rounded down; computed in 128 bits.
    assert_eq!(
        Yuan::from_fen(i64::MAX).ratio(20, 100).unwrap().fen(),
        i64::MAX / 5
    );
    assert!(Yuan::from_fen(1).ratio(1, 0).is_err());
    // 20% fee rounds half away from zero to the fen.
    assert_eq!(Yuan::from_fen(3).ratio(20, 100).unwrap().fen(), 1);
}

/// A comma is a thousands separator only in groups of three before the
/// decimal point: `"1,5"` was stored as 15 亩 and `"52,7272"` as 527272.
#[test]
fn a_comma_groups_thousands_only_in_threes_and_is_refused_elsewhere() {
    assert_eq!("1,205".parse::<Mu>().unwrap(), Mu::from_mu(1205).unwrap());
    assert_eq!(
        "52,000.5".parse::<Mu>().unwrap().millionths(),
        52_000_500_000
    );
    assert_eq!(Yuan::parse_yuan("1,234,567.89").unwrap().fen(), 123_456_789);
    // An underscore is Python source's grouping, not a ledger's: `1_000`
    // in a cell is a typo or a code, refused.
    for bad in [
        "1,5", "0,5", "52,7272", "2,50", ",500", "1,,000", "1000,000", "1,000,00", "1__0", "_1",
        "1_000", "1_000.5",
    ] {
        assert!(Mu::parse_mu(bad).is_err(), "{bad} as an area");
        assert!(Yuan::parse_yuan(bad).is_err(), "{bad} as money");
    }
}

/// A text that names its unit is read in it, whatever unit the column or
/// the argument is in; a bare number in the column's or argument's.
#[test]
fn a_unit_named_in_the_text_wins_over_the_columns() {
    assert_eq!(
        Mu::parse_or("1.867291公顷", Mu::parse_m2).unwrap(),
        Mu::parse_mu("28.009365").unwrap()
    );
    assert_eq!(
        Mu::parse_or("21587", Mu::parse_m2).unwrap(),
        Mu::parse_mu("32.3805").unwrap()
    );
    assert_eq!(
        Mu::parse_or("21587", Mu::parse_mu).unwrap(),
        Mu::from_mu(21587).unwrap()
    );
    assert!(Mu::parse_or("1.8672911公顷", Mu::parse_mu).is_err());
    assert_eq!(
        Yuan::parse_or("8915000元", Yuan::parse_wan).unwrap(),
        Yuan::from_yuan(8_915_000).unwrap()
    );
    assert_eq!(
        Yuan::parse_or("891.5", Yuan::parse_wan).unwrap(),
        Yuan::from_yuan(8_915_000).unwrap()
    );
    assert!(Yuan::parse_or("12kg", Yuan::parse_yuan).is_err());
}

/// A table prints as a box of its columns and rows, and a head of a large
/// one says how many rows there are.
#[test]
fn a_table_prints_as_text() {
    let db = parkdb::Db::temporary().unwrap();
    parkdb::example::build_seed(&db).unwrap();
    let table = db
        .now()
        .parcels_table(&parkdb::ParcelFilter::default())
        .unwrap();
    let text = parkdb::tables::Pretty::new(&table).to_string();
    assert!(
        text.contains("| code") && text.contains("area_mu"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("| ")).count(),
        table.num_rows() + 1
    );
    let head = parkdb::tables::Pretty::new(&table).head(2).to_string();
    assert_eq!(head.lines().filter(|l| l.starts_with("| ")).count(), 3);
    assert!(
        head.ends_with(&format!("(2 of {} rows)", table.num_rows())),
        "{head}"
    );
}
