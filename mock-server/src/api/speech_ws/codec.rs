//! The session's audio: each sentence's speech from [`crate::synth`] (the same tones HTTP speech answers),
//! in the session's codec and sample rate, cut into chunks of [`OutputConfig::frame_ms`] of audio, made
//! one chunk at a time. `pcm` is signed 16-bit little-endian mono, as in the recorded session; `g711a`
//! and `g711u` are G.711 A-law and μ-law bytes of the same samples; `opus` is an Ogg Opus stream (the
//! fake has no Opus encoder: its packets are silence of the speech's duration, as HTTP speech's
//! `ogg_opus`).

use bytes::{Buf, Bytes, BytesMut};

use crate::rules::{
    SpeechFormat, SPEECH_DEFAULT_SAMPLE_RATE, SPEECH_STREAM_CODECS, SPEECH_STREAM_DEFAULT_FRAME_MS,
    SPEECH_STREAM_DEFAULT_RATE,
};
use crate::synth::{Chunks, Speech};

/// The bytes of one `opus` chunk (Ogg pages cut as they come).
pub(crate) const OPUS_CHUNK_BYTES: usize = 4096;

/// The audio settings in force in a session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OutputConfig {
    /// One of [`crate::rules::SPEECH_STREAM_CODECS`].
    pub codec: &'static str,
    /// Samples per second.
    pub sample_rate: u32,
    /// `pcm_config.frame_size_ms`, if set.
    pub frame_size_ms: Option<f64>,
    /// −50…100: −50 is half speed, 100 double.
    pub speech_rate: i64,
    /// The voice.
    pub voice_id: String,
}

impl OutputConfig {
    /// The defaults (`pcm`, 24 kHz, rate 0) with `voice_id`.
    pub(crate) fn new(voice_id: String) -> OutputConfig {
        OutputConfig {
            codec: SPEECH_STREAM_CODECS[0],
            sample_rate: SPEECH_DEFAULT_SAMPLE_RATE,
            frame_size_ms: None,
            speech_rate: SPEECH_STREAM_DEFAULT_RATE,
            voice_id,
        }
    }

    /// The speed factor: 1 + rate / 100 (−50 → 0.5, 100 → 2).
    pub(crate) fn speed(&self) -> f64 {
        1.0 + self.speech_rate as f64 / 100.0
    }

    /// The duration of each chunk.
    pub(crate) fn frame_ms(&self) -> f64 {
        self.frame_size_ms.unwrap_or(SPEECH_STREAM_DEFAULT_FRAME_MS)
    }

    /// How `speech.updated` shows the configuration.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut pcm = serde_json::json!({"sample_rate": self.sample_rate});
        if let Some(ms) = self.frame_size_ms {
            pcm["frame_size_ms"] = serde_json::json!(ms);
        }
        serde_json::json!({
            "codec": self.codec,
            "pcm_config": pcm,
            "speech_rate": self.speech_rate,
            "voice_id": self.voice_id,
        })
    }

    /// The bytes of one chunk in this codec.
    fn chunk_bytes(&self) -> usize {
        let samples = (f64::from(self.sample_rate) * self.frame_ms() / 1000.0).round() as usize;
        match self.codec {
            "g711a" | "g711u" => samples.max(1),
            "opus" => OPUS_CHUNK_BYTES,
            _ => 2 * samples.max(1),
        }
    }
}

/// The audio of `text` in the configuration's codec, chunk by chunk.
pub(crate) fn sentence_audio(text: &str, config: &OutputConfig) -> AudioChunks {
    let format = if config.codec == "opus" {
        SpeechFormat::OggOpus
    } else {
        SpeechFormat::Pcm
    };
    let speech = Speech::new(
        text,
        &config.voice_id,
        config.speed(),
        config.sample_rate,
        format,
    );
    AudioChunks {
        source: speech.into_chunks(),
        pending: BytesMut::new(),
        chunk: config.chunk_bytes(),
        companding: match config.codec {
            "g711a" => Some(linear_to_alaw),
            "g711u" => Some(linear_to_ulaw),
            _ => None,
        },
    }
}

/// [`sentence_audio`]'s chunks: each [`OutputConfig::frame_ms`] of audio (opus: [`OPUS_CHUNK_BYTES`]) but the last.
#[derive(Debug)]
pub(crate) struct AudioChunks {
    source: Chunks,
    pending: BytesMut,
    chunk: usize,
    companding: Option<fn(i16) -> u8>,
}

impl AudioChunks {
    /// Takes the next piece of the source, in the codec's bytes.
    fn refill(&mut self) -> bool {
        let Some(piece) = self.source.next() else {
            return false;
        };
        match self.companding {
            Some(compand) => self.pending.extend(
                piece
                    .chunks_exact(2)
                    .map(|s| compand(i16::from_le_bytes([s[0], s[1]]))),
            ),
            None => self.pending.extend_from_slice(&piece),
        }
        true
    }
}

impl Iterator for AudioChunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        while self.pending.len() < self.chunk {
            if !self.refill() {
                break;
            }
        }
        if self.pending.is_empty() {
            return None;
        }
        let n = self.pending.len().min(self.chunk);
        let out = self.pending.split_to(n).freeze();
        if self.pending.capacity() > 4 * crate::synth::CHUNK_BYTES {
            self.pending = BytesMut::from(self.pending.chunk());
        }
        Some(out)
    }
}

/// G.711 A-law (ITU-T G.711, the usual segment search).
pub(crate) fn linear_to_alaw(sample: i16) -> u8 {
    let sign = if sample >= 0 { 0xd5 } else { 0x55 };
    let magnitude = (i32::from(sample).abs().min(32767) >> 3) as u16;
    let byte = if magnitude < 32 {
        (magnitude >> 1) as u8
    } else {
        let segment = 15 - magnitude.leading_zeros() as u8 - 4;
        (segment << 4) | ((magnitude >> segment) & 0x0f) as u8
    };
    byte ^ sign
}

/// G.711 μ-law (ITU-T G.711, bias 132).
pub(crate) fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    let sign: u8 = if sample < 0 { 0x80 } else { 0 };
    let magnitude = (i32::from(sample).abs().min(32635) + BIAS) as u16;
    let exponent = (15 - magnitude.leading_zeros() as u8).saturating_sub(7);
    let mantissa = ((magnitude >> (exponent + 3)) & 0x0f) as u8;
    !(sign | (exponent << 4) | mantissa)
}

/// Splits text into the sentences the fake announces with `conversation.audio.sentence_start`: each ends
/// at 。！？；!?; or a line break; one without final punctuation gets 「。」, as the recorded session's
/// 「今天天气不错」 came back as 「今天天气不错。」. Sentences of only whitespace are dropped.
pub(crate) fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            push_sentence(&mut out, &mut current);
            continue;
        }
        current.push(c);
        if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') {
            push_sentence(&mut out, &mut current);
        }
    }
    push_sentence(&mut out, &mut current);
    out
}

fn push_sentence(out: &mut Vec<String>, current: &mut String) {
    let sentence = current.trim();
    if !sentence.is_empty() {
        let ends = sentence
            .chars()
            .last()
            .is_some_and(|c| matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '.'));
        out.push(if ends {
            sentence.to_owned()
        } else {
            format!("{sentence}。")
        });
    }
    current.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(codec: &'static str, rate: u32) -> OutputConfig {
        OutputConfig {
            codec,
            sample_rate: rate,
            ..OutputConfig::new("7426720361733046281".into())
        }
    }

    fn total(chunks: AudioChunks) -> (usize, Vec<usize>) {
        let sizes: Vec<usize> = chunks.map(|c| c.len()).collect();
        (sizes.iter().sum(), sizes)
    }

    #[test]
    fn pcm_chunks_are_250_ms_and_add_up_to_the_http_speech_audio() {
        let c = config("pcm", 24_000);
        let (bytes, sizes) = total(sentence_audio("今天天气不错。", &c));
        let http = Speech::new(
            "今天天气不错。",
            &c.voice_id,
            1.0,
            24_000,
            SpeechFormat::Pcm,
        );
        assert_eq!(bytes as u64, http.len());
        assert!(
            sizes[..sizes.len() - 1].iter().all(|s| *s == 12_000),
            "{sizes:?}"
        );
        let joined: Vec<u8> = sentence_audio("今天天气不错。", &c).flatten().collect();
        let whole: Vec<u8> = http.into_chunks().flatten().collect();
        assert_eq!(joined, whole);
    }

    #[test]
    fn g711_has_one_byte_a_sample_and_opus_is_an_ogg_stream() {
        let pcm = total(sentence_audio("你好", &config("pcm", 8000))).0;
        assert_eq!(
            total(sentence_audio("你好", &config("g711a", 8000))).0,
            pcm / 2
        );
        assert_eq!(
            total(sentence_audio("你好", &config("g711u", 8000))).0,
            pcm / 2
        );
        let opus: Vec<u8> = sentence_audio("你好", &config("opus", 24_000))
            .flatten()
            .collect();
        assert_eq!(&opus[..4], b"OggS");
    }

    #[test]
    fn speech_rate_and_frame_size_change_durations() {
        let mut c = config("pcm", 16_000);
        let normal = total(sentence_audio("一二三四", &c)).0;
        c.speech_rate = 100;
        let fast = total(sentence_audio("一二三四", &c)).0;
        c.speech_rate = -50;
        let slow = total(sentence_audio("一二三四", &c)).0;
        assert!(fast < normal && normal < slow, "{fast} {normal} {slow}");
        c.frame_size_ms = Some(20.0);
        assert_eq!(sentence_audio("一", &c).next().unwrap().len(), 640);
    }

    #[test]
    fn g711_matches_the_reference_values() {
        assert_eq!(linear_to_ulaw(0), 0xff);
        assert_eq!(linear_to_ulaw(-1), 0x7f);
        assert_eq!(linear_to_ulaw(32767), 0x80);
        assert_eq!(linear_to_ulaw(-32768), 0x00);
        assert_eq!(linear_to_alaw(0), 0xd5);
        assert_eq!(linear_to_alaw(-8), 0x55);
        assert_eq!(linear_to_alaw(32767), 0xaa);
        assert_eq!(linear_to_alaw(-32768), 0x2a);
    }

    #[test]
    fn sentences_split_at_final_punctuation_and_gain_one_when_missing() {
        assert_eq!(sentences("今天天气不错"), ["今天天气不错。"]);
        assert_eq!(
            sentences("你好！今天天气不错。我们去公园吧"),
            ["你好！", "今天天气不错。", "我们去公园吧。"]
        );
        assert_eq!(sentences("Hello world.\nBye"), ["Hello world.", "Bye。"]);
        assert!(sentences("  \n ").is_empty());
    }
}
