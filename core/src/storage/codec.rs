//! Values: one format-version byte, then bincode 2 (`config::standard()`).
//! An event run (the `events` key space) is the byte followed by one or more
//! events back to back; a format-1 event value is a run of one.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The most bytes one stored value may decode from (64 MiB).
const DECODE_LIMIT: usize = 64 << 20;

/// The storage format this version writes and reads: one sled tree, events
/// stored in runs, no stored states. Formats 1 (a sled tree per key space,
/// one key per event) and 2 (current states stored beside the events) are
/// migrated at open; their event values read as they are.
pub(crate) const FORMAT_VERSION: u8 = 3;

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
    let (value, used) = decode_one(body, what)?;
    if used != body.len() {
        return Err(Error::Corrupt(format!(
            "{what} has {} trailing bytes",
            body.len() - used
        )));
    }
    Ok(value)
}

/// Decodes a run: one or more values back to back after the format byte.
pub(crate) fn decode_run<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<Vec<T>> {
    let mut rest = body(bytes, what)?;
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
