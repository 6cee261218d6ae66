//! `coze-mock proxy --upstream URL`: a client points its base URL at the proxy and sends its real token;
//! each API request goes to the upstream unchanged (the body streamed, never retried) and its answer
//! back unchanged, while a shadow fake (the same router `serve` runs, with its own state) judges the same
//! request. Each exchange's verdict ([`verdict`]) names the fidelity ledger row behind every difference;
//! the drift log ([`drift`]) answers `GET /__admin/drift`. The spend guard ([`spend`]) keeps clones and
//! speech away from the real API unless asked; `--record DIR` ([`record`]) writes each forwarded exchange
//! in the drift replay's format. The rest of `/__admin/` is the shadow's admin API and inspector page.
//!
//! An upstream that cannot be reached, fails TLS, times out or drops the connection makes the proxy close
//! the client's connection without an answer (as the real API would leave it), recorded as an upstream
//! failure, never as a divergence.

pub(crate) mod answer;
pub(crate) mod drift;
pub(crate) mod follow;
pub(crate) mod judging;
pub(crate) mod pings;
pub(crate) mod record;
pub(crate) mod session;
pub(crate) mod session_verdict;
pub(crate) mod spend;
pub(crate) mod tee;
pub(crate) mod upstream;
pub(crate) mod verdict;
pub(crate) mod ws_upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Request};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::admin::check_access;
use crate::api::speech_ws::handshake_token;
use crate::auth::bearer_token;
use crate::catalogue::Endpoint;
use crate::catalogue::ADMIN_PREFIX;
use crate::config::Config;
use crate::envelope::{logid_layer, Envelope};
use crate::error::ApiError;
use crate::extract::{AdminQuery, Input};
use crate::server::{build_state, serve_connections, Options};
use crate::state::{AdminState, AppState};
use crate::tls::Tls;

use answer::{Answer, BodyNotes};
use drift::{DriftExchange, DriftLog, DriftReport, Outcome};
use follow::Learner;
use judging::Judging;
use record::{Recorder, RequestNotes};
use spend::{Route, Spend, NOT_FORWARDED_HEADER};
use tee::{peek, replay, tee, watch, Ending};
use upstream::{strip_hop_by_hop, Failure, Upstream};
use ws_upstream::WsUpstream;

/// Where the drift report is served.
pub const DRIFT_PATH: &str = "/__admin/drift";

/// The default of `--upstream-timeout`.
pub(crate) const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest body held under `--spend refusals` while the shadow judges it: the clone limit and room
/// for the form's fields. A larger body is answered by the shadow alone.
pub(crate) const HOLD_MAX_BYTES: usize = crate::rules::FILE_MAX_BYTES as usize + 1024 * 1024;

/// How long the shadow may take to judge a request (it runs in memory).
const SHADOW_TIMEOUT: Duration = Duration::from_secs(120);

/// Bytes of a clone's body read before it is judged, to find the `space_id` it names.
const SPACE_PEEK_BYTES: usize = 16 * 1024;

/// The message printed at once when the real API accepts what the fake refuses.
pub const SEVERE: &str =
    "the real API accepted what the fake refuses: a voice may have been created and billed";

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// The upstream's base URL (`https://api.coze.cn`).
    pub upstream: String,
    /// What may be forwarded.
    pub spend: Spend,
    /// How long the upstream may take to answer, or to send the next part of an answer.
    pub upstream_timeout: Duration,
    /// Whether the shadow learns tokens from the upstream's answers (without `--config`).
    pub learn_tokens: bool,
    /// Where and how to record the exchanges.
    pub record: Option<record::RecordSettings>,
    /// The WebSocket upstream of streaming speech; `None` derives it from `upstream` as the SDKs do.
    pub ws_upstream: Option<String>,
}

impl ProxySettings {
    /// Forwarding to `upstream` under `spend`, learning tokens, not recording.
    pub fn new(upstream: &str, spend: Spend) -> ProxySettings {
        ProxySettings {
            upstream: upstream.to_owned(),
            spend,
            upstream_timeout: DEFAULT_UPSTREAM_TIMEOUT,
            learn_tokens: true,
            record: None,
            ws_upstream: None,
        }
    }
}

/// The connection was closed without an answer: the upstream gave none.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Dropped(String);

/// One proxy: the shadow, the upstream, the guard, the log.
pub(crate) struct Proxy {
    shadow: AppState,
    shadow_router: Router,
    drift_router: Router,
    upstream: Upstream,
    ws_upstream: WsUpstream,
    spend: Spend,
    drift: Arc<DriftLog>,
    learner: Option<Learner>,
    recorder: Option<Recorder>,
}

/// What the drift route needs.
#[derive(Clone)]
struct DriftState {
    admin: Arc<AdminState>,
    log: Arc<DriftLog>,
}

/// The request's head, kept for the verdict and the record.
#[derive(Debug, Clone)]
struct Head {
    seq: u64,
    time: String,
    method: http::Method,
    path: String,
    query: Option<String>,
    endpoint: Endpoint,
    token: Option<String>,
    headers: HeaderMap,
    version: http::Version,
    /// The upstream decides the token first: it has not accepted it yet (without `--config`).
    awaits_upstream: bool,
}

impl Head {
    fn of(seq: u64, request: &Request<Body>) -> Head {
        // By method and path (the catalogue's `find`): a request with the wrong method is judged
        // against the endpoint its path names, as the report counts it.
        let endpoint = crate::catalogue::find(request.method(), request.uri().path())
            .map_or_else(|| Endpoint::of_path(request.uri().path()), |d| d.endpoint);
        // A streaming-speech handshake may carry its token in the query (browsers cannot set headers).
        let token = if endpoint == Endpoint::SpeechStream {
            handshake_token(request.headers(), request.uri())
        } else {
            request
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(bearer_token)
                .map(str::to_owned)
        };
        Head {
            seq,
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            endpoint,
            token,
            headers: request.headers().clone(),
            version: request.version(),
            awaits_upstream: false,
        }
    }

    /// A request with this head and `body`.
    fn request(&self, body: Body) -> Request<Body> {
        let uri = match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        };
        let mut request = Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri.parse().unwrap_or_default();
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        request
    }

    fn judged(&self) -> bool {
        matches!(
            self.endpoint,
            Endpoint::Clone | Endpoint::List | Endpoint::Speech
        )
    }

    fn exchange(&self, forwarded: bool, outcome: Outcome) -> DriftExchange {
        DriftExchange {
            seq: self.seq,
            time: self.time.clone(),
            logid: None,
            method: self.method.to_string(),
            path: self.path.clone(),
            endpoint: self.endpoint.name().to_owned(),
            forwarded,
            outcome,
            divergences: Vec::new(),
            confirmed: Vec::new(),
            failure: None,
            note: None,
            severe: false,
        }
    }
}

impl Proxy {
    /// A proxy with a shadow started from `config` and `options`, listening on a loopback address or not.
    pub(crate) fn new(
        config: &Config,
        options: &Options,
        loopback: bool,
        settings: ProxySettings,
    ) -> anyhow::Result<Proxy> {
        let shadow = build_state(config, options, loopback)?;
        let upstream = Upstream::new(&settings.upstream, settings.upstream_timeout)?;
        let ws_upstream = WsUpstream::new(
            settings.ws_upstream.as_deref(),
            &settings.upstream,
            settings.upstream_timeout,
        )?;
        let drift = Arc::new(DriftLog::new(upstream.base(), settings.spend.name()));
        let drift_router = Router::new()
            .route(DRIFT_PATH, get(drift_answer))
            .layer(from_fn(logid_layer))
            .with_state(DriftState {
                admin: shadow.admin.clone(),
                log: drift.clone(),
            });
        let recorder = settings
            .record
            .map(|r| Recorder::new(r, upstream.base()))
            .transpose()?;
        Ok(Proxy {
            shadow_router: crate::api::router(shadow.clone()),
            shadow,
            drift_router,
            upstream,
            ws_upstream,
            spend: settings.spend,
            drift,
            learner: settings.learn_tokens.then(Learner::new),
            recorder,
        })
    }

    /// The drift report as it stands.
    pub(crate) fn drift_report(&self) -> DriftReport {
        self.drift.report()
    }

    /// Answers one request: the drift report, the shadow's admin API, or an exchange.
    pub(crate) async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response, Dropped> {
        let request = request.map(Body::new);
        let path = request.uri().path();
        if path == DRIFT_PATH {
            let answer = self.drift_router.clone().oneshot(request).await;
            return Ok(answer.unwrap_or_else(|e| match e {}));
        }
        if path == ADMIN_PREFIX || path.starts_with(&format!("{ADMIN_PREFIX}/")) {
            let answer = self.shadow_router.clone().oneshot(request).await;
            return Ok(answer.unwrap_or_else(|e| match e {}));
        }
        self.exchange(request).await
    }

    async fn exchange(self: Arc<Self>, mut request: Request<Body>) -> Result<Response, Dropped> {
        let mut head = Head::of(self.drift.next_seq(), &request);
        let stream = head.endpoint == Endpoint::SpeechStream && session::is_handshake(&request);
        let route = self.spend.route(head.endpoint);
        let upstream_first = if stream {
            self.spend == Spend::All
        } else {
            route == Route::Forward
        };
        if let (Some(learner), Some(token)) = (&self.learner, &head.token) {
            head.awaits_upstream = learner.awaits_upstream(&self.shadow, token);
            // A token the upstream has not accepted waits for its answer where the upstream answers
            // first; elsewhere the shadow judges first and takes it on sight.
            if !(head.awaits_upstream && upstream_first) {
                learner.on_sight(&self.shadow, token);
                if head.endpoint == Endpoint::Clone {
                    let (held, body) = peek(request.into_body(), SPACE_PEEK_BYTES).await;
                    if let Some(space) = follow::space_id_in(&held) {
                        learner.space(&self.shadow, token, &space);
                    }
                    request = head.request(body);
                }
            }
        }
        head.headers = request.headers().clone();
        if stream {
            return self.stream(head, request).await;
        }
        match route {
            Route::ShadowOnly => {
                let why = format!("not forwarded (--spend {})", self.spend.name());
                Ok(self.shadow_alone(head, request.into_body(), why).await)
            }
            Route::ShadowFirst => self.shadow_first(head, request.into_body()).await,
            Route::Forward => self.forward(head, request.into_body()).await,
        }
    }

    /// The shadow's answer, streamed to the client with the not-forwarded header.
    async fn shadow_alone(self: Arc<Self>, head: Head, body: Body, why: String) -> Response {
        let answer = self
            .shadow_router
            .clone()
            .oneshot(head.request(body))
            .await
            .unwrap_or_else(|e| match e {});
        self.not_forwarded(head, answer, why)
    }

    /// `answer`, the shadow's, streamed to the client with the not-forwarded header; logged once whole.
    fn not_forwarded(self: Arc<Self>, head: Head, answer: Response, why: String) -> Response {
        let (mut parts, body) = answer.into_parts();
        let notes = BodyNotes::new(content_type(&parts.headers));
        let length = content_length(&parts.headers);
        let (body, ended) = watch(body.into_data_stream(), notes, SHADOW_TIMEOUT, length);
        let status = parts.status.as_u16();
        let headers = parts.headers.clone();
        let proxy = self.clone();
        tokio::spawn(async move {
            let body = match ended.await {
                Ok((notes, _)) => notes.finish(),
                Err(_) => serde_json::Value::Null,
            };
            let fake = Answer::new(status, &headers, body);
            let mut exchange = head.exchange(false, Outcome::NotForwarded);
            exchange.logid = fake.logid.clone();
            exchange.note = Some(why);
            proxy.drift.add(exchange);
        });
        if let Ok(value) =
            HeaderValue::from_str(&format!("not forwarded (--spend {})", self.spend.name()))
        {
            parts.headers.insert(NOT_FORWARDED_HEADER, value);
        }
        Response::from_parts(parts, body)
    }

    /// `--spend refusals`: the shadow answers the held body first, once. Its acceptance is the client's
    /// answer (nothing reaches the upstream); its refusal goes to the verdict, the request to the
    /// upstream too.
    async fn shadow_first(self: Arc<Self>, head: Head, body: Body) -> Result<Response, Dropped> {
        let (held, rest) = peek(body, HOLD_MAX_BYTES + 1).await;
        if held.len() > HOLD_MAX_BYTES {
            let why =
                "not forwarded: too large to hold while the fake judges it (--spend refusals)";
            return Ok(self.shadow_alone(head, rest, why.to_owned()).await);
        }
        drop(rest);
        let accepts = || "not forwarded: the fake accepts it (--spend refusals)".to_owned();
        let answer = self
            .shadow_router
            .clone()
            .oneshot(head.request(replay(&held)))
            .await
            .unwrap_or_else(|e| match e {});
        let (parts, body) = answer.into_parts();
        let status = parts.status.as_u16();
        let mut notes = BodyNotes::new(content_type(&parts.headers));
        if status < 400 && !notes.is_json() {
            // Audio: an acceptance, streamed as it is made.
            let answer = Response::from_parts(parts, body);
            return Ok(self.not_forwarded(head, answer, accepts()));
        }
        // An envelope: small, read whole to tell a refusal.
        let envelope = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        notes.feed(&envelope);
        let fake = Answer::new(status, &parts.headers, notes.finish());
        if !fake.refuses() {
            let answer = Response::from_parts(parts, Body::from(envelope));
            return Ok(self.not_forwarded(head, answer, accepts()));
        }
        let request_notes = self
            .recorder
            .as_ref()
            .map(|r| r.observe(&head.headers, replay(&held), head.seq));
        let fake = Judging::Now(tokio::spawn(async move { fake }));
        self.relay(head, replay(&held), fake, request_notes, true)
            .await
    }

    /// The body streamed to the upstream and the shadow at once.
    async fn forward(self: Arc<Self>, head: Head, body: Body) -> Result<Response, Dropped> {
        let mut branches = tee(body, if self.recorder.is_some() { 3 } else { 2 });
        let to_upstream = branches.remove(0);
        let to_shadow = branches.remove(0);
        let request_notes = match (&self.recorder, branches.pop()) {
            (Some(r), Some(branch)) => Some(r.observe(&head.headers, branch, head.seq)),
            _ => None,
        };
        let fake = if head.awaits_upstream {
            // Held until the upstream has answered for the token (dropped past the hold's limit).
            Judging::AfterUpstream(tokio::spawn(async move {
                let (held, _) = peek(to_shadow, HOLD_MAX_BYTES + 1).await;
                (held.len() <= HOLD_MAX_BYTES).then_some(held)
            }))
        } else {
            let router = self.shadow_router.clone();
            let shadow_request = head.request(to_shadow);
            Judging::Now(tokio::spawn(async move {
                shadow_answer(router, shadow_request).await.answer
            }))
        };
        self.relay(head, to_upstream, fake, request_notes, false)
            .await
    }

    /// Sends the request to the upstream and its answer to the client; once both answers are whole, the
    /// verdict goes to the log (and the record).
    async fn relay(
        self: Arc<Self>,
        head: Head,
        body: Body,
        fake: Judging,
        request_notes: Option<JoinHandle<RequestNotes>>,
        guarded_refusal: bool,
    ) -> Result<Response, Dropped> {
        let sent = self.upstream.send(head.request(body)).await;
        let response = match sent {
            Ok(response) => response,
            Err((failure, cause)) => {
                let mut exchange = head.exchange(true, Outcome::UpstreamFailed);
                exchange.failure = Some(failure);
                exchange.note = Some(cause.clone());
                self.drift.add(exchange);
                fake.abort();
                return Err(Dropped(format!("{}: {cause}", failure.describe())));
            }
        };
        let (mut parts, incoming) = response.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        let notes = BodyNotes::new(content_type(&parts.headers));
        let length = content_length(&parts.headers);
        let (body, ended) = watch(
            incoming.into_data_stream(),
            notes,
            self.upstream.timeout(),
            length,
        );
        let status = parts.status.as_u16();
        let headers = parts.headers.clone();
        tokio::spawn(self.conclude(
            head,
            status,
            headers,
            ended,
            fake,
            request_notes,
            guarded_refusal,
        ));
        Ok(Response::from_parts(parts, body))
    }

    #[allow(clippy::too_many_arguments)]
    async fn conclude(
        self: Arc<Self>,
        head: Head,
        status: u16,
        headers: HeaderMap,
        ended: oneshot::Receiver<(BodyNotes, Ending)>,
        fake: Judging,
        request_notes: Option<JoinHandle<RequestNotes>>,
        guarded_refusal: bool,
    ) {
        let Ok((notes, ending)) = ended.await else {
            return;
        };
        let real = Answer::new(status, &headers, notes.finish());
        let mut exchange = head.exchange(true, Outcome::NotJudged);
        exchange.logid = real.logid.clone();
        match ending {
            Ending::Failed(cause) => {
                exchange.outcome = Outcome::UpstreamFailed;
                exchange.failure = Some(if cause.starts_with("no part of the answer") {
                    Failure::Timeout
                } else {
                    Failure::Dropped
                });
                exchange.note = Some(cause);
                fake.abort();
                self.drift.add(exchange);
                return;
            }
            Ending::ClientGone => {
                exchange.note = Some("the client went away before the answer's end".to_owned());
                fake.abort();
                self.drift.add(exchange);
                return;
            }
            Ending::Complete => {}
        }
        let Some(fake) = self.shadow_side(&head, &real, fake).await else {
            exchange.note = Some("the shadow gave no verdict".to_owned());
            self.drift.add(exchange);
            return;
        };
        if head.judged() {
            let verdict = verdict::judge(head.endpoint, &real, &fake);
            exchange.outcome = if verdict.divergences.is_empty() {
                Outcome::Agreed
            } else {
                Outcome::Diverged
            };
            exchange.divergences = verdict.divergences;
            exchange.confirmed = verdict.confirmed;
            self.follow(&head, &real, &fake);
        } else {
            exchange.note = Some("an endpoint the fake does not know: not judged".to_owned());
        }
        if guarded_refusal && !real.refuses() {
            exchange.severe = true;
            exchange.note = Some(SEVERE.to_owned());
            tracing::error!(
                "{SEVERE}: {} {} logid {:?}",
                head.method,
                head.path,
                real.logid
            );
            eprintln!(
                "coze-mock proxy: SEVERE: {SEVERE} ({} {}, logid {})",
                head.method,
                head.path,
                real.logid.as_deref().unwrap_or("none")
            );
        }
        if let (Some(recorder), Some(notes)) = (&self.recorder, request_notes) {
            if let Ok(notes) = notes.await {
                let authorization = head
                    .headers
                    .get(AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                recorder.save(
                    &head.endpoint,
                    head.seq,
                    &head.method,
                    &head.path,
                    head.query.as_deref(),
                    authorization,
                    notes,
                    &real,
                );
            }
        }
        self.drift.add(exchange);
    }

    /// The shadow's state follows what the upstream answered.
    fn follow(&self, head: &Head, real: &Answer, fake: &Answer) {
        match head.endpoint {
            Endpoint::Clone => follow::adopt_clone(&self.shadow, real, fake),
            Endpoint::List => {
                if let Some(token) = &head.token {
                    follow::adopt_list(&self.shadow, token, real);
                }
            }
            Endpoint::Speech
            | Endpoint::SpeechStream
            | Endpoint::Preview
            | Endpoint::OpenApi
            | Endpoint::AsyncApi
            | Endpoint::Admin(_)
            | Endpoint::Other => {}
        }
    }
}

/// The shadow's whole answer.
struct ShadowAnswer {
    answer: Answer,
}

async fn shadow_answer(router: Router, request: Request<Body>) -> ShadowAnswer {
    let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
    let (parts, body) = response.into_parts();
    let mut notes = BodyNotes::new(content_type(&parts.headers));
    let mut stream = body.into_data_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        notes.feed(&chunk);
    }
    ShadowAnswer {
        answer: Answer::new(parts.status.as_u16(), &parts.headers, notes.finish()),
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// `GET /__admin/drift` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriftQuery {
    /// `json` (the default) or `junit`.
    #[serde(default)]
    format: Option<String>,
}

async fn drift_answer(
    State(state): State<DriftState>,
    headers: HeaderMap,
    Input(Query(q), _): AdminQuery<DriftQuery>,
) -> Result<Response, ApiError> {
    check_access(&state.admin, &headers)?;
    let report = state.log.report();
    match q.format.as_deref() {
        None | Some("json") => Ok(Envelope(report).into_response()),
        Some("junit") => Ok((
            [(CONTENT_TYPE, "application/xml; charset=utf-8")],
            report.junit(),
        )
            .into_response()),
        Some(other) => Err(ApiError::AdminInvalid {
            reason: format!("format {other:?}: json or junit"),
        }),
    }
}

/// Serves the proxy on `listener` until `shutdown` completes.
pub async fn serve_proxy(
    listener: TcpListener,
    config: &Config,
    options: &Options,
    settings: ProxySettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let proxy = Arc::new(Proxy::new(config, options, loopback, settings)?);
    serve_arc(listener, proxy, options.tls.as_ref(), shutdown).await
}

/// Serves `proxy` on `listener`, over HTTPS with `tls`, by the same accept loop as `serve`.
async fn serve_arc(
    listener: TcpListener,
    proxy: Arc<Proxy>,
    tls: Option<&Tls>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let service = hyper::service::service_fn(move |request| proxy.clone().handle(request));
    serve_connections(listener, service, tls.map(Tls::acceptor), shutdown).await
}

/// A proxy on 127.0.0.1 on a free port, its shadow in memory, stopped when dropped (tests).
pub struct ProxyServer {
    addr: SocketAddr,
    tls: Option<Tls>,
    proxy: Arc<Proxy>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ProxyServer {
    /// Starts a proxy whose shadow has `config`, over plain HTTP.
    pub async fn start(config: &Config, settings: ProxySettings) -> anyhow::Result<ProxyServer> {
        ProxyServer::start_with(config, settings, None).await
    }

    /// Starts a proxy over HTTPS (and WSS) with a certificate made for 127.0.0.1, as `proxy --tls`;
    /// clients trust [`ProxyServer::ca_pem`].
    pub async fn start_tls(
        config: &Config,
        settings: ProxySettings,
    ) -> anyhow::Result<ProxyServer> {
        ProxyServer::start_with(config, settings, Some(Tls::generate()?)).await
    }

    async fn start_with(
        config: &Config,
        settings: ProxySettings,
        tls: Option<Tls>,
    ) -> anyhow::Result<ProxyServer> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("bind 127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let options = Options {
            tls: tls.clone(),
            ..Options::default()
        };
        let proxy = Arc::new(Proxy::new(config, &options, true, settings)?);
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = proxy.clone();
        let serving_tls = tls.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = serve_arc(listener, serving, serving_tls.as_ref(), shutdown).await {
                tracing::error!("coze-mock proxy stopped: {e:#}");
            }
        });
        Ok(ProxyServer {
            addr,
            tls,
            proxy,
            stop: Some(stop),
            task,
        })
    }

    /// The base URL a client points at: `https://` over TLS.
    pub fn uri(&self) -> String {
        crate::tls::base_url(self.tls.as_ref(), self.addr)
    }

    /// The PEM of the certificate authority a client trusts, when the proxy serves HTTPS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls.as_ref().and_then(Tls::ca_pem)
    }

    /// The drift report as it stands.
    pub fn drift_report(&self) -> DriftReport {
        self.proxy.drift_report()
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}
