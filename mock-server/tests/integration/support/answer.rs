use reqwest::header::HeaderMap;
use serde_json::Value;

/// An answer read whole. A JSON answer must be the API's envelope: `{code, msg, detail: {logid}}` (plus
/// `data` on success, only then), with the same well-formed logid in `x-tt-logid`.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Vec<u8>,
    /// The body, when it is JSON.
    json: Option<Value>,
}

impl Answer {
    /// Reads a reqwest response whole.
    pub(crate) async fn read(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("answer body").to_vec();
        Answer::new(status, headers, bytes)
    }

    /// An answer from its parts; asserts the envelope when the body is JSON.
    pub(crate) fn new(status: u16, headers: HeaderMap, bytes: Vec<u8>) -> Answer {
        let is_json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let json = is_json.then(|| {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{status}: a JSON answer that is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        });
        let answer = Answer {
            status,
            headers,
            bytes,
            json,
        };
        if answer.json.is_some() {
            answer.assert_envelope();
        }
        answer
    }

    /// The JSON body; panics if the answer is not JSON.
    pub(crate) fn body(&self) -> &Value {
        self.json.as_ref().unwrap_or_else(|| {
            panic!(
                "{}: not a JSON answer: {:?}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }

    /// The envelope's `code`.
    pub(crate) fn code(&self) -> i64 {
        self.body()["code"].as_i64().expect("code is an integer")
    }

    /// A header's value, or "" when it is absent.
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The rule that decided a refusal (`x-coze-mock-rule`), or "".
    pub(crate) fn rule(&self) -> &str {
        self.header("x-coze-mock-rule")
    }

    /// The `data` of a success; panics on anything else.
    pub(crate) fn data(&self) -> Value {
        self.assert_ok();
        self.body()["data"].clone()
    }

    /// `data.voice_id` of a clone.
    pub(crate) fn voice_id(&self) -> String {
        self.body()["data"]["voice_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no voice_id in {}", self.body()))
            .to_owned()
    }

    fn assert_envelope(&self) {
        let body = self.body();
        let logid = body["detail"]["logid"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail.logid in {body}"));
        assert!(
            coze_mock::__internals::envelope::LogId::is_well_formed(logid),
            "logid {logid:?}"
        );
        assert_eq!(
            self.header("x-tt-logid"),
            logid,
            "x-tt-logid header equals detail.logid"
        );
        assert!(body["msg"].is_string(), "msg in {body}");
        let code = body["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("code in {body}"));
        assert_eq!(
            body.get("data").is_some(),
            code == 0,
            "data only on success: {body}"
        );
    }

    /// Asserts a refusal with `code`, decided by `rule`.
    pub(crate) fn assert_refused(&self, code: i64, rule: &str) {
        assert_eq!(
            (self.code(), self.rule()),
            (code, rule),
            "expected {code} by {rule}, got {}",
            self.body()
        );
    }

    /// Asserts a success: code 0, HTTP 200.
    pub(crate) fn assert_ok(&self) {
        assert_eq!(self.code(), 0, "expected success, got {}", self.body());
        assert_eq!(self.status, 200);
    }
}
