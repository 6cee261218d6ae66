use std::time::Duration;

use coze_mock::config::Config;
use coze_mock::rules::Plan;
use coze_mock::MockServer;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

use crate::support::api::Api;
use crate::support::defaults::{SYSTEM_VOICE, TOKEN};
use crate::support::raw::read_answer;
use crate::support::wav::wav_secs;

#[tokio::test]
async fn each_sdk_format_answers_audio_of_that_format_and_content_type() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let cases: [(&str, &str, &[u8]); 5] = [
        ("mp3", "audio/mpeg", &[0xFF]),
        ("wav", "audio/wav", b"RIFF"),
        ("ogg_opus", "audio/ogg", b"OggS"),
        ("opus", "audio/ogg", b"OggS"),
        ("pcm", "audio/pcm", &[]),
    ];
    for (format, content_type, magic) in cases {
        let answer = api
            .speech(
                TOKEN,
                json!({"input": "你好，世界", "voice_id": SYSTEM_VOICE, "response_format": format}),
            )
            .await;
        assert_eq!(answer.status, 200, "{format}");
        assert_eq!(answer.header("content-type"), content_type, "{format}");
        assert!(answer.bytes.starts_with(magic), "{format} magic");
        assert!(answer.header("x-tt-logid").len() == 34, "{format} logid");
        assert_eq!(
            answer.header("content-length"),
            answer.bytes.len().to_string(),
            "{format}: streamed with an exact length"
        );
        assert!(
            answer.bytes.len() > 100,
            "{format}: {} bytes",
            answer.bytes.len()
        );
    }
}

#[tokio::test]
async fn longer_input_gives_longer_audio() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);

    let short = api.speak_wav(TOKEN, SYSTEM_VOICE, "你好").await;
    let long = api
        .speak_wav(TOKEN, SYSTEM_VOICE, "你好，欢迎来到扣子")
        .await;

    assert!(wav_secs(&long.bytes) > wav_secs(&short.bytes));
}

#[tokio::test]
async fn a_cloned_voice_speaks_for_its_workspace_and_is_refused_to_another() {
    let server = crate::support::server::builder()
        .account("other", Plan::Team, 0)
        .workspace("7200000000000000001", "other")
        .token("pat_other", "other", "7200000000000000001")
        .start()
        .await;
    let api = Api::for_server(&server);
    let voice_id = api.new_voice(TOKEN, "mine").await;

    let mine = api.speak_wav(TOKEN, &voice_id, "hello").await;
    let theirs = api.speak_wav("pat_other", &voice_id, "hello").await;

    assert_eq!(mine.status, 200);
    assert!(wav_secs(&mine.bytes) > 0.0);
    theirs.assert_refused(4101, "voice.other_space");
    assert_eq!(theirs.status, 403);
}

#[tokio::test]
async fn an_unknown_voice_is_refused_with_4200() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let answer = api.speak_wav(TOKEN, "7000000000000000000", "hello").await;
    answer.assert_refused(4200, "voice.unknown");
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn bad_formats_rates_speeds_and_over_long_input_are_refused_with_4000() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let cases = [
        (
            json!({"input": "hi", "voice_id": SYSTEM_VOICE, "response_format": "flac"}),
            "speech.response_format",
        ),
        (
            json!({"input": "hi", "voice_id": SYSTEM_VOICE, "sample_rate": 11025}),
            "speech.sample_rate",
        ),
        (
            json!({"input": "hi", "voice_id": SYSTEM_VOICE, "speed": 0.1}),
            "speech.speed_range",
        ),
        (
            json!({"input": format!("{}aa", "字".repeat(341)), "voice_id": SYSTEM_VOICE}),
            "speech.input_max_bytes",
        ),
        (json!({"voice_id": SYSTEM_VOICE}), "speech.body_invalid"),
    ];
    for (body, rule) in cases {
        let answer = api.speech(TOKEN, body).await;
        answer.assert_refused(4000, rule);
        assert_eq!(answer.status, 400, "{rule}");
    }
}

#[tokio::test]
async fn the_same_request_gives_the_same_audio() {
    let server = crate::support::server::start_default().await;
    let api = Api::for_server(&server);
    let body = json!({"input": "你好", "voice_id": SYSTEM_VOICE, "response_format": "mp3"});
    let a = api.speech(TOKEN, body.clone()).await;
    let b = api.speech(TOKEN, body).await;
    assert_eq!(a.bytes, b.bytes);
}

/// The longest a raw-socket speech test waits for its answer: well past the body deadline.
const DEADLINE_CASE_BOUND: Duration = Duration::from_secs(60);

/// A speech body of the default token, and the head of a request declaring its length.
fn raw_speech() -> (String, Vec<u8>) {
    let body = json!({"input": "你好，世界", "voice_id": SYSTEM_VOICE}).to_string();
    let head = format!(
        "POST /v1/audio/speech HTTP/1.1\r\nHost: coze\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    (head, body.into_bytes())
}

#[tokio::test]
async fn a_speech_body_that_stalls_half_way_gets_the_408_envelope_after_the_deadline() {
    let deadline = Duration::from_secs(1);
    let mut config = Config::default();
    config.limits.body_deadline_secs = deadline.as_secs_f64();
    // Plain HTTP whatever the run's TLS mode: these tests write the request's bytes themselves.
    let server = MockServer::start_with(config).await;
    let (head, body) = raw_speech();
    let mut connection = TcpStream::connect(server.address()).await.expect("connect");
    let sent = Instant::now();
    connection.write_all(head.as_bytes()).await.expect("head");
    connection
        .write_all(&body[..body.len() / 2])
        .await
        .expect("half the body");
    // The connection stays open with nothing more sent.
    let answer = timeout(DEADLINE_CASE_BOUND, read_answer(&mut connection))
        .await
        .expect("the body deadline answered within the bound")
        .unwrap_or_else(|cut| panic!("no answer: {cut:?}"));
    assert!(sent.elapsed() >= deadline, "answered before the deadline");
    // `Answer` checks the envelope: the same well-formed logid in `detail.logid` and `x-tt-logid`.
    answer.assert_refused(4000, "body.stalled");
    assert_eq!(answer.status, 408);
    let msg = answer.body()["msg"].as_str().expect("msg");
    assert!(msg.contains("no bytes of the body arrived for 1s"), "{msg}");
}

#[tokio::test]
async fn a_speech_body_sent_slowly_but_steadily_within_the_deadline_is_answered_with_audio() {
    // The default deadline, 10 s.
    let server = MockServer::start().await;
    let (head, body) = raw_speech();
    let (mut reader, mut writer) = TcpStream::connect(server.address())
        .await
        .expect("connect")
        .into_split();
    writer.write_all(head.as_bytes()).await.expect("head");
    let sending = async move {
        // Four pieces, a second apart: slower than any client, well within the deadline.
        for piece in body.chunks(body.len().div_ceil(4)) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            writer.write_all(piece).await.expect("a piece of the body");
        }
        writer
    };
    let (answer, _writer) = timeout(DEADLINE_CASE_BOUND, async {
        tokio::join!(read_answer(&mut reader), sending)
    })
    .await
    .expect("answered within the bound");
    let answer = answer.unwrap_or_else(|cut| panic!("no answer: {cut:?}"));
    assert_eq!(
        answer.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&answer.bytes)
    );
    assert_eq!(answer.header("content-type"), "audio/mpeg");
    assert_eq!(answer.header("x-tt-logid").len(), 34);
    assert!(answer.bytes.len() > 100, "{} bytes", answer.bytes.len());
}
