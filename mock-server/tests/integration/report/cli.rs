use std::process::Output;

use crate::support::api::Api;
use crate::support::binary::Binary;
use crate::support::clone_form::CloneForm;
use crate::support::defaults::TOKEN;

/// Runs `coze-mock report --url URL ARGS…`.
async fn report(url: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(["report", "--url", url])
        .args(args)
        .env_remove("COZE_MOCK_ADMIN_TOKEN")
        .output()
        .await
        .expect("run coze-mock report")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A request every official SDK would send the same way: no finding.
async fn clean_clone(api: &Api) {
    CloneForm::valid(TOKEN)
        .field("audio_format", "wav")
        .send(api)
        .await
        .assert_ok();
}

#[tokio::test]
async fn a_clean_run_exits_0_even_at_warning_level() {
    let server = Binary::in_memory();
    clean_clone(&server.api).await;

    let out = report(&server.api.base, &["--fail-on", "warning"]).await;

    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with(
        "coze-mock conformance report: 1 requests from 1 clients; 0 errors, 0 warnings, 0 info"
    ));
}

#[tokio::test]
async fn an_error_finding_exits_1_at_error_level_and_0_without_a_gate() {
    let server = Binary::in_memory();
    clean_clone(&server.api).await;
    server
        .api
        .http
        .get(server.api.url("/v1/audio/voices"))
        .header("authorization", TOKEN)
        .send()
        .await
        .unwrap();

    let gated = report(&server.api.base, &["--fail-on", "error"]).await;
    assert_eq!(gated.status.code(), Some(1));
    assert!(stdout(&gated).contains("ERROR   auth.token_not_bearer ×1"));
    assert!(String::from_utf8_lossy(&gated.stderr).contains("1 finding(s) at error level"));

    let ungated = report(&server.api.base, &["--format", "json"]).await;
    assert_eq!(ungated.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&ungated.stdout).unwrap();
    assert_eq!(json["totals"]["error"], 1);
}

#[tokio::test]
async fn a_warning_exits_1_only_at_warning_level() {
    let server = Binary::in_memory();
    CloneForm::valid(TOKEN).send(&server.api).await.assert_ok();

    assert_eq!(
        report(&server.api.base, &["--fail-on", "error"])
            .await
            .status
            .code(),
        Some(0)
    );
    let out = report(
        &server.api.base,
        &["--fail-on", "warning", "--format", "junit"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("<?xml"));
}

#[tokio::test]
async fn an_unreachable_server_or_a_wrong_token_exits_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let out = report(&closed, &["--fail-on", "error"]).await;
    assert_eq!(out.status.code(), Some(2));

    let server = Binary::start(&["--in-memory", "--admin-token", "s3cret"]);
    let out = report(&server.api.base, &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("4100"));
    let out = report(&server.api.base, &["--admin-token", "s3cret"]).await;
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test]
async fn the_report_of_a_fake_on_an_ipv6_address_is_read() {
    let server = Binary::start(&["--in-memory", "--addr", "[::1]:0"]);
    clean_clone(&server.api).await;

    let out = report(&server.api.base, &["--fail-on", "error"]).await;

    assert!(
        server.api.base.starts_with("http://[::1]:"),
        "{}",
        server.api.base
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("1 requests from 1 clients"),
        "{}",
        stdout(&out)
    );
}
