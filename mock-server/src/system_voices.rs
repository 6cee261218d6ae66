//! Voices as the list, speech and preview see them: the configured system voices and the cloned voices of
//! the store, behind one lookup.

use crate::config::{SupportEmotion, SystemVoiceConfig};
use crate::directory::Principal;
use crate::error::ApiError;
use crate::rules::DEFAULT_PREVIEW_TEXT;
use crate::store::{SqliteStore, Voice};

/// `create_time` and `update_time` of every system voice (2024-10-15, when Coze's voice API appeared in
/// the SDKs): the real values are not known and only need to be stable.
pub(crate) const SYSTEM_VOICE_TIME: i64 = 1_728_950_400;

/// The preview text of a system voice: its own, or the documented default.
pub(crate) fn system_preview_text(v: &SystemVoiceConfig) -> &str {
    v.preview_text.as_deref().unwrap_or(DEFAULT_PREVIEW_TEXT)
}

/// A voice a request may speak with.
#[derive(Debug, Clone)]
pub enum SpeakingVoice<'a> {
    /// A configured system voice.
    System(&'a SystemVoiceConfig),
    /// A cloned voice.
    Cloned(Box<Voice>),
}

impl SpeakingVoice<'_> {
    /// `big` or `small`; cloned voices are large-model voices.
    pub fn model_type(&self) -> &'static str {
        match self {
            SpeakingVoice::System(v) if v.model_type == "small" => "small",
            _ => "big",
        }
    }

    /// The emotions a multi-emotion voice lists; `None` for the others (cloned voices among them).
    pub fn support_emotions(&self) -> Option<&[SupportEmotion]> {
        match self {
            SpeakingVoice::System(v) => v.support_emotions.as_deref(),
            SpeakingVoice::Cloned(_) => None,
        }
    }

    /// The text of its preview audio.
    pub fn preview_text(&self) -> &str {
        match self {
            SpeakingVoice::System(v) => system_preview_text(v),
            SpeakingVoice::Cloned(v) => &v.sample.preview_text,
        }
    }
}

/// Finds `voice_id` among the system voices, then the cloned ones; with a `principal`, a cloned voice of
/// a workspace it is not a member of is refused: 「不允许跨空间使用」.
pub(crate) fn find_voice<'a>(
    system: &'a [SystemVoiceConfig],
    store: &SqliteStore,
    voice_id: &str,
    principal: Option<&Principal>,
) -> Result<SpeakingVoice<'a>, ApiError> {
    if let Some(v) = system.iter().find(|v| v.voice_id == voice_id) {
        return Ok(SpeakingVoice::System(v));
    }
    match store.voice_anywhere(voice_id)? {
        None => Err(ApiError::UnknownVoice {
            voice_id: voice_id.to_owned(),
        }),
        Some(v) if principal.is_some_and(|p| !p.may_use_space(&v.space_id)) => {
            Err(ApiError::VoiceOfOtherSpace {
                voice_id: voice_id.to_owned(),
            })
        }
        Some(v) => Ok(SpeakingVoice::Cloned(Box::new(v))),
    }
}
