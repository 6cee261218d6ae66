//! Graceful shutdown of the `coze-mock` binary on SIGTERM: it stops accepting, lets the upload in flight
//! finish with its envelope, exits 0, and the clone it acknowledged is in the database after a restart.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::answer::Answer;
use crate::support::binary::Binary;
use crate::support::defaults::TOKEN;
use crate::support::raw::read_answer;
use crate::support::wav::wav_of_len;

/// A clone request for `pat_mock` with a 64 KiB WAV, as raw HTTP/1.1.
fn clone_request(voice_name: &str) -> Vec<u8> {
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n{voice_name}\r\n\
         --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.wav\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&wav_of_len(44 + 65_536));
    body.extend_from_slice(b"\r\n--B--\r\n");
    let mut request = format!(
        "POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
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
    let request = clone_request("in-flight");
    let (first_half, second_half) = request.split_at(request.len() / 2);
    let mut in_flight = TcpStream::connect(server.addr).await.expect("connect");
    in_flight.write_all(first_half).await.expect("first half");
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.sigterm();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        server.is_running(),
        "the server waits for the upload in flight"
    );
    in_flight.write_all(second_half).await.expect("second half");
    let answer = tokio::time::timeout(Duration::from_secs(10), read_whole(&mut in_flight))
        .await
        .expect("the in-flight upload is answered");
    answer.assert_ok();
    let voice_id = answer.voice_id();
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(status.success(), "graceful exit, got {status}");

    let restarted = Binary::on_db(&db);
    assert_eq!(restarted.api.cloned_voice_ids(TOKEN).await, [voice_id]);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_does_not_delay_the_exit_on_sigterm() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Binary::on_db(&dir.path().join("coze-mock.db"));
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(&clone_request("kept-alive"))
        .await
        .expect("a request");
    read_whole(&mut idle).await.assert_ok();

    server.sigterm();
    let status = server.exit_within(Duration::from_secs(10)).await;

    assert!(status.success(), "graceful exit, got {status}");
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "nothing listens after the exit"
    );
}
