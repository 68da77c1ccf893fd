//! The enterprise register (企业).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An enterprise's number in this database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EnterpriseId(pub u64);

impl std::fmt::Display for EnterpriseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "E{}", self.0)
    }
}

/// The characters of a unified social credit code, in value order.
const CODE_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^(i-1) mod 31` for the first 17 characters.
const CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Checks a unified social credit code (统一社会信用代码, GB 32100-2015):
/// 18 characters from `0-9A-Y` without I, O, S, V, Z, the last being the
/// check character `(31 − Σ vᵢ·wᵢ mod 31) mod 31`.
///
/// # Errors
/// [`Error::Validation`] saying which part is wrong.
pub fn check_credit_code(code: &str) -> Result<()> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(Error::validation(
            "credit_code",
            format!(
                "{code:?} has {} characters; a credit code has 18",
                code.chars().count()
            ),
        ));
    }
    let mut values = [0u32; 18];
    for (i, b) in bytes.iter().enumerate() {
        values[i] = CODE_CHARS
            .iter()
            .position(|c| c == b)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(|| {
                Error::validation(
                    "credit_code",
                    format!(
                        "{code:?}: character {} ({:?}) is not one of 0-9 and A-Y without I, O, S, V, Z",
                        i + 1,
                        char::from(*b)
                    ),
                )
            })?;
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(CODE_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let expected = (31 - sum % 31) % 31;
    if values[17] != expected {
        return Err(Error::validation(
            "credit_code",
            format!(
                "{code:?}: check character is {:?}, the code's own digits give {:?}",
                char::from(bytes[17]),
                char::from(CODE_CHARS[expected as usize])
            ),
        ));
    }
    Ok(())
}

/// True when `code` is a well-formed credit code with the right check character.
#[must_use]
pub fn validate_credit_code(code: &str) -> bool {
    check_credit_code(code).is_ok()
}

/// A firm in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub id: EnterpriseId,
    pub name: String,
    /// 统一社会信用代码; `None` for firms registered before they had one.
    pub credit_code: Option<String>,
    /// GB/T 4754 industry code, e.g. `C39`.
    pub industry: Option<String>,
    pub founded: Option<NaiveDate>,
    pub high_tech: bool,
    pub registered: NaiveDate,
    pub last_event: NaiveDate,
}

/// What happened to an enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnterpriseEvent {
    /// Entered in the register.
    Registered {
        name: String,
        credit_code: Option<String>,
        industry: Option<String>,
        founded: Option<NaiveDate>,
        high_tech: bool,
    },
}

impl EnterpriseEvent {
    /// A short English name, as in history tables.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            EnterpriseEvent::Registered { .. } => "registered",
        }
    }

    /// What the event says, in a line (for history tables).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            EnterpriseEvent::Registered {
                name, credit_code, ..
            } => match credit_code {
                Some(c) => format!("{name} registered, {c}"),
                None => format!("{name} registered"),
            },
        }
    }
}

/// A new enterprise for [`crate::Writer::add_enterprise`].
#[derive(Debug, Clone, Default)]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub founded: Option<NaiveDate>,
    pub high_tech: bool,
    /// Accept a credit code whose check character fails (a few in circulation do).
    pub allow_invalid_code: bool,
    /// When it entered the register.
    pub registered: Option<NaiveDate>,
}

impl NewEnterprise {
    /// A new enterprise with just a name.
    #[must_use]
    pub fn named(name: impl Into<String>) -> NewEnterprise {
        NewEnterprise {
            name: name.into(),
            ..NewEnterprise::default()
        }
    }
}

pub(crate) fn apply(
    state: Option<Enterprise>,
    id: EnterpriseId,
    date: NaiveDate,
    event: &EnterpriseEvent,
) -> Result<Enterprise> {
    match (state, event) {
        (
            None,
            EnterpriseEvent::Registered {
                name,
                credit_code,
                industry,
                founded,
                high_tech,
            },
        ) => Ok(Enterprise {
            id,
            name: name.clone(),
            credit_code: credit_code.clone(),
            industry: industry.clone(),
            founded: *founded,
            high_tech: *high_tech,
            registered: date,
            last_event: date,
        }),
        (Some(e), EnterpriseEvent::Registered { .. }) => Err(Error::lifecycle(
            crate::error::Entity::Enterprise,
            format!("{} ({})", e.name, e.id),
            "the enterprise is already registered",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_and_altered_ones_fail() {
        // Codes of well-known firms, as published in their business licences.
        for code in [
            "914403001922038216", // 华为技术有限公司
            "91440300708461136T", // 深圳市腾讯计算机系统有限公司
            "91330100716105852F", // 阿里巴巴(中国)有限公司
            "91110108551385082Q", // 小米科技有限责任公司
            "91440300192317458F", // 比亚迪股份有限公司
        ] {
            assert!(validate_credit_code(code), "{code}");
        }
        // One character changed, one dropped, letters the alphabet lacks.
        assert!(!validate_credit_code("914403001922038217"));
        assert!(!validate_credit_code("91440300708461136"));
        assert!(!validate_credit_code("91440300708461136I"));
        assert!(!validate_credit_code("91440300708461I36T"));
        let err = check_credit_code("914403001922038217").unwrap_err();
        assert!(err.to_string().contains("'6'"), "{err}");
    }
}
