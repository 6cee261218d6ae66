use mock_server::config::Config;
use mock_server::MockServer;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// The configuration of the tests: one team with two workspaces and several kinds of token.
pub(crate) const TEST_CONFIG: &str = r#"
[[accounts]]
id = "team"
plan = "team"
bought_voice_slots = 49

[[accounts]]
id = "solo"
plan = "personal"

[[accounts]]
id = "small-team"
plan = "team"

[[accounts]]
id = "debtor"
plan = "enterprise"
bought_voice_slots = 5
in_arrears = true

[[workspaces]]
id = "7000000000000000001"
account = "team"

[[workspaces]]
id = "7000000000000000002"
account = "team"

[[workspaces]]
id = "7000000000000000003"
account = "team"

[[workspaces]]
id = "7000000000000000010"
account = "solo"

[[workspaces]]
id = "7000000000000000020"
account = "small-team"

[[workspaces]]
id = "7000000000000000030"
account = "debtor"

[[tokens]]
value = "pat_team"
account = "team"
personal_workspace = "7000000000000000001"
workspaces = ["7000000000000000002"]
permissions = ["createVoice"]

[[tokens]]
value = "pat_colleague"
account = "team"
personal_workspace = "7000000000000000003"
workspaces = ["7000000000000000002"]
permissions = ["createVoice"]

[[tokens]]
value = "pat_no_permission"
account = "team"
personal_workspace = "7000000000000000001"
permissions = ["chat"]

[[tokens]]
value = "pat_expired"
account = "team"
personal_workspace = "7000000000000000001"
permissions = ["createVoice"]
expires_at = "2020-01-01T00:00:00Z"

[[tokens]]
value = "pat_solo"
account = "solo"
personal_workspace = "7000000000000000010"
permissions = ["createVoice"]

[[tokens]]
value = "pat_small"
account = "small-team"
personal_workspace = "7000000000000000020"
permissions = ["createVoice"]

[[tokens]]
value = "pat_debtor"
account = "debtor"
personal_workspace = "7000000000000000030"
permissions = ["createVoice"]
"#;

/// The personal workspace of `pat_team`.
pub(crate) const TEAM_PERSONAL_SPACE: &str = "7000000000000000001";
/// A workspace `pat_team` and `pat_colleague` share.
pub(crate) const SHARED_SPACE: &str = "7000000000000000002";
/// The personal workspace of `pat_colleague`, in the same team.
pub(crate) const COLLEAGUE_SPACE: &str = "7000000000000000003";

/// A server with [`TEST_CONFIG`] and the client to talk to it.
pub(crate) struct TestApp {
    pub(crate) server: MockServer,
    pub(crate) client: reqwest::Client,
}

/// Starts the server on 127.0.0.1 port 0 with [`TEST_CONFIG`]; it stops when the app is dropped.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with("").await
}

/// Starts the server with [`TEST_CONFIG`] followed by `extra` TOML.
pub(crate) async fn spawn_app_with(extra: &str) -> TestApp {
    let config = Config::from_toml(&format!("{TEST_CONFIG}\n{extra}")).expect("test config parses");
    TestApp {
        server: MockServer::start_with(config).await,
        client: reqwest::Client::new(),
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    pub(crate) async fn read(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("answer body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {text:?}"));
        let answer = Answer {
            status,
            headers,
            body,
        };
        answer.assert_envelope();
        answer
    }

    pub(crate) fn code(&self) -> i64 {
        self.body["code"].as_i64().expect("code is an integer")
    }

    pub(crate) fn rule(&self) -> &str {
        self.headers
            .get("x-coze-mock-rule")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub(crate) fn voice_id(&self) -> String {
        self.body["data"]["voice_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no voice_id in {}", self.body))
            .to_owned()
    }

    /// Every answer is `{code, msg, detail: {logid}}` (plus `data` on success), with the same well-formed
    /// logid in `x-tt-logid`.
    fn assert_envelope(&self) {
        let logid = self.body["detail"]["logid"]
            .as_str()
            .unwrap_or_else(|| panic!("no detail.logid in {}", self.body));
        assert!(
            mock_server::envelope::LogId::is_well_formed(logid),
            "logid {logid:?}"
        );
        assert_eq!(
            self.headers.get("x-tt-logid").and_then(|v| v.to_str().ok()),
            Some(logid),
            "x-tt-logid header equals detail.logid"
        );
        assert!(self.body["msg"].is_string(), "msg in {}", self.body);
        assert!(self.body["code"].is_i64(), "code in {}", self.body);
        assert_eq!(
            self.body.get("data").is_some(),
            self.code() == 0,
            "data only on success: {}",
            self.body
        );
    }

    /// Asserts a failure with `code`, decided by `rule`.
    pub(crate) fn assert_refused(&self, code: i64, rule: &str) {
        assert_eq!(
            (self.code(), self.rule()),
            (code, rule),
            "expected {code} by {rule}, got {}",
            self.body
        );
    }

    pub(crate) fn assert_ok(&self) {
        assert_eq!(self.code(), 0, "expected success, got {}", self.body);
        assert_eq!(self.status, 200);
    }
}

/// A mono 16-bit WAV of `secs` seconds at `rate` Hz: a real header and a quiet tone.
pub(crate) fn wav(secs: f64, rate: u32) -> Vec<u8> {
    let samples: Vec<i16> = (0..(secs * f64::from(rate)) as u32)
        .map(|i| {
            let t = f64::from(i) / f64::from(rate);
            ((t * 220.0 * std::f64::consts::TAU).sin() * 3000.0) as i16
        })
        .collect();
    mock_server::synth::wav(&samples, rate)
}

/// A WAV whose file is exactly `len` bytes (len ≥ 44).
pub(crate) fn wav_of_len(len: usize) -> Vec<u8> {
    let data_len = (len - 44) as u32;
    let mut out = wav(0.0, 24_000);
    out[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    out[40..44].copy_from_slice(&data_len.to_le_bytes());
    out.resize(len, 0);
    out
}

/// A clone request being built: the text fields in order, then the file parts.
#[derive(Clone)]
pub(crate) struct Clone {
    pub(crate) token: Option<String>,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<(String, Vec<u8>, Option<String>)>,
}

/// A valid request: `pat_team`, voice_name "jay", a 12 s WAV.
pub(crate) fn clone_request() -> Clone {
    Clone {
        token: Some("pat_team".into()),
        fields: vec![("voice_name".into(), "jay".into())],
        files: vec![("file".into(), wav(12.0, 24_000), Some("jay.wav".into()))],
    }
}

impl Clone {
    pub(crate) fn token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }

    pub(crate) fn no_token(mut self) -> Self {
        self.token = None;
        self
    }

    /// Sets a field, replacing an earlier value.
    pub(crate) fn field(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Adds a field even if it is already there.
    pub(crate) fn extra_field(mut self, name: &str, value: &str) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    pub(crate) fn without(mut self, name: &str) -> Self {
        self.fields.retain(|(n, _)| n != name);
        self.files.retain(|(n, _, _)| n != name);
        self
    }

    pub(crate) fn file(mut self, bytes: Vec<u8>, filename: Option<&str>) -> Self {
        self.files = vec![("file".into(), bytes, filename.map(str::to_owned))];
        self
    }

    pub(crate) fn extra_file(mut self, name: &str, bytes: Vec<u8>, filename: &str) -> Self {
        self.files.push((name.into(), bytes, Some(filename.into())));
        self
    }

    pub(crate) async fn send(self, app: &TestApp) -> Answer {
        let mut form = Form::new();
        for (name, value) in self.fields {
            form = form.text(name, value);
        }
        for (name, bytes, filename) in self.files {
            let mut part = Part::bytes(bytes);
            if let Some(f) = filename {
                part = part.file_name(f);
            }
            form = form.part(name, part);
        }
        let mut request = app
            .client
            .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
            .multipart(form);
        if let Some(token) = self.token {
            request = request.bearer_auth(token);
        }
        Answer::read(request.send().await.expect("request sent")).await
    }
}
