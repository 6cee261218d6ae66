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
        request,
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
