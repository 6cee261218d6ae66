//! Upstream failures (unreachable, TLS, timeout, dropped connection) reach the client as a closed
//! connection, as they would from the real API, and are recorded as upstream failures, never as
//! divergences.

use std::time::Duration;

use coze_mock::__internals::proxy::drift::Outcome;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::upstream::Failure;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;
use coze_mock::MockServer;

use super::scripted::{answer, Act, Scripted};
use super::{exchange, report_after};
use crate::support::defaults::TOKEN;

async fn proxy_to(upstream: &str, timeout: Duration) -> ProxyServer {
    let mut settings = ProxySettings::new(upstream, Spend::None);
    settings.upstream_timeout = timeout;
    ProxyServer::start(&Config::default(), settings)
        .await
        .unwrap()
}

/// Lists through `proxy`; the error the client saw, if it saw no whole answer.
async fn list_error(proxy: &ProxyServer) -> Option<reqwest::Error> {
    let sent = reqwest::Client::new()
        .get(format!("{}/v1/audio/voices", proxy.uri()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    match sent {
        Ok(response) => response.bytes().await.err(),
        Err(e) => Some(e),
    }
}

/// Asserts the one exchange failed upstream as `failure`, and nothing diverged.
async fn assert_failed(proxy: &ProxyServer, failure: Failure) {
    let report = report_after(proxy, 1).await;
    let e = exchange(&report, 1);
    assert_eq!(
        (e.outcome, e.failure),
        (Outcome::UpstreamFailed, Some(failure)),
        "{e:#?}"
    );
    assert!(e.divergences.is_empty());
    assert_eq!(
        (report.totals.upstream_failures, report.totals.diverged),
        (1, 0)
    );
}

#[tokio::test]
async fn an_unreachable_upstream_closes_the_connection_and_is_an_upstream_failure() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = proxy_to(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5)).await;
    assert!(
        list_error(&proxy).await.is_some(),
        "no answer, as from the real API"
    );
    assert_failed(&proxy, Failure::Unreachable).await;
}

#[tokio::test]
async fn an_upstream_that_does_not_speak_tls_is_a_tls_failure() {
    let plain = MockServer::start().await;
    let upstream = plain.uri().replace("http://", "https://");
    let proxy = proxy_to(&upstream, Duration::from_secs(5)).await;
    assert!(list_error(&proxy).await.is_some());
    assert_failed(&proxy, Failure::Tls).await;
}

#[tokio::test]
async fn a_slow_upstream_is_a_timeout_not_a_divergence() {
    let upstream = Scripted::start(|_| {
        Act::Slow(
            Duration::from_secs(5),
            answer("200 OK", &[("Content-Type", "application/json")], b"{}"),
        )
    })
    .await;
    let proxy = proxy_to(&upstream.url, Duration::from_millis(300)).await;
    assert!(list_error(&proxy).await.is_some());
    assert_failed(&proxy, Failure::Timeout).await;
}

#[tokio::test]
async fn a_connection_the_upstream_drops_is_dropped_for_the_client_too() {
    let upstream = Scripted::start(|_| Act::Close).await;
    let proxy = proxy_to(&upstream.url, Duration::from_secs(5)).await;
    assert!(list_error(&proxy).await.is_some());
    assert_failed(&proxy, Failure::Dropped).await;
}

#[tokio::test]
async fn an_answer_the_upstream_cuts_short_is_cut_short_for_the_client() {
    let upstream = Scripted::start(|_| {
        let mut start = answer(
            "200 OK",
            &[("Content-Type", "application/json")],
            br#"{"code":0,"msg":"","data":{"voice_list":[],"has_more":false}}"#,
        );
        start.truncate(start.len() - 20);
        Act::PartThenClose(start)
    })
    .await;
    let proxy = proxy_to(&upstream.url, Duration::from_secs(5)).await;
    assert!(
        list_error(&proxy).await.is_some(),
        "the client's body is cut short too"
    );
    assert_failed(&proxy, Failure::Dropped).await;
}
