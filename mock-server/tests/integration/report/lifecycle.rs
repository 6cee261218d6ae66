use std::process::Output;

use serde_json::{json, Value};

use crate::support::binary::Binary;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;

/// Runs `coze-mock report ARGS…`.
async fn report_command(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .arg("report")
        .args(args)
        .env_remove("COZE_MOCK_ADMIN_TOKEN")
        .env_remove("COZE_MOCK_URL")
        .output()
        .await
        .expect("run coze-mock report")
}

fn labels(report: &Value) -> Vec<&str> {
    report["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_reset_leaves_the_report_and_delete_empties_it() {
    let server = Binary::in_memory();
    let api = &server.api;
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(api)
        .await
        .assert_ok();
    api.admin_post("/reset", json!({})).await.data();
    CloneForm::valid(TOKEN)
        .field("voice_name", &"名".repeat(43))
        .field("audio_format", "wav")
        .send(api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");

    assert_eq!(
        api.journal().await.len(),
        1,
        "the reset emptied the journal"
    );
    let report = api.admin_get("/report").await.data();
    assert_eq!(report["requests"], 2, "and left the report: {report}");
    assert_eq!(report["totals"]["error"], 1);

    let emptied: Value = api
        .http
        .delete(api.url("/__admin/report"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        emptied["data"]["requests"], 2,
        "DELETE answers what it emptied"
    );
    let report = api.admin_get("/report").await.data();
    assert_eq!(report["requests"], 0);
    assert!(report["clients"].as_array().unwrap().is_empty());
    assert_eq!(api.journal().await.len(), 1, "the journal stays");
}

#[tokio::test]
async fn a_wrong_token_counts_toward_the_client_that_sent_it() {
    let server = Binary::in_memory();
    let api = &server.api;
    let cozepy = |token: &str| {
        CloneForm::valid(token)
            .field("audio_format", "wav")
            .header("user-agent", "cozepy/0.20.0 python/3.11.2 linux/6.1")
    };
    cozepy("pat_wrong_token_of_a_test")
        .send(api)
        .await
        .assert_refused(4100, "auth.token_unknown");
    cozepy(TOKEN).send(api).await.assert_ok();

    let report = api.admin_get("/report").await.data();
    assert_eq!(labels(&report), ["cozepy/0.20.0 · pat_mock"]);
    let client = &report["clients"][0];
    assert_eq!(client["requests"], 2);
    let clone = &client["coverage"][0]["outcomes"];
    let seen = |outcome: &str| {
        clone
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["outcome"] == outcome)
            .unwrap()["seen"]
            .clone()
    };
    assert_eq!((seen("success"), seen("4100")), (json!(1), json!(1)));
}

#[tokio::test]
async fn merge_adds_saved_reports_up_and_gates_on_the_sum() {
    let clean = Binary::in_memory();
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(&clean.api)
        .await
        .assert_ok();
    let mistaken = Binary::in_memory();
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .field("voice_name", &"名".repeat(43))
        .send(&mistaken.api)
        .await
        .assert_refused(4000, "voice_name.max_bytes");
    let dir = tempfile::tempdir().unwrap();
    let save = |name: &str, out: Output| {
        assert_eq!(out.status.code(), Some(0));
        let path = dir.path().join(name);
        std::fs::write(&path, &out.stdout).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let a = save(
        "a.json",
        report_command(&["--url", &clean.api.base, "--format", "json"]).await,
    );
    let b = save(
        "b.json",
        report_command(&["--url", &mistaken.api.base, "--format", "json"]).await,
    );

    let alone = report_command(&["--merge", &a, "--fail-on", "error"]).await;
    assert_eq!(alone.status.code(), Some(0));
    let both = report_command(&["--merge", &a, &b, "--format", "json", "--fail-on", "error"]).await;
    assert_eq!(both.status.code(), Some(1));
    let merged: Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(merged["requests"], 2);
    assert_eq!(
        labels(&merged),
        ["other · pat_mock"],
        "one client, both runs"
    );
    assert_eq!(merged["clients"][0]["requests"], 2);

    std::fs::write(dir.path().join("bad.json"), "{\"requests\": \"many\"}").unwrap();
    let bad = dir.path().join("bad.json");
    let unreadable = report_command(&["--merge", bad.to_str().unwrap()]).await;
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("not a coze-mock report"));
    let neither = report_command(&[]).await;
    assert_eq!(
        neither.status.code(),
        Some(2),
        "clap refuses: no --url, no --merge"
    );
}
