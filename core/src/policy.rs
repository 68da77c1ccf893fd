//! The database's policies: dated rules and the defaults of boundaries,
//! one stored value (`m` policy), kept in memory once read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::geometry::Crs;
use crate::land::IdlePeriods;
use crate::money::FeeRate;
use crate::storage::{codec, keys, Store, Tree};

/// Rules set per database: dated rules, and the defaults of boundaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// From this date, developing (填土) land without a certificate is refused
    /// (已征土地,还没有办证的坚决一律不填土). Earlier history loads as it happened.
    #[serde(with = "crate::days::opt")]
    pub no_development_without_certificate_from: Option<NaiveDate>,
    /// The coordinate system of boundaries given without one.
    pub default_crs: Option<Crs>,
    /// How far a boundary's surveyed area may differ from the registered
    /// area, in parts per million of it, before the parcel is flagged
    /// (`area_mismatch`); `None` is [`Policy::DEFAULT_AREA_TOLERANCE_PPM`].
    pub area_tolerance_ppm: Option<u32>,
    /// The management fee rates (管理费标准), each from its date; a rate
    /// holds until the next of the same basis.
    pub fee_rates: Vec<FeeRate>,
    /// The periods of idle land (闲置土地), each from its date: a supply
    /// takes those in force on its agreed start (约定动工日期) when it is
    /// recorded; without one, [`IdlePeriods::DEFAULT`] (国土资源部令第53号,
    /// 2012: idle a year past the agreed start, reclaimable after two).
    #[serde(default, deserialize_with = "crate::units::added_in_10")]
    pub idle_periods: Vec<IdlePeriods>,
}

/// The policy as formats 5 to 7 stored it.
#[derive(Deserialize)]
struct PolicyFormat7 {
    #[serde(with = "crate::days::opt")]
    no_development_without_certificate_from: Option<NaiveDate>,
    default_crs: Option<Crs>,
    area_tolerance_ppm: Option<u32>,
}

/// The policy as formats up to 4 stored it.
#[derive(Deserialize)]
struct PolicyFormat4 {
    #[serde(with = "crate::days::opt")]
    no_development_without_certificate_from: Option<NaiveDate>,
}

impl Policy {
    /// 1%, the difference FAO's land administration software (SOLA) flags.
    pub const DEFAULT_AREA_TOLERANCE_PPM: u32 = 10_000;

    /// The area tolerance in force, in parts per million.
    #[must_use]
    pub fn tolerance_ppm(&self) -> u32 {
        self.area_tolerance_ppm
            .unwrap_or(Self::DEFAULT_AREA_TOLERANCE_PPM)
    }

    /// The policy a batch of writes stores, if it stores one.
    pub(crate) fn in_batch(batch: &crate::storage::Batch) -> Option<Result<Policy>> {
        batch
            .ops
            .get(&(Tree::Meta, keys::meta::POLICY.to_vec()))
            .map(|v| match v {
                Some(bytes) => Policy::decode(bytes),
                None => Ok(Policy::default()),
            })
    }

    /// The policy stored in `store`, or the default.
    pub(crate) fn stored(store: &dyn Store) -> Result<Policy> {
        match store.get(Tree::Meta, keys::meta::POLICY)? {
            Some(bytes) => Policy::decode(&bytes),
            None => Ok(Policy::default()),
        }
    }

    /// A stored policy, of format 8 or of an earlier one (fewer fields).
    fn decode(bytes: &[u8]) -> Result<Policy> {
        if bytes.first().is_some_and(|&v| v < 5) {
            let old: PolicyFormat4 = codec::decode(bytes, "policy")?;
            return Ok(Policy {
                no_development_without_certificate_from: old
                    .no_development_without_certificate_from,
                ..Policy::default()
            });
        }
        if bytes.first().is_some_and(|&v| v < 8) {
            let old: PolicyFormat7 = codec::decode(bytes, "policy")?;
            return Ok(Policy {
                no_development_without_certificate_from: old
                    .no_development_without_certificate_from,
                default_crs: old.default_crs,
                area_tolerance_ppm: old.area_tolerance_ppm,
                fee_rates: Vec::new(),
                idle_periods: Vec::new(),
            });
        }
        codec::decode(bytes, "policy")
    }

    /// The idle periods for a supply agreed to start on `start_by`: the
    /// latest set from a date on or before it, else the default.
    #[must_use]
    pub fn idle_periods_for(&self, start_by: Option<NaiveDate>) -> IdlePeriods {
        start_by
            .and_then(|start| {
                self.idle_periods
                    .iter()
                    .filter(|p| p.from <= start)
                    .max_by_key(|p| p.from)
                    .copied()
            })
            .unwrap_or(IdlePeriods::DEFAULT)
    }

    /// The fee rates in force for `basis` at `date`, if any.
    #[must_use]
    pub fn fee_rate(&self, basis: crate::money::FeeBasis, date: NaiveDate) -> Option<FeeRate> {
        self.fee_rates
            .iter()
            .filter(|r| r.basis == basis && r.from <= date)
            .max_by_key(|r| r.from)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_stored_by_format_4_reads_with_the_new_fields_unset() {
        #[derive(Serialize)]
        struct Format4 {
            #[serde(with = "crate::days::opt")]
            from: Option<NaiveDate>,
        }
        let from = NaiveDate::from_ymd_opt(2005, 1, 1);
        let mut bytes = codec::encode(&Format4 { from }).unwrap();
        bytes[0] = 4;
        let policy = Policy::decode(&bytes).unwrap();
        assert_eq!(policy.no_development_without_certificate_from, from);
        assert_eq!(policy.default_crs, None);
        assert_eq!(policy.tolerance_ppm(), Policy::DEFAULT_AREA_TOLERANCE_PPM);
        let now = Policy {
            default_crs: Some(Crs::CGCS2000),
            area_tolerance_ppm: Some(5_000),
            ..policy
        };
        assert_eq!(Policy::decode(&codec::encode(&now).unwrap()).unwrap(), now);
    }
}
