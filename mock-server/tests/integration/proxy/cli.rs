//! The proxy's flags (`--help` documents each; a bad `--upstream` or `--spend` is one line and exit 1),
//! `coze-mock drift` (exit 1 on a divergence with `--fail-on diverged`, 0 without one, 2 unreadable),
//! and `--record` (no token in any file).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use coze_mock::__internals::proxy::record::RecordSettings;
use coze_mock::__internals::proxy::spend::Spend;
use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
use coze_mock::config::Config;

use super::disagreeing::{proxy, proxy_knowing_plans, upstream, ENTERPRISE, TEAM};
use super::report_after;
use crate::support::api::Api;
use crate::support::binary::Reaped;
use crate::support::clone_form::CloneForm;

fn coze_mock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("COZE_MOCK_LOG", "warn")
        .env_remove("COZE_MOCK_UPSTREAM")
        .env_remove("COZE_MOCK_WS_UPSTREAM")
        .output()
        .expect("run coze-mock")
}

fn assert_one_line_error(output: &Output, words: &str) {
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.starts_with("coze-mock: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(words), "{words:?} in {err}");
}

#[test]
fn a_bad_upstream_or_spend_is_one_line_and_exit_1() {
    for (args, words) in [
        (
            vec!["--upstream", "ftp://api.coze.cn"],
            "not an http:// or https:// URL",
        ),
        (
            vec!["--upstream", "api.coze.cn"],
            "not an http:// or https:// URL",
        ),
        (
            vec!["--upstream", "https://api.coze.cn", "--spend", "some"],
            "--spend \"some\": none, refusals or all",
        ),
        (
            vec![
                "--upstream",
                "https://api.coze.cn",
                "--ws-upstream",
                "ftp://ws.coze.cn",
            ],
            "--ws-upstream \"ftp://ws.coze.cn\" is not a ws://, wss://, http:// or https:// URL",
        ),
        (
            vec![
                "--upstream",
                "https://api.coze.cn",
                "--ws-upstream",
                "wss://ws.coze.cn/v1",
            ],
            "--ws-upstream \"wss://ws.coze.cn/v1\" has a path",
        ),
    ] {
        let mut all = vec!["proxy", "--addr", "127.0.0.1:0"];
        all.extend(args);
        assert_one_line_error(&coze_mock(&all), words);
    }
}

#[test]
fn help_documents_every_flag() {
    let help = String::from_utf8(coze_mock(&["proxy", "--help"]).stdout).unwrap();
    for flag in [
        "--upstream",
        "--spend",
        "--addr",
        "--config",
        "--record",
        "--record-audio",
        "--redact-ids",
        "--upstream-timeout",
        "--admin-token",
        "--ws-upstream",
        "COZE_MOCK_WS_UPSTREAM",
        "speech_stream.session",
        "handshake the upstream refused",
        "--tls",
        "--tls-ca-out",
        "--tls-cert",
        "--tls-key",
        "COZE_MOCK_UPSTREAM",
        "COZE_MOCK_TLS",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

#[tokio::test]
async fn drift_exits_1_on_a_divergence_0_without_and_2_when_unreadable() {
    let upstream = upstream().await;
    let (quiet, _) = proxy(&upstream, Spend::All).await;
    let url = quiet.uri();
    let clean = tokio::task::spawn_blocking(move || {
        coze_mock(&["drift", "--url", &url, "--fail-on", "diverged"])
    })
    .await
    .unwrap();
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );

    let (proxy, api) = proxy_knowing_plans(&upstream, Spend::All).await;
    api.clone_voice(TEAM, "refused upstream", None, None).await;
    report_after(&proxy, 1).await;
    let url = proxy.uri();
    let diverged = tokio::task::spawn_blocking(move || {
        coze_mock(&["drift", "--url", &url, "--fail-on", "diverged"])
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&diverged.stdout);
    assert_eq!(diverged.status.code(), Some(1), "{out}");
    assert!(out.contains("[clone.plans]"), "{out}");
    assert!(out.contains("1 diverged"), "{out}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreadable = coze_mock(&["drift", "--url", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(unreadable.status.code(), Some(2));
}

#[tokio::test]
async fn the_binary_proxies_and_says_what_its_spend_costs() {
    let upstream = upstream().await;
    // Reaped: a failing assertion below must not leave the proxy running.
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args(["proxy", "--addr", "127.0.0.1:0", "--spend", "all"])
            .env("COZE_MOCK_UPSTREAM", upstream.uri())
            .env("COZE_MOCK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let addr = loop {
        let line = lines.next().expect("a start-up line").unwrap();
        seen.push(line.clone());
        if let Some(addr) = line.strip_prefix("coze-mock listening on ") {
            break addr.to_owned();
        }
    };
    for _ in 0..3 {
        seen.push(lines.next().unwrap().unwrap());
    }
    let text = seen.join("\n");
    assert!(text.contains("spend all: real money"), "{text}");
    let derived = upstream.uri().replace("http://", "ws://");
    assert!(
        text.contains(&format!(
            "streaming speech (GET /v1/audio/speech upgraded): relayed to {derived}"
        )),
        "{text}"
    );
    let api = Api::new(addr);
    let answer = api
        .clone_voice(ENTERPRISE, "through the binary", None, None)
        .await;
    answer.assert_ok();
    assert!(
        answer.body()["data"]["name"].is_string(),
        "the upstream's answer"
    );
    let _ = child.kill();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(err.contains("--spend all forwards every clone"), "{err}");
}

#[tokio::test]
async fn a_recording_holds_no_token() {
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
    let api = Api::new(proxy.uri());
    let id = api.new_voice(ENTERPRISE, "recorded").await;
    api.list(ENTERPRISE, "page_size=5").await;
    api.speak_wav(ENTERPRISE, &id, "你好").await;
    CloneForm::valid("pat_not_known_upstream_55")
        .send(&api)
        .await;
    report_after(&proxy, 4).await;
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "000001-audio",
            "000001-clone.json",
            "000002-list.json",
            "000003-speech.json",
            "000004-audio",
            "000004-clone.json"
        ]
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for token in [ENTERPRISE, "pat_not_known_upstream_55"] {
            assert!(!text.contains(token), "{token} in {}", file.display());
        }
    }
    let clone: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[1]).unwrap()).unwrap();
    assert_eq!(clone["request"]["token"], "main");
    assert_eq!(clone["request"]["parts"][2]["audio"]["format"], "wav");
    let refused: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[5]).unwrap()).unwrap();
    assert_eq!(refused["request"]["token"]["literal"], "[token]");
}
