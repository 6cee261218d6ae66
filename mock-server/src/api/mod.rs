//! The HTTP surface: one module per endpoint, and the router that joins them.

pub mod clone_voice;
pub mod voice_view;

use std::sync::Arc;

use axum::extract::Request;
use axum::routing::post;
use axum::Router;
use http::header::HOST;
use http::HeaderMap;

use crate::config::Directory;
use crate::envelope::logid_layer;
use crate::error::ApiError;
use crate::store::VoiceStore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Tokens and the accounts and workspaces they reach.
    pub directory: Arc<Directory>,
    /// The voices.
    pub store: Arc<dyn VoiceStore>,
}

/// The whole API as a router, for [`crate::serve`] and for `oneshot` tests.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/audio/voices/clone",
            post(clone_voice::clone_voice).fallback(method_not_allowed),
        )
        .fallback(route_not_found)
        .layer(axum::middleware::from_fn(logid_layer))
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
