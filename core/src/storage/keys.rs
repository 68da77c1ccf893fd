//! Order-preserving keys, made by hand: a kind byte, then big-endian ids.
//!
//! Never bincode here: its varints do not sort.

use crate::error::{Error, Result};

/// Record kinds (first byte of `records` and `events` keys).
pub(crate) mod kind {
    pub(crate) const PARCEL: u8 = 1;
    pub(crate) const ENTERPRISE: u8 = 2;
    pub(crate) const PROGRAMME: u8 = 3;
    pub(crate) const APPLICATION: u8 = 4;
    pub(crate) const INDICATOR: u8 = 5;
}

/// Index families (first byte of `index` keys). Only the unique codes, the
/// event runs and the holder history are stored; the others are lookups the
/// in-memory view derives from current records ([`stored`]).
pub(crate) mod index {
    /// Whether entries of `family` are stored (format 1 stored them all).
    pub(crate) fn stored(family: u8) -> bool {
        matches!(
            family,
            PARCEL_CODE | PARCEL_EVER_HELD | EVENT | ENTERPRISE_CODE | INDICATOR_CODE
        )
    }

    /// parcel code → parcel id (unique)
    pub(crate) const PARCEL_CODE: u8 = 0x01;
    /// (status, parcel id)
    pub(crate) const PARCEL_STATUS: u8 = 0x02;
    /// (current holder, parcel id)
    pub(crate) const PARCEL_HOLDER: u8 = 0x03;
    /// (land use, parcel id)
    pub(crate) const PARCEL_USE: u8 = 0x04;
    /// (any holder ever, parcel id): candidates for holder queries as of a date
    pub(crate) const PARCEL_EVER_HELD: u8 = 0x05;
    /// event id → (kind, entity id)
    pub(crate) const EVENT: u8 = 0x10;
    /// credit code → enterprise id (unique)
    pub(crate) const ENTERPRISE_CODE: u8 = 0x20;
    /// (industry code, 0, enterprise id)
    pub(crate) const ENTERPRISE_INDUSTRY: u8 = 0x21;
    /// (status, enterprise id)
    pub(crate) const ENTERPRISE_STATUS: u8 = 0x22;
    /// (programme id, application id)
    pub(crate) const APPLICATION_PROGRAMME: u8 = 0x30;
    /// (applicant id, application id)
    pub(crate) const APPLICATION_APPLICANT: u8 = 0x31;
    /// (status, application id)
    pub(crate) const APPLICATION_STATUS: u8 = 0x32;
    /// indicator code → indicator id (unique)
    pub(crate) const INDICATOR_CODE: u8 = 0x40;
}

/// Keys of the `meta` tree.
pub(crate) mod meta {
    pub(crate) const FORMAT: &[u8] = b"format";
    pub(crate) const NEXT_EVENT: &[u8] = b"next/event";
    pub(crate) const LAST_RECORDED: &[u8] = b"last_recorded";
    pub(crate) const POLICY: &[u8] = b"policy";

    /// The running total of awards approved under a programme.
    pub(crate) fn committed(programme: u64) -> Vec<u8> {
        let mut k = b"committed/".to_vec();
        k.extend_from_slice(&programme.to_be_bytes());
        k
    }

    pub(crate) const COMMITTED_PREFIX: &[u8] = b"committed/";

    pub(crate) fn next_id(kind: u8) -> Vec<u8> {
        let mut k = b"next/".to_vec();
        k.push(kind);
        k
    }
}

pub(crate) fn record(kind: u8, id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(kind);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

pub(crate) fn entity_prefix(kind: u8, id: u64) -> Vec<u8> {
    record(kind, id)
}

pub(crate) fn event(kind: u8, entity: u64, event: u64) -> Vec<u8> {
    let mut k = record(kind, entity);
    k.extend_from_slice(&event.to_be_bytes());
    k
}

/// Splits a `records` key into (kind, id).
pub(crate) fn decode_record(key: &[u8]) -> Result<(u8, u64)> {
    if key.len() != 9 {
        return Err(Error::Corrupt(format!("record key of {} bytes", key.len())));
    }
    Ok((key[0], u64_at(key, 1)?))
}

/// Splits an `events` key into (kind, entity id, event id).
pub(crate) fn decode_event(key: &[u8]) -> Result<(u8, u64, u64)> {
    if key.len() != 17 {
        return Err(Error::Corrupt(format!("event key of {} bytes", key.len())));
    }
    Ok((key[0], u64_at(key, 1)?, u64_at(key, 9)?))
}

pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Result<u64> {
    bytes
        .get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| Error::Corrupt(format!("key too short for an id at byte {at}")))
}

/// An index key: family byte, then parts.
pub(crate) fn index_key(family: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = vec![family];
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_sort_by_kind_then_id() {
        let mut keys = [record(2, 1), record(1, 300), record(1, 2), record(1, 256)];
        keys.sort();
        let decoded: Vec<_> = keys.iter().map(|k| decode_record(k).unwrap()).collect();
        assert_eq!(decoded, vec![(1, 2), (1, 256), (1, 300), (2, 1)]);
    }

    #[test]
    fn event_keys_round_trip_and_refuse_bad_lengths() {
        let k = event(1, 7, 1 << 40);
        assert_eq!(decode_event(&k).unwrap(), (1, 7, 1 << 40));
        assert!(matches!(decode_event(&k[..16]), Err(Error::Corrupt(_))));
        assert!(matches!(decode_record(&[1, 2]), Err(Error::Corrupt(_))));
    }
}
