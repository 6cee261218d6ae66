use crate::support::answer::Answer;
use crate::support::team::spawn_app;
use crate::support::wav::wav;

#[tokio::test]
async fn a_wrong_method_answers_an_envelope() {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .get(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .bearer_auth("pat_team")
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response).await;
    answer.assert_refused(4000, "route.method_not_allowed");
    assert_eq!(answer.status, 405);
}

#[tokio::test]
async fn a_wrong_path_answers_an_envelope() {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voice/clone", app.server.uri()))
        .send()
        .await
        .unwrap();
    let answer = Answer::read(response).await;
    answer.assert_refused(4200, "route.not_found");
    assert_eq!(answer.status, 404);
}

/// 「必须使用 multipart/form-data 方式上传音频文件。」
#[tokio::test]
async fn a_json_body_is_refused_as_not_multipart() {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .bearer_auth("pat_team")
        .json(&serde_json::json!({"voice_name": "jay"}))
        .send()
        .await
        .unwrap();
    Answer::read(response)
        .await
        .assert_refused(4300, "body.not_multipart");
}

async fn post_raw(content_type: &str, body: Vec<u8>) -> Answer {
    let app = spawn_app().await;
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .bearer_auth("pat_team")
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

#[tokio::test]
async fn a_truncated_multipart_body_is_refused_as_malformed() {
    let mut body = b"--XYZ\r\nContent-Disposition: form-data; name=\"voice_name\"\r\n\r\njay\r\n--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n".to_vec();
    body.extend_from_slice(&wav(1.0, 24_000));
    post_raw("multipart/form-data; boundary=XYZ", body)
        .await
        .assert_refused(4000, "body.malformed_multipart");
}

#[tokio::test]
async fn garbage_after_a_multipart_content_type_is_refused_as_malformed() {
    post_raw(
        "multipart/form-data; boundary=XYZ",
        b"\x00\x01garbage".to_vec(),
    )
    .await
    .assert_refused(4000, "body.malformed_multipart");
}

/// The page's curl example: `Content-Type: application/json` with `--form`, which curl 7.88 sends as
/// `application/json; boundary=…` and parts with `Content-Disposition: attachment` (reference file).
#[tokio::test]
async fn the_documented_curl_example_is_answered_like_a_form() {
    let boundary = "------------------------d74496d66958873e";
    let mut body = Vec::new();
    for (name, value) in [
        ("voice_name", "jay"),
        (
            "preview_text",
            "你好，欢迎来到AI世界，我是你的专属AI克隆声音，希望未来可以一起好好相处。",
        ),
        ("audio_format", "wav"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: attachment; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: attachment; name=\"file\"; filename=\"jay.MP3\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(&wav(12.0, 24_000));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let answer = post_raw(&format!("application/json; boundary={boundary}"), body).await;
    answer.assert_ok();
}

/// A Content-Length over the limit is refused before the body is parsed, and the client still receives
/// the envelope rather than a reset connection.
#[tokio::test]
async fn an_oversized_content_length_is_refused_with_an_envelope() {
    let app = spawn_app().await;
    let body = vec![b'x'; 11 * 1024 * 1024];
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .bearer_auth("pat_team")
        .header("Content-Type", "multipart/form-data; boundary=XYZ")
        .body(body)
        .send()
        .await
        .expect("the answer arrives instead of a connection reset");
    Answer::read(response)
        .await
        .assert_refused(4302, "file.max_size");
}

#[tokio::test]
async fn a_50_mb_upload_receives_the_envelope() {
    let app = spawn_app().await;
    let mut body =
        b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&crate::support::wav::wav_of_len(50 * 1000 * 1000));
    body.extend_from_slice(b"\r\n--XYZ--\r\n");
    let stream = futures_chunks(body);
    let response = app
        .api
        .http
        .post(format!("{}/v1/audio/voices/clone", app.server.uri()))
        .bearer_auth("pat_team")
        .header("Content-Type", "multipart/form-data; boundary=XYZ")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("the answer arrives instead of a connection reset");
    Answer::read(response)
        .await
        .assert_refused(4302, "file.max_size");
}

/// A body streamed in 64 KiB chunks with no Content-Length, so the limit is found while streaming.
fn futures_chunks(
    body: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let chunks: Vec<Vec<u8>> = body.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    futures_util::stream::iter(chunks.into_iter().map(Ok))
}
