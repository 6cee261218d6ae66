//! An answer as the shadow verdict compares it: [`Answer`], `{status, headers, body}` as JSON, where a
//! JSON body is kept (up to [`JSON_KEPT_MAX_BYTES`]) and audio is kept as its format, length and hash.

use http::header::CONTENT_TYPE;
use http::HeaderMap;
use serde_json::{json, Value};

use crate::capture::fingerprint::AudioHasher;
use crate::envelope::{LOGID_HEADER, RULE_HEADER};

/// The largest JSON body kept for the comparison and the record; a larger one is kept as its length.
pub(crate) const JSON_KEPT_MAX_BYTES: usize = 1024 * 1024;

/// Bytes kept to tell an audio format by its first bytes.
const MAGIC_BYTES: usize = 16;

/// What passed through a body, noted as it streamed.
#[derive(Debug, Clone)]
pub struct BodyNotes {
    json: bool,
    kept: Vec<u8>,
    len: u64,
    hasher: AudioHasher,
}

impl BodyNotes {
    /// Notes for a body of this content type: JSON (or no type) is kept, anything else hashed.
    pub fn new(content_type: Option<&str>) -> BodyNotes {
        BodyNotes {
            json: content_type.is_none_or(|t| essence(t).ends_with("json")),
            kept: Vec::new(),
            len: 0,
            hasher: AudioHasher::default(),
        }
    }

    /// Takes the next bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        let room = if self.json {
            JSON_KEPT_MAX_BYTES
        } else {
            MAGIC_BYTES
        }
        .saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        if !self.json {
            self.hasher.update(bytes);
        }
    }

    /// Whether the body is kept as JSON (a JSON content type, or none).
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Bytes taken so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no byte was taken.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body as the comparison sees it: the JSON value, `{"audio": {format, bytes, hash}}`, a string
    /// for text that is not JSON, or null when empty.
    pub fn finish(&self) -> Value {
        if self.len == 0 {
            return Value::Null;
        }
        if self.json {
            return serde_json::from_slice(&self.kept).unwrap_or_else(|_| {
                if self.len as usize > self.kept.len() {
                    json!({ "not_kept_bytes": self.len })
                } else {
                    Value::String(String::from_utf8_lossy(&self.kept).into_owned())
                }
            });
        }
        json!({"audio": {
            "format": audio_format(&self.kept),
            "bytes": self.len,
            "hash": self.hasher.hex(),
        }})
    }
}

/// The format an audio answer's first bytes show.
pub(crate) fn audio_format(head: &[u8]) -> &'static str {
    match head {
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => "wav",
        [b'I', b'D', b'3', ..] => "mp3",
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => "mp3",
        [b'O', b'g', b'g', b'S', ..] => "ogg_opus",
        _ => "pcm",
    }
}

/// The media type without parameters, lower case (`application/json`).
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// One whole answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The media type.
    pub content_type: Option<String>,
    /// The `x-tt-logid` header.
    pub logid: Option<String>,
    /// The fake's `x-coze-mock-rule` header (the shadow's answers only).
    pub rule: Option<String>,
    /// The body, as [`BodyNotes::finish`] gives it.
    pub body: Value,
}

impl Answer {
    /// An answer with this status and headers, and its noted body.
    pub(crate) fn new(status: u16, headers: &HeaderMap, body: Value) -> Answer {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Answer {
            status,
            content_type: header(CONTENT_TYPE.as_str()).map(|t| essence(&t)),
            logid: header(LOGID_HEADER),
            rule: header(RULE_HEADER),
            body,
        }
    }

    /// The envelope's `code`, if the body is one.
    pub(crate) fn code(&self) -> Option<i64> {
        self.body.get("code").and_then(Value::as_i64)
    }

    /// Whether the answer refuses the request: an error envelope or an error status.
    pub(crate) fn refuses(&self) -> bool {
        self.status >= 400 || self.code().is_some_and(|c| c != 0)
    }

    /// `{status, headers, body}` for [`crate::compare`]; the content type by its media type.
    pub(crate) fn as_value(&self) -> Value {
        let mut headers = serde_json::Map::new();
        if let Some(t) = &self.content_type {
            headers.insert("content-type".into(), Value::String(t.clone()));
        }
        if let Some(l) = &self.logid {
            headers.insert(LOGID_HEADER.into(), Value::String(l.clone()));
        }
        json!({"status": self.status, "headers": headers, "body": self.body})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_is_kept_as_format_length_and_hash() {
        let mut notes = BodyNotes::new(Some("audio/mpeg"));
        notes.feed(b"ID3\x04rest of the file");
        notes.feed(&[0u8; 5000]);
        let body = notes.finish();
        assert_eq!(body["audio"]["format"], "mp3");
        assert_eq!(body["audio"]["bytes"], 5020);
        assert!(body["audio"]["hash"].is_string());
    }

    #[test]
    fn json_is_kept_and_a_refusal_is_an_error_envelope_or_status() {
        let mut notes = BodyNotes::new(Some("application/json; charset=utf-8"));
        notes.feed(br#"{"code":4000,"msg":"x"}"#);
        let answer = Answer::new(200, &HeaderMap::new(), notes.finish());
        assert_eq!(answer.code(), Some(4000));
        assert!(answer.refuses());
        assert!(!Answer::new(200, &HeaderMap::new(), json!({"code": 0})).refuses());
        assert!(Answer::new(502, &HeaderMap::new(), Value::Null).refuses());
    }
}
