//! The response envelope `{code, msg, data, detail: {logid}}` and the logid that every answer carries.
//!
//! Handlers return [`Envelope`] or [`ApiError`]; both become a response that carries only
//! [`EnvelopeParts`]. The [`logid_layer`] middleware, which wraps every route, makes one [`LogId`] a request,
//! renders the JSON body with it and sets the `x-tt-logid` header, so body and header always agree. This
//! is the only place a JSON answer is written.

use std::fmt::{self, Write as _};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::StatusCode;
use rand::Rng;
use serde::Serialize;

use crate::error::{ApiError, Origin};

/// The header the SDKs read the logid from: cozepy's `HTTPResponse.logid` reads `x-tt-logid`.
pub(crate) const LOGID_HEADER: &str = "x-tt-logid";

/// The header naming the rule that decided an error answer (not sent by the real API; harmless to SDKs).
pub(crate) const RULE_HEADER: &str = "x-coze-mock-rule";

/// A request's log id, in the real format: a 14-digit `YYYYMMDDhhmmss` timestamp in Beijing time followed
/// by 20 upper-case hex digits, 34 characters in all, as in the real logids users quote
/// (`2025110522060859DE7DB648C2DCC379B3`, coze-dev/coze-js#314; `20241015100256FA70F619ED86EC262A80`,
/// coze-dev/coze-py#78).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogId(String);

/// Hex digits after the timestamp in a real logid.
const LOGID_HEX_DIGITS: usize = 20;

impl LogId {
    /// A fresh logid for now.
    pub fn generate() -> LogId {
        use chrono::{Datelike, Timelike};
        let t = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(8);
        let hex: u128 = rand::rng().random_range(0..1 << (4 * LOGID_HEX_DIGITS));
        let mut id = String::with_capacity(14 + LOGID_HEX_DIGITS);
        // Writing to a `String` cannot fail.
        let _ = write!(
            id,
            "{:04}{:02}{:02}{:02}{:02}{:02}{hex:020X}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
        );
        LogId(id)
    }

    /// The logid as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` has the shape of a real logid.
    pub fn is_well_formed(s: &str) -> bool {
        s.len() == 14 + LOGID_HEX_DIGITS
            && s[..14].bytes().all(|b| b.is_ascii_digit())
            && s[14..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    }
}

impl fmt::Display for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A successful answer: `code` 0, `msg` "", and `data`.
#[derive(Debug)]
pub(crate) struct Envelope<T>(pub T);

/// What an answer's envelope holds before the middleware adds the logid.
#[derive(Debug, Clone)]
pub(crate) struct EnvelopeParts {
    /// `code`: 0 on success.
    pub code: i64,
    /// `msg`: empty on success.
    pub msg: String,
    /// `data` as JSON text: present on success only; moved into the body when the body is rendered.
    pub data: Option<String>,
    /// What decided an error answer: absent on success.
    pub refusal: Option<Refusal>,
}

/// What decided an error answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The rule, for the `x-coze-mock-rule` header and the journal.
    pub rule: &'static str,
    /// Who answered: the API, an injected fault or the admin API.
    pub origin: Origin,
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        match serde_json::to_string(&self.0) {
            Ok(data) => parts_response(
                StatusCode::OK,
                EnvelopeParts {
                    code: 0,
                    msg: String::new(),
                    data: Some(data),
                    refusal: None,
                },
            ),
            Err(e) => ApiError::Internal(format!("serialising data: {e}")).into_response(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let row = self.row();
        parts_response(
            row.status,
            EnvelopeParts {
                code: row.code,
                msg: row.msg,
                data: None,
                refusal: Some(Refusal {
                    rule: row.rule,
                    origin: row.origin,
                }),
            },
        )
    }
}

fn parts_response(status: StatusCode, parts: EnvelopeParts) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(parts);
    response
}

/// The JSON body of an envelope, keys in `serde_json`'s order. Takes `data` out of `parts` (the journal,
/// which reads the parts later, needs only the code and the rule), so a voice list is not kept twice.
pub(crate) fn render_body(parts: &mut EnvelopeParts, logid: &LogId) -> String {
    let data = parts.data.take();
    let msg = serde_json::Value::from(parts.msg.as_str());
    let mut body =
        String::with_capacity(80 + data.as_ref().map_or(0, String::len) + parts.msg.len());
    // Writing to a `String` cannot fail; a logid is digits and hex, so it needs no escaping.
    let _ = write!(body, "{{\"code\":{}", parts.code);
    if let Some(data) = data {
        let _ = write!(body, ",\"data\":{data}");
    }
    let _ = write!(
        body,
        ",\"detail\":{{\"logid\":\"{logid}\"}},\"msg\":{msg}}}"
    );
    body
}

/// Middleware: gives the request its [`LogId`] (also as a request extension, for handlers and the
/// journal), renders any envelope with it, and sets the `x-tt-logid` header on every answer that has
/// none.
pub(crate) async fn logid_layer(mut request: Request, next: Next) -> Response {
    let logid = LogId::generate();
    request.extensions_mut().insert(logid.clone());
    let mut response = next.run(request).await;
    if let Some(mut parts) = response.extensions_mut().remove::<EnvelopeParts>() {
        let body = render_body(&mut parts, &logid);
        let (mut head, _) = response.into_parts();
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(refusal) = parts.refusal {
            head.headers
                .insert(RULE_HEADER, HeaderValue::from_static(refusal.rule));
        }
        head.extensions.insert(parts);
        response = Response::from_parts(head, axum::body::Body::from(body));
    }
    // A handler that set its own (a WebSocket session's, in that channel's format) keeps it.
    if let Ok(value) = HeaderValue::from_str(logid.as_str()) {
        response.headers_mut().entry(LOGID_HEADER).or_insert(value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_logids_have_the_real_shape() {
        for _ in 0..100 {
            let id = LogId::generate();
            assert!(LogId::is_well_formed(id.as_str()), "{id}");
        }
    }

    #[test]
    fn a_logid_starts_with_beijing_time() {
        let id = LogId::generate();
        let stamp =
            chrono::NaiveDateTime::parse_from_str(&id.as_str()[..14], "%Y%m%d%H%M%S").unwrap();
        let beijing_now = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(8);
        assert!((beijing_now - stamp).num_seconds().abs() <= 2, "{id}");
    }

    #[test]
    fn logids_quoted_from_the_real_api_are_well_formed() {
        assert!(LogId::is_well_formed("2025110522060859DE7DB648C2DCC379B3"));
        assert!(LogId::is_well_formed("20241015100256FA70F619ED86EC262A80"));
        assert!(!LogId::is_well_formed("20241015100256fa70f619ed86ec262a80"));
        assert!(!LogId::is_well_formed("not-a-logid"));
    }

    #[test]
    fn error_body_has_code_msg_and_logid_but_no_data() {
        let mut parts = EnvelopeParts {
            code: 4000,
            msg: "x".into(),
            data: None,
            refusal: Some(Refusal {
                rule: "r",
                origin: Origin::Api,
            }),
        };
        let body = render_body(&mut parts, &LogId("L".into()));
        assert_eq!(body, r#"{"code":4000,"detail":{"logid":"L"},"msg":"x"}"#);
    }

    #[test]
    fn a_success_body_carries_data_and_an_escaped_msg() {
        let mut parts = EnvelopeParts {
            code: 0,
            msg: "say \"hi\"\n".into(),
            data: Some(r#"{"voice_id":"7"}"#.into()),
            refusal: None,
        };
        let body = render_body(&mut parts, &LogId("L".into()));
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"code": 0, "msg": "say \"hi\"\n", "data": {"voice_id": "7"}, "detail": {"logid": "L"}})
        );
        assert!(parts.data.is_none(), "data moved into the body");
    }
}
