//! `POST /v1/audio/voices/clone`: 复刻音色.

use axum::body::BodyDataStream;
use axum::extract::{Request, State};
use http::request::Parts;
use serde::Serialize;

use crate::audio::AudioError;
use crate::auth::authenticate;
use crate::capture::{Inputs, Notes};
use crate::clone_request::CloneRequest;
use crate::envelope::Envelope;
use crate::error::ApiError;
use crate::fidelity::CloneAnswer;
use crate::multipart::{boundary, read_clone_form, BODY_MAX_BYTES};
use crate::request_body::{content_length, drain};
use crate::rules::{AudioFormat, CREATE_VOICE_PERMISSION};
use crate::state::{now, AppState};
use crate::store::VoiceSample;
use crate::voice_view::VoiceView;

/// Clones a voice, or retrains one when `voice_id` is given. Whatever the outcome, the body has been read
/// (within bounds) before the answer goes out; what the form held is noted for the journal.
pub(crate) async fn clone_voice(
    State(app): State<AppState>,
    request: Request,
) -> Result<Envelope<CloneData>, ApiError> {
    let (head, body) = request.into_parts();
    let mut body = body.into_data_stream();
    let mut inputs = Inputs::default();
    let outcome = clone(&app, &head, &mut body, &mut inputs).await;
    Notes::of(&head.extensions).set(inputs);
    // A client that stalled or trickled is not waited for again.
    if outcome
        .as_ref()
        .is_err_and(|e| !matches!(e, ApiError::BodyTooSlow(_)))
    {
        drain(&head.headers, &mut body).await;
    }
    let answer = app.settings.fidelity.clone_answer;
    outcome.map(|voice| Envelope(CloneData::new(voice, answer)))
}

/// The `data` of a successful clone: `{"voice_id"}` as documented (coze-go `CloneAudioVoicesResp`,
/// coze-java `CloneVoiceResp`, coze-js `CloneVoiceData`, the page), or with `[fidelity] clone_answer =
/// "voice"` the whole voice, which cozepy 0.20.0 parses into its `Voice`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum CloneData {
    /// The documented answer.
    Documented {
        /// The new or retrained voice.
        voice_id: String,
    },
    /// The whole voice.
    Voice(VoiceView),
}

impl CloneData {
    /// The answer `setting` asks for.
    pub(crate) fn new(voice: VoiceView, setting: CloneAnswer) -> CloneData {
        match setting {
            CloneAnswer::Documented => CloneData::Documented {
                voice_id: voice.voice_id,
            },
            CloneAnswer::Voice => CloneData::Voice(voice),
        }
    }
}

async fn clone(
    app: &AppState,
    head: &Parts,
    body: &mut BodyDataStream,
    inputs: &mut Inputs,
) -> Result<VoiceView, ApiError> {
    let principal = authenticate(&head.headers, &app.directory, now())?;
    if !principal.has_permission(CREATE_VOICE_PERMISSION) {
        return Err(ApiError::MissingPermission {
            permission: CREATE_VOICE_PERMISSION,
        });
    }
    if !app.settings.rules.may_clone(principal.account.plan) {
        return Err(ApiError::PlanCannotClone);
    }
    if content_length(&head.headers).is_some_and(|len| len > BODY_MAX_BYTES) {
        return Err(ApiError::FileTooLarge);
    }
    let deadline = app.settings.limits.body_deadline();
    let form = read_clone_form(boundary(&head.headers)?, body, deadline, inputs).await?;
    let parsed = CloneRequest::parse(
        form,
        &app.settings.audio,
        app.settings.fidelity.audio_format_required,
    );
    if let Some(file) = &mut inputs.file {
        match &parsed {
            Ok(request) => {
                file.detected = Some(request.audio.format);
                file.duration_secs = request.audio.duration_secs;
            }
            Err(ApiError::Audio(e)) => file.detected = format_shown(e),
            Err(_) => {}
        }
    }
    let request = parsed?;
    let space_id = request
        .space_id
        .clone()
        .unwrap_or_else(|| principal.personal_space.clone());
    if !principal.may_use_space(&space_id) {
        return Err(ApiError::SpaceNotAllowed { space_id });
    }
    if principal.account.in_arrears {
        return Err(ApiError::AccountInArrears);
    }
    let sample = VoiceSample {
        name: request.voice_name,
        language: request.language,
        preview_text: request.preview_text,
        text: request.text,
        description: request.description,
        audio_format: request.audio.format,
        duration_secs: request.audio.duration_secs,
    };
    let voice = match &request.voice_id {
        Some(voice_id) => {
            app.store
                .retrain_voice(&space_id, voice_id, sample, now())
                .await
        }
        None => {
            app.store
                .create_voice(
                    &principal.account.id,
                    &space_id,
                    principal.account.voice_slots,
                    sample,
                    now(),
                )
                .await
        }
    }?;
    Ok(VoiceView::of(
        &voice,
        &app.scheme.base_url(&head.headers, &head.uri),
    ))
}

/// The format the bytes showed, when the audio was refused after the format was recognised.
fn format_shown(e: &AudioError) -> Option<AudioFormat> {
    match e {
        AudioError::Truncated { format } | AudioError::Corrupt { format, .. } => Some(*format),
        AudioError::FormatMismatch { detected, .. } => Some(*detected),
        _ => None,
    }
}
