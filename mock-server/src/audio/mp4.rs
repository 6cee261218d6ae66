//! M4A: an ISO base media file (ISO/IEC 14496-12 §4.2, §8): boxes of u32 BE size (1: a u64 size follows;
//! 0: to the end of the enclosing box) and a four-character type, `ftyp` first. The parser descends only
//! into the boxes on the way to what it reads: `moov/mvhd` (timescale, duration), each `trak`'s
//! `mdia/mdhd` (its timescale and duration), `mdia/hdlr` (`soun` for audio) and `stbl/stsd` (codec,
//! rate, channels of the first sample entry), and the iTunes metadata `moov/udta/meta/ilst` items
//! `©lyr` and `©cmt` for a transcript. Everything else, `mdat` above all, is skipped unread, wherever `moov`
//! is (before or after `mdat`). Damage inside `udta` (free-form metadata) is skipped, not fatal.
//!
//! AAC (`mp4a`) and Apple Lossless (`alac`) tracks are M4A; other codecs (AMR in 3GP, Opus, FLAC, AC-3)
//! are [`AudioError::Unsupported`], as is a file without an audio track. HEIF/AVIF images (also ISO-BMFF)
//! are [`AudioError::Unrecognised`].

use super::stream::{be, Need, Parser, Pending};
use super::transcript::{Best, Rank, TRANSCRIPT_MAX_BYTES};
use super::{AudioError, AudioInfo};
use crate::rules::AudioFormat;

const FORMAT: AudioFormat = AudioFormat::M4a;

/// Nesting deeper than this is skipped (real files nest 7 deep to reach `stsd`).
const MAX_DEPTH: usize = 12;

/// Major brands of ISO-BMFF still images.
const IMAGE_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// An 8-byte box header.
    Header,
    /// The 64-bit size after a header of size 1.
    LargeSize { kind: [u8; 4], start: u64 },
    /// The first bytes of a box read whole (up to a cap), then `skip` more bytes.
    Leaf { kind: [u8; 4], skip: u64 },
    /// The version and flags of a `meta` box that ends at `end`.
    MetaVersion { end: Option<u64> },
    /// Skipping.
    Skipped,
    /// Reading to the end of the file (a box of size 0 at top level).
    ToEnd,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    kind: [u8; 4],
    /// `None`: to the end of the file.
    end: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Track {
    handler: Option<[u8; 4]>,
    /// (timescale, duration) of `mdhd`.
    media: Option<(u64, u64)>,
    /// (codec, channels, rate) of the first `stsd` entry.
    entry: Option<([u8; 4], u16, u32)>,
}

/// The ISO-BMFF parser.
#[derive(Debug)]
pub(crate) struct Mp4 {
    state: State,
    pos: u64,
    open: Vec<Open>,
    moov: bool,
    movie: Option<(u64, u64)>,
    track: Track,
    audio: Option<Track>,
    transcript: Best,
}

fn corrupt(reason: &'static str) -> AudioError {
    AudioError::Corrupt {
        format: FORMAT,
        reason,
    }
}

impl Mp4 {
    /// A parser and its first need (a box header).
    pub(crate) fn start() -> (Self, Need) {
        let mp4 = Mp4 {
            state: State::Header,
            pos: 0,
            open: Vec::new(),
            moov: false,
            movie: None,
            track: Track::default(),
            audio: None,
            transcript: Best::default(),
        };
        (mp4, Need::Bytes(8))
    }

    /// Inside free-form metadata, where damage is skipped rather than fatal.
    fn lenient(&self) -> bool {
        self.open.iter().any(|o| &o.kind == b"udta")
    }

    fn close(&mut self, o: Open) {
        if &o.kind == b"trak" {
            let track = std::mem::take(&mut self.track);
            if self.audio.is_none() && track.handler == Some(*b"soun") {
                self.audio = Some(track);
            }
        }
    }

    /// Closes the boxes that end here, then asks for the next header.
    fn next(&mut self) -> Result<Need, AudioError> {
        while let Some(o) = self.open.last().copied() {
            let Some(end) = o.end else { break };
            if end > self.pos {
                let left = end - self.pos;
                if left >= 8 {
                    break;
                }
                if !self.lenient() {
                    return Err(corrupt("a box ends inside a box header"));
                }
                self.state = State::Skipped;
                return Ok(Need::Skip(left));
            }
            self.open.pop();
            self.close(o);
        }
        self.state = State::Header;
        Ok(Need::Bytes(8))
    }

    fn skip(&mut self, n: u64) -> Result<Need, AudioError> {
        if n == 0 {
            return self.next();
        }
        self.state = State::Skipped;
        Ok(Need::Skip(n))
    }

    fn parent_kind(&self) -> Option<[u8; 4]> {
        self.open.last().map(|o| o.kind)
    }

    /// A box of `kind` whose body starts at `self.pos` and ends at `end`.
    fn open_box(&mut self, kind: [u8; 4], start: u64, size: u64) -> Result<Need, AudioError> {
        let parent_end = self.open.last().and_then(|o| o.end);
        let end = match size {
            0 => parent_end,
            s if s < self.pos - start => {
                if self.lenient() {
                    return self.skip(parent_end.map_or(0, |e| e.saturating_sub(self.pos)));
                }
                return Err(corrupt("a box is smaller than its header"));
            }
            s => Some(start.saturating_add(s)),
        };
        if let (Some(e), Some(p)) = (end, parent_end) {
            if e > p {
                if self.lenient() {
                    return self.skip(p.saturating_sub(self.pos));
                }
                return Err(corrupt("a box overflows the box that contains it"));
            }
        }
        let body = end.map(|e| e - self.pos);
        let parent = self.parent_kind();
        let container = matches!(
            &kind,
            b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"udta" | b"ilst"
        ) || (parent == Some(*b"ilst") && matches!(&kind, b"\xa9cmt" | b"\xa9lyr"));
        if &kind == b"moov" {
            self.moov = true;
        }
        let depth_ok = self.open.len() < MAX_DEPTH;
        if container && depth_ok {
            self.open.push(Open { kind, end });
            return self.next();
        }
        if &kind == b"meta" && depth_ok {
            self.state = State::MetaVersion { end };
            return Ok(Need::Bytes(4));
        }
        let cap = match &kind {
            b"ftyp" => 4,
            b"mvhd" | b"mdhd" => 32,
            b"hdlr" => 12,
            b"stsd" => 44,
            b"data" if matches!(parent, Some(k) if &k == b"\xa9cmt" || &k == b"\xa9lyr") => {
                8 + TRANSCRIPT_MAX_BYTES as u64
            }
            _ => 0,
        };
        match body {
            None if cap == 0 => {
                self.state = State::ToEnd;
                Ok(Need::Rest)
            }
            None => Err(corrupt("a header box runs to the end of the file")),
            Some(body) if cap == 0 || body > cap && &kind == b"data" => self.skip(body),
            Some(body) => {
                let now = body.min(cap);
                self.state = State::Leaf {
                    kind,
                    skip: body - now,
                };
                Ok(Need::Bytes(now as usize))
            }
        }
    }

    fn leaf(&mut self, kind: [u8; 4], b: &[u8]) -> Result<(), AudioError> {
        let (v1, parent) = (b.first() == Some(&1), self.parent_kind());
        let times = || {
            if v1 {
                (be(b, 20, 4), be(b, 24, 8))
            } else {
                (be(b, 12, 4), be(b, 16, 4))
            }
        };
        match &kind {
            b"ftyp" if IMAGE_BRANDS.iter().any(|brand| b == *brand) => {
                return Err(AudioError::Unrecognised)
            }
            b"mvhd" => self.movie = Some(times()),
            b"mdhd" => self.track.media = Some(times()),
            b"hdlr" if parent == Some(*b"mdia") => {
                self.track.handler = b.get(8..12).and_then(|h| h.try_into().ok());
            }
            b"stsd" if self.track.entry.is_none() && b.len() >= 44 => {
                let codec = b
                    .get(12..16)
                    .and_then(|c| c.try_into().ok())
                    .unwrap_or([0; 4]);
                self.track.entry = Some((codec, be(b, 32, 2) as u16, (be(b, 40, 4) >> 16) as u32));
            }
            b"data" => {
                let rank = if parent == Some(*b"\xa9lyr") {
                    Rank::Lyrics
                } else {
                    Rank::Comment
                };
                let text = String::from_utf8_lossy(b.get(8..).unwrap_or_default());
                self.transcript.offer(rank, &text);
            }
            _ => {}
        }
        Ok(())
    }

    fn verdict(&self, total: u64) -> Result<AudioInfo, AudioError> {
        if !self.moov {
            return Err(corrupt("there is no moov box"));
        }
        let Some(track) = self.audio else {
            return Err(AudioError::Unsupported {
                kind: "mp4 without an audio track",
            });
        };
        let Some((codec, channels, rate)) = track.entry else {
            return Err(corrupt("the audio track has no sample description"));
        };
        let kind = match &codec {
            b"mp4a" | b"alac" => None,
            b"Opus" => Some("opus in mp4"),
            b"fLaC" => Some("flac in mp4"),
            b"samr" | b"sawb" => Some("amr in 3gp/mp4"),
            b"ac-3" | b"ec-3" => Some("ac-3 in mp4"),
            _ => Some("an unknown codec in mp4"),
        };
        if let Some(kind) = kind {
            return Err(AudioError::Unsupported { kind });
        }
        let seconds = |(scale, duration): (u64, u64)| {
            let unknown = duration == 0 || duration == u64::from(u32::MAX) || duration == u64::MAX;
            (scale > 0 && !unknown).then(|| duration as f64 / scale as f64)
        };
        let duration_secs = track
            .media
            .and_then(seconds)
            .or_else(|| self.movie.and_then(seconds));
        Ok(AudioInfo {
            format: FORMAT,
            bytes: total,
            duration_secs,
            sample_rate: Some(rate)
                .filter(|&r| r > 0)
                .or_else(|| track.media.and_then(|(scale, _)| u32::try_from(scale).ok())),
            // For AAC the entry's channelcount is a template value (ISO/IEC 14496-14 §5.6: 2); the real
            // count sits in the esds decoder configuration, which is not read.
            channels: Some(channels).filter(|&c| c > 0 && &codec != b"mp4a"),
            transcript: self.transcript.clone().into_text(),
        })
    }
}

impl Parser for Mp4 {
    fn step(&mut self, b: &[u8], at: u64) -> Result<Need, AudioError> {
        self.pos = at + b.len() as u64;
        match self.state {
            State::Header => {
                let kind: [u8; 4] = b
                    .get(4..8)
                    .and_then(|k| k.try_into().ok())
                    .unwrap_or([0; 4]);
                match be(b, 0, 4) {
                    1 => {
                        self.state = State::LargeSize { kind, start: at };
                        Ok(Need::Bytes(8))
                    }
                    0 if !self.open.is_empty() && !self.lenient() => {
                        Err(corrupt("a nested box has size 0"))
                    }
                    size => self.open_box(kind, at, size),
                }
            }
            State::LargeSize { kind, start } => self.open_box(kind, start, be(b, 0, 8).max(1)),
            State::Leaf { kind, skip } => {
                self.leaf(kind, b)?;
                self.skip(skip)
            }
            State::MetaVersion { end } => {
                if b != [0, 0, 0, 0] {
                    // A QuickTime-style `meta` without version and flags: not read.
                    return self.skip(end.map_or(0, |e| e.saturating_sub(self.pos)));
                }
                self.open.push(Open {
                    kind: *b"meta",
                    end,
                });
                self.next()
            }
            State::Skipped => self.next(),
            State::ToEnd => Ok(Need::Rest),
        }
    }

    fn end(mut self, pending: Pending<'_>, total: u64) -> Result<AudioInfo, AudioError> {
        let at_boundary = match self.state {
            State::Header | State::ToEnd => pending == Pending::Clean,
            _ => false,
        };
        if !at_boundary {
            return Err(AudioError::Truncated { format: FORMAT });
        }
        self.pos = total;
        while let Some(o) = self.open.pop() {
            if o.end.is_some_and(|e| e > total) {
                return Err(AudioError::Truncated { format: FORMAT });
            }
            self.close(o);
        }
        self.verdict(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sniff;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(body.len() + 8)
            .unwrap_or(0)
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    fn mdhd(scale: u32, duration: u32) -> Vec<u8> {
        let mut body = vec![0u8; 12];
        body.extend_from_slice(&scale.to_be_bytes());
        body.extend_from_slice(&duration.to_be_bytes());
        body.extend_from_slice(&[0; 4]);
        body
    }

    fn stsd(codec: &[u8; 4], channels: u16, rate: u32) -> Vec<u8> {
        let mut entry = vec![0u8; 16];
        entry.extend_from_slice(&channels.to_be_bytes());
        entry.extend_from_slice(&[0, 16, 0, 0, 0, 0]);
        entry.extend_from_slice(&(rate << 16).to_be_bytes());
        let mut body = vec![0, 0, 0, 0, 0, 0, 0, 1];
        body.extend(boxed(codec, &entry));
        body
    }

    fn m4a(codec: &[u8; 4], moov_first: bool, comment: Option<&str>) -> Vec<u8> {
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(b"soun");
        hdlr.extend_from_slice(&[0; 13]);
        let stbl = boxed(b"stbl", &boxed(b"stsd", &stsd(codec, 1, 16_000)));
        let minf = boxed(b"minf", &stbl);
        let mut mdia = boxed(b"mdhd", &mdhd(16_000, 192_000));
        mdia.extend(boxed(b"hdlr", &hdlr));
        mdia.extend(minf);
        let mut moov = boxed(b"mvhd", &mdhd(1000, 12_000));
        moov.extend(boxed(b"trak", &boxed(b"mdia", &mdia)));
        if let Some(text) = comment {
            let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
            data.extend_from_slice(text.as_bytes());
            let ilst = boxed(b"ilst", &boxed(b"\xa9cmt", &boxed(b"data", &data)));
            let mut meta = vec![0u8; 4];
            meta.extend(boxed(b"hdlr", &[0; 25]));
            meta.extend(ilst);
            moov.extend(boxed(b"udta", &boxed(b"meta", &meta)));
        }
        let moov = boxed(b"moov", &moov);
        let mut f = boxed(b"ftyp", b"M4A \0\0\0\0isom");
        let mdat = boxed(b"mdat", &[0x21; 5000]);
        if moov_first {
            f.extend(moov);
            f.extend(mdat);
        } else {
            f.extend(mdat);
            f.extend(moov);
        }
        f
    }

    #[test]
    fn duration_comes_from_the_audio_tracks_mdhd_wherever_moov_is() {
        for moov_first in [true, false] {
            let info = sniff(None, &m4a(b"mp4a", moov_first, Some("the words"))).expect("m4a");
            assert_eq!(info.format, AudioFormat::M4a);
            assert_eq!(info.duration_secs, Some(12.0));
            assert_eq!((info.sample_rate, info.channels), (Some(16_000), None));
            assert_eq!(info.transcript.as_deref(), Some("the words"));
        }
    }

    /// A `trak` whose handler is `vide` (an H.264 video track), as a phone's screen recording has.
    fn video_trak() -> Vec<u8> {
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0; 13]);
        let stbl = boxed(b"stbl", &boxed(b"stsd", &stsd(b"avc1", 0, 0)));
        let mut mdia = boxed(b"mdhd", &mdhd(90_000, 1_080_000));
        mdia.extend(boxed(b"hdlr", &hdlr));
        mdia.extend(boxed(b"minf", &stbl));
        boxed(b"trak", &boxed(b"mdia", &mdia))
    }

    /// An MP4 with a video track, and an AAC track if `audio`.
    fn video_mp4(audio: bool) -> Vec<u8> {
        let audio_file = m4a(b"mp4a", true, None);
        let mut f = boxed(b"ftyp", b"isom\0\0\0\0isomavc1");
        let mut moov = boxed(b"mvhd", &mdhd(1000, 12_000));
        moov.extend(video_trak());
        if audio {
            // The audio file's trak, lifted out of its moov.
            let trak_at = audio_file.windows(4).position(|w| w == b"trak").unwrap() - 4;
            let len = u32::from_be_bytes(audio_file[trak_at..trak_at + 4].try_into().unwrap());
            moov.extend_from_slice(&audio_file[trak_at..trak_at + len as usize]);
        }
        f.extend(boxed(b"moov", &moov));
        f.extend(boxed(b"mdat", &[0x21; 5000]));
        f
    }

    /// A choice the fidelity ledger records (`file.mp4_video`): the page lists m4a and says nothing of
    /// video containers, so an MP4 with a video track and an AAC track is read for its audio track.
    #[test]
    fn an_mp4_with_video_and_aac_is_accepted_as_m4a_for_its_audio_track() {
        let info = sniff(None, &video_mp4(true)).expect("video + aac");
        assert_eq!(info.format, AudioFormat::M4a);
        assert_eq!(info.duration_secs, Some(12.0));
    }

    #[test]
    fn an_mp4_without_an_audio_track_is_unsupported_with_a_readable_message() {
        let err = sniff(None, &video_mp4(false)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "mp4 without an audio track is not supported; use wav, mp3, ogg, m4a, aac or pcm"
        );
    }

    #[test]
    fn alac_is_m4a_and_its_channel_count_is_read() {
        let info = sniff(None, &m4a(b"alac", true, None)).expect("alac");
        assert_eq!(info.channels, Some(1));
    }

    #[test]
    fn other_codecs_are_unsupported() {
        assert_eq!(
            sniff(None, &m4a(b"samr", true, None)),
            Err(AudioError::Unsupported {
                kind: "amr in 3gp/mp4"
            })
        );
    }

    #[test]
    fn a_cut_file_is_truncated_and_a_file_without_moov_corrupt() {
        let f = m4a(b"mp4a", true, None);
        assert_eq!(
            sniff(None, f.get(..f.len() - 100).unwrap_or_default()),
            Err(AudioError::Truncated { format: FORMAT })
        );
        let mut f = boxed(b"ftyp", b"M4A \0\0\0\0");
        f.extend(boxed(b"mdat", &[0; 100]));
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
    }

    #[test]
    fn images_are_not_audio() {
        let f = boxed(b"ftyp", b"heic\0\0\0\0mif1");
        assert_eq!(sniff(None, &f), Err(AudioError::Unrecognised));
    }

    #[test]
    fn an_overflowing_child_is_corrupt() {
        let mut f = boxed(b"ftyp", b"M4A \0\0\0\0");
        let mut moov = boxed(b"moov", &boxed(b"trak", &[0; 8]));
        moov.splice(8..12, 99u32.to_be_bytes());
        f.extend(moov);
        assert!(matches!(sniff(None, &f), Err(AudioError::Corrupt { .. })));
    }
}
