//! The configuration file: accounts, their workspaces, the tokens that reach them, voices, audio policy.
//!
//! Read from TOML ([`Config::from_file`], `coze-mock serve --config FILE`) or JSON (admin seeds); with no
//! file, [`Config::default`] gives a working setup: the token `pat_mock`, with every permission, on an
//! enterprise account with 100 voice slots and one personal workspace. A file that declares no account,
//! workspace or token (only `[fidelity]`, say) keeps that setup. Validation checks every reference and
//! id, reports every problem at once, and builds the runtime table of tokens; [`Config::from_file`]
//! validates, and so does a server starting from a configuration. The `[fidelity]`, `[rules]` and
//! `[limits]` tables are [`FidelitySettings`], [`RuleSettings`] and [`Limits`].

mod file;
mod reach;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::audio::AudioPolicy;
pub use crate::fidelity::{FidelitySettings, RuleSettings};
pub use crate::request_body::Limits;
pub use validate::{ConfigError, ItemPath, Problem, Step};

use crate::directory::Directory;
use crate::json_integer::integer;
use crate::rules::{Language, Plan, CLONES_PER_VOICE_ID, PERMISSIONS, SLOTS_INCLUDED_WITH_PLAN};

/// The token a default server accepts.
pub const DEFAULT_TOKEN: &str = "pat_mock";
/// The account of the default token.
pub const DEFAULT_ACCOUNT: &str = "mock-enterprise";
/// The personal workspace of the default token (19 digits, like the page's `736163827687053****`).
pub const DEFAULT_SPACE_ID: &str = "7361638276870530000";
/// Voice slots of the default account: enough that local development does not hit the quota by accident.
pub const DEFAULT_VOICE_SLOTS: u32 = 100;

/// The whole configuration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Coze accounts (a team or an enterprise, or a personal account).
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// Workspaces, each owned by one account.
    #[serde(default)]
    pub workspaces: Vec<WorkspaceConfig>,
    /// Personal access tokens.
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// The system voices every workspace lists and may synthesise with; [`default_system_voices`] if
    /// the file does not say (`system_voices = []` for none).
    #[serde(default = "default_system_voices")]
    pub system_voices: Vec<SystemVoiceConfig>,
    /// Cloned voices that exist from the start (and again after `POST /__admin/reset`).
    #[serde(default)]
    pub voices: Vec<VoiceConfig>,
    /// How uploaded audio is judged beyond its format: duration bounds and the `text` check (`[audio]`).
    #[serde(default)]
    pub audio: AudioPolicy,
    /// Which source the fake follows where they disagree (`[fidelity]`; `coze-mock fidelity` lists each choice).
    #[serde(default)]
    pub fidelity: FidelitySettings,
    /// Documented rules that changed between versions of the page (`[rules]`).
    #[serde(default)]
    pub rules: RuleSettings,
    /// The fake's own bounds: the body deadline (`[limits]`).
    #[serde(default)]
    pub limits: Limits,
}

/// A cloned voice declared in the configuration or seeded through the admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceConfig {
    /// Its id (decimal digits); a fresh 19-digit id if absent.
    #[serde(default)]
    pub voice_id: Option<String>,
    /// The workspace it lives in; its slot is taken from the workspace's account.
    pub space_id: String,
    /// Its name.
    pub name: String,
    /// Its language; `zh` if absent.
    #[serde(default = "chinese")]
    pub language: Language,
    /// The text of its preview; the documented default if absent.
    #[serde(default)]
    pub preview_text: Option<String>,
    /// Clones it has left, 0 to 9 (a voice has been cloned at least once); 9 if absent.
    #[serde(default = "nine", deserialize_with = "integer")]
    pub available_training_times: u32,
}

fn chinese() -> Language {
    Language::Zh
}

fn nine() -> u32 {
    CLONES_PER_VOICE_ID - 1
}

impl VoiceConfig {
    /// A voice named `name` in workspace `space_id`, with every other field at its default.
    pub fn new(space_id: &str, name: &str) -> VoiceConfig {
        VoiceConfig {
            voice_id: None,
            space_id: space_id.to_owned(),
            name: name.to_owned(),
            language: chinese(),
            preview_text: None,
            available_training_times: nine(),
        }
    }
}

/// A system voice (系统音色): listed with `is_system_voice: true`, never cloned or retrained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemVoiceConfig {
    /// 19 decimal digits, like cloned voices' ids.
    pub voice_id: String,
    /// Its display name.
    pub name: String,
    /// One of the six languages.
    pub language: Language,
    /// The text of its preview audio; the documented default if absent.
    #[serde(default)]
    pub preview_text: Option<String>,
    /// `big` (large-model voice, the default) or `small`.
    #[serde(default = "big")]
    pub model_type: String,
    /// The emotions of a multi-emotion voice (the list's `support_emotions`); absent for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_emotions: Option<Vec<SupportEmotion>>,
}

/// One emotion of a multi-emotion voice, as the voice list shows it: 「音色支持的情感类型列表，仅当音色为
/// 多情感音色时返回」 (the current list page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportEmotion {
    /// One of the speech page's emotions (`happy`, `sad`, …).
    pub emotion: String,
    /// Its display name (开心, 悲伤, …).
    pub display_name: String,
    /// The `emotion_scale` range of this emotion.
    pub emotion_scale_interval: EmotionScaleInterval,
}

/// `{min, max, default}` of an emotion's scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmotionScaleInterval {
    /// Lowest scale.
    pub min: f64,
    /// Highest scale.
    pub max: f64,
    /// Scale when none is sent.
    pub default: f64,
}

fn big() -> String {
    "big".to_owned()
}

/// The system voices of a default server. Invented: the real catalogue is not public in a stable form,
/// so these only give the list and speech something to show (`docs/fidelity.md`).
pub fn default_system_voices() -> Vec<SystemVoiceConfig> {
    let voice = |voice_id: &str, name: &str, language| SystemVoiceConfig {
        voice_id: voice_id.to_owned(),
        name: name.to_owned(),
        language,
        preview_text: None,
        model_type: big(),
        support_emotions: None,
    };
    vec![
        voice("7426720361732915209", "通用女声", Language::Zh),
        voice("7426720361732931593", "通用男声", Language::Zh),
        voice("7426720361732947977", "Friendly Female", Language::En),
        voice("7426720361732964361", "Calm Male", Language::En),
    ]
}

/// An account: its plan, the voice slots it bought, whether it is in arrears.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// A name for the account, used by workspaces and tokens.
    pub id: String,
    /// personal, team or enterprise.
    pub plan: Plan,
    /// Slots bought as 音色复刻扩容包, on top of the one a team or enterprise plan includes.
    #[serde(default, deserialize_with = "integer")]
    pub bought_voice_slots: u32,
    /// An account in arrears is refused service.
    #[serde(default)]
    pub in_arrears: bool,
}

/// A workspace (空间).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// The Space ID: decimal digits, as in the page's `736163827687053****`.
    pub id: String,
    /// The account that owns it.
    pub account: String,
}

/// A personal access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The token as sent after `Bearer `.
    pub value: String,
    /// The account its user belongs to.
    pub account: String,
    /// The user's personal workspace: 「默认保存在当前账号的个人空间中」.
    pub personal_workspace: String,
    /// Other workspaces the user is a member of.
    #[serde(default)]
    pub workspaces: Vec<String>,
    /// Permissions granted to the token (`createVoice`, `listVoice`, `createSpeech`); all three when
    /// the key is absent, so a token written for cloning alone keeps listing and speaking.
    #[serde(default = "all_permissions")]
    pub permissions: Vec<String>,
    /// When the token stops working (RFC 3339); never, if absent.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Every permission the voice endpoints check.
pub fn all_permissions() -> Vec<String> {
    PERMISSIONS.iter().map(|p| (*p).to_owned()).collect()
}

impl Default for Config {
    /// `pat_mock` on an enterprise account, so that both `[rules] clone_plans` (team and enterprise, or
    /// enterprise only) let it clone.
    fn default() -> Self {
        let account = DEFAULT_ACCOUNT.to_owned();
        Config {
            accounts: vec![AccountConfig {
                id: account.clone(),
                plan: Plan::Enterprise,
                bought_voice_slots: DEFAULT_VOICE_SLOTS - SLOTS_INCLUDED_WITH_PLAN,
                in_arrears: false,
            }],
            workspaces: vec![WorkspaceConfig {
                id: DEFAULT_SPACE_ID.to_owned(),
                account: account.clone(),
            }],
            tokens: vec![TokenConfig {
                value: DEFAULT_TOKEN.to_owned(),
                account,
                personal_workspace: DEFAULT_SPACE_ID.to_owned(),
                workspaces: Vec::new(),
                permissions: all_permissions(),
                expires_at: None,
            }],
            system_voices: default_system_voices(),
            voices: Vec::new(),
            audio: AudioPolicy::default(),
            fidelity: FidelitySettings::default(),
            rules: RuleSettings::default(),
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// Reads, parses and validates a TOML configuration file. Every problem is reported at once, each
    /// with the file and line; a syntax or shape error (the parser stops at the first) comes alone. A
    /// file declaring no account, workspace or token gets the default ones.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let file = file::ConfigFile::read(path)?;
        file.validate()?;
        Ok(file.into_config())
    }

    /// Parses TOML text, without validating it: a syntax or shape error names its line.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        file::parse(text).map_err(|problem| ConfigError::Invalid {
            file: None,
            problems: vec![problem],
        })
    }

    /// Checks every reference and id, and builds the lookup tables the server uses; on failure, names
    /// every problem (by table and index, e.g. `tokens[2].account`).
    pub(crate) fn validate(&self) -> Result<Directory, ConfigError> {
        let (tokens, problems) = validate::check(self);
        if problems.is_empty() {
            Ok(Directory::new(tokens))
        } else {
            Err(ConfigError::Invalid {
                file: None,
                problems,
            })
        }
    }

    /// Whether it declares no account, workspace or token (a file holding only settings).
    pub(crate) fn declares_no_principals(&self) -> bool {
        self.accounts.is_empty() && self.workspaces.is_empty() && self.tokens.is_empty()
    }

    /// Whether its accounts, workspaces and tokens are [`Config::default`]'s: `pat_mock` alone, on the
    /// default account.
    pub fn has_default_principals(&self) -> bool {
        let default = Config::default();
        let ids = |c: &Config| {
            (
                c.accounts.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
                c.workspaces
                    .iter()
                    .map(|w| w.id.clone())
                    .collect::<Vec<_>>(),
                c.tokens.iter().map(|t| t.value.clone()).collect::<Vec<_>>(),
            )
        };
        ids(self) == ids(&default)
    }

    /// Takes [`Config::default`]'s accounts, workspaces and tokens.
    fn with_default_principals(self) -> Config {
        let default = Config::default();
        Config {
            accounts: default.accounts,
            workspaces: default.workspaces,
            tokens: default.tokens,
            ..self
        }
    }

    /// The account owning workspace `space_id`.
    pub(crate) fn workspace_owner(&self, space_id: &str) -> Option<&str> {
        self.workspaces
            .iter()
            .find(|w| w.id == space_id)
            .map(|w| w.account.as_str())
    }

    /// Adds the accounts, workspaces, tokens and voices of `other` (its system voices and audio policy
    /// are ignored: those come from the configuration file only).
    pub(crate) fn extend(&mut self, other: Config) {
        self.accounts.extend(other.accounts);
        self.workspaces.extend(other.workspaces);
        self.tokens.extend(other.tokens);
        self.voices.extend(other.voices);
    }
}

/// Whether `s` is a non-empty run of decimal digits, the shape of Coze's ids.
pub(crate) fn is_decimal_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_accepts_pat_mock_with_a_hundred_slots() {
        let dir = Config::default().validate().unwrap();
        let p = dir.principal(DEFAULT_TOKEN).unwrap();
        assert_eq!(p.account.voice_slots, 100);
        assert_eq!(p.personal_space, DEFAULT_SPACE_ID);
        for permission in PERMISSIONS {
            assert!(p.has_permission(permission), "{permission}");
        }
    }

    #[test]
    fn pat_mock_may_clone_under_both_plan_rules() {
        let mut cfg = Config::default();
        cfg.rules.clone_plans = vec![Plan::Enterprise];
        let dir = cfg.validate().unwrap();
        assert!(cfg
            .rules
            .may_clone(dir.principal(DEFAULT_TOKEN).unwrap().account.plan));
    }

    #[test]
    fn a_token_without_a_permissions_key_gets_all_three() {
        let cfg = Config::from_toml(
            "[[accounts]]\nid='a'\nplan='team'\n[[workspaces]]\nid='1'\naccount='a'\n\
             [[tokens]]\nvalue='t'\naccount='a'\npersonal_workspace='1'\n",
        )
        .unwrap();
        assert_eq!(cfg.tokens[0].permissions, all_permissions());
    }

    #[test]
    fn an_empty_plan_list_is_refused_at_load() {
        let mut cfg = Config::default();
        cfg.rules.clone_plans.clear();
        assert!(cfg
            .validate()
            .unwrap_err()
            .to_string()
            .contains("clone_plans"));
    }

    #[test]
    fn the_fidelity_and_rules_tables_parse() {
        let cfg = Config::from_toml(
            "[fidelity]\nclone_answer='voice'\naudio_format_required=true\nerror_status='always_200'\n\
             [rules]\nclone_plans=['enterprise']\n",
        )
        .unwrap();
        use crate::fidelity::{CloneAnswer, ErrorStatus};
        assert_eq!(cfg.fidelity.clone_answer, CloneAnswer::Voice);
        assert!(cfg.fidelity.audio_format_required);
        assert_eq!(cfg.fidelity.error_status, ErrorStatus::Always200);
        assert_eq!(cfg.rules.clone_plans, vec![Plan::Enterprise]);
        assert!(Config::from_toml("[fidelity]\nclone_answer='full'\n").is_err());
    }

    #[test]
    fn the_limits_table_sets_the_body_deadline_and_a_deadline_of_0_is_refused_with_its_line() {
        let cfg = Config::from_toml("[limits]\nbody_deadline_secs = 1.5\n").unwrap();
        assert_eq!(
            cfg.limits.body_deadline(),
            std::time::Duration::from_millis(1500)
        );
        assert!(Config::from_toml("[limits]\nbody_deadline = 1\n").is_err());
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "[limits]\nbody_deadline_secs = 0\n").unwrap();
        let refused = Config::from_file(file.path()).unwrap_err().to_string();
        assert!(
            refused.contains(":2:") && refused.contains("body_deadline_secs"),
            "{refused}"
        );
    }

    #[test]
    fn personal_plans_have_no_voice_slots_even_if_some_were_bought() {
        let cfg = Config::from_toml(
            r#"
            [[accounts]]
            id = "p"
            plan = "personal"
            bought_voice_slots = 5
            [[workspaces]]
            id = "9"
            account = "p"
            [[tokens]]
            value = "t"
            account = "p"
            personal_workspace = "9"
            permissions = ["createVoice"]
            "#,
        )
        .unwrap();
        let dir = cfg.validate().unwrap();
        assert_eq!(dir.principal("t").unwrap().account.voice_slots, 0);
    }

    #[test]
    fn a_file_of_settings_alone_keeps_the_default_token() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "[fidelity]\nerror_status = \"always_200\"\n").unwrap();
        let cfg = Config::from_file(file.path()).unwrap();
        assert!(cfg.has_default_principals());
        let dir = cfg.validate().unwrap();
        assert_eq!(
            dir.principal(DEFAULT_TOKEN).unwrap().account.voice_slots,
            100
        );
        assert_eq!(
            cfg.fidelity.error_status,
            crate::fidelity::ErrorStatus::Always200
        );
    }

    #[test]
    fn a_file_declaring_a_token_gets_no_default_one() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            "[[accounts]]\nid='a'\nplan='team'\n[[workspaces]]\nid='1'\naccount='a'\n\
             [[tokens]]\nvalue='t'\naccount='a'\npersonal_workspace='1'\n",
        )
        .unwrap();
        let cfg = Config::from_file(file.path()).unwrap();
        assert!(!cfg.has_default_principals());
        assert!(cfg.validate().unwrap().principal(DEFAULT_TOKEN).is_none());
    }

    #[test]
    fn a_seed_of_voices_alone_adds_no_default_account() {
        let seed: Config =
            serde_json::from_str(r#"{"voices": [{"space_id": "1", "name": "v"}]}"#).unwrap();
        assert!(seed.declares_no_principals());
        let mut base = Config::default();
        base.extend(seed);
        assert_eq!(base.accounts.len(), 1);
    }

    #[test]
    fn extend_adds_everything_but_system_voices_and_audio() {
        let mut base = Config::default();
        let mut seed = Config::default();
        seed.system_voices.clear();
        seed.audio.strict_duration = true;
        seed.voices
            .push(VoiceConfig::new(DEFAULT_SPACE_ID, "seeded"));
        base.extend(seed);
        assert_eq!(base.accounts.len(), 2);
        assert_eq!(base.tokens.len(), 2);
        assert_eq!(base.voices.len(), 1);
        assert_eq!(base.system_voices, default_system_voices());
        assert!(!base.audio.strict_duration);
    }
}
