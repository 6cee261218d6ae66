//! [`Api`]: the typed client every test uses, whatever the target.
//!
//! The client owns the target's differences so that tests do not branch on it: it starts the fake, fills
//! in tokens and placeholders, serialises and paces requests to the real API, counts what they spend and
//! records their answers for the drift report.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};

use coze_mock::__internals::proxy::answer::BodyNotes;
use coze_mock::config::Config;
use coze_mock::MockServer;
use serde_json::Value;

use crate::contract::{LIST_PATH, SPEECH_PATH};
use crate::list::ListQuery;
use crate::notice::notice;
use crate::record::Recorder;
use crate::request::{
    BodyKind, CloneRequest, OtherRequest, Part, Role, TokenChoice, FOREIGN_SPACE_ID,
    FOREIGN_VOICE_ID, RETRAIN_VOICE_ID,
};
use crate::response::{allowed_headers, CapturedResponse};
use crate::speech::{SpeechAnswer, SpeechRequest};
use crate::target::{check_url_tokens, Settings, SpendBudget, Target};

/// The path of the endpoint under test.
pub const CLONE_PATH: &str = "/v1/audio/voices/clone";

/// The `Sec-WebSocket-Key` a replayed handshake sends: RFC 6455's sample nonce (a server checks a key's
/// form, 16 bytes in base64, not its randomness).
const HANDSHAKE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The configuration of the in-process fake: one account per documented situation.
pub const CONTRACT_TOML: &str = include_str!("../fixtures/contract.toml");

/// Requests to the real API go one at a time, [`Settings::delay`] apart, across every test of the run.
static REAL_GATE: LazyLock<tokio::sync::Mutex<Option<Instant>>> =
    LazyLock::new(|| tokio::sync::Mutex::new(None));
/// The real run's budget, shared by all its tests.
static REAL_BUDGET: OnceLock<SpendBudget> = OnceLock::new();
/// Clones the real run has made (answers with `code` 0).
static REAL_SPENT: AtomicU32 = AtomicU32::new(0);
/// The URL target's tokens are checked once per run, before the first test's first request.
static URL_TOKENS_CHECKED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The target, ready to take requests.
pub struct Api {
    settings: Settings,
    base: String,
    http: reqwest::Client,
    recorder: Option<Recorder>,
    retrain_voice: tokio::sync::OnceCell<String>,
    // Keeps the in-process fake alive as long as the client.
    _fake: Option<MockServer>,
}

impl Api {
    /// The target the environment names (see [`crate::target`]). Panics with what to set when the
    /// environment is refused: a test cannot run without its target.
    pub async fn from_env() -> Api {
        match Settings::from_env() {
            Ok(settings) => Api::with_settings(settings).await,
            Err(e) => panic!("contract-tests: {e}"),
        }
    }

    /// An in-process fake with `fixtures/contract.toml`, whatever the environment says.
    pub async fn fake() -> Api {
        Api::with_settings(Settings::from_lookup(|_| None).expect("the default settings are valid"))
            .await
    }

    /// The target `settings` name.
    pub async fn with_settings(settings: Settings) -> Api {
        let (base, fake) = match &settings.target {
            Target::Fake | Target::FakeTls => {
                let config =
                    Config::from_toml(CONTRACT_TOML).expect("fixtures/contract.toml parses");
                let mut server = MockServer::builder().config(config);
                if settings.target == Target::FakeTls {
                    server = server.tls();
                }
                let server = server.start().await;
                (server.uri(), Some(server))
            }
            Target::Url(url) | Target::Real(url) => (url.clone(), None),
        };
        let recorder = settings
            .is_real()
            .then(|| Recorder::for_run(settings.secrets(), &base));
        if let (true, Some(spend)) = (settings.is_real(), &settings.spend) {
            REAL_BUDGET.get_or_init(|| SpendBudget::new(spend.budget));
        }
        let mut http = reqwest::Client::builder().timeout(Duration::from_secs(120));
        if let Some(pem) = fake.as_ref().and_then(MockServer::ca_pem) {
            let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the fake's CA");
            http = http.tls_built_in_root_certs(false).add_root_certificate(ca);
        }
        let http = http.build().expect("an HTTP client");
        if matches!(settings.target, Target::Url(_)) {
            URL_TOKENS_CHECKED
                .get_or_init(|| async {
                    if let Err(message) = check_url_tokens(&http, &base, &settings).await {
                        // One failure for the run, not one per test: the tests cannot mean anything.
                        let _ = writeln!(std::io::stderr(), "contract-tests: {message}");
                        std::process::exit(1);
                    }
                })
                .await;
        }
        Api {
            settings,
            base,
            http,
            recorder,
            retrain_voice: tokio::sync::OnceCell::new(),
            _fake: fake,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Whether the role's token is available; if not, says the test is skipped and why.
    pub fn has_role(&self, role: Role) -> bool {
        let ok = self.settings.role_tokens.contains_key(&role);
        if !ok {
            notice(&format!("skipped: set {} to run it", role.env_var()));
        }
        ok
    }

    /// Whether a foreign workspace id is available; if not, says the test is skipped and why.
    pub fn has_foreign_space(&self) -> bool {
        let ok = self.settings.foreign_space_id.is_some();
        if !ok {
            notice("skipped: set COZE_CONTRACT_FOREIGN_SPACE_ID to run it");
        }
        ok
    }

    /// Whether the target is a fake (in-process or at a URL); if not, says the test is skipped and why.
    pub fn is_fake(&self, why: &str) -> bool {
        let ok = !self.settings.is_real();
        if !ok {
            notice(&format!("skipped on the real API: {why}"));
        }
        ok
    }

    /// Whether a voice of a foreign workspace is available; if not, says the test is skipped and why.
    pub fn has_foreign_voice(&self) -> bool {
        let ok = self.settings.foreign_voice_id.is_some();
        if !ok {
            notice("skipped: set COZE_CONTRACT_FOREIGN_VOICE_ID to run it");
        }
        ok
    }

    /// Whether this test may spend up to `clones` clones (new voices or retrains). Always on a fake;
    /// on the real API only with the spend opt-in, and only while the budget covers all of them (they
    /// are reserved now). When it may not, says the test is skipped and why.
    pub fn may_spend(&self, clones: u32, why: &str) -> bool {
        if !self.settings.is_real() {
            return true;
        }
        let Some(budget) = REAL_BUDGET.get() else {
            notice(&format!(
                "skipped (would spend {clones} clone(s): {why}): needs COZE_CONTRACT_ALLOW_SPEND=1, \
                 COZE_CONTRACT_SPEND_BUDGET and COZE_CONTRACT_RETRAIN_VOICE_ID"
            ));
            return false;
        };
        match budget.try_reserve(clones) {
            Ok(total) => {
                notice(&format!(
                    "reserved {clones} clone(s) for: {why} ({total} of {} reserved)",
                    budget.limit()
                ));
                true
            }
            Err(e) => {
                notice(&format!(
                    "skipped (would spend {} clone(s): {why}): only {} left of COZE_CONTRACT_SPEND_BUDGET={}",
                    e.asked,
                    e.left,
                    budget.limit()
                ));
                false
            }
        }
    }

    /// Whether this test may send `requests` speech requests, which the real API bills
    /// (「调用语音合成 API 会产生语音合成费用」). Always on a fake; on the real API only with the spend
    /// opt-in (speech does not draw on the clone budget). When it may not, says the test is skipped and why.
    pub fn may_bill_speech(&self, requests: u32, why: &str) -> bool {
        if !self.settings.is_real() || self.settings.spend.is_some() {
            return true;
        }
        notice(&format!(
            "skipped (would bill {requests} speech request(s): {why}): needs COZE_CONTRACT_ALLOW_SPEND=1, \
             COZE_CONTRACT_SPEND_BUDGET and COZE_CONTRACT_RETRAIN_VOICE_ID"
        ));
        false
    }

    /// The voice retrain tests retrain: on a fake a voice this client clones first (once), on the real
    /// API `COZE_CONTRACT_RETRAIN_VOICE_ID`. Call it only after [`Api::may_spend`] allowed the test.
    pub async fn voice_to_retrain(&self) -> String {
        self.retrain_voice
            .get_or_init(|| async {
                if let Some(spend) = &self.settings.spend {
                    return spend.retrain_voice_id.clone();
                }
                let created = self.clone_voice(&CloneRequest::valid_sample()).await;
                created
                    .voice_id()
                    .unwrap_or_else(|| panic!("setup clone failed: {created:#?}"))
                    .to_owned()
            })
            .await
            .clone()
    }

    /// Uses up the role's voice slots: on a fake, clones with its token until refused (at most twice:
    /// the account has one slot); on the real API nothing (its variable names an account already full).
    pub async fn fill_slots(&self, role: Role) {
        if self.settings.is_real() {
            return;
        }
        for _ in 0..2 {
            if self
                .clone_voice(&CloneRequest::valid_sample().role(role))
                .await
                .code()
                != Some(0)
            {
                break;
            }
        }
    }

    /// Sends one clone request and captures the answer. Panics only if no answer came at all.
    pub async fn clone_voice(&self, req: &CloneRequest) -> CapturedResponse {
        let http_req = self.build(req).await;
        let resp = self.paced(self.send(http_req)).await;
        if self.settings.is_real() {
            self.account(&resp);
        }
        if let Some(recorder) = &self.recorder {
            recorder.save(req, &resp);
        }
        resp
    }

    /// Lists voices and captures the answer. Listing creates nothing and costs nothing.
    pub async fn list_voices(&self, query: &ListQuery) -> CapturedResponse {
        let mut b = self
            .http
            .get(format!("{}{LIST_PATH}", self.base))
            .query(&query.params);
        if let Some(auth) = self.authorization(&query.token) {
            b = b.header(reqwest::header::AUTHORIZATION, auth);
        }
        let http_req = b.build().expect("a valid request");
        self.paced(self.send(http_req)).await
    }

    /// Asks for speech and reads the answer whole. On the real API call it only after
    /// [`Api::may_bill_speech`] allowed the test.
    pub async fn speech(&self, req: &SpeechRequest) -> SpeechAnswer {
        let mut b = self
            .http
            .post(format!("{}{SPEECH_PATH}", self.base))
            .json(&req.body);
        if let Some(auth) = self.authorization(&req.token) {
            b = b.header(reqwest::header::AUTHORIZATION, auth);
        }
        let http_req = b.build().expect("a valid request");
        let url = http_req.url().clone();
        self.paced(async {
            let resp = self
                .http
                .execute(http_req)
                .await
                .unwrap_or_else(|e| panic!("no answer from {url}: {e}"));
            SpeechAnswer::read(resp)
                .await
                .unwrap_or_else(|e| panic!("answer from {url} cut short: {e}"))
        })
        .await
    }

    /// Runs `request`; on the real API one at a time across the run, [`Settings::delay`] apart.
    async fn paced<T>(&self, request: impl std::future::Future<Output = T>) -> T {
        if !self.settings.is_real() {
            return request.await;
        }
        let mut last = REAL_GATE.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until((at + self.settings.delay).into()).await;
        }
        let answer = request.await;
        *last = Some(Instant::now());
        answer
    }

    /// The `Authorization` header `token` stands for, if any.
    fn authorization(&self, token: &TokenChoice) -> Option<String> {
        match token {
            TokenChoice::Main => Some(format!("Bearer {}", self.settings.main_token)),
            TokenChoice::Role(r) => Some(format!(
                "Bearer {}",
                self.settings
                    .role_tokens
                    .get(r)
                    .unwrap_or_else(|| panic!("role {r:?} has no token: check has_role first"))
            )),
            TokenChoice::Literal(t) => Some(format!("Bearer {t}")),
            TokenChoice::RawAuthorization(v) => Some(v.clone()),
            TokenChoice::Missing => None,
        }
    }

    /// Counts a real answer that created or retrained a voice.
    fn account(&self, resp: &CapturedResponse) {
        if resp.code() != Some(0) {
            return;
        }
        let n = REAL_SPENT.fetch_add(1, Ordering::SeqCst) + 1;
        let voice = resp.voice_id().unwrap_or("?");
        match REAL_BUDGET.get() {
            Some(b) => notice(&format!(
                "SPENT clone {n} of budget {}: voice {voice}",
                b.limit()
            )),
            None => notice(&format!(
                "UNEXPECTED SPEND: the real API accepted a request the documentation rejects \
                 (voice {voice}); {n} clone(s) spent in this run"
            )),
        }
    }

    /// Sends a recorded request to another endpoint (the list, speech) and captures the answer; an
    /// answer that is not JSON is kept as its format, length and hash, as `coze-mock proxy --record`
    /// keeps the real one.
    pub async fn send_other(&self, req: &OtherRequest) -> CapturedResponse {
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let url = match &req.query {
            Some(q) => format!("{}{}?{q}", self.base, req.path),
            None => format!("{}{}", self.base, req.path),
        };
        let mut b = self.http.request(method, &url);
        if let Some(auth) = self.authorization(&req.token) {
            b = b.header(reqwest::header::AUTHORIZATION, auth);
        }
        if let Some(json) = &req.json {
            b = b.json(json);
        }
        if let Some(protocol) = &req.upgrade {
            b = b
                .header(reqwest::header::UPGRADE, protocol)
                .header(reqwest::header::CONNECTION, "Upgrade")
                .header(reqwest::header::SEC_WEBSOCKET_VERSION, "13")
                .header(reqwest::header::SEC_WEBSOCKET_KEY, HANDSHAKE_KEY);
        }
        let resp = b
            .send()
            .await
            .unwrap_or_else(|e| panic!("no answer from {url}: {e}"));
        let status = resp.status().as_u16();
        let headers = allowed_headers(resp.headers());
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("answer from {url} cut short: {e}"));
        let mut notes = BodyNotes::new(content_type.as_deref());
        notes.feed(&bytes);
        CapturedResponse {
            status,
            headers,
            body: notes.finish(),
        }
    }

    async fn build(&self, req: &CloneRequest) -> reqwest::Request {
        let mut b = self.http.post(format!("{}{CLONE_PATH}", self.base));
        if let Some(auth) = self.authorization(&req.token) {
            b = b.header(reqwest::header::AUTHORIZATION, auth);
        }
        let mut texts = Vec::new();
        for p in &req.parts {
            if let Part::Text { name, value } = p {
                texts.push((name.clone(), self.resolve(value).await));
            }
        }
        b = match req.body {
            BodyKind::Json => {
                let obj: serde_json::Map<String, Value> = texts
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                b.json(&obj)
            }
            BodyKind::Multipart => {
                let mut form = reqwest::multipart::Form::new();
                let mut texts = texts.into_iter();
                for p in &req.parts {
                    form = match p {
                        Part::Text { .. } => {
                            let (name, value) = texts.next().expect("one value per text part");
                            form.text(name, value)
                        }
                        Part::File { audio, filename } => form.part(
                            "file",
                            reqwest::multipart::Part::bytes(audio.bytes())
                                .file_name(filename.clone())
                                .mime_str("application/octet-stream")
                                .expect("a valid MIME type"),
                        ),
                    };
                }
                b.multipart(form)
            }
        };
        b.build().expect("a valid request")
    }

    /// Replaces a placeholder value with the target's.
    async fn resolve(&self, value: &str) -> String {
        match value {
            FOREIGN_SPACE_ID => self
                .settings
                .foreign_space_id
                .clone()
                .expect("no foreign workspace: check has_foreign_space first"),
            FOREIGN_VOICE_ID => self
                .settings
                .foreign_voice_id
                .clone()
                .expect("no foreign voice: check has_foreign_voice first"),
            // Boxed: cloning the voice to retrain goes through `clone_voice`, which resolves values.
            RETRAIN_VOICE_ID => Box::pin(self.voice_to_retrain()).await,
            other => other.to_owned(),
        }
    }

    async fn send(&self, req: reqwest::Request) -> CapturedResponse {
        let url = req.url().clone();
        let resp = self
            .http
            .execute(req)
            .await
            .unwrap_or_else(|e| panic!("no answer from {url}: {e}"));
        CapturedResponse::read(resp)
            .await
            .unwrap_or_else(|e| panic!("answer from {url} cut short: {e}"))
    }
}
