//! `POST /v1/audio/speech`: 语音合成, with a system voice or a voice cloned in one of the caller's
//! workspaces. The answer is the audio itself with an `audio/…` Content-Type, not an envelope; errors are
//! envelopes.
//!
//! Body, as the current speech page documents it (coze-dev/coze-sdk-gen `docs/api-markdown/text_to_speech.md`)
//! and the SDKs send it: `input` (at most 1024 bytes of UTF-8), `voice_id`, `response_format` (default
//! `mp3`), `speed` (0.5–2 for a large-model voice, 0.2–3 for a small-model one, default 1),
//! `sample_rate` (default 24000), `loudness_rate` (−50…100), `emotion` (the page's enum; on a voice that
//! lists `support_emotions`, one of those; on other voices it is ignored, the fidelity ledger's
//! `speech.emotion_without_support`), `emotion_scale` (1–5), `context_texts` (a string). JSON `null` for
//! any optional field means "not given" (coze-go sends every unset field as `null`), and so does
//! `sample_rate: 0` (coze-java's `int` default). Checks run in that order, after the token and its
//! `createSpeech` permission (「权限: createSpeech」); `speed` and `emotion` once the voice is known. The
//! body is read under the clone's body deadline ([`crate::extract`]): one that stalls or trickles is 408.
//! The audio is [`crate::synth`]'s, streamed.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{Extensions, HeaderMap};
use serde::Deserialize;

use crate::api::audio_answer::AudioAnswer;
use crate::auth::authenticate;
use crate::capture::Notes;
use crate::error::ApiError;
use crate::extract::{Input, SpeechBody};
use crate::rules::{
    fits_bytes, SpeechFormat, CREATE_SPEECH_PERMISSION, SPEECH_DEFAULT_SAMPLE_RATE,
    SPEECH_DEFAULT_SPEED, SPEECH_EMOTIONS, SPEECH_EMOTION_SCALE_RANGE, SPEECH_INPUT_MAX_BYTES,
    SPEECH_LOUDNESS_RANGE, SPEECH_SAMPLE_RATES, SPEECH_SPEED_RANGE_BIG, SPEECH_SPEED_RANGE_SMALL,
};
use crate::state::{now, AppState};
use crate::synth::Speech;
use crate::system_voices::{find_voice, SpeakingVoice};

/// The body as sent; every field optional so a missing one gets a precise error, and `null` is absent.
#[derive(Debug, Deserialize)]
struct RawSpeech {
    input: Option<String>,
    voice_id: Option<String>,
    response_format: Option<String>,
    speed: Option<f64>,
    sample_rate: Option<i64>,
    loudness_rate: Option<i64>,
    emotion: Option<String>,
    emotion_scale: Option<f64>,
    context_texts: Option<String>,
}

/// A speech request that passed every check that needs no voice.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechRequest {
    /// The text.
    pub input: String,
    /// The voice.
    pub voice_id: String,
    /// The audio format.
    pub format: SpeechFormat,
    /// 1 when not given; checked against the voice's model type by [`SpeechRequest::check_voice`].
    pub speed: f64,
    /// One of [`SPEECH_SAMPLE_RATES`].
    pub sample_rate: u32,
    /// One of [`SPEECH_EMOTIONS`], if given.
    pub emotion: Option<String>,
    /// The style hint, if given; the fake's audio has no prosody for it to steer.
    pub context_texts: Option<String>,
}

fn invalid(param: &'static str, expected: &str, value: impl std::fmt::Display) -> ApiError {
    ApiError::SpeechParamInvalid {
        param,
        expected: expected.to_owned(),
        value: value.to_string(),
    }
}

impl SpeechRequest {
    /// Parses and checks a JSON body.
    pub fn parse(body: &[u8]) -> Result<SpeechRequest, ApiError> {
        let raw: RawSpeech =
            serde_json::from_slice(body).map_err(|e| ApiError::SpeechBodyInvalid {
                reason: format!("a JSON object with input and voice_id: {e}"),
            })?;
        let missing = |field: &str| ApiError::SpeechBodyInvalid {
            reason: format!("a JSON object with a non-empty {field}"),
        };
        let input = raw
            .input
            .filter(|i| !i.is_empty())
            .ok_or_else(|| missing("input"))?;
        if !fits_bytes(&input, SPEECH_INPUT_MAX_BYTES) {
            return Err(ApiError::SpeechInputTooLong { bytes: input.len() });
        }
        let voice_id = raw
            .voice_id
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing("voice_id"))?;
        let format = match raw.response_format {
            None => SpeechFormat::DEFAULT,
            Some(name) => SpeechFormat::from_name(&name)
                .ok_or(ApiError::SpeechFormatUnsupported { value: name })?,
        };
        let speed = raw.speed.unwrap_or(SPEECH_DEFAULT_SPEED);
        let rate = raw
            .sample_rate
            .filter(|r| *r != 0)
            .unwrap_or(i64::from(SPEECH_DEFAULT_SAMPLE_RATE));
        let sample_rate = SPEECH_SAMPLE_RATES
            .into_iter()
            .find(|r| i64::from(*r) == rate)
            .ok_or(ApiError::SpeechSampleRateUnsupported { value: rate })?;
        if let Some(loudness) = raw.loudness_rate {
            let (min, max) = SPEECH_LOUDNESS_RANGE;
            if !(min..=max).contains(&loudness) {
                return Err(invalid(
                    "loudness_rate",
                    &format!("an integer in [{min}, {max}]"),
                    loudness,
                ));
            }
        }
        if let Some(emotion) = &raw.emotion {
            if !SPEECH_EMOTIONS.contains(&emotion.as_str()) {
                return Err(invalid(
                    "emotion",
                    &format!("one of {}", SPEECH_EMOTIONS.join(", ")),
                    format!("{emotion:?}"),
                ));
            }
        }
        if let Some(scale) = raw.emotion_scale {
            let (min, max) = SPEECH_EMOTION_SCALE_RANGE;
            if !(min..=max).contains(&scale) {
                return Err(invalid(
                    "emotion_scale",
                    &format!("in [{min}, {max}]"),
                    scale,
                ));
            }
        }
        Ok(SpeechRequest {
            input,
            voice_id,
            format,
            speed,
            sample_rate,
            emotion: raw.emotion,
            context_texts: raw.context_texts,
        })
    }

    /// The checks that depend on the voice: `speed` by its model type, and `emotion` against the
    /// emotions it lists, if it lists any.
    pub fn check_voice(&self, voice: &SpeakingVoice<'_>) -> Result<(), ApiError> {
        let model_type = voice.model_type();
        let range = if model_type == "small" {
            SPEECH_SPEED_RANGE_SMALL
        } else {
            SPEECH_SPEED_RANGE_BIG
        };
        if !(range.0..=range.1).contains(&self.speed) {
            return Err(ApiError::SpeechSpeedOutOfRange {
                value: self.speed,
                model_type,
                range,
            });
        }
        if let (Some(emotion), Some(supported)) = (&self.emotion, voice.support_emotions()) {
            if !supported.iter().any(|e| &e.emotion == emotion) {
                let names: Vec<_> = supported.iter().map(|e| e.emotion.as_str()).collect();
                return Err(invalid(
                    "emotion",
                    &format!(
                        "one of this voice's support_emotions ({})",
                        names.join(", ")
                    ),
                    format!("{emotion:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// Synthesises `input` with the voice.
pub(crate) async fn speech(
    State(app): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<SpeechBody, ApiError>,
) -> Result<Response, ApiError> {
    if let Ok(Input(bytes, _)) = &body {
        Notes::of(&extensions).update(|inputs| inputs.json_body(bytes));
    }
    let principal = authenticate(&headers, &app.directory, now())?;
    if !principal.has_permission(CREATE_SPEECH_PERMISSION) {
        return Err(ApiError::MissingPermission {
            permission: CREATE_SPEECH_PERMISSION,
        });
    }
    let Input(body, _) = body?;
    let request = SpeechRequest::parse(&body)?;
    let voice = find_voice(
        &app.settings.system_voices,
        app.store.as_ref(),
        &request.voice_id,
        Some(&principal),
    )?;
    request.check_voice(&voice)?;
    Ok(AudioAnswer(Speech::new(
        &request.input,
        &request.voice_id,
        request.speed,
        request.sample_rate,
        request.format,
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(body: &str) -> &'static str {
        SpeechRequest::parse(body.as_bytes()).unwrap_err().rule()
    }

    #[test]
    fn the_cozepy_body_parses_with_its_defaults() {
        let r = SpeechRequest::parse(
            r#"{"input":"你好，世界","voice_id":"7468518753626652713","response_format":"mp3","speed":1,"sample_rate":24000}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(r.format, SpeechFormat::Mp3);
        assert_eq!((r.speed, r.sample_rate), (1.0, 24000));
    }

    #[test]
    fn the_coze_js_body_without_speed_parses() {
        let r = SpeechRequest::parse(
            br#"{"input":"hi","voice_id":"1","response_format":"opus","sample_rate":24000}"#,
        )
        .unwrap();
        assert_eq!((r.format, r.speed), (SpeechFormat::OggOpus, 1.0));
    }

    #[test]
    fn each_broken_field_is_named_by_its_rule() {
        let long = format!("{}aa", "字".repeat(341)); // 342 characters, 1,025 bytes
        let cases = [
            ("not json".to_owned(), "speech.body_invalid"),
            (r#"{"voice_id":"1"}"#.to_owned(), "speech.body_invalid"),
            (
                r#"{"input":"","voice_id":"1"}"#.to_owned(),
                "speech.body_invalid",
            ),
            (r#"{"input":"hi"}"#.to_owned(), "speech.body_invalid"),
            (
                format!(r#"{{"input":"{long}","voice_id":"1"}}"#),
                "speech.input_max_bytes",
            ),
            (
                r#"{"input":"hi","voice_id":"1","response_format":"flac"}"#.to_owned(),
                "speech.response_format",
            ),
            (
                r#"{"input":"hi","voice_id":"1","sample_rate":11025}"#.to_owned(),
                "speech.sample_rate",
            ),
            (
                r#"{"input":"hi","voice_id":"1","loudness_rate":448}"#.to_owned(),
                "speech.param_invalid",
            ),
            (
                r#"{"input":"hi","voice_id":"1","loudness_rate":-51}"#.to_owned(),
                "speech.param_invalid",
            ),
            (
                r#"{"input":"hi","voice_id":"1","emotion":"joyful"}"#.to_owned(),
                "speech.param_invalid",
            ),
            (
                r#"{"input":"hi","voice_id":"1","emotion_scale":7}"#.to_owned(),
                "speech.param_invalid",
            ),
            (
                r#"{"input":"hi","voice_id":"1","emotion_scale":0.5}"#.to_owned(),
                "speech.param_invalid",
            ),
            (
                r#"{"input":"hi","voice_id":"1","context_texts":["sad"]}"#.to_owned(),
                "speech.body_invalid",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(rule(&body), expected, "body {body:.60}");
        }
    }

    #[test]
    fn the_input_limit_counts_bytes_not_characters() {
        let at_limit = format!("{}a", "字".repeat(341)); // 1,024 bytes
        assert!(SpeechRequest::parse(
            format!(r#"{{"input":"{at_limit}","voice_id":"1"}}"#).as_bytes()
        )
        .is_ok());
    }

    #[test]
    fn null_fields_and_a_zero_sample_rate_mean_not_given() {
        let go = br#"{"input":"hi","voice_id":"1","response_format":null,"speed":null,"sample_rate":null,"loudness_rate":null,"emotion":null,"emotion_scale":null,"context_texts":null}"#;
        let r = SpeechRequest::parse(go).unwrap();
        assert_eq!(
            (r.format, r.speed, r.sample_rate),
            (SpeechFormat::Mp3, 1.0, 24000)
        );
        let java =
            br#"{"input":"hi","voice_id":"1","response_format":"mp3","speed":1.0,"sample_rate":0}"#;
        assert_eq!(SpeechRequest::parse(java).unwrap().sample_rate, 24000);
    }

    #[test]
    fn every_documented_emotion_and_scale_bound_parses() {
        for emotion in SPEECH_EMOTIONS {
            for scale in [1, 5] {
                let body = format!(
                    r#"{{"input":"hi","voice_id":"1","emotion":"{emotion}","emotion_scale":{scale},"loudness_rate":100,"context_texts":"低沉"}}"#
                );
                assert!(SpeechRequest::parse(body.as_bytes()).is_ok(), "{body}");
            }
        }
    }
}
