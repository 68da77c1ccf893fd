//! Values: one format-version byte, then bincode 2 (`config::standard()`).
//! An event run (the `events` key space) is the byte, the time its unit of
//! work recorded it, and each event's valid day and body ([`encode_events`]);
//! in formats 1 and 2 it was whole events back to back (a format-1 event
//! value is a run of one).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::days;
use crate::error::{Error, Result};
use crate::event::{Body, Event, EventId, Recorded};
use crate::units::with_stored_format;

/// The most bytes one stored value may decode from (64 MiB).
const DECODE_LIMIT: usize = 64 << 20;

/// The storage format this version writes and reads: one sled tree, events
/// stored in runs a block of entities to a value, each block value with a
/// checksum, a count of events per kind. Formats 1 (a sled tree per key
/// space, one key per event), 2 (current states stored beside the events)
/// and 3 (no checksums, no counts) are migrated at open; their event runs
/// read as they are. Format 5 adds boundary events and policy fields;
/// format 6 notes (备注) on parcels and enterprises; format 7 the buildings
/// reported on a parcel and water use in the yearly figures (a new variant:
/// year reports of earlier formats read as they are); format 8 money
/// (payments, schedules, write-offs, collection steps and compensation on
/// parcels, management fees on enterprises, fee rates in the policy) and
/// firms' records (qualifications, honours, inspections, incidents,
/// complaints). Format 9 keeps areas in millionths of a 亩 (0.000001 亩,
/// so that 公顷 to six places and m² to two are exact) where earlier
/// formats kept ten-thousandths: a value's own format byte says which, and
/// a value of an earlier format reads its areas times 100
/// ([`crate::units::with_stored_format`]). A format 4 to 8 database is
/// marked 9 at open, nothing else changes. Format 10 adds parcels entered
/// without a requisition (from published supply results), a supply's
/// contract terms and mortgages: new events, and fields of a parcel's
/// state that values of earlier formats read as absent
/// ([`crate::units::added_in_10`]). Format 11 lets a stored boundary in
/// longitude and latitude name the Gauss-Krüger zone its area is measured
/// in ([`crate::units::added_in_11`]). A database of an earlier format is
/// marked 11 at open.
pub(crate) const FORMAT_VERSION: u8 = 11;

/// The first format whose block values carry a checksum.
const CHECKSUMMED_BLOCKS: u8 = 4;

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = vec![FORMAT_VERSION];
    encode_more(&mut out, value)?;
    Ok(out)
}

/// Appends one more value to a run made by [`encode`].
pub(crate) fn encode_more<T: Serialize>(run: &mut Vec<u8>, value: &T) -> Result<()> {
    bincode::serde::encode_into_std_write(value, run, bincode::config::standard())
        .map_err(|e| Error::Storage(format!("cannot encode a record: {e}")))?;
    Ok(())
}

/// The body of a value after its format byte, refusing unknown formats.
fn body<'a>(bytes: &'a [u8], what: &str) -> Result<&'a [u8]> {
    let (&version, body) = bytes
        .split_first()
        .ok_or_else(|| Error::Corrupt(format!("empty value for {what}")))?;
    if version > FORMAT_VERSION {
        return Err(Error::IncompatibleFormat {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(Error::Corrupt(format!(
            "value for {what} has format byte 0"
        )));
    }
    Ok(body)
}

/// Decodes one value from the front of `body`; returns it and the bytes used.
fn decode_one<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<(T, usize)> {
    // The limit bounds what a damaged length prefix can make the decoder
    // allocate: a record is never near it.
    let config = bincode::config::standard().with_limit::<DECODE_LIMIT>();
    bincode::serde::decode_from_slice(body, config)
        .map_err(|e| Error::Corrupt(format!("cannot decode {what}: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    let body = body(bytes, what)?;
    let (value, used) = with_stored_format(bytes[0], || decode_one(body, what))?;
    if used != body.len() {
        return Err(Error::Corrupt(format!(
            "{what} has {} trailing bytes",
            body.len() - used
        )));
    }
    Ok(value)
}

/// Decodes one or more values back to back.
fn decode_seq<T: DeserializeOwned>(mut rest: &[u8], what: &str) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(1);
    loop {
        let (value, used) = decode_one(rest, what)?;
        if used == 0 {
            return Err(Error::Corrupt(format!("{what}: an empty value in a run")));
        }
        out.push(value);
        rest = &rest[used..];
        if rest.is_empty() {
            return Ok(out);
        }
    }
}

/// One run of a block value: the entity, its first event id, the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockRun<'a> {
    pub(crate) entity: u64,
    pub(crate) first: u64,
    pub(crate) run: &'a [u8],
}

/// A block value (the `events` key space since format 3): the runs one unit
/// of work wrote for entities of one block, in the order written. After the
/// format byte, each run is its entity id and first event id (8 bytes
/// each, big-endian), its length (4 bytes) and the run as [`encode_events`]
/// made it (with its own format byte: runs of formats 1 and 2 are kept as
/// they were when migrated). Since format 4 the format byte is followed by
/// a CRC-32 of everything after it (4 bytes, big-endian): damage inside a
/// value is found when it is read, not folded into wrong figures.
pub(crate) fn encode_block(runs: &[BlockRun<'_>]) -> Result<Vec<u8>> {
    let size: usize = runs.iter().map(|r| r.run.len() + 20).sum();
    let mut out = Vec::with_capacity(size + 5);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&[0; 4]);
    for r in runs {
        let len = u32::try_from(r.run.len())
            .map_err(|_| Error::Storage("a run of events over 4 GiB".into()))?;
        out.extend_from_slice(&r.entity.to_be_bytes());
        out.extend_from_slice(&r.first.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(r.run);
    }
    let sum = crc32fast::hash(&out[5..]);
    out[1..5].copy_from_slice(&sum.to_be_bytes());
    Ok(out)
}

/// The runs of a block value, borrowed from it.
pub(crate) fn decode_block(bytes: &[u8]) -> Result<Vec<BlockRun<'_>>> {
    const WHAT: &str = "block of event runs";
    let mut rest = body(bytes, WHAT)?;
    if bytes[0] >= CHECKSUMMED_BLOCKS {
        let (sum, runs) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| Error::Corrupt(format!("{WHAT}: its checksum is cut short")))?;
        if u32::from_be_bytes(*sum) != crc32fast::hash(runs) {
            return Err(Error::Corrupt(format!(
                "{WHAT}: the checksum does not match: the value was damaged on disk"
            )));
        }
        rest = runs;
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let head = rest
            .get(..20)
            .ok_or_else(|| Error::Corrupt(format!("{WHAT}: a run header cut short")))?;
        let entity = u64::from_be_bytes(head[..8].try_into().unwrap_or_default());
        let first = u64::from_be_bytes(head[8..16].try_into().unwrap_or_default());
        let len = u32::from_be_bytes(head[16..].try_into().unwrap_or_default()) as usize;
        let run = rest
            .get(20..20 + len)
            .ok_or_else(|| Error::Corrupt(format!("{WHAT}: a run cut short")))?;
        out.push(BlockRun { entity, first, run });
        rest = &rest[20 + len..];
    }
    if out.is_empty() {
        return Err(Error::Corrupt(format!("{WHAT}: no runs")));
    }
    Ok(out)
}

/// The first format whose runs hold their recorded time once and no ids.
const COMPACT_RUNS: u8 = 3;

/// An event as a run stores it since format 3: its valid day and body. Its
/// id and recorded time are the run's (see [`encode_events`]).
type Stored<B> = (i32, Body<B>);

/// Starts a run of events with its first: since format 3, a run holds the
/// recorded time once (all its events come from one unit of work), then
/// each event's valid day and body; their ids are the run's first id (in
/// its key) and the ones after it.
pub(crate) fn encode_events<B: Serialize>(first: &Event<B>) -> Result<Vec<u8>> {
    let mut out = encode(&first.recorded)?;
    encode_more(&mut out, &(days::to_days(first.valid), &first.body))?;
    Ok(out)
}

/// Gives a run made by [`encode_events`] the recorded time of the unit of
/// work that stores it: a unit is recorded when it commits, after its
/// events were encoded.
pub(crate) fn restamp_events(run: &mut Vec<u8>, recorded: Recorded) -> Result<()> {
    const WHAT: &str = "event run";
    let (_, used): (Recorded, usize) = decode_one(body(run, WHAT)?, WHAT)?;
    let mut head = Vec::with_capacity(used + 1);
    encode_more(&mut head, &recorded)?;
    run.splice(1..=used, head);
    Ok(())
}

/// Appends the next event (the id after the run's last, recorded by the
/// same unit of work) to a run made by [`encode_events`].
pub(crate) fn extend_events<B: Serialize>(run: &mut Vec<u8>, event: &Event<B>) -> Result<()> {
    encode_more(run, &(days::to_days(event.valid), &event.body))
}

/// The events of a run whose key names `first` as its first id; a run of
/// format 1 or 2 holds whole events.
pub(crate) fn decode_events<B: DeserializeOwned>(
    bytes: &[u8],
    first: u64,
) -> Result<Vec<Event<B>>> {
    let mut out = Vec::new();
    decode_events_into(bytes, first, &mut out)?;
    Ok(out)
}

/// [`decode_events`], appending to `out` (left as it was on an error).
pub(crate) fn decode_events_into<B: DeserializeOwned>(
    bytes: &[u8],
    first: u64,
    out: &mut Vec<Event<B>>,
) -> Result<()> {
    const WHAT: &str = "event run";
    let rest = body(bytes, WHAT)?;
    with_stored_format(bytes[0], || decode_run(bytes[0], rest, first, out))
}

/// [`decode_events_into`] of a run's `rest` after its format byte.
fn decode_run<B: DeserializeOwned>(
    format: u8,
    rest: &[u8],
    first: u64,
    out: &mut Vec<Event<B>>,
) -> Result<()> {
    const WHAT: &str = "event run";
    if format < COMPACT_RUNS {
        out.extend(decode_seq::<Event<B>>(rest, WHAT)?);
        return Ok(());
    }
    let start = out.len();
    let decoded = (|| {
        let (recorded, used): (Recorded, usize) = decode_one(rest, WHAT)?;
        let mut rest = &rest[used..];
        let mut id = first;
        loop {
            let ((day, body), used): (Stored<B>, usize) = decode_one(rest, WHAT)?;
            if used == 0 {
                return Err(Error::Corrupt(format!("{WHAT}: an empty event")));
            }
            let valid = days::from_day_number(day).ok_or_else(|| {
                Error::Corrupt(format!("{WHAT}: day number {day} is out of range"))
            })?;
            out.push(Event {
                id: EventId(id),
                valid,
                recorded,
                body,
            });
            rest = &rest[used..];
            if rest.is_empty() {
                return Ok(());
            }
            id = id
                .checked_add(1)
                .ok_or_else(|| Error::Corrupt(format!("{WHAT}: event ids run out")))?;
        }
    })();
    if decoded.is_err() {
        out.truncate(start);
    }
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn event(id: u64, day: u32, body: Body<String>) -> Event<String> {
        Event {
            id: EventId(id),
            valid: NaiveDate::from_ymd_opt(2005, 3, day).unwrap(),
            recorded: Recorded(1_130_000_000_000_000),
            body,
        }
    }

    #[test]
    fn a_run_keeps_each_event_and_stores_ids_and_recorded_time_once() {
        let events = vec![
            event(41, 1, Body::Domain("征地".into())),
            event(42, 9, Body::Domain("出让".into())),
            event(
                43,
                10,
                Body::Void {
                    target: EventId(42),
                    reason: "录入错误".into(),
                },
            ),
        ];
        let mut run = encode_events(&events[0]).unwrap();
        for e in &events[1..] {
            extend_events(&mut run, e).unwrap();
        }
        assert_eq!(decode_events::<String>(&run, 41).unwrap(), events);
        // Whole events, as format 2 stored them, are larger and still read.
        let mut legacy = vec![2];
        for e in &events {
            encode_more(&mut legacy, e).unwrap();
        }
        assert!(legacy.len() > run.len() + 2 * 8);
        assert_eq!(decode_events::<String>(&legacy, 41).unwrap(), events);
    }

    #[test]
    fn a_block_keeps_its_runs_and_a_cut_block_is_corrupt() {
        let runs = [
            BlockRun {
                entity: 64,
                first: 7,
                run: &[3, 1, 2, 3],
            },
            BlockRun {
                entity: 127,
                first: 9,
                run: &[2, 4],
            },
        ];
        let block = encode_block(&runs).unwrap();
        assert_eq!(block.len(), 1 + 4 + 2 * 20 + 4 + 2);
        assert_eq!(decode_block(&block).unwrap(), runs);
        // Cut in a header, cut in a run, or holding no run at all.
        for bad in [
            &block[..10],
            &block[..block.len() - 1],
            &block[..1],
            &block[..5],
        ] {
            assert!(
                matches!(decode_block(bad), Err(Error::Corrupt(_))),
                "{bad:?}"
            );
        }
        // Format 3's blocks had no checksum, and still read.
        let mut unsummed = block.clone();
        unsummed.drain(1..5);
        unsummed[0] = 3;
        assert_eq!(decode_block(&unsummed).unwrap(), runs);
        let mut future = block.clone();
        future[0] = FORMAT_VERSION + 1;
        assert!(matches!(
            decode_block(&future),
            Err(Error::IncompatibleFormat { .. })
        ));
    }

    #[test]
    fn any_flipped_bit_in_a_block_is_caught_by_its_checksum() {
        let runs = [BlockRun {
            entity: 3,
            first: 11,
            run: &[4, 9, 9, 9, 9, 1, 2, 3, 4, 5],
        }];
        let block = encode_block(&runs).unwrap();
        for byte in 1..block.len() {
            for bit in 0..8 {
                let mut damaged = block.clone();
                damaged[byte] ^= 1 << bit;
                assert!(
                    matches!(decode_block(&damaged), Err(Error::Corrupt(_))),
                    "bit {bit} of byte {byte}"
                );
            }
        }
    }

    #[test]
    fn a_damaged_run_is_corrupt() {
        let mut run = encode_events(&event(1, 1, Body::Domain("x".into()))).unwrap();
        run.push(0xff);
        assert!(matches!(
            decode_events::<String>(&run, 1),
            Err(Error::Corrupt(_))
        ));
        let mut far = encode(&Recorded(0)).unwrap();
        encode_more(&mut far, &(i32::MAX, Body::<String>::Domain("x".into()))).unwrap();
        assert!(matches!(
            decode_events::<String>(&far, 1),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            decode_events::<String>(&[FORMAT_VERSION + 1, 0], 1),
            Err(Error::IncompatibleFormat { .. })
        ));
    }
}
