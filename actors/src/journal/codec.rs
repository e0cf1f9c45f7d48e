//! Record encoding: one version byte, then the record in postcard.
//!
//! The version byte lets the record format evolve: a reader refuses a version it does not know
//! instead of misreading it, and a migration can dispatch on [`version_of`].

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::JournalError;

/// Encodes `record` as `[version][postcard bytes]`.
pub fn encode<R: Serialize + ?Sized>(version: u8, record: &R) -> Result<Vec<u8>, JournalError> {
    postcard::to_extend(record, vec![version]).map_err(|e| JournalError::Encode { reason: e.to_string() })
}

/// Reads the version byte of the record stored at `sequence`.
pub fn version_of(bytes: &[u8], sequence: u64) -> Result<u8, JournalError> {
    bytes.first().copied().ok_or(JournalError::EmptyRecord { sequence })
}

/// Decodes the record stored at `sequence`, which must carry `expected_version`.
///
/// Every failure names the sequence number; nothing here panics on bad input. Bytes left over
/// after the record are an error: they mean the record is not of type `R`.
pub fn decode<R: DeserializeOwned>(bytes: &[u8], expected_version: u8, sequence: u64) -> Result<R, JournalError> {
    let found = version_of(bytes, sequence)?;
    if found != expected_version {
        return Err(JournalError::UnsupportedVersion { sequence, found, expected: expected_version });
    }
    let (record, rest) = postcard::take_from_bytes::<R>(&bytes[1..]).map_err(|e| JournalError::Decode {
        sequence,
        version: found,
        reason: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(JournalError::TrailingBytes { sequence, count: rest.len() });
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Event {
        Submitted { id: u64, quantity: i64, symbol: String },
        Halted,
    }

    #[test]
    fn round_trips_and_prefixes_the_version() {
        let event = Event::Submitted { id: 7, quantity: -3, symbol: "INFY".into() };
        let bytes = encode(2, &event).unwrap();
        // version 2, variant 0, id 7, quantity zigzag(-3) = 5, len 4, "INFY"
        assert_eq!(bytes, [2, 0, 7, 5, 4, b'I', b'N', b'F', b'Y']);
        assert_eq!(version_of(&bytes, 1), Ok(2));
        assert_eq!(decode::<Event>(&bytes, 2, 1), Ok(event));
        assert_eq!(decode::<Event>(&encode(2, &Event::Halted).unwrap(), 2, 1), Ok(Event::Halted));
    }

    #[test]
    fn refuses_an_unknown_version_naming_the_sequence() {
        let bytes = encode(3, &Event::Halted).unwrap();
        let err = decode::<Event>(&bytes, 2, 41).unwrap_err();
        assert_eq!(err, JournalError::UnsupportedVersion { sequence: 41, found: 3, expected: 2 });
        assert!(err.to_string().contains("record 41"), "{err}");
    }

    #[test]
    fn refuses_empty_truncated_unknown_variant_and_trailing_bytes() {
        assert_eq!(decode::<Event>(&[], 1, 5), Err(JournalError::EmptyRecord { sequence: 5 }));
        let mut bytes = encode(1, &Event::Submitted { id: 1, quantity: 1, symbol: "TCS".into() }).unwrap();
        bytes.pop();
        assert!(matches!(decode::<Event>(&bytes, 1, 6), Err(JournalError::Decode { sequence: 6, version: 1, .. })));
        // variant index 9 does not exist
        assert!(matches!(decode::<Event>(&[1, 9], 1, 7), Err(JournalError::Decode { sequence: 7, .. })));
        let mut bytes = encode(1, &Event::Halted).unwrap();
        bytes.extend([0, 0]);
        assert_eq!(decode::<Event>(&bytes, 1, 8), Err(JournalError::TrailingBytes { sequence: 8, count: 2 }));
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A huge declared string length must be refused, not allocated or indexed past the end.
        let bytes = [1, 0, 1, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, b'x'];
        assert!(decode::<Event>(&bytes, 1, 9).is_err());
        for len in 0..64u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(1)).collect();
            let _ = decode::<Event>(&bytes, 1, u64::from(len));
        }
    }
}
