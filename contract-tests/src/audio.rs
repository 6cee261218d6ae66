//! The audio the suite uploads, described by an [`AudioSpec`] so a recorded request can be rebuilt.
//!
//! - `Speech`: the committed sample `fixtures/audio/speech.<fmt>` (13 s of Mandarin speech, 24 kHz mono,
//!   made with espeak-ng, sox and ffmpeg; `fixtures/audio/README.md` has the commands). Its transcript
//!   is [`SPEECH_TRANSCRIPT`], also stored in the file's metadata, where the fake reads it. `pcm` is the
//!   WAV's samples without a header (「pcm 仅支持 24k 采样率，单通道」).
//! - `WavOfSize`: a WAV generated in code with a correct header, exactly `bytes` long, for the size limit.
//! - `Raw`: a few literal bytes, for uploads that are not audio.

use serde::{Deserialize, Serialize};

/// What the speech sample says (also in its metadata: WAV `ICMT`, ID3 `TXXX:transcript`, Vorbis
/// `TRANSCRIPT=`, MP4 `©cmt`).
pub const SPEECH_TRANSCRIPT: &str =
    "今天天气很好，我们一起去公园散步吧。公园里有很多花，非常漂亮。";

const SPEECH_WAV: &[u8] = include_bytes!("../fixtures/audio/speech.wav");
const SPEECH_MP3: &[u8] = include_bytes!("../fixtures/audio/speech.mp3");
const SPEECH_OGG: &[u8] = include_bytes!("../fixtures/audio/speech.ogg");
const SPEECH_M4A: &[u8] = include_bytes!("../fixtures/audio/speech.m4a");
const SPEECH_AAC: &[u8] = include_bytes!("../fixtures/audio/speech.aac");

/// Sample rate of every generated WAV and of the pcm sample: 24 kHz, the one pcm allows.
pub const SAMPLE_RATE_HZ: u32 = 24_000;
/// Bytes of a canonical WAV header (RIFF + fmt + data chunk headers).
pub const WAV_HEADER_BYTES: u64 = 44;

/// How to make the bytes of one upload.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AudioSpec {
    /// The committed speech sample in one of the six formats.
    Speech {
        /// wav, mp3, ogg, m4a, aac or pcm.
        format: String,
    },
    /// A generated 24 kHz mono 16-bit WAV of exactly `bytes` bytes (even, at least 44).
    WavOfSize {
        /// Total file size.
        bytes: u64,
    },
    /// Literal bytes, given as UTF-8 text (small, for non-audio uploads).
    Raw {
        /// The file's content.
        text: String,
    },
    /// An upload a client sent through `coze-mock proxy --record`, kept as its hash, size, format and
    /// duration; its bytes are in the file `stored` (beside the exchange) only with `--record-audio`.
    /// Without them, a stand-in is sent: a generated WAV of the same size for wav, the speech sample
    /// for the other formats.
    Recorded {
        /// The format its bytes showed (wav, mp3, ogg_opus, m4a, aac, pcm), if any.
        format: Option<String>,
        /// Its size.
        bytes: u64,
        /// Its fingerprint (coze-mock's audio hash).
        hash: String,
        /// Its playing time in milliseconds, when its headers told.
        duration_ms: Option<u64>,
        /// The file holding its bytes (a name beside the exchange; a path once the set is read).
        stored: Option<String>,
    },
}

impl AudioSpec {
    /// The speech sample in `format`.
    pub fn speech(format: &str) -> AudioSpec {
        AudioSpec::Speech {
            format: format.to_owned(),
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            AudioSpec::Speech { format } => speech_bytes(format),
            AudioSpec::WavOfSize { bytes } => wav_of_size(*bytes),
            AudioSpec::Raw { text } => text.as_bytes().to_vec(),
            AudioSpec::Recorded {
                format,
                bytes,
                stored,
                ..
            } => stored
                .as_ref()
                .and_then(|path| std::fs::read(path).ok())
                .unwrap_or_else(|| stand_in(format.as_deref(), *bytes)),
        }
    }

    /// A short description for request summaries: `speech.mp3`, `wav of 10000000 bytes`.
    pub fn describe(&self) -> String {
        match self {
            AudioSpec::Speech { format } => format!("speech.{format}"),
            AudioSpec::WavOfSize { bytes } => format!("wav of {bytes} bytes"),
            AudioSpec::Raw { text } => format!("raw {:?} ({} bytes)", text, text.len()),
            AudioSpec::Recorded { format, bytes, .. } => format!(
                "recorded {} of {bytes} bytes",
                format.as_deref().unwrap_or("unknown format")
            ),
        }
    }
}

impl std::fmt::Debug for AudioSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// What replays a recorded upload whose bytes were not kept: a WAV of the same size, the speech sample
/// in the other known formats, a few bytes that are no audio otherwise.
fn stand_in(format: Option<&str>, bytes: u64) -> Vec<u8> {
    match format {
        Some("wav") => wav_of_size(bytes),
        Some("ogg_opus") => speech_bytes("ogg"),
        Some(f @ ("mp3" | "ogg" | "m4a" | "aac" | "pcm")) => speech_bytes(f),
        _ => b"a recorded upload of no known audio format".to_vec(),
    }
}

/// The speech sample's bytes in `format`; unknown formats give the WAV (callers pass the six names).
fn speech_bytes(format: &str) -> Vec<u8> {
    match format {
        "mp3" => SPEECH_MP3.to_vec(),
        "ogg" => SPEECH_OGG.to_vec(),
        "m4a" => SPEECH_M4A.to_vec(),
        "aac" => SPEECH_AAC.to_vec(),
        "pcm" => wav_samples(SPEECH_WAV).to_vec(),
        _ => SPEECH_WAV.to_vec(),
    }
}

/// The payload of a WAV's `data` chunk (walks the RIFF chunks; the sample has a `LIST` chunk first).
fn wav_samples(wav: &[u8]) -> &[u8] {
    let mut at = 12;
    while let Some(head) = wav.get(at..at + 8) {
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let body = at + 8;
        if &head[..4] == b"data" {
            return wav
                .get(body..(body + len).min(wav.len()))
                .unwrap_or_default();
        }
        at = body + len + (len & 1);
    }
    &[]
}

/// A 24 kHz mono 16-bit WAV of exactly `bytes` bytes: canonical 44-byte header, then a quiet 220 Hz
/// tone. `bytes` is rounded up to even (a RIFF file is word-aligned) and to at least the header.
pub fn wav_of_size(bytes: u64) -> Vec<u8> {
    let total = bytes.max(WAV_HEADER_BYTES + 2).next_multiple_of(2);
    let data_len = total - WAV_HEADER_BYTES;
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&u32::try_from(total - 8).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE_HZ.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE_HZ * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&u32::try_from(data_len).unwrap_or(u32::MAX).to_le_bytes());
    // One period of the tone, repeated: cheap even for 10 MB.
    let period = (SAMPLE_RATE_HZ / 220) as usize;
    let cycle: Vec<u8> = (0..period)
        .flat_map(|i| {
            let phase = i as f64 / period as f64 * std::f64::consts::TAU;
            ((phase.sin() * 2000.0) as i16).to_le_bytes()
        })
        .collect();
    let mut left = usize::try_from(data_len).unwrap_or(0);
    while left > 0 {
        let n = left.min(cycle.len());
        out.extend_from_slice(&cycle[..n]);
        left -= n;
    }
    out
}

/// Seconds of audio in a generated WAV of `bytes` bytes.
pub fn wav_seconds(bytes: u64) -> f64 {
    (bytes.saturating_sub(WAV_HEADER_BYTES)) as f64 / f64::from(SAMPLE_RATE_HZ * 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_wav_has_exactly_the_asked_size_and_a_consistent_header() {
        for size in [46u64, 1000, 10_000_000] {
            let wav = wav_of_size(size);
            assert_eq!(wav.len() as u64, size);
            assert_eq!(&wav[..4], b"RIFF");
            assert_eq!(
                u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]) as u64,
                size - 8
            );
            assert_eq!(
                u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]) as u64,
                size - 44
            );
        }
    }

    #[test]
    fn the_speech_sample_is_a_24k_mono_wav_of_about_thirteen_seconds() {
        let pcm = AudioSpec::speech("pcm").bytes();
        let seconds = pcm.len() as f64 / f64::from(SAMPLE_RATE_HZ * 2);
        assert!((10.0..=30.0).contains(&seconds), "{seconds} s");
        assert_eq!(&SPEECH_WAV[22..24], &1u16.to_le_bytes(), "mono");
        assert_eq!(&SPEECH_WAV[24..28], &SAMPLE_RATE_HZ.to_le_bytes(), "24 kHz");
    }

    #[test]
    fn each_committed_sample_starts_with_its_formats_signature() {
        assert_eq!(&SPEECH_MP3[..3], b"ID3");
        assert_eq!(&SPEECH_OGG[..4], b"OggS");
        assert_eq!(&SPEECH_M4A[4..8], b"ftyp");
        assert_eq!(SPEECH_AAC[0], 0xFF);
        assert_eq!(SPEECH_AAC[1] & 0xF6, 0xF0, "ADTS sync word");
    }
}
