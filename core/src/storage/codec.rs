//! Values: one format-version byte, then bincode 2 (`config::standard()`).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The most bytes one stored value may decode from (64 MiB).
const DECODE_LIMIT: usize = 64 << 20;

/// The storage format this version writes and reads.
pub(crate) const FORMAT_VERSION: u8 = 1;

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = vec![FORMAT_VERSION];
    let body = bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| Error::Storage(format!("cannot encode a record: {e}")))?;
    out.extend_from_slice(&body);
    Ok(out)
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
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
    // The limit bounds what a damaged length prefix can make the decoder
    // allocate: a record is never near it.
    let config = bincode::config::standard().with_limit::<DECODE_LIMIT>();
    let (value, used) = bincode::serde::decode_from_slice(body, config)
        .map_err(|e| Error::Corrupt(format!("cannot decode {what}: {e}")))?;
    if used != body.len() {
        return Err(Error::Corrupt(format!(
            "{what} has {} trailing bytes",
            body.len() - used
        )));
    }
    Ok(value)
}
