//! MPEG-1/2/2.5 audio frame headers (ISO/IEC 11172-3 §2.4.2.3, 13818-3; the ".5" extension by
//! Fraunhofer) and the Xing/Info and VBRI frames encoders put first to give the frame count.

use super::stream::{be, byte};

/// One parsed MPEG audio frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MpegHeader {
    /// 1 for MPEG-1, 2 for MPEG-2, 25 for MPEG-2.5.
    pub(crate) version: u8,
    /// 1, 2 or 3.
    pub(crate) layer: u8,
    pub(crate) sample_rate: u32,
    pub(crate) channels: u16,
    /// Whole frame, header included.
    pub(crate) frame_len: usize,
    pub(crate) samples: u32,
}

/// kbit/s by [row][index]; rows: MPEG-1 layer I, II, III, then MPEG-2/2.5 layer I, layers II & III.
const BITRATES: [[u16; 15]; 5] = [
    [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ],
    [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ],
    [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
    ],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/// Parses a 4-byte frame header; `None` unless every field is valid. Free-format (bitrate index 0) is
/// refused: its frame length cannot be computed from the header.
pub(crate) fn parse(h: &[u8]) -> Option<MpegHeader> {
    let (b1, b2, b3) = (byte(h, 1), byte(h, 2), byte(h, 3));
    if byte(h, 0) != 0xFF || b1 & 0xE0 != 0xE0 || h.len() < 4 {
        return None;
    }
    let version = match (b1 >> 3) & 3 {
        0 => 25,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let layer = match (b1 >> 1) & 3 {
        1 => 3,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let bitrate_index = usize::from(b2 >> 4);
    let rate_index = usize::from((b2 >> 2) & 3);
    if bitrate_index == 0 || b3 & 3 == 2 {
        return None;
    }
    let row = match (version, layer) {
        (1, l) => usize::from(l) - 1,
        (_, 1) => 3,
        _ => 4,
    };
    let kbps = u32::from(*BITRATES.get(row)?.get(bitrate_index)?);
    let base = *[44_100u32, 48_000, 32_000].get(rate_index)?;
    let sample_rate = match version {
        1 => base,
        2 => base / 2,
        _ => base / 4,
    };
    let padding = u32::from((b2 >> 1) & 1);
    let bps = kbps * 1000;
    let (frame_len, samples) = match (layer, version) {
        (1, _) => ((12 * bps / sample_rate + padding) * 4, 384),
        (2, _) | (3, 1) => (144 * bps / sample_rate + padding, 1152),
        _ => (72 * bps / sample_rate + padding, 576),
    };
    Some(MpegHeader {
        version,
        layer,
        sample_rate,
        channels: if b3 >> 6 == 3 { 1 } else { 2 },
        frame_len: usize::try_from(frame_len).ok()?,
        samples,
    })
}

impl MpegHeader {
    /// Whether another frame belongs to the same stream (a changed version, layer or rate breaks it).
    pub(crate) fn same_stream(&self, other: &MpegHeader) -> bool {
        (self.version, self.layer, self.sample_rate)
            == (other.version, other.layer, other.sample_rate)
    }

    /// Reads a Xing/Info (LAME) or VBRI (Fraunhofer) header in this first frame: `None` for an ordinary
    /// audio frame, else `Some(frame count)` (the count is optional in Xing). Xing sits after the side
    /// information (17/32 bytes for MPEG-1, 9/17 otherwise, mono/other); flag bit 0 announces the u32 BE
    /// frame count after the flags. VBRI sits at byte 36, its frame count at +14.
    pub(crate) fn info_frame(&self, frame: &[u8]) -> Option<Option<u64>> {
        let side = match (self.version, self.channels) {
            (1, 1) => 17,
            (1, _) => 32,
            (_, 1) => 9,
            _ => 17,
        };
        let xing = 4 + side;
        if matches!(frame.get(xing..xing + 4), Some(b"Xing" | b"Info")) {
            let has_count = be(frame, xing + 4, 4) & 1 == 1;
            return Some(has_count.then(|| be(frame, xing + 8, 4)));
        }
        (frame.get(36..40) == Some(b"VBRI")).then(|| Some(be(frame, 36 + 14, 4)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_128k_44k1_mpeg1_layer3_frame_is_417_bytes() {
        let h = parse(&[0xFF, 0xFB, 0x90, 0x64]).expect("valid header");
        assert_eq!((h.version, h.layer, h.sample_rate), (1, 3, 44_100));
        assert_eq!((h.frame_len, h.samples, h.channels), (417, 1152, 2));
    }

    #[test]
    fn mpeg2_and_2_5_halve_and_quarter_the_rate() {
        let h = parse(&[0xFF, 0xF3, 0x44, 0xC4]).expect("MPEG-2 L3 32k 24kHz mono");
        assert_eq!(
            (h.version, h.sample_rate, h.samples, h.channels),
            (2, 24_000, 576, 1)
        );
        assert_eq!(h.frame_len, 96);
        let h = parse(&[0xFF, 0xE3, 0x10, 0xC4]).expect("MPEG-2.5 L3 8k 11025Hz");
        assert_eq!((h.version, h.sample_rate), (25, 11_025));
    }

    #[test]
    fn reserved_and_free_format_fields_are_refused() {
        assert_eq!(
            parse(&[0xFF, 0xEB, 0x90, 0x64]),
            None,
            "version 01 is reserved"
        );
        assert_eq!(
            parse(&[0xFF, 0xF9, 0x90, 0x64]),
            None,
            "layer 00 is reserved"
        );
        assert_eq!(parse(&[0xFF, 0xFB, 0x00, 0x64]), None, "free format");
        assert_eq!(parse(&[0xFF, 0xFB, 0xF0, 0x64]), None, "bitrate index 15");
        assert_eq!(parse(&[0xFF, 0xFB, 0x9C, 0x64]), None, "rate index 3");
        assert_eq!(parse(&[0xFF, 0xFB, 0x90]), None, "short");
    }

    #[test]
    fn xing_and_vbri_frame_counts_are_read() {
        let h = parse(&[0xFF, 0xFB, 0x90, 0xC4]).expect("mono MPEG-1");
        let mut frame = vec![0u8; 200];
        frame.splice(21..33, *b"Xing\0\0\0\x01\0\0\x01\x00");
        assert_eq!(h.info_frame(&frame), Some(Some(256)));
        let mut frame = vec![0u8; 200];
        frame.splice(36..40, *b"VBRI");
        frame.splice(50..54, [0, 0, 0, 9]);
        assert_eq!(h.info_frame(&frame), Some(Some(9)));
        assert_eq!(h.info_frame(&[0; 10]), None);
    }
}
