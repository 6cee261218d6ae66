//! The fake's configuration: accounts, their workspaces, and the tokens that reach them.
//!
//! Loaded from TOML (`coze-mock serve --config FILE`); with no file, [`Config::default`] gives a working
//! setup: the token `pat_mock` on a team-plan account with 100 voice slots and one personal workspace.
//! [`Config::validate`] turns it into a [`Directory`], checking every cross-reference once at start-up.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::sync::RwLock;

use crate::audio::AudioPolicy;
use crate::rules::{
    Language, Plan, CLONES_PER_VOICE_ID, CREATE_VOICE_PERMISSION, SLOTS_INCLUDED_WITH_PLAN,
};

/// The token a default server accepts.
pub const DEFAULT_TOKEN: &str = "pat_mock";
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
    #[serde(default = "nine")]
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
}

fn big() -> String {
    "big".to_owned()
}

/// The system voices of a default server. Invented: the real catalogue is not public in a stable form,
/// so these only give the list and speech something to show (README, fidelity notes).
pub fn default_system_voices() -> Vec<SystemVoiceConfig> {
    let voice = |voice_id: &str, name: &str, language| SystemVoiceConfig {
        voice_id: voice_id.to_owned(),
        name: name.to_owned(),
        language,
        preview_text: None,
        model_type: big(),
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
    #[serde(default)]
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
    /// Permissions granted to the token, e.g. `createVoice`.
    pub permissions: Vec<String>,
    /// When the token stops working (RFC 3339); never, if absent.
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let account = "mock-team".to_owned();
        Config {
            accounts: vec![AccountConfig {
                id: account.clone(),
                plan: Plan::Team,
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
                permissions: vec![CREATE_VOICE_PERMISSION.to_owned()],
                expires_at: None,
            }],
            system_voices: default_system_voices(),
            voices: Vec::new(),
            audio: AudioPolicy::default(),
        }
    }
}

impl Config {
    /// Reads a TOML configuration file.
    pub fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Config::from_toml(&text).with_context(|| format!("in config {}", path.display()))
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(text)?)
    }

    /// Checks every reference and builds the lookup tables the server uses.
    pub fn validate(&self) -> anyhow::Result<Directory> {
        let mut accounts = HashMap::new();
        for a in &self.accounts {
            let account = Arc::new(Account {
                id: a.id.clone(),
                plan: a.plan,
                voice_slots: if a.plan.may_clone() {
                    SLOTS_INCLUDED_WITH_PLAN + a.bought_voice_slots
                } else {
                    0
                },
                in_arrears: a.in_arrears,
            });
            if accounts.insert(a.id.clone(), account).is_some() {
                bail!("account {:?} is declared twice", a.id);
            }
        }
        let mut space_owner = HashMap::new();
        for w in &self.workspaces {
            if !is_decimal_id(&w.id) {
                bail!("workspace id {:?} must be decimal digits", w.id);
            }
            if !accounts.contains_key(&w.account) {
                bail!("workspace {} names unknown account {:?}", w.id, w.account);
            }
            if space_owner
                .insert(w.id.clone(), w.account.clone())
                .is_some()
            {
                bail!("workspace {} is declared twice", w.id);
            }
        }
        let mut tokens = HashMap::new();
        for t in &self.tokens {
            let account = accounts
                .get(&t.account)
                .with_context(|| {
                    format!("token {:?} names unknown account {:?}", t.value, t.account)
                })?
                .clone();
            let mut spaces = vec![t.personal_workspace.clone()];
            spaces.extend(t.workspaces.iter().cloned());
            for s in &spaces {
                match space_owner.get(s) {
                    None => bail!("token {:?} names unknown workspace {s}", t.value),
                    Some(owner) if owner != &t.account => bail!(
                        "token {:?} of account {:?} names workspace {s} of account {owner:?}",
                        t.value,
                        t.account
                    ),
                    Some(_) => {}
                }
            }
            let expires_at = t
                .expires_at
                .as_deref()
                .map(|e| {
                    chrono::DateTime::parse_from_rfc3339(e)
                        .map(|d| d.timestamp())
                        .with_context(|| {
                            format!("token {:?}: expires_at {e:?} is not RFC 3339", t.value)
                        })
                })
                .transpose()?;
            let principal = Principal {
                account,
                personal_space: t.personal_workspace.clone(),
                spaces,
                permissions: t.permissions.clone(),
                expires_at,
            };
            if tokens.insert(t.value.clone(), principal).is_some() {
                bail!("token {:?} is declared twice", t.value);
            }
        }
        let mut system_ids = std::collections::HashSet::new();
        for v in &self.system_voices {
            if !is_decimal_id(&v.voice_id) {
                bail!("system voice id {:?} must be decimal digits", v.voice_id);
            }
            if !system_ids.insert(&v.voice_id) {
                bail!("system voice {} is declared twice", v.voice_id);
            }
            if !["big", "small"].contains(&v.model_type.as_str()) {
                bail!(
                    "system voice {}: model_type must be big or small",
                    v.voice_id
                );
            }
        }
        for v in &self.voices {
            if !space_owner.contains_key(&v.space_id) {
                bail!("voice {:?} names unknown workspace {}", v.name, v.space_id);
            }
            if let Some(id) = &v.voice_id {
                if !is_decimal_id(id) {
                    bail!("voice id {id:?} must be decimal digits");
                }
                if !system_ids.insert(id) {
                    bail!("voice {id} is declared twice");
                }
            }
            if v.available_training_times >= CLONES_PER_VOICE_ID {
                bail!(
                    "voice {:?}: available_training_times must be below {CLONES_PER_VOICE_ID}",
                    v.name
                );
            }
        }
        self.audio
            .validate()
            .map_err(|e| anyhow::anyhow!("[audio]: {e}"))?;
        Ok(Directory {
            tokens: RwLock::new(tokens),
            audio: self.audio.clone(),
        })
    }
}

impl Config {
    /// The account owning workspace `space_id`.
    pub fn workspace_owner(&self, space_id: &str) -> Option<&str> {
        self.workspaces
            .iter()
            .find(|w| w.id == space_id)
            .map(|w| w.account.as_str())
    }

    /// Adds the accounts, workspaces, tokens and voices of `other` (its system voices are ignored:
    /// those come from the configuration only).
    pub fn extend(&mut self, other: Config) {
        self.accounts.extend(other.accounts);
        self.workspaces.extend(other.workspaces);
        self.tokens.extend(other.tokens);
        self.voices.extend(other.voices);
    }
}

/// Whether `s` is a non-empty run of decimal digits, the shape of Coze's ids.
pub fn is_decimal_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// An account as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its name.
    pub id: String,
    /// Its plan.
    pub plan: Plan,
    /// Voices it may hold: the plan's included slot plus those bought (0 on a personal plan).
    pub voice_slots: u32,
    /// Whether service is suspended for arrears.
    pub in_arrears: bool,
}

/// Who a token speaks for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub account: Arc<Account>,
    /// The default workspace of a clone.
    pub personal_space: String,
    /// Every workspace the token may use, the personal one first.
    pub spaces: Vec<String>,
    /// Granted permissions.
    pub permissions: Vec<String>,
    /// Unix time after which the token is refused.
    pub expires_at: Option<i64>,
}

impl Principal {
    /// Whether the token was granted `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Whether the token may use workspace `space_id`.
    pub fn may_use_space(&self, space_id: &str) -> bool {
        self.spaces.iter().any(|s| s == space_id)
    }
}

/// The validated configuration: token → principal. Replaced whole when the admin API seeds or resets,
/// so a request sees either the old or the new directory, never a mix.
#[derive(Debug, Default)]
pub struct Directory {
    tokens: RwLock<HashMap<String, Principal>>,
    /// How uploads are judged beyond their format.
    pub audio: AudioPolicy,
}

impl Directory {
    /// The principal of a token, if the token is known.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        self.tokens
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    /// Takes the tokens of `other`, dropping its own.
    pub fn replace(&self, other: Directory) {
        let tokens = other.tokens.into_inner().unwrap_or_else(|p| p.into_inner());
        *self.tokens.write().unwrap_or_else(|p| p.into_inner()) = tokens;
    }
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
        assert!(p.has_permission(CREATE_VOICE_PERMISSION));
    }

    #[test]
    fn a_token_naming_another_accounts_workspace_is_refused_at_load() {
        let cfg = Config::from_toml(
            r#"
            [[accounts]]
            id = "a"
            plan = "team"
            [[accounts]]
            id = "b"
            plan = "team"
            [[workspaces]]
            id = "1"
            account = "a"
            [[workspaces]]
            id = "2"
            account = "b"
            [[tokens]]
            value = "t"
            account = "a"
            personal_workspace = "1"
            workspaces = ["2"]
            permissions = []
            "#,
        )
        .unwrap();
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("workspace 2 of account \"b\""), "{err}");
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
    fn unknown_keys_are_rejected_so_typos_do_not_pass_silently() {
        let err = Config::from_toml("[[accounts]]\nid='a'\nplan='team'\nslots=3\n").unwrap_err();
        assert!(err.to_string().contains("slots"), "{err}");
    }

    #[test]
    fn expiry_must_be_rfc3339() {
        let mut cfg = Config::default();
        cfg.tokens[0].expires_at = Some("tomorrow".into());
        assert!(cfg.validate().is_err());
    }
}
