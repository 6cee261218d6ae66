//! The shadow's state follows the upstream's: a token the upstream accepts becomes an account that may
//! clone (without `--config`), a workspace a clone names becomes the token's, a voice the upstream
//! created takes its real id in the shadow, and the voices the real list shows, with their remaining
//! trainings, become the shadow's, so a later list, speech or retrain is judged against the same state.
//!
//! The upstream decides authentication: a token it has not accepted yet is learned only once it does
//! ([`Learner::accepted`]), and one it refuses for the token or its account ([`TokenRefusal`]) is
//! forgotten ([`Learner::refused`]). A request nobody forwards (`--spend none`, or the shadow's own
//! judgement first under `refusals`) cannot wait for that answer: its token is taken on sight
//! ([`Learner::on_sight`]) unless the upstream refused it before.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::answer::Answer;
use crate::catalogue::Endpoint;
use crate::config::{all_permissions, AccountConfig, Config, TokenConfig, WorkspaceConfig};
use crate::error::{
    ApiError, CODE_ACCOUNT_IN_ARREARS, CODE_AUTHENTICATION_INVALID, CODE_PERMISSION_DENIED,
};
use crate::rules::{AudioFormat, Language, Plan, CLONES_PER_VOICE_ID, DEFAULT_PREVIEW_TEXT};
use crate::startup::effective_config;
use crate::state::{now, AppState};
use crate::store::{Voice, VoiceSample};

/// Voice slots of an account learned from a token: the upstream decides whether a clone fits.
const LEARNED_VOICE_SLOTS: u32 = 10_000;

/// The accounts, workspaces and tokens learned from the traffic (without `--config`).
#[derive(Debug, Default)]
pub(crate) struct Learner {
    learned: Mutex<Config>,
    /// What the upstream answered each token it has answered for.
    standing: Mutex<HashMap<String, Standing>>,
}

/// What the upstream said of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// It got past the token (an acceptance, or a refusal of something else).
    Accepted,
    /// It refused the token or its account.
    Refused,
}

/// A refusal the upstream gave a token it had not accepted before, about the token or its account (the
/// checks every endpoint makes before it reads its input), as the fake's failure for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRefusal {
    /// 4100: authentication.
    Unknown,
    /// 4101: the token lacks the endpoint's permission (the plan refusal answers the same code, status
    /// and message).
    Permission(&'static str),
    /// 4019: the account is in arrears.
    Arrears,
}

impl TokenRefusal {
    /// The refusal in `real`, if it is one; any other answer means the upstream got past the token.
    pub(crate) fn of(endpoint: Endpoint, real: &Answer) -> Option<TokenRefusal> {
        if !real.refuses() {
            return None;
        }
        match real.code()? {
            CODE_AUTHENTICATION_INVALID => Some(TokenRefusal::Unknown),
            CODE_PERMISSION_DENIED => endpoint
                .def()
                .and_then(|d| d.permission())
                .map(TokenRefusal::Permission),
            CODE_ACCOUNT_IN_ARREARS => Some(TokenRefusal::Arrears),
            _ => None,
        }
    }

    /// The fake's failure for it.
    pub(crate) fn error(self) -> ApiError {
        match self {
            TokenRefusal::Unknown => ApiError::UnknownToken,
            TokenRefusal::Permission(permission) => ApiError::MissingPermission { permission },
            TokenRefusal::Arrears => ApiError::AccountInArrears,
        }
    }
}

/// A stable 18-digit number for a token, so its account and workspace keep their names.
fn digits(token: &str) -> String {
    let hash = token.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:018}", hash % 1_000_000_000_000_000_000)
}

impl Learner {
    /// An empty learner.
    pub(crate) fn new() -> Learner {
        Learner {
            learned: Mutex::new(Config {
                accounts: Vec::new(),
                workspaces: Vec::new(),
                tokens: Vec::new(),
                voices: Vec::new(),
                ..Config::default()
            }),
            standing: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the shadow must wait for the upstream's answer before it judges a request with `token`:
    /// the upstream has not accepted it yet, and the shadow's configuration does not hold it.
    pub(crate) fn awaits_upstream(&self, shadow: &AppState, token: &str) -> bool {
        if self.standing_of(token) == Some(Standing::Accepted) {
            return false;
        }
        let learned = self.lock().tokens.iter().any(|t| t.value == token);
        learned || shadow.directory.principal(token).is_none()
    }

    /// A request the upstream will not answer first: `token` becomes an account that may clone (the
    /// shadow cannot know better), unless the upstream has refused it.
    pub(crate) fn on_sight(&self, shadow: &AppState, token: &str) {
        if self.standing_of(token) != Some(Standing::Refused) {
            self.learn(shadow, token);
        }
    }

    /// The upstream got past `token`: it becomes an account that may clone.
    pub(crate) fn accepted(&self, shadow: &AppState, token: &str) {
        self.set_standing(token, Standing::Accepted);
        self.learn(shadow, token);
    }

    /// The upstream refused `token` or its account: the shadow forgets it, and refuses it from now on.
    pub(crate) fn refused(&self, shadow: &AppState, token: &str) {
        self.set_standing(token, Standing::Refused);
        let mut learned = self.lock();
        let Some(at) = learned.tokens.iter().position(|t| t.value == token) else {
            return;
        };
        let forgotten = learned.tokens.remove(at);
        learned.accounts.retain(|a| a.id != forgotten.account);
        learned
            .workspaces
            .retain(|w| w.account != forgotten.account);
        apply(shadow, &learned);
    }

    fn standing_of(&self, token: &str) -> Option<Standing> {
        let standing = self.standing.lock().unwrap_or_else(|p| p.into_inner());
        standing.get(token).copied()
    }

    fn set_standing(&self, token: &str, to: Standing) {
        let mut standing = self.standing.lock().unwrap_or_else(|p| p.into_inner());
        standing.insert(token.to_owned(), to);
    }

    /// Makes `token` an account that may clone, if the shadow does not know it.
    fn learn(&self, shadow: &AppState, token: &str) {
        if token.is_empty() || shadow.directory.principal(token).is_some() {
            return;
        }
        let id = digits(token);
        let account = format!("upstream-{}", &id[..8]);
        let space = format!("7{}", &id[1..]);
        let mut learned = self.lock();
        learned.accounts.retain(|a| a.id != account);
        learned.accounts.push(AccountConfig {
            id: account.clone(),
            plan: Plan::Enterprise,
            bought_voice_slots: LEARNED_VOICE_SLOTS,
            in_arrears: false,
        });
        learned.workspaces.retain(|w| w.id != space);
        learned.workspaces.push(WorkspaceConfig {
            id: space.clone(),
            account: account.clone(),
        });
        learned.tokens.retain(|t| t.value != token);
        learned.tokens.push(TokenConfig {
            value: token.to_owned(),
            account,
            personal_workspace: space,
            workspaces: Vec::new(),
            permissions: all_permissions(),
            expires_at: None,
        });
        apply(shadow, &learned);
    }

    /// Makes `space_id` a workspace of `token`, which a clone names.
    pub(crate) fn space(&self, shadow: &AppState, token: &str, space_id: &str) {
        if !crate::config::is_decimal_id(space_id)
            || shadow
                .directory
                .principal(token)
                .is_none_or(|p| p.may_use_space(space_id))
        {
            return;
        }
        let mut learned = self.lock();
        let Some(t) = learned.tokens.iter_mut().find(|t| t.value == token) else {
            return;
        };
        t.workspaces.push(space_id.to_owned());
        let account = t.account.clone();
        if !learned.workspaces.iter().any(|w| w.id == space_id) {
            learned.workspaces.push(WorkspaceConfig {
                id: space_id.to_owned(),
                account,
            });
        }
        apply(shadow, &learned);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Config> {
        self.learned.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The configuration, the seeds and what was learned, as the shadow's directory.
fn apply(shadow: &AppState, learned: &Config) {
    let outcome = effective_config(&shadow.admin.config, &shadow.store).and_then(|mut config| {
        config.extend(learned.clone());
        Ok(config.validate()?)
    });
    match outcome {
        Ok(directory) => shadow.directory.replace(directory),
        Err(e) => tracing::warn!("the shadow could not learn a token: {e:#}"),
    }
}

/// After a clone both answered: the shadow's new voice takes the id the upstream gave.
pub(crate) fn adopt_clone(shadow: &AppState, real: &Answer, fake: &Answer) {
    let id = |a: &Answer| {
        a.body
            .pointer("/data/voice_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let (Some(real_id), Some(fake_id)) = (id(real), id(fake)) {
        if real_id != fake_id {
            if let Err(e) = shadow.store.rename_voice(&fake_id, &real_id) {
                tracing::warn!("the shadow could not take the upstream's voice id: {e}");
            }
        }
    }
}

/// After a list the upstream answered: its cloned voices, with their remaining trainings, become the
/// shadow's (in the token's personal workspace).
pub(crate) fn adopt_list(shadow: &AppState, token: &str, real: &Answer) {
    let Some(principal) = shadow.directory.principal(token) else {
        return;
    };
    let Some(list) = real
        .body
        .pointer("/data/voice_list")
        .and_then(Value::as_array)
    else {
        return;
    };
    for v in list {
        if v.get("is_system_voice").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let Some(voice_id) = v.get("voice_id").and_then(Value::as_str) else {
            continue;
        };
        let left = v
            .get("available_training_times")
            .and_then(Value::as_u64)
            .map_or(CLONES_PER_VOICE_ID - 1, |n| {
                n.min(u64::from(CLONES_PER_VOICE_ID)) as u32
            });
        let time = |key: &str| v.get(key).and_then(Value::as_i64).unwrap_or_else(now);
        let known = shadow.store.voice_anywhere(voice_id).ok().flatten();
        let voice = match known {
            Some(mut voice) => {
                voice.clone_count = (CLONES_PER_VOICE_ID - left).max(1);
                voice
            }
            None => Voice {
                voice_id: voice_id.to_owned(),
                space_id: principal.personal_space.clone(),
                account_id: principal.account.id.clone(),
                sample: VoiceSample {
                    name: v
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("upstream voice")
                        .to_owned(),
                    language: v
                        .get("language_code")
                        .and_then(Value::as_str)
                        .and_then(Language::from_code)
                        .unwrap_or(Language::DEFAULT),
                    preview_text: v
                        .get("preview_text")
                        .and_then(Value::as_str)
                        .unwrap_or(DEFAULT_PREVIEW_TEXT)
                        .to_owned(),
                    text: None,
                    description: None,
                    audio_format: AudioFormat::Wav,
                    duration_secs: None,
                },
                clone_count: (CLONES_PER_VOICE_ID - left).max(1),
                create_time: time("create_time"),
                update_time: time("update_time"),
            },
        };
        if let Err(e) = shadow.store.put_voice(&voice) {
            tracing::warn!("the shadow could not take a listed voice: {e}");
        }
    }
}

/// The `space_id` field of a multipart body's first bytes, if it comes before the file (as every
/// official SDK sends it).
pub(crate) fn space_id_in(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let at = text.find("name=\"space_id\"")?;
    let rest = &text[at..];
    let value = &rest[rest.find("\r\n\r\n")? + 4..];
    let value = &value[..value.find("\r\n")?];
    Some(value.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{build_state, Options};
    use serde_json::json;

    #[test]
    fn a_token_the_shadow_does_not_know_becomes_an_account_that_may_clone_and_learns_workspaces() {
        let shadow = build_state(&Config::default(), &Options::default(), true).unwrap();
        let learner = Learner::new();
        assert!(learner.awaits_upstream(&shadow, "pat_real_token"));
        assert!(
            !learner.awaits_upstream(&shadow, "pat_mock"),
            "the configuration's own token"
        );
        learner.accepted(&shadow, "pat_real_token");
        assert!(!learner.awaits_upstream(&shadow, "pat_real_token"));
        let p = shadow.directory.principal("pat_real_token").unwrap();
        assert_eq!(p.account.plan, Plan::Enterprise);
        assert!(
            shadow.directory.principal("pat_mock").is_some(),
            "the configuration stays"
        );
        learner.space(&shadow, "pat_real_token", "7300000000000000001");
        let p = shadow.directory.principal("pat_real_token").unwrap();
        assert!(p.may_use_space("7300000000000000001"));
    }

    #[test]
    fn a_token_taken_on_sight_is_forgotten_once_refused_and_not_taken_on_sight_again() {
        let shadow = build_state(&Config::default(), &Options::default(), true).unwrap();
        let learner = Learner::new();
        learner.on_sight(&shadow, "pat_bad");
        learner.space(&shadow, "pat_bad", "7300000000000000009");
        assert!(shadow.directory.principal("pat_bad").is_some());
        assert!(
            learner.awaits_upstream(&shadow, "pat_bad"),
            "taken on sight, not yet accepted"
        );
        learner.refused(&shadow, "pat_bad");
        assert!(shadow.directory.principal("pat_bad").is_none());
        assert!(learner.lock().workspaces.is_empty(), "its workspaces too");
        learner.on_sight(&shadow, "pat_bad");
        assert!(shadow.directory.principal("pat_bad").is_none());
        assert!(shadow.directory.principal("pat_mock").is_some());
        learner.accepted(&shadow, "pat_bad");
        assert!(shadow.directory.principal("pat_bad").is_some());
    }

    fn refusal(status: u16, code: i64) -> Answer {
        Answer {
            status,
            content_type: None,
            logid: None,
            rule: None,
            body: json!({"code": code, "msg": "m"}),
        }
    }

    #[test]
    fn only_refusals_of_the_token_or_its_account_are_token_refusals() {
        use crate::rules::{CREATE_VOICE_PERMISSION, LIST_VOICE_PERMISSION};
        let of = |endpoint, status, code| TokenRefusal::of(endpoint, &refusal(status, code));
        assert_eq!(of(Endpoint::List, 401, 4100), Some(TokenRefusal::Unknown));
        assert_eq!(
            of(Endpoint::Clone, 200, 4100),
            Some(TokenRefusal::Unknown),
            "by code, whatever the status"
        );
        assert_eq!(
            of(Endpoint::Clone, 403, 4101),
            Some(TokenRefusal::Permission(CREATE_VOICE_PERMISSION))
        );
        assert_eq!(
            of(Endpoint::List, 403, 4101),
            Some(TokenRefusal::Permission(LIST_VOICE_PERMISSION))
        );
        assert_eq!(of(Endpoint::Clone, 403, 4019), Some(TokenRefusal::Arrears));
        for code in [0, 4000, 4200, 4303, 5000] {
            assert_eq!(of(Endpoint::Clone, 400, code), None, "{code}");
        }
        assert_eq!(TokenRefusal::Unknown.error().rule(), "auth.token_unknown");
        assert_eq!(
            TokenRefusal::Permission(CREATE_VOICE_PERMISSION)
                .error()
                .rule(),
            "auth.permission_missing"
        );
        assert_eq!(TokenRefusal::Arrears.error().rule(), "account.in_arrears");
    }

    #[test]
    fn listed_voices_and_their_remaining_trainings_become_the_shadows() {
        let shadow = build_state(&Config::default(), &Options::default(), true).unwrap();
        let real = Answer {
            status: 200,
            content_type: None,
            logid: None,
            rule: None,
            body: json!({"code": 0, "data": {"voice_list": [
                {"voice_id": "7400000000000000001", "name": "mine", "available_training_times": 7, "is_system_voice": false},
                {"voice_id": "7400000000000000002", "name": "system", "is_system_voice": true}
            ]}}),
        };
        adopt_list(&shadow, "pat_mock", &real);
        let v = shadow
            .store
            .voice_anywhere("7400000000000000001")
            .unwrap()
            .unwrap();
        assert_eq!(v.available_training_times(), 7);
        assert!(shadow
            .store
            .voice_anywhere("7400000000000000002")
            .unwrap()
            .is_none());
    }

    #[test]
    fn the_space_id_is_read_from_the_forms_first_bytes() {
        let head =
            b"--B\r\nContent-Disposition: form-data; name=\"space_id\"\r\n\r\n7301\r\n--B\r\n";
        assert_eq!(space_id_in(head).as_deref(), Some("7301"));
        assert_eq!(
            space_id_in(b"--B\r\nname=\"voice_name\"\r\n\r\nx\r\n"),
            None
        );
    }
}
