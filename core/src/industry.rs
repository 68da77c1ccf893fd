//! Industry codes of GB/T 4754-2017 (国民经济行业分类), shipped with the
//! crate: its 20 sections (门类, `A`–`T`) and 97 divisions (大类, `01`–`97`).

use std::sync::OnceLock;

use crate::error::{Error, Result};

const DATA: &str = include_str!("../data/gbt4754_2017.tsv");

/// A section: its letter, name, and divisions (number, name) in order.
type Section = (char, &'static str, Vec<(u8, &'static str)>);

struct Standard {
    sections: Vec<Section>,
}

fn standard() -> &'static Standard {
    static STANDARD: OnceLock<Standard> = OnceLock::new();
    STANDARD.get_or_init(|| {
        let mut sections: Vec<Section> = Vec::new();
        for line in DATA
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (code, name) = line
                .split_once('\t')
                .expect("the shipped table has two columns");
            if let Ok(division) = code.parse::<u8>() {
                sections
                    .last_mut()
                    .expect("a division follows its section")
                    .2
                    .push((division, name));
            } else {
                let letter = code.chars().next().expect("a section letter");
                sections.push((letter, name, Vec::new()));
            }
        }
        Standard { sections }
    })
}

/// Normalises and checks an industry code: a section (`C`), a section and
/// division (`C39`), a division alone (`39` → `C39`), or a finer group or
/// class (`C391`, `C3911`) whose division exists. Returns the normal form
/// (section letter, then the digits).
///
/// # Errors
/// [`Error::Validation`] naming the code and what is wrong with it.
pub fn normalize_industry(code: &str) -> Result<String> {
    let text = code.trim().to_uppercase();
    let bad = |why: &str| {
        Error::validation(
            "industry",
            format!("{} {why} (GB/T 4754-2017)", crate::text::shown(code)),
        )
    };
    let (letter, digits) = match text.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => (Some(c), &text[1..]),
        Some(_) => (None, text.as_str()),
        None => return Err(bad("is empty")),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() == 1 || digits.len() > 4 {
        return Err(bad("is not a section letter with 2 to 4 digits"));
    }
    let std = standard();
    if digits.is_empty() {
        let letter = letter.ok_or_else(|| bad("is empty"))?;
        return std
            .sections
            .iter()
            .find(|s| s.0 == letter)
            .map(|s| s.0.to_string())
            .ok_or_else(|| bad("is not a section: sections are A to T"));
    }
    let division: u8 = digits[..2].parse().map_err(|_| bad("has no division"))?;
    let section = std
        .sections
        .iter()
        .find(|s| s.2.iter().any(|d| d.0 == division))
        .ok_or_else(|| bad("has no such division: divisions are 01 to 97"))?;
    if let Some(l) = letter {
        if l != section.0 {
            return Err(bad(&format!(
                "puts division {division:02} in section {l}, but it belongs to section {}",
                section.0
            )));
        }
    }
    Ok(format!("{}{digits}", section.0))
}

/// The names of a code's section and division, e.g. `C39` →
/// ("制造业", Some("计算机、通信和其他电子设备制造业")).
#[must_use]
pub fn industry_name(code: &str) -> Option<(&'static str, Option<&'static str>)> {
    let code = normalize_industry(code).ok()?;
    let letter = code.chars().next()?;
    let section = standard().sections.iter().find(|s| s.0 == letter)?;
    let division = code
        .get(1..3)
        .and_then(|d| d.parse::<u8>().ok())
        .and_then(|d| section.2.iter().find(|x| x.0 == d))
        .map(|x| x.1);
    Some((section.1, division))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_standard_has_20_sections_and_97_divisions() {
        let s = standard();
        assert_eq!(s.sections.len(), 20);
        let divisions: Vec<u8> = s
            .sections
            .iter()
            .flat_map(|x| x.2.iter().map(|d| d.0))
            .collect();
        assert_eq!(divisions, (1..=97).collect::<Vec<u8>>());
    }

    #[test]
    fn codes_normalise_or_are_refused() {
        assert_eq!(normalize_industry("c39").unwrap(), "C39");
        assert_eq!(normalize_industry("39").unwrap(), "C39");
        assert_eq!(normalize_industry("C3911").unwrap(), "C3911");
        assert_eq!(normalize_industry("M").unwrap(), "M");
        assert_eq!(normalize_industry("17").unwrap(), "C17");
        assert_eq!(normalize_industry("A01").unwrap(), "A01");
        for bad in ["", "Z", "C98", "C00", "A39", "C3", "C39111", "C3X", "U"] {
            assert!(
                matches!(normalize_industry(bad), Err(Error::Validation { .. })),
                "{bad}"
            );
        }
        assert_eq!(
            industry_name("C39").unwrap(),
            ("制造业", Some("计算机、通信和其他电子设备制造业"))
        );
        assert_eq!(industry_name("C").unwrap(), ("制造业", None));
    }
}
