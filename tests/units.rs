//! Exact units: parsing, conversion, display, checked arithmetic.

use parkdb::{Mu, Yuan};

#[test]
fn mu_parses_exactly_and_converts_from_m2_and_hectares() {
    assert_eq!(Mu::parse_mu("52.7272").unwrap().units(), 527_272);
    assert_eq!("52.7272亩".parse::<Mu>().unwrap().units(), 527_272);
    assert_eq!("10100".parse::<Mu>().unwrap(), Mu::from_mu(10100).unwrap());
    // 1 m² = 0.0015 亩 exactly; 21587 m² = 32.3805 亩.
    assert_eq!("21587㎡".parse::<Mu>().unwrap().units(), 323_805);
    assert_eq!(Mu::parse_m2("666.6667").unwrap().units(), 10_000);
    // 1 公顷 = 15 亩.
    assert_eq!("2公顷".parse::<Mu>().unwrap(), Mu::from_mu(30).unwrap());
    assert_eq!(Mu::parse_hectares("0.0001").unwrap().units(), 15);
    assert!(Mu::parse_mu("52.72721").is_err());
    assert!(Mu::parse_mu("1e3").is_err());
    assert_eq!(Mu::parse_mu("-0.5").unwrap().units(), -5000);
}

#[test]
fn mu_displays_in_mu_and_round_trips() {
    for text in ["52.7272", "35.618", "63", "0.0001", "4509"] {
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
    assert_eq!(
        Yuan::from_yuan(8_915_000).unwrap().display_wan(),
        "891.5万元"
    );
    assert_eq!(Yuan::from_fen(1).display_wan(), "0.000001万元");
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
    let big = Mu::from_units(i64::MAX);
    assert!(big.checked_add(Mu::from_units(1)).is_err());
    assert!(Mu::sum([big, big]).is_err());
    assert!(Mu::from_units(i64::MIN)
        .checked_sub(Mu::from_units(1))
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
    assert_eq!("52,000.5".parse::<Mu>().unwrap().units(), 520_005_000);
    assert_eq!(Yuan::parse_yuan("1,234,567.89").unwrap().fen(), 123_456_789);
    assert_eq!(Yuan::parse_yuan("1_000").unwrap().fen(), 100_000);
    for bad in [
        "1,5", "0,5", "52,7272", "2,50", ",500", "1,,000", "1000,000", "1,000,00", "1__0", "_1",
    ] {
        assert!(Mu::parse_mu(bad).is_err(), "{bad} as an area");
        assert!(Yuan::parse_yuan(bad).is_err(), "{bad} as money");
    }
}
