//! What every handler shares: [`AppState`], and the two helpers every answer needs ([`now`],
//! [`Scheme::base_url`]).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::FromRef;
use http::header::HOST;
use http::{HeaderMap, Uri};

use crate::config::Config;
use crate::directory::Directory;
use crate::faults::Faults;
use crate::journal::Journal;
use crate::request_body::Limits;
use crate::settings::Settings;
use crate::store::SqliteStore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Tokens and the accounts and workspaces they reach.
    pub directory: Arc<Directory>,
    /// The voices and the seeds.
    pub store: Arc<SqliteStore>,
    /// What the configuration fixes for the server's life: `[audio]`, `[fidelity]`, `[rules]` and the
    /// system voices.
    pub settings: Arc<Settings>,
    /// Faults injected through the admin API.
    pub faults: Arc<Faults>,
    /// The latest requests, in memory.
    pub journal: Arc<Journal>,
    /// The admin API's configuration and access rule.
    pub admin: Arc<AdminState>,
    /// Whether clients reach the server over HTTP or HTTPS.
    pub scheme: Scheme,
}

/// Whether clients reach the server over HTTP or HTTPS: what URLs in answers start with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    #[default]
    Http,
    /// HTTPS (`serve --tls`).
    Https,
}

impl Scheme {
    /// `http://host` or `https://host` as the client addressed the server, for URLs in answers: the
    /// `Host` header (HTTP/1.1), or the request's authority (HTTP/2 sends `:authority` instead).
    pub fn base_url(self, headers: &HeaderMap, uri: &Uri) -> String {
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or(uri.authority().map(|a| a.as_str()))
            .unwrap_or("127.0.0.1");
        match self {
            Scheme::Http => format!("http://{host}"),
            Scheme::Https => format!("https://{host}"),
        }
    }
}

/// The body deadline every extractor of a body reads under ([`crate::extract`]).
impl FromRef<AppState> for Limits {
    fn from_ref(app: &AppState) -> Limits {
        app.settings.limits
    }
}

/// What the admin API needs besides the API's state.
#[derive(Debug)]
pub struct AdminState {
    /// The configuration the server started with: what `reset` returns to.
    pub config: Config,
    /// The admin token, if configured.
    pub token: Option<String>,
    /// Whether the server listens on a loopback address.
    pub loopback: bool,
    /// Serialises seeds, so two concurrent seeds cannot both validate against the state before the other.
    seed_lock: Mutex<()>,
}

impl AdminState {
    /// The admin side of a server started with `config`.
    pub fn new(config: Config, token: Option<String>, loopback: bool) -> AdminState {
        AdminState {
            config,
            token,
            loopback,
            seed_lock: Mutex::new(()),
        }
    }

    /// Holds off every other seed until the guard is dropped.
    pub fn one_seed_at_a_time(&self) -> MutexGuard<'_, ()> {
        // The lock guards no data: a panic while it was held left nothing half-changed.
        self.seed_lock.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Unix time in seconds.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_names_the_host_the_client_addressed_over_either_http_version() {
        let mut headers = HeaderMap::new();
        let h2: Uri = "https://127.0.0.1:8443/v1/audio/voices".parse().unwrap();
        assert_eq!(
            Scheme::Https.base_url(&headers, &h2),
            "https://127.0.0.1:8443"
        );
        headers.insert(HOST, "localhost:8080".parse().unwrap());
        let h1: Uri = "/v1/audio/voices".parse().unwrap();
        assert_eq!(
            Scheme::Http.base_url(&headers, &h1),
            "http://localhost:8080"
        );
        assert_eq!(
            Scheme::Http.base_url(&HeaderMap::new(), &h1),
            "http://127.0.0.1"
        );
    }
}
