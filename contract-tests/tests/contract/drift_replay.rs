//! The drift tool replays a recorded set against the fake and reports field by field where they differ.
//! The set here is synthetic and lives only in a temporary folder: real sets come only from real runs.

use std::path::Path;

use contract_tests::drift;
use contract_tests::record::Exchange;
use contract_tests::CapturedResponse;
use contract_tests::{Api, CloneRequest, TokenChoice};
use serde_json::json;

fn write(dir: &Path, name: &str, request: CloneRequest, response: CapturedResponse) {
    let exchange = Exchange {
        test: name.into(),
        recorded_at: "2026-01-01T00:00:00Z".into(),
        base: "synthetic".into(),
        request: request.into(),
        response,
    };
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string_pretty(&exchange).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn replay_reports_each_field_where_the_fake_differs_and_nothing_where_it_agrees() {
    // Arrange: a synthetic set made from the fake's own answers (so they agree, but for their logids),
    // the second one altered in two fields.
    let api = Api::fake().await;
    let dir = tempfile::tempdir().unwrap();
    let agrees = CloneRequest::valid_sample().token(TokenChoice::Missing);
    write(
        dir.path(),
        "001-agrees",
        agrees.clone(),
        api.clone_voice(&agrees).await,
    );
    let differs = CloneRequest::valid_sample().language("fr");
    let mut altered = api.clone_voice(&differs).await;
    altered.status = 299;
    altered.body["msg"] = json!("a message the fake does not give");
    write(dir.path(), "002-differs", differs, altered);
    // Act
    let reports = drift::replay(dir.path(), &api).await.unwrap();
    let text = drift::render(&reports);
    // Assert
    assert_eq!(reports.len(), 2, "{text}");
    assert!(reports[0].diffs.is_empty(), "{text}");
    let paths: Vec<&str> = reports[1].diffs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["body.msg", "status"], "{text}");
    assert!(
        text.contains("2 exchange(s) replayed, 1 agree, 1 differ"),
        "{text}"
    );
}

/// A set `coze-mock proxy --record` wrote (a client's clone, list and speech through the proxy to a
/// fake upstream, in a temporary folder) replays: the format is the one `drift replay` reads, the
/// upload replayed by a stand-in of its format and size.
#[tokio::test]
async fn a_set_recorded_by_the_proxy_replays_against_the_fake() {
    use coze_mock::__internals::proxy::record::RecordSettings;
    use coze_mock::__internals::proxy::spend::Spend;
    use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
    use coze_mock::config::Config;

    let upstream = coze_mock::MockServer::start().await;
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
    let http = reqwest::Client::new();
    let wav = contract_tests::audio::AudioSpec::speech("wav").bytes();
    let form = reqwest::multipart::Form::new()
        .text("voice_name", "recorded")
        .text("audio_format", "wav")
        .part(
            "file",
            reqwest::multipart::Part::bytes(wav).file_name("speech.wav"),
        );
    let clone: serde_json::Value = http
        .post(format!("{}/v1/audio/voices/clone", proxy.uri()))
        .bearer_auth(coze_mock::config::DEFAULT_TOKEN)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let voice_id = clone["data"]["voice_id"].as_str().unwrap().to_owned();
    http.get(format!("{}/v1/audio/voices?page_size=5", proxy.uri()))
        .bearer_auth(coze_mock::config::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    http.post(format!("{}/v1/audio/speech", proxy.uri()))
        .bearer_auth(coze_mock::config::DEFAULT_TOKEN)
        .json(&json!({"input": "你好", "voice_id": voice_id, "response_format": "wav"}))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    for _ in 0..3000 {
        if proxy.drift_report().totals.exchanges >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The suite's fake, its main token allowed to list and speak too (the suite's own grants cloning only).
    let main_may_list_and_speak = contract_tests::client::CONTRACT_TOML.replacen(
        "value = \"pat_contract_main\"\naccount = \"team\"\npersonal_workspace = \"7000000000000000001\"\npermissions = [\"createVoice\"]",
        "value = \"pat_contract_main\"\naccount = \"team\"\npersonal_workspace = \"7000000000000000001\"",
        1,
    );
    let fake =
        coze_mock::MockServer::start_with(Config::from_toml(&main_may_list_and_speak).unwrap())
            .await;
    let mut target = contract_tests::target::Settings::from_lookup(|_| None).unwrap();
    target.target = contract_tests::target::Target::Url(fake.uri());
    let reports = drift::replay(dir.path(), &Api::with_settings(target).await)
        .await
        .unwrap();
    let text = drift::render(&reports);
    assert_eq!(reports.len(), 3, "{text}");
    assert!(text.contains("3 exchange(s) replayed, 3 agree"), "{text}");
}

/// A streaming-speech handshake the upstream refused, recorded by `coze-mock proxy --record` (its token in
/// the header, then in the query), replays as a handshake: the fake refuses it the same way. The replay
/// sends the upgrade headers: a fake that admits the token answers the replayed handshake `101`.
#[tokio::test]
async fn a_refused_handshake_recorded_by_the_proxy_replays_as_a_handshake() {
    use contract_tests::request::OtherRequest;
    use coze_mock::__internals::proxy::record::RecordSettings;
    use coze_mock::__internals::proxy::spend::Spend;
    use coze_mock::__internals::proxy::{ProxyServer, ProxySettings};
    use coze_mock::config::Config;

    let upstream = coze_mock::MockServer::start().await;
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
    let bad = "pat_nobody_knows_this_one_41";
    let http = reqwest::Client::new();
    let speech = format!("{}/v1/audio/speech", proxy.uri());
    for request in [
        http.get(&speech).bearer_auth(bad),
        http.get(format!("{speech}?authorization=Bearer%20{bad}")),
    ] {
        let refused = request
            .header("upgrade", "websocket")
            .header("connection", "Upgrade")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
    for _ in 0..3000 {
        if proxy.drift_report().totals.exchanges >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let main_may_speak = contract_tests::client::CONTRACT_TOML.replacen(
        "value = \"pat_contract_main\"\naccount = \"team\"\npersonal_workspace = \"7000000000000000001\"\npermissions = [\"createVoice\"]",
        "value = \"pat_contract_main\"\naccount = \"team\"\npersonal_workspace = \"7000000000000000001\"",
        1,
    );
    let fake = coze_mock::MockServer::start_with(Config::from_toml(&main_may_speak).unwrap()).await;
    let mut target = contract_tests::target::Settings::from_lookup(|_| None).unwrap();
    target.target = contract_tests::target::Target::Url(fake.uri());
    let api = Api::with_settings(target).await;
    let reports = drift::replay(dir.path(), &api).await.unwrap();
    let text = drift::render(&reports);
    assert_eq!(reports.len(), 2, "{text}");
    assert!(text.contains("2 exchange(s) replayed, 2 agree"), "{text}");
    assert!(
        reports
            .iter()
            .all(|r| r.request.contains("upgrade: websocket")),
        "{reports:?}"
    );

    let handshake = |upgrade: Option<&str>| OtherRequest {
        method: "GET".into(),
        path: "/v1/audio/speech".into(),
        query: None,
        token: TokenChoice::Main,
        json: None,
        upgrade: upgrade.map(str::to_owned),
    };
    assert_eq!(
        api.send_other(&handshake(Some("websocket"))).await.status,
        101
    );
    assert_ne!(api.send_other(&handshake(None)).await.status, 101);
}
