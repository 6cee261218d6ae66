//! [`MockServerBuilder`]: the configuration of a [`MockServer`], built up a call at a time.

use crate::config::{
    all_permissions, AccountConfig, Config, TokenConfig, VoiceConfig, WorkspaceConfig,
};
use crate::rules::Plan;
use crate::server::Options;
use crate::tls::Tls;

use super::MockServer;

/// Accounts, workspaces, tokens and voices for a [`MockServer`], added to the default configuration.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    config: Config,
    tls: bool,
}

impl MockServerBuilder {
    /// The default configuration, to add to.
    pub(super) fn from_default_config() -> Self {
        MockServerBuilder {
            config: Config::default(),
            tls: false,
        }
    }

    /// Replaces the whole configuration (the default one included).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Adds an account on `plan` that bought `bought_voice_slots` slots on top of the plan's one.
    pub fn account(mut self, id: &str, plan: Plan, bought_voice_slots: u32) -> Self {
        self.config.accounts.push(AccountConfig {
            id: id.to_owned(),
            plan,
            bought_voice_slots,
            in_arrears: false,
        });
        self
    }

    /// Adds workspace `id` owned by `account`.
    pub fn workspace(mut self, id: &str, account: &str) -> Self {
        self.config.workspaces.push(WorkspaceConfig {
            id: id.to_owned(),
            account: account.to_owned(),
        });
        self
    }

    /// Adds token `value` of `account`, with personal workspace `personal_workspace` and every
    /// permission (`createVoice`, `listVoice`, `createSpeech`). For other permissions or workspaces, use [`Self::token_config`].
    pub fn token(self, value: &str, account: &str, personal_workspace: &str) -> Self {
        self.token_config(TokenConfig {
            value: value.to_owned(),
            account: account.to_owned(),
            personal_workspace: personal_workspace.to_owned(),
            workspaces: Vec::new(),
            permissions: all_permissions(),
            expires_at: None,
        })
    }

    /// Adds a token as the configuration file declares one.
    pub fn token_config(mut self, token: TokenConfig) -> Self {
        self.config.tokens.push(token);
        self
    }

    /// Adds a cloned voice that exists from the start.
    pub fn voice(mut self, voice: VoiceConfig) -> Self {
        self.config.voices.push(voice);
        self
    }

    /// Serves HTTPS with a certificate generated at start-up for `127.0.0.1`, `::1` and `localhost`
    /// (ECDSA P-256, rustls on ring); the client trusts [`MockServer::ca_pem`].
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Starts the server; panics if the configuration is invalid (see [`MockServer::start_with`]).
    pub async fn start(self) -> MockServer {
        let tls = self
            .tls
            .then(|| Tls::generate().expect("a generated TLS certificate"));
        MockServer::launch(
            self.config,
            Options {
                tls,
                ..Options::default()
            },
        )
        .await
    }
}
