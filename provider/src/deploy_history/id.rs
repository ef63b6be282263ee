//! Deploy ids and timestamps.
//!
//! A deploy id is ULID-shaped: 26 characters of Crockford base32, the first 10 the
//! creation time in milliseconds and the last 16 eighty random bits. Ids therefore sort
//! by time as plain strings (DynamoDB orders the sort key that way), and two writers in
//! the same millisecond still get different ids: 2^80 values make a clash practically
//! impossible, and the conditional put turns the impossible case into a retry instead
//! of an overwrite.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// Crockford's alphabet: no I, L, O or U, so ids survive being read aloud or retyped.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a deploy id.
pub const ID_LEN: usize = 26;

/// The largest time a 48-bit millisecond field holds (year 10889).
const MAX_MILLIS: u64 = (1 << 48) - 1;

/// Makes deploy ids. A trait so tests can force collisions and check that the
/// conditional put refuses to overwrite.
pub trait IdGenerator: Send + Sync {
    fn generate(&self, millis: u64) -> Result<String, String>;
}

/// The real generator: time plus 80 bits from the operating system's random source,
/// monotonic within the process (ULID's monotonic mode): an id made in the same
/// millisecond as the last one, or after the clock stepped back, reuses the last time
/// and adds one to the last random part, so ids written one after another by this
/// process always sort in the order they were made.
#[derive(Clone, Copy, Debug, Default)]
pub struct UlidGenerator;

/// The last (millis, random) this process handed out.
static LAST: Mutex<(u64, u128)> = Mutex::new((0, 0));

const RANDOM_MAX: u128 = (1 << 80) - 1;

impl IdGenerator for UlidGenerator {
    fn generate(&self, millis: u64) -> Result<String, String> {
        let mut bytes = [0u8; 10];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| format!("the operating system's random source failed: {e}"))?;
        let fresh = bytes
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut millis, mut random) = (millis.min(MAX_MILLIS), fresh);
        if millis <= last.0 {
            millis = last.0;
            random = last.1 + 1;
            if random > RANDOM_MAX {
                // 2^80 ids in one millisecond cannot happen; move on a millisecond anyway.
                millis = (millis + 1).min(MAX_MILLIS);
                random = fresh;
            }
        }
        *last = (millis, random);
        let bytes: [u8; 10] = std::array::from_fn(|i| (random >> (8 * (9 - i))) as u8);
        Ok(encode(millis, bytes))
    }
}

/// Encodes a time and 80 random bits as a 26-character id.
pub fn encode(millis: u64, random: [u8; 10]) -> String {
    let millis = millis.min(MAX_MILLIS);
    // 128 bits: 48 of time, then 80 of randomness; 26 base32 digits hold 130 bits, so
    // the first digit carries only the top 3 bits (always 0-7).
    let mut value: u128 = u128::from(millis) << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    let mut out = [0u8; ID_LEN];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (ID_LEN - 1 - i);
        *slot = ALPHABET[((value >> shift) & 0x1f) as usize];
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// The time part of an id, in milliseconds since the epoch.
pub fn decode_millis(id: &str) -> Option<u64> {
    if !is_valid(id) {
        return None;
    }
    let mut value: u128 = 0;
    for c in id.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == c)?;
        value = (value << 5) | digit as u128;
    }
    u64::try_from(value >> 80).ok()
}

/// Whether `id` has the shape of a deploy id (26 Crockford characters, first one 0-7).
pub fn is_valid(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|c| ALPHABET.contains(&c)) && id.as_bytes()[0] <= b'7'
}

/// Milliseconds since the epoch, now.
pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        // A clock before 1970 is broken; 0 still yields a valid (if odd) id.
        .unwrap_or(0)
}

/// RFC 3339 in UTC with milliseconds, e.g. `2025-01-31T09:30:00.123Z`: fixed width, so
/// the strings sort like the times they name.
pub fn rfc3339_millis(millis: u64) -> String {
    let secs = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
    let whole = DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned());
    let stem = whole.trim_end_matches('Z');
    format!("{stem}.{:03}Z", millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_keep_the_time() {
        let a = encode(1_700_000_000_000, [0xff; 10]);
        let b = encode(1_700_000_000_001, [0; 10]);
        assert!(a < b, "{a} {b}");
        assert_eq!(a.len(), ID_LEN);
        assert!(is_valid(&a) && is_valid(&b));
        assert_eq!(decode_millis(&a), Some(1_700_000_000_000));
        assert_eq!(decode_millis(&b), Some(1_700_000_000_001));
    }

    #[test]
    fn ids_made_one_after_another_sort_in_that_order() {
        let g = UlidGenerator;
        let now = now_millis();
        // Same millisecond, then a clock that steps back: still strictly increasing.
        let ids: Vec<String> = (0..1000)
            .map(|i| g.generate(if i < 900 { now } else { now - 5_000 }).unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "not increasing");
        assert!(ids
            .iter()
            .all(|id| decode_millis(id).is_some_and(|m| m >= now)));
    }

    #[test]
    fn known_encoding() {
        // The ULID spec's example layout: time 0 and all-zero randomness.
        assert_eq!(encode(0, [0; 10]), "00000000000000000000000000");
        assert_eq!(encode(MAX_MILLIS, [0xff; 10]), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "01H",
            "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "0000000000000000000000000I",
            "0000000000000000000000000a",
        ] {
            assert!(!is_valid(bad), "{bad}");
            assert_eq!(decode_millis(bad), None);
        }
    }

    #[test]
    fn timestamps_have_fixed_width_millis() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_700_000_000_007),
            "2023-11-14T22:13:20.007Z"
        );
    }
}
