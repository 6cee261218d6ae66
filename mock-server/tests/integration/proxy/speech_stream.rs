//! Streaming speech (`GET /v1/audio/speech` upgraded) through the proxy, over real sockets: the shadow's
//! own session under `--spend none` and `refusals`; under `all`, the upstream fake's session relayed frame
//! for frame and judged against a shadow session fed the same frames; a refused handshake relayed as the
//! upstream's HTTP answer; an unreachable or dropping upstream recorded as an upstream failure; WSS over
//! `proxy --tls`; a recorded session holding no token.

use std::sync::Arc;

use coze_mock::__internals::proxy::drift::{DriftExchange, Outcome};
use coze_mock::__internals::proxy::record::RecordSettings;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::upstream::Failure;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;
use coze_mock::MockServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request as Handshake;
use tokio_tungstenite::tungstenite::{Error, Message};

use super::disagreeing::ENTERPRISE;
use super::learner::BAD;
use super::{exchange, report_after, rows};
use crate::speech_stream::{audio, types, ws_url, Ended, Ws};
use crate::support::api::Api;

/// A handshake to the proxy (or any server) at `base` with `Authorization: Bearer <token>`.
fn handshake(base: &str, token: &str) -> Handshake {
    let mut request = ws_url(base, "").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// Opens a session; the handshake answer's headers beside it.
async fn open(request: Handshake) -> (Ws, http::HeaderMap) {
    let (stream, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the handshake is accepted");
    let logid = response.headers()["x-tt-logid"]
        .to_str()
        .unwrap()
        .to_owned();
    (Ws { stream, logid }, response.headers().clone())
}

/// An upstream fake with the enterprise token of [`super::disagreeing`], no fidelity settings changed.
async fn upstream() -> MockServer {
    super::disagreeing::upstream().await
}

async fn proxy(upstream: &MockServer, spend: Spend) -> ProxyServer {
    ProxyServer::start(
        &Config::default(),
        ProxySettings::new(&upstream.uri(), spend),
    )
    .await
    .expect("proxy")
}

/// The upstream's journal entries of streaming-speech sessions, once there are at least `n` (a session
/// is journaled when it ends).
async fn upstream_sessions(upstream: &MockServer, n: usize) -> Vec<Value> {
    for _ in 0..3000 {
        let sessions: Vec<Value> = Api::new(upstream.uri())
            .journal()
            .await
            .into_iter()
            .filter(|r| r["endpoint"] == "speech_stream")
            .collect();
        if sessions.len() >= n {
            return sessions;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} sessions in the upstream's journal");
}

/// A round with a `speech.update`, two sentences, then a close: every event the client received.
async fn one_round(ws: &mut Ws) -> Vec<Value> {
    let mut events = vec![ws.next_event().await];
    ws.update(json!({"codec": "pcm", "pcm_config": {"sample_rate": 16000}}))
        .await;
    events.push(ws.next_event().await);
    events.extend(ws.speak("你好。再见。").await);
    events
}

fn session_exchange(report: &coze_mock::__internals::proxy::drift::DriftReport) -> &DriftExchange {
    report
        .exchanges
        .iter()
        .find(|e| e.endpoint == "speech_stream")
        .unwrap_or_else(|| panic!("no session in {:#?}", report.exchanges))
}

#[tokio::test]
async fn under_spend_none_and_refusals_the_shadow_answers_and_the_upstream_sees_no_session() {
    let upstream = upstream().await;
    for spend in [Spend::None, Spend::Refusals] {
        let proxy = proxy(&upstream, spend).await;
        let (mut ws, headers) = open(handshake(&proxy.uri(), ENTERPRISE)).await;
        assert_eq!(
            headers["x-coze-mock-proxy"],
            format!("not forwarded (--spend {})", spend.name()).as_str()
        );
        let events = one_round(&mut ws).await;
        assert_eq!(events[0]["event_type"], "speech.created");
        assert_eq!(events[0]["detail"]["logid"], ws.logid.as_str());
        assert!(!audio(&events).is_empty(), "the shadow speaks");
        let logid = ws.logid.clone();
        ws.close().await;
        let report = report_after(&proxy, 1).await;
        let e = exchange(&report, 1);
        assert_eq!(
            (e.outcome, e.forwarded, e.endpoint.as_str()),
            (Outcome::NotForwarded, false, "speech_stream")
        );
        assert_eq!(e.logid.as_deref(), Some(logid.as_str()));
        assert_eq!(report.totals.not_forwarded, 1);
    }
    assert!(upstream_sessions(&upstream, 0).await.is_empty());
    assert!(upstream.received_requests().is_empty());
}

#[tokio::test]
async fn under_spend_all_the_upstreams_session_is_relayed_frame_for_frame_and_judged_agreed() {
    let upstream = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = ProxySettings::new(&upstream.uri(), Spend::All);
    settings.record = Some(RecordSettings {
        dir: dir.path().to_owned(),
        audio: true,
        redact_ids: false,
    });
    let proxy = ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap();
    // The token in the query, as a browser sends it: forwarded with the query.
    let query = format!("?authorization=Bearer%20{ENTERPRISE}");
    let request = ws_url(&proxy.uri(), &query).into_client_request().unwrap();
    let (mut ws, headers) = open(request).await;
    assert!(headers.get("x-coze-mock-proxy").is_none(), "forwarded");
    let mut events = one_round(&mut ws).await;
    ws.stream
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    // Exactly one pong, as from the upstream directly: the upstream answers the relayed ping before
    // it reads the next event, so a second pong would come before the error event that event gets.
    ws.send(json!({"event_type": "no.such.event"})).await;
    let mut pongs = Vec::new();
    let error_event = loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(30), ws.stream.next())
            .await
            .expect("a frame within the wait")
            .expect("the session is open")
            .expect("a frame");
        match frame {
            Message::Pong(payload) => pongs.push(payload),
            Message::Text(text) => break serde_json::from_str::<Value>(&text).unwrap(),
            other => panic!("an unexpected frame {other:?}"),
        }
    };
    assert_eq!(pongs.len(), 1, "one pong per ping: {pongs:?}");
    assert_eq!(&pongs[0][..], b"are you there");
    events.push(error_event);
    let logid = ws.logid.clone();
    ws.close().await;

    let sessions = upstream_sessions(&upstream, 1).await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let upstream_session = &sessions[0];
    assert_eq!(
        upstream_session["logid"],
        logid.as_str(),
        "the upstream's handshake"
    );
    for event in &events {
        assert_eq!(event["detail"]["logid"], logid.as_str(), "{event}");
    }
    let summary = &upstream_session["session"];
    assert_eq!(summary["audio_bytes"], audio(&events).len() as u64);
    assert_eq!(summary["token_in_query"], true);
    let mut sent: Vec<(String, u64)> = Vec::new();
    for kind in types(&events) {
        match sent.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => sent.push((kind, 1)),
        }
    }
    let journal_sent: Vec<(String, u64)> = summary["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["event_type"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sent, journal_sent,
        "every event the upstream sent, in order"
    );

    let report = report_after(&proxy, 1).await;
    let e = session_exchange(&report);
    assert_eq!(e.outcome, Outcome::Agreed, "{e:#?}");
    assert!(e.forwarded);
    assert_eq!(e.logid.as_deref(), Some(logid.as_str()));
    for row in [
        "stream.handshake",
        "stream.events",
        "stream.audio",
        "stream.error_events",
    ] {
        assert!(e.confirmed.contains(&row.to_owned()), "{row}: {e:#?}");
    }
    assert_eq!((report.totals.forwarded, report.totals.agreed), (1, 1));

    let recorded = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect::<Vec<_>>();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let text = std::fs::read_to_string(&recorded[0]).unwrap();
    assert!(
        recorded[0]
            .to_string_lossy()
            .ends_with("-speech_stream.session"),
        "not a .json the replay would read: {recorded:?}"
    );
    assert!(!text.contains(ENTERPRISE), "no token: {text}");
    let record: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(record["server_events"][0]["event_type"], "speech.created");
    assert_eq!(record["server_events"][0]["detail"]["logid"], "string");
    let error = record["server_events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "error")
        .expect("the refused event's error");
    assert!(error["data"]["code"].is_i64(), "codes are kept: {error}");
}

#[tokio::test]
async fn an_error_event_the_upstream_sends_on_purpose_is_named_by_its_ledger_row() {
    let upstream = upstream().await;
    Api::new(upstream.uri())
        .admin_post(
            "/faults",
            json!({"path": "/v1/audio/speech", "method": "GET",
                   "action": {"kind": "speech_error_event", "code": 3010, "msg": "too long"}}),
        )
        .await
        .assert_ok();
    let proxy = proxy(&upstream, Spend::All).await;
    let (mut ws, _) = open(handshake(&proxy.uri(), ENTERPRISE)).await;
    ws.next_event().await;
    ws.append("你好").await;
    ws.complete().await;
    let answered = ws.until("error").await;
    assert_eq!(types(&answered), ["input_text_buffer.completed", "error"]);
    ws.close().await;
    let report = report_after(&proxy, 1).await;
    let e = session_exchange(&report);
    assert_eq!(e.outcome, Outcome::Diverged, "{e:#?}");
    assert_eq!(rows(e), ["stream.text_limit"], "{e:#?}");
    assert!(
        e.divergences[0].field.starts_with("events (types in order"),
        "{e:#?}"
    );
    assert_eq!(report.totals.diverged, 1);
}

#[tokio::test]
async fn a_handshake_the_upstream_refuses_reaches_the_client_as_its_http_answer() {
    let upstream = upstream().await;
    let proxy = proxy(&upstream, Spend::All).await;
    let token = "pat_not_known_upstream_77";
    let through = tokio_tungstenite::connect_async(handshake(&proxy.uri(), token)).await;
    let direct = tokio_tungstenite::connect_async(handshake(&upstream.uri(), token)).await;
    let (Err(Error::Http(through)), Err(Error::Http(direct))) = (through, direct) else {
        panic!("both refused with an HTTP answer");
    };
    // The disagreeing upstream answers its refusals on HTTP 200 (`error_status = "always_200"`).
    assert_eq!(through.status(), direct.status());
    let body = |r: &http::Response<Option<Vec<u8>>>| -> Value {
        serde_json::from_slice(r.body().as_deref().unwrap()).unwrap()
    };
    let (through_body, direct_body) = (body(&through), body(&direct));
    assert_eq!(through_body["code"], 4100);
    assert_eq!(through_body["code"], direct_body["code"]);
    assert_eq!(through_body["msg"], direct_body["msg"]);
    assert_eq!(
        through.headers()["x-tt-logid"].to_str().unwrap(),
        through_body["detail"]["logid"].as_str().unwrap(),
        "the upstream's own answer"
    );
    // The upstream decides the token (no --config): the fake's 4100 agrees but for the status this
    // upstream gives its errors on purpose.
    let report = report_after(&proxy, 1).await;
    let e = exchange(&report, 1);
    assert_eq!(e.outcome, Outcome::Diverged, "{e:#?}");
    assert_eq!(rows(e), ["errors.status"], "{e:#?}");
}

#[tokio::test]
async fn without_config_a_handshake_refused_for_its_token_agrees_and_a_good_token_still_streams() {
    let upstream = super::learner::agreeing_upstream().await;
    let proxy = proxy(&upstream, Spend::All).await;
    let refused = tokio_tungstenite::connect_async(handshake(&proxy.uri(), BAD)).await;
    let Err(Error::Http(refused)) = refused else {
        panic!("refused with an HTTP answer: {refused:?}");
    };
    assert_eq!(refused.status(), 401);
    let (mut ws, _) = open(handshake(&proxy.uri(), ENTERPRISE)).await;
    let events = one_round(&mut ws).await;
    assert!(!audio(&events).is_empty(), "{:?}", types(&events));
    ws.close().await;

    let report = report_after(&proxy, 2).await;
    let e = exchange(&report, 1);
    assert_eq!(e.outcome, Outcome::Agreed, "{e:#?}");
    assert!(
        e.confirmed.contains(&"stream.handshake".to_owned()),
        "{e:#?}"
    );
    let session = exchange(&report, 2);
    assert_eq!(session.outcome, Outcome::Agreed, "{session:#?}");
    assert!(session.forwarded);
}

#[tokio::test]
async fn an_unreachable_ws_upstream_is_an_upstream_failure_and_the_client_gets_no_answer() {
    let upstream = upstream().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = ProxySettings::new(&upstream.uri(), Spend::All);
    settings.ws_upstream = Some(format!("ws://127.0.0.1:{port}"));
    let proxy = ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap();
    let opened = tokio_tungstenite::connect_async(handshake(&proxy.uri(), ENTERPRISE)).await;
    assert!(
        !matches!(opened, Ok(_) | Err(Error::Http(_))),
        "no answer: {opened:?}"
    );
    let report = report_after(&proxy, 1).await;
    let e = exchange(&report, 1);
    assert_eq!(
        (e.outcome, e.failure),
        (Outcome::UpstreamFailed, Some(Failure::Unreachable)),
        "{e:#?}"
    );
    assert!(e.divergences.is_empty());
    assert_eq!(
        (report.totals.upstream_failures, report.totals.diverged),
        (1, 0)
    );
}

#[tokio::test]
async fn a_ws_upstream_without_tls_or_without_an_answer_is_a_tls_failure_or_a_timeout() {
    let upstream = upstream().await;
    // Accepts connections and never answers a handshake.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let holding = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let plain = upstream.uri().replace("http://", "wss://");
    for (ws_upstream, failure) in [
        (plain, Failure::Tls),
        (format!("ws://{silent_addr}"), Failure::Timeout),
    ] {
        let mut settings = ProxySettings::new(&upstream.uri(), Spend::All);
        settings.ws_upstream = Some(ws_upstream.clone());
        settings.upstream_timeout = std::time::Duration::from_millis(500);
        let proxy = ProxyServer::start(&Config::default(), settings)
            .await
            .unwrap();
        let opened = tokio_tungstenite::connect_async(handshake(&proxy.uri(), ENTERPRISE)).await;
        assert!(
            !matches!(opened, Ok(_) | Err(Error::Http(_))),
            "{ws_upstream}: no answer: {opened:?}"
        );
        let report = report_after(&proxy, 1).await;
        let e = exchange(&report, 1);
        assert_eq!(
            (e.outcome, e.failure),
            (Outcome::UpstreamFailed, Some(failure)),
            "{ws_upstream}: {e:#?}"
        );
    }
    holding.abort();
    assert_eq!(upstream_sessions(&upstream, 0).await.len(), 0);
}

#[tokio::test]
async fn an_upstream_that_drops_the_session_mid_stream_drops_the_clients_too() {
    let upstream = upstream().await;
    Api::new(upstream.uri())
        .admin_post(
            "/faults",
            json!({"path": "/v1/audio/speech", "method": "GET",
                   "action": {"kind": "speech_drop", "after_chunks": 1}}),
        )
        .await
        .assert_ok();
    let proxy = proxy(&upstream, Spend::All).await;
    let (mut ws, _) = open(handshake(&proxy.uri(), ENTERPRISE)).await;
    ws.next_event().await;
    ws.append(&"字".repeat(100)).await;
    ws.complete().await;
    let ended = loop {
        if let Err(ended) = ws.next().await {
            break ended;
        }
    };
    assert_eq!(ended, Ended::Cut, "no close frame, as from the upstream");
    let report = report_after(&proxy, 1).await;
    let e = exchange(&report, 1);
    assert_eq!(
        (e.outcome, e.failure),
        (Outcome::UpstreamFailed, Some(Failure::Dropped)),
        "{e:#?}"
    );
    assert!(e.divergences.is_empty());
}

#[tokio::test]
async fn proxy_tls_carries_a_wss_session() {
    let upstream = upstream().await;
    let proxy = ProxyServer::start_tls(
        &Config::default(),
        ProxySettings::new(&upstream.uri(), Spend::All),
    )
    .await
    .unwrap();
    let pem = proxy.ca_pem().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for cert in
        <rustls_pki_types::CertificateDer as rustls_pki_types::pem::PemObject>::pem_slice_iter(
            pem.as_bytes(),
        )
    {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let addr = proxy.uri().trim_start_matches("https://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("the proxy's certificate is trusted through its CA");
    let url = format!("wss://{addr}/v1/audio/speech");
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {ENTERPRISE}").parse().unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::client_async(request, tls)
        .await
        .expect("a WSS session");
    let logid = response.headers()["x-tt-logid"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut kinds = Vec::new();
    let send = |event: Value| Message::text(event.to_string());
    socket
        .send(send(
            json!({"event_type": "input_text_buffer.append", "data": {"delta": "你好"}}),
        ))
        .await
        .unwrap();
    socket
        .send(send(json!({"event_type": "input_text_buffer.complete"})))
        .await
        .unwrap();
    while let Some(Ok(Message::Text(text))) = socket.next().await {
        let event: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(event["detail"]["logid"], logid.as_str());
        kinds.push(event["event_type"].as_str().unwrap().to_owned());
        if event["event_type"] == "speech.audio.completed" {
            break;
        }
    }
    assert_eq!(kinds.first().map(String::as_str), Some("speech.created"));
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("speech.audio.completed")
    );
    socket.close(None).await.unwrap();
    let report = report_after(&proxy, 1).await;
    assert_eq!(exchange(&report, 1).outcome, Outcome::Agreed, "{report:#?}");
    assert_eq!(upstream_sessions(&upstream, 1).await.len(), 1);
}

#[tokio::test]
async fn a_refused_handshake_is_recorded_in_the_replay_format_without_its_token() {
    let upstream = super::learner::agreeing_upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = ProxySettings::new(&upstream.uri(), Spend::All);
    settings.record = Some(RecordSettings {
        dir: dir.path().to_owned(),
        audio: false,
        redact_ids: false,
    });
    let proxy = ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap();
    // The token in the header, then in the query beside another parameter.
    let in_header = tokio_tungstenite::connect_async(handshake(&proxy.uri(), BAD)).await;
    let query = format!("?authorization=Bearer%20{BAD}&trace=1");
    let in_query = ws_url(&proxy.uri(), &query).into_client_request().unwrap();
    let in_query = tokio_tungstenite::connect_async(in_query).await;
    for refused in [in_header, in_query] {
        let Err(Error::Http(refused)) = refused else {
            panic!("refused with an HTTP answer: {refused:?}");
        };
        assert_eq!(refused.status(), 401);
    }
    report_after(&proxy, 2).await;

    let mut recorded = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect::<Vec<_>>();
    recorded.sort();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let mut queries = Vec::new();
    for file in &recorded {
        assert!(
            file.to_string_lossy().ends_with("-speech_stream.json"),
            "a .json the replay reads: {file:?}"
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains(BAD), "no token: {text}");
        let record: Value = serde_json::from_str(&text).unwrap();
        let request = &record["request"];
        assert_eq!(
            (&request["method"], &request["path"], &request["upgrade"]),
            (
                &json!("GET"),
                &json!("/v1/audio/speech"),
                &json!("websocket")
            ),
            "{text}"
        );
        assert_eq!(request["token"], json!({"literal": "[token]"}), "{text}");
        assert_eq!(record["response"]["status"], 401, "{text}");
        assert!(record["response"]["body"]["code"].is_i64(), "{text}");
        assert!(
            record["response"]["headers"]["x-tt-logid"].is_string(),
            "{text}"
        );
        queries.push(request["query"].clone());
    }
    assert_eq!(
        queries,
        [Value::Null, json!("trace=1")],
        "a query token is the request's token"
    );
}
