//! [`SpeechRequest`]: a request to speech (`POST /v1/audio/speech`), and [`SpeechAnswer`], its answer:
//! audio on success, an envelope on failure.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::request::{describe_text, describe_token, TokenChoice};
use crate::response::{allowed_headers, CapturedResponse};

/// One speech request: the token and the JSON body's fields.
#[derive(Debug, Clone)]
pub struct SpeechRequest {
    /// Which token to send.
    pub token: TokenChoice,
    /// The JSON body.
    pub body: Map<String, Value>,
}

impl SpeechRequest {
    /// The page's two 必选 fields, `input` and `voice_id`, with the main token.
    pub fn new(input: &str, voice_id: &str) -> SpeechRequest {
        let mut body = Map::new();
        body.insert("input".to_owned(), json!(input));
        body.insert("voice_id".to_owned(), json!(voice_id));
        SpeechRequest {
            token: TokenChoice::Main,
            body,
        }
    }

    /// Sets the body field `name`.
    pub fn field(mut self, name: &str, value: Value) -> SpeechRequest {
        self.body.insert(name.to_owned(), value);
        self
    }

    /// Leaves the body field `name` out.
    pub fn without(mut self, name: &str) -> SpeechRequest {
        self.body.remove(name);
        self
    }

    /// What a snapshot's `info` shows of the request: long texts by size, never a token.
    pub fn summary(&self) -> Value {
        let body: Map<String, Value> = self
            .body
            .iter()
            .map(|(k, v)| {
                let shown = match v {
                    Value::String(s) => Value::String(describe_text(s)),
                    other => other.clone(),
                };
                (k.clone(), shown)
            })
            .collect();
        json!({ "token": describe_token(&self.token), "body": body })
    }
}

/// A speech answer: its status, the allow-listed headers and the body's bytes.
#[derive(Debug, Clone)]
pub struct SpeechAnswer {
    /// HTTP status.
    pub status: u16,
    /// The [`HEADER_ALLOW_LIST`](crate::response::HEADER_ALLOW_LIST) headers, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub bytes: Vec<u8>,
}

impl SpeechAnswer {
    /// Reads `resp` whole.
    pub async fn read(resp: reqwest::Response) -> reqwest::Result<SpeechAnswer> {
        let status = resp.status().as_u16();
        let headers = allowed_headers(resp.headers());
        let bytes = resp.bytes().await?.to_vec();
        Ok(SpeechAnswer {
            status,
            headers,
            bytes,
        })
    }

    /// The answer as an envelope, when its body is a JSON object (a failure), else `None`.
    pub fn envelope(&self) -> Option<CapturedResponse> {
        let body: Value = serde_json::from_slice(&self.bytes).ok()?;
        body.is_object().then(|| CapturedResponse {
            status: self.status,
            headers: self.headers.clone(),
            body,
        })
    }

    /// The shape of an audio answer, for its snapshot: status, whether the body is an envelope, the
    /// format its bytes show ([`sniff_audio`]), whether it holds any audio, and a WAV's sample rate.
    pub fn audio_shape(&self) -> Value {
        json!({
            "status": self.status,
            "envelope": self.envelope().is_some(),
            "format_by_bytes": sniff_audio(&self.bytes),
            "empty": self.bytes.is_empty(),
            "wav_sample_rate": wav_sample_rate(&self.bytes),
        })
    }
}

/// The format `bytes` show by their first bytes: `wav` (RIFF/WAVE), `ogg_opus` (an Ogg page whose first
/// packet is `OpusHead`), `mp3` (an ID3 tag or an MPEG audio frame sync), or `raw` (none of these, as pcm
/// is, which has no header).
pub fn sniff_audio(bytes: &[u8]) -> &'static str {
    let opus_head = bytes.get(28..36) == Some(b"OpusHead");
    match bytes {
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => "wav",
        [b'O', b'g', b'g', b'S', ..] if opus_head => "ogg_opus",
        [b'I', b'D', b'3', ..] => "mp3",
        [0xFF, second, ..] if second & 0xE0 == 0xE0 => "mp3",
        _ => "raw",
    }
}

/// The sample rate a WAV's `fmt ` chunk states, found by walking its chunks; `None` for other bytes.
pub fn wav_sample_rate(bytes: &[u8]) -> Option<u32> {
    if sniff_audio(bytes) != "wav" {
        return None;
    }
    let mut at = 12;
    while let Some(header) = bytes.get(at..at + 8) {
        let size = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        if &header[..4] == b"fmt " {
            let rate = bytes.get(at + 12..at + 16)?;
            return Some(u32::from_le_bytes(rate.try_into().ok()?));
        }
        at = at.checked_add(8 + size + size % 2)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(rate: u32) -> Vec<u8> {
        let mut b = b"RIFF\0\0\0\0WAVE".to_vec();
        b.extend(b"LIST\x03\0\0\0abc\0");
        b.extend(b"fmt \x10\0\0\0\x01\0\x01\0");
        b.extend(rate.to_le_bytes());
        b.extend([0; 8]);
        b
    }

    #[test]
    fn each_documented_format_is_told_by_its_first_bytes() {
        assert_eq!(sniff_audio(&wav(16000)), "wav");
        let mut ogg = b"OggS".to_vec();
        ogg.resize(28, 0);
        ogg.extend(b"OpusHead");
        assert_eq!(sniff_audio(&ogg), "ogg_opus");
        assert_eq!(sniff_audio(b"ID3\x04\0\0"), "mp3");
        assert_eq!(sniff_audio(&[0xFF, 0xFB, 0x90, 0x00]), "mp3");
        assert_eq!(sniff_audio(&[0, 0, 1, 0]), "raw");
        assert_eq!(sniff_audio(br#"{"code":4000}"#), "raw");
    }

    #[test]
    fn a_wav_s_sample_rate_is_read_past_chunks_before_fmt() {
        assert_eq!(wav_sample_rate(&wav(16000)), Some(16000));
        assert_eq!(wav_sample_rate(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(wav_sample_rate(&[0xFF, 0xFB]), None);
    }

    #[test]
    fn a_json_object_body_is_an_envelope_and_audio_is_not() {
        let answer = |bytes: &[u8]| SpeechAnswer {
            status: 400,
            headers: BTreeMap::new(),
            bytes: bytes.to_vec(),
        };
        assert_eq!(
            answer(br#"{"code":4000,"msg":"x"}"#)
                .envelope()
                .unwrap()
                .code(),
            Some(4000)
        );
        assert!(answer(&wav(24000)).envelope().is_none());
    }

    #[test]
    fn the_summary_shows_long_input_by_size() {
        let summary = SpeechRequest::new(&"好".repeat(342), "7").summary();
        let input = summary["body"]["input"].as_str().unwrap();
        assert!(input.contains("1026 bytes, 342 chars"), "{input}");
        assert_eq!(summary["token"], "main");
    }
}
