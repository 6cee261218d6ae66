//! Graceful shutdown of the `coze-mock` binary on SIGTERM: it stops accepting, lets the upload in flight
//! finish with its envelope, exits 0, and the clone it acknowledged is in the database after a restart.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::answer::Answer;
use crate::support::binary::Binary;
use crate::support::defaults::TOKEN;
use crate::support::raw::read_answer;
use crate::support::wav::wav_of_len;

/// A clone request for `pat_mock` with a 64 KiB WAV, as raw HTTP/1.1: the head (with `extra_headers`)
/// and the body.
fn clone_upload(voice_name: &str, extra_headers: &str) -> (Vec<u8>, Vec<u8>) {
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n{voice_name}\r\n\
         --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.wav\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&wav_of_len(44 + 65_536));
    body.extend_from_slice(b"\r\n--B--\r\n");
    let head = format!(
        "POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    )
    .into_bytes();
    (head, body)
}

/// A whole clone on `stream`, which stays open (keep-alive); returns the new voice's id.
async fn clone_on(stream: &mut TcpStream, voice_name: &str) -> String {
    let (head, body) = clone_upload(voice_name, "");
    stream
        .write_all(&[head, body].concat())
        .await
        .expect("a request");
    let answer = read_whole(stream).await;
    answer.assert_ok();
    answer.voice_id()
}

/// Waits for the server to close `stream` without answering anything more (an orderly EOF).
async fn assert_closed_by_the_server(stream: &mut TcpStream) {
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest))
        .await
        .expect("the server closed the idle connection")
        .expect("an orderly close");
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
}

/// Reads one whole answer off `stream`.
async fn read_whole(stream: &mut TcpStream) -> Answer {
    read_answer(stream)
        .await
        .unwrap_or_else(|cut| panic!("connection ended before the answer: {cut:?}"))
}

#[tokio::test]
async fn sigterm_lets_the_upload_in_flight_finish_and_keeps_its_voice() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("coze-mock.db");
    let mut server = Binary::on_db(&db);
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    let before = clone_on(&mut idle, "before").await;
    let (head, body) = clone_upload("in-flight", "Expect: 100-continue\r\n");
    let mut in_flight = TcpStream::connect(server.addr).await.expect("connect");
    in_flight.write_all(&head).await.expect("the head");
    // hyper sends the interim answer when the handler first reads the body: the upload is in flight.
    assert_eq!(read_whole(&mut in_flight).await.status, 100, "100 Continue");

    server.sigterm();
    // Graceful shutdown closes idle keep-alive connections at once: the server is shutting down.
    assert_closed_by_the_server(&mut idle).await;
    assert!(
        server.is_running(),
        "the server shuts down and waits for the upload in flight"
    );
    in_flight.write_all(&body).await.expect("the body");
    let answer = tokio::time::timeout(Duration::from_secs(10), read_whole(&mut in_flight))
        .await
        .expect("the in-flight upload is answered");
    answer.assert_ok();
    let in_flight_id = answer.voice_id();
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(status.success(), "graceful exit, got {status}");

    let restarted = Binary::on_db(&db);
    let mut acknowledged = vec![before, in_flight_id];
    acknowledged.sort();
    assert_eq!(restarted.api.cloned_voice_ids(TOKEN).await, acknowledged);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_does_not_delay_the_exit_on_sigterm() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Binary::on_db(&dir.path().join("coze-mock.db"));
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    clone_on(&mut idle, "kept-alive").await;

    server.sigterm();

    assert_closed_by_the_server(&mut idle).await;
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(status.success(), "graceful exit, got {status}");
}
