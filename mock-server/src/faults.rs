//! Injected faults: latency, a chosen error envelope, a bare HTTP 429/5xx, or a dropped connection, for the
//! next N matching requests or for a time window (`POST /__admin/faults`). Streaming-speech sessions have
//! three of their own (`speech_chunk_delay`, `speech_error_event`, `speech_drop`): they match only a
//! WebSocket handshake, which the layer lets through with a [`SessionFault`] for the session to apply.
//!
//! [`fault_layer`] is a middleware inside the logid layer, so an injected envelope gets a logid like any
//! other answer, and handlers contain no fault code. The first active fault that matches a request is used
//! and counted. A fault that answers instead of the handler first reads the request's body, as every
//! handler does before an error, so the journal can describe what the client sent
//! ([`unanswered`]). The layer wraps the API's routes only: the router nests the admin API outside it, so a
//! fault never locks the tests out of the admin API.

pub(crate) mod unanswered;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use serde::{Deserialize, Serialize};
use unanswered::read_unanswered;

use crate::capture::{FaultKind, Notes};
use crate::error::ApiError;
use crate::json_integer::{given, given_integer, integer};
use crate::request_body::Limits;

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answers normally, `ms` milliseconds late (the request is handled first, so a client that times
    /// out meanwhile leaves its effect behind, as with a slow real server).
    Latency {
        /// The delay.
        #[serde(deserialize_with = "integer")]
        ms: u64,
    },
    /// Answers this envelope (with a fresh logid) instead of the handler's answer.
    Envelope {
        /// `code`.
        #[serde(deserialize_with = "integer")]
        code: i64,
        /// `msg`.
        msg: String,
        /// The HTTP status; 200 if absent (Coze answers many errors on 200).
        #[serde(default = "http_ok", deserialize_with = "integer")]
        status: u16,
    },
    /// Answers a bare HTTP status with a plain-text body, as a gateway in front of the API would:
    /// 429 or 5xx. SDKs see a non-JSON body (cozepy raises `CozeAPIError` with the status as code).
    HttpStatus {
        /// 429 or 500-599.
        #[serde(deserialize_with = "integer")]
        status: u16,
    },
    /// Closes the connection without a complete answer: the status line and headers go out, then the
    /// body fails, so the client reads a truncated response (an "incomplete message" / connection error).
    /// A struct variant, so that unknown fields are refused as in the other kinds.
    Drop {},
    /// Streaming speech: every `speech.audio.update` of the session goes out `ms` milliseconds late.
    SpeechChunkDelay {
        /// The delay before each chunk.
        #[serde(deserialize_with = "integer")]
        ms: u64,
    },
    /// Streaming speech: the session's first `input_text_buffer.complete` is answered by this `error`
    /// event instead of audio.
    SpeechErrorEvent {
        /// `data.code`.
        #[serde(deserialize_with = "integer")]
        code: i64,
        /// `data.msg`.
        msg: String,
    },
    /// Streaming speech: the connection is cut (no close frame) after this many audio chunks.
    SpeechDrop {
        /// Chunks sent before the cut; 0 cuts right after `input_text_buffer.completed`.
        #[serde(default, deserialize_with = "integer")]
        after_chunks: u32,
    },
}

impl FaultAction {
    /// Whether it acts on a streaming-speech session rather than on an HTTP answer.
    pub fn is_session(&self) -> bool {
        matches!(
            self,
            FaultAction::SpeechChunkDelay { .. }
                | FaultAction::SpeechErrorEvent { .. }
                | FaultAction::SpeechDrop { .. }
        )
    }
}

/// A session fault the layer let through, in the handshake's extensions, for the session to apply.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionFault(pub FaultAction);

fn http_ok() -> u16 {
    200
}

/// A fault as `POST /__admin/faults` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Matches this path exactly, or every path starting with the part before a trailing `*`; every
    /// path if absent.
    #[serde(default, deserialize_with = "given")]
    pub path: Option<String>,
    /// Matches this method (case-insensitive); every method if absent.
    #[serde(default, deserialize_with = "given")]
    pub method: Option<String>,
    /// Applies to the next `times` matching requests.
    #[serde(default, deserialize_with = "given_integer")]
    pub times: Option<u32>,
    /// Applies for `for_ms` milliseconds from now. With neither `times` nor `for_ms`, the fault applies
    /// once; with both, it ends at whichever comes first.
    #[serde(default, deserialize_with = "given_integer")]
    pub for_ms: Option<u64>,
    /// What to do.
    pub action: FaultAction,
}

/// An active fault, as `GET /__admin/faults` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    /// Its id, for reading it back.
    pub id: u64,
    /// See [`FaultSpec::path`].
    pub path: Option<String>,
    /// See [`FaultSpec::method`].
    pub method: Option<String>,
    /// Matching requests it will still answer; unlimited within its window if absent.
    pub remaining: Option<u32>,
    /// Unix milliseconds after which it no longer applies.
    pub until_ms: Option<i64>,
    /// Requests it has answered so far.
    pub hits: u32,
    /// What it does.
    pub action: FaultAction,
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let path_ok = match self.path.as_deref() {
            None => true,
            Some(p) => match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == p,
            },
        };
        path_ok
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }
}

/// The active faults, shared by the layer and the admin API.
#[derive(Debug, Default)]
pub struct Faults {
    next_id: AtomicU64,
    active: Mutex<Vec<Fault>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Vec<Fault>> {
        // Every update is a single push, retain or field change: a poisoned list is still consistent.
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks and activates a fault.
    pub fn add(&self, spec: FaultSpec, now_ms: i64) -> Result<Fault, ApiError> {
        let invalid = |reason: String| ApiError::AdminInvalid { reason };
        match &spec.action {
            FaultAction::HttpStatus { status }
                if !(*status == 429 || (500..=599).contains(status)) =>
            {
                return Err(invalid(format!(
                    "http_status must be 429 or 5xx, not {status}"
                )));
            }
            FaultAction::Envelope { status, .. } if StatusCode::from_u16(*status).is_err() => {
                return Err(invalid(format!("{status} is not an HTTP status")));
            }
            _ => {}
        }
        if let Some(method) = &spec.method {
            if http::Method::from_bytes(method.as_bytes()).is_err() {
                return Err(invalid(format!("method {method:?} is not an HTTP method")));
            }
        }
        if spec.times == Some(0) {
            return Err(invalid("times must be at least 1".to_owned()));
        }
        let fault = Fault {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            path: spec.path,
            method: spec.method,
            remaining: match (spec.times, spec.for_ms) {
                (None, None) => Some(1),
                (times, _) => times,
            },
            until_ms: spec
                .for_ms
                .map(|ms| now_ms.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))),
            hits: 0,
            action: spec.action,
        };
        self.lock().push(fault.clone());
        Ok(fault)
    }

    /// The faults still active at `now_ms`.
    pub fn list(&self, now_ms: i64) -> Vec<Fault> {
        let mut active = self.lock();
        active.retain(|f| f.until_ms.is_none_or(|u| now_ms < u));
        active.clone()
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The action of the first active fault matching the request, counting the use; session faults are
    /// left for WebSocket handshakes ([`Faults::take_for_handshake`]).
    pub fn take(&self, method: &str, path: &str, now_ms: i64) -> Option<FaultAction> {
        self.take_where(method, path, now_ms, |a| !a.is_session())
    }

    /// Like [`Faults::take`] for a WebSocket handshake, which session faults match too.
    pub fn take_for_handshake(&self, method: &str, path: &str, now_ms: i64) -> Option<FaultAction> {
        self.take_where(method, path, now_ms, |_| true)
    }

    fn take_where(
        &self,
        method: &str,
        path: &str,
        now_ms: i64,
        applies: impl Fn(&FaultAction) -> bool,
    ) -> Option<FaultAction> {
        let mut active = self.lock();
        active.retain(|f| f.until_ms.is_none_or(|u| now_ms < u));
        let i = active
            .iter()
            .position(|f| f.matches(method, path) && applies(&f.action))?;
        let fault = &mut active[i];
        fault.hits += 1;
        let action = fault.action.clone();
        if let Some(remaining) = &mut fault.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                active.remove(i);
            }
        }
        Some(action)
    }
}

/// Marks an answer a fault touched, for the journal: the fault's rule name and what it did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FaultApplied {
    /// `fault.latency`, `fault.envelope`, `fault.http_status` or `fault.drop`.
    pub rule: &'static str,
    /// What the fault did.
    pub kind: FaultKind,
}

/// Middleware: applies the first matching fault, if any; the body a fault answers is read under the body
/// deadline of `limits`.
pub(crate) async fn fault_layer(
    State((faults, limits)): State<(Arc<Faults>, Limits)>,
    request: Request,
    next: Next,
) -> Response {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (method, path) = (request.method().as_str(), request.uri().path());
    let handshake = request
        .headers()
        .get(header::UPGRADE)
        .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let taken = if handshake {
        faults.take_for_handshake(method, path, now_ms)
    } else {
        faults.take(method, path, now_ms)
    };
    let Some(action) = taken else {
        return next.run(request).await;
    };
    let (mut response, rule, kind) = match action {
        FaultAction::Latency { ms } => {
            // The answer is made first, then held back: like a slow server, the work is done (a voice
            // created) even when the client gives up waiting.
            Notes::of(request.extensions()).fault(FaultKind::Latency { ms });
            let response = next.run(request).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            (response, "fault.latency", FaultKind::Latency { ms })
        }
        FaultAction::Envelope { code, msg, status } => {
            read_unanswered(request, limits.body_deadline()).await;
            (
                ApiError::InjectedFault {
                    code,
                    msg,
                    status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                }
                .into_response(),
                "fault.envelope",
                FaultKind::Envelope,
            )
        }
        FaultAction::HttpStatus { status } => {
            read_unanswered(request, limits.body_deadline()).await;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let text = format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            (
                (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response(),
                "fault.http_status",
                FaultKind::HttpStatus,
            )
        }
        FaultAction::SpeechChunkDelay { .. }
        | FaultAction::SpeechErrorEvent { .. }
        | FaultAction::SpeechDrop { .. } => {
            let (rule, kind) = session_fault_kind(&action);
            let mut request = request;
            Notes::of(request.extensions()).fault(kind);
            request.extensions_mut().insert(SessionFault(action));
            (next.run(request).await, rule, kind)
        }
        FaultAction::Drop {} => {
            read_unanswered(request, limits.body_deadline()).await;
            let failing = futures_util::stream::once(async {
                Err::<bytes::Bytes, _>(std::io::Error::other(
                    "coze-mock: injected dropped connection",
                ))
            });
            (
                (StatusCode::OK, Body::from_stream(failing)).into_response(),
                "fault.drop",
                FaultKind::Drop,
            )
        }
    };
    response
        .extensions_mut()
        .insert(FaultApplied { rule, kind });
    response
}

/// The rule name and journal kind of a session fault: a chunk delay is latency, an error event an
/// envelope, a cut connection a drop.
pub(crate) fn session_fault_kind(action: &FaultAction) -> (&'static str, FaultKind) {
    match action {
        FaultAction::SpeechChunkDelay { ms } => {
            ("fault.speech_chunk_delay", FaultKind::Latency { ms: *ms })
        }
        FaultAction::SpeechErrorEvent { .. } => ("fault.speech_error_event", FaultKind::Envelope),
        _ => ("fault.speech_drop", FaultKind::Drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_faults_match_only_websocket_handshakes() {
        let faults = Faults::default();
        let mut s = spec(Some("/v1/audio/speech"), Some(1), None);
        s.action = FaultAction::SpeechDrop { after_chunks: 2 };
        faults.add(s, 0).unwrap();
        assert!(faults.take("POST", "/v1/audio/speech", 0).is_none());
        assert_eq!(
            faults.take_for_handshake("GET", "/v1/audio/speech", 0),
            Some(FaultAction::SpeechDrop { after_chunks: 2 })
        );
        assert!(faults
            .take_for_handshake("GET", "/v1/audio/speech", 0)
            .is_none());
    }

    fn spec(path: Option<&str>, times: Option<u32>, for_ms: Option<u64>) -> FaultSpec {
        FaultSpec {
            path: path.map(str::to_owned),
            method: None,
            times,
            for_ms,
            action: FaultAction::HttpStatus { status: 503 },
        }
    }

    #[test]
    fn a_spec_is_read_as_its_description_says() {
        let parse = |json: &str| serde_json::from_str::<FaultSpec>(json);
        let spec = parse(r#"{"times": 375.0, "action": {"kind": "latency", "ms": 5.0}}"#).unwrap();
        assert_eq!(spec.times, Some(375));
        assert_eq!(spec.action, FaultAction::Latency { ms: 5 });
        for json in [
            r#"{"times": null, "action": {"kind": "drop"}}"#,
            r#"{"method": null, "action": {"kind": "drop"}}"#,
            r#"{"times": 1.5, "action": {"kind": "drop"}}"#,
            r#"{"action": {"kind": "drop", "ms": 1}}"#,
        ] {
            assert!(parse(json).is_err(), "{json}");
        }
        let faults = Faults::default();
        for method in ["", "GET POST", "get"] {
            let spec = parse(&format!(
                r#"{{"method": "{method}", "action": {{"kind": "drop"}}}}"#
            ))
            .unwrap();
            assert_eq!(faults.add(spec, 0).is_ok(), method == "get", "{method:?}");
        }
    }

    #[test]
    fn a_fault_for_n_requests_answers_exactly_n() {
        let faults = Faults::default();
        faults
            .add(spec(Some("/v1/audio/speech"), Some(2), None), 0)
            .unwrap();
        assert!(
            faults.take("POST", "/v1/audio/voices", 0).is_none(),
            "other path"
        );
        assert!(faults.take("POST", "/v1/audio/speech", 0).is_some());
        assert!(faults.take("POST", "/v1/audio/speech", 0).is_some());
        assert!(faults.take("POST", "/v1/audio/speech", 0).is_none());
    }

    #[test]
    fn a_windowed_fault_applies_until_its_end_only() {
        let faults = Faults::default();
        faults
            .add(spec(Some("/v1/*"), None, Some(1000)), 0)
            .unwrap();
        assert!(faults.take("GET", "/v1/audio/voices", 999).is_some());
        assert!(faults.take("GET", "/v1/audio/voices", 999).is_some());
        assert!(faults.take("GET", "/v1/audio/voices", 1000).is_none());
        assert!(faults.list(1000).is_empty());
    }

    #[test]
    fn a_fault_without_count_or_window_applies_once() {
        let faults = Faults::default();
        faults.add(spec(None, None, None), 0).unwrap();
        assert!(faults.take("GET", "/anything", 0).is_some());
        assert!(faults.take("GET", "/anything", 0).is_none());
    }

    #[test]
    fn only_429_and_5xx_are_accepted_as_bare_statuses() {
        let faults = Faults::default();
        for (status, ok) in [
            (429, true),
            (500, true),
            (599, true),
            (404, false),
            (200, false),
        ] {
            let mut s = spec(None, None, None);
            s.action = FaultAction::HttpStatus { status };
            assert_eq!(faults.add(s, 0).is_ok(), ok, "status {status}");
        }
    }

    #[test]
    fn methods_match_case_insensitively() {
        let faults = Faults::default();
        let mut s = spec(None, Some(1), None);
        s.method = Some("post".into());
        faults.add(s, 0).unwrap();
        assert!(faults.take("GET", "/x", 0).is_none());
        assert!(faults.take("POST", "/x", 0).is_some());
    }
}
