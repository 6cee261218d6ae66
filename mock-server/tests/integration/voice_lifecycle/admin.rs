use coze_mock::config::VoiceConfig;
use coze_mock::rules::Plan;
use serde_json::json;

use crate::support::api::Api;
use crate::support::binary::Binary;
use crate::support::defaults::{SPACE, SYSTEM_VOICE, TOKEN};

#[tokio::test]
async fn the_journal_records_each_request_with_its_verdict_and_rule() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.new_voice(TOKEN, "journaled").await;
    let refused = api.list("pat_nobody", "").await;

    let records = api.journal().await;

    assert_eq!(
        records.len(),
        2,
        "admin requests are not journaled: {records:?}"
    );
    assert_eq!(records[0]["path"], "/v1/audio/voices/clone");
    assert_eq!(records[0]["verdict"], "accepted");
    assert_eq!(records[0]["account"], "mock-enterprise");
    assert_eq!(records[0]["code"], 0);
    assert_eq!(records[1]["verdict"], "refused");
    assert_eq!(records[1]["rule"], "auth.token_unknown");
    assert_eq!(records[1]["status"], 401);
    assert_eq!(records[1]["logid"], refused.header("x-tt-logid"));
    assert_eq!(
        server.received_requests().len(),
        2,
        "the same journal, in process"
    );
}

#[tokio::test]
async fn reset_returns_to_the_configured_state() {
    let server = crate::support::server::builder()
        .voice(VoiceConfig::new(SPACE, "configured"))
        .start()
        .await;
    let api = Api::for_server(&server);
    let configured = api.cloned_voices(TOKEN).await[0]["voice_id"].clone();
    api.clone_voice(TOKEN, "retrained", configured.as_str(), None)
        .await
        .data();
    api.new_voice(TOKEN, "extra").await;
    api.admin_post("/seed", json!({"tokens": [{"value": "pat_seeded", "account": "mock-enterprise", "personal_workspace": SPACE, "permissions": []}]}))
        .await
        .data();

    api.admin_post("/reset", json!({})).await.data();

    let voices = api.cloned_voices(TOKEN).await;
    assert_eq!(voices.len(), 1);
    assert_eq!(voices[0]["name"], "configured");
    assert_eq!(
        voices[0]["available_training_times"], 9,
        "the retrain is forgotten"
    );
    assert_eq!(api.journal().await.len(), 1, "only the list above");
    api.list("pat_seeded", "")
        .await
        .assert_refused(4100, "auth.token_unknown");
}

#[tokio::test]
async fn seeded_accounts_tokens_and_voices_are_usable_at_once() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);

    let seeded = api
        .admin_post(
            "/seed",
            json!({
                "accounts": [{"id": "seeded", "plan": "team"}],
                "workspaces": [{"id": "7300000000000000001", "account": "seeded"}],
                "tokens": [{"value": "pat_seeded", "account": "seeded", "personal_workspace": "7300000000000000001", "permissions": ["createVoice", "listVoice", "createSpeech"]}],
                "voices": [{"voice_id": "7300000000000000099", "space_id": "7300000000000000001", "name": "seeded voice", "available_training_times": 1}]
            }),
        )
        .await
        .data();

    assert_eq!(seeded["voices"][0]["voice_id"], "7300000000000000099");
    let voices = api.cloned_voices("pat_seeded").await;
    assert_eq!(voices[0]["available_training_times"], 1);
    assert_eq!(
        api.speak_wav("pat_seeded", "7300000000000000099", "hi")
            .await
            .status,
        200
    );
    api.clone_voice("pat_seeded", "second", Some("7300000000000000099"), None)
        .await
        .data();
    api.clone_voice("pat_seeded", "third", Some("7300000000000000099"), None)
        .await
        .assert_refused(4101, "voice_id.clone_limit");
    api.clone_voice("pat_seeded", "new", None, None)
        .await
        .assert_refused(4101, "account.no_voice_slots");
}

#[tokio::test]
async fn a_seed_that_breaks_the_configuration_is_refused_and_changes_nothing() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let answer = api
        .admin_post("/seed", json!({"tokens": [{"value": "pat_x", "account": "nobody", "personal_workspace": SPACE, "permissions": []}]}))
        .await;
    answer.assert_refused(4000, "admin.invalid");
    api.list("pat_x", "")
        .await
        .assert_refused(4100, "auth.token_unknown");
}

#[tokio::test]
async fn a_seed_that_is_not_a_json_object_is_refused() {
    // Found by Schemathesis: serde reads a struct from an array, so `[]` used to seed nothing and answer 0.
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    for body in [
        json!([]),
        json!([[], [], [], []]),
        json!("accounts"),
        json!(7),
    ] {
        api.admin_post("/seed", body.clone())
            .await
            .assert_refused(4000, "admin.invalid");
    }
}

/// The description says a seed holds accounts, workspaces, tokens and voices, their integers written
/// as JSON Schema's (`5.0` is one), and nothing else (found by Schemathesis with every check).
#[tokio::test]
async fn a_seed_is_read_as_its_description_says() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    for key in ["system_voices", "fidelity", "audio", "rules", "\u{10403}"] {
        api.admin_post("/seed", json!({ key: {} }))
            .await
            .assert_refused(4000, "admin.invalid");
    }
    api.admin_post(
        "/seed",
        json!({"accounts": [{"id": "bought", "plan": "team", "bought_voice_slots": 5.0}]}),
    )
    .await
    .data();
    api.admin_post(
        "/seed",
        json!({"accounts": [{"id": "all", "plan": "team", "bought_voice_slots": u32::MAX}]}),
    )
    .await
    .data();
}

/// A fault's `times` is an integer as JSON Schema counts one (`375.0`), never `null`; its `method` is a
/// method, never "" (found by Schemathesis with every check).
#[tokio::test]
async fn a_fault_is_read_as_its_description_says() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.admin_post(
        "/faults",
        json!({"path": "/nowhere", "times": 375.0, "action": {"kind": "drop"}}),
    )
    .await
    .data();
    for body in [
        json!({"path": "/nowhere", "times": null, "action": {"kind": "drop"}}),
        json!({"path": "/nowhere", "method": "", "action": {"kind": "drop"}}),
        json!({"path": "/nowhere", "action": {"kind": "drop", "ms": 1}}),
    ] {
        api.admin_post("/faults", body.clone())
            .await
            .assert_refused(4000, "admin.invalid");
    }
}

#[tokio::test]
async fn an_envelope_fault_for_two_requests_answers_exactly_two() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices", "method": "GET", "times": 2,
               "action": {"kind": "envelope", "code": 4013, "msg": "rate limited", "status": 429}}),
    )
    .await
    .data();

    let first = api.list(TOKEN, "").await;
    let second = api.list(TOKEN, "").await;
    let third = api.list(TOKEN, "").await;

    for faulted in [&first, &second] {
        faulted.assert_refused(4013, "fault.envelope");
        assert_eq!(faulted.status, 429);
        assert_eq!(
            faulted.body()["detail"]["logid"],
            faulted.header("x-tt-logid"),
            "an injected envelope has a logid like any answer"
        );
    }
    assert_eq!(third.code(), 0);
    let verdicts: Vec<_> = api
        .journal()
        .await
        .iter()
        .map(|r| r["verdict"].clone())
        .collect();
    assert_eq!(verdicts, ["fault", "fault", "accepted"]);
}

#[tokio::test]
async fn an_http_503_fault_reaches_the_client_as_a_bare_status() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/*", "action": {"kind": "http_status", "status": 503}}),
    )
    .await
    .data();

    let answer = api.speak_wav(TOKEN, SYSTEM_VOICE, "hi").await;

    assert_eq!(answer.status, 503);
    assert_eq!(answer.header("content-type"), "text/plain");
    assert_eq!(answer.bytes, b"503 Service Unavailable");
}

#[tokio::test]
async fn a_dropped_connection_fault_leaves_the_client_without_an_answer() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    api.admin_post(
        "/faults",
        json!({"path": "/v1/audio/voices", "action": {"kind": "drop"}}),
    )
    .await
    .data();

    let dropped = api
        .http
        .get(format!("{}/v1/audio/voices", api.base))
        .bearer_auth(TOKEN)
        .send()
        .await;

    assert!(dropped.is_err(), "got an answer: {dropped:?}");
    assert_eq!(api.list(TOKEN, "").await.code(), 0, "once only");
}

#[tokio::test]
async fn a_windowed_latency_fault_delays_but_does_not_change_answers() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let fault = api
        .admin_post(
            "/faults",
            json!({"for_ms": 600000, "action": {"kind": "latency", "ms": 1}}),
        )
        .await
        .data();
    assert!(fault["until_ms"].as_i64().is_some());

    for _ in 0..3 {
        assert_eq!(api.list(TOKEN, "").await.code(), 0);
    }

    let faults = api.admin_get("/faults").await.data();
    assert_eq!(faults["faults"][0]["hits"], 3, "still active: {faults}");
    let cleared = api
        .http
        .delete(format!("{}/__admin/faults", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 200);
    assert!(api.admin_get("/faults").await.data()["faults"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_builder_serves_its_accounts_tokens_and_voices() {
    let server = crate::support::server::builder()
        .account("acme", Plan::Team, 0)
        .workspace("7400000000000000001", "acme")
        .token("pat_acme", "acme", "7400000000000000001")
        .voice(VoiceConfig::new("7400000000000000001", "narrator"))
        .start()
        .await;
    let api = Api::for_server(&server);

    let voices = api.cloned_voices("pat_acme").await;

    assert_eq!(voices[0]["name"], "narrator");
    api.clone_voice("pat_acme", "second", None, None)
        .await
        .assert_refused(4101, "account.no_voice_slots");
    assert_eq!(api.list(TOKEN, "").await.code(), 0, "pat_mock still works");
}

#[test]
fn with_an_admin_token_the_admin_api_needs_it() {
    let binary = Binary::start(&["--in-memory", "--admin-token", "s3cret"]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let api = &binary.api;
        api.admin_get("/journal")
            .await
            .assert_refused(4100, "admin.unauthorized");
        let with_token = api
            .http
            .get(format!("{}/__admin/journal", api.base))
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap();
        assert_eq!(with_token.status(), 200);
    });
}

#[test]
fn without_an_admin_token_a_server_off_loopback_keeps_the_admin_api_closed() {
    let binary = Binary::start(&["--in-memory", "--addr", "0.0.0.0:0"]);
    let port = binary.api.base.rsplit(':').next().unwrap().to_owned();
    let local = Api::new(format!("http://127.0.0.1:{port}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        local
            .admin_get("/journal")
            .await
            .assert_refused(4100, "admin.unauthorized");
        assert_eq!(
            local.list(TOKEN, "").await.code(),
            0,
            "the API itself is open"
        );
    });
}
