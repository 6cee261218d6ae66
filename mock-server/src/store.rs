//! Where the fake's state lives: the rules it decides, and [`SqliteStore`], which keeps it.
//!
//! The two rules that depend on state are decided inside the store, atomically, so they stay exact under
//! concurrent requests: a new voice takes a free slot of its account ([`check_free_slot`]), and a retrain
//! counts towards the 10 clones a voice id allows ([`check_retrain`]). Each rule is written once, as a
//! function, and the store calls it inside the one transaction that reads the count and writes the voice.
//!
//! There is one store, [`SqliteStore`]: on a file for the binary (state survives restarts and `kill -9`),
//! or on SQLite's `:memory:` for `--in-memory` and for [`crate::MockServer`]. One backend means one place
//! where each rule can be wrong. Its parts: `sqlite.rs` opens the database and holds the schema;
//! `group_commit.rs` commits the writes requests wait for (a clone, a retrain) in one transaction per
//! batch; `voices.rs` and `seeds.rs` hold the statements of their tables.
//!
//! # SQLite on the async workers
//! Reads (a voice by id, a page of the list, the seeds) run on the calling task: each is a few short
//! statements on an index or a primary key, a few microseconds, less than a hand-off to another thread
//! costs. A write's commit runs on tokio's blocking threads for a file database (a worker that commits
//! stops reading uploads), and on the calling task in memory (where the hand-off costs more than the
//! commit); the measurements behind both choices are in bench/README.md ("Where a commit runs").

mod group_commit;
mod seeds;
mod sqlite;
mod voices;

use rand::Rng;

use crate::rules::{AudioFormat, Language, CLONES_PER_VOICE_ID};

pub(crate) use sqlite::SqliteStore;

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

/// 「如需…复刻更多音色，请…购买音色复刻扩容包」: a new voice needs a free slot of its account, counted
/// across all the account's workspaces.
pub(crate) fn check_free_slot(used: u32, slots: u32) -> Result<(), StoreError> {
    if used >= slots {
        return Err(StoreError::NoVoiceSlots { used, total: slots });
    }
    Ok(())
}

/// 「同一个音色 ID 最多复刻 10 次」: a retrain is refused once the id has been cloned 10 times.
pub(crate) fn check_retrain(voice: &Voice) -> Result<(), StoreError> {
    if voice.clone_count >= CLONES_PER_VOICE_ID {
        return Err(StoreError::CloneLimitReached(voice.voice_id.clone()));
    }
    Ok(())
}

/// A new voice id: 19 decimal digits starting with 7, like the ids on the page.
pub(crate) fn new_voice_id() -> String {
    let n: u64 = rand::rng().random_range(7_000_000_000_000_000_000..7_999_999_999_999_999_999);
    n.to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every voice of `space`, newest first.
    pub(crate) fn voices_of(store: &SqliteStore, space: &str) -> Vec<Voice> {
        store.voice_page(&[space.to_owned()], 0, u32::MAX).unwrap()
    }

    /// What a clone sends, for the store's tests.
    pub(crate) fn sample() -> VoiceSample {
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
    fn the_last_slot_is_usable_and_the_next_is_not() {
        assert_eq!(check_free_slot(1, 2), Ok(()));
        assert_eq!(
            check_free_slot(2, 2),
            Err(StoreError::NoVoiceSlots { used: 2, total: 2 })
        );
        assert!(check_free_slot(0, 0).is_err(), "no slots, no voice");
    }
}
