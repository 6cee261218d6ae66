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

use std::f64::consts::PI;

use crate::rules::{SpeechFormat, SPEECH_DEFAULT_SAMPLE_RATE};

/// Seconds of audio each character of the input adds at speed 1.
pub const SECONDS_PER_CHAR: f64 = 0.1;
/// Silence before the first character, so even a one-character input is audible.
pub const LEAD_IN_SECS: f64 = 0.2;
/// Peak amplitude of the tone, a quarter of full scale.
const AMPLITUDE: f64 = 0.25 * i16::MAX as f64;

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

/// How long the speech of `text` lasts at `speed`.
pub fn duration_secs(text: &str, speed: f64) -> f64 {
    LEAD_IN_SECS + text.chars().count() as f64 * SECONDS_PER_CHAR / speed
}

/// The audio of `text` spoken by `voice_id` at `speed`, encoded as `format` at `sample_rate`.
pub fn speak(
    text: &str,
    voice_id: &str,
    speed: f64,
    sample_rate: u32,
    format: SpeechFormat,
) -> Vec<u8> {
    let samples = tone(text, voice_id, speed, sample_rate);
    match format {
        SpeechFormat::Wav => wav(&samples, sample_rate),
        SpeechFormat::Pcm => pcm(&samples),
        SpeechFormat::Mp3 => mp3_silence(samples.len(), sample_rate),
        SpeechFormat::OggOpus => {
            ogg_opus_silence(samples.len() as f64 / f64::from(sample_rate), sample_rate)
        }
    }
}

/// FNV-1a: a stable hash, so a voice keeps its pitch across runs and builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The samples: lead-in silence, then per character a tone (70 %) and a gap (30 %).
pub fn tone(text: &str, voice_id: &str, speed: f64, sample_rate: u32) -> Vec<i16> {
    let rate = f64::from(sample_rate);
    let base_hz = 120.0 + (fnv1a(voice_id.as_bytes()) % 180) as f64;
    let per_char = (SECONDS_PER_CHAR / speed * rate).round() as usize;
    let lead_in = (LEAD_IN_SECS * rate).round() as usize;
    let fade = (0.005 * rate) as usize;
    let mut out = vec![0i16; lead_in];
    out.reserve(per_char * text.chars().count());
    for c in text.chars() {
        if c.is_whitespace()
            || c.is_ascii_punctuation()
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ff0f}').contains(&c)
        {
            out.extend(std::iter::repeat_n(0, per_char));
            continue;
        }
        let hz = base_hz * 2f64.powf(f64::from(u32::from(c) % 12) / 12.0);
        let sounding = per_char * 7 / 10;
        for i in 0..per_char {
            let envelope = if i >= sounding {
                0.0
            } else {
                let edge = i.min(sounding - 1 - i);
                (edge as f64 / fade.max(1) as f64).min(1.0)
            };
            let s = (2.0 * PI * hz * i as f64 / rate).sin() * AMPLITUDE * envelope;
            out.push(s.round() as i16);
        }
    }
    out
}

/// Raw PCM: signed 16-bit little-endian, mono.
pub fn pcm(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// A canonical 44-byte-header WAVE file, 16-bit mono PCM.
pub fn wav(samples: &[i16], sample_rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
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
    out.extend_from_slice(&pcm(samples));
    out
}

/// The MPEG version, sample-rate index and lowest-bitrate frame for a sample rate (ISO 11172-3 and
/// 13818-3 tables): MPEG-1 for 32/44.1/48 kHz, MPEG-2 for 16/22.05/24 kHz, MPEG-2.5 for 8/11.025/12 kHz.
struct Mp3Layout {
    /// Second header byte: sync, version, layer III, no CRC.
    version_byte: u8,
    /// Sample-rate index in the header.
    rate_index: u8,
    /// Samples a frame decodes to.
    samples_per_frame: usize,
    /// Bytes in a frame at bitrate index 1 (32 kbit/s for MPEG-1, 8 kbit/s otherwise), no padding.
    frame_len: usize,
}

/// The rates [`mp3_layout`] encodes at: (rate, version byte, rate index, samples per frame, frame length
/// coefficient, bitrate at index 1). The first, the SDKs' default rate, also serves any rate not listed.
const MP3_RATES: [(u32, u8, u8, usize, u32, u32); 7] = [
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

/// Silent MPEG audio layer III frames covering `samples` samples: a 4-byte header (mono, bitrate index 1,
/// no CRC, no padding) followed by zero side information and zero main data.
pub fn mp3_silence(samples: usize, sample_rate: u32) -> Vec<u8> {
    let layout = mp3_layout(sample_rate);
    let frames = samples.div_ceil(layout.samples_per_frame).max(1);
    let mut frame = vec![0u8; layout.frame_len];
    frame[..4].copy_from_slice(&[
        0xFF,
        layout.version_byte,
        (1 << 4) | (layout.rate_index << 2),
        0xC0, // mono
    ]);
    frame.repeat(frames)
}

/// One 20 ms Opus frame of silence: TOC `F8` (CELT-only, fullband, 20 ms, mono, one frame) and two
/// payload bytes that decode to silence (the packet WebRTC and Discord send as comfort silence).
const OPUS_SILENT_PACKET: [u8; 3] = [0xF8, 0xFF, 0xFE];
/// Samples at 48 kHz in one 20 ms Opus frame; Ogg Opus granule positions count 48 kHz samples (RFC 7845).
const OPUS_FRAME_SAMPLES: u64 = 960;
/// Packets per Ogg page: one second.
const PACKETS_PER_PAGE: usize = 50;
/// The Ogg stream's serial number; any fixed value keeps the output deterministic.
const OGG_SERIAL: u32 = 0x636f_7a65;

/// An Ogg Opus stream (RFC 7845) of silence lasting at least `secs`: `OpusHead`, `OpusTags`, then pages
/// of silent packets, the last one flagged end-of-stream.
pub fn ogg_opus_silence(secs: f64, input_sample_rate: u32) -> Vec<u8> {
    let packets = ((secs * 50.0).ceil() as usize).max(1);
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

    let mut out = Vec::new();
    ogg_page(&mut out, 0x02, 0, 0, &[&head]);
    ogg_page(&mut out, 0x00, 0, 1, &[&tags]);
    let chunks: Vec<_> = (0..packets).collect();
    let pages = chunks.chunks(PACKETS_PER_PAGE).count();
    for (i, chunk) in chunks.chunks(PACKETS_PER_PAGE).enumerate() {
        let granule = (chunk[chunk.len() - 1] as u64 + 1) * OPUS_FRAME_SAMPLES;
        let flags = if i + 1 == pages { 0x04 } else { 0x00 };
        let bodies = vec![&OPUS_SILENT_PACKET[..]; chunk.len()];
        ogg_page(&mut out, flags, granule, 2 + i as u32, &bodies);
    }
    out
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

    #[test]
    fn longer_text_makes_longer_audio_and_faster_speech_shorter() {
        assert!(duration_secs("你好，世界", 1.0) > duration_secs("你好", 1.0));
        assert!(duration_secs("你好", 2.0) < duration_secs("你好", 1.0));
        let short = tone("hi", "1", 1.0, 24000).len();
        let long = tone("hello", "1", 1.0, 24000).len();
        assert_eq!(
            long - short,
            3 * 2400,
            "each character adds 0.1 s at 24 kHz"
        );
    }

    #[test]
    fn the_same_request_gives_the_same_bytes_and_voices_differ() {
        let a = speak("你好", "7001", 1.0, 24000, SpeechFormat::Wav);
        assert_eq!(a, speak("你好", "7001", 1.0, 24000, SpeechFormat::Wav));
        assert_ne!(a, speak("你好", "7002", 1.0, 24000, SpeechFormat::Wav));
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
            let samples = rate as usize * 2;
            let bytes = mp3_silence(samples, rate);
            assert_eq!(bytes.len() % layout.frame_len, 0, "{rate} Hz");
            let frames = bytes.len() / layout.frame_len;
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
        let bytes = ogg_opus_silence(1.5, 24000);
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
