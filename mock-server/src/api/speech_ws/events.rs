//! The channel's events: what a client sends, parsed and judged ([`ClientEvent::parse`]), and what the fake
//! sends ([`ServerEvent`]), rendered in the recorded shape: `event_type`, `id` (a UUID), `data` when the
//! event has any, and `detail` with the session's `logid` and `respond_at` (Unix milliseconds as a string).
//! An `error` event's `detail` also carries `origin_message`, the frame it answers (cozepy's
//! `WebsocketsEvent.Detail`).

use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::rules::{
    SPEECH_SAMPLE_RATES, SPEECH_STREAM_CLIENT_EVENTS, SPEECH_STREAM_CODECS,
    SPEECH_STREAM_FRAME_MS_RANGE, SPEECH_STREAM_RATE_RANGE, SPEECH_STREAM_SERVER_EVENTS,
};

/// `speech.update`: sets the voice, codec, sample rate and speech rate.
pub(crate) const SPEECH_UPDATE: &str = SPEECH_STREAM_CLIENT_EVENTS[0];
/// `input_text_buffer.append`: adds text to the buffer.
pub(crate) const TEXT_APPEND: &str = SPEECH_STREAM_CLIENT_EVENTS[1];
/// `input_text_buffer.complete`: speaks the buffer.
pub(crate) const TEXT_COMPLETE: &str = SPEECH_STREAM_CLIENT_EVENTS[2];

/// `speech.created`.
const CREATED: &str = SPEECH_STREAM_SERVER_EVENTS[0];
/// `speech.updated`.
const UPDATED: &str = SPEECH_STREAM_SERVER_EVENTS[1];
/// `input_text_buffer.completed`.
const TEXT_COMPLETED: &str = SPEECH_STREAM_SERVER_EVENTS[2];
/// `conversation.audio.sentence_start`.
const SENTENCE_START: &str = SPEECH_STREAM_SERVER_EVENTS[3];
/// `speech.audio.update`.
const AUDIO: &str = SPEECH_STREAM_SERVER_EVENTS[4];
/// `speech.audio.completed`.
const AUDIO_COMPLETED: &str = SPEECH_STREAM_SERVER_EVENTS[5];
/// `error`.
const ERROR: &str = SPEECH_STREAM_SERVER_EVENTS[6];

/// What `speech.update` asks to change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OutputAudioUpdate {
    /// `output_audio.codec`, one of [`SPEECH_STREAM_CODECS`].
    pub codec: Option<&'static str>,
    /// `output_audio.pcm_config.sample_rate`, one of [`SPEECH_SAMPLE_RATES`].
    pub sample_rate: Option<u32>,
    /// `output_audio.pcm_config.frame_size_ms`: the duration of each audio chunk.
    pub frame_size_ms: Option<f64>,
    /// `output_audio.speech_rate`, in [`SPEECH_STREAM_RATE_RANGE`].
    pub speech_rate: Option<i64>,
    /// `output_audio.voice_id`.
    pub voice_id: Option<String>,
}

/// An event a client sent, judged.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClientEvent {
    /// `speech.update`.
    Update(OutputAudioUpdate),
    /// `input_text_buffer.append` with its `data.delta`.
    Append(String),
    /// `input_text_buffer.complete`.
    Complete,
}

fn invalid(reason: impl Into<String>) -> ApiError {
    ApiError::StreamEventInvalid {
        reason: reason.into(),
    }
}

fn param(param: &'static str, expected: &str, value: &Value) -> ApiError {
    ApiError::StreamParamInvalid {
        param,
        expected: expected.to_owned(),
        value: clip(&value.to_string(), 64).to_owned(),
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
pub(crate) fn clip(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The `event_type` of a frame, if it has a string one: for the journal, before the event is judged.
pub(crate) fn event_type_of(value: &Value) -> Option<&str> {
    value.get("event_type").and_then(Value::as_str)
}

impl ClientEvent {
    /// Judges a parsed text frame: an object with a known string `event_type` and the `data` it needs.
    pub(crate) fn parse(value: &Value) -> Result<ClientEvent, ApiError> {
        let object = value
            .as_object()
            .ok_or_else(|| invalid("a JSON object with a string event_type"))?;
        let event_type = event_type_of(value)
            .ok_or_else(|| invalid("a JSON object with a string event_type"))?;
        let data = object.get("data").filter(|d| !d.is_null());
        match event_type {
            SPEECH_UPDATE => parse_update(data).map(ClientEvent::Update),
            TEXT_APPEND => match data.and_then(|d| d.get("delta")) {
                Some(Value::String(delta)) => Ok(ClientEvent::Append(delta.clone())),
                _ => Err(invalid(
                    "input_text_buffer.append with data.delta, a string of text",
                )),
            },
            TEXT_COMPLETE => Ok(ClientEvent::Complete),
            other => Err(ApiError::StreamEventUnknown {
                event_type: clip(other, 64).to_owned(),
            }),
        }
    }
}

fn object_at<'a>(
    parent: Option<&'a Value>,
    key: &str,
    name: &'static str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match parent.and_then(|p| p.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(param(name, "an object", other)),
    }
}

fn parse_update(data: Option<&Value>) -> Result<OutputAudioUpdate, ApiError> {
    if let Some(d) = data.filter(|d| !d.is_object()) {
        return Err(param("data", "an object", d));
    }
    let Some(audio) = object_at(data, "output_audio", "output_audio")? else {
        return Ok(OutputAudioUpdate::default());
    };
    let field = |key: &str| audio.get(key).filter(|v| !v.is_null());
    let mut update = OutputAudioUpdate::default();
    if let Some(codec) = field("codec") {
        let expected = format!("one of {}", SPEECH_STREAM_CODECS.join(", "));
        let name = codec
            .as_str()
            .ok_or_else(|| param("output_audio.codec", &expected, codec))?;
        update.codec = Some(
            SPEECH_STREAM_CODECS
                .into_iter()
                .find(|c| *c == name)
                .ok_or_else(|| param("output_audio.codec", &expected, codec))?,
        );
    }
    let audio_value = Value::Object(audio.clone());
    if let Some(pcm) = object_at(Some(&audio_value), "pcm_config", "output_audio.pcm_config")? {
        if let Some(rate) = pcm.get("sample_rate").filter(|v| !v.is_null()) {
            let expected = format!(
                "one of {}",
                SPEECH_SAMPLE_RATES.map(|r| r.to_string()).join(", ")
            );
            update.sample_rate = Some(
                rate.as_u64()
                    .and_then(|r| SPEECH_SAMPLE_RATES.into_iter().find(|s| u64::from(*s) == r))
                    .ok_or_else(|| param("output_audio.pcm_config.sample_rate", &expected, rate))?,
            );
        }
        if let Some(ms) = pcm.get("frame_size_ms").filter(|v| !v.is_null()) {
            let (min, max) = SPEECH_STREAM_FRAME_MS_RANGE;
            update.frame_size_ms = Some(
                ms.as_f64()
                    .filter(|ms| (min..=max).contains(ms))
                    .ok_or_else(|| {
                        param(
                            "output_audio.pcm_config.frame_size_ms",
                            &format!("a number of milliseconds in [{min}, {max}]"),
                            ms,
                        )
                    })?,
            );
        }
    }
    if let Some(rate) = field("speech_rate") {
        let (min, max) = SPEECH_STREAM_RATE_RANGE;
        update.speech_rate = Some(
            rate.as_i64()
                .filter(|r| (min..=max).contains(r))
                .ok_or_else(|| {
                    param(
                        "output_audio.speech_rate",
                        &format!("an integer in [{min}, {max}]"),
                        rate,
                    )
                })?,
        );
    }
    if let Some(voice) = field("voice_id") {
        update.voice_id = Some(
            voice
                .as_str()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| param("output_audio.voice_id", "a voice id string", voice))?
                .to_owned(),
        );
    }
    Ok(update)
}

/// An event the fake sends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ServerEvent {
    /// `speech.created`: the session is open.
    Created,
    /// `speech.updated`, with the whole configuration now in force.
    Updated(Value),
    /// `input_text_buffer.completed`.
    TextCompleted,
    /// `conversation.audio.sentence_start`, with the sentence about to be spoken.
    SentenceStart(String),
    /// `speech.audio.update`, with a chunk of audio (sent as base64).
    Audio(Vec<u8>),
    /// `speech.audio.completed`.
    AudioCompleted,
    /// `error`, with the code and message, and the frame it answers.
    Error {
        /// `data.code`.
        code: i64,
        /// `data.msg`.
        msg: String,
        /// `detail.origin_message`.
        origin: Option<String>,
    },
}

impl ServerEvent {
    /// Its `event_type`.
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            ServerEvent::Created => CREATED,
            ServerEvent::Updated(_) => UPDATED,
            ServerEvent::TextCompleted => TEXT_COMPLETED,
            ServerEvent::SentenceStart(_) => SENTENCE_START,
            ServerEvent::Audio(_) => AUDIO,
            ServerEvent::AudioCompleted => AUDIO_COMPLETED,
            ServerEvent::Error { .. } => ERROR,
        }
    }

    /// The event as sent: a JSON text frame for the session with `logid`, at `respond_at_ms`.
    pub(crate) fn render(&self, logid: &str, respond_at_ms: i64) -> String {
        use base64::Engine;
        let mut detail = json!({"logid": logid, "respond_at": respond_at_ms.to_string()});
        let data = match self {
            ServerEvent::Created | ServerEvent::TextCompleted | ServerEvent::AudioCompleted => None,
            ServerEvent::Updated(config) => Some(json!({"output_audio": config})),
            ServerEvent::SentenceStart(text) => Some(json!({"text": text})),
            ServerEvent::Audio(bytes) => Some(json!({
                "delta": base64::engine::general_purpose::STANDARD.encode(bytes),
            })),
            ServerEvent::Error { code, msg, origin } => {
                if let Some(origin) = origin {
                    detail["origin_message"] = json!(origin);
                }
                Some(json!({"code": code, "msg": msg}))
            }
        };
        let mut event = json!({"event_type": self.event_type(), "id": event_id()});
        if let Some(data) = data {
            event["data"] = data;
        }
        event["detail"] = detail;
        event.to_string()
    }
}

/// A random UUID (version 4), as the real events' ids are.
fn event_id() -> String {
    let bits: u128 = rand::random();
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A logid in this channel's format, for a session opened at `now_ms`: `02`, the 13-digit Unix
/// milliseconds, 32 lower-case hex digits (the serving host's IPv6 address in the recorded one) and 6
/// more: 53 characters, like the recorded `021752378236593fdbddc020024081600000000000000169f8683`.
pub(crate) fn session_logid(now_ms: i64) -> String {
    let host: u128 = rand::random();
    let tail: u32 = rand::random::<u32>() & 0x00ff_ffff;
    format!("02{now_ms:013}{host:032x}{tail:06x}")
}

/// Whether `s` has the shape of this channel's logid ([`session_logid`]).
pub(crate) fn is_session_logid(s: &str) -> bool {
    s.len() == 53
        && s.starts_with("02")
        && s[2..15].bytes().all(|b| b.is_ascii_digit())
        && s[15..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientEvent, ApiError> {
        ClientEvent::parse(&serde_json::from_str(text).unwrap())
    }

    fn rule(text: &str) -> &'static str {
        parse(text).unwrap_err().rule()
    }

    #[test]
    fn the_recorded_events_and_cozepys_update_parse() {
        assert_eq!(
            parse(r#"{"event_type":"input_text_buffer.append","data":{"delta":"今天天气不错"}}"#)
                .unwrap(),
            ClientEvent::Append("今天天气不错".into())
        );
        assert_eq!(
            parse(r#"{"event_type":"input_text_buffer.complete"}"#).unwrap(),
            ClientEvent::Complete
        );
        let update = parse(
            r#"{"event_type":"speech.update","data":{"output_audio":{"codec":"pcm","pcm_config":{"sample_rate":16000},"speech_rate":50,"voice_id":"7426720361733046281"}}}"#,
        )
        .unwrap();
        assert_eq!(
            update,
            ClientEvent::Update(OutputAudioUpdate {
                codec: Some("pcm"),
                sample_rate: Some(16000),
                frame_size_ms: None,
                speech_rate: Some(50),
                voice_id: Some("7426720361733046281".into()),
            })
        );
    }

    #[test]
    fn each_bad_event_is_named_by_its_rule() {
        let cases = [
            ("[1]", "speech_stream.event_invalid"),
            (r#"{"data":{}}"#, "speech_stream.event_invalid"),
            (r#"{"event_type":7}"#, "speech_stream.event_invalid"),
            (
                r#"{"event_type":"input_text_buffer.append"}"#,
                "speech_stream.event_invalid",
            ),
            (
                r#"{"event_type":"input_text_buffer.append","data":{"delta":5}}"#,
                "speech_stream.event_invalid",
            ),
            (
                r#"{"event_type":"speech.start"}"#,
                "speech_stream.event_unknown",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":{"codec":"mp3"}}}"#,
                "speech_stream.param_invalid",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":{"pcm_config":{"sample_rate":11025}}}}"#,
                "speech_stream.param_invalid",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":{"speech_rate":101}}}"#,
                "speech_stream.param_invalid",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":{"speech_rate":-51}}}"#,
                "speech_stream.param_invalid",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":{"voice_id":7}}}"#,
                "speech_stream.param_invalid",
            ),
            (
                r#"{"event_type":"speech.update","data":{"output_audio":"pcm"}}"#,
                "speech_stream.param_invalid",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(rule(text), expected, "{text}");
        }
    }

    #[test]
    fn the_rate_bounds_are_accepted() {
        for rate in [-50, 0, 100] {
            let text = format!(
                r#"{{"event_type":"speech.update","data":{{"output_audio":{{"speech_rate":{rate}}}}}}}"#
            );
            assert!(parse(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn rendered_events_have_the_recorded_shape() {
        let logid = session_logid(1_752_378_236_593);
        assert!(is_session_logid(&logid), "{logid}");
        assert_eq!(logid.len(), 53);
        let created: Value =
            serde_json::from_str(&ServerEvent::Created.render(&logid, 1_752_378_236_650)).unwrap();
        assert_eq!(created["event_type"], "speech.created");
        assert_eq!(created["detail"]["respond_at"], "1752378236650");
        assert_eq!(created["detail"]["logid"], logid.as_str());
        assert!(created.get("data").is_none());
        let id = created["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "a version 4 UUID: {id}");
        let audio: Value =
            serde_json::from_str(&ServerEvent::Audio(vec![1, 0, 255, 127]).render(&logid, 0))
                .unwrap();
        assert_eq!(audio["data"]["delta"], "AQD/fw==");
        let error: Value = serde_json::from_str(
            &ServerEvent::Error {
                code: 3010,
                msg: "too long".into(),
                origin: Some("{}".into()),
            }
            .render(&logid, 0),
        )
        .unwrap();
        assert_eq!(error["data"], json!({"code": 3010, "msg": "too long"}));
        assert_eq!(error["detail"]["origin_message"], "{}");
    }

    #[test]
    fn clip_keeps_whole_characters() {
        assert_eq!(clip("今天", 4), "今");
        assert_eq!(clip("ab", 10), "ab");
    }
}
