use coze_mock::MockServer;
use serde_json::json;

use crate::support::api::Api;
use crate::support::binary::Binary;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;

#[tokio::test]
async fn the_report_groups_clients_and_says_what_they_never_saw() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(&api)
        .await
        .assert_ok();
    api.http
        .get(api.url("/v1/audio/voices"))
        .header("user-agent", "cozepy/0.20.0 python/3.11.2")
        .header("x-api-key", TOKEN)
        .send()
        .await
        .unwrap();

    let report = api.admin_get("/report").await.data();
    assert_eq!(report["requests"], 2);
    assert_eq!(
        report["totals"],
        json!({"error": 1, "warning": 0, "info": 0})
    );
    let labels: Vec<&str> = report["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["other · pat_mock", "cozepy/0.20.0 · pat_mock"]);
    let other = &report["clients"][0];
    let clone = &other["coverage"][0];
    assert_eq!(clone["endpoint"], "clone");
    assert_eq!(
        clone["outcomes"][0],
        json!({"outcome": "success", "seen": 1})
    );
    assert!(other["never_seen"][0]
        .as_str()
        .unwrap()
        .ends_with("4304, 5000, a 429, a 5xx, a slow answer or a dropped connection"));
    let cozepy = &report["clients"][1];
    assert_eq!(cozepy["findings"][0]["id"], "auth.token_not_bearer");
    assert_eq!(cozepy["findings"][0]["evidence"][0], "x-api-key: <token>");
}

#[tokio::test]
async fn the_junit_report_is_xml_with_a_failure_per_error_finding() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    CloneForm::valid(TOKEN)
        .field("voice_name", &"名".repeat(43))
        .send(&api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");

    let response = api
        .http
        .get(api.url("/__admin/report?format=junit"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    let xml = response.text().await.unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert!(xml.contains(
        "<testcase name=\"clone: 4000\" classname=\"coze-mock.coverage.clone\" time=\"0\"/>"
    ));
    assert!(xml.contains("<testcase name=\"limit.bytes_not_characters\""));
    assert!(xml.contains("evidence: voice_name is 43 characters but 129 bytes"));
    api.admin_get("/report?format=yaml")
        .await
        .assert_refused(4000, "admin.invalid");
}

#[tokio::test]
async fn accounts_show_their_slots_used_and_total() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    api.new_voice(TOKEN, "narrator").await;

    let accounts = api.admin_get("/accounts").await.data();
    let account = &accounts[0];
    assert_eq!(account["slots_used"], 1);
    assert_eq!(account["slots_total"], 100);
    assert_eq!(account["plan"], "enterprise");
}

#[tokio::test]
async fn the_page_is_one_self_contained_html_file() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let response = api.http.get(api.url("/__admin/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>coze-mock inspector</title>"));
    for external in ["http://", "https://", "//cdn", "@import"] {
        assert!(!html.contains(external), "the page fetches {external}");
    }
    assert!(api.journal().await.is_empty(), "the page is not journaled");
}

#[tokio::test]
async fn with_an_admin_token_the_page_loads_and_the_data_needs_the_token() {
    let server = Binary::start(&["--in-memory", "--admin-token", "s3cret"]);
    let http = &server.api.http;
    let page = http.get(server.api.url("/__admin/")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the page itself asks for the token");
    let report = http
        .get(server.api.url("/__admin/report"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 401);
    let report = http
        .get(server.api.url("/__admin/report"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
}

#[tokio::test]
async fn the_root_points_at_the_endpoints_the_page_and_the_docs() {
    let server = MockServer::start().await;
    let api = Api::new(server.uri());
    let landing = api.get("/").await.data();
    assert_eq!(landing["inspector"], "/__admin/");
    assert_eq!(landing["report"], "/__admin/report");
    assert_eq!(landing["endpoints"][0], "POST /v1/audio/voices/clone");
    assert!(landing["docs"]
        .as_str()
        .unwrap()
        .starts_with("https://www.coze.cn/"));
    assert!(api.journal().await.is_empty(), "no API call");
}
