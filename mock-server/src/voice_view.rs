//! A voice as the API and the admin API show it: the `Voice` object the official SDKs parse, made from a
//! cloned voice of the store or a configured system voice.
//!
//! cozepy 0.20.0's `Voice` model requires the twelve fields below (all but `support_emotions`, which
//! only multi-emotion voices carry). The list answers them; a clone answers them only with `[fidelity]
//! clone_answer = "voice"` ([`crate::api::clone_voice::CloneData`]).

use serde::Serialize;

use crate::config::{SupportEmotion, SystemVoiceConfig};
use crate::rules::{VOICE_MODEL_TYPES, VOICE_STATES};
use crate::store::Voice;
use crate::system_voices::{system_preview_text, SYSTEM_VOICE_TIME};

/// The `model_type` of every cloned voice: clones are large-model voices.
pub(crate) const CLONED_MODEL_TYPE: &str = VOICE_MODEL_TYPES[0];

/// The `state` of every voice listed: a voice is listed once its clone succeeded.
pub(crate) const CLONED_STATE: &str = VOICE_STATES[1];

/// The JSON of one voice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoiceView {
    /// 19 decimal digits.
    pub voice_id: String,
    /// `voice_name` of the latest clone.
    pub name: String,
    /// false for cloned voices.
    pub is_system_voice: bool,
    /// `zh`, `en`, …
    pub language_code: String,
    /// 中文, 英文, …
    pub language_name: String,
    /// The preview's text.
    pub preview_text: String,
    /// Where the preview audio is served.
    pub preview_audio: String,
    /// Clones this voice id has left.
    pub available_training_times: u32,
    /// Unix seconds.
    pub create_time: i64,
    /// Unix seconds.
    pub update_time: i64,
    /// `big` (large-model voice) or `small`; clones are large-model voices.
    pub model_type: &'static str,
    /// `cloned` once a clone succeeded.
    pub state: &'static str,
    /// The emotions of a multi-emotion voice; left out for the others (the current list page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_emotions: Option<Vec<SupportEmotion>>,
}

/// The path the preview audio of a voice is served at.
pub(crate) fn preview_audio_path(voice_id: &str) -> String {
    format!("/__mock/preview_audio/{voice_id}.wav")
}

impl VoiceView {
    /// The view of a cloned voice, its preview URL rooted at `base_url` (scheme and host the client used).
    pub fn of(voice: &Voice, base_url: &str) -> VoiceView {
        VoiceView {
            voice_id: voice.voice_id.clone(),
            name: voice.sample.name.clone(),
            is_system_voice: false,
            language_code: voice.sample.language.code().to_owned(),
            language_name: voice.sample.language.name().to_owned(),
            preview_text: voice.sample.preview_text.clone(),
            preview_audio: format!("{base_url}{}", preview_audio_path(&voice.voice_id)),
            available_training_times: voice.available_training_times(),
            create_time: voice.create_time,
            update_time: voice.update_time,
            model_type: CLONED_MODEL_TYPE,
            state: CLONED_STATE,
            support_emotions: None,
        }
    }

    /// The view of a system voice.
    pub fn of_system(v: &SystemVoiceConfig, base_url: &str) -> VoiceView {
        VoiceView {
            voice_id: v.voice_id.clone(),
            name: v.name.clone(),
            is_system_voice: true,
            language_code: v.language.code().to_owned(),
            language_name: v.language.name().to_owned(),
            preview_text: system_preview_text(v).to_owned(),
            preview_audio: format!("{base_url}{}", preview_audio_path(&v.voice_id)),
            available_training_times: 0,
            create_time: SYSTEM_VOICE_TIME,
            update_time: SYSTEM_VOICE_TIME,
            model_type: if v.model_type == "small" {
                "small"
            } else {
                "big"
            },
            state: CLONED_STATE,
            support_emotions: v.support_emotions.clone(),
        }
    }
}
