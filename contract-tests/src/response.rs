//! [`CapturedResponse`]: an answer as the contract sees it (status, allow-listed headers, JSON body), what
//! the client brings back and the drift record keeps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::{is_logid, is_voice_id};

/// The header carrying the logid (cozepy's `HTTPResponse.logid` reads it).
pub const LOGID_HEADER: &str = "x-tt-logid";
/// Response headers kept in a [`CapturedResponse`]: the rest vary by server and are not contract.
pub const HEADER_ALLOW_LIST: [&str; 2] = ["content-type", LOGID_HEADER];

/// One answer, as the contract sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedResponse {
    /// HTTP status.
    pub status: u16,
    /// The allow-listed headers ([`HEADER_ALLOW_LIST`]), lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; a body that is not JSON is kept as a JSON string.
    pub body: Value,
}

/// The [`HEADER_ALLOW_LIST`] headers of an answer, lower-case names.
pub fn allowed_headers(headers: &reqwest::header::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter(|(k, _)| HEADER_ALLOW_LIST.contains(&k.as_str()))
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

impl CapturedResponse {
    /// Reads `resp` whole, keeping the [`HEADER_ALLOW_LIST`] headers; a body that is not JSON is kept
    /// as a JSON string.
    pub async fn read(resp: reqwest::Response) -> reqwest::Result<CapturedResponse> {
        let status = resp.status().as_u16();
        let headers = allowed_headers(resp.headers());
        let bytes = resp.bytes().await?;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(CapturedResponse {
            status,
            headers,
            body,
        })
    }

    /// The envelope's `code`.
    pub fn code(&self) -> Option<i64> {
        self.body.get("code").and_then(Value::as_i64)
    }

    /// The envelope's `msg`.
    pub fn msg(&self) -> Option<&str> {
        self.body.get("msg").and_then(Value::as_str)
    }

    /// `detail.logid`.
    pub fn logid(&self) -> Option<&str> {
        self.body.pointer("/detail/logid").and_then(Value::as_str)
    }

    /// `data.voice_id`.
    pub fn voice_id(&self) -> Option<&str> {
        self.body.pointer("/data/voice_id").and_then(Value::as_str)
    }

    /// Checks a clone's envelope: [`CapturedResponse::check_envelope_shape`], and on success
    /// `data.voice_id` of the page's 19-digit shape.
    pub fn check_envelope(&self) -> Result<(), String> {
        self.check_envelope_shape()?;
        if self.code() == Some(0) && !self.voice_id().is_some_and(is_voice_id) {
            return Err(format!(
                "`data.voice_id` is missing or not 19 digits on success; response: {self:#?}"
            ));
        }
        Ok(())
    }

    /// Checks the envelope every page documents, whatever the endpoint and outcome: `code` an integer,
    /// `msg` a string (「状态码为 0 时，msg 默认为空」, and non-empty on failure: 「API 调用失败时可通过此字段查看
    /// 详细错误信息」), `detail.logid` of the real format and equal to the `x-tt-logid` header.
    pub fn check_envelope_shape(&self) -> Result<(), String> {
        let fail = |what: &str| Err(format!("{what}; response: {self:#?}"));
        if !self.body.is_object() {
            return fail("the body is not a JSON object");
        }
        let Some(code) = self.code() else {
            return fail("`code` is missing or not an integer");
        };
        let Some(msg) = self.msg() else {
            return fail("`msg` is missing or not a string");
        };
        let Some(logid) = self.logid() else {
            return fail("`detail.logid` is missing");
        };
        if !is_logid(logid) {
            return fail(&format!("`detail.logid` {logid:?} is not a logid"));
        }
        match self.headers.get(LOGID_HEADER) {
            Some(h) if h == logid => {}
            Some(h) => {
                return fail(&format!(
                    "header {LOGID_HEADER} {h:?} differs from the body's"
                ))
            }
            None => return fail(&format!("header {LOGID_HEADER} is missing")),
        }
        if code == 0 {
            if !msg.is_empty() {
                return fail("`msg` is not empty on success");
            }
        } else if msg.is_empty() {
            return fail("`msg` is empty on failure");
        }
        Ok(())
    }
}
