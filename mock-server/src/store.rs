//! Where cloned voices live: the [`VoiceStore`] trait and its in-memory implementation.
//!
//! The two rules that depend on state are decided inside the store, atomically, so they stay exact under
//! concurrent requests: a new voice takes a free slot of its account, and a retrain counts towards the
//! 10 clones a voice id allows. [`MemoryStore`] keeps everything under one `std::sync::Mutex`: nothing
//! awaits while it is held (clippy's `await_holding_lock` guards that), and every operation is a few
//! map look-ups, so a Tokio mutex would only add cost.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::Rng;

use crate::rules::{AudioFormat, Language, CLONES_PER_VOICE_ID};

/// A cloned voice.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    /// 19 decimal digits, like the page's `734829333445931****`.
    pub voice_id: String,
    /// The workspace it lives in; invisible from any other.
    pub space_id: String,
    /// The account whose slot it takes.
    pub account_id: String,
    /// What the latest clone sent.
    pub sample: VoiceSample,
    /// Clones of this id so far, the first included.
    pub clone_count: u32,
    /// Unix seconds of the first clone.
    pub create_time: i64,
    /// Unix seconds of the latest clone.
    pub update_time: i64,
}

impl Voice {
    /// Clones this voice id has left: 「同一个音色 ID 最多复刻 10 次」.
    pub fn available_training_times(&self) -> u32 {
        CLONES_PER_VOICE_ID.saturating_sub(self.clone_count)
    }
}

/// What one clone request contributes to a voice.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceSample {
    /// `voice_name`.
    pub name: String,
    /// `language`.
    pub language: Language,
    /// `preview_text`, or the documented default.
    pub preview_text: String,
    /// `text`, if sent.
    pub text: Option<String>,
    /// `description`, if sent (cozepy sends it).
    pub description: Option<String>,
    /// The format the audio's bytes showed.
    pub audio_format: AudioFormat,
    /// The audio's duration, where it could be measured.
    pub duration_secs: Option<f64>,
}

/// Why the store refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// Occurs when the account holds as many voices as it has slots.
    #[error("no free voice slot: {used} of {total} used")]
    NoVoiceSlots {
        /// Voices the account holds.
        used: u32,
        /// Its slots.
        total: u32,
    },
    /// Occurs when the voice id has been cloned 10 times already.
    #[error("voice {0} reached the clone limit")]
    CloneLimitReached(String),
    /// Occurs when no voice of that id lives in the workspace.
    #[error("voice {voice_id} not found in workspace {space_id}")]
    VoiceNotFound {
        /// The id asked for.
        voice_id: String,
        /// The workspace searched.
        space_id: String,
    },
    /// Occurs when the storage itself fails.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The state of the fake, behind one small interface.
pub trait VoiceStore: Send + Sync + 'static {
    /// Creates a voice in `space_id` if `account_id` holds fewer than `slots` voices.
    fn create_voice(
        &self,
        account_id: &str,
        space_id: &str,
        slots: u32,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError>;

    /// Retrains voice `voice_id` of `space_id`: replaces its sample and counts one clone, keeping the id.
    fn retrain_voice(
        &self,
        space_id: &str,
        voice_id: &str,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError>;

    /// The voice `voice_id` if it lives in `space_id`.
    fn voice(&self, space_id: &str, voice_id: &str) -> Result<Option<Voice>, StoreError>;

    /// Every voice of `space_id`, newest first.
    fn voices(&self, space_id: &str) -> Result<Vec<Voice>, StoreError>;
}

/// Every voice, in memory, keyed by voice id.
#[derive(Debug, Default)]
pub struct MemoryStore {
    voices: Mutex<HashMap<String, Voice>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Voice>> {
        // A panic while holding the lock cannot leave a half-written voice (each write is one insert),
        // so a poisoned map is still consistent.
        self.voices.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A new voice id: 19 decimal digits starting with 7, like the ids on the page.
pub fn new_voice_id() -> String {
    let n: u64 = rand::rng().random_range(7_000_000_000_000_000_000..7_999_999_999_999_999_999);
    n.to_string()
}

impl VoiceStore for MemoryStore {
    fn create_voice(
        &self,
        account_id: &str,
        space_id: &str,
        slots: u32,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError> {
        let mut voices = self.lock();
        let used = voices
            .values()
            .filter(|v| v.account_id == account_id)
            .count() as u32;
        if used >= slots {
            return Err(StoreError::NoVoiceSlots { used, total: slots });
        }
        let voice_id = loop {
            let id = new_voice_id();
            if !voices.contains_key(&id) {
                break id;
            }
        };
        let voice = Voice {
            voice_id: voice_id.clone(),
            space_id: space_id.to_owned(),
            account_id: account_id.to_owned(),
            sample,
            clone_count: 1,
            create_time: now,
            update_time: now,
        };
        voices.insert(voice_id, voice.clone());
        Ok(voice)
    }

    fn retrain_voice(
        &self,
        space_id: &str,
        voice_id: &str,
        sample: VoiceSample,
        now: i64,
    ) -> Result<Voice, StoreError> {
        let mut voices = self.lock();
        let voice = voices
            .get_mut(voice_id)
            .filter(|v| v.space_id == space_id)
            .ok_or_else(|| StoreError::VoiceNotFound {
                voice_id: voice_id.to_owned(),
                space_id: space_id.to_owned(),
            })?;
        if voice.clone_count >= CLONES_PER_VOICE_ID {
            return Err(StoreError::CloneLimitReached(voice_id.to_owned()));
        }
        voice.clone_count += 1;
        voice.sample = sample;
        voice.update_time = now;
        Ok(voice.clone())
    }

    fn voice(&self, space_id: &str, voice_id: &str) -> Result<Option<Voice>, StoreError> {
        Ok(self
            .lock()
            .get(voice_id)
            .filter(|v| v.space_id == space_id)
            .cloned())
    }

    fn voices(&self, space_id: &str) -> Result<Vec<Voice>, StoreError> {
        let mut list: Vec<Voice> = self
            .lock()
            .values()
            .filter(|v| v.space_id == space_id)
            .cloned()
            .collect();
        list.sort_by(|a, b| {
            (b.create_time, &b.voice_id).cmp(&(a.create_time, &a.voice_id))
        });
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VoiceSample {
        VoiceSample {
            name: "jay".into(),
            language: Language::Zh,
            preview_text: "hi".into(),
            text: None,
            description: None,
            audio_format: AudioFormat::Wav,
            duration_secs: Some(12.0),
        }
    }

    #[test]
    fn voice_ids_have_nineteen_digits() {
        for _ in 0..100 {
            let id = new_voice_id();
            assert_eq!(id.len(), 19, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_eleventh_clone_of_a_voice_id_is_refused() {
        let store = MemoryStore::new();
        let v = store.create_voice("a", "1", 1, sample(), 0).unwrap();
        for n in 2..=10 {
            let r = store.retrain_voice("1", &v.voice_id, sample(), n).unwrap();
            assert_eq!(r.clone_count, n as u32);
            assert_eq!(r.voice_id, v.voice_id);
        }
        assert_eq!(
            store.retrain_voice("1", &v.voice_id, sample(), 11),
            Err(StoreError::CloneLimitReached(v.voice_id.clone()))
        );
    }

    #[test]
    fn slots_are_counted_across_the_accounts_workspaces() {
        let store = MemoryStore::new();
        store.create_voice("a", "1", 2, sample(), 0).unwrap();
        store.create_voice("a", "2", 2, sample(), 0).unwrap();
        assert_eq!(
            store.create_voice("a", "1", 2, sample(), 0),
            Err(StoreError::NoVoiceSlots { used: 2, total: 2 })
        );
        assert!(store.create_voice("b", "3", 2, sample(), 0).is_ok());
    }

    #[test]
    fn a_voice_is_invisible_from_another_workspace() {
        let store = MemoryStore::new();
        let v = store.create_voice("a", "1", 5, sample(), 0).unwrap();
        assert_eq!(store.voice("2", &v.voice_id), Ok(None));
        assert!(matches!(
            store.retrain_voice("2", &v.voice_id, sample(), 1),
            Err(StoreError::VoiceNotFound { .. })
        ));
        assert!(store.voices("2").unwrap().is_empty());
    }
}
