//! The response envelope `{code, msg, data, detail: {logid}}` and the logid that every answer carries.
//!
//! Handlers return [`Envelope`] or [`ApiError`]; both become a response that carries only
//! [`EnvelopeParts`]. The [`logid_layer`] middleware, which wraps every route, makes one [`LogId`] a request,
//! renders the JSON body with it and sets the `x-tt-logid` header, so body and header always agree. This
//! is the only place a JSON answer is written.

use std::fmt;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::StatusCode;
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::ApiError;

/// The header the SDKs read the logid from: cozepy's `HTTPResponse.logid` reads `x-tt-logid`.
pub const LOGID_HEADER: &str = "x-tt-logid";

/// The header naming the rule that decided an error answer (not sent by the real API; harmless to SDKs).
pub const RULE_HEADER: &str = "x-coze-mock-rule";

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
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
        let stamp = chrono::Utc::now()
            .with_timezone(&beijing)
            .format("%Y%m%d%H%M%S");
        let mut rng = rand::rng();
        let hex: String = (0..LOGID_HEX_DIGITS)
            .map(|_| char::from(b"0123456789ABCDEF"[rng.random_range(0..16)]))
            .collect();
        LogId(format!("{stamp}{hex}"))
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
pub struct Envelope<T>(pub T);

/// What an answer's envelope holds before the middleware adds the logid.
#[derive(Debug, Clone)]
pub struct EnvelopeParts {
    /// `code`: 0 on success.
    pub code: i64,
    /// `msg`: empty on success.
    pub msg: String,
    /// `data`: present on success only; moved into the body when the body is rendered.
    pub data: Option<Value>,
    /// The rule that decided an error, for the `x-coze-mock-rule` header and the journal.
    pub rule: Option<&'static str>,
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        match serde_json::to_value(self.0) {
            Ok(data) => parts_response(
                StatusCode::OK,
                EnvelopeParts {
                    code: 0,
                    msg: String::new(),
                    data: Some(data),
                    rule: None,
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
        parts_response(
            self.status(),
            EnvelopeParts {
                code: self.code(),
                msg: self.msg(),
                data: None,
                rule: Some(self.rule()),
            },
        )
    }
}

fn parts_response(status: StatusCode, parts: EnvelopeParts) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(parts);
    response
}

/// The JSON body of an envelope. Takes `data` out of `parts` (the journal, which reads the parts later,
/// needs only the code and the rule), so a voice list is moved into the body, not copied.
pub fn render_body(parts: &mut EnvelopeParts, logid: &LogId) -> Value {
    let mut body = json!({
        "code": parts.code,
        "msg": parts.msg,
        "detail": { "logid": logid.as_str() },
    });
    if let Some(data) = parts.data.take() {
        body["data"] = data;
    }
    body
}

/// Middleware: gives the request its [`LogId`] (also as a request extension, for handlers and the
/// journal), renders any envelope with it, and sets the `x-tt-logid` header on every answer.
pub async fn logid_layer(mut request: Request, next: Next) -> Response {
    let logid = LogId::generate();
    request.extensions_mut().insert(logid.clone());
    let mut response = next.run(request).await;
    if let Some(mut parts) = response.extensions_mut().remove::<EnvelopeParts>() {
        let body = render_body(&mut parts, &logid);
        let (mut head, _) = response.into_parts();
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(rule) = parts.rule {
            head.headers
                .insert(RULE_HEADER, HeaderValue::from_static(rule));
        }
        head.extensions.insert(parts);
        response = Response::from_parts(head, axum::body::Body::from(body.to_string()));
    }
    if let Ok(value) = HeaderValue::from_str(logid.as_str()) {
        response.headers_mut().insert(LOGID_HEADER, value);
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
            rule: Some("r"),
        };
        let body = render_body(&mut parts, &LogId("L".into()));
        assert_eq!(
            body,
            json!({"code": 4000, "msg": "x", "detail": {"logid": "L"}})
        );
    }
}
