//! ADTS, the self-synchronising framing of raw AAC files (ISO/IEC 13818-7 §6.2, 14496-3 §1.A.2): a 7-byte
//! header (9 with CRC) per frame, giving the sampling frequency index, the channel configuration, the frame
//! length (header included) and how many raw data blocks of 1024 samples the frame carries.

use super::stream::{be, byte};

/// ADTS sampling frequencies by index (14496-3 Table 1.18); 13–15 are reserved.
const RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

/// One parsed ADTS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AdtsHeader {
    pub(crate) sample_rate: u32,
    /// From the channel configuration; `None` for 0 (configuration given in-band).
    pub(crate) channels: Option<u16>,
    /// Whole frame, header included.
    pub(crate) frame_len: usize,
    pub(crate) samples: u32,
}

/// Whether two bytes start an ADTS header: 12-bit sync and layer `00` (MPEG audio never uses layer 00,
/// so this also tells ADTS from MP3).
pub(crate) fn is_sync(b0: u8, b1: u8) -> bool {
    b0 == 0xFF && b1 & 0xF6 == 0xF0
}

/// Parses a 7-byte header; `None` unless every field is valid.
pub(crate) fn parse(h: &[u8]) -> Option<AdtsHeader> {
    if h.len() < 7 || !is_sync(byte(h, 0), byte(h, 1)) {
        return None;
    }
    let protection_absent = byte(h, 1) & 1 == 1;
    let sample_rate = *RATES.get(usize::from((byte(h, 2) >> 2) & 0xF))?;
    let config = ((byte(h, 2) & 1) << 2) | (byte(h, 3) >> 6);
    let frame_len = usize::try_from((be(h, 3, 3) >> 5) & 0x1FFF).ok()?;
    let header_len = if protection_absent { 7 } else { 9 };
    if frame_len < header_len {
        return None;
    }
    let blocks = u32::from(byte(h, 6) & 3) + 1;
    Some(AdtsHeader {
        sample_rate,
        channels: match config {
            0 => None,
            7 => Some(8),
            n => Some(u16::from(n)),
        },
        frame_len,
        samples: blocks * 1024,
    })
}

impl AdtsHeader {
    /// Whether another frame belongs to the same stream (same sampling frequency).
    pub(crate) fn same_stream(&self, other: &AdtsHeader) -> bool {
        self.sample_rate == other.sample_rate
    }
}

/// A header for tests: mono AAC-LC at `rate_index`, `frame_len` bytes.
#[cfg(test)]
pub(crate) fn header(rate_index: u8, frame_len: u16) -> [u8; 7] {
    let len = u32::from(frame_len);
    [
        0xFF,
        0xF1,
        0x40 | (rate_index << 2),
        0x40 | ((len >> 11) & 3) as u8,
        ((len >> 3) & 0xFF) as u8,
        (((len & 7) << 5) as u8) | 0x1F,
        0xFC,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_from_the_bit_positions_of_the_spec() {
        let h = parse(&header(8, 300)).expect("valid header");
        assert_eq!(h.sample_rate, 16_000);
        assert_eq!(h.channels, Some(1));
        assert_eq!((h.frame_len, h.samples), (300, 1024));
    }

    #[test]
    fn reserved_rates_and_short_frames_are_refused() {
        assert_eq!(parse(&header(13, 300)), None);
        assert_eq!(parse(&header(8, 6)), None);
        assert_eq!(parse(&header(8, 300)[..6]), None);
        assert!(!is_sync(0xFF, 0xFB), "an MP3 header is not ADTS");
    }
}
