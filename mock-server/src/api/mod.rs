//! The HTTP surface: one module per endpoint, and the router that joins them.

pub mod clone_voice;
pub mod list_voices;
pub mod preview_audio;
pub mod speech;
pub mod voice_view;

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use http::header::HOST;
use http::HeaderMap;

use crate::admin::{self, AdminState};
use crate::config::{Directory, SystemVoiceConfig};
use crate::envelope::logid_layer;
use crate::error::ApiError;
use crate::faults::{fault_layer, Faults};
use crate::journal::journal_layer;
use crate::store::SqliteStore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Tokens and the accounts and workspaces they reach.
    pub directory: Arc<Directory>,
    /// The voices, the journal and the seeds.
    pub store: Arc<SqliteStore>,
    /// The configured system voices.
    pub system_voices: Arc<[SystemVoiceConfig]>,
    /// Faults injected through the admin API.
    pub faults: Arc<Faults>,
    /// The admin API's configuration and access rule.
    pub admin: Arc<AdminState>,
}

/// The whole API as a router, for [`crate::serve`] and for `oneshot` tests.
///
/// Layers, outermost first: the journal (sees the final answer), the logid (renders envelopes), the
/// faults (so an injected envelope gets a logid too), then the routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/audio/voices/clone",
            post(clone_voice::clone_voice).fallback(method_not_allowed),
        )
        .route(
            "/v1/audio/voices",
            get(list_voices::list_voices).fallback(method_not_allowed),
        )
        .route(
            "/v1/audio/speech",
            post(speech::speech).fallback(method_not_allowed),
        )
        .route(
            "/__mock/preview_audio/{file}",
            get(preview_audio::preview_audio).fallback(method_not_allowed),
        )
        .nest("/__admin", admin::routes(state.clone()))
        .fallback(route_not_found)
        .layer(from_fn_with_state(state.faults.clone(), fault_layer))
        .layer(from_fn(logid_layer))
        .layer(from_fn_with_state(state.clone(), journal_layer))
        .with_state(state)
}

async fn route_not_found(request: Request) -> ApiError {
    ApiError::RouteNotFound {
        path: request.uri().path().to_owned(),
    }
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed {
        method: request.method().to_string(),
    }
}

/// Unix time in seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `http://host` as the client addressed the server, for URLs in answers.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
