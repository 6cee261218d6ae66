use coze_mock::MockServer;
use serde_json::{json, Value};

use crate::support::api::Api;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;

/// A voice name of 43 × 名: 43 characters, 129 bytes, one byte over the limit.
fn name_of_129_bytes() -> String {
    "名".repeat(43)
}

/// A clone as cozepy sends one, with a name one byte too long: refused 4000, and a
/// `limit.bytes_not_characters` finding.
fn too_long_a_name() -> CloneForm {
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .field("voice_name", &name_of_129_bytes())
}

/// The report's finding groups of its only client as (id, severity, expected).
fn groups(report: &Value) -> Vec<(String, String, bool)> {
    report["clients"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_owned(),
                g["severity"].as_str().unwrap().to_owned(),
                g["expected"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn group(id: &str, severity: &str, expected: bool) -> (String, String, bool) {
    (id.to_owned(), severity.to_owned(), expected)
}

async fn delete(api: &Api, path: &str) -> Value {
    let answer = api
        .http
        .delete(api.url(&format!("/__admin{path}")))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    answer.json::<Value>().await.unwrap()["data"].clone()
}

#[tokio::test]
async fn a_refusal_declared_in_the_header_is_covered_and_its_finding_expected() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    too_long_a_name()
        .header("X-Coze-Mock-Expect", "4000")
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");

    let report = api.admin_get("/report").await.data();
    assert_eq!(
        report["totals"],
        json!({"error": 0, "warning": 0, "info": 1})
    );
    assert_eq!(
        groups(&report),
        [group("limit.bytes_not_characters", "info", true)]
    );
    let clone = &report["clients"][0]["coverage"][0];
    let seen_4000 = clone["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "4000")
        .unwrap();
    assert_eq!(
        seen_4000["seen"], 1,
        "the expected refusal counts as covered"
    );
    let record = &api.journal().await[0];
    assert_eq!(
        record["expect"],
        json!({"declared": "4000", "source": "X-Coze-Mock-Expect", "met": true})
    );
    assert_eq!(record["findings"][0]["expected"], true);
    assert_eq!(record["findings"][0]["severity"], "info");
}

#[tokio::test]
async fn a_rule_name_or_refusal_declares_an_outcome_too() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    for declared in ["voice_name.max_bytes", "refusal", "4101, 4000"] {
        too_long_a_name()
            .header("x-coze-mock-expect", declared)
            .send(&api)
            .await
            .assert_refused(4000, "voice_name.max_bytes");
    }
    let report = api.admin_get("/report").await.data();
    assert_eq!(report["totals"]["error"], 0, "{report}");
    assert_eq!(report["totals"]["info"], 3);
}

#[tokio::test]
async fn another_answer_than_the_declared_one_is_an_unmet_error() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    too_long_a_name()
        .header("X-Coze-Mock-Expect", "4101")
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .header("X-Coze-Mock-Expect", "soon")
        .send(&api)
        .await
        .assert_ok();

    let report = api.admin_get("/report").await.data();
    assert_eq!(
        groups(&report),
        [
            group("limit.bytes_not_characters", "error", false),
            group("expect.unmet", "error", false)
        ],
        "an unmet expectation leaves the request's findings as they were"
    );
    let evidence = &report["clients"][0]["findings"][1]["evidence"];
    assert_eq!(
        evidence[0],
        "X-Coze-Mock-Expect expected 4101; answered code 4000 on HTTP 400 (voice_name.max_bytes)"
    );
    assert!(
        evidence[1]
            .as_str()
            .unwrap()
            .contains("\"soon\" is neither a code"),
        "{evidence}"
    );
}

#[tokio::test]
async fn an_admin_window_judges_refusals_lets_successes_pass_and_says_what_it_saw() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let added = api
        .admin_post(
            "/expect",
            json!({"expect": [4000], "path": "/v1/audio/voices/clone"}),
        )
        .await
        .data();
    assert_eq!(added["expect"], "4000");
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(&api)
        .await
        .assert_ok();
    too_long_a_name()
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");
    let unknown_voice = api
        .speech(
            TOKEN,
            json!({"input": "你好", "voice_id": "7000000000000000000"}),
        )
        .await;
    assert_eq!(unknown_voice.code(), 4200);

    let seen = delete(&api, "/expect").await;
    assert_eq!(seen["expectations"][0]["met"], 1);
    assert_eq!(seen["expectations"][0]["unmet"], 0);
    let report = api.admin_get("/report").await.data();
    assert_eq!(
        report["totals"],
        json!({"error": 0, "warning": 0, "info": 1}),
        "the speech's 4200 lies outside the expectation's path: no finding"
    );
    assert!(api.admin_get("/expect").await.data()["expectations"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn times_judge_every_request_they_take_successes_included() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post("/expect", json!({"expect": "4000", "times": 1}))
        .await
        .data();
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(&api)
        .await
        .assert_ok();
    too_long_a_name()
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");

    let report = api.admin_get("/report").await.data();
    assert_eq!(
        groups(&report),
        [
            group("limit.bytes_not_characters", "error", false),
            group("expect.unmet", "error", false)
        ],
        "the success used the one time up; the refusal came unannounced"
    );
    let listed = api.admin_get("/expect").await.data();
    assert_eq!(listed["expectations"][0]["remaining"], 0);
    assert_eq!(listed["expectations"][0]["unmet"], 1);
    let refused = api
        .admin_post("/expect", json!({"expect": "sometime"}))
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body()["msg"]
        .as_str()
        .unwrap()
        .contains("\"sometime\""));
}

#[tokio::test]
async fn a_reset_forgets_admin_expectations() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.admin_post("/expect", json!({"expect": "refusal"}))
        .await
        .data();
    api.admin_post("/reset", json!({})).await.data();
    assert!(api.admin_get("/expect").await.data()["expectations"]
        .as_array()
        .unwrap()
        .is_empty());
}
