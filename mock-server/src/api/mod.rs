//! The HTTP surface: one module per endpoint, and the router that joins them with the admin API.

pub(crate) mod audio_answer;
pub(crate) mod clone_voice;
pub(crate) mod error_status;
pub(crate) mod landing;
pub(crate) mod list_voices;
pub(crate) mod preview_audio;
pub(crate) mod speech;
pub(crate) mod speech_ws;

use axum::extract::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, MethodRouter};
use axum::Router;
use http::StatusCode;

use crate::admin;
use crate::catalogue::{Endpoint, ADMIN_PREFIX};
use crate::envelope::logid_layer;
use crate::error::ApiError;
use crate::faults::fault_layer;
use crate::journal::{journal_layer, JournalState};
use crate::state::AppState;

/// The whole API as a router, for the server and for `oneshot` tests.
///
/// The API's routes sit in layers, outermost first: the journal (sees the final answer), the logid
/// (renders envelopes), the faults (so an injected envelope gets a logid too), the error status
/// (`[fidelity] error_status`). The admin API is nested
/// after those layers, so it is neither journaled nor faulted, and has a logid layer of its own; so do the
/// landing envelope at `/` and the favicon a browser asks for.
pub fn router(state: AppState) -> Router {
    let journal = JournalState {
        journal: state.journal.clone(),
        directory: state.directory.clone(),
    };
    let admin = admin::routes(state.clone())
        .fallback(route_not_found)
        .layer(from_fn(logid_layer));
    [
        Endpoint::Clone.route(clone_voice::clone_voice),
        Endpoint::List.route(list_voices::list_voices),
        Endpoint::Speech.route(speech::speech),
        Endpoint::SpeechStream.route(speech_ws::speech_stream),
        Endpoint::Preview.route(preview_audio::preview_audio),
        Endpoint::OpenApi.route(openapi_json),
        Endpoint::AsyncApi.route(asyncapi_json),
    ]
    .into_iter()
    // Endpoints that share a path (speech's POST and its WebSocket GET) share one method router.
    .fold(
        Vec::<(&str, MethodRouter<AppState>)>::new(),
        |mut paths, (def, route)| {
            match paths.iter_mut().find(|(path, _)| *path == def.route_path()) {
                Some((_, methods)) => *methods = std::mem::take(methods).merge(route),
                None => paths.push((def.route_path(), route)),
            }
            paths
        },
    )
    .into_iter()
    .fold(Router::new(), |api, (path, methods)| {
        api.route(path, methods.fallback(method_not_allowed))
    })
    .fallback(route_not_found)
    .layer(from_fn_with_state(
        state.settings.fidelity.error_status,
        error_status::error_status_layer,
    ))
    .layer(from_fn_with_state(
        (state.faults.clone(), state.settings.limits),
        fault_layer,
    ))
    .layer(from_fn(logid_layer))
    .layer(from_fn_with_state(journal, journal_layer))
    .route("/", get(landing::landing).layer(from_fn(logid_layer)))
    .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
    .route(
        &format!("{ADMIN_PREFIX}/"),
        get(admin::report::page).layer(from_fn(logid_layer)),
    )
    .nest(ADMIN_PREFIX, admin)
    .with_state(state)
}

/// What the API answers a request it refuses with `error`, through the layers its routes answer through
/// (the envelope with its logid, the status `[fidelity] error_status` gives it): the proxy's fake answer
/// for a refusal the shadow's own router never reached (a token the upstream refused).
pub(crate) async fn answer_error<F>(state: &AppState, error: F) -> axum::response::Response
where
    F: Fn() -> ApiError + Clone + Send + Sync + 'static,
{
    let router: Router = Router::new()
        .fallback(move || {
            let error = error.clone();
            async move { error() }
        })
        .layer(from_fn_with_state(
            state.settings.fidelity.error_status,
            error_status::error_status_layer,
        ))
        .layer(from_fn(logid_layer));
    let request = Request::new(axum::body::Body::empty());
    tower::ServiceExt::oneshot(router, request)
        .await
        .unwrap_or_else(|e| match e {})
}

/// `GET /__mock/openapi.json`: the description of this API ([`crate::openapi`]).
async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(crate::openapi::document())
}

/// `GET /__mock/asyncapi.json`: the document of streaming speech ([`crate::asyncapi`]).
async fn asyncapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(crate::asyncapi::document())
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;
    use crate::config::Config;
    use crate::envelope::LOGID_HEADER;
    use crate::faults::{FaultAction, FaultSpec, Faults};
    use crate::journal::Journal;
    use crate::settings::Settings;
    use crate::state::AdminState;
    use crate::store::SqliteStore;

    fn state() -> AppState {
        state_with_admin_token(None)
    }

    fn state_with_admin_token(token: Option<&str>) -> AppState {
        let config = Config::default();
        AppState {
            directory: Arc::new(config.validate().unwrap()),
            store: Arc::new(SqliteStore::in_memory()),
            settings: Arc::new(Settings::of(&config)),
            faults: Arc::new(Faults::default()),
            journal: Arc::new(Journal::default()),
            admin: Arc::new(AdminState::new(config, token.map(str::to_owned), true)),
            scheme: crate::state::Scheme::Http,
        }
    }

    async fn get(state: &AppState, path: &str) -> http::Response<Body> {
        router(state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn every_catalogued_endpoint_is_routed_on_its_method() {
        use crate::catalogue::ENDPOINTS;
        use crate::envelope::RULE_HEADER;
        let state = state();
        for def in &ENDPOINTS {
            let path = def.path.replace("{file}", "7.wav");
            let request = Request::builder()
                .method(def.method.clone())
                .uri(&path)
                .body(Body::empty())
                .unwrap();
            let answer = router(state.clone()).oneshot(request).await.unwrap();
            let rule = answer.headers().get(RULE_HEADER);
            assert!(
                answer.status() != 405 && rule.is_none_or(|r| !r.as_bytes().starts_with(b"route.")),
                "{} {path}: {} {rule:?}",
                def.method,
                answer.status()
            );
        }
    }

    #[tokio::test]
    async fn api_requests_are_journaled_and_admin_requests_are_not() {
        let state = state();
        get(&state, "/v1/audio/nothing").await;
        for path in ["/__admin/journal", "/__admin/nothing", "/__admin"] {
            let answer = get(&state, path).await;
            assert!(answer.headers().contains_key(LOGID_HEADER), "{path}");
        }
        let paths: Vec<_> = state
            .journal
            .records(0, usize::MAX)
            .into_iter()
            .map(|r| r.entry.request.path)
            .collect();
        assert_eq!(paths, ["/v1/audio/nothing"]);
    }

    #[tokio::test]
    async fn a_fault_on_every_path_spares_the_admin_api() {
        let state = state();
        let spec = FaultSpec {
            path: None,
            method: None,
            times: Some(10),
            for_ms: None,
            action: FaultAction::HttpStatus { status: 503 },
        };
        state.faults.add(spec, 0).unwrap();
        assert_eq!(get(&state, "/__admin/faults").await.status(), 200);
        assert_eq!(get(&state, "/__admin/nothing").await.status(), 404);
        assert_eq!(get(&state, "/v1/audio/voices").await.status(), 503);
    }

    #[tokio::test]
    async fn health_answers_without_the_admin_token_and_is_not_journaled() {
        use http_body_util::BodyExt;
        let state = state_with_admin_token(Some("s3cret"));
        let answer = get(&state, "/__admin/health").await;
        assert_eq!(answer.status(), 200);
        assert!(answer.headers().contains_key(LOGID_HEADER));
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], 0);
        assert_eq!(
            json["data"],
            serde_json::json!({"ready": true, "version": env!("CARGO_PKG_VERSION")})
        );
        let refused = get(&state, "/__admin/journal").await;
        assert_eq!(
            refused.status(),
            401,
            "the other admin routes still need the token"
        );
        assert!(state.journal.records(0, usize::MAX).is_empty());
    }

    #[tokio::test]
    async fn an_error_answered_alone_is_the_routes_envelope_with_its_logid_and_status_setting() {
        use http_body_util::BodyExt;
        let answer = answer_error(&state(), || ApiError::UnknownToken).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            answer.headers()[crate::envelope::RULE_HEADER],
            "auth.token_unknown"
        );
        let logid = answer.headers()[LOGID_HEADER].to_str().unwrap().to_owned();
        let body = answer.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], 4100);
        assert_eq!(body["msg"], "authentication is invalid");
        assert_eq!(body["detail"]["logid"], logid.as_str());

        let config = Config::from_toml("[fidelity]\nerror_status = \"always_200\"\n").unwrap();
        let always_200 = AppState {
            settings: Arc::new(Settings::of(&config)),
            ..state()
        };
        let answer = answer_error(&always_200, || ApiError::AccountInArrears).await;
        assert_eq!(answer.status(), StatusCode::OK, "as the routes answer it");
    }
}
