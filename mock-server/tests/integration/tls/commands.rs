//! `wait`, `report` and `drift` against an https fake (and proxy): trusted through `--ca`, `COZE_MOCK_CA` or
//! `SSL_CERT_FILE`; without trust, one `coze-mock: error:` line that names `--ca`; http:// unchanged.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;
use coze_mock::MockServer;
use tempfile::TempDir;

use crate::proxy::report_after;
use crate::support::api::Api;
use crate::support::binary::{Binary, Reaped};
use crate::support::defaults::TOKEN;

/// Runs `coze-mock ARGS…` with the variables `env` and none of the test's own that would change whom it
/// trusts or reaches.
async fn run(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"));
    command
        .args(args)
        .env("COZE_MOCK_LOG", "warn")
        .env_remove("COZE_MOCK_CA")
        .env_remove("SSL_CERT_FILE")
        .env_remove("COZE_MOCK_URL")
        .env_remove("COZE_MOCK_ADMIN_TOKEN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("run coze-mock")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts `output` exited `code` with one `coze-mock: error:` line holding each of `words`.
fn assert_one_line_error(output: &Output, code: i32, words: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {err}");
    assert!(err.starts_with("coze-mock: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    for word in words {
        assert!(err.contains(word), "{word:?} in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// An in-process fake over HTTPS with one clone in its journal, and its CA's PEM in a file.
async fn https_fake() -> (MockServer, TempDir, PathBuf) {
    let server = MockServer::builder().tls().start().await;
    Api::for_server(&server)
        .new_voice(TOKEN, "over https")
        .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.ca_pem().expect("a generated CA")).expect("write the CA");
    (server, dir, ca)
}

#[tokio::test]
async fn wait_and_report_reach_an_https_fake_that_ca_vouches_for() {
    let (server, _dir, ca) = https_fake().await;
    let url = server.uri();
    let ca = ca.to_str().expect("UTF-8");

    let waited = run(
        &["wait", "--url", &url, "--ca", ca, "--timeout", "10s"],
        &[],
    )
    .await;
    assert!(waited.status.success(), "{}", stderr(&waited));
    assert!(
        stdout(&waited).ends_with(&format!("at {url} is ready\n")),
        "{}",
        stdout(&waited)
    );

    let reported = run(&["report", "--url", &url, "--ca", ca], &[]).await;
    assert_eq!(reported.status.code(), Some(0), "{}", stderr(&reported));
    assert!(
        stdout(&reported).starts_with("coze-mock conformance report: 1 requests"),
        "{}",
        stdout(&reported)
    );
}

#[tokio::test]
async fn drift_reaches_an_https_proxy_that_ca_vouches_for() {
    let upstream = MockServer::start().await;
    let settings = ProxySettings::new(&upstream.uri(), Spend::None);
    let proxy = ProxyServer::start_tls(&Config::default(), settings)
        .await
        .expect("a proxy over https");
    let pem = proxy.ca_pem().expect("a generated CA");
    let api = Api::trusting(proxy.uri(), pem.as_bytes());
    assert_eq!(api.list(TOKEN, "").await.code(), 0);
    report_after(&proxy, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("proxy-ca.pem");
    std::fs::write(&ca, pem).unwrap();

    let drifted = run(
        &["drift", "--url", &proxy.uri(), "--format", "json"],
        &[("COZE_MOCK_CA", &ca)],
    )
    .await;
    assert_eq!(drifted.status.code(), Some(0), "{}", stderr(&drifted));
    let json: serde_json::Value = serde_json::from_slice(&drifted.stdout).expect("JSON");
    assert_eq!(json["totals"]["exchanges"], 1, "{json}");
}

#[tokio::test]
async fn coze_mock_ca_and_ssl_cert_file_are_trusted_like_ca() {
    let (server, _dir, ca) = https_fake().await;
    let url = server.uri();
    for variable in ["COZE_MOCK_CA", "SSL_CERT_FILE"] {
        let waited = run(
            &["wait", "--url", &url, "--timeout", "10s"],
            &[(variable, &ca)],
        )
        .await;
        assert!(waited.status.success(), "{variable}: {}", stderr(&waited));
        let reported = run(
            &["report", "--url", &url, "--format", "json"],
            &[(variable, &ca)],
        )
        .await;
        assert_eq!(
            reported.status.code(),
            Some(0),
            "{variable}: {}",
            stderr(&reported)
        );
        let json: serde_json::Value = serde_json::from_slice(&reported.stdout).expect("JSON");
        assert_eq!(json["requests"], 1, "{json}");
    }
}

#[tokio::test]
async fn without_trust_each_command_fails_at_once_in_one_line_naming_ca() {
    let (server, _dir, _ca) = https_fake().await;
    let url = server.uri();
    let fix = ["not trust", "--ca FILE", "COZE_MOCK_CA"];

    // A --timeout it never reaches: the refusal ends the wait, not the clock (its message is not the
    // timeout's "was not ready within").
    let waited = run(&["wait", "--url", &url, "--timeout", "10m"], &[]).await;
    assert_one_line_error(&waited, 1, &fix);
    assert!(!stderr(&waited).contains("not ready within"));

    let reported = run(&["report", "--url", &url], &[]).await;
    assert_one_line_error(&reported, 2, &fix);
    let drifted = run(&["drift", "--url", &url], &[]).await;
    assert_one_line_error(&drifted, 2, &fix);
}

#[tokio::test]
async fn a_ca_that_signed_another_server_is_not_trusted() {
    let (server, dir, _ca) = https_fake().await;
    let other = MockServer::builder().tls().start().await;
    let others_ca = dir.path().join("other.pem");
    std::fs::write(&others_ca, other.ca_pem().unwrap()).unwrap();
    let reported = run(
        &["report", "--url", &server.uri()],
        &[("COZE_MOCK_CA", &others_ca)],
    )
    .await;
    assert_one_line_error(&reported, 2, &["not trust", "--ca FILE"]);
}

#[tokio::test]
async fn an_unreadable_ca_is_named_with_its_flag() {
    let (server, dir, _ca) = https_fake().await;
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let reported = run(&["report", "--url", &server.uri(), "--ca", missing], &[]).await;
    assert_one_line_error(
        &reported,
        2,
        &[&format!("--ca {missing}"), "not a readable PEM"],
    );
}

#[tokio::test]
async fn wait_reads_the_ca_again_until_the_starting_server_has_written_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    // A CA of an earlier run is in the file when `wait` starts; the server overwrites it as it starts.
    let earlier = MockServer::builder().tls().start().await;
    std::fs::write(&ca, earlier.ca_pem().unwrap()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Started before the server, so its first checks find the earlier CA, or nothing listening.
    let mut waiting = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args(["wait", "--url", &format!("https://127.0.0.1:{port}")])
            .args(["--ca", ca.to_str().unwrap(), "--timeout", "60s"])
            .env_remove("COZE_MOCK_CA")
            .env_remove("SSL_CERT_FILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let server = Binary::start(&[
        "--in-memory",
        "--tls",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--tls-ca-out",
        ca.to_str().unwrap(),
    ]);
    let (mut out, mut err) = (String::new(), String::new());
    waiting
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    waiting
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(waiting.wait().unwrap().success(), "{err}");
    assert!(
        out.ends_with(&format!("at {} is ready\n", server.api.base)),
        "{out}"
    );
}

#[tokio::test]
async fn an_https_url_for_a_plain_http_fake_says_it_does_not_speak_tls() {
    let server = MockServer::start().await;
    let url = server.uri().replacen("http://", "https://", 1);
    let reported = run(&["report", "--url", &url], &[]).await;
    assert_one_line_error(&reported, 2, &["does not speak TLS", "http://"]);
}

#[tokio::test]
async fn an_http_url_reads_no_ca() {
    let server = MockServer::start().await;
    let waited = run(
        &[
            "wait",
            "--url",
            &server.uri(),
            "--ca",
            "/nonexistent/ca.pem",
            "--timeout",
            "10s",
        ],
        &[],
    )
    .await;
    assert!(waited.status.success(), "{}", stderr(&waited));
}

#[tokio::test]
async fn help_of_wait_report_and_drift_documents_ca() {
    for command in ["wait", "report", "drift"] {
        let help = stdout(&run(&[command, "--help"], &[]).await);
        for words in ["--ca <FILE>", "COZE_MOCK_CA", "SSL_CERT_FILE", "https://"] {
            assert!(
                help.contains(words),
                "{words:?} in {command} --help: {help}"
            );
        }
    }
}

#[tokio::test]
async fn an_http_url_for_an_https_fake_says_to_use_https() {
    let (server, _dir, _ca) = https_fake().await;
    let url = server.uri().replacen("https://", "http://", 1);
    let reported = run(&["report", "--url", &url], &[]).await;
    assert_one_line_error(&reported, 2, &["not HTTP", "--tls is reached at https://"]);
}

/// Runs `coze-mock wait` without `--url`, as the container's health check does, in an environment of
/// `serve`'s variables `env` alone, for at most `timeout`.
async fn wait_as_health_check(env: &[(&str, &str)], timeout: &str) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"));
    command.args(["wait", "--timeout", timeout]).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.env("TMPDIR", std::env::temp_dir());
    command.envs(env.iter().copied());
    command.output().await.expect("run coze-mock wait")
}

#[tokio::test]
async fn wait_without_url_follows_coze_mock_tls_to_https_and_the_ca_serve_wrote() {
    // In memory: the CA in the temporary directory, named for the port.
    let in_memory = Binary::start(&["--in-memory", "--tls"]);
    let port = in_memory.addr.port().to_string();
    let addr = format!("0.0.0.0:{port}");
    let waited = wait_as_health_check(
        &[
            ("COZE_MOCK_ADDR", &addr),
            ("COZE_MOCK_IN_MEMORY", "true"),
            ("COZE_MOCK_TLS", "1"),
        ],
        "10s",
    )
    .await;
    assert!(waited.status.success(), "{}", stderr(&waited));
    assert!(
        stdout(&waited).ends_with(&format!("at https://127.0.0.1:{port} is ready\n")),
        "{}",
        stdout(&waited)
    );
    let plain = wait_as_health_check(&[("COZE_MOCK_ADDR", &addr)], "300ms").await;
    assert_eq!(plain.status.code(), Some(1));
    assert!(
        stderr(&plain).contains(&format!("http://127.0.0.1:{port}/__admin/health said")),
        "without COZE_MOCK_TLS, http://: {}",
        stderr(&plain)
    );

    // State in a database: the CA beside it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let on_db = Binary::start(&["--db", db.to_str().unwrap(), "--tls"]);
    assert!(dir.path().join("coze-mock-ca.pem").exists());
    let addr = on_db.addr.to_string();
    let waited = wait_as_health_check(
        &[
            ("COZE_MOCK_ADDR", &addr),
            ("COZE_MOCK_DB", db.to_str().unwrap()),
            ("COZE_MOCK_TLS", "true"),
        ],
        "10s",
    )
    .await;
    assert!(waited.status.success(), "{}", stderr(&waited));

    // --tls-ca-out: there.
    let ca = dir.path().join("elsewhere.pem");
    let elsewhere = Binary::start(&["--in-memory", "--tls", "--tls-ca-out", ca.to_str().unwrap()]);
    let addr = elsewhere.addr.to_string();
    let waited = wait_as_health_check(
        &[
            ("COZE_MOCK_ADDR", &addr),
            ("COZE_MOCK_IN_MEMORY", "1"),
            ("COZE_MOCK_TLS", "on"),
            ("COZE_MOCK_TLS_CA_OUT", ca.to_str().unwrap()),
        ],
        "10s",
    )
    .await;
    assert!(waited.status.success(), "{}", stderr(&waited));
}
