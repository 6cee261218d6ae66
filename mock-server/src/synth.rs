//! Deterministic "speech": a beep per character, in the formats `POST /v1/audio/speech` answers with.
//!
//! Real synthesis is out of scope; what clients need is audio that decodes, in the format they asked for,
//! whose duration grows with the text, and which is the same for the same request (so tests can compare
//! bytes). Every character gets [`SECONDS_PER_CHAR`] (divided by `speed`): a tone whose pitch depends on the
//! character and on the voice, then a short gap; whitespace and punctuation are silence.
//!
//! WAV and PCM carry that tone. MP3 and Ogg Opus are built by hand without an encoder, so they carry
//! silence of the same duration: MPEG audio frames whose side information is all zero (no coded
//! spectrum: each frame decodes to 1152 or 576 silent samples), and Opus packets `F8 FF FE` (one 20 ms
//! CELT frame coded as silence) in Ogg pages. Both decode with ffmpeg; the README lists this as a
//! fidelity note.
//!
//! [`Speech`] knows its length before it makes a byte, and [`Speech::into_chunks`] encodes it in chunks
//! of at most [`CHUNK_BYTES`]: the longest answer (1,024 characters at speed 0.2, 48 kHz WAV, 49 MB)
//! streams with an exact `Content-Length` and never sits whole in memory.

use std::f64::consts::PI;

use bytes::Bytes;

use crate::fnv::fnv1a;
use crate::rules::{SpeechFormat, SPEECH_DEFAULT_SAMPLE_RATE};

/// Seconds of audio each character of the input adds at speed 1.
pub(crate) const SECONDS_PER_CHAR: f64 = 0.1;
/// Silence before the first character, so even a one-character input is audible.
pub(crate) const LEAD_IN_SECS: f64 = 0.2;
/// Peak amplitude of the tone, a quarter of full scale.
const AMPLITUDE: f64 = 0.25 * i16::MAX as f64;
/// The largest chunk [`Speech::into_chunks`] yields.
pub(crate) const CHUNK_BYTES: usize = 64 * 1024;

/// How each speech format is encoded here: WAV is 16-bit mono, PCM raw signed 16-bit little-endian mono
/// samples, MP3 and Ogg Opus silence of the speech's duration.
impl SpeechFormat {
    /// The answer's `Content-Type`; each contains `audio`, which is how cozepy recognises a file answer.
    pub fn content_type(self) -> &'static str {
        match self {
            SpeechFormat::Mp3 => "audio/mpeg",
            SpeechFormat::Wav => "audio/wav",
            SpeechFormat::Pcm => "audio/pcm",
            SpeechFormat::OggOpus => "audio/ogg",
        }
    }
}

/// The samples of a text, computed one at a time: lead-in silence, then per character a tone (70 %)
/// and a gap (30 %); whitespace and punctuation are silence.
#[derive(Debug, Clone)]
struct Tone {
    rate: f64,
    lead_in: usize,
    per_char: usize,
    sounding: usize,
    fade: usize,
    /// Each character's pitch in Hz, `None` for a silent character.
    pitches: Vec<Option<f64>>,
}

impl Tone {
    fn new(text: &str, voice_id: &str, speed: f64, sample_rate: u32) -> Tone {
        let rate = f64::from(sample_rate);
        // FNV-1a, a stable hash: a voice keeps its pitch across runs and builds.
        let base_hz = 120.0 + (fnv1a(voice_id.as_bytes()) % 180) as f64;
        let per_char = (SECONDS_PER_CHAR / speed * rate).round() as usize;
        let pitches = text
            .chars()
            .map(|c| {
                let silent = c.is_whitespace()
                    || c.is_ascii_punctuation()
                    || ('\u{3000}'..='\u{303f}').contains(&c)
                    || ('\u{ff00}'..='\u{ff0f}').contains(&c);
                (!silent).then(|| base_hz * 2f64.powf(f64::from(u32::from(c) % 12) / 12.0))
            })
            .collect();
        Tone {
            rate,
            lead_in: (LEAD_IN_SECS * rate).round() as usize,
            per_char,
            sounding: per_char * 7 / 10,
            fade: (0.005 * rate) as usize,
            pitches,
        }
    }

    /// How many samples there are.
    fn len(&self) -> usize {
        self.lead_in + self.per_char * self.pitches.len()
    }

    /// Sample `n` (below [`Tone::len`]).
    fn sample(&self, n: usize) -> i16 {
        let Some(offset) = n.checked_sub(self.lead_in) else {
            return 0;
        };
        let (k, i) = (offset / self.per_char, offset % self.per_char);
        let Some(hz) = self.pitches[k] else {
            return 0;
        };
        let envelope = if i >= self.sounding {
            0.0
        } else {
            let edge = i.min(self.sounding - 1 - i);
            (edge as f64 / self.fade.max(1) as f64).min(1.0)
        };
        let s = (2.0 * PI * hz * i as f64 / self.rate).sin() * AMPLITUDE * envelope;
        s.round() as i16
    }
}

/// The speech of a text: its length is known up front, its bytes are made chunk by chunk.
#[derive(Debug, Clone)]
pub struct Speech {
    tone: Tone,
    sample_rate: u32,
    format: SpeechFormat,
}

impl Speech {
    /// The audio of `text` spoken by `voice_id` at `speed`, encoded as `format` at `sample_rate`.
    pub fn new(
        text: &str,
        voice_id: &str,
        speed: f64,
        sample_rate: u32,
        format: SpeechFormat,
    ) -> Speech {
        Speech {
            tone: Tone::new(text, voice_id, speed, sample_rate),
            sample_rate,
            format,
        }
    }

    /// The format.
    pub fn format(&self) -> SpeechFormat {
        self.format
    }

    /// How many bytes [`Speech::into_chunks`] yields in all.
    pub fn len(&self) -> u64 {
        let (encoding, units) = (self.encoding(), self.units());
        let mut prefix = Vec::new();
        encoding.push_prefix(&mut prefix, units, self.sample_rate);
        prefix.len() as u64 + encoding.units_len(units)
    }

    /// Whether the audio is empty; it never is (every format has at least a header or a frame).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoded audio, in chunks of at most [`CHUNK_BYTES`].
    pub fn into_chunks(self) -> Chunks {
        Chunks {
            encoding: self.encoding(),
            units: self.units(),
            speech: self,
            next_unit: 0,
            started: false,
        }
    }

    fn encoding(&self) -> Encoding {
        match self.format {
            SpeechFormat::Wav => Encoding::Wav,
            SpeechFormat::Pcm => Encoding::Pcm,
            SpeechFormat::Mp3 => Encoding::Mp3(mp3_layout(self.sample_rate)),
            SpeechFormat::OggOpus => Encoding::OggOpus {
                packets: opus_packets(self.tone.len() as f64 / f64::from(self.sample_rate)),
            },
        }
    }

    /// How many units (samples, MP3 frames or Ogg pages) follow the prefix.
    fn units(&self) -> u64 {
        let samples = self.tone.len() as u64;
        match self.encoding() {
            Encoding::Wav | Encoding::Pcm => samples,
            Encoding::Mp3(layout) => mp3_frames(samples, &layout),
            Encoding::OggOpus { packets } => packets.div_ceil(PACKETS_PER_PAGE),
        }
    }
}

/// How a format lays out its bytes: a prefix (headers), then units of at most [`Encoding::unit_max`]
/// bytes each.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// A 44-byte header, then 2-byte samples.
    Wav,
    /// 2-byte samples.
    Pcm,
    /// Identical silent frames.
    Mp3(Mp3Layout),
    /// `OpusHead` and `OpusTags` pages, then pages of silent packets.
    OggOpus {
        /// 20 ms packets in all.
        packets: u64,
    },
}

impl Encoding {
    /// Appends what comes before the first of `units` units: the WAV header, or Ogg Opus's two header
    /// pages.
    fn push_prefix(self, out: &mut Vec<u8>, units: u64, sample_rate: u32) {
        match self {
            Encoding::Wav => wav_header(out, units, sample_rate),
            Encoding::OggOpus { .. } => ogg_opus_headers(out, sample_rate),
            Encoding::Pcm | Encoding::Mp3(_) => {}
        }
    }

    /// The most bytes one unit takes.
    fn unit_max(self) -> usize {
        match self {
            Encoding::Wav | Encoding::Pcm => 2,
            Encoding::Mp3(layout) => layout.frame_len,
            Encoding::OggOpus { .. } => ogg_page_len(PACKETS_PER_PAGE),
        }
    }

    /// The bytes of `units` units.
    fn units_len(self, units: u64) -> u64 {
        match self {
            Encoding::Wav | Encoding::Pcm => 2 * units,
            Encoding::Mp3(layout) => units * layout.frame_len as u64,
            Encoding::OggOpus { packets } => {
                units * OGG_PAGE_HEADER_BYTES as u64 + packets * OGG_BYTES_PER_PACKET as u64
            }
        }
    }
}

/// [`Speech`]'s bytes, chunk by chunk; see [`Speech::into_chunks`].
#[derive(Debug)]
pub struct Chunks {
    speech: Speech,
    encoding: Encoding,
    units: u64,
    next_unit: u64,
    started: bool,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if self.started && self.next_unit == self.units {
            return None;
        }
        let mut out = Vec::with_capacity(CHUNK_BYTES);
        if !self.started {
            self.started = true;
            self.encoding
                .push_prefix(&mut out, self.units, self.speech.sample_rate);
        }
        let fit = ((CHUNK_BYTES - out.len()) / self.encoding.unit_max()) as u64;
        let end = (self.next_unit + fit).min(self.units);
        for unit in self.next_unit..end {
            self.push_unit(unit, &mut out);
        }
        self.next_unit = end;
        Some(Bytes::from(out))
    }
}

impl Chunks {
    fn push_unit(&self, unit: u64, out: &mut Vec<u8>) {
        match self.encoding {
            Encoding::Wav | Encoding::Pcm => {
                out.extend_from_slice(&self.speech.tone.sample(unit as usize).to_le_bytes());
            }
            Encoding::Mp3(layout) => mp3_frame(out, &layout),
            Encoding::OggOpus { packets } => ogg_opus_page(out, unit, packets),
        }
    }
}

/// Bytes in a canonical WAVE header.
const WAV_HEADER_BYTES: usize = 44;

/// A canonical 44-byte WAVE header for `samples` 16-bit mono samples.
fn wav_header(out: &mut Vec<u8>, samples: u64, sample_rate: u32) {
    let data_len = (samples * 2) as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
}

/// A canonical 44-byte-header WAVE file, 16-bit mono PCM.
pub fn wav(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(WAV_HEADER_BYTES + 2 * samples.len());
    wav_header(&mut out, samples.len() as u64, sample_rate);
    out.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    out
}

/// The MPEG version, sample-rate index and lowest-bitrate frame for a sample rate (ISO 11172-3 and
/// 13818-3 tables): MPEG-1 for 32/44.1/48 kHz, MPEG-2 for 16/22.05/24 kHz, MPEG-2.5 for 8/11.025/12 kHz.
#[derive(Debug, Clone, Copy)]
struct Mp3Layout {
    /// Second header byte: sync, version, layer III, no CRC.
    version_byte: u8,
    /// Sample-rate index in the header.
    rate_index: u8,
    /// Samples a frame decodes to.
    samples_per_frame: u64,
    /// Bytes in a frame at bitrate index 1 (32 kbit/s for MPEG-1, 8 kbit/s otherwise), no padding.
    frame_len: usize,
}

/// The rates [`mp3_layout`] encodes at: (rate, version byte, rate index, samples per frame, frame length
/// coefficient, bitrate at index 1). The first, the SDKs' default rate, also serves any rate not listed.
const MP3_RATES: [(u32, u8, u8, u64, u32, u32); 7] = [
    (24000, 0xF3, 1, 576, 72, 8_000),
    (44100, 0xFB, 0, 1152, 144, 32_000),
    (48000, 0xFB, 1, 1152, 144, 32_000),
    (32000, 0xFB, 2, 1152, 144, 32_000),
    (22050, 0xF3, 0, 576, 72, 8_000),
    (16000, 0xF3, 2, 576, 72, 8_000),
    (8000, 0xE3, 2, 576, 72, 8_000),
];
const _: () = assert!(MP3_RATES[0].0 == SPEECH_DEFAULT_SAMPLE_RATE);

fn mp3_layout(sample_rate: u32) -> Mp3Layout {
    let (rate, version_byte, rate_index, samples_per_frame, coefficient, bitrate) = MP3_RATES
        .into_iter()
        .find(|row| row.0 == sample_rate)
        .unwrap_or(MP3_RATES[0]);
    Mp3Layout {
        version_byte,
        rate_index,
        samples_per_frame,
        frame_len: (coefficient * bitrate / rate) as usize,
    }
}

/// How many frames cover `samples` samples (at least one).
fn mp3_frames(samples: u64, layout: &Mp3Layout) -> u64 {
    samples.div_ceil(layout.samples_per_frame).max(1)
}

/// Appends one silent MPEG audio layer III frame: a 4-byte header (mono, bitrate index 1, no CRC, no
/// padding) followed by zero side information and zero main data.
fn mp3_frame(out: &mut Vec<u8>, layout: &Mp3Layout) {
    out.extend_from_slice(&[
        0xFF,
        layout.version_byte,
        (1 << 4) | (layout.rate_index << 2),
        0xC0, // mono
    ]);
    out.resize(out.len() + layout.frame_len - 4, 0);
}

/// One 20 ms Opus frame of silence: TOC `F8` (CELT-only, fullband, 20 ms, mono, one frame) and two
/// payload bytes that decode to silence (the packet WebRTC and Discord send as comfort silence).
const OPUS_SILENT_PACKET: [u8; 3] = [0xF8, 0xFF, 0xFE];
/// Samples at 48 kHz in one 20 ms Opus frame; Ogg Opus granule positions count 48 kHz samples (RFC 7845).
const OPUS_FRAME_SAMPLES: u64 = 960;
/// Packets per Ogg page: one second.
const PACKETS_PER_PAGE: u64 = 50;
/// The Ogg stream's serial number; any fixed value keeps the output deterministic.
const OGG_SERIAL: u32 = 0x636f_7a65;

/// How many 20 ms packets cover `secs` (at least one).
fn opus_packets(secs: f64) -> u64 {
    ((secs * 50.0).ceil() as u64).max(1)
}

/// Appends the first two pages of an Ogg Opus stream (RFC 7845): `OpusHead` and `OpusTags`.
fn ogg_opus_headers(out: &mut Vec<u8>, input_sample_rate: u32) {
    let mut head = b"OpusHead".to_vec();
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&0u16.to_le_bytes()); // pre-skip
    head.extend_from_slice(&input_sample_rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // channel mapping family
    let vendor = b"coze-mock";
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes()); // no comments
    ogg_page(out, 0x02, 0, 0, &[&head]);
    ogg_page(out, 0x00, 0, 1, &[&tags]);
}

/// Appends data page `page` of a stream of `packets` silent packets: up to [`PACKETS_PER_PAGE`]
/// packets, the last page flagged end-of-stream.
fn ogg_opus_page(out: &mut Vec<u8>, page: u64, packets: u64) {
    let first = page * PACKETS_PER_PAGE;
    let end = (first + PACKETS_PER_PAGE).min(packets);
    let flags = if end == packets { 0x04 } else { 0x00 };
    let bodies = vec![&OPUS_SILENT_PACKET[..]; (end - first) as usize];
    ogg_page(
        out,
        flags,
        end * OPUS_FRAME_SAMPLES,
        2 + page as u32,
        &bodies,
    );
}

/// Bytes in an Ogg page header before its lacing values.
const OGG_PAGE_HEADER_BYTES: usize = 27;
/// Bytes a silent packet adds to a page: its lacing value and its body.
const OGG_BYTES_PER_PACKET: usize = 1 + OPUS_SILENT_PACKET.len();

/// Bytes in an Ogg page of `packets` silent packets.
fn ogg_page_len(packets: u64) -> usize {
    OGG_PAGE_HEADER_BYTES + OGG_BYTES_PER_PACKET * packets as usize
}

/// Appends one Ogg page holding whole `packets` (each under 255 bytes, so one lacing value each).
fn ogg_page(out: &mut Vec<u8>, flags: u8, granule: u64, sequence: u32, packets: &[&[u8]]) {
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0); // version
    out.push(flags);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&OGG_SERIAL.to_le_bytes());
    out.extend_from_slice(&sequence.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // CRC, filled below
    out.push(packets.len() as u8);
    for p in packets {
        out.push(p.len() as u8);
    }
    for p in packets {
        out.extend_from_slice(p);
    }
    let crc = ogg_crc(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// Ogg's CRC-32: polynomial 0x04C11DB7, initial value 0, not reflected, no final XOR.
fn ogg_crc(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |mut crc, b| {
        crc ^= u32::from(*b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use SpeechFormat::{Mp3, OggOpus, Pcm, Wav};

    /// All of a speech's bytes, in order.
    fn whole(speech: Speech) -> Vec<u8> {
        speech.into_chunks().flat_map(|c| c.to_vec()).collect()
    }

    /// The samples of `text` spoken by `voice_id` at `speed`, all at once.
    fn tone(text: &str, voice_id: &str, speed: f64, sample_rate: u32) -> Vec<i16> {
        let tone = Tone::new(text, voice_id, speed, sample_rate);
        (0..tone.len()).map(|n| tone.sample(n)).collect()
    }

    fn speak(text: &str, speed: f64, rate: u32, format: SpeechFormat) -> Vec<u8> {
        whole(Speech::new(
            text,
            "7468518753626652713",
            speed,
            rate,
            format,
        ))
    }

    /// Texts with tones, ASCII and full-width punctuation and spaces, at speeds 1, 0.2 and 3.
    const TEXTS: [(&str, f64); 3] = [
        ("你好，世界! hi", 1.0),
        ("The quick, brown fox; 跳过 lazy dogs.", 0.2),
        ("x", 3.0),
    ];

    /// Format, rate, (text, speed), length, digest.
    type WholeBufferAnswer = (SpeechFormat, u32, (&'static str, f64), usize, u64);

    /// Length and FNV-1a digest of what the synthesiser answered when it built each answer whole in
    /// memory (commit 28cb6de), for `TEXTS` in every format at four rates: streaming changed no byte.
    #[rustfmt::skip]
    const WHOLE_BUFFER_ANSWERS: [WholeBufferAnswer; 48] = [
        (Wav, 8000, TEXTS[0], 17644, 0x0de4_973d_9cd1_5c15),
        (Wav, 8000, TEXTS[1], 283244, 0x1160_0648_e836_ea64),
        (Wav, 8000, TEXTS[2], 3778, 0x6102_6e6b_3f2a_7961),
        (Wav, 22050, TEXTS[0], 48554, 0xea15_6dd2_6840_b48c),
        (Wav, 22050, TEXTS[1], 780614, 0x876e_e7cb_5f2f_72e0),
        (Wav, 22050, TEXTS[2], 10334, 0x5e5e_032f_30cb_3bbc),
        (Wav, 24000, TEXTS[0], 52844, 0xf0d8_51f8_eb21_9abf),
        (Wav, 24000, TEXTS[1], 849644, 0xcc8c_29ea_1a6b_278b),
        (Wav, 24000, TEXTS[2], 11244, 0xcc76_fd7d_e77c_6c2f),
        (Wav, 48000, TEXTS[0], 105644, 0x91f8_8011_01db_9e93),
        (Wav, 48000, TEXTS[1], 1699244, 0x3341_30bf_4af1_a407),
        (Wav, 48000, TEXTS[2], 22444, 0x03c4_977b_b625_467e),
        (Pcm, 8000, TEXTS[0], 17600, 0xff4b_c844_738b_7ce9),
        (Pcm, 8000, TEXTS[1], 283200, 0x862f_16fa_1f45_bc94),
        (Pcm, 8000, TEXTS[2], 3734, 0x1f5b_f408_938d_d581),
        (Pcm, 22050, TEXTS[0], 48510, 0x352d_5d64_4a75_ff2b),
        (Pcm, 22050, TEXTS[1], 780570, 0x4e92_00f6_62c8_ad8f),
        (Pcm, 22050, TEXTS[2], 10290, 0x19d2_ab6d_d06c_40fb),
        (Pcm, 24000, TEXTS[0], 52800, 0x9a11_c2d4_00bb_48be),
        (Pcm, 24000, TEXTS[1], 849600, 0xeac6_c304_58c3_425a),
        (Pcm, 24000, TEXTS[2], 11200, 0x95e6_187f_5e13_01c2),
        (Pcm, 48000, TEXTS[0], 105600, 0x476e_283c_2b0e_3b61),
        (Pcm, 48000, TEXTS[1], 1699200, 0xed2d_7579_5de2_54f5),
        (Pcm, 48000, TEXTS[2], 22400, 0xb231_66c4_1eb3_6cbc),
        (Mp3, 8000, TEXTS[0], 1152, 0x2552_1155_454b_1b05),
        (Mp3, 8000, TEXTS[1], 17712, 0xa333_ac79_c2db_9c29),
        (Mp3, 8000, TEXTS[2], 288, 0xd2b7_f186_d0ee_1c3d),
        (Mp3, 22050, TEXTS[0], 1118, 0x05c9_5a6d_ef09_4b8b),
        (Mp3, 22050, TEXTS[1], 17628, 0x6a93_4b91_36a3_abb9),
        (Mp3, 22050, TEXTS[2], 234, 0x3950_9352_1009_bd87),
        (Mp3, 24000, TEXTS[0], 1104, 0x15ea_109a_4ef3_6799),
        (Mp3, 24000, TEXTS[1], 17712, 0x2b78_63ce_ea3d_55d1),
        (Mp3, 24000, TEXTS[2], 240, 0xdbef_bf40_6dbd_b641),
        (Mp3, 48000, TEXTS[0], 4416, 0x5743_3fa7_5f65_5b69),
        (Mp3, 48000, TEXTS[1], 70848, 0x594a_7a26_ec58_4981),
        (Mp3, 48000, TEXTS[2], 960, 0x27dc_a38b_02dc_caf1),
        (OggOpus, 8000, TEXTS[0], 378, 0xcf06_baa7_5355_7627),
        (OggOpus, 8000, TEXTS[1], 4126, 0x521c_3e12_e62f_06aa),
        (OggOpus, 8000, TEXTS[2], 175, 0xddb5_b976_567e_894d),
        (OggOpus, 22050, TEXTS[0], 378, 0x53a7_ec35_4811_4a35),
        (OggOpus, 22050, TEXTS[1], 4126, 0xa3a0_787a_9c85_1d38),
        (OggOpus, 22050, TEXTS[2], 175, 0x58d1_ee99_3173_30e7),
        (OggOpus, 24000, TEXTS[0], 378, 0x4a70_24b3_740e_c61b),
        (OggOpus, 24000, TEXTS[1], 4126, 0xb7b7_1792_1708_e34e),
        (OggOpus, 24000, TEXTS[2], 175, 0x9dcf_61b1_a458_2701),
        (OggOpus, 48000, TEXTS[0], 378, 0x2c71_ad1f_0293_c703),
        (OggOpus, 48000, TEXTS[1], 4126, 0x7da9_f2d1_5a5d_a346),
        (OggOpus, 48000, TEXTS[2], 175, 0x40cd_8a9e_7793_ed39),
    ];

    #[test]
    fn streamed_bytes_are_the_bytes_the_whole_buffer_synthesiser_answered() {
        for (format, rate, (text, speed), len, digest) in WHOLE_BUFFER_ANSWERS {
            let bytes = speak(text, speed, rate, format);
            assert_eq!(
                (bytes.len(), fnv1a(&bytes)),
                (len, digest),
                "{format:?} at {rate} Hz, speed {speed}: {text}"
            );
        }
    }

    prop_compose! {
        /// A speech request the rules accept: any text of up to 60 characters (tones, spaces,
        /// punctuation), a speed in range, a listed rate and any format.
        fn accepted_speech()(
            text in "[a-z你好 ,.，。!]{0,60}",
            speed in crate::rules::SPEECH_SPEED_RANGE_SMALL.0..=crate::rules::SPEECH_SPEED_RANGE_SMALL.1,
            rate in proptest::sample::select(crate::rules::SPEECH_SAMPLE_RATES.to_vec()),
            format in proptest::sample::select(SpeechFormat::ALL.to_vec()),
        ) -> Speech {
            Speech::new(&text, "7001", speed, rate, format)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn chunks_are_bounded_and_add_up_to_the_announced_length(speech in accepted_speech()) {
            let announced = speech.len();
            let mut total = 0u64;
            for chunk in speech.into_chunks() {
                prop_assert!(!chunk.is_empty() && chunk.len() <= CHUNK_BYTES, "{} bytes", chunk.len());
                total += chunk.len() as u64;
            }
            prop_assert_eq!(total, announced);
        }
    }

    #[test]
    fn the_longest_answer_is_announced_exactly_and_its_first_chunk_is_bounded() {
        let input = "a".repeat(crate::rules::SPEECH_INPUT_MAX_BYTES);
        let speech = Speech::new(&input, "1", 0.2, 48_000, Wav);
        let samples = 48_000 / 5 + 1024 * 24_000;
        assert_eq!(
            speech.len(),
            44 + 2 * samples,
            "49 MB, known before any byte"
        );
        let first = speech.into_chunks().next().unwrap();
        assert_eq!(
            first.len(),
            CHUNK_BYTES,
            "the header and as many samples as fit"
        );
        assert_eq!(&first[..4], b"RIFF");
    }

    #[test]
    fn longer_text_makes_longer_audio_and_faster_speech_shorter() {
        let short = tone("hi", "1", 1.0, 24000).len();
        let long = tone("hello", "1", 1.0, 24000).len();
        assert_eq!(
            long - short,
            3 * 2400,
            "each character adds 0.1 s at 24 kHz"
        );
        assert!(tone("hello", "1", 2.0, 24000).len() < long);
    }

    #[test]
    fn voices_differ() {
        assert_ne!(
            whole(Speech::new("你好", "7001", 1.0, 24000, Wav)),
            whole(Speech::new("你好", "7002", 1.0, 24000, Wav))
        );
    }

    #[test]
    fn wav_header_describes_the_samples() {
        let w = wav(&[0, 1, -1], 16000);
        assert_eq!(&w[..4], b"RIFF");
        assert_eq!(&w[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes(w[24..28].try_into().unwrap()), 16000);
        assert_eq!(u32::from_le_bytes(w[40..44].try_into().unwrap()), 6);
        assert_eq!(w.len(), 44 + 6);
    }

    #[test]
    fn mp3_frames_cover_the_duration_at_every_sdk_rate() {
        for rate in crate::rules::SPEECH_SAMPLE_RATES {
            let layout = mp3_layout(rate);
            let samples = tone("abcdefghijklmnopqrs", "1", 1.0, rate).len() as u64;
            let bytes = speak("abcdefghijklmnopqrs", 1.0, rate, Mp3);
            assert_eq!(bytes.len() % layout.frame_len, 0, "{rate} Hz");
            let frames = (bytes.len() / layout.frame_len) as u64;
            assert!(frames * layout.samples_per_frame >= samples, "{rate} Hz");
            assert!(
                (frames - 1) * layout.samples_per_frame < samples,
                "{rate} Hz"
            );
            assert_eq!(bytes[0], 0xFF, "frame sync at {rate} Hz");
        }
    }

    #[test]
    fn ogg_pages_carry_a_valid_crc_and_the_last_is_end_of_stream() {
        // 13 characters at speed 1: 0.2 + 1.3 s = 1.5 s.
        let bytes = speak("abcdefghijklm", 1.0, 24000, OggOpus);
        let mut pos = 0;
        let mut last_flags = 0;
        let mut last_granule = 0;
        while pos < bytes.len() {
            assert_eq!(&bytes[pos..pos + 4], b"OggS");
            let segments = bytes[pos + 26] as usize;
            let body: usize = bytes[pos + 27..pos + 27 + segments]
                .iter()
                .map(|&l| l as usize)
                .sum();
            let end = pos + 27 + segments + body;
            let mut page = bytes[pos..end].to_vec();
            let stored = u32::from_le_bytes(page[22..26].try_into().unwrap());
            page[22..26].fill(0);
            assert_eq!(ogg_crc(&page), stored, "page at {pos}");
            last_flags = bytes[pos + 5];
            last_granule = u64::from_le_bytes(bytes[pos + 6..pos + 14].try_into().unwrap());
            pos = end;
        }
        assert_eq!(last_flags, 0x04);
        assert_eq!(last_granule, 75 * 960, "1.5 s of 20 ms frames");
    }

    #[test]
    fn the_ogg_crc_of_a_single_one_bit_is_the_polynomial() {
        assert_eq!(ogg_crc(&[0x01]), 0x04C1_1DB7);
        assert_eq!(ogg_crc(&[]), 0);
    }
}
