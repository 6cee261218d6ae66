//! [`Settings`]: what the configuration file fixes for a server's life, apart from its tokens.

use crate::audio::AudioPolicy;
use crate::config::{Config, SystemVoiceConfig};
use crate::fidelity::{FidelitySettings, RuleSettings};
use crate::request_body::Limits;

/// How uploads are judged (`[audio]`), which source the fake follows (`[fidelity]`), the documented
/// rules in force (`[rules]`), the fake's own bounds (`[limits]`) and the system voices. They come from the configuration file only: seeds
/// and resets change tokens and voices ([`crate::directory::Directory`]), never these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// How uploads are judged beyond their format.
    pub audio: AudioPolicy,
    /// Which source the fake follows where they disagree.
    pub fidelity: FidelitySettings,
    /// Documented rules that changed between versions of the page.
    pub rules: RuleSettings,
    /// The fake's own bounds: the body deadline.
    pub limits: Limits,
    /// The system voices every token may list and speak with.
    pub system_voices: Vec<SystemVoiceConfig>,
}

impl Settings {
    /// The settings `config` declares.
    pub fn of(config: &Config) -> Settings {
        Settings {
            audio: config.audio.clone(),
            fidelity: config.fidelity.clone(),
            rules: config.rules.clone(),
            limits: config.limits,
            system_voices: config.system_voices.clone(),
        }
    }
}
