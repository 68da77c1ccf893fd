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

/// Index families (first byte of `index` keys). Only the event index is
/// stored; the others are lookups the in-memory view derives from current
/// records and their events ([`stored`]).
pub(crate) mod index {
    /// Whether entries of `family` are stored (format 1 stored them all,
    /// format 2 the holder history too).
    pub(crate) fn stored(family: u8) -> bool {
        family == EVENT
    }

    /// parcel code → parcel id (unique)
    pub(crate) const PARCEL_CODE: u8 = 0x01;
    /// (status, parcel id)
    pub(crate) const PARCEL_STATUS: u8 = 0x02;
    /// (current holder, parcel id)
    pub(crate) const PARCEL_HOLDER: u8 = 0x03;
    /// (land use, parcel id)
    pub(crate) const PARCEL_USE: u8 = 0x04;
    /// any holder ever → parcel ids: candidates for holder queries of the past
    pub(crate) const PARCEL_EVER_HELD: u8 = 0x05;
    /// building code → the parcel it stands on (the buildings register)
    pub(crate) const BUILDING_CODE: u8 = 0x06;
    /// a payment's voucher (凭证号) → the parcel it was paid on
    pub(crate) const PARCEL_VOUCHER: u8 = 0x07;
    /// a unit of work's first event id → its event runs ([`super::encode_runs`])
    pub(crate) const EVENT: u8 = 0x10;
    /// credit code → enterprise id (unique)
    pub(crate) const ENTERPRISE_CODE: u8 = 0x20;
    /// (industry code, 0, enterprise id)
    pub(crate) const ENTERPRISE_INDUSTRY: u8 = 0x21;
    /// (status, enterprise id)
    pub(crate) const ENTERPRISE_STATUS: u8 = 0x22;
    /// building code → the enterprises that lease in it
    pub(crate) const ENTERPRISE_BUILDING: u8 = 0x23;
    /// another id (纳税人识别号, 组织机构代码, 工商注册号) → the enterprise
    pub(crate) const ENTERPRISE_OTHER_ID: u8 = 0x24;
    /// a management fee's voucher (凭证号) → the firm that paid it
    pub(crate) const ENTERPRISE_VOUCHER: u8 = 0x25;
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
    /// Each unit of work's source, by its first event id
    /// ([`crate::provenance::UnitSource`]).
    pub(crate) const SOURCE_PREFIX: &[u8] = b"source/";
    /// The next import's number.
    #[cfg_attr(not(feature = "ledgers"), allow(dead_code))]
    pub(crate) const NEXT_IMPORT: &[u8] = b"next/import";

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

    /// How many events of a kind are stored (since format 4): a ledger
    /// that loads fewer was damaged.
    pub(crate) fn events_of(kind: u8) -> Vec<u8> {
        let mut k = b"count/".to_vec();
        k.push(kind);
        k
    }

    /// Event ids handed out before format 4 that no stored event has
    /// (absent when none): with the counts per kind they add up to the
    /// event counter.
    pub(crate) const UNCOUNTED_EVENTS: &[u8] = b"count/uncounted";
}

/// Entities per block, as a power of two: the runs of events one unit of
/// work writes for the entities of one block share a stored value (sled's
/// cost is per key far more than per byte).
pub(crate) const BLOCK_BITS: u32 = 6;

/// The block that holds an entity's runs.
pub(crate) fn block_of(entity: u64) -> u64 {
    entity >> BLOCK_BITS
}

/// The first entity id of a block.
pub(crate) fn block_start(block: u64) -> u64 {
    block << BLOCK_BITS
}

/// The start of every event key of one block: the kind and block number.
pub(crate) fn block_prefix(kind: u8, block: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(17);
    k.push(kind);
    k.extend_from_slice(&block.to_be_bytes());
    k
}

/// The key of the runs a unit of work wrote for a block: kind, block, the
/// first event id among them.
pub(crate) fn event(kind: u8, block: u64, first: u64) -> Vec<u8> {
    let mut k = block_prefix(kind, block);
    k.extend_from_slice(&first.to_be_bytes());
    k
}

/// Splits an `events` key into (kind, block or, before format 3, entity id,
/// first event id).
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

/// The value of an event index entry: each run a unit of work wrote, as
/// (first event id, kind, entity id), 17 bytes each.
pub(crate) fn encode_runs(runs: &[(u64, u8, u64)]) -> Vec<u8> {
    let mut v = Vec::with_capacity(runs.len() * 17);
    for (first, kind, entity) in runs {
        v.extend_from_slice(&first.to_be_bytes());
        v.push(*kind);
        v.extend_from_slice(&entity.to_be_bytes());
    }
    v
}

/// Reads an event index entry keyed by `unit`. Format 1 wrote one entry per
/// event, (kind, entity id) in 9 bytes: a run of one starting at the key.
pub(crate) fn decode_runs(unit: u64, value: &[u8]) -> Result<Vec<(u64, u8, u64)>> {
    if value.len() == 9 {
        return Ok(vec![(unit, value[0], u64_at(value, 1)?)]);
    }
    if value.is_empty() || !value.len().is_multiple_of(17) {
        return Err(Error::Corrupt(format!(
            "event index entry of {} bytes",
            value.len()
        )));
    }
    value
        .chunks(17)
        .map(|c| Ok((u64_at(c, 0)?, c[8], u64_at(c, 9)?)))
        .collect()
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
    fn event_keys_sort_by_kind_then_block_then_first_event() {
        let mut keys = [
            event(2, 1, 1),
            event(1, 300, 2),
            event(1, 2, 9),
            event(1, 256, 1),
            event(1, 2, 258),
        ];
        keys.sort();
        let decoded: Vec<_> = keys.iter().map(|k| decode_event(k).unwrap()).collect();
        assert_eq!(
            decoded,
            vec![(1, 2, 9), (1, 2, 258), (1, 256, 1), (1, 300, 2), (2, 1, 1)]
        );
        assert!(event(1, 2, 9).starts_with(&block_prefix(1, 2)));
        assert_eq!(block_of(63), 0);
        assert_eq!(block_of(64), 1);
        assert_eq!(block_start(block_of(130)), 128);
    }

    #[test]
    fn event_index_entries_round_trip_and_read_format_1() {
        let runs = vec![(5, 1, 7), (9, 2, 1 << 40)];
        assert_eq!(decode_runs(5, &encode_runs(&runs)).unwrap(), runs);
        let mut legacy = vec![4];
        legacy.extend_from_slice(&3u64.to_be_bytes());
        assert_eq!(decode_runs(11, &legacy).unwrap(), vec![(11, 4, 3)]);
        assert!(decode_runs(1, &[0; 16]).is_err());
        assert!(decode_runs(1, &[]).is_err());
    }

    #[test]
    fn event_keys_round_trip_and_refuse_bad_lengths() {
        let k = event(1, 7, 1 << 40);
        assert_eq!(decode_event(&k).unwrap(), (1, 7, 1 << 40));
        assert!(matches!(decode_event(&k[..16]), Err(Error::Corrupt(_))));
    }
}
