use coze_mock::MockServer;
use serde_json::{json, Value};

use crate::support::api::Api;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;

/// A clone request as cozepy sends one: `audio_format` and a file name.
fn cozepy_like() -> CloneForm {
    CloneForm::valid(TOKEN).field("audio_format", "wav")
}

fn finding_ids(record: &Value) -> Vec<String> {
    record["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn each_record_keeps_names_sizes_and_the_audio_hash_but_no_audio() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    cozepy_like()
        .field("text", "你好")
        .send(&api)
        .await
        .assert_ok();

    let record = &api.journal().await[0];
    let fields: Vec<(&str, u64, u64)> = record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap(),
                f["bytes"].as_u64().unwrap(),
                f["chars"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [("voice_name", 3, 3), ("audio_format", 3, 3), ("text", 6, 2)]
    );
    let file = &record["file"];
    assert_eq!(file["filename"], "jay.wav");
    assert_eq!(file["detected"], "wav");
    assert_eq!(file["hash"].as_str().unwrap().len(), 16);
    assert!(file["duration_secs"].as_f64().unwrap() > 11.9);
    assert_eq!(record["declared_format"], "wav");
    assert!(
        !record.to_string().contains("你好"),
        "values other than the compared ones are never kept"
    );
    assert!(finding_ids(record).is_empty(), "{record}");
}

#[tokio::test]
async fn a_dropped_connection_is_recorded_as_dropped_not_as_http_200() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices", "action": {"kind": "drop"}}),
    )
    .await
    .data();

    let sent = api
        .http
        .get(api.url("/v1/audio/voices"))
        .bearer_auth(TOKEN)
        .send()
        .await;
    if let Ok(response) = sent {
        assert!(response.bytes().await.is_err(), "the body never completes");
    }

    let record = &api.journal().await[0];
    assert_eq!(record["status"], Value::Null);
    assert_eq!(record["fault"], json!({"kind": "drop"}));
    assert_eq!(record["rule"], "fault.drop");
    assert_eq!(record["verdict"], "fault");
}

#[tokio::test]
async fn a_latency_fault_names_itself_and_keeps_the_answers_verdict() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices", "action": {"kind": "latency", "ms": 20}}),
    )
    .await
    .data();

    assert_eq!(api.list(TOKEN, "").await.code(), 0);

    let record = &api.journal().await[0];
    assert_eq!(record["fault"], json!({"kind": "latency", "ms": 20}));
    assert_eq!(record["rule"], "fault.latency");
    assert_eq!(record["status"], 200);
    assert_eq!(record["verdict"], "accepted");
    assert!(record["duration_ms"].as_u64().unwrap() >= 20);
}

#[tokio::test]
async fn a_client_that_gives_up_waiting_is_recorded_as_abandoned_and_its_retry_found() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices/clone", "action": {"kind": "latency", "ms": 2000}}),
    )
    .await
    .data();
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(api.url("/v1/audio/voices/clone"))
        .bearer_auth(TOKEN)
        .multipart(
            reqwest::multipart::Form::new()
                .text("voice_name", "jay")
                .text("audio_format", "wav")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(crate::support::wav::wav(12.0, 24_000))
                        .file_name("jay.wav"),
                ),
        )
        .send()
        .await;
    assert!(gave_up.is_err(), "the client timed out");

    let started = std::time::Instant::now();
    let records = loop {
        let records = api.journal().await;
        if !records.is_empty() {
            break records;
        }
        assert!(started.elapsed().as_secs() < 30, "never journaled");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let record = &records[0];
    assert_eq!(record["verdict"], "abandoned");
    assert_eq!(record["status"], Value::Null);
    assert_eq!(record["abandoned"], true);
    assert_eq!(record["fault"], json!({"kind": "latency", "ms": 2000}));
    assert_eq!(record["file"]["filename"], "jay.wav");
    assert_eq!(
        api.cloned_voices(TOKEN).await.len(),
        1,
        "the slow server finished the work the client gave up on"
    );

    cozepy_like().send(&api).await.assert_ok();
    let records = api.journal().await;
    let retry = records.last().unwrap();
    assert_eq!(finding_ids(retry), ["money.retried_clone"]);
    assert!(retry["findings"][0]["evidence"]
        .as_str()
        .unwrap()
        .contains("a 2000 ms delay the client gave up on (a timeout)"));
}

#[tokio::test]
async fn a_clone_retried_after_an_injected_5000_is_a_money_finding() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices/clone", "action": {"kind": "envelope", "code": 5000, "msg": "busy"}}),
    )
    .await
    .data();

    cozepy_like()
        .send(&api)
        .await
        .assert_refused(5000, "fault.envelope");
    cozepy_like().send(&api).await.assert_ok();

    let records = api.journal().await;
    assert!(
        finding_ids(&records[0]).is_empty(),
        "the faulted attempt itself is clean"
    );
    assert_eq!(
        records[0]["file"]["filename"], "jay.wav",
        "read under the fault"
    );
    assert_eq!(finding_ids(&records[1]), ["money.retried_clone"]);
    let evidence = records[1]["findings"][0]["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("injected 5000")
            && evidence.contains(records[0]["logid"].as_str().unwrap()),
        "{evidence}"
    );
}

#[tokio::test]
async fn typos_get_a_did_you_mean_on_every_endpoint() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    cozepy_like()
        .without("voice_name")
        .field("voiceName", "jay")
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.required");
    api.list(TOKEN, "pageSize=10").await;
    api.speech(TOKEN, json!({"text": "hi", "voice_id": "1"}))
        .await;

    let evidence: Vec<String> = api
        .journal()
        .await
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap().clone())
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["evidence"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        evidence,
        [
            "clone.unknown_field \"voiceName\": did you mean \"voice_name\"?",
            "list.unknown_param \"pageSize\": did you mean \"page_size\"?",
            "speech.unknown_key \"text\": did you mean \"input\"?",
        ]
    );
}

#[tokio::test]
async fn the_journal_filters_by_logid_path_code_client_and_time() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let ok = api.list(TOKEN, "").await;
    api.list("pat_unknown", "").await;
    api.http
        .get(api.url("/v1/audio/voices"))
        .header("user-agent", "curl/8.5.0")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();

    let ids = |query: String| {
        let api = &api;
        async move {
            api.admin_get(&format!("/journal?{query}")).await.data()["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(format!("logid={}", ok.header("x-tt-logid"))).await, [1]);
    assert_eq!(ids("code=4100".into()).await, [2]);
    assert_eq!(ids("client=curl".into()).await, [3]);
    assert_eq!(ids("path=/v1/audio/*".into()).await, [1, 2, 3]);
    assert_eq!(ids("path=/v1/audio/speech".into()).await, Vec::<u64>::new());
    let first_time = api.journal().await[0]["time_ms"].as_i64().unwrap();
    assert_eq!(ids(format!("until={first_time}")).await, Vec::<u64>::new());
    assert_eq!(ids(format!("since={first_time}")).await.len(), 3);
    api.admin_get("/journal?colour=red")
        .await
        .assert_refused(4000, "admin.invalid");
}
