//! Any request to `POST /v1/audio/voices/clone`, through the whole router: arbitrary headers, boundary,
//! body and chunk edges. The server must answer every one with a well-formed envelope, in bounded time.
#![no_main]

mod chunks;

use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use coze_mock::__internals::api::router;
use coze_mock::__internals::envelope::LogId;
use coze_mock::__internals::server::{build_state, Options};
use coze_mock::__internals::state::AppState;
use coze_mock::config::Config;
use tower::ServiceExt;

#[derive(Debug, Arbitrary)]
struct Input {
    /// 0: multipart with `boundary`; 1: quoted; 2: the curl example's `application/json; boundary=`;
    /// 3: `raw_content_type`; 4: none.
    content_type_kind: u8,
    boundary: String,
    raw_content_type: String,
    authorized: bool,
    content_length: Option<u64>,
    /// Where the body is cut into chunks.
    cuts: Vec<u16>,
    body: Vec<u8>,
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// A state shared by successive inputs, as one server is hammered, renewed every 10,000 inputs: the
/// in-memory voices grow with every request and would otherwise trip libFuzzer's RSS limit.
fn state() -> AppState {
    static STATE: Mutex<Option<(u32, AppState)>> = Mutex::new(None);
    let mut slot = STATE.lock().unwrap_or_else(|p| p.into_inner());
    match slot.as_mut() {
        Some((used, state)) if *used < 10_000 => {
            *used += 1;
            state.clone()
        }
        _ => {
            let mut config = Config::default();
            config.accounts[0].bought_voice_slots = u32::MAX / 2;
            let state = build_state(&config, &Options::default(), true).expect("a valid state");
            *slot = Some((1, state.clone()));
            state
        }
    }
}

fuzz_target!(|input: Input| {
    let content_type = match input.content_type_kind % 5 {
        0 => Some(format!("multipart/form-data; boundary={}", input.boundary)),
        1 => Some(format!(
            "multipart/form-data; boundary=\"{}\"",
            input.boundary
        )),
        2 => Some(format!("application/json; boundary={}", input.boundary)),
        3 => Some(input.raw_content_type.clone()),
        _ => None,
    };
    let mut request = http::Request::post("/v1/audio/voices/clone");
    if let Some(ct) = content_type {
        request = request.header(http::header::CONTENT_TYPE, ct);
    }
    if input.authorized {
        request = request.header(http::header::AUTHORIZATION, "Bearer pat_mock");
    }
    if let Some(len) = input.content_length {
        request = request.header(http::header::CONTENT_LENGTH, len);
    }
    let chunks: Vec<Result<Bytes, Infallible>> = chunks::split(&input.body, &input.cuts)
        .into_iter()
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    let Ok(request) = request.body(Body::from_stream(futures_util::stream::iter(chunks))) else {
        return; // a header `http` refuses never reaches a server
    };
    runtime().block_on(async {
        let bound = Duration::from_secs(10);
        let response = tokio::time::timeout(bound, router(state()).oneshot(request))
            .await
            .expect("answered in bounded time")
            .expect("the router is infallible");
        let ok = response.status() == http::StatusCode::OK;
        let header = response
            .headers()
            .get("x-tt-logid")
            .map(|v| v.to_str().expect("ASCII logid").to_owned());
        let bytes = tokio::time::timeout(bound, response.into_body().collect())
            .await
            .expect("the answer's body ends")
            .expect("an answer body")
            .to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON envelope");
        let logid = body["detail"]["logid"].as_str().expect("detail.logid");
        assert!(LogId::is_well_formed(logid), "{body}");
        assert_eq!(header.as_deref(), Some(logid));
        assert!(body["code"].is_i64() && body["msg"].is_string(), "{body}");
        assert_eq!(body["code"] == 0, ok, "{body}");
        assert_eq!(body.get("data").is_some(), ok, "{body}");
    });
});
