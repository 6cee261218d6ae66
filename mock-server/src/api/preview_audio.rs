//! `GET /__mock/preview_audio/{voice_id}.wav`: the preview audio the voice list links to.
//!
//! 「如果成功复刻音色，扣子平台会根据此文案生成一段新音色的预览音频」: each voice's `preview_text` (the
//! documented default when the clone sent none) spoken by [`crate::synth`], as WAV at the SDKs' default speech rate and speed. Like the real
//! preview URLs (links to a CDN), it needs no token.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::api::audio_answer::AudioAnswer;
use crate::error::ApiError;
use crate::rules::{SpeechFormat, SPEECH_DEFAULT_SAMPLE_RATE, SPEECH_DEFAULT_SPEED};
use crate::state::AppState;
use crate::synth::Speech;
use crate::system_voices::find_voice;

/// Serves the preview of a system or cloned voice.
pub(crate) async fn preview_audio(
    State(app): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let voice_id = file
        .strip_suffix(".wav")
        .ok_or_else(|| ApiError::UnknownVoice {
            voice_id: file.clone(),
        })?;
    let voice = find_voice(
        &app.settings.system_voices,
        app.store.as_ref(),
        voice_id,
        None,
    )?;
    Ok(AudioAnswer(Speech::new(
        voice.preview_text(),
        voice_id,
        SPEECH_DEFAULT_SPEED,
        SPEECH_DEFAULT_SAMPLE_RATE,
        SpeechFormat::Wav,
    ))
    .into_response())
}
