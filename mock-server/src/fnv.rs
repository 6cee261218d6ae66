//! FNV-1a (64-bit): the one stable, non-cryptographic hash of the house. A voice's pitch, a configured
//! voice's id and an upload's fingerprint all come from it, so they stay the same across runs and builds.

/// The state before anything is taken.
pub(crate) const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The multiplier of each step.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// One step: `state` with `word` (a byte, or 8 bytes read as one little-endian word) taken.
pub(crate) fn step(state: u64, word: u64) -> u64 {
    (state ^ word).wrapping_mul(PRIME)
}

/// The FNV-1a digest of `bytes`, one byte a step.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(OFFSET, |h, b| step(h, u64::from(*b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_published_fnv_1a_test_vectors() {
        // From the FNV reference's test suite (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
