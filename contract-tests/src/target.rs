//! Which server the suite talks to, read from the environment, and the guards of the real one.
//!
//! | target | how | what it costs |
//! | --- | --- | --- |
//! | [`Target::Fake`] (default) | nothing set: a fake in-process on 127.0.0.1:0, `fixtures/contract.toml` | nothing |
//! | [`Target::FakeTls`] | `COZE_CONTRACT_TARGET=fake-tls`: the same fake over HTTPS | nothing |
//! | [`Target::Url`] | `COZE_CONTRACT_BASE_URL=http://…` (a fake or proxy already running) | nothing |
//! | [`Target::Real`] | `COZE_CONTRACT_TARGET=real` + `COZE_API_TOKEN` (+ `COZE_API_BASE`) | only with the spend opt-in |
//!
//! [`Settings::from_lookup`] takes the environment as a function, so the refusals below are unit-tested
//! without touching the process environment.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::contract::is_voice_id;
use crate::request::Role;

/// The real API's default host: the documentation page's (`https://api.coze.cn/v1/audio/voices/clone`).
pub const DEFAULT_REAL_BASE: &str = "https://api.coze.cn";
/// Pause between two requests to the real API (override: `COZE_CONTRACT_DELAY_MS`).
pub const DEFAULT_REAL_DELAY: Duration = Duration::from_millis(1500);
/// The main token of `fixtures/contract.toml`, used by the Fake target and by default for a URL.
pub const FAKE_MAIN_TOKEN: &str = "pat_contract_main";
/// How to start a fake the URL target's default tokens work with.
pub const URL_TARGET_HINT: &str =
    "start the fake with --config contract-tests/fixtures/contract.toml \
     (cargo run -p coze-mock -- serve --in-memory --config contract-tests/fixtures/contract.toml), \
     or set COZE_CONTRACT_TOKEN and the COZE_CONTRACT_TOKEN_* variables to tokens it accepts";
/// The workspace of `fixtures/contract.toml` that the main token is not a member of.
pub const FAKE_FOREIGN_SPACE_ID: &str = "7000000000000000002";
/// A voice of `fixtures/contract.toml` cloned in [`FAKE_FOREIGN_SPACE_ID`].
pub const FAKE_FOREIGN_VOICE_ID: &str = "7000000000000000201";

/// Where the requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A fake started in-process for each test.
    Fake,
    /// The same fake over HTTPS, its generated certificate authority the only one the client trusts.
    FakeTls,
    /// A server already running at this base URL, assumed to be a fake started with
    /// `fixtures/contract.toml` (so its tokens default to that file's).
    Url(String),
    /// The real API at this base URL.
    Real(String),
}

/// The real API's spend opt-in: how many clones the run may spend and which voice it may retrain.
#[derive(Clone, PartialEq, Eq)]
pub struct SpendOptIn {
    /// Clones (new voices and retrains) the whole run may make.
    pub budget: u32,
    /// The voice the retrain tests retrain (it must belong to the main token's workspace).
    pub retrain_voice_id: String,
}

impl fmt::Debug for SpendOptIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "budget {} clones, retrain voice {}",
            self.budget, self.retrain_voice_id
        )
    }
}

/// Everything the environment decides, validated.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// The server.
    pub target: Target,
    /// The token sent as `TokenChoice::Main`.
    pub main_token: String,
    /// Tokens of the roles that are available (all of them on the fake).
    pub role_tokens: HashMap<Role, String>,
    /// A workspace of the same team the main token may not use, if available.
    pub foreign_space_id: Option<String>,
    /// A voice cloned in a workspace of the same team the main token may not use, if available.
    pub foreign_voice_id: Option<String>,
    /// Present only on the real target with every opt-in given.
    pub spend: Option<SpendOptIn>,
    /// Pause between requests (real target only).
    pub delay: Duration,
}

impl fmt::Debug for Settings {
    // Tokens are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut roles: Vec<_> = self.role_tokens.keys().collect();
        roles.sort_by_key(|r| format!("{r:?}"));
        f.debug_struct("Settings")
            .field("target", &self.target)
            .field("roles", &roles)
            .field("foreign_space_id", &self.foreign_space_id.is_some())
            .field("foreign_voice_id", &self.foreign_voice_id.is_some())
            .field("spend", &self.spend)
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

/// Why the environment was refused. Every message says what to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// Occurs when `COZE_CONTRACT_TARGET=real` and `COZE_API_TOKEN` is missing or empty.
    RealWithoutToken,
    /// Occurs when the real target is asked for inside CI (`CI` set): it never runs there.
    RealInCi,
    /// Occurs when `COZE_CONTRACT_TARGET` is not `fake`, `fake-tls`, `url` or `real`.
    UnknownTarget(String),
    /// Occurs when both `COZE_CONTRACT_TARGET=real` and `COZE_CONTRACT_BASE_URL` are set.
    RealWithBaseUrl,
    /// Occurs when `COZE_CONTRACT_TARGET=url` and `COZE_CONTRACT_BASE_URL` is missing.
    UrlWithoutBaseUrl,
    /// Occurs when a spend variable is set without `COZE_CONTRACT_ALLOW_SPEND=1`.
    SpendWithoutOptIn,
    /// Occurs when the spend opt-in lacks a budget (a positive integer).
    SpendWithoutBudget,
    /// Occurs when the spend opt-in lacks a 19-digit voice id to retrain.
    SpendWithoutVoiceId,
    /// Occurs when a number variable does not parse.
    BadNumber(&'static str, String),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::RealWithoutToken => f.write_str(
                "COZE_CONTRACT_TARGET=real needs a personal access token in COZE_API_TOKEN; refusing to run",
            ),
            SettingsError::RealInCi => f.write_str(
                "COZE_CONTRACT_TARGET=real never runs in CI (CI is set); run it by hand",
            ),
            SettingsError::UnknownTarget(t) => {
                write!(f, "COZE_CONTRACT_TARGET={t:?}: use fake (default), fake-tls, url or real")
            }
            SettingsError::RealWithBaseUrl => f.write_str(
                "COZE_CONTRACT_BASE_URL is for a fake or proxy; for the real target set COZE_API_BASE",
            ),
            SettingsError::UrlWithoutBaseUrl => {
                f.write_str("COZE_CONTRACT_TARGET=url needs COZE_CONTRACT_BASE_URL")
            }
            SettingsError::SpendWithoutOptIn => f.write_str(
                "COZE_CONTRACT_SPEND_BUDGET or COZE_CONTRACT_RETRAIN_VOICE_ID is set but \
                 COZE_CONTRACT_ALLOW_SPEND=1 is not: spending needs the explicit opt-in",
            ),
            SettingsError::SpendWithoutBudget => f.write_str(
                "COZE_CONTRACT_ALLOW_SPEND=1 needs COZE_CONTRACT_SPEND_BUDGET=N (clones the run may spend, N > 0)",
            ),
            SettingsError::SpendWithoutVoiceId => f.write_str(
                "COZE_CONTRACT_ALLOW_SPEND=1 needs COZE_CONTRACT_RETRAIN_VOICE_ID (a 19-digit voice id to retrain)",
            ),
            SettingsError::BadNumber(var, v) => write!(f, "{var}={v:?} is not a number"),
        }
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads settings through `env` (a variable's value, or `None`); empty values count as unset.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let get = |k: &str| {
            env(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let base_url = get("COZE_CONTRACT_BASE_URL");
        let kind = get("COZE_CONTRACT_TARGET")
            .unwrap_or_else(|| if base_url.is_some() { "url" } else { "fake" }.to_owned());
        let delay = match get("COZE_CONTRACT_DELAY_MS") {
            None => DEFAULT_REAL_DELAY,
            Some(v) => Duration::from_millis(
                v.parse()
                    .map_err(|_| SettingsError::BadNumber("COZE_CONTRACT_DELAY_MS", v))?,
            ),
        };
        let fake_roles = || {
            Role::ALL
                .into_iter()
                .map(|r| {
                    (
                        r,
                        get(r.env_var()).unwrap_or_else(|| r.fake_token().to_owned()),
                    )
                })
                .collect()
        };
        match kind.as_str() {
            "fake" | "fake-tls" => Ok(Settings {
                target: if kind == "fake" {
                    Target::Fake
                } else {
                    Target::FakeTls
                },
                main_token: FAKE_MAIN_TOKEN.to_owned(),
                role_tokens: Role::ALL
                    .into_iter()
                    .map(|r| (r, r.fake_token().to_owned()))
                    .collect(),
                foreign_space_id: Some(FAKE_FOREIGN_SPACE_ID.to_owned()),
                foreign_voice_id: Some(FAKE_FOREIGN_VOICE_ID.to_owned()),
                spend: None,
                delay: Duration::ZERO,
            }),
            "url" => Ok(Settings {
                target: Target::Url(
                    base_url
                        .ok_or(SettingsError::UrlWithoutBaseUrl)?
                        .trim_end_matches('/')
                        .to_owned(),
                ),
                main_token: get("COZE_CONTRACT_TOKEN")
                    .unwrap_or_else(|| FAKE_MAIN_TOKEN.to_owned()),
                role_tokens: fake_roles(),
                foreign_space_id: Some(
                    get("COZE_CONTRACT_FOREIGN_SPACE_ID")
                        .unwrap_or_else(|| FAKE_FOREIGN_SPACE_ID.to_owned()),
                ),
                foreign_voice_id: Some(
                    get("COZE_CONTRACT_FOREIGN_VOICE_ID")
                        .unwrap_or_else(|| FAKE_FOREIGN_VOICE_ID.to_owned()),
                ),
                spend: None,
                delay: Duration::ZERO,
            }),
            "real" => {
                if get("CI").is_some_and(|v| v != "false" && v != "0") {
                    return Err(SettingsError::RealInCi);
                }
                if base_url.is_some() {
                    return Err(SettingsError::RealWithBaseUrl);
                }
                let main_token = get("COZE_API_TOKEN").ok_or(SettingsError::RealWithoutToken)?;
                Ok(Settings {
                    target: Target::Real(
                        get("COZE_API_BASE")
                            .unwrap_or_else(|| DEFAULT_REAL_BASE.to_owned())
                            .trim_end_matches('/')
                            .to_owned(),
                    ),
                    main_token,
                    role_tokens: Role::ALL
                        .into_iter()
                        .filter_map(|r| get(r.env_var()).map(|t| (r, t)))
                        .collect(),
                    foreign_space_id: get("COZE_CONTRACT_FOREIGN_SPACE_ID"),
                    foreign_voice_id: get("COZE_CONTRACT_FOREIGN_VOICE_ID"),
                    spend: spend_opt_in(&get)?,
                    delay,
                })
            }
            other => Err(SettingsError::UnknownTarget(other.to_owned())),
        }
    }

    /// Whether this is the real API.
    pub fn is_real(&self) -> bool {
        matches!(self.target, Target::Real(_))
    }

    /// The tokens a server at a URL must accept before any test runs, with the variable that sets
    /// each: the main token and every role's but the expired one's (which is meant to be refused).
    pub fn tokens_to_check(&self) -> Vec<(&'static str, &str)> {
        let mut tokens = vec![("COZE_CONTRACT_TOKEN", self.main_token.as_str())];
        tokens.extend(
            Role::ALL
                .into_iter()
                .filter(|&r| r != Role::Expired)
                .filter_map(|r| Some((r.env_var(), self.role_tokens.get(&r)?.as_str()))),
        );
        tokens
    }

    /// Every secret the settings hold, for the recorder to scrub.
    pub fn secrets(&self) -> Vec<String> {
        let mut s = vec![self.main_token.clone()];
        s.extend(self.role_tokens.values().cloned());
        s
    }
}

/// Asks the server at `base` to list voices with each of [`Settings::tokens_to_check`] (a request that
/// creates nothing) and refuses, with [`URL_TARGET_HINT`], when it answers any of them 4100: the suite
/// would otherwise fail test after test on authentication alone.
pub async fn check_url_tokens(
    http: &reqwest::Client,
    base: &str,
    settings: &Settings,
) -> Result<(), String> {
    let mut refused = Vec::new();
    for (var, token) in settings.tokens_to_check() {
        let answer = http
            .get(format!("{base}/v1/audio/voices"))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| format!("COZE_CONTRACT_BASE_URL={base} does not answer: {e}"))?;
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        if body.get("code").and_then(serde_json::Value::as_i64) == Some(4100) {
            refused.push(format!("{token} ({var})"));
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the server at {base} refuses the suite's tokens with 4100: {}; {URL_TARGET_HINT}",
        refused.join(", ")
    ))
}

/// The spend opt-in: all three variables, or none of them.
fn spend_opt_in(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<SpendOptIn>, SettingsError> {
    let allow = get("COZE_CONTRACT_ALLOW_SPEND").is_some_and(|v| v == "1" || v == "true");
    let budget = get("COZE_CONTRACT_SPEND_BUDGET");
    let voice = get("COZE_CONTRACT_RETRAIN_VOICE_ID");
    if !allow {
        return if budget.is_some() || voice.is_some() {
            Err(SettingsError::SpendWithoutOptIn)
        } else {
            Ok(None)
        };
    }
    let budget = budget.ok_or(SettingsError::SpendWithoutBudget)?;
    let budget: u32 = budget
        .parse()
        .map_err(|_| SettingsError::BadNumber("COZE_CONTRACT_SPEND_BUDGET", budget))?;
    if budget == 0 {
        return Err(SettingsError::SpendWithoutBudget);
    }
    let retrain_voice_id = voice
        .filter(|v| is_voice_id(v))
        .ok_or(SettingsError::SpendWithoutVoiceId)?;
    Ok(Some(SpendOptIn {
        budget,
        retrain_voice_id,
    }))
}

/// The clones a real run may still spend; shared by every test of the run, and never exceeded:
/// a test reserves what it may spend before it sends anything.
#[derive(Debug)]
pub struct SpendBudget {
    limit: u32,
    reserved: AtomicU32,
}

/// A reservation the budget could not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetExhausted {
    /// Clones asked for.
    pub asked: u32,
    /// Clones left.
    pub left: u32,
}

impl SpendBudget {
    /// A budget of `limit` clones.
    pub fn new(limit: u32) -> SpendBudget {
        SpendBudget {
            limit,
            reserved: AtomicU32::new(0),
        }
    }

    /// Reserves `n` clones, all or none; returns how many are reserved in all.
    pub fn try_reserve(&self, n: u32) -> Result<u32, BudgetExhausted> {
        self.reserved
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(n).filter(|&total| total <= self.limit)
            })
            .map(|before| before + n)
            .map_err(|used| BudgetExhausted {
                asked: n,
                left: self.limit - used,
            })
    }

    /// The budget's size.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    const REAL: (&str, &str) = ("COZE_CONTRACT_TARGET", "real");
    const TOKEN: (&str, &str) = ("COZE_API_TOKEN", "pat_real_secret");
    const VOICE: (&str, &str) = ("COZE_CONTRACT_RETRAIN_VOICE_ID", "7348293334459310001");

    #[test]
    fn with_nothing_set_the_target_is_the_in_process_fake() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.target, Target::Fake);
        assert_eq!(s.main_token, FAKE_MAIN_TOKEN);
        assert_eq!(s.role_tokens.len(), Role::ALL.len());
    }

    #[test]
    fn fake_tls_is_the_same_fake_over_https() {
        let s = settings(&[("COZE_CONTRACT_TARGET", "fake-tls")]).unwrap();
        assert_eq!(s.target, Target::FakeTls);
        assert_eq!(s.main_token, FAKE_MAIN_TOKEN);
        assert_eq!(s.role_tokens.len(), Role::ALL.len());
    }

    #[test]
    fn a_base_url_alone_selects_the_url_target() {
        let s = settings(&[("COZE_CONTRACT_BASE_URL", "http://127.0.0.1:8080/")]).unwrap();
        assert_eq!(s.target, Target::Url("http://127.0.0.1:8080".into()));
        assert!(s.spend.is_none());
    }

    #[test]
    fn real_mode_is_refused_without_a_token() {
        assert_eq!(settings(&[REAL]), Err(SettingsError::RealWithoutToken));
        assert_eq!(
            settings(&[REAL, ("COZE_API_TOKEN", "  ")]),
            Err(SettingsError::RealWithoutToken)
        );
        let msg = SettingsError::RealWithoutToken.to_string();
        assert!(msg.contains("COZE_API_TOKEN"), "{msg}");
    }

    #[test]
    fn real_mode_is_refused_in_ci() {
        assert_eq!(
            settings(&[REAL, TOKEN, ("CI", "true")]),
            Err(SettingsError::RealInCi)
        );
        assert!(settings(&[REAL, TOKEN, ("CI", "false")]).is_ok());
    }

    #[test]
    fn real_mode_with_a_token_defaults_to_coze_cn_and_spends_nothing() {
        let s = settings(&[REAL, TOKEN]).unwrap();
        assert_eq!(s.target, Target::Real(DEFAULT_REAL_BASE.into()));
        assert_eq!(s.spend, None);
        assert!(
            s.role_tokens.is_empty(),
            "roles come only from their variables"
        );
        assert!(
            !format!("{s:?}").contains("pat_real_secret"),
            "Debug never shows a token"
        );
    }

    #[test]
    fn spending_is_refused_without_the_explicit_opt_in() {
        let budget = ("COZE_CONTRACT_SPEND_BUDGET", "3");
        assert_eq!(
            settings(&[REAL, TOKEN, budget, VOICE]),
            Err(SettingsError::SpendWithoutOptIn)
        );
        assert_eq!(
            settings(&[
                REAL,
                TOKEN,
                budget,
                VOICE,
                ("COZE_CONTRACT_ALLOW_SPEND", "yes")
            ]),
            Err(SettingsError::SpendWithoutOptIn)
        );
    }

    #[test]
    fn the_spend_opt_in_needs_a_positive_budget_and_a_voice_id() {
        let allow = ("COZE_CONTRACT_ALLOW_SPEND", "1");
        assert_eq!(
            settings(&[REAL, TOKEN, allow, VOICE]),
            Err(SettingsError::SpendWithoutBudget)
        );
        assert_eq!(
            settings(&[
                REAL,
                TOKEN,
                allow,
                VOICE,
                ("COZE_CONTRACT_SPEND_BUDGET", "0")
            ]),
            Err(SettingsError::SpendWithoutBudget)
        );
        let budget = ("COZE_CONTRACT_SPEND_BUDGET", "2");
        assert_eq!(
            settings(&[REAL, TOKEN, allow, budget]),
            Err(SettingsError::SpendWithoutVoiceId)
        );
        assert_eq!(
            settings(&[
                REAL,
                TOKEN,
                allow,
                budget,
                ("COZE_CONTRACT_RETRAIN_VOICE_ID", "abc")
            ]),
            Err(SettingsError::SpendWithoutVoiceId)
        );
        let s = settings(&[REAL, TOKEN, allow, budget, VOICE]).unwrap();
        assert_eq!(
            s.spend,
            Some(SpendOptIn {
                budget: 2,
                retrain_voice_id: VOICE.1.into()
            })
        );
    }

    #[test]
    fn the_budget_refuses_the_spend_after_the_last_one() {
        let budget = SpendBudget::new(3);
        assert_eq!(budget.try_reserve(1), Ok(1));
        assert_eq!(budget.try_reserve(2), Ok(3));
        assert_eq!(
            budget.try_reserve(1),
            Err(BudgetExhausted { asked: 1, left: 0 })
        );
    }

    #[test]
    fn a_reservation_larger_than_what_is_left_takes_nothing() {
        let budget = SpendBudget::new(10);
        assert_eq!(budget.try_reserve(4), Ok(4));
        assert_eq!(
            budget.try_reserve(7),
            Err(BudgetExhausted { asked: 7, left: 6 })
        );
        assert_eq!(budget.try_reserve(6), Ok(10));
    }

    #[test]
    fn a_url_target_checks_the_main_token_and_every_role_but_the_expired_one() {
        let s = settings(&[("COZE_CONTRACT_BASE_URL", "http://127.0.0.1:1")]).unwrap();
        let checked: Vec<_> = s.tokens_to_check().into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            checked,
            [
                FAKE_MAIN_TOKEN,
                "pat_contract_no_permission",
                "pat_contract_personal_plan",
                "pat_contract_in_arrears",
                "pat_contract_one_slot"
            ]
        );
    }

    #[tokio::test]
    async fn a_fake_without_the_contract_config_is_refused_once_with_how_to_start_it() {
        let default_fake = coze_mock::MockServer::start().await;
        let s = settings(&[("COZE_CONTRACT_BASE_URL", &default_fake.uri())]).unwrap();
        let message = check_url_tokens(&reqwest::Client::new(), &default_fake.uri(), &s)
            .await
            .unwrap_err();
        assert!(
            message.contains("pat_contract_main (COZE_CONTRACT_TOKEN)"),
            "{message}"
        );
        assert!(message.contains(URL_TARGET_HINT), "{message}");
    }

    #[tokio::test]
    async fn a_fake_with_the_contract_config_passes_the_token_check() {
        let config = coze_mock::config::Config::from_toml(crate::client::CONTRACT_TOML).unwrap();
        let fake = coze_mock::MockServer::start_with(config).await;
        let s = settings(&[("COZE_CONTRACT_BASE_URL", &fake.uri())]).unwrap();
        assert_eq!(
            check_url_tokens(&reqwest::Client::new(), &fake.uri(), &s).await,
            Ok(())
        );
    }

    #[test]
    fn base_url_and_real_target_together_are_refused() {
        assert_eq!(
            settings(&[REAL, TOKEN, ("COZE_CONTRACT_BASE_URL", "http://x")]),
            Err(SettingsError::RealWithBaseUrl)
        );
    }
}
