//! Requests exactly as the official SDKs and the page's curl example put them on the wire
//! (`fixtures/requests/`, recorded by `compat/capture_vectors.py`), replayed byte for byte.

use std::path::PathBuf;

use mock_server::MockServer;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The id the recorded retrain vectors carry; replaced by the id the fake assigned (same length).
const RECORDED_VOICE_ID: &[u8] = b"7468518753626652713";

fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/requests")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Sends raw request bytes and reads one answer: (status, JSON body, x-tt-logid header).
async fn replay(server: &MockServer, request: &[u8]) -> (u16, Value, String) {
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a whole answer");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
        };
        let len: usize = header("content-length").unwrap().parse().unwrap();
        if buf.len() >= end + 4 + len {
            let status = head[9..12].parse().unwrap();
            let body = serde_json::from_slice(&buf[end + 4..end + 4 + len]).unwrap();
            return (status, body, header("x-tt-logid").unwrap().to_uppercase());
        }
    }
}

fn with_voice_id(mut request: Vec<u8>, voice_id: &str) -> Vec<u8> {
    let at = request
        .windows(RECORDED_VOICE_ID.len())
        .position(|w| w == RECORDED_VOICE_ID)
        .expect("the vector carries the recorded voice id");
    request[at..at + RECORDED_VOICE_ID.len()].copy_from_slice(voice_id.as_bytes());
    request
}

#[tokio::test]
async fn every_recorded_clone_request_of_the_official_clients_succeeds() {
    let server = MockServer::start().await;
    for name in [
        "cozepy_clone.http",
        "cozepy_clone_wav.http",
        "cozepy_clone_all_fields.http",
        "coze_js_clone.http",
        "coze_js_clone_buffer.http",
        "curl_doc_example_clone.http",
        "curl_form_clone.http",
    ] {
        let (status, body, logid) = replay(&server, &vector(name)).await;
        assert_eq!(
            (status, &body["code"]),
            (200, &Value::from(0)),
            "{name}: {body}"
        );
        assert_eq!(body["detail"]["logid"], Value::from(logid), "{name}");
        assert_eq!(
            body["data"]["voice_id"].as_str().unwrap().len(),
            19,
            "{name}"
        );
    }
}

#[tokio::test]
async fn recorded_retrains_keep_the_voice_id() {
    let server = MockServer::start().await;
    for (clone, retrain) in [
        ("cozepy_clone.http", "cozepy_retrain.http"),
        ("coze_js_clone.http", "coze_js_retrain.http"),
    ] {
        let (_, cloned, _) = replay(&server, &vector(clone)).await;
        let id = cloned["data"]["voice_id"].as_str().unwrap();
        let (status, body, _) = replay(&server, &with_voice_id(vector(retrain), id)).await;
        assert_eq!(status, 200, "{retrain}: {body}");
        assert_eq!(body["data"]["voice_id"], id, "{retrain}");
        assert_eq!(body["data"]["available_training_times"], 8, "{retrain}");
    }
}

#[tokio::test]
async fn recorded_bad_requests_get_the_documented_codes() {
    let server = MockServer::start().await;
    for (name, code) in [
        ("cozepy_clone_bad_token.http", 4100),
        ("coze_js_clone_bad_token.http", 4100),
        ("cozepy_clone_long_name.http", 4000),
        ("coze_js_clone_long_name.http", 4000),
    ] {
        let (_, body, _) = replay(&server, &vector(name)).await;
        assert_eq!(body["code"], code, "{name}: {body}");
    }
}
