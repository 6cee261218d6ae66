//! The `coze-mock` command line: user errors as one message without a backtrace (with
//! `RUST_BACKTRACE=1`, as many CI systems set it), `check-config`, `wait`, `--version`, host names in
//! `--addr`, and the start-up lines.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tempfile::NamedTempFile;

use crate::support::binary::{Binary, Reaped};
use crate::support::defaults::TOKEN;

/// A file holding `text`.
fn config_file(text: &str) -> NamedTempFile {
    let file = NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), text).expect("write config");
    file
}

/// Runs `coze-mock ARGS` to its end, with `RUST_BACKTRACE=1`.
async fn run(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("COZE_MOCK_LOG", "warn")
        .output()
        .await
        .expect("run coze-mock")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts `output` is a user error: exit code 1, and stderr one `coze-mock: error:` message
/// containing `words`, with no backtrace and no `Error: ` debug dump.
fn assert_user_error(output: &Output, words: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("coze-mock: error: "), "{err}");
    assert!(err.contains(words), "{words:?} in {err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
    assert!(!err.contains("Error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// One account, one workspace, a token of it: valid.
const VALID: &str = r#"
[[accounts]]
id = "acme"
plan = "team"

[[workspaces]]
id = "7361638276870530001"
account = "acme"

[[tokens]]
value = "pat_alice"
account = "acme"
personal_workspace = "7361638276870530001"
permissions = ["createVoice"]
"#;

/// Three problems: a malformed workspace id (line 7), a token of an unknown account (line 12), an
/// expiry that is not a date (line 15).
const BROKEN: &str = r#"
[[accounts]]
id = "acme"
plan = "team"

[[workspaces]]
id = "ws-1"
account = "acme"

[[tokens]]
value = "pat_alice"
account = "acne"
personal_workspace = "ws-1"
permissions = ["createVoice"]
expires_at = "soon"
"#;

#[tokio::test]
async fn serve_with_a_broken_config_names_every_problem_and_no_backtrace() {
    let file = config_file(BROKEN);
    let path = file.path().to_str().expect("UTF-8 path");
    let output = run(&[
        "serve",
        "--in-memory",
        "--addr",
        "127.0.0.1:0",
        "--config",
        path,
    ])
    .await;
    assert_user_error(&output, &format!("{path}: 3 problems"));
    let err = stderr(&output);
    for located in [
        format!("{path}:7:6: workspaces[0].id"),
        format!("{path}:12:11: tokens[0].account"),
        format!("{path}:15:14: tokens[0].expires_at"),
    ] {
        assert!(err.contains(&located), "{located} in {err}");
    }
}

#[tokio::test]
async fn serve_on_a_port_in_use_says_so_without_a_backtrace() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let output = run(&["serve", "--in-memory", "--addr", &addr]).await;
    assert_user_error(&output, &format!("cannot listen on {addr}"));
    assert!(stderr(&output).contains("in use"), "{}", stderr(&output));
}

#[tokio::test]
async fn serve_with_an_unreadable_config_names_the_file_and_the_cause() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().expect("UTF-8 path");
    let output = run(&["serve", "--in-memory", "--config", missing]).await;
    assert_user_error(
        &output,
        &format!("cannot read config {missing}: No such file"),
    );
}

#[tokio::test]
async fn an_addr_without_a_port_is_a_user_error() {
    let output = run(&["serve", "--in-memory", "--addr", "localhost"]).await;
    assert_user_error(&output, "--addr \"localhost\" must be HOST:PORT");
}

#[tokio::test]
async fn check_config_sums_up_a_valid_file_and_exits_0() {
    let file = config_file(VALID);
    let path = file.path().to_str().expect("UTF-8 path");
    let output = run(&["check-config", path]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{path}: OK: 1 account, 1 workspace, 1 token, 0 voices, 4 system voices\n")
    );
    assert_eq!(stderr(&output), "");
}

#[tokio::test]
async fn check_config_lists_every_problem_and_exits_1() {
    let file = config_file(BROKEN);
    let path = file.path().to_str().expect("UTF-8 path");
    let output = run(&["check-config", path]).await;
    assert_user_error(&output, &format!("{path}: 3 problems"));
    assert_eq!(stderr(&output).lines().count(), 4, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[tokio::test]
async fn check_config_names_the_line_of_a_syntax_error() {
    let file = config_file("[[accounts]]\nid = \"acme\"\nplan = team\n");
    let path = file.path().to_str().expect("UTF-8 path");
    let output = run(&["check-config", path]).await;
    assert_user_error(&output, &format!("{path}:3:8: "));
}

#[tokio::test]
async fn version_prints_the_crate_version() {
    let output = run(&["--version"]).await;
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        format!("coze-mock {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn openapi_prints_the_description_the_server_serves() {
    let output = run(&["openapi"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(printed["openapi"], "3.1.0");

    let server = coze_mock::MockServer::start().await;
    let served = reqwest::get(format!("{}/__mock/openapi.json", server.uri()))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert!(served.headers().contains_key("x-tt-logid"));
    assert_eq!(served.json::<Value>().await.unwrap(), printed);
}

#[tokio::test]
async fn asyncapi_prints_the_document_the_server_serves() {
    let output = run(&["asyncapi"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    assert_eq!(printed["asyncapi"], "3.0.0");

    let server = coze_mock::MockServer::start().await;
    let served = reqwest::get(format!("{}/__mock/asyncapi.json", server.uri()))
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.json::<Value>().await.unwrap(), printed);
}

/// Starts `coze-mock serve ARGS`, reads its start-up lines through `state: …`, kills it, and returns
/// those lines and everything it wrote to stderr.
fn start_up_lines(args: &[&str]) -> (Vec<String>, String) {
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .arg("serve")
            .args(args)
            .env("COZE_MOCK_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("stdout line");
        let last = line.starts_with("state: ");
        lines.push(line);
        if last {
            break;
        }
    }
    let _ = child.kill();
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    child.wait().expect("reap");
    assert!(
        lines.last().is_some_and(|l| l.starts_with("state: ")),
        "start-up lines: {lines:?}, stderr: {err}"
    );
    (lines, err)
}

#[tokio::test]
async fn a_config_file_s_tokens_are_named_at_start_up() {
    let file = config_file(VALID);
    let path = file.path().to_str().expect("UTF-8 path");
    let (lines, warning) =
        start_up_lines(&["--in-memory", "--addr", "127.0.0.1:0", "--config", path]);
    assert!(
        lines.contains(&format!("configuration: {path}")),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &"token `pat_alice`: account acme (team plan), personal workspace 7361638276870530001"
                .to_owned()
        ),
        "{lines:?}"
    );
    assert_eq!(warning, "");
}

#[tokio::test]
async fn a_config_in_which_no_token_can_clone_warns_at_start_up_and_still_serves() {
    let file = config_file(&VALID.replace("[\"createVoice\"]", "[]"));
    let path = file.path().to_str().expect("UTF-8 path");
    let (lines, warning) =
        start_up_lines(&["--in-memory", "--addr", "127.0.0.1:0", "--config", path]);
    assert!(lines[0].starts_with("coze-mock listening on"), "{lines:?}");
    assert_eq!(
        warning,
        "coze-mock: warning: no token can clone a voice: \"pat_alice\" lacks the createVoice \
         permission\n"
    );
}

#[tokio::test]
async fn a_host_name_is_accepted_as_addr() {
    let binary = Binary::start(&["--in-memory", "--addr", "localhost:0"]);
    assert!(binary.addr.ip().is_loopback(), "{}", binary.addr);
    let answer = binary.api.list(TOKEN, "").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.code(), 0);
}

/// A server answering `GET /__admin/health` with `health`, the shape the fake's health route has.
async fn health_server(health: Value) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/__admin/health",
        get(move || {
            let health = health.clone();
            async move { Json(health) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (addr, task)
}

fn health(ready: bool) -> Value {
    json!({"code": 0, "msg": "", "data": {"ready": ready, "version": "9.9.9"},
           "detail": {"logid": "20261125000000000000000000000000"}})
}

#[tokio::test]
async fn wait_exits_0_once_the_health_check_says_ready() {
    let (addr, server) = health_server(health(true)).await;
    let output = run(&[
        "wait",
        "--url",
        &format!("http://{addr}/"),
        "--timeout",
        "10s",
    ])
    .await;
    server.abort();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("coze-mock 9.9.9 at http://{addr} is ready\n")
    );
}

#[tokio::test]
async fn wait_exits_0_once_the_binary_serves() {
    let binary = Binary::in_memory();
    let output = run(&["wait", "--url", &binary.api.base, "--timeout", "10s"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "coze-mock {} at {} is ready\n",
            env!("CARGO_PKG_VERSION"),
            binary.api.base
        )
    );
}

#[tokio::test]
async fn wait_times_out_with_exit_1_while_not_ready() {
    let (addr, server) = health_server(health(false)).await;
    let output = run(&[
        "wait",
        "--url",
        &format!("http://{addr}"),
        "--timeout",
        "300ms",
    ])
    .await;
    server.abort();
    assert_user_error(
        &output,
        &format!("http://{addr} was not ready within 300ms"),
    );
    assert!(
        stderr(&output).contains("not ready: {"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn wait_times_out_with_exit_1_when_nothing_listens() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let output = run(&[
        "wait",
        "--url",
        &format!("http://{addr}"),
        "--timeout",
        "200ms",
    ])
    .await;
    assert_user_error(&output, "was not ready within 200ms");
}

#[tokio::test]
async fn wait_refuses_a_timeout_it_cannot_read() {
    let output = run(&["wait", "--url", "http://127.0.0.1:9", "--timeout", "soon"]).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("invalid value 'soon' for '--timeout"), "{err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
}

#[tokio::test]
async fn a_config_of_settings_alone_keeps_pat_mock_and_says_so() {
    let file = config_file("[fidelity]\nerror_status = \"always_200\"\n");
    let path = file.path().to_str().expect("UTF-8 path");
    let (lines, warning) =
        start_up_lines(&["--in-memory", "--addr", "127.0.0.1:0", "--config", path]);
    assert!(
        lines.contains(
            &"accounts, workspaces and tokens: the defaults (the file declares none of them)"
                .to_owned()
        ),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("token `pat_mock`: ")),
        "{lines:?}"
    );
    assert_eq!(warning, "");
    let binary = Binary::start(&["--in-memory", "--config", path]);
    let answer = binary.api.list(TOKEN, "").await;
    assert_eq!((answer.status, answer.code()), (200, 0));
}

/// `serve` with `COZE_MOCK_IN_MEMORY` set to `value` (and `extra` variables), in a fresh folder: its
/// `state: …` line, or its error.
fn state_line(value: &str, extra: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env("COZE_MOCK_IN_MEMORY", value)
            .envs(extra.iter().copied())
            .env("COZE_MOCK_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let state = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("state: "));
    let _ = child.kill();
    let mut err = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err);
    child.wait().expect("reap");
    state.unwrap_or(err)
}

#[tokio::test]
async fn coze_mock_in_memory_takes_the_usual_spellings_and_empty() {
    for on in ["true", "1", "yes", "ON"] {
        assert_eq!(state_line(on, &[]), "state: in memory", "{on:?}");
    }
    for off in ["false", "0", "no", "off", ""] {
        assert_eq!(state_line(off, &[]), "state: coze-mock.db", "{off:?}");
        assert_eq!(
            state_line(off, &[("COZE_MOCK_DB", "state.db")]),
            "state: state.db",
            "{off:?}"
        );
    }
    let refused = state_line("true", &[("COZE_MOCK_DB", "state.db")]);
    assert!(
        refused.contains("cannot be used with --in-memory")
            && refused.contains("COZE_MOCK_IN_MEMORY=false"),
        "{refused}"
    );
    let misspelt = state_line("ture", &[]);
    assert!(misspelt.contains("\"ture\" is neither on"), "{misspelt}");
}

#[tokio::test]
async fn stop_on_stdin_close_stops_gracefully_when_the_parent_s_pipe_closes() {
    let mut child = Reaped::spawn(
        Command::new(env!("CARGO_BIN_EXE_coze-mock"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--in-memory",
                "--stop-on-stdin-close",
            ])
            .env("COZE_MOCK_LOG", "off")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped()),
    );
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let listening = lines.next().expect("a line").expect("stdout line");
    assert!(
        listening.starts_with("coze-mock listening on"),
        "{listening}"
    );
    drop(child.stdin.take()); // what a parent's death does to the pipe
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().expect("reap");
    assert!(exit.success(), "{exit}: {rest:?}");
    assert_eq!(
        rest.last().map(String::as_str),
        Some("coze-mock stopped"),
        "{rest:?}"
    );
    assert!(
        rest.contains(&"coze-mock: standard input closed".to_owned()),
        "{rest:?}"
    );
}

#[tokio::test]
async fn wait_without_url_finds_the_fake_through_coze_mock_addr() {
    let binary = Binary::in_memory();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_coze-mock"))
        .args(["wait", "--timeout", "10s"])
        .env("COZE_MOCK_ADDR", format!("0.0.0.0:{}", binary.addr.port()))
        .output()
        .await
        .expect("run coze-mock wait");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "coze-mock {} at http://127.0.0.1:{} is ready\n",
            env!("CARGO_PKG_VERSION"),
            binary.addr.port()
        )
    );
}

#[tokio::test]
async fn wait_reaches_a_fake_on_an_ipv6_address() {
    let binary = Binary::start(&["--in-memory", "--addr", "[::1]:0"]);
    assert!(binary.addr.is_ipv6(), "{}", binary.addr);
    let url = format!("http://{}/", binary.addr);
    let output = run(&["wait", "--url", &url, "--timeout", "10s"]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with(&format!(
            "at http://[::1]:{} is ready\n",
            binary.addr.port()
        )),
        "{}",
        stdout(&output)
    );
}

#[tokio::test]
async fn wait_refuses_a_url_that_is_not_http_host_port() {
    for url in ["127.0.0.1:8080", "ftp://127.0.0.1:8080"] {
        let output = run(&["wait", "--url", url, "--timeout", "1s"]).await;
        assert_user_error(&output, "must be http://HOST[:PORT]");
    }
}
