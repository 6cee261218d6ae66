use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::api::Api;
use crate::support::binary::Reaped;
use crate::support::defaults::TOKEN;

#[tokio::test]
async fn the_terminal_shows_the_admin_access_each_request_and_the_shutdown() {
    // Reaped: a failing assertion below must not leave the server running.
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args(["serve", "--addr", "127.0.0.1:0", "--in-memory"])
            .env("COZE_MOCK_LOG", "info")
            .stdout(Stdio::piped()),
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = move || lines.next().expect("a line").expect("UTF-8");
    let mut start_up = Vec::new();
    loop {
        let line = next();
        let done = line.starts_with("state:");
        start_up.push(line);
        if done {
            break;
        }
    }
    let base = start_up[0]
        .strip_prefix("coze-mock listening on ")
        .expect("the first line names the address")
        .to_owned();
    assert!(
        start_up.contains(&format!(
            "admin API and inspector page: {base}/__admin/ (open: loopback only)"
        )),
        "{start_up:#?}"
    );

    let answer = Api::new(base.clone()).list(TOKEN, "pageSize=5").await;
    let request_line = next();
    assert!(
        !request_line.contains('\u{1b}'),
        "no colour codes off a terminal: {request_line:?}"
    );
    for part in [
        "GET /v1/audio/voices",
        "client=other · pat_mock",
        "status=200",
        "code=0",
        "rule=-",
        &format!("logid={}", answer.header("x-tt-logid")),
        "duration_ms=",
    ] {
        assert!(request_line.contains(part), "{part:?} in {request_line}");
    }

    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(
        next(),
        "coze-mock shutting down: no new connections; in-flight requests finish first"
    );
    assert_eq!(next(), "coze-mock stopped");
    assert!(child.wait().unwrap().success());
}
