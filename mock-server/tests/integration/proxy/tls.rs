//! `coze-mock proxy --tls`: the same TLS flags and start-up lines as `serve`, HTTPS served by the same
//! accept loop, and the test helper's TLS variant.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use coze_mock::__internals::proxy::drift::Outcome;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;

use super::disagreeing::{upstream, ENTERPRISE};
use super::{exchange, report_after};
use crate::support::api::Api;
use crate::support::binary::Reaped;

#[tokio::test]
async fn proxy_tls_writes_its_ca_says_https_and_forwards_over_https() {
    let upstream = upstream().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("proxy-ca.pem");
    // Reaped: a failing assertion below must not leave the proxy running.
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args(["proxy", "--addr", "127.0.0.1:0", "--tls", "--tls-ca-out"])
            .arg(&ca)
            .env("COZE_MOCK_UPSTREAM", upstream.uri())
            .env("COZE_MOCK_LOG", "warn")
            .stdout(Stdio::piped()),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while !seen
        .last()
        .is_some_and(|l: &String| l.starts_with("drift report:"))
    {
        seen.push(lines.next().expect("a start-up line").unwrap());
    }
    let text = seen.join("\n");
    let base = seen[0]
        .strip_prefix("coze-mock listening on ")
        .expect("the first line says where")
        .to_owned();
    assert!(base.starts_with("https://127.0.0.1:"), "{text}");
    let ca_path = std::path::absolute(&ca).unwrap();
    assert!(
        text.contains(&format!("SSL_CERT_FILE={}", ca_path.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("NODE_EXTRA_CA_CERTS={}", ca_path.display())),
        "{text}"
    );
    assert!(
        text.contains(&format!("point your client's base URL at {base}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("coze-mock drift --url {base})")),
        "{text}"
    );
    let pem = std::fs::read(&ca).expect("the CA at --tls-ca-out");
    let api = Api::trusting(base.clone(), &pem);
    let list = api.list(ENTERPRISE, "page_size=5").await;
    assert_eq!(list.code(), 0, "{:?}", list.body());
    assert_eq!(upstream.received_requests().len(), 1, "forwarded");
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap()
        .get(format!("{base}/v1/audio/voices"))
        .send()
        .await;
    assert!(untrusting.is_err(), "{untrusting:?}");
}

#[tokio::test]
async fn the_test_helper_serves_https_with_a_ca_to_trust() {
    let upstream = upstream().await;
    let proxy = ProxyServer::start_tls(
        &Config::default(),
        ProxySettings::new(&upstream.uri(), Spend::None),
    )
    .await
    .unwrap();
    assert!(proxy.uri().starts_with("https://127.0.0.1:"));
    let api = Api::trusting(proxy.uri(), proxy.ca_pem().unwrap().as_bytes());
    let list = api.list(ENTERPRISE, "page_size=5").await;
    assert_eq!(list.code(), 0);
    let clone = api.clone_voice(ENTERPRISE, "over https", None, None).await;
    clone.assert_ok();
    let report = report_after(&proxy, 2).await;
    assert_eq!(exchange(&report, 1).outcome, Outcome::Agreed);
    assert_eq!(exchange(&report, 2).outcome, Outcome::NotForwarded);
    let preview = clone.body()["data"]["preview_audio"].clone();
    assert!(
        preview
            .as_str()
            .is_none_or(|url| url.starts_with("https://")),
        "the shadow's URLs follow the scheme: {preview}"
    );
}
