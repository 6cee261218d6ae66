//! What every handler shares: [`AppState`], and the two helpers every answer needs ([`now`], [`base_url`]).

use std::sync::{Arc, Mutex, MutexGuard};

use http::header::HOST;
use http::HeaderMap;

use crate::config::Config;
use crate::directory::Directory;
use crate::faults::Faults;
use crate::journal::Journal;
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

/// `http://host` as the client addressed the server, for URLs in answers.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
