//! Voices as the list, speech and preview see them: the configured system voices and the cloned voices of
//! the store, behind one lookup.

use crate::api::voice_view::{preview_audio_path, VoiceView};
use crate::config::{Principal, SystemVoiceConfig, VoiceConfig};
use crate::error::ApiError;
use crate::rules::{AudioFormat, CLONES_PER_VOICE_ID, DEFAULT_PREVIEW_TEXT};
use crate::store::{SqliteStore, Voice, VoiceSample};

/// `create_time` and `update_time` of every system voice (2024-10-15, when Coze's voice API appeared in
/// the SDKs): the real values are not known and only need to be stable.
pub const SYSTEM_VOICE_TIME: i64 = 1_728_950_400;

/// The view of a system voice.
pub fn system_view(v: &SystemVoiceConfig, base_url: &str) -> VoiceView {
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
        state: "cloned",
    }
}

/// The preview text of a system voice: its own, or the documented default.
pub fn system_preview_text(v: &SystemVoiceConfig) -> &str {
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
pub fn find_voice<'a>(
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

/// The id of a configured voice: its own, or one derived from its workspace and name (FNV-1a), so the
/// same configuration names the same voice across restarts.
pub fn configured_voice_id(v: &VoiceConfig) -> String {
    if let Some(id) = &v.voice_id {
        return id.clone();
    }
    let hash = format!("{}\0{}", v.space_id, v.name)
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("7{:018}", hash % 1_000_000_000_000_000_000)
}

/// The stored form of a configured voice owned by `account_id`.
pub fn configured_voice(v: &VoiceConfig, account_id: &str, now: i64) -> Voice {
    Voice {
        voice_id: configured_voice_id(v),
        space_id: v.space_id.clone(),
        account_id: account_id.to_owned(),
        sample: VoiceSample {
            name: v.name.clone(),
            language: v.language,
            preview_text: v
                .preview_text
                .clone()
                .unwrap_or_else(|| DEFAULT_PREVIEW_TEXT.to_owned()),
            text: None,
            description: None,
            audio_format: AudioFormat::Wav,
            duration_secs: None,
        },
        clone_count: CLONES_PER_VOICE_ID - v.available_training_times.min(CLONES_PER_VOICE_ID - 1),
        create_time: now,
        update_time: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_voice_without_id_gets_the_same_19_digit_id_every_time() {
        let v = VoiceConfig::new("7000000000000000001", "narrator");
        let id = configured_voice_id(&v);
        assert_eq!(id.len(), 19);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(id, configured_voice_id(&v.clone()));
        assert_ne!(
            id,
            configured_voice_id(&VoiceConfig::new("7000000000000000001", "other"))
        );
    }

    #[test]
    fn a_configured_voice_keeps_its_training_times() {
        let mut v = VoiceConfig::new("1", "n");
        v.available_training_times = 3;
        assert_eq!(configured_voice(&v, "a", 0).available_training_times(), 3);
    }
}
