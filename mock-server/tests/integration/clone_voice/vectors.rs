//! Requests exactly as the official SDKs and the page's curl example put them on the wire
//! (`fixtures/requests/`: recorded by `compat/capture_vectors.py`, or for coze-go and coze-java assembled
//! from their sources by `compat/sdk_source_vectors.py`), replayed byte for byte.

use std::path::PathBuf;

use coze_mock::MockServer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support::answer::Answer;
use crate::support::raw::read_answer;

/// The id the recorded retrain vectors carry; replaced by the id the fake assigned (same length).
const RECORDED_VOICE_ID: &[u8] = b"7468518753626652713";

fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/requests")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Sends raw request bytes on a fresh connection and reads the answer.
async fn replay(server: &MockServer, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    stream.write_all(request).await.unwrap();
    read_answer(&mut stream)
        .await
        .unwrap_or_else(|cut| panic!("no whole answer: {cut:?}"))
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
        "coze_go_clone.http",
        "coze_go_clone_reader.http",
        "coze_java_clone.http",
    ] {
        // The envelope and its logid header are checked as the answer is read.
        let answer = replay(&server, &vector(name)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (200, 0),
            "{name}: {}",
            answer.body()
        );
        assert_eq!(answer.voice_id().len(), 19, "{name}");
    }
}

#[tokio::test]
async fn recorded_retrains_keep_the_voice_id() {
    let server = MockServer::start().await;
    for (clone, retrain) in [
        ("cozepy_clone.http", "cozepy_retrain.http"),
        ("coze_js_clone.http", "coze_js_retrain.http"),
        ("coze_go_clone.http", "coze_go_retrain.http"),
        ("coze_java_clone.http", "coze_java_retrain.http"),
    ] {
        let id = replay(&server, &vector(clone)).await.voice_id();
        let answer = replay(&server, &with_voice_id(vector(retrain), &id)).await;
        assert_eq!(answer.status, 200, "{retrain}: {}", answer.body());
        assert_eq!(answer.voice_id(), id, "{retrain}");
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
        let answer = replay(&server, &vector(name)).await;
        assert_eq!(answer.code(), code, "{name}: {}", answer.body());
    }
}

#[tokio::test]
async fn the_list_requests_of_every_sdk_answer_a_page() {
    let server = MockServer::start().await;
    replay(&server, &vector("cozepy_clone.http")).await;
    for name in [
        "cozepy_list.http",
        "cozepy_list_default.http",
        "coze_js_list.http",
        "coze_go_list.http",
        "coze_java_list.http",
    ] {
        let answer = replay(&server, &vector(name)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (200, 0),
            "{name}: {}",
            answer.body()
        );
        let voices = answer.body()["data"]["voice_list"].as_array().unwrap();
        assert!(
            voices.iter().any(|v| v["is_system_voice"] == false),
            "{name}: the cloned voice is listed: {}",
            answer.body()
        );
    }
}

/// coze-go sends every unset optional speech field as JSON `null`: each means "not given".
#[tokio::test]
async fn the_coze_go_speech_request_with_null_fields_answers_mp3() {
    let server = MockServer::start().await;
    let id = replay(&server, &vector("coze_go_clone.http"))
        .await
        .voice_id();
    let answer = replay(&server, &with_voice_id(vector("coze_go_speech.http"), &id)).await;
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(answer.header("content-type"), "audio/mpeg");
    assert!(!answer.bytes.is_empty());
}

/// coze-java sends `"sample_rate":0` (an `int` it leaves unset) and `"speed":1.0`: the default rate.
#[tokio::test]
async fn the_coze_java_speech_request_with_a_zero_sample_rate_answers_mp3() {
    let server = MockServer::start().await;
    let id = replay(&server, &vector("coze_java_clone.http"))
        .await
        .voice_id();
    let answer = replay(
        &server,
        &with_voice_id(vector("coze_java_speech.http"), &id),
    )
    .await;
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(answer.header("content-type"), "audio/mpeg");
}
