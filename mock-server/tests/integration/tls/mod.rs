//! HTTPS: `serve --tls` with a generated certificate or the user's own, `MockServer` over TLS, and the
//! commands that reach an https fake ([`commands`]).

mod commands;

use std::process::Output;

use crate::support::api::Api;
use crate::support::binary::Binary;
use crate::support::defaults::TOKEN;

/// Runs the binary with `args` to its end.
async fn run(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(args)
        .env("COZE_MOCK_LOG", "warn")
        .output()
        .await
        .expect("run coze-mock")
}

/// Asserts `output` is one `coze-mock: error:` message containing `words`, exit 1.
fn assert_user_error(output: &Output, words: &str) {
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("coze-mock: error: "), "{err}");
    assert!(err.contains(words), "{words:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A self-signed certificate of a test's own for `names`, and its key, as PEM files.
fn own_certificate(dir: &std::path::Path, names: &[&str]) -> (String, String) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let certified = rcgen::generate_simple_self_signed(names).expect("a certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.key_pair.serialize_pem()).expect("write key");
    (
        cert.to_str().expect("UTF-8").to_owned(),
        key.to_str().expect("UTF-8").to_owned(),
    )
}

#[tokio::test]
async fn serve_tls_writes_its_ca_and_answers_https_on_127_0_0_1_and_localhost() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    let server = Binary::start(&["--in-memory", "--tls", "--tls-ca-out", ca.to_str().unwrap()]);
    assert!(
        server.api.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.api.base
    );

    let answer = server.api.list(TOKEN, "").await;
    assert_eq!((answer.status, answer.code()), (200, 0));
    let system = &answer.data()["voice_list"][0]["preview_audio"];
    assert!(
        system
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/", server.api.base)),
        "URLs in answers name the scheme and host the client used: {system}"
    );

    let pem = std::fs::read(&ca).expect("the CA at --tls-ca-out");
    let by_name = Api::trusting(format!("https://localhost:{}", server.addr.port()), &pem);
    assert_eq!(by_name.list(TOKEN, "").await.code(), 0);
}

#[tokio::test]
async fn the_generated_certificate_is_valid_for_ipv6_loopback() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    let server = Binary::start(&[
        "--in-memory",
        "--tls",
        "--addr",
        "[::1]:0",
        "--tls-ca-out",
        ca.to_str().unwrap(),
    ]);
    assert!(
        server.api.base.starts_with("https://[::1]:"),
        "{}",
        server.api.base
    );
    assert_eq!(server.api.list(TOKEN, "").await.code(), 0);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused_and_plain_http_is_not_served() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    let server = Binary::start(&["--in-memory", "--tls", "--tls-ca-out", ca.to_str().unwrap()]);
    let untrusting = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let refused = untrusting
        .get(server.api.url("/__admin/health"))
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let plain = reqwest::get(format!("http://{}/__admin/health", server.addr)).await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "plain HTTP on the TLS port"
    );
    assert_eq!(
        server.api.list(TOKEN, "").await.code(),
        0,
        "the server still serves"
    );
}

#[tokio::test]
async fn a_certificate_of_ones_own_is_served() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = own_certificate(dir.path(), &["localhost"]);
    let server = Binary::start(&["--in-memory", "--tls-cert", &cert, "--tls-key", &key]);
    let pem = std::fs::read(&cert).unwrap();
    let api = Api::trusting(format!("https://localhost:{}", server.addr.port()), &pem);
    let answer = api.list(TOKEN, "").await;
    assert_eq!((answer.status, answer.code()), (200, 0));
}

#[tokio::test]
async fn bad_certificate_files_are_one_line_user_errors() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (cert, key) = own_certificate(dir.path(), &["localhost"]);
    let (other_cert, _) = {
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        own_certificate(&other, &["localhost"])
    };
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let garbage = garbage.to_str().unwrap();
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let serve = ["serve", "--in-memory", "--addr", "127.0.0.1:0"];

    for (cert, key, words) in [
        (missing, key.as_str(), "--tls-cert"),
        (garbage, key.as_str(), "no CERTIFICATE"),
        (cert.as_str(), garbage, "--tls-key"),
        (other_cert.as_str(), key.as_str(), "private key"),
    ] {
        let output = run(&[&serve[..], &["--tls-cert", cert, "--tls-key", key]].concat()).await;
        assert_user_error(&output, words);
    }
    let output = run(&[
        &serve[..],
        &[
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--tls-ca-out",
            "x.pem",
        ],
    ]
    .concat())
    .await;
    assert_user_error(&output, "--tls-ca-out");
}

#[tokio::test]
async fn mock_server_serves_https_with_a_ca_to_trust() {
    let server = coze_mock::MockServer::builder().tls().start().await;
    assert!(
        server.uri().starts_with("https://127.0.0.1:"),
        "{}",
        server.uri()
    );
    let api = Api::for_server(&server);
    let voice = api.new_voice(TOKEN, "over tls").await;
    assert!(!voice.is_empty());
    assert_eq!(server.received_requests().len(), 1);
    assert!(coze_mock::MockServer::start().await.ca_pem().is_none());
}
