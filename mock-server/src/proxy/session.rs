//! Streaming speech through the proxy: `GET /v1/audio/speech` upgraded to a WebSocket, under the spend
//! guard (speech is billed).
//!
//! - `--spend none` and `refusals`: the shadow fake's own session answers the handshake (the very code
//!   `serve` runs), its `101` marked not forwarded; one "not forwarded" exchange per session.
//! - `--spend all`: the handshake goes to the WebSocket upstream first ([`super::ws_upstream`]), with the
//!   client's headers and query (its token in either). A refusal reaches the client as the upstream's HTTP
//!   answer, unchanged, and is judged and recorded (`--record`, in the drift replay's format) like an HTTP
//!   exchange; an accepted handshake gives the client its
//!   `101`, then every frame is relayed unchanged both ways (text, binary, ping and pong, close code and
//!   reason), never retried. The same client frames feed a shadow session over a channel
//!   ([`ShadowChannel`]); once both have ended, [`super::session_verdict`] compares the events. An
//!   upstream that drops the session mid-way is an upstream failure: the client's socket is dropped the
//!   same way, without a close frame.
//!
//! Pings are relayed too, but tungstenite answers every ping it reads at once (it cannot be told not to),
//! so the other side's pong to a relayed ping is not relayed again ([`super::pings`]): each ping's sender
//! gets exactly one pong, as without the proxy. A pong nobody asked for (a heartbeat) is relayed.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tower::ServiceExt;

use super::answer::{Answer, BodyNotes};
use super::drift::Outcome;
use super::pings::PendingPings;
use super::session_verdict::{judge_session, SessionSide};
use super::spend::{Spend, NOT_FORWARDED_HEADER};
use super::upstream::{strip_hop_by_hop, Failure};
use super::verdict::{judge, Divergence, Verdict};
use super::ws_upstream::{Handshake, UpstreamSocket};
use super::{content_type, shadow_answer, Dropped, Head, Proxy, SHADOW_TIMEOUT};
use crate::api::speech_ws::{admit, converse, is_session_logid, session_logid, Channel, Incoming};
use crate::catalogue::Endpoint;
use crate::envelope::LOGID_HEADER;
use crate::rules::SPEECH_STREAM_MAX_MESSAGE_BYTES;

/// How long one side may take to answer the other's close frame before the relay lets both go.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Whether `request` is a WebSocket handshake (`Upgrade: websocket` with a key).
pub(crate) fn is_handshake(request: &Request<Body>) -> bool {
    let upgrade = request
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    upgrade && request.headers().contains_key(SEC_WEBSOCKET_KEY)
}

impl Proxy {
    /// A streaming-speech handshake, under the spend guard.
    pub(super) async fn stream(
        self: Arc<Self>,
        head: Head,
        request: Request<Body>,
    ) -> Result<Response, Dropped> {
        match self.spend {
            Spend::All => self.stream_forward(head, request).await,
            Spend::None | Spend::Refusals => Ok(self.stream_shadow_alone(head, request).await),
        }
    }

    /// The shadow's own session answers the handshake (the request keeps hyper's upgrade).
    async fn stream_shadow_alone(self: Arc<Self>, head: Head, request: Request<Body>) -> Response {
        let mut answer = self
            .shadow_router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let why = format!("not forwarded (--spend {})", self.spend.name());
        let mut exchange = head.exchange(false, Outcome::NotForwarded);
        exchange.logid = header(answer.headers(), LOGID_HEADER);
        exchange.note = Some(format!("streaming speech session: {why}"));
        self.drift.add(exchange);
        if let Ok(value) = HeaderValue::from_str(&why) {
            answer.headers_mut().insert(NOT_FORWARDED_HEADER, value);
        }
        answer
    }

    /// `--spend all`: the upstream's handshake first, then the relay and the shadow session.
    async fn stream_forward(
        self: Arc<Self>,
        head: Head,
        mut request: Request<Body>,
    ) -> Result<Response, Dropped> {
        let key = request.headers().get(SEC_WEBSOCKET_KEY).cloned();
        let client_upgrade = hyper::upgrade::on(&mut request);
        let path_and_query = match &head.query {
            Some(q) => format!("{}?{q}", head.path),
            None => head.path.clone(),
        };
        let opened = self.ws_upstream.open(&path_and_query, &head.headers).await;
        let (socket, answer) = match opened {
            Err((failure, cause)) => return Err(self.upstream_failed(&head, failure, cause)),
            Ok(Handshake::Refused(answer)) => return Ok(self.refused(head, answer).await),
            Ok(Handshake::Accepted(socket, answer)) => (socket, answer),
        };
        self.upstream_accepted(&head);
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let mut headers = answer.headers().clone();
        strip_hop_by_hop(&mut headers);
        headers.remove(SEC_WEBSOCKET_ACCEPT);
        *response.headers_mut() = headers;
        let accept = key.map(|k| derive_accept_key(k.as_bytes()));
        let accept = accept.and_then(|a| HeaderValue::from_str(&a).ok());
        let upgrade = HeaderValue::from_static("websocket");
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("upgrade"));
        response.headers_mut().insert(UPGRADE, upgrade);
        if let Some(accept) = accept {
            response.headers_mut().insert(SEC_WEBSOCKET_ACCEPT, accept);
        }
        let real_logid = header(answer.headers(), LOGID_HEADER);
        let proxy = self.clone();
        tokio::spawn(async move {
            let client = match client_upgrade.await {
                Ok(upgraded) => {
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await
                }
                Err(e) => {
                    let mut exchange = head.exchange(true, Outcome::NotJudged);
                    exchange.logid = real_logid;
                    exchange.note = Some(format!("the client left before the upgrade: {e}"));
                    proxy.drift.add(exchange);
                    return;
                }
            };
            proxy.session(head, real_logid, client, *socket).await;
        });
        Ok(response)
    }

    /// Records an upstream that gave no handshake answer; the client's connection is closed unanswered.
    fn upstream_failed(&self, head: &Head, failure: Failure, cause: String) -> Dropped {
        let mut exchange = head.exchange(true, Outcome::UpstreamFailed);
        exchange.failure = Some(failure);
        exchange.note = Some(cause.clone());
        self.drift.add(exchange);
        Dropped(format!("{}: {cause}", failure.describe()))
    }

    /// The upstream refused the handshake: its answer goes to the client unchanged, judged against the
    /// shadow's answer to the same handshake.
    async fn refused(&self, head: Head, answer: http::Response<Option<Vec<u8>>>) -> Response {
        let (mut parts, body) = answer.into_parts();
        strip_hop_by_hop(&mut parts.headers);
        let body = body.unwrap_or_default();
        let mut notes = BodyNotes::new(content_type(&parts.headers));
        notes.feed(&body);
        let real = Answer::new(parts.status.as_u16(), &parts.headers, notes.finish());
        let fake = match self.token_refused(&head, &real).await {
            Some(refused) => refused,
            None => {
                self.upstream_accepted(&head);
                self.shadow_handshake(&head).await
            }
        };
        let mut verdict = judge(Endpoint::SpeechStream, &real, &fake);
        for d in &mut verdict.divergences {
            d.ledger
                .get_or_insert_with(|| "stream.handshake".to_owned());
        }
        if verdict.divergences.is_empty() {
            verdict.confirmed.push("stream.handshake".to_owned());
        }
        let mut exchange = head.exchange(true, outcome(&verdict.divergences));
        exchange.logid = real.logid.clone();
        exchange.note = Some("streaming speech: the upstream refused the handshake".to_owned());
        exchange.divergences = verdict.divergences;
        exchange.confirmed = verdict.confirmed;
        self.drift.add(exchange);
        if let Some(recorder) = &self.recorder {
            recorder.save_refused_handshake(
                head.seq,
                &head.path,
                head.query.as_deref(),
                &head.headers,
                &real,
            );
        }
        Response::from_parts(parts, Body::from(body))
    }

    /// What the shadow answers the handshake: `101` when it admits the token, else its refusal.
    async fn shadow_handshake(&self, head: &Head) -> Answer {
        let uri = uri_of(head);
        if admit(&self.shadow, &head.headers, &uri).is_ok() {
            let mut headers = HeaderMap::new();
            let logid = session_logid(chrono::Utc::now().timestamp_millis());
            if let Ok(value) = HeaderValue::from_str(&logid) {
                headers.insert(LOGID_HEADER, value);
            }
            return Answer::new(101, &headers, Value::Null);
        }
        shadow_answer(self.shadow_router.clone(), head.request(Body::empty()))
            .await
            .answer
    }

    /// Relays an accepted session and feeds the shadow; then one drift exchange for it.
    async fn session<S>(
        self: Arc<Self>,
        head: Head,
        real_logid: Option<String>,
        client: WebSocketStream<S>,
        upstream: UpstreamSocket,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
    {
        let (frames, shadow) = self.shadow_session(&head);
        let relayed = relay(client, upstream, &frames).await;
        let _ = frames.send(if relayed.failed.is_some() || relayed.client_gone {
            Incoming::Broken
        } else {
            Incoming::Closed
        });
        drop(frames);
        let mut exchange = head.exchange(true, Outcome::Agreed);
        exchange.logid = real_logid.clone();
        if let Some(cause) = relayed.failed {
            exchange.outcome = Outcome::UpstreamFailed;
            exchange.failure = Some(Failure::Dropped);
            exchange.note = Some(cause);
            if let Some(shadow) = shadow {
                shadow.abort();
            }
            self.drift.add(exchange);
            return;
        }
        let mut verdict = match shadow {
            Some(task) => match tokio::time::timeout(SHADOW_TIMEOUT, task).await {
                Ok(Ok(fake)) => judge_session(&relayed.real, &fake),
                _ => {
                    exchange.outcome = Outcome::NotJudged;
                    exchange.note = Some("the shadow gave no verdict".to_owned());
                    self.drift.add(exchange);
                    return;
                }
            },
            None => {
                let fake = self.shadow_handshake(&head).await;
                exchange.note =
                    Some("the shadow refuses the handshake the upstream accepted".to_owned());
                Verdict {
                    divergences: vec![Divergence {
                        field: "status".to_owned(),
                        real: Some(Value::from(101)),
                        fake: Some(Value::from(fake.status)),
                        ledger: Some("stream.handshake".to_owned()),
                    }],
                    confirmed: Vec::new(),
                }
            }
        };
        if !real_logid.as_deref().is_some_and(is_session_logid) {
            verdict.divergences.push(Divergence {
                field: "headers.x-tt-logid (format)".to_owned(),
                real: real_logid.clone().map(Value::String),
                fake: None,
                ledger: Some("stream.events".to_owned()),
            });
            verdict.confirmed.retain(|r| r != "stream.events");
        }
        if relayed.client_gone {
            exchange.note = Some("the client went away without a close frame".to_owned());
        }
        if let Some(recorder) = &self.recorder {
            recorder.save_session(
                head.seq,
                &head.path,
                head.token.as_deref(),
                real_logid.as_deref(),
                &relayed.real,
                &relayed.client,
            );
        }
        exchange.outcome = outcome(&verdict.divergences);
        exchange.divergences = verdict.divergences;
        exchange.confirmed = verdict.confirmed;
        self.drift.add(exchange);
    }

    /// The shadow's session for the handshake, fed the client's frames; `None` when the shadow does not
    /// admit the token.
    fn shadow_session(
        &self,
        head: &Head,
    ) -> (
        mpsc::UnboundedSender<Incoming>,
        Option<JoinHandle<SessionSide>>,
    ) {
        let (frames, received) = mpsc::unbounded_channel();
        let admitted = admit(&self.shadow, &head.headers, &uri_of(head)).ok();
        let app = self.shadow.clone();
        let task = admitted.map(|admitted| {
            tokio::spawn(async move {
                let mut channel = ShadowChannel {
                    frames: received,
                    side: SessionSide::default(),
                };
                let logid = session_logid(chrono::Utc::now().timestamp_millis());
                converse(app, admitted, &mut channel, logid).await;
                channel.side
            })
        });
        (frames, task)
    }
}

fn outcome(divergences: &[Divergence]) -> Outcome {
    if divergences.is_empty() {
        Outcome::Agreed
    } else {
        Outcome::Diverged
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn uri_of(head: &Head) -> Uri {
    let text = match &head.query {
        Some(q) => format!("{}?{q}", head.path),
        None => head.path.clone(),
    };
    text.parse().unwrap_or_default()
}

/// The shadow session's socket: the client's frames as the relay saw them, the events noted as sent.
struct ShadowChannel {
    frames: mpsc::UnboundedReceiver<Incoming>,
    side: SessionSide,
}

impl Channel for ShadowChannel {
    async fn recv(&mut self) -> Incoming {
        self.frames.recv().await.unwrap_or(Incoming::Broken)
    }

    async fn send(&mut self, text: String) -> Result<(), ()> {
        self.side.text(&text);
        Ok(())
    }

    async fn close(&mut self, code: u16, _reason: &'static str) {
        self.side.closed_with.get_or_insert(code);
    }
}

/// What the relay saw of a session.
#[derive(Debug, Default)]
struct Relayed {
    /// The upstream's events and its own close.
    real: SessionSide,
    /// The client's events (types only are recorded).
    client: Vec<Value>,
    /// The upstream dropped the session: why.
    failed: Option<String>,
    /// The client left without a close frame.
    client_gone: bool,
}

/// A client frame as the shadow's session reads it.
fn as_incoming(message: &Message) -> Option<Incoming> {
    match message {
        Message::Text(text) if text.len() > SPEECH_STREAM_MAX_MESSAGE_BYTES => {
            Some(Incoming::TooLarge)
        }
        Message::Text(text) => Some(Incoming::Text(text.as_str().to_owned())),
        Message::Binary(bytes) if bytes.len() > SPEECH_STREAM_MAX_MESSAGE_BYTES => {
            Some(Incoming::TooLarge)
        }
        Message::Binary(bytes) => Some(Incoming::Binary(bytes.len())),
        Message::Close(_) => Some(Incoming::Closed),
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => None,
    }
}

/// Relays frames both ways until both sides have closed (or one is gone), feeding the client's frames to
/// `shadow`.
async fn relay<S>(
    client: WebSocketStream<S>,
    upstream: UpstreamSocket,
    shadow: &mpsc::UnboundedSender<Incoming>,
) -> Relayed
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
{
    let (mut to_client, mut from_client) = client.split();
    let (mut to_upstream, mut from_upstream) = upstream.split();
    let mut relayed = Relayed::default();
    let (mut client_closed, mut upstream_closed) = (false, false);
    let (mut client_done, mut upstream_done) = (false, false);
    let (mut client_pings, mut upstream_pings) = (PendingPings::default(), PendingPings::default());
    while !(client_done && upstream_done) {
        let grace = async {
            if client_done || upstream_done {
                tokio::time::sleep(CLOSE_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            frame = from_client.next(), if !client_done => match frame {
                Some(Ok(message)) => {
                    if let Some(incoming) = as_incoming(&message) {
                        let _ = shadow.send(incoming);
                    }
                    match &message {
                        Message::Text(text) => relayed.client.push(super::session_verdict::compact(text)),
                        Message::Close(_) => client_closed = true,
                        Message::Ping(payload) => client_pings.relayed(payload),
                        Message::Pong(payload) if upstream_pings.answered_by(payload) => continue,
                        _ => {}
                    }
                    let _ = to_upstream.send(message).await;
                }
                Some(Err(_)) | None => {
                    client_done = true;
                    if !client_closed {
                        relayed.client_gone = true;
                        break;
                    }
                }
            },
            frame = from_upstream.next(), if !upstream_done => match frame {
                Some(Ok(message)) => {
                    match &message {
                        Message::Text(text) => relayed.real.text(text),
                        Message::Binary(_) => relayed.real.binary(),
                        Message::Close(frame) => {
                            if !client_closed {
                                relayed.real.closed_with = Some(frame.as_ref().map_or(1005, |f| u16::from(f.code)));
                            }
                            upstream_closed = true;
                        }
                        Message::Ping(payload) => upstream_pings.relayed(payload),
                        Message::Pong(payload) if client_pings.answered_by(payload) => continue,
                        _ => {}
                    }
                    let _ = to_client.send(message).await;
                }
                Some(Err(e)) => {
                    upstream_done = true;
                    if !upstream_closed && !client_closed {
                        relayed.failed = Some(format!("the upstream dropped the session: {e}"));
                        break;
                    }
                }
                None => {
                    upstream_done = true;
                    if !upstream_closed && !client_closed {
                        relayed.failed = Some("the upstream dropped the session".to_owned());
                        break;
                    }
                }
            },
            () = grace => break,
        }
    }
    relayed
}
