//! `POST /v1/audio/speech`: 语音合成, with a system voice or a voice cloned in one of the caller's
//! workspaces. The answer is the audio itself with an `audio/…` Content-Type, not an envelope; errors are
//! envelopes.
//!
//! Body, as the SDKs send it (cozepy `SpeechClient.create`, @coze/api `CreateSpeechReq`): `input` (at most
//! [`SPEECH_INPUT_MAX_CHARS`] characters), `voice_id`, `response_format` (a [`SpeechFormat`], default
//! [`SpeechFormat::DEFAULT`]), `speed` (in [`SPEECH_SPEED_RANGE`], default [`SPEECH_DEFAULT_SPEED`];
//! @coze/api leaves it out), `sample_rate` (one of [`SPEECH_SAMPLE_RATES`], default
//! [`SPEECH_DEFAULT_SAMPLE_RATE`]); `emotion` and
//! `emotion_scale` are accepted and ignored. Checks run in that order, after the token. No permission is
//! required beyond a valid token (README, fidelity notes). The audio is [`crate::synth`]'s, streamed.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{Extensions, HeaderMap};
use serde::Deserialize;

use crate::api::audio_answer::AudioAnswer;
use crate::auth::authenticate;
use crate::error::ApiError;
use crate::extract::{Input, SpeechBody};
use crate::report::capture::Notes;
use crate::rules::{
    SpeechFormat, SPEECH_DEFAULT_SAMPLE_RATE, SPEECH_DEFAULT_SPEED, SPEECH_INPUT_MAX_CHARS,
    SPEECH_SAMPLE_RATES, SPEECH_SPEED_RANGE,
};
use crate::state::{now, AppState};
use crate::synth::Speech;
use crate::system_voices::find_voice;

/// The body as sent; every field optional so a missing one gets a precise error.
#[derive(Debug, Deserialize)]
struct RawSpeech {
    input: Option<String>,
    voice_id: Option<String>,
    response_format: Option<String>,
    speed: Option<f64>,
    sample_rate: Option<i64>,
}

/// A speech request that passed every check but the voice's.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechRequest {
    /// The text.
    pub input: String,
    /// The voice.
    pub voice_id: String,
    /// The audio format.
    pub format: SpeechFormat,
    /// In [`SPEECH_SPEED_RANGE`].
    pub speed: f64,
    /// One of [`SPEECH_SAMPLE_RATES`].
    pub sample_rate: u32,
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
        let chars = input.chars().count();
        if chars > SPEECH_INPUT_MAX_CHARS {
            return Err(ApiError::SpeechInputTooLong { chars });
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
        if !(SPEECH_SPEED_RANGE.0..=SPEECH_SPEED_RANGE.1).contains(&speed) {
            return Err(ApiError::SpeechSpeedOutOfRange { value: speed });
        }
        let rate = raw
            .sample_rate
            .unwrap_or(i64::from(SPEECH_DEFAULT_SAMPLE_RATE));
        let sample_rate = SPEECH_SAMPLE_RATES
            .into_iter()
            .find(|r| i64::from(*r) == rate)
            .ok_or(ApiError::SpeechSampleRateUnsupported { value: rate })?;
        Ok(SpeechRequest {
            input,
            voice_id,
            format,
            speed,
            sample_rate,
        })
    }
}

/// Synthesises `input` with the voice.
pub async fn speech(
    State(app): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<SpeechBody, ApiError>,
) -> Result<Response, ApiError> {
    if let Ok(Input(bytes, _)) = &body {
        Notes::of(&extensions).update(|inputs| inputs.json_body(bytes));
    }
    let principal = authenticate(&headers, &app.directory, now())?;
    let Input(body, _) = body?;
    let request = SpeechRequest::parse(&body)?;
    find_voice(
        &app.system_voices,
        app.store.as_ref(),
        &request.voice_id,
        Some(&principal),
    )?;
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
        let long = "字".repeat(SPEECH_INPUT_MAX_CHARS + 1);
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
                "speech.input_max_chars",
            ),
            (
                r#"{"input":"hi","voice_id":"1","response_format":"flac"}"#.to_owned(),
                "speech.response_format",
            ),
            (
                r#"{"input":"hi","voice_id":"1","speed":3.5}"#.to_owned(),
                "speech.speed_range",
            ),
            (
                r#"{"input":"hi","voice_id":"1","sample_rate":11025}"#.to_owned(),
                "speech.sample_rate",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(rule(&body), expected, "body {body:.60}");
        }
    }

    #[test]
    fn the_input_limit_counts_characters_not_bytes() {
        let at_limit = "字".repeat(SPEECH_INPUT_MAX_CHARS);
        assert!(SpeechRequest::parse(
            format!(r#"{{"input":"{at_limit}","voice_id":"1"}}"#).as_bytes()
        )
        .is_ok());
    }
}
