//! Ogg (RFC 3533): pages of `OggS`, version 0, header type, 64-bit granule position, serial number,
//! sequence, CRC, and a segment table whose lacing values (< 255 ends a packet) give the body's length.
//! The first logical stream's first packet names the codec: Vorbis (`\x01vorbis`: channels, rate; Vorbis I
//! spec §4.2.2) or Opus (`OpusHead`: channels, pre-skip; RFC 7845 §5.1). Its second packet is the comment
//! header read for a transcript (Vorbis comments; `OpusTags`). Duration: the last granule position of
//! that stream over the rate; for Opus, minus the pre-skip, at 48 kHz (RFC 7845 §4).
//! FLAC, Speex and Theora in Ogg are [`AudioError::Unsupported`]. Pages are read segment by segment
//! (at most 255 bytes at a time), and only the first two packets' bytes are kept, up to [`PACKET_MAX`].

use super::stream::{byte, le, Need, Parser, Pending};
use super::transcript::{vorbis_comments, Best};
use super::{AudioError, AudioInfo};
use crate::rules::AudioFormat;

const FORMAT: AudioFormat = AudioFormat::Ogg;

/// Bytes kept of a header packet; a comment header can carry cover art, the transcript sits in front.
const PACKET_MAX: usize = 16 * 1024;

/// Opus always decodes at 48 kHz (RFC 7845 §4).
const OPUS_RATE: u32 = 48_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Vorbis { sample_rate: u32, channels: u16 },
    Opus { channels: u16, pre_skip: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The 27 fixed bytes of a page header.
    Page,
    /// The segment table of a page of the stream (`ours`) or another.
    Table { ours: bool },
    /// Segment `index` of the current page's table.
    Segment { index: usize },
    /// Skipping the rest of a page body.
    Body,
}

/// The Ogg parser.
#[derive(Debug)]
pub(crate) struct Ogg {
    state: State,
    serial: Option<u32>,
    table: Vec<u8>,
    packet: Vec<u8>,
    packets: u8,
    codec: Option<Codec>,
    last_granule: Option<u64>,
    transcript: Best,
}

impl Ogg {
    /// A parser and its first need (a page header).
    pub(crate) fn start() -> (Self, Need) {
        let ogg = Ogg {
            state: State::Page,
            serial: None,
            table: Vec::new(),
            packet: Vec::new(),
            packets: 0,
            codec: None,
            last_granule: None,
            transcript: Best::default(),
        };
        (ogg, Need::Bytes(27))
    }

    fn page(&mut self) -> Need {
        self.state = State::Page;
        Need::Bytes(27)
    }

    /// The need for segment `index` of the table, or the next page.
    fn segment(&mut self, index: usize) -> Need {
        if self.packets >= 2 {
            let rest: u64 = self.table.iter().skip(index).map(|&l| u64::from(l)).sum();
            self.state = State::Body;
            return Need::Skip(rest);
        }
        match self.table.get(index) {
            Some(&len) => {
                self.state = State::Segment { index };
                Need::Bytes(usize::from(len))
            }
            None => self.page(),
        }
    }

    fn packet_done(&mut self) -> Result<(), AudioError> {
        let p = std::mem::take(&mut self.packet);
        self.packets += 1;
        if self.packets == 1 {
            self.codec = Some(identify(&p)?);
            return Ok(());
        }
        let body = match self.codec {
            Some(Codec::Vorbis { .. }) => p.strip_prefix(b"\x03vorbis"),
            Some(Codec::Opus { .. }) => p.strip_prefix(b"OpusTags"),
            None => None,
        };
        if let Some(body) = body {
            vorbis_comments(body, &mut self.transcript);
        }
        Ok(())
    }
}

fn corrupt(reason: &'static str) -> AudioError {
    AudioError::Corrupt {
        format: FORMAT,
        reason,
    }
}

/// Names the codec from a stream's first packet.
fn identify(p: &[u8]) -> Result<Codec, AudioError> {
    if p.starts_with(b"\x01vorbis") {
        let (channels, sample_rate) = (byte(p, 11), le(p, 12, 4) as u32);
        if p.len() < 30 || channels == 0 || sample_rate == 0 {
            return Err(corrupt("the Vorbis identification header is invalid"));
        }
        return Ok(Codec::Vorbis {
            sample_rate,
            channels: u16::from(channels),
        });
    }
    if p.starts_with(b"OpusHead") {
        let channels = byte(p, 9);
        if p.len() < 19 || channels == 0 {
            return Err(corrupt("the OpusHead header is invalid"));
        }
        return Ok(Codec::Opus {
            channels: u16::from(channels),
            pre_skip: le(p, 10, 2),
        });
    }
    let kind = if p.starts_with(b"\x7fFLAC") {
        "flac in ogg"
    } else if p.starts_with(b"Speex   ") {
        "speex in ogg"
    } else if p.starts_with(b"\x80theora") {
        "theora video in ogg"
    } else {
        "an unknown codec in ogg"
    };
    Err(AudioError::Unsupported { kind })
}

impl Parser for Ogg {
    fn step(&mut self, b: &[u8], _at: u64) -> Result<Need, AudioError> {
        match self.state {
            State::Page => {
                if b.get(..4) != Some(b"OggS") {
                    return Err(corrupt("a page does not start with OggS"));
                }
                if byte(b, 4) != 0 {
                    return Err(corrupt("unknown Ogg page version"));
                }
                let serial = le(b, 14, 4) as u32;
                let ours = *self.serial.get_or_insert(serial) == serial;
                let granule = le(b, 6, 8);
                if ours && granule != u64::MAX {
                    self.last_granule = Some(granule);
                }
                self.state = State::Table { ours };
                Ok(Need::Bytes(usize::from(byte(b, 26))))
            }
            State::Table { ours } => {
                self.table.clear();
                self.table.extend_from_slice(b);
                if ours {
                    Ok(self.segment(0))
                } else {
                    self.state = State::Body;
                    Ok(Need::Skip(b.iter().map(|&l| u64::from(l)).sum()))
                }
            }
            State::Segment { index } => {
                let room = PACKET_MAX.saturating_sub(self.packet.len());
                self.packet.extend(b.iter().take(room));
                if b.len() < 255 {
                    self.packet_done()?;
                }
                Ok(self.segment(index + 1))
            }
            State::Body => Ok(self.page()),
        }
    }

    fn end(self, pending: Pending<'_>, total: u64) -> Result<AudioInfo, AudioError> {
        if pending != Pending::Clean || self.state != State::Page {
            return Err(AudioError::Truncated { format: FORMAT });
        }
        let Some(codec) = self.codec else {
            return Err(AudioError::Truncated { format: FORMAT });
        };
        let (sample_rate, channels, samples) = match codec {
            Codec::Vorbis {
                sample_rate,
                channels,
            } => (sample_rate, channels, self.last_granule),
            Codec::Opus { channels, pre_skip } => (
                OPUS_RATE,
                channels,
                self.last_granule.map(|g| g.saturating_sub(pre_skip)),
            ),
        };
        Ok(AudioInfo {
            format: FORMAT,
            bytes: total,
            duration_secs: samples.map(|s| s as f64 / f64::from(sample_rate)),
            sample_rate: Some(sample_rate),
            channels: Some(channels),
            transcript: self.transcript.into_text(),
        })
    }
}

/// An Ogg page for tests: one stream, the given granule, body split into lacing values.
#[cfg(test)]
pub(crate) fn page(granule: u64, body: &[u8]) -> Vec<u8> {
    let mut lacing: Vec<u8> = vec![255; body.len() / 255];
    lacing.push((body.len() % 255) as u8);
    let mut p = b"OggS\0\0".to_vec();
    p.extend_from_slice(&granule.to_le_bytes());
    p.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    p.push(lacing.len() as u8);
    p.extend(lacing);
    p.extend_from_slice(body);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sniff;

    fn opus(channels: u8, pre_skip: u16, last_granule: u64) -> Vec<u8> {
        let mut head = b"OpusHead\x01".to_vec();
        head.push(channels);
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&[0x80, 0xBB, 0, 0, 0, 0, 0]);
        let mut tags = b"OpusTags\x01\0\0\0v\x01\0\0\0".to_vec();
        tags.extend_from_slice(b"\x0d\0\0\0TRANSCRIPT=hi");
        let mut f = page(0, &head);
        f.extend(page(0, &tags));
        f.extend(page(last_granule, &[0; 300]));
        f
    }

    #[test]
    fn opus_duration_is_the_last_granule_minus_pre_skip_at_48k() {
        let info = sniff(None, &opus(1, 312, 480_312)).expect("opus");
        assert_eq!(info.format, AudioFormat::Ogg);
        assert_eq!(info.duration_secs, Some(10.0));
        assert_eq!((info.sample_rate, info.channels), (Some(48_000), Some(1)));
        assert_eq!(info.transcript.as_deref(), Some("hi"));
    }

    #[test]
    fn vorbis_rate_and_channels_come_from_the_identification_header() {
        let mut id = b"\x01vorbis\0\0\0\0\x02".to_vec();
        id.extend_from_slice(&16_000u32.to_le_bytes());
        id.resize(30, 0);
        let mut f = page(0, &id);
        f.extend(page(0, b"\x03vorbis\0\0\0\0\0\0\0\0\x01"));
        f.extend(page(32_000, &[0; 10]));
        let info = sniff(None, &f).expect("vorbis");
        assert_eq!(info.duration_secs, Some(2.0));
        assert_eq!(info.channels, Some(2));
    }

    #[test]
    fn a_cut_page_is_truncated_and_a_bad_capture_pattern_corrupt() {
        let f = opus(1, 0, 48_000);
        assert_eq!(
            sniff(None, f.get(..f.len() - 1).unwrap_or_default()),
            Err(AudioError::Truncated { format: FORMAT })
        );
        let mut f = opus(1, 0, 48_000);
        f.extend_from_slice(b"OggX\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
    }

    #[test]
    fn flac_in_ogg_is_unsupported() {
        let f = page(0, b"\x7fFLAC\x01\0\0\x01fLaC");
        assert_eq!(
            sniff(None, &f),
            Err(AudioError::Unsupported {
                kind: "flac in ogg"
            })
        );
    }
}
