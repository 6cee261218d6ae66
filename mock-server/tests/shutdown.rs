//! Graceful shutdown of the `coze-mock` binary on SIGTERM: it stops accepting, lets the upload in flight
//! finish with its envelope, exits 0, and the clone it acknowledged is in the database after a restart.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/binary.rs"]
mod binary;
use binary::spawn_coze_mock;

/// The `coze-mock` binary on a database file; killed when dropped if still running.
struct Binary {
    child: Child,
    addr: SocketAddr,
}

impl Binary {
    fn on_db(db: &Path) -> Binary {
        let (child, addr) = spawn_coze_mock(&["--db", db.to_str().expect("UTF-8 path")]);
        Binary { child, addr }
    }

    fn sigterm(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Waits up to `bound` for the process to exit.
    async fn exit_within(&mut self, bound: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                started.elapsed() < bound,
                "coze-mock still running after {bound:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A clone request for `pat_mock` with a 64 KiB WAV, as raw HTTP/1.1.
fn clone_request(voice_name: &str) -> Vec<u8> {
    let mut wav = b"RIFF\x24\0\x01\0WAVEfmt \x10\0\0\0\x01\0\x01\0\xc0\x5d\0\0\x80\xbb\0\0\x02\0\x10\0data\0\0\x01\0".to_vec();
    wav.resize(44 + 65_536, 0);
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\n{voice_name}\r\n\
         --B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.wav\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&wav);
    body.extend_from_slice(b"\r\n--B--\r\n");
    let mut request = format!(
        "POST /v1/audio/voices/clone HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer pat_mock\r\n\
         Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request
}

/// Reads one answer with a `Content-Length` and returns its JSON body.
async fn read_envelope(stream: &mut TcpStream) -> Value {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("Content-Length");
            if buf.len() >= end + length {
                return serde_json::from_slice(&buf[end..end + length]).expect("a JSON envelope");
            }
        }
        let n = stream.read(&mut chunk).await.expect("read the answer");
        assert!(n > 0, "connection closed before the answer");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The names of the voices `pat_mock` lists.
async fn cloned_voice_ids(addr: SocketAddr) -> Vec<String> {
    let listed: Value = reqwest::Client::new()
        .get(format!(
            "http://{addr}/v1/audio/voices?filter_system_voice=true"
        ))
        .bearer_auth("pat_mock")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("an envelope");
    listed["data"]["voice_list"]
        .as_array()
        .expect("voice_list")
        .iter()
        .map(|v| v["voice_id"].as_str().expect("voice_id").to_owned())
        .collect()
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
    let answer = tokio::time::timeout(Duration::from_secs(10), read_envelope(&mut in_flight))
        .await
        .expect("the in-flight upload is answered");
    assert_eq!(answer["code"], 0, "the in-flight clone succeeds: {answer}");
    let voice_id = answer["data"]["voice_id"]
        .as_str()
        .expect("voice_id")
        .to_owned();
    let status = server.exit_within(Duration::from_secs(10)).await;
    assert!(status.success(), "graceful exit, got {status}");

    let restarted = Binary::on_db(&db);
    assert_eq!(cloned_voice_ids(restarted.addr).await, [voice_id]);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_does_not_delay_the_exit_on_sigterm() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Binary::on_db(&dir.path().join("coze-mock.db"));
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(&clone_request("kept-alive"))
        .await
        .expect("a request");
    assert_eq!(read_envelope(&mut idle).await["code"], 0);

    server.sigterm();
    let status = server.exit_within(Duration::from_secs(10)).await;

    assert!(status.success(), "graceful exit, got {status}");
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "nothing listens after the exit"
    );
}
