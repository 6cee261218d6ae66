//! The state a server starts from, and returns to on reset: the configuration plus every seed the store
//! recorded give the directory of accounts and tokens, and every voice they declare is written to the store.

use crate::config::{Config, VoiceConfig};
use crate::directory::Directory;
use crate::fnv::fnv1a;
use crate::rules::{AudioFormat, CLONES_PER_VOICE_ID, DEFAULT_PREVIEW_TEXT};
use crate::state::now;
use crate::store::{SqliteStore, Voice, VoiceSample};

/// The configuration plus every seed the store has recorded.
pub(crate) fn effective_config(base: &Config, store: &SqliteStore) -> anyhow::Result<Config> {
    let mut config = base.clone();
    for seed in store.seeds()? {
        config.extend(serde_json::from_str(&seed)?);
    }
    Ok(config)
}

/// Loads the state at start-up or after a reset: the configuration and the stored seeds give the
/// directory, and every declared voice the store does not hold yet is written (a voice the store holds
/// keeps its retrains).
pub(crate) fn load(base: &Config, store: &SqliteStore) -> anyhow::Result<Directory> {
    let config = effective_config(base, store)?;
    let directory = config.validate()?;
    let time = now();
    for v in &config.voices {
        let owner = config.workspace_owner(&v.space_id).unwrap_or_default();
        let voice = configured_voice(v, owner, time);
        if store.voice_anywhere(&voice.voice_id)?.is_none() {
            store.put_voice(&voice)?;
        }
    }
    Ok(directory)
}

/// The id of a configured voice: its own, or one derived from its workspace and name (FNV-1a), so the
/// same configuration names the same voice across restarts.
pub(crate) fn configured_voice_id(v: &VoiceConfig) -> String {
    if let Some(id) = &v.voice_id {
        return id.clone();
    }
    let hash = fnv1a(format!("{}\0{}", v.space_id, v.name).as_bytes());
    format!("7{:018}", hash % 1_000_000_000_000_000_000)
}

/// The stored form of a configured voice owned by `account_id`.
pub(crate) fn configured_voice(v: &VoiceConfig, account_id: &str, now: i64) -> Voice {
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
