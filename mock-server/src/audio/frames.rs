//! Frame-chained streams: MP3 ([`super::mp3`]) and ADTS AAC ([`super::adts`]), each optionally after
//! ID3v2 tags ([`super::id3`]) and before trailing ID3v1 (`TAG`, 128 bytes), APEv2 or ID3v2 tags.
//!
//! Every frame header says how long its frame is, so the parser hops from header to header, skipping the
//! payload. Without a leading ID3 tag, sync bytes alone are weak evidence (raw samples can start with
//! `FF Fx`): the bytes count as MP3/AAC only once a second frame header follows the first where its length
//! says, or the file ends exactly after the first frame; failing that they are
//! [`AudioError::Unrecognised`]. After that, a header that is not where the chain puts it is
//! [`AudioError::Corrupt`], and a frame cut short by the end of the file is [`AudioError::Truncated`].
//! Duration: a Xing/Info/VBRI frame count if the first frame carries one, else the sum of every frame's
//! samples (1152 or 576 per MP3 frame, 1024 per ADTS raw data block), over the sample rate.

use super::adts::{self, AdtsHeader};
use super::id3::{self, Walk, Walked};
use super::mp3::{self, MpegHeader};
use super::stream::{le, Need, Parser, Pending};
use super::transcript::Best;
use super::{AudioError, AudioInfo};
use crate::rules::AudioFormat;

/// Zero bytes tolerated between a leading ID3 tag and the first frame (padding some taggers add).
const MAX_PADDING: u64 = 64 * 1024;

#[derive(Debug, Clone)]
enum State {
    /// The 10-byte header of an ID3v2 tag whose first 4 bytes (`have`) are already read, if `have` is
    /// non-empty.
    Id3Header { have: [u8; 4], leading: bool },
    /// Inside an ID3v2 tag.
    Id3(Walk),
    /// A frame header, of which `len` bytes are in `have`.
    Header { have: [u8; 4], len: usize },
    /// The last 3 bytes of an ADTS header.
    AdtsRest { head: [u8; 4] },
    /// The rest of the first MPEG frame, searched for a Xing/Info/VBRI header.
    FirstFrame { header: MpegHeader, head: [u8; 4] },
    /// Skipping a frame's payload.
    Body,
    /// Skipping a trailing tag.
    TrailTag,
    /// The 28 bytes after `APET` of an APEv2 header or footer.
    Ape,
    /// Zero bytes after the last frame.
    TrailingZeros,
}

#[derive(Debug, Clone, Copy)]
enum First {
    Mpeg(MpegHeader),
    Adts(AdtsHeader),
}

/// The MP3/ADTS parser.
#[derive(Debug)]
pub(crate) struct Frames {
    state: State,
    id3_seen: bool,
    first: Option<First>,
    frames_seen: u64,
    samples: u64,
    info_frames: Option<u64>,
    padding: u64,
    transcript: Best,
}

impl Frames {
    /// A parser and its first need; `head` is the start of the upload.
    pub(crate) fn start(head: &[u8]) -> (Self, Need) {
        let leading_tag = head.starts_with(b"ID3");
        let state = if leading_tag {
            State::Id3Header {
                have: [0; 4],
                leading: true,
            }
        } else {
            State::Header {
                have: [0; 4],
                len: 0,
            }
        };
        let parser = Frames {
            state,
            id3_seen: false,
            first: None,
            frames_seen: 0,
            samples: 0,
            info_frames: None,
            padding: 0,
            transcript: Best::default(),
        };
        (parser, Need::Bytes(if leading_tag { 10 } else { 4 }))
    }

    fn format(&self) -> AudioFormat {
        match self.first {
            Some(First::Adts(_)) => AudioFormat::Aac,
            _ => AudioFormat::Mp3,
        }
    }

    fn confirmed(&self) -> bool {
        self.id3_seen || self.frames_seen >= 2
    }

    fn header(&mut self) -> Need {
        self.state = State::Header {
            have: [0; 4],
            len: 0,
        };
        Need::Bytes(4)
    }

    /// Where a frame was expected and none is.
    fn broken(&self) -> AudioError {
        if self.frames_seen == 0 && self.id3_seen {
            AudioError::Corrupt {
                format: AudioFormat::Mp3,
                reason: "no audio frame follows the ID3 tag",
            }
        } else if self.confirmed() {
            AudioError::Corrupt {
                format: self.format(),
                reason: "the frame chain breaks: a header is not where the previous frame ends",
            }
        } else {
            AudioError::Unrecognised
        }
    }

    fn truncated(&self) -> AudioError {
        if self.confirmed() {
            AudioError::Truncated {
                format: self.format(),
            }
        } else {
            AudioError::Unrecognised
        }
    }

    fn id3(&mut self, walked: Walked) -> Need {
        match walked {
            Walked::Need(need) => need,
            Walked::Done => self.header(),
        }
    }

    fn on_header(&mut self, h: [u8; 4]) -> Result<Need, AudioError> {
        let [b0, b1, ..] = h;
        if adts::is_sync(b0, b1) {
            self.state = State::AdtsRest { head: h };
            return Ok(Need::Bytes(3));
        }
        if let Some(m) = mp3::parse(&h) {
            let rest = m.frame_len.saturating_sub(4);
            return match self.first {
                None => {
                    self.first = Some(First::Mpeg(m));
                    self.state = State::FirstFrame { header: m, head: h };
                    Ok(Need::Bytes(rest))
                }
                Some(First::Mpeg(f)) if f.same_stream(&m) => {
                    self.count(m.samples);
                    self.state = State::Body;
                    Ok(Need::Skip(rest as u64))
                }
                Some(_) => Err(self.broken()),
            };
        }
        if self.frames_seen == 0 {
            return match &h {
                [b'I', b'D', b'3', _] if self.id3_seen => {
                    self.state = State::Id3Header {
                        have: h,
                        leading: true,
                    };
                    Ok(Need::Bytes(6))
                }
                [b'f', b'L', b'a', b'C'] if self.id3_seen => {
                    Err(AudioError::Unsupported { kind: "flac" })
                }
                _ => Err(self.broken()),
            };
        }
        match &h {
            [b'T', b'A', b'G', _] => {
                self.state = State::TrailTag;
                Ok(Need::Skip(124))
            }
            [b'A', b'P', b'E', b'T'] => {
                self.state = State::Ape;
                Ok(Need::Bytes(28))
            }
            [b'I', b'D', b'3', _] => {
                self.state = State::Id3Header {
                    have: h,
                    leading: false,
                };
                Ok(Need::Bytes(6))
            }
            [0, 0, 0, 0] => {
                self.state = State::TrailingZeros;
                Ok(Need::Bytes(256))
            }
            _ => Err(self.broken()),
        }
    }

    fn count(&mut self, samples: u32) {
        self.frames_seen += 1;
        self.samples += u64::from(samples);
    }

    fn info(&self) -> Result<AudioInfo, AudioError> {
        let (rate, channels, per_frame) = match self.first {
            None => return Err(self.broken()),
            Some(First::Mpeg(m)) if m.layer != 3 => {
                return Err(AudioError::Unsupported {
                    kind: "mpeg audio layer I/II",
                })
            }
            Some(First::Mpeg(m)) => (m.sample_rate, Some(m.channels), m.samples),
            Some(First::Adts(a)) => (a.sample_rate, a.channels, 1024),
        };
        let samples = self
            .info_frames
            .map_or(self.samples, |n| n * u64::from(per_frame));
        Ok(AudioInfo {
            format: self.format(),
            bytes: 0,
            duration_secs: Some(samples as f64 / f64::from(rate)),
            sample_rate: Some(rate),
            channels,
            transcript: self.transcript.clone().into_text(),
        })
    }
}

impl Parser for Frames {
    fn step(&mut self, b: &[u8], _at: u64) -> Result<Need, AudioError> {
        let state = std::mem::replace(&mut self.state, State::Body);
        match state {
            State::Id3Header { have, leading } => {
                let mut full = Vec::with_capacity(10);
                if have != [0; 4] {
                    full.extend_from_slice(&have);
                }
                full.extend_from_slice(b);
                let Some(tag) = id3::tag_header(&full) else {
                    return Err(if leading && !self.id3_seen {
                        AudioError::Unrecognised
                    } else {
                        self.broken()
                    });
                };
                self.id3_seen |= leading;
                let (walk, walked) = Walk::start(tag);
                self.state = State::Id3(walk);
                Ok(self.id3(walked))
            }
            State::Id3(mut walk) => {
                let walked = walk.step(b, &mut self.transcript);
                self.state = State::Id3(walk);
                Ok(self.id3(walked))
            }
            State::Header { mut have, len } => {
                let mut h = [0u8; 4];
                for (slot, byte) in h.iter_mut().zip(have.iter().take(len).chain(b)) {
                    *slot = *byte;
                }
                if self.frames_seen == 0 && self.id3_seen && h[0] == 0 {
                    match h.iter().position(|&x| x != 0) {
                        None => {
                            self.padding += 4;
                            if self.padding > MAX_PADDING {
                                return Err(self.broken());
                            }
                            return Ok(self.header());
                        }
                        Some(i) => {
                            self.padding += i as u64;
                            have = [0; 4];
                            for (slot, byte) in have.iter_mut().zip(h.iter().skip(i)) {
                                *slot = *byte;
                            }
                            self.state = State::Header { have, len: 4 - i };
                            return Ok(Need::Bytes(i));
                        }
                    }
                }
                self.on_header(h)
            }
            State::AdtsRest { head } => {
                let mut full = head.to_vec();
                full.extend_from_slice(b);
                let a = adts::parse(&full).ok_or_else(|| self.broken())?;
                match self.first {
                    None => self.first = Some(First::Adts(a)),
                    Some(First::Adts(f)) if f.same_stream(&a) => {}
                    Some(_) => return Err(self.broken()),
                }
                self.count(a.samples);
                self.state = State::Body;
                Ok(Need::Skip(a.frame_len.saturating_sub(7) as u64))
            }
            State::FirstFrame { header, head } => {
                let mut frame = head.to_vec();
                frame.extend_from_slice(b);
                match header.info_frame(&frame) {
                    Some(count) => {
                        self.frames_seen += 1;
                        self.info_frames = count;
                    }
                    None => self.count(header.samples),
                }
                Ok(self.header())
            }
            State::Body | State::TrailTag => Ok(self.header()),
            State::Ape => {
                if b.get(..4) != Some(b"AGEX") {
                    return Err(self.broken());
                }
                let is_header = le(b, 16, 4) & 0x2000_0000 != 0;
                if is_header {
                    self.state = State::TrailTag;
                    Ok(Need::Skip(le(b, 8, 4)))
                } else {
                    Ok(self.header())
                }
            }
            State::TrailingZeros => {
                if b.iter().any(|&x| x != 0) {
                    return Err(self.broken());
                }
                self.state = State::TrailingZeros;
                Ok(Need::Bytes(256))
            }
        }
    }

    fn end(self, pending: Pending<'_>, total: u64) -> Result<AudioInfo, AudioError> {
        let partial = match pending {
            Pending::Partial(b) => b,
            _ => &[],
        };
        let clean = match &self.state {
            State::Header { have, len } => have.iter().take(*len).chain(partial).all(|&x| x == 0),
            State::TrailingZeros if partial.iter().any(|&x| x != 0) => return Err(self.broken()),
            State::TrailingZeros | State::TrailTag | State::Ape => true,
            State::Id3Header { leading, .. } => !leading,
            State::Id3(_) => self.frames_seen > 0,
            State::Body => pending == Pending::Clean,
            State::AdtsRest { .. } | State::FirstFrame { .. } => false,
        };
        if !clean {
            if self.frames_seen == 0 && self.id3_seen {
                return Err(AudioError::Truncated {
                    format: AudioFormat::Mp3,
                });
            }
            return Err(self.truncated());
        }
        let mut info = self.info()?;
        info.bytes = total;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sniff;

    /// `n` MPEG-2 layer III frames, 24 kHz mono 32 kbit/s (96 bytes, 576 samples each).
    fn mp3_frames(n: usize) -> Vec<u8> {
        let mut frame = vec![0u8; 96];
        frame.splice(..4, [0xFF, 0xF3, 0x44, 0xC4]);
        frame.repeat(n)
    }

    fn adts_frames(n: usize) -> Vec<u8> {
        let mut frame = adts::header(6, 100).to_vec();
        frame.resize(100, 0);
        frame.repeat(n)
    }

    #[test]
    fn mp3_duration_is_summed_over_frames() {
        let info = sniff(None, &mp3_frames(250)).expect("mp3");
        assert_eq!(info.format, AudioFormat::Mp3);
        assert_eq!(info.duration_secs, Some(6.0));
        assert_eq!((info.sample_rate, info.channels), (Some(24_000), Some(1)));
    }

    #[test]
    fn a_xing_frame_count_is_the_duration_and_not_a_frame() {
        let mut f = mp3_frames(10);
        // MPEG-2 mono: Xing after 4 + 9 bytes; flags: frame count present; count 250.
        f.splice(13..25, *b"Xing\0\0\0\x01\0\0\0\xFA");
        let info = sniff(None, &f).expect("mp3");
        assert_eq!(info.duration_secs, Some(6.0));
    }

    #[test]
    fn id3_tags_around_the_frames_are_passed_over() {
        let mut f = id3::tag(&[(b"TXXX", b"\x03transcript\0hello there")]);
        f.extend_from_slice(&[0; 7]);
        f.extend(mp3_frames(3));
        let mut v1 = b"TAG".to_vec();
        v1.resize(128, b' ');
        f.extend(v1);
        let info = sniff(None, &f).expect("tagged mp3");
        assert_eq!(info.transcript.as_deref(), Some("hello there"));
        assert_eq!(info.duration_secs, Some(3.0 * 576.0 / 24_000.0));
    }

    #[test]
    fn adts_frames_count_1024_samples_each() {
        let info = sniff(None, &adts_frames(48)).expect("adts");
        assert_eq!(info.format, AudioFormat::Aac);
        assert_eq!(info.duration_secs, Some(2.048));
        assert_eq!(info.channels, Some(1));
    }

    #[test]
    fn a_break_in_the_chain_is_corrupt_and_a_cut_frame_truncated() {
        let mut f = mp3_frames(5);
        f.splice(200..200, *b"junk");
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
        let f = mp3_frames(5);
        assert_eq!(
            sniff(None, f.get(..450).unwrap_or_default()),
            Err(AudioError::Truncated {
                format: AudioFormat::Mp3
            })
        );
    }

    #[test]
    fn a_lone_sync_word_is_not_audio() {
        let mut f = vec![0xFF, 0xF3, 0x44, 0xC4];
        f.resize(300, 7);
        assert_eq!(sniff(None, &f), Err(AudioError::Unrecognised));
        assert_eq!(
            sniff(None, &[0xFF, 0xF1, 0, 0]),
            Err(AudioError::Unrecognised)
        );
    }

    #[test]
    fn an_id3_tag_alone_or_before_flac() {
        let tag = id3::tag(&[]);
        assert!(matches!(sniff(None, &tag), Err(AudioError::Corrupt { .. })));
        let mut f = tag.clone();
        f.extend_from_slice(b"fLaC\0\0\0\x22");
        assert_eq!(
            sniff(None, &f),
            Err(AudioError::Unsupported { kind: "flac" })
        );
        assert_eq!(
            sniff(None, tag.get(..tag.len() - 1).unwrap_or_default()),
            Err(AudioError::Truncated {
                format: AudioFormat::Mp3
            })
        );
    }
}
